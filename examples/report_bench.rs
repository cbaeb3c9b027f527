//! Measures `momentos report` on a full year: 12 units × 7 channels × 12 months.
//!
//!   cargo run --example report_bench                 build a lake (not timed), then time the report
//!   cargo run --example report_bench -- LAKE_DIR     reuse a lake built before (kept in LAKE_DIR)
//!
//! The setup generates a year of demo data (every unit and channel of the catalog),
//! ingests and scores it; only the report is timed: once reading the plans (pure render)
//! and once refreshing them first (what `momentos report` does by default). The issue's
//! budget is 5 s for the full report; numbers from a debug build are slower than release.

use std::path::PathBuf;
use std::time::Instant;

use momentos::catalog::Catalog;
use momentos::dashboards::Dashboard;
use momentos::demo::{self, DemoOptions};
use momentos::ingest::{self, IngestOptions};
use momentos::lake::Lake;
use momentos::privacy::Pseudonymizer;
use momentos::report::{self, ReportOptions};
use momentos::score::run::{self as score_run, Periods, ScoreOptions};
use momentos::vocabulary::SourceKind;

fn main() -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .thread_stack_size(8 * 1024 * 1024)
        .enable_all()
        .build()?;
    rt.block_on(bench())
}

async fn bench() -> anyhow::Result<()> {
    let catalog = Catalog::embedded();
    let (dir, reuse) = match std::env::args().nth(1) {
        Some(d) => (PathBuf::from(d), true),
        None => (std::env::temp_dir().join("momentos-report-bench"), false),
    };
    let lake_dir = dir.join("lake");
    let lake = Lake::open(lake_dir.to_str().expect("utf-8 path"))?;
    if !reuse || !lake_dir.join("_batches").is_dir() {
        let _ = std::fs::remove_dir_all(&lake_dir);
        let lake_setup = Lake::open(lake_dir.to_str().expect("utf-8 path"))?;
        let started = Instant::now();
        let inbox = dir.join("inbox");
        std::fs::create_dir_all(&inbox)?;
        let today = chrono::Utc::now().date_naive();
        let start = chrono::NaiveDate::from_ymd_opt(
            chrono::Datelike::year(&today),
            chrono::Datelike::month(&today),
            1,
        )
        .expect("day 1")
            - chrono::Months::new(12);
        let files = demo::generate(
            &inbox,
            &DemoOptions {
                seed: 7,
                start,
                months: 12,
                interactions: 60_000,
                with_defects: false,
            },
        )?;
        let key = Pseudonymizer::from_key(b"momentos-bench-key-not-for-real-data")?;
        for (kind, path) in [
            (SourceKind::Interactions, &files.interactions),
            (SourceKind::Surveys, &files.surveys),
            (SourceKind::Shopper, &files.shopper),
        ] {
            ingest::ingest_file(
                &lake_setup,
                &catalog,
                Some(&key),
                path,
                &IngestOptions::new(kind),
            )
            .await?;
        }
        score_run::run(&lake_setup, &catalog, &ScoreOptions::new(Periods::All)).await?;
        println!(
            "setup (generate, ingest, score; not timed): {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
    let ctx = momentos::sql::session(&lake, &catalog).await?;
    let shape = ctx
        .sql("select count(distinct unit), count(distinct channel), count(distinct period), count(*) from scores")
        .await?
        .collect()
        .await?;
    println!(
        "{}",
        datafusion::arrow::util::pretty::pretty_format_batches(&shape)?
    );
    for refresh in [false, true] {
        let out = dir.join(if refresh { "report-refresh" } else { "report" });
        let opts = ReportOptions {
            out: out.clone(),
            period: None,
            png: false,
            pdf: false,
            dashboard: Dashboard::parse(momentos::dashboards::DEFAULT_DASHBOARD, "embedded")?,
            now: chrono::Utc::now(),
            refresh_plans: refresh,
        };
        let started = Instant::now();
        let s = report::render(&lake, &catalog, &opts).await?;
        println!(
            "report {} plan refresh: {:.2} s — {} pages, {} charts, {} flagged ({})",
            if refresh { "with" } else { "without" },
            started.elapsed().as_secs_f64(),
            s.pages,
            s.charts,
            s.flagged,
            out.join("index.html").display()
        );
    }
    println!(
        "build profile: {}",
        if cfg!(debug_assertions) {
            "debug (unoptimised; release is several times faster)"
        } else {
            "release"
        }
    );
    Ok(())
}
