//! The lake on an S3-compatible server (DESIGN §4, §8): moto's server, started by the test
//! on 127.0.0.1, holds a lake that ingest, score, maintain, forget, report and sql use as
//! they use a folder — with the same results as a folder lake — and Python's `deltalake`
//! reads its tables over S3. A lake whose endpoint is down fails in seconds, naming it.
//!
//! Needs Python 3 with `moto[server]` (and `deltalake` for the outside reader); skipped
//! without moto unless `MOMENTOS_REQUIRE_S3=1` (as CI sets).

mod util;

use std::process::Command;
use std::time::{Duration, Instant};

use util::s3::*;
use util::*;

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
    // Later runs keep some periods' files on S3 and read them next to the new ones still
    // on local disk: an incremental run (pending judgments) and one period. One as-of for
    // both lakes, so their judgments agree.
    let as_of = ["--as-of", "2027-01-15T08:00:00-05:00"];
    let period = "--period=2026-11";
    for args in [&as_of[..], &as_of[..], &[period, as_of[0], as_of[1]][..]] {
        let score = [&["score"][..], args].concat();
        ok(&on_s3(&f, lake, moto.port, &score));
        ok(&f.run(&score));
    }
    let sql = |q: &str| {
        let out = on_s3(&f, lake, moto.port, &["sql", "--format", "csv", q]);
        ok(&out);
        stdout(&out)
    };
    for q in SAME {
        let a: Vec<String> = sql(q).lines().skip(1).map(str::to_string).collect();
        let b = f.sql_csv(q);
        let only_a: Vec<&String> = a.iter().filter(|x| !b.contains(x)).take(5).collect();
        let only_b: Vec<&String> = b.iter().filter(|x| !a.contains(x)).take(5).collect();
        assert!(
            only_a.is_empty() && only_b.is_empty() && a.len() == b.len(),
            "{q}: {} vs {}\nS3 only {only_a:?}\nfolder only {only_b:?}",
            a.len(),
            b.len()
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
