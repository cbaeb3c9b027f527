//! `momentos serve`: the lake over the PostgreSQL wire protocol, read-only, for BI tools,
//! drivers and `psql` (issue 18).
//!
//! Built on `datafusion-postgres` (pgwire, `pg_catalog`): each connection gets its own
//! handlers; the login ([`login::LoginHandler`], SCRAM-SHA-256 against the users file) opens
//! the login's session ([`session::Sessions`], filtered by [`policy`] for `unit` logins),
//! and every statement passes the [`guard`] before DataFusion sees it. The memory pool is
//! shared by all connections; each statement stops at the `--timeout` limit, rows
//! included, or at the client's cancel request (psql's Ctrl-C).

pub mod auth;
pub mod guard;
pub mod login;
pub mod policy;
pub mod session;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use datafusion_postgres::hooks::cursor::CursorStatementHook;
use datafusion_postgres::hooks::set_show::SetShowHook;
use datafusion_postgres::hooks::transactions::TransactionStatementHook;
use datafusion_postgres::pgwire::api::auth::StartupHandler;
use datafusion_postgres::pgwire::api::cancel::{CancelHandler, DefaultCancelHandler};
use datafusion_postgres::pgwire::api::portal::{Format, Portal};
use datafusion_postgres::pgwire::api::query::{ExtendedQueryHandler, SimpleQueryHandler};
use datafusion_postgres::pgwire::api::results::{FieldInfo, Response};
use datafusion_postgres::pgwire::api::stmt::QueryParser;
use datafusion_postgres::pgwire::api::store::PortalStore;
use datafusion_postgres::pgwire::api::{
    ClientInfo, ClientPortalStore, ConnectionGuard, ConnectionHandle, ConnectionManager,
    ErrorHandler, PgWireServerHandlers, Type,
};
use datafusion_postgres::pgwire::error::{ErrorInfo, PgWireError, PgWireResult};
use datafusion_postgres::pgwire::messages::PgWireBackendMessage;
use datafusion_postgres::{DfSessionService, QueryHook};
use futures::future::{BoxFuture, Shared as SharedFuture};
use futures::{FutureExt, StreamExt};
use tokio::net::TcpListener;

use crate::sql::Limits;

pub use auth::{Role, Users, Verifier};

/// The statement type of datafusion-postgres' handlers (SQL text and its plan).
type Stmt = <DfSessionService as ExtendedQueryHandler>::Statement;

/// What all connections share.
pub struct Shared {
    pub sessions: session::Sessions,
    /// `None`: `--no-auth` (loopback only), every login is an analyst.
    pub users: Option<Users>,
    pub throttle: auth::Throttle,
    /// Salts the decoy verifiers of unknown user names (random per server start).
    pub decoy_secret: [u8; 32],
    pub limits: Limits,
    /// Logged-in connections by (pid, secret key), for cancel requests.
    pub connections: Arc<ConnectionManager>,
    /// The runtime DataFusion's tasks run on, apart from the one that accepts connections,
    /// logs in, answers cancel requests and keeps the time: a heavy query cannot starve
    /// them.
    pub compute: tokio::runtime::Handle,
    /// A parser over an empty session: it answers parameter and result types of an already
    /// planned statement, which depend on the plan only.
    types: Arc<datafusion_postgres::Parser>,
}

impl Shared {
    pub fn new(
        sessions: session::Sessions,
        users: Option<Users>,
        limits: Limits,
        compute: tokio::runtime::Handle,
    ) -> Shared {
        let empty = DfSessionService::new_with_hooks(
            Arc::new(datafusion::prelude::SessionContext::new()),
            vec![],
        );
        Shared {
            sessions,
            users,
            throttle: auth::Throttle::default(),
            decoy_secret: rand::random(),
            limits,
            connections: Arc::new(ConnectionManager::new()),
            compute,
            types: empty.query_parser(),
        }
    }
}

/// The hooks every statement passes, the guard first.
pub fn hooks() -> Vec<Arc<dyn QueryHook>> {
    vec![
        Arc::new(guard::ReadOnlyHook),
        Arc::new(CursorStatementHook),
        Arc::new(SetShowHook),
        Arc::new(TransactionStatementHook),
    ]
}

/// A logged-in connection's session, kept in the connection's extensions by the login.
pub struct LoginSession {
    pub user: String,
    pub service: DfSessionService,
    /// Fires when a cancel request names this connection.
    pub cancel: Arc<ConnectionHandle>,
    /// Unregisters the connection from [`Shared::connections`] when it ends.
    pub _registered: ConnectionGuard,
}

/// Accepts connections until the process is asked to stop (Ctrl-C or SIGTERM).
pub async fn run(
    listener: TcpListener,
    shared: Arc<Shared>,
    tls: Option<tokio_rustls::TlsAcceptor>,
) -> std::io::Result<()> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    loop {
        let (socket, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    tracing::warn!(error = %e, "Could not accept a connection.");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = tokio::signal::ctrl_c() => return Ok(()),
            _ = term.recv() => return Ok(()),
        };
        let _ = socket.set_nodelay(true);
        let handlers = Connection::new(shared.clone(), peer);
        let tls = tls.clone();
        tokio::spawn(async move {
            if let Err(e) =
                datafusion_postgres::pgwire::tokio::process_socket(socket, tls, handlers).await
            {
                tracing::debug!(%peer, error = %e, "Connection ended with an error.");
            }
        });
    }
}

/// The handlers of one connection.
struct Connection {
    login: Arc<login::LoginHandler>,
    queries: Arc<Queries>,
    cancel: Arc<DefaultCancelHandler>,
}

impl Connection {
    fn new(shared: Arc<Shared>, peer: SocketAddr) -> Connection {
        Connection {
            login: Arc::new(login::LoginHandler::new(shared.clone(), peer)),
            cancel: Arc::new(DefaultCancelHandler::new(shared.connections.clone())),
            queries: Arc::new(Queries {
                parser: Arc::new(LoginParser {
                    types: shared.types.clone(),
                }),
                shared,
            }),
        }
    }
}

impl PgWireServerHandlers for Connection {
    fn simple_query_handler(&self) -> Arc<impl SimpleQueryHandler> {
        self.queries.clone()
    }

    fn extended_query_handler(&self) -> Arc<impl ExtendedQueryHandler> {
        self.queries.clone()
    }

    fn startup_handler(&self) -> Arc<impl StartupHandler> {
        self.login.clone()
    }

    fn error_handler(&self) -> Arc<impl ErrorHandler> {
        Arc::new(QuietErrors)
    }

    fn cancel_handler(&self) -> Arc<impl CancelHandler> {
        self.cancel.clone()
    }
}

struct QuietErrors;

impl ErrorHandler for QuietErrors {
    fn on_error<C>(&self, _client: &C, error: &mut PgWireError)
    where
        C: ClientInfo,
    {
        // A client's SQL error is its own business; the text may quote the client's SQL.
        tracing::debug!(error = %error, "Statement failed.");
    }
}

/// The logged-in session of a connection (none before the login finished).
fn login_of<C: ClientInfo + ?Sized>(client: &C) -> PgWireResult<Arc<LoginSession>> {
    client
        .session_extensions()
        .get::<LoginSession>()
        .ok_or_else(|| {
            PgWireError::UserError(Box::new(ErrorInfo::new(
                "FATAL".into(),
                "28000".into(),
                "not logged in".into(),
            )))
        })
}

fn timeout_error(limit: Duration) -> PgWireError {
    PgWireError::UserError(Box::new(ErrorInfo::new(
        "ERROR".into(),
        "57014".into(),
        format!(
            "canceling statement: it ran longer than the server's limit of {limit:?} (--timeout)"
        ),
    )))
}

fn cancel_error() -> PgWireError {
    PgWireError::UserError(Box::new(ErrorInfo::new(
        "ERROR".into(),
        "57014".into(),
        "canceling statement due to user request".into(),
    )))
}

/// Why a statement stops early: its deadline or the client's cancel request.
#[derive(Debug, Clone, Copy)]
enum Stop {
    Timeout(Duration),
    Cancelled,
}

impl Stop {
    fn error(self) -> PgWireError {
        match self {
            Stop::Timeout(limit) => timeout_error(limit),
            Stop::Cancelled => cancel_error(),
        }
    }
}

type StopSignal = SharedFuture<BoxFuture<'static, Stop>>;

/// Resolves at the statement's deadline, or when a cancel request names the connection.
async fn stop_signal(login: &LoginSession, limit: Duration) -> StopSignal {
    let deadline = tokio::time::Instant::now() + limit;
    let cancelled = login.cancel.start_query().await;
    async move {
        tokio::select! {
            _ = tokio::time::sleep_until(deadline) => Stop::Timeout(limit),
            // An error means the next statement replaced this one's signal: never fires.
            fired = cancelled => match fired {
                Ok(()) => Stop::Cancelled,
                Err(_) => std::future::pending().await,
            },
        }
    }
    .boxed()
    .shared()
}

/// A future or stream polled inside another runtime's context, so the tasks DataFusion
/// spawns while it is polled (partitions, repartitioning) run on that runtime.
struct OnRuntime<T: ?Sized> {
    handle: tokio::runtime::Handle,
    inner: std::pin::Pin<Box<T>>,
}

impl<T: std::future::Future + ?Sized> std::future::Future for OnRuntime<T> {
    type Output = T::Output;
    fn poll(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<T::Output> {
        let this = self.get_mut();
        let _entered = this.handle.enter();
        this.inner.as_mut().poll(cx)
    }
}

impl<T: futures::Stream + ?Sized> futures::Stream for OnRuntime<T> {
    type Item = T::Item;
    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<T::Item>> {
        let this = self.get_mut();
        let _entered = this.handle.enter();
        this.inner.as_mut().poll_next(cx)
    }
}

/// Runs `work` until it finishes or `stop` fires.
async fn until_stopped<T>(
    stop: &StopSignal,
    work: impl std::future::Future<Output = PgWireResult<T>>,
) -> PgWireResult<T> {
    tokio::select! {
        done = work => done,
        why = stop.clone() => Err(why.error()),
    }
}

/// Cuts a result's rows when `stop` fires, with its error; the rows are computed on the
/// `compute` runtime.
fn rows_until_stopped(
    response: Response,
    stop: StopSignal,
    compute: &tokio::runtime::Handle,
) -> Response {
    let Response::Query(mut q) = response else {
        return response;
    };
    let taken = std::mem::replace(&mut q.data_rows, Box::pin(futures::stream::empty()));
    let rows = OnRuntime {
        handle: compute.clone(),
        inner: taken,
    };
    q.data_rows = Box::pin(futures::stream::unfold(
        (rows, stop, false),
        move |(mut rows, stop, done)| async move {
            if done {
                return None;
            }
            tokio::select! {
                row = rows.next() => row.map(|r| (r, (rows, stop, false))),
                why = stop.clone() => Some((Err(why.error()), (rows, stop, true))),
            }
        },
    ));
    Response::Query(q)
}

/// The query handlers of a connection: the login's session, under the time limit.
struct Queries {
    shared: Arc<Shared>,
    parser: Arc<LoginParser>,
}

#[async_trait]
impl SimpleQueryHandler for Queries {
    async fn do_query<C>(&self, client: &mut C, query: &str) -> PgWireResult<Vec<Response>>
    where
        C: ClientInfo
            + ClientPortalStore
            + futures::Sink<PgWireBackendMessage>
            + Unpin
            + Send
            + Sync,
        C::PortalStore: PortalStore,
        C::Error: std::fmt::Debug,
        PgWireError: From<<C as futures::Sink<PgWireBackendMessage>>::Error>,
    {
        let login = login_of(client)?;
        let stop = stop_signal(&login, self.shared.limits.timeout).await;
        let work = OnRuntime {
            handle: self.shared.compute.clone(),
            inner: Box::pin(SimpleQueryHandler::do_query(&login.service, client, query)),
        };
        let responses = until_stopped(&stop, work).await?;
        Ok(responses
            .into_iter()
            .map(|r| rows_until_stopped(r, stop.clone(), &self.shared.compute))
            .collect())
    }
}

#[async_trait]
impl ExtendedQueryHandler for Queries {
    type Statement = Stmt;
    type QueryParser = LoginParser;

    fn query_parser(&self) -> Arc<LoginParser> {
        self.parser.clone()
    }

    async fn do_query<C>(
        &self,
        client: &mut C,
        portal: &Portal<Self::Statement>,
        max_rows: usize,
    ) -> PgWireResult<Response>
    where
        C: ClientInfo
            + ClientPortalStore
            + futures::Sink<PgWireBackendMessage>
            + Unpin
            + Send
            + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: std::fmt::Debug,
        PgWireError: From<<C as futures::Sink<PgWireBackendMessage>>::Error>,
    {
        let login = login_of(client)?;
        let stop = stop_signal(&login, self.shared.limits.timeout).await;
        let work = OnRuntime {
            handle: self.shared.compute.clone(),
            inner: Box::pin(ExtendedQueryHandler::do_query(
                &login.service,
                client,
                portal,
                max_rows,
            )),
        };
        let response = until_stopped(&stop, work).await?;
        Ok(rows_until_stopped(response, stop, &self.shared.compute))
    }
}

/// Parses (and plans) a statement in the connection's login session, through the hooks.
pub struct LoginParser {
    types: Arc<datafusion_postgres::Parser>,
}

#[async_trait]
impl QueryParser for LoginParser {
    type Statement = Stmt;

    async fn parse_sql<C>(
        &self,
        client: &C,
        sql: &str,
        types: &[Option<Type>],
    ) -> PgWireResult<Option<Self::Statement>>
    where
        C: ClientInfo + Unpin + Send + Sync,
    {
        let login = login_of(client)?;
        login
            .service
            .query_parser()
            .parse_sql(client, sql, types)
            .await
    }

    fn get_parameter_types(&self, stmt: &Self::Statement) -> PgWireResult<Vec<Type>> {
        self.types.get_parameter_types(stmt)
    }

    fn get_result_schema(
        &self,
        stmt: &Self::Statement,
        column_format: Option<&Format>,
    ) -> PgWireResult<Vec<FieldInfo>> {
        self.types.get_result_schema(stmt, column_format)
    }
}
