//! Seeded generator of realistic canonical input files (`interactions.csv`,
//! `surveys.csv`, `shopper.csv`) for demos, tests and benchmarks.
//!
//! Why: the real contact-center exports carry personal data and cannot leave
//! Universidad CES, yet the pipeline needs inputs that exercise everything the
//! scoring must find. The generator plants known, clearly visible facts:
//!
//! * admission-season volume peaks (late Jan–Feb, Jun–Jul ≈ 2×), Monday and
//!   9–11 / 14–16 peaks, night and weekend traffic on the asynchronous channels;
//! * four below-target cells, consistent across timings, surveys and shopper
//!   items: `fac_odontologia`×`whatsapp` slow, `centro_veterinaria`×`phone`
//!   unkind (failed greetings), `admisiones`×`email` poor information and slow
//!   escalations, `icmt_apartado`×`in_person` slow;
//! * a WhatsApp outage on 2026-06-17 (09:00–15:00, backlog answered late) and
//!   a social-media complaint burst for `mercadeo_pregrado` on 2026-08-10..16;
//! * ~0.5 % re-sent interaction ids (last one wins), recurring people written
//!   differently, personal data in free text, and optionally ~0.1 % malformed
//!   rows per file.
//!
//! Same seed and options ⇒ byte-identical files. Rows are streamed (memory is
//! bounded by one day of arrival keys), so 10 M interactions are fine.
//! Timestamps are local Colombian time with a fixed `-05:00` offset.

mod model;
mod write;

#[cfg(test)]
mod tests;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use chrono::{Datelike, Months, NaiveDate};
use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub use model::{
    CHANNELS, SLA_BUSINESS_TIME, SLA_TARGET_SECS, STAKEHOLDERS, SURVEY_INSTRUMENTS, UNITS,
};

use model::*;
use write::{CsvOut, InteractionRow, ShopperRow, SurveyRow};

#[derive(Debug, Clone)]
pub struct DemoOptions {
    pub seed: u64,
    pub start: NaiveDate,
    pub months: u32,
    /// Number of distinct interactions; the file holds ~0.5 % more rows (re-sends).
    pub interactions: u64,
    pub with_defects: bool,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            seed: 2026,
            start: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            months: 11,
            interactions: 60_000,
            with_defects: true,
        }
    }
}

#[derive(Debug, Clone)]
pub struct DemoFiles {
    pub interactions: PathBuf,
    pub surveys: PathBuf,
    pub shopper: PathBuf,
    pub counts: DemoCounts,
}

/// Data rows written (headers excluded).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DemoCounts {
    /// Including re-sent rows.
    pub interactions: u64,
    pub surveys: u64,
    pub shopper_rows: u64,
    /// Malformed rows over all three files.
    pub malformed: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("demo: invalid options: {0}")]
    Options(String),
    #[error("demo: i/o error on {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("demo: csv error on {}: {source}", path.display())]
    Csv { path: PathBuf, source: csv::Error },
}

/// Writes interactions.csv, surveys.csv, shopper.csv (UTF-8, ',' separator,
/// header row) into `dir` (created if missing).
pub fn generate(dir: &Path, opts: &DemoOptions) -> Result<DemoFiles, DemoError> {
    if opts.months == 0 {
        return Err(DemoError::Options("months must be at least 1".into()));
    }
    let end = opts
        .start
        .checked_add_months(Months::new(opts.months))
        .filter(|e| e.year() < 9000)
        .ok_or_else(|| DemoError::Options("start + months is out of range".into()))?;
    std::fs::create_dir_all(dir).map_err(|source| DemoError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let model = Model::new(opts.start.year(), end.year() + 1);
    let ix_path = dir.join("interactions.csv");
    let sv_path = dir.join("surveys.csv");
    let sh_path = dir.join("shopper.csv");

    let mut g = Gen::new(&model, opts, day_number(end), &ix_path, &sv_path)?;
    g.run(opts.start, end)?;
    let Gen {
        mut counts, ix, sv, ..
    } = g;
    write::finish(ix, &ix_path)?;
    write::finish(sv, &sv_path)?;

    let mut sh = write::open(&sh_path, &write::SHOPPER_HEADER)?;
    let (rows, bad) =
        shopper(&model, opts, end, &mut sh).map_err(|e| write::csv_err(&sh_path, e))?;
    write::finish(sh, &sh_path)?;
    counts.shopper_rows = rows;
    counts.malformed += bad;

    Ok(DemoFiles {
        interactions: ix_path,
        surveys: sv_path,
        shopper: sh_path,
        counts,
    })
}

// ---------------------------------------------------------------- people

const FIRST: [&str; 30] = [
    "maria",
    "juan",
    "andres",
    "camila",
    "valentina",
    "santiago",
    "daniela",
    "sebastian",
    "laura",
    "carlos",
    "alejandra",
    "mateo",
    "sofia",
    "jose",
    "natalia",
    "felipe",
    "paula",
    "david",
    "manuela",
    "juliana",
    "diego",
    "isabela",
    "luisa",
    "miguel",
    "sara",
    "esteban",
    "ana",
    "jorge",
    "mariana",
    "julian",
];
const LAST: [&str; 30] = [
    "gomez",
    "restrepo",
    "gonzalez",
    "rodriguez",
    "lopez",
    "martinez",
    "garcia",
    "hernandez",
    "zapata",
    "arango",
    "castano",
    "osorio",
    "ramirez",
    "vasquez",
    "mejia",
    "cardona",
    "jaramillo",
    "munoz",
    "rios",
    "giraldo",
    "valencia",
    "henao",
    "alzate",
    "ospina",
    "sanchez",
    "torres",
    "velez",
    "montoya",
    "agudelo",
    "echeverri",
];
const DOMAINS: [&str; 10] = [
    "gmail.com",
    "gmail.com",
    "gmail.com",
    "gmail.com",
    "hotmail.com",
    "hotmail.com",
    "outlook.com",
    "yahoo.com",
    "uces.edu.co",
    "une.net.co",
];
const MOBILE_PREFIX: [u64; 16] = [
    300, 301, 302, 304, 305, 310, 311, 312, 313, 314, 315, 316, 317, 318, 320, 321,
];

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// A person is a hash: all attributes derive from it, so recurring people
/// need no memory.
#[derive(Clone, Copy)]
struct Person(u64);

impl Person {
    fn new(salt: u64, idx: u64) -> Self {
        Person(splitmix(salt ^ splitmix(idx)))
    }
    fn bits(self, k: u64) -> u64 {
        splitmix(self.0 ^ k.wrapping_mul(0xA24B_AED4_963E_E407))
    }
    fn mobile(self) -> u64 {
        let b = self.bits(3);
        MOBILE_PREFIX[(b % 16) as usize] * 10_000_000 + (b >> 8) % 10_000_000
    }
    fn cedula(self) -> u64 {
        let b = self.bits(4);
        if b % 10 < 6 {
            1_000_000_000 + (b >> 8) % 160_000_000
        } else {
            10_000_000 + (b >> 8) % 89_000_000
        }
    }
}

fn push_mobile(out: &mut String, n: u64, style: u8) {
    let (a, b, c) = (n / 10_000_000, n / 10_000 % 1000, n % 10_000);
    let _ = match style {
        0 => write!(out, "{n}"),
        1 => write!(out, "{a} {b:03} {c:04}"),
        2 => write!(out, "+57 {a} {b:03} {c:04}"),
        _ => write!(out, "+57{n}"),
    };
}

fn push_dotted(out: &mut String, n: u64) {
    if n >= 1000 {
        push_dotted(out, n / 1000);
        let _ = write!(out, ".{:03}", n % 1000);
    } else {
        let _ = write!(out, "{n}");
    }
}

fn push_cedula(out: &mut String, n: u64, style: u8) {
    match style {
        0 => {
            let _ = write!(out, "{n}");
        }
        1 => push_dotted(out, n),
        _ => {
            let _ = write!(out, "CC {n}");
        }
    }
}

fn push_cap(out: &mut String, s: &str, cap: bool) {
    if cap {
        out.push(s.as_bytes()[0].to_ascii_uppercase() as char);
        out.push_str(&s[1..]);
    } else {
        out.push_str(s);
    }
}

/// style: 0 lower, 1 Capitalized, 2 UPPER, 3 padded with spaces.
fn push_email(out: &mut String, p: Person, style: u8) {
    let start = out.len();
    if style == 3 {
        out.push(' ');
    }
    let b = p.bits(5);
    let first = FIRST[(p.bits(1) % 30) as usize];
    let last = LAST[(p.bits(2) % 30) as usize];
    let cap = style == 1;
    let nn = 10 + (b >> 8) % 90;
    match b % 4 {
        0 => {
            push_cap(out, first, cap);
            out.push('.');
            push_cap(out, last, cap);
        }
        1 => {
            push_cap(out, first, cap);
            push_cap(out, last, false);
            let _ = write!(out, "{nn}");
        }
        2 => {
            push_cap(out, &first[..1], cap);
            out.push_str(last);
            let _ = write!(out, "{nn}");
        }
        _ => {
            push_cap(out, first, cap);
            out.push('_');
            out.push_str(last);
        }
    }
    out.push('@');
    out.push_str(DOMAINS[(b >> 40) as usize % DOMAINS.len()]);
    if style == 2 {
        out[start..].make_ascii_uppercase();
    }
    if style == 3 {
        out.push(' ');
    }
}

#[derive(Clone, Copy)]
enum ContactKind {
    Mobile,
    Email,
    Cedula,
}

fn push_contact(out: &mut String, p: Person, kind: ContactKind, x: f64) {
    match kind {
        ContactKind::Mobile => {
            let s = if x < 0.45 {
                0
            } else if x < 0.75 {
                1
            } else if x < 0.9 {
                2
            } else {
                3
            };
            push_mobile(out, p.mobile(), s)
        }
        ContactKind::Email => {
            let s = if x < 0.85 {
                0
            } else if x < 0.95 {
                1
            } else if x < 0.98 {
                2
            } else {
                3
            };
            push_email(out, p, s)
        }
        ContactKind::Cedula => {
            let s = if x < 0.6 {
                0
            } else if x < 0.9 {
                1
            } else {
                2
            };
            push_cedula(out, p.cedula(), s)
        }
    }
}

fn contact_kind(c: usize, x: f64) -> ContactKind {
    use ContactKind::*;
    match c {
        PHONE if x < 0.85 => Mobile,
        PHONE => Cedula,
        WHATSAPP => Mobile,
        EMAIL => Email,
        WEB_FORM if x < 0.6 => Email,
        WEB_FORM => Mobile,
        IN_PERSON if x < 0.6 => Cedula,
        IN_PERSON if x < 0.9 => Mobile,
        SOCIAL | MESSENGER if x < 0.35 => Email,
        _ => Mobile,
    }
}

/// Appends a phrase carrying personal data (to be redacted downstream).
fn push_pii(out: &mut String, p: Person, x: f64) {
    if x < 0.45 {
        out.push_str(". Devolver llamada al ");
        push_mobile(out, p.mobile(), 1);
    } else if x < 0.8 {
        out.push_str(", correo ");
        push_email(out, p, 0);
    } else {
        out.push_str(". Usuario con CC ");
        push_dotted(out, p.cedula());
    }
}

/// Fills `{p}` (program) and `{s}` (admission period) in a note template.
fn fill(out: &mut String, tpl: &str, program: &str, sem: (i32, u8)) {
    let mut parts = tpl.split('{');
    out.push_str(parts.next().unwrap_or(""));
    for part in parts {
        match part.as_bytes().first() {
            Some(b'p') => out.push_str(program),
            Some(b's') => {
                let _ = write!(out, "{}-{}", sem.0, sem.1);
            }
            _ => {}
        }
        out.push_str(part.get(2..).unwrap_or(""));
    }
}

/// xoshiro256++ seeded from ChaCha8: ChaCha is the documented seed
/// expansion, but unoptimised (debug) builds run it ~10× slower than this, and
/// the generator draws ~50 numbers per row.
pub(crate) struct Rng64([u64; 4]);

impl Rng64 {
    fn new(seed: u64, stream: u64) -> Self {
        let mut c = ChaCha8Rng::seed_from_u64(seed);
        c.set_stream(stream);
        let mut s = [0u64; 4];
        for v in s.iter_mut() {
            *v = c.next_u64();
        }
        if s == [0; 4] {
            s[0] = 1;
        }
        Rng64(s)
    }
}

impl RngCore for Rng64 {
    fn next_u64(&mut self) -> u64 {
        let s = &mut self.0;
        let out = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        out
    }
    fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for chunk in dest.chunks_mut(8) {
            let b = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&b[..chunk.len()]);
        }
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

fn pick<'a, T>(r: &mut Rng64, xs: &'a [T]) -> &'a T {
    &xs[r.gen_range(0..xs.len())]
}

// ---------------------------------------------------------------- timing

/// Delay to first response: within target when `met`, up to 5× otherwise.
fn sla_delay(met: bool, target: i64, x: f64) -> i64 {
    let t = target as f64;
    if met {
        (((0.08 + 0.92 * x.powf(0.8)) * t) as i64).clamp(1, target)
    } else {
        target + 1 + (x * x * 4.0 * t) as i64
    }
}

fn likert(r: &mut Rng64, p_top2: f64) -> u8 {
    if r.gen::<f64>() < p_top2 {
        if r.gen::<f64>() < 0.62 {
            5
        } else {
            4
        }
    } else {
        let x: f64 = r.gen();
        if x < 0.5 {
            3
        } else if x < 0.8 {
            2
        } else {
            1
        }
    }
}

const DEFECT_RATE: f64 = 0.001;
const RESEND_RATE: f64 = 0.006;
const HOUR: i64 = 3600;

struct DayCtx {
    day: i64,
    kind: DayKind,
    year: i32,
    /// Admission period people ask about, e.g. (2027, 1).
    sem: (i32, u8),
    outage: bool,
    peak: bool,
    days_left: i64,
}

/// Facts about the interaction a linked survey needs.
struct Linked {
    c: usize,
    burst: bool,
    met: bool,
    person: Person,
    stakeholder: &'static str,
    done: i64,
}

struct Gen<'m> {
    m: &'m Model,
    defects: bool,
    cutoff: i64,
    salt: u64,
    interactions: u64,
    rng: Rng64,
    srng: Rng64,
    seq: u64,
    survey_seq: u64,
    next_person: u64,
    pool: u64,
    row: InteractionRow,
    srow: SurveyRow,
    resend: Vec<(u64, InteractionRow)>,
    next_due: u64,
    keys: Vec<u64>,
    counts: DemoCounts,
    ix: CsvOut,
    sv: CsvOut,
    ix_path: PathBuf,
    sv_path: PathBuf,
}

impl<'m> Gen<'m> {
    fn new(
        m: &'m Model,
        opts: &DemoOptions,
        end_day: i64,
        ix_path: &Path,
        sv_path: &Path,
    ) -> Result<Self, DemoError> {
        Ok(Gen {
            m,
            defects: opts.with_defects,
            cutoff: end_day * 86_400,
            salt: splitmix(opts.seed ^ 0x5EED_CE55),
            interactions: opts.interactions,
            rng: Rng64::new(opts.seed, 0),
            srng: Rng64::new(opts.seed, 1),
            seq: 0,
            survey_seq: 0,
            next_person: 0,
            pool: (opts.interactions / 50).max(200),
            row: InteractionRow::default(),
            srow: SurveyRow::default(),
            resend: Vec::new(),
            next_due: u64::MAX,
            keys: Vec::new(),
            counts: DemoCounts::default(),
            ix: write::open(ix_path, &write::INTERACTION_HEADER)?,
            sv: write::open(sv_path, &write::SURVEY_HEADER)?,
            ix_path: ix_path.to_path_buf(),
            sv_path: sv_path.to_path_buf(),
        })
    }

    fn run(&mut self, start: NaiveDate, end: NaiveDate) -> Result<(), DemoError> {
        let m = self.m;
        let days: Vec<(NaiveDate, [f64; 8])> = start
            .iter_days()
            .take_while(|d| *d < end)
            .map(|d| (d, m.day_weights(day_number(d), d)))
            .collect();
        let total: f64 = days.iter().map(|(_, w)| w.iter().sum::<f64>()).sum();
        let n = self.interactions;
        let end_day = day_number(end);
        let (mut cum, mut done) = (0.0, 0u64);
        for (i, (date, w)) in days.iter().enumerate() {
            cum += w.iter().sum::<f64>();
            // Cumulative rounding: per-day counts add up to exactly `n`.
            let target = if i + 1 == days.len() {
                n
            } else {
                ((cum / total) * n as f64).round() as u64
            };
            let count = target.saturating_sub(done);
            done += count;
            let day = day_number(*date);
            let (y, mo) = (date.year(), date.month());
            let ctx = DayCtx {
                day,
                kind: m.cal.kind(day),
                year: y,
                sem: match mo {
                    1 | 2 => (y, 1),
                    3..=7 => (y, 2),
                    _ => (y + 1, 1),
                },
                outage: day == m.outage_day,
                peak: season(*date) > 1.5,
                days_left: end_day - day,
            };
            self.arrivals(&ctx, w, count);
            let keys = std::mem::take(&mut self.keys);
            for &key in &keys {
                if self.seq >= self.next_due {
                    self.flush_resends(false)?;
                }
                self.interaction(&ctx, key)?;
            }
            self.keys = keys;
        }
        self.flush_resends(true)
    }

    /// Sorted arrival keys for one day: second-of-day << 16 | flags << 8 | kind
    /// (kind 0–6 = channel, 7 = complaint burst).
    fn arrivals(&mut self, ctx: &DayCtx, w: &[f64; 8], count: u64) {
        let m = self.m;
        let cdf = Cdf::new(w);
        let r = &mut self.rng;
        self.keys.clear();
        for _ in 0..count {
            let k = cdf.pick(r.gen());
            let c = if k == 7 { SOCIAL } else { k };
            let mut sod = m.arrival_sod(c, ctx.kind, r.gen(), r.gen(), r.gen());
            let mut flag = 0u64;
            if ctx.outage && c == WHATSAPP && (9 * HOUR..15 * HOUR).contains(&sod) {
                // Messages held by the platform show up when it comes back.
                if r.gen::<f64>() < 0.93 {
                    sod = 15 * HOUR + (r.gen::<f64>().powi(2) * 2.5 * HOUR as f64) as i64;
                    flag = 1;
                }
            }
            self.keys.push((sod as u64) << 16 | flag << 8 | k as u64);
        }
        self.keys.sort_unstable();
    }

    fn flush_resends(&mut self, all: bool) -> Result<(), DemoError> {
        let seq = self.seq;
        let mut i = 0;
        while i < self.resend.len() {
            if all || self.resend[i].0 <= seq {
                let (_, row) = self.resend.swap_remove(i);
                write::write_interaction(&mut self.ix, &row)
                    .map_err(|e| write::csv_err(&self.ix_path, e))?;
                self.counts.interactions += 1;
            } else {
                i += 1;
            }
        }
        self.next_due = self.resend.iter().map(|r| r.0).min().unwrap_or(u64::MAX);
        Ok(())
    }

    fn interaction(&mut self, ctx: &DayCtx, key: u64) -> Result<(), DemoError> {
        let m = self.m;
        let cal = &m.cal;
        let sod = (key >> 16) as i64;
        let k = (key & 0xff) as usize;
        let backlog = (key >> 8) & 1 == 1;
        let burst = k == 7;
        let t = ctx.day * 86_400 + sod;
        let r = &mut self.rng;
        let (c, u) = if burst {
            (SOCIAL, MERCADEO_PREGRADO)
        } else {
            (k, m.unit_by_channel[k].pick(r.gen()))
        };
        let prof = m.profiles[u][c];
        let open = cal.is_open(t);
        self.seq += 1;

        let row = &mut self.row;
        row.id.clear();
        let _ = write!(row.id, "INT-{}-{:07}", ctx.year, self.seq);
        row.channel = CHANNELS[c];
        row.unit = UNITS[u];
        row.received = t;
        row.impossible_date = false;
        row.touchpoint = touchpoint(c, u, r.gen());
        let campaign_unit = matches!(
            u,
            MERCADEO_PREGRADO
                | MERCADEO_POSGRADO
                | EDUCACION_CONTINUA
                | ADMISIONES
                | OFICINA_BOGOTA
        );
        let outbound = !burst
            && (c == PHONE || c == WHATSAPP)
            && campaign_unit
            && open
            && r.gen::<f64>() < 0.15;
        row.direction = if outbound { "outbound" } else { "inbound" };
        row.stakeholder = if burst && r.gen::<f64>() < 0.7 {
            "aspirante"
        } else {
            STAKEHOLDERS[m.stakeholder_by_unit[u].pick(r.gen())]
        };
        let topic = if burst {
            &T_BURST
        } else if outbound {
            &T_CAMPANA
        } else if r.gen::<f64>() < 0.03 {
            &T_QUEJA
        } else {
            pick(r, topics(u))
        };
        row.topic = topic.code;

        // Person: ~10 % come from a recurring pool (same people across channels).
        let pidx = if r.gen::<f64>() < 0.10 {
            r.gen_range(0..self.pool)
        } else {
            self.next_person += 1;
            self.pool + self.next_person
        };
        let person = Person::new(self.salt, pidx);
        row.contact.clear();
        if r.gen::<f64>() >= 0.15 {
            let kind = contact_kind(c, r.gen());
            push_contact(&mut row.contact, person, kind, r.gen());
        }
        row.notes.clear();
        let tpl = *pick(r, topic.notes);
        let program = *pick(r, programs(u));
        fill(&mut row.notes, tpl, program, ctx.sem);
        if r.gen::<f64>() < 0.05 {
            push_pii(&mut row.notes, person, r.gen());
        }
        let x: f64 = r.gen();
        row.habeas = if x < 0.70 {
            "si"
        } else if x < 0.90 {
            "no"
        } else {
            ""
        };

        // ---- timings
        let target = SLA_TARGET_SECS[c];
        let mut first = None;
        let mut resolved = None;
        let mut met = false;
        let mut outcome = "resolved";
        let (x1, x2, x3): (f64, f64, f64) = (r.gen(), r.gen(), r.gen());
        if outbound {
            if x1 < 0.65 {
                let f = if c == PHONE {
                    t + r.gen_range(5..30)
                } else {
                    cal.add_business(t, r.gen_range(300..4 * HOUR))
                };
                first = Some(f);
                resolved = Some(f + r.gen_range(60..600));
                met = true;
            } else {
                outcome = "pending"; // an outbound contact nobody answered yet
                if c == PHONE {
                    resolved = Some(t + r.gen_range(25..45));
                }
            }
        } else if c == PHONE {
            let abandon = if ctx.peak { 0.10 } else { 0.06 };
            if !open || x1 < abandon {
                outcome = "abandoned";
                let hang = if x2 < 0.3 {
                    r.gen_range(1..5)
                } else {
                    r.gen_range(5..240)
                };
                resolved = Some(t + hang);
            } else {
                met = x2 < prof.sla;
                let f = t + sla_delay(met, target, x3);
                first = Some(f);
                resolved = Some(f + r.gen_range(40..900));
            }
        } else if c == IN_PERSON {
            met = x2 < prof.sla;
            let f = t + sla_delay(met, target, x3);
            first = Some(f);
            resolved = Some(f + r.gen_range(180..2400));
        } else if ctx.days_left <= 7 && x1 < 0.10 {
            outcome = "pending"; // recent, not answered yet
        } else {
            met = x2 < prof.sla;
            let mut f = cal.add_business(t, sla_delay(met, target, x3));
            if ctx.outage && c == WHATSAPP {
                let (o0, o1) = (ctx.day * 86_400 + 9 * HOUR, ctx.day * 86_400 + 15 * HOUR);
                if backlog {
                    f = cal.add_business(t, HOUR + (x3 * 5.0 * HOUR as f64) as i64);
                    met = false;
                } else if (o0..o1).contains(&f) {
                    f = cal.add_business(o1, (x3 * 2.0 * HOUR as f64) as i64);
                    met = false;
                }
            }
            first = Some(f);
            resolved = Some(if r.gen::<f64>() < 0.6 {
                f
            } else {
                cal.add_business(f, r.gen_range(600..16 * HOUR))
            });
        }

        // ---- escalation
        let mut esc_to = "";
        let mut esc_at = None;
        let mut esc_ans = None;
        let xe: f64 = r.gen();
        let p_esc = if prof.slow_escalation { 0.20 } else { 0.10 };
        if let (Some(f), false, "resolved") = (first, outbound, outcome) {
            if xe < p_esc {
                let mut tu = u;
                while tu == u {
                    tu = *pick(r, &ESCALATION_TARGETS);
                }
                esc_to = UNITS[tu];
                let at = if SLA_BUSINESS_TIME[c] {
                    cal.add_business(f, r.gen_range(60..2 * HOUR))
                } else {
                    f + r.gen_range(60..900)
                };
                esc_at = Some(at);
                let (x, y): (f64, f64) = (r.gen(), r.gen());
                let unanswered = if prof.slow_escalation { 0.25 } else { 0.10 };
                if y >= unanswered {
                    let days = if prof.slow_escalation {
                        3.0 + 5.0 * x
                    } else if x < 0.6 {
                        x / 0.6
                    } else if x < 0.9 {
                        1.0 + (x - 0.6) / 0.3 * 2.0
                    } else {
                        3.0 + (x - 0.9) / 0.1 * 5.0
                    };
                    let a = cal.add_business(at, (days * 10.0 * HOUR as f64) as i64);
                    esc_ans = Some(a);
                    resolved = Some(cal.add_business(a, r.gen_range(0..2 * HOUR)));
                } else {
                    resolved = None;
                }
                outcome = "escalated";
            } else if r.gen::<f64>() < 0.02 {
                outcome = "pending";
                resolved = None;
            }
        }

        // Nothing after the extraction cutoff exists yet.
        let cut = |v: Option<i64>| v.filter(|&v| v <= self.cutoff);
        first = cut(first);
        resolved = cut(resolved);
        esc_at = cut(esc_at);
        esc_ans = cut(esc_ans);
        if first.is_none() && matches!(outcome, "resolved" | "escalated") {
            outcome = "pending";
            resolved = None;
            esc_at = None;
            esc_ans = None;
        }
        if esc_at.is_none() {
            esc_to = "";
            esc_ans = None;
            if outcome == "escalated" {
                outcome = "pending";
            }
        }
        if resolved.is_none() && outcome == "resolved" {
            outcome = "pending";
        }

        row.agent.clear();
        if first.is_some() {
            let agent: &String = pick(r, &m.agents[u]);
            row.agent.push_str(agent);
        }
        let answered_inbound = first.is_some() && !outbound;
        let (g, n, h, p): (f64, f64, f64, f64) = (r.gen(), r.gen(), r.gen(), r.gen());
        let sn = |ok: bool| if ok { "si" } else { "no" };
        row.protocol = if answered_inbound {
            [
                sn(g < prof.greet),
                sn(n < if prof.greet < 0.8 { 0.8 } else { 0.93 }),
                sn(h < 0.85),
                sn(outcome != "pending" && p < 0.96),
            ]
        } else {
            ["", "", "", ""]
        };
        row.escalated_to = esc_to;
        row.escalated_at = esc_at;
        row.escalation_answered = esc_ans;
        row.first_response = first;
        row.resolved = resolved;
        row.outcome = outcome;

        // ---- defects and re-sends (draws are unconditional so that
        // with_defects=false changes nothing but the defective rows)
        let (dx, dk, dback): (f64, u8, i64) = (r.gen(), r.gen_range(0..4), r.gen_range(60..HOUR));
        let (rx, rdue, rlater): (f64, u64, i64) = (
            r.gen(),
            r.gen_range(50..20_000),
            r.gen_range(HOUR..24 * HOUR),
        );
        let defect = dx < DEFECT_RATE;
        if defect && self.defects {
            match dk {
                0 => row.unit = "fac_ingenieria",
                1 => row.channel = "fax",
                2 => row.impossible_date = true,
                _ => row.first_response = Some(t - dback),
            }
            self.counts.malformed += 1;
        }
        if !defect && rx < RESEND_RATE && outcome == "resolved" {
            if let (Some(f), Some(res)) = (first, resolved) {
                let later = res.max(cal.add_business(f, rlater));
                if later <= self.cutoff {
                    let mut again = row.clone();
                    again.resolved = Some(later);
                    row.outcome = "pending";
                    row.resolved = None;
                    row.protocol[3] = if answered_inbound { "no" } else { "" };
                    let due = self.seq + rdue;
                    self.next_due = self.next_due.min(due);
                    self.resend.push((due, again));
                }
            }
        }
        write::write_interaction(&mut self.ix, &self.row)
            .map_err(|e| write::csv_err(&self.ix_path, e))?;
        self.counts.interactions += 1;

        // ---- surveys
        let stakeholder = self.row.stakeholder;
        let (xs, xu): (f64, f64) = (self.srng.gen(), self.srng.gen());
        let p_link = if burst { 0.35 } else { 0.092 };
        if answered_inbound && xs < p_link {
            let link = Linked {
                c,
                burst,
                met,
                person,
                stakeholder,
                done: resolved.or(first).unwrap_or(t),
            };
            self.survey(ctx, Some(&link), u)?;
        }
        if xu < 0.036 {
            self.survey(ctx, None, u)?;
        }
        Ok(())
    }

    fn survey(&mut self, ctx: &DayCtx, link: Option<&Linked>, u: usize) -> Result<(), DemoError> {
        let m = self.m;
        let r = &mut self.srng;
        let s = &mut self.srow;
        let prof_u = |c: Option<usize>| match c {
            Some(c) => m.profiles[u][c],
            None => m.profiles[u][WHATSAPP],
        };
        let (submitted, channel, burst, met, person) = match link {
            Some(l) => {
                let x: f64 = r.gen();
                let at = l.done + 1800 + (x * x * 72.0 * HOUR as f64) as i64;
                (at, Some(l.c), l.burst, Some(l.met), l.person)
            }
            None => {
                let at = ctx.day * 86_400 + r.gen_range(7 * HOUR..22 * HOUR);
                let c = if r.gen::<f64>() < 0.55 {
                    Some(m.channel_by_unit[u].pick(r.gen()))
                } else {
                    None
                };
                let pidx = if r.gen::<f64>() < 0.10 {
                    r.gen_range(0..self.pool)
                } else {
                    self.next_person += 1;
                    self.pool + self.next_person
                };
                (at, c, false, None, Person::new(self.salt, pidx))
            }
        };
        let prof = prof_u(channel);
        let instrument = if burst {
            "post_crisis"
        } else if channel == Some(PHONE) && r.gen::<f64>() < 0.7 {
            "telefonica"
        } else {
            match u {
                EDUCACION_CONTINUA => "educacion_continua",
                _ if is_faculty(u) => "entrevista_facultad",
                CENTRO_VETERINARIA | ICMT_APARTADO => "telefonica",
                _ => "mailing_pre_pos",
            }
        };
        let p_time = match met {
            Some(true) => 0.93,
            Some(false) => 0.30,
            None => prof.sla * 0.93 + (1.0 - prof.sla) * 0.30,
        };
        let (pk, pi, pt) = if burst {
            (0.25, 0.25, 0.15)
        } else {
            (prof.kind, prof.info, p_time)
        };
        let mut lk = [likert(r, pk), likert(r, pi), likert(r, pt), 0];
        for v in lk.iter_mut().take(3) {
            if r.gen::<f64>() < 0.03 {
                *v = 0; // N/A
            }
        }
        let (sum, n) = lk[..3]
            .iter()
            .filter(|&&v| v > 0)
            .fold((0u32, 0u32), |(s, n), &v| (s + v as u32, n + 1));
        let noise = r.gen::<f64>() - 0.5;
        lk[3] = if burst {
            r.gen_range(1..=2)
        } else if n == 0 {
            likert(r, 0.85)
        } else {
            (sum as f64 / n as f64 + noise * 0.8)
                .round()
                .clamp(1.0, 5.0) as u8
        };
        if !burst && r.gen::<f64>() < 0.02 {
            lk[3] = 0;
        }
        let overall = lk[3];
        let x: f64 = r.gen();
        let nps = match overall {
            5 => {
                if x < 0.85 {
                    r.gen_range(9..=10)
                } else {
                    8
                }
            }
            4 => r.gen_range(7..=9),
            3 => r.gen_range(5..=7),
            2 => r.gen_range(2..=5),
            1 => r.gen_range(0..=3),
            _ => r.gen_range(6..=9),
        };
        s.nps = if r.gen::<f64>() < 0.05 {
            None
        } else {
            Some(nps)
        };

        s.comment.clear();
        if r.gen::<f64>() < if burst { 0.9 } else { 0.45 } {
            let list = if burst {
                COMMENTS_BURST
            } else if overall >= 4 || overall == 0 {
                COMMENTS_GOOD
            } else if overall == 3 {
                COMMENTS_MID
            } else {
                COMMENTS_BAD
            };
            s.comment.push_str(pick::<&str>(r, list));
            if r.gen::<f64>() < 0.05 {
                if r.gen::<f64>() < 0.5 {
                    s.comment.push_str(". Mi celular es ");
                    push_mobile(&mut s.comment, person.mobile(), 1);
                } else {
                    s.comment.push_str(". Escríbanme a ");
                    push_email(&mut s.comment, person, 0);
                }
            }
        }
        s.respondent.clear();
        let x: f64 = r.gen();
        if x >= 0.15 {
            let kind = if x < 0.62 {
                ContactKind::Email
            } else if x < 0.92 {
                ContactKind::Mobile
            } else {
                ContactKind::Cedula
            };
            push_contact(&mut s.respondent, person, kind, r.gen());
        }
        let x: f64 = r.gen();
        s.habeas = if x < 0.75 {
            "si"
        } else if x < 0.90 {
            "no"
        } else {
            ""
        };
        let (dx, dk): (f64, usize) = (r.gen(), r.gen_range(0..4));
        if submitted > self.cutoff {
            return Ok(());
        }
        if dx < DEFECT_RATE && self.defects {
            lk[dk] = 7;
            self.counts.malformed += 1;
        }
        self.survey_seq += 1;
        s.id.clear();
        let _ = write!(s.id, "ENC-{}-{:07}", ctx.year, self.survey_seq);
        s.survey = instrument;
        s.submitted = submitted;
        s.unit = UNITS[u];
        s.channel = channel.map_or("", |c| CHANNELS[c]);
        s.interaction_id.clear();
        if link.is_some() {
            s.interaction_id.push_str(&self.row.id);
        }
        s.stakeholder = match link {
            Some(l) => l.stakeholder,
            None => STAKEHOLDERS[m.stakeholder_by_unit[u].pick(r.gen())],
        };
        s.likert = lk;
        write::write_survey(&mut self.sv, s).map_err(|e| write::csv_err(&self.sv_path, e))?;
        self.counts.surveys += 1;
        Ok(())
    }
}

// ---------------------------------------------------------------- shopper

/// Mystery-shopper evaluations: ~30 per unit per month, one row per rubric item.
/// Returns (rows, malformed rows).
fn shopper(
    m: &Model,
    opts: &DemoOptions,
    end: NaiveDate,
    w: &mut CsvOut,
) -> csv::Result<(u64, u64)> {
    let mut r = Rng64::new(opts.seed, 2);
    let (mut rows, mut bad) = (0u64, 0u64);
    let mut row = ShopperRow::default();
    let mut evals: Vec<(i64, usize, usize)> = Vec::new();
    let mut month_first = opts.start.with_day(1).unwrap();
    while month_first < end {
        let next = month_first + Months::new(1);
        let (from, to) = (
            day_number(month_first.max(opts.start)),
            day_number(next.min(end)),
        );
        let frac = (to - from) as f64 / (day_number(next) - day_number(month_first)) as f64;
        evals.clear();
        for u in 0..UNITS.len() {
            let n = ((28 + r.gen_range(0..5)) as f64 * frac).round() as usize;
            for _ in 0..n {
                let c = shopper_channel(m, u, r.gen());
                let mut day = r.gen_range(from..to);
                for _ in 0..20 {
                    if m.cal.window(day).is_some() {
                        break;
                    }
                    day = r.gen_range(from..to);
                }
                let Some((o, cl)) = m.cal.window(day) else {
                    continue;
                };
                evals.push((day * 86_400 + r.gen_range(o..cl - 600), u, c));
            }
        }
        evals.sort_unstable();
        for (i, &(t, u, c)) in evals.iter().enumerate() {
            let prof = m.profiles[u][c];
            row.id.clear();
            let _ = write!(
                row.id,
                "EV-{}-{:02}-{:04}",
                month_first.year(),
                month_first.month(),
                i + 1
            );
            row.evaluated = t;
            row.unit = UNITS[u];
            row.channel = CHANNELS[c];
            row.shopper = *pick(&mut r, &SHOPPER_IDS);
            row.scenario = *pick(&mut r, scenarios(u));
            let met = r.gen::<f64>() < prof.sla;
            let wait = sla_delay(met, SLA_TARGET_SECS[c], r.gen());
            row.wait_seconds.clear();
            let _ = write!(row.wait_seconds, "{wait}");
            for &item in rubric(c) {
                let (p_pass, p_na) = match item {
                    "greeting" | "closing" => (prof.greet, 0.0),
                    "introduction" => (prof.greet.min(0.92), 0.0),
                    "correct_information" => (prof.info_item, 0.0),
                    "complete_information" => ((prof.info_item + 0.03).min(0.95) - 0.05, 0.0),
                    "response_time" => (if met { 1.0 } else { 0.0 }, 0.0),
                    "habeas_script" => (0.86, 0.05),
                    "correct_escalation" => (if prof.slow_escalation { 0.45 } else { 0.9 }, 0.4),
                    _ => (0.92, 0.02),
                };
                let (a, b, dx): (f64, f64, f64) = (r.gen(), r.gen(), r.gen());
                let (result, note) = if a < p_na {
                    ("na", "")
                } else if b < p_pass {
                    ("pass", "")
                } else {
                    ("fail", shopper_fail_note(item))
                };
                row.item = item;
                row.result = result;
                row.notes = note;
                if dx < DEFECT_RATE && opts.with_defects {
                    row.result = "maybe";
                    bad += 1;
                }
                write::write_shopper(w, &row)?;
                rows += 1;
            }
        }
        month_first = next;
    }
    Ok((rows, bad))
}

fn shopper_channel(m: &Model, u: usize, x: f64) -> usize {
    // Make sure the planted cells get enough evaluations to be visible.
    if u == ADMISIONES {
        if x < 0.15 {
            return EMAIL;
        }
        return m.channel_by_unit[u].pick((x - 0.15) / 0.85);
    }
    m.channel_by_unit[u].pick(x)
}
