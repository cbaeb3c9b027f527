//! `momentos serve` with real PostgreSQL clients on loopback: `psql` (Debian's
//! postgresql-client) and Python's `psycopg`. Results equal `momentos sql`'s; a `unit`
//! login sees only its units' rows whatever SQL it sends; writes, COPY, file reads and SET
//! are refused for everyone; a wrong password never connects; 50 connections at once.
//!
//! Skipped without `psql` / `psycopg`, unless `MOMENTOS_REQUIRE_PSQL=1` /
//! `MOMENTOS_REQUIRE_PSYCOPG=1` (as CI sets) turn their absence into a failure.

mod util;

use std::collections::BTreeSet;
use std::io::Read;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use momentos::demo::{self, DemoOptions};
use util::*;

const ANALYST_PASSWORD: &str = "clave del analista ñ";
const UNIT_PASSWORD: &str = "clave-de-la-unidad";

fn have_psql() -> bool {
    let ok = Command::new("psql")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("MOMENTOS_REQUIRE_PSQL").is_none(),
            "psql is required (MOMENTOS_REQUIRE_PSQL is set): apt-get install postgresql-client"
        );
        eprintln!("skipped: psql is not installed");
    }
    ok
}

fn have_psycopg() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import psycopg"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("MOMENTOS_REQUIRE_PSYCOPG").is_none(),
            "psycopg is required (MOMENTOS_REQUIRE_PSYCOPG is set): pip install 'psycopg[binary]'"
        );
        eprintln!("skipped: Python's psycopg is not installed");
    }
    ok
}

/// A lake with two months of demo data (with defects, so quarantine has rows), scored.
fn scored_lake(interactions: u64) -> Fixture {
    let f = Fixture::new();
    let opts = DemoOptions {
        seed: 18,
        start: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        months: 2,
        interactions,
        with_defects: true,
    };
    let files = demo::generate(&f.path("inbox"), &opts).unwrap();
    for (kind, file) in [
        ("interactions", &files.interactions),
        ("surveys", &files.surveys),
        ("shopper", &files.shopper),
    ] {
        let out = f.ingest(kind, file);
        assert!(
            out.status.code().is_some_and(|c| c == 0 || c == 3),
            "{}",
            stderr(&out)
        );
    }
    let out = f.run(&["score"]);
    assert!(out.status.success(), "{}", stderr(&out));
    f
}

/// The two units with most interactions.
fn busiest_units(f: &Fixture) -> Vec<String> {
    f.sql_csv("select unit from interactions group by unit order by count(*) desc, unit limit 2")
}

/// Writes a users file: `ana` (analyst) and `jefe` (unit, `units`), their verifiers made
/// by `momentos serve --hash-password`.
fn users_file(f: &Fixture, units: &[String]) -> std::path::PathBuf {
    let hash = |password: &str| {
        let mut child = f
            .cmd()
            .args(["serve", "--hash-password"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success());
        let v = stdout(&out).trim().to_string();
        assert!(v.starts_with("SCRAM-SHA-256$4096:"), "{v}");
        assert!(!v.contains(password));
        v
    };
    let units: Vec<String> = units.iter().map(|u| format!("\"{u}\"")).collect();
    f.write(
        "users.toml",
        format!(
            "[[user]]\nname = \"ana\"\nrole = \"analyst\"\npassword = \"{}\"\n\n\
             [[user]]\nname = \"jefe\"\nrole = \"unit\"\nunits = [{}]\npassword = \"{}\"\n",
            hash(ANALYST_PASSWORD),
            units.join(", "),
            hash(UNIT_PASSWORD)
        ),
    )
}

/// A running `momentos serve` on a free loopback port; killed when dropped.
struct Server {
    child: Child,
    port: u16,
    log: std::path::PathBuf,
}

impl Server {
    fn start(f: &Fixture, args: &[&str]) -> Server {
        let log = f.path(&format!("serve-{}.log", rand_suffix()));
        let child = f
            .cmd()
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(args)
            .env("MOMENTOS_LOG", "info")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let mut server = Server {
            child,
            port: 0,
            log,
        };
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(60) {
            let text = server.log_text();
            if let Some(port) = text
                .split("127.0.0.1:")
                .nth(1)
                .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
                .and_then(|p| p.parse().ok())
            {
                server.port = port;
                return server;
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("serve exited with {status}: {text}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("serve did not start: {}", server.log_text());
    }

    fn log_text(&self) -> String {
        let mut s = String::new();
        if let Ok(mut file) = std::fs::File::open(&self.log) {
            let _ = file.read_to_string(&mut s);
        }
        s
    }

    fn conninfo(&self, user: &str) -> String {
        format!(
            "host=127.0.0.1 port={} user={user} dbname=momentos sslmode=disable connect_timeout=30",
            self.port
        )
    }

    /// `psql -X -w` as `user` with `password`, plus `args`.
    fn psql(&self, user: &str, password: &str, args: &[&str]) -> Output {
        Command::new("psql")
            .arg(self.conninfo(user))
            .args(["-X", "-w", "-v", "ON_ERROR_STOP=0"])
            .args(args)
            .env("PGPASSWORD", password)
            .env("PGAPPNAME", "momentos-test")
            .output()
            .unwrap()
    }

    /// One statement's unaligned rows (`-At`), failing the test on an error.
    fn rows(&self, user: &str, password: &str, sql: &str) -> Vec<String> {
        let out = self.psql(user, password, &["-At", "-c", sql]);
        assert!(
            out.status.success() && !stderr(&out).contains("ERROR"),
            "{sql}: {}",
            stderr(&out)
        );
        stdout(&out).lines().map(str::to_string).collect()
    }

    fn peak_rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

/// `momentos sql --format csv` output lines, header included.
fn sql_csv_with_header(f: &Fixture, query: &str) -> Vec<String> {
    let out = f.run(&["sql", "--format", "csv", query]);
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out).lines().map(str::to_string).collect()
}

#[test]
fn psql_lists_tables_and_reads_scores_as_momentos_sql_does() {
    if !have_psql() {
        return;
    }
    let f = scored_lake(1500);
    let users = users_file(&f, &busiest_units(&f));
    let server = Server::start(&f, &["--users", users.to_str().unwrap()]);

    let listing = server.psql("ana", ANALYST_PASSWORD, &["-c", "\\d"]);
    assert!(listing.status.success(), "{}", stderr(&listing));
    let text = stdout(&listing);
    for table in [
        "scores",
        "interaction_facts",
        "interactions",
        "quarantine",
        "observations",
    ] {
        assert!(
            text.lines()
                .any(|l| l.split('|').nth(1).is_some_and(|n| n.trim() == table)),
            "\\d lacks {table}:\n{text}"
        );
    }
    let described = server.psql("ana", ANALYST_PASSWORD, &["-c", "\\d scores"]);
    assert!(described.status.success(), "{}", stderr(&described));
    for column in ["period", "unit", "score", "lower", "upper", "status"] {
        assert!(
            stdout(&described).contains(column),
            "{}",
            stdout(&described)
        );
    }

    let query =
        "select period, unit, channel, attribute, cast(round(score, 6) as varchar) as score, \
                 n_total, status from scores order by period, unit, channel, attribute";
    let out = server.psql("ana", ANALYST_PASSWORD, &["--csv", "-c", query]);
    assert!(out.status.success(), "{}", stderr(&out));
    let via_psql: Vec<String> = stdout(&out).lines().map(str::to_string).collect();
    let via_sql = sql_csv_with_header(&f, query);
    assert!(via_sql.len() > 10, "scores has rows: {}", via_sql.len());
    assert_eq!(via_psql, via_sql);
}

#[test]
fn psycopg_reads_interaction_facts_with_parameters_as_momentos_sql_does() {
    if !have_psycopg() {
        return;
    }
    let f = scored_lake(1500);
    let units = busiest_units(&f);
    let users = users_file(&f, &units);
    let server = Server::start(&f, &["--users", users.to_str().unwrap()]);
    let select =
        "select interaction_id, unit, channel, cast(within_sla as varchar) as within_sla, \
                  cast(first_response_seconds as varchar) as first_response_seconds, \
                  cast(local_date as varchar) as local_date from interaction_facts";
    let order = "order by interaction_id";
    let script = f.write(
        "read.py",
        format!(
            r#"
import csv, sys, psycopg
port, unit, password = sys.argv[1], sys.argv[2], sys.argv[3]
conn = psycopg.connect(host="127.0.0.1", port=port, user="ana", password=password, dbname="momentos", sslmode="disable")
w = csv.writer(sys.stdout, lineterminator="\n")
with conn.cursor() as cur:
    cur.execute("{select} where unit = %s and first_response_seconds >= %s {order}", (unit, 30))
    w.writerow([d.name for d in cur.description])
    for row in cur.fetchall():
        w.writerow(["" if v is None else v for v in row])
conn.close()
"#
        ),
    );
    let out = Command::new("python3")
        .arg(&script)
        .arg(server.port.to_string())
        .arg(&units[0])
        .arg(ANALYST_PASSWORD)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let via_psycopg: Vec<String> = stdout(&out).lines().map(str::to_string).collect();
    let via_sql = sql_csv_with_header(
        &f,
        &format!(
            "{select} where unit = '{}' and first_response_seconds >= 30 {order}",
            units[0]
        ),
    );
    assert!(via_sql.len() > 20, "{}", via_sql.len());
    assert_eq!(via_psycopg, via_sql);

    // A client's cancel request (psql's Ctrl-C) stops a running statement; the connection
    // goes on.
    let cancel = f.write(
        "cancel.py",
        r#"
import sys, threading, time, psycopg
port, password = sys.argv[1], sys.argv[2]
conn = psycopg.connect(host="127.0.0.1", port=port, user="ana", password=password, dbname="momentos", sslmode="disable", autocommit=True)
threading.Timer(1.0, conn.cancel_safe).start()
started = time.monotonic()
try:
    conn.execute("select count(*) from interactions a cross join interactions b cross join interactions c where a.notes <> b.notes or c.topic <> a.topic").fetchall()
    print("not cancelled")
except psycopg.errors.QueryCanceled as e:
    print(f"cancelled after {time.monotonic() - started:.1f} s: {e}")
print(conn.execute("select 6 * 7").fetchone()[0])
"#,
    );
    let out = Command::new("python3")
        .arg(&cancel)
        .arg(server.port.to_string())
        .arg(ANALYST_PASSWORD)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("cancelled after") && text.contains("user request"),
        "{text}"
    );
    assert_eq!(text.lines().last(), Some("42"), "{text}");
    let seconds: f64 = text
        .split("cancelled after ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!(seconds < 20.0, "{text}");
}

#[test]
fn a_unit_login_sees_only_its_units_and_nobody_writes() {
    if !have_psql() {
        return;
    }
    let f = scored_lake(1500);
    let units = busiest_units(&f);
    let mine = vec![units[0].clone()];
    let other = &units[1];
    let users = users_file(&f, &mine);
    let server = Server::start(&f, &["--users", users.to_str().unwrap()]);
    let jefe = |sql: &str| server.rows("jefe", UNIT_PASSWORD, sql);
    let mine_set: BTreeSet<String> = mine.iter().cloned().collect();
    let only_mine = |rows: Vec<String>, sql: &str| {
        let seen: BTreeSet<String> = rows.into_iter().filter(|r| !r.is_empty()).collect();
        assert_eq!(seen, mine_set, "{sql}");
    };
    let within_mine = |rows: Vec<String>, sql: &str| {
        let seen: BTreeSet<String> = rows.into_iter().filter(|r| !r.is_empty()).collect();
        assert!(seen.is_subset(&mine_set), "{sql}: {seen:?}");
    };

    // Every table and view with units: the rows the analyst sees for these units, no other.
    for table in [
        "interactions",
        "surveys",
        "shopper",
        "interaction_facts",
        "scores",
        "scores_by_stakeholder",
        "survey_kpis",
        "protocol",
        "observations",
        "stg_interactions",
        "cell_scores",
        "unit_sla",
    ] {
        let sql = format!("select distinct unit from {table}");
        only_mine(jefe(&sql), &sql);
        let n = jefe(&format!("select count(*) from {table}"));
        let expected = f.sql_csv(&format!(
            "select count(*) from {table} where unit = '{}'",
            mine[0]
        ));
        assert_eq!(n, expected, "{table}");
    }
    assert!(
        f.count(&format!(
            "select count(*) from interactions where unit = '{other}'"
        )) > 0
    );

    // Whatever SQL: joins, subqueries, UNION, qualified names, filters that ask for others.
    for sql in [
        "select distinct i.unit from interactions i join interaction_facts f on f.interaction_id = i.interaction_id".to_string(),
        "select distinct s.unit from scores s join surveys v on v.unit = s.unit".to_string(),
        "select unit from interactions union select unit from surveys union select unit from shopper".to_string(),
        "select distinct unit from (select unit from observations union all select unit from cell_sources) x".to_string(),
        "select distinct unit from datafusion.public.interactions".to_string(),
        format!("select distinct unit from interactions where unit in (select unit from scores) or unit = '{other}'"),
        "with x as (select * from stg_surveys) select distinct unit from x".to_string(),
    ] {
        only_mine(jefe(&sql), &sql);
    }
    for sql in [
        "select distinct v.unit from scores s join surveys v on v.unit <> s.unit",
        "select distinct unit from scores where exists (select 1 from interactions i where i.unit <> scores.unit)",
        "select distinct unit from alerts union all select unit from plans union all select unit from deliveries",
        "select distinct unit from open_escalations union all select unit from critical_failures",
    ] {
        within_mine(jefe(sql), sql);
    }
    for sql in [
        format!("select count(*) from interactions where unit = '{other}'"),
        format!("select count(*) from scores where unit = '{other}'"),
        format!("select count(*) from (select * from interaction_facts) t where t.unit = '{other}'"),
        "select count(*) from information_schema.tables where table_name in ('quarantine', 'runs', 'audit', 'followups')".to_string(),
        "select count(*) from information_schema.columns where table_name = 'quarantine'".to_string(),
        "select count(*) from pg_catalog.pg_class where relname = 'quarantine'".to_string(),
    ] {
        assert_eq!(jefe(&sql), vec!["0".to_string()], "{sql}");
    }
    // The totals of an aggregate view without unit are the unit's own records.
    let coverage = jefe("select sum(n_records) from source_coverage where source = 'interactions'");
    let own = f.sql_csv(&format!(
        "select count(*) from stg_interactions where unit = '{}'",
        mine[0]
    ));
    assert_eq!(coverage, own);
    // Quarantine's raw values are for analysts only.
    assert!(f.count("select count(*) from quarantine") > 0);
    let q = server.psql(
        "jefe",
        UNIT_PASSWORD,
        &["-At", "-c", "select count(*) from quarantine"],
    );
    assert!(stderr(&q).contains("ERROR"), "{}", stdout(&q));
    assert!(server.rows("ana", ANALYST_PASSWORD, "select count(*) from quarantine")[0] != "0");

    // Writes, COPY, SET and file reads: refused for both roles, in one session each.
    let forbidden = [
        "insert into scores (unit) values ('x')",
        "update scores set score = 0",
        "delete from interactions",
        "create table t as select 1",
        "create view v as select * from interactions",
        "drop table scores",
        "copy scores to '/tmp/momentos-serve-copy.csv'",
        "set time zone 'UTC'",
        "set datafusion.execution.batch_size = 1",
        "set statement_timeout = 0",
        "select * from read_parquet('/etc/passwd')",
        "select * from read_csv('/etc/passwd')",
        "select * from '/etc/passwd'",
        "create external table t stored as csv location '/etc/passwd'",
        "with x as (select 1) insert into scores (unit) select 'x' from x",
        "select * into copied from interactions",
    ];
    for (user, password) in [("ana", ANALYST_PASSWORD), ("jefe", UNIT_PASSWORD)] {
        let mut args = vec!["-At"];
        for sql in &forbidden {
            args.extend(["-c", sql]);
        }
        // Harmless driver SETs are answered, and change nothing.
        args.extend([
            "-c",
            "set extra_float_digits = 3",
            "-c",
            "set session characteristics as transaction read only",
            "-c",
            "select 41 + 1",
        ]);
        let out = server.psql(user, password, &args);
        let errors = stderr(&out).matches("ERROR:").count();
        assert_eq!(errors, forbidden.len(), "{user}: {}", stderr(&out));
        assert_eq!(
            stdout(&out).lines().collect::<Vec<_>>(),
            ["SET", "SET", "42"],
            "{user}"
        );
    }
    assert!(!std::path::Path::new("/tmp/momentos-serve-copy.csv").exists());
    assert!(
        server.rows(
            "ana",
            ANALYST_PASSWORD,
            "select count(*) from information_schema.tables where table_name in ('t', 'v', 'copied')"
        ) == ["0"]
    );

    // Wrong passwords and unknown users never connect; the failures are logged without
    // the password, and each one slows the next answer down.
    for (user, password) in [
        ("jefe", "clave"),
        ("ana", UNIT_PASSWORD),
        ("nadie", "x"),
        ("jefe", "clave de la unidad"),
    ] {
        let out = server.psql(user, password, &["-At", "-c", "select 1"]);
        assert!(
            !out.status.success(),
            "{user} connected with a wrong password"
        );
        assert!(
            stderr(&out).contains("password authentication failed"),
            "{}",
            stderr(&out)
        );
    }
    let started = Instant::now();
    let out = server.psql("jefe", "otra", &["-At", "-c", "select 1"]);
    assert!(!out.status.success());
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
    let log = server.log_text();
    assert!(log.matches("Failed login").count() >= 5, "{log}");
    assert!(
        log.contains("user=\"jefe\"") && log.contains("(unknown login)"),
        "{log}"
    );
    for secret in [UNIT_PASSWORD, ANALYST_PASSWORD, "otra", "nadie"] {
        assert!(!log.contains(secret), "the log shows `{secret}`: {log}");
    }
}

#[test]
fn new_connections_see_new_data_without_a_restart() {
    if !have_psql() {
        return;
    }
    let f = Fixture::new();
    let opts = DemoOptions {
        seed: 7,
        start: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        months: 1,
        interactions: 600,
        with_defects: false,
    };
    let files = demo::generate(&f.path("inbox"), &opts).unwrap();
    f.write(
        "interactions.csv",
        std::fs::read(&files.interactions).unwrap(),
    );
    let parts = f.split_csv("interactions.csv", 2);
    assert!(f.ingest("interactions", &parts[0]).status.success());
    let server = Server::start(&f, &["--no-auth"]);
    let before = server.rows("cualquiera", "", "select count(*) from interactions");
    assert_eq!(before, f.sql_csv("select count(*) from interactions"));
    assert!(f.ingest("interactions", &parts[1]).status.success());
    let out = f.run(&["score"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let after = server.rows("cualquiera", "", "select count(*) from interactions");
    assert_eq!(after, f.sql_csv("select count(*) from interactions"));
    assert!(after[0].parse::<u64>().unwrap() > before[0].parse::<u64>().unwrap());
    let scores = server.rows("cualquiera", "", "select count(*) from scores");
    assert_eq!(scores, f.sql_csv("select count(*) from scores"));
}

#[test]
fn it_does_not_start_open_to_the_network() {
    let f = Fixture::new();
    std::fs::create_dir_all(f.lake()).unwrap();
    let out = f.run(&["serve", "--listen", "127.0.0.1:0"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--users"), "{}", stderr(&out));
    let out = f.run(&["serve", "--no-auth", "--listen", "0.0.0.0:0"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let bad = f.write(
        "users.toml",
        "[[user]]\nname = \"a\"\nrole = \"analyst\"\npassword = \"plain\"\n",
    );
    let out = f.run(&[
        "serve",
        "--users",
        bad.to_str().unwrap(),
        "--listen",
        "127.0.0.1:0",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("SCRAM-SHA-256"), "{}", stderr(&out));
}

#[test]
fn fifty_connections_at_once_each_run_a_report_query() {
    if !have_psycopg() {
        return;
    }
    let f = scored_lake(3000);
    let users = users_file(&f, &busiest_units(&f));
    let server = Server::start(
        &f,
        &["--users", users.to_str().unwrap(), "--memory-limit", "1GiB"],
    );
    let report = "select s.period, s.unit, s.channel, avg(s.score) as score, sum(s.n_total) as n, \
                  (select count(*) from interaction_facts x where x.unit = s.unit and x.within_sla) as on_time \
                  from scores s group by s.period, s.unit, s.channel order by 1, 2, 3";
    let script = f.write(
        "fifty.py",
        format!(
            r#"
import sys, threading, psycopg
port, password = sys.argv[1], sys.argv[2]
results, errors = [None] * 50, []
start = threading.Barrier(50, timeout=120)
def work(i):
    try:
        user, pw = ("ana", password) if i % 5 else ("jefe", "{UNIT_PASSWORD}")
        with psycopg.connect(host="127.0.0.1", port=port, user=user, password=pw, dbname="momentos", sslmode="disable", connect_timeout=120) as conn:
            start.wait()
            rows = conn.execute("""{report}""").fetchall()
            results[i] = (user, len(rows))
    except Exception as e:
        errors.append(f"{{i}}: {{type(e).__name__}}: {{e}}")
threads = [threading.Thread(target=work, args=(i,)) for i in range(50)]
for t in threads: t.start()
for t in threads: t.join(timeout=600)
print("\n".join(errors), file=sys.stderr)
for r in results: print(r if r is None else f"{{r[0]}},{{r[1]}}")
"#
        ),
    );
    let started = Instant::now();
    let out = Command::new("python3")
        .arg(&script)
        .arg(server.port.to_string())
        .arg(ANALYST_PASSWORD)
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    assert!(
        out.status.success() && stderr(&out).trim().is_empty(),
        "{}",
        stderr(&out)
    );
    let expected_all = f.sql_csv(report).len().to_string();
    let lines: Vec<String> = stdout(&out).lines().map(str::to_string).collect();
    assert_eq!(lines.len(), 50);
    for l in &lines {
        let (user, n) = l
            .split_once(',')
            .unwrap_or_else(|| panic!("a connection failed: {l}"));
        if user == "ana" {
            assert_eq!(n, expected_all);
        } else {
            assert!(n.parse::<usize>().unwrap() < expected_all.parse::<usize>().unwrap());
        }
    }
    let peak = server.peak_rss_kib();
    eprintln!(
        "50 connections: {:.1} s, server peak RSS {} MiB",
        elapsed.as_secs_f64(),
        peak / 1024
    );
    // Within the configured --memory-limit (1 GiB) for the whole server.
    assert!(peak > 0 && peak < 1024 * 1024, "peak RSS {peak} KiB");
}

#[test]
fn tls_when_a_certificate_is_given_and_statements_stop_at_the_time_limit() {
    if !have_psql() {
        return;
    }
    use rcgen::{CertificateParams, KeyPair};
    let f = Fixture::new();
    let opts = DemoOptions {
        seed: 3,
        start: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        months: 1,
        interactions: 800,
        with_defects: false,
    };
    let files = demo::generate(&f.path("inbox"), &opts).unwrap();
    assert!(f
        .ingest("interactions", &files.interactions)
        .status
        .success());
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["127.0.0.1".to_string()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let cert_file = f.write("cert.pem", cert.pem());
    let key_file = f.write("key.pem", key.serialize_pem());
    let users = users_file(&f, &busiest_units(&f)[..1]);
    let server = Server::start(
        &f,
        &[
            "--users",
            users.to_str().unwrap(),
            "--tls-cert",
            cert_file.to_str().unwrap(),
            "--tls-key",
            key_file.to_str().unwrap(),
            "--timeout",
            "2s",
        ],
    );
    let tls = Command::new("psql")
        .arg(format!(
            "host=127.0.0.1 port={} user=ana dbname=momentos sslmode=require",
            server.port
        ))
        .args([
            "-X",
            "-w",
            "-c",
            "\\conninfo",
            "-At",
            "-c",
            "select count(*) from interactions",
        ])
        .env("PGPASSWORD", ANALYST_PASSWORD)
        .output()
        .unwrap();
    assert!(tls.status.success(), "{}", stderr(&tls));
    assert!(stdout(&tls).contains("SSL"), "{}", stdout(&tls));
    assert_eq!(
        stdout(&tls).lines().last().map(str::to_string),
        f.sql_csv("select count(*) from interactions").pop()
    );

    // A statement that runs past --timeout is stopped with PostgreSQL's "query canceled";
    // the connection and the server go on.
    let started = Instant::now();
    let out = server.psql(
        "ana",
        ANALYST_PASSWORD,
        &[
            "-At",
            "-c",
            "select count(*) from interactions a cross join interactions b cross join interactions c where a.notes <> b.notes or c.topic <> a.topic",
            "-c",
            "select 7",
        ],
    );
    assert!(stderr(&out).contains("--timeout"), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), "7");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
}
