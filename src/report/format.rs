//! Number and date formats for people. The report is Colombian: decimal comma, thousands
//! with '.', months in Spanish ("octubre de 2026"); the CLI formats numbers in the language
//! the person chose (`int_in`, `num_in`; English: "1,234.5").

use chrono::{Datelike, NaiveDate};

use crate::i18n::Lang;

const MONTHS: [&str; 12] = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
];

/// The thousands separator and the decimal mark of a language.
fn marks(lang: Lang) -> (char, char) {
    match lang {
        Lang::Es => ('.', ','),
        Lang::En => (',', '.'),
    }
}

/// Groups the digits of a non-negative integer (1234567 → "1.234.567" with '.').
fn group(digits: &str, separator: char) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(separator);
        }
        out.push(c);
    }
    out
}

/// An integer in Colombian style: 12345 → "12.345", -1200 → "-1.200".
pub fn int(n: i64) -> String {
    int_in(Lang::Es, n)
}

/// An integer in `lang`'s style: 12345 → "12.345" (es), "12,345" (en).
pub fn int_in(lang: Lang, n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let grouped = group(&digits, marks(lang).0);
    if n < 0 {
        format!("-{grouped}")
    } else {
        grouped
    }
}

/// "1 mes", "3 meses": a count with its noun in the right number.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{} {}", int(n as i64), if n == 1 { one } else { many })
}

/// A number with `decimals` places in Colombian style: 1234.5 → "1.234,5". NaN and
/// infinities print "–".
pub fn num(x: f64, decimals: usize) -> String {
    num_in(Lang::Es, x, decimals)
}

/// A number with `decimals` places in `lang`'s style: 1234.5 → "1.234,5" (es),
/// "1,234.5" (en).
pub fn num_in(lang: Lang, x: f64, decimals: usize) -> String {
    let (thousands, decimal_mark) = marks(lang);
    if !x.is_finite() {
        return "–".into();
    }
    // Half away from zero, as people round (format! rounds ties to even).
    let f = 10f64.powi(decimals as i32);
    let s = format!("{:.*}", decimals, (x.abs() * f).round() / f);
    let (whole, frac) = match s.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (s.as_str(), None),
    };
    // "-0,0" reads oddly: a value that rounds to zero has no sign.
    let negative = x < 0.0 && s.chars().any(|c| c.is_ascii_digit() && c != '0');
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    out.push_str(&group(whole, thousands));
    if let Some(f) = frac {
        out.push(decimal_mark);
        out.push_str(f);
    }
    out
}

/// A score 0–100 with one decimal ("78,4"); `None` prints "–".
pub fn score(x: Option<f64>) -> String {
    x.map_or_else(|| "–".into(), |v| num(v, 1))
}

/// A percentage with one decimal ("78,4 %").
pub fn pct(x: Option<f64>) -> String {
    x.map_or_else(|| "–".into(), |v| format!("{} %", num(v, 1)))
}

/// A p-value: "0,003", or "< 0,001".
pub fn p_value(p: Option<f64>) -> String {
    match p {
        None => "–".into(),
        Some(p) if p < 0.001 => "< 0,001".into(),
        Some(p) => num(p, 3),
    }
}

/// `2026-10` → "octubre de 2026" (the input as given when it is not a period).
pub fn period(p: &str) -> String {
    match parse_period(p) {
        Some((y, m)) => format!("{} de {y}", MONTHS[m as usize - 1]),
        None => p.to_string(),
    }
}

/// `2026-10` → "oct. 2026", for chart axes.
pub fn period_short(p: &str) -> String {
    match parse_period(p) {
        Some((y, m)) => format!("{}. {}", &MONTHS[m as usize - 1][..3], y % 100),
        None => p.to_string(),
    }
}

/// `2026-09` → "sep. 2026", for titles (the whole year: a title may be read years later).
pub fn period_abbr(p: &str) -> String {
    match parse_period(p) {
        Some((y, m)) => format!("{}. {y}", &MONTHS[m as usize - 1][..3]),
        None => p.to_string(),
    }
}

/// `(year, month)` of a `YYYY-MM` period.
pub fn parse_period(p: &str) -> Option<(i32, u32)> {
    let (y, m) = p.split_once('-')?;
    let y: i32 = y.parse().ok()?;
    let m: u32 = m.parse().ok()?;
    (p.len() == 7 && (1..=12).contains(&m)).then_some((y, m))
}

/// A date: "5 de octubre de 2026".
pub fn date(d: NaiveDate) -> String {
    format!(
        "{} de {} de {}",
        d.day(),
        MONTHS[d.month0() as usize],
        d.year()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colombian_numbers() {
        assert_eq!(int(0), "0");
        assert_eq!(int(999), "999");
        assert_eq!(int(1000), "1.000");
        assert_eq!(int(1234567), "1.234.567");
        assert_eq!(int(-1200), "-1.200");
        assert_eq!(num(1234.56, 1), "1.234,6");
        assert_eq!(num(78.44, 1), "78,4");
        assert_eq!(num(-0.04, 1), "0,0");
        assert_eq!(num(-12.5, 1), "-12,5");
        assert_eq!(num(100.0, 0), "100");
        assert_eq!(num(f64::NAN, 1), "–");
        assert_eq!(pct(Some(87.25)), "87,3 %");
        assert_eq!(score(None), "–");
        assert_eq!(p_value(Some(0.0004)), "< 0,001");
        assert_eq!(p_value(Some(0.0312)), "0,031");
    }

    #[test]
    fn english_numbers() {
        assert_eq!(int_in(Lang::En, 1234567), "1,234,567");
        assert_eq!(num_in(Lang::En, 1234.56, 1), "1,234.6");
        assert_eq!(num_in(Lang::En, -0.04, 1), "0.0");
        assert_eq!(num_in(Lang::Es, 1234.56, 2), "1.234,56");
    }

    #[test]
    fn spanish_dates() {
        assert_eq!(period("2026-10"), "octubre de 2026");
        assert_eq!(period("2027-01"), "enero de 2027");
        assert_eq!(period("nope"), "nope");
        assert_eq!(period_short("2026-09"), "sep. 26");
        assert_eq!(period_abbr("2026-09"), "sep. 2026");
        let d = NaiveDate::from_ymd_opt(2026, 11, 5).unwrap();
        assert_eq!(date(d), "5 de noviembre de 2026");
    }
}
