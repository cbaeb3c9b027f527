//! The catalog's retention (DESIGN §7): whole months older than the window leave every
//! table in one batch, the months kept are exactly what a score of the remaining rows
//! gives, and `audit` records the deletion.

mod util;

use chrono::TimeZone;
use momentos::catalog::{Catalog, CatalogOrigin, DEFAULT_CATALOG};
use momentos::lake::{commit, Lake};
use momentos::privacy::retention;
use util::*;

fn catalog_keeping(months: u32) -> Catalog {
    let text = DEFAULT_CATALOG.replace(
        "[retention]\nmonths = 60",
        &format!("[retention]\nmonths = {months}"),
    );
    assert_ne!(
        text, DEFAULT_CATALOG,
        "the shipped catalog sets a retention"
    );
    Catalog::from_toml(&text, CatalogOrigin::Embedded).unwrap()
}

const KEPT_SCORES: &str = "select period, unit, channel, attribute, n_total, score, status \
     from scores where period >= '2026-06' order by 1, 2, 3, 4";

#[test]
fn months_older_than_the_window_leave_every_table_and_the_rest_is_untouched() {
    let f = Fixture::new();
    f.demo_exports(3000);
    for kind in ["interactions", "surveys", "shopper"] {
        let out = f.ingest(kind, &f.path(&format!("exports/{kind}.csv")));
        assert!(matches!(out.status.code(), Some(0 | 3)), "{}", stderr(&out));
    }
    let out = f.run(&["score"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let old = f.count("select count(*) from interactions where local_date < date '2026-06-01'");
    let total = f.count("select count(*) from interactions");
    assert!(
        old > 0 && old < total,
        "the demo spans the cut: {old} of {total}"
    );
    let kept_scores = f.sql_csv(KEPT_SCORES);
    let quarantined = f.count("select count(*) from quarantine");

    // In December 2026 with six months kept, the first day kept is 1 June 2026.
    let now = chrono::Utc.with_ymd_and_hms(2026, 12, 3, 15, 0, 0).unwrap();
    let lake = Lake::open(f.lake().to_str().unwrap()).unwrap();
    let rows = tokio::runtime::Runtime::new().unwrap().block_on(async {
        commit::recover(&lake).await.unwrap();
        retention::apply_locked(&lake, &catalog_keeping(6), now)
            .await
            .unwrap()
            .expect("the catalog sets a retention")
    });

    for table in ["interactions", "surveys", "shopper", "interaction_facts"] {
        assert_eq!(
            f.count(&format!(
                "select count(*) from {table} where local_date < date '2026-06-01'"
            )),
            0,
            "{table} keeps old rows"
        );
    }
    assert_eq!(f.count("select count(*) from interactions"), total - old);
    for table in ["scores", "survey_kpis", "protocol", "scores_by_stakeholder"] {
        assert_eq!(
            f.count(&format!(
                "select count(*) from {table} where period < '2026-06'"
            )),
            0,
            "{table} keeps old periods"
        );
    }
    assert_eq!(f.sql_csv(KEPT_SCORES), kept_scores, "kept periods changed");
    // Quarantined today: younger than the window, so kept.
    assert_eq!(f.count("select count(*) from quarantine"), quarantined);
    let removed: i64 = rows.iter().map(|r| r.rows_removed).sum();
    assert!(removed as u64 >= old);
    assert_eq!(
        f.count("select sum(rows_removed) from audit where kind = 'retention' and table_name = 'interactions'"),
        old
    );

    // A score of what is left gives the same months: nothing had to be derived again.
    let out = f.run(&["score"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(f.sql_csv(KEPT_SCORES), kept_scores);
    assert_eq!(
        f.count("select count(*) from scores where period < '2026-06'"),
        0
    );

    // Run again the same day: nothing is old enough any more, nothing is written.
    let again = tokio::runtime::Runtime::new().unwrap().block_on(async {
        retention::apply_locked(&lake, &catalog_keeping(6), now)
            .await
            .unwrap()
            .unwrap()
    });
    assert!(again.is_empty());
}
