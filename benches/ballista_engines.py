#!/usr/bin/env python3
"""Benchmark: `momentos score` embedded, on a standalone Ballista cluster, and on a scheduler
and two executors on loopback; checks that the three give the same tables.

One lake (a folder) holds the ingested demo data (`momentos demo --no-ingest`, then ingest;
neither timed). It is copied three times; each copy is scored in full with one engine at
the same as-of instant:
  * embedded:    `momentos score --full`
  * standalone:  `momentos --engine standalone score --full` (scheduler + one executor
                 inside the momentos process, started by the run: part of the time)
  * cluster:     `momentos --engine df://127.0.0.1:PORT score --full`, with
                 `momentos-ballista scheduler` and two `momentos-ballista executor`s
                 (--tasks = cores / 2 each) started before the timed runs. A remote
                 engine cannot read the client's not-yet-committed files, so the views
                 after interaction_facts compute the facts again (README, "Ballista").
Time is wall time of each `momentos` process; peak memory its maximum RSS (the cluster's
processes are not counted). Then every derived table of the three lakes is read back
(embedded `sql`, sorted CSV) and compared row for row; exit status 1 on any difference.

Usage (from the crate root):
    cargo build --profile quick --features ballista      # or --release
    python3 benches/ballista_engines.py --rows 1000000 --binary-dir target/quick
    python3 benches/ballista_engines.py --rows 60000 --binary-dir target/debug --rounds 1
"""

import argparse
import hashlib
import os
import pathlib
import shutil
import socket
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benches"))
from ingest_vs_duckdb import measured  # noqa: E402

AS_OF = "2026-12-15T12:00:00-05:00"
DERIVED = ["interaction_facts", "scores", "scores_by_stakeholder", "survey_kpis", "protocol"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port, timeout=30):
    start = time.time()
    while time.time() - start < timeout:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    sys.exit(f"nothing listens on {port}")


def table_digest(momentos, lake, table, env):
    out = subprocess.run(
        [momentos, "--lake", lake, "sql", "--format", "csv", "--max-rows", "1000000000",
         f"select * from {table}"],
        capture_output=True, text=True, env=env, check=True).stdout
    lines = out.splitlines()
    rows = sorted(lines[1:])
    return len(rows), hashlib.sha256("\n".join([lines[0]] + rows).encode()).hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=60_000, help="interactions of the demo data")
    ap.add_argument("--workdir", type=pathlib.Path, default=pathlib.Path("/tmp/momentos-ballista-bench"))
    ap.add_argument("--binary-dir", type=pathlib.Path, default=ROOT / "target" / "release",
                    help="folder holding momentos and momentos-ballista")
    ap.add_argument("--rounds", type=int, default=3, help="runs of each engine (the best and all are reported)")
    args = ap.parse_args()

    momentos = str(args.binary_dir / "momentos")
    ballista = str(args.binary_dir / "momentos-ballista")
    env = dict(os.environ)
    env.setdefault("MOMENTOS_PSEUDONYM_KEY", "0123456789abcdef0123456789abcdef")
    env["MOMENTOS_LANG"] = "en"
    work = args.workdir
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    base = str(work / "lake")
    subprocess.run([momentos, "--lake", base, "demo", "--no-ingest", "--inbox", str(work / "inbox"),
                    "--interactions", str(args.rows)], env=env, check=True, capture_output=True)
    for kind in ["interactions", "surveys", "shopper"]:
        p = subprocess.run([momentos, "--lake", base, "ingest", kind, str(work / "inbox" / f"{kind}.csv")],
                           env=env, capture_output=True, text=True)
        if p.returncode not in (0, 3):
            sys.exit(p.stderr)

    cores = os.cpu_count() or 2
    scheduler = free_port()
    procs = [subprocess.Popen([ballista, "scheduler", "--bind", f"127.0.0.1:{scheduler}"],
                              stdout=subprocess.DEVNULL, stderr=open(work / "scheduler.log", "w"), env=env)]
    wait_listening(scheduler)
    for i in range(2):
        port, grpc = free_port(), free_port()
        procs.append(subprocess.Popen(
            [ballista, "executor", "--scheduler", f"127.0.0.1:{scheduler}", "--port", str(port),
             "--grpc-port", str(grpc), "--tasks", str(max(1, cores // 2))],
            stdout=subprocess.DEVNULL, stderr=open(work / f"executor-{i}.log", "w"), env=env))
        wait_listening(port)

    engines = {"embedded": "embedded", "standalone": "standalone",
               "cluster": f"df://127.0.0.1:{scheduler}"}
    times = {name: [] for name in engines}
    try:
        for r in range(args.rounds):
            for name, engine in engines.items():
                lake = str(work / f"lake-{name}")
                shutil.rmtree(lake, ignore_errors=True)
                shutil.copytree(base, lake)
                secs, rss, _ = measured([momentos, "--lake", lake, "--engine", engine,
                                         "score", "--full", "--as-of", AS_OF], env=env)
                times[name].append((secs, rss))
                print(f"round {r + 1} {name:10} {secs:7.2f} s  {rss:7.0f} MiB", flush=True)
    finally:
        for p in procs:
            p.terminate()
            p.wait()

    print(f"\n{args.rows} interactions, {cores} cores, best of {args.rounds}:")
    for name, runs in times.items():
        best = min(runs)
        print(f"  {name:10} {best[0]:7.2f} s  {best[1]:7.0f} MiB   all: "
              + ", ".join(f"{s:.2f}" for s, _ in runs))

    same = True
    for table in DERIVED:
        digests = {name: table_digest(momentos, str(work / f"lake-{name}"), table, env) for name in engines}
        rows = {d[0] for d in digests.values()}
        equal = len({d[1] for d in digests.values()}) == 1
        same &= equal
        print(f"  {table:22} rows {sorted(rows)}  {'identical' if equal else 'DIFFERENT: ' + str(digests)}")
    sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()
