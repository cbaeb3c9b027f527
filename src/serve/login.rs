//! The startup phase of one connection: SCRAM-SHA-256 against the users file (or, with
//! `--no-auth` on loopback, any name as an analyst), then the login's session.
//!
//! Every error here is FATAL: pgwire would otherwise put a connection whose login failed in
//! the ready state. A failed login is logged with the user name (when it is a known login)
//! and the peer address, never the password, and answered only after the throttle's delay.

use std::fmt::Debug;
use std::net::SocketAddr;
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use datafusion_postgres::pgwire::api::auth::sasl::SCRAM_SHA_256_METHOD;
use datafusion_postgres::pgwire::api::auth::{
    finish_authentication, protocol_negotiation, save_startup_parameters_to_metadata,
    DefaultServerParameterProvider, StartupHandler,
};
use datafusion_postgres::pgwire::api::{
    ClientInfo, PgWireConnectionState, PidSecretKeyGenerator, RandomPidSecretKeyGenerator,
    METADATA_USER,
};
use datafusion_postgres::pgwire::error::{ErrorInfo, PgWireError, PgWireResult};
use datafusion_postgres::pgwire::messages::startup::Authentication;
use datafusion_postgres::pgwire::messages::{PgWireBackendMessage, PgWireFrontendMessage};
use datafusion_postgres::DfSessionService;
use futures::{Sink, SinkExt};
use tokio::sync::Mutex;

use super::auth::{decoy_verifier, Exchange, Role, ScramError, Verifier};
use super::{LoginSession, Shared};

enum State {
    Initial,
    /// SASL offered; waiting for the client's first SCRAM message.
    Offered {
        user: String,
    },
    /// server-first sent; waiting for the proof.
    Challenged(Box<Challenge>),
    Done,
}

struct Challenge {
    user: String,
    exchange: Exchange,
    verifier: Verifier,
    /// `None` for an unknown user (checked against a decoy verifier).
    role: Option<Role>,
}

pub struct LoginHandler {
    shared: Arc<Shared>,
    peer: SocketAddr,
    state: Mutex<State>,
}

fn fatal(code: &str, message: String) -> PgWireError {
    PgWireError::UserError(Box::new(ErrorInfo::new(
        "FATAL".into(),
        code.into(),
        message,
    )))
}

impl LoginHandler {
    pub fn new(shared: Arc<Shared>, peer: SocketAddr) -> LoginHandler {
        LoginHandler {
            shared,
            peer,
            state: Mutex::new(State::Initial),
        }
    }

    /// The name to log: a known login's name; an unknown one (which might be anything a
    /// person typed, an e-mail say) only as "unknown".
    fn loggable<'a>(&self, user: &'a str) -> &'a str {
        match &self.shared.users {
            Some(users) if users.get(user).is_some() => user,
            Some(_) => "(unknown login)",
            None => user,
        }
    }

    async fn failed(&self, user: &str, why: &str) -> PgWireError {
        let ip = self.peer.ip();
        tracing::warn!(
            user = self.loggable(user),
            peer = %ip,
            reason = why,
            "Failed login."
        );
        let wait = self.shared.throttle.failed(ip, user);
        tokio::time::sleep(wait).await;
        fatal(
            "28P01",
            format!("password authentication failed for user \"{user}\""),
        )
    }

    async fn step<C>(&self, client: &mut C, message: PgWireFrontendMessage) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let mut state = self.state.lock().await;
        match (std::mem::replace(&mut *state, State::Done), message) {
            (State::Initial, PgWireFrontendMessage::Startup(startup)) => {
                protocol_negotiation(client, &startup).await?;
                save_startup_parameters_to_metadata(client, &startup);
                let user = client
                    .metadata()
                    .get(METADATA_USER)
                    .cloned()
                    .filter(|u| !u.is_empty())
                    .ok_or_else(|| fatal("28000", "no user name given".into()))?;
                if self.shared.users.is_none() {
                    return self.accept(client, user, Role::Analyst).await;
                }
                let wait = self.shared.throttle.wait(self.peer.ip(), &user);
                if !wait.is_zero() {
                    tokio::time::sleep(wait).await;
                }
                client.set_state(PgWireConnectionState::AuthenticationInProgress);
                client
                    .send(PgWireBackendMessage::Authentication(Authentication::SASL(
                        vec![SCRAM_SHA_256_METHOD.to_string()],
                    )))
                    .await?;
                *state = State::Offered { user };
                Ok(())
            }
            (State::Offered { user }, PgWireFrontendMessage::PasswordMessageFamily(msg)) => {
                let initial = msg.into_sasl_initial_response()?;
                if initial.auth_method != SCRAM_SHA_256_METHOD {
                    return Err(self.failed(&user, "not SCRAM-SHA-256").await);
                }
                let known = self
                    .shared
                    .users
                    .as_ref()
                    .and_then(|u| u.get(&user))
                    .cloned();
                let verifier = known.as_ref().map_or_else(
                    || decoy_verifier(&self.shared.decoy_secret, &user),
                    |u| u.verifier.clone(),
                );
                let data = initial.data.unwrap_or_default();
                let Ok(exchange) = Exchange::start(&data, &verifier) else {
                    return Err(self.failed(&user, "malformed SCRAM message").await);
                };
                client
                    .send(PgWireBackendMessage::Authentication(
                        Authentication::SASLContinue(Bytes::from(
                            exchange.server_first().to_string(),
                        )),
                    ))
                    .await?;
                *state = State::Challenged(Box::new(Challenge {
                    user,
                    exchange,
                    verifier,
                    role: known.map(|u| u.role),
                }));
                Ok(())
            }
            (State::Challenged(challenge), PgWireFrontendMessage::PasswordMessageFamily(msg)) => {
                let Challenge {
                    user,
                    exchange,
                    verifier,
                    role,
                } = *challenge;
                let response = msg.into_sasl_response()?;
                match (exchange.finish(&response.data, &verifier), role) {
                    (Ok(server_final), Some(role)) => {
                        client
                            .send(PgWireBackendMessage::Authentication(
                                Authentication::SASLFinal(Bytes::from(server_final)),
                            ))
                            .await?;
                        self.shared.throttle.succeeded(self.peer.ip(), &user);
                        self.accept(client, user, role).await
                    }
                    (Err(ScramError::Protocol(_)), _) => {
                        Err(self.failed(&user, "malformed SCRAM message").await)
                    }
                    (_, None) => Err(self.failed(&user, "unknown user").await),
                    (Err(ScramError::WrongPassword), _) => {
                        Err(self.failed(&user, "wrong password").await)
                    }
                }
            }
            (_, _) => Err(fatal("08P01", "unexpected message during login".into())),
        }
    }

    /// Opens the login's session and tells the client it is in.
    async fn accept<C>(&self, client: &mut C, user: String, role: Role) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let ctx = self.shared.sessions.for_login(&role).await.map_err(|e| {
            tracing::error!(error = %e, "Could not open the lake for a login.");
            fatal("58000", format!("could not open the lake: {e}"))
        })?;
        tracing::info!(
            user = self.loggable(&user),
            peer = %self.peer.ip(),
            role = match &role { Role::Analyst => "analyst", Role::Unit(_) => "unit" },
            "Login."
        );
        let service = DfSessionService::new_with_hooks(ctx, super::hooks());
        let (pid, secret) = RandomPidSecretKeyGenerator::default().generate(client);
        client.set_pid_and_secret_key(pid, secret.clone());
        let (cancel, registered) = self.shared.connections.register(pid, secret);
        client.session_extensions().insert(LoginSession {
            user,
            service,
            cancel,
            _registered: registered,
        });
        let mut parameters = DefaultServerParameterProvider::default();
        parameters.is_superuser = false;
        parameters.default_transaction_read_only = true;
        finish_authentication(client, &parameters).await
    }
}

#[async_trait]
impl StartupHandler for LoginHandler {
    async fn on_startup<C>(
        &self,
        client: &mut C,
        message: PgWireFrontendMessage,
    ) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        self.step(client, message).await.map_err(|e| {
            // Whatever went wrong, the connection must not become ready.
            let mut info: ErrorInfo = e.into();
            info.severity = "FATAL".into();
            PgWireError::UserError(Box::new(info))
        })
    }
}
