# momentos — English messages of the command line.
# Keys and arguments must match i18n/es/momentos.ftl (a test checks it). Keys of `--help`
# follow the command tree: cli-<command>-about, cli-<command>-after-help,
# cli-<command>-arg-<argument>.

## --help: shared words

cli-usage-heading = Usage:
cli-heading-commands = Commands
cli-heading-arguments = Arguments
cli-heading-options = Options
cli-possible-values = possible values: { $values }
cli-default = default: { $value }
cli-env = env: { $variable }
cli-arg-help = Print help.
cli-arg-version = Print the version.
cli-help-about = Print the help of momentos or of a command.
cli-help-value-name = COMMAND
cli-help-arg-command = The command (e.g. `ingest`, `plans export`).
cli-more-information = For more information, try '--help'.

## Usage errors

cli-error-missing-value = a value is required for { $arg }
cli-error-invalid-value = invalid value '{ $value }' for { $arg } (possible values: { $values })
cli-error-bad-value = invalid value '{ $value }' for { $arg }: { $reason }
cli-error-unknown-argument = unexpected argument '{ $arg }'
cli-error-unknown-command = unrecognized command '{ $command }'
cli-error-missing-argument = the following required arguments were not provided: { $arg }
cli-error-missing-command = a command is required
cli-error-conflict = the argument '{ $arg }' cannot be used with '{ $other }'
cli-error-suggestion = tip: did you mean '{ $suggestion }'?
cli-error-duration = `{ $value }` is not a duration ({ $reason }); e.g. 30s, 10m
cli-error-kind = `{ $value }` is not an input kind; expected interactions, surveys or shopper

## momentos

cli-about = Quality monitoring for university customer service (PR-ME-002): ingest, score, report.
cli-after-help =
    Exit status:
      0  success
      1  the command failed (unreadable file, unreachable lake, internal error)
      2  usage or configuration error (bad flag, invalid catalog)
      3  success, but some rows were quarantined (see the `quarantine` table)
      4  busy: another process is writing the lake or running the pipeline; nothing was done

    Language: Spanish by default; English with --lang en or LANG=en_US.UTF-8
    (MOMENTOS_LANG, LC_ALL and LC_MESSAGES are read first).

    Examples:
      momentos demo                                   generate realistic data and ingest it into ./lake
      momentos ingest interactions exports/*.csv      ingest interaction logs
      momentos ingest surveys respuestas.xlsx --sheet Respuestas
      momentos score                                  score every period and write the derived tables
      momentos score --period 2026-10                 rescore one month
      momentos report --out informe                   the HTML report (index.html, one page per unit)
      momentos plans export --format xlsx --out planes.xlsx
      momentos sql "select unit, count(*) from interactions group by unit"
      momentos sql --format csv "select * from quarantine" > rechazos.csv
      momentos run nightly                            one run of pipelines/nightly.toml
      momentos deliver                                e-mail/webhook new alerts and the monthly report
      momentos schedule                               fire every pipeline on its cron schedule
cli-arg-lake = Lake location: a folder or a URL.
cli-arg-catalog = Catalog file (default: $MOMENTOS_CATALOG, ./catalog.toml, or the embedded one).
cli-arg-verbose = More log output (-v info, -vv debug).
cli-arg-engine = Where the plans of `score` and `sql` run: embedded (in this process, the default), standalone (a Ballista cluster in this process) or df://host:port (a Ballista scheduler; needs a build with --features ballista).
cli-arg-lang = Language of messages and help (default: MOMENTOS_LANG, LC_ALL, LC_MESSAGES, LANG; else Spanish).

## momentos ingest

cli-ingest-about = Ingest export files (CSV, JSON Lines or XLSX) into the lake.
cli-ingest-after-help =
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
      momentos sources                      adapters and the source files of ./sources
cli-ingest-arg-kind = Which input: interactions, surveys or shopper (with --source: the first file).
cli-ingest-arg-files = Files to ingest.
cli-ingest-arg-source = Read the files with a source of sources/ (an adapter for a vendor's export: Asterisk CDR, LimeSurvey, Google Forms, Qualtrics…); then give only files.
cli-ingest-arg-format = Force the format instead of guessing from the extension: csv, jsonl, xlsx.
cli-ingest-arg-sheet = XLSX sheet to read (default: the first).

## momentos sql

cli-sql-about = Run SQL over the lake's tables (read-only): one query, a file, or an interactive shell.
cli-sql-after-help =
    Without a query or -f, reads statements from standard input, or opens an interactive shell
    at a terminal (line editing, history in ~/.momentos_history, \d to list and describe tables).

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
      momentos sql "select * from scores where status = 'needs_plan'"
      momentos sql "select * from observations where unit = 'admisiones' and attribute = 'timeliness'"
      momentos sql "select channel, count(*) n from interactions group by channel order by n desc"
      momentos sql --format json "select * from holidays where year = 2026"
      momentos sql -f consulta.sql --format csv --output resultado.csv
      momentos sql --format parquet --output scores.parquet "select * from scores"
      momentos sql                       (interactive shell)
cli-sql-arg-query = The statement(s) to run; `;` separates several.
cli-sql-arg-file = Read the statements from a file.
cli-sql-arg-format = Output format.
cli-sql-arg-output = Write the result to a file instead of standard output.
cli-sql-arg-memory-limit = Memory the query's operators may use (e.g. 512MiB, 2GiB).
cli-sql-arg-timeout = Wall time a statement may run (e.g. 30s, 5m).
cli-sql-arg-max-rows = Rows printed in table format (CSV, JSON and Parquet print all).

## momentos query

cli-query-about = Run a named query of queries/ with typed parameters.
cli-query-after-help =
    A named query is a .sql file of the queries folder (./queries or --queries DIR); its name is
    the file stem. Header comments describe it and declare parameters, used as $name:
      -- description: Rejected rows of one input by reason
      -- param: source text in (interactions, surveys, shopper) = interactions -- which input
    Types: text, int, float, bool, date (YYYY-MM-DD), period (YYYY-MM).

    Examples:
      momentos query --list
      momentos query quarantine_by_reason --param source=surveys
      momentos query quarantine_by_reason --format csv > rechazos.csv
cli-query-arg-name = The query's name (file stem).
cli-query-arg-params = A parameter as key=value (repeatable).
cli-query-arg-list = List the queries with their description and parameters.
cli-query-arg-queries = Folder of .sql files (default ./queries).
cli-query-arg-format = { cli-sql-arg-format }
cli-query-arg-memory-limit = { cli-sql-arg-memory-limit }
cli-query-arg-timeout = { cli-sql-arg-timeout }
cli-query-arg-max-rows = { cli-sql-arg-max-rows }

## momentos score

cli-score-about = Score kindness, information quality and timeliness per unit × channel × period.
cli-score-after-help =
    Computes the derived tables of the method (docs/metodo.md) from the lake's interactions,
    surveys and shopper evaluations, and writes them into the lake, replacing the periods it
    recomputes atomically (each table all at once): interaction_facts, scores,
    scores_by_stakeholder, survey_kpis, protocol. Without --period/--from/--to only the
    periods whose data changed since the last score are recomputed (new batches, re-sent ids,
    forget, compaction), with the periods of the surveys that evaluate those interactions and
    those that had judgments not yet due; the result is identical to recomputing everything.
    A catalog or method change recomputes everything (and says so); --full forces it. Periods
    without data any more disappear.

    Targets, weights, minimum n, pass mark, FDR q and alpha come from the catalog.
    An interaction whose SLA has not come due at --as-of (default: now) is not judged yet.

    Exit status: 0 done, 2 bad arguments, 4 the lake is busy, 1 anything else.

    Examples:
      momentos score
      momentos score --full
      momentos score --period 2026-10
      momentos score --from 2026-01 --to 2026-06
      momentos score --period 2026-10 --as-of 2026-11-01T00:00:00-05:00
      momentos sql "select * from scores where status = 'needs_plan'"
cli-score-arg-period = Recompute one month (YYYY-MM, local time).
cli-score-arg-from = First month to recompute (YYYY-MM); default: the first with data.
cli-score-arg-to = Last month to recompute (YYYY-MM); default: the last with data.
cli-score-arg-as-of = Judge "not yet due" at this instant instead of now (ISO 8601; no offset = local time).
cli-score-arg-full = Recompute every period even when its data did not change.

## momentos demo

cli-demo-about = Generate realistic demo data for a university contact center and ingest it.
cli-demo-after-help =
    Writes interactions.csv, surveys.csv and shopper.csv into --inbox (default ./inbox),
    then ingests them into the lake. Seeded: the same seed gives the same files.

    Examples:
      momentos demo
      momentos demo --lake /tmp/demo-lake --interactions 200000 --seed 7
cli-demo-arg-inbox = Folder for the generated CSV files.
cli-demo-arg-seed = Seed of the generator.
cli-demo-arg-interactions = Number of interaction rows.
cli-demo-arg-no-ingest = Only write the files; do not ingest.

## momentos report

cli-report-about = Write the HTML report: executive summary, one page per unit, charts.
cli-report-after-help =
    Writes DIR/index.html (the executive summary in Spanish: the services that need an
    improvement plan first, with their plan, then heatmaps, funnel plots, trends, survey
    indicators, protocol compliance and data coverage) and DIR/unidad-<unit>.html. Each page
    is one self-contained file (charts as inline SVG, styles inline, no script): it can be
    sent alone as an attachment. --pdf also prints the summary to DIR/informe.pdf. Charts
    come from dashboards/informe_mensual.toml (or the embedded default).
    Before rendering, improvement plans are opened and re-measured (as `momentos plans`);
    --no-plans skips that and only reads the `plans` table.
    No figure from fewer than the catalog's min_source_n observations is shown.

    Exit status: 0 done, 2 bad arguments or no scores for the period, 4 the lake is busy.

    Examples:
      momentos report --out informe
      momentos report --out informe --period 2026-10 --pdf
cli-report-arg-out = Output folder (created if missing).
cli-report-arg-period = Month to report (YYYY-MM); default: the latest complete month with scores.
cli-report-arg-png = Also write every chart as PNG (charts/*.png).
cli-report-arg-pdf = Also print the summary to DIR/informe.pdf (needs Chromium; MOMENTOS_CHROMIUM names it when it is not on the PATH).
cli-report-arg-dashboard = Dashboard file (default: dashboards/informe_mensual.toml, else the embedded one).
cli-report-arg-no-plans = Do not open or re-measure plans first (read-only).

## momentos plans

cli-plans-about = Improvement plans: open and re-measure (default), list, export CSV/XLSX.
cli-plans-after-help =
    Every `needs_plan` cell of `scores` opens a plan unless one is in progress (open or
    overdue) for the same unit, channel and attribute. A plan carries the cause analysis
    drafted from the evidence, suggested actions, the responsible from the catalog and a
    commitment date (+scoring.plan_commitment_days). Each refresh re-measures every plan:
    open, overdue, effective (lower bound at target two consecutive periods after the
    commitment date) or not_effective. Query them with `momentos sql "select * from plans"`.

    Exports are safe to open in Excel: text that looks like a formula stays text.

    Examples:
      momentos plans
      momentos plans list
      momentos plans export --format xlsx --out planes.xlsx
      momentos plans export --format csv --out planes.csv
cli-plans-refresh-about = Open plans for new `needs_plan` cells and re-measure every plan (the default).
cli-plans-list-about = List the plans, in progress first.
cli-plans-export-about = Write the plans for the improvement-plan registry.
cli-plans-export-arg-format = csv or xlsx.
cli-plans-export-arg-out = File to write.

## momentos alerts

cli-alerts-about = Difficult situations: outages, abandonment and complaint spikes, failed critical items, overdue escalations.
cli-alerts-after-help =
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
      momentos sql "select kind, unit, channel, started_at, evidence from alerts where status = 'open'"
cli-alerts-arg-as-of = Judge as of this instant instead of now (ISO 8601; no offset = local time).
cli-alerts-arg-list = Only list the open alerts (read-only).

## momentos followup

cli-followup-about = Follow-up list for the contact center: contacts touched by an alert, or escalations due.
cli-followup-after-help =
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
      momentos followup --alert technical_outage.whatsapp.all.2026-06-17T09 --out postcrisis.csv
cli-followup-arg-alert = The alert (see `momentos alerts --list`).
cli-followup-arg-escalations = Escalations past due or due within one business day.
cli-followup-arg-out = File to write (.csv or .xlsx).
cli-followup-arg-as-of = Judge due dates as of this instant (ISO 8601; no offset = local time).

## momentos maintain

cli-maintain-about = Lake upkeep: the catalog's retention, compaction by month and Delta logs.
cli-maintain-after-help =
    In one pass, with the lake locked:
      1. Retention: when the catalog sets [retention] months, rows of older months leave
         every table in one batch (as with `momentos forget`), counted in the audit table.
      2. Compaction: the files each batch left in interactions, surveys and shopper (and
         their quarantine) become one file per month (folder month=YYYY-MM), sorted by date and id;
         each table changes in one batch, no row lost or doubled. A month already in one
         file is left alone, so running it again does nothing.
      3. Delta logs: a checkpoint every 10 versions, and log entries older than
         --log-retention expire (superseded data files are already deleted when each batch
         commits).
    Run it daily as the nightly pipeline's `maintain` step, or by hand.

    Exit status: 0 done, 2 bad arguments, 4 the lake is busy, 1 anything else.

    Examples:
      momentos maintain --dry-run
      momentos maintain
      momentos maintain --log-retention 30days
cli-maintain-arg-dry-run = Say what would be done without changing anything.
cli-maintain-arg-log-retention = Age a Delta log entry must reach before it expires (default 7days).

## momentos forget

cli-forget-about = Right to erasure: remove every row of one person from the lake (Colombian Law 1581 of 2012).
cli-forget-after-help =
    Normalises and pseudonymises the identifier (e-mail, phone or document number) as ingest
    does, with the same key (MOMENTOS_PSEUDONYM_KEY or MOMENTOS_PSEUDONYM_KEY_FILE), and
    removes that person's rows from every table in one batch: their interactions, their
    survey responses and the responses about their interactions, the derived rows of those
    interactions, the escalation alerts about them, and quarantined rows whose raw text still
    holds the identifier. The old files are deleted in the same step, so no byte of the
    person stays in the lake; then the scores are derived again.
    The audit table records what left (counts, Delta versions), never the identifier.

    With - as the identifier, it is read from standard input (it stays out of the history).

    Exit status: 0 done (also when there were no rows), 2 bad arguments or no key, 4 the
    lake is busy, 1 anything else.

    Examples:
      momentos forget ana.perez@example.com --reference PQRS-2026-0412
      echo "+57 300 123 4567" | momentos forget - --reference PQRS-2026-0413
      momentos sql "select * from audit order by performed_at desc"
cli-forget-arg-identifier = The person's e-mail, phone or document number; - reads it from standard input.
cli-forget-arg-reference = A reference for the request in the audit table (e.g. the PQRS number).
cli-forget-arg-no-rederive = Do not derive the scores again (the next `momentos score` will).

## momentos deliver

cli-deliver-about = Send new alerts and the monthly report to the catalog's recipients (e-mail, webhook).
cli-deliver-after-help =
    Sends to the recipients of the catalog's [delivery] section:
      - each alert detected in the last `alert_max_age_days` days (7 by default), to those
        who receive that kind of alert for that unit: one e-mail or webhook per alert;
      - the monthly report of --report-dir (index.html, and informe.pdf when `momentos report
        --pdf` printed it from that same report) attached to an e-mail, or announced by webhook.
    What is sent is recorded in the `deliveries` table (the recipient by its catalog name,
    never its address) and not sent again. A failed send is retried with growing waits
    (`attempts`, `backoff`) and again in the next run.

    SMTP credentials only from the environment: MOMENTOS_SMTP_USER and MOMENTOS_SMTP_PASSWORD
    (or the variables named by `user_env` and `password_env`). STARTTLS is required unless
    the catalog says otherwise.

    Exit status: 0 all sent (or nothing due), 1 a send failed (it will be retried),
    2 invalid catalog, 4 another delivery is in progress on this lake.

    Examples:
      momentos deliver                              new alerts and the report of ./reports
      momentos deliver --report-dir informe         the report of another folder
      momentos deliver --dry-run                    what would be sent, sending nothing
      momentos deliver --no-report                  only the alerts
      momentos sql "select recipient, item, status, attempts, last_error from deliveries"
cli-deliver-arg-report-dir = Folder of the monthly report (index.html).
cli-deliver-arg-no-report = Send only the alerts.
cli-deliver-arg-dry-run = List what would be sent; send nothing and record nothing.

## momentos run

cli-run-about = Run a pipeline once, now (for cron, systemd timers, Kubernetes CronJobs, Airflow).
cli-run-after-help =
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
      momentos run /etc/momentos/nightly.toml --lake s3://bucket/lake
cli-run-arg-pipeline = Pipeline name (`nightly` is `<pipelines>/nightly.toml`) or the path of a file.
cli-run-arg-pipelines = Folder of pipeline files.
cli-run-arg-overlap = When a run of this pipeline is in progress: `wait` for it or `skip` (exit 4). Default: the pipeline's [overlap] policy.
cli-run-arg-wait-timeout = How long `wait` waits before exit 4, e.g. `30s`, `10m`. Default: the pipeline's.

## momentos schedule

cli-schedule-about = Fire every pipeline on its cron schedule (a daemon; stop it with SIGTERM or Ctrl-C).
cli-schedule-after-help =
    Each pipeline with a `schedule` fires in its time zone. Fires missed while the daemon was
    down are handled by the pipeline's [catch_up] policy and recorded in `runs`; failed runs
    are retried with backoff per [retry]. SIGTERM/SIGINT: no new runs; the run in progress
    finishes its current step and is recorded (a second signal stops at once). Logs go to
    stderr (info level; MOMENTOS_LOG=debug for more).

    Examples:
      momentos schedule
      momentos schedule --pipelines /etc/momentos/pipelines --lake /srv/momentos/lake
cli-schedule-arg-pipelines = { cli-run-arg-pipelines }

## momentos runs

cli-runs-about = List the run history, newest first.
cli-runs-arg-pipeline = Only this pipeline's runs (its file's `lake` is used when it names one).
cli-runs-arg-pipelines = Folder of pipeline files (to find a pipeline's lake).
cli-runs-arg-limit = How many runs to show.
cli-runs-arg-format = { cli-sql-arg-format }

## momentos sources

cli-sources-about = List the source adapters and the source and mapping files of ./sources.
cli-sources-arg-dir = Folder of source files (default: $MOMENTOS_SOURCES or ./sources).

## momentos check

cli-check-about = Validate the catalog, pipeline files and dashboards without running anything.
cli-check-after-help =
    Prints every problem with its file, line, key and a fix. Exit status 2 if there is any.

    Examples:
      momentos check
      momentos check --pipelines deploy/pipelines --catalog deploy/catalog.toml
cli-check-arg-pipelines = Folder of pipeline files (default: ./pipelines; a missing default folder is fine).

cli-serve-about = Serve the lake over the PostgreSQL protocol (read-only) for Power BI, Metabase, DBeaver, psql and Python.
cli-serve-after-help =
    The tables and views are those of `momentos sql`, with the pg_catalog that schema
    browsers use (\d in psql). Each connection sees the lake as it is when it connects: after
    `momentos score`, reconnect.

    Read-only: INSERT/UPDATE/DELETE, CREATE/DROP, COPY and SET are refused for everyone. The SETs
    drivers send when they connect (client_encoding, DateStyle, extra_float_digits,
    application_name, search_path, IntervalStyle, standard_conforming_strings, bytea_output,
    client_min_messages, and SET TRANSACTION: read only, isolation) are answered without changing anything. BEGIN/COMMIT/ROLLBACK have no effect.

    Users (--users users.toml), with passwords as SCRAM-SHA-256 verifiers (never plain text):
    {"  [[user]]"}
      name = "quality"
      role = "analyst"              # every table, quarantine included
      password = "SCRAM-SHA-256$4096:…"
    {"  [[user]]"}
      name = "admissions_head"
      role = "unit"                 # only their units' rows, in every table and view
      units = ["admisiones"]
      password = "SCRAM-SHA-256$4096:…"
    Without --users it does not start, unless --no-auth is given with a loopback address.
    Failed attempts are logged (user and address, never the password) and each doubles the
    wait before the answer to the next one from that address (up to 30 s).

    Memory: --memory-limit is the server's total, shared by all connections.

    Examples:
      printf '%s\n' 'a long passphrase' | momentos serve --hash-password
      momentos serve --lake /srv/momentos/lake --users users.toml
      momentos serve --users users.toml --listen 0.0.0.0:5432 --tls-cert cert.pem --tls-key key.pem
      momentos serve --no-auth                 (127.0.0.1 only, for trying it out)
      psql "host=127.0.0.1 port=5432 user=quality dbname=momentos" -c '\d'
cli-serve-arg-listen = Address and port to listen on (default: this machine only).
cli-serve-arg-users = TOML file of users with their roles and SCRAM-SHA-256 verifiers.
cli-serve-arg-no-auth = No passwords: whoever connects is an analyst. Loopback addresses only.
cli-serve-arg-tls-cert = TLS certificate (PEM); with --tls-key, connections may be encrypted.
cli-serve-arg-tls-key = Private key of the TLS certificate (PEM, PKCS#8).
cli-serve-arg-memory-limit = Memory all of the server's queries may use together (e.g. 512MiB, 2GiB).
cli-serve-arg-timeout = How long one statement may run, rows included (e.g. 30s, 5m).
cli-serve-arg-hash-password = Read a password from standard input and print its SCRAM-SHA-256 verifier for the users file.

## Errors shared by commands

error-runtime = cannot start the runtime: { $error }
error-no-lake = there is no lake at { $path }: the folder does not exist (a mistyped --lake?). `momentos ingest` or `momentos demo` create one.
engine-error-unknown = `{ $value }` is not an engine: use embedded, standalone or df://host:port (e.g. df://127.0.0.1:50050).
engine-error-no-ballista = the engine `{ $value }` runs on an Apache DataFusion Ballista cluster, which this build does not include: build momentos with `cargo build --release --features ballista`, or use --engine embedded.
engine-error-unreachable = no Ballista scheduler answers at { $engine }: { $error }. Is it running (`momentos-ballista scheduler`) and reachable from here?
error-cannot-read = cannot read { $path }: { $error }
error-cannot-create = cannot create { $path }: { $error }

## momentos sql and query

# "1,234 rows"; the next two messages share it (a reference sees their arguments).
sql-rows = { $rows ->
    [one] { $rows } row
   *[other] { $rows } rows
}
sql-rows-line = { sql-rows } in { $seconds } s
sql-rows-line-truncated = { sql-rows } (the first { $shown } shown; --format csv gives them all) in { $seconds } s
query-param-default = default { $value }
shell-banner = momentos SQL — { $tables } tables. \? for help, \q to quit.
shell-help =
    Statements end with `;` and may span lines. Only reads run (SELECT, WITH, EXPLAIN, SHOW).
      \d            list tables with what one row is
      \d TABLE      describe a table: columns, types and what each means
      \format F     output as table, csv or json
      \q            quit (also Ctrl-D)
      \?            this help
shell-no-table = no table `{ $name }`; \d lists them
shell-one-row = one row = { $what }
shell-formats = formats here: table, csv, json
shell-unknown-command = unknown command `{ $line }`; \? lists them
sql-parquet-needs-output = Parquet is binary; give --output FILE or redirect stdout
sql-output-one-statement = --output takes exactly one statement
serve-listening = momentos serve: listening on { $addr } ({ $logins }) { $tls }
serve-logins = { $count ->
    [one] 1 user
   *[other] { $count } users
}
serve-open = no passwords: everyone is an analyst
serve-stopped = momentos serve: stopped
serve-needs-users = give the users with --users FILE (or --no-auth to try it on 127.0.0.1)
serve-no-auth-loopback = --no-auth is only allowed on a loopback address (127.0.0.1 or ::1)
serve-no-users = { $path } defines no [[user]]
serve-bad-listen = `{ $value }` is not an address to listen on (e.g. 127.0.0.1:5432)
serve-cannot-listen = could not listen on { $addr }: { $error }
serve-empty-password = the password is empty (it is read from standard input)
query-embedded = the built-in queries
query-not-found = there is no query `{ $name }` in { $place }; `momentos query --list` shows them
query-one-statement = { $path } must hold exactly one statement

## momentos report

report-summary = Report for { $period }: { $pages ->
    [one] { $pages } page
   *[other] { $pages } pages
}, { $charts ->
    [one] { $charts } chart
   *[other] { $charts } charts
}; { $flagged ->
    [one] { $flagged } service needs
   *[other] { $flagged } services need
} an improvement plan; { $plans ->
    [one] { $plans } new plan
   *[other] { $plans } new plans
}  [{ $seconds } s]
report-index = Report: { $path }
report-pdf = PDF: { $path }

## momentos ingest

ingest-forgot-kind = forgot the kind? momentos ingest interactions { $file }{ $looks }
ingest-no-files = give at least one file: momentos ingest { $kind } FILE…
ingest-nothing-written = nothing from { $file } was written
ingest-skipped = skipped: { $reason }
ingest-column-typo = Is `{ $found }` meant to be `{ $expected }`? Fix the header.
ingest-bad-format = `{ $format }` is not a format; expected csv, jsonl or xlsx
ingest-already = { $file }: already ingested (batch { $batch }); 0 rows added
ingest-counts = read { $read }, accepted { $accepted }, replaced { $replaced }, duplicates in file { $duplicates }, quarantined { $quarantined }  [{ $seconds } s, batch { $batch }]
ingest-example = { $code }: e.g. { $example }
ingest-warnings = warnings: { $rows ->
    [one] { $rows } row kept
   *[other] { $rows } rows kept
} with a value dropped
ingest-unknown-columns = ignored unknown column(s): { $columns }

## momentos score

score-status-ok = on target
score-status-watch = under watch
score-status-needs-plan = need an improvement plan
score-status-insufficient-data = insufficient data
score-status-other = other
score-period-range = { $first } to { $last }
score-no-periods = none (no data)
score-nothing-changed = none (nothing changed)
score-incremental = Incremental: { $count } periods recomputed — new or changed data: { $changed }; linked surveys: { $linked }; pending judgments: { $pending }
score-incremental-full = Full run: { $reason }
score-full-no-earlier-run = no earlier score says what changed
score-full-catalog-or-method = the catalog or the method changed
score-full-earlier-as-of = the as-of is earlier than the last score's
score-done = Scores computed as of { $as_of } — periods: { $periods }  [{ $seconds } s]
# The number of rows is printed before this text, aligned.
score-table-rows = { $rows ->
    [one] row
   *[other] rows
} in { $files ->
    [one] { $files } file
   *[other] { $files } files
}; { $removed ->
    [one] { $removed } file replaced
   *[other] { $removed } files replaced
}
score-cells = Unit × channel × attribute cells: { $cells } — { $counts }
score-none-needs-plan = No cell needs an improvement plan.
score-needs-plan = Need an improvement plan ({ $cells }):
score-col-period = period
score-col-unit = unit
score-col-channel = channel
score-col-attribute = attribute
score-col-score = score
score-col-interval = 90% CI
score-col-target = target
score-col-p-value = p-value
score-interval-note = 90% CI: 90% confidence interval (two exact one-sided 95% bounds).

## momentos alerts and followup

as-of-out-of-range = --as-of { $value } is out of range
as-of-not-a-time = --as-of `{ $value }` is not a date-time; use ISO 8601, e.g. 2026-11-01T00:00:00-05:00
alerts-judged-through = { " " }— data judged through { $time }
alerts-summary = Alerts: { $new } new, { $open } open, { $total } in all{ $judged }
alerts-new = new
alerts-none-open = No open alerts.
alerts-open = Open alerts:
alerts-since = since { $time }
followup-what = give either --alert ID or --escalations
followup-no-alert = no alert `{ $id }` in the lake; see `momentos alerts --list`
followup-written = Follow-up list: { $listed ->
    [one] { $listed } interaction
   *[other] { $listed } interactions
} of authorised contacts in { $path }; { $unauthorised } without a personal-data authorisation left out.

## momentos plans

plans-summary = Improvement plans: { $opened } new, { $total } in all — { $by_status }
plans-written = { $plans ->
    [one] { $plans } plan
   *[other] { $plans } plans
} written to { $path }
plans-none = No improvement plans.
plans-commitment = due { $date }

## momentos demo

demo-generated = Generated { $interactions } interactions, { $surveys } survey responses and { $shopper } mystery-shopper rows ({ $malformed } with deliberate errors) in { $path }
demo-public-key = No MOMENTOS_PSEUDONYM_KEY: using the demo's public key (for synthetic data only).
demo-already = { $kind }: already in the lake (batch { $batch })
demo-ingested = { $kind }: { $read } read, { $accepted } accepted, { $duplicates } repeated in the file, { $quarantined } quarantined
demo-scoring = Scoring the demo data (momentos score)…
demo-reporting = Writing the report (momentos report --out { $path })…
demo-lake = Lake: { $lake }
demo-try-scores = Try: momentos sql --lake { $lake } "select * from scores where status = 'needs_plan'"
demo-try-sql = Try: momentos sql --lake { $lake } "select unit, channel, count(*) n from interactions group by 1, 2 order by n desc limit 10"

## momentos check and sources

check-not-checked = { $folder }/ is not checked by this build (no { $name } checker yet)
check-note = note: { $note }
check-ok = ok: { $name } ({ $checked })
check-problems = { $problems ->
    [one] { $problems } problem
   *[other] { $problems } problems
}; nothing was run
sources-adapters = Adapters:
sources-files = Sources ({ $path }):
sources-none = (none; create sources/<name>.toml, see sources/README.md)
sources-mappings = Mapping files ({ $path }):
sources-usage = Usage: momentos ingest --source NAME FILE…

## momentos deliver

deliver-would-send = { $count ->
    [one] { $count } message would be sent:
   *[other] { $count } messages would be sent:
}
deliver-summary = Deliveries: { $detail }
deliver-detail = { $sent } sent, { $failed } failed, { $already } already sent before
deliver-postponed-count = { $postponed } postponed to the next run
deliver-pending = pending
deliver-sent = sent
deliver-failed = failed
deliver-postponed = postponed
deliver-attempts = { $attempts ->
    [one] { $attempts } attempt
   *[other] { $attempts } attempts
}: { $error }

## Detail of each pipeline step (run_steps table and momentos run's output)

step-ingest-files = { $total ->
    [one] { $total } file
   *[other] { $total } files
}: { $ingested } ingested, { $unchanged } unchanged
step-ingest-failed = , { $failed } failed
step-ingest-waiting = , { $waiting } still being written (left for a later run)
step-ingest-stopped = ; stopped early by a shutdown request
step-ingest-nothing-written = { $error } (nothing of this file was written)
step-score-nothing-new = nothing new to score
step-score-detail = { $periods ->
    [one] { $periods } period scored
   *[other] { $periods } periods scored
}, { $rows } rows in { $tables } tables
step-plans-detail = { $opened ->
    [one] { $opened } plan opened
   *[other] { $opened } plans opened
}, { $total } in all
step-alerts-detail = { $new ->
    [one] { $new } new alert
   *[other] { $new } new alerts
}, { $open } open, { $total } in all
step-report-detail = { $index } for { $period }: { $pages } pages, { $charts } charts{ $pdf }
step-report-no-scores = the lake has no scores yet: no report

## momentos run and schedule

run-summary = pipeline { $pipeline }: { $status } (run { $run }, { $seconds } s)
run-step-rows = read { $read }, accepted { $accepted }, quarantined { $quarantined }
run-quarantined = { $rows ->
    [one] { $rows } row
   *[other] { $rows } rows
} quarantined: momentos sql "select source, reason_code, count(*) from quarantine group by 1, 2"
schedule-cannot-read = cannot read the pipelines folder { $path }: { $error }
schedule-fix-pipelines = fix the pipeline files above (momentos check lists every problem); nothing was started
schedule-nothing-scheduled = no pipeline in { $path } has a `schedule`; nothing to do
schedule-stopped-at-once = stopped at once; the next run cleans up

## Problems of a configuration file (momentos check, pipelines)

problem-fix = fix: { $fix }
problem-unknown-key = unknown key `{ $key }`
problem-known-keys = known keys here: { $keys }
problem-did-you-mean = did you mean `{ $word }`? ({ $choices })
problem-missing-key = missing key `{ $key }`
problem-fix-missing-key = add it (see { $example } for an example)

## Pipeline files

pipeline-cannot-read = cannot read pipeline file { $path }: { $error }
pipeline-not-found = no pipeline `{ $name }`: { $tried } does not exist{ $known }
pipeline-none-in-dir = { " " }(no pipelines in { $dir }; use --pipelines DIR)
pipeline-suggest-name = ; did you mean `{ $name }`? (known: { $names })
pipeline-known-names = { " " }(known: { $names })
pipeline-key-file-name = (file name)
pipeline-bad-name = `{ $name }` is not a pipeline name
pipeline-fix-name = name the file with lowercase letters, digits, `-` and `_` (e.g. `nightly.toml`)
pipeline-bad-duration = `{ $value }` is not a duration ({ $reason })
pipeline-fix-duration = write a number and a unit, e.g. `30s`, `5m`, `2h`
pipeline-bad-timezone = `{ $value }` is not an IANA time zone
pipeline-fix-timezone = e.g. `{ $default }`, `UTC`, `Europe/Madrid`
pipeline-one-of = one of { $values }
pipeline-bad-kind = `{ $value }` is not an input kind
pipeline-fix-inbox = a folder path (relative to the working directory) or a file:// URL
pipeline-glob-folder = `{ $value }` names a folder; the glob matches file names inside the inbox
pipeline-fix-glob-folder = put the folder in `inbox` and only the file pattern in `glob`
pipeline-bad-glob = `{ $value }` is not a file pattern ({ $reason })
pipeline-fix-glob = use `*`, `?` and `[abc]`, e.g. `interactions*.csv`
pipeline-bad-format = `{ $value }` is not a format
pipeline-fix-format = one of csv, jsonl, xlsx (or leave it out to go by extension)
pipeline-source-kind = the source `{ $source }` produces { $produces }, not { $kind }
pipeline-fix-source-kind = set kind = "{ $kind }"
pipeline-fix-source = the name of a sources/<name>.toml (see `momentos sources`)
pipeline-step-twice = step `{ $step }` is listed twice
pipeline-fix-step-twice = list each step once
pipeline-step-order = step `{ $step }` comes after `{ $previous }`, but it feeds it
pipeline-fix-step-order = list steps in the order { $steps }
pipeline-fix-unavailable = remove `{ $step }` from `steps` until this build has it
pipeline-steps = steps: { $steps }
pipeline-bad-step = `{ $value }` is not a step
pipeline-no-steps = no steps: the pipeline would do nothing
pipeline-fix-no-steps = e.g. steps = ["ingest"]
pipeline-ingest-needs-sources = the `ingest` step needs at least one `[[sources]]` table
pipeline-fix-ingest-needs-sources = add [[sources]] with kind, inbox and glob, or drop `ingest`
pipeline-zero-attempts = 0 attempts would never run
pipeline-fix-zero-attempts = 1 means no retry; 3 is usual
pipeline-catch-up-policies = none, latest or all
pipeline-bad-catch-up = `{ $value }` is not a catch-up policy
pipeline-zero-max = 0 would run nothing
pipeline-fix-zero-max = use policy = "none" to run nothing, or max ≥ 1
pipeline-bad-overlap = `{ $value }` is not an overlap policy
inbox-empty = the inbox is empty
inbox-not-local = `{ $inbox }` is not a local path
inbox-unsupported-scheme = `{ $inbox }`: inboxes on `{ $scheme }` are not supported by this build

## Cron expressions (a pipeline's `schedule`)

cron-fix-forms = write 5 fields `minute hour day-of-month month day-of-week` (e.g. `30 2 * * *`, every day at 02:30) or 6/7 fields with seconds first (e.g. `0 30 2 * * Mon-Fri`); `@daily` and `@hourly` work too
cron-bad-shorthand = `{ $expr }` is not a shorthand this scheduler knows
cron-fix-shorthand = one of { $shorthands }, or a cron expression
cron-day-zero = `{ $expr }`: in the 6/7-field form day-of-week numbers run 1 = Sunday … 7 = Saturday; 0 is not a day
cron-fix-day-zero = use day names (`Sun`, `Mon-Fri`) or the 5-field Unix form
cron-field-count = `{ $expr }` has { $fields ->
    [one] { $fields } field
   *[other] { $fields } fields
}
cron-unreadable = unreadable
cron-invalid = `{ $expr }` is not a valid cron expression: { $reason }
cron-never = `{ $expr }` never fires again
cron-fix-never = no date matches it (e.g. 31 February, or a year in the past): check the day, month and year fields
cron-both-days = `{ $expr }` restricts both the day of month (`{ $dom }`) and the day of week (`{ $dow }`): Unix cron fires when either matches, this scheduler only when both do
cron-fix-both-days = restrict only one of them (use `*` in the other), or use two pipelines
cron-bad-day = `{ $expr }`: { $reason }
cron-fix-day-names = use day names (`Mon-Fri`, `Sun`)
cron-not-a-day = `{ $value }` is not a day
cron-day-out-of-range = day of week `{ $value }` is out of range 0–7
cron-stepped-sunday = `{ $item }`: a stepped range ending on 7 (Sunday)
cron-mixed-day = `{ $item }` mixes a day name and a number

## Pipeline runs (the runs table and the output of momentos run)

run-lake-error = pipeline `{ $pipeline }`: cannot use the lake { $lake }: { $error }
run-lock-purpose = run { $run } of pipeline { $pipeline }
run-busy = pipeline `{ $pipeline }` is already running
run-stopped-waiting = asked to stop while waiting for the running one to finish
run-stopped-before-step = asked to stop before step `{ $step }`
run-stopped-during-step = stopped by a shutdown request during step `{ $step }`
run-dead-holder = process { $pid } on { $host } ended without finishing the run (killed?); run { $successor } took over its lock

## Catalog errors (catalog.toml)

words-or = { $first } or { $last }
catalog-cannot-read = cannot read catalog { $path }: { $error }
catalog-embedded = catalog.toml (embedded default)
catalog-example = the catalog.toml of the momentos repository
catalog-not-allowed = `{ $value }` is not allowed; expected { $expected }
catalog-at-least-one = must be at least 1
catalog-unknown-source = unknown source; expected one of { $allowed }
catalog-weight-positive = a weight must be a positive number
catalog-unknown-attribute = unknown attribute; expected one of { $allowed }
catalog-bad-timezone = `{ $value }` is not an IANA time zone such as America/Bogota
catalog-bad-date = `{ $value }` is not a date YYYY-MM-DD
catalog-unknown-channel = unknown channel; expected one of { $allowed }
catalog-no-hours = no [hours.{ $profile }] profile; defined: { $defined }
catalog-missing-channel = missing: every channel needs an entry
catalog-unit-code = unit codes are lowercase snake_case (a-z, 0-9, _)
catalog-escalation-days = must be between 1 and { $max } business days (Ley 1755 de 2015)
catalog-needs-unit = the catalog needs at least one unit
catalog-expected-one-of = expected one of { $allowed }
catalog-unknown-unit = unknown unit `{ $unit }`
catalog-out-of-range = { $value } is out of range; expected a number from { $low } to { $high }
catalog-bad-hours = `{ $value }` is not allowed; expected "HH:MM-HH:MM" (e.g. "08:00-18:00") or "closed"
catalog-open-before-close = `{ $value }`: opening time must be before closing time
catalog-bad-duration = `{ $value }` is not a duration; expected a number with s, m or h (e.g. "20s", "60m")
catalog-not-a-probability = { $value } is out of range; expected a probability between 0 and 1
catalog-baseline-weeks = need 1 ≤ min_baseline_weeks ≤ baseline_weeks
catalog-number-at-least-one = must be a number of at least 1
catalog-positive-number = must be a positive number
catalog-unknown-theme = `{ $theme }` is not a theme of [themes]; defined: { $defined }
delivery-attempts-range = must be from 1 to 10
delivery-max-backoff = must be at least `backoff`
delivery-bad-name = `{ $name }`: use letters, digits, `_` or `-` (e.g. "calidad_central")
delivery-name-twice = `{ $name }` is used twice
delivery-not-email = is not an e-mail address
delivery-email-needs-smtp = e-mail needs a [delivery.smtp] section (host, from)
delivery-webhook-url = must be an http:// or https:// URL
delivery-one-address = give exactly one of `email`, `webhook` or `webhook_env`
delivery-no-kinds = say what it receives: "report", "alerts" or alert kinds
delivery-unknown-unit = `{ $unit }` is not a unit of [units]
delivery-smtp-host = must name the SMTP server
delivery-smtp-from = must be an address, e.g. "Calidad <calidad@ces.edu.co>"
delivery-smtp-cleartext = "none" would send the password and the report in clear over the network; it is only allowed for a server on this machine (127.0.0.1, ::1, localhost)
delivery-smtp-timeout = must be more than 0s
delivery-smtp-env = must name an environment variable

## The lake and its locks

lock-held = { $busy }: held by process { $pid } on { $host } ({ $purpose }) since { $since }; try again when it finishes
lock-lake-busy = the lake { $url } is being written
lake-bad-url = `{ $url }` is not a lake location: { $detail }
lake-cannot-create-folder = cannot create the folder: { $error }
lake-not-absolute = not an absolute path
lake-not-local = not a local path
lake-not-folder = not a folder
lake-unsupported-scheme = the scheme `{ $scheme }` is not supported by this build; use a folder path, file:// or s3://
lake-store-error = lake { $url }: { $operation } { $path }: { $error }
lake-op-reading = reading
lake-op-writing = writing
lake-op-listing = listing
lake-op-renaming = renaming
lake-op-deleting = deleting
lake-op-locking = locking
lake-corrupt = lake { $url }: { $path } is damaged: { $detail }
lake-temp-file = local temporary file: { $error }

## Long lists

list-and-more = { " " }… and { $count } more

## momentos check: project folders

check-cannot-read-folder = { $path }: cannot read the folder: { $error }
check-dashboards-skipped = dashboards not checked: the catalog is invalid
check-dashboards-panicked = the dashboard check panicked
check-dashboards-failed = dashboards: cannot check the queries: { $error }
check-no-pipelines-folder = no pipelines folder { $path }
check-no-pipeline-files = no pipeline files in { $path }
check-inbox-missing = { $file }: inbox { $inbox } ({ $kind }) does not exist yet; runs fail until it does

## momentos forget: messages

forget-empty-identifier = the identifier is empty once normalised; give an e-mail, a phone or a document number
forget-key-required = the pseudonymisation key the data was ingested with is needed (MOMENTOS_PSEUDONYM_KEY or MOMENTOS_PSEUDONYM_KEY_FILE)
forget-other-keys = warning: some batches of the lake were pseudonymised with another key; the current key cannot find the person in them
forget-nothing-found = No rows of that person in the lake { $lake }. The request was recorded in the audit table ({ $audit }).
forget-removed = Removed { $rows } rows from { $tables } tables of the lake { $lake } in one batch ({ $audit }); the old files were deleted.
forget-table-line = { $table } ({ $path }): { $rows } rows; Delta version { $version }
forget-rederived = Scores derived again ({ $periods } periods).
forget-not-rederived = The scores still count those rows until the next `momentos score`.

## momentos maintain: messages

maintain-retention-none = Retention: the catalog sets none ([retention] months); nothing leaves by age.
maintain-retention = Retention: data from { $date } on is kept; { $rows } older rows left (audit table).
maintain-retention-nothing = Retention: data from { $date } on is kept; no row is older.
maintain-retention-dry = Retention: data from { $date } on is kept; older rows would leave the lake.
maintain-compaction-none = Compaction: nothing to compact (every month is in one file already).
maintain-compaction = Compaction of { $table }: { $before } files of { $months } months → { $after } ({ $rows } rows).
maintain-compaction-quarantine = Compaction of { $table }'s quarantine: { $before } files of { $months } months → { $after } ({ $rows } rows).
maintain-logs = Delta logs: { $checkpoints } checkpoints written, { $expired } old entries expired.
maintain-dry-run = (dry run: nothing was changed)
step-maintain-done = { $rows } rows left by retention; { $files } files compacted into { $after }; { $checkpoints } Delta checkpoints

## momentos-ballista (a build with --features ballista)

ballista-usage =
    momentos-ballista: an Apache DataFusion Ballista scheduler or executor that runs momentos' plans (`momentos --engine df://host:port`).

      momentos-ballista scheduler [--bind HOST:PORT]        default 127.0.0.1:50050
      momentos-ballista executor [--scheduler HOST:PORT] [--bind HOST] [--port PORT] [--grpc-port PORT] [--tasks N] [--work-dir DIR]
                                                            defaults: 127.0.0.1:50050, 127.0.0.1, 50051, 50052, one task per core

    Executors open the lake's files themselves: a lake on S3 needs the AWS_* variables of `momentos --lake s3://…` in every executor's environment.
ballista-bad-argument = unknown or incomplete argument: { $argument }
ballista-failed = the { $role } stopped: { $error }
