use std::path::Path;

use super::*;

const MINIMAL: &str = r#"
schedule = "*/2 * * * * *"
steps = ["ingest"]
[[sources]]
kind = "interactions"
inbox = "inbox"
glob = "interactions*.csv"
"#;

fn parse(text: &str) -> Result<Pipeline, Vec<ConfigProblem>> {
    Pipeline::from_toml(Path::new("pipelines/test.toml"), text)
}

#[test]
fn every_shipped_pipeline_parses_and_runs_in_this_build() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("pipelines");
    let files = list_files(&dir).unwrap();
    assert!(!files.is_empty(), "pipelines/ ships at least nightly.toml");
    for f in files {
        let p = Pipeline::load(&f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        assert!(
            p.unavailable.is_empty(),
            "{}: {:?}",
            f.display(),
            p.unavailable
        );
    }
}

#[test]
fn nightly_reads_the_demo_inbox() {
    let p = Pipeline::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("pipelines/nightly.toml"))
        .unwrap();
    assert_eq!(p.name, "nightly");
    let kinds: Vec<_> = p.sources.iter().map(|s| s.kind.code()).collect();
    assert_eq!(kinds, ["interactions", "surveys", "shopper"]);
    for (s, file) in p
        .sources
        .iter()
        .zip(["interactions.csv", "surveys.csv", "shopper.csv"])
    {
        assert_eq!(s.inbox, Path::new("inbox"));
        assert!(s.glob.matches(file));
    }
    assert_eq!(p.schedule.unwrap().timezone, chrono_tz::America::Bogota);
}

#[test]
fn defaults_apply() {
    let p = parse(MINIMAL).unwrap();
    assert_eq!(p.retry.attempts, 3);
    assert_eq!(p.catch_up.policy, CatchUpPolicy::Latest);
    assert_eq!(p.overlap.policy, OverlapPolicy::Wait);
    assert_eq!(p.overlap.wait_timeout, Duration::from_secs(600));
    assert_eq!(p.report_dir, Path::new("reports"));
    assert!(!p.report_pdf);
    assert!(p.lake.is_none());
    let with_pdf = parse(&format!("{MINIMAL}[outputs]\npdf = true\n")).unwrap();
    assert!(with_pdf.report_pdf);
}

#[test]
fn a_typo_names_file_line_key_and_fix() {
    let text = MINIMAL.replace("schedule =", "schedul =");
    let e = parse(&text).unwrap_err();
    assert_eq!(e.len(), 1);
    let shown = e[0].to_string();
    assert!(
        shown.starts_with("pipelines/test.toml:2:1: `schedul`"),
        "{shown}"
    );
    assert!(shown.contains("¿quiso decir `schedule`?"), "{shown}");

    let text = format!("{MINIMAL}\n[retry]\nattemps = 2\n");
    let e = parse(&text).unwrap_err();
    assert_eq!(e[0].key, "retry.attemps");
    assert!(e[0].fix.as_deref().unwrap().contains("`attempts`"));
    assert_eq!(e[0].line, 10);
}

#[test]
fn an_invalid_cron_names_the_key_and_the_forms() {
    let text = MINIMAL.replace("*/2 * * * * *", "61 * * * *");
    let e = parse(&text).unwrap_err();
    assert_eq!(e[0].key, "schedule");
    assert_eq!((e[0].line, e[0].column), (2, 12));
    assert!(e[0].fix.as_deref().unwrap().contains("5 campos"));
}

#[test]
fn every_bad_value_is_reported_at_once() {
    let text = r#"
timezone = "America/Bogot"
schedule = "* * *"
steps = ["ingest", "scor", "ingest"]
[[sources]]
kind = "interaction"
inbox = "s3://bucket/inbox"
glob = "a/b*.csv"
format = "parquet"
[retry]
backoff = "soon"
[catch_up]
policy = "lastest"
[overlap]
policy = "queue"
"#;
    let e = parse(text).unwrap_err();
    let keys: Vec<&str> = e.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "timezone",
            "schedule",
            "sources[1].kind",
            "sources[1].inbox",
            "sources[1].glob",
            "sources[1].format",
            "steps",
            "steps",
            "retry.backoff",
            "catch_up.policy",
            "overlap.policy"
        ]
    );
    assert!(e[6]
        .fix
        .as_deref()
        .unwrap()
        .contains("¿quiso decir `score`?"));
    assert!(e[9]
        .fix
        .as_deref()
        .unwrap()
        .contains("¿quiso decir `latest`?"));
}

#[test]
fn steps_must_keep_their_order() {
    let text = MINIMAL.replace(r#"["ingest"]"#, r#"["report", "ingest"]"#);
    let e = parse(&text).unwrap_err();
    assert!(e[0].message.contains("va después de `report`"), "{e:?}");
}

#[test]
fn every_step_runs_in_this_build() {
    let text = MINIMAL.replace(r#"["ingest"]"#, r#"["ingest", "alerts", "deliver"]"#);
    let p = parse(&text).unwrap();
    assert!(p.unavailable.is_empty(), "{:?}", p.unavailable);
}

#[test]
fn ingest_needs_sources() {
    let e = parse("steps = [\"ingest\"]\n").unwrap_err();
    assert_eq!(e[0].key, "sources");
}

#[test]
fn backoff_doubles_up_to_the_cap() {
    let r = RetryPolicy {
        attempts: 5,
        backoff: Duration::from_secs(60),
        max_backoff: Duration::from_secs(300),
    };
    assert_eq!(r.delay_after(1), Duration::from_secs(60));
    assert_eq!(r.delay_after(2), Duration::from_secs(120));
    assert_eq!(r.delay_after(3), Duration::from_secs(240));
    assert_eq!(r.delay_after(4), Duration::from_secs(300));
}

#[test]
fn names_resolve_to_files_and_unknown_names_suggest() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("nightly.toml"), MINIMAL).unwrap();
    assert_eq!(
        Pipeline::resolve("nightly", dir.path()).unwrap(),
        dir.path().join("nightly.toml")
    );
    let e = Pipeline::resolve("nighty", dir.path())
        .unwrap_err()
        .to_string();
    assert!(e.contains("¿quiso decir `nightly`?"), "{e}");
    assert_eq!(
        Pipeline::resolve("other/x.toml", dir.path()).unwrap(),
        Path::new("other/x.toml")
    );
}
