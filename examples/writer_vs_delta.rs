//! Our Parquet writer against delta-rs' own (`deltalake::writer::RecordBatchWriter`), on the
//! same rows in the same process (issue 14: keep ours only if it is faster).
//!
//!   cargo run --release --example writer_vs_delta            300,000 interactions
//!   cargo run --release --example writer_vs_delta -- 1000000
//!
//! Setup (not timed): demo interactions are generated and ingested, then read back into
//! memory. Timed, three rounds each, alternating: (a) `PartitionedWriter` by month, as
//! ingest writes them, plus the Delta commit our mirror makes for those files; (b) our
//! writer unpartitioned (one file, the same work as (c)) and its Delta commit; (c) delta-rs
//! writing the same batches with the same writer properties, unpartitioned (its partitions
//! would need a partition column outside the files), and committing. All write to local
//! disk. Reported: seconds per round and the best of three of each.

use std::time::Instant;

use deltalake::kernel::engine::arrow_conversion::TryIntoKernel;
use deltalake::writer::{DeltaWriter, RecordBatchWriter};
use momentos::catalog::Catalog;
use momentos::demo::{self, DemoOptions};
use momentos::ingest::{self, IngestOptions};
use momentos::lake::manifest::{self, FileEntry};
use momentos::lake::{delta, writer, Lake};
use momentos::privacy::Pseudonymizer;
use momentos::vocabulary::SourceKind;

fn main() -> anyhow::Result<()> {
    let rows: u64 = std::env::args().nth(1).map_or(Ok(300_000), |a| a.parse())?;
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(bench(rows))
}

async fn bench(rows: u64) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let inbox = dir.path().join("inbox");
    std::fs::create_dir_all(&inbox)?;
    let files = demo::generate(
        &inbox,
        &DemoOptions {
            seed: 11,
            start: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).expect("a date"),
            months: 10,
            interactions: rows,
            with_defects: false,
        },
    )?;
    let source = Lake::open(dir.path().join("source").to_str().expect("utf-8"))?;
    let key = Pseudonymizer::from_key(b"momentos-bench-key-not-for-real-data")?;
    let catalog = Catalog::embedded();
    let opts = IngestOptions::new(SourceKind::Interactions);
    ingest::ingest_file(&source, &catalog, Some(&key), &files.interactions, &opts).await?;
    let mut batches = Vec::new();
    for f in manifest::live_files(&manifest::read_all(&source).await?, "interactions") {
        batches.extend(writer::decode(source.get(&f.path).await?)?);
    }
    let schema = batches[0].schema();
    let total: usize = batches.iter().map(|b| b.num_rows()).sum();
    println!("{total} interactions in memory, {} batches", batches.len());

    let (mut ours, mut ours_one, mut theirs) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..3 {
        // (a) ours: partitioned by month, as ingest writes, then the Delta commit of our mirror.
        let lake = Lake::open(
            dir.path()
                .join(format!("ours-{round}"))
                .to_str()
                .expect("utf-8"),
        )?;
        let started = Instant::now();
        let mut w =
            writer::PartitionedWriter::new(schema.clone(), writer::DEFAULT_MEMORY_BUDGET, None)?;
        for b in &batches {
            w.write_by_month(b)?;
        }
        let (parts, _tmp) = w.finish()?;
        let mut entries = Vec::new();
        for part in parts {
            let path = format!("interactions/{}/{}.parquet", part.partition, part.name);
            let bytes = bytes::Bytes::from(std::fs::read(&part.path)?);
            lake.put(&path, bytes).await?;
            entries.push(FileEntry {
                path,
                rows: part.rows,
            });
        }
        delta::sync_table(
            &lake,
            "interactions/",
            &entries,
            &serde_json::json!("bench"),
        )
        .await?;
        ours.push(started.elapsed().as_secs_f64());

        // (b) ours, one file.
        let lake = Lake::open(
            dir.path()
                .join(format!("one-{round}"))
                .to_str()
                .expect("utf-8"),
        )?;
        let started = Instant::now();
        let path = "interactions/all.parquet".to_string();
        lake.put(&path, writer::encode(schema.clone(), &batches)?)
            .await?;
        let entry = FileEntry {
            path,
            rows: total as u64,
        };
        delta::sync_table(
            &lake,
            "interactions/",
            &[entry],
            &serde_json::json!("bench"),
        )
        .await?;
        ours_one.push(started.elapsed().as_secs_f64());

        // (b) delta-rs' writer with the same properties.
        let url = url::Url::from_directory_path(dir.path().join(format!("theirs-{round}")))
            .map_err(|_| anyhow::anyhow!("not a folder"))?;
        std::fs::create_dir_all(url.to_file_path().expect("a folder"))?;
        let started = Instant::now();
        let columns: deltalake::kernel::StructType = schema.as_ref().try_into_kernel()?;
        let mut table = deltalake::operations::create::CreateBuilder::new()
            .with_location(url.as_str())
            .with_columns(columns.fields().cloned())
            .await?;
        let mut w = RecordBatchWriter::for_table(&table)?
            .with_writer_properties(writer::writer_properties());
        for b in &batches {
            w.write(b.clone()).await?;
        }
        w.flush_and_commit(&mut table).await?;
        theirs.push(started.elapsed().as_secs_f64());
        println!(
            "round {round}: ours by month {:.2} s, ours one file {:.2} s, delta-rs one file {:.2} s",
            ours[round], ours_one[round], theirs[round]
        );
    }
    let best = |v: &[f64]| v.iter().cloned().fold(f64::INFINITY, f64::min);
    let (a, b, c) = (best(&ours), best(&ours_one), best(&theirs));
    println!(
        "best of 3: ours by month {a:.2} s, ours one file {b:.2} s, delta-rs one file {c:.2} s; \
         delta-rs / ours (same layout) = {:.2}",
        c / b
    );
    Ok(())
}
