//! `momentos followup`: the contact center's list for an alert (post-crisis survey, call
//! back) or for escalations due, as CSV or XLSX, recorded in `followups`.

use std::path::PathBuf;
use std::time::Duration;

use super::ExitStatus;
use crate::alerts::followup::{self, ListFor, ListRecord};
use crate::alerts::store;
use crate::catalog::Catalog;
use crate::lake::lock::LakeLock;
use crate::lake::Lake;

pub struct FollowupArgs {
    pub alert: Option<String>,
    pub escalations: bool,
    pub out: PathBuf,
    pub as_of: Option<String>,
}

pub async fn run(lake: &Lake, catalog: &Catalog, args: FollowupArgs) -> anyhow::Result<ExitStatus> {
    let now = match super::alerts::parse_as_of(args.as_of.as_deref(), catalog) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitStatus::UsageError);
        }
    };
    let today = now.with_timezone(&catalog.time_zone).date_naive();
    let what = match (&args.alert, args.escalations) {
        (Some(id), false) => ListFor::Alert(id.clone()),
        (None, true) => ListFor::Escalations,
        _ => {
            eprintln!("error: {}", crate::t!("followup-what"));
            return Ok(ExitStatus::UsageError);
        }
    };
    let ctx = crate::sql::session(lake, catalog).await?;
    let list = match &what {
        ListFor::Alert(id) => {
            let alerts = store::read(lake).await?;
            let Some(alert) = alerts.iter().find(|a| &a.alert_id == id) else {
                eprintln!("error: {}", crate::t!("followup-no-alert", id = id));
                return Ok(ExitStatus::UsageError);
            };
            followup::for_alert(&ctx, catalog, alert, now).await?
        }
        ListFor::Escalations => followup::for_escalations(&ctx, catalog, today).await?,
    };
    // The lock first: a list handed out is always a list recorded.
    let lock = LakeLock::acquire(lake, "followup", Duration::from_secs(120)).await?;
    if let Err(e) = followup::write(catalog, &list, &args.out) {
        lock.release().await?;
        eprintln!("error: {e}");
        return Ok(ExitStatus::Failure);
    }
    let rec = ListRecord {
        list_id: crate::lake::manifest::new_batch_id(),
        list_for: match &what {
            ListFor::Alert(_) => "alert".into(),
            ListFor::Escalations => "escalations".into(),
        },
        alert_id: match &what {
            ListFor::Alert(id) => Some(id.clone()),
            ListFor::Escalations => None,
        },
        created_at: now,
        created_by: std::env::var("USER").unwrap_or_else(|_| "desconocido".into()),
        n_listed: list.lines.len() as i64,
        n_unauthorised: list.unauthorised as i64,
        file_name: crate::privacy::file_label(&args.out),
    };
    let recorded = followup::record(lake, rec).await;
    lock.release().await?;
    recorded?;
    let line = crate::t!(
        "followup-written",
        listed = list.lines.len(),
        path = &args.out,
        unauthorised = list.unauthorised
    );
    println!("{line}");
    Ok(ExitStatus::Success)
}
