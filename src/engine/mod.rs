//! Where the plans of `momentos score` and `momentos sql` run (DESIGN §8): in this process
//! (`embedded`, the default), on an in-process Apache DataFusion Ballista cluster
//! (`standalone`), or on a Ballista scheduler (`df://host:port`).
//!
//! The session is the same in every case — the same tables, views, reference tables and
//! configuration — and so is the physical plan, made here. On a cluster, a plan that scans
//! lake files is sent whole to the scheduler, which splits it into stages for its
//! executors; the executors open the lake's files themselves (a lake on S3, or a folder they
//! share). Plans that read only what this process holds (reference tables, cached views,
//! the cell statistics, `information_schema`) run here. The client writes the derived
//! tables and commits them as the embedded engine does.
//!
//! Ballista comes only with `--features ballista`: it switches on DataFusion's default
//! features, which the default build trims.

#[cfg(feature = "ballista")]
pub mod cluster;

use datafusion::error::DataFusionError;
use datafusion::prelude::SessionContext;

/// The scheduler's port when `df://host` names none (Ballista's default).
pub const DEFAULT_PORT: u16 = 50050;

/// Where plans run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Engine {
    /// In this process.
    #[default]
    Embedded,
    /// On a Ballista scheduler and executor started in this process.
    Standalone,
    /// On the Ballista scheduler at `df://host:port`.
    Remote { host: String, port: u16 },
}

impl Engine {
    /// `embedded`, `standalone` or `df://host[:port]`; a cluster engine needs a build with
    /// `--features ballista`.
    pub fn parse(raw: &str) -> Result<Engine, String> {
        let s = raw.trim();
        let engine = match s {
            "embedded" => return Ok(Engine::Embedded),
            "standalone" => Engine::Standalone,
            _ => {
                let Some(address) = s.strip_prefix("df://") else {
                    return Err(crate::t!("engine-error-unknown", value = raw));
                };
                let address = address.trim_end_matches('/');
                let (host, port) = match address.rsplit_once(':') {
                    Some((h, p)) => match p.parse::<u16>() {
                        Ok(p) if p > 0 => (h, p),
                        _ => return Err(crate::t!("engine-error-unknown", value = raw)),
                    },
                    None => (address, DEFAULT_PORT),
                };
                if host.is_empty() || host.contains('/') {
                    return Err(crate::t!("engine-error-unknown", value = raw));
                }
                Engine::Remote {
                    host: host.to_string(),
                    port,
                }
            }
        };
        if cfg!(feature = "ballista") {
            Ok(engine)
        } else {
            Err(crate::t!("engine-error-no-ballista", value = raw))
        }
    }

    /// True when the engine's workers read files on this process's local disk: the score
    /// then lets the views after `interaction_facts` read its freshly computed files (not
    /// yet committed, still local); a remote cluster computes the facts again from the lake.
    pub fn shares_local_disk(&self) -> bool {
        !matches!(self, Engine::Remote { .. })
    }

    /// The session `ctx` set up to run its plans on this engine (unchanged when embedded).
    /// Call before registering tables.
    pub async fn attach(&self, ctx: SessionContext) -> Result<SessionContext, DataFusionError> {
        match self {
            Engine::Embedded => Ok(ctx),
            #[cfg(feature = "ballista")]
            other => cluster::attach(other, ctx).await,
            #[cfg(not(feature = "ballista"))]
            other => Err(DataFusionError::Configuration(crate::t!(
                "engine-error-no-ballista",
                value = other.to_string()
            ))),
        }
    }
}

impl std::fmt::Display for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Engine::Embedded => f.write_str("embedded"),
            Engine::Standalone => f.write_str("standalone"),
            Engine::Remote { host, port } => write!(f, "df://{host}:{port}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engines_from_text() {
        assert_eq!(Engine::parse("embedded").unwrap(), Engine::Embedded);
        for bad in [
            "",
            "ballista",
            "df://",
            "df://h:0",
            "df://h:x",
            "http://h:1",
        ] {
            assert!(Engine::parse(bad).is_err(), "{bad}");
        }
        let remote = Engine::parse("df://127.0.0.1:50051");
        let standalone = Engine::parse("standalone");
        if cfg!(feature = "ballista") {
            let remote = remote.unwrap();
            assert_eq!(
                remote,
                Engine::Remote {
                    host: "127.0.0.1".into(),
                    port: 50051
                }
            );
            assert_eq!(remote.to_string(), "df://127.0.0.1:50051");
            assert_eq!(
                Engine::parse("df://scheduler").unwrap().to_string(),
                "df://scheduler:50050"
            );
            assert_eq!(standalone.unwrap(), Engine::Standalone);
        } else {
            let message = remote.unwrap_err();
            assert!(message.contains("--features ballista"), "{message}");
            assert!(standalone.is_err());
        }
    }
}
