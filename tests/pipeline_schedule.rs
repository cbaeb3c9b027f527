//! The daemon: second-level cron schedules so nothing waits for minutes, through the
//! built binary (signals, restart) and through the library (catch-up policies, retries,
//! time shifted by hours).

mod pipeline_support;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use momentos::catalog::Catalog;
use momentos::lake::lock::{LockSpec, NamedLock};
use momentos::lake::Lake;
use momentos::pipeline::history::{self, RunRecord};
use momentos::pipeline::run::{self, RunEnv, RunRequest};
use momentos::pipeline::Pipeline;
use momentos::privacy::Pseudonymizer;
use momentos::schedule::clock::{ShiftedClock, SystemClock};
use momentos::schedule::state::{self, ScheduleState};
use momentos::schedule::{self as daemon};
use pipeline_support::*;
use tokio_util::sync::CancellationToken;

fn parse_ts(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

#[test]
fn the_daemon_fires_on_time_stops_on_sigterm_and_catches_up_after_a_restart() {
    let p = Project::new();
    p.write(
        "pipelines/every2s.toml",
        &pipeline_toml(
            "*/2 * * * * *",
            "[catch_up]\npolicy = \"all\"\nmax = 2\ngrace = \"1s\"\n",
        ),
    );
    p.write(
        "pipelines/manual-only.toml",
        &pipeline_toml("x", "").replace("schedule = \"x\"\n", ""),
    );

    let first = p.spawn(&["schedule"]);
    std::thread::sleep(Duration::from_millis(5500));
    let signalled_at = Utc::now();
    signal(&first, "TERM");
    let first = wait_child(first, Duration::from_secs(10));
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));
    let log = String::from_utf8_lossy(&first.stderr);
    assert!(log.contains("Pipeline fired."), "{log}");
    assert!(
        log.contains("does not fire it"),
        "manual-only is not scheduled: {log}"
    );
    let stopped_at = Utc::now();

    let on_time = p.sql(
        "select date_format(scheduled_for, '%Y-%m-%dT%H:%M:%S%.fZ'), date_format(started_at, '%Y-%m-%dT%H:%M:%S%.fZ'), status \
         from runs where trigger = 'schedule' order by scheduled_for",
    );
    assert!(on_time.len() >= 2, "fires every 2 s: {on_time:?}");
    for (i, row) in on_time.iter().enumerate() {
        let f: Vec<&str> = row.split(',').collect();
        let (fire, started) = (parse_ts(f[0]), parse_ts(f[1]));
        assert_eq!(fire.timestamp() % 2, 0, "{row}");
        let late = (started - fire).num_milliseconds();
        assert!(
            (0..1000).contains(&late),
            "started {late} ms after its fire: {row}"
        );
        // A run the signal finds still going is stopped and recorded as interrupted; only
        // the last one can be (on a loaded machine a run may outlast the gap to the signal).
        let interrupted_last =
            f[2] == "interrupted" && i + 1 == on_time.len() && started < signalled_at;
        assert!(f[2].starts_with("success") || interrupted_last, "{row}");
    }
    assert_eq!(
        p.sql_one("select count(*) from runs where status = 'running'"),
        "0"
    );

    // Down for 9 s: at least 4 fires due; `all` with max 2 runs the 2 most recent, and
    // at least one is recorded as missed.
    std::thread::sleep(Duration::from_secs(9));
    let restarted_at = Utc::now();
    let second = p.spawn(&["schedule"]);
    std::thread::sleep(Duration::from_millis(2500));
    signal(&second, "INT");
    let second = wait_child(second, Duration::from_secs(10));
    assert_eq!(second.status.code(), Some(0), "{}", text(&second));

    let in_gap =
        |t: DateTime<Utc>| t > stopped_at - chrono::Duration::seconds(2) && t <= restarted_at;
    let catch_up = p.sql(
        "select date_format(scheduled_for, '%Y-%m-%dT%H:%M:%S%.fZ'), status from runs \
         where trigger = 'catch_up' and status <> 'missed' order by scheduled_for",
    );
    assert!(!catch_up.is_empty() && catch_up.len() <= 2, "{catch_up:?}");
    for row in &catch_up {
        let (fire, status) = row.split_once(',').unwrap();
        assert!(
            in_gap(parse_ts(fire)),
            "catch-up for a fire in the downtime: {row}"
        );
        assert!(status.starts_with("success"), "{row}");
    }
    let missed = p.sql("select note from runs where status = 'missed'");
    assert_eq!(
        missed.len(),
        1,
        "the fires beyond max are recorded once: {missed:?}"
    );
    assert!(missed[0].contains("missed from"), "{missed:?}");
    // After catching up it fires on time again.
    let later = p.sql_one(&format!(
        "select count(*) from runs where trigger = 'schedule' and started_at > to_timestamp('{}')",
        restarted_at.to_rfc3339()
    ));
    assert!(later.parse::<u32>().unwrap() >= 1, "{later}");
}

fn env(lake: &Path) -> RunEnv {
    RunEnv {
        catalog: Catalog::embedded(),
        default_lake: lake.display().to_string(),
        pseudonymizer: Some(Pseudonymizer::from_key(KEY.as_bytes()).unwrap()),
        shutdown: CancellationToken::new(),
        overlap: None,
        wait_timeout: None,
    }
}

/// A pipeline over an empty inbox (runs take milliseconds).
fn quick_pipeline(dir: &Path, name: &str, schedule: &str, extra: &str) -> Pipeline {
    std::fs::create_dir_all(dir.join("inbox")).unwrap();
    let text = pipeline_toml(schedule, extra).replace(
        "inbox = \"inbox\"",
        &format!("inbox = \"{}\"", dir.join("inbox").display()),
    );
    Pipeline::from_toml(&dir.join(format!("{name}.toml")), &text).unwrap()
}

async fn runs_of(lake: &Lake) -> Vec<RunRecord> {
    history::read_all(lake).await.unwrap()
}

/// Runs the daemon for `secs` seconds with a clock `shift` ahead of the machine's.
async fn run_for(pipeline: Pipeline, env: &RunEnv, shift: chrono::Duration, secs: f64) {
    let env = env.clone();
    let stop = env.shutdown.clone();
    let clock: Arc<dyn momentos::schedule::clock::Clock> = if shift.is_zero() {
        Arc::new(SystemClock)
    } else {
        Arc::new(ShiftedClock(shift))
    };
    let task = tokio::spawn(daemon::run_daemon(vec![pipeline], env, clock));
    tokio::time::sleep(Duration::from_secs_f64(secs)).await;
    stop.cancel();
    tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .expect("the daemon stops after the shutdown token")
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_hours_down_catch_up_all_runs_at_most_max_and_records_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let lake_dir = dir.path().join("lake");
    let env = env(&lake_dir);
    let p = quick_pipeline(
        dir.path(),
        "hourly",
        "*/2 * * * * *",
        "[catch_up]\npolicy = \"all\"\nmax = 3\ngrace = \"1s\"\n",
    );
    let lake = Lake::open(&lake_dir.display().to_string()).unwrap();
    // The daemon last fired now; then it is "three hours later".
    state::save(
        &lake,
        "hourly",
        &ScheduleState {
            last_fire: Utc::now(),
            schedule: "*/2 * * * * *".into(),
            updated_at: Utc::now(),
        },
    )
    .await
    .unwrap();
    run_for(p, &env, chrono::Duration::hours(3), 1.2).await;
    let runs = runs_of(&lake).await;
    let catch_up: Vec<_> = runs
        .iter()
        .filter(|r| r.trigger == "catch_up" && r.status != "missed")
        .collect();
    assert_eq!(catch_up.len(), 3, "{runs:#?}");
    assert!(catch_up
        .windows(2)
        .all(|w| w[0].scheduled_for < w[1].scheduled_for));
    let missed: Vec<_> = runs.iter().filter(|r| r.status == "missed").collect();
    assert_eq!(missed.len(), 1, "{runs:#?}");
    let note = missed[0].note.as_deref().unwrap();
    // 3 h of fires every 2 s, less the 3 caught up and the one run on time.
    let n: usize = note.split_whitespace().next().unwrap().parse().unwrap();
    assert!((5390..=5400).contains(&n), "{note}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catch_up_none_runs_nothing_for_missed_fires_and_latest_runs_once() {
    for (policy, expected_catch_up) in [("none", 0), ("latest", 1)] {
        let dir = tempfile::tempdir().unwrap();
        let lake_dir = dir.path().join("lake");
        let env = env(&lake_dir);
        let p = quick_pipeline(
            dir.path(),
            "p",
            "0 0 * * * *",
            &format!("[catch_up]\npolicy = \"{policy}\"\ngrace = \"1s\"\n"),
        );
        let lake = Lake::open(&lake_dir.display().to_string()).unwrap();
        // Last fire 10 hours ago, one fire an hour: 10 due, the latest more than 1 s ago
        // (unless the test starts in the first second of an hour; then 1 runs on time).
        state::save(
            &lake,
            "p",
            &ScheduleState {
                last_fire: Utc::now() - chrono::Duration::hours(10),
                schedule: "0 0 * * * *".into(),
                updated_at: Utc::now(),
            },
        )
        .await
        .unwrap();
        run_for(p, &env, chrono::Duration::zero(), 0.8).await;
        let runs = runs_of(&lake).await;
        let real: Vec<_> = runs.iter().filter(|r| r.status != "missed").collect();
        let catch_up = real.iter().filter(|r| r.trigger == "catch_up").count();
        let on_time = real.iter().filter(|r| r.trigger == "schedule").count();
        assert_eq!(
            catch_up + on_time,
            expected_catch_up.max(on_time),
            "{policy}: {runs:#?}"
        );
        if on_time == 0 {
            assert_eq!(catch_up, expected_catch_up, "{policy}: {runs:#?}");
        }
        let missed: Vec<_> = runs.iter().filter(|r| r.status == "missed").collect();
        assert_eq!(missed.len(), 1, "{policy}: {runs:#?}");
        let n: usize = missed[0]
            .note
            .as_deref()
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(n + catch_up + on_time, 10, "{policy}: {runs:#?}");
        // The state now points at the latest fire: a restart does not miss them again.
        let s = state::load(&lake, "p").await.unwrap().unwrap();
        assert!(Utc::now() - s.last_fire < chrono::Duration::seconds(3601));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_run_is_retried_with_backoff() {
    let dir = tempfile::tempdir().unwrap();
    let lake_dir = dir.path().join("lake");
    let env = env(&lake_dir);
    let p = quick_pipeline(
        dir.path(),
        "flaky",
        "*/1 * * * * *",
        "[retry]\nattempts = 3\nbackoff = \"100ms\"\nmax_backoff = \"150ms\"\n",
    );
    std::fs::remove_dir_all(dir.path().join("inbox")).unwrap(); // every run fails
    run_for(p, &env, chrono::Duration::zero(), 1.9).await;
    let lake = Lake::open(&lake_dir.display().to_string()).unwrap();
    let runs = runs_of(&lake).await;
    let first_fire = runs[0].scheduled_for;
    let attempts: Vec<_> = runs
        .iter()
        .filter(|r| r.scheduled_for == first_fire)
        .map(|r| (r.trigger.as_str(), r.attempt, r.status.as_str()))
        .collect();
    assert_eq!(
        attempts,
        [
            ("schedule", 1, "failed"),
            ("retry", 2, "failed"),
            ("retry", 3, "failed")
        ],
        "{runs:#?}"
    );
    let gaps: Vec<i64> = runs
        .windows(2)
        .take(2)
        .map(|w| (w[1].started_at - w[0].ended_at.unwrap()).num_milliseconds())
        .collect();
    assert!(
        gaps[0] >= 100 && gaps[1] >= 150,
        "backoff 100 ms then 150 ms (capped): {gaps:?}"
    );
    assert!(
        runs[0].error.as_deref().unwrap().contains("inbox"),
        "{runs:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_waiting_for_the_lock_stops_on_shutdown_and_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let lake_dir = dir.path().join("lake");
    let env = env(&lake_dir);
    let p = quick_pipeline(dir.path(), "busy", "@daily", "");
    let lake = Lake::open(&lake_dir.display().to_string()).unwrap();
    let held = NamedLock::acquire(
        &lake,
        &LockSpec::named(&run::lock_name("busy"), "another run", "busy"),
    )
    .await
    .unwrap();
    let stop = env.shutdown.clone();
    let waiting = tokio::spawn({
        let env = env.clone();
        async move { run::run_pipeline(&p, &env, RunRequest::manual()).await }
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.cancel();
    let report = tokio::time::timeout(Duration::from_secs(5), waiting)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(report.status.code(), "interrupted");
    held.release().await.unwrap();

    // And with `skip`, a second run gives up at once as skipped_busy.
    let p = quick_pipeline(
        dir.path(),
        "busy",
        "@daily",
        "[overlap]\npolicy = \"skip\"\n",
    );
    let _held = NamedLock::acquire(
        &lake,
        &LockSpec::named(&run::lock_name("busy"), "another run", "busy"),
    )
    .await
    .unwrap();
    let fresh = RunEnv {
        shutdown: CancellationToken::new(),
        ..env
    };
    let report = run::run_pipeline(&p, &fresh, RunRequest::manual())
        .await
        .unwrap();
    assert_eq!(report.status.code(), "skipped_busy");
    assert!(report
        .record
        .error
        .unwrap()
        .contains("el pipeline `busy` ya se está ejecutando"));
}
