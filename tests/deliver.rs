//! Delivery end to end (DESIGN §9): the real `momentos` binary sends alerts and the
//! monthly report to an SMTP server (STARTTLS, AUTH) and an HTTP server started by the
//! test on 127.0.0.1. Each test checks what arrived — the report attached, one webhook per
//! new alert —, that a rerun sends nothing twice, that failures are retried, recorded and
//! sent later, and that no address, password, webhook token or personal data shows in
//! the output, the logs or the `deliveries` table.

mod deliver_support;
mod util;

use std::process::Output;
use std::sync::atomic::Ordering;

use chrono::{Duration, Utc};
use deliver_support::{mime_part, start_http, start_smtp, test_tls, HttpServer, SmtpServer};
use momentos::alerts::{store, Alert, AlertKind, AlertStatus};
use momentos::lake::Lake;
use util::{stderr, stdout, Fixture};

const BOSS: &str = "jefe.calidad@ces.edu.co";
const USER: &str = "usuario-smtp";
const PASSWORD: &str = "clave-secreta-123";
const HOOK_TOKEN: &str = "T0KEN-s3creto";
const REPORT_HTML: &str = "<!DOCTYPE html>\n<html lang=\"es\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"momentos-period\" content=\"2026-03\">\n<title>Informe — marzo de 2026</title>\n</head>\n<body><h1>Informe mensual</h1><p>Atención oportuna: 91 %</p></body></html>\n";

struct World {
    fx: Fixture,
    /// Runs the servers; dropping it (with the world) stops them.
    _rt: tokio::runtime::Runtime,
    smtp: SmtpServer,
    http: HttpServer,
}

fn alert(kind: AlertKind, id: &str, unit: Option<&str>, channel: &str, age: Duration) -> Alert {
    let detected = Utc::now() - age;
    Alert {
        alert_id: id.into(),
        kind,
        unit: unit.map(str::to_string),
        channel: Some(channel.into()),
        started_at: detected - Duration::hours(3),
        ended_at: None,
        detected_at: detected,
        observed: Some(12.0),
        expected: Some(2.0),
        p_value: Some(1e-6),
        evidence: format!(
            "{} en {channel}: 12 señales frente a 2 habituales",
            kind.label()
        ),
        status: AlertStatus::Open,
        due_date: None,
    }
}

/// A lake with two recent alerts and one too old to send, a report folder with its PDF,
/// both servers, and a catalog sending the report and reputational alerts to a person by
/// e-mail, and every alert to a chat webhook.
fn world(attempts: u32) -> World {
    let fx = Fixture::new();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let lake = Lake::open(fx.lake().to_str().unwrap()).unwrap();
    let alerts = vec![
        alert(
            AlertKind::TechnicalOutage,
            "technical_outage.whatsapp.all.2026-03-17T10",
            None,
            "whatsapp",
            Duration::hours(1),
        ),
        alert(
            AlertKind::ReputationalSpike,
            "reputational_spike.mercadeo_pregrado.2026-03-30",
            Some("mercadeo_pregrado"),
            "social",
            Duration::hours(2),
        ),
        alert(
            AlertKind::CriticalItemFailed,
            "critical_item_failed.EV-0001",
            Some("admisiones"),
            "phone",
            Duration::days(40),
        ),
    ];
    rt.block_on(store::write(&lake, &alerts, Utc::now()))
        .unwrap();
    std::fs::create_dir_all(fx.path("reports")).unwrap();
    fx.write("reports/index.html", REPORT_HTML);
    fx.write("reports/informe.pdf", b"%PDF-1.4\n% informe de prueba\n");

    let tls = test_tls();
    let smtp = start_smtp(&rt, &tls);
    let http = start_http(&rt);
    let ca = fx.write("ca.pem", &tls.ca_pem);
    let catalog = format!(
        r#"{}
[delivery]
attempts = {attempts}
backoff = "0s"
max_backoff = "0s"

[delivery.smtp]
host = "127.0.0.1"
port = {}
from = "Calidad del servicio <calidad@ces.edu.co>"
ca_file = "{}"
timeout = "5s"
user_env = "TEST_SMTP_USER"
password_env = "TEST_SMTP_PASSWORD"

[[delivery.recipients]]
name = "direccion_calidad"
email = "{BOSS}"
kinds = ["report", "reputational_spike"]
units = ["mercadeo_pregrado"]

[[delivery.recipients]]
name = "canal_alertas"
webhook_env = "TEST_WEBHOOK_URL"
kinds = ["alerts"]
"#,
        momentos::catalog::DEFAULT_CATALOG,
        smtp.port,
        ca.display()
    );
    fx.write("catalog.toml", catalog);
    std::fs::create_dir_all(fx.path("pipelines")).unwrap();
    fx.write(
        "pipelines/entrega.toml",
        "steps = [\"deliver\"]\n[outputs]\nreport_dir = \"reports\"\n",
    );
    World {
        fx,
        _rt: rt,
        smtp,
        http,
    }
}

impl World {
    fn momentos(&self, args: &[&str]) -> Output {
        let mut c = self.fx.cmd();
        c.arg("--catalog")
            .arg(self.fx.path("catalog.toml"))
            .arg("-vv")
            .args(args)
            .env("TEST_SMTP_USER", USER)
            .env("TEST_SMTP_PASSWORD", PASSWORD)
            .env(
                "TEST_WEBHOOK_URL",
                format!("http://127.0.0.1:{}/hooks/{HOOK_TOKEN}", self.http.port),
            );
        // Loopback only, never through a proxy.
        for v in [
            "HTTP_PROXY",
            "HTTPS_PROXY",
            "ALL_PROXY",
            "http_proxy",
            "https_proxy",
            "all_proxy",
        ] {
            c.env_remove(v);
        }
        c.output().unwrap()
    }

    fn mails(&self) -> Vec<deliver_support::Mail> {
        self.smtp.state.mails.lock().unwrap().clone()
    }

    fn posts(&self) -> Vec<deliver_support::Post> {
        self.http.state.posts.lock().unwrap().clone()
    }

    fn deliveries(&self) -> Vec<String> {
        let out = self.momentos(&[
            "sql",
            "--format",
            "csv",
            "select delivery_id, status, attempts, coalesce(last_error, '') from deliveries order by delivery_id",
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        stdout(&out).lines().skip(1).map(str::to_string).collect()
    }

    /// Runs `momentos ARGS`, checks its exit status and that its output is clean.
    fn expect(&self, code: i32, args: &[&str]) -> Output {
        let out = self.momentos(args);
        let shown = format!("{}{}", stdout(&out), stderr(&out));
        assert_eq!(out.status.code(), Some(code), "{shown}");
        self.assert_clean(&out);
        out
    }

    /// Nothing secret or personal in what a person or a log reads.
    fn assert_clean(&self, out: &Output) {
        let text = format!("{}{}", stdout(out), stderr(out));
        for secret in [BOSS, PASSWORD, HOOK_TOKEN, "jefe.calidad"] {
            assert!(!text.contains(secret), "`{secret}` leaked:\n{text}");
        }
        assert!(!momentos::privacy::contains_identifier(&text), "{text}");
    }
}

#[test]
fn report_and_new_alerts_arrive_once() {
    let w = world(3);
    w.expect(0, &["deliver", "--report-dir", "reports"]);

    // E-mail: the report (HTML and PDF attached) and the reputational alert of its unit.
    let mails = w.mails();
    assert_eq!(mails.len(), 2, "{mails:#?}");
    for m in &mails {
        assert!(m.tls, "sent outside STARTTLS");
        assert_eq!(m.login, Some((USER.into(), PASSWORD.into())));
        assert_eq!(m.rcpt, vec![format!("<{BOSS}>")]);
    }
    let report = mails
        .iter()
        .find(|m| m.data.contains("informe-2026-03.html"))
        .expect("the report e-mail");
    assert_eq!(
        mime_part(&report.data, "filename=\"informe-2026-03.html\"").unwrap(),
        REPORT_HTML.as_bytes()
    );
    assert!(mime_part(&report.data, "filename=\"informe-2026-03.pdf\"")
        .unwrap()
        .starts_with(b"%PDF"));
    let body = String::from_utf8(mime_part(&report.data, "text/plain").unwrap()).unwrap();
    assert!(body.contains("marzo de 2026"), "{body}");
    let alert_mail = mails.iter().find(|m| !m.data.contains("informe-")).unwrap();
    let body = String::from_utf8(mime_part(&alert_mail.data, "text/plain").unwrap()).unwrap();
    assert!(body.contains("Situación reputacional"), "{body}");
    assert!(!momentos::privacy::contains_identifier(&body), "{body}");

    // Webhook: one POST per recent alert (the 40-day-old one is not news), chat-ready.
    let posts = w.posts();
    assert_eq!(posts.len(), 2, "{posts:#?}");
    let mut kinds: Vec<&str> = posts
        .iter()
        .map(|p| p.body["alert"]["kind"].as_str().unwrap())
        .collect();
    kinds.sort();
    assert_eq!(kinds, ["reputational_spike", "technical_outage"]);
    for p in &posts {
        assert_eq!(p.path, format!("/hooks/{HOOK_TOKEN}"));
        assert!(p.content_type.starts_with("application/json"));
        let text = p.body["text"].as_str().unwrap();
        assert!(text.contains("señales"), "{text}");
        assert!(!momentos::privacy::contains_identifier(text), "{text}");
    }

    let recorded = w.deliveries();
    assert_eq!(recorded.len(), 4, "{recorded:#?}");
    assert!(
        recorded.iter().all(|r| r.contains(",sent,1,")),
        "{recorded:#?}"
    );

    // A rerun sends nothing twice.
    let again = w.expect(0, &["deliver", "--report-dir", "reports"]);
    assert!(stdout(&again).contains("0 enviados"), "{}", stdout(&again));
    assert!(
        stdout(&again).contains("4 ya enviados antes"),
        "{}",
        stdout(&again)
    );
    assert_eq!(w.mails().len(), 2);
    assert_eq!(w.posts().len(), 2);
}

#[test]
fn failures_are_retried_recorded_in_runs_and_sent_by_a_later_run() {
    let w = world(2);
    // The mail server refuses for a while, echoing the address as real servers do; the
    // webhook answers 500 twice.
    *w.smtp.state.fail_line.lock().unwrap() =
        format!("451 4.2.0 <{BOSS}>: buzón temporalmente no disponible");
    w.smtp.state.fail_next.store(100, Ordering::SeqCst);
    w.http.state.fail_next.store(2, Ordering::SeqCst);

    w.expect(1, &["run", "entrega"]);
    assert!(w.mails().is_empty() && w.posts().is_empty());
    // Two attempts each for the first message of each recipient; their other messages
    // wait for the next run instead of hammering a server that is down.
    let recorded = w.deliveries();
    assert_eq!(recorded.len(), 2, "{recorded:#?}");
    assert!(
        recorded.iter().all(|r| r.contains(",failed,2,")),
        "{recorded:#?}"
    );
    assert!(
        recorded.iter().any(|r| r.contains("HTTP 500")),
        "{recorded:#?}"
    );
    assert!(recorded.iter().any(|r| r.contains("451")), "{recorded:#?}");
    assert!(!recorded.concat().contains("jefe.calidad"), "{recorded:#?}");
    let runs = w.momentos(&[
        "sql",
        "--format",
        "csv",
        "select r.status, s.status, r.error from runs r join run_steps s using (run_id)",
    ]);
    let runs = stdout(&runs);
    assert!(runs.contains("failed,failed"), "{runs}");
    assert!(
        runs.contains("alert/reputational_spike.mercadeo_pregrado.2026-03-30/direccion_calidad"),
        "{runs}"
    );
    assert!(
        !runs.contains("jefe.calidad") && !runs.contains(HOOK_TOKEN),
        "{runs}"
    );

    // The servers recover: the next run sends everything, once.
    w.smtp.state.fail_next.store(0, Ordering::SeqCst);
    w.expect(0, &["run", "entrega"]);
    assert_eq!(w.mails().len(), 2);
    assert_eq!(w.posts().len(), 2);
    let recorded = w.deliveries();
    assert_eq!(recorded.len(), 4, "{recorded:#?}");
    assert!(
        recorded.iter().all(|r| r.contains(",sent,")),
        "{recorded:#?}"
    );
    // The message that failed twice went on the third attempt; the postponed ones on
    // their first.
    assert!(
        recorded.iter().any(|r| r.starts_with(
            "alert/reputational_spike.mercadeo_pregrado.2026-03-30/direccion_calidad,sent,3,"
        )),
        "{recorded:#?}"
    );
    assert!(
        recorded
            .iter()
            .any(|r| r.starts_with("report/2026-03/direccion_calidad,sent,1,")),
        "{recorded:#?}"
    );
    w.expect(0, &["run", "entrega"]);
    assert_eq!((w.mails().len(), w.posts().len()), (2, 2));
}

#[test]
fn a_refused_message_is_not_retried_in_the_run_and_holds_nothing_back() {
    let w = world(3);
    *w.smtp.state.fail_line.lock().unwrap() =
        format!("550 5.7.1 <{BOSS}>: mensaje rechazado por política");
    w.smtp.state.fail_next.store(1, Ordering::SeqCst);
    w.expect(1, &["deliver"]);
    // The alert e-mail was refused once and not retried; the report still went.
    let mails = w.mails();
    assert_eq!(mails.len(), 1);
    assert!(mails[0].data.contains("informe-2026-03.html"));
    let recorded = w.deliveries();
    assert!(
        recorded.iter().any(|r| r.starts_with(
            "alert/reputational_spike.mercadeo_pregrado.2026-03-30/direccion_calidad,failed,1,SMTP"
        ) && r.contains("550")
            && !r.contains("jefe.calidad")),
        "{recorded:#?}"
    );
    // The next run sends it.
    w.expect(0, &["deliver"]);
    assert_eq!(w.mails().len(), 2);
}

#[test]
fn dry_run_sends_and_records_nothing() {
    let w = world(1);
    let out = w.expect(0, &["deliver", "--dry-run"]);
    assert!(
        stdout(&out).contains("Se enviarían 4 mensajes"),
        "{}",
        stdout(&out)
    );
    assert!(w.mails().is_empty() && w.posts().is_empty());
    assert!(w.deliveries().is_empty());
}
