//! The report's pages as HTML strings. Inline CSS and inline SVG charts only: no scripts,
//! no external resources, so each page travels alone (as an e-mail attachment, or printed
//! to PDF). Every value that came from data or configuration goes through [`esc`].

use std::collections::BTreeMap;
use std::fmt::Write;

use super::data::{status_label, Labels};
use super::escape::{html as esc, slug};
use super::figures::Figure;
use super::format;
use super::ReportData;
use crate::dashboards::{ChartKind, Scope};
use crate::plans::{self, Plan, PlanStatus};
use crate::score::run::ScoreRow;

const CSS: &str = r#"
*{box-sizing:border-box}
body{font-family:"DejaVu Sans",Verdana,Arial,sans-serif;margin:0;color:#1e1e1e;background:#f4f5f7;font-size:15px;line-height:1.45;overflow-wrap:break-word}
header{background:#12355b;color:#fff;padding:22px 32px}
header h1{margin:0 0 6px;font-size:26px}
header p{margin:2px 0;color:#dfe7f1}
nav{background:#fff;border-bottom:1px solid #d8dde3;padding:8px 32px;position:sticky;top:0;display:flex;flex-wrap:wrap;gap:4px 16px}
nav a{color:#12355b;text-decoration:none;font-weight:bold;font-size:14px}
main{max-width:1280px;margin:0 auto;padding:16px 32px 40px}
section{background:#fff;border:1px solid #d8dde3;border-radius:6px;padding:16px 22px;margin:18px 0}
h2{color:#12355b;margin:4px 0 12px;font-size:21px}
h3{margin:4px 0 8px;font-size:18px}
h4{margin:12px 0 4px;font-size:15px;color:#12355b}
.kpis{display:flex;flex-wrap:wrap;gap:12px}
.kpi{border-radius:6px;padding:10px 16px;min-width:150px;color:#fff}
.kpi b{display:block;font-size:26px}
.s-needs_plan{background:#c0392b;color:#fff}
.s-watch{background:#f3b23e;color:#1e1e1e}
.s-ok{background:#2e8b57;color:#fff}
.s-insufficient_data{background:#d7d7d7;color:#333}
.p-open{background:#1f6fb2;color:#fff}.p-overdue{background:#8e44ad;color:#fff}
.p-effective{background:#2e8b57;color:#fff}.p-not_effective{background:#7f2a1f;color:#fff}
.badge{display:inline-block;border-radius:4px;padding:1px 8px;font-size:13px;font-weight:bold}
article.flag{border-left:6px solid #c0392b;background:#fdf6f5;padding:12px 16px;margin:14px 0;border-radius:4px}
.escalate{background:#7f2a1f;color:#fff;padding:8px 12px;border-radius:4px;font-weight:bold}
.story{background:#fff;border:1px solid #e4c9c5;border-radius:4px;padding:6px 12px}
.cols{display:flex;flex-wrap:wrap;gap:18px}
.cols>div{flex:1 1 420px;min-width:0}
.figs{font-size:15px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:4px 0}
dt{font-weight:bold;color:#444}
dd{margin:0}
blockquote{margin:8px 0;padding:6px 12px;border-left:3px solid #999;background:#f1f1f1;font-style:italic}
figure{margin:10px 10px 10px 0;display:inline-block;vertical-align:top;max-width:100%}
figure svg{display:block;max-width:100%;height:auto;border:1px solid #e3e3e3;background:#fff}
.wide figure{margin-right:0}
.wide svg{max-width:none}
.notes{font-size:13px;color:#555;max-width:900px}
.howto{border-left:6px solid #12355b}
.changes{display:grid;grid-template-columns:repeat(auto-fit,minmax(240px,1fr));gap:0 18px}
.howto ul{margin:6px 0;padding-left:20px}
.tw{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;width:100%;font-size:14px}
th,td{border:1px solid #d8dde3;padding:5px 8px;text-align:left;vertical-align:top}
th{background:#eef2f6}
td.num{text-align:right;white-space:nowrap}
ul.units{columns:3 220px;padding-left:18px}
footer{color:#666;font-size:13px;text-align:center;padding:20px}
@media (max-width:640px){
body{font-size:15px}
header{padding:14px 14px}
header h1{font-size:21px}
nav{padding:6px 14px;position:static}
main{padding:8px 8px 24px}
section{padding:10px 10px;margin:10px 0}
article.flag{padding:8px 8px;border-left-width:4px}
.cols>div{flex-basis:100%}
.kpi{min-width:0;flex:1 1 40%;padding:8px 10px}
.kpi b{font-size:21px}
dl{grid-template-columns:1fr}
dt{margin-top:4px}
figure{margin:8px 0;display:block}
table{font-size:13px}
}
@page{size:A4;margin:12mm}
@media print{
body{background:#fff}
header{background:#fff;color:#12355b;padding:0 0 6px;border-bottom:2px solid #12355b}
header p{color:#333}
nav{display:none}
main{max-width:none;padding:0}
section{border:none;padding:0;margin:12px 0}
article.flag,figure,tr,.kpis,.howto,dl,blockquote{break-inside:avoid}
h2,h3,h4{break-after:avoid}
#metodo,#requieren-plan{break-before:page}
details{display:block}
.tw{overflow:visible}
.wide svg{max-width:100%}
.cols>div{flex:1 1 300px}
body{font-size:9pt}
h2{font-size:15pt}
h3{font-size:12pt}
h4{font-size:10pt}
article.flag{padding:6px 10px}
a{color:inherit;text-decoration:none}
.s-needs_plan,.s-watch,.s-ok,.s-insufficient_data,.badge,.kpi,.escalate{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
"#;

fn head(title: &str) -> String {
    head_with(title, "")
}

/// The page head, with extra `<meta>` lines.
fn head_with(title: &str, meta: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"es\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n{meta}<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        esc(title)
    )
}

/// Name of the `<meta>` of `index.html` that carries its period, so `momentos deliver`
/// knows which month a report folder holds without re-deriving it.
pub const PERIOD_META: &str = "momentos-period";

/// The period a report's `index.html` declares.
pub fn period_of_index(html: &str) -> Option<String> {
    let tag = format!("<meta name=\"{PERIOD_META}\" content=\"");
    let start = html.find(&tag)? + tag.len();
    let value = &html[start..start + html[start..].find('"')?];
    format::parse_period(value).map(|_| value.to_string())
}

/// File name of a unit's page.
pub fn unit_file(unit: &str) -> String {
    format!("unidad-{}.html", slug(unit))
}

fn cell_key(r: &ScoreRow) -> String {
    format!("{}|{}|{}|{}", r.period, r.unit, r.channel, r.attribute)
}

fn service(labels: &Labels, unit: &str, channel: &str, attribute: &str) -> String {
    format!(
        "{} · {} · {}",
        labels.unit(unit),
        labels.label("channel", channel),
        labels.label("attribute", attribute)
    )
}

/// A chart inlined as SVG: the page needs no file beside it (an e-mail attachment shows
/// every chart). plotters escapes the text it writes into the SVG.
fn figure(f: &Figure) -> String {
    let fig = format!(
        "<figure role=\"img\" aria-label=\"{}\" data-chart=\"{}\">{}</figure>",
        esc(&f.title),
        esc(&f.file),
        f.svg.trim()
    );
    if f.wide {
        format!("<div class=\"tw wide\">{fig}</div>\n")
    } else {
        fig + "\n"
    }
}

fn score_cell(r: &ScoreRow, min_n: i64) -> String {
    if r.n_total < min_n {
        return format!("<td class=\"num s-insufficient_data\">n&lt;{min_n}</td>");
    }
    format!(
        "<td class=\"num s-{}\" title=\"{}\">{}<br><small>n = {}</small></td>",
        esc(&r.status),
        esc(status_label(&r.status)),
        esc(&format::score(r.score)),
        esc(&format::int(r.n_total))
    )
}

fn plan_badge(p: &Plan) -> String {
    format!(
        "<span class=\"badge p-{}\">{}</span>",
        p.status.code(),
        esc(p.status.label())
    )
}

/// Short Spanish name of an attribute, for titles.
fn attr_short(labels: &Labels, code: &str) -> String {
    match code {
        "kindness" => "Amabilidad".into(),
        "timeliness" => "Oportunidad".into(),
        other => labels.label("attribute", other),
    }
}

/// A plan as people name it: "Facultad de Odontología · WhatsApp · Oportunidad (sep. 2026)",
/// the month being the one whose flag opened it.
pub fn plan_title(labels: &Labels, p: &Plan) -> String {
    format!(
        "{} · {} · {} ({})",
        labels.unit(&p.unit),
        labels.label("channel", &p.channel),
        attr_short(labels, &p.attribute),
        format::period_abbr(&p.opened_period)
    )
}

/// A service's history in the report's window: how long it has been flagged and what plans
/// it has had (PR-ME-002 activity 7 asks the jefe de mercadeo to act when plans do not work).
struct Story<'a> {
    /// Consecutive months flagged, ending with the card's period.
    run: usize,
    /// First month of that run.
    since: String,
    /// Months flagged in the window up to the card's period, and months in it.
    flagged: usize,
    months: usize,
    /// Plans of the service opened up to the card's period, oldest first.
    plans: Vec<&'a Plan>,
}

impl Story<'_> {
    /// Why the card is escalated to the jefe de mercadeo, if it is.
    fn escalation(&self) -> Option<String> {
        let mut why = Vec::new();
        if self.run >= 3 {
            why.push(format!(
                "lleva {} seguidos señalado",
                format::count(self.run, "mes", "meses")
            ));
        }
        let failed: Vec<String> = self
            .plans
            .iter()
            .filter(|p| p.status == PlanStatus::NotEffective)
            .map(|p| format::period_abbr(&p.opened_period))
            .collect();
        match failed.len() {
            0 => {}
            1 => why.push(format!("el plan de {} no fue eficaz", failed[0])),
            _ => why.push(format!(
                "los planes de {} no fueron eficaces",
                failed.join(", ")
            )),
        }
        (!why.is_empty()).then(|| why.join(" y "))
    }
}

fn status_in<'a>(d: &'a ReportData, r: &ScoreRow, period: &str) -> Option<&'a ScoreRow> {
    d.scores.iter().find(|x| {
        x.period == period
            && x.unit == r.unit
            && x.channel == r.channel
            && x.attribute == r.attribute
    })
}

fn story<'a>(d: &'a ReportData, r: &ScoreRow) -> Story<'a> {
    let flagged_in = |p: &str| status_in(d, r, p).is_some_and(|x| x.status == "needs_plan");
    let upto: Vec<&String> = d.history.iter().filter(|p| **p <= r.period).collect();
    let mut run = 0;
    let mut since = r.period.clone();
    for p in upto.iter().rev() {
        if !flagged_in(p) {
            break;
        }
        run += 1;
        since = (*p).clone();
    }
    let mut plans: Vec<&Plan> = d
        .plans
        .iter()
        .filter(|p| p.key() == (r.unit.as_str(), r.channel.as_str(), r.attribute.as_str()))
        .filter(|p| p.opened_period <= r.period)
        .collect();
    plans.sort_by(|a, b| a.opened_period.cmp(&b.opened_period));
    Story {
        run,
        since,
        flagged: upto.iter().filter(|p| flagged_in(p)).count(),
        months: upto.len(),
        plans,
    }
}

fn story_html(r: &ScoreRow, st: &Story) -> String {
    let mut s = String::from("<div class=\"story\"><p>");
    if st.run > 1 {
        let _ = write!(
            s,
            "Señalado desde {}: {} seguidos",
            esc(&format::period(&st.since)),
            format::count(st.run, "mes", "meses")
        );
        if st.flagged > st.run {
            let _ = write!(
                s,
                " ({} de los últimos {})",
                format::count(st.flagged, "mes", "meses"),
                format::count(st.months, "mes", "meses")
            );
        }
        s.push('.');
    } else if st.flagged > 1 {
        let _ = write!(
            s,
            "Señalado en {}; antes, en {} de los {} anteriores.",
            esc(&format::period(&r.period)),
            format::count(st.flagged - 1, "mes", "meses"),
            format::count(st.months - 1, "mes", "meses")
        );
    } else {
        let _ = write!(
            s,
            "Señalado por primera vez en los últimos {}: nuevo en {}.",
            format::count(st.months, "mes", "meses"),
            esc(&format::period(&r.period))
        );
    }
    s.push_str("</p><p>");
    if st.plans.is_empty() {
        s.push_str("Planes de mejoramiento que ha tenido: ninguno.");
    } else {
        let list: Vec<String> = st
            .plans
            .iter()
            .map(|p| {
                format!(
                    "abierto en {}: {}",
                    esc(&format::period_abbr(&p.opened_period)),
                    esc(p.status.label())
                )
            })
            .collect();
        let _ = write!(
            s,
            "Planes de mejoramiento que ha tenido: {} ({}).",
            format::int(st.plans.len() as i64),
            list.join("; ")
        );
    }
    s.push_str("</p></div>\n");
    if let Some(why) = st.escalation() {
        let _ = writeln!(
            s,
            "<p class=\"escalate\">Para el jefe de mercadeo (PR-ME-002, actividad 7): {}; el plan necesita su intervención.</p>",
            esc(&why)
        );
    }
    s
}

/// The card of a flagged cell with its story, its plan and its trend chart. `summary`: on
/// the executive summary (no p-value there, and a link to the unit's page).
fn flag_card(
    d: &ReportData,
    r: &ScoreRow,
    plan: Option<&Plan>,
    trend: Option<&Figure>,
    summary: bool,
) -> String {
    let labels = Labels { catalog: d.catalog };
    let mut s = String::new();
    let p = if summary {
        String::new()
    } else {
        format!(", valor p {}", p_text(r.p_value))
    };
    let _ = write!(
        s,
        "<article class=\"flag\" data-cell=\"{}\" data-plan=\"{}\">\n<h3>{}</h3>\n<p class=\"figs\">Puntaje de {}: <b>{}</b> (intervalo de confianza del 90 %: {} – {}), meta {}, n = {}{} · <span class=\"badge s-needs_plan\">{}</span></p>\n",
        esc(&cell_key(r)),
        esc(plan.map_or("", |p| p.plan_id.as_str())),
        esc(&service(&labels, &r.unit, &r.channel, &r.attribute)),
        esc(&format::period(&r.period)),
        esc(&format::score(r.score)),
        esc(&format::score(r.lower)),
        esc(&format::score(r.upper)),
        esc(&format::num(r.target, 0)),
        esc(&format::int(r.n_total)),
        esc(&p),
        status_label("needs_plan"),
    );
    s.push_str("<div class=\"cols\"><div>\n");
    s.push_str(&story_html(r, &story(d, r)));
    s.push_str("</div>\n");
    if let Some(f) = trend {
        s.push_str("<div>");
        s.push_str(&figure(f));
        s.push_str("</div>\n");
    }
    s.push_str("</div>\n");
    match plan {
        Some(p) => s.push_str(&plan_body(&labels, p)),
        None => s.push_str("<p><b>Sin plan registrado todavía:</b> se abre en la próxima actualización de los planes.</p>\n"),
    }
    if summary {
        let _ = writeln!(
            s,
            "<p><a href=\"{}\">Ver la página de {}</a></p>",
            esc(&unit_file(&r.unit)),
            esc(&labels.unit(&r.unit))
        );
    }
    s.push_str("</article>\n");
    s
}

/// "= 0,003" or "< 0,001".
fn p_text(p: Option<f64>) -> String {
    let s = format::p_value(p);
    if s.starts_with('<') {
        s
    } else {
        format!("= {s}")
    }
}

fn plan_body(labels: &Labels, p: &Plan) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "<h4>Plan de mejoramiento: {} {}</h4>\n<div class=\"cols\"><div>\n<dl><dt>Responsable</dt><dd>{}</dd><dt>Abierto el</dt><dd>{}</dd><dt>Fecha de compromiso</dt><dd>{}</dd><dt>Puntaje al abrir</dt><dd>{} ({}, meta {})</dd>",
        esc(&plan_title(labels, p)),
        plan_badge(p),
        esc(&p.responsible),
        esc(&format::date(p.opened_date)),
        esc(&format::date(p.commitment_date)),
        esc(&format::score(p.score_at_open)),
        esc(&format::period(&p.opened_period)),
        esc(&format::num(p.target, 0)),
    );
    if let Some(lp) = &p.last_period {
        let _ = write!(
            s,
            "<dt>Última medición</dt><dd>{}: {} (cota inferior al 95 % de una cola: {})</dd>",
            esc(&format::period(lp)),
            esc(&format::score(p.last_score)),
            esc(&format::score(p.last_lower))
        );
    }
    let _ = writeln!(
        s,
        "</dl>\n<h4>Análisis de causas (con los datos de {}, el mes en que se abrió el plan)</h4>\n<ul>",
        esc(&format::period(&p.opened_period))
    );
    for c in &p.causes {
        let _ = writeln!(s, "<li>{}</li>", esc(c));
    }
    s.push_str("</ul>\n</div><div>\n");
    if let Some(n) = &p.evidence_note {
        let _ = writeln!(
            s,
            "<p>Nota de un cliente incógnito sobre el ítem más incumplido:</p><blockquote class=\"evidence-note\">{}</blockquote>",
            esc(n)
        );
    }
    s.push_str("<h4>Acciones sugeridas (para confirmar con la unidad)</h4>\n<ol>\n");
    for a in &p.actions {
        let _ = writeln!(s, "<li>{}</li>", esc(a));
    }
    s.push_str("</ol>\n</div></div>\n");
    s
}

fn trend_for<'a>(figs: &'a [Figure], r: &ScoreRow, with_unit: bool) -> Option<&'a Figure> {
    figs.iter().find(|f| {
        f.is_trend
            && f.facet.get("channel") == Some(&r.channel)
            && f.facet.get("attribute") == Some(&r.attribute)
            && (!with_unit || f.facet.get("unit") == Some(&r.unit))
    })
}

fn plans_table(d: &ReportData, plans: &[&Plan], link: bool) -> String {
    let labels = Labels { catalog: d.catalog };
    if plans.is_empty() {
        return "<p>No hay planes de mejoramiento registrados.</p>\n".into();
    }
    let mut s = String::from("<div class=\"tw\"><table class=\"plans\"><thead><tr><th>Plan (servicio y mes en que se abrió)</th><th>Responsable</th><th>Abierto</th><th>Compromiso</th><th>Estado</th><th>Puntaje al abrir</th><th>Última medición</th></tr></thead><tbody>\n");
    for p in plans {
        let title = esc(&plan_title(&labels, p));
        let title = if link {
            format!("<a href=\"{}\">{title}</a>", esc(&unit_file(&p.unit)))
        } else {
            title
        };
        let _ = writeln!(
            s,
            "<tr data-plan=\"{}\"><td>{title}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            esc(&p.plan_id),
            esc(&p.responsible),
            esc(&format::date(p.opened_date)),
            esc(&format::date(p.commitment_date)),
            plan_badge(p),
            esc(&format::score(p.score_at_open)),
            p.last_period.as_ref().map_or("–".into(), |lp| esc(&format!(
                "{}: {}",
                format::period(lp),
                format::score(p.last_score)
            ))),
        );
    }
    s.push_str("</tbody></table></div>\n");
    s
}

fn chart_sections(d: &ReportData, figs: &[Figure], on_unit: bool) -> String {
    let mut s = String::new();
    for c in &d.dashboard.file.charts {
        let wanted = if on_unit {
            c.scope != Scope::Summary
        } else {
            c.scope != Scope::Unit
        };
        // Trends are shown with their service (cards, the unit page's trend section).
        if !wanted || c.kind == ChartKind::Line {
            continue;
        }
        let these: Vec<&Figure> = figs.iter().filter(|f| f.chart_id == c.id).collect();
        let _ = writeln!(
            s,
            "<section id=\"g-{}\" class=\"chart\">\n<h2>{} · {}</h2>",
            esc(&c.id),
            esc(&c.title),
            // Every figure says which month it is from.
            esc(
                &if c.window == crate::dashboards::Window::History && c.kind != ChartKind::Coverage
                {
                    format!(
                        "{} a {}",
                        format::period(d.history.first().map_or(&d.period, |p| p)),
                        format::period(&d.period)
                    )
                } else {
                    format::period(&d.period)
                }
            )
        );
        if let Some(n) = &c.notes {
            let _ = writeln!(s, "<p class=\"notes\">{}</p>", esc(n));
        }
        if these.is_empty() {
            s.push_str("<p>Sin datos suficientes para este gráfico en el periodo.</p>\n");
        }
        for f in these {
            s.push_str(&figure(f));
        }
        if c.kind == ChartKind::Coverage && !on_unit {
            if d.missing.is_empty() {
                s.push_str("<p>No falta ninguna exportación diaria en el periodo.</p>\n");
            } else {
                s.push_str("<h4>Exportaciones faltantes</h4>\n<ul class=\"missing\">\n");
                for (row, days) in &d.missing {
                    let _ = writeln!(s, "<li><b>{}</b>: {}</li>", esc(row), esc(&days.join(", ")));
                }
                s.push_str("</ul>\n");
            }
        }
        s.push_str("</section>\n");
    }
    s
}

fn header(d: &ReportData, subtitle: &str) -> String {
    let generated = d.generated.with_timezone(&d.catalog.time_zone).date_naive();
    format!(
        "<header><h1>{}</h1><p>{}</p><p>Periodo: <strong>{}</strong> · Generado el {} · Procedimiento PR-ME-002</p></header>\n",
        esc(&d.dashboard.file.title),
        esc(subtitle),
        esc(&format::period(&d.period)),
        esc(&format::date(generated)),
    )
}

fn status_counts(rows: &[&ScoreRow]) -> String {
    let mut s = String::from("<div class=\"kpis\">");
    for st in ["needs_plan", "watch", "ok", "insufficient_data"] {
        let n = rows.iter().filter(|r| r.status == st).count();
        let _ = write!(
            s,
            "<div class=\"kpi s-{st}\"><b>{}</b>{}</div>",
            esc(&format::int(n as i64)),
            status_label(st)
        );
    }
    s.push_str("</div>\n");
    s
}

/// `index.html`: the executive summary.
pub fn index(d: &ReportData) -> String {
    let labels = Labels { catalog: d.catalog };
    let period_rows: Vec<&ScoreRow> = d.scores.iter().filter(|r| r.period == d.period).collect();
    let mut flagged: Vec<&ScoreRow> = period_rows
        .iter()
        .copied()
        .filter(|r| r.status == "needs_plan")
        .collect();
    flagged.sort_by(|a, b| {
        a.p_value
            .partial_cmp(&b.p_value)
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let assigned = plans::assign(&flagged, &d.plans);
    let mut s = head_with(
        &format!("{} — {}", d.dashboard.file.title, format::period(&d.period)),
        &format!(
            "<meta name=\"{PERIOD_META}\" content=\"{}\">\n",
            esc(&d.period)
        ),
    );
    s.push_str(&header(
        d,
        d.dashboard
            .file
            .description
            .as_deref()
            .unwrap_or("Resumen ejecutivo"),
    ));
    s.push_str("<nav><a href=\"#alertas\">Alertas</a><a href=\"#resumen\">Resumen</a><a href=\"#cambios\">Cambios</a><a href=\"#requieren-plan\">Requieren plan</a><a href=\"#g-mapa_calor\">Mapas de calor</a><a href=\"#planes\">Planes</a><a href=\"#historial\">Historial</a><a href=\"#unidades\">Unidades</a><a href=\"#metodo\">Método</a></nav>\n<main>\n");
    s.push_str(&how_to_read(d));
    s.push_str(&super::alerts::section(
        d.catalog,
        &d.alerts,
        None,
        d.followups,
    ));
    let _ = write!(
        s,
        "<section id=\"resumen\"><h2>Resumen de {}</h2>\n<p>{} (unidad × canal × atributo) calificados en el periodo; {} plan de mejoramiento.</p>\n{}",
        esc(&format::period(&d.period)),
        esc(&format::count(period_rows.len(), "servicio", "servicios")),
        esc(&format!(
            "{} {}",
            format::int(flagged.len() as i64),
            if flagged.len() == 1 { "requiere" } else { "requieren" }
        )),
        status_counts(&period_rows)
    );
    let today = d.generated.with_timezone(&d.catalog.time_zone).date_naive();
    let _ = write!(
        s,
        "<h4>Planes de mejoramiento: estado al {}</h4><div class=\"kpis\">",
        esc(&format::date(today))
    );
    for st in [
        PlanStatus::Open,
        PlanStatus::Overdue,
        PlanStatus::Effective,
        PlanStatus::NotEffective,
    ] {
        let n = d.plans.iter().filter(|p| p.status == st).count();
        let _ = write!(
            s,
            "<div class=\"kpi p-{}\"><b>{}</b>{}</div>",
            st.code(),
            esc(&format::int(n as i64)),
            st.label()
        );
    }
    s.push_str("</div></section>\n");
    s.push_str(&changes(d));

    let _ = writeln!(
        s,
        "<section id=\"requieren-plan\"><h2>Servicios que requieren plan de mejoramiento en {}</h2>",
        esc(&format::period(&d.period))
    );
    if flagged.is_empty() {
        s.push_str("<p>Ningún servicio requiere plan de mejoramiento en este periodo.</p>\n");
    } else {
        s.push_str("<p class=\"notes\">Ordenados del más al menos concluyente. Cada uno con el plan que lo atiende: causas redactadas a partir de la evidencia y acciones sugeridas por la tabla de reglas, para confirmar con la unidad responsable.</p>\n");
    }
    for (r, plan) in &assigned {
        s.push_str(&flag_card(
            d,
            r,
            *plan,
            trend_for(&d.summary_figures, r, true),
            true,
        ));
    }
    s.push_str("</section>\n");

    s.push_str(&chart_sections(d, &d.summary_figures, false));

    s.push_str("<section id=\"planes\"><h2>Planes de mejoramiento registrados</h2>\n<p class=\"notes\">Se vuelven a medir en cada corrida: <b>eficaz</b> cuando la cota inferior (al 95 % de una cola) alcanza la meta dos periodos seguidos después de la fecha de compromiso; <b>no eficaz</b> cuando pasaron dos periodos medidos sin lograrlo; <b>vencido</b> cuando pasó la fecha de compromiso sin evidencia todavía.</p>\n");
    let mut plans: Vec<&Plan> = d.plans.iter().collect();
    plans.sort_by_key(|p| {
        (
            !p.status.is_active(),
            std::cmp::Reverse(p.opened_period.clone()),
            p.plan_id.clone(),
        )
    });
    s.push_str(&plans_table(d, &plans, true));
    s.push_str("</section>\n");

    let mut hist: Vec<&ScoreRow> = d
        .scores
        .iter()
        .filter(|r| r.status == "needs_plan")
        .collect();
    hist.sort_by(|a, b| {
        (&b.period, &a.unit, &a.channel, &a.attribute).cmp(&(
            &a.period,
            &b.unit,
            &b.channel,
            &b.attribute,
        ))
    });
    let _ = writeln!(
        s,
        "<section id=\"historial\"><h2>Servicios que requirieron plan: {} a {}</h2>",
        esc(&format::period(d.history.first().map_or(&d.period, |p| p))),
        esc(&format::period(&d.period))
    );
    if hist.is_empty() {
        s.push_str("<p>Ninguno.</p>\n");
    } else {
        s.push_str("<div class=\"tw\"><table class=\"history\"><thead><tr><th>Periodo</th><th>Servicio</th><th>Puntaje</th><th>Meta</th><th>n</th><th>Plan que lo atiende</th></tr></thead><tbody>\n");
        for (r, plan) in plans::assign(&hist, &d.plans) {
            let _ = writeln!(
                s,
                "<tr data-cell=\"{}\" data-plan=\"{}\"><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                esc(&cell_key(r)),
                esc(plan.map_or("", |p| p.plan_id.as_str())),
                esc(&format::period(&r.period)),
                esc(&service(&labels, &r.unit, &r.channel, &r.attribute)),
                esc(&format::score(r.score)),
                esc(&format::num(r.target, 0)),
                esc(&format::int(r.n_total)),
                plan.map_or("–".into(), |p| format!("{} {}", esc(&plan_title(&labels, p)), plan_badge(p))),
            );
        }
        s.push_str("</tbody></table></div>\n");
    }
    s.push_str("</section>\n");

    s.push_str("<section id=\"unidades\"><h2>Páginas por unidad</h2><ul class=\"units\">\n");
    for u in d.unit_figures.keys() {
        let n = flagged.iter().filter(|r| r.unit == *u).count();
        let _ = writeln!(
            s,
            "<li><a href=\"{}\">{}</a>{}</li>",
            esc(&unit_file(u)),
            esc(&labels.unit(u)),
            if n > 0 {
                format!(
                    " — <b>{} {} plan</b>",
                    format::count(n, "servicio", "servicios"),
                    if n == 1 { "requiere" } else { "requieren" }
                )
            } else {
                String::new()
            }
        );
    }
    s.push_str("</ul></section>\n");
    s.push_str(&method(d));
    s.push_str("</main>\n<footer>Generado por momentos · Universidad CES · PR-ME-002 Atención y seguimiento al usuario</footer>\n</body>\n</html>\n");
    s
}

/// A plan's status as known at the end of `period` (re-measured on the window's scores).
fn plan_status_at(d: &ReportData, p: &Plan, period: &str) -> Option<PlanStatus> {
    let end = plans::period_end(period)?;
    if p.opened_period.as_str() > period {
        return None;
    }
    let rows: Vec<&ScoreRow> = d
        .scores
        .iter()
        .filter(|r| {
            (r.unit.as_str(), r.channel.as_str(), r.attribute.as_str()) == p.key()
                && r.period.as_str() <= period
        })
        .collect();
    let mut q = p.clone();
    plans::measure(&mut q, &rows, end);
    Some(q.status)
}

/// "Cambios desde el mes anterior": services newly flagged, no longer flagged, plans
/// opened and plans closed (judged effective or not) with this month's measurement.
fn changes(d: &ReportData) -> String {
    let labels = Labels { catalog: d.catalog };
    let Some(prev) = d.history.iter().rev().nth(1) else {
        return String::new();
    };
    let flagged_in = |period: &str| -> Vec<&ScoreRow> {
        d.scores
            .iter()
            .filter(|r| r.period == period && r.status == "needs_plan")
            .collect()
    };
    let now = flagged_in(&d.period);
    let before = flagged_in(prev);
    let same = |a: &ScoreRow, b: &ScoreRow| {
        a.unit == b.unit && a.channel == b.channel && a.attribute == b.attribute
    };
    let new: Vec<&&ScoreRow> = now
        .iter()
        .filter(|r| !before.iter().any(|b| same(r, b)))
        .collect();
    let gone: Vec<&&ScoreRow> = before
        .iter()
        .filter(|r| !now.iter().any(|b| same(r, b)))
        .collect();
    let opened: Vec<&Plan> = d
        .plans
        .iter()
        .filter(|p| p.opened_period == d.period)
        .collect();
    let closed: Vec<(&Plan, PlanStatus)> = d
        .plans
        .iter()
        .filter_map(|p| {
            let at = plan_status_at(d, p, &d.period)?;
            let was = plan_status_at(d, p, prev);
            (!at.is_active() && was.is_none_or(|w| w.is_active())).then_some((p, at))
        })
        .collect();
    let mut s = format!(
        "<section id=\"cambios\"><h2>Cambios desde {}</h2>\n",
        esc(&format::period(prev))
    );
    let svc = |r: &ScoreRow| esc(&service(&labels, &r.unit, &r.channel, &r.attribute));
    let group = |title: &str, class: &str, items: Vec<String>| {
        let mut g = format!("<div><h4>{title}</h4>\n");
        if items.is_empty() {
            g.push_str("<p>Ninguno.</p>\n");
        } else {
            let _ = writeln!(g, "<ul class=\"{class}\">");
            for i in items {
                let _ = writeln!(g, "<li>{i}</li>");
            }
            g.push_str("</ul>\n");
        }
        g + "</div>\n"
    };
    s.push_str("<div class=\"changes\">\n");
    s.push_str(&group(
        "Servicios señalados por primera vez este mes",
        "new-flags",
        new.iter()
            .map(|r| {
                format!(
                    "{}: puntaje {} (meta {})",
                    svc(r),
                    esc(&format::score(r.score)),
                    esc(&format::num(r.target, 0))
                )
            })
            .collect(),
    ));
    s.push_str(&group(
        "Servicios que dejaron de requerir plan",
        "gone-flags",
        gone.iter()
            .map(|r| {
                let now_row = status_in(d, r, &d.period);
                format!(
                    "{}: en {}, {} (puntaje {})",
                    svc(r),
                    esc(&format::period(&d.period)),
                    esc(&now_row
                        .map_or("sin calificación", |x| status_label(&x.status))
                        .to_lowercase()),
                    esc(&format::score(now_row.and_then(|x| x.score))),
                )
            })
            .collect(),
    ));
    s.push_str(&group(
        "Planes abiertos este mes",
        "opened-plans",
        opened
            .iter()
            .map(|p| {
                format!(
                    "{} — responsable: {}",
                    esc(&plan_title(&labels, p)),
                    esc(&p.responsible)
                )
            })
            .collect(),
    ));
    s.push_str(&group(
        "Planes cerrados con la medición de este mes",
        "closed-plans",
        closed
            .iter()
            .map(|(p, st)| {
                format!(
                    "{}: <span class=\"badge p-{}\">{}</span>",
                    esc(&plan_title(&labels, p)),
                    st.code(),
                    esc(st.label())
                )
            })
            .collect(),
    ));
    s.push_str("</div>\n");
    s.push_str("</section>\n");
    s
}

/// The short guide on the first screen: what a score is, the target, what "datos
/// insuficientes" means, and which month the figures are from.
fn how_to_read(d: &ReportData) -> String {
    let sc = &d.catalog.scoring;
    format!(
        "<section id=\"como-leer\" class=\"howto\"><h2>Cómo leer este informe</h2><ul>\
<li>Cada <b>servicio</b> es una unidad en un canal, calificada en un atributo: amabilidad, calidad de la información u oportunidad. Su <b>puntaje</b> (0 a 100) es el porcentaje de atenciones bien calificadas en el mes, según encuestas, cliente incógnito y tiempos de respuesta.</li>\
<li><b>Meta: {target}</b> (salvo donde se indique otra). <b>Requiere plan de mejoramiento</b>: el puntaje está por debajo de la meta y la diferencia es demasiado grande para atribuirla al azar. <b>En observación</b>: por debajo de la meta, sin evidencia suficiente todavía.</li>\
<li><b>Datos insuficientes</b>: menos de {min_n} observaciones en el mes; el servicio no se juzga (su puntaje, si aparece, es solo una referencia). No se muestra ninguna cifra de menos de {min_source} observaciones.</li>\
<li>Las cifras son de <b>{period}</b> salvo que digan otro mes. El análisis de causas de un plan usa los datos del mes en que se abrió.</li>\
<li>El método completo está en el <a href=\"#metodo\">apéndice</a>, al final.</li></ul></section>\n",
        target = esc(&format::num(sc.target, 0)),
        min_n = esc(&format::int(sc.min_n as i64)),
        min_source = esc(&format::int(sc.min_source_n as i64)),
        period = esc(&format::period(&d.period)),
    )
}

/// "20 segundos", "60 minutos hábiles".
fn sla_text(c: &crate::catalog::ChannelSpec) -> String {
    let business = c.clock == crate::catalog::SlaClock::Business;
    let secs = c.sla_seconds as i64;
    let base = if secs % 60 != 0 || secs < 60 {
        format::count(secs as usize, "segundo", "segundos")
    } else {
        format::count((secs / 60) as usize, "minuto", "minutos")
    };
    if business {
        format!("{base} hábiles")
    } else {
        base
    }
}

/// The method as an appendix of the report itself: the reader has no other document.
fn method(d: &ReportData) -> String {
    let sc = &d.catalog.scoring;
    let labels = Labels { catalog: d.catalog };
    let slas: Vec<String> = d
        .catalog
        .channels
        .values()
        .map(|c| {
            format!(
                "{}: {}",
                labels.label("channel", c.channel.code()),
                sla_text(c)
            )
        })
        .collect();
    format!(
        "<section id=\"metodo\"><h2>Apéndice: método</h2><div class=\"notes\">\
<p><b>Observaciones.</b> Encuestas: una respuesta de 4 o 5 (de 5) es buena. Cliente incógnito: una evaluación es buena cuando cumple al menos el {pass} % de los ítems del protocolo del canal (ponderados) y ningún ítem crítico. Registros de interacciones (solo oportunidad): buena cuando la primera respuesta llegó dentro del tiempo acordado para el canal y, si se escaló, el área respondió a tiempo. Tiempos acordados: {slas}.</p>\
<p><b>Puntaje.</b> Promedio ponderado de los porcentajes de observaciones buenas de cada fuente con al menos {min_source} observaciones en el mes. El intervalo que acompaña cada puntaje (intervalo de confianza del 90 %) es el rango de valores compatibles con los datos del mes; se calcula de forma exacta a partir de los conteos de cada fuente, sin aproximaciones.</p>\
<p><b>Estado.</b> Un servicio <b>requiere plan de mejoramiento</b> cuando su puntaje está por debajo de la meta con evidencia estadística suficiente (valor p menor que 0,05 después de controlar los falsos positivos del mes). <b>En observación</b>: por debajo de la meta sin evidencia suficiente. <b>En meta</b>: puntaje igual o superior a la meta. <b>Datos insuficientes</b>: menos de {min_n} observaciones en el mes.</p>\
<p><b>Planes.</b> Cada servicio que requiere plan abre uno, salvo que ya tenga uno en curso; su fecha de compromiso es {days} días después de abierto. Se vuelve a medir cada mes: <b>eficaz</b> cuando la cota inferior (al 95 % de una cola) alcanza la meta dos meses seguidos después de la fecha de compromiso; <b>no eficaz</b> cuando pasaron dos meses medidos sin lograrlo; <b>vencido sin evidencia</b> cuando pasó la fecha de compromiso sin esas mediciones todavía. Un servicio señalado tres meses seguidos, o cuyo plan no fue eficaz, se presenta al jefe de mercadeo (PR-ME-002, actividad 7).</p>\
<p><b>Privacidad.</b> Ninguna cifra de menos de {min_source} observaciones se muestra (\"n&lt;{min_source}\"); el informe no contiene correos, teléfonos ni documentos de las personas.</p></div></section>\n",
        pass = esc(&format::num(sc.pass_mark * 100.0, 0)),
        slas = esc(&slas.join("; ")),
        min_source = esc(&format::int(sc.min_source_n as i64)),
        min_n = esc(&format::int(sc.min_n as i64)),
        days = esc(&format::int(sc.plan_commitment_days as i64)),
    )
}

/// A unit's page.
pub fn unit_page(d: &ReportData, unit: &str) -> String {
    let labels = Labels { catalog: d.catalog };
    let name = labels.unit(unit);
    let figs: &[Figure] = d.unit_figures.get(unit).map_or(&[], Vec::as_slice);
    let rows: Vec<&ScoreRow> = d
        .scores
        .iter()
        .filter(|r| r.unit == unit && r.period == d.period)
        .collect();
    let mut s = head(&format!("{name} — {}", format::period(&d.period)));
    s.push_str(&header(d, &name));
    s.push_str("<nav><a href=\"index.html\">← Resumen ejecutivo</a><a href=\"#servicios\">Servicios</a><a href=\"#planes\">Planes</a><a href=\"#tendencias\">Tendencias</a></nav>\n<main>\n");
    s.push_str(&how_to_read(d));
    s.push_str(&super::alerts::section(d.catalog, &d.alerts, Some(unit), 0));
    let resp = d
        .catalog
        .unit(unit)
        .map_or("(no está en el catálogo)".to_string(), |u| {
            u.responsible.clone()
        });
    let _ = writeln!(
        s,
        "<section id=\"servicios\"><h2>{}</h2><p>Responsable de los planes de mejoramiento: <b>{}</b></p>",
        esc(&name),
        esc(&resp)
    );
    s.push_str(&status_counts(&rows));
    // Channel × attribute table.
    let mut channels: Vec<&str> = rows.iter().map(|r| r.channel.as_str()).collect();
    channels.sort_by_key(|c| labels.order("channel", c));
    channels.dedup();
    let attrs: Vec<&str> = crate::vocabulary::Attribute::ALL
        .iter()
        .map(|a| a.code())
        .collect();
    if channels.is_empty() {
        s.push_str("<p>La unidad no tiene servicios calificados en el periodo.</p>\n");
    } else {
        s.push_str("<div class=\"tw\"><table class=\"cells\"><thead><tr><th>Canal</th>");
        for a in &attrs {
            let _ = write!(s, "<th>{}</th>", esc(&labels.label("attribute", a)));
        }
        s.push_str("</tr></thead><tbody>\n");
        for c in &channels {
            let _ = write!(s, "<tr><th>{}</th>", esc(&labels.label("channel", c)));
            for a in &attrs {
                match rows.iter().find(|r| r.channel == *c && r.attribute == *a) {
                    Some(r) => s.push_str(&score_cell(r, d.min_n)),
                    None => s.push_str("<td class=\"num\">–</td>"),
                }
            }
            s.push_str("</tr>\n");
        }
        s.push_str("</tbody></table></div>\n");
        let _ = writeln!(
            s,
            "<p class=\"notes\">Cifras de {}. Color de cada celda: su estado (rojo, requiere plan; amarillo, en observación; verde, en meta). Gris: datos insuficientes, menos de {} observaciones; ese puntaje no se juzga. \"n&lt;{}\": menos de {} observaciones, la cifra no se muestra.</p>",
            esc(&format::period(&d.period)),
            esc(&format::int(d.catalog.scoring.min_n as i64)),
            d.min_n,
            d.min_n
        );
    }
    s.push_str("</section>\n");
    let flagged: Vec<&ScoreRow> = rows
        .iter()
        .copied()
        .filter(|r| r.status == "needs_plan")
        .collect();
    s.push_str(
        "<section id=\"requieren-plan\"><h2>Servicios que requieren plan de mejoramiento</h2>\n",
    );
    if flagged.is_empty() {
        s.push_str("<p>Ninguno en este periodo.</p>\n");
    }
    for (r, plan) in plans::assign(&flagged, &d.plans) {
        s.push_str(&flag_card(d, r, plan, trend_for(figs, r, false), false));
    }
    s.push_str("</section>\n<section id=\"planes\"><h2>Planes de mejoramiento de la unidad</h2>\n");
    let mut plans: Vec<&Plan> = d.plans.iter().filter(|p| p.unit == unit).collect();
    plans.sort_by_key(|p| {
        (
            !p.status.is_active(),
            std::cmp::Reverse(p.opened_period.clone()),
        )
    });
    s.push_str(&plans_table(d, &plans, false));
    for p in plans.iter().filter(|p| p.status.is_active()) {
        let _ = writeln!(
            s,
            "<details><summary>{}</summary>{}</details>",
            esc(&plan_title(&labels, p)),
            plan_body(&labels, p)
        );
    }
    s.push_str("</section>\n");
    let trends: Vec<&Figure> = figs.iter().filter(|f| f.is_trend).collect();
    s.push_str(
        "<section id=\"tendencias\"><h2>Tendencias de los servicios (últimos 12 meses)</h2>\n",
    );
    if let Some(c) = d
        .dashboard
        .file
        .charts
        .iter()
        .find(|c| c.kind == ChartKind::Line)
    {
        if let Some(n) = &c.notes {
            let _ = writeln!(s, "<p class=\"notes\">{}</p>", esc(n));
        }
    }
    if trends.is_empty() {
        s.push_str("<p>Sin datos suficientes.</p>\n");
    }
    let by_channel: BTreeMap<(usize, String), Vec<&Figure>> =
        trends.iter().fold(BTreeMap::new(), |mut m, f| {
            let ch = f.facet.get("channel").cloned().unwrap_or_default();
            m.entry(labels.order("channel", &ch)).or_default().push(*f);
            m
        });
    for ((_, ch), fs) in by_channel {
        let _ = writeln!(s, "<h3>{}</h3>", esc(&labels.label("channel", &ch)));
        for f in fs {
            s.push_str(&figure(f));
        }
    }
    s.push_str("</section>\n");
    let others: Vec<Figure> = figs.iter().filter(|f| !f.is_trend).cloned().collect();
    s.push_str(&chart_sections(d, &others, true));
    s.push_str(&method(d));
    s.push_str("</main>\n<footer>Generado por momentos · Universidad CES · PR-ME-002</footer>\n</body>\n</html>\n");
    s
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::catalog::Catalog;

    fn plan(opened: &str, status: PlanStatus) -> Plan {
        let d = NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
        Plan {
            plan_id: format!("{opened}.fac_odontologia.whatsapp.timeliness"),
            unit: "fac_odontologia".into(),
            channel: "whatsapp".into(),
            attribute: "timeliness".into(),
            opened_period: opened.into(),
            opened_date: d,
            commitment_date: d,
            responsible: "Coordinador".into(),
            status,
            score_at_open: Some(67.6),
            lower_at_open: None,
            upper_at_open: None,
            target: 80.0,
            n_at_open: 161,
            causes: Vec::new(),
            actions: Vec::new(),
            evidence_note: None,
            last_period: None,
            last_score: None,
            last_lower: None,
            n_periods_met: 0,
        }
    }

    #[test]
    fn plan_titles_are_plain_spanish() {
        let catalog = Catalog::embedded();
        let labels = Labels { catalog: &catalog };
        assert_eq!(
            plan_title(&labels, &plan("2026-09", PlanStatus::Open)),
            "Facultad de Odontología · WhatsApp · Oportunidad (sep. 2026)"
        );
    }

    /// PR-ME-002 act. 7: the jefe de mercadeo acts when a service is flagged a third month
    /// in a row or its plan did not work.
    #[test]
    fn escalation_at_the_third_month_or_a_failed_plan() {
        let failed = plan("2026-05", PlanStatus::NotEffective);
        let current = plan("2026-09", PlanStatus::Overdue);
        fn story<'a>(run: usize, plans: Vec<&'a Plan>) -> Story<'a> {
            Story {
                run,
                since: "2026-09".into(),
                flagged: run,
                months: 12,
                plans,
            }
        }
        assert_eq!(story(2, vec![&current]).escalation(), None);
        assert_eq!(
            story(3, vec![&current]).escalation().as_deref(),
            Some("lleva 3 meses seguidos señalado")
        );
        assert_eq!(
            story(1, vec![&failed, &current]).escalation().as_deref(),
            Some("el plan de may. 2026 no fue eficaz")
        );
        assert_eq!(format::count(1, "mes", "meses"), "1 mes");
        assert_eq!(format::count(1200, "mes", "meses"), "1.200 meses");
    }

    #[test]
    fn index_declares_its_period_for_delivery() {
        let meta = format!("<meta name=\"{PERIOD_META}\" content=\"2026-03\">\n");
        assert_eq!(
            period_of_index(&head_with("Informe", &meta)).as_deref(),
            Some("2026-03")
        );
        assert_eq!(period_of_index(&head("Informe")), None);
    }
}
