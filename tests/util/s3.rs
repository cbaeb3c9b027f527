//! A moto S3 server on loopback for tests (Python's `moto[server]`), and `momentos` commands
//! pointed at it.

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use super::*;

/// A moto server on a free loopback port, killed when dropped.
pub struct Moto {
    child: Child,
    pub port: u16,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts moto with bucket `lake`, or `None` (after saying why) when moto is not installed.
pub fn start_moto() -> Option<Moto> {
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
    wait_listening(port, "moto");
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

/// Waits up to 30 s for something to listen on a loopback port.
pub fn wait_listening(port: u16, what: &str) {
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{what} did not start listening on {port}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `momentos --lake URL ARGS…` with the test key and S3 variables for `port`.
pub fn on_s3(f: &Fixture, lake: &str, port: u16, args: &[&str]) -> Output {
    s3_command(f, lake, port).args(args).output().unwrap()
}

pub fn s3_command(f: &Fixture, lake: &str, port: u16) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_momentos"));
    c.arg("--lake").arg(lake);
    c.current_dir(f.dir.path())
        .env("MOMENTOS_PSEUDONYM_KEY", TEST_KEY)
        .env_remove("MOMENTOS_PSEUDONYM_KEY_FILE")
        .env_remove("MOMENTOS_LAKE")
        .env_remove("MOMENTOS_CATALOG");
    with_s3_env(&mut c, port);
    c
}

/// The AWS variables that point object_store at moto on `port`.
pub fn s3_env(port: u16) -> [(&'static str, String); 6] {
    [
        ("AWS_ACCESS_KEY_ID", "test".into()),
        ("AWS_SECRET_ACCESS_KEY", "test".into()),
        ("AWS_REGION", "us-east-1".into()),
        ("AWS_ENDPOINT_URL", format!("http://127.0.0.1:{port}")),
        ("AWS_ALLOW_HTTP", "true".into()),
        // Never the instance metadata service of whatever machine runs the test.
        ("AWS_EC2_METADATA_DISABLED", "true".into()),
    ]
}

/// `c` with [`s3_env`].
pub fn with_s3_env(c: &mut Command, port: u16) -> &mut Command {
    c.envs(s3_env(port))
}
