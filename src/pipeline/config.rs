//! `pipelines/<name>.toml` as written by people: serde structs, strict about unknown keys.
//! [`super::Pipeline::from_toml`] checks the values and builds the runtime form. Fields whose
//! values are checked after parsing are `Spanned` so a problem names its line and column.

use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PipelineFile {
    /// What the pipeline is for; shown in logs and `momentos check`.
    #[serde(default)]
    pub description: String,
    /// When `momentos schedule` fires the pipeline: a cron expression, 5 fields
    /// (`min hour dom month dow`, Unix meaning) or 6/7 fields with seconds first (the `cron`
    /// crate's form), or `@daily`/`@hourly`/…. Optional: without it the pipeline only runs
    /// when something calls `momentos run`.
    pub schedule: Option<Spanned<String>>,
    /// IANA time zone the schedule is read in (default `America/Bogota`).
    pub timezone: Option<Spanned<String>>,
    /// Lake URL or folder (default: the command line's `--lake` / `$MOMENTOS_LAKE`).
    pub lake: Option<Spanned<String>>,
    /// Where the `score` step's plans run: `embedded` (the default), `standalone` or
    /// `df://host:port`, a Ballista scheduler (a build with `--features ballista`).
    pub engine: Option<Spanned<String>>,
    /// How long an inbox file must go without being written (its size, modification and
    /// change times untouched) before a run takes it, e.g. `30s` (the default), `2m`:
    /// a file still being copied in is left for a later run.
    pub settle: Option<Spanned<String>>,
    /// Inbox folders to ingest from, one `[[sources]]` table each.
    #[serde(default)]
    pub sources: Vec<SourceConfig>,
    /// Steps, in order: `ingest`, `maintain`, `score`, `plans`, `alerts`, `report`, `deliver`.
    pub steps: Spanned<Vec<Spanned<String>>>,
    /// Where outputs go.
    #[serde(default)]
    pub outputs: OutputsConfig,
    /// Retries of a failed run (the daemon; external schedulers retry on their own).
    #[serde(default)]
    pub retry: RetryConfig,
    /// What the daemon does with fires it missed while it was down.
    #[serde(default)]
    pub catch_up: CatchUpConfig,
    /// What a run does when another run of the same pipeline is in progress.
    #[serde(default)]
    pub overlap: OverlapConfig,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    /// Which input: `interactions`, `surveys` or `shopper`.
    pub kind: Spanned<String>,
    /// Folder (relative to the working directory) or `file://` URL holding the exports.
    pub inbox: Spanned<String>,
    /// File names to take from the inbox, e.g. `interactions*.csv` (`*`, `?`, `[abc]`);
    /// default `*`. Sub-folders are not searched.
    pub glob: Option<Spanned<String>>,
    /// Force a format instead of guessing from the extension: `csv`, `jsonl`, `xlsx`.
    pub format: Option<Spanned<String>>,
    /// XLSX sheet to read (default: the first).
    pub sheet: Option<String>,
    /// A source of `sources/` (adapter and site settings, DESIGN §3.5) that reads these
    /// files, e.g. `pbx_poblado` for the PBX's `Master*.csv`; its kind must be `kind`.
    pub source: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputsConfig {
    /// Folder the `report` step writes into (default `reports`).
    pub report_dir: Option<String>,
    /// Also print the report to `informe.pdf` with headless Chromium (default false), so
    /// `deliver` attaches the PDF too.
    #[serde(default)]
    pub pdf: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetryConfig {
    /// Attempts in all, the first included (default 3; 1 = never retry).
    pub attempts: Option<Spanned<u32>>,
    /// Wait before the first retry, e.g. `30s`, `5m` (default `1m`); doubles each retry.
    pub backoff: Option<Spanned<String>>,
    /// Longest wait between retries (default `1h`).
    pub max_backoff: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatchUpConfig {
    /// `none` (record missed fires, run nothing), `latest` (one run for all of them; the
    /// default) or `all` (one run per missed fire, at most `max`).
    pub policy: Option<Spanned<String>>,
    /// With `all`: at most this many catch-up runs, the most recent fires (default 10).
    pub max: Option<Spanned<u32>>,
    /// A fire started later than this after its time counts as missed (default `1m`).
    pub grace: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverlapConfig {
    /// `wait` for the running one to finish (up to `wait_timeout`; the default) or `skip`
    /// (exit 4 at once and record `skipped_busy`).
    pub policy: Option<Spanned<String>>,
    /// How long `wait` waits before giving up with exit 4 (default `10m`).
    pub wait_timeout: Option<Spanned<String>>,
    /// A run lock older than this is taken over even if its process may live on another
    /// machine (default `6h`; on the same machine a dead process is detected at once).
    pub stale_after: Option<Spanned<String>>,
}
