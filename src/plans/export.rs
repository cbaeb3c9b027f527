//! Plans for the improvement-plan registry: CSV (UTF-8 with BOM so Excel reads the accents,
//! formula-looking text prefixed with `'`) and XLSX (every text written as a string cell,
//! never as a formula). Column headers are Spanish, like the registry's.

use std::path::Path;

use rust_xlsxwriter::{Format, Workbook, XlsxError};

use super::Plan;
use crate::report::format;
use crate::sql::output::neutralise_formula;
use crate::vocabulary::{Attribute, Channel};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("writing {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("writing {path}: {source}")]
    Csv { path: String, source: csv::Error },
    #[error("writing {path}: {source}")]
    Xlsx { path: String, source: XlsxError },
}

pub const HEADERS: &[&str] = &[
    "Código del plan",
    "Unidad",
    "Canal",
    "Atributo",
    "Periodo que lo originó",
    "Fecha de apertura",
    "Fecha de compromiso",
    "Responsable",
    "Estado",
    "Puntaje al abrir",
    "Meta",
    "n al abrir",
    "Análisis de causas",
    "Acciones sugeridas",
    "Nota de evidencia",
    "Último periodo medido",
    "Último puntaje",
    "Periodos en meta tras el compromiso",
];

/// The cells of one plan's row, as text (numbers in Colombian format).
pub fn row(plan: &Plan, unit_name: &str) -> Vec<String> {
    vec![
        plan.plan_id.clone(),
        unit_name.to_string(),
        Channel::parse(&plan.channel).map_or(plan.channel.clone(), |c| c.label().to_string()),
        Attribute::parse(&plan.attribute).map_or(plan.attribute.clone(), |a| a.label().to_string()),
        plan.opened_period.clone(),
        plan.opened_date.to_string(),
        plan.commitment_date.to_string(),
        plan.responsible.clone(),
        plan.status.label().to_string(),
        format::score(plan.score_at_open),
        format::num(plan.target, 0),
        format::int(plan.n_at_open),
        plan.causes.join("\n"),
        plan.actions
            .iter()
            .map(|a| format!("• {a}"))
            .collect::<Vec<_>>()
            .join("\n"),
        plan.evidence_note.clone().unwrap_or_default(),
        plan.last_period.clone().unwrap_or_default(),
        format::score(plan.last_score),
        format::int(plan.n_periods_met),
    ]
}

/// Writes the plans as CSV; every cell goes through the formula guard.
pub fn write_csv(plans: &[(Plan, String)], path: &Path) -> Result<(), ExportError> {
    let p = path.display().to_string();
    let mut file = std::fs::File::create(path).map_err(|source| ExportError::Io {
        path: p.clone(),
        source,
    })?;
    use std::io::Write;
    file.write_all("\u{FEFF}".as_bytes())
        .map_err(|source| ExportError::Io {
            path: p.clone(),
            source,
        })?;
    let mut w = csv::Writer::from_writer(file);
    let wrap = |source| ExportError::Csv {
        path: p.clone(),
        source,
    };
    w.write_record(HEADERS).map_err(wrap)?;
    for (plan, unit_name) in plans {
        let cells: Vec<String> = row(plan, unit_name)
            .iter()
            .map(|c| neutralise_formula(c).into_owned())
            .collect();
        w.write_record(&cells).map_err(wrap)?;
    }
    w.flush()
        .map_err(|source| ExportError::Io { path: p, source })
}

/// Writes the plans as an XLSX workbook with one sheet, "Planes de mejoramiento".
pub fn write_xlsx(plans: &[(Plan, String)], path: &Path) -> Result<(), ExportError> {
    let p = path.display().to_string();
    let wrap = |source| ExportError::Xlsx {
        path: p.clone(),
        source,
    };
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Planes de mejoramiento").map_err(wrap)?;
    let bold = Format::new().set_bold();
    let wrapped = Format::new().set_text_wrap();
    for (c, h) in HEADERS.iter().enumerate() {
        sheet
            .write_string_with_format(0, c as u16, *h, &bold)
            .map_err(wrap)?;
    }
    for (r, (plan, unit_name)) in plans.iter().enumerate() {
        for (c, cell) in row(plan, unit_name).iter().enumerate() {
            // write_string never interprets `=…` as a formula.
            sheet
                .write_string_with_format(r as u32 + 1, c as u16, cell, &wrapped)
                .map_err(wrap)?;
        }
    }
    for (c, w) in [
        (0u16, 36.0),
        (1, 26.0),
        (7, 30.0),
        (12, 70.0),
        (13, 70.0),
        (14, 40.0),
    ] {
        sheet.set_column_width(c, w).map_err(wrap)?;
    }
    sheet.set_freeze_panes(1, 0).map_err(wrap)?;
    book.save(path).map_err(wrap)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plans::PlanStatus;
    use chrono::NaiveDate;

    fn plan() -> Plan {
        let d = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        Plan {
            plan_id: "2026-10.admisiones.phone.kindness".into(),
            unit: "admisiones".into(),
            channel: "phone".into(),
            attribute: "kindness".into(),
            opened_period: "2026-10".into(),
            opened_date: d,
            commitment_date: d + chrono::Duration::days(30),
            responsible: "=HYPERLINK(\"http://x\",\"clic\")".into(),
            status: PlanStatus::Open,
            score_at_open: Some(61.5),
            lower_at_open: Some(55.0),
            upper_at_open: Some(68.0),
            target: 80.0,
            n_at_open: 1234,
            causes: vec!["<script>alert(1)</script>".into()],
            actions: vec!["\"><img src=x onerror=alert(1)>".into()],
            evidence_note: Some("=HYPERLINK(\"http://evil\",\"x\")".into()),
            last_period: None,
            last_score: None,
            last_lower: None,
            n_periods_met: 0,
        }
    }

    #[test]
    fn csv_keeps_formulas_inert() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("planes.csv");
        write_csv(&[(plan(), "Admisiones y registro".into())], &path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with('\u{FEFF}'));
        assert!(text.contains("'=HYPERLINK("), "{text}");
        assert!(
            !text.contains(",=HYPERLINK") && !text.contains(",\"=HYPERLINK"),
            "{text}"
        );
        assert!(text.contains("<script>alert(1)</script>"), "kept as text");
        assert!(text.contains("61,5") && text.contains("1.234"));
    }

    #[test]
    fn xlsx_writes_text_as_strings_not_formulas() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("planes.xlsx");
        write_xlsx(&[(plan(), "Admisiones y registro".into())], &path).unwrap();
        let mut zip = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
        let mut sheet = String::new();
        std::io::Read::read_to_string(
            &mut zip.by_name("xl/worksheets/sheet1.xml").unwrap(),
            &mut sheet,
        )
        .unwrap();
        assert!(!sheet.contains("<f>"), "no formula cells: {sheet}");
        let mut strings = String::new();
        std::io::Read::read_to_string(
            &mut zip.by_name("xl/sharedStrings.xml").unwrap(),
            &mut strings,
        )
        .unwrap();
        assert!(strings.contains("=HYPERLINK(\"http://evil\""), "{strings}");
        assert!(strings.contains("&lt;script&gt;"));
    }
}
