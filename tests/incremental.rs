//! Issue 17 item 1: an incremental score (the default of `momentos score` and of the
//! nightly pipeline) recomputes only the periods whose inputs changed, and its tables are
//! identical, row for row and column for column, to a full recompute at the same as-of.

mod util;

use std::path::{Path, PathBuf};

use momentos::demo::{self, DemoOptions};
use util::*;

const DERIVED: [&str; 5] = [
    "interaction_facts",
    "scores",
    "scores_by_stakeholder",
    "survey_kpis",
    "protocol",
];

/// Every derived table as sorted CSV lines.
fn derived_tables(f: &Fixture) -> Vec<(String, Vec<String>)> {
    DERIVED
        .iter()
        .map(|t| {
            let mut rows = f.sql_csv(&format!("select * from {t}"));
            rows.sort();
            (t.to_string(), rows)
        })
        .collect()
}

/// Table by table, the first row that differs (whole tables are too long to print).
fn assert_same(a: &[(String, Vec<String>)], b: &[(String, Vec<String>)], what: &str) {
    for ((table, x), (_, y)) in a.iter().zip(b) {
        assert!(!x.is_empty(), "{table} is empty");
        if let Some(i) = (0..x.len().max(y.len())).find(|&i| x.get(i) != y.get(i)) {
            panic!(
                "{what}: {table} differs from a full run at sorted row {i} of {}/{}:\n  {:?}\n  {:?}",
                x.len(),
                y.len(),
                x.get(i),
                y.get(i)
            );
        }
    }
}

/// Splits a CSV export by whether `received_at` is before `day` (text order of ISO dates).
fn split_by_day(file: &Path, day: &str, early: PathBuf, late: PathBuf) -> (PathBuf, PathBuf) {
    let mut reader = csv::Reader::from_path(file).unwrap();
    let headers = reader.headers().unwrap().clone();
    let at = headers.iter().position(|h| h == "received_at").unwrap();
    let mut a = csv::Writer::from_path(&early).unwrap();
    let mut b = csv::Writer::from_path(&late).unwrap();
    a.write_record(&headers).unwrap();
    b.write_record(&headers).unwrap();
    for record in reader.records() {
        let record = record.unwrap();
        let target = if &record[at][..10] < day {
            &mut a
        } else {
            &mut b
        };
        target.write_record(&record).unwrap();
    }
    a.flush().unwrap();
    b.flush().unwrap();
    (early, late)
}

fn score(f: &Fixture, args: &[&str]) -> String {
    let mut all = vec!["--lang", "en", "score"];
    all.extend_from_slice(args);
    let out = f.run(&all);
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
}

/// The `interaction_facts` rows a score run wrote (from its summary).
fn facts_rows_written(out: &str) -> u64 {
    let line = out
        .lines()
        .find(|l| l.trim_start().starts_with("interaction_facts"))
        .unwrap_or_else(|| panic!("no interaction_facts line in:\n{out}"));
    line.split_whitespace()
        .nth(1)
        .unwrap()
        .replace(',', "")
        .parse()
        .unwrap()
}

/// The summary's line for the reference tables, after their row count.
fn reference_line(out: &str) -> &str {
    let line = out
        .lines()
        .find(|l| l.trim_start().starts_with("reference "))
        .unwrap_or_else(|| panic!("no reference line in:\n{out}"));
    line.split_once(" rows ")
        .or_else(|| line.split_once(" row "))
        .map_or(line, |(_, rest)| rest)
}

fn count(f: &Fixture, sql: &str) -> u64 {
    f.sql_csv(sql)[0].parse().unwrap()
}

fn ok(out: std::process::Output) {
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn incremental_runs_recompute_what_changed_and_equal_a_full_run() {
    let f = Fixture::new();
    let opts = DemoOptions {
        seed: 23,
        start: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        months: 3,
        interactions: 1_500,
        with_defects: false,
    };
    let files = demo::generate(&f.path("inbox"), &opts).unwrap();
    let (early, last_day) = split_by_day(
        &files.interactions,
        "2026-03-31",
        f.path("early.csv"),
        f.path("last_day.csv"),
    );
    // A response from April about an interaction of the last day, before that
    // interaction reaches the lake: its channel is the interaction's, once it arrives.
    let surveys = f.path("surveys.csv");
    {
        let mut reader = csv::Reader::from_path(&files.surveys).unwrap();
        let headers = reader.headers().unwrap().clone();
        let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
        let mut w = csv::Writer::from_path(&surveys).unwrap();
        w.write_record(&headers).unwrap();
        let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        for r in &records {
            w.write_record(r).unwrap();
        }
        let late_id = csv::Reader::from_path(&last_day)
            .unwrap()
            .records()
            .next()
            .unwrap()
            .unwrap()[0]
            .to_string();
        let mut late: Vec<String> = records[0].iter().map(str::to_string).collect();
        late[col("response_id")] = "SRV-LATE-1".into();
        late[col("submitted_at")] = "2026-04-01T15:00:00Z".into();
        late[col("channel")] = String::new();
        late[col("interaction_id")] = late_id;
        w.write_record(&late).unwrap();
        w.flush().unwrap();
    }
    ok(f.ingest("interactions", &early));
    ok(f.ingest("surveys", &surveys));
    ok(f.ingest("shopper", &files.shopper));

    // No earlier run: a full one, which leaves the state.
    let first = score(&f, &["--as-of", "2026-03-31T08:00:00-05:00"]);
    assert!(first.contains("Full run: no earlier score"), "{first}");
    // Nothing changed and, judged at the same instant, nothing is recomputed but the
    // periods with judgments not yet due.
    let again = score(&f, &["--as-of", "2026-03-31T08:00:00-05:00"]);
    assert!(
        again.contains("new or changed data: —; linked surveys: —"),
        "{again}"
    );
    assert!(!again.contains("2026-01"), "{again}");
    // The reference tables are the same rows: none is published again.
    assert_eq!(
        reference_line(&again),
        "in 0 files; 0 files replaced",
        "{again}"
    );

    // The nightly case: one more day arrives.
    ok(f.ingest("interactions", &last_day));
    let nightly = score(&f, &["--as-of", "2026-04-01T06:00:00-05:00"]);
    assert!(
        nightly.contains("new or changed data: 2026-03;"),
        "{nightly}"
    );
    assert!(
        !nightly.contains("2026-01"),
        "January is not touched: {nightly}"
    );
    // Of the reference tables only the scoring parameters and the calendar (which spans
    // the as-of's date) follow a new day.
    assert_eq!(
        reference_line(&nightly),
        "in 2 files; 2 files replaced",
        "{nightly}"
    );
    assert!(
        nightly.contains("linked surveys: 2026-03, 2026-04;"),
        "April's response evaluates a new interaction: {nightly}"
    );
    // March only gained rows: its facts are computed for the new day's interactions and
    // the pending ones, not for the month.
    let march = "select count(*) from stg_interactions where period = '2026-03'";
    let day = "select count(*) from stg_interactions where local_date = date '2026-03-31'";
    let (march, day) = (count(&f, march), count(&f, day));
    let written = facts_rows_written(&nightly);
    assert!(
        day <= written && written < march / 2,
        "{written} facts written for {day} new of {march}: {nightly}"
    );
    let incremental = derived_tables(&f);
    score(&f, &["--full", "--as-of", "2026-04-01T06:00:00-05:00"]);
    assert_same(&incremental, &derived_tables(&f), "after one more day");

    // The nightly pipeline compacts the month before scoring: its files change, its rows
    // do not, so only the pending facts are computed again.
    ok(f.run(&["--lang", "en", "maintain"]));
    let compacted = score(&f, &["--as-of", "2026-04-01T18:00:00-05:00"]);
    assert!(
        compacted.contains("Incremental") && compacted.contains("2026-03"),
        "{compacted}"
    );
    assert!(facts_rows_written(&compacted) < day, "{compacted}");
    let incremental = derived_tables(&f);
    score(&f, &["--full", "--as-of", "2026-04-01T18:00:00-05:00"]);
    assert_same(&incremental, &derived_tables(&f), "after compaction");

    // A re-sent January interaction that a March survey evaluates: January is recomputed
    // for the new data, and the survey's period because of the link.
    let linked = f.sql_csv(
        "select s.interaction_id, s.period from stg_surveys s join stg_interactions i \
         using (interaction_id) where i.period = '2026-01' and s.period <> '2026-01' \
         order by 1 limit 1",
    );
    let resend = f.path("resend.csv");
    {
        let mut reader = csv::Reader::from_path(&early).unwrap();
        let headers = reader.headers().unwrap().clone();
        let channel = headers.iter().position(|h| h == "channel").unwrap();
        let mut w = csv::Writer::from_path(&resend).unwrap();
        w.write_record(&headers).unwrap();
        let wanted = linked
            .first()
            .map(|l| l.split(',').next().unwrap().to_string());
        let record = reader
            .records()
            .map(Result::unwrap)
            .find(|r| wanted.as_deref().is_none_or(|id| &r[0] == id))
            .unwrap();
        let mut changed: Vec<String> = record.iter().map(str::to_string).collect();
        changed[channel] = if changed[channel] == "email" {
            "whatsapp".into()
        } else {
            "email".into()
        };
        w.write_record(&changed).unwrap();
        w.flush().unwrap();
    }
    ok(f.ingest("interactions", &resend));
    let after = score(&f, &["--as-of", "2026-04-02T06:00:00-05:00"]);
    assert!(after.contains("new or changed data: 2026-01;"), "{after}");
    if let Some(l) = linked.first() {
        let period = l.split(',').nth(1).unwrap();
        let linked_list = after
            .split("linked surveys: ")
            .nth(1)
            .and_then(|rest| rest.split(';').next())
            .unwrap();
        assert!(
            linked_list.split(", ").any(|p| p == period),
            "{period} should be recomputed for its survey: {after}"
        );
    }
    let incremental = derived_tables(&f);
    score(&f, &["--full", "--as-of", "2026-04-02T06:00:00-05:00"]);
    assert_same(&incremental, &derived_tables(&f), "after a re-sent id");

    // An earlier as-of cannot reuse anything.
    let earlier = score(&f, &["--as-of", "2026-04-01T00:00:00-05:00"]);
    assert!(
        earlier.contains("Full run: the as-of is earlier"),
        "{earlier}"
    );
}
