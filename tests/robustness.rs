//! Inputs that try to break ingestion, through the public CLI and library: files that
//! change while they are read, inbox files still being written, hostile shapes (a million
//! columns, a 50 MB field, JSON nested too deep), Excel damage, and fuzzing of every
//! reader and adapter over arbitrary bytes.
//!
//! The fuzz targets run a few hundred cases in `cargo test`; `MOMENTOS_FUZZ_CASES=N` runs
//! N per reader and adapter (see the README's testing section).

mod util;

use std::io::Write;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use momentos::sources::{self, Format, ReadOptions, Record};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use util::*;

/// One interactions row (22 fields) with the given id, contact and notes; valid otherwise.
fn row(id: &str, contact: &str, notes: &str) -> String {
    format!("{id},telefono,admisiones,02/03/2026 09:15,02/03/2026 09:15:12,,,,,,{contact},aspirante,,,,,sí,,,,,{notes}\n")
}

fn waited(child: std::process::Child, limit: Duration) -> std::process::Output {
    let start = Instant::now();
    let mut child = child;
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("no exit within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_file_cut_short_during_ingest_is_a_clean_error_with_nothing_written() {
    // A file large enough that the (debug) ingest is still reading when it is cut.
    let mut text = String::from(INTERACTIONS_HEADER);
    text.push('\n');
    for i in 0..400_000 {
        text.push_str(&row(
            &format!("T-{i}"),
            "",
            "una nota de prueba bastante larga",
        ));
    }
    let mut clean_errors = 0;
    for delay_ms in [300u64, 150, 600, 1200] {
        let f = Fixture::new();
        let path = f.write("interactions.csv", &text);
        let child = f
            .cmd()
            .args(["ingest", "interactions"])
            .arg(&path)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(1000)
            .unwrap();
        let out = waited(child, Duration::from_secs(120));
        // Never a crash by signal (a bus error was exit 135 / no code).
        let code = out.status.code();
        assert!(code.is_some(), "killed by a signal: {}", stderr(&out));
        if code == Some(1) {
            let err = stderr(&out);
            assert!(err.contains("interactions.csv"), "{err}");
            assert!(err.contains("changed while it was being read"), "{err}");
            let batches = f
                .lake_files()
                .into_iter()
                .filter(|p| p.extension().is_some_and(|e| e == "parquet"))
                .count();
            assert_eq!(batches, 0, "nothing of the file is in the lake");
            clean_errors += 1;
            if clean_errors == 2 {
                break;
            }
        }
    }
    assert!(
        clean_errors >= 1,
        "the cut never landed during an ingest (machine too fast or slow?)"
    );
}

#[test]
fn a_half_written_inbox_file_waits_for_a_later_run() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("pipelines")).unwrap();
    std::fs::create_dir_all(root.join("inbox")).unwrap();
    std::fs::write(
        root.join("pipelines/p.toml"),
        "steps = [\"ingest\"]\nsettle = \"2s\"\n\n[[sources]]\nkind = \"interactions\"\ninbox = \"inbox\"\nglob = \"*.csv\"\n",
    )
    .unwrap();
    // Half written: the writer still holds it open and has more to say.
    let mut writer = std::fs::File::create(root.join("inbox/interactions.csv")).unwrap();
    writer
        .write_all(format!("{INTERACTIONS_HEADER}\n{}", row("H-1", "", "a")).as_bytes())
        .unwrap();
    writer.flush().unwrap();
    let run = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_momentos"))
            .current_dir(root)
            .args(["run", "p"])
            .env("MOMENTOS_PSEUDONYM_KEY", TEST_KEY)
            .env_remove("MOMENTOS_LAKE")
            .env_remove("MOMENTOS_CATALOG")
            .output()
            .unwrap()
    };
    let out = run();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let lake_has_rows = || {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_momentos"))
            .current_dir(root)
            .args([
                "sql",
                "--format",
                "csv",
                "select count(*) from interactions",
            ])
            .output()
            .unwrap();
        let text = stdout(&out);
        text.lines().nth(1).map(str::to_string)
    };
    assert_ne!(lake_has_rows().as_deref(), Some("1"), "nothing taken yet");
    // The writer finishes; once the file has been quiet for the settle time it is taken.
    writer.write_all(row("H-2", "", "b").as_bytes()).unwrap();
    drop(writer);
    std::thread::sleep(Duration::from_millis(2200));
    let out = run();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(lake_has_rows().as_deref(), Some("2"), "{}", stderr(&out));
}

#[test]
fn a_million_column_header_is_read_in_seconds_and_its_list_is_capped() {
    let f = Fixture::new();
    let mut text = String::from(INTERACTIONS_HEADER);
    for i in 0..1_000_000 {
        text.push_str(&format!(",x{i}"));
    }
    text.push('\n');
    text.push_str(&row("W-1", "", "a"));
    text.push_str(&row("W-2", "", "b"));
    let path = f.write("interactions.csv", &text);
    let started = Instant::now();
    let out = f.ingest("interactions", &path);
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(took < Duration::from_secs(60), "took {took:?}");
    let text = stdout(&out);
    assert!(text.contains("en cuarentena 2"), "{text}");
    assert!(text.contains("… y 999.980 más"), "{text}");
    assert!(
        text.len() < 10_000,
        "the summary is short: {} bytes",
        text.len()
    );

    // The same in JSON Lines: a first object with a million keys.
    let mut line = String::from("{\"interaction_id\":\"J-1\"");
    for i in 0..1_000_000 {
        line.push_str(&format!(",\"k{i}\":1"));
    }
    line.push_str("}\n");
    let path = f.write("wide.jsonl", &line);
    let started = Instant::now();
    let out = f.ingest("interactions", &path);
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(err.contains("missing required column"), "{err}");
    assert!(err.len() < 10_000, "{} bytes of error", err.len());
}

#[test]
fn a_50_mb_field_quarantines_its_row_and_the_others_load() {
    let f = Fixture::new();
    let path = f.path("interactions.csv");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    writeln!(file, "{INTERACTIONS_HEADER}").unwrap();
    file.write_all(row("B-1", "", "antes").as_bytes()).unwrap();
    let huge = "x".repeat(50 << 20);
    file.write_all(row("B-2", "", &huge).as_bytes()).unwrap();
    drop(huge);
    file.write_all(row("B-3", "", "después").as_bytes())
        .unwrap();
    file.flush().unwrap();
    drop(file);
    let started = Instant::now();
    let out = f.ingest("interactions", &path);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(started.elapsed() < Duration::from_secs(60));
    assert_eq!(
        f.sql_csv("select interaction_id from interactions order by 1"),
        ["B-1", "B-3"]
    );
    assert_eq!(f.sql_csv("select source_line from quarantine"), ["3"]);

    // JSON Lines: the same row as a line of 50 MB.
    let path = f.path("interactions.jsonl");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let obj = |id: &str, notes: &str| {
        format!("{{\"interaction_id\":\"{id}\",\"channel\":\"telefono\",\"unit\":\"admisiones\",\"received_at\":\"02/03/2026 09:15\",\"notes\":\"{notes}\"}}\n")
    };
    file.write_all(obj("J-1", &"y".repeat(50 << 20)).as_bytes())
        .unwrap();
    file.write_all(obj("J-2", "bien").as_bytes()).unwrap();
    drop(file);
    let out = f.ingest("interactions", &path);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert_eq!(
        f.count("select count(*) from interactions where interaction_id = 'J-2'"),
        1
    );
}

#[test]
fn a_json_line_nested_too_deep_is_quarantined_wherever_it_is() {
    let f = Fixture::new();
    let deep = format!(
        "{{\"interaction_id\":\"D-0\",\"notes\":{}1{}}}\n",
        "[".repeat(5000),
        "]".repeat(5000)
    );
    let good = |id: &str| {
        format!("{{\"interaction_id\":\"{id}\",\"channel\":\"telefono\",\"unit\":\"admisiones\",\"received_at\":\"02/03/2026 09:15\"}}\n")
    };
    let text = format!("{deep}{}{deep}{}", good("D-1"), good("D-2"));
    let path = f.write("deep.jsonl", text);
    let started = Instant::now();
    let out = f.ingest("interactions", &path);
    assert!(started.elapsed() < Duration::from_secs(30));
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert_eq!(
        f.sql_csv("select interaction_id from interactions order by 1"),
        ["D-1", "D-2"]
    );
    assert_eq!(
        f.sql_csv("select source_line from quarantine order by 1"),
        ["1", "3"]
    );
    let reasons = f.sql_csv("select reason from quarantine");
    assert!(reasons[0].contains("recursion limit"), "{reasons:?}");
}

#[test]
fn quarantine_keeps_ids_readable_and_still_hides_phones() {
    let f = Fixture::new();
    let text = format!(
        "{INTERACTIONS_HEADER}\n{}",
        row("INT-2026-0000233", "", "unidad mala; llamar al 3001234567")
            .replace("admisiones", "no_existe")
    );
    let path = f.write("interactions.csv", text);
    let out = f.ingest("interactions", &path);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let raw = f.sql_csv("select raw from quarantine").join("\n");
    assert!(raw.contains("INT-2026-0000233"), "{raw}");
    assert!(!raw.contains("3001234567"), "{raw}");
    assert!(raw.contains("[telefono]"), "{raw}");
}

#[test]
fn a_contact_excel_wrote_in_scientific_notation_is_dropped_with_a_warning() {
    let f = Fixture::new();
    let text = format!(
        "{}\n{}{}",
        INTERACTIONS_HEADER.replace(',', ";"),
        row("E-1", "CONTACT", "uno")
            .replace(',', ";")
            .replace("CONTACT", "3,00456E+09"),
        row("E-2", "3001234567", "dos").replace(',', ";"),
    );
    let path = f.write("interactions.csv", text);
    let out = f.ingest("interactions", &path);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("advertencias: 1 fila conservada"), "{text}");
    assert!(text.contains("contact_excel_scientific"), "{text}");
    assert!(text.contains("line 2"), "{text}");
    assert!(
        !text.contains("3,00456"),
        "the damaged value is not shown: {text}"
    );
    assert_eq!(
        f.sql_csv("select interaction_id, contact_key is null from interactions order by 1"),
        ["E-1,true", "E-2,false"]
    );
}

#[test]
fn wait_seconds_with_thousands_separators_and_decimal_commas() {
    let f = Fixture::new();
    let header = "evaluation_id;evaluated_at;unit;channel;item;result;wait_seconds";
    let text = format!(
        "{header}\nS-1;02/03/2026 10:00;admisiones;telefono;greeting;pass;1.234,5\nS-2;02/03/2026 10:00;admisiones;telefono;greeting;pass;12,5\nS-3;02/03/2026 10:00;admisiones;telefono;greeting;pass;1.23,4\n"
    );
    let path = f.write("shopper.csv", text);
    let out = f.ingest("shopper", &path);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert_eq!(
        f.sql_csv("select evaluation_id, wait_seconds from shopper order by 1"),
        ["S-1,1234.5", "S-2,12.5"]
    );
    let reason = f.sql_csv("select reason from quarantine").join("");
    assert!(
        reason.contains("1.23,4") && reason.contains("three"),
        "{reason}"
    );
}

#[test]
fn logs_carry_no_colour_codes_when_not_on_a_terminal() {
    let f = Fixture::new();
    let path = f.write(
        "interactions.csv",
        format!("{INTERACTIONS_HEADER}\n{}", row("L-1", "", "a")),
    );
    let out = f
        .cmd()
        .env("MOMENTOS_LOG", "info")
        .args(["ingest", "interactions"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("Ingested file"), "{err}");
    assert!(!err.contains('\u{1b}'), "{err:?}");
}

// ---- Fuzzing the readers -------------------------------------------------------------

/// Cases per reader: a smoke run in `cargo test`, `MOMENTOS_FUZZ_CASES` for long runs.
fn fuzz_cases() -> u32 {
    std::env::var("MOMENTOS_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300)
}

const COLUMNS: &[&str] = &["interaction_id", "channel", "notes", "received_at"];

/// Bytes made of tokens that matter to a format and arbitrary bytes (a dictionary, as
/// libFuzzer takes one).
fn fuzz_bytes(tokens: &'static [&'static [u8]]) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![
            3 => prop::sample::select(tokens).prop_map(|t| t.to_vec()),
            1 => any::<u8>().prop_map(|b| vec![b]),
            1 => prop::collection::vec(any::<u8>(), 0..8),
        ],
        0..120,
    )
    .prop_map(|parts| parts.concat())
}

/// Reads a whole file; records must have one value per wanted column, errors are fine.
fn read_through(path: &Path, format: Format) -> Result<u64, String> {
    let opts = ReadOptions {
        format: Some(format),
        sheet: None,
    };
    let mut src = sources::open(path, COLUMNS, &opts).map_err(|e| e.to_string())?;
    let _ = src.describe();
    let _ = src.present();
    let mut rec = Record::default();
    let mut n = 0;
    while src.next_record(&mut rec).map_err(|e| e.to_string())? {
        assert_eq!(rec.values.len(), COLUMNS.len());
        n += 1;
    }
    Ok(n)
}

/// A folder in memory where there is one (fuzz cases write thousands of files).
fn scratch() -> tempfile::TempDir {
    let shm = Path::new("/dev/shm");
    match shm.is_dir() {
        true => tempfile::tempdir_in(shm).unwrap(),
        false => tempfile::tempdir().unwrap(),
    }
}

fn run_fuzz(name: &str, strategy: impl Strategy<Value = Vec<u8>>, check: impl Fn(&[u8])) {
    let cases = fuzz_cases();
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let started = Instant::now();
    runner
        .run(&strategy, |bytes| {
            check(&bytes);
            Ok(())
        })
        .unwrap_or_else(|e| panic!("fuzz {name}: {e}"));
    eprintln!(
        "fuzz {name}: {cases} executions, 0 panics, {:.1?}",
        started.elapsed()
    );
}

#[test]
fn fuzz_csv_reader_and_first_pass() {
    const TOKENS: &[&[u8]] = &[
        b"interaction_id,channel,notes,received_at\n",
        b"interaction_id;channel\r\n",
        b",",
        b";",
        b"\t",
        b"|",
        b"\"",
        b"\"\"",
        b"\n",
        b"\r\n",
        b"\r",
        b" ",
        b"\xef\xbb\xbf",
        b"\xe9",
        "é".as_bytes(),
        b"\x00",
        b"\x1a",
        b"A-1",
        b"02/03/2026 09:15",
    ];
    let dir = scratch();
    let path = dir.path().join("f.csv");
    run_fuzz("csv", fuzz_bytes(TOKENS), |bytes| {
        std::fs::write(&path, bytes).unwrap();
        let records = read_through(&path, Format::Csv);
        if let Ok(scan) = sources::scan_csv(&path, COLUMNS, &["interaction_id"], &|v| {
            v.iter().map(|s| s.len() as u64).sum()
        }) {
            if let (true, Ok(n)) = (scan.complete, &records) {
                assert_eq!(scan.keys.len() as u64, *n, "first pass and reader agree");
            }
        }
    });
}

#[test]
fn fuzz_jsonl_reader() {
    const TOKENS: &[&[u8]] = &[
        b"{\"interaction_id\": \"A-1\", \"notes\": \"x\"}\n",
        b"{",
        b"}",
        b"[",
        b"]",
        b"\"",
        b":",
        b",",
        b"\n",
        b"\r\n",
        b"\"interaction_id\"",
        b"\"notes\"",
        b"null",
        b"true",
        b"1e400",
        b"-0.0",
        b"18446744073709551616",
        b"\\u0000",
        b"\\ud800",
        b"\xef\xbb\xbf",
        b"\xff",
    ];
    let dir = scratch();
    let path = dir.path().join("f.jsonl");
    run_fuzz("jsonl", fuzz_bytes(TOKENS), |bytes| {
        std::fs::write(&path, bytes).unwrap();
        let _ = read_through(&path, Format::JsonLines);
    });
}

/// A minimal workbook whose one sheet's XML is `sheet`.
fn xlsx_bytes(sheet: &[u8]) -> Vec<u8> {
    use zip::write::SimpleFileOptions;
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opt = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let ns = "http://schemas.openxmlformats.org";
    let parts: [(&str, Vec<u8>); 5] = [
        ("[Content_Types].xml", format!(r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{ns}/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#).into_bytes()),
        ("_rels/.rels", format!(r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{ns}/package/2006/relationships"><Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#).into_bytes()),
        ("xl/workbook.xml", format!(r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{ns}/spreadsheetml/2006/main" xmlns:r="{ns}/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>"#).into_bytes()),
        ("xl/_rels/workbook.xml.rels", format!(r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{ns}/package/2006/relationships"><Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#).into_bytes()),
        ("xl/worksheets/sheet1.xml", sheet.to_vec()),
    ];
    for (name, body) in parts {
        z.start_file(name, opt).unwrap();
        z.write_all(&body).unwrap();
    }
    z.finish().unwrap().into_inner()
}

#[test]
fn a_sheet_with_cells_far_apart_is_read_without_a_huge_grid() {
    let f = Fixture::new();
    let sheet = r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>interaction_id</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>X-1</t></is></c></row><row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>far</t></is></c></row></sheetData></worksheet>"#;
    let path = f.write("far.xlsx", xlsx_bytes(sheet.as_bytes()));
    let started = Instant::now();
    let n = read_through(&path, Format::Xlsx).unwrap();
    assert_eq!(n, 2);
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn fuzz_xlsx_reader() {
    const TOKENS: &[&[u8]] = &[
        b"<row r=\"1\">",
        b"<row>",
        b"</row>",
        b"<c r=\"A1\" t=\"inlineStr\"><is><t>interaction_id</t></is></c>",
        b"<c r=\"B1\" t=\"inlineStr\"><is><t>notes</t></is></c>",
        b"<c r=\"A2\"><v>3.00123E+09</v></c>",
        b"<c r=\"XFD1048576\"><v>1</v></c>",
        b"<c r=\"ZZZZZ99999999\"><v>1</v></c>",
        b"<c r=\"B2\" t=\"e\"><v>#N/A</v></c>",
        b"<c r=\"C2\" t=\"b\"><v>1</v></c>",
        b"<c r=\"D2\" s=\"1\"><v>45000.5</v></c>",
        b"<c r=\"A3\" t=\"s\"><v>0</v></c>",
        b"<c t=\"inlineStr\"><is><t>",
        b"</t></is></c>",
        b"<v>",
        b"</v>",
        b"&amp;",
        b"&#0;",
        b"<",
        b">",
        b"\"",
    ];
    let dir = scratch();
    let path = dir.path().join("f.xlsx");
    let head: &[u8] = br#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#;
    let strategy = (fuzz_bytes(TOKENS), any::<bool>()).prop_map(move |(body, close)| {
        let mut sheet = head.to_vec();
        sheet.extend(body);
        if close {
            sheet.extend_from_slice(b"</sheetData></worksheet>");
        }
        xlsx_bytes(&sheet)
    });
    run_fuzz("xlsx", strategy, |bytes| {
        std::fs::write(&path, bytes).unwrap();
        let _ = read_through(&path, Format::Xlsx);
    });
}

// ---- Fuzzing the adapters ------------------------------------------------------------

/// Inputs built from a real vendor fixture: whole lines of it (so the layout is often
/// recognised and the adapter's own logic runs), its fields, the adapter's tokens and
/// arbitrary bytes, in any order and number.
fn vendor_bytes(fixture: &str, tokens: &[&str]) -> impl Strategy<Value = Vec<u8>> {
    let text = std::fs::read(Path::new("tests/fixtures/vendors").join(fixture)).unwrap();
    let lines: Vec<Vec<u8>> = text
        .split_inclusive(|b| *b == b'\n')
        .map(<[u8]>::to_vec)
        .collect();
    let mut fields: Vec<Vec<u8>> = text
        .split(|b| b",;|\n\"".contains(b))
        .filter(|f| !f.is_empty())
        .map(<[u8]>::to_vec)
        .collect();
    fields.extend(tokens.iter().map(|t| t.as_bytes().to_vec()));
    fields.sort();
    fields.dedup();
    let head = lines[0].clone();
    let parts = prop::collection::vec(
        prop_oneof![
            4 => prop::sample::select(lines),
            3 => prop::sample::select(fields),
            1 => any::<u8>().prop_map(|b| vec![b]),
            1 => prop::collection::vec(any::<u8>(), 0..8),
        ],
        0..60,
    );
    // Half the cases keep the vendor's first line, so the header is right and the rows are not.
    (parts, any::<bool>()).prop_map(move |(parts, keep_head)| {
        let mut bytes = if keep_head { head.clone() } else { Vec::new() };
        bytes.extend(parts.concat());
        bytes
    })
}

/// Runs the shipped source `name` over fuzzed variants of its fixture: errors are fine,
/// panics are not, and every canonical row names a line that exists.
fn fuzz_source(name: &str, fixture: &str, file_name: &str, tokens: &[&str]) {
    use momentos::sources::adapters;
    let source = adapters::find(Path::new("sources"), name).unwrap();
    let dir = scratch();
    let path = dir.path().join(file_name);
    run_fuzz(name, vendor_bytes(fixture, tokens), |bytes| {
        std::fs::write(&path, bytes).unwrap();
        if let Ok(adapted) = adapters::adapt(&source, &path, None) {
            // A row's position is a line (or record) of the file: at most one per line break.
            let breaks = bytes.iter().filter(|b| matches!(b, b'\n' | b'\r')).count() as u64;
            for row in &adapted.rows {
                assert!(
                    row.line <= breaks + 1,
                    "row line {} of {breaks} breaks",
                    row.line
                );
            }
        }
    });
}

#[test]
fn fuzz_adapter_asterisk_cdr() {
    const TOKENS: &[&str] = &[
        "ANSWERED",
        "NO ANSWER",
        "BUSY",
        "FAILED",
        "VoiceMail",
        "Dial",
        "Queue",
        "PJSIP/1001-0000001b",
        "Local/",
        "\"\"",
        "anonymous",
        "+573001234567",
        "2026-02-30 25:61:61",
        "-1",
    ];
    fuzz_source("pbx_poblado", "Master.csv", "Master.csv", TOKENS);
}

#[test]
fn fuzz_adapter_asterisk_queue_log() {
    const TOKENS: &[&str] = &[
        "ENTERQUEUE",
        "CONNECT",
        "ABANDON",
        "EXITWITHTIMEOUT",
        "EXITWITHKEY",
        "EXITEMPTY",
        "COMPLETECALLER",
        "COMPLETEAGENT",
        "BLINDTRANSFER",
        "ATTENDEDTRANSFER",
        "NONE",
        "|",
        "99999999999999999999",
        "-5",
    ];
    fuzz_source("colas_poblado", "queue_log", "queue_log", TOKENS);
}

#[test]
fn fuzz_adapter_whatsapp_cloud() {
    const TOKENS: &[&str] = &[
        "{",
        "}",
        "[",
        "]",
        ":",
        "\"messages\"",
        "\"statuses\"",
        "\"reaction\"",
        "\"failed\"",
        "\"timestamp\"",
        "\"1759672800\"",
        "\"wa_id\"",
        "\"entry\"",
        "\"changes\"",
        "\"value\"",
        "null",
        "1e999",
        "\"\\ud800\"",
    ];
    fuzz_source(
        "whatsapp_institucional",
        "whatsapp/webhooks-2026-10-05.jsonl",
        "webhooks.jsonl",
        TOKENS,
    );
}

#[test]
fn fuzz_adapter_messenger() {
    const TOKENS: &[&str] = &[
        "{",
        "}",
        "[",
        "]",
        ":",
        "\"messaging\"",
        "\"is_echo\"",
        "\"app_id\"",
        "\"postback\"",
        "\"timestamp\"",
        "1759672800000",
        "\"sender\"",
        "\"recipient\"",
        "null",
        "-1",
        "\"entry\"",
    ];
    fuzz_source(
        "messenger_ces",
        "messenger/page-2026-10-05.jsonl",
        "page.jsonl",
        TOKENS,
    );
}

#[test]
fn fuzz_adapter_mapped_limesurvey() {
    const TOKENS: &[&str] = &[
        "A1",
        "A5",
        "-oth-",
        "N/A",
        "NA",
        "1980-01-01 00:00:00",
        "\u{feff}",
        ";",
        "\"\"",
    ];
    fuzz_source(
        "encuesta_mailing",
        "limesurvey_results.csv",
        "results.csv",
        TOKENS,
    );
}

#[test]
fn fuzz_adapter_mapped_google_forms() {
    const TOKENS: &[&str] = &[
        "Sí",
        "No",
        "No aplica",
        "31/12/2026 23:59:59",
        "1/1/1900 0:00:00",
        ",",
        "\"\"",
    ];
    fuzz_source(
        "encuesta_telefonica",
        "google_forms_respuestas.csv",
        "respuestas.csv",
        TOKENS,
    );
}

#[test]
fn fuzz_adapter_mapped_qualtrics() {
    const TOKENS: &[&str] = &[
        "0",
        "1",
        "2",
        "8",
        "100",
        "{\"ImportId\":\"QID1\"}",
        "2026-10-07 10:04:01",
        "R_",
        ",",
        "\"\"",
    ];
    fuzz_source(
        "encuesta_educacion_continua",
        "qualtrics_export.csv",
        "export.csv",
        TOKENS,
    );
}
