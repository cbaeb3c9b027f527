//! `momentos check`: validates the project's configuration without running anything —
//! the catalog, every pipeline file, `dashboards/` and, as it arrives, `queries/` —
//! and prints every problem with its file and line. Exit 2 if there is any.
//!
//! Each kind of project file has one [`ProjectCheck`] in [`CHECKS`]; a new kind (queries,
//! dashboards) adds its checker function there.

use std::path::{Path, PathBuf};

use super::ExitStatus;
use crate::catalog::Catalog;
use crate::pipeline::{self, Pipeline, PipelineError};

/// What a check is given.
pub struct CheckContext<'a> {
    pub catalog_path: Option<&'a Path>,
    pub pipelines_dir: &'a Path,
    /// Whether `--pipelines` was given (a missing default folder is fine).
    pub pipelines_explicit: bool,
    /// The project folder (where `queries/` and `dashboards/` live).
    pub project_dir: &'a Path,
}

/// What a check found.
#[derive(Debug, Default)]
pub struct CheckReport {
    /// Files (or things) checked, for the summary.
    pub checked: Vec<String>,
    /// Problems: each line names a file and line. Any problem means exit 2.
    pub problems: Vec<String>,
    /// Worth knowing, not wrong.
    pub notes: Vec<String>,
}

/// One kind of project file.
pub struct ProjectCheck {
    pub name: &'static str,
    /// Folder (relative to the project) this check covers, if it is a folder of files.
    pub folder: Option<&'static str>,
    /// `None`: this build has no checker for it yet (the folder, if present, is noted).
    pub run: Option<fn(&CheckContext) -> CheckReport>,
}

/// Every check, in the order they print.
pub const CHECKS: &[ProjectCheck] = &[
    ProjectCheck {
        name: "catalog",
        folder: None,
        run: Some(check_catalog),
    },
    ProjectCheck {
        name: "pipelines",
        folder: None,
        run: Some(check_pipelines),
    },
    // Hook: when the SQL of `queries/` lands, set `run: Some(<its checker>)`.
    ProjectCheck {
        name: "queries",
        folder: Some("queries"),
        run: None,
    },
    ProjectCheck {
        name: "dashboards",
        folder: Some("dashboards"),
        run: Some(check_dashboards),
    },
    ProjectCheck {
        name: "sources",
        folder: Some("sources"),
        run: Some(check_sources),
    },
];

/// Every `sources/*.toml` (and the mapping files they name): parsed strictly, adapter
/// settings checked (DESIGN §3.5).
fn check_sources(ctx: &CheckContext) -> CheckReport {
    use crate::sources::adapters;
    let mut r = CheckReport::default();
    let dir = ctx.project_dir.join("sources");
    let files = match adapters::list(&dir) {
        Ok(f) => f,
        Err(e) => {
            r.problems.push(cannot_read_folder(&dir, &e));
            return r;
        }
    };
    for (_, path) in files {
        r.checked.push(path.display().to_string());
        if let Err(e) = adapters::load(&path) {
            r.problems.push(e.to_string());
        }
    }
    for (_, path) in adapters::list(&dir.join("mappings")).unwrap_or_default() {
        r.checked.push(path.display().to_string());
        if let Err(e) = adapters::load_mapping(&path) {
            r.problems.push(e.to_string());
        }
    }
    r
}

/// Every `dashboards/*.toml`: parsed strictly, then each chart's query and columns planned
/// against an empty lake (no data is read).
fn check_dashboards(ctx: &CheckContext) -> CheckReport {
    let mut r = CheckReport::default();
    let dir = ctx.project_dir.join("dashboards");
    let files = match crate::dashboards::list_files(&dir) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return r,
        Err(e) => {
            r.problems.push(cannot_read_folder(&dir, &e));
            return r;
        }
    };
    let catalog = match Catalog::discover(ctx.catalog_path) {
        Ok(c) => c,
        Err(_) => {
            r.notes.push(crate::t!("check-dashboards-skipped"));
            return r;
        }
    };
    let mut parsed = Vec::new();
    for f in &files {
        r.checked.push(f.display().to_string());
        match crate::dashboards::Dashboard::load(f) {
            Ok(d) => parsed.push(d),
            Err(crate::dashboards::DashboardError::Invalid(p)) => r.problems.extend(p),
            Err(e) => r.problems.push(e.to_string()),
        }
    }
    if parsed.is_empty() {
        return r;
    }
    // Planning needs an async runtime and a deep stack; run it on a thread of its own.
    let checked = std::thread::Builder::new()
        .stack_size(16 * 1024 * 1024)
        .spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            rt.block_on(async {
                let (session, relations) = crate::dashboards::known_relations(&catalog).await?;
                let mut problems = Vec::new();
                for d in &parsed {
                    problems
                        .extend(crate::dashboards::check_columns(d, &session, &relations).await);
                }
                Ok::<_, String>(problems)
            })
        })
        .map_err(|e| e.to_string())
        .and_then(|h| h.join().map_err(|_| crate::t!("check-dashboards-panicked")))
        .and_then(|x| x);
    match checked {
        Ok(p) => r.problems.extend(p),
        Err(e) => r
            .problems
            .push(crate::t!("check-dashboards-failed", error = e)),
    }
    r
}

/// "FOLDER: cannot read: why", a problem of a project folder.
fn cannot_read_folder(dir: &Path, e: &std::io::Error) -> String {
    crate::t!(
        "check-cannot-read-folder",
        path = dir,
        error = e.to_string()
    )
}

fn check_catalog(ctx: &CheckContext) -> CheckReport {
    let mut r = CheckReport::default();
    match Catalog::discover(ctx.catalog_path) {
        Ok(c) => r.checked.push(c.origin.to_string()),
        Err(e) => r.problems.push(e.to_string()),
    }
    r
}

fn check_pipelines(ctx: &CheckContext) -> CheckReport {
    let mut r = CheckReport::default();
    let dir = ctx.pipelines_dir;
    let files = match pipeline::list_files(dir) {
        Ok(f) => f,
        Err(e) if !ctx.pipelines_explicit && e.kind() == std::io::ErrorKind::NotFound => {
            r.notes
                .push(crate::t!("check-no-pipelines-folder", path = dir));
            return r;
        }
        Err(e) => {
            r.problems.push(cannot_read_folder(dir, &e));
            return r;
        }
    };
    if files.is_empty() {
        r.notes
            .push(crate::t!("check-no-pipeline-files", path = dir));
    }
    for f in files {
        r.checked.push(f.display().to_string());
        match Pipeline::load(&f) {
            Ok(p) => {
                r.problems
                    .extend(p.unavailable.iter().map(|u| u.to_string()));
                for s in &p.sources {
                    if !s.inbox.is_dir() {
                        r.notes.push(crate::t!(
                            "check-inbox-missing",
                            file = &f,
                            inbox = &s.inbox,
                            kind = s.kind.code()
                        ));
                    }
                }
            }
            Err(PipelineError::Invalid(problems)) => {
                r.problems.extend(problems.iter().map(|p| p.to_string()));
            }
            Err(e) => r.problems.push(e.to_string()),
        }
    }
    r
}

pub fn run(
    catalog: Option<&Path>,
    pipelines_dir: Option<PathBuf>,
    project_dir: &Path,
) -> ExitStatus {
    let ctx = CheckContext {
        catalog_path: catalog,
        pipelines_dir: &pipelines_dir
            .clone()
            .unwrap_or_else(|| project_dir.join(pipeline::DEFAULT_DIR)),
        pipelines_explicit: pipelines_dir.is_some(),
        project_dir,
    };
    let mut problems = 0;
    for check in CHECKS {
        let report = match (check.run, check.folder) {
            (Some(run), _) => run(&ctx),
            (None, Some(folder)) if ctx.project_dir.join(folder).is_dir() => CheckReport {
                notes: vec![crate::t!(
                    "check-not-checked",
                    folder = folder,
                    name = check.name
                )],
                ..Default::default()
            },
            (None, _) => continue,
        };
        for p in &report.problems {
            println!("{p}");
        }
        for n in &report.notes {
            println!("{}", crate::t!("check-note", note = n));
        }
        if report.problems.is_empty() && !report.checked.is_empty() {
            let checked = report.checked.join(", ");
            println!(
                "{}",
                crate::t!("check-ok", name = check.name, checked = checked)
            );
        }
        problems += report.problems.len();
    }
    if problems > 0 {
        println!("{}", crate::t!("check-problems", problems = problems));
        ExitStatus::UsageError
    } else {
        ExitStatus::Success
    }
}
