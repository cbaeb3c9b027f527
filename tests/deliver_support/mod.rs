//! Loopback servers for the delivery tests: an SMTP server that requires STARTTLS (with a
//! certificate made here, signed by a throwaway CA) and AUTH PLAIN, and an HTTP server
//! that takes webhook POSTs. Both record what arrived, can be told to fail the next N
//! messages, and stop when their runtime is dropped at the end of the test.

#![allow(dead_code)]

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use base64::Engine;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::{self, ServerConfig};
use tokio_rustls::TlsAcceptor;

/// A CA (its PEM, for the catalog's `ca_file`) and a server certificate for 127.0.0.1.
pub struct TestTls {
    pub ca_pem: String,
    acceptor: TlsAcceptor,
}

pub fn test_tls() -> TestTls {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "momentos test CA");
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
        .unwrap()
        .signed_by(&key, &ca)
        .unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
        .unwrap();
    TestTls {
        ca_pem: ca.pem(),
        acceptor: TlsAcceptor::from(Arc::new(config)),
    }
}

/// One message the SMTP server accepted.
#[derive(Debug, Clone)]
pub struct Mail {
    pub rcpt: Vec<String>,
    /// The DATA, headers and MIME parts as sent.
    pub data: String,
    /// Decoded AUTH PLAIN: (user, password).
    pub login: Option<(String, String)>,
    /// Whether the transaction ran inside TLS.
    pub tls: bool,
}

#[derive(Default)]
pub struct SmtpState {
    pub mails: Mutex<Vec<Mail>>,
    /// Answer the next N `MAIL FROM` with a temporary failure.
    pub fail_next: AtomicU32,
    /// The failure line (it may echo an address, as real servers do).
    pub fail_line: Mutex<String>,
}

pub struct SmtpServer {
    pub port: u16,
    pub state: Arc<SmtpState>,
}

/// Starts the SMTP server on the runtime.
pub fn start_smtp(rt: &tokio::runtime::Runtime, tls: &TestTls) -> SmtpServer {
    let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
    let port = listener.local_addr().unwrap().port();
    let state = Arc::new(SmtpState::default());
    *state.fail_line.lock().unwrap() = "451 4.3.0 intente más tarde".into();
    let (st, acceptor) = (state.clone(), tls.acceptor.clone());
    rt.spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(smtp_plain(stream, st.clone(), acceptor.clone()));
        }
    });
    SmtpServer { port, state }
}

async fn read_line<S: AsyncRead + Unpin>(s: &mut BufReader<S>) -> Option<String> {
    let mut line = String::new();
    match s.read_line(&mut line).await {
        Ok(0) | Err(_) => None,
        Ok(_) => Some(line.trim_end_matches(['\r', '\n']).to_string()),
    }
}

/// Before STARTTLS: only EHLO, STARTTLS and QUIT.
async fn smtp_plain(stream: TcpStream, state: Arc<SmtpState>, acceptor: TlsAcceptor) {
    let mut s = BufReader::new(stream);
    if s.get_mut()
        .write_all(b"220 localhost ESMTP prueba\r\n")
        .await
        .is_err()
    {
        return;
    }
    while let Some(line) = read_line(&mut s).await {
        let verb = line.split(' ').next().unwrap_or("").to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-localhost\r\n250-STARTTLS\r\n250 8BITMIME\r\n",
            "STARTTLS" => {
                if s.get_mut().write_all(b"220 2.0.0 listo\r\n").await.is_err() {
                    return;
                }
                let Ok(tls) = acceptor.accept(s.into_inner()).await else {
                    return;
                };
                smtp_session(BufReader::new(tls), state, true).await;
                return;
            }
            "QUIT" => {
                let _ = s.get_mut().write_all(b"221 adios\r\n").await;
                return;
            }
            _ => b"530 5.7.0 primero STARTTLS\r\n",
        };
        if s.get_mut().write_all(reply).await.is_err() {
            return;
        }
    }
}

async fn smtp_session<S: AsyncRead + AsyncWrite + Unpin>(
    mut s: BufReader<S>,
    state: Arc<SmtpState>,
    tls: bool,
) {
    let mut login = None;
    let mut rcpt = Vec::new();
    while let Some(line) = read_line(&mut s).await {
        let verb = line.split(' ').next().unwrap_or("").to_ascii_uppercase();
        let reply: String = match verb.as_str() {
            "EHLO" => "250-localhost\r\n250-AUTH PLAIN\r\n250 8BITMIME\r\n".into(),
            "AUTH" => {
                let b64 = line.split(' ').nth(2).unwrap_or("");
                let raw = base64::engine::general_purpose::STANDARD
                    .decode(b64)
                    .unwrap_or_default();
                let parts: Vec<String> = String::from_utf8_lossy(&raw)
                    .split('\0')
                    .map(str::to_string)
                    .collect();
                login = (parts.len() == 3).then(|| (parts[1].clone(), parts[2].clone()));
                "235 2.7.0 ok\r\n".into()
            }
            "MAIL" => {
                rcpt.clear();
                let failing = state
                    .fail_next
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                    .is_ok();
                if failing {
                    format!("{}\r\n", state.fail_line.lock().unwrap())
                } else {
                    "250 2.1.0 ok\r\n".into()
                }
            }
            "RCPT" => {
                rcpt.push(line[line.find('<').unwrap_or(0)..].to_string());
                "250 2.1.5 ok\r\n".into()
            }
            "DATA" => {
                if s.get_mut().write_all(b"354 adelante\r\n").await.is_err() {
                    return;
                }
                let mut data = String::new();
                while let Some(l) = read_line(&mut s).await {
                    if l == "." {
                        break;
                    }
                    data.push_str(l.strip_prefix('.').unwrap_or(&l));
                    data.push('\n');
                }
                state.mails.lock().unwrap().push(Mail {
                    rcpt: std::mem::take(&mut rcpt),
                    data,
                    login: login.clone(),
                    tls,
                });
                "250 2.0.0 recibido\r\n".into()
            }
            "QUIT" => {
                let _ = s.get_mut().write_all(b"221 adios\r\n").await;
                return;
            }
            _ => "250 ok\r\n".into(),
        };
        if s.get_mut().write_all(reply.as_bytes()).await.is_err() {
            return;
        }
    }
}

/// One webhook POST.
#[derive(Debug, Clone)]
pub struct Post {
    pub path: String,
    pub content_type: String,
    pub body: serde_json::Value,
}

#[derive(Default)]
pub struct HttpState {
    pub posts: Mutex<Vec<Post>>,
    /// Answer the next N requests with HTTP 500 (and record nothing).
    pub fail_next: AtomicU32,
}

pub struct HttpServer {
    pub port: u16,
    pub state: Arc<HttpState>,
}

pub fn start_http(rt: &tokio::runtime::Runtime) -> HttpServer {
    let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
    let port = listener.local_addr().unwrap().port();
    let state = Arc::new(HttpState::default());
    let st = state.clone();
    rt.spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(http_request(stream, st.clone()));
        }
    });
    HttpServer { port, state }
}

async fn http_request(stream: TcpStream, state: Arc<HttpState>) {
    let mut s = BufReader::new(stream);
    let Some(request_line) = read_line(&mut s).await else {
        return;
    };
    let (mut length, mut content_type) = (0usize, String::new());
    while let Some(h) = read_line(&mut s).await {
        if h.is_empty() {
            break;
        }
        let (name, value) = h.split_once(':').unwrap_or((&h, ""));
        match name.to_ascii_lowercase().as_str() {
            "content-length" => length = value.trim().parse().unwrap_or(0),
            "content-type" => content_type = value.trim().to_string(),
            _ => {}
        }
    }
    let mut body = vec![0u8; length];
    if s.read_exact(&mut body).await.is_err() {
        return;
    }
    let failing = state
        .fail_next
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    let response: &[u8] = if failing {
        b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    } else {
        state.posts.lock().unwrap().push(Post {
            path: request_line.split(' ').nth(1).unwrap_or("").to_string(),
            content_type,
            body: serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null),
        });
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
    };
    let _ = s.get_mut().write_all(response).await;
    let _ = s.get_mut().shutdown().await;
}

/// The decoded body of the MIME part whose headers contain `marker` (e.g. a file name
/// or `text/plain`): base64 or quoted-printable, as lettre chose.
pub fn mime_part(data: &str, marker: &str) -> Option<Vec<u8>> {
    let start = data.find(marker)?;
    let headers_end = start + data[start..].find("\n\n")?;
    let headers = &data[data[..start].rfind("\n--").unwrap_or(0)..headers_end];
    let body_start = headers_end + 2;
    let body_end = body_start + data[body_start..].find("\n--")?;
    let body = &data[body_start..body_end];
    let lower = headers.to_ascii_lowercase();
    if lower.contains("content-transfer-encoding: base64") {
        let joined: String = body.split_whitespace().collect();
        base64::engine::general_purpose::STANDARD
            .decode(joined)
            .ok()
    } else if lower.contains("content-transfer-encoding: quoted-printable") {
        Some(decode_qp(body))
    } else {
        Some(body.as_bytes().to_vec())
    }
}

fn decode_qp(s: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let bytes = s.replace("=\n", "").into_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&String::from_utf8_lossy(&bytes[i + 1..i + 3]), 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}
