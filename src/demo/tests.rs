use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::OnceLock;

use chrono::{NaiveDate, Offset, TimeZone};
use csv::StringRecord;

use super::model::{day_number, ymd_day, Calendar};
use super::write::{INTERACTION_HEADER, SHOPPER_HEADER, SURVEY_HEADER};
use super::*;

struct Data {
    counts: DemoCounts,
    ix: Vec<StringRecord>,
    sv: Vec<StringRecord>,
    sh: Vec<StringRecord>,
}

fn read(path: &Path, header: &[&str]) -> Vec<StringRecord> {
    let mut r = csv::Reader::from_path(path).unwrap();
    assert_eq!(r.headers().unwrap(), &StringRecord::from(header.to_vec()));
    r.records().map(|x| x.unwrap()).collect()
}

fn load(opts: &DemoOptions) -> Data {
    let dir = tempfile::tempdir().unwrap();
    let f = generate(dir.path(), opts).unwrap();
    Data {
        counts: f.counts,
        ix: read(&f.interactions, &INTERACTION_HEADER),
        sv: read(&f.surveys, &SURVEY_HEADER),
        sh: read(&f.shopper, &SHOPPER_HEADER),
    }
}

/// The default data set (60 000 interactions, Jan–Nov 2026), generated once.
fn data() -> &'static Data {
    static D: OnceLock<Data> = OnceLock::new();
    D.get_or_init(|| load(&DemoOptions::default()))
}

fn col(header: &[&str], name: &str) -> usize {
    header.iter().position(|h| *h == name).unwrap()
}

fn ix(name: &str) -> usize {
    col(&INTERACTION_HEADER, name)
}
fn sv(name: &str) -> usize {
    col(&SURVEY_HEADER, name)
}
fn sh(name: &str) -> usize {
    col(&SHOPPER_HEADER, name)
}

/// Local seconds since 1970 (the generator's own time scale).
fn ts(s: &str) -> Option<i64> {
    let dt = chrono::DateTime::parse_from_rfc3339(s).ok()?;
    Some(dt.naive_local().and_utc().timestamp())
}

fn bad_interaction(r: &StringRecord) -> bool {
    let recv = ts(&r[ix("received_at")]);
    let first = ts(&r[ix("first_response_at")]);
    !UNITS.contains(&&r[ix("unit")])
        || !CHANNELS.contains(&&r[ix("channel")])
        || recv.is_none()
        || matches!((recv, first), (Some(a), Some(b)) if b < a)
}

fn bad_survey(r: &StringRecord) -> bool {
    ["kindness", "information_quality", "timeliness", "overall"]
        .iter()
        .any(|c| !matches!(&r[sv(c)], "" | "1" | "2" | "3" | "4" | "5"))
}

fn bad_shopper(r: &StringRecord) -> bool {
    !matches!(&r[sh("result")], "pass" | "fail" | "na")
}

fn malformed(d: &Data) -> u64 {
    (d.ix.iter().filter(|r| bad_interaction(r)).count()
        + d.sv.iter().filter(|r| bad_survey(r)).count()
        + d.sh.iter().filter(|r| bad_shopper(r)).count()) as u64
}

fn small(seed: u64, with_defects: bool) -> DemoOptions {
    DemoOptions {
        seed,
        interactions: 20_000,
        with_defects,
        ..Default::default()
    }
}

fn bytes(dir: &Path) -> Vec<Vec<u8>> {
    ["interactions.csv", "surveys.csv", "shopper.csv"]
        .iter()
        .map(|f| std::fs::read(dir.join(f)).unwrap())
        .collect()
}

#[test]
fn same_seed_same_bytes() {
    let (a, b, c) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    generate(a.path(), &small(7, true)).unwrap();
    generate(b.path(), &small(7, true)).unwrap();
    generate(c.path(), &small(8, true)).unwrap();
    let (a, b, c) = (bytes(a.path()), bytes(b.path()), bytes(c.path()));
    assert!(a == b, "same seed must give byte-identical files");
    for i in 0..3 {
        assert_ne!(a[i], c[i], "file {i} ignores the seed");
    }
}

#[test]
fn defects_only_touch_defective_rows() {
    let (on, off) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let f_on = generate(on.path(), &small(11, true)).unwrap();
    let f_off = generate(off.path(), &small(11, false)).unwrap();
    assert_eq!(f_off.counts.malformed, 0);
    assert!(f_on.counts.malformed > 0);
    let (a, b) = (bytes(on.path()), bytes(off.path()));
    let mut differing = 0;
    for (x, y) in a.iter().zip(&b) {
        let (x, y) = (x.split(|&c| c == b'\n'), y.split(|&c| c == b'\n'));
        let (x, y): (Vec<_>, Vec<_>) = (x.collect(), y.collect());
        assert_eq!(x.len(), y.len());
        differing += x.iter().zip(&y).filter(|(p, q)| p != q).count() as u64;
    }
    assert_eq!(differing, f_on.counts.malformed);
    let d_off = load(&small(11, false));
    assert_eq!(malformed(&d_off), 0);
}

#[test]
fn defect_count_matches_validator() {
    let d = data();
    let found = malformed(d);
    assert_eq!(found, d.counts.malformed);
    let rows = d.counts.interactions + d.counts.surveys + d.counts.shopper_rows;
    let rate = found as f64 / rows as f64;
    assert!((0.0004..0.002).contains(&rate), "defect rate {rate}");
    // every kind is present
    let has = |f: &dyn Fn(&StringRecord) -> bool| d.ix.iter().any(f);
    assert!(has(&|r| &r[ix("unit")] == "fac_ingenieria"));
    assert!(has(&|r| &r[ix("channel")] == "fax"));
    assert!(has(&|r| r[ix("received_at")].contains("-02-30T")));
    assert!(d.sv.iter().any(bad_survey));
    assert!(d.sh.iter().any(|r| &r[sh("result")] == "maybe"));
}

#[test]
fn row_counts_are_roughly_as_asked() {
    let d = data();
    assert_eq!(d.counts.interactions, d.ix.len() as u64);
    assert_eq!(d.counts.surveys, d.sv.len() as u64);
    assert_eq!(d.counts.shopper_rows, d.sh.len() as u64);
    let ids: HashSet<&str> = d.ix.iter().map(|r| &r[ix("interaction_id")]).collect();
    assert_eq!(ids.len(), 60_000, "distinct interaction ids");
    let resent = d.ix.len() - ids.len();
    assert!((150..=500).contains(&resent), "re-sent rows {resent}");
    let sr = d.sv.len() as f64 / 60_000.0;
    assert!((0.10..0.14).contains(&sr), "survey ratio {sr}");
    let linked =
        d.sv.iter()
            .filter(|r| !r[sv("interaction_id")].is_empty())
            .count();
    let lr = linked as f64 / d.sv.len() as f64;
    assert!((0.62..0.78).contains(&lr), "linked ratio {lr}");
    let evals: HashSet<&str> = d.sh.iter().map(|r| &r[sh("evaluation_id")]).collect();
    let per_unit_month = evals.len() as f64 / (12.0 * 11.0);
    assert!((27.0..33.0).contains(&per_unit_month), "{per_unit_month}");
    let items = d.sh.len() as f64 / evals.len() as f64;
    assert!((6.0..=8.0).contains(&items), "items per evaluation {items}");
}

#[test]
fn resent_rows_come_later_with_a_new_outcome() {
    let d = data();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut checked = 0;
    for (i, r) in d.ix.iter().enumerate() {
        let id = &r[ix("interaction_id")];
        if let Some(&j) = seen.get(id) {
            let old = &d.ix[j];
            assert!(i > j);
            assert_eq!(&old[ix("outcome")], "pending");
            assert_eq!(&r[ix("outcome")], "resolved");
            assert!(old[ix("resolved_at")].is_empty() && !r[ix("resolved_at")].is_empty());
            checked += 1;
        }
        seen.insert(id, i);
    }
    assert!(checked > 100);
}

#[test]
fn every_code_appears_and_values_are_canonical() {
    let d = data();
    let good: Vec<&StringRecord> = d.ix.iter().filter(|r| !bad_interaction(r)).collect();
    for (name, all) in [
        ("unit", &UNITS[..]),
        ("channel", &CHANNELS[..]),
        ("stakeholder", &STAKEHOLDERS[..]),
    ] {
        let seen: HashSet<&str> = good.iter().map(|r| &r[ix(name)]).collect();
        for v in all {
            assert!(seen.contains(v), "{name} {v} missing");
        }
        assert_eq!(seen.len(), all.len(), "{name}: {seen:?}");
    }
    let tps: HashSet<&str> = good.iter().map(|r| &r[ix("touchpoint")]).collect();
    assert_eq!(tps.len(), 10, "{tps:?}");
    let instruments: HashSet<&str> = d.sv.iter().map(|r| &r[sv("survey")]).collect();
    assert_eq!(
        instruments.len(),
        SURVEY_INSTRUMENTS.len(),
        "{instruments:?}"
    );
    let by_channel = |c: &str| good.iter().filter(|r| &r[ix("channel")] == c).count();
    let phone = by_channel("phone");
    let wa = by_channel("whatsapp");
    for c in &CHANNELS[2..] {
        assert!(
            by_channel(c) * 2 < wa.min(phone),
            "{c} busier than phone/whatsapp"
        );
    }
    for r in &good {
        assert!(matches!(&r[ix("habeas_data")], "si" | "no" | ""));
        assert!(matches!(&r[ix("direction")], "inbound" | "outbound"));
        let esc = &r[ix("escalated_to")];
        assert!(esc.is_empty() || (UNITS.contains(&esc) && esc != &r[ix("unit")]));
    }
    let hd_no = good
        .iter()
        .filter(|r| &r[ix("habeas_data")] == "no")
        .count() as f64;
    assert!((0.15..0.25).contains(&(hd_no / good.len() as f64)));
    let esc = good
        .iter()
        .filter(|r| !r[ix("escalated_to")].is_empty())
        .count() as f64;
    assert!(
        (0.07..0.14).contains(&(esc / good.len() as f64)),
        "escalations"
    );
    let no_contact = good.iter().filter(|r| r[ix("contact")].is_empty()).count() as f64;
    assert!((0.12..0.18).contains(&(no_contact / good.len() as f64)));
}

#[test]
fn timestamps_are_bogota_time_and_ordered() {
    let bogota = chrono_tz::America::Bogota;
    let d = data();
    for r in d.ix.iter().filter(|r| !bad_interaction(r)).step_by(97) {
        let s = &r[ix("received_at")];
        let dt = chrono::DateTime::parse_from_rfc3339(s).unwrap();
        let local = bogota.from_utc_datetime(&dt.naive_utc());
        assert_eq!(local.offset().fix(), *dt.offset(), "{s}");
    }
    for r in d.ix.iter().filter(|r| !bad_interaction(r)) {
        let t = |c: &str| ts(&r[ix(c)]);
        let recv = t("received_at").unwrap();
        for c in ["first_response_at", "resolved_at", "escalated_at"] {
            assert!(t(c).is_none_or(|v| v >= recv), "{c} before received: {r:?}");
        }
        if let (Some(a), Some(b)) = (t("escalated_at"), t("escalation_answered_at")) {
            assert!(b >= a);
        }
        if let (Some(f), Some(e)) = (t("first_response_at"), t("escalated_at")) {
            assert!(e >= f);
        }
        if &r[ix("outcome")] == "abandoned" {
            assert!(r[ix("first_response_at")].is_empty() && !r[ix("resolved_at")].is_empty());
        }
    }
}

fn count(d: &Data, f: impl Fn(&StringRecord) -> bool) -> usize {
    d.ix.iter().filter(|r| !bad_interaction(r) && f(r)).count()
}

#[test]
fn volume_has_seasons_weekdays_and_hours() {
    let d = data();
    let month = |m: &str| count(d, |r| &r[ix("received_at")][5..7] == m);
    let (feb, apr, jul, oct) = (month("02"), month("04"), month("07"), month("10"));
    assert!(feb as f64 > 1.6 * apr as f64, "feb {feb} apr {apr}");
    assert!(jul as f64 > 1.6 * oct as f64, "jul {jul} oct {oct}");
    // Mean volume per non-holiday day of the weekday (most Colombian
    // holidays are moved to Mondays).
    let cal = Calendar::new(2026, 2026);
    let wd = |w: chrono::Weekday| {
        let open = |s: &str| {
            let day = NaiveDate::parse_from_str(&s[..10], "%Y-%m-%d").unwrap();
            chrono::Datelike::weekday(&day) == w && !cal.is_holiday(day_number(day))
        };
        let days = NaiveDate::from_ymd_opt(2026, 1, 1)
            .unwrap()
            .iter_days()
            .take(334)
            .filter(|d| open(&d.to_string()))
            .count();
        count(d, |r| open(&r[ix("received_at")])) / days
    };
    let (mon, wed, sun) = (
        wd(chrono::Weekday::Mon),
        wd(chrono::Weekday::Wed),
        wd(chrono::Weekday::Sun),
    );
    assert!(mon > wed && wed > 4 * sun, "mon {mon} wed {wed} sun {sun}");
    let hour = |h: &str| count(d, |r| &r[ix("received_at")][11..13] == h);
    assert!(hour("10") > 2 * hour("12"));
    assert!(hour("15") > hour("13"));
    let night = count(d, |r| {
        let h: u32 = r[ix("received_at")][11..13].parse().unwrap();
        !(7..19).contains(&h) && matches!(&r[ix("channel")], "email" | "web_form" | "whatsapp")
    });
    assert!(night > 1000, "night async contacts {night}");
}

#[test]
fn whatsapp_outage_is_visible() {
    let d = data();
    let window = |day: &str, h0: u32, h1: u32| {
        count(d, |r| {
            let s = &r[ix("received_at")];
            let h: u32 = s[11..13].parse().unwrap();
            &r[ix("channel")] == "whatsapp" && &s[..10] == day && (h0..h1).contains(&h)
        })
    };
    let others = ["2026-06-03", "2026-06-10", "2026-06-24", "2026-07-01"];
    let normal = others.iter().map(|d| window(d, 9, 15)).sum::<usize>() as f64 / 4.0;
    let outage = window("2026-06-17", 9, 15) as f64;
    assert!(
        normal > 30.0 && outage < 0.15 * normal,
        "{outage} vs {normal}"
    );
    let after = others.iter().map(|d| window(d, 15, 18)).sum::<usize>() as f64 / 4.0;
    assert!(window("2026-06-17", 15, 18) as f64 > 2.0 * after);
    // The backlog is answered late: mostly the next day.
    let late = count(d, |r| {
        &r[ix("channel")] == "whatsapp"
            && r[ix("received_at")].starts_with("2026-06-17")
            && r[ix("first_response_at")].starts_with("2026-06-18")
    });
    assert!(late as f64 > 0.5 * normal, "late {late}");
}

#[test]
fn social_complaint_burst_is_visible() {
    let d = data();
    let in_week = |s: &str, from: &str, to: &str| &s[..10] >= from && &s[..10] <= to;
    let social = |from: &str, to: &str| {
        count(d, |r| {
            &r[ix("unit")] == "mercadeo_pregrado"
                && &r[ix("channel")] == "social"
                && in_week(&r[ix("received_at")], from, to)
        })
    };
    let burst = social("2026-08-10", "2026-08-16");
    let before = social("2026-08-03", "2026-08-09");
    assert!(burst > 4 * before.max(5), "burst {burst} before {before}");
    let angry =
        d.sv.iter()
            .filter(|r| {
                &r[sv("unit")] == "mercadeo_pregrado"
                    && &r[sv("channel")] == "social"
                    && &r[sv("survey")] == "post_crisis"
                    && matches!(&r[sv("overall")], "1" | "2")
                    && !r[sv("comment")].is_empty()
            })
            .count();
    assert!(angry >= 20, "angry surveys {angry}");
}

/// The planted below-target cells show up in surveys, shopper items and timings.
#[test]
fn planted_quality_deficits_are_visible() {
    let d = data();
    let top2 = |unit: &str, ch: &str, c: &str| {
        let v: Vec<&str> =
            d.sv.iter()
                .filter(|r| &r[sv("unit")] == unit && &r[sv("channel")] == ch)
                .map(|r| &r[sv(c)])
                .filter(|v| !v.is_empty())
                .collect();
        assert!(v.len() > 50, "{unit} {ch}: {}", v.len());
        let rate = v.iter().filter(|v| matches!(**v, "4" | "5")).count() as f64 / v.len() as f64;
        eprintln!("top-2 {unit} {ch} {c}: {rate:.3} of {}", v.len());
        rate
    };
    assert!(top2("centro_veterinaria", "phone", "kindness") < 0.75);
    assert!(top2("admisiones", "email", "information_quality") < 0.75);
    assert!(top2("fac_odontologia", "whatsapp", "timeliness") < 0.75);
    assert!(top2("admisiones", "phone", "kindness") > 0.8);
    assert!(top2("mercadeo_pregrado", "whatsapp", "information_quality") > 0.8);
    assert!(top2("fac_medicina", "whatsapp", "timeliness") > 0.8);

    let pass = |unit: &str, ch: &str, item: &str| {
        let v: Vec<&str> = d
            .sh
            .iter()
            .filter(|r| &r[sh("unit")] == unit && &r[sh("channel")] == ch && &r[sh("item")] == item)
            .map(|r| &r[sh("result")])
            .filter(|v| matches!(*v, "pass" | "fail"))
            .collect();
        assert!(v.len() >= 20, "{unit} {ch} {item}: {}", v.len());
        v.iter().filter(|v| **v == "pass").count() as f64 / v.len() as f64
    };
    assert!(pass("centro_veterinaria", "phone", "greeting") < 0.65);
    assert!(pass("admisiones", "email", "correct_information") < 0.7);
    assert!(pass("icmt_apartado", "in_person", "response_time") < 0.7);
    assert!(pass("fac_odontologia", "whatsapp", "response_time") < 0.7);
    assert!(pass("admisiones", "phone", "greeting") > 0.85);

    let cal = Calendar::new(2026, 2027);
    let sla = |unit: &str, ch: usize| {
        let (mut n, mut met) = (0, 0);
        for r in d.ix.iter().filter(|r| !bad_interaction(r)) {
            if &r[ix("unit")] != unit || &r[ix("channel")] != CHANNELS[ch] {
                continue;
            }
            if &r[ix("direction")] != "inbound" {
                continue;
            }
            let (Some(a), Some(f)) = (ts(&r[ix("received_at")]), ts(&r[ix("first_response_at")]))
            else {
                continue;
            };
            let due = if SLA_BUSINESS_TIME[ch] {
                cal.add_business(a, SLA_TARGET_SECS[ch])
            } else {
                a + SLA_TARGET_SECS[ch]
            };
            n += 1;
            met += (f <= due) as usize;
        }
        met as f64 / n as f64
    };
    let odo = sla("fac_odontologia", 1);
    let icmt = sla("icmt_apartado", 6);
    assert!(odo < 0.65, "odontologia whatsapp sla {odo}");
    assert!(icmt < 0.65, "icmt in_person sla {icmt}");
    for (u, c) in [
        ("fac_medicina", 1),
        ("admisiones", 2),
        ("admisiones", 0),
        ("sede_sabaneta", 6),
    ] {
        let v = sla(u, c);
        assert!((0.8..0.95).contains(&v), "{u} {} sla {v}", CHANNELS[c]);
    }
    // Slow escalations from admisiones × email.
    let esc_days = |unit: &str, ch: &str| {
        let v: Vec<f64> = d
            .ix
            .iter()
            .filter(|r| !bad_interaction(r) && &r[ix("unit")] == unit && &r[ix("channel")] == ch)
            .filter_map(|r| {
                let a = ts(&r[ix("escalated_at")])?;
                let b = ts(&r[ix("escalation_answered_at")])?;
                Some((b - a) as f64 / 86_400.0)
            })
            .collect();
        v.iter().sum::<f64>() / v.len() as f64
    };
    assert!(esc_days("admisiones", "email") > 2.0 * esc_days("admisiones", "phone"));
}

#[test]
fn people_recur_written_differently() {
    let d = data();
    let norm = |s: &str| -> String {
        let t = s.trim().to_ascii_lowercase();
        let digits: String = t.chars().filter(|c| c.is_ascii_digit()).collect();
        if t.contains('@') {
            t
        } else if digits.len() == 12 && digits.starts_with("57") {
            digits[2..].to_string()
        } else {
            digits
        }
    };
    let mut forms: HashMap<String, HashSet<&str>> = HashMap::new();
    for r in &d.ix {
        let c = &r[ix("contact")];
        if !c.is_empty() {
            forms.entry(norm(c)).or_default().insert(c);
        }
    }
    let varied = forms.values().filter(|v| v.len() > 1).count();
    assert!(varied > 300, "people written differently: {varied}");
    let pii =
        d.ix.iter()
            .filter(|r| {
                let n = &r[ix("notes")];
                n.contains("Devolver llamada al") || n.contains("correo ") || n.contains(" CC ")
            })
            .count() as f64;
    let share = pii / d.ix.len() as f64;
    assert!(
        (0.03..0.07).contains(&share),
        "notes with personal data {share}"
    );
}

#[test]
fn business_time_skips_nights_weekends_and_holidays() {
    let cal = Calendar::new(2026, 2026);
    let at = |y, m, d, h: i64| ymd_day((y, m, d)) * 86_400 + h * 3600;
    // Friday 17:00 + 2 h business → Saturday 09:00.
    assert_eq!(
        cal.add_business(at(2026, 3, 6, 17), 7200),
        at(2026, 3, 7, 9)
    );
    // Saturday 11:00 + 2 h → Monday 09:00 (Sunday closed).
    assert_eq!(
        cal.add_business(at(2026, 3, 7, 11), 7200),
        at(2026, 3, 9, 9)
    );
    // Holy Thursday/Friday 2026 and Monday 2026-03-23 (San José) are closed.
    assert!(cal.is_holiday(ymd_day((2026, 4, 2))) && cal.is_holiday(ymd_day((2026, 4, 3))));
    assert!(cal.is_holiday(ymd_day((2026, 3, 23))));
    assert!(cal.is_holiday(ymd_day((2026, 8, 17))));
    assert_eq!(cal.add_business(at(2026, 3, 20, 23), 0), at(2026, 3, 21, 8));
}

#[test]
fn rejects_zero_months() {
    let dir = tempfile::tempdir().unwrap();
    let opts = DemoOptions {
        months: 0,
        ..Default::default()
    };
    assert!(matches!(
        generate(dir.path(), &opts),
        Err(DemoError::Options(_))
    ));
}

/// `cargo test -- --ignored --nocapture generation_speed`
#[test]
#[ignore]
fn generation_speed() {
    let dir = tempfile::tempdir().unwrap();
    let opts = DemoOptions {
        interactions: 1_000_000,
        ..Default::default()
    };
    let t = std::time::Instant::now();
    let f = generate(dir.path(), &opts).unwrap();
    let secs = t.elapsed().as_secs_f64();
    let size = std::fs::metadata(&f.interactions).unwrap().len();
    println!(
        "1M interactions: {secs:.2} s = {:.2} µs/interaction, interactions.csv {} MB, {:?}",
        secs * 1e6 / opts.interactions as f64,
        size >> 20,
        f.counts
    );
}
