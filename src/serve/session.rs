//! The SQL session of one login: the lake as it is when the login connects (so a
//! connection opened after `momentos score` sees the new tables), filtered by the policy for
//! `unit` logins, with `pg_catalog` for the clients' schema browsers, on the memory pool the
//! whole server shares.

use std::sync::Arc;

use datafusion::execution::runtime_env::RuntimeEnv;
use datafusion::prelude::SessionContext;
use datafusion_postgres::datafusion_pg_catalog::pg_catalog::context::EmptyContextProvider;
use datafusion_postgres::datafusion_pg_catalog::pg_catalog::setup_pg_catalog;

use super::auth::Role;
use super::policy;
use crate::catalog::Catalog;
use crate::lake::Lake;
use crate::score::ScoreError;

/// What every login's session is built from.
pub struct Sessions {
    lake: Lake,
    catalog: Catalog,
    runtime: Arc<RuntimeEnv>,
}

impl Sessions {
    pub fn new(lake: Lake, catalog: Catalog, runtime: Arc<RuntimeEnv>) -> Sessions {
        Sessions {
            lake,
            catalog,
            runtime,
        }
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
