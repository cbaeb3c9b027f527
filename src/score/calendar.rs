//! Colombian public holidays and the contact center's business calendar.
//!
//! Service-level metrics (time to first answer, time to resolution, due dates)
//! must count only the time during which the contact center is actually open:
//! its weekly opening hours in `America/Bogota` local time, minus national
//! public holidays and institutional closures. This module provides both the
//! holiday calendar and that business-time arithmetic.
//!
//! # Holidays (1984..=2100)
//!
//! * Fixed dates (Ley 35 de 1939, Ley 51 de 1983): Año Nuevo (1 Jan), Día del
//!   Trabajo (1 May), Día de la Independencia (20 Jul), Batalla de Boyacá
//!   (7 Aug), Inmaculada Concepción (8 Dec), Navidad (25 Dec).
//! * **Ley 51 de 1983** ("Ley Emiliani", in force from 1984): Reyes Magos
//!   (6 Jan), San José (19 Mar), San Pedro y San Pablo (29 Jun), Asunción
//!   (15 Aug), Día de la Raza (12 Oct), Todos los Santos (1 Nov) and
//!   Independencia de Cartagena (11 Nov) are observed on the next Monday when
//!   they do not fall on a Monday. The same law moves the Easter-based
//!   Ascensión, Corpus Christi and Sagrado Corazón to Mondays.
//! * **Ley 2578 de 2026** (1 June 2026, art. 6): new national holiday *Día de
//!   Nuestra Señora del Rosario de Chiquinquirá*, 9 July, moved to the next
//!   Monday per Ley 51 de 1983; observed from 2026 (first on Mon 2026-07-13).
//! * Easter dates use the Anonymous Gregorian (Meeus/Jones/Butcher) algorithm.
//!
//! Outside [`FIRST_YEAR`]..=[`LAST_YEAR`] no holidays are known: before 1984
//! the Monday rule did not exist, and the range is what the fixture oracle
//! (`scripts/holidays_oracle.py`) verifies.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use chrono::{
    DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Utc,
    Weekday,
};
use chrono_tz::Tz;

/// First year covered by the holiday calendar (Ley 51 de 1983 applies from 1984).
pub const FIRST_YEAR: i32 = 1984;
/// Last year covered by the holiday calendar.
pub const LAST_YEAR: i32 = 2100;

/// First year in which Ley 2578 de 2026 (Virgen de Chiquinquirá) is observed.
const CHIQUINQUIRA_FIRST_YEAR: i32 = 2026;

/// How the legal date of a holiday is determined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HolidayRule {
    /// Always on the same calendar date.
    Fixed,
    /// Calendar date moved to the next Monday (Ley 51 de 1983).
    MovedToMonday,
    /// Derived from Easter Sunday. Ascensión, Corpus Christi and Sagrado
    /// Corazón are *also* moved to Monday by Ley 51 de 1983, but they keep
    /// this rule because their date is defined relative to Easter.
    EasterBased,
}

impl HolidayRule {
    /// Stable machine-readable code: `fixed`, `moved_to_monday` or `easter_based`.
    pub fn code(&self) -> &'static str {
        match self {
            HolidayRule::Fixed => "fixed",
            HolidayRule::MovedToMonday => "moved_to_monday",
            HolidayRule::EasterBased => "easter_based",
        }
    }
}

/// One national public holiday as observed (i.e. after any Monday move).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holiday {
    pub date: NaiveDate,
    /// Official Spanish name.
    pub name: &'static str,
    pub rule: HolidayRule,
}

/// Fixed-date holidays: (month, day, name).
const FIXED: [(u32, u32, &str); 6] = [
    (1, 1, "Año Nuevo"),
    (5, 1, "Día del Trabajo"),
    (7, 20, "Día de la Independencia"),
    (8, 7, "Batalla de Boyacá"),
    (12, 8, "Inmaculada Concepción"),
    (12, 25, "Navidad"),
];

/// Holidays moved to the next Monday by Ley 51 de 1983: (month, day, name).
const MOVED_TO_MONDAY: [(u32, u32, &str); 7] = [
    (1, 6, "Día de los Reyes Magos"),
    (3, 19, "Día de San José"),
    (6, 29, "San Pedro y San Pablo"),
    (8, 15, "Asunción de la Virgen"),
    (10, 12, "Día de la Raza"),
    (11, 1, "Día de Todos los Santos"),
    (11, 11, "Independencia de Cartagena"),
];

/// Ley 2578 de 2026: 9 July, moved to Monday.
const CHIQUINQUIRA: (u32, u32, &str) = (7, 9, "Día de Nuestra Señora del Rosario de Chiquinquirá");

/// Easter-based holidays: (days after Easter Sunday of the liturgical feast,
/// whether Ley 51 de 1983 moves it to Monday, name).
const EASTER_BASED: [(i64, bool, &str); 5] = [
    (-3, false, "Jueves Santo"),
    (-2, false, "Viernes Santo"),
    (39, true, "Ascensión del Señor"), // Thursday → Monday = Easter + 43
    (60, true, "Corpus Christi"),      // Thursday → Monday = Easter + 64
    (68, true, "Sagrado Corazón de Jesús"), // Friday → Monday = Easter + 71
];

/// Easter Sunday (Gregorian) by the Anonymous Gregorian algorithm
/// (Meeus/Jones/Butcher).
pub fn easter_sunday(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32).expect("Easter is a valid date")
}

/// The date itself if it is a Monday, else the next Monday.
fn next_monday_or_same(date: NaiveDate) -> NaiveDate {
    let days_ahead = (7 - date.weekday().num_days_from_monday()) % 7;
    date + Duration::days(i64::from(days_ahead))
}

fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).expect("holiday table holds valid dates")
}

/// Observed national holidays of `year`, sorted by date then name. Two
/// holidays on the same date are both listed. Empty outside
/// [`FIRST_YEAR`]..=[`LAST_YEAR`].
pub fn holidays_in_year(year: i32) -> Vec<Holiday> {
    if !(FIRST_YEAR..=LAST_YEAR).contains(&year) {
        return Vec::new();
    }
    let mut out = Vec::with_capacity(19);
    for (month, day, name) in FIXED {
        out.push(Holiday {
            date: ymd(year, month, day),
            name,
            rule: HolidayRule::Fixed,
        });
    }
    let mut moved: Vec<(u32, u32, &'static str)> = MOVED_TO_MONDAY.to_vec();
    if year >= CHIQUINQUIRA_FIRST_YEAR {
        moved.push(CHIQUINQUIRA);
    }
    for (month, day, name) in moved {
        let date = next_monday_or_same(ymd(year, month, day));
        out.push(Holiday {
            date,
            name,
            rule: HolidayRule::MovedToMonday,
        });
    }
    let easter = easter_sunday(year);
    for (offset, to_monday, name) in EASTER_BASED {
        let feast = easter + Duration::days(offset);
        let date = if to_monday {
            next_monday_or_same(feast)
        } else {
            feast
        };
        out.push(Holiday {
            date,
            name,
            rule: HolidayRule::EasterBased,
        });
    }
    out.sort_by(|a, b| (a.date, a.name).cmp(&(b.date, b.name)));
    out
}

/// One bit per day of year (ordinal0) for each covered year.
type YearBits = [u64; 6];

fn holiday_table() -> &'static [YearBits] {
    static TABLE: OnceLock<Vec<YearBits>> = OnceLock::new();
    TABLE.get_or_init(|| {
        (FIRST_YEAR..=LAST_YEAR)
            .map(|year| {
                let mut bits = [0u64; 6];
                for h in holidays_in_year(year) {
                    let i = h.date.ordinal0() as usize;
                    bits[i / 64] |= 1 << (i % 64);
                }
                bits
            })
            .collect()
    })
}

/// Whether `date` is a national public holiday (constant time after the first call).
pub fn is_public_holiday(date: NaiveDate) -> bool {
    if !(FIRST_YEAR..=LAST_YEAR).contains(&date.year()) {
        return false;
    }
    let bits = &holiday_table()[(date.year() - FIRST_YEAR) as usize];
    let i = date.ordinal0() as usize;
    bits[i / 64] & (1 << (i % 64)) != 0
}

/// Opening hours for one weekday, local time; `None` = closed. Minutes from
/// midnight, `open_minute < close_minute <= 1440`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayHours {
    pub open_minute: u32,
    pub close_minute: u32,
}

const MINUTES_PER_DAY: u32 = 24 * 60;

impl DayHours {
    fn is_valid(&self) -> bool {
        self.open_minute < self.close_minute && self.close_minute <= MINUTES_PER_DAY
    }
}

/// Weekly opening hours; index 0 = Monday .. 6 = Sunday.
#[derive(Debug, Clone, PartialEq)]
pub struct WeeklyHours {
    pub days: [Option<DayHours>; 7],
}

impl WeeklyHours {
    /// Mon–Fri 08:00–18:00, Sat 08:00–12:00, Sun closed.
    pub fn default_contact_center() -> Self {
        let weekday = Some(DayHours {
            open_minute: 8 * 60,
            close_minute: 18 * 60,
        });
        let saturday = Some(DayHours {
            open_minute: 8 * 60,
            close_minute: 12 * 60,
        });
        WeeklyHours {
            days: [weekday, weekday, weekday, weekday, weekday, saturday, None],
        }
    }

    fn for_weekday(&self, weekday: Weekday) -> Option<DayHours> {
        self.days[weekday.num_days_from_monday() as usize]
    }
}

/// Opening hours, holidays and institutional closures in `America/Bogota`.
#[derive(Debug, Clone)]
pub struct BusinessCalendar {
    hours: WeeklyHours,
    closures: BTreeSet<NaiveDate>,
    tz: Tz,
}

impl BusinessCalendar {
    /// # Panics
    /// If some day's hours break `open_minute < close_minute <= 1440`
    /// (a configuration error).
    pub fn new(hours: WeeklyHours, closures: impl IntoIterator<Item = NaiveDate>) -> Self {
        for (i, day) in hours.days.iter().enumerate() {
            if let Some(h) = day {
                assert!(
                    h.is_valid(),
                    "invalid opening hours for weekday index {i}: {h:?}"
                );
            }
        }
        BusinessCalendar {
            hours,
            closures: closures.into_iter().collect(),
            tz: chrono_tz::America::Bogota,
        }
    }

    fn is_closed_date(&self, date: NaiveDate) -> bool {
        is_public_holiday(date) || self.closures.contains(&date)
    }

    /// Hours in force on this local date, or `None` if closed all day.
    fn hours_on(&self, date: NaiveDate) -> Option<DayHours> {
        if self.is_closed_date(date) {
            return None;
        }
        self.hours.for_weekday(date.weekday())
    }

    /// Whether the place is open at all on this local date (has hours that
    /// weekday, not a public holiday, not a closure).
    pub fn is_open_day(&self, date: NaiveDate) -> bool {
        self.hours_on(date).is_some()
    }

    /// A business day for due dates: Monday–Friday, not a public holiday, not
    /// a closure (Saturday hours do not make Saturday a business day).
    pub fn is_business_day(&self, date: NaiveDate) -> bool {
        let weekend = matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
        !weekend && !self.is_closed_date(date)
    }

    /// The n-th business day strictly after `date` (n = 0 returns `date` itself).
    pub fn nth_business_day_after(&self, date: NaiveDate, n: u32) -> NaiveDate {
        let mut current = date;
        let mut remaining = n;
        while remaining > 0 {
            current = current.succ_opt().expect("date within chrono's range");
            if self.is_business_day(current) {
                remaining -= 1;
            }
        }
        current
    }

    /// Fractional minutes of overlap between `[from, to)` and opening hours
    /// (local time, holidays & closures closed). 0.0 when `to <= from`.
    /// Counted in whole microseconds, so it is exactly additive over
    /// adjacent intervals (up to the final division).
    pub fn business_minutes(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
        if to <= from {
            return 0.0;
        }
        // One local day of margin on each side: around a DST fold at
        // midnight the local date is not monotonic in UTC.
        let mut date = self.local_date(from).pred_opt().expect("date within range");
        let last = self.local_date(to).succ_opt().expect("date within range");
        let mut micros: i64 = 0;
        while date <= last {
            for (open, close) in self.open_intervals_utc(date).into_iter().flatten() {
                let (start, end) = (open.max(from), close.min(to));
                if end > start {
                    micros += (end - start)
                        .num_microseconds()
                        .expect("span fits in i64 µs");
                }
            }
            date = date.succ_opt().expect("date within range");
        }
        micros as f64 / 60e6
    }

    /// Local (America/Bogota) date of an instant.
    pub fn local_date(&self, t: DateTime<Utc>) -> NaiveDate {
        t.with_timezone(&self.tz).date_naive()
    }

    /// The UTC instants at which the local wall clock shows `date` within its
    /// opening hours: one interval, or two when a DST change falls inside.
    ///
    /// Bogota had DST once (1992-05-03 00:00 → 1993-02-06 24:00). Instead of
    /// resolving ambiguous or non-existent wall times, each UTC offset in
    /// force around the day contributes the instants whose wall time, under
    /// that offset, lies in `[open, close)`. A gap thus shortens the day and
    /// a fold counts the repeated wall times twice.
    fn open_intervals_utc(&self, date: NaiveDate) -> [Option<Interval>; 2] {
        let Some(hours) = self.hours_on(date) else {
            return [None, None];
        };
        let open = local_wall_time(date, hours.open_minute);
        let close = local_wall_time(date, hours.close_minute);
        // Wall time under offset `off` → UTC instant.
        let under = |off: Duration, wall: NaiveDateTime| (wall - off).and_utc();
        // UTC offsets are well under a day, so these probes lie outside the
        // instants that can show this day's wall times.
        let before = open.and_utc() - Duration::days(1);
        let after = close.and_utc() + Duration::days(1);
        let (off_before, off_after) = (self.utc_offset(before), self.utc_offset(after));
        if off_before == off_after {
            return [
                Some((under(off_before, open), under(off_before, close))),
                None,
            ];
        }
        let change = self.first_instant_with_offset(before, after, off_after);
        let clip = |(start, end): Interval| (end > start).then_some((start, end));
        let old = (
            under(off_before, open),
            under(off_before, close).min(change),
        );
        let new = (under(off_after, open).max(change), under(off_after, close));
        [clip(old), clip(new)]
    }

    /// Local time minus UTC at instant `t`.
    fn utc_offset(&self, t: DateTime<Utc>) -> Duration {
        let offset = self.tz.offset_from_utc_datetime(&t.naive_utc()).fix();
        Duration::seconds(i64::from(offset.local_minus_utc()))
    }

    /// Binary search over whole seconds (tz transitions fall on whole
    /// seconds) for the first instant in `(lo, hi]` whose offset is `target`;
    /// `hi` must have it and the window must hold a single transition.
    fn first_instant_with_offset(
        &self,
        lo: DateTime<Utc>,
        hi: DateTime<Utc>,
        target: Duration,
    ) -> DateTime<Utc> {
        let at = |secs: i64| DateTime::from_timestamp(secs, 0).expect("in chrono's range");
        let (mut lo, mut hi) = (lo.timestamp(), hi.timestamp());
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if self.utc_offset(at(mid)) == target {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        at(hi)
    }
}

/// A half-open UTC interval `[start, end)`.
type Interval = (DateTime<Utc>, DateTime<Utc>);

/// `date` at `minute` minutes after local midnight (1440 = next midnight).
fn local_wall_time(date: NaiveDate, minute: u32) -> NaiveDateTime {
    date.and_time(NaiveTime::MIN) + Duration::minutes(i64::from(minute))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    /// UTC instant of a Bogota wall time (UTC−5 outside 1992–93).
    fn bog(y: i32, m: u32, day: u32, h: u32, min: u32) -> DateTime<Utc> {
        chrono_tz::America::Bogota
            .with_ymd_and_hms(y, m, day, h, min, 0)
            .single()
            .unwrap()
            .with_timezone(&Utc)
    }

    fn default_calendar() -> BusinessCalendar {
        BusinessCalendar::new(WeeklyHours::default_contact_center(), [])
    }

    fn dates(year: i32) -> Vec<(NaiveDate, &'static str)> {
        holidays_in_year(year)
            .into_iter()
            .map(|h| (h.date, h.name))
            .collect()
    }

    #[test]
    fn easter_known_years() {
        assert_eq!(easter_sunday(2024), d(2024, 3, 31));
        assert_eq!(easter_sunday(2025), d(2025, 4, 20));
        assert_eq!(easter_sunday(2026), d(2026, 4, 5));
        assert_eq!(easter_sunday(2027), d(2027, 3, 28));
        assert_eq!(easter_sunday(2038), d(2038, 4, 25));
        assert_eq!(easter_sunday(2008), d(2008, 3, 23));
        assert_eq!(easter_sunday(2285), d(2285, 3, 22)); // earliest possible
        for year in FIRST_YEAR..=LAST_YEAR {
            assert_eq!(easter_sunday(year).weekday(), Weekday::Sun, "{year}");
        }
    }

    #[test]
    fn next_monday_moves_forward_only() {
        assert_eq!(next_monday_or_same(d(2026, 1, 12)), d(2026, 1, 12)); // Monday stays
        assert_eq!(next_monday_or_same(d(2026, 1, 6)), d(2026, 1, 12)); // Tuesday
        assert_eq!(next_monday_or_same(d(2025, 1, 5)), d(2025, 1, 6)); // Sunday
        assert_eq!(next_monday_or_same(d(2026, 12, 29)), d(2027, 1, 4)); // across year end
    }

    #[test]
    fn holidays_2025() {
        let expected = vec![
            (d(2025, 1, 1), "Año Nuevo"),
            (d(2025, 1, 6), "Día de los Reyes Magos"),
            (d(2025, 3, 24), "Día de San José"),
            (d(2025, 4, 17), "Jueves Santo"),
            (d(2025, 4, 18), "Viernes Santo"),
            (d(2025, 5, 1), "Día del Trabajo"),
            (d(2025, 6, 2), "Ascensión del Señor"),
            (d(2025, 6, 23), "Corpus Christi"),
            (d(2025, 6, 30), "Sagrado Corazón de Jesús"),
            (d(2025, 6, 30), "San Pedro y San Pablo"),
            (d(2025, 7, 20), "Día de la Independencia"),
            (d(2025, 8, 7), "Batalla de Boyacá"),
            (d(2025, 8, 18), "Asunción de la Virgen"),
            (d(2025, 10, 13), "Día de la Raza"),
            (d(2025, 11, 3), "Día de Todos los Santos"),
            (d(2025, 11, 17), "Independencia de Cartagena"),
            (d(2025, 12, 8), "Inmaculada Concepción"),
            (d(2025, 12, 25), "Navidad"),
        ];
        assert_eq!(dates(2025), expected);
    }

    #[test]
    fn holidays_2026_include_chiquinquira() {
        let expected = vec![
            (d(2026, 1, 1), "Año Nuevo"),
            (d(2026, 1, 12), "Día de los Reyes Magos"),
            (d(2026, 3, 23), "Día de San José"),
            (d(2026, 4, 2), "Jueves Santo"),
            (d(2026, 4, 3), "Viernes Santo"),
            (d(2026, 5, 1), "Día del Trabajo"),
            (d(2026, 5, 18), "Ascensión del Señor"),
            (d(2026, 6, 8), "Corpus Christi"),
            (d(2026, 6, 15), "Sagrado Corazón de Jesús"),
            (d(2026, 6, 29), "San Pedro y San Pablo"),
            (
                d(2026, 7, 13),
                "Día de Nuestra Señora del Rosario de Chiquinquirá",
            ),
            (d(2026, 7, 20), "Día de la Independencia"),
            (d(2026, 8, 7), "Batalla de Boyacá"),
            (d(2026, 8, 17), "Asunción de la Virgen"),
            (d(2026, 10, 12), "Día de la Raza"),
            (d(2026, 11, 2), "Día de Todos los Santos"),
            (d(2026, 11, 16), "Independencia de Cartagena"),
            (d(2026, 12, 8), "Inmaculada Concepción"),
            (d(2026, 12, 25), "Navidad"),
        ];
        assert_eq!(dates(2026), expected);
    }

    #[test]
    fn holidays_2027() {
        let expected = vec![
            (d(2027, 1, 1), "Año Nuevo"),
            (d(2027, 1, 11), "Día de los Reyes Magos"),
            (d(2027, 3, 22), "Día de San José"),
            (d(2027, 3, 25), "Jueves Santo"),
            (d(2027, 3, 26), "Viernes Santo"),
            (d(2027, 5, 1), "Día del Trabajo"),
            (d(2027, 5, 10), "Ascensión del Señor"),
            (d(2027, 5, 31), "Corpus Christi"),
            (d(2027, 6, 7), "Sagrado Corazón de Jesús"),
            (d(2027, 7, 5), "San Pedro y San Pablo"),
            (
                d(2027, 7, 12),
                "Día de Nuestra Señora del Rosario de Chiquinquirá",
            ),
            (d(2027, 7, 20), "Día de la Independencia"),
            (d(2027, 8, 7), "Batalla de Boyacá"),
            (d(2027, 8, 16), "Asunción de la Virgen"),
            (d(2027, 10, 18), "Día de la Raza"),
            (d(2027, 11, 1), "Día de Todos los Santos"),
            (d(2027, 11, 15), "Independencia de Cartagena"),
            (d(2027, 12, 8), "Inmaculada Concepción"),
            (d(2027, 12, 25), "Navidad"),
        ];
        assert_eq!(dates(2027), expected);
    }

    #[test]
    fn rules_and_codes() {
        let by_name = |year, name| {
            holidays_in_year(year)
                .into_iter()
                .find(|h| h.name == name)
                .unwrap()
        };
        assert_eq!(by_name(2026, "Navidad").rule, HolidayRule::Fixed);
        assert_eq!(
            by_name(2026, "Día de la Raza").rule,
            HolidayRule::MovedToMonday
        );
        assert_eq!(
            by_name(2026, "Corpus Christi").rule,
            HolidayRule::EasterBased
        );
        assert_eq!(HolidayRule::Fixed.code(), "fixed");
        assert_eq!(HolidayRule::MovedToMonday.code(), "moved_to_monday");
        assert_eq!(HolidayRule::EasterBased.code(), "easter_based");
        // The Monday-moved Easter feasts are at the offsets usually quoted.
        for year in FIRST_YEAR..=LAST_YEAR {
            let easter = easter_sunday(year);
            let at = |name| by_name(year, name).date - easter;
            assert_eq!(at("Ascensión del Señor"), Duration::days(43));
            assert_eq!(at("Corpus Christi"), Duration::days(64));
            assert_eq!(at("Sagrado Corazón de Jesús"), Duration::days(71));
        }
    }

    #[test]
    fn chiquinquira_only_from_2026() {
        let has = |year| dates(year).iter().any(|(_, n)| n.contains("Chiquinquirá"));
        assert!(!has(2025));
        assert!(has(2026));
        assert!(!is_public_holiday(d(2025, 7, 14)));
        assert!(is_public_holiday(d(2029, 7, 9))); // already a Monday
        assert_eq!(holidays_in_year(2025).len(), 18);
        assert_eq!(holidays_in_year(2026).len(), 19);
    }

    #[test]
    fn lists_sorted_and_out_of_range_empty() {
        for year in FIRST_YEAR..=LAST_YEAR {
            let list = holidays_in_year(year);
            assert!(list
                .windows(2)
                .all(|w| (w[0].date, w[0].name) <= (w[1].date, w[1].name)));
            assert!(list
                .iter()
                .all(|h| h.date.year() == year && is_public_holiday(h.date)));
        }
        assert!(holidays_in_year(1983).is_empty());
        assert!(holidays_in_year(2101).is_empty());
        assert!(!is_public_holiday(d(1983, 12, 25)));
        assert!(!is_public_holiday(d(2101, 1, 1)));
        assert!(is_public_holiday(d(2100, 12, 25)));
        assert!(!is_public_holiday(d(2026, 1, 6))); // Reyes Magos moved to the 12th
    }

    #[test]
    fn holidays_match_python_oracle() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/holidays_co.csv"
        );
        let text = std::fs::read_to_string(path).expect("fixture from scripts/holidays_oracle.py");
        // date -> names of the holidays on that date, for the oracle and for us.
        let mut oracle: BTreeMap<NaiveDate, Vec<String>> = BTreeMap::new();
        for line in text
            .lines()
            .filter(|l| !l.starts_with('#') && *l != "date,name")
        {
            let (date, name) = line.split_once(',').expect("date,name");
            let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").expect("ISO date");
            oracle
                .entry(date)
                .or_default()
                .push(name.trim_matches('"').to_string());
        }
        let mut ours: BTreeMap<NaiveDate, Vec<String>> = BTreeMap::new();
        for year in FIRST_YEAR..=LAST_YEAR {
            for h in holidays_in_year(year) {
                ours.entry(h.date).or_default().push(h.name.to_string());
            }
        }
        let all_dates: BTreeSet<NaiveDate> = oracle.keys().chain(ours.keys()).copied().collect();
        let mut diffs = Vec::new();
        for date in all_dates {
            let (o, u) = (oracle.get(&date), ours.get(&date));
            let count = |v: Option<&Vec<String>>| v.map_or(0, Vec::len);
            if count(o) != count(u) {
                diffs.push(format!(
                    "{} {date}: oracle {:?} vs ours {:?}",
                    date.year(),
                    o.cloned().unwrap_or_default(),
                    u.cloned().unwrap_or_default()
                ));
            }
        }
        let years: BTreeSet<i32> = oracle.keys().map(|d| d.year()).collect();
        assert_eq!(
            years,
            (FIRST_YEAR..=LAST_YEAR).collect(),
            "oracle covers every year"
        );
        assert!(
            diffs.is_empty(),
            "{} differences:\n{}",
            diffs.len(),
            diffs.join("\n")
        );
    }

    #[test]
    fn open_and_business_days() {
        let cal = BusinessCalendar::new(WeeklyHours::default_contact_center(), [d(2026, 12, 24)]);
        assert!(cal.is_open_day(d(2026, 1, 10))); // Saturday morning
        assert!(!cal.is_business_day(d(2026, 1, 10)));
        assert!(!cal.is_open_day(d(2026, 1, 11))); // Sunday
        assert!(!cal.is_open_day(d(2026, 1, 12))); // Reyes Magos
        assert!(!cal.is_business_day(d(2026, 1, 12)));
        assert!(!cal.is_open_day(d(2026, 12, 24))); // institutional closure
        assert!(!cal.is_business_day(d(2026, 12, 24)));
        assert!(cal.is_business_day(d(2026, 12, 23)));
    }

    #[test]
    fn nth_business_day_after_skips_holidays_and_year_end() {
        let cal = default_calendar();
        assert_eq!(
            cal.nth_business_day_after(d(2026, 1, 10), 0),
            d(2026, 1, 10)
        );
        // Fri 9 Jan → Mon 12 is Reyes Magos → Tue 13.
        assert_eq!(cal.nth_business_day_after(d(2026, 1, 9), 1), d(2026, 1, 13));
        // Wed 24 Dec 2025: 25 Navidad, 26 Fri, 29 Mon, 30, 31, 1 Jan holiday, 2 Fri.
        assert_eq!(
            cal.nth_business_day_after(d(2025, 12, 24), 1),
            d(2025, 12, 26)
        );
        assert_eq!(
            cal.nth_business_day_after(d(2025, 12, 24), 5),
            d(2026, 1, 2)
        );
        // Holy week 2026: Thu 2 / Fri 3 April are holidays.
        assert_eq!(cal.nth_business_day_after(d(2026, 4, 1), 1), d(2026, 4, 6));
        let closed = BusinessCalendar::new(WeeklyHours::default_contact_center(), [d(2026, 1, 2)]);
        assert_eq!(
            closed.nth_business_day_after(d(2025, 12, 31), 1),
            d(2026, 1, 5)
        );
    }

    #[test]
    fn business_minutes_edges() {
        let cal = default_calendar();
        // Tuesday 2026-01-13, open 08:00–18:00.
        assert_eq!(
            cal.business_minutes(bog(2026, 1, 13, 6, 0), bog(2026, 1, 13, 8, 0)),
            0.0
        );
        assert_eq!(
            cal.business_minutes(bog(2026, 1, 13, 6, 0), bog(2026, 1, 13, 9, 0)),
            60.0
        );
        assert_eq!(
            cal.business_minutes(bog(2026, 1, 13, 17, 30), bog(2026, 1, 13, 22, 0)),
            30.0
        );
        assert_eq!(
            cal.business_minutes(bog(2026, 1, 13, 18, 0), bog(2026, 1, 13, 23, 0)),
            0.0
        );
        assert_eq!(
            cal.business_minutes(bog(2026, 1, 13, 0, 0), bog(2026, 1, 14, 0, 0)),
            600.0
        );
        // Zero-length and reversed.
        let t = bog(2026, 1, 13, 10, 0);
        assert_eq!(cal.business_minutes(t, t), 0.0);
        assert_eq!(cal.business_minutes(t, bog(2026, 1, 13, 9, 0)), 0.0);
        // Saturday morning counts (Sat 2026-01-17 08:00–12:00).
        assert_eq!(
            cal.business_minutes(bog(2026, 1, 17, 7, 0), bog(2026, 1, 17, 13, 0)),
            240.0
        );
        // Fri 17:00 → Tue 09:00 across a normal weekend (Jan 23–27 2026):
        // 60 (Fri) + 240 (Sat) + 0 (Sun) + 600 (Mon) + 60 (Tue).
        assert_eq!(
            cal.business_minutes(bog(2026, 1, 23, 17, 0), bog(2026, 1, 27, 9, 0)),
            960.0
        );
        // Same around Reyes Magos (Mon 2026-01-12 closed): 60 + 240 + 0 + 0 + 60.
        assert_eq!(
            cal.business_minutes(bog(2026, 1, 9, 17, 0), bog(2026, 1, 13, 9, 0)),
            360.0
        );
        // 31 Dec 2025 (Wed) 17:00 → 2 Jan 2026 (Fri) 09:00: 60 + 0 (Año Nuevo) + 60.
        assert_eq!(
            cal.business_minutes(bog(2025, 12, 31, 17, 0), bog(2026, 1, 2, 9, 0)),
            120.0
        );
        // Sub-minute precision: 90 s and 1 µs.
        let start = bog(2026, 1, 13, 10, 0);
        assert_eq!(
            cal.business_minutes(start, start + Duration::seconds(90)),
            1.5
        );
        let micro = cal.business_minutes(start, start + Duration::microseconds(1));
        assert!((micro - 1.0 / 60e6).abs() < 1e-15);
        // A whole ordinary week (Mon 2026-02-02 .. Mon 2026-02-09): 5×600 + 240.
        assert_eq!(
            cal.business_minutes(bog(2026, 2, 2, 0, 0), bog(2026, 2, 9, 0, 0)),
            3240.0
        );
    }

    #[test]
    fn business_minutes_long_span_counts_days() {
        let cal = default_calendar();
        let mut expected = 0.0;
        let mut day = d(2020, 1, 1);
        while day < d(2030, 1, 1) {
            if let Some(h) = cal.hours_on(day) {
                expected += f64::from(h.close_minute - h.open_minute);
            }
            day = day.succ_opt().unwrap();
        }
        let got = cal.business_minutes(bog(2020, 1, 1, 0, 0), bog(2030, 1, 1, 0, 0));
        assert_eq!(got, expected);
    }

    #[test]
    fn local_date_uses_bogota_time() {
        let cal = default_calendar();
        let t = DateTime::parse_from_rfc3339("2026-01-01T03:00:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(cal.local_date(t), d(2025, 12, 31));
        // During 1992 DST Bogota was UTC−4.
        let t = DateTime::parse_from_rfc3339("1992-06-01T04:30:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(cal.local_date(t), d(1992, 6, 1));
    }

    /// Hours near midnight, to exercise the 1992 DST gap (Sun 1992-05-03
    /// 00:00 UTC−5 → 01:00 UTC−4, at 05:00Z) and the 1993 fold (Sat
    /// 1993-02-06 24:00 UTC−4 → 23:00 UTC−5, at 04:00Z).
    fn odd_hours_calendar() -> BusinessCalendar {
        let h = |open_minute, close_minute| {
            Some(DayHours {
                open_minute,
                close_minute,
            })
        };
        let hours = WeeklyHours {
            // Saturday 20:00–23:30 closes inside the 1993 fold.
            days: [
                h(0, 1440),
                h(450, 1155),
                None,
                h(1320, 1440),
                h(0, 90),
                h(1200, 1410),
                h(0, 180),
            ],
        };
        BusinessCalendar::new(hours, [d(2026, 1, 2), d(1992, 5, 5)])
    }

    /// Every day 23:15–24:00: opens inside the 1993 fold, closes at the 1992 gap.
    fn late_calendar() -> BusinessCalendar {
        let late = Some(DayHours {
            open_minute: 23 * 60 + 15,
            close_minute: 1440,
        });
        BusinessCalendar::new(WeeklyHours { days: [late; 7] }, [])
    }

    #[test]
    fn dst_gap_and_fold() {
        let utc = |s| DateTime::parse_from_rfc3339(s).unwrap().to_utc();
        let odd = odd_hours_calendar();
        let late = late_calendar();
        // Gap: Sun 1992-05-03 00:00–03:00 lasted 2 h (00:00–01:00 never existed).
        assert_eq!(
            odd.business_minutes(utc("1992-05-03T04:30:00Z"), utc("1992-05-03T12:00:00Z")),
            120.0
        );
        // Sat 1992-05-02 23:15–24:00 (UTC−5) ends where the gap starts.
        assert_eq!(
            late.business_minutes(utc("1992-05-03T00:00:00Z"), utc("1992-05-03T12:00:00Z")),
            45.0
        );
        // Sun 1992-05-03 23:15–24:00 is already UTC−4: 03:15Z–04:00Z on the 4th.
        assert_eq!(
            late.business_minutes(utc("1992-05-04T03:15:00Z"), utc("1992-05-04T04:00:00Z")),
            45.0
        );
        // Fold: Sat 1993-02-06 20:00–23:30 = 00:00Z–03:30Z, plus the repeated
        // 23:00–23:30 (UTC−5) = 04:00Z–04:30Z; then Sun 00:00–03:00 = 05:00Z–08:00Z.
        assert_eq!(
            odd.business_minutes(utc("1993-02-06T20:00:00Z"), utc("1993-02-07T08:00:00Z")),
            240.0 + 180.0
        );
        assert_eq!(
            odd.business_minutes(utc("1993-02-07T03:30:00Z"), utc("1993-02-07T04:00:00Z")),
            0.0
        );
        // Sat 1993-02-06 23:15–24:00 happened twice: 03:15Z–04:00Z and 04:15Z–05:00Z.
        assert_eq!(
            late.business_minutes(utc("1993-02-07T00:00:00Z"), utc("1993-02-07T06:00:00Z")),
            90.0
        );
        assert_eq!(
            late.business_minutes(utc("1993-02-07T04:00:00Z"), utc("1993-02-07T04:15:00Z")),
            0.0
        );
    }

    /// Reference: walk [from, to) in pieces that never straddle a whole
    /// second, and count a piece when its start is within opening hours.
    fn reference_minutes(cal: &BusinessCalendar, from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
        use chrono::{DurationRound, Timelike};
        let mut micros: i64 = 0;
        let mut t = from;
        while t < to {
            let next_second =
                t.duration_trunc(Duration::seconds(1)).unwrap() + Duration::seconds(1);
            let end = next_second.min(to);
            let local = t.with_timezone(&chrono_tz::America::Bogota);
            if let Some(h) = cal.hours_on(local.date_naive()) {
                let second = local.num_seconds_from_midnight();
                if h.open_minute * 60 <= second && second < h.close_minute * 60 {
                    micros += (end - t).num_microseconds().unwrap();
                }
            }
            t = end;
        }
        micros as f64 / 60e6
    }

    /// Instants around interesting dates, at microsecond resolution.
    fn instant() -> impl Strategy<Value = DateTime<Utc>> {
        let anchors = [
            bog(2026, 1, 8, 0, 0),   // Reyes Magos weekend
            bog(2025, 12, 30, 0, 0), // year end
            bog(2026, 3, 30, 0, 0),  // Holy week
            bog(2026, 7, 10, 0, 0),  // Chiquinquirá
            bog(2024, 2, 27, 0, 0),  // leap day
            bog(1992, 5, 1, 0, 0),   // DST gap
            bog(1993, 2, 5, 0, 0),   // DST fold
        ];
        (0..anchors.len(), 0i64..5 * 86_400_000_000)
            .prop_map(move |(i, us)| anchors[i] + Duration::microseconds(us))
    }

    fn calendars() -> [BusinessCalendar; 3] {
        [default_calendar(), odd_hours_calendar(), late_calendar()]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn business_minutes_is_additive(a in instant(), b in instant(), c in instant()) {
            let mut v = [a, b, c];
            v.sort();
            let [a, b, c] = v;
            for cal in calendars() {
                let whole = cal.business_minutes(a, c);
                let parts = cal.business_minutes(a, b) + cal.business_minutes(b, c);
                prop_assert!((whole - parts).abs() < 1e-6, "{whole} vs {parts}");
                prop_assert_eq!(cal.business_minutes(c, a), 0.0);
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        #[test]
        fn business_minutes_matches_reference(
            from in instant(),
            len_us in 0i64..30 * 3_600_000_000,
        ) {
            let to = from + Duration::microseconds(len_us);
            for cal in calendars() {
                let fast = cal.business_minutes(from, to);
                let slow = reference_minutes(&cal, from, to);
                prop_assert!((fast - slow).abs() < 1e-6, "{from}..{to}: {fast} vs {slow}");
            }
        }
    }
}
