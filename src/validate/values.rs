//! Parsers for the value types of the canonical inputs (DESIGN §3): timestamps in ISO 8601
//! (with or without offset) or `dd/mm/yyyy HH:MM[:SS]`, booleans in Spanish and English,
//! Likert and NPS integers. Each returns `Ok(None)` for an empty cell and a plain-words
//! error for anything else it cannot read.

use crate::vocabulary::FastTrim;
use chrono::{LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use chrono_tz::Tz;

/// Microseconds since the Unix epoch, UTC.
pub type Micros = i64;

fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() || b.len() > 9 {
        return None;
    }
    let mut v = 0u32;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + (c - b'0') as u32;
    }
    Some(v)
}

/// A parsed timestamp before time-zone resolution.
struct Parsed {
    date: (i32, u32, u32),
    time: (u32, u32, u32, u32), // h, m, s, micros
    offset_seconds: Option<i32>,
}

fn parse_time_part(b: &[u8]) -> Option<((u32, u32, u32, u32), Option<i32>)> {
    // HH:MM[:SS[.ffffff]][Z|±HH[:]MM]
    let (clock, offset) = match b
        .iter()
        .position(|&c| c == b'Z' || c == b'z' || c == b'+' || c == b'-')
    {
        Some(i) => (&b[..i], Some(&b[i..])),
        None => (b, None),
    };
    let clock = clock.strip_suffix(b" ").unwrap_or(clock);
    let mut fields = clock.splitn(3, |&c| c == b':');
    let h = digits(fields.next()?)?;
    let m = digits(fields.next()?)?;
    let (s, micros) = match fields.next() {
        None => (0, 0),
        Some(sec) => {
            let (whole, frac) = match sec.iter().position(|&c| c == b'.' || c == b',') {
                Some(i) => (&sec[..i], &sec[i + 1..]),
                None => (sec, &b""[..]),
            };
            let mut micros = 0u32;
            for i in 0..6 {
                let d = match frac.get(i) {
                    Some(c) if c.is_ascii_digit() => (c - b'0') as u32,
                    Some(_) => return None,
                    None => 0,
                };
                micros = micros * 10 + d;
            }
            if frac.len() > 6 && !frac[6..].iter().all(u8::is_ascii_digit) {
                return None;
            }
            (digits(whole)?, micros)
        }
    };
    let offset_seconds = match offset {
        None => None,
        Some(b"Z") | Some(b"z") => Some(0),
        Some(o) => {
            let sign = if o[0] == b'-' { -1 } else { 1 };
            let rest = &o[1..];
            let (oh, om) = match rest.len() {
                2 => (digits(rest)?, 0),
                4 => (digits(&rest[..2])?, digits(&rest[2..])?),
                5 if rest[2] == b':' => (digits(&rest[..2])?, digits(&rest[3..])?),
                _ => return None,
            };
            if oh > 14 || om > 59 {
                return None;
            }
            Some(sign * (oh as i32 * 3600 + om as i32 * 60))
        }
    };
    Some(((h, m, s, micros), offset_seconds))
}

fn parse_parts(s: &str) -> Option<Parsed> {
    let b = s.as_bytes();
    if b.len() >= 10 && b[4] == b'-' && b[7] == b'-' {
        // YYYY-MM-DD[(T| )time]
        let date = (
            digits(&b[..4])? as i32,
            digits(&b[5..7])?,
            digits(&b[8..10])?,
        );
        let rest = &b[10..];
        if rest.is_empty() {
            return Some(Parsed {
                date,
                time: (0, 0, 0, 0),
                offset_seconds: None,
            });
        }
        if rest[0] != b'T' && rest[0] != b't' && rest[0] != b' ' {
            return None;
        }
        let (time, offset_seconds) = parse_time_part(&rest[1..])?;
        return Some(Parsed {
            date,
            time,
            offset_seconds,
        });
    }
    // D/M/YYYY [H:MM[:SS]] (Colombian day-first)
    let (date_part, time_part) = match s.split_once(' ') {
        Some((d, t)) => (d, Some(t.fast_trim())),
        None => (s, None),
    };
    let mut f = date_part.split('/');
    let (d, m, y) = (f.next()?, f.next()?, f.next()?);
    if f.next().is_some() || y.len() != 4 || d.len() > 2 || m.len() > 2 {
        return None;
    }
    let date = (
        digits(y.as_bytes())? as i32,
        digits(m.as_bytes())?,
        digits(d.as_bytes())?,
    );
    let (time, offset_seconds) = match time_part {
        Some(t) if !t.is_empty() => parse_time_part(t.as_bytes())?,
        _ => ((0, 0, 0, 0), None),
    };
    Some(Parsed {
        date,
        time,
        offset_seconds,
    })
}

/// The form exports use most, `YYYY-MM-DDTHH:MM:SS±HH:MM` (or `…SSZ`), read without
/// chrono: ingestion parses up to five per row. Anything else, or anything out of range,
/// is left to the general path (None), which also words the errors.
fn iso_with_offset(b: &[u8]) -> Option<Micros> {
    if !(b.len() == 25 || b.len() == 20) {
        return None;
    }
    let two = |i: usize| -> Option<u32> {
        let (hi, lo) = (b[i].wrapping_sub(b'0'), b[i + 1].wrapping_sub(b'0'));
        (hi < 10 && lo < 10).then_some(hi as u32 * 10 + lo as u32)
    };
    let separators_ok = b[4] == b'-'
        && b[7] == b'-'
        && matches!(b[10], b'T' | b't' | b' ')
        && b[13] == b':'
        && b[16] == b':';
    if !separators_ok {
        return None;
    }
    let year = two(0)? * 100 + two(2)?;
    let (month, day) = (two(5)?, two(8)?);
    let (hour, minute, second) = (two(11)?, two(14)?, two(17)?);
    let offset = match (b.len(), b[19]) {
        (20, b'Z' | b'z') => 0,
        (25, sign @ (b'+' | b'-')) if b[22] == b':' => {
            let (oh, om) = (two(20)?, two(23)?);
            if oh > 14 || om > 59 {
                return None;
            }
            let seconds = (oh * 3600 + om * 60) as i64;
            if sign == b'-' {
                -seconds
            } else {
                seconds
            }
        }
        _ => return None,
    };
    let month_ok = (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month);
    if !month_ok || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let days = days_from_civil(year as i64, month as i64, day as i64);
    let seconds = days * 86_400 + (hour * 3600 + minute * 60 + second) as i64 - offset;
    Some(seconds * 1_000_000)
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// Parses a timestamp; without an offset it is local time in `tz`.
pub fn parse_timestamp(raw: &str, tz: Tz) -> Result<Option<Micros>, String> {
    let s = raw.fast_trim();
    if s.is_empty() {
        return Ok(None);
    }
    match iso_with_offset(s.as_bytes()) {
        Some(t) => Ok(Some(t)),
        None => parse_any_form(s, tz).map(Some),
    }
}

/// Every accepted form, through chrono.
fn parse_any_form(s: &str, tz: Tz) -> Result<Micros, String> {
    let p = parse_parts(s).ok_or_else(|| {
        format!(
            "`{}` is not a date-time; use ISO 8601 (2026-03-02T09:15:00-05:00) or dd/mm/yyyy HH:MM",
            shorten(s)
        )
    })?;
    let (y, mo, d) = p.date;
    let date = NaiveDate::from_ymd_opt(y, mo, d)
        .ok_or_else(|| format!("`{}` is not a real calendar date", shorten(s)))?;
    let (h, mi, se, us) = p.time;
    let time = NaiveTime::from_hms_micro_opt(h, mi, se.min(59), us)
        .filter(|_| se <= 60)
        .ok_or_else(|| format!("`{}` has an impossible time of day", shorten(s)))?;
    let local = NaiveDateTime::new(date, time);
    let utc = match p.offset_seconds {
        Some(off) => local - chrono::Duration::seconds(off as i64),
        None => match tz.from_local_datetime(&local) {
            LocalResult::Single(t) => t.naive_utc(),
            LocalResult::Ambiguous(a, _) => a.naive_utc(),
            LocalResult::None => {
                return Err(format!(
                    "`{}` does not exist in {} (clock change)",
                    shorten(s),
                    tz.name()
                ))
            }
        },
    };
    Ok(utc.and_utc().timestamp_micros())
}

/// Booleans: true/false, sí/si/no, yes/no, 1/0, x/empty.
pub fn parse_bool(raw: &str) -> Result<Option<bool>, String> {
    let s = raw.fast_trim();
    // The answers exports use, before folding (which costs more than the match).
    match s {
        "" => return Ok(None),
        "si" | "true" | "1" => return Ok(Some(true)),
        "no" | "false" | "0" => return Ok(Some(false)),
        _ => {}
    }
    match crate::vocabulary::fold_code(s).as_ref() {
        "true" | "t" | "si" | "s" | "yes" | "y" | "1" | "x" | "verdadero" => Ok(Some(true)),
        "false" | "f" | "no" | "n" | "0" | "falso" => Ok(Some(false)),
        _ => Err(format!(
            "`{}` is not a yes/no value; use true/false, sí/no, 1/0 or x",
            shorten(s)
        )),
    }
}

/// An integer in `lo..=hi`; empty and N/A-like answers are `None`.
pub fn parse_scale(raw: &str, lo: i32, hi: i32) -> Result<Option<i32>, String> {
    let s = raw.fast_trim();
    if s.is_empty() {
        return Ok(None);
    }
    let folded = crate::vocabulary::fold_code(s);
    if matches!(
        folded.as_ref(),
        "na" | "n_a" | "ns_nr" | "nsnr" | "no_aplica" | "ns" | "nr"
    ) {
        return Ok(None);
    }
    let value: f64 = s
        .replace(',', ".")
        .parse()
        .map_err(|_| format!("`{}` is not a number from {lo} to {hi}", shorten(s)))?;
    if value.fract() != 0.0 || value < lo as f64 || value > hi as f64 {
        return Err(format!(
            "{} is out of range; expected a whole number from {lo} to {hi}",
            shorten(s)
        ));
    }
    Ok(Some(value as i32))
}

/// A non-negative decimal number as a person writes it (see [`parse_decimal`]).
pub fn parse_non_negative(raw: &str) -> Result<Option<f64>, String> {
    let s = raw.fast_trim();
    if s.is_empty() {
        return Ok(None);
    }
    match parse_decimal(s) {
        Ok(v) if v >= 0.0 => Ok(Some(v)),
        Ok(_) => Err(format!("`{}` is not a non-negative number", shorten(s))),
        Err(why) => Err(format!(
            "`{}` is not a non-negative number: {why}",
            shorten(s)
        )),
    }
}

/// A decimal number written with a decimal comma (Excel es-CO: `1.234,5`, `4,5`) or a
/// decimal point (`1,234.5`, `4.5`), with optional thousands separators (`.`, `,`, space or
/// no-break space, in groups of three):
/// - with both `.` and `,`, the last one is the decimal mark and the other groups
///   thousands: `1.234,5` = `1,234.5` = 1234.5;
/// - a mark that appears more than once groups thousands: `1.234.567` = `1,234,567`;
/// - a single `,` or `.` is the decimal mark: `4,5` = `4.5` = 4.5 (so `1.234` is 1.234;
///   write `1234` or `1.234,0` for a thousand and more);
/// - scientific notation is read (`1,5E+3` = 1500).
///
/// The error says which reading failed and why.
pub fn parse_decimal(s: &str) -> Result<f64, String> {
    let s = s.trim();
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let (sign, digits) = match mantissa.strip_prefix(['-', '+']) {
        Some(rest) => (&mantissa[..1], rest),
        None => ("", mantissa),
    };
    let digits: String = digits
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}'))
        .collect();
    let grouped_by_space = digits.len() != mantissa.len() - sign.len();
    let (dots, commas) = (digits.matches('.').count(), digits.matches(',').count());
    let decimal_mark = match (dots, commas) {
        (0, 0) => None,
        (_, 0) if dots > 1 => None,
        (0, _) if commas > 1 => None,
        (1, 0) => Some('.'),
        (0, 1) => Some(','),
        _ => {
            let last = digits.rfind(['.', ',']).expect("has a mark");
            let mark = digits[last..].chars().next().expect("has a mark");
            if digits[last + 1..].contains(['.', ',']) || digits.matches(mark).count() > 1 {
                return Err("it mixes '.' and ',' so that neither is clearly the decimal mark (write 1.234,5 or 1,234.5)".into());
            }
            Some(mark)
        }
    };
    let (int_part, frac_part) = match decimal_mark {
        Some(mark) => digits.split_once(mark).expect("the mark is there"),
        None => (digits.as_str(), ""),
    };
    let groups: Vec<&str> = int_part.split(['.', ',']).collect();
    if groups.len() > 1
        && (groups[0].is_empty() || groups[0].len() > 3 || groups[1..].iter().any(|g| g.len() != 3))
    {
        let what = if decimal_mark == Some(',') {
            "with a decimal comma, '.' can only separate thousands in groups of three (1.234.567,5)"
        } else {
            "',' or '.' repeated can only separate thousands in groups of three (1,234,567.5)"
        };
        return Err(what.into());
    }
    if grouped_by_space && !thousands_by_space_ok(mantissa) {
        return Err("spaces can only separate thousands in groups of three (1 234 567)".into());
    }
    let mut plain = String::with_capacity(s.len());
    plain.push_str(sign);
    plain.extend(groups.iter().flat_map(|g| g.chars()));
    if decimal_mark.is_some() {
        plain.push('.');
        plain.push_str(frac_part);
    }
    if let Some(e) = exponent {
        plain.push('e');
        plain.push_str(e);
    }
    let ok = |c: char| c.is_ascii_digit() || matches!(c, '.' | 'e' | '-' | '+');
    match plain.parse::<f64>() {
        Ok(v) if v.is_finite() && plain.chars().all(ok) && !thousands_only_dot(&plain) => Ok(v),
        _ => Err("it is not a number".into()),
    }
}

/// A lone `.` with no digit around it (`.` or `-.`) parses in Rust only as an error;
/// kept as a guard for inputs like `e5` that filter down to nothing.
fn thousands_only_dot(plain: &str) -> bool {
    !plain.chars().any(|c| c.is_ascii_digit())
}

/// `1 234 567,5`: groups after the first are three digits long.
fn thousands_by_space_ok(mantissa: &str) -> bool {
    let int = mantissa.split(['.', ',']).next().unwrap_or("");
    let int = int.trim_start_matches(['-', '+']);
    let groups: Vec<&str> = int.split([' ', '\u{a0}', '\u{202f}']).collect();
    !groups[0].is_empty() && groups[0].len() <= 3 && groups[1..].iter().all(|g| g.len() == 3)
}

/// A number in scientific notation as Excel shows a long number it does not treat as
/// text: `3,00123E+09`, `3.00123E+09`, `3E+09`, `1,01723E+9`.
pub fn is_scientific_notation(s: &str) -> bool {
    let Some((mantissa, exponent)) = s.split_once(['e', 'E']) else {
        return false;
    };
    let exponent = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
    let mantissa = mantissa.strip_prefix(['+', '-']).unwrap_or(mantissa);
    let (int, frac) = mantissa.split_once(['.', ',']).unwrap_or((mantissa, ""));
    !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
        && !exponent.is_empty()
        && exponent.len() <= 3
        && exponent.bytes().all(|b| b.is_ascii_digit())
}

/// Cuts long values in messages (they are also stored in the raw column).
pub fn shorten(s: &str) -> String {
    const MAX: usize = 60;
    if s.chars().count() <= MAX {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(MAX).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::America::Bogota;

    fn ts(s: &str) -> Micros {
        parse_timestamp(s, Bogota).unwrap().unwrap()
    }

    #[test]
    fn decimals_are_read_as_a_person_means_them() {
        for (s, v) in [
            ("1.234,5", 1234.5),
            ("1,234.5", 1234.5),
            ("4,5", 4.5),
            ("4.5", 4.5),
            ("1.234.567", 1_234_567.0),
            ("1,234,567", 1_234_567.0),
            ("1.234.567,25", 1_234_567.25),
            ("1 234,5", 1234.5),
            ("1\u{a0}234", 1234.0),
            ("12", 12.0),
            ("1,5E+3", 1500.0),
            ("-3,25", -3.25),
        ] {
            assert_eq!(parse_decimal(s), Ok(v), "{s}");
        }
        for (s, why) in [
            ("1.23,5", "groups of three"),
            ("1,2.3,4", "neither is clearly"),
            ("12 34", "groups of three"),
            ("1.2.3", "groups of three"),
            ("abc", "not a number"),
            ("", "not a number"),
            ("1,5x", "not a number"),
        ] {
            let e = parse_decimal(s).unwrap_err();
            assert!(e.contains(why), "{s}: {e}");
        }
        assert_eq!(parse_non_negative(" 1.234,5 "), Ok(Some(1234.5)));
        let e = parse_non_negative("1.23,5").unwrap_err();
        assert!(e.contains("`1.23,5`") && e.contains("thousands"), "{e}");
    }

    proptest::proptest! {
        /// Any text: an answer, never a panic; a number Excel es-CO would display
        /// (`1.234.567,89`) reads back as that number.
        #[test]
        fn decimals_never_panic_and_read_grouped_numbers(
            text in "\\PC{0,24}",
            cents in 0u64..10_000_000_000,
        ) {
            let _ = parse_decimal(&text);
            let _ = is_scientific_notation(&text);
            let int = (cents / 100).to_string();
            let mut grouped = String::new();
            for (i, c) in int.chars().enumerate() {
                if i > 0 && (int.len() - i) % 3 == 0 {
                    grouped.push('.');
                }
                grouped.push(c);
            }
            let shown = format!("{grouped},{:02}", cents % 100);
            let v = parse_decimal(&shown).unwrap();
            proptest::prop_assert!((v - cents as f64 / 100.0).abs() < 1e-6, "{} -> {}", shown, v);
        }
    }

    #[test]
    fn excel_scientific_notation_is_recognised() {
        for s in [
            "3,00123E+09",
            "3.00123E+09",
            "3E+09",
            "1,01723e+9",
            "3,00123E09",
        ] {
            assert!(is_scientific_notation(s), "{s}");
        }
        for s in [
            "3001234567",
            "+57 300 123 4567",
            "ana@x.co",
            "E+09",
            "3,0E",
            "CC 1e5x",
        ] {
            assert!(!is_scientific_notation(s), "{s}");
        }
    }

    #[test]
    fn timestamps_in_every_accepted_form_agree() {
        let utc = chrono::DateTime::parse_from_rfc3339("2026-03-02T14:15:00Z")
            .unwrap()
            .timestamp_micros();
        for s in [
            "2026-03-02T09:15:00-05:00",
            "2026-03-02T09:15:00-0500",
            "2026-03-02T14:15:00Z",
            "2026-03-02 09:15:00",
            "2026-03-02T09:15",
            "02/03/2026 09:15",
            "2/3/2026 09:15:00",
            "2026-03-02T09:15:00.000-05:00",
        ] {
            assert_eq!(ts(s), utc, "{s}");
        }
        assert_eq!(ts("2026-03-02T09:15:00.123456Z") % 1_000_000, 123_456);
    }

    #[test]
    fn bad_timestamps_say_why() {
        assert!(parse_timestamp("2026-02-30T10:00:00", Bogota)
            .unwrap_err()
            .contains("not a real calendar date"));
        assert!(parse_timestamp("mañana", Bogota)
            .unwrap_err()
            .contains("not a date-time"));
        assert!(parse_timestamp("2026-03-02T25:00", Bogota)
            .unwrap_err()
            .contains("impossible time"));
        assert!(parse_timestamp("13/13/2026 10:00", Bogota).is_err());
        assert_eq!(parse_timestamp("  ", Bogota), Ok(None));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        /// The chrono-free path for `YYYY-MM-DDTHH:MM:SS±HH:MM` agrees with the general
        /// one, takes every such value the general one accepts (bar leap seconds), and
        /// leaves every value it rejects to the general one's error.
        #[test]
        fn iso_fast_path_agrees_with_chrono(
            y in 0u32..=9999, mo in 0u32..=13, d in 0u32..=32,
            h in 0u32..=25, mi in 0u32..=61, se in 0u32..=61,
            sep in proptest::sample::select(vec!['T', 't', ' ']),
            zone in proptest::sample::select(vec!["Z", "z", "+", "-", "+HHMM"]),
            oh in 0u32..=15, om in 0u32..=61,
        ) {
            let zone = match zone {
                "+" | "-" => format!("{zone}{oh:02}:{om:02}"),
                "+HHMM" => format!("+{oh:02}{om:02}"),
                z => z.to_string(),
            };
            let s = format!("{y:04}-{mo:02}-{d:02}{sep}{h:02}:{mi:02}:{se:02}{zone}");
            let general = parse_any_form(&s, Bogota);
            match iso_with_offset(s.as_bytes()) {
                Some(t) => proptest::prop_assert_eq!(general, Ok(t), "{}", s),
                None => proptest::prop_assert!(
                    general.is_err() || se == 60 || zone.len() == 5,
                    "{} left to the general path: {:?}", s, general
                ),
            }
        }
    }

    #[test]
    fn fast_path_matches_an_independent_epoch_count() {
        // 2024-02-29 is day 19,782 since 1970-01-01; 1969-12-31 is day -1.
        assert_eq!(days_from_civil(2024, 2, 29), 19_782);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(
            iso_with_offset(b"2026-03-02T09:15:00-05:00"),
            Some(1_772_460_900_000_000)
        );
        assert_eq!(iso_with_offset(b"2026-02-29T09:15:00-05:00"), None);
        assert_eq!(parse_bool("si"), Ok(Some(true)));
        assert_eq!(parse_bool("no"), Ok(Some(false)));
    }

    #[test]
    fn booleans_and_scales() {
        assert_eq!(parse_bool("Sí"), Ok(Some(true)));
        assert_eq!(parse_bool("x"), Ok(Some(true)));
        assert_eq!(parse_bool("0"), Ok(Some(false)));
        assert!(parse_bool("quizás").is_err());
        assert_eq!(parse_scale("4", 1, 5), Ok(Some(4)));
        assert_eq!(parse_scale("N/A", 1, 5), Ok(None));
        assert!(parse_scale("7", 1, 5).unwrap_err().contains("out of range"));
        assert!(parse_scale("4.5", 1, 5).is_err());
    }
}
