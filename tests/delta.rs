//! The lake read as Delta Lake tables by another engine (Python's `deltalake`, delta-rs under
//! Polars and pandas): after each kind of write, every table's Delta log lists exactly the rows
//! `momentos sql` shows — a re-sent interaction once, with its new values.
//!
//! Needs Python 3 with the `deltalake` package; skipped without it unless
//! `MOMENTOS_REQUIRE_DELTALAKE=1` (as CI sets), which turns its absence into a failure.

mod util;

use std::collections::BTreeMap;

use util::delta::*;
use util::*;

const PIPELINE: &str = "steps = [\"ingest\", \"score\", \"plans\", \"alerts\"]\n\
    # The files were just written: take them without waiting.\n\
    settle = \"0s\"\n\n\
    [[sources]]\nkind = \"interactions\"\ninbox = \"inbox\"\nglob = \"interactions*.csv\"\n\n\
    [[sources]]\nkind = \"surveys\"\ninbox = \"inbox\"\nglob = \"surveys*.csv\"\n\n\
    [[sources]]\nkind = \"shopper\"\ninbox = \"inbox\"\nglob = \"shopper*.csv\"\n";

/// `(interaction_id, outcome)` of every interaction, as `momentos sql` and the Delta reader see it.
fn outcomes(f: &Fixture) -> (Vec<String>, Vec<String>) {
    let mut sql: Vec<String> = f
        .sql_csv("select interaction_id, outcome from interactions")
        .iter()
        .map(|line| {
            let (id, outcome) = line.split_once(',').unwrap();
            serde_json::json!([id, outcome]).to_string()
        })
        .collect();
    let mut delta: Vec<String> = read_delta(f, &["interactions/", "interaction_id,outcome"])
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    sql.sort();
    delta.sort();
    (sql, delta)
}

/// A re-export of `n` resolved interactions of `source`, now pending.
fn resent_as_pending(source: &std::path::Path, n: usize) -> (Vec<u8>, Vec<String>) {
    let mut reader = csv::ReaderBuilder::new().from_path(source).unwrap();
    let headers = reader.byte_headers().unwrap().clone();
    let outcome = headers.iter().position(|h| h == b"outcome").unwrap();
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_byte_record(&headers).unwrap();
    let mut ids = Vec::new();
    for record in reader.byte_records() {
        let record = record.unwrap();
        if ids.len() == n {
            break;
        }
        if &record[outcome] != b"resolved" || !record.iter().all(|f| f.is_ascii()) {
            continue;
        }
        let changed: csv::ByteRecord = record
            .iter()
            .enumerate()
            .map(|(i, field)| if i == outcome { &b"pending"[..] } else { field })
            .collect();
        ids.push(String::from_utf8(record[0].to_vec()).unwrap());
        writer.write_byte_record(&changed).unwrap();
    }
    (writer.into_inner().unwrap(), ids)
}

#[test]
fn every_table_reads_the_same_through_delta_after_each_kind_of_write() {
    let f = Fixture::new();
    f.demo_exports(3000);
    if read_delta(&f, &[]).is_none() {
        return;
    }

    // Ingest alone: the three sources and their quarantines.
    for kind in ["interactions", "surveys", "shopper"] {
        let out = f.ingest(kind, &f.path(&format!("exports/{kind}.csv")));
        assert!(matches!(out.status.code(), Some(0 | 3)), "{}", stderr(&out));
    }
    assert_delta_equals_sql(
        &f,
        &[
            "interactions/",
            "surveys/",
            "shopper/",
            "quarantine/interactions/",
        ],
    );

    // A pipeline run that ingests a re-export, then writes the derived tables, plans,
    // alerts, reference tables and the run history.
    let (resent, ids) = resent_as_pending(&f.path("exports/interactions.csv"), 25);
    assert_eq!(ids.len(), 25);
    std::fs::create_dir_all(f.path("pipelines")).unwrap();
    f.write("pipelines/mini.toml", PIPELINE);
    std::fs::create_dir_all(f.path("inbox")).unwrap();
    f.write("inbox/interactions_reenvio.csv", resent);
    let run = f.run(&["run", "mini"]);
    assert!(
        matches!(run.status.code(), Some(0 | 3)),
        "{}{}",
        stdout(&run),
        stderr(&run)
    );
    let counts = assert_delta_equals_sql(
        &f,
        &[
            "facts/interaction_facts/",
            "scores/",
            "plans/",
            "alerts/",
            "reference/rubric/",
            "runs/",
            "run_steps/",
        ],
    )
    .unwrap();

    // The re-sent interactions: once each, with the new outcome, for both readers.
    let interactions = counts["interactions/"];
    let distinct = f.count("select count(distinct interaction_id) from interactions");
    assert_eq!(interactions, distinct, "an id twice in the Delta table");
    let (sql, delta) = outcomes(&f);
    assert_eq!(sql.len(), delta.len());
    assert!(
        sql == delta,
        "interactions differ between momentos sql and the Delta reader"
    );
    for id in &ids {
        let row = serde_json::json!([id, "pending"]).to_string();
        assert!(
            delta.contains(&row),
            "{id} is not pending for the Delta reader"
        );
    }

    // A second score of the same data replaces the derived tables' files in one commit each.
    let out = f.run(&["score"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let again = assert_delta_equals_sql(&f, &[]).unwrap();
    assert_eq!(again["scores/"], counts["scores/"]);

    // `forget` rewrites several tables in one batch and re-derives the scores.
    let contact = first_authorised_contact(&f.path("exports/interactions.csv"));
    let out = f.run(&["forget", &contact]);
    assert!(out.status.success(), "{}", stderr(&out));
    let after = assert_delta_equals_sql(&f, &["audit/"]).unwrap();
    assert!(after["interactions/"] < again["interactions/"]);
}

/// The contact of the first interaction with habeas-data authorisation.
fn first_authorised_contact(export: &std::path::Path) -> String {
    let mut reader = csv::Reader::from_path(export).unwrap();
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (contact, habeas) = (col("contact"), col("habeas_data"));
    reader
        .records()
        .map(Result::unwrap)
        .find(|r| !r[contact].is_empty() && r[habeas].eq_ignore_ascii_case("si"))
        .map(|r| r[contact].to_string())
        .unwrap()
}

/// Interactions as the Delta reader sees them: row count and distinct ids.
fn delta_interactions(f: &Fixture) -> Option<(u64, u64)> {
    if !f.lake().join("interactions/_delta_log").exists() {
        return Some((0, 0));
    }
    let rows = read_delta(f, &["interactions/", "interaction_id"])?;
    let ids: Vec<&str> = rows.lines().collect();
    let distinct: std::collections::BTreeSet<&str> = ids.iter().copied().collect();
    Some((ids.len() as u64, distinct.len() as u64))
}

/// Kill delays from a seeded generator: spread over a write's run, the same every time.
fn kill_delays(seed: u64, n: usize, max_ms: u64) -> Vec<u64> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            100 + (x >> 33) % max_ms
        })
        .collect()
}

/// Runs `cmd` for `delay_ms` and kills it (kill -9).
fn kill_after(mut cmd: std::process::Command, delay_ms: u64) {
    let mut child = cmd
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(delay_ms));
    let _ = child.kill();
    let _ = child.wait();
}

/// The interaction counts the lake has had: after each committed interactions batch, in
/// commit order (each batch adds its accepted rows and replaces re-sent ones).
fn committed_states(f: &Fixture) -> Vec<u64> {
    let mut batches: Vec<(String, i64)> = std::fs::read_dir(f.lake().join("_batches"))
        .map(|dir| {
            dir.map(|e| std::fs::read(e.unwrap().path()).unwrap())
                .map(|b| serde_json::from_slice::<serde_json::Value>(&b).unwrap())
                .filter(|m| m["table"] == "interactions")
                .map(|m| {
                    let id = m["batch_id"].as_str().unwrap().to_string();
                    let added = m["rows_accepted"].as_u64().unwrap() as i64
                        - m["rows_replaced"].as_u64().unwrap() as i64;
                    (id, added)
                })
                .collect()
        })
        .unwrap_or_default();
    batches.sort();
    let mut total = 0;
    let mut states = vec![0];
    for (_, added) in batches {
        total += added;
        states.push(total as u64);
    }
    states
}

/// After a kill: every Delta table still reads (no file it lists is gone), no id twice,
/// and the interactions are exactly some committed state — never part of a batch.
fn assert_whole_after_kill(f: &Fixture, what: &str) {
    let counts: BTreeMap<String, u64> = serde_json::from_str(&read_delta(f, &[]).unwrap()).unwrap();
    let (rows, distinct) = delta_interactions(f).unwrap();
    assert_eq!(rows, distinct, "{what}: an id twice for the Delta reader");
    let states = committed_states(f);
    assert!(
        states.contains(&rows),
        "{what}: Delta reader sees {rows} interactions; committed states {states:?}"
    );
    assert_eq!(counts.get("interactions/").copied().unwrap_or(0), rows);
}

#[test]
fn killed_writes_never_show_an_outside_reader_half_a_batch() {
    let f = Fixture::new();
    f.demo_exports(3000);
    if read_delta(&f, &[]).is_none() {
        return;
    }
    let chunks = f.split_csv("exports/interactions.csv", 4);
    for kind in ["surveys", "shopper"] {
        let out = f.ingest(kind, &f.path(&format!("exports/{kind}.csv")));
        assert!(matches!(out.status.code(), Some(0 | 3)), "{}", stderr(&out));
    }
    // 20 kills in all: 8 ingests, 6 scores, 6 nightly runs, at seeded random moments.
    let ingest_delays = kill_delays(14, 8, 900);
    for (chunk, delays) in chunks[..2].iter().zip(ingest_delays.chunks(4)) {
        for &delay_ms in delays {
            let mut cmd = f.cmd();
            cmd.arg("ingest").arg("interactions").arg(chunk);
            kill_after(cmd, delay_ms);
            assert_whole_after_kill(&f, &format!("ingest killed at {delay_ms} ms"));
        }
        let out = f.ingest("interactions", chunk);
        assert!(matches!(out.status.code(), Some(0 | 3)), "{}", stderr(&out));
        // The next write mends what a kill left: the log is complete again.
        assert_delta_equals_sql(&f, &["interactions/"]);
    }

    let out = f.run(&["score"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let facts_before = f.count("select count(*) from interaction_facts");
    for delay_ms in kill_delays(15, 6, 3000) {
        let mut cmd = f.cmd();
        cmd.arg("score");
        kill_after(cmd, delay_ms);
        let counts: BTreeMap<String, u64> =
            serde_json::from_str(&read_delta(&f, &[]).unwrap()).unwrap();
        assert_eq!(
            counts["facts/interaction_facts/"], facts_before,
            "score killed at {delay_ms} ms: the same data scores again to the same facts, whole"
        );
    }

    // Nightly runs (ingest, maintain, score) of the remaining exports, killed.
    std::fs::create_dir_all(f.path("pipelines")).unwrap();
    f.write(
        "pipelines/mini.toml",
        PIPELINE.replace(
            "\"ingest\", \"score\"",
            "\"ingest\", \"maintain\", \"score\"",
        ),
    );
    std::fs::create_dir_all(f.path("inbox")).unwrap();
    for (i, chunk) in chunks[2..].iter().enumerate() {
        std::fs::copy(chunk, f.path(&format!("inbox/interactions-{i}.csv"))).unwrap();
    }
    for delay_ms in kill_delays(16, 6, 4000) {
        let mut cmd = f.cmd();
        cmd.args(["run", "mini"]);
        kill_after(cmd, delay_ms);
        assert_whole_after_kill(&f, &format!("run killed at {delay_ms} ms"));
    }
    let run = f.run(&["run", "mini"]);
    assert!(matches!(run.status.code(), Some(0 | 3)), "{}", stderr(&run));
    assert_delta_equals_sql(&f, &["interactions/", "scores/"]);
}
