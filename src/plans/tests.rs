use super::*;

fn row(period: &str, status: &str, lower: f64) -> ScoreRow {
    ScoreRow {
        period: period.into(),
        unit: "admisiones".into(),
        channel: "phone".into(),
        attribute: "timeliness".into(),
        score: Some(lower + 5.0),
        lower: Some(lower),
        upper: Some(lower + 10.0),
        target: 80.0,
        p_value: Some(0.001),
        status: status.into(),
        n_interactions: 400,
        n_surveys: 40,
        n_shopper: 10,
        n_total: 450,
    }
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn draft(_: &ScoreRow) -> (Vec<String>, Vec<String>, Option<String>) {
    (vec!["causa".into()], vec!["acción".into()], None)
}

#[test]
fn a_flag_opens_one_plan_with_the_catalog_responsible_and_commitment_date() {
    let catalog = Catalog::embedded();
    let scores = vec![row("2026-01", "needs_plan", 60.0)];
    let (plans, opened) = plan_cells(&catalog, Vec::new(), &scores, d(2026, 2, 10), draft);
    assert_eq!(opened, 1);
    let p = &plans[0];
    assert_eq!(p.plan_id, "2026-01.admisiones.phone.timeliness");
    assert_eq!(p.responsible, "Jefe de admisiones y registro");
    assert_eq!(p.opened_date, d(2026, 2, 1));
    assert_eq!(p.commitment_date, d(2026, 3, 3));
    assert_eq!(p.status, PlanStatus::Open);
}

#[test]
fn an_open_plan_is_not_duplicated_by_the_next_run_or_the_next_flag() {
    let catalog = Catalog::embedded();
    let mut scores = vec![row("2026-01", "needs_plan", 60.0)];
    let (plans, _) = plan_cells(&catalog, Vec::new(), &scores, d(2026, 2, 10), draft);
    // Same data again: nothing new.
    let (again, opened) = plan_cells(&catalog, plans.clone(), &scores, d(2026, 2, 11), draft);
    assert_eq!((opened, again.len()), (0, 1));
    // February flagged again while the January plan is open: still one plan.
    scores.push(row("2026-02", "needs_plan", 62.0));
    let (again, opened) = plan_cells(&catalog, again, &scores, d(2026, 3, 2), draft);
    assert_eq!((opened, again.len()), (0, 1));
    let cells: Vec<&ScoreRow> = scores.iter().collect();
    let assigned = assign(&cells, &again);
    assert!(assigned
        .iter()
        .all(|(_, p)| p.is_some_and(|p| p.opened_period == "2026-01")));
}

#[test]
fn plans_are_re_measured_effective_not_effective_and_overdue() {
    let catalog = Catalog::embedded();
    // Opened 2026-02-01, commitment 2026-03-03: April and May count.
    let mut scores = vec![row("2026-01", "needs_plan", 60.0)];
    let (plans, _) = plan_cells(&catalog, Vec::new(), &scores, d(2026, 2, 10), draft);
    let (p, _) = plan_cells(&catalog, plans.clone(), &scores, d(2026, 4, 1), draft);
    assert_eq!(p[0].status, PlanStatus::Overdue);
    scores.push(row("2026-04", "ok", 81.0));
    scores.push(row("2026-05", "ok", 82.0));
    let (p, _) = plan_cells(&catalog, plans.clone(), &scores, d(2026, 6, 2), draft);
    assert_eq!(p[0].status, PlanStatus::Effective);
    assert_eq!(p[0].n_periods_met, 2);
    assert_eq!(p[0].last_period.as_deref(), Some("2026-05"));
    scores.pop();
    scores.push(row("2026-05", "watch", 70.0));
    let (p, _) = plan_cells(&catalog, plans, &scores, d(2026, 6, 2), draft);
    assert_eq!(p[0].status, PlanStatus::NotEffective);
}

#[test]
fn a_closed_plan_lets_a_new_flag_open_another() {
    let catalog = Catalog::embedded();
    let scores = vec![
        row("2026-01", "needs_plan", 60.0),
        row("2026-04", "watch", 70.0),
        row("2026-05", "watch", 70.0),
        row("2026-06", "needs_plan", 60.0),
    ];
    let (plans, opened) = plan_cells(&catalog, Vec::new(), &scores, d(2026, 7, 10), draft);
    assert_eq!(opened, 2);
    assert_eq!(plans[0].status, PlanStatus::NotEffective);
    assert_eq!(plans[1].opened_period, "2026-06");
}

#[test]
fn the_table_round_trips() {
    let catalog = Catalog::embedded();
    let scores = vec![row("2026-01", "needs_plan", 60.0)];
    let (mut plans, _) = plan_cells(&catalog, Vec::new(), &scores, d(2026, 2, 10), draft);
    plans[0].evidence_note = Some("<script>alert(1)</script>".into());
    let batch = store::to_batch(&plans, Utc::now());
    let back = store::from_batches(&[batch]).unwrap();
    assert_eq!(back, plans);
}
