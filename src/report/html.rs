//! The report's pages as HTML strings. Inline CSS only, no scripts, no external resources;
//! charts are `<img src="charts/…svg">` next to the page. Every value that came from data
//! or configuration goes through [`esc`].

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
body{font-family:"DejaVu Sans",Verdana,Arial,sans-serif;margin:0;color:#1e1e1e;background:#f4f5f7;font-size:15px;line-height:1.45}
header{background:#12355b;color:#fff;padding:22px 32px}
header h1{margin:0 0 6px;font-size:26px}
header p{margin:2px 0;color:#dfe7f1}
nav{background:#fff;border-bottom:1px solid #d8dde3;padding:8px 32px;position:sticky;top:0}
nav a{margin-right:16px;color:#12355b;text-decoration:none;font-weight:bold;font-size:14px}
main{max-width:1280px;margin:0 auto;padding:16px 32px 40px}
section{background:#fff;border:1px solid #d8dde3;border-radius:6px;padding:16px 22px;margin:18px 0}
h2{color:#12355b;margin:4px 0 12px;font-size:21px}
h3{margin:4px 0 8px;font-size:18px}
h4{margin:12px 0 4px;font-size:15px;color:#12355b}
.kpis{display:flex;flex-wrap:wrap;gap:12px}
.kpi{border-radius:6px;padding:10px 16px;min-width:170px;color:#fff}
.kpi b{display:block;font-size:26px}
.s-needs_plan{background:#c0392b;color:#fff}
.s-watch{background:#f3b23e;color:#1e1e1e}
.s-ok{background:#2e8b57;color:#fff}
.s-insufficient_data{background:#d7d7d7;color:#333}
.p-open{background:#1f6fb2;color:#fff}.p-overdue{background:#8e44ad;color:#fff}
.p-effective{background:#2e8b57;color:#fff}.p-not_effective{background:#7f2a1f;color:#fff}
.badge{display:inline-block;border-radius:4px;padding:1px 8px;font-size:13px;font-weight:bold}
article.flag{border-left:6px solid #c0392b;background:#fdf6f5;padding:12px 16px;margin:14px 0;border-radius:4px}
.cols{display:flex;flex-wrap:wrap;gap:18px}
.cols>div{flex:1 1 480px}
.figs{font-size:15px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:4px 0}
dt{font-weight:bold;color:#444}
dd{margin:0}
blockquote{margin:8px 0;padding:6px 12px;border-left:3px solid #999;background:#f1f1f1;font-style:italic}
figure{margin:10px 0;display:inline-block;vertical-align:top}
figure img{max-width:100%;height:auto;border:1px solid #e3e3e3;background:#fff}
figcaption{font-size:13px;color:#555;max-width:760px}
.notes{font-size:13px;color:#555;max-width:900px}
table{border-collapse:collapse;width:100%;font-size:14px}
th,td{border:1px solid #d8dde3;padding:5px 8px;text-align:left;vertical-align:top}
th{background:#eef2f6}
td.num{text-align:right;white-space:nowrap}
td.id{font-size:12px;word-break:break-all;min-width:150px}
ul.units{columns:3;padding-left:18px}
footer{color:#666;font-size:13px;text-align:center;padding:20px}
"#;

fn head(title: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"es\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        esc(title)
    )
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

fn figure(f: &Figure) -> String {
    format!(
        "<figure><img src=\"charts/{}\" alt=\"{}\" loading=\"eager\"></figure>\n",
        esc(&f.file),
        esc(&f.title)
    )
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

/// The card of a flagged cell with its plan (and its trend chart when drawn).
fn flag_card(
    d: &ReportData,
    r: &ScoreRow,
    plan: Option<&Plan>,
    trend: Option<&Figure>,
    link: bool,
) -> String {
    let labels = Labels { catalog: d.catalog };
    let mut s = String::new();
    let _ = write!(
        s,
        "<article class=\"flag\" data-cell=\"{}\" data-plan=\"{}\">\n<h3>{}</h3>\n<p class=\"figs\">Puntaje <b>{}</b> (intervalo {} – {}), meta {}, n = {}, p {} · <span class=\"badge s-needs_plan\">{}</span></p>\n<div class=\"cols\"><div>\n",
        esc(&cell_key(r)),
        esc(plan.map_or("", |p| p.plan_id.as_str())),
        esc(&service(&labels, &r.unit, &r.channel, &r.attribute)),
        esc(&format::score(r.score)),
        esc(&format::score(r.lower)),
        esc(&format::score(r.upper)),
        esc(&format::num(r.target, 0)),
        esc(&format::int(r.n_total)),
        esc(&p_text(r.p_value)),
        status_label("needs_plan"),
    );
    match plan {
        Some(p) => s.push_str(&plan_body(p)),
        None => s.push_str("<p><b>Sin plan registrado:</b> ejecute <code>momentos plans</code> para abrirlo.</p>\n"),
    }
    s.push_str("</div>\n");
    if let Some(f) = trend {
        s.push_str("<div>");
        s.push_str(&figure(f));
        s.push_str("</div>\n");
    }
    s.push_str("</div>\n");
    if link {
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

fn plan_body(p: &Plan) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "<h4>Plan de mejoramiento <span class=\"plan-id\">{}</span> {}</h4>\n<dl><dt>Responsable</dt><dd>{}</dd><dt>Abierto el</dt><dd>{}</dd><dt>Fecha de compromiso</dt><dd>{}</dd>",
        esc(&p.plan_id),
        plan_badge(p),
        esc(&p.responsible),
        esc(&format::date(p.opened_date)),
        esc(&format::date(p.commitment_date)),
    );
    if let Some(lp) = &p.last_period {
        let _ = write!(
            s,
            "<dt>Última medición</dt><dd>{}: {} (cota inferior {})</dd>",
            esc(&format::period(lp)),
            esc(&format::score(p.last_score)),
            esc(&format::score(p.last_lower))
        );
    }
    s.push_str("</dl>\n<h4>Análisis de causas</h4>\n<ul>\n");
    for c in &p.causes {
        let _ = writeln!(s, "<li>{}</li>", esc(c));
    }
    s.push_str("</ul>\n");
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
    s.push_str("</ol>\n");
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
    let mut s = String::from("<table class=\"plans\"><thead><tr><th>Plan</th><th>Servicio</th><th>Responsable</th><th>Abierto</th><th>Compromiso</th><th>Estado</th><th>Puntaje al abrir</th><th>Última medición</th></tr></thead><tbody>\n");
    for p in plans {
        let svc = esc(&service(&labels, &p.unit, &p.channel, &p.attribute));
        let svc = if link {
            format!("<a href=\"{}\">{svc}</a>", esc(&unit_file(&p.unit)))
        } else {
            svc
        };
        let _ = writeln!(
            s,
            "<tr data-plan=\"{}\"><td class=\"id\">{}</td><td>{svc}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            esc(&p.plan_id),
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
    s.push_str("</tbody></table>\n");
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
            "<section id=\"g-{}\" class=\"chart\">\n<h2>{}</h2>",
            esc(&c.id),
            esc(&c.title)
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
    let mut s = head(&format!(
        "{} — {}",
        d.dashboard.file.title,
        format::period(&d.period)
    ));
    s.push_str(&header(
        d,
        d.dashboard
            .file
            .description
            .as_deref()
            .unwrap_or("Resumen ejecutivo"),
    ));
    s.push_str("<nav><a href=\"#alertas\">Alertas</a><a href=\"#resumen\">Resumen</a><a href=\"#requieren-plan\">Requieren plan</a><a href=\"#g-mapa_calor\">Mapas de calor</a><a href=\"#planes\">Planes</a><a href=\"#historial\">Historial</a><a href=\"#unidades\">Unidades</a><a href=\"#metodo\">Método</a></nav>\n<main>\n");
    s.push_str(&super::alerts::section(
        d.catalog,
        &d.alerts,
        None,
        d.followups,
    ));
    let _ = write!(
        s,
        "<section id=\"resumen\"><h2>Resumen de {}</h2>\n<p>{} servicios (unidad × canal × atributo) calificados en el periodo. {} requieren plan de mejoramiento.</p>\n{}",
        esc(&format::period(&d.period)),
        esc(&format::int(period_rows.len() as i64)),
        esc(&format::int(flagged.len() as i64)),
        status_counts(&period_rows)
    );
    s.push_str("<h4>Planes de mejoramiento</h4><div class=\"kpis\">");
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

    let _ = writeln!(
        s,
        "<section id=\"requieren-plan\"><h2>Servicios que requieren plan de mejoramiento en {}</h2>",
        esc(&format::period(&d.period))
    );
    if flagged.is_empty() {
        s.push_str("<p>Ningún servicio requiere plan de mejoramiento en este periodo.</p>\n");
    } else {
        s.push_str("<p class=\"notes\">Ordenados del más al menos concluyente (valor p). Cada uno con el plan que lo atiende: causas redactadas a partir de la evidencia y acciones sugeridas por la tabla de reglas, para confirmar con la unidad responsable.</p>\n");
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

    s.push_str("<section id=\"planes\"><h2>Planes de mejoramiento registrados</h2>\n<p class=\"notes\">Se vuelven a medir en cada corrida: <b>eficaz</b> cuando la cota inferior alcanza la meta dos periodos seguidos después de la fecha de compromiso; <b>no eficaz</b> cuando pasaron dos periodos medidos sin lograrlo; <b>vencido</b> cuando pasó la fecha de compromiso sin evidencia todavía.</p>\n");
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
        s.push_str("<table class=\"history\"><thead><tr><th>Periodo</th><th>Servicio</th><th>Puntaje</th><th>Meta</th><th>n</th><th>Plan que lo atiende</th></tr></thead><tbody>\n");
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
                plan.map_or("–".into(), |p| format!("{} {}", esc(&p.plan_id), plan_badge(p))),
            );
        }
        s.push_str("</tbody></table>\n");
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
                format!(" — <b>{n} requiere(n) plan</b>")
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

fn method(d: &ReportData) -> String {
    format!(
        "<section id=\"metodo\"><h2>Cómo leer este informe</h2><p class=\"notes\">Cada servicio (unidad × canal × atributo) recibe cada mes un puntaje de 0 a 100 que combina encuestas, cliente incógnito y registros de interacciones. Un servicio <b>requiere plan de mejoramiento</b> cuando su puntaje está por debajo de la meta con evidencia estadística suficiente (valor p menor que 0,05 después de controlar los falsos positivos del mes). <b>En observación</b>: por debajo de la meta sin evidencia suficiente. Por privacidad y para no sacar conclusiones de muy pocos casos, ninguna cifra de menos de {} observaciones se muestra (\"n&lt;{}\"). El detalle del método está en docs/metodo.md del proyecto.</p></section>\n",
        d.min_n, d.min_n
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
        s.push_str("<table class=\"cells\"><thead><tr><th>Canal</th>");
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
        s.push_str("</tbody></table>\n");
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
            "<details><summary>{} — {}</summary>{}</details>",
            esc(&p.plan_id),
            esc(&service(&labels, &p.unit, &p.channel, &p.attribute)),
            plan_body(p)
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
