//! Cause analysis drafted from evidence (DESIGN §6.6): for each flagged cell, which source
//! drags the score, the most failed mystery-shopper items, the commonest themes of
//! dissatisfied survey comments (catalog `themes` lexicon over comments with overall ≤ 2),
//! and where SLA misses concentrate by hour, weekday and escalation target. The evidence
//! of every new plan is read with a few grouped queries, not one per cell.

use std::collections::{BTreeMap, HashMap};

use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Float64Type, Int64Type};
use datafusion::prelude::SessionContext;

use crate::catalog::Catalog;
use crate::dashboards::sql_text;
use crate::report::format;
use crate::score::run::ScoreRow;
use crate::vocabulary::{fold_text, Channel};

/// How often one rubric item failed in a cell.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemFailure {
    pub item: String,
    pub label: String,
    pub n: i64,
    pub failed: i64,
}

impl ItemFailure {
    pub fn fail_share(&self) -> f64 {
        self.failed as f64 / self.n.max(1) as f64
    }
}

/// SLA misses of a cell's interactions.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SlaMisses {
    /// Interactions judged (within_sla not null) and of those missed.
    pub judged: i64,
    pub missed: i64,
    /// Local hour of `received_at` → misses.
    pub by_hour: BTreeMap<u32, i64>,
    /// ISO weekday (1 = Monday … 7 = Sunday) → misses.
    pub by_weekday: BTreeMap<u32, i64>,
    /// Unit escalated to (its name) → escalations not met.
    pub escalations_late: BTreeMap<String, i64>,
}

impl SlaMisses {
    /// The two-hour window (start hour, misses) with the most misses, when it holds at
    /// least `share` of them.
    pub fn peak_hours(&self, share: f64) -> Option<(u32, i64)> {
        if self.missed <= 0 {
            return None;
        }
        (0..23)
            .map(|h| {
                let n = self.by_hour.get(&h).copied().unwrap_or(0)
                    + self.by_hour.get(&(h + 1)).copied().unwrap_or(0);
                (h, n)
            })
            .max_by_key(|(h, n)| (*n, std::cmp::Reverse(*h)))
            .filter(|(_, n)| *n as f64 >= share * self.missed as f64)
    }

    /// The weekday with the most misses, when it holds at least `share` of them.
    pub fn peak_weekday(&self, share: f64) -> Option<(u32, i64)> {
        if self.missed <= 0 {
            return None;
        }
        self.by_weekday
            .iter()
            .map(|(d, n)| (*d, *n))
            .max_by_key(|(d, n)| (*n, std::cmp::Reverse(*d)))
            .filter(|(_, n)| *n as f64 >= share * self.missed as f64)
    }

    /// The unit with the most late escalations, when they are at least `min_n`.
    pub fn worst_escalation(&self, min_n: i64) -> Option<(String, i64)> {
        self.escalations_late
            .iter()
            .map(|(u, n)| (u.clone(), *n))
            .max_by_key(|(_, n)| *n)
            .filter(|(_, n)| *n >= min_n)
    }
}

/// Everything known about why a cell scored low.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Evidence {
    /// Small-cell limit (catalog `min_source_n`): smaller figures are not shown.
    pub min_n: i64,
    /// (source code, rate 0–100 or None below the limit, n).
    pub source_rates: Vec<(String, Option<f64>, i64)>,
    /// Items of the attribute with at least one failure, most failed first.
    pub failed_items: Vec<ItemFailure>,
    /// Dissatisfied comments (overall ≤ 2) of the cell.
    pub negative_comments: i64,
    /// Theme → dissatisfied comments mentioning it.
    pub themes: BTreeMap<String, i64>,
    pub sla: Option<SlaMisses>,
    /// A redacted note of a shopper on the most failed item.
    pub example_note: Option<String>,
}

impl Evidence {
    /// Themes by frequency (at most three), only when there are enough comments to show.
    pub fn top_themes(&self) -> Vec<(String, i64)> {
        if self.negative_comments < self.min_n {
            return Vec::new();
        }
        let mut t: Vec<(String, i64)> = self.themes.iter().map(|(k, v)| (k.clone(), *v)).collect();
        t.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        t.truncate(3);
        t
    }
}

pub fn source_label(code: &str) -> &'static str {
    match code {
        "interactions" => "registros de interacciones",
        "survey" | "surveys" => "encuesta",
        "shopper" => "cliente incógnito",
        _ => "otra fuente",
    }
}

pub fn weekday_name(d: u32) -> &'static str {
    [
        "lunes",
        "martes",
        "miércoles",
        "jueves",
        "viernes",
        "sábado",
        "domingo",
    ][(d.clamp(1, 7) - 1) as usize]
}

pub fn weekday_plural(d: u32) -> &'static str {
    [
        "lunes",
        "martes",
        "miércoles",
        "jueves",
        "viernes",
        "sábados",
        "domingos",
    ][(d.clamp(1, 7) - 1) as usize]
}

pub fn theme_label(code: &str) -> String {
    code.replace('_', " ")
}

/// Spanish label of a rubric item or protocol step.
pub fn item_label(item: &str) -> String {
    match item {
        "greeting" => "Saludo",
        "introduction" => "Presentación",
        "need_identified" => "Identificación de la necesidad",
        "habeas_script" => "Guion de habeas data",
        "request_processed" => "Trámite de la solicitud",
        "correct_information" => "Información correcta",
        "complete_information" => "Información completa",
        "response_time" => "Tiempo de respuesta",
        "closing" => "Cierre",
        "advice" => "Asesoría",
        "standard_script" => "Guion estándar",
        "correct_escalation" => "Escalamiento correcto",
        other => return other.replace('_', " "),
    }
    .to_string()
}

/// The cause analysis as sentences, for the plan and the report.
pub fn draft(row: &ScoreRow, ev: &Evidence) -> Vec<String> {
    let mut out = Vec::new();
    out.push(format!(
        "El puntaje ({}) está por debajo de la meta ({}); intervalo de confianza del 90 %: de {} a {}, con n = {}.",
        format::score(row.score),
        format::num(row.target, 0),
        format::score(row.lower),
        format::score(row.upper),
        format::int(row.n_total)
    ));
    let shown: Vec<&(String, Option<f64>, i64)> = ev
        .source_rates
        .iter()
        .filter(|(_, r, n)| r.is_some() && *n >= ev.min_n)
        .collect();
    if let Some(worst) = shown
        .iter()
        .min_by(|a, b| a.1.partial_cmp(&b.1).unwrap_or(std::cmp::Ordering::Equal))
    {
        let others: Vec<String> = shown
            .iter()
            .filter(|s| s.0 != worst.0)
            .map(|s| {
                format!(
                    "{} {} (n = {})",
                    source_label(&s.0),
                    format::pct(s.1),
                    format::int(s.2)
                )
            })
            .collect();
        let mut s = format!(
            "La fuente que más baja el puntaje es {}: {} de observaciones buenas (n = {})",
            source_label(&worst.0),
            format::pct(worst.1),
            format::int(worst.2)
        );
        if !others.is_empty() {
            s.push_str(&format!(", frente a {}", others.join(" y ")));
        }
        s.push('.');
        out.push(s);
    }
    let items: Vec<String> = ev
        .failed_items
        .iter()
        .filter(|f| f.n >= ev.min_n && f.failed > 0)
        .take(3)
        .map(|f| {
            format!(
                "{} (falló en {} de {}, {})",
                f.label,
                format::int(f.failed),
                format::int(f.n),
                format::pct(Some(100.0 * f.fail_share()))
            )
        })
        .collect();
    if !items.is_empty() {
        out.push(format!(
            "Ítems del cliente incógnito más incumplidos: {}.",
            items.join("; ")
        ));
    }
    let themes = ev.top_themes();
    if !themes.is_empty() {
        out.push(format!(
            "Temas más frecuentes en {} comentarios de encuestados insatisfechos (satisfacción general ≤ 2): {}.",
            format::int(ev.negative_comments),
            themes
                .iter()
                .map(|(t, n)| format!("{} ({})", theme_label(t), format::int(*n)))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if let Some(s) = ev
        .sla
        .as_ref()
        .filter(|s| s.judged >= ev.min_n && s.missed >= ev.min_n)
    {
        let mut parts = Vec::new();
        if let Some((h, n)) = s.peak_hours(0.0) {
            parts.push(format!(
                "entre las {h:02}:00 y las {:02}:00 ({} de los incumplimientos)",
                h + 2,
                format::pct(Some(100.0 * n as f64 / s.missed as f64))
            ));
        }
        if let Some((d, n)) = s.peak_weekday(0.0) {
            parts.push(format!(
                "los {} ({})",
                weekday_plural(d),
                format::pct(Some(100.0 * n as f64 / s.missed as f64))
            ));
        }
        let mut line = format!(
            "Incumplimientos del acuerdo de servicio: {} de {} contactos juzgados",
            format::int(s.missed),
            format::int(s.judged)
        );
        if !parts.is_empty() {
            line.push_str(&format!("; se concentran {}", parts.join(" y ")));
        }
        if let Some((u, n)) = s.worst_escalation(ev.min_n) {
            line.push_str(&format!(
                "; escalamientos vencidos sobre todo con {u} ({})",
                format::int(n)
            ));
        }
        line.push('.');
        out.push(line);
    }
    out
}

/// Key of a cell in the evidence queries.
fn key(period: &str, unit: &str, channel: &str) -> String {
    format!("{period}|{unit}|{channel}")
}

/// The cell key (`period|unit|channel`) of every row of a batch.
fn cell_keys(b: &RecordBatch) -> Vec<String> {
    let (p, u, c) = (texts(b, "period"), texts(b, "unit"), texts(b, "channel"));
    fn text(v: &Option<String>) -> &str {
        v.as_deref().unwrap_or("")
    }
    (0..b.num_rows())
        .map(|i| key(text(&p[i]), text(&u[i]), text(&c[i])))
        .collect()
}

fn texts(b: &RecordBatch, name: &str) -> Vec<Option<String>> {
    let Some(c) = b.column_by_name(name) else {
        return vec![None; b.num_rows()];
    };
    let c = cast(c, &DataType::Utf8).expect("any column casts to text");
    let c = c.as_string::<i32>();
    (0..c.len())
        .map(|i| (!c.is_null(i)).then(|| c.value(i).to_string()))
        .collect()
}

fn ints(b: &RecordBatch, name: &str) -> Vec<Option<i64>> {
    let Some(c) = b.column_by_name(name) else {
        return vec![None; b.num_rows()];
    };
    let c = cast(c, &DataType::Int64).expect("numbers cast to Int64");
    let c = c.as_primitive::<Int64Type>();
    (0..c.len())
        .map(|i| (!c.is_null(i)).then(|| c.value(i)))
        .collect()
}

/// Reads a query's rows (small results only).
pub async fn collect(
    ctx: &SessionContext,
    sql: &str,
) -> Result<Vec<RecordBatch>, datafusion::error::DataFusionError> {
    ctx.sql(sql).await?.collect().await
}

/// The evidence of every listed cell, keyed by (period, unit, channel, attribute).
pub async fn gather(
    ctx: &SessionContext,
    catalog: &Catalog,
    rows: &[&ScoreRow],
    extra: &HashMap<(String, String, String, String), (Option<f64>, Option<f64>, Option<f64>)>,
) -> Result<HashMap<(String, String, String, String), Evidence>, datafusion::error::DataFusionError>
{
    let min_n = catalog.scoring.min_source_n as i64;
    let mut out: HashMap<(String, String, String, String), Evidence> = HashMap::new();
    if rows.is_empty() {
        return Ok(out);
    }
    let keys: Vec<String> = rows
        .iter()
        .map(|r| sql_text(&key(&r.period, &r.unit, &r.channel)))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let in_list = keys.join(", ");
    let key_expr =
        |p: &str, u: &str, c: &str| format!("concat({p}, '|', {u}, '|', {c}) in ({in_list})");

    // Shopper items.
    let items = collect(
        ctx,
        &format!(
            "select period, unit, channel, item, count(*) as n, \
             sum(case when result = 'fail' then 1 else 0 end) as n_failed \
             from stg_shopper where result <> 'na' and {} group by period, unit, channel, item",
            key_expr("period", "unit", "channel")
        ),
    )
    .await?;
    let mut by_cell_items: HashMap<String, Vec<(String, i64, i64)>> = HashMap::new();
    for b in &items {
        let (keys, it) = (cell_keys(b), texts(b, "item"));
        let (n, f) = (ints(b, "n"), ints(b, "n_failed"));
        for (i, k) in keys.into_iter().enumerate() {
            by_cell_items.entry(k).or_default().push((
                it[i].clone().unwrap_or_default(),
                n[i].unwrap_or(0),
                f[i].unwrap_or(0),
            ));
        }
    }
    // Shopper notes on failed items.
    let notes = collect(
        ctx,
        &format!(
            "select period, unit, channel, item, notes from stg_shopper \
             where result = 'fail' and notes is not null and notes <> '' and {} \
             order by evaluated_at desc",
            key_expr("period", "unit", "channel")
        ),
    )
    .await?;
    let mut note_of: HashMap<(String, String), String> = HashMap::new();
    for b in &notes {
        let (keys, it, t) = (cell_keys(b), texts(b, "item"), texts(b, "notes"));
        for (i, k) in keys.into_iter().enumerate() {
            note_of
                .entry((k, it[i].clone().unwrap_or_default()))
                .or_insert_with(|| t[i].clone().unwrap_or_default());
        }
    }
    // Dissatisfied survey comments.
    let comments = collect(
        ctx,
        &format!(
            "select r.period, r.unit, r.channel, s.comment from stg_surveys as s \
             inner join int_survey_responses as r on r.response_id = s.response_id \
             where s.overall <= 2 and r.channel is not null and {}",
            key_expr("r.period", "r.unit", "r.channel")
        ),
    )
    .await?;
    let lexicon: Vec<(String, Vec<String>)> = catalog
        .themes
        .iter()
        .map(|(t, words)| (t.clone(), words.iter().map(|w| fold_text(w)).collect()))
        .collect();
    let mut comment_stats: HashMap<String, (i64, BTreeMap<String, i64>)> = HashMap::new();
    for b in &comments {
        let (keys, t) = (cell_keys(b), texts(b, "comment"));
        for (i, k) in keys.into_iter().enumerate() {
            let entry = comment_stats.entry(k).or_default();
            entry.0 += 1;
            if let Some(text) = &t[i] {
                let folded = fold_text(text);
                for (theme, words) in &lexicon {
                    if words
                        .iter()
                        .any(|w| crate::vocabulary::mentions(&folded, w))
                    {
                        *entry.1.entry(theme.clone()).or_default() += 1;
                    }
                }
            }
        }
    }
    // SLA misses by hour, weekday and escalation target.
    let sla = collect(
        ctx,
        &format!(
            "select f.period, f.unit, f.channel, \
             cast(date_part('hour', i.received_local_at) as bigint) as hour, \
             cast(date_part('dow', i.received_local_at) as bigint) as dow, \
             i.escalated_to, f.escalation_met, f.within_sla, count(*) as n \
             from interaction_facts as f \
             inner join stg_interactions as i on i.interaction_id = f.interaction_id \
             where f.within_sla is not null and {} \
             group by 1, 2, 3, 4, 5, 6, 7, 8",
            key_expr("f.period", "f.unit", "f.channel")
        ),
    )
    .await?;
    let mut sla_stats: HashMap<String, SlaMisses> = HashMap::new();
    for b in &sla {
        let (keys, esc) = (cell_keys(b), texts(b, "escalated_to"));
        let (hour, dow, n) = (ints(b, "hour"), ints(b, "dow"), ints(b, "n"));
        let met = texts(b, "escalation_met");
        let within = texts(b, "within_sla");
        for (i, k) in keys.into_iter().enumerate() {
            let s = sla_stats.entry(k).or_default();
            let n = n[i].unwrap_or(0);
            s.judged += n;
            if within[i].as_deref() == Some("false") {
                s.missed += n;
                if let Some(h) = hour[i] {
                    *s.by_hour.entry(h as u32).or_default() += n;
                }
                if let Some(d) = dow[i] {
                    // date_part dow: 0 = Sunday … 6 = Saturday → ISO 1 = Monday … 7 = Sunday.
                    let iso = if d == 0 { 7 } else { d as u32 };
                    *s.by_weekday.entry(iso).or_default() += n;
                }
                if met[i].as_deref() == Some("false") {
                    if let Some(e) = &esc[i] {
                        let name = catalog.unit(e).map_or(e.clone(), |u| u.name.clone());
                        *s.escalations_late.entry(name).or_default() += n;
                    }
                }
            }
        }
    }

    for r in rows {
        let k = key(&r.period, &r.unit, &r.channel);
        let attr = crate::vocabulary::Attribute::parse(&r.attribute);
        let channel = Channel::parse(&r.channel);
        let mut failed: Vec<ItemFailure> = by_cell_items
            .get(&k)
            .map(|v| {
                v.iter()
                    .filter(|(item, _, f)| {
                        *f > 0
                            && match (channel, attr) {
                                (Some(ch), Some(a)) => catalog
                                    .rubric_item(ch, item)
                                    .is_some_and(|ri| ri.attribute == Some(a) || ri.critical),
                                _ => true,
                            }
                    })
                    .map(|(item, n, f)| ItemFailure {
                        item: item.clone(),
                        label: item_label(item),
                        n: *n,
                        failed: *f,
                    })
                    .collect()
            })
            .unwrap_or_default();
        failed.sort_by(|a, b| {
            b.fail_share()
                .partial_cmp(&a.fail_share())
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(b.failed.cmp(&a.failed))
        });
        let example_note = failed
            .iter()
            .find_map(|f| note_of.get(&(k.clone(), f.item.clone())).cloned());
        let (neg, themes) = comment_stats.get(&k).cloned().unwrap_or_default();
        let ck = (
            r.period.clone(),
            r.unit.clone(),
            r.channel.clone(),
            r.attribute.clone(),
        );
        let (ri, rs, rh) = extra.get(&ck).copied().unwrap_or((None, None, None));
        let mut source_rates = Vec::new();
        if r.attribute == "timeliness" {
            source_rates.push(("interactions".to_string(), ri, r.n_interactions));
        }
        source_rates.push(("survey".to_string(), rs, r.n_surveys));
        source_rates.push(("shopper".to_string(), rh, r.n_shopper));
        let ev = Evidence {
            min_n,
            source_rates,
            failed_items: failed,
            negative_comments: neg,
            themes,
            sla: (r.attribute == "timeliness")
                .then(|| sla_stats.get(&k).cloned().unwrap_or_default()),
            example_note,
        };
        out.insert(ck, ev);
    }
    Ok(out)
}

#[allow(dead_code)]
fn floats(b: &RecordBatch, name: &str) -> Vec<Option<f64>> {
    let Some(c) = b.column_by_name(name) else {
        return vec![None; b.num_rows()];
    };
    let c = cast(c, &DataType::Float64).expect("numbers cast to Float64");
    let c = c.as_primitive::<Float64Type>();
    (0..c.len())
        .map(|i| (!c.is_null(i)).then(|| c.value(i)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> ScoreRow {
        ScoreRow {
            period: "2026-10".into(),
            unit: "admisiones".into(),
            channel: "phone".into(),
            attribute: "timeliness".into(),
            score: Some(61.23),
            lower: Some(55.0),
            upper: Some(67.5),
            target: 80.0,
            p_value: Some(0.0001),
            status: "needs_plan".into(),
            n_interactions: 1500,
            n_surveys: 40,
            n_shopper: 3,
            n_total: 1540,
        }
    }

    #[test]
    fn draft_names_the_dragging_source_and_hides_small_figures() {
        let mut sla = SlaMisses {
            judged: 1500,
            missed: 600,
            ..Default::default()
        };
        sla.by_hour.insert(12, 200);
        sla.by_hour.insert(13, 100);
        sla.by_weekday.insert(1, 250);
        sla.escalations_late
            .insert("Facultad de Medicina".into(), 3);
        let ev = Evidence {
            min_n: 5,
            source_rates: vec![
                ("interactions".into(), Some(60.0), 1500),
                ("survey".into(), Some(75.0), 40),
                ("shopper".into(), None, 3),
            ],
            sla: Some(sla),
            ..Default::default()
        };
        let lines = draft(&row(), &ev);
        assert!(
            lines[0].contains("61,2") && lines[0].contains("1.540"),
            "{lines:?}"
        );
        assert!(
            lines[1].starts_with(
                "La fuente que más baja el puntaje es registros de interacciones: 60,0 %"
            ),
            "{lines:?}"
        );
        assert!(
            !lines[1].contains("cliente incógnito"),
            "a source below 5 is not shown"
        );
        assert!(
            lines[2].contains("12:00 y las 14:00") && lines[2].contains("lunes"),
            "{lines:?}"
        );
        assert!(
            !lines[2].contains("Medicina"),
            "3 late escalations are below the limit"
        );
    }

    #[test]
    fn theme_matching_ignores_accents_and_case() {
        assert_eq!(
            fold_text("Nunca RESPONDIÓ, qué demora"),
            "nunca respondio, que demora"
        );
    }
}
