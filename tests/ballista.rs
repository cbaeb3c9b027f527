//! `score` and `sql` on Apache DataFusion Ballista (issue 17, DESIGN §8): on the in-process
//! `standalone` cluster over a folder lake, and on a scheduler and two executors
//! (`momentos-ballista`, child processes on 127.0.0.1 ports) over a lake on moto's S3. Each
//! derived table must hold exactly the rows the embedded engine computes (every column,
//! compared as sorted CSV), and queries must answer the same.
//!
//! Only with `--features ballista`; the S3 half needs Python's `moto[server]` (skipped
//! without it unless `MOMENTOS_REQUIRE_S3=1`).

#![cfg(feature = "ballista")]

mod util;

use std::process::{Child, Command, Output, Stdio};
use std::time::Instant;

use util::s3::*;
use util::*;

/// Interactions of the demo data: every table gets rows in every period, in seconds.
const INTERACTIONS: u32 = 2_000;
/// One instant for every run: "not yet due" judged alike.
const AS_OF: &str = "2026-12-15T12:00:00-05:00";
const QUERIES: [&str; 3] = [
    "select unit, channel, count(*) n, sum(case when within_sla then 1 else 0 end) ok \
     from interaction_facts group by 1, 2 order by 1, 2",
    "select substr(cast(local_date as varchar), 1, 7) m, count(*), count(distinct interaction_id) \
     from interactions group by 1 order by 1",
    "select period, unit, channel, attribute, score, p_value, status from scores \
     where status <> 'insufficient_data' order by 1, 2, 3, 4",
];

/// The rows of a CSV output, header first, the rest sorted.
fn sorted_csv(out: &Output) -> Vec<String> {
    ok(out);
    let text = stdout(out);
    let mut lines = text.lines().map(str::to_string);
    let header = lines.next().unwrap_or_default();
    let mut rows: Vec<String> = lines.collect();
    rows.sort();
    std::iter::once(header).chain(rows).collect()
}

/// Compares every derived table of two lakes, read by `read(lake, sql)`.
fn same_tables(read: impl Fn(&str, &str) -> Output, embedded: &str, cluster: &str) {
    for table in momentos::score::DERIVED_TABLES.iter().map(|t| t.name) {
        let q = format!("select * from {table}");
        let a = sorted_csv(&read(embedded, &q));
        let b = sorted_csv(&read(cluster, &q));
        assert!(a.len() > 1, "{table} is empty");
        assert_eq!(a.len(), b.len(), "{table}: row counts differ");
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(x, y, "{table}: rows differ");
        }
    }
}

/// Every file under a folder (none when it does not exist).
fn files_under(dir: &std::path::Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path.display().to_string());
        }
    }
    out
}

fn sql_args(q: &str) -> Vec<&str> {
    vec!["sql", "--format", "csv", "--max-rows", "1000000", q]
}

#[test]
fn standalone_scores_and_queries_like_the_embedded_engine() {
    let started = Instant::now();
    let f = Fixture::new();
    f.demo_exports(INTERACTIONS);
    let lakes = [f.lake(), f.path("lake-standalone")];
    for lake in &lakes {
        for kind in ["interactions", "surveys", "shopper"] {
            let file = f.path(&format!("exports/{kind}.csv"));
            ok(&f
                .cmd_on(lake)
                .args(["ingest", kind])
                .arg(&file)
                .output()
                .unwrap());
        }
    }
    let run = |lake: &std::path::Path, engine: &str, args: &[&str]| {
        f.cmd_on(lake)
            .args(["--engine", engine])
            .args(args)
            .output()
            .unwrap()
    };
    ok(&run(
        &lakes[0],
        "embedded",
        &["score", "--full", "--as-of", AS_OF],
    ));
    ok(&run(
        &lakes[1],
        "standalone",
        &["score", "--full", "--as-of", AS_OF],
    ));
    // The cached views went to the run's scratch folder of the lake, which is gone.
    assert_eq!(
        files_under(&lakes[1].join("_staging")),
        Vec::<String>::new()
    );
    let read = |lake: &str, q: &str| run(std::path::Path::new(lake), "embedded", &sql_args(q));
    same_tables(read, lakes[0].to_str().unwrap(), lakes[1].to_str().unwrap());
    for q in QUERIES {
        assert_eq!(
            sorted_csv(&run(&lakes[0], "embedded", &sql_args(q))),
            sorted_csv(&run(&lakes[0], "standalone", &sql_args(q))),
            "{q}"
        );
    }
    eprintln!("standalone: {:?}", started.elapsed());
}

/// Child processes killed when dropped.
struct Processes(Vec<Child>);

impl Drop for Processes {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// A scheduler and two executors of `momentos-ballista` on loopback ports, with the S3
/// variables of moto on `s3_port`; returns them and the scheduler's port.
fn start_cluster(f: &Fixture, s3_port: u16) -> (Processes, u16) {
    let mut procs = Processes(Vec::new());
    let scheduler = free_port();
    let bin = env!("CARGO_BIN_EXE_momentos-ballista");
    let log = |name: &str| std::fs::File::create(f.path(name)).unwrap();
    procs.0.push(
        Command::new(bin)
            .args(["scheduler", "--bind", &format!("127.0.0.1:{scheduler}")])
            .stdout(Stdio::null())
            .stderr(log("scheduler.log"))
            .spawn()
            .unwrap(),
    );
    wait_listening(scheduler, "the scheduler");
    let mut flights = Vec::new();
    for i in 0..2 {
        let (port, grpc) = (free_port(), free_port());
        let work = f.path(&format!("executor-{i}"));
        std::fs::create_dir_all(&work).unwrap();
        let mut c = Command::new(bin);
        c.args(["executor", "--scheduler", &format!("127.0.0.1:{scheduler}")])
            .args([
                "--port",
                &port.to_string(),
                "--grpc-port",
                &grpc.to_string(),
            ])
            .args(["--tasks", "2", "--work-dir", work.to_str().unwrap()])
            .stdout(Stdio::null())
            .stderr(log(&format!("executor-{i}.log")));
        with_s3_env(&mut c, s3_port);
        procs.0.push(c.spawn().unwrap());
        flights.push(port);
    }
    for port in flights {
        wait_listening(port, "an executor");
    }
    (procs, scheduler)
}

#[test]
fn a_scheduler_and_two_executors_score_a_lake_on_s3_like_the_embedded_engine() {
    let Some(moto) = start_moto() else {
        return;
    };
    let started = Instant::now();
    let f = Fixture::new();
    f.demo_exports(INTERACTIONS);
    let (embedded, cluster) = ("s3://lake/embedded", "s3://lake/cluster");
    for lake in [embedded, cluster] {
        for kind in ["interactions", "surveys", "shopper"] {
            let file = format!("exports/{kind}.csv");
            ok(&on_s3(&f, lake, moto.port, &["ingest", kind, &file]));
        }
    }
    let (_cluster_processes, scheduler) = start_cluster(&f, moto.port);
    let engine = format!("df://127.0.0.1:{scheduler}");
    let score = ["score", "--full", "--as-of", AS_OF];
    ok(&on_s3(&f, embedded, moto.port, &score));
    let on_cluster = |lake: &str, args: &[&str]| {
        s3_command(&f, lake, moto.port)
            .args(["--engine", &engine])
            .args(args)
            .output()
            .unwrap()
    };
    let out = on_cluster(cluster, &score);
    ok(&out);
    let read = |lake: &str, q: &str| on_s3(&f, lake, moto.port, &sql_args(q));
    same_tables(read, embedded, cluster);
    for q in QUERIES {
        assert_eq!(
            sorted_csv(&on_s3(&f, embedded, moto.port, &sql_args(q))),
            sorted_csv(&on_cluster(embedded, &sql_args(q))),
            "{q}"
        );
    }
    // Both executors did some of the work.
    for i in 0..2 {
        let log = std::fs::read_to_string(f.path(&format!("executor-{i}.log"))).unwrap();
        assert!(
            log.contains("Execute task"),
            "executor {i} ran no task:\n{log}"
        );
    }
    eprintln!("scheduler + 2 executors on S3: {:?}", started.elapsed());
}

#[test]
fn a_scheduler_that_does_not_answer_is_named_at_once() {
    let f = Fixture::new();
    let engine = format!("df://127.0.0.1:{}", free_port());
    let started = Instant::now();
    let out = f.run(&["--lang", "en", "--engine", &engine, "score"]);
    assert_ne!(out.status.code(), Some(0));
    assert!(
        stderr(&out).contains(&format!("no Ballista scheduler answers at {engine}")),
        "{}",
        stderr(&out)
    );
    assert!(started.elapsed().as_secs() < 20, "{:?}", started.elapsed());
}

#[test]
fn an_unknown_engine_is_refused() {
    let f = Fixture::new();
    let out = f.run(&["--engine", "df://", "sql", "select 1"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("df://host:puerto"),
        "{}",
        stderr(&out)
    );
}
