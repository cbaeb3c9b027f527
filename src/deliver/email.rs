//! E-mail over SMTP (lettre, rustls): STARTTLS unless the catalog says otherwise, the login
//! read from the environment at send time and never stored, printed or logged.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use super::message::Message;
use super::SendError;
use crate::catalog::delivery::{SmtpSettings, TlsMode};

/// A connection to the configured SMTP server (opened per message; one failing message
/// does not poison the next).
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

/// Why the mailer could not be set up. Never carries the password.
#[derive(Debug, thiserror::Error)]
pub enum MailerError {
    #[error("delivery.smtp.from no es una dirección válida: {0}")]
    From(String),
    #[error("no se puede leer el certificado delivery.smtp.ca_file {path}: {detail}")]
    Ca { path: String, detail: String },
    #[error("la variable {user} tiene usuario SMTP pero {password} está vacía o sin definir")]
    Password { user: String, password: String },
    #[error("TLS con el servidor SMTP: {0}")]
    Tls(String),
}

impl Mailer {
    pub fn new(s: &SmtpSettings) -> Result<Mailer, MailerError> {
        let from: Mailbox = s
            .from
            .parse()
            .map_err(|e: lettre::address::AddressError| MailerError::From(e.to_string()))?;
        let params = || -> Result<TlsParameters, MailerError> {
            let mut b = TlsParameters::builder(s.host.clone());
            if let Some(path) = &s.ca_file {
                let ca_err = |detail: String| MailerError::Ca {
                    path: path.display().to_string(),
                    detail,
                };
                let pem = std::fs::read(path).map_err(|e| ca_err(e.to_string()))?;
                b = b.add_root_certificate(
                    Certificate::from_pem(&pem).map_err(|e| ca_err(e.to_string()))?,
                );
            }
            b.build_rustls()
                .map_err(|e| MailerError::Tls(e.to_string()))
        };
        let tls = match s.tls {
            TlsMode::StartTls => Tls::Required(params()?),
            TlsMode::Implicit => Tls::Wrapper(params()?),
            TlsMode::None => Tls::None,
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(s.host.clone())
            .port(s.port)
            .tls(tls)
            .timeout(Some(Duration::from_secs(u64::from(s.timeout_seconds))));
        let user = std::env::var(&s.user_env).ok().filter(|u| !u.is_empty());
        if let Some(user) = user {
            let password = std::env::var(&s.password_env)
                .ok()
                .filter(|p| !p.is_empty())
                .ok_or_else(|| MailerError::Password {
                    user: s.user_env.clone(),
                    password: s.password_env.clone(),
                })?;
            builder = builder.credentials(Credentials::new(user, password));
        }
        Ok(Mailer {
            transport: builder.build(),
            from,
        })
    }

    /// Sends one message to one address. The error text is the server's or the
    /// connection's; the caller redacts it before storing it. A permanent refusal (5xx)
    /// is not worth retrying in the same run.
    pub async fn send(&self, to: &str, m: &Message) -> Result<(), SendError> {
        let fatal = |text: String| SendError { text, retry: false };
        let to: Mailbox = to
            .parse()
            .map_err(|_| fatal("la dirección del destinatario no es válida".into()))?;
        let mut parts = MultiPart::mixed().singlepart(SinglePart::plain(m.body.clone()));
        for a in &m.attachments {
            let content_type = ContentType::parse(a.content_type)
                .map_err(|e| fatal(format!("tipo de adjunto {}: {e}", a.content_type)))?;
            parts = parts.singlepart(
                Attachment::new(a.file_name.clone()).body(a.bytes.clone(), content_type),
            );
        }
        let email = lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(m.subject.clone())
            .multipart(parts)
            .map_err(|e| fatal(format!("no se pudo componer el correo: {e}")))?;
        self.transport
            .send(email)
            .await
            .map(|_| ())
            .map_err(|e| SendError {
                retry: !e.is_permanent(),
                text: format!("SMTP: {e}"),
            })
    }
}
