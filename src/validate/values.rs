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

/// Parses a timestamp; without an offset it is local time in `tz`.
pub fn parse_timestamp(raw: &str, tz: Tz) -> Result<Option<Micros>, String> {
    let s = raw.fast_trim();
    if s.is_empty() {
        return Ok(None);
    }
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
    Ok(Some(utc.and_utc().timestamp_micros()))
}

/// Booleans: true/false, sí/si/no, yes/no, 1/0, x/empty.
pub fn parse_bool(raw: &str) -> Result<Option<bool>, String> {
    let s = raw.fast_trim();
    if s.is_empty() {
        return Ok(None);
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

/// A non-negative decimal number (comma or dot as the decimal mark).
pub fn parse_non_negative(raw: &str) -> Result<Option<f64>, String> {
    let s = raw.fast_trim();
    if s.is_empty() {
        return Ok(None);
    }
    match s.replace(',', ".").parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(Some(v)),
        _ => Err(format!("`{}` is not a non-negative number", shorten(s))),
    }
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
