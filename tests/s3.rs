//! The lake on an S3-compatible server (DESIGN §4, §8): moto's server, started by the test
//! on 127.0.0.1, holds a lake that ingest, score, maintain, forget, report and sql use as
//! they use a folder — with the same results as a folder lake — and Python's `deltalake`
//! reads its tables over S3. A lake whose endpoint is down fails in seconds, naming it.
//!
//! Needs Python 3 with `moto[server]` (and `deltalake` for the outside reader); skipped
//! without moto unless `MOMENTOS_REQUIRE_S3=1` (as CI sets).

mod util;

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use util::*;

/// A moto server on a free loopback port, killed when dropped.
struct Moto {
    child: Child,
    port: u16,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts moto with bucket `lake`, or `None` (after saying why) when moto is not installed.
fn start_moto() -> Option<Moto> {
    let has_moto = Command::new("python3")
        .args(["-c", "import moto.server, boto3"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_moto {
        assert!(
            std::env::var("MOMENTOS_REQUIRE_S3").is_err(),
            "MOMENTOS_REQUIRE_S3 is set but Python's moto[server] is not installed"
        );
        eprintln!("skipped: Python's moto[server] is not installed");
        return None;
    }
    let port = free_port();
    let child = Command::new("python3")
        .args([
            "-m",
            "moto.server",
            "-H",
            "127.0.0.1",
            "-p",
            &port.to_string(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let moto = Moto { child, port };
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "moto did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let made = Command::new("python3")
        .args([
            "-c",
            "import boto3, sys; boto3.client('s3', endpoint_url=sys.argv[1], \
             aws_access_key_id='test', aws_secret_access_key='test', \
             region_name='us-east-1').create_bucket(Bucket='lake')",
            &format!("http://127.0.0.1:{port}"),
        ])
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", stderr(&made));
    Some(moto)
}

/// `momentos --lake URL ARGS…` with the test key and S3 variables for `port`.
fn on_s3(f: &Fixture, lake: &str, port: u16, args: &[&str]) -> Output {
    s3_command(f, lake, port).args(args).output().unwrap()
}

fn s3_command(f: &Fixture, lake: &str, port: u16) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_momentos"));
    c.arg("--lake").arg(lake);
    c.current_dir(f.dir.path())
        .env("MOMENTOS_PSEUDONYM_KEY", TEST_KEY)
        .env_remove("MOMENTOS_PSEUDONYM_KEY_FILE")
        .env_remove("MOMENTOS_LAKE")
        .env_remove("MOMENTOS_CATALOG")
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL", format!("http://127.0.0.1:{port}"))
        .env("AWS_ALLOW_HTTP", "true")
        // Never the instance metadata service of whatever machine runs the test.
        .env("AWS_EC2_METADATA_DISABLED", "true");
    c
}

fn ok(out: &Output) {
    assert!(
        matches!(out.status.code(), Some(0 | 3)),
        "{}{}",
        stdout(out),
        stderr(out)
    );
}

const SAME: &[&str] = &[
    "select count(*), count(distinct interaction_id) from interactions",
    "select count(*) from surveys",
    "select count(*) from shopper",
    "select source, reason_code, count(*) from quarantine group by 1, 2 order by 1, 2",
    "select count(*), sum(case when within_sla then 1 else 0 end) from interaction_facts",
    "select period, unit, channel, attribute, score, lower, upper, n_total, status from scores order by 1, 2, 3, 4",
];

#[test]
fn a_lake_on_s3_works_like_a_folder_for_every_command() {
    let Some(moto) = start_moto() else {
        return;
    };
    let f = Fixture::new();
    f.demo_exports(600);
    let lake = "s3://lake/momentos";
    for kind in ["interactions", "surveys", "shopper"] {
        let file = format!("exports/{kind}.csv");
        ok(&on_s3(&f, lake, moto.port, &["ingest", kind, &file]));
        ok(&f.ingest(kind, &f.path(&file)));
    }
    ok(&on_s3(&f, lake, moto.port, &["score"]));
    ok(&f.run(&["score"]));
    let sql = |q: &str| {
        let out = on_s3(&f, lake, moto.port, &["sql", "--format", "csv", q]);
        ok(&out);
        stdout(&out)
    };
    for q in SAME {
        assert_eq!(
            sql(q).lines().skip(1).collect::<Vec<_>>(),
            f.sql_csv(q),
            "{q}"
        );
    }

    // The rest of the commands, on S3.
    let report = on_s3(&f, lake, moto.port, &["report", "--out", "report-s3"]);
    ok(&report);
    assert!(f.path("report-s3/index.html").exists());
    ok(&on_s3(&f, lake, moto.port, &["maintain"]));
    for q in SAME {
        assert_eq!(
            sql(q).lines().skip(1).collect::<Vec<_>>(),
            f.sql_csv(q),
            "after maintain: {q}"
        );
    }
    let forget = on_s3(&f, lake, moto.port, &["forget", "nadie@example.com"]);
    ok(&forget);
    assert!(
        stdout(&forget).contains("No hay filas"),
        "{}",
        stdout(&forget)
    );

    // Another engine reads the tables over S3.
    let mut reader = Command::new("python3");
    reader
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/delta_support/read_delta.py"
        ))
        .args([lake, "--count", "interactions/", "scores/", "audit/"])
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1")
        .env(
            "AWS_ENDPOINT_URL",
            format!("http://127.0.0.1:{}", moto.port),
        )
        .env("AWS_ALLOW_HTTP", "true");
    let out = reader.output().unwrap();
    if out.status.code() == Some(3) {
        assert!(
            std::env::var("MOMENTOS_REQUIRE_DELTALAKE").is_err(),
            "MOMENTOS_REQUIRE_DELTALAKE is set but Python's `deltalake` is not installed"
        );
        return;
    }
    assert!(out.status.success(), "{}", stderr(&out));
    let counts: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        counts["interactions/"].as_u64().unwrap().to_string(),
        sql("select count(*) from interactions")
            .lines()
            .nth(1)
            .unwrap()
    );
    assert_eq!(
        counts["scores/"].as_u64().unwrap().to_string(),
        sql("select count(*) from scores").lines().nth(1).unwrap()
    );
}

#[test]
fn an_unreachable_endpoint_fails_in_seconds_naming_the_lake() {
    let f = Fixture::new();
    let closed = free_port();
    let started = Instant::now();
    let out = on_s3(
        &f,
        "s3://lake/nowhere",
        closed,
        &["sql", "select count(*) from interactions"],
    );
    let took = started.elapsed();
    assert_ne!(out.status.code(), Some(0));
    assert!(
        stderr(&out).contains("s3://lake/nowhere"),
        "{}",
        stderr(&out)
    );
    assert!(took < Duration::from_secs(20), "took {took:?}");
}
