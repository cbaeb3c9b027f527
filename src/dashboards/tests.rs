use super::*;

#[test]
fn the_shipped_dashboard_parses() {
    let d = Dashboard::parse(DEFAULT_DASHBOARD, "informe_mensual.toml").unwrap();
    assert!(d.file.charts.len() >= 6);
    assert_eq!(d.chart_lines.len(), d.file.charts.len());
    let kinds: BTreeSet<&str> = d.file.charts.iter().map(|c| c.kind.code()).collect();
    for k in ["heatmap", "line", "funnel", "bar", "coverage"] {
        assert!(kinds.contains(k), "{k}");
    }
}

#[test]
fn unknown_keys_and_missing_parts_are_errors_with_a_place() {
    let text = "title = \"x\"\n[[charts]]\nid = \"a\"\nkind = \"heatmap\"\nquery = \"scores\"\nx = \"channel\"\ny = \"unit\"\ntitle = \"t\"\ncolour = \"status\"\n";
    let e = Dashboard::parse(text, "d.toml").unwrap_err().to_string();
    assert!(e.contains("d.toml") && e.contains("colour"), "{e}");
    let text = "title = \"x\"\n\n[[charts]]\nid = \"a\"\nkind = \"heatmap\"\nquery = \"scores\"\nx = \"channel\"\ny = \"unit\"\ntitle = \"t\"\n";
    let e = Dashboard::parse(text, "d.toml").unwrap_err().to_string();
    assert!(
        e.contains("d.toml:3: chart `a`") && e.contains("`value`"),
        "{e}"
    );
}

#[test]
fn select_sql_filters_period_and_unit() {
    let d = Dashboard::parse(DEFAULT_DASHBOARD, "x").unwrap();
    let c = d.file.charts.iter().find(|c| c.id == "csat_canal").unwrap();
    let sql = select_sql(c, Some(&["2026-10".to_string()]), Some("o'x"));
    assert!(sql.contains("from survey_kpis where (level = 'channel') and period in ('2026-10') and unit = 'o''x'"), "{sql}");
}

#[tokio::test(flavor = "multi_thread")]
async fn columns_are_checked_against_the_views() {
    let catalog = Catalog::embedded();
    let (ctx, rels) = known_relations(&catalog).await.unwrap();
    let d = Dashboard::parse(DEFAULT_DASHBOARD, "informe_mensual.toml").unwrap();
    let problems = check_columns(&d, &ctx, &rels).await;
    assert!(problems.is_empty(), "{problems:#?}");

    let bad = "title = \"x\"\n[[charts]]\nid = \"a\"\nkind = \"bar\"\nquery = \"scorez\"\nx = \"unit\"\ny = \"score\"\ntitle = \"t\"\n\n[[charts]]\nid = \"b\"\nkind = \"bar\"\nquery = \"scores\"\nx = \"unit\"\ny = \"puntaje\"\ntitle = \"t\"\n\n[[charts]]\nid = \"c\"\nkind = \"bar\"\nquery = \"scores\"\nx = \"unit\"\ny = \"score\"\nfilter = \"nope > 1\"\ntitle = \"t\"\n";
    let d = Dashboard::parse(bad, "dashboards/bad.toml").unwrap();
    let problems = check_columns(&d, &ctx, &rels).await;
    assert_eq!(problems.len(), 3, "{problems:#?}");
    assert!(problems[0].starts_with("dashboards/bad.toml:2: chart `a`: unknown query `scorez`"));
    assert!(problems[0].contains("scores") && problems[0].contains("survey_kpis"));
    assert!(problems[1]
        .starts_with("dashboards/bad.toml:10: chart `b`: `scores` has no column `puntaje`"));
    assert!(problems[1].contains("n_total"), "{}", problems[1]);
    assert!(
        problems[2].contains("chart `c`") && problems[2].contains("nope"),
        "{}",
        problems[2]
    );
}
