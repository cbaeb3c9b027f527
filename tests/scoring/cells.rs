//! Property test: the cell score, interval, p-value, counts and status (Benjamini–Hochberg
//! included) of `cell_scores.sql` against the naive reference, for random observations
//! and random scoring parameters.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{NaiveDate, TimeZone, Utc};
use datafusion::arrow::array::{BooleanArray, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::datasource::MemTable;
use datafusion::prelude::SessionContext;
use momentos::catalog::{Catalog, CatalogOrigin, DEFAULT_CATALOG};
use momentos::score::{cell_statistics, queries, reference as refs};
use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::reference::{self, CellKey, Obs};
use super::util::*;

#[derive(Debug, Clone)]
struct Params {
    target: f64,
    min_n: u32,
    min_source_n: u32,
    fdr_q: f64,
    alpha: f64,
    cells: usize,
    seed: u64,
}

fn catalog_for(p: &Params) -> Catalog {
    let text = DEFAULT_CATALOG
        .replacen("target = 80.0", &format!("target = {:?}", p.target), 1)
        .replacen("min_n = 30", &format!("min_n = {}", p.min_n), 1)
        .replacen(
            "min_source_n = 5",
            &format!("min_source_n = {}", p.min_source_n),
            1,
        )
        .replacen("fdr_q = 0.10", &format!("fdr_q = {:?}", p.fdr_q), 1)
        .replacen("alpha = 0.05", &format!("alpha = {:?}", p.alpha), 1)
        // A cell-specific target too.
        + "\n[[targets]]\nattribute = \"kindness\"\nunit = \"admisiones\"\ntarget = 90.0\n";
    Catalog::from_toml(&text, CatalogOrigin::Embedded).unwrap()
}

const UNITS: &[&str] = &["admisiones", "mercadeo_pregrado", "fac_medicina"];
const CHANNELS: &[&str] = &["phone", "whatsapp", "email"];
const STAKEHOLDERS: &[Option<&str>] = &[Some("aspirante"), Some("estudiante"), None];

fn sources_of(attribute: &str) -> &'static [&'static str] {
    match attribute {
        "timeliness" => &["interactions", "survey", "shopper"],
        _ => &["survey", "shopper"],
    }
}

/// Random cells with observations whose good-rate hovers around the target.
fn observations(p: &Params) -> Vec<Obs> {
    let mut r = ChaCha8Rng::seed_from_u64(p.seed);
    let mut out = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..p.cells {
        let period = ["2026-01", "2026-02"][r.gen_range(0..2)];
        let unit = UNITS[r.gen_range(0..UNITS.len())];
        let channel = CHANNELS[r.gen_range(0..CHANNELS.len())];
        let attribute = ["kindness", "information_quality", "timeliness"][r.gen_range(0..3)];
        if !seen.insert((period, unit, channel, attribute)) {
            continue;
        }
        let rate: f64 = (p.target / 100.0 + r.gen_range(-0.35..0.2)).clamp(0.0, 1.0);
        for source in sources_of(attribute) {
            let n = match r.gen_range(0..4) {
                0 => 0,
                1 => r.gen_range(1..8),
                _ => r.gen_range(5..90),
            };
            for _ in 0..n {
                out.push(Obs {
                    period: period.into(),
                    unit: unit.into(),
                    channel: channel.into(),
                    stakeholder: STAKEHOLDERS[r.gen_range(0..STAKEHOLDERS.len())]
                        .map(str::to_string),
                    attribute: attribute_static(attribute),
                    source,
                    good: r.gen_bool(rate),
                });
            }
        }
    }
    out
}

fn attribute_static(a: &str) -> &'static str {
    match a {
        "kindness" => "kindness",
        "information_quality" => "information_quality",
        _ => "timeliness",
    }
}

fn observations_batch(obs: &[Obs]) -> RecordBatch {
    let schema = Arc::new(Schema::new(vec![
        Field::new("period", DataType::Utf8, false),
        Field::new("unit", DataType::Utf8, false),
        Field::new("channel", DataType::Utf8, false),
        Field::new("stakeholder", DataType::Utf8, true),
        Field::new("attribute", DataType::Utf8, false),
        Field::new("source", DataType::Utf8, false),
        Field::new("record_id", DataType::Utf8, false),
        Field::new("is_good", DataType::Boolean, false),
    ]));
    let s = |f: &dyn Fn(&Obs) -> String| -> Arc<StringArray> {
        Arc::new(StringArray::from_iter_values(obs.iter().map(f)))
    };
    RecordBatch::try_new(
        schema,
        vec![
            s(&|o| o.period.clone()),
            s(&|o| o.unit.clone()),
            s(&|o| o.channel.clone()),
            Arc::new(StringArray::from(
                obs.iter()
                    .map(|o| o.stakeholder.clone())
                    .collect::<Vec<_>>(),
            )),
            s(&|o| o.attribute.to_string()),
            s(&|o| o.source.to_string()),
            Arc::new(StringArray::from_iter_values(
                (0..obs.len()).map(|i| format!("R{i}")),
            )),
            Arc::new(BooleanArray::from(
                obs.iter().map(|o| o.good).collect::<Vec<_>>(),
            )),
        ],
    )
    .unwrap()
}

/// The real scoring SQL over a given `observations` table.
pub async fn score_observations(
    catalog: &Catalog,
    obs: &[Obs],
) -> (Vec<RecordBatch>, Vec<RecordBatch>) {
    let ctx = SessionContext::new();
    cell_statistics::register(&ctx).unwrap();
    let day = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
    let inputs = refs::ReferenceInputs {
        as_of: Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap(),
        range: refs::CalendarRange {
            first: day,
            last: day,
        },
    };
    refs::register(&ctx, &refs::build(catalog, &inputs)).unwrap();
    let batch = observations_batch(obs);
    let all = queries::load().unwrap();
    queries::replace_with_table(
        &ctx,
        catalog,
        &all,
        "observations",
        Arc::new(MemTable::try_new(batch.schema(), vec![vec![batch]]).unwrap()),
    )
    .await
    .unwrap();
    let run = |sql: &'static str| {
        let ctx = ctx.clone();
        async move { ctx.sql(sql).await.unwrap().collect().await.unwrap() }
    };
    (
        run("select *, cast(null as varchar) as stakeholder from scores").await,
        run("select * from scores_by_stakeholder").await,
    )
}

/// Compares SQL rows with reference cells; returns a description of the first mismatch.
pub fn compare(
    batches: &[RecordBatch],
    want: &BTreeMap<CellKey, reference::Cell>,
    tol: f64,
) -> Result<(), String> {
    let (period, unit, channel, stakeholder, attribute) = (
        strs(batches, "period"),
        strs(batches, "unit"),
        strs(batches, "channel"),
        strs(batches, "stakeholder"),
        strs(batches, "attribute"),
    );
    let (score, lower, upper, p, target) = (
        floats(batches, "score"),
        floats(batches, "lower"),
        floats(batches, "upper"),
        floats(batches, "p_value"),
        floats(batches, "target"),
    );
    let (ni, ns, nh, nt) = (
        ints(batches, "n_interactions"),
        ints(batches, "n_surveys"),
        ints(batches, "n_shopper"),
        ints(batches, "n_total"),
    );
    let status = strs(batches, "status");
    if period.len() != want.len() {
        return Err(format!(
            "{} SQL cells, {} reference cells",
            period.len(),
            want.len()
        ));
    }
    for i in 0..period.len() {
        let key: CellKey = (
            period[i].clone().unwrap(),
            unit[i].clone().unwrap(),
            channel[i].clone().unwrap(),
            stakeholder[i].clone(),
            attribute[i].clone().unwrap(),
        );
        let w = want
            .get(&key)
            .ok_or_else(|| format!("SQL cell {key:?} is not in the reference"))?;
        let ok = close(score[i], w.score, tol)
            && close(lower[i], w.lower, tol)
            && close(upper[i], w.upper, tol)
            && close(p[i], w.p_value, tol)
            && target[i] == Some(w.target)
            && ni[i] == Some(w.n_interactions)
            && ns[i] == Some(w.n_surveys)
            && nh[i] == Some(w.n_shopper)
            && nt[i] == Some(w.n_total)
            && status[i].as_deref() == Some(w.status.as_str());
        if !ok {
            return Err(format!(
                "cell {key:?}: SQL score {:?} [{:?}, {:?}] p {:?} target {:?} n {:?}/{:?}/{:?}/{:?} {:?}; reference {w:?}",
                score[i], lower[i], upper[i], p[i], target[i], ni[i], ns[i], nh[i], nt[i], status[i]
            ));
        }
    }
    Ok(())
}

fn params() -> impl Strategy<Value = Params> {
    (
        50.0f64..95.0,
        1u32..60,
        1u32..10,
        0.01f64..0.3,
        prop_oneof![Just(0.05f64), 0.01f64..0.2],
        1usize..70,
        any::<u64>(),
    )
        .prop_map(
            |(target, min_n, min_source_n, fdr_q, alpha, cells, seed)| Params {
                target: (target * 10.0).round() / 10.0,
                min_n,
                min_source_n,
                fdr_q,
                alpha,
                cells,
                seed,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn cell_scores_match_the_reference(p in params()) {
        let catalog = catalog_for(&p);
        let obs = observations(&p);
        let (scores, by_stakeholder) = {
            let (catalog, obs) = (catalog.clone(), obs.clone());
            block_on_big_stack(async move { score_observations(&catalog, &obs).await })
        };
        let want = reference::cells(&catalog, &obs, false);
        if let Err(e) = compare(&scores, &want, 1e-9) {
            prop_assert!(false, "scores: {}", e);
        }
        let want = reference::cells(&catalog, &obs, true);
        if let Err(e) = compare(&by_stakeholder, &want, 1e-9) {
            prop_assert!(false, "scores_by_stakeholder: {}", e);
        }
    }
}

/// A family where BH flags fewer cells than "p < alpha" alone would, computed by hand:
/// m = 4 judged cells with p ≈ (0.0013, 0.022, 0.046, 0.31) and q = 0.10: thresholds
/// 0.025, 0.05, 0.075, 0.1 → i* = 3, so the first three are flagged (all have p < 0.05).
/// With q = 0.05 thresholds are 0.0125, 0.025, 0.0375, 0.05 → i* = 2: the third cell
/// (p ≈ 0.046 < alpha) is only `watch`.
#[test]
fn benjamini_hochberg_cuts_where_expected() {
    block_on_big_stack(benjamini_hochberg_cuts_where_expected_async());
}

async fn benjamini_hochberg_cuts_where_expected_async() {
    // Survey-only kindness cells of n observations, k good.
    let mk = |unit: &str, n: usize, k: usize| -> Vec<Obs> {
        (0..n)
            .map(|i| Obs {
                period: "2026-01".into(),
                unit: unit.into(),
                channel: "phone".into(),
                stakeholder: None,
                attribute: "kindness",
                source: "survey",
                good: i < k,
            })
            .collect()
    };
    let mut obs = Vec::new();
    for (u, n, k) in [
        ("mercadeo_pregrado", 100, 66),
        ("mercadeo_posgrado", 100, 71),
        ("educacion_continua", 150, 111),
        ("fac_medicina", 100, 78),
    ] {
        obs.extend(mk(u, n, k));
    }
    let base = Params {
        target: 80.0,
        min_n: 30,
        min_source_n: 5,
        fdr_q: 0.10,
        alpha: 0.05,
        cells: 0,
        seed: 0,
    };
    for (q, flagged) in [(0.10, 3usize), (0.05, 2)] {
        let catalog = catalog_for(&Params {
            fdr_q: q,
            ..base.clone()
        });
        let (scores, _) = score_observations(&catalog, &obs).await;
        let want = reference::cells(&catalog, &obs, false);
        compare(&scores, &want, 1e-9).unwrap();
        let status = strs(&scores, "status");
        let p = floats(&scores, "p_value");
        let n = status
            .iter()
            .filter(|s| s.as_deref() == Some("needs_plan"))
            .count();
        assert_eq!(n, flagged, "q = {q}: p-values {p:?}, status {status:?}");
    }
}

/// The worked example of `docs/metodo.md`: its ```momentos-ejemplo block lists, per cell,
/// the figures the page computes by hand; the real SQL must give the same (rounded as
/// written).
#[test]
fn worked_example_of_the_method_page() {
    block_on_big_stack(worked_example_async());
}

/// The example period: (label, unit, channel, attribute, [(source, n, k)]).
pub const EXAMPLE: &[(&str, &str, &str, &str, &[(&str, usize, usize)])] = &[
    (
        "A",
        "mercadeo_pregrado",
        "phone",
        "timeliness",
        &[
            ("interactions", 40, 26),
            ("survey", 20, 14),
            ("shopper", 4, 2),
        ],
    ),
    (
        "B",
        "admisiones",
        "email",
        "information_quality",
        &[("survey", 50, 36), ("shopper", 10, 7)],
    ),
    (
        "C",
        "fac_medicina",
        "whatsapp",
        "kindness",
        &[("survey", 35, 27)],
    ),
    (
        "D",
        "educacion_continua",
        "phone",
        "kindness",
        &[("survey", 60, 52)],
    ),
    (
        "E",
        "sede_sabaneta",
        "in_person",
        "kindness",
        &[("survey", 12, 6)],
    ),
];

async fn worked_example_async() {
    let catalog = Catalog::embedded();
    let mut obs = Vec::new();
    for (_, unit, channel, attribute, sources) in EXAMPLE {
        for (source, n, k) in *sources {
            for i in 0..*n {
                obs.push(Obs {
                    period: "2026-10".into(),
                    unit: unit.to_string(),
                    channel: channel.to_string(),
                    stakeholder: None,
                    attribute: attribute_static(attribute),
                    source: match *source {
                        "interactions" => "interactions",
                        "survey" => "survey",
                        _ => "shopper",
                    },
                    good: i < *k,
                });
            }
        }
    }
    let (scores, _) = score_observations(&catalog, &obs).await;
    compare(&scores, &reference::cells(&catalog, &obs, false), 1e-9).unwrap();
    let (unit, score, se, lower, upper, p, status) = (
        strs(&scores, "unit"),
        floats(&scores, "score"),
        floats(&scores, "se"),
        floats(&scores, "lower"),
        floats(&scores, "upper"),
        floats(&scores, "p_value"),
        strs(&scores, "status"),
    );
    let f = |v: Option<f64>, d: usize| v.map_or("-".to_string(), |x| format!("{x:.d$}"));
    let mut actual = Vec::new();
    for (label, u, ..) in EXAMPLE {
        let i = unit.iter().position(|x| x.as_deref() == Some(*u)).unwrap();
        actual.push(format!(
            "celda={label} score={} se={} lower={} upper={} p_value={} status={}",
            f(score[i], 2),
            f(se[i], 2),
            f(lower[i], 2),
            f(upper[i], 2),
            f(p[i], 4),
            status[i].as_deref().unwrap()
        ));
    }
    let doc = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/metodo.md"),
    )
    .unwrap();
    let block: Vec<&str> = doc
        .split("```momentos-ejemplo")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .map(|b| b.lines().map(str::trim).filter(|l| !l.is_empty()).collect())
        .unwrap_or_default();
    assert_eq!(
        block,
        actual,
        "docs/metodo.md's example block should read:\n{}",
        actual.join("\n")
    );
}
