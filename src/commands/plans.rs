//! `momentos plans`: open and re-measure improvement plans, list them, export them.

use std::path::PathBuf;

use super::ExitStatus;
use crate::catalog::Catalog;
use crate::lake::Lake;
use crate::plans::export::{self, ExportFormat};
use crate::plans::{self, store};

#[derive(Debug, Clone, clap::Subcommand)]
pub enum PlansAction {
    /// Open plans for new `needs_plan` cells and re-measure every plan (the default).
    Refresh,
    /// List the plans, in progress first.
    List,
    /// Write the plans for the improvement-plan registry.
    Export {
        /// csv or xlsx.
        #[arg(long, value_enum)]
        format: ExportFormat,
        /// File to write.
        #[arg(long)]
        out: PathBuf,
    },
}

pub async fn run(
    lake: &Lake,
    catalog: &Catalog,
    action: Option<PlansAction>,
) -> anyhow::Result<ExitStatus> {
    match action.unwrap_or(PlansAction::Refresh) {
        PlansAction::Refresh => match plans::refresh(lake, catalog, chrono::Utc::now()).await {
            Ok(s) => {
                let by_status: Vec<String> = s
                    .by_status
                    .iter()
                    .map(|(st, n)| {
                        let label = crate::i18n::label(st.label(), st.code());
                        format!("{} {}", crate::i18n::int(*n as i64), label.to_lowercase())
                    })
                    .collect();
                let line = crate::t!(
                    "plans-summary",
                    opened = s.opened,
                    total = s.total,
                    by_status = by_status.join(", ")
                );
                println!("{line}");
                list(lake, catalog).await
            }
            Err(e) if plans::is_busy(&e) => {
                eprintln!("error: {e}");
                Ok(ExitStatus::Busy)
            }
            Err(e) => Err(e.into()),
        },
        PlansAction::List => list(lake, catalog).await,
        PlansAction::Export { format: f, out } => {
            let rows = with_names(catalog, store::read(lake).await?);
            match f {
                ExportFormat::Csv => export::write_csv(&rows, &out)?,
                ExportFormat::Xlsx => export::write_xlsx(&rows, &out)?,
            }
            println!(
                "{}",
                crate::t!("plans-written", plans = rows.len(), path = &out)
            );
            Ok(ExitStatus::Success)
        }
    }
}

fn with_names(catalog: &Catalog, plans: Vec<plans::Plan>) -> Vec<(plans::Plan, String)> {
    plans
        .into_iter()
        .map(|p| {
            let name = catalog
                .unit(&p.unit)
                .map_or(p.unit.clone(), |u| u.name.clone());
            (p, name)
        })
        .collect()
}

async fn list(lake: &Lake, catalog: &Catalog) -> anyhow::Result<ExitStatus> {
    let mut rows = with_names(catalog, store::read(lake).await?);
    rows.sort_by_key(|(p, _)| {
        (
            !p.status.is_active(),
            std::cmp::Reverse(p.opened_period.clone()),
        )
    });
    if rows.is_empty() {
        println!("{}", crate::t!("plans-none"));
    }
    for (p, name) in rows {
        let status = crate::i18n::label(p.status.label(), p.status.code());
        let commitment = crate::t!("plans-commitment", date = p.commitment_date.to_string());
        println!(
            "  {:<48} {status:<22} {commitment}  {name:<30} {}",
            p.plan_id, p.responsible
        );
    }
    Ok(ExitStatus::Success)
}
