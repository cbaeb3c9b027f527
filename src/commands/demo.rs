//! `momentos demo`: realistic generated data, ingested into the lake.

use std::path::Path;

use super::ExitStatus;
use crate::catalog::Catalog;
use crate::demo::{self, DemoOptions};
use crate::ingest::{self, IngestOptions};
use crate::lake::Lake;
use crate::privacy::Pseudonymizer;
use crate::vocabulary::SourceKind;

/// Key used by the demo when none is configured: the data is synthetic, the key is public.
const DEMO_KEY: &[u8] = b"momentos-demo-key-not-for-real-data";

/// Months of history the demo generates, ending with the last complete month.
const DEMO_MONTHS: u32 = 11;

/// First day of the month `DEMO_MONTHS` before the current one, so no generated event lies
/// in the future.
fn demo_start(today: chrono::NaiveDate) -> chrono::NaiveDate {
    use chrono::Datelike;
    let this_month = today.with_day(1).expect("day 1 exists");
    this_month - chrono::Months::new(DEMO_MONTHS)
}

pub async fn run(
    lake: &Lake,
    catalog: &Catalog,
    inbox: &Path,
    seed: u64,
    interactions: u64,
    no_ingest: bool,
) -> anyhow::Result<ExitStatus> {
    let opts = DemoOptions {
        seed,
        interactions,
        start: demo_start(chrono::Utc::now().date_naive()),
        months: DEMO_MONTHS,
        ..DemoOptions::default()
    };
    std::fs::create_dir_all(inbox)?;
    let inbox_owned = inbox.to_path_buf();
    let files = tokio::task::spawn_blocking(move || demo::generate(&inbox_owned, &opts)).await??;
    let line = crate::t!(
        "demo-generated",
        interactions = files.counts.interactions,
        surveys = files.counts.surveys,
        shopper = files.counts.shopper_rows,
        malformed = files.counts.malformed,
        path = inbox
    );
    println!("{line}");
    if no_ingest {
        return Ok(ExitStatus::Success);
    }
    let pseudonymizer = match Pseudonymizer::from_env()? {
        Some(p) => p,
        None => {
            println!("{}", crate::t!("demo-public-key"));
            Pseudonymizer::from_key(DEMO_KEY)?
        }
    };
    for (kind, path) in [
        (SourceKind::Interactions, &files.interactions),
        (SourceKind::Surveys, &files.surveys),
        (SourceKind::Shopper, &files.shopper),
    ] {
        let s = ingest::ingest_file(
            lake,
            catalog,
            Some(&pseudonymizer),
            path,
            &IngestOptions::new(kind),
        )
        .await?;
        let kind = crate::i18n::label(kind.label(), kind.code());
        let line = match &s.already_ingested_in {
            Some(b) => crate::t!("demo-already", kind = kind, batch = b),
            None => crate::t!(
                "demo-ingested",
                kind = kind,
                read = s.rows_read,
                accepted = s.rows_accepted,
                duplicates = s.rows_superseded_in_file,
                quarantined = s.rows_quarantined
            ),
        };
        println!("  {line}");
    }
    println!("{}", crate::t!("demo-scoring"));
    let summary = crate::score::run::run(
        lake,
        catalog,
        &crate::score::run::ScoreOptions::new(crate::score::run::Periods::All),
    )
    .await?;
    super::score::print_summary(&summary, catalog)?;
    // The report goes next to the inbox, in the folder the pipelines and `momentos report`
    // use by default (`./reports` for the default `./inbox`).
    let report_dir = inbox
        .parent()
        .unwrap_or(Path::new(""))
        .join(super::report::default_out());
    println!("{}", crate::t!("demo-reporting", path = &report_dir));
    let report = crate::report::render(
        lake,
        catalog,
        &crate::report::ReportOptions {
            out: report_dir,
            period: None,
            png: false,
            pdf: false,
            dashboard: crate::dashboards::Dashboard::discover(None)?,
            now: chrono::Utc::now(),
            refresh_plans: true,
        },
    )
    .await?;
    super::report::print_summary(&report);
    let lake = lake.url().to_string();
    println!("{}", crate::t!("demo-lake", lake = &lake));
    println!("{}", crate::t!("demo-try-scores", lake = &lake));
    println!("{}", crate::t!("demo-try-sql", lake = &lake));
    Ok(ExitStatus::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_history_ends_before_the_current_month() {
        let d = |y, m, day| chrono::NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(demo_start(d(2026, 11, 28)), d(2025, 12, 1));
        assert_eq!(demo_start(d(2027, 1, 1)), d(2026, 2, 1));
    }
}
