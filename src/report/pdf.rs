//! The report as PDF, printed by a headless Chromium from the very `index.html` people open.
//!
//! Why Chromium and not a Rust PDF library: the report is HTML with CSS and inline SVG, and
//! its print style sheet (page breaks, no cut card) is what decides the pages. A PDF crate
//! would need a second layout of every section and chart, which would drift from the HTML;
//! Chromium lays the page out once, as the reader's browser does. The cost is a runtime
//! tool that is optional: without it `report --pdf` says so in Spanish and the HTML report
//! is still written.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Names tried on the PATH, in order, when `MOMENTOS_CHROMIUM` is not set.
const NAMES: [&str; 4] = [
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
];

/// Longest a print may take before it is abandoned.
const TIMEOUT: Duration = Duration::from_secs(180);

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("no se encontró Chromium para imprimir el PDF. Instálelo (Debian/Ubuntu: `apt-get install chromium`) o indique su ruta en la variable MOMENTOS_CHROMIUM. El informe HTML sí quedó escrito.")]
    NoChromium,
    #[error("Chromium ({browser}) no pudo imprimir {page} en PDF: {detail}")]
    Print {
        browser: String,
        page: String,
        detail: String,
    },
}

/// The browser to print with: `MOMENTOS_CHROMIUM`, else the first of [`NAMES`] on the PATH.
pub fn find_chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("MOMENTOS_CHROMIUM").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| NAMES.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
}

/// Prints `page` (an HTML file) to `out` (a PDF file), A4 with the page's print styles.
pub fn print(page: &Path, out: &Path) -> Result<(), PdfError> {
    let browser = find_chromium().ok_or(PdfError::NoChromium)?;
    let fail = |detail: String| PdfError::Print {
        browser: browser.display().to_string(),
        page: page.display().to_string(),
        detail,
    };
    let page_abs = std::fs::canonicalize(page).map_err(|e| fail(e.to_string()))?;
    // A throw-away profile: nothing of the user's browser is read or changed.
    let profile = tempfile::tempdir().map_err(|e| fail(e.to_string()))?;
    let _ = std::fs::remove_file(out);
    // Chromium's log goes to a file: a full pipe would stall it.
    let log_path = profile.path().join("chromium.log");
    let log = std::fs::File::create(&log_path).map_err(|e| fail(e.to_string()))?;
    let mut child = Command::new(&browser)
        .args([
            "--headless",
            // The page is our own file, with no script; the sandbox fails when run as root
            // (containers, CI).
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-pdf-header-footer",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--print-to-pdf={}", out.display()))
        // A URL, not a path pasted after file://: spaces, '#' or '%' in a folder name
        // would otherwise open another page or none.
        .arg(
            url::Url::from_file_path(&page_abs)
                .map_err(|()| fail("no es una ruta absoluta".into()))?
                .as_str(),
        )
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .map_err(|e| fail(e.to_string()))?;
    let started = Instant::now();
    let status = loop {
        match child.try_wait().map_err(|e| fail(e.to_string()))? {
            Some(s) => break s,
            None if started.elapsed() > TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(fail(format!("no terminó en {} s", TIMEOUT.as_secs())));
            }
            None => std::thread::sleep(Duration::from_millis(100)),
        }
    };
    let err = std::fs::read_to_string(&log_path).unwrap_or_default();
    let written = std::fs::metadata(out).is_ok_and(|m| m.len() > 0);
    if !status.success() || !written {
        let last: Vec<&str> = err.lines().rev().take(3).collect();
        return Err(fail(format!(
            "código de salida {:?}{}",
            status.code(),
            if last.is_empty() {
                String::new()
            } else {
                format!(": {}", last.join(" | "))
            }
        )));
    }
    Ok(())
}
