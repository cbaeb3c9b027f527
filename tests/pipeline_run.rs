//! `momentos run`, `runs` and `check` through the built binary.

mod pipeline_support;

use std::time::Duration;

use pipeline_support::*;

#[test]
fn a_run_ingests_once_records_itself_and_a_rerun_changes_nothing() {
    let p = Project::with_nightly();
    p.demo_inbox(2000);
    let first = p.run(&["run", "nightly"]);
    // The demo writes a few malformed rows on purpose: success with quarantine.
    assert_eq!(first.status.code(), Some(3), "{}", text(&first));
    let counts = "select (select count(*) from interactions) i, (select count(*) from surveys) s, (select count(*) from shopper) sh, (select count(*) from quarantine) q";
    let before = p.sql_one(counts);

    let again = p.run(&["run", "nightly"]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
    assert!(String::from_utf8_lossy(&again.stdout).contains("0 ingeridos, 3 sin cambios"));
    assert_eq!(p.sql_one(counts), before, "a rerun changes no data");

    let runs = p.sql("select trigger, status, rows_in, rows_accepted, rows_quarantined, attempt, ended_at >= started_at from runs order by started_at");
    assert_eq!(runs.len(), 2, "{runs:?}");
    let quarantined = p.sql_one("select count(*) from quarantine");
    assert!(
        runs[0].starts_with("manual,success_with_quarantine,"),
        "{runs:?}"
    );
    assert!(
        runs[0].ends_with(&format!(",{quarantined},1,true")),
        "{runs:?} vs {quarantined}"
    );
    assert_eq!(runs[1], "manual,success,0,0,0,1,true");
    let scored = p.sql("select s.status, s.detail from run_steps s join runs r using (run_id) where s.step = 'score' order by r.started_at");
    assert_eq!(scored.len(), 2, "{scored:?}");
    assert!(
        scored[0].starts_with("success,") && scored[0].contains("calificado"),
        "{scored:?}"
    );
    assert_eq!(scored[1], "success,nada nuevo que calificar");
    let steps = p.sql("select s.step, s.status, s.detail from run_steps s join runs r using (run_id) where s.step = 'ingest' order by r.started_at");
    assert_eq!(
        steps,
        [
            "ingest,success_with_quarantine,\"3 archivos: 3 ingeridos, 0 sin cambios\"",
            "ingest,success,\"3 archivos: 0 ingeridos, 3 sin cambios\""
        ]
    );
    // The shipped nightly pipeline also refreshes the plans and writes the report.
    let later = p.sql("select s.step, s.status from run_steps s join runs r using (run_id) where s.step in ('plans', 'report') order by r.started_at, s.position");
    assert_eq!(
        later,
        [
            "plans,success",
            "report,success",
            "plans,success",
            "report,success"
        ]
    );
    assert!(p.path("reports/index.html").is_file());

    let listed = p.run(&["runs", "--pipeline", "nightly", "--limit", "1"]);
    assert!(listed.status.success(), "{}", text(&listed));
    let shown = String::from_utf8_lossy(&listed.stdout);
    assert!(
        shown.contains("| success ") && !shown.contains("success_with_quarantine"),
        "{shown}"
    );
}

#[test]
fn a_bad_inbox_file_records_quarantine_counts_and_exits_3() {
    let p = Project::with_nightly();
    p.write(
        "inbox/interactions-octubre.csv",
        "interaction_id,channel,unit,received_at,first_response_at\n\
         A-1,phone,admisiones,2026-10-01T08:00:00-05:00,2026-10-01T08:00:10-05:00\n\
         A-2,fax,admisiones,2026-10-01T09:00:00-05:00,\n\
         A-3,whatsapp,admisiones,not a date,\n\
         A-4,email,admisiones,2026-10-02T10:00:00-05:00,2026-10-02T11:00:00-05:00\n",
    );
    let out = p.run(&["run", "nightly"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("2 filas en cuarentena"),
        "{}",
        text(&out)
    );
    assert_eq!(
        p.sql_one("select status, rows_in, rows_accepted, rows_quarantined from runs"),
        "success_with_quarantine,4,2,2"
    );
    assert_eq!(
        p.sql_one("select rows_quarantined from run_steps where step = 'ingest'"),
        "2"
    );
    assert_eq!(p.sql_one("select count(*) from quarantine"), "2");
}

#[test]
fn an_unreadable_file_fails_the_run_but_keeps_the_good_files() {
    let p = Project::with_nightly();
    p.write("inbox/interactions.csv", "id,canal\n1,phone\n");
    p.write(
        "inbox/surveys.csv",
        "response_id,survey,submitted_at,unit,overall\nR-1,telefonica,2026-10-01T08:00:00-05:00,admisiones,5\n",
    );
    let out = p.run(&["run", "nightly"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("inbox/interactions.csv is not a table")
            && err.contains("nada de este archivo fue escrito"),
        "{err}"
    );
    assert_eq!(p.sql_one("select count(*) from surveys"), "1");
    let run = p.sql_one("select status, error like '%interactions.csv is not a table%' from runs");
    assert_eq!(run, "failed,true");
}

#[test]
fn an_unreachable_lake_fails_clearly() {
    let p = Project::with_nightly();
    p.demo_inbox(200);
    let out = p.run(&["--lake", "file:///proc/nonexistent/lake", "run", "nightly"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("pipeline `nightly`: no se pudo usar el lago file:///proc/nonexistent/lake"),
        "{err}"
    );

    // A lake below a regular file (root ignores permissions, so no read-only folder).
    p.write("not-a-folder", "x");
    let lake = p.path("not-a-folder/lake");
    let toml = std::fs::read_to_string(p.path("pipelines/nightly.toml"))
        .unwrap()
        .replace(
            "# lake = \"s3://momentos/lake\"",
            &format!("lake = \"{}\"", lake.display()),
        );
    p.write("pipelines/elsewhere.toml", &toml);
    let out = p.run(&["run", "elsewhere"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no se pudo usar el lago"));
}

#[test]
fn two_runs_started_together_never_overlap() {
    let p = Project::with_nightly();
    p.demo_inbox(20_000);
    // skip: exactly one runs, the other exits 4 at once.
    let a = p.spawn(&["run", "nightly", "--overlap", "skip"]);
    let b = p.spawn(&["run", "nightly", "--overlap", "skip"]);
    let (a, b) = (
        wait_child(a, Duration::from_secs(120)),
        wait_child(b, Duration::from_secs(120)),
    );
    let mut codes = [a.status.code(), b.status.code()];
    codes.sort();
    assert_eq!(codes, [Some(3), Some(4)], "{}\n{}", text(&a), text(&b));
    let busy = if a.status.code() == Some(4) { &a } else { &b };
    assert!(
        String::from_utf8_lossy(&busy.stderr)
            .contains("el pipeline `nightly` ya se está ejecutando"),
        "{}",
        text(busy)
    );
    assert_eq!(
        p.sql("select status from runs order by status"),
        ["skipped_busy", "success_with_quarantine"]
    );

    // wait: the second waits for the first, then finds nothing new.
    p.write("inbox/interactions-2.csv", &{
        let mut s = std::fs::read_to_string(p.path("inbox/interactions.csv")).unwrap();
        s = s.replace("INT-", "INT2-");
        s
    });
    let a = p.spawn(&[
        "run",
        "nightly",
        "--overlap",
        "wait",
        "--wait-timeout",
        "2m",
    ]);
    let b = p.spawn(&[
        "run",
        "nightly",
        "--overlap",
        "wait",
        "--wait-timeout",
        "2m",
    ]);
    let (a, b) = (
        wait_child(a, Duration::from_secs(180)),
        wait_child(b, Duration::from_secs(180)),
    );
    let mut codes = [a.status.code(), b.status.code()];
    codes.sort();
    assert_eq!(codes, [Some(0), Some(3)], "{}\n{}", text(&a), text(&b));
    let runs = p.sql(
        "select cast(started_at as bigint) s, cast(ended_at as bigint) e, rows_in from runs \
         where status like 'success%' order by started_at",
    );
    assert_eq!(runs.len(), 3, "{runs:?}");
    let span = |r: &String| -> (i64, i64, u64) {
        let f: Vec<&str> = r.split(',').collect();
        (
            f[0].parse().unwrap(),
            f[1].parse().unwrap(),
            f[2].parse().unwrap(),
        )
    };
    let (second, third) = (span(&runs[1]), span(&runs[2]));
    assert!(second.1 <= third.0, "runs overlap: {runs:?}");
    assert!(
        second.2 > 0 && third.2 == 0,
        "the waiting run finds nothing new: {runs:?}"
    );
}

#[test]
fn a_killed_run_is_taken_over_and_every_row_lands_once() {
    let p = Project::with_nightly();
    p.demo_inbox(60_000);
    let victim = p.spawn(&["run", "nightly"]);
    let lock = p.path("lake/_locks/pipeline-nightly.json");
    wait_for(Duration::from_secs(60), "the run to take its lock", || {
        lock.exists()
    });
    std::thread::sleep(Duration::from_millis(1500));
    signal(&victim, "KILL");
    let killed = wait_child(victim, Duration::from_secs(10));
    assert_eq!(
        killed.status.code(),
        None,
        "killed by a signal: {}",
        text(&killed)
    );
    assert!(lock.exists(), "the killed run left its lock behind");

    let out = p.run(&["run", "nightly", "--overlap", "skip"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(!lock.exists(), "the lock is released after the run");

    let counts = p.sql_one("select count(*), count(distinct interaction_id) from interactions");
    let (total, distinct) = counts.split_once(',').unwrap();
    assert_eq!(total, distinct, "no interaction twice");

    // The same exports ingested into a fresh lake in one go hold the same rows.
    let reference = p.run(&[
        "--lake",
        "ref-lake",
        "ingest",
        "interactions",
        "inbox/interactions.csv",
    ]);
    assert!(
        reference.status.code() == Some(3) || reference.status.success(),
        "{}",
        text(&reference)
    );
    let expected = p.run(&[
        "--lake",
        "ref-lake",
        "sql",
        "--format",
        "csv",
        "select count(*) from interactions",
    ]);
    let expected = String::from_utf8_lossy(&expected.stdout)
        .lines()
        .nth(1)
        .unwrap()
        .to_string();
    assert_eq!(total, expected);

    // The dead run is in the history as interrupted; nothing is left `running`.
    let statuses = p
        .sql("select status, error like '%terminó sin acabar la ejecución%' from runs order by started_at");
    assert_eq!(statuses[0], "interrupted,true", "{statuses:?}");
    assert_eq!(statuses.len(), 2, "{statuses:?}");
}

#[test]
fn check_names_the_file_the_key_and_the_fix() {
    let p = Project::with_nightly();
    let ok = p.run(&["check"]);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok));

    let nightly = std::fs::read_to_string(p.path("pipelines/nightly.toml")).unwrap();
    p.write(
        "pipelines/typo.toml",
        &nightly.replace("\nschedule =", "\nschedul ="),
    );
    p.write(
        "pipelines/badcron.toml",
        &nightly.replace("schedule = \"30 2 * * *\"", "schedule = \"30 25 * * *\""),
    );
    let out = p.run(&["check"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let shown = String::from_utf8_lossy(&out.stdout);
    let line_of = |needle: &str| nightly.lines().position(|l| l.starts_with(needle)).unwrap() + 1;
    assert!(
        shown.contains(&format!(
            "pipelines/typo.toml:{}:1: `schedul`: clave desconocida `schedul`",
            line_of("schedule =")
        )),
        "{shown}"
    );
    assert!(
        shown.contains("corrección: ¿quiso decir `schedule`?"),
        "{shown}"
    );
    assert!(
        shown.contains(&format!("pipelines/badcron.toml:{}:12: `schedule`: `30 25 * * *` no es una expresión cron válida", line_of("schedule ="))),
        "{shown}"
    );
    assert!(shown.contains("corrección: escriba 5 campos"), "{shown}");
    assert!(shown.contains("2 problemas"), "{shown}");

    // The same problems in English on request, at the same positions.
    let out = p.run(&["--lang", "en", "check"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(
        shown.contains(&format!(
            "pipelines/typo.toml:{}:1: `schedul`: unknown key `schedul`",
            line_of("schedule =")
        )),
        "{shown}"
    );
    assert!(shown.contains("fix: did you mean `schedule`?"), "{shown}");
    assert!(shown.contains("fix: write 5 fields"), "{shown}");

    // A run of an invalid pipeline is a configuration error too.
    let out = p.run(&["run", "typo"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
}

#[test]
fn a_pipeline_with_every_step_checks_and_delivers_nothing_without_recipients() {
    let p = Project::with_nightly();
    let nightly = std::fs::read_to_string(p.path("pipelines/nightly.toml")).unwrap();
    p.write(
        "pipelines/full.toml",
        &nightly.replace(
            "steps = [\"ingest\", \"maintain\", \"score\", \"plans\", \"alerts\", \"report\", \"deliver\"]",
            "steps = [\"ingest\", \"alerts\", \"report\", \"deliver\"]",
        ),
    );
    let check = p.run(&["check"]);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check));

    let out = p.run(&["run", "full"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        p.sql("select step, status from run_steps order by position"),
        [
            "ingest,success",
            "alerts,success",
            "report,success",
            "deliver,success"
        ]
    );
    assert!(p
        .sql_one("select detail from run_steps where step = 'deliver'")
        .contains("no hay destinatarios"));
}

#[test]
fn help_documents_the_exit_codes() {
    let out = std::process::Command::new(bin())
        .args(["run", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for line in [
        "0  éxito",
        "3  éxito, pero algunas filas quedaron en cuarentena",
        "1  la ejecución falló",
        "4  hay otra ejecución de este pipeline en curso",
    ] {
        assert!(help.contains(line), "{help}");
    }
}

#[test]
fn sigterm_stops_a_run_between_files_and_a_rerun_finishes_the_work() {
    let p = Project::with_nightly();
    p.demo_inbox(25_000);
    let run = p.spawn(&["run", "nightly"]);
    let lock = p.path("lake/_locks/pipeline-nightly.json");
    wait_for(Duration::from_secs(60), "the run to take its lock", || {
        lock.exists()
    });
    std::thread::sleep(Duration::from_millis(500));
    signal(&run, "TERM");
    let out = wait_child(run, Duration::from_secs(120));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(!lock.exists(), "an interrupted run releases its lock");
    assert_eq!(
        p.sql_one("select status, error from runs"),
        "interrupted,detenido por una solicitud de apagado durante el paso `ingest`"
    );
    let detail = p.sql_one("select detail from run_steps where step = 'ingest'");
    assert!(
        detail.contains("detenido antes por una solicitud de apagado"),
        "{detail}"
    );

    let rerun = p.run(&["run", "nightly"]);
    assert_eq!(rerun.status.code(), Some(3), "{}", text(&rerun));
    let counts = p.sql_one("select count(*), count(distinct interaction_id) from interactions");
    let (total, distinct) = counts.split_once(',').unwrap();
    assert_eq!(total, distinct);
    assert_eq!(
        p.sql_one("select count(distinct source_file) from shopper"),
        "1"
    );
}
