//! A score run commits all its derived tables at once (DESIGN §4): killed at any point,
//! `momentos` readers see the previous run's tables or the new run's, never facts of one
//! and scores of the other.

mod util;

use std::time::Duration;

use util::*;

/// What the derived tables say together: facts, and the interactions the scores counted.
fn state(f: &Fixture) -> (u64, u64) {
    let facts = f.count("select count(*) from interaction_facts");
    let counted = f.count(
        "select coalesce(sum(n_interactions), 0) from scores where attribute = 'timeliness'",
    );
    (facts, counted)
}

#[test]
fn a_killed_score_shows_one_whole_run() {
    let f = Fixture::new();
    f.demo_exports(3000);
    let halves = f.split_csv("exports/interactions.csv", 2);
    let (first, rest) = (halves[0].clone(), halves[1].clone());
    for (kind, file) in [
        ("interactions", first),
        ("surveys", f.path("exports/surveys.csv")),
        ("shopper", f.path("exports/shopper.csv")),
    ] {
        let out = f.ingest(kind, &file);
        assert!(matches!(out.status.code(), Some(0 | 3)), "{}", stderr(&out));
    }
    let out = f.run(&["score"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let before = state(&f);
    let out = f.ingest("interactions", &rest);
    assert!(matches!(out.status.code(), Some(0 | 3)), "{}", stderr(&out));

    // Kill the score at spread-out moments of its run.
    let mut seen = Vec::new();
    for delay_ms in [300, 900, 1600, 2400, 3300, 4500] {
        let mut child = f.cmd().arg("score").spawn().unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        seen.push(state(&f));
    }
    let out = f.run(&["score"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let after = state(&f);
    assert_ne!(before, after, "the second half changes the tables");
    for s in &seen {
        assert!(
            *s == before || *s == after,
            "facts and scores of different runs: {s:?} (runs give {before:?} or {after:?})"
        );
    }
    let stray = f
        .lake_files()
        .into_iter()
        .filter(|p| p.to_string_lossy().contains("_staging"))
        .count();
    assert_eq!(stray, 0, "a killed run's files are cleaned up");
}
