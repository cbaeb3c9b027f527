//! Fixture for the pipeline tests: every test gets a fresh project folder (pipelines/,
//! inbox/, lake/) and runs the built `momentos` in it.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const KEY: &str = "pipeline-tests-key-0123456789abcdef";

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_momentos")
}

pub struct Project {
    pub dir: tempfile::TempDir,
}

/// A pipeline file like the shipped nightly.toml, with a schedule and extra TOML.
pub fn pipeline_toml(schedule: &str, extra: &str) -> String {
    format!(
        r#"description = "test"
schedule = "{schedule}"
steps = ["ingest"]
# Tests write their inbox files just before they run.
settle = "0s"

[[sources]]
kind = "interactions"
inbox = "inbox"
glob = "interactions*.csv"

[[sources]]
kind = "surveys"
inbox = "inbox"
glob = "surveys*.csv"

[[sources]]
kind = "shopper"
inbox = "inbox"
glob = "shopper*.csv"
{extra}
"#
    )
}

impl Project {
    pub fn new() -> Project {
        let dir = tempfile::Builder::new()
            .prefix("momentos-pipeline-")
            .tempdir()
            .unwrap();
        std::fs::create_dir_all(dir.path().join("pipelines")).unwrap();
        std::fs::create_dir_all(dir.path().join("inbox")).unwrap();
        Project { dir }
    }

    /// A project with the shipped `pipelines/nightly.toml`.
    pub fn with_nightly() -> Project {
        let p = Project::new();
        let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("pipelines/nightly.toml");
        // Tests write their inbox files just before they run: no settle time.
        let text = std::fs::read_to_string(shipped).unwrap();
        assert!(
            text.contains("settle = \"30s\""),
            "the shipped pipeline sets `settle`"
        );
        p.write(
            "pipelines/nightly.toml",
            &text.replace("settle = \"30s\"", "settle = \"0s\""),
        );
        p
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn write(&self, rel: &str, text: &str) {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    /// Demo exports in inbox/ (not ingested).
    pub fn demo_inbox(&self, interactions: u64) {
        let out = self.run(&[
            "demo",
            "--no-ingest",
            "--inbox",
            "inbox",
            "--interactions",
            &interactions.to_string(),
        ]);
        assert!(out.status.success(), "{}", text(&out));
    }

    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(bin());
        c.current_dir(self.dir.path())
            .args(args)
            .env("MOMENTOS_PSEUDONYM_KEY", KEY)
            .env_remove("MOMENTOS_LAKE")
            .env_remove("MOMENTOS_CATALOG")
            .env_remove("MOMENTOS_PSEUDONYM_KEY_FILE")
            .env_remove("MOMENTOS_LOG");
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }

    pub fn spawn(&self, args: &[&str]) -> Child {
        self.cmd(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }

    /// CSV result of a query over ./lake, without the header.
    pub fn sql(&self, query: &str) -> Vec<String> {
        let out = self.run(&["sql", "--format", "csv", query]);
        assert!(out.status.success(), "{query}: {}", text(&out));
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .skip(1)
            .map(str::to_string)
            .collect()
    }

    pub fn sql_one(&self, query: &str) -> String {
        let rows = self.sql(query);
        assert_eq!(rows.len(), 1, "{query}: {rows:?}");
        rows[0].clone()
    }
}

pub fn text(out: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Waits for a condition, polling; panics after `limit`.
pub fn wait_for(limit: Duration, what: &str, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Sends a signal to a child process.
pub fn signal(child: &Child, sig: &str) {
    let ok = Command::new("kill")
        .args([&format!("-{sig}"), &child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill -{sig} failed");
}

/// Waits for a child with a time limit (kills it and panics past the limit).
pub fn wait_child(mut child: Child, limit: Duration) -> Output {
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!("process did not end within {limit:?}\n{}", text(&out));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
