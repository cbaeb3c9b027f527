//! Ingestion through the public CLI: counts, idempotency, encodings and formats,
//! quarantine of hostile rows, replacement of re-sent ids, personal data, crashes.

mod util;

use std::time::Duration;

use momentos::demo::{self, DemoOptions};
use util::*;

fn small_demo(f: &Fixture, interactions: u64) -> demo::DemoFiles {
    let opts = DemoOptions {
        seed: 11,
        start: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        months: 3,
        interactions,
        with_defects: true,
    };
    demo::generate(&f.path("inbox"), &opts).unwrap()
}

#[test]
fn demo_files_ingest_and_a_second_ingest_adds_nothing() {
    let f = Fixture::new();
    let files = small_demo(&f, 3000);
    let out = f.ingest("interactions", &files.interactions);
    assert_eq!(
        out.status.code(),
        Some(3),
        "malformed rows are quarantined: {}",
        stdout(&out)
    );
    let accepted = f.count("select count(*) from interactions");
    let quarantined = f.count("select count(*) from quarantine");
    let distinct = f.count("select count(distinct interaction_id) from interactions");
    assert_eq!(accepted, distinct, "one row per id");
    assert!(quarantined > 0);
    // Rows read = accepted + quarantined + earlier versions of re-sent ids.
    let text = stdout(&out);
    let accepted_text = momentos::report::format::int(accepted as i64);
    assert!(
        text.contains(&format!("aceptadas {accepted_text}")),
        "{text}"
    );

    let again = f.ingest("interactions", &files.interactions);
    assert_eq!(again.status.code(), Some(0));
    assert!(stdout(&again).contains("ya ingerido"), "{}", stdout(&again));
    assert_eq!(f.count("select count(*) from interactions"), accepted);

    for (kind, file) in [("surveys", &files.surveys), ("shopper", &files.shopper)] {
        let out = f.ingest(kind, file);
        assert!(
            matches!(out.status.code(), Some(0) | Some(3)),
            "{}",
            stderr(&out)
        );
    }
    assert!(f.count("select count(*) from surveys") > 0);
    assert!(f.count("select count(*) from shopper") > 0);
}

const ROWS: &[[&str; 22]] = &[
    [
        "A-1",
        "teléfono",
        "admisiones",
        "02/03/2026 09:15",
        "02/03/2026 09:15:12",
        "",
        "",
        "",
        "",
        "Inscripción",
        "",
        "aspirante",
        "",
        "",
        "",
        "resuelto",
        "sí",
        "x",
        "x",
        "",
        "x",
        "Pregunta por la inscripción",
    ],
    [
        "A-2",
        "correo",
        "fac_medicina",
        "2026-03-02T20:00:00-05:00",
        "2026-03-03T09:30:00-05:00",
        "",
        "inbound",
        "",
        "",
        "Costos",
        "",
        "padre de familia",
        "admisiones",
        "2026-03-03T09:31:00-05:00",
        "2026-03-05T10:00:00-05:00",
        "escalado",
        "no",
        "",
        "",
        "",
        "",
        "Niño de 17 años, señal débil",
    ],
    [
        "A-3",
        "presencial",
        "centro_veterinaria",
        "2026-03-04 10:00:00",
        "2026-03-04 10:20:00",
        "2026-03-04 10:40:00",
        "",
        "",
        "",
        "",
        "",
        "paciente",
        "",
        "",
        "",
        "",
        "",
        "1",
        "0",
        "1",
        "1",
        "Atención en sede — café",
    ],
];

fn csv_text(sep: char) -> String {
    let mut s = INTERACTIONS_HEADER.replace(',', &sep.to_string());
    s.push('\n');
    for r in ROWS {
        let fields: Vec<String> = r
            .iter()
            .map(|v| {
                if v.contains(sep) || v.contains('"') {
                    format!("\"{}\"", v.replace('"', "\"\""))
                } else {
                    v.to_string()
                }
            })
            .collect();
        s.push_str(&fields.join(&sep.to_string()));
        s.push('\n');
    }
    s
}

fn lake_content(f: &Fixture) -> Vec<String> {
    f.sql_csv(
        "select interaction_id, channel, unit, received_at, first_response_at, resolved_at, direction, topic, \
         stakeholder, escalated_to, escalated_at, escalation_answered_at, outcome, habeas_data, protocol_greeting, \
         protocol_need_identified, protocol_habeas_script, protocol_request_processed, notes, local_date \
         from interactions order by interaction_id",
    )
}

#[test]
fn windows_1252_semicolon_and_json_lines_give_the_same_lake_content() {
    let utf8 = Fixture::new();
    let p = utf8.write("a.csv", format!("\u{feff}{}", csv_text(',')));
    assert_eq!(utf8.ingest("interactions", &p).status.code(), Some(0));
    let expected = lake_content(&utf8);
    assert_eq!(expected.len(), 3);
    assert!(expected[1].contains("Niño de 17 años"), "{expected:?}");

    let cp = Fixture::new();
    let text = csv_text(';');
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&text);
    assert!(!unmappable);
    let p = cp.write("b.csv", &bytes);
    let out = cp.ingest("interactions", &p);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(stdout(&out).contains("windows-1252"), "{}", stdout(&out));
    assert_eq!(lake_content(&cp), expected);

    let js = Fixture::new();
    let header: Vec<&str> = INTERACTIONS_HEADER.split(',').collect();
    let lines: Vec<String> = ROWS
        .iter()
        .map(|r| {
            let obj: serde_json::Map<String, serde_json::Value> = header
                .iter()
                .zip(r.iter())
                .filter(|(_, v)| !v.is_empty())
                .map(|(k, v)| (k.to_string(), serde_json::Value::String(v.to_string())))
                .collect();
            serde_json::Value::Object(obj).to_string()
        })
        .collect();
    let p = js.write("c.jsonl", lines.join("\n"));
    assert_eq!(js.ingest("interactions", &p).status.code(), Some(0));
    assert_eq!(lake_content(&js), expected);
}

/// The month folders of a lake's interaction files, with how many files each holds.
fn interaction_months(f: &Fixture) -> std::collections::BTreeMap<String, usize> {
    let mut months = std::collections::BTreeMap::new();
    for file in f.lake_files() {
        let dir = file.parent().unwrap();
        let parquet = file.extension().is_some_and(|e| e == "parquet");
        if parquet && dir.parent().unwrap().file_name().unwrap() == "interactions" {
            let month = dir.file_name().unwrap().to_string_lossy().into_owned();
            *months.entry(month).or_insert(0) += 1;
        }
    }
    months
}

#[test]
fn rows_in_any_order_give_the_same_lake_content() {
    // A merged or re-exported file comes in no date order: rows are gathered by month
    // before they are written, and the lake must hold what the same file in date order
    // gives, in as many files per month.
    let in_order = Fixture::new();
    let opts = DemoOptions {
        seed: 5,
        start: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        months: 3,
        interactions: 3000,
        with_defects: false,
    };
    let files = demo::generate(&in_order.path("inbox"), &opts).unwrap();
    let mut reader = csv::Reader::from_path(&files.interactions).unwrap();
    let header = reader.byte_headers().unwrap().clone();
    let mut records: Vec<csv::ByteRecord> = reader.byte_records().map(Result::unwrap).collect();
    // One version per id: of an id sent twice, the later line wins, and shuffling would
    // change which that is.
    let mut seen = std::collections::HashSet::new();
    records.retain(|r| seen.insert(r[0].to_vec()));
    // Fisher–Yates with a fixed xorshift: every run shuffles alike.
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    for i in (1..records.len()).rev() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        records.swap(i, (state % (i as u64 + 1)) as usize);
    }
    let shuffled = Fixture::new();
    let path = shuffled.write_csv("shuffled.csv", &header, &records);
    let mut by_id = records.clone();
    by_id.sort_by(|a, b| a[0].cmp(&b[0]));
    let ordered = in_order.write_csv("ordered.csv", &header, &by_id);
    ok(&in_order.ingest("interactions", &ordered));
    ok(&shuffled.ingest("interactions", &path));
    let expected = lake_content(&in_order);
    assert_eq!(expected.len(), records.len(), "every row lands");
    assert_eq!(lake_content(&shuffled), expected);
    let months = interaction_months(&in_order);
    assert_eq!(months.len(), 3, "{months:?}");
    assert_eq!(interaction_months(&shuffled), months);
}

#[test]
fn hostile_rows_are_quarantined_and_good_rows_land() {
    let f = Fixture::new();
    let big = "x".repeat(100 * 1024);
    let mut s = String::from(INTERACTIONS_HEADER);
    s.push('\n');
    let good = "G-1,phone,admisiones,2026-03-02T09:00:00-05:00,2026-03-02T09:00:10-05:00,,,,,,,,,,,,,,,,,<script>alert(1)</script> \"\"><img src=x onerror=alert(1)> =HYPERLINK(\"\"http://x\"\")";
    s.push_str(
        &good
            .replace("<script>", "\"<script>")
            .replace("(\"\"http://x\"\")", "(\"\"http://x\"\")\""),
    );
    s.push('\n');
    s.push_str("B-1,fax,admisiones,2026-03-02T09:00:00,,,,,,,,,,,,,,,,,,\n");
    s.push_str("B-2,phone,fac_ingenieria,2026-03-02T09:00:00,,,,,,,,,,,,,,,,,,\n");
    s.push_str("B-3,phone,admisiones,2026-02-30T09:00:00,,,,,,,,,,,,,,,,,,\n");
    s.push_str("B-4,phone,admisiones,2026-03-02T09:00:00,2026-03-02T08:00:00,,,,,,,,,,,,,,,,,\n");
    s.push_str("B-5,phone,admisiones,not a date,,,,,,,,,,,,,,,,,,\n");
    s.push_str(&format!(
        "B-6,phone,admisiones,2026-03-02T09:00:00,,,,,,,,,,,,,,,,,,{big}\n"
    ));
    s.push_str("B-7,phone,admisiones,2026-03-02T09:00:00,,,sideways,,,,,,,,,,,,,,,\n");
    s.push_str("B-8,phone\n");
    s.push_str("G-2,whatsapp,posgrados_no,2026-03-02T09:00:00,,,,,,,,,,,,,,,,,,\n");
    s.push_str("G-3,whatsapp,mercadeo_posgrado,2026-03-02T09:00:00,,,,,,,,,,,,,,,,,,ok\n");
    s.push_str("B-9,phone,admisiones,\"2026-03-02T09:00:00,,,,,,,,,,,,,,,,,,broken quote\n");
    let p = f.write("hostile.csv", s);
    let out = f.ingest("interactions", &p);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let ids = f.sql_csv("select interaction_id from interactions order by 1");
    assert_eq!(ids, vec!["G-1", "G-3"]);
    let notes = f.sql_csv("select notes from interactions where interaction_id = 'G-1'");
    assert!(
        notes[0].contains("<script>alert(1)</script>"),
        "stored as inert text: {notes:?}"
    );
    let reasons = f.sql_csv("select source_line, reason_code from quarantine order by source_line");
    let joined = reasons.join(" ");
    for code in [
        "unknown_channel",
        "unknown_unit",
        "bad_timestamp",
        "response_before_reception",
        "bad_direction",
        "unreadable_row",
    ] {
        assert!(joined.contains(code), "missing {code} in {joined}");
    }
    // Every row of the file is accounted for: 2 accepted, the rest quarantined.
    let quarantined = f.count("select count(*) from quarantine");
    assert!(quarantined >= 9, "{reasons:?}");
    assert!(stdout(&out).contains("en cuarentena"), "{}", stdout(&out));
}

#[test]
fn unreadable_file_is_an_error_naming_it_and_writes_nothing() {
    let f = Fixture::new();
    let p = f.write(
        "no-unit.csv",
        "interaction_id,channel,received_at\nA,phone,2026-03-02T09:00:00\n",
    );
    let out = f.ingest("interactions", &p);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("no-unit.csv") && err.contains("unit"), "{err}");
    assert_eq!(f.count("select count(*) from interactions"), 0);
    assert!(
        !f.lake().join("_batches").exists()
            || std::fs::read_dir(f.lake().join("_batches"))
                .unwrap()
                .count()
                == 0
    );

    let bin = f.write("binary.csv", [0u8, 159, 146, 150, 0, 1, 2, 3]);
    let out = f.ingest("interactions", &bin);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("binary.csv"), "{}", stderr(&out));
}

#[test]
fn identifiers_without_a_key_are_refused() {
    let f = Fixture::new();
    let p = f.write(
        "ids.csv",
        format!("{INTERACTIONS_HEADER}\nK-1,phone,admisiones,2026-03-02T09:00:00,,,,,,,ana@example.com,,,,,,si,,,,,\n"),
    );
    let out = f
        .cmd()
        .env_remove("MOMENTOS_PSEUDONYM_KEY")
        .arg("ingest")
        .arg("interactions")
        .arg(&p)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("MOMENTOS_PSEUDONYM_KEY"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("ana@example.com"));
    assert_eq!(f.count("select count(*) from interactions"), 0);
}

#[test]
fn re_sent_ids_replace_older_rows_for_every_reader() {
    let f = Fixture::new();
    let first = f.write(
        "day1.csv",
        format!(
            "{INTERACTIONS_HEADER}\nR-1,phone,admisiones,2026-03-02T09:00:00,,,,,,,,,,,,pending,,,,,,\nR-2,phone,admisiones,2026-03-02T09:05:00,,,,,,,,,,,,resolved,,,,,,\n"
        ),
    );
    let second = f.write(
        "day2.csv",
        format!(
            "{INTERACTIONS_HEADER}\nR-1,phone,admisiones,2026-03-02T09:00:00,2026-03-02T09:00:15,2026-03-02T09:10:00,,,,,,,,,,resolved,,,,,,\nR-3,email,admisiones,2026-03-03T09:00:00,,,,,,,,,,,,pending,,,,,,\nR-3,email,admisiones,2026-03-03T09:00:00,2026-03-03T10:00:00,,,,,,,,,,,resolved,,,,,,\n"
        ),
    );
    assert_eq!(f.ingest("interactions", &first).status.code(), Some(0));
    let out = f.ingest("interactions", &second);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("reemplazadas 1"), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("duplicadas en el archivo 1"),
        "{}",
        stdout(&out)
    );
    assert_eq!(
        f.sql_csv("select interaction_id, outcome from interactions order by 1"),
        vec!["R-1,resolved", "R-2,resolved", "R-3,resolved"]
    );
    // A reader that globs the Parquet files directly sees the same rows.
    let mut ids = Vec::new();
    for file in f
        .lake_files()
        .iter()
        .filter(|p| p.to_string_lossy().contains("/interactions/"))
        .filter(|p| p.extension().is_some_and(|e| e == "parquet"))
    {
        let bytes = bytes::Bytes::from(std::fs::read(file).unwrap());
        let reader =
            datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
                bytes,
            )
            .unwrap()
            .build()
            .unwrap();
        for batch in reader {
            let batch = batch.unwrap();
            let col = datafusion::arrow::compute::cast(
                batch.column_by_name("interaction_id").unwrap(),
                &datafusion::arrow::datatypes::DataType::Utf8,
            )
            .unwrap();
            let col = col
                .as_any()
                .downcast_ref::<datafusion::arrow::array::StringArray>()
                .unwrap();
            ids.extend(col.iter().map(|v| v.unwrap().to_string()));
        }
    }
    ids.sort();
    assert_eq!(ids, vec!["R-1", "R-2", "R-3"]);
}

#[test]
fn no_raw_identifier_reaches_any_lake_file() {
    let f = Fixture::new();
    let raw = [
        "maria.gomez@gmail.com",
        "300 555 1234",
        "3005551234",
        "1.017.234.567",
        "1017234567",
        "318 672 7815",
    ];
    let mut s = String::from(INTERACTIONS_HEADER);
    s.push('\n');
    s.push_str("P-1,phone,admisiones,2026-03-02T09:00:00,,,,,,,maria.gomez@gmail.com,,,,,,si,,,,,Escribir a maria.gomez@gmail.com o al 300 555 1234\n");
    s.push_str("P-2,whatsapp,admisiones,2026-03-02T09:00:00,,,,,,,+57 300 555 1234,,,,,,no,,,,,CC 1.017.234.567 pide certificado\n");
    s.push_str("P-3,whatsapp,fax,2026-03-02T09:00:00,,,,,,,1017234567,,,,,,si,,,,,llamar al 318 672 7815\n");
    let p = f.write("pii.csv", s);
    let out = f.ingest("interactions", &p);
    assert_eq!(out.status.code(), Some(3));
    for o in [stdout(&out), stderr(&out)] {
        for r in raw {
            assert!(!o.contains(r), "{r} printed: {o}");
        }
    }
    let files = f.lake_files();
    assert!(files.len() >= 3);
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        for r in raw {
            assert!(
                !bytes.windows(r.len()).any(|w| w == r.as_bytes()),
                "{r} found in {}",
                file.display()
            );
        }
    }
    let notes = f.sql_csv("select notes from interactions order by interaction_id");
    assert!(
        notes[0].contains("[correo]") && notes[0].contains("[telefono]"),
        "{notes:?}"
    );
    // Authorised contacts keep a keyed hash; unauthorised ones keep nothing.
    let keys = f.sql_csv("select interaction_id, length(contact_key) from interactions order by 1");
    assert_eq!(keys, vec!["P-1,64", "P-2,"]);
    let raw_q = f.sql_csv("select raw from quarantine");
    assert!(
        !raw_q[0].contains("1017234567") && !raw_q[0].contains("318 672"),
        "{raw_q:?}"
    );
}

#[test]
fn a_killed_ingest_leaves_no_partial_batch_and_a_rerun_completes_it() {
    let f = Fixture::new();
    let files = small_demo(&f, 40_000);
    let mut child = f
        .cmd()
        .arg("ingest")
        .arg("interactions")
        .arg(&files.interactions)
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    let _ = child.kill();
    let _ = child.wait();
    let after_kill = f.count("select count(*) from interactions");
    let out = f.ingest("interactions", &files.interactions);
    let complete = f.count("select count(*) from interactions");
    assert!(
        after_kill == 0 || after_kill == complete,
        "partial batch visible: {after_kill} of {complete}"
    );
    assert!(
        out.status.success() || out.status.code() == Some(3),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        complete,
        f.count("select count(distinct interaction_id) from interactions")
    );
    // Nothing but committed files is left in the table folders.
    let stray = f
        .lake_files()
        .into_iter()
        .filter(|p| p.to_string_lossy().contains("_staging"))
        .count();
    assert_eq!(stray, 0);
}

#[tokio::test]
async fn the_lake_works_on_an_in_memory_object_store() {
    let lake = momentos::lake::Lake::open("memory://conformance").unwrap();
    let catalog = momentos::catalog::Catalog::embedded();
    let f = Fixture::new();
    let p = f.write("m.csv", csv_text(','));
    let opts = momentos::ingest::IngestOptions::new(momentos::vocabulary::SourceKind::Interactions);
    let s = momentos::ingest::ingest_file(&lake, &catalog, None, &p, &opts)
        .await
        .unwrap();
    assert_eq!(s.rows_accepted, 3);
    let again = momentos::ingest::ingest_file(&lake, &catalog, None, &p, &opts)
        .await
        .unwrap();
    assert!(again.already_ingested_in.is_some());
    let ctx = momentos::sql::session(&lake, &catalog).await.unwrap();
    let mut buf = Vec::new();
    {
        let limits = momentos::sql::Limits::default();
        let mut sink =
            momentos::sql::output::sink(momentos::sql::OutputFormat::Csv, Box::new(&mut buf), 10);
        momentos::sql::run_statement(
            &ctx,
            "select count(*) from interactions",
            &limits,
            &mut *sink,
        )
        .await
        .unwrap();
    }
    assert_eq!(String::from_utf8(buf).unwrap().lines().nth(1), Some("3"));
}

/// Within one file the last *valid* version of an id counts, whichever way the repeats
/// are found: known from the first pass (CSV), found after writing (JSON Lines), or both
/// (more repeats than a worker may hold back).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_ids_keep_the_last_valid_version_on_every_path() {
    use momentos::ingest::{ingest_file, IngestOptions};
    use momentos::vocabulary::SourceKind;
    let dir = tempfile::tempdir().unwrap();
    let rows = [
        "R-1,phone,admisiones,2026-03-02T09:00:00,,,,,,,,,,,,pending,,,,,,first",
        "R-2,phone,admisiones,2026-03-02T09:05:00,,,,,,,,,,,,resolved,,,,,,only",
        "R-1,phone,admisiones,2026-03-04T09:00:00,,,,,,,,,,,,resolved,,,,,,second",
        "R-3,email,admisiones,2026-03-03T09:00:00,,,,,,,,,,,,resolved,,,,,,valid",
        // The last version of R-3 is invalid: it goes to quarantine, the valid one stays.
        "R-3,fax,admisiones,2026-03-03T09:00:00,,,,,,,,,,,,resolved,,,,,,invalid",
        "R-1,phone,admisiones,2026-03-05T09:00:00,,,,,,,,,,,,resolved,,,,,,third",
    ];
    let csv = dir.path().join("repeats.csv");
    std::fs::write(
        &csv,
        format!("{INTERACTIONS_HEADER}\n{}\n", rows.join("\n")),
    )
    .unwrap();
    let header: Vec<&str> = INTERACTIONS_HEADER.split(',').collect();
    let jsonl = dir.path().join("repeats.jsonl");
    let lines: Vec<String> = rows
        .iter()
        .map(|r| {
            let obj: serde_json::Map<String, serde_json::Value> = header
                .iter()
                .zip(r.split(','))
                .filter(|(_, v)| !v.is_empty())
                .map(|(k, v)| (k.to_string(), serde_json::Value::String(v.to_string())))
                .collect();
            serde_json::Value::Object(obj).to_string()
        })
        .collect();
    std::fs::write(&jsonl, lines.join("\n")).unwrap();

    let catalog = momentos::catalog::Catalog::embedded();
    for (n, (file, max_held_rows)) in [(&csv, 200_000), (&jsonl, 200_000), (&csv, 1)]
        .into_iter()
        .enumerate()
    {
        let lake =
            momentos::lake::Lake::open(dir.path().join(format!("lake{n}")).to_str().unwrap())
                .unwrap();
        let mut opts = IngestOptions::new(SourceKind::Interactions);
        opts.max_held_rows = max_held_rows;
        let s = ingest_file(&lake, &catalog, None, file, &opts)
            .await
            .unwrap();
        assert_eq!(
            (
                s.rows_read,
                s.rows_accepted,
                s.rows_superseded_in_file,
                s.rows_quarantined
            ),
            (6, 3, 2, 1),
            "{file:?} holding {max_held_rows}"
        );
        let ctx = momentos::sql::session(&lake, &catalog).await.unwrap();
        let batches = ctx
            .sql("select interaction_id, notes from interactions order by 1")
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
        let mut pairs = Vec::new();
        for batch in &batches {
            let col = |name: &str| {
                datafusion::arrow::compute::cast(
                    batch.column_by_name(name).unwrap(),
                    &datafusion::arrow::datatypes::DataType::Utf8,
                )
                .unwrap()
            };
            let (ids, notes) = (col("interaction_id"), col("notes"));
            let ids = ids
                .as_any()
                .downcast_ref::<datafusion::arrow::array::StringArray>()
                .unwrap();
            let notes = notes
                .as_any()
                .downcast_ref::<datafusion::arrow::array::StringArray>()
                .unwrap();
            for i in 0..batch.num_rows() {
                pairs.push(format!("{}:{}", ids.value(i), notes.value(i)));
            }
        }
        assert_eq!(
            pairs,
            ["R-1:third", "R-2:only", "R-3:valid"],
            "{file:?} holding {max_held_rows}"
        );
    }
}
