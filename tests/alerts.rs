//! Alerts end to end (DESIGN §6.7): canonical CSV files with injected incidents are
//! ingested into a fresh lake, `alerts::refresh` judges them, and each incident must raise
//! exactly one alert of the right kind, unit and channel, starting within one hour of the
//! truth, with nothing else raised on the clean rest of the data; a rerun raises nothing new.

use std::fmt::Write as _;
use std::path::Path;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc, Weekday};
use momentos::alerts::{self, Alert, AlertKind, AlertStatus};
use momentos::catalog::Catalog;
use momentos::ingest::{ingest_file, IngestOptions};
use momentos::lake::Lake;
use momentos::score::calendar::is_public_holiday;
use momentos::vocabulary::SourceKind;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const START: (i32, u32, u32) = (2026, 1, 5);
const END: (i32, u32, u32) = (2026, 4, 11);

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn poisson(r: &mut ChaCha8Rng, lambda: f64) -> u32 {
    let limit = (-lambda).exp();
    let (mut k, mut prod) = (0, r.gen::<f64>());
    while prod > limit {
        k += 1;
        prod *= r.gen::<f64>();
    }
    k
}

fn ts(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%S").to_string()
}

/// Truths planted in the data.
const OUTAGE_DAY: (i32, u32, u32) = (2026, 3, 17); // WhatsApp silent 10:00–13:00, every unit
const ABANDON_DAY: (i32, u32, u32) = (2026, 3, 25); // admisiones phone 65 % 15:00–17:00
const COMPLAINT_DAY: (i32, u32, u32) = (2026, 3, 30); // mercadeo_pregrado 6× its low surveys

struct Generated {
    /// Interactions whose contact gave the habeas-data authorisation.
    authorised: std::collections::HashSet<String>,
    critical_evaluations: Vec<String>,
    overdue_escalations: Vec<String>,
}

fn generate(dir: &Path) -> Generated {
    let mut r = ChaCha8Rng::seed_from_u64(15);
    let mut ix = String::from(
        "interaction_id,channel,unit,received_at,first_response_at,resolved_at,outcome,escalated_to,escalated_at,escalation_answered_at,habeas_data,notes,contact\n",
    );
    let mut sv = String::from("response_id,survey,submitted_at,unit,channel,overall,comment\n");
    let mut sh = String::from("evaluation_id,evaluated_at,unit,channel,item,result\n");
    let series = [
        ("whatsapp", "admisiones", 7.0),
        ("whatsapp", "mercadeo_pregrado", 5.0),
        ("phone", "admisiones", 9.0),
        ("phone", "mercadeo_pregrado", 7.0),
    ];
    let (outage, abandon, complaint) = (
        d(OUTAGE_DAY.0, OUTAGE_DAY.1, OUTAGE_DAY.2),
        d(ABANDON_DAY.0, ABANDON_DAY.1, ABANDON_DAY.2),
        d(COMPLAINT_DAY.0, COMPLAINT_DAY.1, COMPLAINT_DAY.2),
    );
    let mut n = 0u64;
    let mut day = d(START.0, START.1, START.2);
    let end = d(END.0, END.1, END.2);
    let mut critical = Vec::new();
    let mut overdue = Vec::new();
    let mut authorised = std::collections::HashSet::new();
    while day <= end {
        let open = match day.weekday() {
            Weekday::Sun => None,
            Weekday::Sat => Some((8, 12)),
            _ => Some((8, 18)),
        }
        .filter(|_| !is_public_holiday(day));
        if let Some((from, to)) = open {
            for hour in from..to {
                for (channel, unit, rate) in series {
                    let peak = if (9..11).contains(&hour) { 1.4 } else { 1.0 };
                    let mut count = poisson(&mut r, rate * peak);
                    if channel == "whatsapp" && day == outage && (10..13).contains(&hour) {
                        count = 0;
                    }
                    for _ in 0..count {
                        n += 1;
                        let at = day
                            .and_hms_opt(hour, r.gen_range(0..60), r.gen_range(0..60))
                            .unwrap();
                        let bad = channel == "phone"
                            && unit == "admisiones"
                            && day == abandon
                            && (15..17).contains(&hour);
                        let abandoned =
                            channel == "phone" && r.gen::<f64>() < if bad { 0.65 } else { 0.07 };
                        let (first, resolved, outcome) = if abandoned {
                            (String::new(), ts(at + Duration::seconds(70)), "abandoned")
                        } else {
                            let wait = if channel == "phone" { 12 } else { 600 };
                            (
                                ts(at + Duration::seconds(wait)),
                                ts(at + Duration::seconds(wait + 300)),
                                "resolved",
                            )
                        };
                        let habeas = r.gen::<f64>() < 0.8;
                        if habeas {
                            authorised.insert(format!("I{n}"));
                        }
                        writeln!(
                            ix,
                            "I{n},{channel},{unit},{},{first},{resolved},{outcome},,,,{},,+57 300 {:03} {:04}",
                            ts(at),
                            if habeas { "si" } else { "no" },
                            (n / 10_000) % 1000,
                            n % 10_000
                        )
                        .unwrap();
                    }
                }
            }
        }
        // Surveys every day: a few dissatisfied, more satisfied; a burst on one day.
        for unit in ["admisiones", "mercadeo_pregrado"] {
            let low_rate = if unit == "mercadeo_pregrado" && day == complaint {
                18.0
            } else {
                3.0
            };
            let low = poisson(&mut r, low_rate);
            let good = poisson(&mut r, 6.0);
            for i in 0..(low + good) {
                n += 1;
                let at = day
                    .and_hms_opt(r.gen_range(7..21), r.gen_range(0..60), 0)
                    .unwrap();
                let overall = if i < low {
                    r.gen_range(1..=2)
                } else {
                    r.gen_range(4..=5)
                };
                writeln!(
                    sv,
                    "S{n},mailing_pre_pos,{},{unit},social,{overall},",
                    ts(at)
                )
                .unwrap();
            }
        }
        // One mystery-shopper evaluation each Wednesday; a critical failure every fourth.
        if day.weekday() == Weekday::Wed && !is_public_holiday(day) {
            n += 1;
            let id = format!("E{n}");
            let at = ts(day.and_hms_opt(10, 30, 0).unwrap());
            let fails_critical = n % 4 == 0;
            for (item, result) in [
                ("greeting", "fail"), // not critical: never an alert alone
                (
                    "habeas_script",
                    if fails_critical { "fail" } else { "pass" },
                ),
                ("correct_information", "pass"),
            ] {
                writeln!(sh, "{id},{at},admisiones,whatsapp,{item},{result}").unwrap();
            }
            if fails_critical {
                critical.push(id);
            }
        }
        day = day.succ_opt().unwrap();
    }
    // Escalations: answered on time, overdue, due within one business day, not yet due.
    for (id, at, answered) in [
        ("ESC-ANSWERED", d(2026, 4, 1), Some(d(2026, 4, 2))),
        ("ESC-OVERDUE-1", d(2026, 3, 31), None),
        ("ESC-OVERDUE-2", d(2026, 4, 6), None),
        ("ESC-DUE-MONDAY", d(2026, 4, 9), None),
        ("ESC-LATER", d(2026, 4, 10), None),
    ] {
        let at = at.and_hms_opt(9, 0, 0).unwrap();
        // One overdue contact did not authorise: alerted, never listed for follow-up.
        let habeas = id != "ESC-OVERDUE-2";
        if habeas {
            authorised.insert(id.to_string());
        }
        writeln!(
            ix,
            "{id},email,mercadeo_pregrado,{},{},,escalated,admisiones,{},{},{},,{}@example.com",
            ts(at),
            ts(at + Duration::minutes(30)),
            ts(at + Duration::minutes(30)),
            answered.map_or(String::new(), |a| ts(a.and_hms_opt(11, 0, 0).unwrap())),
            if habeas { "si" } else { "no" },
            id.to_lowercase()
        )
        .unwrap();
    }
    overdue.extend([
        "ESC-OVERDUE-1".to_string(),
        "ESC-OVERDUE-2".into(),
        "ESC-DUE-MONDAY".into(),
    ]);
    std::fs::write(dir.join("interactions.csv"), ix).unwrap();
    std::fs::write(dir.join("surveys.csv"), sv).unwrap();
    std::fs::write(dir.join("shopper.csv"), sh).unwrap();
    Generated {
        authorised,
        critical_evaluations: critical,
        overdue_escalations: overdue,
    }
}

async fn ingest_all(lake: &Lake, catalog: &Catalog, dir: &Path) {
    for (file, kind) in [
        ("interactions.csv", SourceKind::Interactions),
        ("surveys.csv", SourceKind::Surveys),
        ("shopper.csv", SourceKind::Shopper),
    ] {
        // The contacts are pseudonymised at ingest.
        let key = momentos::privacy::Pseudonymizer::from_key(b"alerts-test-key-0123456789abcdef")
            .unwrap();
        let s = ingest_file(
            lake,
            catalog,
            Some(&key),
            &dir.join(file),
            &IngestOptions::new(kind),
        )
        .await
        .unwrap();
        assert_eq!(s.rows_quarantined, 0, "{file}: {s:?}");
    }
}

fn local(catalog: &Catalog, t: chrono::DateTime<Utc>) -> NaiveDateTime {
    t.with_timezone(&catalog.time_zone).naive_local()
}

/// No e-mail, no +57 number and no run of ten digits (the contacts the data carries).
fn no_identifier(text: &str) -> bool {
    let mut digits = 0;
    for c in text.chars() {
        digits = if c.is_ascii_digit() { digits + 1 } else { 0 };
        if digits >= 10 {
            return false;
        }
    }
    !text.contains('@') && !text.contains("+57") && !momentos::privacy::contains_identifier(text)
}

fn one<'a>(alerts: &'a [Alert], kind: AlertKind) -> Vec<&'a Alert> {
    alerts.iter().filter(|a| a.kind == kind).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn injected_incidents_raise_one_alert_each_and_a_rerun_nothing_new() {
    let tmp = tempfile::tempdir().unwrap();
    let inbox = tmp.path().join("inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    let truth = generate(&inbox);
    let lake = Lake::open(tmp.path().join("lake").to_str().unwrap()).unwrap();
    let catalog = Catalog::embedded();
    ingest_all(&lake, &catalog, &inbox).await;

    // Saturday 11 April 2026, 13:00 local: after the last interaction of the data.
    let as_of = catalog
        .time_zone
        .with_ymd_and_hms(2026, 4, 11, 13, 0, 0)
        .unwrap()
        .with_timezone(&Utc);
    let first = alerts::refresh(&lake, &catalog, as_of).await.unwrap();
    let all = alerts::store::read(&lake).await.unwrap();
    assert_eq!(first.new.len(), all.len());
    let describe = || {
        all.iter()
            .map(|a| format!("{} | {}", a.alert_id, a.evidence))
            .collect::<Vec<_>>()
            .join("\n")
    };

    // Outage: one alert, WhatsApp, every unit, from 10:00 to 13:00.
    let outages = one(&all, AlertKind::TechnicalOutage);
    assert_eq!(outages.len(), 1, "{}", describe());
    let o = outages[0];
    assert_eq!(o.channel.as_deref(), Some("whatsapp"));
    assert_eq!(o.unit, None);
    let truth_start = d(OUTAGE_DAY.0, OUTAGE_DAY.1, OUTAGE_DAY.2)
        .and_hms_opt(10, 0, 0)
        .unwrap();
    assert!(
        (local(&catalog, o.started_at) - truth_start)
            .num_minutes()
            .abs()
            <= 60
    );
    assert_eq!(o.status, AlertStatus::Closed);
    assert!(
        o.evidence
            .starts_with("WhatsApp, todas las unidades: 0 mensajes"),
        "{}",
        o.evidence
    );

    // Abandonment: one alert, phone, admisiones, 15:00.
    let ab = one(&all, AlertKind::AbandonmentSpike);
    assert_eq!(ab.len(), 1, "{}", describe());
    assert_eq!(ab[0].channel.as_deref(), Some("phone"));
    assert_eq!(ab[0].unit.as_deref(), Some("admisiones"));
    let truth_start = d(ABANDON_DAY.0, ABANDON_DAY.1, ABANDON_DAY.2)
        .and_hms_opt(15, 0, 0)
        .unwrap();
    assert!(
        (local(&catalog, ab[0].started_at) - truth_start)
            .num_minutes()
            .abs()
            <= 60
    );

    // Complaints: one alert for mercadeo_pregrado on that day, on social media.
    let rep = one(&all, AlertKind::ReputationalSpike);
    assert_eq!(rep.len(), 1, "{}", describe());
    assert_eq!(rep[0].unit.as_deref(), Some("mercadeo_pregrado"));
    assert_eq!(rep[0].channel.as_deref(), Some("social"));
    assert_eq!(
        local(&catalog, rep[0].started_at).date(),
        d(COMPLAINT_DAY.0, COMPLAINT_DAY.1, COMPLAINT_DAY.2)
    );

    // Every failed critical item, once; a failed non-critical item never.
    let crit: Vec<String> = one(&all, AlertKind::CriticalItemFailed)
        .iter()
        .map(|a| {
            a.alert_id
                .trim_start_matches("critical_item_failed.")
                .to_string()
        })
        .collect();
    let mut want = truth.critical_evaluations.clone();
    want.sort();
    let mut got = crit.clone();
    got.sort();
    assert_eq!(got, want);

    // Every overdue escalation, and the one due on the next business day; not the others.
    let mut esc: Vec<String> = one(&all, AlertKind::EscalationOverdue)
        .iter()
        .map(|a| {
            a.alert_id
                .trim_start_matches("escalation_overdue.")
                .to_string()
        })
        .collect();
    esc.sort();
    let mut want = truth.overdue_escalations.clone();
    want.sort();
    assert_eq!(esc, want, "{}", describe());

    // No personal data in the evidence: no notes, no contacts, only counts and names.
    for a in &all {
        assert!(no_identifier(&a.evidence), "{}", a.evidence);
    }

    // A second run on the same data: the same ids, the first detected_at, nothing new.
    let later = as_of + Duration::minutes(5);
    let second = alerts::refresh(&lake, &catalog, later).await.unwrap();
    assert!(second.new.is_empty(), "{:?}", second.new);
    let again = alerts::store::read(&lake).await.unwrap();
    assert_eq!(
        again
            .iter()
            .map(|a| (&a.alert_id, a.detected_at))
            .collect::<Vec<_>>(),
        all.iter()
            .map(|a| (&a.alert_id, a.detected_at))
            .collect::<Vec<_>>()
    );

    // Follow-up lists: authorised contacts only, ids and codes only, recorded.
    let lake_dir = lake.url().to_file_path().unwrap();
    let cli = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_momentos"))
            .args(["--lake", lake_dir.to_str().unwrap()])
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let esc_csv = tmp.path().join("escalamientos.csv");
    cli(&[
        "followup",
        "--escalations",
        "--as-of",
        "2026-04-11T13:00:00",
        "--out",
        esc_csv.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(&esc_csv).unwrap();
    let mut lines = text.trim_start_matches('\u{feff}').lines();
    assert_eq!(
        lines.next().unwrap(),
        "interaction_id,Canal,Unidad,Motivo,Fecha límite"
    );
    assert!(no_identifier(&text), "{text}");
    let ids: Vec<&str> = lines.map(|l| l.split(',').next().unwrap()).collect();
    assert_eq!(ids, ["ESC-OVERDUE-1", "ESC-DUE-MONDAY"], "{text}");
    let outage_csv = tmp.path().join("postcrisis.csv");
    cli(&[
        "followup",
        "--alert",
        &o.alert_id,
        "--out",
        outage_csv.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(&outage_csv).unwrap();
    assert!(no_identifier(&text), "{text}");
    let listed: Vec<&str> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert!(listed.len() > 20, "{text}");
    for id in &listed {
        assert!(truth.authorised.contains(*id), "{id} did not authorise");
    }
    let xlsx = tmp.path().join("postcrisis.xlsx");
    cli(&[
        "followup",
        "--alert",
        &o.alert_id,
        "--out",
        xlsx.to_str().unwrap(),
    ]);
    assert!(std::fs::metadata(&xlsx).unwrap().len() > 1000);
    let recorded = cli(&[
        "sql",
        "--format",
        "csv",
        "select list_for, n_listed, n_unauthorised, file_name from followups order by created_at, file_name",
    ]);
    assert!(
        recorded.contains("escalations,2,1,escalamientos.csv"),
        "{recorded}"
    );
    assert!(
        recorded.contains(&format!("alert,{},", listed.len())),
        "{recorded}"
    );

    // Analysts see the table in SQL.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_momentos"))
        .args([
            "--lake",
            lake.url().to_file_path().unwrap().to_str().unwrap(),
        ])
        .args([
            "sql",
            "--format",
            "csv",
            "select kind, count(*) as n from alerts group by kind order by kind",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("technical_outage,1"), "{text}");
}
