//! The SQL session of a login: the lake as it is when the login connects (so a connection
//! opened after `momentos score` sees the new tables), filtered by the policy for `unit`
//! logins, with `pg_catalog` for the clients' schema browsers, on the memory pool the whole
//! server shares.
//!
//! Sessions are read-only (the guard refuses DDL and every `SET` that would change one), so
//! the logins of one role and set of units share a session while the lake has not changed:
//! a new commit (a new file in `_batches/`) or [`MAX_AGE`] makes the next login build a new
//! one. Fifty connections then hold one catalog, not fifty.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use datafusion::execution::runtime_env::RuntimeEnv;
use datafusion::prelude::SessionContext;
use datafusion_postgres::datafusion_pg_catalog::pg_catalog::context::EmptyContextProvider;
use datafusion_postgres::datafusion_pg_catalog::pg_catalog::setup_pg_catalog;

use super::auth::Role;
use super::policy;
use crate::catalog::Catalog;
use crate::lake::Lake;
use crate::score::ScoreError;

/// How long a shared session is reused at most: tables outside the batch manifests (runs,
/// deliveries) and the reference tables "as of now" are at most this old for a new login.
pub const MAX_AGE: Duration = Duration::from_secs(60);

struct Cached {
    lake_state: Vec<String>,
    built: Instant,
    ctx: Arc<SessionContext>,
}

/// What every login's session is built from, and the sessions in use.
pub struct Sessions {
    lake: Lake,
    catalog: Catalog,
    runtime: Arc<RuntimeEnv>,
    cache: tokio::sync::Mutex<HashMap<Role, Cached>>,
}

impl Sessions {
    pub fn new(lake: Lake, catalog: Catalog, runtime: Arc<RuntimeEnv>) -> Sessions {
        Sessions {
            lake,
            catalog,
            runtime,
            cache: tokio::sync::Mutex::new(HashMap::new()),
        }
    }

    /// The session for a login of `role`: the shared one while the lake is unchanged and
    /// younger than [`MAX_AGE`], else a new one.
    pub async fn for_login(&self, role: &Role) -> Result<Arc<SessionContext>, ScoreError> {
        let mut lake_state = self
            .lake
            .list(crate::lake::manifest::BATCHES_DIR)
            .await
            .map_err(|e| ScoreError::Run {
                table: "(lake)".into(),
                source: datafusion::error::DataFusionError::External(Box::new(e)),
            })?;
        lake_state.sort();
        // One build at a time: fifty logins at once wait for one session, not build fifty.
        let mut cache = self.cache.lock().await;
        if let Some(c) = cache.get(role) {
            if c.lake_state == lake_state && c.built.elapsed() < MAX_AGE {
                return Ok(c.ctx.clone());
            }
        }
        let ctx = Arc::new(self.open(role).await?);
        cache.retain(|_, c| c.built.elapsed() < MAX_AGE);
        cache.insert(
            role.clone(),
            Cached {
                lake_state,
                built: Instant::now(),
                ctx: ctx.clone(),
            },
        );
        Ok(ctx)
    }

    /// A new session over the lake's current state for a login of `role`.
    pub async fn open(&self, role: &Role) -> Result<SessionContext, ScoreError> {
        let ctx = crate::sql::new_context(self.runtime.clone());
        match role {
            Role::Analyst => {
                crate::sql::register_lake(&ctx, &self.lake, &self.catalog, None).await?;
            }
            Role::Unit(units) => {
                let guard = |name: &str, provider| policy::secure(name, provider, units);
                crate::sql::register_lake(&ctx, &self.lake, &self.catalog, Some(&guard)).await?;
            }
        }
        let catalog_name = ctx.state().config_options().catalog.default_catalog.clone();
        setup_pg_catalog(&ctx, &catalog_name, EmptyContextProvider).map_err(|source| {
            ScoreError::Run {
                table: "pg_catalog".into(),
                source: *source,
            }
        })?;
        Ok(ctx)
    }
}
