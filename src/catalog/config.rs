//! The catalog file as written by people: serde structs, strict about unknown keys.
//! [`super::Catalog::from_toml`] turns it into the checked runtime form.

use std::collections::BTreeMap;

use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogFile {
    /// Targets, thresholds and source weights of the scoring method (DESIGN §6).
    pub scoring: ScoringConfig,
    /// More specific targets for some cells.
    #[serde(default)]
    pub targets: Vec<TargetOverride>,
    /// Time zone and institutional closures.
    pub calendar: CalendarConfig,
    /// Named opening-hours profiles.
    pub hours: BTreeMap<String, HoursConfig>,
    /// One entry per channel code.
    pub channels: BTreeMap<String, ChannelConfig>,
    /// One entry per unit code.
    pub units: BTreeMap<String, UnitConfig>,
    /// Mystery-shopper rubric per channel code: item code → item.
    #[serde(default)]
    pub rubrics: BTreeMap<String, BTreeMap<String, RubricItemConfig>>,
    /// Comment themes: theme → words or stems.
    #[serde(default)]
    pub themes: BTreeMap<String, Vec<String>>,
    /// Thresholds of the difficult-situation alerts (DESIGN §6.7).
    #[serde(default)]
    pub alerts: super::alerts::AlertsConfig,
    /// Who receives the report and the alerts, and how (DESIGN §9).
    #[serde(default)]
    pub delivery: super::delivery::DeliveryConfig,
    /// How long source rows stay in the lake (DESIGN §7).
    #[serde(default)]
    pub retention: RetentionConfig,
}

/// `[retention]`: without `months`, rows are kept until someone deletes them.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionConfig {
    /// Rows whose local date is in a month more than this many months before the current
    /// one leave the lake when `momentos maintain` runs.
    pub months: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoringConfig {
    /// Default target score, 0–100.
    #[serde(default = "default_target")]
    pub target: f64,
    /// Minimum contributing observations for a cell to be judged.
    #[serde(default = "default_min_n")]
    pub min_n: u32,
    /// Minimum observations for a source to contribute to a cell.
    #[serde(default = "default_min_source_n")]
    pub min_source_n: u32,
    /// Weighted pass rate at which a shopper evaluation counts as good.
    #[serde(default = "default_pass_mark")]
    pub pass_mark: f64,
    /// Benjamini–Hochberg false discovery rate.
    #[serde(default = "default_fdr_q")]
    pub fdr_q: f64,
    /// Significance level a flagged cell must also meet.
    #[serde(default = "default_alpha")]
    pub alpha: f64,
    /// Phone abandons within this many seconds are not judged.
    #[serde(default = "default_short_abandon")]
    pub short_abandon_seconds: u32,
    /// Days from a plan's opening to its commitment date.
    #[serde(default = "default_commitment_days")]
    pub plan_commitment_days: u32,
    /// attribute → source → weight.
    #[serde(default)]
    pub weights: BTreeMap<String, BTreeMap<String, f64>>,
}

fn default_target() -> f64 {
    80.0
}
fn default_min_n() -> u32 {
    30
}
fn default_min_source_n() -> u32 {
    5
}
fn default_pass_mark() -> f64 {
    0.8
}
fn default_fdr_q() -> f64 {
    0.10
}
fn default_alpha() -> f64 {
    0.05
}
fn default_short_abandon() -> u32 {
    5
}
fn default_commitment_days() -> u32 {
    30
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetOverride {
    pub attribute: String,
    pub unit: Option<String>,
    pub channel: Option<String>,
    pub target: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarConfig {
    /// IANA time zone of the local dates and opening hours.
    #[serde(default = "default_tz")]
    pub time_zone: String,
    /// Institutional closure dates, "YYYY-MM-DD".
    #[serde(default)]
    pub closures: Vec<String>,
}

fn default_tz() -> String {
    "America/Bogota".into()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HoursConfig {
    /// "HH:MM-HH:MM" or "closed", Monday to Friday.
    pub mon_fri: String,
    pub sat: String,
    pub sun: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelConfig {
    /// Spanish label for reports.
    pub label: String,
    /// "20s", "15m", "600m", "2h".
    pub first_response_sla: String,
    /// "wall" (elapsed time) or "business" (minutes inside opening hours).
    pub sla_clock: String,
    /// Name of an `[hours.*]` profile.
    pub hours: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitConfig {
    pub name: String,
    /// "academic" or "service_center".
    pub kind: String,
    /// Person or role answering for the unit's improvement plans.
    pub responsible: String,
    /// Business days to answer an escalation addressed to this unit (1–15).
    #[serde(default = "default_escalation_days")]
    pub escalation_sla_days: u32,
}

fn default_escalation_days() -> u32 {
    super::DEFAULT_ESCALATION_DAYS
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RubricItemConfig {
    /// "kindness", "information_quality", "timeliness" or "none".
    pub attribute: String,
    #[serde(default = "default_weight")]
    pub weight: f64,
    #[serde(default)]
    pub critical: bool,
    /// Whether the item is a step of the channel protocol (DESIGN §6.5).
    #[serde(default)]
    pub protocol_step: bool,
}

fn default_weight() -> f64 {
    1.0
}
