#!/usr/bin/env python3
"""Benchmark: `momentos score` against DuckDB running the same SQL over the same Parquet files.

Both start from one lake holding the ingested interactions, surveys and mystery-shopper
evaluations of `momentos demo`. momentos runs `score` (a full run: every period of
interaction_facts, scores, scores_by_stakeholder, survey_kpis and protocol written as
Parquet, one file per period, for interaction_facts one per period and partition of the
query plan, written in parallel); DuckDB, in its own process with 2 threads, runs our
queries/ files over the lake's live source files and the reference tables that momentos
stored under `reference/` during its run (calendar_days, channel_sla, …, scoring_params
with the run's as-of instant), and writes the same five tables as Parquet, partitioned by
period. Like momentos, it writes interaction_facts first and reads the facts back from
those files for the scores, and holds int_survey_responses, cell_sources and cell_scores in
memory (temporary tables) so that each is computed once.

The exact cell statistics of DESIGN §6.3 (binomial tails, bounds by root finding) are not
SQL: momentos computes them in Rust on the aggregated cells (`cell_statistics`). DuckDB's
process does the same work with the same code: it writes its `cell_sources` rows to a
Parquet file, runs `target/release/examples/cell_statistics` on it (inside DuckDB's timed
process) and reads the result back as the table `cell_statistics`.

"Equivalent SQL" means the files of queries/ themselves, loaded from this checkout, with
these textual rewrites only (see DUCKDB_REWRITES):
  * `to_local_time(arrow_cast(t, 'Timestamp(Microsecond, Some("<tz>"))'))` → `timezone('<tz>', t)`
  * `cast(<timestamp> as bigint)` → `epoch_us(<timestamp>)` (interaction_facts only)
  * `x / 86400000000` → `x // 86400000000` (DuckDB's `/` on integers is a float division)
  * `to_char(d, '%Y-%m')` → `strftime(d, '%Y-%m')`, `make_array(` → `list_value(`

The script then checks that both computed the same thing: DuckDB's `scores` against the
`scores` momentos wrote (same cells; score, lower, upper, p_value within 1e-9; status,
counts and target identical), the row counts of every table, and aggregates of
interaction_facts. It exits with status 1 on any mismatch.

Usage (from the crate root):
    cargo build --release --example cell_statistics   # builds the momentos binary too
    pip install duckdb pyarrow
    python3 benches/score_vs_duckdb.py                          # 10 million interactions
    python3 benches/score_vs_duckdb.py --rows 300000            # a quicker run
    python3 benches/score_vs_duckdb.py --keep-data              # reuse inbox and ingested lake

Without --keep-data the inbox is generated (`momentos demo --no-ingest`) and ingested into
a fresh lake; neither step is timed. Time is wall time of each process; peak memory is
the process's maximum RSS.
"""

import argparse
import json
import math
import os
import pathlib
import re
import shutil
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benches"))
# Wall time and peak RSS of a command, measured as the ingest benchmark measures them.
from ingest_vs_duckdb import measured  # noqa: E402
KEY = "bench-key-0123456789abcdef0123456789"

# The derived tables momentos writes, in its order, and where (relative to the lake).
DERIVED = [
    ("interaction_facts", "facts/interaction_facts"),
    ("scores", "scores"),
    ("scores_by_stakeholder", "scores_by_stakeholder"),
    ("survey_kpis", "survey_kpis"),
    ("protocol", "protocol"),
]
SOURCES = ["interactions", "surveys", "shopper"]
REFERENCE = ["calendar_days", "channel_sla", "unit_sla", "rubric", "source_weights", "cell_targets", "scoring_params"]
# The view files of queries/ in dependency order (as src/score/queries.rs registers them).
QUERY_FILES = [
    "staging/stg_interactions.sql",
    "staging/stg_surveys.sql",
    "staging/stg_shopper.sql",
    "facts/interaction_facts.sql",
    "intermediate/int_survey_responses.sql",
    "intermediate/observations.sql",
    "scores/cell_sources.sql",
    "scores/cell_scores.sql",
    "scores/scores.sql",
    "scores/scores_by_stakeholder.sql",
    "scores/survey_kpis.sql",
    "scores/protocol.sql",
]


def duckdb_sql(name, text, time_zone):
    """A query file of queries/ as DuckDB SQL: the documented rewrites, each checked to apply."""
    sql = text.replace("{{time_zone}}", time_zone)
    rewrites = [
        # DataFusion's local wall-clock time of a UTC timestamp; DuckDB: timezone(zone, timestamptz).
        (r"to_local_time\(arrow_cast\(([\w.]+), 'Timestamp\(Microsecond, Some\(\"([^\"]+)\"\)\)'\)\)",
         r"timezone('\2', \1)"),
        (r"to_char\(([\w.]+), '%Y-%m'\)", r"strftime(\1, '%Y-%m')"),
        (r"make_array\(", "list_value("),
    ]
    if name == "interaction_facts":
        rewrites += [
            # Microseconds since the epoch of a timestamp (DuckDB does not cast timestamps to bigint).
            (r"cast\(((?:[^()]|\([^()]*\))+?) as bigint\)", r"epoch_us(\1)"),
            (r" / 86400000000\b", " // 86400000000"),
        ]
    for pattern, repl in rewrites:
        sql = re.sub(pattern, repl, sql)
    for leftover in ["arrow_cast", "to_local_time", "to_char", "make_array", "as bigint)"]:
        if leftover in sql and not (leftover == "as bigint)" and name != "interaction_facts"):
            raise SystemExit(f"queries/{name}: `{leftover}` was not rewritten for DuckDB")
    return sql.rstrip().rstrip(";")


# Runs in its own process: argv[1] is a JSON file with the paths and the SQL.
DUCKDB_SCRIPT = r"""
import duckdb, json, subprocess, sys, time
cfg = json.load(open(sys.argv[1]))
con = duckdb.connect()
con.execute("SET threads = 2")
con.execute("SET preserve_insertion_order = false")

def files(paths):
    return "[" + ", ".join("'" + p.replace("'", "''") + "'" for p in paths) + "]"

def table_over(name, paths):
    con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM read_parquet({files(paths)}, hive_partitioning = false)")

for name, paths in cfg["sources"].items():
    table_over(name, paths)
for name, paths in cfg["reference"].items():
    table_over(name, paths)

timings = {}
def write(name):
    t = time.perf_counter()
    out = cfg["out"] + "/" + name
    con.execute(f"COPY (SELECT * FROM {name}) TO '{out}' "
                "(FORMAT parquet, COMPRESSION snappy, PARTITION_BY (period), WRITE_PARTITION_COLUMNS true, OVERWRITE)")
    timings[name] = time.perf_counter() - t

for name, sql in cfg["views"]:
    if name in ("int_survey_responses", "cell_sources", "cell_scores"):
        # Computed once for the tables that read them (momentos holds them in memory too).
        t = time.perf_counter()
        con.execute(f"CREATE TEMP TABLE {name} AS {sql}")
        if name == "cell_sources":
            # The exact statistics with the same Rust code momentos runs on these rows.
            cells, stats = cfg["out"] + "/cell_sources.parquet", cfg["out"] + "/cell_statistics.parquet"
            con.execute(f"COPY cell_sources TO '{cells}' (FORMAT parquet)")
            subprocess.run([cfg["cell_statistics"], cells, stats], check=True)
            con.execute(f"CREATE TEMP TABLE cell_statistics AS SELECT * FROM read_parquet('{stats}')")
        timings[name] = time.perf_counter() - t
        continue
    con.execute(f"CREATE VIEW {name} AS {sql}")
    if name == "interaction_facts":
        write(name)
        # Later tables read the facts just written (as momentos does).
        con.execute("DROP VIEW interaction_facts")
        table_over("interaction_facts", [cfg["out"] + "/interaction_facts/*/*.parquet"])
    elif name in cfg["written"]:
        write(name)
print(json.dumps(timings))
"""


def live_files(lake, table):
    """Files of `table` that committed manifests list and no later manifest removes."""
    live = {}
    for m in sorted((lake / "_batches").glob("*.json")):
        doc = json.loads(m.read_text())
        for r in doc.get("removes", []):
            live.pop(r["path"] if isinstance(r, dict) else r, None)
        # A score run's manifest lists its tables' files under `other_tables`.
        tables = {doc["table"]: doc["files"], **doc.get("other_tables", {})}
        for f in tables.get(table, []):
            live[f["path"]] = f["rows"]
    return live


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000_000, help="interactions to generate")
    ap.add_argument("--workdir", type=pathlib.Path, default=pathlib.Path("/tmp/momentos-score-bench"))
    ap.add_argument("--binary", type=pathlib.Path, default=ROOT / "target" / "release" / "momentos")
    ap.add_argument("--rounds", type=int, default=1,
                    help="score with both this many times, alternating (the machine's load varies), "
                         "and report the median ratio; the rows are checked after the last round")
    ap.add_argument("--keep-data", action="store_true",
                    help="reuse a generated inbox of the same size and the lake ingested from it")
    args = ap.parse_args()

    if not args.binary.exists():
        sys.exit(f"{args.binary} not found: run `cargo build --release` first")
    binary = str(args.binary.resolve())
    stats_binary = args.binary.resolve().parent / "examples" / "cell_statistics"
    if not stats_binary.exists():
        sys.exit(f"{stats_binary} not found: run `cargo build --release --example cell_statistics` first")
    work = args.workdir.resolve()
    work.mkdir(parents=True, exist_ok=True)
    inbox = work / f"inbox-{args.rows}"
    lake = work / f"lake-{args.rows}"
    env = dict(os.environ, MOMENTOS_PSEUDONYM_KEY=KEY)
    kinds = ["interactions", "surveys", "shopper"]

    if not (args.keep_data and all((inbox / f"{k}.csv").exists() for k in kinds)):
        shutil.rmtree(inbox, ignore_errors=True)
        print(f"generating {args.rows:,} interactions with their surveys and shopper evaluations …", flush=True)
        subprocess.run([binary, "--lake", str(work / "unused-lake"), "demo", "--no-ingest",
                        "--inbox", str(inbox), "--interactions", str(args.rows)], check=True, env=env)
        shutil.rmtree(lake, ignore_errors=True)
    reuse_lake = args.keep_data and (lake / "_batches").is_dir() and all(live_files(lake, k) for k in kinds)
    if not reuse_lake:
        shutil.rmtree(lake, ignore_errors=True)
        for k in kinds:
            print(f"ingesting {inbox / (k + '.csv')} …", flush=True)
            p = subprocess.run([binary, "--lake", str(lake), "ingest", k, str(inbox / f"{k}.csv")], env=env)
            if p.returncode not in (0, 3):  # 3: some rows quarantined
                sys.exit(f"ingest of {k} failed ({p.returncode})")

    # Source files: the live ones of the manifests; after a fresh ingest that is every file.
    sources = {}
    for k in kinds:
        live = sorted(live_files(lake, k))
        on_disk = sorted(str(p.relative_to(lake)) for p in (lake / k).glob("*/*.parquet"))
        if live != on_disk:
            print(f"note: {k}: {len(on_disk) - len(live)} files on disk are not live; DuckDB reads the live ones")
        sources[k] = [str(lake / f) for f in live]
    rows_in = {k: sum(live_files(lake, k).values()) for k in kinds}
    print("lake: " + ", ".join(f"{k} {rows_in[k]:,} rows in {len(sources[k])} files" for k in kinds))

    # Warm the page cache for both contenders alike.
    for paths in sources.values():
        for p in paths:
            pathlib.Path(p).read_bytes()

    runs = []
    for r in range(max(1, args.rounds)):
        if args.rounds > 1:
            print(f"round {r + 1}", flush=True)
        # (a) momentos score.
        m_time, m_rss, m_out = measured([binary, "--lake", str(lake), "score", "--full"], env)
        print(f"momentos score: {m_time:.1f} s")

        # (b) DuckDB: the same SQL over the same files, and the reference tables of that run.
        reference = {}
        for name in REFERENCE:
            paths = sorted(p for p in live_files(lake, "reference") if p.startswith(f"reference/{name}/"))
            if len(paths) != 1:
                sys.exit(f"reference/{name}: expected one live file, found {paths}")
            reference[name] = [str(lake / p) for p in paths]
        import duckdb

        con = duckdb.connect()
        time_zone = con.execute(
            f"select time_zone from read_parquet('{reference['scoring_params'][0]}')").fetchone()[0]
        views = []
        for rel in QUERY_FILES:
            name = pathlib.Path(rel).stem
            views.append((name, duckdb_sql(name, (ROOT / "queries" / rel).read_text(), time_zone)))
        duck_out = work / f"duckdb-out-{args.rows}"
        shutil.rmtree(duck_out, ignore_errors=True)
        duck_out.mkdir()
        cfg = work / "duckdb-config.json"
        cfg.write_text(json.dumps({
            "sources": sources, "reference": reference, "views": views,
            "written": [t for t, _ in DERIVED], "out": str(duck_out),
            "cell_statistics": str(stats_binary),
        }))
        d_time, d_rss, d_out = measured([sys.executable, "-c", DUCKDB_SCRIPT, str(cfg)])
        print(f"duckdb: {d_time:.1f} s  (" + ", ".join(
            f"{k} {v:.1f}" for k, v in json.loads(d_out.strip().splitlines()[-1]).items()) + ")")

        runs.append((m_time, m_rss, d_time, d_rss))

    # Equivalence.
    problems = []

    def lake_files(table):
        return "[" + ", ".join(f"'{lake / p}'" for p in sorted(live_files(lake, table))) + "]"

    def duck_files(table):
        return f"'{duck_out / table}/*/*.parquet'"

    print()
    print(f"{'table':24} {'momentos rows':>14} {'duckdb rows':>14}")
    for table, _ in DERIVED:
        m = con.execute(f"select count(*) from read_parquet({lake_files(table)})").fetchone()[0]
        d = con.execute(f"select count(*) from read_parquet({duck_files(table)}, hive_partitioning = false)").fetchone()[0]
        print(f"{table:24} {m:14,} {d:14,}{'' if m == d else '  MISMATCH'}")
        if m != d:
            problems.append(f"{table}: {m} rows from momentos, {d} from DuckDB")

    keys = ["period", "unit", "channel", "attribute"]
    diff = con.execute(f"""
        with m as (select * from read_parquet({lake_files('scores')})),
             d as (select * from read_parquet({duck_files('scores')}, hive_partitioning = false))
        select coalesce(m.period, d.period) as period, coalesce(m.unit, d.unit) as unit,
               coalesce(m.channel, d.channel) as channel, coalesce(m.attribute, d.attribute) as attribute,
               m.period is null as only_duckdb, d.period is null as only_momentos,
               m.status as m_status, d.status as d_status,
               greatest(abs(m.score - d.score), abs(m.lower - d.lower), abs(m.upper - d.upper),
                        abs(m.p_value - d.p_value)) as max_abs_diff
        from m full outer join d using ({', '.join(keys)})
        where m.period is null or d.period is null
           or m.status <> d.status
           or m.target <> d.target
           or m.n_interactions <> d.n_interactions or m.n_surveys <> d.n_surveys
           or m.n_shopper <> d.n_shopper or m.n_total <> d.n_total
           or (m.score is null) <> (d.score is null) or (m.p_value is null) <> (d.p_value is null)
           or abs(m.score - d.score) > 1e-9 or abs(m.lower - d.lower) > 1e-9
           or abs(m.upper - d.upper) > 1e-9 or abs(m.p_value - d.p_value) > 1e-9
    """).fetchall()
    worst = con.execute(f"""
        select max(greatest(abs(m.score - d.score), abs(m.lower - d.lower), abs(m.upper - d.upper),
                            abs(m.p_value - d.p_value))),
               count(*) filter (where m.status = 'needs_plan')
        from read_parquet({lake_files('scores')}) m
        join read_parquet({duck_files('scores')}, hive_partitioning = false) d using ({', '.join(keys)})
    """).fetchone()
    if diff:
        problems.append(f"scores: {len(diff)} cells differ, e.g. {diff[:3]}")
    print(f"scores: {len(diff)} differing cells; largest difference in score/lower/upper/p_value "
          f"{worst[0]:.1e}; {worst[1]} cells need a plan")

    # Counts must be equal; sums of doubles (added in any order) equal to 1e-12 relative.
    facts = """select count(*), count(within_sla), count(*) filter (where within_sla),
                      count(escalation_met), count(*) filter (where escalation_met),
                      count(escalation_due_date), count(*) filter (where abandoned),
                      sum(first_response_business_minutes), sum(first_response_seconds)
               from {}"""
    m_facts = con.execute(facts.format(f"read_parquet({lake_files('interaction_facts')})")).fetchone()
    d_facts = con.execute(facts.format(
        f"read_parquet({duck_files('interaction_facts')}, hive_partitioning = false)")).fetchone()
    same_facts = m_facts[:7] == d_facts[:7] and all(
        m == d or (m is not None and d is not None and math.isclose(m, d, rel_tol=1e-12))
        for m, d in zip(m_facts[7:], d_facts[7:]))
    print(f"interaction_facts aggregates {'match' if same_facts else 'MISMATCH'}: "
          f"{m_facts[0]:,} rows, within_sla judged {m_facts[1]:,} (true {m_facts[2]:,})")
    if not same_facts:
        problems.append(f"interaction_facts aggregates: momentos {m_facts}, DuckDB {d_facts}")

    print()
    print(f"{'':10} {'seconds':>9} {'peak MiB':>9}")
    for i, (m_time, m_rss, d_time, d_rss) in enumerate(runs, 1):
        label = f" (round {i})" if len(runs) > 1 else ""
        print(f"{'momentos':10} {m_time:9.1f} {m_rss:9.0f}{label}")
        print(f"{'duckdb':10} {d_time:9.1f} {d_rss:9.0f}{label}")
    ratios = sorted(m / d for m, _, d, _ in runs)
    mid = len(ratios) // 2
    median = ratios[mid] if len(ratios) % 2 else (ratios[mid - 1] + ratios[mid]) / 2
    print(f"ratio momentos/duckdb time: {median:.2f}{' (median; rounds: ' + ', '.join(f'{x:.2f}' for x in ratios) + ')' if len(runs) > 1 else ''} "
          f"(goal <= 0.7, issue 17)")
    if problems:
        print("\nNOT EQUIVALENT:\n  " + "\n  ".join(problems))
        sys.exit(1)
    print("equivalent: yes")


if __name__ == "__main__":
    main()
