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
use crate::t;
use crate::vocabulary::SourceKind;

pub(super) struct Builder<'a> {
    path: &'a Path,
    text: &'a str,
    problems: Vec<ConfigProblem>,
    unavailable: Vec<ConfigProblem>,
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text.trim()).map_err(|e| {
        crate::t!(
            "pipeline-bad-duration",
            value = text,
            reason = e.to_string()
        )
    })
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
                    self.problem(&s, key, m, Some(t!("pipeline-fix-duration")));
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
                key: t!("pipeline-key-file-name"),
                message: t!("pipeline-bad-name", name = &name),
                fix: Some(t!("pipeline-fix-name")),
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
                        t!("pipeline-bad-timezone", value = tz.get_ref()),
                        Some(t!("pipeline-fix-timezone", default = DEFAULT_TIMEZONE)),
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
                    t!("pipeline-bad-kind", value = s.kind.get_ref()),
                    Some(t!("pipeline-one-of", values = SourceKind::codes())),
                );
            }
            let inbox = match inbox::local_folder(s.inbox.get_ref()) {
                Ok(p) => Some(p),
                Err(m) => {
                    self.problem(&s.inbox, &key("inbox"), m, Some(t!("pipeline-fix-inbox")));
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
                            t!("pipeline-glob-folder", value = g.get_ref()),
                            Some(t!("pipeline-fix-glob-folder")),
                        );
                        None
                    } else {
                        match glob::Pattern::new(g.get_ref()) {
                            Ok(p) => Some(p),
                            Err(e) => {
                                self.problem(
                                    g,
                                    &key("glob"),
                                    t!(
                                        "pipeline-bad-glob",
                                        value = g.get_ref(),
                                        reason = e.to_string()
                                    ),
                                    Some(t!("pipeline-fix-glob")),
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
                            t!("pipeline-bad-format", value = f.get_ref()),
                            Some(t!("pipeline-fix-format")),
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
                        t!(
                            "pipeline-source-kind",
                            source = name.get_ref(),
                            produces = src.kind.code(),
                            kind = s.kind.get_ref()
                        ),
                        Some(t!("pipeline-fix-source-kind", kind = src.kind.code())),
                    ),
                    Ok(_) => {}
                    Err(e) => self.problem(
                        name,
                        &key("source"),
                        e.to_string(),
                        Some(t!("pipeline-fix-source")),
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
                            t!("pipeline-step-twice", step = step.code()),
                            Some(t!("pipeline-fix-step-twice")),
                        );
                    } else if steps.last().is_some_and(|last| *last > step) {
                        self.problem(
                            s,
                            "steps",
                            t!(
                                "pipeline-step-order",
                                step = step.code(),
                                previous = steps.last().expect("checked").code()
                            ),
                            Some(t!("pipeline-fix-step-order", steps = StepKind::codes())),
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
                                fix: Some(t!("pipeline-fix-unavailable", step = step.code())),
                            });
                        }
                        steps.push(step);
                    }
                }
                None => {
                    let codes: Vec<&str> = StepKind::ALL.iter().map(|s| s.code()).collect();
                    let choices = t!("pipeline-steps", steps = StepKind::codes());
                    let fix = match problem::closest(s.get_ref(), &codes) {
                        Some(c) => problem::did_you_mean(c, &choices),
                        None => choices,
                    };
                    self.problem(
                        s,
                        "steps",
                        t!("pipeline-bad-step", value = s.get_ref()),
                        Some(fix),
                    );
                }
            }
        }
        if file.steps.get_ref().is_empty() {
            self.problem(
                &file.steps,
                "steps",
                t!("pipeline-no-steps"),
                Some(t!("pipeline-fix-no-steps")),
            );
        }
        if steps.contains(&StepKind::Ingest) && sources.is_empty() && self.problems.is_empty() {
            self.problem(
                &file.steps,
                "sources",
                t!("pipeline-ingest-needs-sources"),
                Some(t!("pipeline-fix-ingest-needs-sources")),
            );
        }

        let lake = file.lake.as_ref().map(|l| l.get_ref().clone());
        let engine = match &file.engine {
            None => crate::engine::Engine::Embedded,
            Some(e) => crate::engine::Engine::parse(e.get_ref()).unwrap_or_else(|message| {
                self.problem(e, "engine", message, None);
                crate::engine::Engine::Embedded
            }),
        };
        let settle = self.duration(file.settle, "settle", DEFAULT_SETTLE);

        let attempts = match &file.retry.attempts {
            None => 3,
            Some(a) if *a.get_ref() == 0 => {
                self.problem(
                    a,
                    "retry.attempts",
                    t!("pipeline-zero-attempts"),
                    Some(t!("pipeline-fix-zero-attempts")),
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
                        Some(c) => problem::did_you_mean(c, &t!("pipeline-catch-up-policies")),
                        None => t!("pipeline-one-of", values = "none, latest, all"),
                    };
                    self.problem(
                        p,
                        "catch_up.policy",
                        t!("pipeline-bad-catch-up", value = other),
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
                    t!("pipeline-zero-max"),
                    Some(t!("pipeline-fix-zero-max")),
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
                        t!("pipeline-bad-overlap", value = other),
                        Some(t!("pipeline-one-of", values = "wait, skip")),
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
            engine,
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
