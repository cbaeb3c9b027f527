//! Checking a parsed pipeline file and building the runtime [`Pipeline`]: every problem
//! is collected (not just the first) with its line, column, key and fix.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono_tz::Tz;
use toml::Spanned;

use super::config::PipelineFile;
use super::{
    inbox, problem, steps, CatchUp, CatchUpPolicy, ConfigProblem, Overlap, OverlapPolicy, Pipeline,
    RetryPolicy, Schedule, Source, StepKind, DEFAULT_SETTLE, DEFAULT_TIMEZONE,
};
use crate::schedule::cron_expr::CronExpr;
use crate::sources::Format;
use crate::vocabulary::SourceKind;

pub(super) struct Builder<'a> {
    path: &'a Path,
    text: &'a str,
    problems: Vec<ConfigProblem>,
    unavailable: Vec<ConfigProblem>,
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text.trim()).map_err(|e| format!("`{text}` is not a duration ({e})"))
}

impl<'a> Builder<'a> {
    pub(super) fn new(path: &'a Path, text: &'a str) -> Self {
        Builder {
            path,
            text,
            problems: Vec::new(),
            unavailable: Vec::new(),
        }
    }

    fn problem<T>(&mut self, at: &Spanned<T>, key: &str, message: String, fix: Option<String>) {
        let (line, column) = problem::line_col(self.text, at.span().start);
        self.problems.push(ConfigProblem {
            file: self.path.to_path_buf(),
            line,
            column,
            key: key.to_string(),
            message,
            fix,
        });
    }

    fn duration(&mut self, v: Option<Spanned<String>>, key: &str, default: Duration) -> Duration {
        match v {
            None => default,
            Some(s) => match parse_duration(s.get_ref()) {
                Ok(d) => d,
                Err(m) => {
                    self.problem(
                        &s,
                        key,
                        m,
                        Some("write a number and a unit, e.g. `30s`, `5m`, `2h`".into()),
                    );
                    default
                }
            },
        }
    }

    pub(super) fn build(mut self, file: PipelineFile) -> Result<Pipeline, Vec<ConfigProblem>> {
        let name = self
            .path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        {
            self.problems.push(ConfigProblem {
                file: self.path.to_path_buf(),
                line: 1,
                column: 1,
                key: "(file name)".into(),
                message: format!("`{name}` is not a pipeline name"),
                fix: Some(
                    "name the file with lowercase letters, digits, `-` and `_` (e.g. `nightly.toml`)"
                        .into(),
                ),
            });
        }

        let timezone = match &file.timezone {
            None => chrono_tz::America::Bogota,
            Some(tz) => match tz.get_ref().parse::<Tz>() {
                Ok(z) => z,
                Err(_) => {
                    self.problem(
                        tz,
                        "timezone",
                        format!("`{}` is not an IANA time zone", tz.get_ref()),
                        Some(format!("e.g. `{DEFAULT_TIMEZONE}`, `UTC`, `Europe/Madrid`")),
                    );
                    chrono_tz::America::Bogota
                }
            },
        };
        let schedule = match &file.schedule {
            None => None,
            Some(s) => match CronExpr::parse(s.get_ref()) {
                Ok(cron) => Some(Schedule { cron, timezone }),
                Err(e) => {
                    self.problem(s, "schedule", e.message, Some(e.fix));
                    None
                }
            },
        };

        let mut sources = Vec::new();
        for (i, s) in file.sources.into_iter().enumerate() {
            let key = |k: &str| format!("sources[{}].{k}", i + 1);
            let kind = SourceKind::parse(s.kind.get_ref());
            if kind.is_none() {
                self.problem(
                    &s.kind,
                    &key("kind"),
                    format!("`{}` is not an input kind", s.kind.get_ref()),
                    Some(format!("one of {}", SourceKind::codes())),
                );
            }
            let inbox = match inbox::local_folder(s.inbox.get_ref()) {
                Ok(p) => Some(p),
                Err(m) => {
                    self.problem(
                        &s.inbox,
                        &key("inbox"),
                        m,
                        Some(
                            "a folder path (relative to the working directory) or a file:// URL"
                                .into(),
                        ),
                    );
                    None
                }
            };
            let glob = match &s.glob {
                None => glob::Pattern::new("*").ok(),
                Some(g) => {
                    if g.get_ref().contains('/') {
                        self.problem(
                            g,
                            &key("glob"),
                            format!(
                                "`{}` names a folder; the glob matches file names inside the inbox",
                                g.get_ref()
                            ),
                            Some(
                                "put the folder in `inbox` and only the file pattern in `glob`"
                                    .into(),
                            ),
                        );
                        None
                    } else {
                        match glob::Pattern::new(g.get_ref()) {
                            Ok(p) => Some(p),
                            Err(e) => {
                                self.problem(
                                    g,
                                    &key("glob"),
                                    format!("`{}` is not a file pattern ({e})", g.get_ref()),
                                    Some(
                                        "use `*`, `?` and `[abc]`, e.g. `interactions*.csv`".into(),
                                    ),
                                );
                                None
                            }
                        }
                    }
                }
            };
            let format = match &s.format {
                None => Some(None),
                Some(f) => match Format::parse(f.get_ref()) {
                    Some(fmt) => Some(Some(fmt)),
                    None => {
                        self.problem(
                            f,
                            &key("format"),
                            format!("`{}` is not a format", f.get_ref()),
                            Some(
                                "one of csv, jsonl, xlsx (or leave it out to go by extension)"
                                    .into(),
                            ),
                        );
                        None
                    }
                },
            };
            if let Some(name) = &s.source {
                match crate::sources::adapters::find(
                    &crate::sources::adapters::default_dir(),
                    name.get_ref(),
                ) {
                    Ok(src) if Some(src.kind) != kind => self.problem(
                        name,
                        &key("source"),
                        format!(
                            "the source `{}` produces {}, not {}",
                            name.get_ref(),
                            src.kind.code(),
                            s.kind.get_ref()
                        ),
                        Some(format!("set kind = \"{}\"", src.kind.code())),
                    ),
                    Ok(_) => {}
                    Err(e) => self.problem(
                        name,
                        &key("source"),
                        e.to_string(),
                        Some("the name of a sources/<name>.toml (see `momentos sources`)".into()),
                    ),
                }
            }
            if let (Some(kind), Some(inbox), Some(glob), Some(format)) = (kind, inbox, glob, format)
            {
                sources.push(Source {
                    kind,
                    inbox,
                    glob,
                    format,
                    sheet: s.sheet,
                    source: s.source.map(|n| n.into_inner()),
                });
            }
        }

        let mut steps: Vec<StepKind> = Vec::new();
        for s in file.steps.get_ref() {
            match StepKind::parse(s.get_ref()) {
                Some(step) => {
                    if steps.contains(&step) {
                        self.problem(
                            s,
                            "steps",
                            format!("step `{step}` is listed twice"),
                            Some("list each step once".into()),
                        );
                    } else if steps.last().is_some_and(|last| *last > step) {
                        self.problem(
                            s,
                            "steps",
                            format!(
                                "step `{step}` comes after `{}`, but it feeds it",
                                steps.last().expect("checked")
                            ),
                            Some(format!("list steps in the order {}", StepKind::codes())),
                        );
                    } else {
                        if let Err(e) = steps::runner(step) {
                            let (line, column) = problem::line_col(self.text, s.span().start);
                            self.unavailable.push(ConfigProblem {
                                file: self.path.to_path_buf(),
                                line,
                                column,
                                key: "steps".into(),
                                message: e.to_string(),
                                fix: Some(format!(
                                    "remove `{step}` from `steps` until this build has it"
                                )),
                            });
                        }
                        steps.push(step);
                    }
                }
                None => {
                    let codes: Vec<&str> = StepKind::ALL.iter().map(|s| s.code()).collect();
                    let fix = match problem::closest(s.get_ref(), &codes) {
                        Some(c) => format!("did you mean `{c}`? (steps: {})", StepKind::codes()),
                        None => format!("steps: {}", StepKind::codes()),
                    };
                    self.problem(
                        s,
                        "steps",
                        format!("`{}` is not a step", s.get_ref()),
                        Some(fix),
                    );
                }
            }
        }
        if file.steps.get_ref().is_empty() {
            self.problem(
                &file.steps,
                "steps",
                "no steps: the pipeline would do nothing".into(),
                Some("e.g. steps = [\"ingest\"]".into()),
            );
        }
        if steps.contains(&StepKind::Ingest) && sources.is_empty() && self.problems.is_empty() {
            self.problem(
                &file.steps,
                "sources",
                "the `ingest` step needs at least one `[[sources]]` table".into(),
                Some("add [[sources]] with kind, inbox and glob, or drop `ingest`".into()),
            );
        }

        let lake = file.lake.as_ref().map(|l| l.get_ref().clone());
        let settle = self.duration(file.settle, "settle", DEFAULT_SETTLE);

        let attempts = match &file.retry.attempts {
            None => 3,
            Some(a) if *a.get_ref() == 0 => {
                self.problem(
                    a,
                    "retry.attempts",
                    "0 attempts would never run".into(),
                    Some("1 means no retry; 3 is usual".into()),
                );
                1
            }
            Some(a) => *a.get_ref(),
        };
        let retry = RetryPolicy {
            attempts,
            backoff: self.duration(file.retry.backoff, "retry.backoff", Duration::from_secs(60)),
            max_backoff: self.duration(
                file.retry.max_backoff,
                "retry.max_backoff",
                Duration::from_secs(3600),
            ),
        };

        let policy = match &file.catch_up.policy {
            None => CatchUpPolicy::Latest,
            Some(p) => match p.get_ref().as_str() {
                "none" => CatchUpPolicy::None,
                "latest" => CatchUpPolicy::Latest,
                "all" => CatchUpPolicy::All,
                other => {
                    let fix = match problem::closest(other, &["none", "latest", "all"]) {
                        Some(c) => format!("did you mean `{c}`? (none, latest or all)"),
                        None => "one of none, latest, all".into(),
                    };
                    self.problem(
                        p,
                        "catch_up.policy",
                        format!("`{other}` is not a catch-up policy"),
                        Some(fix),
                    );
                    CatchUpPolicy::Latest
                }
            },
        };
        let max = match &file.catch_up.max {
            None => 10,
            Some(m) if *m.get_ref() == 0 => {
                self.problem(
                    m,
                    "catch_up.max",
                    "0 would run nothing".into(),
                    Some("use policy = \"none\" to run nothing, or max ≥ 1".into()),
                );
                1
            }
            Some(m) => *m.get_ref(),
        };
        let catch_up = CatchUp {
            policy,
            max,
            grace: self.duration(
                file.catch_up.grace,
                "catch_up.grace",
                Duration::from_secs(60),
            ),
        };

        let overlap_policy = match &file.overlap.policy {
            None => OverlapPolicy::Wait,
            Some(p) => match p.get_ref().as_str() {
                "wait" => OverlapPolicy::Wait,
                "skip" => OverlapPolicy::Skip,
                other => {
                    self.problem(
                        p,
                        "overlap.policy",
                        format!("`{other}` is not an overlap policy"),
                        Some("one of wait, skip".into()),
                    );
                    OverlapPolicy::Wait
                }
            },
        };
        let overlap = Overlap {
            policy: overlap_policy,
            wait_timeout: self.duration(
                file.overlap.wait_timeout,
                "overlap.wait_timeout",
                Duration::from_secs(600),
            ),
            stale_after: self.duration(
                file.overlap.stale_after,
                "overlap.stale_after",
                Duration::from_secs(6 * 3600),
            ),
        };

        if !self.problems.is_empty() {
            return Err(self.problems);
        }
        Ok(Pipeline {
            name,
            path: self.path.to_path_buf(),
            description: file.description,
            schedule,
            lake,
            sources,
            settle,
            steps,
            report_dir: PathBuf::from(file.outputs.report_dir.unwrap_or_else(|| "reports".into())),
            report_pdf: file.outputs.pdf,
            retry,
            catch_up,
            overlap,
            unavailable: self.unavailable,
        })
    }
}
