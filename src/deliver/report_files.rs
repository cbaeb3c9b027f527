//! The report a folder holds: `index.html` (self-contained; it declares its period) and
//! `informe.pdf` when `momentos report --pdf` printed it from that same index.

use std::path::{Path, PathBuf};

use crate::report::html;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFiles {
    pub period: String,
    pub index: PathBuf,
    /// Only when it is at least as new as `index.html` (an older PDF is of another run).
    pub pdf: Option<PathBuf>,
}

/// Why a folder has no report to send.
#[derive(Debug, thiserror::Error)]
pub enum ReportFilesError {
    #[error("no hay informe en {0}: falta index.html (genérelo con `momentos report --out {0}`)")]
    Missing(String),
    #[error("{path} no dice de qué periodo es (¿un informe de una versión anterior? genérelo de nuevo con `momentos report`)")]
    NoPeriod { path: String },
    #[error("no se puede leer {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
}

impl ReportFiles {
    pub fn find(dir: &Path) -> Result<ReportFiles, ReportFilesError> {
        let index = dir.join("index.html");
        let shown = || index.display().to_string();
        let html_text = match std::fs::read_to_string(&index) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(ReportFilesError::Missing(dir.display().to_string()))
            }
            Err(source) => {
                return Err(ReportFilesError::Read {
                    path: shown(),
                    source,
                })
            }
        };
        let period = html::period_of_index(&html_text)
            .ok_or(ReportFilesError::NoPeriod { path: shown() })?;
        let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
        let pdf_path = dir.join("informe.pdf");
        let pdf = match (modified(&index), modified(&pdf_path)) {
            (Some(i), Some(p)) if p >= i => Some(pdf_path),
            _ => None,
        };
        Ok(ReportFiles { period, index, pdf })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_period_and_only_a_fresh_pdf() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            ReportFiles::find(dir.path()),
            Err(ReportFilesError::Missing(_))
        ));
        let pdf = dir.path().join("informe.pdf");
        std::fs::write(&pdf, b"%PDF-1.4 old").unwrap();
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        std::fs::File::options()
            .write(true)
            .open(&pdf)
            .unwrap()
            .set_modified(old)
            .unwrap();
        std::fs::write(
            dir.path().join("index.html"),
            "<head><meta name=\"momentos-period\" content=\"2026-03\">\n</head>",
        )
        .unwrap();
        let f = ReportFiles::find(dir.path()).unwrap();
        assert_eq!(f.period, "2026-03");
        assert_eq!(f.pdf, None);
        std::fs::write(&pdf, b"%PDF-1.4 new").unwrap();
        assert_eq!(ReportFiles::find(dir.path()).unwrap().pdf, Some(pdf));
    }
}
