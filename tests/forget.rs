//! `momentos forget` (DESIGN §7): after it, no row and no byte of the data subject is left
//! in the lake — not in a Parquet value, not in a manifest, not in a Delta log — the scores
//! no longer count them, everyone else is untouched, and `audit` says what left without
//! saying who.

mod util;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::Stdio;

use datafusion::arrow::array::Array;
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use util::*;

/// The authorised contact with the most interactions in the generated export, and their ids.
fn busiest_subject(export: &Path) -> (String, Vec<String>) {
    let mut reader = csv::Reader::from_path(export).unwrap();
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (id, contact, habeas) = (col("interaction_id"), col("contact"), col("habeas_data"));
    let mut by_contact: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in reader.records() {
        let r = r.unwrap();
        if !r[contact].is_empty() && r[habeas].eq_ignore_ascii_case("si") {
            by_contact
                .entry(r[contact].to_lowercase())
                .or_default()
                .push(r[id].to_string());
        }
    }
    by_contact
        .into_iter()
        .max_by_key(|(c, ids)| (ids.len(), !c.contains('@'), c.clone()))
        .unwrap()
}

/// Every text value of every Parquet file, and every other file's bytes, that holds `needle`.
fn lake_files_holding(f: &Fixture, needle: &str) -> Vec<String> {
    let mut hits = Vec::new();
    for path in f.lake_files() {
        let bytes = std::fs::read(&path).unwrap();
        let name = path.display().to_string();
        if bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
            hits.push(name.clone());
        }
        if !name.ends_with(".parquet") {
            continue;
        }
        let reader = ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::from(bytes))
            .unwrap()
            .build()
            .unwrap();
        for batch in reader {
            let batch = batch.unwrap();
            for column in batch.columns() {
                let Ok(text) = cast(column, &DataType::Utf8) else {
                    continue;
                };
                let text = text
                    .as_any()
                    .downcast_ref::<datafusion::arrow::array::StringArray>()
                    .unwrap();
                if text.iter().flatten().any(|v| v.contains(needle)) {
                    hits.push(format!("{name} (a value)"));
                }
            }
        }
    }
    hits
}

fn quoted_list(ids: &[String]) -> String {
    ids.iter()
        .map(|i| format!("'{i}'"))
        .collect::<Vec<_>>()
        .join(",")
}

#[test]
fn a_forgotten_person_leaves_no_row_and_no_byte_and_the_rest_stays() {
    let f = Fixture::new();
    f.demo_exports(3000);
    for kind in ["interactions", "surveys", "shopper"] {
        let out = f.ingest(kind, &f.path(&format!("exports/{kind}.csv")));
        assert!(matches!(out.status.code(), Some(0 | 3)), "{}", stderr(&out));
    }
    let (contact, ids) = busiest_subject(&f.path("exports/interactions.csv"));
    assert!(ids.len() >= 2, "the demo has a returning contact");
    // The same person answers a survey, written the way another system writes them.
    let respondent = if contact.contains('@') {
        format!("  {}  ", contact.to_uppercase())
    } else {
        format!("+57 {} {} {}", &contact[..3], &contact[3..6], &contact[6..])
    };
    let survey = f.write(
        "encuesta_extra.csv",
        format!(
            "response_id,survey,submitted_at,unit,channel,interaction_id,respondent,stakeholder,\
             kindness,information_quality,timeliness,overall,nps,comment,habeas_data\n\
             ENC-EXTRA-1,telefonica,2026-03-04T10:00:00-05:00,mercadeo_pregrado,phone,,\
             \"{respondent}\",estudiante,2,2,1,2,3,Nadie me respondió,si\n"
        ),
    );
    let out = f.ingest("surveys", &survey);
    assert!(out.status.success(), "{}", stderr(&out));
    let score = f.run(&["score"]);
    assert!(score.status.success(), "{}", stderr(&score));

    let key = f.sql_csv(&format!(
        "select distinct contact_key from interactions where interaction_id = '{}'",
        ids[0]
    ))[0]
        .clone();
    assert_eq!(key.len(), 64, "a keyed hash: {key}");
    let id_list = quoted_list(&ids);
    let before_interactions = f.count("select count(*) from interactions");
    let before_surveys = f.count("select count(*) from surveys");
    let before_shopper = f.count("select count(*) from shopper");
    let subject_surveys = f.count(&format!(
        "select count(*) from surveys where respondent_key = '{key}' or interaction_id in ({id_list})"
    ));
    assert!(subject_surveys >= 1);
    assert_eq!(
        f.count(&format!(
            "select count(*) from interactions where contact_key = '{key}'"
        )),
        ids.len() as u64
    );
    assert!(
        !lake_files_holding(&f, &key).is_empty(),
        "the key was in the lake"
    );

    // Read from standard input, in yet another spelling.
    let mut child = f
        .cmd()
        .args(["forget", "-", "--reference", "PQRS-2026-0412"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{respondent}").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let said = stdout(&out);
    assert!(said.contains("Se quitaron"), "{said}");
    assert!(said.contains("Calificaciones recalculadas"), "{said}");
    assert!(
        !said.contains(&contact) && !stderr(&out).contains(&contact),
        "the identifier is never printed"
    );

    // Their rows are gone from every table; everyone else's are there.
    assert_eq!(
        f.count(&format!(
            "select count(*) from interactions where contact_key = '{key}'"
        )),
        0
    );
    assert_eq!(
        f.count(&format!(
            "select count(*) from surveys where respondent_key = '{key}' or interaction_id in ({id_list})"
        )),
        0
    );
    assert_eq!(
        f.count("select count(*) from interactions"),
        before_interactions - ids.len() as u64
    );
    assert_eq!(
        f.count("select count(*) from surveys"),
        before_surveys - subject_surveys
    );
    assert_eq!(f.count("select count(*) from shopper"), before_shopper);
    assert_eq!(
        f.count(&format!(
            "select count(*) from interaction_facts where interaction_id in ({id_list})"
        )),
        0
    );
    // The scores were derived again without them: facts match the interactions left.
    assert_eq!(
        f.count("select count(*) from interaction_facts"),
        before_interactions - ids.len() as u64
    );

    // Not one byte of them is left: no value, no manifest, no Delta log holds the key or
    // the identifier.
    for needle in [key.as_str(), contact.as_str(), respondent.trim()] {
        let hits = lake_files_holding(&f, needle);
        assert!(hits.is_empty(), "still in the lake: {hits:?}");
    }

    // The audit says what left, never who.
    let audit = f.sql_csv(
        "select kind, reference, table_name, rows_removed, delta_version from audit order by table_name",
    );
    assert!(
        audit
            .iter()
            .any(|r| r.starts_with("suppression,PQRS-2026-0412,interactions,")),
        "{audit:?}"
    );
    assert_eq!(
        f.count("select sum(rows_removed) from audit where table_name = 'interactions'"),
        ids.len() as u64
    );
    assert_eq!(
        f.count(
            "select count(*) from audit where delta_version is null and table_name is not null"
        ),
        0,
        "every table touched names its Delta version"
    );

    // Asked again: nothing found, and the request is still recorded.
    let again = f.run(&["forget", &contact]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(
        stdout(&again).contains("No hay filas"),
        "{}",
        stdout(&again)
    );
    assert_eq!(
        f.count("select count(*) from audit where table_name is null"),
        1
    );
    // Re-sending the same export does not bring them back.
    let out = f.ingest("surveys", &survey);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        f.count(&format!(
            "select count(*) from surveys where respondent_key = '{key}'"
        )),
        0
    );
}

#[test]
fn forget_needs_the_key_and_something_to_hash() {
    let f = Fixture::new();
    let out = f
        .cmd()
        .env_remove("MOMENTOS_PSEUDONYM_KEY")
        .args(["forget", "ana@example.com"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("MOMENTOS_PSEUDONYM_KEY"),
        "{}",
        stderr(&out)
    );
    let out = f.run(&["forget", " - . "]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}
