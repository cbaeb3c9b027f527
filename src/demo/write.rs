//! Row buffers and CSV writing. Rows are reused between records and
//! timestamps are formatted into stack buffers, so the hot path does not
//! allocate.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use super::DemoError;

/// The canonical columns (DESIGN §3), as the validator reads them.
pub const INTERACTION_HEADER: &[&str] = crate::validate::INTERACTION_COLUMNS;
pub const SURVEY_HEADER: &[&str] = crate::validate::SURVEY_COLUMNS;
pub const SHOPPER_HEADER: &[&str] = crate::validate::SHOPPER_COLUMNS;

pub type CsvOut = csv::Writer<BufWriter<File>>;

pub fn open(path: &Path, header: &[&str]) -> Result<CsvOut, DemoError> {
    let file = File::create(path).map_err(|source| DemoError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut w = csv::WriterBuilder::new()
        .buffer_capacity(256 * 1024)
        .from_writer(BufWriter::with_capacity(4 << 20, file));
    w.write_record(header).map_err(|e| csv_err(path, e))?;
    Ok(w)
}

pub fn finish(mut w: CsvOut, path: &Path) -> Result<(), DemoError> {
    w.flush().map_err(|source| DemoError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let inner = w.into_inner().map_err(|e| DemoError::Io {
        path: path.to_path_buf(),
        source: e.into_error(),
    })?;
    inner
        .into_inner()
        .map_err(|e| DemoError::Io {
            path: path.to_path_buf(),
            source: e.into_error(),
        })?
        .sync_all()
        .ok();
    Ok(())
}

pub fn csv_err(path: &Path, source: csv::Error) -> DemoError {
    DemoError::Csv {
        path: path.to_path_buf(),
        source,
    }
}

/// Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
pub fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

pub type TsBuf = [u8; 25];

fn put2(b: &mut [u8], v: u32) {
    b[0] = b'0' + (v / 10) as u8;
    b[1] = b'0' + (v % 10) as u8;
}

/// `YYYY-MM-DDTHH:MM:SS-05:00` for local seconds `t`.
pub fn fmt_ts(t: i64, b: &mut TsBuf) -> &[u8] {
    let day = t.div_euclid(86_400);
    let sod = (t - day * 86_400) as u32;
    let (y, m, d) = civil(day);
    let y = y as u32;
    put2(&mut b[0..2], y / 100);
    put2(&mut b[2..4], y % 100);
    b[4] = b'-';
    put2(&mut b[5..7], m);
    b[7] = b'-';
    put2(&mut b[8..10], d);
    b[10] = b'T';
    put2(&mut b[11..13], sod / 3600);
    b[13] = b':';
    put2(&mut b[14..16], sod / 60 % 60);
    b[16] = b':';
    put2(&mut b[17..19], sod % 60);
    b[19..25].copy_from_slice(b"-05:00");
    &b[..]
}

fn opt_ts(t: Option<i64>, b: &mut TsBuf) -> &[u8] {
    match t {
        Some(t) => fmt_ts(t, b),
        None => b"",
    }
}

#[derive(Debug, Clone, Default)]
pub struct InteractionRow {
    pub id: String,
    pub channel: &'static str,
    pub unit: &'static str,
    pub received: i64,
    /// Defect: write an impossible calendar date instead of `received`.
    pub impossible_date: bool,
    pub first_response: Option<i64>,
    pub resolved: Option<i64>,
    pub direction: &'static str,
    pub touchpoint: &'static str,
    pub agent: String,
    pub topic: &'static str,
    pub contact: String,
    pub stakeholder: &'static str,
    pub escalated_to: &'static str,
    pub escalated_at: Option<i64>,
    pub escalation_answered: Option<i64>,
    pub outcome: &'static str,
    pub habeas: &'static str,
    pub protocol: [&'static str; 4],
    pub notes: String,
}

pub fn write_interaction(w: &mut CsvOut, r: &InteractionRow) -> csv::Result<()> {
    let (mut b0, mut b1, mut b2, mut b3, mut b4) =
        ([0u8; 25], [0u8; 25], [0u8; 25], [0u8; 25], [0u8; 25]);
    let received: &[u8] = if r.impossible_date {
        let y = civil(r.received.div_euclid(86_400)).0 as u32;
        put2(&mut b0[0..2], y / 100);
        put2(&mut b0[2..4], y % 100);
        b0[4..19].copy_from_slice(b"-02-30T10:00:00");
        &b0[..19]
    } else {
        fmt_ts(r.received, &mut b0)
    };
    w.write_record([
        r.id.as_bytes(),
        r.channel.as_bytes(),
        r.unit.as_bytes(),
        received,
        opt_ts(r.first_response, &mut b1),
        opt_ts(r.resolved, &mut b2),
        r.direction.as_bytes(),
        r.touchpoint.as_bytes(),
        r.agent.as_bytes(),
        r.topic.as_bytes(),
        r.contact.as_bytes(),
        r.stakeholder.as_bytes(),
        r.escalated_to.as_bytes(),
        opt_ts(r.escalated_at, &mut b3),
        opt_ts(r.escalation_answered, &mut b4),
        r.outcome.as_bytes(),
        r.habeas.as_bytes(),
        r.protocol[0].as_bytes(),
        r.protocol[1].as_bytes(),
        r.protocol[2].as_bytes(),
        r.protocol[3].as_bytes(),
        r.notes.as_bytes(),
    ])
}

#[derive(Debug, Clone, Default)]
pub struct SurveyRow {
    pub id: String,
    pub survey: &'static str,
    pub submitted: i64,
    pub unit: &'static str,
    pub channel: &'static str,
    pub interaction_id: String,
    pub respondent: String,
    pub stakeholder: &'static str,
    /// kindness, information_quality, timeliness, overall; 0 = N/A (empty).
    pub likert: [u8; 4],
    pub nps: Option<u8>,
    pub comment: String,
    pub habeas: &'static str,
}

const DIGITS: [&str; 11] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"];

fn small(v: u8) -> &'static [u8] {
    DIGITS.get(v as usize).map_or(b"?", |s| s.as_bytes())
}

fn likert(v: u8) -> &'static [u8] {
    if v == 0 {
        b""
    } else {
        small(v)
    }
}

pub fn write_survey(w: &mut CsvOut, r: &SurveyRow) -> csv::Result<()> {
    let mut b = [0u8; 25];
    w.write_record([
        r.id.as_bytes(),
        r.survey.as_bytes(),
        fmt_ts(r.submitted, &mut b),
        r.unit.as_bytes(),
        r.channel.as_bytes(),
        r.interaction_id.as_bytes(),
        r.respondent.as_bytes(),
        r.stakeholder.as_bytes(),
        likert(r.likert[0]),
        likert(r.likert[1]),
        likert(r.likert[2]),
        likert(r.likert[3]),
        r.nps.map_or(&b""[..], small),
        r.comment.as_bytes(),
        r.habeas.as_bytes(),
    ])
}

#[derive(Debug, Clone, Default)]
pub struct ShopperRow {
    pub id: String,
    pub evaluated: i64,
    pub unit: &'static str,
    pub channel: &'static str,
    pub shopper: &'static str,
    pub scenario: &'static str,
    pub item: &'static str,
    pub result: &'static str,
    pub wait_seconds: String,
    pub notes: &'static str,
}

pub fn write_shopper(w: &mut CsvOut, r: &ShopperRow) -> csv::Result<()> {
    let mut b = [0u8; 25];
    w.write_record([
        r.id.as_bytes(),
        fmt_ts(r.evaluated, &mut b),
        r.unit.as_bytes(),
        r.channel.as_bytes(),
        r.shopper.as_bytes(),
        r.scenario.as_bytes(),
        r.item.as_bytes(),
        r.result.as_bytes(),
        r.wait_seconds.as_bytes(),
        r.notes.as_bytes(),
    ])
}
