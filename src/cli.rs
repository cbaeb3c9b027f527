//! The command line: `momentos <command>`. Each command lives in `commands/`.
//!
//! The texts of `--help` are not here but in the message catalog (`i18n/*/momentos.ftl`),
//! under keys named after the command and argument: a new command `foo` needs
//! `cli-foo-about` (and optionally `cli-foo-after-help`), a new argument `--bar-baz`
//! `cli-foo-arg-bar-baz`, in both languages (`i18n::tests` checks it).

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::i18n::{self, Lang};
use crate::sql::OutputFormat;

#[derive(Debug, Parser)]
#[command(name = "momentos", version)]
pub struct Cli {
    #[arg(long, global = true, env = "MOMENTOS_LAKE", default_value = crate::lake::DEFAULT_LAKE)]
    pub lake: String,

    #[arg(long, global = true)]
    pub catalog: Option<PathBuf>,

    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    #[arg(long, global = true, env = "MOMENTOS_ENGINE", default_value = "embedded", value_parser = crate::engine::Engine::parse)]
    pub engine: crate::engine::Engine,

    // Read before parsing (`i18n::choose`) so that `--help` is already in this language.
    #[arg(long, global = true, value_enum)]
    pub lang: Option<Lang>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Ingest {
        kind: String,
        files: Vec<PathBuf>,
        #[arg(long)]
        source: Option<String>,
        #[arg(long)]
        format: Option<String>,
        #[arg(long)]
        sheet: Option<String>,
    },
    Sql {
        query: Option<String>,
        #[arg(short = 'f', long = "file", conflicts_with = "query")]
        file: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
        format: OutputFormat,
        #[arg(short, long)]
        output: Option<PathBuf>,
        #[command(flatten)]
        limits: LimitArgs,
    },
    Query {
        name: Option<String>,
        #[arg(short, long = "param")]
        params: Vec<String>,
        #[arg(long)]
        list: bool,
        #[arg(long)]
        queries: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
        format: OutputFormat,
        #[command(flatten)]
        limits: LimitArgs,
    },
    Score {
        #[arg(long, conflicts_with_all = ["from", "to"])]
        period: Option<String>,
        #[arg(long)]
        from: Option<String>,
        #[arg(long)]
        to: Option<String>,
        #[arg(long)]
        as_of: Option<String>,
        #[arg(long, conflicts_with_all = ["period", "from", "to"])]
        full: bool,
    },
    Demo {
        #[arg(long, default_value = "inbox")]
        inbox: PathBuf,
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        #[arg(long, default_value_t = 60_000)]
        interactions: u64,
        #[arg(long)]
        no_ingest: bool,
    },
    Report {
        #[arg(long, default_value = "reports")]
        out: PathBuf,
        #[arg(long)]
        period: Option<String>,
        #[arg(long)]
        png: bool,
        #[arg(long)]
        pdf: bool,
        #[arg(long)]
        dashboard: Option<PathBuf>,
        #[arg(long)]
        no_plans: bool,
    },
    Plans {
        #[command(subcommand)]
        action: Option<crate::commands::plans::PlansAction>,
    },
    Alerts {
        #[arg(long)]
        as_of: Option<String>,
        #[arg(long)]
        list: bool,
    },
    Followup {
        #[arg(long, conflicts_with = "escalations")]
        alert: Option<String>,
        #[arg(long)]
        escalations: bool,
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        as_of: Option<String>,
    },
    Maintain {
        #[arg(long)]
        dry_run: bool,
        #[arg(long, value_parser = parse_duration, default_value = "7days")]
        log_retention: std::time::Duration,
    },
    Forget {
        identifier: String,
        #[arg(long)]
        reference: Option<String>,
        #[arg(long)]
        no_rederive: bool,
    },
    Deliver {
        #[arg(long, default_value = "reports")]
        report_dir: PathBuf,
        #[arg(long)]
        no_report: bool,
        #[arg(long)]
        dry_run: bool,
    },
    Run {
        pipeline: String,
        #[arg(long, default_value = crate::pipeline::DEFAULT_DIR)]
        pipelines: PathBuf,
        #[arg(long, value_enum)]
        overlap: Option<crate::pipeline::OverlapPolicy>,
        #[arg(long, value_parser = parse_duration)]
        wait_timeout: Option<std::time::Duration>,
    },
    Schedule {
        #[arg(long, default_value = crate::pipeline::DEFAULT_DIR)]
        pipelines: PathBuf,
    },
    Runs {
        #[arg(long)]
        pipeline: Option<String>,
        #[arg(long, default_value = crate::pipeline::DEFAULT_DIR)]
        pipelines: PathBuf,
        #[arg(long, default_value_t = 20)]
        limit: usize,
        #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
        format: OutputFormat,
    },
    Sources {
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    Check {
        #[arg(long)]
        pipelines: Option<PathBuf>,
    },
    Serve {
        #[arg(long, default_value = "127.0.0.1:5432")]
        listen: String,
        #[arg(long, conflicts_with = "no_auth")]
        users: Option<PathBuf>,
        #[arg(long)]
        no_auth: bool,
        #[arg(long, requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        #[arg(long, requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        #[arg(long, default_value = "1GiB", value_parser = crate::sql::parse_bytes)]
        memory_limit: usize,
        #[arg(long, default_value = "5m", value_parser = crate::sql::parse_duration)]
        timeout: std::time::Duration,
        #[arg(long, conflicts_with_all = ["users", "no_auth", "tls_cert", "tls_key"])]
        hash_password: bool,
    },
}

impl Cli {
    /// Chooses the language (`--lang`, then the environment), fixes it for the process, and
    /// parses the command line with `--help` and usage errors in that language.
    pub fn parse_localized() -> Cli {
        let args: Vec<OsString> = std::env::args_os().collect();
        let lang = i18n::choose(&args, |var| std::env::var(var).ok());
        i18n::set_lang(lang);
        let matches = i18n::help::get_matches(Cli::command(), args, lang);
        Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
    }
}

fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    humantime::parse_duration(s)
        .map_err(|e| crate::t!("cli-error-duration", value = s, reason = e.to_string()))
}

pub(crate) fn parse_kind(s: &str) -> Result<crate::vocabulary::SourceKind, String> {
    crate::vocabulary::SourceKind::parse(s).ok_or_else(|| crate::t!("cli-error-kind", value = s))
}

/// Per-query limits shared by `sql` and `query`.
#[derive(Debug, clap::Args)]
pub struct LimitArgs {
    #[arg(long, default_value = "1GiB", value_parser = crate::sql::parse_bytes)]
    pub memory_limit: usize,
    #[arg(long, default_value = "5m", value_parser = crate::sql::parse_duration)]
    pub timeout: std::time::Duration,
    #[arg(long, default_value_t = 10_000)]
    pub max_rows: usize,
}

impl LimitArgs {
    pub fn limits(&self) -> crate::sql::Limits {
        crate::sql::Limits {
            memory_bytes: self.memory_limit,
            timeout: self.timeout,
            max_table_rows: self.max_rows,
        }
    }
}
