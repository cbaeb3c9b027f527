//! The catalog's `[alerts]` section (DESIGN §6.7): thresholds of the difficult-situation
//! alerts and which comment themes count as dissatisfaction. Every key has a default that
//! holds the figures of §6.7, so a catalog without the section works.

use serde::Deserialize;

use crate::t;

/// `[alerts]` as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlertsConfig {
    /// Weeks of history a baseline looks back at (same weekday and hour).
    pub baseline_weeks: u32,
    /// Usable weeks (open, not a holiday or closure, not inside an alert) a baseline needs.
    pub min_baseline_weeks: u32,
    /// Exact tail probability at or below which one open hour is abnormal.
    pub hour_p_value: f64,
    /// Consecutive abnormal open hours that make an alert (one hour alone is noise).
    pub min_hours: u32,
    /// Exact tail probability of the whole run at or below which it is raised.
    pub run_p_value: f64,
    /// Outage: an hour's inbound volume at most this share of the usual.
    pub outage_max_ratio: f64,
    /// Abandonment: an hour's phone abandonment rate at least this.
    pub abandonment_min_rate: f64,
    /// Abandonment: the usual rate is never taken below this.
    pub abandonment_min_baseline_rate: f64,
    /// Reputational: a day's tail probability at or below which it is abnormal.
    pub reputational_p_value: f64,
    /// Reputational: a day needs at least this many times its usual count …
    pub reputational_min_ratio: f64,
    /// … and at least this many dissatisfied signals.
    pub reputational_min_count: u32,
    /// Reputational: the usual daily count is never taken below this.
    pub reputational_min_expected: f64,
    /// Days a `critical_item_failed` alert stays open after the evaluation.
    pub critical_open_days: u32,
    /// Themes of `[themes]` that mark a comment or note as dissatisfied; when not written,
    /// those of [`DEFAULT_NEGATIVE_THEMES`] that the catalog defines.
    pub negative_themes: Option<Vec<String>>,
}

/// The negative themes of a catalog that does not name its own (the embedded catalog's).
pub const DEFAULT_NEGATIVE_THEMES: &[&str] = &["demora", "mala_atencion", "informacion_erronea"];

impl AlertsConfig {
    /// The negative themes in force (see [`AlertsConfig::negative_themes`]).
    pub fn negative_themes(&self) -> Vec<&str> {
        match &self.negative_themes {
            Some(written) => written.iter().map(String::as_str).collect(),
            None => DEFAULT_NEGATIVE_THEMES.to_vec(),
        }
    }
}

impl Default for AlertsConfig {
    fn default() -> Self {
        AlertsConfig {
            baseline_weeks: 8,
            min_baseline_weeks: 4,
            hour_p_value: 0.01,
            min_hours: 2,
            run_p_value: 1e-4,
            outage_max_ratio: 0.5,
            abandonment_min_rate: 0.3,
            abandonment_min_baseline_rate: 0.02,
            reputational_p_value: 1e-3,
            reputational_min_ratio: 3.0,
            reputational_min_count: 5,
            reputational_min_expected: 1.0,
            critical_open_days: 30,
            negative_themes: None,
        }
    }
}

/// The checked `[alerts]` settings.
pub type AlertParams = AlertsConfig;

/// Checks ranges and that every negative theme written is a `[themes]` entry (a catalog
/// that names none keeps working with its own themes); errors are `(key, message)`.
pub fn check(
    a: &AlertsConfig,
    themes: &std::collections::BTreeMap<String, Vec<String>>,
) -> Result<(), (String, String)> {
    let prob = |key: &str, v: f64| {
        if v.is_finite() && v > 0.0 && v < 1.0 {
            Ok(())
        } else {
            Err((
                format!("alerts.{key}"),
                t!("catalog-not-a-probability", value = crate::i18n::plain(v)),
            ))
        }
    };
    prob("hour_p_value", a.hour_p_value)?;
    prob("run_p_value", a.run_p_value)?;
    prob("reputational_p_value", a.reputational_p_value)?;
    prob("outage_max_ratio", a.outage_max_ratio)?;
    prob("abandonment_min_rate", a.abandonment_min_rate)?;
    prob(
        "abandonment_min_baseline_rate",
        a.abandonment_min_baseline_rate,
    )?;
    if a.baseline_weeks == 0 || a.min_baseline_weeks == 0 || a.min_baseline_weeks > a.baseline_weeks
    {
        return Err((
            "alerts.min_baseline_weeks".into(),
            t!("catalog-baseline-weeks"),
        ));
    }
    if a.min_hours == 0 {
        return Err(("alerts.min_hours".into(), t!("catalog-at-least-one")));
    }
    if !(a.reputational_min_ratio.is_finite() && a.reputational_min_ratio >= 1.0) {
        return Err((
            "alerts.reputational_min_ratio".into(),
            t!("catalog-number-at-least-one"),
        ));
    }
    if !(a.reputational_min_expected.is_finite() && a.reputational_min_expected > 0.0) {
        return Err((
            "alerts.reputational_min_expected".into(),
            t!("catalog-positive-number"),
        ));
    }
    for (i, theme) in a.negative_themes.iter().flatten().enumerate() {
        if !themes.contains_key(theme) {
            return Err((
                format!("alerts.negative_themes[{i}]"),
                t!(
                    "catalog-unknown-theme",
                    theme = theme,
                    defined = themes.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
            ));
        }
    }
    Ok(())
}
