//! Cron expressions as people write them, on top of the `cron` crate.
//!
//! The `cron` crate reads 6 fields (`sec min hour day-of-month month day-of-week`) or 7 (with
//! a year) and the shorthands `@hourly`, `@daily`, `@weekly`, `@monthly`, `@yearly`. Most
//! people know the 5-field Unix form (`min hour dom month dow`), so that form is accepted too
//! and read as if it had `0` seconds in front — with two differences of the crate made
//! explicit instead of silently changing what an expression means:
//!
//! - day-of-week numbers: Unix counts 0 (or 7) = Sunday … 6 = Saturday; the crate counts
//!   1 = Sunday … 7 = Saturday. In the 5-field form numbers are translated from the Unix
//!   meaning; in the 6/7-field form they keep the crate's meaning. Names (`Mon-Fri`) mean the
//!   same everywhere and are the safest.
//! - Unix cron fires when *either* the day of month or the day of week matches if both are
//!   restricted; the crate needs *both*. A 5-field expression restricting both is refused.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::t;

/// A checked cron expression.
#[derive(Debug, Clone)]
pub struct CronExpr {
    /// As written in the pipeline file.
    pub written: String,
    /// As given to the `cron` crate (6 or 7 fields, or a shorthand).
    pub normalized: String,
    schedule: cron::Schedule,
}

/// Why an expression is refused, and what to write instead.
#[derive(Debug, Clone, PartialEq)]
pub struct CronError {
    pub message: String,
    pub fix: String,
}

/// The forms an expression may take, the fix of most mistakes.
fn forms() -> String {
    t!("cron-fix-forms")
}

impl CronExpr {
    pub fn parse(text: &str) -> Result<CronExpr, CronError> {
        let written = text.trim().to_string();
        let fields: Vec<&str> = written.split_whitespace().collect();
        let normalized = if written.starts_with('@') {
            const SHORTHANDS: &[&str] = &["@yearly", "@monthly", "@weekly", "@daily", "@hourly"];
            if !SHORTHANDS.contains(&written.as_str()) {
                return Err(CronError {
                    message: t!("cron-bad-shorthand", expr = &written),
                    fix: t!("cron-fix-shorthand", shorthands = SHORTHANDS.join(", ")),
                });
            }
            written.clone()
        } else {
            match fields.len() {
                5 => five_fields(&fields)?,
                6 | 7 => {
                    if let Some(dow) = fields.get(5) {
                        if dow.split([',', '-', '/']).any(|p| p == "0") {
                            return Err(CronError {
                                message: t!("cron-day-zero", expr = &written),
                                fix: t!("cron-fix-day-zero"),
                            });
                        }
                    }
                    fields.join(" ")
                }
                n => {
                    return Err(CronError {
                        message: t!("cron-field-count", expr = &written, fields = n),
                        fix: forms(),
                    })
                }
            }
        };
        let schedule = normalized.parse::<cron::Schedule>().map_err(|e| {
            // The crate's message echoes the expression with a caret line; keep the reason.
            let text = e.to_string();
            let reason = text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && *l != normalized && !l.starts_with('^'))
                .next_back()
                .map_or_else(|| t!("cron-unreadable"), str::to_string);
            CronError {
                message: t!("cron-invalid", expr = &written, reason = reason),
                fix: forms(),
            }
        })?;
        if schedule.after(&Utc::now()).next().is_none() {
            return Err(CronError {
                message: t!("cron-never", expr = &written),
                fix: t!("cron-fix-never"),
            });
        }
        Ok(CronExpr {
            written,
            normalized,
            schedule,
        })
    }

    /// The first fire strictly after `t`, computed in the time zone `tz`.
    pub fn next_after(&self, t: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
        self.schedule
            .after(&t.with_timezone(&tz))
            .next()
            .map(|d| d.with_timezone(&Utc))
    }

    /// Fires in `(after, until]`, oldest first, at most `limit` of the most recent ones;
    /// also returns how many fires there were in all (counting stops at `count_cap`).
    pub fn fires_between(
        &self,
        after: DateTime<Utc>,
        until: DateTime<Utc>,
        tz: Tz,
        limit: usize,
        count_cap: usize,
    ) -> (Vec<DateTime<Utc>>, usize) {
        let mut kept = std::collections::VecDeque::with_capacity(limit.min(1024));
        let mut total = 0;
        for fire in self.schedule.after(&after.with_timezone(&tz)) {
            let fire = fire.with_timezone(&Utc);
            if fire > until || total >= count_cap {
                break;
            }
            total += 1;
            if limit == 0 {
                continue;
            }
            if kept.len() == limit {
                kept.pop_front();
            }
            kept.push_back(fire);
        }
        if total >= count_cap {
            // Too many to walk (an every-second schedule after a long downtime): the most
            // recent ones are what a catch-up needs; take them walking backwards.
            let mut recent: Vec<_> = self
                .schedule
                .after(&(until + chrono::Duration::seconds(1)).with_timezone(&tz))
                .rev()
                .map(|d| d.with_timezone(&Utc))
                .skip_while(|d| *d > until)
                .take_while(|d| *d > after)
                .take(limit)
                .collect();
            recent.reverse();
            return (recent, total);
        }
        (kept.into_iter().collect(), total)
    }
}

impl std::fmt::Display for CronExpr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.written)
    }
}

fn restricted(field: &str) -> bool {
    field != "*" && field != "?"
}

fn five_fields(fields: &[&str]) -> Result<String, CronError> {
    let (dom, dow) = (fields[2], fields[4]);
    if restricted(dom) && restricted(dow) {
        return Err(CronError {
            message: t!(
                "cron-both-days",
                expr = fields.join(" "),
                dom = dom,
                dow = dow
            ),
            fix: t!("cron-fix-both-days"),
        });
    }
    let dow = unix_days_of_week(dow).map_err(|message| CronError {
        message: t!("cron-bad-day", expr = fields.join(" "), reason = message),
        fix: t!("cron-fix-day-names"),
    })?;
    Ok(format!(
        "0 {} {} {} {} {dow}",
        fields[0], fields[1], fields[2], fields[3]
    ))
}

/// Translates a Unix day-of-week field (0/7 = Sunday) to the crate's (1 = Sunday).
fn unix_days_of_week(field: &str) -> Result<String, String> {
    let num = |s: &str| -> Result<Option<u32>, String> {
        if s.chars().all(|c| c.is_ascii_digit()) && !s.is_empty() {
            let n: u32 = s.parse().map_err(|_| t!("cron-not-a-day", value = s))?;
            if n > 7 {
                return Err(t!("cron-day-out-of-range", value = s));
            }
            Ok(Some(n))
        } else {
            Ok(None)
        }
    };
    let map = |n: u32| if n == 7 { 1 } else { n + 1 };
    let mut out = Vec::new();
    for item in field.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((r, s)) => (r, Some(s)),
            None => (item, None),
        };
        let step_suffix = step.map(|s| format!("/{s}")).unwrap_or_default();
        match range.split_once('-') {
            Some((a, b)) => match (num(a)?, num(b)?) {
                (Some(a), Some(7)) if a > 0 => {
                    if step.is_some() {
                        return Err(t!("cron-stepped-sunday", item = item));
                    }
                    out.push(format!("{}-7", map(a)));
                    out.push("1".into());
                }
                (Some(a), Some(b)) => out.push(format!("{}-{}{step_suffix}", map(a), map(b))),
                (None, None) => out.push(item.to_string()),
                _ => return Err(t!("cron-mixed-day", item = item)),
            },
            None => match num(range)? {
                Some(n) => out.push(format!("{}{step_suffix}", map(n))),
                None => out.push(item.to_string()),
            },
        }
    }
    Ok(out.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, TimeZone, Timelike, Weekday};

    fn bogota() -> Tz {
        chrono_tz::America::Bogota
    }

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, s).unwrap()
    }

    #[test]
    fn five_fields_get_zero_seconds() {
        let e = CronExpr::parse("30 2 * * *").unwrap();
        assert_eq!(e.normalized, "0 30 2 * * *");
        // 02:30 in Bogotá is 07:30 UTC.
        let next = e.next_after(utc(2026, 11, 2, 12, 0, 0), bogota()).unwrap();
        assert_eq!(next, utc(2026, 11, 3, 7, 30, 0));
    }

    #[test]
    fn unix_weekday_numbers_keep_their_meaning() {
        let e = CronExpr::parse("0 8 * * 1-5").unwrap();
        assert_eq!(e.normalized, "0 0 8 * * 2-6");
        let mut t = utc(2026, 11, 1, 0, 0, 0); // a Sunday
        let mut days = Vec::new();
        for _ in 0..5 {
            t = e.next_after(t, bogota()).unwrap();
            days.push(t.with_timezone(&bogota()).weekday());
        }
        use Weekday::*;
        assert_eq!(days, vec![Mon, Tue, Wed, Thu, Fri]);
        assert_eq!(unix_days_of_week("0").unwrap(), "1");
        assert_eq!(unix_days_of_week("7").unwrap(), "1");
        assert_eq!(unix_days_of_week("5-7").unwrap(), "6-7,1");
        assert_eq!(unix_days_of_week("Mon-Fri").unwrap(), "Mon-Fri");
        assert_eq!(unix_days_of_week("*/2").unwrap(), "*/2");
    }

    #[test]
    fn seconds_level_and_shorthands_parse() {
        assert!(CronExpr::parse("*/2 * * * * *").is_ok());
        assert!(CronExpr::parse("@daily").is_ok());
        assert!(CronExpr::parse("0 0 6 * * Mon-Fri").is_ok());
    }

    #[test]
    fn bad_expressions_say_what_to_write() {
        let e = CronExpr::parse("61 * * * *").unwrap_err();
        assert!(
            e.message.contains("no es una expresión cron válida"),
            "{e:?}"
        );
        assert!(e.fix.contains("5 campos"));
        let e = CronExpr::parse("every night").unwrap_err();
        assert!(e.message.contains("tiene 2 campos"), "{e:?}");
        let e = CronExpr::parse("* * * * * * * *").unwrap_err();
        assert!(e.message.contains("tiene 8 campos"), "{e:?}");
        let e = CronExpr::parse("0 0 8 * * 0").unwrap_err();
        assert!(e.message.contains("1 = domingo"));
        let e = CronExpr::parse("0 8 1 * Mon").unwrap_err();
        assert!(e.message.contains("cualquiera de los dos"));
    }

    #[test]
    fn fires_between_keeps_the_most_recent() {
        let e = CronExpr::parse("*/10 * * * * *").unwrap();
        let a = utc(2026, 1, 1, 0, 0, 0);
        let (fires, total) =
            e.fires_between(a, a + chrono::Duration::seconds(60), bogota(), 3, 1000);
        assert_eq!(total, 6);
        assert_eq!(fires.len(), 3);
        assert_eq!(fires[2], a + chrono::Duration::seconds(60));
        assert_eq!(fires[0].second(), 40);
        // Past the count cap the most recent are still found.
        let (fires, total) = e.fires_between(a, a + chrono::Duration::days(30), bogota(), 2, 100);
        assert_eq!(total, 100);
        assert_eq!(
            fires,
            vec![
                a + chrono::Duration::seconds(30 * 86400 - 10),
                a + chrono::Duration::days(30)
            ]
        );
    }
}
