//! The catalog (DESIGN §3.4): units, channels, hours, targets, weights and rubrics that every
//! other part reads. It ships inside the binary so `momentos` works anywhere; a project folder
//! overrides it. Loading is strict: unknown keys and bad values are errors naming the file,
//! the key and what is allowed.

pub mod alerts;
mod config;
pub mod delivery;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use crate::score::calendar::{DayHours, WeeklyHours};
use crate::t;
use crate::vocabulary::{Attribute, Channel};
use config::CatalogFile;

/// The default catalog, embedded at build time.
pub const DEFAULT_CATALOG: &str = include_str!("../../catalog.toml");
/// Environment variable naming a catalog file.
pub const CATALOG_ENV: &str = "MOMENTOS_CATALOG";

/// Ley 1755 de 2015 art. 14: petitions are answered within 15 business days.
pub const MAX_ESCALATION_DAYS: u32 = 15;
/// Business days to answer an escalation when the unit does not say (DESIGN §6.2).
pub const DEFAULT_ESCALATION_DAYS: u32 = 3;

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("{}", crate::t!("catalog-cannot-read", path = .path, error = .source.to_string()))]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{origin}:{line}:{column}: {message}")]
    Syntax {
        origin: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{origin}: `{key}`: {message}")]
    Invalid {
        origin: String,
        key: String,
        message: String,
    },
}

/// Where the catalog came from, for messages.
#[derive(Debug, Clone)]
pub enum CatalogOrigin {
    Embedded,
    File(PathBuf),
}

impl std::fmt::Display for CatalogOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CatalogOrigin::Embedded => f.write_str(&t!("catalog-embedded")),
            CatalogOrigin::File(p) => write!(f, "{}", p.display()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlaClock {
    Wall,
    Business,
}

impl SlaClock {
    pub fn code(self) -> &'static str {
        match self {
            SlaClock::Wall => "wall",
            SlaClock::Business => "business",
        }
    }
}

#[derive(Debug, Clone)]
pub struct ChannelSpec {
    pub channel: Channel,
    pub label: String,
    /// Wall seconds or business seconds, per `clock`.
    pub sla_seconds: u32,
    pub clock: SlaClock,
    pub hours_profile: String,
}

#[derive(Debug, Clone)]
pub struct UnitSpec {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub responsible: String,
    pub escalation_sla_days: u32,
}

#[derive(Debug, Clone)]
pub struct RubricItem {
    pub channel: Channel,
    pub item: String,
    pub attribute: Option<Attribute>,
    pub weight: f64,
    pub critical: bool,
    pub protocol_step: bool,
}

#[derive(Debug, Clone)]
pub struct TargetRule {
    pub attribute: Attribute,
    pub unit: Option<String>,
    pub channel: Option<Channel>,
    pub target: f64,
}

/// Scoring parameters (DESIGN §6 defaults unless the catalog says otherwise).
#[derive(Debug, Clone)]
pub struct ScoringParams {
    pub target: f64,
    pub min_n: u32,
    pub min_source_n: u32,
    pub pass_mark: f64,
    pub fdr_q: f64,
    pub alpha: f64,
    pub short_abandon_seconds: u32,
    pub plan_commitment_days: u32,
    /// (attribute, source) → weight; sources are `interactions`, `survey`, `shopper`.
    pub weights: BTreeMap<(Attribute, String), f64>,
}

/// The checked catalog.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub origin: CatalogOrigin,
    pub scoring: ScoringParams,
    pub targets: Vec<TargetRule>,
    pub time_zone: chrono_tz::Tz,
    pub closures: BTreeSet<NaiveDate>,
    pub hours: BTreeMap<String, WeeklyHours>,
    pub channels: BTreeMap<Channel, ChannelSpec>,
    pub units: BTreeMap<String, UnitSpec>,
    pub rubric: Vec<RubricItem>,
    pub themes: BTreeMap<String, Vec<String>>,
    /// `[alerts]`: thresholds of the alerts and the negative themes.
    pub alerts: alerts::AlertParams,
    /// `[delivery]`: recipients of the report and the alerts, and the SMTP server.
    pub delivery: delivery::DeliverySettings,
    /// `[retention] months`: full months of data kept before the current one (`None`: all).
    pub retention_months: Option<u32>,
}

impl Catalog {
    /// The catalog embedded in the binary.
    pub fn embedded() -> Catalog {
        Catalog::from_toml(DEFAULT_CATALOG, CatalogOrigin::Embedded)
            .expect("the embedded catalog is checked by a unit test")
    }

    /// Chooses the catalog: an explicit file, else `$MOMENTOS_CATALOG`, else `./catalog.toml`
    /// when present, else the embedded default.
    pub fn discover(explicit: Option<&Path>) -> Result<Catalog, CatalogError> {
        let from_env = std::env::var_os(CATALOG_ENV).map(PathBuf::from);
        let local = PathBuf::from("catalog.toml");
        let chosen = explicit
            .map(Path::to_path_buf)
            .or(from_env)
            .or_else(|| local.is_file().then_some(local));
        match chosen {
            Some(path) => Catalog::load(&path),
            None => Ok(Catalog::embedded()),
        }
    }

    pub fn load(path: &Path) -> Result<Catalog, CatalogError> {
        let text = std::fs::read_to_string(path).map_err(|source| CatalogError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Catalog::from_toml(&text, CatalogOrigin::File(path.to_path_buf()))
    }

    pub fn from_toml(text: &str, origin: CatalogOrigin) -> Result<Catalog, CatalogError> {
        let file: CatalogFile =
            toml::from_str(text).map_err(|e| syntax_error(text, &e, &origin))?;
        build(file, origin)
    }

    pub fn unit(&self, code: &str) -> Option<&UnitSpec> {
        self.units.get(code)
    }

    pub fn channel(&self, channel: Channel) -> &ChannelSpec {
        &self.channels[&channel]
    }

    /// The target for a cell: the most specific matching rule, else the default.
    pub fn target_for(&self, attribute: Attribute, unit: &str, channel: Channel) -> f64 {
        self.targets
            .iter()
            .filter(|t| t.attribute == attribute)
            .filter(|t| t.unit.as_deref().is_none_or(|u| u == unit))
            .filter(|t| t.channel.is_none_or(|c| c == channel))
            .max_by_key(|t| t.unit.is_some() as u8 * 2 + t.channel.is_some() as u8)
            .map(|t| t.target)
            .unwrap_or(self.scoring.target)
    }

    pub fn rubric_item(&self, channel: Channel, item: &str) -> Option<&RubricItem> {
        self.rubric
            .iter()
            .find(|r| r.channel == channel && r.item == item)
    }
}

/// A TOML error told like a pipeline file's (the key, and for a typo the key meant), at the
/// position TOML reports.
fn syntax_error(text: &str, e: &toml::de::Error, origin: &CatalogOrigin) -> CatalogError {
    let (line, column) = e.span().map(|s| line_col(text, s.start)).unwrap_or((1, 1));
    let origin = origin.to_string();
    let problem = crate::pipeline::problem::from_toml_error(
        Path::new(&origin),
        text,
        e,
        &t!("catalog-example"),
    );
    let mut message = format!("`{}`: {}", problem.key, problem.message);
    if let Some(fix) = &problem.fix {
        message.push_str(&format!("\n    {}", t!("problem-fix", fix = fix)));
    }
    CatalogError::Syntax {
        origin,
        line,
        column,
        message,
    }
}

/// 1-based line and column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

fn build(file: CatalogFile, origin: CatalogOrigin) -> Result<Catalog, CatalogError> {
    let invalid = |key: String, message: String| CatalogError::Invalid {
        origin: origin.to_string(),
        key,
        message,
    };
    let s = &file.scoring;
    check_range("scoring.target", s.target, 0.0, 100.0)
        .map_err(|m| invalid("scoring.target".into(), m))?;
    check_range("scoring.pass_mark", s.pass_mark, 0.0, 1.0)
        .map_err(|m| invalid("scoring.pass_mark".into(), m))?;
    check_range("scoring.fdr_q", s.fdr_q, 0.0, 1.0)
        .map_err(|m| invalid("scoring.fdr_q".into(), m))?;
    check_range("scoring.alpha", s.alpha, 0.0, 1.0)
        .map_err(|m| invalid("scoring.alpha".into(), m))?;
    if s.min_source_n == 0 {
        return Err(invalid(
            "scoring.min_source_n".into(),
            t!("catalog-at-least-one"),
        ));
    }

    let mut weights = BTreeMap::new();
    for attribute in Attribute::ALL {
        let given = s.weights.get(attribute.code());
        let defaults: &[(&str, f64)] = match attribute {
            Attribute::Timeliness => &[("interactions", 0.5), ("survey", 0.3), ("shopper", 0.2)],
            _ => &[("survey", 0.6), ("shopper", 0.4)],
        };
        match given {
            None => {
                for (src, w) in defaults {
                    weights.insert((*attribute, src.to_string()), *w);
                }
            }
            Some(map) => {
                for (src, w) in map {
                    let key = format!("scoring.weights.{}.{}", attribute.code(), src);
                    let allowed: &[&str] = if *attribute == Attribute::Timeliness {
                        &["interactions", "survey", "shopper"]
                    } else {
                        &["survey", "shopper"]
                    };
                    if !allowed.contains(&src.as_str()) {
                        return Err(invalid(
                            key,
                            t!("catalog-unknown-source", allowed = allowed.join(", ")),
                        ));
                    }
                    if !(w.is_finite() && *w > 0.0) {
                        return Err(invalid(key, t!("catalog-weight-positive")));
                    }
                    weights.insert((*attribute, src.clone()), *w);
                }
            }
        }
    }
    for key in s.weights.keys() {
        if Attribute::parse(key).is_none_or(|a| a.code() != key) {
            return Err(invalid(
                format!("scoring.weights.{key}"),
                t!("catalog-unknown-attribute", allowed = Attribute::codes()),
            ));
        }
    }

    let time_zone: chrono_tz::Tz = file.calendar.time_zone.parse().map_err(|_| {
        invalid(
            "calendar.time_zone".into(),
            t!("catalog-bad-timezone", value = &file.calendar.time_zone),
        )
    })?;
    let mut closures = BTreeSet::new();
    for (i, d) in file.calendar.closures.iter().enumerate() {
        let date = NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| {
            invalid(
                format!("calendar.closures[{i}]"),
                t!("catalog-bad-date", value = d),
            )
        })?;
        closures.insert(date);
    }

    let mut hours = BTreeMap::new();
    for (name, h) in &file.hours {
        let parse = |field: &str, v: &str| {
            parse_interval(v).map_err(|m| invalid(format!("hours.{name}.{field}"), m))
        };
        let weekday = parse("mon_fri", &h.mon_fri)?;
        let sat = parse("sat", &h.sat)?;
        let sun = parse("sun", &h.sun)?;
        hours.insert(
            name.clone(),
            WeeklyHours {
                days: [weekday, weekday, weekday, weekday, weekday, sat, sun],
            },
        );
    }

    let mut channels = BTreeMap::new();
    for (code, c) in &file.channels {
        let channel = Channel::parse(code)
            .filter(|ch| ch.code() == code)
            .ok_or_else(|| {
                invalid(
                    format!("channels.{code}"),
                    t!("catalog-unknown-channel", allowed = Channel::codes()),
                )
            })?;
        let sla_seconds = parse_duration(&c.first_response_sla)
            .map_err(|m| invalid(format!("channels.{code}.first_response_sla"), m))?;
        let clock = match c.sla_clock.as_str() {
            "wall" => SlaClock::Wall,
            "business" => SlaClock::Business,
            other => {
                return Err(invalid(
                    format!("channels.{code}.sla_clock"),
                    not_allowed(other, &crate::i18n::or("`wall`", "`business`")),
                ))
            }
        };
        if !hours.contains_key(&c.hours) {
            return Err(invalid(
                format!("channels.{code}.hours"),
                t!(
                    "catalog-no-hours",
                    profile = &c.hours,
                    defined = hours.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
            ));
        }
        channels.insert(
            channel,
            ChannelSpec {
                channel,
                label: c.label.clone(),
                sla_seconds,
                clock,
                hours_profile: c.hours.clone(),
            },
        );
    }
    for channel in Channel::ALL {
        if !channels.contains_key(channel) {
            return Err(invalid(
                format!("channels.{channel}"),
                t!("catalog-missing-channel"),
            ));
        }
    }

    let mut units = BTreeMap::new();
    for (code, u) in &file.units {
        if code.is_empty()
            || !code
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return Err(invalid(format!("units.{code}"), t!("catalog-unit-code")));
        }
        if u.kind != "academic" && u.kind != "service_center" {
            return Err(invalid(
                format!("units.{code}.kind"),
                not_allowed(&u.kind, &crate::i18n::or("`academic`", "`service_center`")),
            ));
        }
        if u.escalation_sla_days == 0 || u.escalation_sla_days > MAX_ESCALATION_DAYS {
            return Err(invalid(
                format!("units.{code}.escalation_sla_days"),
                t!("catalog-escalation-days", max = MAX_ESCALATION_DAYS),
            ));
        }
        units.insert(
            code.clone(),
            UnitSpec {
                code: code.clone(),
                name: u.name.clone(),
                kind: u.kind.clone(),
                responsible: u.responsible.clone(),
                escalation_sla_days: u.escalation_sla_days,
            },
        );
    }
    if units.is_empty() {
        return Err(invalid("units".into(), t!("catalog-needs-unit")));
    }

    let mut targets = Vec::new();
    for (i, t) in file.targets.iter().enumerate() {
        let key = format!("targets[{i}]");
        let attribute = Attribute::parse(&t.attribute).ok_or_else(|| {
            invalid(
                format!("{key}.attribute"),
                t!("catalog-expected-one-of", allowed = Attribute::codes()),
            )
        })?;
        if let Some(u) = &t.unit {
            if !units.contains_key(u) {
                return Err(invalid(
                    format!("{key}.unit"),
                    t!("catalog-unknown-unit", unit = u),
                ));
            }
        }
        let channel = match &t.channel {
            Some(c) => Some(Channel::parse(c).ok_or_else(|| {
                invalid(
                    format!("{key}.channel"),
                    t!("catalog-expected-one-of", allowed = Channel::codes()),
                )
            })?),
            None => None,
        };
        check_range("target", t.target, 0.0, 100.0)
            .map_err(|m| invalid(format!("{key}.target"), m))?;
        targets.push(TargetRule {
            attribute,
            unit: t.unit.clone(),
            channel,
            target: t.target,
        });
    }

    let mut rubric = Vec::new();
    for (code, items) in &file.rubrics {
        let channel = Channel::parse(code)
            .filter(|ch| ch.code() == code)
            .ok_or_else(|| {
                invalid(
                    format!("rubrics.{code}"),
                    t!("catalog-unknown-channel", allowed = Channel::codes()),
                )
            })?;
        for (item, r) in items {
            let key = format!("rubrics.{code}.{item}");
            let attribute = match r.attribute.as_str() {
                "none" => None,
                a => Some(
                    Attribute::parse(a)
                        .filter(|x| x.code() == a)
                        .ok_or_else(|| {
                            invalid(
                                format!("{key}.attribute"),
                                not_allowed(a, &format!("none, {}", Attribute::codes())),
                            )
                        })?,
                ),
            };
            if !(r.weight.is_finite() && r.weight > 0.0) {
                return Err(invalid(
                    format!("{key}.weight"),
                    t!("catalog-weight-positive"),
                ));
            }
            rubric.push(RubricItem {
                channel,
                item: item.clone(),
                attribute,
                weight: r.weight,
                critical: r.critical,
                protocol_step: r.protocol_step,
            });
        }
    }

    alerts::check(&file.alerts, &file.themes).map_err(|(k, m)| invalid(k, m))?;
    let unit_codes: Vec<&str> = file.units.keys().map(String::as_str).collect();
    if file.retention.months == Some(0) {
        return Err(invalid(
            "retention.months".into(),
            t!("catalog-at-least-one"),
        ));
    }
    let delivery = delivery::check(&file.delivery, &unit_codes, &parse_duration)
        .map_err(|(k, m)| invalid(k, m))?;

    Ok(Catalog {
        origin,
        scoring: ScoringParams {
            target: s.target,
            min_n: s.min_n,
            min_source_n: s.min_source_n,
            pass_mark: s.pass_mark,
            fdr_q: s.fdr_q,
            alpha: s.alpha,
            short_abandon_seconds: s.short_abandon_seconds,
            plan_commitment_days: s.plan_commitment_days,
            weights,
        },
        targets,
        time_zone,
        closures,
        hours,
        channels,
        units,
        rubric,
        themes: file.themes,
        alerts: file.alerts,
        delivery,
        retention_months: file.retention.months,
    })
}

/// "`x` is not allowed; expected …", the message of a value outside a fixed set.
pub(crate) fn not_allowed(value: &str, expected: &str) -> String {
    t!("catalog-not-allowed", value = value, expected = expected)
}

fn check_range(_name: &str, v: f64, lo: f64, hi: f64) -> Result<(), String> {
    if v.is_finite() && v >= lo && v <= hi {
        Ok(())
    } else {
        Err(t!(
            "catalog-out-of-range",
            value = crate::i18n::plain(v),
            low = crate::i18n::plain(lo),
            high = crate::i18n::plain(hi)
        ))
    }
}

/// "HH:MM-HH:MM" or "closed".
fn parse_interval(v: &str) -> Result<Option<DayHours>, String> {
    if v.trim().eq_ignore_ascii_case("closed") {
        return Ok(None);
    }
    let bad = || t!("catalog-bad-hours", value = v);
    let (a, b) = v.split_once('-').ok_or_else(bad)?;
    let minute = |t: &str| -> Option<u32> {
        let (h, m) = t.trim().split_once(':')?;
        let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
        (h <= 24 && m < 60 && h * 60 + m <= 1440).then_some(h * 60 + m)
    };
    let (open, close) = (minute(a).ok_or_else(bad)?, minute(b).ok_or_else(bad)?);
    if open >= close {
        return Err(t!("catalog-open-before-close", value = v));
    }
    Ok(Some(DayHours {
        open_minute: open,
        close_minute: close,
    }))
}

/// "20s", "15m", "2h" → seconds.
fn parse_duration(v: &str) -> Result<u32, String> {
    let v = v.trim();
    let bad = || t!("catalog-bad-duration", value = v);
    let (num, unit) = v.split_at(v.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?);
    let n: u32 = num.parse().map_err(|_| bad())?;
    let factor = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        _ => return Err(bad()),
    };
    Ok(n * factor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_catalog_is_valid() {
        let c = Catalog::embedded();
        assert_eq!(c.units.len(), 12);
        assert_eq!(c.channel(Channel::Phone).sla_seconds, 20);
        assert_eq!(c.channel(Channel::Email).sla_seconds, 600 * 60);
        assert_eq!(c.channel(Channel::Email).clock, SlaClock::Business);
        assert_eq!(
            c.scoring.weights[&(Attribute::Timeliness, "interactions".into())],
            0.5
        );
        assert!(
            c.rubric_item(Channel::Phone, "habeas_script")
                .unwrap()
                .critical
        );
    }

    #[test]
    fn unknown_key_names_file_line_and_key() {
        let text = DEFAULT_CATALOG.replace("min_n = 30", "min_nn = 30");
        let err =
            Catalog::from_toml(&text, CatalogOrigin::File("x/catalog.toml".into())).unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("x/catalog.toml:"), "{msg}");
        assert!(msg.contains("clave desconocida `min_nn`"), "{msg}");
        assert!(msg.contains("corrección: ¿quiso decir `min_n`?"), "{msg}");
    }

    #[test]
    fn bad_values_name_the_key_and_what_is_allowed() {
        let cases = [
            (
                "sla_clock = \"wall\"",
                "sla_clock = \"walls\"",
                "channels.phone.sla_clock",
            ),
            (
                "escalation_sla_days = 2",
                "escalation_sla_days = 20",
                "units.admisiones.escalation_sla_days",
            ),
            (
                "mon_fri = \"08:00-17:00\"",
                "mon_fri = \"17:00-08:00\"",
                "hours.office.mon_fri",
            ),
            (
                "first_response_sla = \"20s\"",
                "first_response_sla = \"20 secs\"",
                "channels.phone.first_response_sla",
            ),
        ];
        for (from, to, key) in cases {
            let text = DEFAULT_CATALOG.replacen(from, to, 1);
            let msg = Catalog::from_toml(&text, CatalogOrigin::Embedded)
                .unwrap_err()
                .to_string();
            assert!(msg.contains(key), "{msg} should name {key}");
        }
    }

    #[test]
    fn most_specific_target_wins() {
        let text = format!(
            "{DEFAULT_CATALOG}\n[[targets]]\nattribute = \"timeliness\"\ntarget = 85.0\n\n[[targets]]\nattribute = \"timeliness\"\nunit = \"admisiones\"\nchannel = \"email\"\ntarget = 70.0\n"
        );
        let c = Catalog::from_toml(&text, CatalogOrigin::Embedded).unwrap();
        assert_eq!(
            c.target_for(Attribute::Timeliness, "admisiones", Channel::Email),
            70.0
        );
        assert_eq!(
            c.target_for(Attribute::Timeliness, "admisiones", Channel::Phone),
            85.0
        );
        assert_eq!(
            c.target_for(Attribute::Kindness, "admisiones", Channel::Email),
            80.0
        );
    }
}
