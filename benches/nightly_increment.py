#!/usr/bin/env python3
"""Nightly increment against a full recompute (issue 17): one more day on a big lake.

Splits an interactions export by one day, ingests everything before it, compacts it
(`maintain`, the steady state of a nightly lake) and scores in full, then runs the shipped
nightly pipeline's steps on the day — ingest, maintain, score (incremental, the default) —
and times them against `score --full` at the same as-of, in the same command, on the same
machine (`--rounds N` repeats the night N times from the same lake and reports the
median ratios). Checks that both give the same derived tables (every table's live files,
through their Delta logs, compared with DuckDB's EXCEPT ALL in both directions).

    cargo build --release
    python3 benches/ingest_vs_duckdb.py --rows 10000000 --keep-data      # makes the export
    python3 benches/nightly_increment.py --binary target/release/momentos \\
        --interactions /tmp/momentos-bench/inbox-10000000/interactions.csv --day 2026-11-30

`--floor 50000` then runs the same night on a lake of only the first 50,000 rows before the
day: what a night costs when almost nothing is old, as a share of the big lake's full score.

Needs Python's `deltalake` and `duckdb`. Run it from a folder without a catalog.toml so the
binary uses its embedded catalog.
"""

import argparse
import csv
import datetime
import itertools
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

# Ingest refuses contacts without a pseudonymisation key; any fixed key will do here.
ENV = dict(os.environ)
ENV.setdefault("MOMENTOS_PSEUDONYM_KEY", "bench-key-0123456789abcdef0123456789")

DERIVED = ["interaction_facts", "scores", "scores_by_stakeholder", "survey_kpis", "protocol"]


def run(binary, lake, *args, steps=None):
    """Runs one command; with `steps` (a list), its debug log's steps are appended to it as
    (milliseconds since the command started, step) pairs."""
    env = dict(ENV, MOMENTOS_LOG="momentos=debug") if steps is not None else ENV
    started_at = time.time()
    started = time.perf_counter()
    out = subprocess.run(
        [binary, "--lang", "en", "--lake", lake, *args],
        capture_output=True,
        text=True,
        env=env,
    )
    elapsed = time.perf_counter() - started
    # 3: done, with some rows quarantined (the generated exports carry defects on purpose).
    if out.returncode not in (0, 3):
        sys.exit(f"{' '.join(args)} failed:\n{out.stderr}")
    if steps is not None:
        steps.extend(logged_steps(out.stderr, started_at))
        steps.append((round(elapsed * 1000), "Exited"))
    return elapsed, out.stdout


# A debug log line: `2026-12-05T17:29:27.405020Z DEBUG momentos::score::run: Computed. table="protocol" …`
LOG_LINE = re.compile(
    r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+)Z +\w+ +momentos::[\w:]+: ([^.]+)\.(.*)$"
)


def logged_steps(log, started_at):
    """(ms since `started_at`, step) for each line of a debug log that ends a step: its
    message, and the table or view it names."""
    out = []
    for line in log.splitlines():
        m = LOG_LINE.match(line)
        if not m or "Files left out" in m.group(2):
            continue
        at = datetime.datetime.fromisoformat(m.group(1)).replace(tzinfo=datetime.timezone.utc)
        named = re.search(r'(?:table|view)="([^"]+)"', m.group(3))
        step = m.group(2) + (f" ({named.group(1)})" if named else "")
        out.append((round((at.timestamp() - started_at) * 1000), step))
    return out


def print_steps(rounds):
    """Each step's median end across rounds, in the order they end."""
    ends = {}
    for steps in rounds:
        seen = {}
        for ms, step in steps:
            seen[step] = ms  # a step logged twice (one per table) counts at its last line
        for step, ms in seen.items():
            ends.setdefault(step, []).append(ms)
    print(f"incremental score, where each step ends (ms since the command started; median of "
          f"{len(rounds)} round(s)):")
    for step, ms in sorted(ends.items(), key=lambda kv: statistics.median_high(kv[1])):
        print(f"  {statistics.median_high(ms):6d}  {step}")


def split(path, day, early, late):
    with open(path, newline="", encoding="utf-8") as f, open(
        early, "w", newline="", encoding="utf-8"
    ) as a, open(late, "w", newline="", encoding="utf-8") as b:
        reader = csv.reader(f)
        header = next(reader)
        at = header.index("received_at")
        wa, wb = csv.writer(a), csv.writer(b)
        wa.writerow(header)
        wb.writerow(header)
        n = 0
        for row in reader:
            (wb if row[at][:10] == day else wa).writerow(row)
            n += 1
    return n


def live_files(lake, table):
    """The table's live files, or None when the lake has no such table (a score writes
    `survey_kpis` only when there are survey responses)."""
    from deltalake import DeltaTable

    roots = {"interaction_facts": "facts/interaction_facts"}
    path = os.path.join(lake, roots.get(table, table))
    if not os.path.isdir(path):
        return None
    return DeltaTable(path).file_uris()


def same_tables(lake_a, lake_b):
    import duckdb

    con = duckdb.connect()
    for table in DERIVED:
        a, b = live_files(lake_a, table), live_files(lake_b, table)
        if a is None and b is None:
            continue
        if a is None or b is None:
            return f"{table}: only in {lake_b if a is None else lake_a}"
        for x, y in ((a, b), (b, a)):
            q = (
                f"select count(*) from (select * from read_parquet({x!r}, union_by_name=true) "
                f"except all select * from read_parquet({y!r}, union_by_name=true))"
            )
            extra = con.execute(q).fetchone()[0]
            if extra:
                return f"{table}: {extra} rows differ"
    return None


def sample_history(early, late, n, folder, out):
    """A small history for `--floor`, written into `out`: early.csv with the first `n` rows
    before the day, surveys.csv with the responses linked to those rows or to the day's,
    shopper.csv with the first shopper notes, in the share the interactions kept have."""
    os.makedirs(out, exist_ok=True)

    def copy(name, source, keep_ids=None, first=None):
        """Copies the header and the first `first` rows, or the rows whose `interaction_id`
        is in `keep_ids`; returns the ids copied."""
        with open(source, newline="", encoding="utf-8") as f, open(
            os.path.join(out, name), "w", newline="", encoding="utf-8"
        ) as o:
            reader, writer = csv.reader(f), csv.writer(o)
            header = next(reader)
            writer.writerow(header)
            at = header.index("interaction_id") if "interaction_id" in header else None
            rows = itertools.islice(reader, first) if first is not None else reader
            copied = set()
            for row in rows:
                if keep_ids is None or row[at] in keep_ids:
                    writer.writerow(row)
                    if at is not None:
                        copied.add(row[at])
            return copied

    def lines_in(path):
        """Data lines (a text field spanning lines counts twice: only a share is wanted)."""
        with open(path, "rb") as f:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 24), b"")) - 1

    ids = copy("early.csv", early, first=n)
    with open(late, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        at = next(reader).index("interaction_id")
        ids.update(row[at] for row in reader)
    total = lines_in(early)
    share = min(n, total) / max(total, 1)
    surveys, shopper = os.path.join(folder, "surveys.csv"), os.path.join(folder, "shopper.csv")
    if os.path.exists(surveys):
        copy("surveys.csv", surveys, keep_ids=ids)
    if os.path.exists(shopper):
        copy("shopper.csv", shopper, first=max(1, round(lines_in(shopper) * share)))
    return out


def nights(binary, work, early, late, extras, day, n_rounds, with_steps):
    """Builds a lake from `early` (and the surveys and shopper notes in `extras`), then runs
    the night `n_rounds` times from it. Returns each round's times (ingest, maintain,
    incremental score, full score), the steps logged, and the two lakes to compare."""
    lake = os.path.join(work, "lake")
    shutil.rmtree(lake, ignore_errors=True)
    night = f"{day}T23:59:00-05:00"
    t, _ = run(binary, lake, "ingest", "interactions", early)
    print(f"ingest before the day: {t:.1f} s", flush=True)
    for kind in ("surveys", "shopper"):
        path = os.path.join(extras, f"{kind}.csv")
        if os.path.exists(path):
            run(binary, lake, "ingest", kind, path)
    # The steady state of a nightly lake: every month already compacted.
    t, _ = run(binary, lake, "maintain")
    print(f"first maintain (compacts every month): {t:.1f} s", flush=True)
    t, _ = run(binary, lake, "score", "--full", "--as-of", f"{day}T06:00:00-05:00")
    print(f"first full score: {t:.1f} s", flush=True)
    # The lake as it stands before the night, kept to start every round from it.
    before = os.path.join(work, "lake-before")
    shutil.rmtree(before, ignore_errors=True)
    shutil.copytree(lake, before)
    full_lake = os.path.join(work, "lake-full")
    rounds = []
    steps = []
    for r in range(max(1, n_rounds)):
        if r:
            shutil.rmtree(lake)
            shutil.copytree(before, lake)
        # The shipped nightly pipeline: ingest, maintain, score.
        t_ingest, _ = run(binary, lake, "ingest", "interactions", late)
        t_maintain, _ = run(binary, lake, "maintain")
        logged = [] if with_steps else None
        t_incremental, out = run(binary, lake, "score", "--as-of", night, steps=logged)
        if logged is not None:
            steps.append(logged)
        decision = next((l for l in out.splitlines() if l.startswith(("Incremental", "Full run"))), "")
        shutil.rmtree(full_lake, ignore_errors=True)
        shutil.copytree(lake, full_lake)
        t_full, _ = run(binary, full_lake, "score", "--full", "--as-of", night)
        nightly = t_ingest + t_maintain + t_incremental
        rounds.append((t_ingest, t_maintain, t_incremental, t_full))
        print(f"round {r + 1}: ingest of the day {t_ingest:.2f} s, maintain {t_maintain:.2f} s, "
              f"incremental score {t_incremental:.2f} s ({decision}); full score, same as-of, "
              f"{t_full:.2f} s; incremental / full = {t_incremental / t_full:.3f}; "
              f"(ingest + maintain + incremental) / full = {nightly / t_full:.3f}", flush=True)
    return rounds, steps, lake, full_lake


def steps_and_tables(steps, lake, full_lake):
    """Prints where the nights' scores spent their time (with `--steps`) and whether the last
    night's tables equal the full run's; returns the difference, None when equal."""
    if steps:
        print_steps(steps)
    diff = same_tables(lake, full_lake)
    print("tables identical" if diff is None else f"TABLES DIFFER: {diff}")
    return diff


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--binary", required=True)
    p.add_argument("--interactions", required=True)
    p.add_argument("--day", required=True, help="the day that arrives at night, YYYY-MM-DD")
    p.add_argument("--work", help="folder for the split files and lakes (default: a temporary one)")
    p.add_argument("--rounds", type=int, default=1,
                   help="run the night this many times, each from the same lake, and report the "
                        "median ratios (the machines here are shared)")
    p.add_argument("--steps", action="store_true",
                   help="run the incremental scores with the debug log and print where their "
                        "time goes: when each step ends (the log itself costs no measurable time)")
    p.add_argument("--floor", type=int, metavar="N",
                   help="then run the same night, as many rounds, on a lake holding only the "
                        "first N rows before the day (and their survey responses): what the "
                        "night costs when almost nothing is old, against the big lake's full "
                        "score")
    args = p.parse_args()
    binary = os.path.abspath(args.binary)
    work = args.work or tempfile.mkdtemp(prefix="momentos-nightly-")
    os.makedirs(work, exist_ok=True)
    early, late = os.path.join(work, "early.csv"), os.path.join(work, "day.csv")
    if not (os.path.exists(early) and os.path.exists(late)):
        print(f"splitting {args.interactions} at {args.day} …", flush=True)
        split(args.interactions, args.day, early, late)
    folder = os.path.dirname(os.path.abspath(args.interactions))
    rounds, steps, lake, full_lake = nights(
        binary, work, early, late, folder, args.day, args.rounds, args.steps
    )
    median = lambda xs: statistics.median_high(list(xs))  # noqa: E731
    if len(rounds) > 1:
        print(f"median of {len(rounds)} rounds: incremental / full = "
              f"{median(r[2] / r[3] for r in rounds):.3f}; (ingest + maintain + incremental) / "
              f"full = {median(sum(r[:3]) / r[3] for r in rounds):.3f}")
    diff = steps_and_tables(steps, lake, full_lake)
    if args.floor and diff is None:
        print(f"the same night on a lake of the first {args.floor} rows before the day:", flush=True)
        small = os.path.join(work, "floor")
        extras = sample_history(early, late, args.floor, folder, small)
        small_rounds, small_steps, lake, full_lake = nights(
            binary, small, os.path.join(small, "early.csv"), late, extras, args.day,
            args.rounds, args.steps,
        )
        full = median(r[3] for r in rounds)
        print(f"floor, median of {len(small_rounds)} round(s): ingest of the day "
              f"{median(r[0] for r in small_rounds):.2f} s, maintain "
              f"{median(r[1] for r in small_rounds):.2f} s, incremental score "
              f"{median(r[2] for r in small_rounds):.2f} s; (ingest + maintain + incremental) = "
              f"{median(sum(r[:3]) for r in small_rounds) / full:.3f} of the big lake's full "
              f"score ({full:.2f} s, median); its incremental score alone "
              f"{median(r[2] for r in small_rounds) / full:.3f}")
        diff = steps_and_tables(small_steps, lake, full_lake)
    return 0 if diff is None else 1


if __name__ == "__main__":
    sys.exit(main())
