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
  4  another process is writing the lake; nothing was done

Examples:
  momentos demo                                   generate realistic data and ingest it into ./lake
  momentos ingest interactions exports/*.csv      ingest interaction logs
  momentos ingest surveys respuestas.xlsx --sheet Respuestas
  momentos score                                  score every period and write the derived tables
  momentos score --period 2026-10                 rescore one month
  momentos sql \"select unit, count(*) from interactions group by unit\"
  momentos sql --format csv \"select * from quarantine\" > rechazos.csv";

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
  momentos ingest surveys encuesta.csv --format csv")]
    Ingest {
        /// Which input: interactions, surveys or shopper.
        #[arg(value_parser = parse_kind)]
        kind: crate::vocabulary::SourceKind,
        /// Files to ingest.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Force the format instead of guessing from the extension: csv, jsonl, xlsx.
        #[arg(long)]
        format: Option<String>,
        /// XLSX sheet to read (default: the first).
        #[arg(long)]
        sheet: Option<String>,
    },
    /// Run SQL over the lake's tables (read-only).
    #[command(after_help = "\
Tables: interactions, surveys, shopper (latest version of every row), quarantine
(rejected rows with reason, file and line), holidays (Colombian public holidays 1984–2100).
Scoring (docs/metodo.md): interaction_facts, scores, scores_by_stakeholder, survey_kpis,
protocol (as `momentos score` last wrote them; the live views until it has run), the
views of queries/ (stg_interactions, observations, cell_scores, …) and the reference
tables calendar_days, channel_sla, unit_sla, rubric, source_weights, cell_targets,
scoring_params (as of now).

Examples:
  momentos sql \"select * from scores where status = 'needs_plan'\"
  momentos sql \"select * from observations where unit = 'admisiones' and attribute = 'timeliness'\"
  momentos sql \"select channel, count(*) n from interactions group by channel order by n desc\"
  momentos sql --format json \"select * from holidays where year = 2026\"")]
    Sql {
        /// The statement to run.
        query: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
        format: OutputFormat,
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
}

fn parse_kind(s: &str) -> Result<crate::vocabulary::SourceKind, String> {
    crate::vocabulary::SourceKind::parse(s).ok_or_else(|| {
        format!("`{s}` is not an input kind; expected interactions, surveys or shopper")
    })
}
