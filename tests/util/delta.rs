//! Reading a fixture's lake the way an outside engine does: through its Delta logs, with
//! Python's `deltalake` (`delta_support/read_delta.py`).

use std::collections::BTreeMap;
use std::process::Command;

use super::*;

const READER: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/delta_support/read_delta.py"
);

/// The Delta reader's output, or `None` when `deltalake` cannot be imported here.
pub fn read_delta(f: &Fixture, args: &[&str]) -> Option<String> {
    let out = Command::new("python3")
        .arg(READER)
        .arg(f.lake())
        .args(args)
        .output()
        .expect("python3 runs");
    if out.status.code() == Some(3) {
        assert!(
            std::env::var("MOMENTOS_REQUIRE_DELTALAKE").is_err(),
            "MOMENTOS_REQUIRE_DELTALAKE is set but Python's `deltalake` with `pyarrow` is not installed"
        );
        eprintln!("skipped: Python's `deltalake` or `pyarrow` package is not installed");
        return None;
    }
    assert!(out.status.success(), "read_delta.py: {}", stderr(&out));
    Some(stdout(&out))
}

/// The SQL that counts the rows `momentos` shows for the Delta table at `root`.
pub fn sql_count_for(root: &str) -> String {
    let name = root.trim_end_matches('/');
    let (table, filter) = match name.split_once('/') {
        Some(("quarantine", source)) => ("quarantine", format!(" where source = '{source}'")),
        Some(("facts" | "reference", table)) => (table, String::new()),
        Some(_) => panic!("a Delta table at `{root}` that the test does not know"),
        None => (name, String::new()),
    };
    format!("select count(*) from {table}{filter}")
}

/// Every Delta table holds exactly the rows `momentos sql` shows; returns the counts.
pub fn assert_delta_equals_sql(
    f: &Fixture,
    expected_roots: &[&str],
) -> Option<BTreeMap<String, u64>> {
    let counts: BTreeMap<String, u64> = serde_json::from_str(&read_delta(f, &[])?).unwrap();
    for root in expected_roots {
        assert!(
            counts.contains_key(*root),
            "no Delta table at {root}: {counts:?}"
        );
    }
    for (root, rows) in &counts {
        let shown = f.count(&sql_count_for(root));
        assert_eq!(
            *rows, shown,
            "{root}: Delta reader {rows} rows, momentos sql {shown}"
        );
    }
    Some(counts)
}
