//! Golden tests: every view of `queries/` over the hand-made fixture in
//! `tests/fixtures/golden/` (phone calls at exactly 20 s and 20.000001 s, short and long
//! abandons, Holy Week 2026 and San José, escalations met, missed and not yet due, surveys
//! linked to an interaction or without a channel, shopper evaluations with critical
//! failures and N/A items) must equal `tests/golden/<view>.csv`.
//!
//! Re-bless after an intended change with `MOMENTOS_BLESS=1 cargo test --test scoring golden`
//! and review the diff.

use std::path::PathBuf;

use chrono::{TimeZone, Utc};
use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Float64Type};
use momentos::catalog::{Catalog, CatalogOrigin, DEFAULT_CATALOG};
use momentos::lake::tables;
use momentos::score::{self, queries, run};
use momentos::vocabulary::SourceKind;

use super::util::*;

/// Columns that change from run to run.
const VOLATILE: &[&str] = &["batch_id"];

fn render(batches: &[RecordBatch]) -> String {
    let Some(first) = batches.first() else {
        return String::new();
    };
    let schema = first.schema();
    let keep: Vec<usize> = (0..schema.fields().len())
        .filter(|&i| !VOLATILE.contains(&schema.field(i).name().as_str()))
        .collect();
    let header: Vec<&str> = keep
        .iter()
        .map(|&i| schema.field(i).name().as_str())
        .collect();
    let mut lines = Vec::new();
    for b in batches {
        let cols: Vec<Vec<String>> = keep
            .iter()
            .map(|&i| {
                let c = b.column(i);
                if c.data_type() == &DataType::Float64 {
                    let a = c.as_primitive::<Float64Type>();
                    (0..a.len())
                        .map(|r| {
                            if a.is_null(r) {
                                String::new()
                            } else {
                                // Nine decimals: stable across aggregation orders.
                                let v = format!("{:.9}", a.value(r));
                                if v == "-0.000000000" {
                                    "0.000000000".into()
                                } else {
                                    v
                                }
                            }
                        })
                        .collect()
                } else {
                    let s = cast(c, &DataType::Utf8).unwrap();
                    let s = s.as_string::<i32>();
                    (0..s.len())
                        .map(|r| {
                            if s.is_null(r) {
                                String::new()
                            } else {
                                let v = s.value(r);
                                if v.contains(',') || v.contains('"') {
                                    format!("\"{}\"", v.replace('"', "\"\""))
                                } else {
                                    v.to_string()
                                }
                            }
                        })
                        .collect()
                }
            })
            .collect();
        for r in 0..b.num_rows() {
            lines.push(
                cols.iter()
                    .map(|c| c[r].as_str())
                    .collect::<Vec<_>>()
                    .join(","),
            );
        }
    }
    lines.sort();
    format!("{}\n{}\n", header.join(","), lines.join("\n"))
}

fn golden_catalog() -> Catalog {
    let text = DEFAULT_CATALOG
        .replacen("min_n = 30", "min_n = 4", 1)
        .replacen("min_source_n = 5", "min_source_n = 2", 1);
    Catalog::from_toml(&text, CatalogOrigin::Embedded).unwrap()
}

#[test]
fn every_query_matches_its_golden_file() {
    block_on_big_stack(every_query_matches_its_golden_file_async());
}

async fn every_query_matches_its_golden_file_async() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests");
    let catalog = golden_catalog();
    let t = fresh_lake();
    for kind in [
        SourceKind::Interactions,
        SourceKind::Surveys,
        SourceKind::Shopper,
    ] {
        let path = root.join("fixtures/golden").join(format!("{kind}.csv"));
        ingest_file(&t, &catalog, kind, &path).await;
    }
    // The views themselves (no derived files): the SQL of each query file.
    let ctx = run::new_context();
    tables::register_source_tables(&ctx, &t.lake).await.unwrap();
    let as_of = Utc.with_ymd_and_hms(2026, 4, 8, 15, 0, 0).unwrap(); // 10:00 in Bogotá
    score::prepare_session(&ctx, &catalog, as_of).await.unwrap();
    let all = queries::load().unwrap();
    queries::register_views(&ctx, &catalog, &all, |_| true, |_, _| Ok(false))
        .await
        .unwrap();

    let bless = std::env::var_os("MOMENTOS_BLESS").is_some();
    let mut failures = Vec::new();
    for q in &all {
        let batches = ctx
            .sql(&format!("select * from {}", q.name))
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
        let got = render(&batches);
        let path = root.join("golden").join(format!("{}.csv", q.name));
        if bless {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &got).unwrap();
            continue;
        }
        match std::fs::read_to_string(&path) {
            Ok(want) if want == got => {}
            Ok(want) => {
                let diff: Vec<String> = want
                    .lines()
                    .filter(|l| !got.lines().any(|g| g == *l))
                    .map(|l| format!("- {l}"))
                    .chain(
                        got.lines()
                            .filter(|l| !want.lines().any(|w| w == *l))
                            .map(|l| format!("+ {l}")),
                    )
                    .take(20)
                    .collect();
                failures.push(format!("{}:\n{}", path.display(), diff.join("\n")));
            }
            Err(_) => failures.push(format!(
                "{} is missing; run with MOMENTOS_BLESS=1 to create it",
                path.display()
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "golden differences:\n{}",
        failures.join("\n\n")
    );
}
