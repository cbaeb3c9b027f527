//! Shared test fixtures: a fresh lake folder per test and a way to run the real binary.

#![allow(dead_code)]

pub mod delta;
pub mod s3;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const TEST_KEY: &str = "momentos-test-key-0123456789abcdef-0123456789";

pub struct Fixture {
    pub dir: tempfile::TempDir,
}

impl Fixture {
    pub fn new() -> Fixture {
        Fixture {
            dir: tempfile::Builder::new()
                .prefix("momentos-test-")
                .tempdir()
                .unwrap(),
        }
    }

    pub fn lake(&self) -> PathBuf {
        self.dir.path().join("lake")
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }

    /// `momentos --lake <fixture lake> ARGS…` with the test key set.
    pub fn cmd(&self) -> Command {
        self.cmd_on(&self.lake())
    }

    /// `momentos --lake <lake> ARGS…` with the test key set, in the fixture's folder.
    pub fn cmd_on(&self, lake: &Path) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_momentos"));
        c.arg("--lake").arg(lake);
        c.env("MOMENTOS_PSEUDONYM_KEY", TEST_KEY);
        c.env_remove("MOMENTOS_PSEUDONYM_KEY_FILE");
        c.env_remove("MOMENTOS_LAKE");
        c.env_remove("MOMENTOS_CATALOG");
        c.current_dir(self.dir.path());
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().unwrap()
    }

    /// Generates the demo's exports of `interactions` interactions into `exports/`.
    pub fn demo_exports(&self, interactions: u32) {
        let n = interactions.to_string();
        let out = self.run(&[
            "demo",
            "--no-ingest",
            "--inbox",
            "exports",
            "--interactions",
            &n,
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
    }

    /// Splits a CSV under the fixture into `parts` files of consecutive rows, each with
    /// the header (`<stem>-0.csv`, `<stem>-1.csv`, …).
    pub fn split_csv(&self, name: &str, parts: usize) -> Vec<PathBuf> {
        let mut reader = csv::Reader::from_path(self.path(name)).unwrap();
        let header = reader.byte_headers().unwrap().clone();
        let records: Vec<csv::ByteRecord> = reader.byte_records().map(Result::unwrap).collect();
        let per_part = records.len().div_ceil(parts);
        let stem = Path::new(name)
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        records
            .chunks(per_part)
            .enumerate()
            .map(|(i, chunk)| self.write_csv(&format!("{stem}-{i}.csv"), &header, chunk))
            .collect()
    }

    /// Writes `records` under `header` as a CSV file under the fixture.
    pub fn write_csv<'a>(
        &self,
        name: &str,
        header: &csv::ByteRecord,
        records: impl IntoIterator<Item = &'a csv::ByteRecord>,
    ) -> PathBuf {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_byte_record(header).unwrap();
        for r in records {
            w.write_byte_record(r).unwrap();
        }
        self.write(name, w.into_inner().unwrap())
    }

    pub fn ingest(&self, kind: &str, file: &Path) -> Output {
        self.cmd()
            .arg("ingest")
            .arg(kind)
            .arg(file)
            .output()
            .unwrap()
    }

    /// Runs SQL and returns the CSV output without the header.
    pub fn sql_csv(&self, query: &str) -> Vec<String> {
        let out = self.run(&["sql", "--format", "csv", query]);
        assert!(
            out.status.success(),
            "sql failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .skip(1)
            .map(str::to_string)
            .collect()
    }

    pub fn count(&self, query: &str) -> u64 {
        self.sql_csv(query)[0].parse().unwrap()
    }

    /// Every file under the lake, recursively.
    pub fn lake_files(&self) -> Vec<PathBuf> {
        fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
            for e in std::fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    walk(&p, out)
                } else {
                    out.push(p)
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.lake(), &mut out);
        out
    }
}

/// Asserts a command succeeded (exit 0, or 3: done with rows in quarantine).
pub fn ok(out: &Output) {
    assert!(
        matches!(out.status.code(), Some(0 | 3)),
        "{}{}",
        stdout(out),
        stderr(out)
    );
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub const INTERACTIONS_HEADER: &str = "interaction_id,channel,unit,received_at,first_response_at,resolved_at,direction,touchpoint,agent_id,topic,contact,stakeholder,escalated_to,escalated_at,escalation_answered_at,outcome,habeas_data,protocol_greeting,protocol_need_identified,protocol_habeas_script,protocol_request_processed,notes";
