//! End to end: demo data ingested into a lake, `momentos score`, and every cell of `scores`
//! and `scores_by_stakeholder` equal to the reference computed from the raw rows
//! (facts with `BusinessCalendar`, observations and cells in plain Rust). Also checks
//! the lake side: one manifest per table, period replacement, `momentos sql` reading the
//! written files.

use std::collections::HashMap;

use chrono::{NaiveDate, TimeZone, Utc};
use momentos::catalog::{Catalog, CatalogOrigin, DEFAULT_CATALOG};
use momentos::demo::{self, DemoOptions};
use momentos::lake::{delta, manifest};
use momentos::score::run::{self, Periods, ScoreOptions};
use momentos::score::DERIVED_TABLES;
use momentos::vocabulary::SourceKind;

use super::cells::compare;
use super::reference;
use super::util::*;

async fn demo_lake(catalog: &Catalog, interactions: u64, seed: u64) -> TestLake {
    let t = fresh_lake();
    let inbox = t.dir.path().join("inbox");
    let opts = DemoOptions {
        seed,
        interactions,
        start: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        months: 3,
        with_defects: false,
    };
    let files = demo::generate(&inbox, &opts).unwrap();
    ingest_file(&t, catalog, SourceKind::Interactions, &files.interactions).await;
    ingest_file(&t, catalog, SourceKind::Surveys, &files.surveys).await;
    ingest_file(&t, catalog, SourceKind::Shopper, &files.shopper).await;
    t
}

#[test]
fn scores_equal_the_reference_on_demo_data() {
    block_on_big_stack(scores_equal_the_reference_on_demo_data_async());
}

async fn scores_equal_the_reference_on_demo_data_async() {
    // Small minimums so that many cells are judged and BH has real families.
    let text = DEFAULT_CATALOG
        .replacen("min_n = 30", "min_n = 12", 1)
        .replacen("min_source_n = 5", "min_source_n = 3", 1);
    let catalog = Catalog::from_toml(&text, CatalogOrigin::Embedded).unwrap();
    let t = demo_lake(&catalog, 6000, 3).await;
    // As of shortly after the data: recent escalations and emails are not yet due.
    let as_of = Utc.with_ymd_and_hms(2026, 3, 31, 20, 0, 0).unwrap();
    score(&t, &catalog, as_of).await;

    let interactions =
        reference::interactions_from(&query(&t, &catalog, "select * from interactions").await);
    let surveys = reference::surveys_from(&query(&t, &catalog, "select * from surveys").await);
    let shopper = reference::shopper_from(&query(&t, &catalog, "select * from shopper").await);
    let facts: HashMap<String, reference::Fact> = interactions
        .iter()
        .map(|i| (i.id.clone(), reference::fact(&catalog, i, as_of)))
        .collect();
    let sql_facts = super::facts::sql_facts(&t, &catalog).await;
    for (id, want) in &facts {
        assert_eq!(&sql_facts[id], want);
    }
    let obs = reference::observations(&catalog, &interactions, &facts, &surveys, &shopper);

    let scores = query(
        &t,
        &catalog,
        "select *, cast(null as varchar) as stakeholder from scores",
    )
    .await;
    let want = reference::cells(&catalog, &obs, false);
    compare(&scores, &want, 1e-9).unwrap();
    let statuses = strs(&scores, "status");
    // p < 0.05 ⇔ upper < target (DESIGN §6.3): every flagged cell's interval lies below it.
    let (upper, target, p) = (
        floats(&scores, "upper"),
        floats(&scores, "target"),
        floats(&scores, "p_value"),
    );
    for i in 0..statuses.len() {
        if let (Some(u), Some(t), Some(p)) = (upper[i], target[i], p[i]) {
            assert_eq!(p < 0.05, u < t, "cell {i}: p {p}, upper {u}, target {t}");
        }
        if statuses[i].as_deref() == Some("needs_plan") {
            assert!(
                upper[i] < target[i],
                "cell {i} needs a plan with upper ≥ target"
            );
        }
    }
    for s in ["ok", "watch", "needs_plan", "insufficient_data"] {
        assert!(
            statuses.iter().any(|x| x.as_deref() == Some(s)),
            "no {s} cell: the data should exercise every status"
        );
    }
    let by_stakeholder = query(&t, &catalog, "select * from scores_by_stakeholder").await;
    compare(
        &by_stakeholder,
        &reference::cells(&catalog, &obs, true),
        1e-9,
    )
    .unwrap();

    // The same numbers through the views (what `momentos sql` falls back to).
    let n_obs = query(&t, &catalog, "select count(*) as n from observations").await;
    assert_eq!(ints(&n_obs, "n")[0], Some(obs.len() as i64));
}

#[test]
fn score_replaces_only_the_periods_it_recomputes() {
    block_on_big_stack(score_replaces_only_the_periods_it_recomputes_async());
}

async fn score_replaces_only_the_periods_it_recomputes_async() {
    let catalog = Catalog::embedded();
    let t = demo_lake(&catalog, 1500, 5).await;
    let as_of = Utc.with_ymd_and_hms(2026, 4, 2, 12, 0, 0).unwrap();

    // Before any score run, `momentos sql` answers from the views.
    let before = query(&t, &catalog, "select count(*) as n from scores").await;
    let n_view = ints(&before, "n")[0].unwrap();
    assert!(n_view > 0);

    let first = score(&t, &catalog, as_of).await;
    assert!(first
        .periods
        .starts_with(&["2026-01".into(), "2026-02".into(), "2026-03".into()]));
    let n_periods = first.periods.len();
    let manifests = manifest::read_all(&t.lake).await.unwrap();
    // One file per period; a table written per partition of the query plan (the facts)
    // has one per partition that held rows of the period.
    let partitions = std::thread::available_parallelism().map_or(2, |n| n.get());
    for d in DERIVED_TABLES {
        let live = manifest::live_files(&manifests, d.name);
        let most = if d.per_partition_files { partitions } else { 1 };
        let mut per_period: HashMap<&str, usize> = HashMap::new();
        for f in &live {
            let period = f.path.split('/').find(|s| s.starts_with("period="));
            *per_period.entry(period.unwrap_or("")).or_default() += 1;
        }
        assert!(
            per_period.len() <= n_periods && per_period.len() >= 3,
            "{}: {per_period:?}",
            d.name
        );
        assert!(
            per_period.values().all(|&n| n <= most),
            "{}: at most {most} files per period: {per_period:?}",
            d.name
        );
        assert!(live.iter().all(|f| f.path.starts_with(d.dir)));
    }
    let after = query(&t, &catalog, "select count(*) as n from scores").await;
    let n_written = ints(&after, "n")[0].unwrap();
    assert!(n_written > 0);

    // Rescore February only: its files are replaced, January's and March's stay.
    let mut opts = ScoreOptions::new(Periods::from_args(Some("2026-02"), None, None).unwrap());
    opts.as_of = as_of;
    let second = run::run(&t.lake, &catalog, &opts).await.unwrap();
    assert_eq!(second.periods, vec!["2026-02"]);
    let manifests2 = manifest::read_all(&t.lake).await.unwrap();
    for d in DERIVED_TABLES {
        let old = manifest::live_files(&manifests, d.name);
        let new = manifest::live_files(&manifests2, d.name);
        let added: Vec<_> = new.iter().filter(|f| !old.contains(f)).collect();
        let removed: Vec<_> = old.iter().filter(|f| !new.contains(f)).collect();
        assert!(!added.is_empty() && !removed.is_empty(), "{}", d.name);
        assert!(
            added
                .iter()
                .chain(&removed)
                .all(|f| f.path.contains("period=2026-02/")),
            "{}: {added:?} {removed:?}",
            d.name
        );
        // The replaced file is gone from the store.
        let listed: Vec<String> = t.lake.list(d.dir).await.unwrap();
        let data: Vec<_> = listed.iter().filter(|p| !delta::is_log_path(p)).collect();
        assert_eq!(data.len(), new.len(), "{}: {listed:?}", d.name);
    }
    let again = query(&t, &catalog, "select count(*) as n from scores").await;
    assert_eq!(ints(&again, "n")[0], Some(n_written));
    // Reference tables are stored once, replaced on every run.
    let refs = manifest::live_files(&manifests2, momentos::score::REFERENCE_MANIFEST_TABLE);
    assert_eq!(refs.len(), momentos::score::reference::TABLES.len());
}

#[test]
fn interaction_dates_from_footers_equal_a_scan() {
    block_on_big_stack(interaction_dates_from_footers_equal_a_scan_async());
}

async fn interaction_dates_from_footers_equal_a_scan_async() {
    // Few interactions over many days: many files where an escalation column is all null.
    let catalog = Catalog::embedded();
    let t = demo_lake(&catalog, 300, 11).await;
    let ctx = run::new_context();
    momentos::lake::tables::register_source_tables(&ctx, &t.lake)
        .await
        .unwrap();
    let (min, max) = momentos::score::interaction_date_range(&ctx, &catalog)
        .await
        .unwrap();
    let local = |name: &str, batches: &[_]| {
        timestamps(batches, name)[0].map(|t| t.with_timezone(&catalog.time_zone).date_naive())
    };
    let scanned = query(
        &t,
        &catalog,
        "select min(received_at) as lo, greatest(max(received_at), max(first_response_at), \
         max(resolved_at), max(escalated_at), max(escalation_answered_at)) as hi \
         from interactions",
    )
    .await;
    assert!(min.is_some() && max > min);
    assert_eq!((min, max), (local("lo", &scanned), local("hi", &scanned)));
}

/// Every value of a table as text, one line per row (Arrow's float display round-trips,
/// so two different bit patterns never print alike), rows sorted; `batch_id` left out.
async fn table_values(t: &TestLake, catalog: &Catalog, table: &str) -> Vec<String> {
    use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
    let batches = query(t, catalog, &format!("select * from {table}")).await;
    let mut rows = Vec::new();
    for b in &batches {
        let schema = b.schema();
        let options = FormatOptions::default().with_null("∅");
        let columns: Vec<(&String, ArrayFormatter)> = (0..b.num_columns())
            .filter(|&i| schema.field(i).name() != "batch_id")
            .map(|i| {
                let f = ArrayFormatter::try_new(b.column(i).as_ref(), &options).unwrap();
                (schema.field(i).name(), f)
            })
            .collect();
        for row in 0..b.num_rows() {
            let cells: Vec<String> = columns
                .iter()
                .map(|(name, f)| format!("{name}={}", f.value(row)))
                .collect();
            rows.push(cells.join("|"));
        }
    }
    rows.sort();
    rows
}

/// Two score runs over the same lake write the same values, to the bit, in every derived
/// table (the sums of the cell statistics run in one fixed order).
#[test]
fn two_scores_of_one_lake_are_identical() {
    block_on_big_stack(two_scores_of_one_lake_are_identical_async());
}

async fn two_scores_of_one_lake_are_identical_async() {
    let catalog = Catalog::embedded();
    let t = demo_lake(&catalog, 4000, 21).await;
    let as_of = Utc.with_ymd_and_hms(2026, 4, 2, 12, 0, 0).unwrap();
    score(&t, &catalog, as_of).await;
    let mut first = Vec::new();
    for d in DERIVED_TABLES {
        first.push(table_values(&t, &catalog, d.name).await);
    }
    score(&t, &catalog, as_of).await;
    for (d, before) in DERIVED_TABLES.iter().zip(first) {
        let after = table_values(&t, &catalog, d.name).await;
        assert!(!after.is_empty(), "{} is empty", d.name);
        assert_eq!(before.len(), after.len(), "{}", d.name);
        if let Some((a, b)) = before.iter().zip(&after).find(|(a, b)| a != b) {
            panic!("{} differs between two runs:\n{a}\n{b}", d.name);
        }
    }
}
