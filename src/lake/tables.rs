//! Registers the lake's tables with DataFusion under the names of DESIGN §4–§5. Each table
//! lists exactly the live files of committed batches, so queries never see a half-written
//! batch or a superseded row.

use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::datasource::{MemTable, TableProvider};
use datafusion::error::DataFusionError;
use datafusion::prelude::SessionContext;

use super::manifest::{self, FileEntry, Manifest};
use super::pruning::{Domain, PrunedFiles};
use super::{schema, Lake, LakeError};
use crate::vocabulary::SourceKind;

#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    #[error(transparent)]
    Lake(#[from] LakeError),
    #[error("registering table `{table}`: {source}")]
    DataFusion {
        table: String,
        source: DataFusionError,
    },
}

/// A table over an explicit list of Parquet files with a known schema (empty list: an
/// empty table with the same columns, so queries work on a new lake). Files are left out
/// of a scan when their folder shows no row can pass its filters (see [`super::pruning`]).
pub fn files_table(
    lake: &Lake,
    schema: SchemaRef,
    files: &[FileEntry],
) -> Result<Arc<dyn TableProvider>, DataFusionError> {
    files_table_with_local(lake, schema, files, &[])
}

/// Like [`files_table`], plus files still on local disk (computed, not yet committed).
pub fn files_table_with_local(
    lake: &Lake,
    schema: SchemaRef,
    files: &[FileEntry],
    local: &[&std::path::Path],
) -> Result<Arc<dyn TableProvider>, DataFusionError> {
    if files.is_empty() && local.is_empty() {
        return Ok(Arc::new(MemTable::try_new(schema, vec![vec![]])?));
    }
    let mut urls = Vec::with_capacity(files.len() + local.len());
    for f in files {
        let url = ListingTableUrl::parse(lake.file_url(&f.path))?;
        urls.push((url, Domain::of_path(&f.path)));
    }
    for path in local {
        let text = path.to_string_lossy();
        urls.push((ListingTableUrl::parse(&text)?, Domain::of_path(&text)));
    }
    Ok(Arc::new(PrunedFiles::new(schema, urls)))
}

/// A DataFusion listing table over exactly these files.
pub(crate) fn listing(
    urls: Vec<ListingTableUrl>,
    schema: SchemaRef,
) -> Result<Arc<dyn TableProvider>, DataFusionError> {
    let options =
        ListingOptions::new(Arc::new(ParquetFormat::default())).with_file_extension(".parquet");
    let config = ListingTableConfig::new_with_multi_paths(urls)
        .with_listing_options(options)
        .with_schema(schema);
    Ok(Arc::new(ListingTable::try_new(config)?))
}

/// Makes the lake's object store known to DataFusion (file:// is built in).
pub fn register_store(ctx: &SessionContext, lake: &Lake) {
    if lake.url().scheme() != "file" {
        ctx.register_object_store(&lake.store_url(), lake.store().clone());
    }
}

/// Registers `interactions`, `surveys`, `shopper` (latest version of every row) and
/// `quarantine` (every rejected row of every source).
pub async fn register_source_tables(
    ctx: &SessionContext,
    lake: &Lake,
) -> Result<Vec<Manifest>, RegisterError> {
    register_store(ctx, lake);
    let manifests = manifest::read_all(lake).await?;
    let mut quarantined = Vec::new();
    for kind in [
        SourceKind::Interactions,
        SourceKind::Surveys,
        SourceKind::Shopper,
    ] {
        let table = kind.code();
        let files = manifest::live_files(&manifests, table);
        register(
            ctx,
            lake,
            table,
            text_as_views(&schema::for_source(kind)),
            &files,
        )?;
        quarantined.extend(manifest::quarantine_files(&manifests, table));
    }
    register(ctx, lake, "quarantine", schema::quarantine(), &quarantined)?;
    Ok(manifests)
}

/// The schema with its text columns as `Utf8View`, the type DataFusion reads Parquet text
/// as by default: joins, filters and aggregations over millions of source rows then move
/// 16-byte views instead of copying every string (`momentos score` joins the interactions
/// with several reference tables).
pub(crate) fn text_as_views(schema: &SchemaRef) -> SchemaRef {
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| match f.data_type() {
            DataType::Utf8 | DataType::LargeUtf8 => {
                f.as_ref().clone().with_data_type(DataType::Utf8View)
            }
            _ => f.as_ref().clone(),
        })
        .collect();
    Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()))
}

fn register(
    ctx: &SessionContext,
    lake: &Lake,
    table: &str,
    schema: SchemaRef,
    files: &[FileEntry],
) -> Result<(), RegisterError> {
    let wrap = |source| RegisterError::DataFusion {
        table: table.to_string(),
        source,
    };
    let provider = files_table(lake, schema, files).map_err(wrap)?;
    ctx.deregister_table(table).map_err(wrap)?;
    ctx.register_table(table, provider).map_err(wrap)?;
    Ok(())
}
