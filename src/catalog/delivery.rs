//! The catalog's `[delivery]` section (DESIGN §9): who receives the monthly report and the
//! alerts, by e-mail or webhook, and how to reach the SMTP server. No secret lives here:
//! the SMTP user and password come from environment variables named by the section, and a
//! webhook URL that carries a token can be named by a variable too. Without the section
//! nothing is delivered.

use serde::Deserialize;

use crate::t;

/// Environment variables holding the SMTP login when the catalog names none.
pub const DEFAULT_SMTP_USER_ENV: &str = "MOMENTOS_SMTP_USER";
pub const DEFAULT_SMTP_PASSWORD_ENV: &str = "MOMENTOS_SMTP_PASSWORD";

/// `[delivery]` as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DeliveryConfig {
    /// The SMTP server (needed when a recipient has an `email`).
    pub smtp: Option<SmtpConfig>,
    /// Attempts per message within one run (≥ 1); a message still failing is tried
    /// again by the next run.
    pub attempts: u32,
    /// Wait after the first failed attempt ("2s", "1m"); doubled after each further one.
    pub backoff: String,
    /// Longest wait between two attempts.
    pub max_backoff: String,
    /// Alerts first raised more than this many days ago are not sent (a first delivery
    /// run on a lake with years of history sends only what is recent).
    pub alert_max_age_days: u32,
    /// Who receives what.
    pub recipients: Vec<RecipientConfig>,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        DeliveryConfig {
            smtp: None,
            attempts: 3,
            backoff: "5s".into(),
            max_backoff: "1m".into(),
            alert_max_age_days: 7,
            recipients: Vec::new(),
        }
    }
}

/// `[delivery.smtp]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    /// Host name of the server (also the name its certificate must carry).
    pub host: String,
    /// 587 (submission with STARTTLS) unless said.
    #[serde(default = "default_port")]
    pub port: u16,
    /// Sender, e.g. "Calidad del servicio <calidad@ces.edu.co>".
    pub from: String,
    /// "starttls" (default: the server must upgrade the connection), "tls" (implicit TLS,
    /// usually port 465) or "none" (only for a server on this machine: 127.0.0.1, ::1
    /// or localhost).
    #[serde(default = "default_tls")]
    pub tls: String,
    /// Extra CA certificate (PEM file) to trust, for a server with an institutional CA.
    pub ca_file: Option<String>,
    /// Give up on one connection attempt after this long.
    #[serde(default = "default_timeout")]
    pub timeout: String,
    /// Variable holding the SMTP user (no login when it is unset).
    #[serde(default = "default_user_env")]
    pub user_env: String,
    /// Variable holding the SMTP password.
    #[serde(default = "default_password_env")]
    pub password_env: String,
}

fn default_port() -> u16 {
    587
}
fn default_tls() -> String {
    "starttls".into()
}
fn default_timeout() -> String {
    "30s".into()
}
fn default_user_env() -> String {
    DEFAULT_SMTP_USER_ENV.into()
}
fn default_password_env() -> String {
    DEFAULT_SMTP_PASSWORD_ENV.into()
}

/// `[[delivery.recipients]]`: one person, list or channel.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecipientConfig {
    /// Short name (letters, digits, `_`, `-`): what the `deliveries` table and the logs
    /// show instead of the address, and what makes a delivery "the same" across runs.
    pub name: String,
    /// E-mail address (one of `email`, `webhook`, `webhook_env`).
    pub email: Option<String>,
    /// Webhook URL (http or https) receiving a JSON POST.
    pub webhook: Option<String>,
    /// Variable holding the webhook URL (for URLs that carry a token).
    pub webhook_env: Option<String>,
    /// What it receives: "report", "alerts" (every kind) or alert kinds
    /// (technical_outage, abandonment_spike, reputational_spike, critical_item_failed,
    /// escalation_overdue).
    pub kinds: Vec<String>,
    /// Units whose alerts it receives; empty: every unit. Alerts of a whole channel
    /// (no unit) go to every recipient of their kind.
    #[serde(default)]
    pub units: Vec<String>,
}

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    StartTls,
    Implicit,
    None,
}

/// Where a recipient is reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Address {
    Email(String),
    Webhook(String),
    /// The URL is read from this variable when sending.
    WebhookEnv(String),
}

impl Address {
    /// `email` or `webhook`, for the `deliveries` table.
    pub fn medium(&self) -> &'static str {
        match self {
            Address::Email(_) => "email",
            Address::Webhook(_) | Address::WebhookEnv(_) => "webhook",
        }
    }
}

/// What a recipient receives.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Kinds {
    pub report: bool,
    /// Alert kind codes; every kind when `all_alerts`.
    pub alerts: Vec<String>,
    pub all_alerts: bool,
}

impl Kinds {
    pub fn wants_alert(&self, kind: &str) -> bool {
        self.all_alerts || self.alerts.iter().any(|k| k == kind)
    }
}

/// A checked recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub name: String,
    pub address: Address,
    pub kinds: Kinds,
    /// Empty: every unit.
    pub units: Vec<String>,
}

impl Recipient {
    /// Whether an alert of this kind and unit (None: a whole channel) goes to it.
    pub fn wants(&self, kind: &str, unit: Option<&str>) -> bool {
        self.kinds.wants_alert(kind)
            && match unit {
                None => true,
                Some(u) => self.units.is_empty() || self.units.iter().any(|x| x == u),
            }
    }
}

/// Checked SMTP settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub from: String,
    pub tls: TlsMode,
    pub ca_file: Option<std::path::PathBuf>,
    pub timeout_seconds: u32,
    pub user_env: String,
    pub password_env: String,
}

/// The checked `[delivery]` settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliverySettings {
    pub smtp: Option<SmtpSettings>,
    pub attempts: u32,
    pub backoff_seconds: u32,
    pub max_backoff_seconds: u32,
    pub alert_max_age_days: u32,
    pub recipients: Vec<Recipient>,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        check(&DeliveryConfig::default(), &[], &|_| Ok(0)).expect("defaults are valid")
    }
}

/// Checks `[delivery]`; errors are `(key, message)`. `units` are the catalog's unit codes;
/// `duration` parses "20s", "15m", "2h".
pub fn check(
    d: &DeliveryConfig,
    units: &[&str],
    duration: &dyn Fn(&str) -> Result<u32, String>,
) -> Result<DeliverySettings, (String, String)> {
    let err = |k: &str, m: String| (format!("delivery.{k}"), m);
    if d.attempts == 0 || d.attempts > 10 {
        return Err(err("attempts", t!("delivery-attempts-range")));
    }
    let backoff_seconds = duration(&d.backoff).map_err(|m| err("backoff", m))?;
    let max_backoff_seconds = duration(&d.max_backoff).map_err(|m| err("max_backoff", m))?;
    if max_backoff_seconds < backoff_seconds {
        return Err(err("max_backoff", t!("delivery-max-backoff")));
    }
    let smtp = d
        .smtp
        .as_ref()
        .map(|s| check_smtp(s, duration))
        .transpose()?;
    let mut recipients: Vec<Recipient> = Vec::new();
    for (i, r) in d.recipients.iter().enumerate() {
        let key = |k: &str| format!("recipients[{i}].{k}");
        let name_ok = !r.name.is_empty()
            && r.name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !name_ok {
            return Err(err(&key("name"), t!("delivery-bad-name", name = &r.name)));
        }
        if recipients.iter().any(|x| x.name == r.name) {
            return Err(err(&key("name"), t!("delivery-name-twice", name = &r.name)));
        }
        let address = match (&r.email, &r.webhook, &r.webhook_env) {
            (Some(e), None, None) => {
                let plausible = e.split_once('@').is_some_and(|(a, b)| {
                    !a.is_empty() && b.contains('.') && !e.contains(char::is_whitespace)
                });
                if !plausible {
                    // The address itself is not repeated: it may be a person's.
                    return Err(err(&key("email"), t!("delivery-not-email")));
                }
                if smtp.is_none() {
                    return Err(err(&key("email"), t!("delivery-email-needs-smtp")));
                }
                Address::Email(e.trim().to_string())
            }
            (None, Some(u), None) => {
                if !(u.starts_with("https://") || u.starts_with("http://")) {
                    return Err(err(&key("webhook"), t!("delivery-webhook-url")));
                }
                Address::Webhook(u.clone())
            }
            (None, None, Some(v)) if !v.trim().is_empty() => Address::WebhookEnv(v.trim().into()),
            _ => return Err(err(&key("email"), t!("delivery-one-address"))),
        };
        let mut kinds = Kinds::default();
        if r.kinds.is_empty() {
            return Err(err(&key("kinds"), t!("delivery-no-kinds")));
        }
        for (j, k) in r.kinds.iter().enumerate() {
            match k.as_str() {
                "report" => kinds.report = true,
                "alerts" => kinds.all_alerts = true,
                other if crate::alerts::AlertKind::parse(other).is_some() => {
                    kinds.alerts.push(other.to_string())
                }
                other => {
                    return Err(err(
                        &key(&format!("kinds[{j}]")),
                        super::not_allowed(
                            other,
                            &format!(
                                "report, alerts, {}",
                                crate::alerts::AlertKind::ALL
                                    .iter()
                                    .map(|k| k.code())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        ),
                    ))
                }
            }
        }
        for (j, u) in r.units.iter().enumerate() {
            if !units.contains(&u.as_str()) {
                return Err(err(
                    &key(&format!("units[{j}]")),
                    t!("delivery-unknown-unit", unit = u),
                ));
            }
        }
        recipients.push(Recipient {
            name: r.name.clone(),
            address,
            kinds,
            units: r.units.clone(),
        });
    }
    Ok(DeliverySettings {
        smtp,
        attempts: d.attempts,
        backoff_seconds,
        max_backoff_seconds,
        alert_max_age_days: d.alert_max_age_days,
        recipients,
    })
}

fn check_smtp(
    s: &SmtpConfig,
    duration: &dyn Fn(&str) -> Result<u32, String>,
) -> Result<SmtpSettings, (String, String)> {
    let err = |k: &str, m: String| (format!("delivery.smtp.{k}"), m);
    if s.host.trim().is_empty() {
        return Err(err("host", t!("delivery-smtp-host")));
    }
    if !s.from.contains('@') {
        return Err(err("from", t!("delivery-smtp-from")));
    }
    let tls = match s.tls.as_str() {
        "starttls" => TlsMode::StartTls,
        "tls" => TlsMode::Implicit,
        "none" => TlsMode::None,
        other => {
            return Err(err(
                "tls",
                super::not_allowed(other, &crate::i18n::or("starttls, tls", "none")),
            ))
        }
    };
    let loopback = matches!(s.host.as_str(), "127.0.0.1" | "::1" | "localhost");
    if tls == TlsMode::None && !loopback {
        return Err(err("tls", t!("delivery-smtp-cleartext")));
    }
    let timeout_seconds = duration(&s.timeout).map_err(|m| err("timeout", m))?;
    if timeout_seconds == 0 {
        return Err(err("timeout", t!("delivery-smtp-timeout")));
    }
    for (k, v) in [("user_env", &s.user_env), ("password_env", &s.password_env)] {
        if v.trim().is_empty() {
            return Err(err(k, t!("delivery-smtp-env")));
        }
    }
    Ok(SmtpSettings {
        host: s.host.trim().to_string(),
        port: s.port,
        from: s.from.trim().to_string(),
        tls,
        ca_file: s.ca_file.as_ref().map(std::path::PathBuf::from),
        timeout_seconds,
        user_env: s.user_env.clone(),
        password_env: s.password_env.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<DeliverySettings, (String, String)> {
        let d: DeliveryConfig = toml::from_str(text).unwrap();
        check(&d, &["admisiones"], &super::super::parse_duration)
    }

    #[test]
    fn no_section_delivers_nothing() {
        let d = DeliverySettings::default();
        assert!(d.recipients.is_empty());
        assert_eq!(d.attempts, 3);
    }

    #[test]
    fn recipients_route_by_kind_and_unit() {
        let d = parse(
            r#"
[smtp]
host = "smtp.example.edu.co"
from = "Calidad <calidad@example.edu.co>"
[[recipients]]
name = "admisiones"
email = "jefe@example.edu.co"
kinds = ["report", "technical_outage"]
units = ["admisiones"]
[[recipients]]
name = "chat"
webhook = "https://chat.example/hook"
kinds = ["alerts"]
"#,
        )
        .unwrap();
        assert_eq!(d.smtp.as_ref().unwrap().tls, TlsMode::StartTls);
        assert_eq!(d.smtp.as_ref().unwrap().port, 587);
        let (a, c) = (&d.recipients[0], &d.recipients[1]);
        assert!(a.kinds.report && !c.kinds.report);
        assert!(a.wants("technical_outage", Some("admisiones")));
        assert!(a.wants("technical_outage", None));
        assert!(!a.wants("technical_outage", Some("fac_derecho")));
        assert!(!a.wants("reputational_spike", Some("admisiones")));
        assert!(c.wants("reputational_spike", Some("fac_derecho")));
    }

    #[test]
    fn mistakes_name_the_key_and_never_the_address() {
        let cases = [
            ("[[recipients]]\nname = \"x\"\nemail = \"secreto@example.edu.co\"\nkinds = [\"report\"]", "recipients[0].email"),
            ("[[recipients]]\nname = \"x\"\nwebhook = \"https://h\"\nkinds = [\"reports\"]", "recipients[0].kinds[0]"),
            ("[[recipients]]\nname = \"x y\"\nwebhook = \"https://h\"\nkinds = [\"report\"]", "recipients[0].name"),
            ("[[recipients]]\nname = \"x\"\nwebhook = \"https://h\"\nkinds = [\"alerts\"]\nunits = [\"nope\"]", "recipients[0].units[0]"),
            ("[smtp]\nhost = \"smtp.example.edu.co\"\nfrom = \"a@b.co\"\ntls = \"none\"", "smtp.tls"),
            ("attempts = 0", "attempts"),
        ];
        for (text, key) in cases {
            let (k, m) = parse(text).unwrap_err();
            assert_eq!(k, format!("delivery.{key}"), "{text}");
            assert!(!m.contains("secreto@"), "{m}");
        }
        let local =
            parse("[smtp]\nhost = \"127.0.0.1\"\nfrom = \"a@b.co\"\ntls = \"none\"").unwrap();
        assert_eq!(local.smtp.unwrap().tls, TlsMode::None);
    }

    /// The examples people copy (README's Delivery section, the commented block of
    /// catalog.toml) must load.
    #[test]
    fn documented_examples_load() {
        let readme = include_str!("../../README.md");
        let section = &readme[readme.find("## Delivery").unwrap()..];
        let start = section.find("```toml\n").unwrap() + "```toml\n".len();
        let example = &section[start..start + section[start..].find("```").unwrap()];
        let shipped = super::super::DEFAULT_CATALOG;
        let commented: String = shipped[shipped.find("# [delivery]").unwrap()..]
            .lines()
            .map(|l| l.strip_prefix("# ").unwrap_or(l.trim_start_matches('#')))
            .collect::<Vec<_>>()
            .join("\n");
        for block in [example, commented.as_str()] {
            let text = format!("{shipped}\n{block}");
            let c =
                crate::catalog::Catalog::from_toml(&text, crate::catalog::CatalogOrigin::Embedded)
                    .unwrap_or_else(|e| panic!("{e}\n{block}"));
            assert!(!c.delivery.recipients.is_empty());
            assert_eq!(c.delivery.smtp.unwrap().tls, TlsMode::StartTls);
        }
    }
}
