use std::process::ExitCode;

use momentos::catalog::Catalog;
use momentos::cli::{Cli, Command};
use momentos::commands::{self, ExitStatus};
use momentos::lake::Lake;

fn init_logging(verbose: u8) {
    let level = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    // The Delta libraries narrate every snapshot they build; -v is about our work. Ballista's
    // scheduler (`--engine standalone`) logs an error for every physical plan submitted to
    // it ("Fail to combine stage metrics to plan"), about its metrics display only.
    let default = format!(
        "{level},deltalake_core=warn,buoyant_kernel=warn,delta_kernel=warn,ballista_scheduler::display=off"
    );
    let filter = tracing_subscriber::EnvFilter::try_from_env("MOMENTOS_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    // Colour codes only for a person at a terminal: logs redirected to a file or read by a
    // scheduler stay plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .init();
}

/// Counts live heap bytes so SQL memory limits hold for the whole process.
#[global_allocator]
static ALLOCATOR: momentos::memory::CountingAllocator = momentos::memory::CountingAllocator;

/// calamine panics on some damaged workbooks; `sources::xlsx` catches those panics and
/// reports a damaged workbook, so the panic line Rust would print first is only noise.
fn quiet_caught_library_panics() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info
            .location()
            .is_some_and(|l| l.file().contains("/calamine-"))
        {
            return;
        }
        default_hook(info)
    }));
}

fn main() -> ExitCode {
    momentos::memory::CountingAllocator::activate();
    let cli = Cli::parse_localized();
    // The daemons' logs (schedule, serve) are their output: info by default.
    let daemon = matches!(
        cli.command,
        Command::Schedule { .. }
            | Command::Serve {
                hash_password: false,
                ..
            }
    );
    // `momentos check | head` should end quietly like any Unix tool, not panic on a closed
    // pipe. Commands that talk to servers (SMTP, webhooks, the daemon's runs) keep Rust's
    // ignored SIGPIPE so a peer that hangs up is an error they handle, not a kill.
    let talks_to_servers =
        daemon || matches!(cli.command, Command::Deliver { .. } | Command::Run { .. });
    if !talks_to_servers {
        // SAFETY: called before any other thread exists; restores the default disposition.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        }
    }
    quiet_caught_library_panics();
    init_logging(cli.verbose.max(u8::from(daemon)));
    // Planning the scoring views recurses deeply; give workers the main thread's stack.
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .thread_stack_size(8 * 1024 * 1024)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!(
                "error: {}",
                momentos::t!("error-runtime", error = e.to_string())
            );
            return ExitStatus::Failure.into();
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(status) => status.into(),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitStatus::Failure.into()
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitStatus> {
    // Needs neither a lake nor a catalog.
    if let Command::Serve {
        hash_password: true,
        ..
    } = cli.command
    {
        return commands::serve::hash_password();
    }
    // Pipeline commands check the catalog and open their pipeline's lake themselves.
    if matches!(
        cli.command,
        Command::Run { .. }
            | Command::Schedule { .. }
            | Command::Runs { .. }
            | Command::Check { .. }
    ) {
        return commands::pipelines::dispatch(cli).await;
    }
    let catalog = match Catalog::discover(cli.catalog.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitStatus::UsageError);
        }
    };
    if matches!(
        cli.command,
        Command::Sql { .. }
            | Command::Query {
                name: Some(_),
                list: false,
                ..
            }
            | Command::Report { .. }
            | Command::Serve { .. }
    ) {
        if let Err(m) = commands::sql::lake_must_exist(&cli.lake) {
            eprintln!("error: {m}");
            return Ok(ExitStatus::UsageError);
        }
    }
    let lake = Lake::open(&cli.lake)?;
    let engine = cli.engine;
    match cli.command {
        Command::Ingest {
            kind,
            files,
            format,
            sheet,
            source,
        } => {
            commands::ingest::run_cli(
                &lake,
                &catalog,
                &kind,
                files,
                source,
                format.as_deref(),
                sheet,
            )
            .await
        }
        Command::Sources { dir } => commands::sources::run(dir.as_deref()),
        Command::Serve {
            listen,
            users,
            no_auth,
            tls_cert,
            tls_key,
            memory_limit,
            timeout,
            hash_password: _,
        } => {
            let limits = momentos::sql::Limits {
                memory_bytes: memory_limit,
                timeout,
                ..Default::default()
            };
            commands::serve::run(
                lake,
                &catalog,
                commands::serve::ServeArgs {
                    listen,
                    users,
                    no_auth,
                    tls: tls_cert.zip(tls_key),
                    limits,
                },
            )
            .await
        }
        Command::Sql {
            query,
            file,
            format,
            output,
            limits,
        } => {
            let limits = limits.limits();
            commands::sql::run(
                &lake,
                &catalog,
                commands::sql::SqlArgs {
                    query,
                    file,
                    format,
                    output,
                    limits,
                    engine,
                },
            )
            .await
        }
        Command::Query {
            name,
            params,
            list,
            queries,
            format,
            limits,
        } => {
            let limits = limits.limits();
            commands::query::run(
                &lake,
                &catalog,
                commands::query::QueryArgs {
                    name,
                    params,
                    list,
                    queries,
                    format,
                    limits,
                },
            )
            .await
        }
        Command::Score {
            period,
            from,
            to,
            as_of,
            full,
        } => {
            commands::score::run(
                &lake,
                &catalog,
                period.as_deref(),
                from.as_deref(),
                to.as_deref(),
                as_of.as_deref(),
                full,
                engine,
            )
            .await
        }
        Command::Report {
            out,
            period,
            png,
            pdf,
            dashboard,
            no_plans,
        } => {
            commands::report::run(
                &lake,
                &catalog,
                commands::report::ReportArgs {
                    out,
                    period,
                    png,
                    pdf,
                    dashboard,
                    no_plans,
                },
            )
            .await
        }
        Command::Maintain {
            dry_run,
            log_retention,
        } => commands::maintain::run(&lake, &catalog, dry_run, log_retention).await,
        Command::Forget {
            identifier,
            reference,
            no_rederive,
        } => commands::forget::run(&lake, &catalog, &identifier, reference, !no_rederive).await,
        Command::Plans { action } => commands::plans::run(&lake, &catalog, action).await,
        Command::Followup {
            alert,
            escalations,
            out,
            as_of,
        } => {
            commands::followup::run(
                &lake,
                &catalog,
                commands::followup::FollowupArgs {
                    alert,
                    escalations,
                    out,
                    as_of,
                },
            )
            .await
        }
        Command::Deliver {
            report_dir,
            no_report,
            dry_run,
        } => {
            commands::deliver::run(&lake, &catalog, (!no_report).then_some(report_dir), dry_run)
                .await
        }
        Command::Alerts { as_of, list } => {
            commands::alerts::run(&lake, &catalog, as_of.as_deref(), list).await
        }
        Command::Demo {
            inbox,
            seed,
            interactions,
            no_ingest,
        } => commands::demo::run(&lake, &catalog, &inbox, seed, interactions, no_ingest).await,
        Command::Run { .. }
        | Command::Schedule { .. }
        | Command::Runs { .. }
        | Command::Check { .. } => {
            unreachable!("pipeline commands are dispatched above")
        }
    }
}
