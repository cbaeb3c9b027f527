//! Redaction of identifiers in free text (notes, comments).
//!
//! Emails become `[correo]`, phone numbers `[telefono]` and document numbers
//! `[documento]`. Only ASCII digits `0-9` are considered digits.
//!
//! # How text is scanned
//! * **Prefilter**: a text with no `@` and fewer than 6 ASCII digits is returned
//!   as is (no regex runs; this is most notes). Nothing shorter than 6 digits is
//!   ever redacted, except emails.
//! * One regex (compiled once) finds, leftmost first:
//!   1. **emails**: `[\w.%+-]+@[\w-]+(\.[\w-]+)*` — a domain without a dot
//!      (`ana@gmail`) is still redacted; an `@` with nothing word-like on either
//!      side (`@usuario`, `a @ b`) is not;
//!   2. **passports**: `pasaporte`/`passport`, optional `No.`, then 1–3 letters
//!      and 6+ digits (`pasaporte AB123456`); the cue word is kept;
//!   3. **number spans**: a maximal run of digit groups joined by 1–3 of
//!      space, tab, no-break space, `.`, `-`, `(`, `)`, optionally led by `+`/`(`.
//!      `/`, `:`, `,` and newlines end a span, so `12/10/2026`, `10:30` and
//!      `4,5` are split into small pieces that are never redacted.
//! * Each number span is split into digit groups and the best segmentation into
//!   identifiers is chosen (most digits covered), so `el 15 300 123 4567` becomes
//!   `el 15 [telefono]` and two phones separated by a space are both found.
//!
//! # What a segment of consecutive groups is
//! Phones (`[telefono]`, or `[documento]` after a document cue):
//! * 10 digits starting with `3` (mobile) or `60` (landline, new national format),
//!   in any grouping: `300 123 4567`, `300-123-45-67`, `(604) 444 0555`, `3001234567`;
//! * the same preceded by `57` / `0057` (also `+57`, `(57)`, `(+57)`): 12 or 14 digits;
//! * toll-free: 11–12 digits starting `01800`: `01 8000 423 869`, `018000423869`;
//! * old local numbers, exactly 7 digits grouped 7, 3-4 or 3-2-2: `4440555`,
//!   `444 0555`, `444-05-55`, optionally after an area code in parentheses
//!   `(4) 444 0555`.
//!
//! Documents (`[documento]`):
//! * thousands-grouped numbers with at least two separators, all `.` or all
//!   spaces, 7–10 digits: `1.017.234.567`, `43.123.456`, `1 017 234 567`;
//! * a single run of 8–10 digits (`1017234567`, `43123456`), including dates
//!   written without separators (`20261012`) — a deliberate false positive;
//! * after a **cue** (the words just before the span): `CC`, `C.C.`, `cédula`,
//!   `ciudadanía`, `documento`, `doc`, `TI`, `T.I.`, `CE`, `C.E.`, `NIT`,
//!   `pasaporte`, `identificación`, `identidad`, `extranjería`, `id` — optionally
//!   followed by `No.`, `Nro.`, `número`, `N°`, `#`, `:` — any 6–11 digits
//!   (11: old tarjeta de identidad):
//!   `CC 123456`, `cédula de ciudadanía No. 71.234.567`;
//! * any of the above may end in a NIT check digit `-d`: `NIT 890.984.002-6`.
//!
//! # What is kept on purpose
//! * **money**: a segment preceded by `$` or the word `COP`, or followed by
//!   `pesos`, `peso`, `COP`, `mcte` (optionally after `de`): `$ 4.500.000`,
//!   `4.500.000 de pesos`. Without such a mark `4.500.000` is redacted as a
//!   document (it is shaped exactly like a cédula) and `4500000` as a phone;
//! * **percentages**: a segment followed by `%` (itself followed by the end,
//!   a space or `,;:)!?`);
//! * **dates and times**: `12/10/2026`, `2026-10-12`, `12-10-2026`, `12.10.2026`,
//!   `10:30` (their digit groups match no shape);
//! * **ids and codes**: digits glued to letters by nothing, `-` or `_`
//!   (`INT-2026-0000233`, `R_1017234567`, `caso4440555`) are part of a code: inside
//!   one only an unmistakable phone (10 national digits, with `57`/`0057`, or
//!   `01800`: `WA-3001234567` → `WA-[telefono]`) or a document right after its
//!   cue (`CC1017234567`) is redacted; a 7-digit local number or a bare 8–10
//!   digit run inside a code is kept;
//! * **small numbers and short codes**: anything under 6 digits (`semestre 3`,
//!   `2 horas`, `código SNIES 1234`), 6-digit numbers without a cue, numbers of
//!   11+ digits that are not phones (case or ticket numbers), and groupings
//!   matching no shape (`2024 2025`).
//!
//! Limitations: digits written in words or non-ASCII digits, emails obfuscated
//! as `ana arroba gmail punto com`, 6-digit documents without a cue and
//! numbers glued to longer digit runs are not redacted.
//!
//! [`redact`] is idempotent, and `contains_identifier(&redact(x))` is false.

use std::borrow::Cow;
use std::sync::OnceLock;

use regex::Regex;

use super::pseudonym::is_national_number;

/// Replacement for an email.
pub const EMAIL_TOKEN: &str = "[correo]";
/// Replacement for a phone number.
pub const PHONE_TOKEN: &str = "[telefono]";
/// Replacement for a document number.
pub const DOCUMENT_TOKEN: &str = "[documento]";

const EMAIL: &str = r"[\w.%+\-]+@[\w\-]+(?:\.[\w\-]+)*";
const PASSPORT: &str = r"(?i:pasaporte|passport)[\s:.#°º]*(?i:n[oº°]\.?\s*)?[A-Za-z]{1,3}[0-9]{6,}";
const NUMBER: &str = r"[+(]{0,2}[0-9]+(?:[ \t\x{a0}.\-()]{1,3}[0-9]+)*";

/// Maximum number of digit groups in one identifier segment.
const MAX_GROUPS: usize = 6;
/// Maximum number of digits in one identifier segment (`0057` + 10).
const MAX_DIGITS: usize = 14;

struct Regexes {
    /// emails, passports and number spans (used when the text has an `@`).
    all: Regex,
    /// passports and number spans.
    numbers: Regex,
    /// an email anchored at the start of the haystack.
    email_at: Regex,
}

fn regexes() -> &'static Regexes {
    static RE: OnceLock<Regexes> = OnceLock::new();
    RE.get_or_init(|| Regexes {
        all: Regex::new(&format!("{EMAIL}|{PASSPORT}|{NUMBER}")).expect("valid regex"),
        numbers: Regex::new(&format!("{PASSPORT}|{NUMBER}")).expect("valid regex"),
        email_at: Regex::new(&format!("^(?:{EMAIL})")).expect("valid regex"),
    })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Email,
    Phone,
    Document,
}

impl Kind {
    fn token(self) -> &'static str {
        match self {
            Kind::Email => EMAIL_TOKEN,
            Kind::Phone => PHONE_TOKEN,
            Kind::Document => DOCUMENT_TOKEN,
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Hit {
    start: usize,
    end: usize,
    kind: Kind,
}

/// Returns the text with identifiers replaced; `Cow::Borrowed` when nothing
/// changed (no allocation on the common path).
pub fn redact(text: &str) -> Cow<'_, str> {
    let Some(re) = pick_regex(text) else {
        return Cow::Borrowed(text);
    };
    let mut out: Option<String> = None;
    let mut last = 0;
    scan(text, re, &mut |hit| {
        let o = out.get_or_insert_with(|| String::with_capacity(text.len()));
        o.push_str(&text[last..hit.start]);
        o.push_str(hit.kind.token());
        last = hit.end;
        true
    });
    match out {
        None => Cow::Borrowed(text),
        Some(mut o) => {
            o.push_str(&text[last..]);
            Cow::Owned(o)
        }
    }
}

/// True when the text still contains something that looks like an email,
/// phone or document (exactly what [`redact`] would replace).
pub fn contains_identifier(text: &str) -> bool {
    let Some(re) = pick_regex(text) else {
        return false;
    };
    let mut found = false;
    scan(text, re, &mut |_| {
        found = true;
        false
    });
    found
}

/// The prefilter: `None` when the text cannot hold an identifier.
fn pick_regex(text: &str) -> Option<&'static Regex> {
    let bytes = text.as_bytes();
    if bytes.contains(&b'@') {
        return Some(&regexes().all);
    }
    let mut digits = 0;
    for &b in bytes {
        if b.is_ascii_digit() {
            digits += 1;
            if digits >= 6 {
                return Some(&regexes().numbers);
            }
        }
    }
    None
}

/// Calls `on_hit` for each identifier, in order; stops when it returns false.
fn scan(text: &str, re: &Regex, on_hit: &mut dyn FnMut(Hit) -> bool) {
    let b = text.as_bytes();
    let with_emails = std::ptr::eq(re, &regexes().all);
    let mut groups: Vec<(usize, usize)> = Vec::new();
    let mut dp: Vec<(u32, Option<(usize, Kind)>)> = Vec::new();
    let mut pos = 0;
    while let Some(m) = re.find_at(text, pos) {
        let s = m.as_str();
        pos = m.end();
        let cont = if s.contains('@') {
            on_hit(Hit {
                start: m.start(),
                end: m.end(),
                kind: Kind::Email,
            })
        } else if s.as_bytes()[0].is_ascii_alphabetic() {
            // Passport: keep the cue word, replace the alphanumeric token.
            let sb = s.as_bytes();
            let mut t = sb.len();
            while t > 0 && sb[t - 1].is_ascii_alphanumeric() {
                t -= 1;
            }
            on_hit(Hit {
                start: m.start() + t,
                end: m.end(),
                kind: Kind::Document,
            })
        } else {
            // A number span whose tail is the local part of an email
            // (`300 57@x.co`): the tail belongs to the email.
            let mut span_end = m.end();
            let mut email = None;
            if with_emails {
                let mut p = m.end();
                while p > m.start() && is_email_local_byte(b[p - 1]) {
                    p -= 1;
                }
                if let Some(e) = regexes().email_at.find(&text[p..]) {
                    email = Some(Hit {
                        start: p,
                        end: p + e.end(),
                        kind: Kind::Email,
                    });
                    span_end = p;
                }
            }
            let mut cont = number_span(text, m.start(), span_end, &mut groups, &mut dp, on_hit);
            if let (true, Some(hit)) = (cont, email) {
                pos = hit.end;
                cont = on_hit(hit);
            }
            cont
        };
        if !cont {
            return;
        }
    }
}

fn is_email_local_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'.' | b'%' | b'+' | b'-' | b'_')
}

/// Finds the identifiers inside one number span (see the module doc).
fn number_span(
    text: &str,
    start: usize,
    end: usize,
    groups: &mut Vec<(usize, usize)>,
    dp: &mut Vec<(u32, Option<(usize, Kind)>)>,
    on_hit: &mut dyn FnMut(Hit) -> bool,
) -> bool {
    let b = text.as_bytes();
    groups.clear();
    let mut total = 0;
    let mut i = start;
    while i < end {
        if b[i].is_ascii_digit() {
            let g = i;
            while i < end && b[i].is_ascii_digit() {
                i += 1;
            }
            groups.push((g, i));
            total += i - g;
        } else {
            i += 1;
        }
    }
    if total < 6 {
        return true;
    }
    let cue = has_cue(&text[..start]);
    // Digits glued to letters (`INT-2026-0000233`, `R_1017234567`) belong to a code such
    // as an id: inside one only an unmistakable phone (10 national digits, with 57 or
    // 0057, or 01800) or a document right after its cue (`CC1017234567`) is redacted, so
    // ids stay readable. `[` and `]` count as letters: a replacement token glues like a
    // word, which keeps redaction idempotent.
    let is_code = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'[' | b']');
    let is_letter = |c: u8| c.is_ascii_alphabetic() || matches!(c, b'[' | b']');
    let letter_near = |it: &mut dyn Iterator<Item = u8>| {
        for c in it.take(64) {
            if is_letter(c) {
                return true;
            }
            if !is_code(c) {
                return false;
            }
        }
        false
    };
    let left_glued = letter_near(&mut b[..start].iter().rev().copied());
    let right_glued = letter_near(&mut b[end..].iter().copied());
    let first_break = (start..end).find(|&k| !is_code(b[k])).unwrap_or(end);
    let last_break = (start..end)
        .rev()
        .find(|&k| !is_code(b[k]))
        .map_or(start, |k| k + 1);
    let attached = start > 0 && b[start - 1].is_ascii_alphabetic();
    // A cue joined to one run of digits by a short joiner (`CC-1017234567`, `TI_…`,
    // `C.C-…`) still names it; several runs (`ID-2026-4440555`) make a code instead.
    let joined = start > 0 && {
        let lead = text[..start].trim_end_matches(['-', '_', '.']);
        start - lead.len() <= 2 && lead.bytes().last().is_some_and(|c| c.is_ascii_alphabetic())
    };
    let m = groups.len();
    let seg_range = |i: usize, j: usize| -> (usize, usize) {
        let s = if i == 0 { start } else { groups[i].0 };
        let mut e = groups[j - 1].1;
        let seg = &b[s..e];
        let opens = seg.iter().filter(|&&c| c == b'(').count();
        let closes = seg.iter().filter(|&&c| c == b')').count();
        if opens > closes && b.get(e) == Some(&b')') {
            e += 1;
        }
        (s, e)
    };
    dp.clear();
    dp.resize(m + 1, (0, None));
    for i in (0..m).rev() {
        dp[i] = (dp[i + 1].0, None);
        let mut digits = 0;
        for j in i + 1..=(i + MAX_GROUPS).min(m) {
            digits += groups[j - 1].1 - groups[j - 1].0;
            if digits > MAX_DIGITS {
                break;
            }
            if digits < 6 {
                continue;
            }
            let (s, e) = seg_range(i, j);
            let glued = (left_glued && s <= first_break) || (right_glued && e >= last_break);
            let seg_cue = cue && i == 0 && (!glued || attached || (joined && j == 1));
            let Some(kind) = classify(b, &groups[..], i, j, seg_cue, glued) else {
                continue;
            };
            if is_money_or_percent(text, s, e) {
                continue;
            }
            let covered = digits as u32 + dp[j].0;
            if covered > dp[i].0 {
                dp[i] = (covered, Some((j, kind)));
            }
        }
    }
    let mut i = 0;
    while i < m {
        match dp[i].1 {
            Some((j, kind)) => {
                let (s, e) = seg_range(i, j);
                if !on_hit(Hit {
                    start: s,
                    end: e,
                    kind,
                }) {
                    return false;
                }
                i = j;
            }
            None => i += 1,
        }
    }
    true
}

/// Is the segment made of groups `i..j` an identifier, and which kind?
fn classify(
    b: &[u8],
    groups: &[(usize, usize)],
    i: usize,
    j: usize,
    cue: bool,
    glued: bool,
) -> Option<Kind> {
    let mut buf = [0u8; MAX_DIGITS];
    let mut n = 0;
    for &(s, e) in &groups[i..j] {
        buf[n..n + (e - s)].copy_from_slice(&b[s..e]);
        n += e - s;
    }
    let d = &buf[..n];
    let len = |k: usize| groups[k].1 - groups[k].0;
    let sep = |k: usize| &b[groups[k].1..groups[k + 1].0];
    let lens_are = |from: usize, shape: &[usize]| -> bool {
        j - from == shape.len() && shape.iter().enumerate().all(|(o, &l)| len(from + o) == l)
    };
    let local7 =
        |from: usize| lens_are(from, &[7]) || lens_are(from, &[3, 4]) || lens_are(from, &[3, 2, 2]);

    let strong_phone = is_national_number(d)
        || (n == 12 && d.starts_with(b"57") && is_national_number(&d[2..]))
        || (n == 14 && d.starts_with(b"0057") && is_national_number(&d[4..]))
        || ((n == 11 || n == 12) && d.starts_with(b"01800"));
    if glued {
        return match (strong_phone, cue && (6..=11).contains(&n)) {
            (true, _) if !cue => Some(Kind::Phone),
            (true, _) | (_, true) => Some(Kind::Document),
            _ => None,
        };
    }
    let phone = strong_phone
        || (n == 7 && local7(i))
        || (j - i >= 2
            && len(i) <= 3
            && n - len(i) == 7
            && groups[i].0 > 0
            && b[groups[i].0 - 1] == b'('
            && sep(i).first() == Some(&b')')
            && local7(i + 1));
    if phone {
        return Some(if cue { Kind::Document } else { Kind::Phone });
    }

    // Optional NIT check digit: a last group of one digit after '-'.
    let (bj, bn) = if j - i >= 2 && len(j - 1) == 1 && sep(j - 2) == b"-" {
        (j - 1, n - 1)
    } else {
        (j, n)
    };
    if bj - i == 1 && (8..=10).contains(&bn) {
        return Some(Kind::Document);
    }
    if bj - i >= 3 && (7..=10).contains(&bn) && (1..=3).contains(&len(i)) {
        let first = sep(i);
        let grouped = (first == b"." || first == b" ")
            && (i + 1..bj).all(|k| len(k) == 3)
            && (i + 1..bj - 1).all(|k| sep(k) == first);
        if grouped {
            return Some(Kind::Document);
        }
    }
    if cue && (6..=11).contains(&bn) {
        return Some(Kind::Document);
    }
    None
}

fn is_space(c: char) -> bool {
    c == ' ' || c == '\t' || c == '\u{a0}'
}

/// Money (`$ 4.500.000`, `COP 4.500.000`, `4.500.000 de pesos`) or a percentage.
fn is_money_or_percent(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].trim_end_matches(is_space);
    if before.ends_with('$') {
        return true;
    }
    let prev = before.rsplit(char::is_whitespace).next().unwrap_or("");
    if prev.eq_ignore_ascii_case("cop") {
        return true;
    }
    let after = text[end..].trim_start_matches(is_space);
    if let Some(rest) = after.strip_prefix('%') {
        // `%` followed by word characters could open an email (`%ana@x.co`).
        return rest
            .chars()
            .next()
            .is_none_or(|c| c.is_whitespace() || matches!(c, ',' | ';' | ':' | ')' | '!' | '?'));
    }
    let mut words = after.split_whitespace();
    let mut word = words.next().unwrap_or("");
    if word.eq_ignore_ascii_case("de") {
        word = words.next().unwrap_or("");
    }
    let word = word.trim_end_matches(['.', ',', ';', ':', '!', '?', ')']);
    ["pesos", "peso", "cop", "mcte"]
        .iter()
        .any(|w| word.eq_ignore_ascii_case(w))
}

const CUES: &[&str] = &[
    "cc",
    "cedula",
    "ciudadania",
    "documento",
    "doc",
    "ti",
    "nit",
    "ce",
    "pasaporte",
    "identificacion",
    "identidad",
    "extranjeria",
    "id",
];
const NUMBER_WORDS: &[&str] = &["no", "nro", "nr", "n", "num", "numero"];

/// Does the text just before a number span end with a document cue?
///
/// Looks only after the last `]` (so a replacement token such as
/// `[documento]` never acts as a cue, which keeps [`redact`] idempotent) and
/// at most 64 bytes back. Accents are folded, anything that is not a letter
/// separates words, and two one-letter words are joined (`C.C.` → `cc`).
fn has_cue(before: &str) -> bool {
    let before = match before.rfind(']') {
        Some(p) => &before[p + 1..],
        None => before,
    };
    let mut from = before.len().saturating_sub(64);
    while !before.is_char_boundary(from) {
        from += 1;
    }
    let mut tail = &before[from..];
    if from > 0 {
        // Drop a possibly cut first word: only its letters. Dropping up to the next
        // space instead could drop a cue glued to digits (`…0057pasaporte[NIT$.`) that
        // the second pass sees after a `]`, which broke idempotence.
        tail = tail.trim_start_matches(|c| fold_letter(c).is_some());
    }
    let mut norm = String::with_capacity(tail.len());
    for c in tail.chars() {
        norm.push(fold_letter(c).unwrap_or(' '));
    }
    let mut words: Vec<&str> = norm.split_whitespace().collect();
    if words.last().is_some_and(|w| NUMBER_WORDS.contains(w)) {
        words.pop();
    }
    let Some(&last) = words.last() else {
        return false;
    };
    if CUES.contains(&last) {
        return true;
    }
    if words.len() >= 2 && last.len() == 1 {
        let prev = words[words.len() - 2];
        if prev.len() == 1 {
            let joined = format!("{prev}{last}");
            return CUES.contains(&joined.as_str());
        }
    }
    false
}

/// A letter as the cue words spell it (lowercase ASCII, accents folded), or
/// `None` for anything that separates words.
fn fold_letter(c: char) -> Option<char> {
    let c = match c.to_lowercase().next().unwrap_or(c) {
        'á' | 'à' => 'a',
        'é' | 'è' => 'e',
        'í' | 'ì' => 'i',
        'ó' | 'ò' => 'o',
        'ú' | 'ù' | 'ü' => 'u',
        'ñ' => 'n',
        c => c,
    };
    c.is_ascii_alphabetic().then_some(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[track_caller]
    fn check(input: &str, expected: &str) {
        let out = redact(input);
        assert_eq!(out, expected, "input: {input:?}");
        assert!(!contains_identifier(&out), "still flagged: {out:?}");
        assert_eq!(redact(&out), out, "not idempotent: {input:?}");
    }

    #[track_caller]
    fn keep(input: &str) {
        let out = redact(input);
        assert!(
            matches!(out, Cow::Borrowed(_)),
            "changed: {input:?} -> {out:?}"
        );
        assert!(!contains_identifier(input), "flagged: {input:?}");
    }

    #[test]
    fn redacts_emails() {
        check(
            "Llamar al 300 123 4567 o escribir a Ana.Perez@gmail.com",
            "Llamar al [telefono] o escribir a [correo]",
        );
        check("correo: jdiaz_87@udea.edu.co.", "correo: [correo].");
        check("<maria-jose+pqr@hotmail.com>", "<[correo]>");
        check("escribió desde ana@gmail", "escribió desde [correo]");
        check("Correo:JUAN.GOMEZ@UNAL.EDU.CO;", "Correo:[correo];");
        check("núñez.ñandú@correo.com.co", "[correo]");
        keep("seguir en redes @universidad y responder @ la brevedad");
    }

    #[test]
    fn redacts_mobiles() {
        for (input, expected) in [
            ("+57 318 672 7815", "[telefono]"),
            ("cel 3186727815", "cel [telefono]"),
            ("cel3186727815", "cel[telefono]"),
            ("tel: 318-672-7815.", "tel: [telefono]."),
            ("318.672.7815", "[telefono]"),
            ("318 672 78 15", "[telefono]"),
            ("318 6727815", "[telefono]"),
            ("(318) 672 7815", "[telefono]"),
            ("+573186727815", "[telefono]"),
            ("573186727815", "[telefono]"),
            ("(57) 318 672 7815", "[telefono]"),
            ("(+57) 318-672-7815", "[telefono]"),
            ("0057 318 672 7815", "[telefono]"),
            ("+57 (318) 672-7815", "[telefono]"),
            (
                "whatsapp +57 300 123 4567 o 310 987 6543",
                "whatsapp [telefono] o [telefono]",
            ),
            ("3001234567 3109876543", "[telefono] [telefono]"),
            ("3001234567/3109876543", "[telefono]/[telefono]"),
            ("el 15 300 123 4567", "el 15 [telefono]"),
            ("(llamar al 3001234567)", "(llamar al [telefono])"),
        ] {
            check(input, expected);
        }
    }

    #[test]
    fn redacts_landlines_and_toll_free() {
        for (input, expected) in [
            ("tel (604) 444 0555 ext 123", "tel [telefono] ext 123"),
            ("601 345 6789", "[telefono]"),
            ("6043456789", "[telefono]"),
            ("+57 604 444 0555", "[telefono]"),
            ("fijo 444 0555", "fijo [telefono]"),
            ("fijo 4440555", "fijo [telefono]"),
            ("fijo 444-05-55", "fijo [telefono]"),
            ("fijo 444 05 55", "fijo [telefono]"),
            ("(4) 444 0555", "[telefono]"),
            ("línea 01 8000 423 869", "línea [telefono]"),
            ("018000423869", "[telefono]"),
            ("01-8000-423-869", "[telefono]"),
            ("01 8000 52 52 52", "[telefono]"),
        ] {
            check(input, expected);
        }
    }

    #[test]
    fn redacts_documents() {
        for (input, expected) in [
            ("CC 1.017.234.567", "CC [documento]"),
            ("C.C. 43.123.456", "C.C. [documento]"),
            ("c.c 1017234567", "c.c [documento]"),
            ("CC1017234567", "CC[documento]"),
            ("cédula 71234567", "cédula [documento]"),
            ("cedula: 1234567", "cedula: [documento]"),
            ("documento 123456", "documento [documento]"),
            ("doc. 1.234.567", "doc. [documento]"),
            ("TI 1001234567", "TI [documento]"),
            ("T.I. No. 99030112345", "T.I. No. [documento]"),
            ("C.E. 456789", "C.E. [documento]"),
            (
                "cédula de ciudadanía No. 71.234.567",
                "cédula de ciudadanía No. [documento]",
            ),
            ("identificación # 987654", "identificación # [documento]"),
            ("NIT 890.984.002-6", "NIT [documento]"),
            ("nit 890984002-6", "nit [documento]"),
            (
                "el estudiante 1017234567 pidió",
                "el estudiante [documento] pidió",
            ),
            ("43.123.456", "[documento]"),
            ("1 017 234 567", "[documento]"),
            ("pasaporte AB123456", "pasaporte [documento]"),
            (
                "Pasaporte No. PE1234567 vence",
                "Pasaporte No. [documento] vence",
            ),
            ("pasaporte 123456789", "pasaporte [documento]"),
            (
                "CC 1017234567 tel 3001234567",
                "CC [documento] tel [telefono]",
            ),
            ("CC 3001234567", "CC [documento]"),
        ] {
            check(input, expected);
        }
    }

    #[test]
    fn keeps_non_identifiers() {
        for input in [
            "valor $ 4.500.000",
            "valor $4.500.000 y $ 12.000.000,50",
            "COP 4.500.000",
            "pagó 4.500.000 de pesos",
            "matrícula 3.600.000 pesos.",
            "4500000 COP",
            "cita el 12/10/2026 a las 10:30",
            "cita 2026-10-12 10:30:15",
            "fecha 12-10-2026, 12.10.2026",
            "semestre 3",
            "2 horas",
            "código SNIES 1234",
            "descuento del 15% y 1234567%",
            "radicado 2026101200012345",
            "años 2024 2025 2026",
            "versión 1.2.3",
            "ticket 123456",
            "notas 4 5 3 4 2 5 4",
            "promedio 4,5 en 20 créditos",
            "",
            "sin números ni correos",
        ] {
            keep(input);
        }
    }

    #[test]
    fn ids_keep_their_digits() {
        for input in [
            "INT-2026-0000233",
            "caso INT-2026-0000233 abierto",
            "R_1017234567x",
            "ID-2026-4440555",
            "resp-43123456",
            "4440555-abc",
            "TKT-2026-12.345",
        ] {
            keep(input);
        }
        check("WA-3001234567", "WA-[telefono]");
        check("cel3186727815 x4440555", "cel[telefono] x4440555");
        check(
            "INT-2026-0000233 tel 4440555",
            "INT-2026-0000233 tel [telefono]",
        );
        check("x4440555 3001234567", "x4440555 [telefono]");
        check("4440555-3001234567x", "4440555-[telefono]x");
        // A cue joined to its number by a dash or underscore still redacts it.
        check("CC-1017234567", "CC-[documento]");
        check("TI_1017234567", "TI_[documento]");
        check("C.C-1017234567", "C.C-[documento]");
        check("cedula_43123456", "cedula_[documento]");
        check("NIT-890900123", "NIT-[documento]");
        check(
            "la CC-43123456 del usuario",
            "la CC-[documento] del usuario",
        );
    }

    #[test]
    fn documented_false_positives() {
        check("valor 4.500.000", "valor [documento]");
        check("nacido 19990101", "nacido [documento]");
    }

    /// A cue more than 64 bytes into a text with no space before it (found by
    /// proptest in CI): the first pass must see it as the second pass does.
    #[test]
    fn a_cue_far_into_a_text_without_spaces() {
        let text = "C.C..No.C.C.1.017.4440555.cédula00570057pasaportepasaporte[NIT$.+570057";
        let once = redact(text).into_owned();
        assert_eq!(
            once,
            "C.C..No.C.C.[documento].cédula[documento]pasaportepasaporte[NIT$.[documento]"
        );
        assert_eq!(redact(&once), once.as_str());
    }

    #[test]
    fn borrowed_when_unchanged() {
        assert!(matches!(redact("hola 12345"), Cow::Borrowed(_)));
        assert!(matches!(redact("hola 123456 7"), Cow::Borrowed(_)));
        assert!(matches!(redact("ok"), Cow::Borrowed(_)));
    }

    #[test]
    fn multiline_and_mixed() {
        check(
            "Estudiante CC 1.017.234.567\nCel: 300-123-4567\nCorreo: a.b@udea.edu.co\nCita 12/10/2026 10:30, valor $ 1.200.000",
            "Estudiante CC [documento]\nCel: [telefono]\nCorreo: [correo]\nCita 12/10/2026 10:30, valor $ 1.200.000",
        );
    }

    fn filler() -> impl Strategy<Value = String> {
        // Random text without digits, '@', '$' or '%' (those could legitimately
        // change the meaning of the identifier next to them).
        "[a-zA-ZáéíóúñÑ ,;:!¿?()\\-\n]{0,30}"
    }

    fn sep() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec!["", " ", ".", "-"])
    }

    fn phone() -> impl Strategy<Value = String> {
        let mobile = (
            prop::sample::select(vec!["3", "60"]),
            "[0-9]{9}",
            prop::sample::select(vec![
                "", "+57 ", "+57", "57 ", "57", "(57) ", "(+57) ", "0057 ", "0057",
            ]),
            sep(),
            sep(),
            any::<bool>(),
        )
            .prop_map(|(first, rest, prefix, s1, s2, paren)| {
                let n = format!("{first}{rest}")[..10].to_string();
                let area = if paren {
                    format!("({})", &n[..3])
                } else {
                    n[..3].to_string()
                };
                format!("{prefix}{area}{s1}{}{s2}{}", &n[3..6], &n[6..])
            });
        let local = ("[2-8][0-9]{6}", prop::sample::select(vec![0usize, 1, 2, 3])).prop_map(
            |(n, shape)| match shape {
                0 => n,
                1 => format!("{} {}", &n[..3], &n[3..]),
                2 => format!("{}-{}-{}", &n[..3], &n[3..5], &n[5..]),
                _ => format!("(4) {} {}", &n[..3], &n[3..]),
            },
        );
        let toll = ("[0-9]{6}", sep(), sep())
            .prop_map(|(n, s1, s2)| format!("01{s1}8000{s2}{} {}", &n[..3], &n[3..]));
        prop_oneof![4 => mobile, 2 => local, 1 => toll]
    }

    fn dotted(plain: &str, sep: char) -> String {
        let mut out = String::new();
        for (i, ch) in plain.chars().enumerate() {
            if i > 0 && (plain.len() - i) % 3 == 0 {
                out.push(sep);
            }
            out.push(ch);
        }
        out
    }

    fn document() -> impl Strategy<Value = String> {
        let cued = (
            100_000u64..9_999_999_999,
            prop::sample::select(vec![
                "CC ",
                "C.C. ",
                "cc",
                "cédula ",
                "Cédula de ciudadanía No. ",
                "documento: ",
                "doc ",
                "TI ",
                "T.I. ",
                "CE ",
                "NIT ",
                "identificación # ",
            ]),
            any::<bool>(),
        )
            .prop_map(|(n, cue, dots)| {
                let s = n.to_string();
                let s = if dots { dotted(&s, '.') } else { s };
                format!("{cue}{s}")
            });
        let grouped = (1_000_000u64..9_999_999_999, any::<bool>())
            .prop_map(|(n, dot)| dotted(&n.to_string(), if dot { '.' } else { ' ' }));
        let bare = (10_000_000u64..9_999_999_999).prop_map(|n| n.to_string());
        let nit =
            (100_000_000u64..999_999_999, 0u8..10, any::<bool>()).prop_map(|(n, dv, dots)| {
                let s = n.to_string();
                let s = if dots { dotted(&s, '.') } else { s };
                format!("NIT {s}-{dv}")
            });
        let passport = ("[A-Z]{1,3}", "[0-9]{6,9}").prop_map(|(l, d)| format!("pasaporte {l}{d}"));
        prop_oneof![cued, grouped, bare, nit, passport]
    }

    fn email() -> impl Strategy<Value = String> {
        (
            "[a-zA-Z0-9][a-zA-Z0-9._+\\-]{0,15}",
            "[a-z0-9\\-]{1,10}",
            prop::sample::select(vec!["com", "co", "edu.co", "gov.co", "org", ""]),
        )
            .prop_map(|(local, domain, tld)| {
                if tld.is_empty() {
                    format!("{local}@{domain}")
                } else {
                    format!("{local}@{domain}.{tld}")
                }
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(
            std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(512),
        ))]

        #[test]
        fn embedded_identifiers_are_removed(
            before in filler(), after in filler(),
            id in prop_oneof![phone(), document(), email()],
        ) {
            let text = format!("{before} {id} {after}");
            let out = redact(&text);
            prop_assert!(!out.bytes().any(|b| b.is_ascii_digit()), "digits left: {:?} -> {:?}", text, out);
            prop_assert!(!out.contains('@'), "email left: {:?} -> {:?}", text, out);
            prop_assert!(!contains_identifier(&out), "{:?} -> {:?}", text, out);
            prop_assert!(contains_identifier(&text));
        }

        #[test]
        fn identifiers_among_small_numbers(
            id in prop_oneof![phone(), document(), email()],
            small in 0u32..10_000, hour in 0u32..24, minute in 0u32..60,
        ) {
            let text = format!("semestre {small}, cita 12/10/2026 {hour}:{minute:02}: {id}. valor $ 4.500.000");
            let out = redact(&text);
            let digits: String = id.chars().filter(char::is_ascii_digit).collect();
            prop_assert!(digits.len() < 6 || !out.contains(&digits), "{:?} -> {:?}", text, out);
            prop_assert!(!out.contains('@'));
            prop_assert!(out.starts_with(&format!("semestre {small}, cita 12/10/2026 {hour}:{minute:02}: ")), "{:?}", out);
            prop_assert!(out.ends_with(". valor $ 4.500.000"), "{:?}", out);
            prop_assert!(!contains_identifier(&out), "{:?} -> {:?}", text, out);
        }

        #[test]
        fn never_panics_and_is_idempotent(text in "\\PC*") {
            let once = redact(&text).into_owned();
            prop_assert_eq!(redact(&once), once.as_str());
            prop_assert!(!contains_identifier(&once));
        }

        #[test]
        fn idempotent_on_adversarial_tokens(
            parts in prop::collection::vec((prop::sample::select(vec![
                "CC", "C.C.", "c", "cédula", "No.", "NIT", "TI", "id", "$", "pesos", "de", "COP", "%",
                "[documento]", "]", "[", "(", ")", "+", "+57", "57", "0057", "300", "123", "4567",
                "1.017", ".234", "567", "-", "6", "60", "01", "8000", "@", "ana", "ana@x.co", "x.co",
                "pasaporte", "AB123456", "4440555", "12/10/2026", "10:30", ".", ",", "\n", "ñ",
            ]), prop::sample::select(vec!["", " ", "", ".", "-"])), 0..16),
        ) {
            let text: String = parts.iter().map(|(t, s)| format!("{t}{s}")).collect();
            let once = redact(&text).into_owned();
            prop_assert_eq!(redact(&once), once.as_str(), "input {:?}", text);
            prop_assert!(!contains_identifier(&once), "input {:?} -> {:?}", text, once);
        }

        #[test]
        fn idempotent_on_digit_heavy_text(text in "[0-9 .\\-()+@a-zA-Z$%:/]{0,60}") {
            let once = redact(&text).into_owned();
            prop_assert_eq!(redact(&once), once.as_str(), "input {:?}", text);
            prop_assert!(!contains_identifier(&once), "input {:?} -> {:?}", text, once);
        }
    }

    /// Realistic notes: ~60% without identifiers, ~40% with one.
    fn corpus(n: usize) -> Vec<String> {
        let plain = [
            "El estudiante solicita información sobre el proceso de matrícula para el semestre 3.",
            "Se explicó el procedimiento de homologación; queda pendiente enviar certificado.",
            "Cita agendada el 12/10/2026 a las 10:30 con bienestar universitario.",
            "Consulta por el valor de la matrícula: $ 4.500.000, se envía liquidación.",
            "Usuario molesto por demora de 2 horas en la atención telefónica.",
            "Pregunta por el código SNIES 1234 del programa de Ingeniería.",
            "Se remite a la facultad. Caso cerrado.",
            "Solicita certificado de notas del periodo 2026-1, descuento del 15%.",
            "Reclamo por cobro doble, radicado 2026101200012345 en revisión.",
            "Gracias por la atención, muy amable la asesora.",
        ];
        let with_id = [
            "Llamar al 300 123 4567 o escribir a Ana.Perez@gmail.com",
            "Estudiante con CC 1.017.234.567 solicita paz y salvo.",
            "Devolver llamada al tel (604) 444 0555 ext 123 en la tarde.",
            "Se le indicó la línea 01 8000 423 869 para pagos.",
            "Contacto alterno +57 318 672 7815 (madre).",
            "Empresa con NIT 890.984.002-6 pide factura electrónica.",
            "Enviar el formulario a jdiaz_87@udea.edu.co antes del viernes.",
            "Documento 43123456, pendiente validar en el sistema.",
        ];
        (0..n)
            .map(|i| {
                if i % 10 < 6 {
                    plain[i % plain.len()].to_string()
                } else {
                    with_id[i % with_id.len()].to_string()
                }
            })
            .collect()
    }

    /// `cargo test --release -- --ignored --nocapture redact_throughput`
    #[test]
    #[ignore]
    fn redact_throughput() {
        let notes = corpus(1_000_000);
        let _ = redact("warm up 300 123 4567");
        let t = std::time::Instant::now();
        let mut changed = 0usize;
        let mut bytes = 0usize;
        for note in &notes {
            let out = redact(note);
            bytes += out.len();
            if matches!(out, Cow::Owned(_)) {
                changed += 1;
            }
        }
        let el = t.elapsed();
        println!(
            "redact: {} notes in {:?} = {:.0} ns/note ({changed} changed, {bytes} bytes)",
            notes.len(),
            el,
            el.as_nanos() as f64 / notes.len() as f64
        );
        assert_eq!(changed, 400_000);
    }
}
