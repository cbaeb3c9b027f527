//! `momentos-ballista scheduler|executor`: an Apache DataFusion Ballista cluster that runs
//! momentos' plans (`momentos --engine df://host:port`). The crates' own binaries
//! (`ballista-scheduler`, `ballista-executor`) can stand in for the scheduler, not for the
//! executors: Ballista 55's stock executor lacks DataFusion's nested functions
//! (`make_array`), which the score's plans use. Built only with `--features ballista`.

use std::ffi::OsString;
use std::net::SocketAddr;
use std::process::ExitCode;

use momentos::engine::cluster::{self, ExecutorOptions};
use momentos::i18n;
use momentos::t;

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    i18n::set_lang(i18n::choose(&args, |var| std::env::var(var).ok()));
    let args: Vec<String> = args
        .iter()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    // The scheduler logs an error for every physical plan submitted to it ("Fail to combine
    // stage metrics to plan"), about its metrics display only.
    let filter = std::env::var("MOMENTOS_LOG")
        .unwrap_or_else(|_| "info,ballista_scheduler::display=off".into());
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .init();
    let Some(role) = args.first().cloned() else {
        println!("{}", t!("ballista-usage"));
        return ExitCode::from(2);
    };
    let options = match options(&args[1..]) {
        Ok(o) => o,
        Err(argument) => {
            eprintln!(
                "error: {}",
                t!("ballista-bad-argument", argument = argument)
            );
            eprintln!("{}", t!("ballista-usage"));
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {}", t!("error-runtime", error = e.to_string()));
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match role.as_str() {
            "scheduler" => {
                let bind = options.get("bind").unwrap_or("127.0.0.1:50050");
                let bind: SocketAddr = bind
                    .parse()
                    .map_err(|_| t!("ballista-bad-argument", argument = bind))?;
                cluster::run_scheduler(bind)
                    .await
                    .map_err(|e| e.to_string())
            }
            "executor" => {
                let scheduler = options.get("scheduler").unwrap_or("127.0.0.1:50050");
                let (scheduler_host, scheduler_port) = scheduler
                    .rsplit_once(':')
                    .and_then(|(h, p)| Some((h.to_string(), p.parse().ok()?)))
                    .ok_or_else(|| t!("ballista-bad-argument", argument = scheduler))?;
                let number = |key: &str, default: usize| -> Result<usize, String> {
                    options.get(key).map_or(Ok(default), |v| {
                        v.parse().map_err(|_| {
                            t!("ballista-bad-argument", argument = format!("--{key} {v}"))
                        })
                    })
                };
                let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
                let opts = ExecutorOptions {
                    host: options.get("bind").unwrap_or("127.0.0.1").to_string(),
                    port: number("port", 50051)? as u16,
                    grpc_port: number("grpc-port", 50052)? as u16,
                    scheduler_host,
                    scheduler_port,
                    tasks: number("tasks", cores)?,
                    work_dir: options.get("work-dir").map(str::to_string),
                };
                cluster::run_executor(opts).await.map_err(|e| e.to_string())
            }
            other => Err(t!("ballista-bad-argument", argument = other)),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!(
                "error: {}",
                t!("ballista-failed", role = role, error = error)
            );
            ExitCode::FAILURE
        }
    }
}

/// `--key value` pairs.
struct Options(Vec<(String, String)>);

impl Options {
    fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

fn options(args: &[String]) -> Result<Options, String> {
    const KEYS: [&str; 7] = [
        "bind",
        "scheduler",
        "port",
        "grpc-port",
        "tasks",
        "work-dir",
        "lang",
    ];
    let mut out = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let key = arg
            .strip_prefix("--")
            .filter(|k| KEYS.contains(k))
            .ok_or_else(|| arg.clone())?;
        let value = it.next().ok_or_else(|| arg.clone())?;
        out.push((key.to_string(), value.clone()));
    }
    Ok(Options(out))
}
