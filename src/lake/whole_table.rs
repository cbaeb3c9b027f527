//! Small tables kept by `momentos` itself (`plans`, `alerts`, `followups`): each change
//! rewrites the whole table as one Parquet file in one commit, so a reader sees the old
//! table or the new one, never a mix. Their owners only say what the rows are.

use bytes::Bytes;
use chrono::{DateTime, Utc};
use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::error::DataFusionError;
use datafusion::prelude::SessionContext;

use super::commit::{self, StagedFile};
use super::manifest::{self, FileEntry, Manifest};
use super::{tables, writer, Lake, LakeError};

/// One such table: its name (as SQL sees it), its folder in the lake and its columns.
#[derive(Debug, Clone, Copy)]
pub struct WholeTable {
    pub name: &'static str,
    /// Folder of its files, ending in '/'.
    pub dir: &'static str,
    pub schema: fn() -> SchemaRef,
}

impl WholeTable {
    /// The committed rows (none before the first write).
    pub async fn read(&self, lake: &Lake) -> Result<Vec<RecordBatch>, LakeError> {
        let manifests = manifest::read_all(lake).await?;
        let mut batches = Vec::new();
        for f in manifest::live_files(&manifests, self.name) {
            batches.extend(writer::decode(lake.get(&f.path).await?)?);
        }
        Ok(batches)
    }

    /// Replaces the table with `batches`, recorded as written by `by` at `now`; returns
    /// the batch id. Call under the lake lock.
    pub async fn replace(
        &self,
        lake: &Lake,
        batches: &[RecordBatch],
        now: DateTime<Utc>,
        by: &str,
    ) -> Result<String, LakeError> {
        let manifests = manifest::read_all(lake).await?;
        let old = manifest::live_files(&manifests, self.name);
        let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
        let bytes: Bytes = writer::encode((self.schema)(), batches)?;
        let batch_id = manifest::new_batch_id();
        let path = format!("{}{batch_id}.parquet", self.dir);
        let files = vec![FileEntry {
            path: path.clone(),
            rows: rows as u64,
        }];
        let m = Manifest::derived(&batch_id, self.name, now, by.into(), files, &old);
        commit::publish(lake, &m, vec![StagedFile { path, bytes }]).await?;
        Ok(batch_id)
    }

    /// Registers the table in a session (an empty table before the first write).
    pub fn register(
        &self,
        ctx: &SessionContext,
        lake: &Lake,
        manifests: &[Manifest],
    ) -> Result<(), DataFusionError> {
        let files = manifest::live_files(manifests, self.name);
        let provider = tables::files_table(lake, (self.schema)(), &files)?;
        ctx.deregister_table(self.name)?;
        ctx.register_table(self.name, provider)?;
        Ok(())
    }
}
