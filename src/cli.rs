//! The command line: `momentos <command>`. Each command lives in `commands/`.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::sql::OutputFormat;

const AFTER_HELP: &str = "\
Exit status:
  0  success
  1  the command failed (unreadable file, unreachable lake, internal error)
  2  usage or configuration error (bad flag, invalid catalog)
  3  success, but some rows were quarantined (see the `quarantine` table)
  4  busy: another process is writing the lake or running the pipeline; nothing was done

Examples:
  momentos demo                                   generate realistic data and ingest it into ./lake
  momentos ingest interactions exports/*.csv      ingest interaction logs
  momentos ingest surveys respuestas.xlsx --sheet Respuestas
  momentos score                                  score every period and write the derived tables
  momentos score --period 2026-10                 rescore one month
  momentos report --out informe                   the HTML report (index.html, one page per unit)
  momentos plans export --format xlsx --out planes.xlsx
  momentos sql \"select unit, count(*) from interactions group by unit\"
  momentos sql --format csv \"select * from quarantine\" > rechazos.csv
  momentos deliver                                e-mail/webhook new alerts and the monthly report
  momentos run nightly                            one run of pipelines/nightly.toml
  momentos schedule                               fire every pipeline on its cron schedule";

#[derive(Debug, Parser)]
#[command(name = "momentos", version, about = "Quality monitoring for university customer service (PR-ME-002): ingest, score, report.", after_help = AFTER_HELP)]
pub struct Cli {
    /// Lake location: a folder or a URL.
    #[arg(long, global = true, env = "MOMENTOS_LAKE", default_value = crate::lake::DEFAULT_LAKE)]
    pub lake: String,

    /// Catalog file (default: $MOMENTOS_CATALOG, ./catalog.toml, or the embedded one).
    #[arg(long, global = true)]
    pub catalog: Option<PathBuf>,

    /// More log output (-v info, -vv debug).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Ingest export files (CSV, JSON Lines or XLSX) into the lake.
    #[command(after_help = "\
Each file becomes one batch: visible all at once or not at all. Ingesting the same file
again adds nothing; a row re-sent with an id already in the lake replaces the older one.
Rows that fail validation go to the `quarantine` table with the reason, file and line;
the other rows still land.

Exit status: 0 all rows accepted, 3 some rows quarantined, 1 a file could not be read
(nothing of that file is written), 4 the lake is busy.

Personal data: `contact` and `respondent` are stored only as a keyed hash (HMAC-SHA256)
and only when habeas_data is true. Set MOMENTOS_PSEUDONYM_KEY or
MOMENTOS_PSEUDONYM_KEY_FILE; without a key, files with identifiers are refused.

Examples:
  momentos ingest interactions llamadas-octubre.csv whatsapp-octubre.jsonl
  momentos ingest shopper cliente-incognito.xlsx --sheet Octubre
  momentos ingest surveys encuesta.csv --format csv
  momentos ingest --source pbx_poblado /var/log/asterisk/cdr-csv/Master.csv
  momentos sources                      adapters and the source files of ./sources")]
    Ingest {
        /// Which input: interactions, surveys or shopper (with --source: the first file).
        kind: String,
        /// Files to ingest.
        files: Vec<PathBuf>,
        /// Read the files with a source of sources/ (an adapter for a vendor's export:
        /// Asterisk CDR, LimeSurvey, Google Forms, Qualtrics…); then give only files.
        #[arg(long)]
        source: Option<String>,
        /// Force the format instead of guessing from the extension: csv, jsonl, xlsx.
        #[arg(long)]
        format: Option<String>,
        /// XLSX sheet to read (default: the first).
        #[arg(long)]
        sheet: Option<String>,
    },
    /// Run SQL over the lake's tables (read-only): one query, a file, or an interactive shell.
    #[command(after_help = "\
Without a query or -f, reads statements from standard input, or opens an interactive shell
at a terminal (line editing, history in ~/.momentos_history, \\d to list and describe tables).

Tables: interactions, surveys, shopper (latest version of every row), quarantine
(rejected rows with reason, file and line), holidays (Colombian public holidays 1984–2100),
runs and run_steps (pipeline run history), plans (improvement plans).
Scoring (docs/metodo.md): interaction_facts, scores, scores_by_stakeholder, survey_kpis,
protocol (as `momentos score` last wrote them; the live views until it has run), the
views of queries/ (stg_interactions, observations, cell_scores, …) and the reference
tables calendar_days, channel_sla, unit_sla, rubric, source_weights, cell_targets,
scoring_params (as of now).
Only reads run: DDL, INSERT/UPDATE/DELETE, COPY, SET and CREATE EXTERNAL TABLE are refused.
Operators may use at most --memory-limit (no spilling to disk) and --timeout per statement.

CSV output is safe to open in Excel: text starting with = + - @ (a formula to a
spreadsheet) is prefixed with an apostrophe.

Examples:
  momentos sql \"select * from scores where status = 'needs_plan'\"
  momentos sql \"select * from observations where unit = 'admisiones' and attribute = 'timeliness'\"
  momentos sql \"select channel, count(*) n from interactions group by channel order by n desc\"
  momentos sql --format json \"select * from holidays where year = 2026\"
  momentos sql -f consulta.sql --format csv --output resultado.csv
  momentos sql --format parquet --output scores.parquet \"select * from scores\"
  momentos sql                       (interactive shell)")]
    Sql {
        /// The statement(s) to run; `;` separates several.
        query: Option<String>,
        /// Read the statements from a file.
        #[arg(short = 'f', long = "file", conflicts_with = "query")]
        file: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
        format: OutputFormat,
        /// Write the result to a file instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
        #[command(flatten)]
        limits: LimitArgs,
    },
    /// Run a named query of queries/ with typed parameters.
    #[command(after_help = "\
A named query is a .sql file of the queries folder (./queries or --queries DIR); its name is
the file stem. Header comments describe it and declare parameters, used as $name:
  -- description: Rejected rows of one input by reason
  -- param: source text in (interactions, surveys, shopper) = interactions -- which input
Types: text, int, float, bool, date (YYYY-MM-DD), period (YYYY-MM).

Examples:
  momentos query --list
  momentos query quarantine_by_reason --param source=surveys
  momentos query quarantine_by_reason --format csv > rechazos.csv")]
    Query {
        /// The query's name (file stem).
        name: Option<String>,
        /// A parameter as key=value (repeatable).
        #[arg(short, long = "param")]
        params: Vec<String>,
        /// List the queries with their description and parameters.
        #[arg(long)]
        list: bool,
        /// Folder of .sql files (default ./queries).
        #[arg(long)]
        queries: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
        format: OutputFormat,
        #[command(flatten)]
        limits: LimitArgs,
    },
    /// Score kindness, information quality and timeliness per unit × channel × period.
    #[command(after_help = "\
Computes the derived tables of the method (docs/metodo.md) from the lake's interactions,
surveys and shopper evaluations, and writes them into the lake, replacing the periods it
recomputes atomically (each table all at once): interaction_facts, scores,
scores_by_stakeholder, survey_kpis, protocol. Without --period/--from/--to every period
is recomputed and periods without data any more disappear.

Targets, weights, minimum n, pass mark, FDR q and alpha come from the catalog.
An interaction whose SLA has not come due at --as-of (default: now) is not judged yet.

Exit status: 0 done, 2 bad arguments, 4 the lake is busy, 1 anything else.

Examples:
  momentos score
  momentos score --period 2026-10
  momentos score --from 2026-01 --to 2026-06
  momentos score --period 2026-10 --as-of 2026-11-01T00:00:00-05:00
  momentos sql \"select * from scores where status = 'needs_plan'\"")]
    Score {
        /// Recompute one month (YYYY-MM, local time).
        #[arg(long, conflicts_with_all = ["from", "to"])]
        period: Option<String>,
        /// First month to recompute (YYYY-MM); default: the first with data.
        #[arg(long)]
        from: Option<String>,
        /// Last month to recompute (YYYY-MM); default: the last with data.
        #[arg(long)]
        to: Option<String>,
        /// Judge "not yet due" at this instant instead of now (ISO 8601; no offset = local time).
        #[arg(long)]
        as_of: Option<String>,
    },
    /// Generate realistic demo data for a university contact center and ingest it.
    #[command(after_help = "\
Writes interactions.csv, surveys.csv and shopper.csv into --inbox (default ./inbox),
then ingests them into the lake. Seeded: the same seed gives the same files.

Examples:
  momentos demo
  momentos demo --lake /tmp/demo-lake --interactions 200000 --seed 7")]
    Demo {
        /// Folder for the generated CSV files.
        #[arg(long, default_value = "inbox")]
        inbox: PathBuf,
        /// Seed of the generator.
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// Number of interaction rows.
        #[arg(long, default_value_t = 60_000)]
        interactions: u64,
        /// Only write the files; do not ingest.
        #[arg(long)]
        no_ingest: bool,
    },
    /// Write the HTML report: executive summary, one page per unit, charts.
    #[command(after_help = "\
Writes DIR/index.html (the executive summary in Spanish: the services that need an
improvement plan first, with their plan, then heatmaps, funnel plots, trends, survey
indicators, protocol compliance and data coverage) and DIR/unidad-<unit>.html. Each page
is one self-contained file (charts as inline SVG, styles inline, no script): it can be
sent alone as an attachment. --pdf also prints the summary to DIR/informe.pdf. Charts come from dashboards/informe_mensual.toml (or the embedded default).
Before rendering, improvement plans are opened and re-measured (as `momentos plans`);
--no-plans skips that and only reads the `plans` table.
No figure from fewer than the catalog's min_source_n observations is shown.

Exit status: 0 done, 2 bad arguments or no scores for the period, 4 the lake is busy.

Examples:
  momentos report --out informe
  momentos report --out informe --period 2026-10 --pdf")]
    Report {
        /// Output folder (created if missing).
        #[arg(long, default_value = "reports")]
        out: PathBuf,
        /// Month to report (YYYY-MM); default: the latest complete month with scores.
        #[arg(long)]
        period: Option<String>,
        /// Also write every chart as PNG (charts/*.png).
        #[arg(long)]
        png: bool,
        /// Also print the summary to DIR/informe.pdf (needs Chromium; MOMENTOS_CHROMIUM
        /// names it when it is not on the PATH).
        #[arg(long)]
        pdf: bool,
        /// Dashboard file (default: dashboards/informe_mensual.toml, else the embedded one).
        #[arg(long)]
        dashboard: Option<PathBuf>,
        /// Do not open or re-measure plans first (read-only).
        #[arg(long)]
        no_plans: bool,
    },
    /// Improvement plans: open and re-measure (default), list, export CSV/XLSX.
    #[command(after_help = "\
Every `needs_plan` cell of `scores` opens a plan unless one is in progress (open or
overdue) for the same unit, channel and attribute. A plan carries the cause analysis
drafted from the evidence, suggested actions, the responsible from the catalog and a
commitment date (+scoring.plan_commitment_days). Each refresh re-measures every plan:
open, overdue, effective (lower bound at target two consecutive periods after the
commitment date) or not_effective. Query them with `momentos sql \"select * from plans\"`.

Exports are safe to open in Excel: text that looks like a formula stays text.

Examples:
  momentos plans
  momentos plans list
  momentos plans export --format xlsx --out planes.xlsx
  momentos plans export --format csv --out planes.csv")]
    Plans {
        #[command(subcommand)]
        action: Option<crate::commands::plans::PlansAction>,
    },
    /// Difficult situations: outages, abandonment and complaint spikes, failed critical items, overdue escalations.
    #[command(after_help = "\
Judges the lake (DESIGN §6.7) and records what it finds in the `alerts` table:
  technical_outage     a channel's inbound volume collapses for at least 2 open hours
  abandonment_spike    phone abandonment jumps for at least 2 open hours
  reputational_spike   a unit's dissatisfied signals (survey overall <= 2, comments and
                       notes with a negative theme) far above its usual day
  critical_item_failed a mystery shopper failed a critical item (habeas-data script,
                       wrong information), whatever the statistics say
  escalation_overdue   escalations unanswered past their due date, or due within one
                       business day
Baselines are the same weekday and hour of the previous 8 weeks (holidays, closures and
earlier alerts left out; median), tests are exact Poisson / binomial tails; thresholds are
in the catalog's [alerts] section. Hours after the last interaction in the lake are not
judged. Rerunning on the same data raises nothing new: alert ids and detected_at stay.

Examples:
  momentos alerts
  momentos alerts --list
  momentos alerts --as-of 2026-06-18T07:00
  momentos sql \"select kind, unit, channel, started_at, evidence from alerts where status = 'open'\"")]
    Alerts {
        /// Judge as of this instant instead of now (ISO 8601; no offset = local time).
        #[arg(long)]
        as_of: Option<String>,
        /// Only list the open alerts (read-only).
        #[arg(long)]
        list: bool,
    },
    /// Follow-up list for the contact center: contacts touched by an alert, or escalations due.
    #[command(after_help = "\
Writes the interaction ids (never a phone, e-mail or document number: the source system
maps the ids back) of contacts who gave the habeas-data authorisation, with channel,
unit, reason and due date, as CSV (UTF-8 with BOM) or XLSX by the extension of --out.
Contacts without authorisation are counted, not listed. Each list is recorded in the
`followups` table (who, when, counts).
  --alert ID      contacts during or just after an outage (post-crisis survey), abandoned
                  calls of an abandonment spike (call back), contacts of the unit during a
                  reputational situation (post-crisis survey), or the escalated interaction
  --escalations   escalations unanswered past due or due within one business day

Examples:
  momentos followup --escalations --out seguimiento.xlsx
  momentos followup --alert technical_outage.whatsapp.all.2026-06-17T09 --out postcrisis.csv")]
    Followup {
        /// The alert (see `momentos alerts --list`).
        #[arg(long, conflicts_with = "escalations")]
        alert: Option<String>,
        /// Escalations past due or due within one business day.
        #[arg(long)]
        escalations: bool,
        /// File to write (.csv or .xlsx).
        #[arg(long)]
        out: PathBuf,
        /// Judge due dates as of this instant (ISO 8601; no offset = local time).
        #[arg(long)]
        as_of: Option<String>,
    },
    /// Send new alerts and the monthly report to the catalog's recipients (e-mail, webhook).
    #[command(after_help = "\
Envía a los destinatarios de la sección [delivery] del catálogo:
  - cada alerta detectada en los últimos `alert_max_age_days` días (7 por omisión), a
    quienes reciben ese tipo de alerta y esa unidad: un correo o un webhook por alerta;
  - el informe mensual de --report-dir (index.html, y informe.pdf si `momentos report
    --pdf` lo imprimió de ese mismo informe) adjunto a un correo, o avisado por webhook.
Lo enviado queda en la tabla `deliveries` (destinatario por su nombre en el catálogo, nunca
su dirección) y no se vuelve a enviar. Un envío fallido se reintenta con espera creciente
(`attempts`, `backoff`) y otra vez en la siguiente ejecución.

Credenciales SMTP solo desde el entorno: MOMENTOS_SMTP_USER y MOMENTOS_SMTP_PASSWORD (o
las variables que nombren `user_env` y `password_env`). STARTTLS es obligatorio salvo que
el catálogo diga otra cosa.

Estado de salida: 0 todo enviado (o nada pendiente), 1 algún envío falló (se reintentará),
2 catálogo inválido, 4 otra entrega está en curso en este lago.

Ejemplos:
  momentos deliver                              alertas nuevas e informe de ./reports
  momentos deliver --report-dir informe         el informe de otra carpeta
  momentos deliver --dry-run                    qué se enviaría, sin enviar
  momentos deliver --no-report                  solo las alertas
  momentos sql \"select recipient, item, status, attempts, last_error from deliveries\"")]
    Deliver {
        /// Folder of the monthly report (index.html).
        #[arg(long, default_value = "reports")]
        report_dir: PathBuf,
        /// Send only the alerts.
        #[arg(long)]
        no_report: bool,
        /// List what would be sent; send nothing and record nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Run a pipeline once, now (for cron, systemd timers, Kubernetes CronJobs, Airflow).
    #[command(after_help = "\
Ingests the inbox files not ingested before, then runs the pipeline's other steps, and
records the run in the `runs` and `run_steps` tables. Rerunning with nothing new changes
no data. Two runs of one pipeline never overlap: the second waits for the first or gives
up, per the pipeline's [overlap] policy or --overlap.

Exit status:
  0  success
  3  success, but some rows were quarantined (see the `quarantine` table)
  1  the run failed (unreadable file, unreachable lake, a failed step, stopped by a signal)
  2  the pipeline file or the catalog is invalid, or names a step this build lacks
  4  another run of this pipeline is in progress; nothing was done

Examples:
  momentos run nightly                        pipelines/nightly.toml
  momentos run nightly --overlap skip         exit 4 at once if a run is in progress
  momentos run /etc/momentos/nightly.toml --lake s3://bucket/lake")]
    Run {
        /// Pipeline name (`nightly` is `<pipelines>/nightly.toml`) or the path of a file.
        pipeline: String,
        /// Folder of pipeline files.
        #[arg(long, default_value = crate::pipeline::DEFAULT_DIR)]
        pipelines: PathBuf,
        /// When a run of this pipeline is in progress: `wait` for it or `skip` (exit 4).
        /// Default: the pipeline's [overlap] policy.
        #[arg(long, value_enum)]
        overlap: Option<crate::pipeline::OverlapPolicy>,
        /// How long `wait` waits before exit 4, e.g. `30s`, `10m`. Default: the pipeline's.
        #[arg(long, value_parser = parse_duration)]
        wait_timeout: Option<std::time::Duration>,
    },
    /// Fire every pipeline on its cron schedule (a daemon; stop it with SIGTERM or Ctrl-C).
    #[command(after_help = "\
Each pipeline with a `schedule` fires in its time zone. Fires missed while the daemon was
down are handled by the pipeline's [catch_up] policy and recorded in `runs`; failed runs
are retried with backoff per [retry]. SIGTERM/SIGINT: no new runs; the run in progress
finishes its current step and is recorded (a second signal stops at once). Logs go to
stderr (info level; MOMENTOS_LOG=debug for more).

Examples:
  momentos schedule
  momentos schedule --pipelines /etc/momentos/pipelines --lake /srv/momentos/lake")]
    Schedule {
        /// Folder of pipeline files.
        #[arg(long, default_value = crate::pipeline::DEFAULT_DIR)]
        pipelines: PathBuf,
    },
    /// List the run history, newest first.
    Runs {
        /// Only this pipeline's runs (its file's `lake` is used when it names one).
        #[arg(long)]
        pipeline: Option<String>,
        /// Folder of pipeline files (to find a pipeline's lake).
        #[arg(long, default_value = crate::pipeline::DEFAULT_DIR)]
        pipelines: PathBuf,
        /// How many runs to show.
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// Output format.
        #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
        format: OutputFormat,
    },
    /// List the source adapters and the source and mapping files of ./sources.
    Sources {
        /// Folder of source files (default: $MOMENTOS_SOURCES or ./sources).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Validate the catalog, pipeline files and dashboards without running anything.
    #[command(after_help = "\
Prints every problem with its file, line, key and a fix. Exit status 2 if there is any.

Examples:
  momentos check
  momentos check --pipelines deploy/pipelines --catalog deploy/catalog.toml")]
    Check {
        /// Folder of pipeline files (default: ./pipelines; a missing default folder is fine).
        #[arg(long)]
        pipelines: Option<PathBuf>,
    },
}

fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    humantime::parse_duration(s)
        .map_err(|e| format!("`{s}` is not a duration ({e}); e.g. 30s, 10m"))
}

pub(crate) fn parse_kind(s: &str) -> Result<crate::vocabulary::SourceKind, String> {
    crate::vocabulary::SourceKind::parse(s).ok_or_else(|| {
        format!("`{s}` is not an input kind; expected interactions, surveys or shopper")
    })
}

/// Per-query limits shared by `sql` and `query`.
#[derive(Debug, clap::Args)]
pub struct LimitArgs {
    /// Memory the query's operators may use (e.g. 512MiB, 2GiB).
    #[arg(long, default_value = "1GiB", value_parser = crate::sql::parse_bytes)]
    pub memory_limit: usize,
    /// Wall time a statement may run (e.g. 30s, 5m).
    #[arg(long, default_value = "5m", value_parser = crate::sql::parse_duration)]
    pub timeout: std::time::Duration,
    /// Rows printed in table format (CSV, JSON and Parquet print all).
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
