//! `momentos maintain`: many small ingests compact to one file per month and table, every
//! table reads exactly as before (for `momentos sql` and for Python's `deltalake`), a score
//! after it gives the same scores, and a second pass does nothing.

mod util;

use std::collections::BTreeMap;

use util::delta::*;
use util::*;

/// Live Parquet files per table folder, counted from the Delta logs' point of view: files
/// under the table that are not in its log folder.
fn data_files(f: &Fixture, table: &str) -> usize {
    f.lake_files()
        .iter()
        .filter(|p| {
            let p = p
                .strip_prefix(f.lake())
                .unwrap()
                .to_string_lossy()
                .into_owned();
            p.starts_with(table) && p.ends_with(".parquet") && !p.contains("_delta_log")
        })
        .count()
}

const DUMPS: &[(&str, &str)] = &[
    (
        "interactions",
        "select * from interactions order by interaction_id",
    ),
    ("surveys", "select * from surveys order by response_id"),
    (
        "shopper",
        "select * from shopper order by evaluation_id, item",
    ),
    (
        "quarantine",
        "select * from quarantine order by source, batch_id, source_line, reason_code",
    ),
];

fn dumps(f: &Fixture) -> BTreeMap<&'static str, Vec<String>> {
    DUMPS.iter().map(|(t, q)| (*t, f.sql_csv(q))).collect()
}

const SCORES: &str =
    "select period, unit, channel, attribute, score, lower, upper, n_total, status \
     from scores order by 1, 2, 3, 4";

#[test]
fn many_ingests_compact_to_a_file_per_month_and_every_reader_sees_the_same_rows() {
    let f = Fixture::new();
    f.demo_exports(3000);
    // Twelve ingests of consecutive rows, like exports sent through the year, each
    // leaving its own file(s) in the months it touches.
    for chunk in f.split_csv("exports/interactions.csv", 12) {
        let out = f.ingest("interactions", &chunk);
        assert!(matches!(out.status.code(), Some(0 | 3)), "{}", stderr(&out));
    }
    for kind in ["surveys", "shopper"] {
        for chunk in f.split_csv(&format!("exports/{kind}.csv"), 3) {
            let out = f.ingest(kind, &chunk);
            assert!(matches!(out.status.code(), Some(0 | 3)), "{}", stderr(&out));
        }
    }
    let out = f.run(&["score"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let before = dumps(&f);
    let scores = f.sql_csv(SCORES);
    let months =
        f.count("select count(distinct date_trunc('month', local_date)) from interactions");
    let before_files = data_files(&f, "interactions/");
    assert!(
        before_files as u64 > months + 6,
        "{before_files} files over {months} months"
    );

    let others_before: Vec<(&str, usize)> = ["surveys/", "shopper/", "quarantine/interactions/"]
        .into_iter()
        .map(|t| (t, data_files(&f, t)))
        .collect();
    let dry = f.run(&["maintain", "--dry-run"]);
    assert!(dry.status.success(), "{}", stderr(&dry));
    assert!(stdout(&dry).contains("simulación"), "{}", stdout(&dry));
    assert_eq!(
        data_files(&f, "interactions/"),
        before_files,
        "a dry run changes nothing"
    );

    let out = f.run(&["maintain"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let said = stdout(&out);
    assert!(said.contains("Compactación de interactions"), "{said}");
    assert!(
        said.contains("Retención: se conservan los datos desde el"),
        "{said}"
    );

    assert_eq!(
        data_files(&f, "interactions/") as u64,
        months,
        "one file per month"
    );
    // Smaller tables: a month merges once its newer files hold an eighth of its largest
    // (an export split in three leaves some months with a few rows from a second file).
    for (table, before) in others_before {
        let files = data_files(&f, table);
        assert!(files < before, "{table}: {files} files, {before} before");
    }
    assert_eq!(dumps(&f), before, "compaction changed rows");
    assert_delta_equals_sql(
        &f,
        &["interactions/", "surveys/", "quarantine/interactions/"],
    );

    // The same data scores the same, from the compacted files.
    let out = f.run(&["score"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(f.sql_csv(SCORES), scores);

    // Re-sent ids still replace their rows inside a compacted month.
    let resent = f.split_csv("exports/interactions.csv", 40).swap_remove(0);
    let out = f.ingest("interactions", &resent);
    assert!(matches!(out.status.code(), Some(0 | 3)), "{}", stderr(&out));
    assert_eq!(
        f.count("select count(*) from interactions"),
        f.count("select count(distinct interaction_id) from interactions")
    );

    // Nothing left to compact but the re-send's files.
    let again = f.run(&["maintain"]);
    assert!(again.status.success(), "{}", stderr(&again));
    let third = f.run(&["maintain"]);
    assert!(
        stdout(&third).contains("nada que compactar"),
        "{}",
        stdout(&third)
    );
    assert_eq!(
        dumps(&f)["interactions"].len(),
        before["interactions"].len()
    );
}
