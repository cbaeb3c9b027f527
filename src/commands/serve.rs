//! `momentos serve`: the lake over the PostgreSQL protocol (see `crate::serve`), and
//! `momentos serve --hash-password`, which prints the SCRAM verifier of a password read
//! from standard input for the users file.

use std::io::Read;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use super::ExitStatus;
use crate::catalog::Catalog;
use crate::lake::Lake;
use crate::serve::{self, session::Sessions, Shared, Users, Verifier};
use crate::sql::Limits;

pub struct ServeArgs {
    pub listen: String,
    pub users: Option<PathBuf>,
    pub no_auth: bool,
    pub tls: Option<(PathBuf, PathBuf)>,
    pub limits: Limits,
}

/// Reads a password from standard input (one line; the newline is not part of it) and
/// prints its verifier.
pub fn hash_password() -> anyhow::Result<ExitStatus> {
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input)?;
    let password = input
        .strip_suffix('\n')
        .map(|p| p.strip_suffix('\r').unwrap_or(p))
        .unwrap_or(&input);
    if password.is_empty() {
        eprintln!("error: {}", crate::t!("serve-empty-password"));
        return Ok(ExitStatus::UsageError);
    }
    println!("{}", Verifier::generate(password));
    Ok(ExitStatus::Success)
}

fn tls_acceptor(cert: &PathBuf, key: &PathBuf) -> anyhow::Result<tokio_rustls::TlsAcceptor> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    let _ = tokio_rustls::rustls::crypto::ring::default_provider().install_default();
    let read = |p: &PathBuf| {
        std::fs::read(p).map_err(|e| {
            let error = e.to_string();
            anyhow::anyhow!(crate::t!("error-cannot-read", path = p, error = error))
        })
    };
    let certs = CertificateDer::pem_slice_iter(&read(cert)?)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| anyhow::anyhow!("{}: {e}", cert.display()))?;
    let key = PrivateKeyDer::from_pem_slice(&read(key)?)
        .map_err(|e| anyhow::anyhow!("{}: {e}", key.display()))?;
    let config = tokio_rustls::rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(certs, key)?;
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

pub async fn run(lake: Lake, catalog: &Catalog, args: ServeArgs) -> anyhow::Result<ExitStatus> {
    let addr: SocketAddr = match tokio::net::lookup_host(&args.listen)
        .await
        .ok()
        .and_then(|mut a| a.next())
    {
        Some(a) => a,
        None => {
            eprintln!(
                "error: {}",
                crate::t!("serve-bad-listen", value = args.listen.as_str())
            );
            return Ok(ExitStatus::UsageError);
        }
    };
    let users = match (&args.users, args.no_auth) {
        (Some(path), _) => match Users::load(path, catalog) {
            Ok(u) if u.is_empty() => {
                eprintln!(
                    "error: {}",
                    crate::t!("serve-no-users", path = path.display().to_string())
                );
                return Ok(ExitStatus::UsageError);
            }
            Ok(u) => Some(u),
            Err(e) => {
                eprintln!("error: {e}");
                return Ok(ExitStatus::UsageError);
            }
        },
        (None, true) if addr.ip().is_loopback() => None,
        (None, true) => {
            eprintln!("error: {}", crate::t!("serve-no-auth-loopback"));
            return Ok(ExitStatus::UsageError);
        }
        (None, false) => {
            eprintln!("error: {}", crate::t!("serve-needs-users"));
            return Ok(ExitStatus::UsageError);
        }
    };
    let tls = match &args.tls {
        Some((cert, key)) => Some(tls_acceptor(cert, key)?),
        None => None,
    };
    let runtime = crate::sql::runtime(&args.limits)?;
    // Opening one session now reports a broken lake or catalog at start, not at the first
    // login.
    let sessions = Sessions::new(lake, catalog.clone(), runtime);
    sessions.for_login(&serve::Role::Analyst).await?;
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(l) => l,
        Err(e) => {
            let error = e.to_string();
            eprintln!(
                "error: {}",
                crate::t!(
                    "serve-cannot-listen",
                    addr = addr.to_string(),
                    error = error
                )
            );
            return Ok(ExitStatus::Failure);
        }
    };
    let bound = listener.local_addr()?;
    let logins = match &users {
        Some(u) => crate::t!("serve-logins", count = u.len()),
        None => crate::t!("serve-open"),
    };
    eprintln!(
        "{}",
        crate::t!(
            "serve-listening",
            addr = bound.to_string(),
            logins = logins,
            tls = if tls.is_some() { "TLS" } else { "" }
        )
    );
    // DataFusion's work runs on its own threads; this runtime's stay free to accept
    // connections, log in, answer cancel requests and keep the time limits.
    let compute = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(std::thread::available_parallelism().map_or(2, |n| n.get()))
        .thread_name("momentos-sql")
        .thread_stack_size(8 * 1024 * 1024)
        .enable_all()
        .build()?;
    let shared = Arc::new(Shared::new(
        sessions,
        users,
        args.limits,
        compute.handle().clone(),
    ));
    serve::run(listener, shared, tls).await?;
    compute.shutdown_background();
    eprintln!("{}", crate::t!("serve-stopped"));
    Ok(ExitStatus::Success)
}
