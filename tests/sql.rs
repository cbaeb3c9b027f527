//! The analysts' SQL door through the CLI: output formats round-trip, writes are refused
//! and leave the lake unchanged, limits stop runaway queries, the shell works at a terminal.

mod util;

use std::collections::BTreeMap;
use std::process::Command;

use momentos::demo::{self, DemoOptions};
use util::*;

fn demo_lake(interactions: u64) -> Fixture {
    let f = Fixture::new();
    let opts = DemoOptions {
        seed: 5,
        start: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        months: 2,
        interactions,
        with_defects: true,
    };
    let files = demo::generate(&f.path("inbox"), &opts).unwrap();
    f.ingest("interactions", &files.interactions);
    f.ingest("surveys", &files.surveys);
    f
}

fn lake_snapshot(f: &Fixture) -> BTreeMap<String, Vec<u8>> {
    f.lake_files()
        .into_iter()
        .filter(|p| !p.ends_with("_lock.json"))
        .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
        .collect()
}

const Q: &str = "select interaction_id, channel, unit, cast(received_at as varchar) as received_at, habeas_data, notes \
                 from interactions order by interaction_id limit 200";

#[test]
fn csv_json_and_parquet_outputs_read_back_equal() {
    let f = demo_lake(600);
    let csv_rows = f.sql_csv(Q);
    assert_eq!(csv_rows.len(), 200);

    let out = f.run(&["sql", "--format", "json", Q]);
    assert!(out.status.success());
    let json: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(json.len(), 200);

    let pq = f.path("out.parquet");
    let out = f.run(&[
        "sql",
        "--format",
        "parquet",
        "--output",
        pq.to_str().unwrap(),
        Q,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let bytes = bytes::Bytes::from(std::fs::read(&pq).unwrap());
    let batches: Vec<_> =
        datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(bytes)
            .unwrap()
            .build()
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
    let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
    assert_eq!(rows, 200);

    // The same rows in every format: compare ids and timestamps.
    let joined = csv_rows.join("\n");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(joined.as_bytes());
    let csv_records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    for (rec, obj) in csv_records.iter().zip(&json) {
        assert_eq!(rec[0], obj["interaction_id"].as_str().unwrap().to_string());
        assert_eq!(rec[3], obj["received_at"].as_str().unwrap().to_string());
    }
    let ids = datafusion::arrow::compute::cast(
        batches[0].column(0),
        &datafusion::arrow::datatypes::DataType::Utf8,
    )
    .unwrap();
    let ids = ids
        .as_any()
        .downcast_ref::<datafusion::arrow::array::StringArray>()
        .unwrap();
    assert_eq!(ids.value(0), &csv_records[0][0]);
}

#[test]
fn csv_output_neutralises_formulas() {
    let f = Fixture::new();
    let p = f.write(
        "x.csv",
        format!("{INTERACTIONS_HEADER}\nF-1,phone,admisiones,2026-03-02T09:00:00,,,,,,,,,,,,,,,,,,\"=HYPERLINK(\"\"http://evil\"\",\"\"clic\"\")\"\n"),
    );
    assert_eq!(f.ingest("interactions", &p).status.code(), Some(0));
    let out = f.run(&[
        "sql",
        "--format",
        "csv",
        "select notes, -1 as n from interactions",
    ]);
    let text = stdout(&out);
    assert!(text.contains("'=HYPERLINK"), "{text}");
    assert!(text.contains(",-1"), "numbers stay numbers: {text}");
}

#[test]
fn writes_and_reads_outside_the_lake_are_refused_and_change_nothing() {
    let f = demo_lake(300);
    let before = lake_snapshot(&f);
    for q in [
        "DROP TABLE scores",
        "DROP TABLE interactions",
        "INSERT INTO interactions (interaction_id) VALUES ('x')",
        "COPY interactions TO '/tmp/momentos-copy-test.csv'",
        "CREATE EXTERNAL TABLE p STORED AS CSV LOCATION '/etc/passwd'",
        "SET datafusion.execution.target_partitions = 1",
    ] {
        let out = f.run(&["sql", q]);
        assert_eq!(out.status.code(), Some(2), "{q}");
        assert!(stderr(&out).contains("refused"), "{q}: {}", stderr(&out));
    }
    let out = f.run(&["sql", "select * from '/etc/passwd'"]);
    assert_ne!(out.status.code(), Some(0));
    assert!(
        !stdout(&out).contains("root:"),
        "read a file outside the lake"
    );
    assert!(!std::path::Path::new("/tmp/momentos-copy-test.csv").exists());
    assert_eq!(lake_snapshot(&f), before);
}

#[test]
fn a_huge_cross_join_stops_at_the_memory_limit() {
    let f = demo_lake(3000);
    let script = "import resource, subprocess, sys\n\
                  p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n\
                  print(p.returncode)\n\
                  print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n\
                  print(p.stderr)";
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_momentos"))
        .args(["--lake", f.lake().to_str().unwrap(), "sql", "--memory-limit", "1GiB", "--timeout", "120s"])
        .arg("select a.notes, b.notes, a.interaction_id from interactions a cross join interactions b order by 1, 2")
        .output()
        .unwrap();
    let text = stdout(&out);
    let mut lines = text.lines();
    let code: i32 = lines.next().unwrap().parse().unwrap();
    let max_rss_kib: u64 = lines.next().unwrap().parse().unwrap();
    let err: String = lines.collect::<Vec<_>>().join("\n");
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("more memory than the limit of 1 GiB"), "{err}");
    // The whole process stays under the limit.
    assert!(max_rss_kib < 1024 * 1024, "peak RSS {max_rss_kib} KiB");
}

#[test]
fn the_shell_takes_multi_line_queries_describes_tables_recalls_history_and_exits() {
    let f = demo_lake(300);
    let out = Command::new("python3")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/drive_shell.py"))
        .arg(env!("CARGO_BIN_EXE_momentos"))
        .arg(f.lake())
        .arg(f.path("history"))
        .arg("interactions")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    let transcript = stdout(&out);
    assert!(
        transcript.contains("HMAC-SHA256 pseudonym"),
        "describe shows meanings: {transcript}"
    );
    let history = std::fs::read_to_string(f.path("history")).unwrap();
    assert!(history.contains("from interactions;"), "{history}");
}

#[test]
fn named_queries_take_typed_parameters() {
    let f = demo_lake(300);
    let queries = concat!(env!("CARGO_MANIFEST_DIR"), "/queries");
    let out = f.run(&["query", "--queries", queries, "--list"]);
    assert!(
        stdout(&out).contains("quarantine_by_reason"),
        "{}",
        stdout(&out)
    );
    let out = f.run(&[
        "query",
        "--queries",
        queries,
        "quarantine_by_reason",
        "--param",
        "source=interactions",
        "--format",
        "csv",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("source_file,reason_code,n_rows"),
        "{}",
        stdout(&out)
    );
    let out = f.run(&[
        "query",
        "--queries",
        queries,
        "quarantine_by_reason",
        "--param",
        "unit=x",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no parameter `unit`"),
        "{}",
        stderr(&out)
    );
}

/// Issue 16, item 10: the CLI's small faults around SQL, each through the real binary.
#[test]
fn piped_commands_missing_lakes_and_named_query_values() {
    let f = demo_lake(300);

    // `printf '\d\n' | momentos sql`: the shell's commands work in a piped script too.
    let run_piped = |script: &str| {
        let mut child = f
            .cmd()
            .arg("sql")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        std::io::Write::write_all(&mut child.stdin.take().unwrap(), script.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    };
    let out = run_piped("\\d\n");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("interactions"), "{}", stdout(&out));
    let out = run_piped("select 1 as uno;\n\\d scores\nselect 2 as dos;\n");
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.find("uno").unwrap() < text.find("n_total").unwrap()
            && text.find("n_total").unwrap() < text.find("dos").unwrap(),
        "statements and commands run in order: {text}"
    );
    let out = run_piped("\\nada\n");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));

    // A mistyped --lake is an error, and no empty lake appears.
    let typo = f.path("lgo");
    let out = Command::new(env!("CARGO_BIN_EXE_momentos"))
        .arg("--lake")
        .arg(&typo)
        .args(["sql", "select count(*) from scores"])
        .current_dir(f.path(""))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("no hay un lago en") && stderr(&out).contains("lgo"),
        "{}",
        stderr(&out)
    );
    assert!(!typo.exists(), "the mistyped lake folder was created");

    // Outside the project (no ./queries) every named query is listed and runs.
    let out = f.run(&["query", "--list"]);
    assert!(out.status.success(), "{}", stderr(&out));
    for name in [
        "quarantine_by_reason",
        "source_coverage",
        "scores",
        "survey_kpis",
    ] {
        assert!(stdout(&out).contains(name), "{name}: {}", stdout(&out));
    }
    let out = f.run(&["query", "source_coverage", "--format", "csv"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("source,channel,local_date,period,n_records"),
        "{}",
        stdout(&out)
    );
    assert!(stdout(&out).lines().count() > 10, "{}", stdout(&out));

    // An unknown value of a parameter with declared values says so.
    let out = f.run(&["query", "quarantine_by_reason", "--param", "source=foo"]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("`foo` is not one of its values: interactions, surveys, shopper"),
        "{}",
        stderr(&out)
    );
}

/// A cluster engine needs `--features ballista`; a build without it says so (issue 17).
#[cfg(not(feature = "ballista"))]
#[test]
fn a_cluster_engine_needs_the_ballista_feature() {
    let f = Fixture::new();
    for lang in ["es", "en"] {
        let out = f.run(&[
            "--lang",
            lang,
            "--engine",
            "df://127.0.0.1:50050",
            "sql",
            "select 1",
        ]);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(
            stderr(&out).contains("--features ballista"),
            "{}",
            stderr(&out)
        );
    }
    let out = f.run(&["--lang", "en", "--engine", "standalone", "score"]);
    assert!(
        stderr(&out).contains("does not include"),
        "{}",
        stderr(&out)
    );
}
