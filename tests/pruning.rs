//! Issue 17 item 2: a period-filtered query or score reads only the files of that period.
//! Checked on the physical plan (`EXPLAIN`): the scan lists only the files whose folder
//! (`month=`, `period=`) can hold matching rows. And pruning never changes an answer: every
//! filtered count equals the same count taken from an unfiltered scan, and a score of one
//! period equals that period of a full score.

mod util;

use std::collections::BTreeSet;

use momentos::demo::{self, DemoOptions};
use util::*;

const AS_OF: &str = "2026-05-15T12:00:00-05:00";

/// Three months of demo exports, ingested and scored.
fn scored_lake() -> Fixture {
    let f = Fixture::new();
    let opts = DemoOptions {
        seed: 17,
        start: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        months: 3,
        interactions: 1_200,
        with_defects: false,
    };
    let files = demo::generate(&f.path("inbox"), &opts).unwrap();
    for (kind, file) in [
        ("interactions", &files.interactions),
        ("surveys", &files.surveys),
        ("shopper", &files.shopper),
    ] {
        let out = f.ingest(kind, file);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let out = f.run(&["score", "--as-of", AS_OF]);
    assert!(out.status.success(), "{}", stderr(&out));
    f
}

/// The months or periods of the files the query's physical plan scans.
fn scanned_folders(f: &Fixture, query: &str) -> BTreeSet<String> {
    let plan = f.sql_csv(&format!("explain {query}")).join("\n");
    let scans: Vec<&str> = plan
        .split("DataSourceExec")
        .skip(1)
        .map(|s| s.split("projection=").next().unwrap())
        .collect();
    assert!(
        !scans.is_empty() || plan.contains("EmptyExec"),
        "no scan in the plan of {query}:\n{plan}"
    );
    let mut out = BTreeSet::new();
    for scan in scans {
        for key in ["month=", "period=", "date="] {
            for part in scan.split(key).skip(1) {
                out.insert(format!("{key}{}", &part[..7]));
            }
        }
    }
    out
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[test]
fn period_filters_read_only_that_periods_files_and_change_no_answer() {
    let f = scored_lake();
    let all = scanned_folders(&f, "select unit, count(*) from interactions group by unit");
    assert_eq!(
        all,
        set(&["month=2026-01", "month=2026-02", "month=2026-03"])
    );

    // The period of a view is computed from local_date (`to_char`): still pruned.
    assert_eq!(
        scanned_folders(
            &f,
            "select unit, count(*) from stg_interactions where period = '2026-02' group by unit"
        ),
        set(&["month=2026-02"])
    );
    assert_eq!(
        scanned_folders(
            &f,
            "select unit, count(*) from interactions where local_date >= date '2026-02-20' group by unit"
        ),
        set(&["month=2026-02", "month=2026-03"])
    );
    assert_eq!(
        scanned_folders(
            &f,
            "select unit, count(*) from interaction_facts where period between '2026-02' and '2026-03' group by unit"
        ),
        set(&["period=2026-02", "period=2026-03"])
    );
    assert_eq!(
        scanned_folders(
            &f,
            "select unit, count(*) from scores where period = '2026-01' and unit is not null group by unit"
        ),
        set(&["period=2026-01"])
    );
    // Through the views that add up two cuts with GROUPING SETS (`cell_sources`, and
    // `cell_scores` over it): only that period's facts are read (surveys link to
    // interactions of any month, so those are all read).
    let cell = "order by cut, period, unit, channel, stakeholder, attribute";
    for (view, order) in [
        ("cell_sources", format!("{cell}, source")),
        ("cell_scores", cell.to_string()),
    ] {
        let scanned = scanned_folders(
            &f,
            &format!("select * from {view} where period = '2026-02'"),
        );
        let periods: BTreeSet<String> = scanned
            .into_iter()
            .filter(|s| s.starts_with("period="))
            .collect();
        assert_eq!(periods, set(&["period=2026-02"]), "{view}");
        let filtered = f.sql_csv(&format!(
            "select * from {view} where period = '2026-02' {order}"
        ));
        let whole: Vec<String> = f
            .sql_csv(&format!("select * from {view} {order}"))
            .into_iter()
            .filter(|l| l.split(',').nth(1) == Some("2026-02"))
            .collect();
        assert!(filtered.len() > 10, "{view}: {filtered:?}");
        assert_eq!(filtered, whole, "{view}");
    }
    // A filter on another column prunes nothing; no file matches a month without data
    // (the scan becomes an empty one).
    assert_eq!(
        scanned_folders(&f, "select count(*) from interactions where unit = 'x'"),
        all
    );
    assert!(scanned_folders(
        &f,
        "select unit, count(*) from interactions where local_date > date '2026-04-01' group by unit"
    )
    .is_empty());

    // The same answers as an unpruned scan (the whole table, filtered after reading).
    let whole =
        f.sql_csv("select period, count(*) from stg_interactions group by period order by period");
    assert_eq!(whole.len(), 3, "{whole:?}");
    for line in &whole {
        let (period, n) = line.split_once(',').unwrap();
        let filtered = f.count(&format!(
            "select count(*) from stg_interactions where period = '{period}'"
        ));
        assert_eq!(filtered.to_string(), n, "{period}");
        let facts = f.count(&format!(
            "select count(*) from interaction_facts where period = '{period}'"
        ));
        assert_eq!(facts.to_string(), n, "facts of {period}");
    }
    let days = f.sql_csv(
        "select count(*) from interactions where local_date between date '2026-01-31' and date '2026-02-01'",
    );
    let unpruned = f.sql_csv(
        "select count(*) from interactions where cast(local_date as varchar) between '2026-01-31' and '2026-02-01'",
    );
    assert_eq!(days, unpruned);
}

#[test]
fn a_period_score_equals_that_period_of_a_full_score() {
    let f = scored_lake();
    let q = "select * from scores where period = '2026-02' order by unit, channel, attribute";
    let facts = "select * from interaction_facts where period = '2026-02' order by interaction_id";
    let (full_scores, full_facts) = (f.sql_csv(q), f.sql_csv(facts));
    assert!(full_scores.len() > 10);
    let out = f.run(&["score", "--period", "2026-02", "--as-of", AS_OF]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(f.sql_csv(q), full_scores);
    assert_eq!(f.sql_csv(facts), full_facts);
}
