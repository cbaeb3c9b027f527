#!/usr/bin/env python3
"""Benchmark: `momentos ingest interactions` against DuckDB doing the same work.

Both read the same interactions CSV, pseudonymise the contact of authorised rows, redact
e-mails, phones and document numbers in the notes, and write Parquet partitioned by local
month, as the lake is. DuckDB runs in its own process with 2 threads; momentos runs its
release binary. DuckDB also runs a lighter job in every round (only e-mails redacted, no
phone or document patterns): the second comparison issue 17 asks for. Neither DuckDB job
detects re-sent ids.
The script reports wall time and peak memory of each, the ratio, and checks that DuckDB and
pyarrow read the lake momentos wrote and count the rows momentos accepted.

Usage (from the crate root):
    cargo build --release
    pip install duckdb pyarrow
    python3 benches/ingest_vs_duckdb.py                 # 10 million interactions
    python3 benches/ingest_vs_duckdb.py --rows 1000000  # a quicker run
    python3 benches/ingest_vs_duckdb.py --baseline OLD_BINARY --skip-duckdb
                                           # this build against an older one, alternating

DuckDB has no HMAC; its side uses sha256(key || normalised contact), which costs about
the same. Its regular expressions approximate ours (see REDACT_SQL). Rows DuckDB cannot
parse go to its reject table (`store_rejects`), the analogue of our quarantine.
"""

import argparse
import json
import os
import pathlib
import shutil
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent

DUCKDB_SCRIPT = r"""
import duckdb, sys
csv, out = sys.argv[1], sys.argv[2]
con = duckdb.connect()
con.execute("SET threads = 2")
con.execute("SET preserve_insertion_order = false")
con.execute(f'''
COPY (
  WITH src AS (
    SELECT * FROM read_csv('{csv}', header = true, store_rejects = true, columns = {{
      'interaction_id': 'VARCHAR', 'channel': 'VARCHAR', 'unit': 'VARCHAR',
      'received_at': 'TIMESTAMPTZ', 'first_response_at': 'TIMESTAMPTZ', 'resolved_at': 'TIMESTAMPTZ',
      'direction': 'VARCHAR', 'touchpoint': 'VARCHAR', 'agent_id': 'VARCHAR', 'topic': 'VARCHAR',
      'contact': 'VARCHAR', 'stakeholder': 'VARCHAR', 'escalated_to': 'VARCHAR',
      'escalated_at': 'TIMESTAMPTZ', 'escalation_answered_at': 'TIMESTAMPTZ', 'outcome': 'VARCHAR',
      'habeas_data': 'VARCHAR', 'protocol_greeting': 'VARCHAR', 'protocol_need_identified': 'VARCHAR',
      'protocol_habeas_script': 'VARCHAR', 'protocol_request_processed': 'VARCHAR', 'notes': 'VARCHAR'}})
  )
  SELECT interaction_id, channel, unit, received_at, first_response_at, resolved_at,
         coalesce(direction, 'inbound') AS direction, touchpoint, agent_id, topic,
         CASE WHEN lower(habeas_data) IN ('si', 'sí', 'true', '1', 'x') AND contact IS NOT NULL
              THEN sha256('bench-key-0123456789abcdef0123456789' || lower(regexp_replace(trim(contact), '[ .()+-]', '', 'g')))
         END AS contact_key,
         stakeholder, escalated_to, escalated_at, escalation_answered_at, outcome,
         lower(habeas_data) IN ('si', 'sí', 'true', '1', 'x') AS habeas_data,
         protocol_greeting, protocol_need_identified, protocol_habeas_script, protocol_request_processed,
         {REDACT_SQL} AS notes,
         strftime(timezone('America/Bogota', received_at), '%Y-%m') AS month
  FROM src
) TO '{out}' (FORMAT parquet, COMPRESSION snappy, PARTITION_BY (month))
''')
"""

# The lighter job: e-mails only (no phone or document redaction).
REDACT_LIGHT_SQL = r"regexp_replace(notes, '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}', '[correo]', 'g')"

# Emails, Colombian phones (mobile, 60x landlines, 7-digit locals, 01 8000), cédulas with dots.
REDACT_SQL = (
    "regexp_replace(regexp_replace(regexp_replace(notes, "
    r"'[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}', '[correo]', 'g'), "
    r"'(\+?57[ .-]?)?(3\d{2}|60\d)[ .-]?\d{3}[ .-]?\d{4}|01[ .-]?8000[ .-]?\d{3}[ .-]?\d{3}', '[telefono]', 'g'), "
    r"'\b\d{1,3}(\.\d{3}){2,3}\b', '[documento]', 'g')"
)


def measured(cmd, env=None):
    """Runs `cmd`; returns (seconds, peak RSS in MiB, stdout). A tiny wrapper process
    reports the command's own peak RSS (RUSAGE_CHILDREN of a process with one child)."""
    wrapper = (
        "import os, resource, subprocess, sys, json;"
        "p = subprocess.run(sys.argv[1:]);"
        "r = resource.getrusage(resource.RUSAGE_CHILDREN);"
        "print(json.dumps({'rc': p.returncode, 'maxrss_kib': r.ru_maxrss}), file=sys.stderr)"
    )
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", wrapper, *cmd], capture_output=True, env=env, text=True)
    elapsed = time.perf_counter() - start
    out, err = proc.stdout, proc.stderr
    last = err.strip().splitlines()[-1]
    info = json.loads(last)
    if info["rc"] != 0 and info["rc"] != 3:
        sys.exit(f"command failed ({info['rc']}): {' '.join(cmd)}\n{out}\n{err}")
    return elapsed, info["maxrss_kib"] / 1024, out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000_000, help="distinct interactions to generate")
    ap.add_argument("--workdir", type=pathlib.Path, default=pathlib.Path("/tmp/momentos-bench"))
    ap.add_argument("--binary", type=pathlib.Path, default=ROOT / "target" / "release" / "momentos")
    ap.add_argument("--keep-data", action="store_true", help="reuse a generated CSV of the same size")
    ap.add_argument("--rounds", type=int, default=1,
                    help="run both this many times, alternating (the machine's load varies; "
                         "each round's ratio and the median are reported)")
    ap.add_argument("--baseline", type=pathlib.Path,
                    help="an older momentos binary run on the same file in every round; "
                         "reports this build's time and memory relative to it")
    ap.add_argument("--skip-duckdb", action="store_true", help="leave DuckDB out (with --baseline)")
    args = ap.parse_args()

    if not args.binary.exists():
        sys.exit(f"{args.binary} not found: run `cargo build --release` first")
    work = args.workdir
    inbox = work / f"inbox-{args.rows}"
    csv = inbox / "interactions.csv"
    if not (args.keep_data and csv.exists()):
        shutil.rmtree(inbox, ignore_errors=True)
        print(f"generating {args.rows:,} interactions …", flush=True)
        subprocess.run(
            [str(args.binary), "--lake", str(work / "unused-lake"), "demo", "--no-ingest",
             "--inbox", str(inbox), "--interactions", str(args.rows)],
            check=True,
        )
    size_mb = csv.stat().st_size / 1e6
    print(f"input: {csv} ({size_mb:,.0f} MB)")

    env = dict(os.environ, MOMENTOS_PSEUDONYM_KEY="bench-key-0123456789abcdef0123456789")
    lake = work / "lake"
    shutil.rmtree(lake, ignore_errors=True)
    # Warm the page cache for both contenders alike.
    with open(csv, "rb") as f:
        while f.read(1 << 24):
            pass

    duck_out = work / "duckdb-out"
    script = DUCKDB_SCRIPT.replace("{REDACT_SQL}", REDACT_SQL)
    light_script = DUCKDB_SCRIPT.replace("{REDACT_SQL}", REDACT_LIGHT_SQL)
    rounds = []
    baseline = []
    for _ in range(max(1, args.rounds)):
        if args.baseline:
            base_lake = work / "baseline-lake"
            shutil.rmtree(base_lake, ignore_errors=True)
            b_time, b_rss, _ = measured(
                [str(args.baseline), "--lake", str(base_lake), "ingest", "interactions", str(csv)], env)
            shutil.rmtree(base_lake, ignore_errors=True)
            baseline.append((b_time, b_rss))
        shutil.rmtree(lake, ignore_errors=True)
        m_time, m_rss, m_out = measured([str(args.binary), "--lake", str(lake), "ingest", "interactions", str(csv)], env)
        d_time, d_rss, l_time = float("nan"), float("nan"), float("nan")
        if not args.skip_duckdb:
            # The lighter job first: the equal job's output is the one counted below.
            shutil.rmtree(duck_out, ignore_errors=True)
            l_time, _, _ = measured([sys.executable, "-c", light_script, str(csv), str(duck_out)])
            shutil.rmtree(duck_out, ignore_errors=True)
            d_time, d_rss, _ = measured([sys.executable, "-c", script, str(csv), str(duck_out)])
        rounds.append((m_time, m_rss, d_time, d_rss, l_time))
    print(m_out.strip())
    if baseline:
        print()
        print(f"{'round':>5} {'baseline s':>11} {'MiB':>6} {'this s':>8} {'MiB':>6} {'time':>6} {'memory':>7}")
        for i, ((b_time, b_rss), (m_time, m_rss, *_)) in enumerate(zip(baseline, rounds), 1):
            print(f"{i:5} {b_time:11.1f} {b_rss:6.0f} {m_time:8.1f} {m_rss:6.0f} "
                  f"{m_time / b_time:6.2f} {m_rss / b_rss:7.2f}")
        t = sorted(m[0] / b[0] for b, m in zip(baseline, rounds))
        r = sorted(m[1] / b[1] for b, m in zip(baseline, rounds))
        print(f"this build / baseline: time {t[len(t) // 2]:.2f}, peak memory {r[len(r) // 2]:.2f} (median)")

    import duckdb
    import pyarrow.dataset as ds

    manifest = json.loads(next((lake / "_batches").glob("*.json")).read_text())
    accepted = manifest["rows_accepted"]
    duck_count = duckdb.sql(
        f"select count(*) from read_parquet('{lake}/interactions/*/*.parquet', hive_partitioning = true)"
    ).fetchall()[0][0]
    arrow_count = ds.dataset(str(lake / "interactions"), format="parquet", partitioning="hive").count_rows()
    if args.skip_duckdb:
        print(f"rows accepted {accepted:,}; lake rows counted by DuckDB {duck_count:,}, by pyarrow {arrow_count:,}")
        if duck_count != accepted or arrow_count != accepted:
            sys.exit(1)
        return
    duck_written = duckdb.sql(f"select count(*) from read_parquet('{duck_out}/*/*.parquet')").fetchall()[0][0]

    print()
    print(f"rows read {manifest['rows_read']:,}; quarantined {manifest['rows_quarantined']:,}; "
          f"earlier versions of re-sent ids {manifest['rows_superseded_in_file']:,}; accepted {accepted:,}")
    print(f"lake rows counted by DuckDB {duck_count:,}, by pyarrow {arrow_count:,} "
          f"({'match' if duck_count == arrow_count == accepted else 'MISMATCH'})")
    print(f"DuckDB wrote {duck_written:,} rows (it keeps re-sent duplicates)")
    print()
    print(f"{'round':>5} {'momentos s':>11} {'MiB':>6} {'duckdb s':>9} {'MiB':>6} {'ratio':>6} "
          f"{'lighter s':>10} {'ratio':>6}")
    for i, (m_time, m_rss, d_time, d_rss, l_time) in enumerate(rounds, 1):
        print(f"{i:5} {m_time:11.1f} {m_rss:6.0f} {d_time:9.1f} {d_rss:6.0f} {m_time / d_time:6.2f} "
              f"{l_time:10.1f} {m_time / l_time:6.2f}")

    def median(values):
        values = sorted(values)
        mid = len(values) // 2
        return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2

    suffix = " (median)" if len(rounds) > 1 else ""
    peak = max(r[1] for r in rounds)
    print(f"ratio momentos/duckdb time, equal work: {median(m / d for m, _, d, _, _ in rounds):.2f}{suffix} "
          f"(goal <= 0.5); lighter job (e-mails only redacted): "
          f"{median(m / l for m, _, _, _, l in rounds):.2f}{suffix} (goal <= 1.0); "
          f"momentos peak memory {peak:.0f} MiB (goal < 1024 MiB)")
    if duck_count != accepted or arrow_count != accepted:
        sys.exit(1)


if __name__ == "__main__":
    main()
