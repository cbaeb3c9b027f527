//! Logins of `momentos serve`: the users file, PostgreSQL's SCRAM-SHA-256 verifiers (never a
//! password in plain text), the server side of the SCRAM exchange (RFC 5802/7677) checked
//! against the verifier's StoredKey, and the delay that slows password guessing.
//!
//! pgwire's own SCRAM handler wants the salted password itself; a PostgreSQL verifier holds
//! only `StoredKey` and `ServerKey` (what `pg_authid` stores), so the exchange is ours.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;
use std::path::Path;
use std::str::FromStr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::catalog::Catalog;

type HmacSha256 = Hmac<Sha256>;

/// PostgreSQL's default iteration count for SCRAM verifiers.
pub const ITERATIONS: u32 = 4096;

/// `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>` (base64 parts), the format
/// of `pg_authid.rolpassword`.
#[derive(Clone, PartialEq, Eq)]
pub struct Verifier {
    pub iterations: u32,
    pub salt: Vec<u8>,
    pub stored_key: Vec<u8>,
    pub server_key: Vec<u8>,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Verifier(..)")
    }
}

impl std::fmt::Display for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "SCRAM-SHA-256${}:{}${}:{}",
            self.iterations,
            B64.encode(&self.salt),
            B64.encode(&self.stored_key),
            B64.encode(&self.server_key)
        )
    }
}

impl FromStr for Verifier {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || {
            "not a SCRAM-SHA-256 verifier (SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>; make one with `momentos serve --hash-password`)".to_string()
        };
        let rest = s.trim().strip_prefix("SCRAM-SHA-256$").ok_or_else(bad)?;
        let (params, keys) = rest.split_once('$').ok_or_else(bad)?;
        let (iterations, salt) = params.split_once(':').ok_or_else(bad)?;
        let (stored, server) = keys.split_once(':').ok_or_else(bad)?;
        let iterations: u32 = iterations.parse().map_err(|_| bad())?;
        let decode = |p: &str| B64.decode(p).map_err(|_| bad());
        let v = Verifier {
            iterations,
            salt: decode(salt)?,
            stored_key: decode(stored)?,
            server_key: decode(server)?,
        };
        if v.iterations == 0
            || v.salt.is_empty()
            || v.stored_key.len() != 32
            || v.server_key.len() != 32
        {
            return Err(bad());
        }
        Ok(v)
    }
}

fn hmac(key: &[u8], msg: &[u8]) -> Vec<u8> {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(msg);
    mac.finalize().into_bytes().to_vec()
}

/// PBKDF2-HMAC-SHA256 with one 32-byte block: SCRAM's `Hi(password, salt, i)`.
fn hi(password: &[u8], salt: &[u8], iterations: u32) -> Vec<u8> {
    let mut first = salt.to_vec();
    first.extend_from_slice(&1u32.to_be_bytes());
    let mut u = hmac(password, &first);
    let mut out = u.clone();
    for _ in 1..iterations {
        u = hmac(password, &u);
        out.iter_mut().zip(&u).for_each(|(o, x)| *o ^= x);
    }
    out
}

impl Verifier {
    /// The verifier of `password` (SASLprep-normalised as libpq does) with this salt.
    pub fn new(password: &str, salt: &[u8], iterations: u32) -> Verifier {
        let normalised = stringprep::saslprep(password)
            .map(|c| c.into_owned())
            .unwrap_or_else(|_| password.to_string());
        let salted = hi(normalised.as_bytes(), salt, iterations);
        let client_key = hmac(&salted, b"Client Key");
        Verifier {
            iterations,
            salt: salt.to_vec(),
            stored_key: Sha256::digest(&client_key).to_vec(),
            server_key: hmac(&salted, b"Server Key"),
        }
    }

    /// A verifier with a random 16-byte salt, as PostgreSQL makes them.
    pub fn generate(password: &str) -> Verifier {
        Verifier::new(password, &rand::random::<[u8; 16]>(), ITERATIONS)
    }

    /// Checks a client's proof for `auth_message`; on success returns the server signature
    /// the client checks in turn.
    pub fn check_proof(&self, auth_message: &[u8], proof: &[u8]) -> Option<Vec<u8>> {
        let client_signature = hmac(&self.stored_key, auth_message);
        if proof.len() != client_signature.len() {
            return None;
        }
        let client_key: Vec<u8> = proof
            .iter()
            .zip(&client_signature)
            .map(|(p, s)| p ^ s)
            .collect();
        let candidate = Sha256::digest(&client_key);
        let same = candidate
            .iter()
            .zip(&self.stored_key)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
        same.then(|| hmac(&self.server_key, auth_message))
    }
}

/// What a login may read.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Role {
    /// Every table, `quarantine` included.
    Analyst,
    /// Only rows of these units, in every table and view (see `policy`).
    Unit(BTreeSet<String>),
}

#[derive(Debug, Clone)]
pub struct User {
    pub name: String,
    pub role: Role,
    pub verifier: Verifier,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UsersFile {
    #[serde(default)]
    user: Vec<UserEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UserEntry {
    name: String,
    role: String,
    #[serde(default)]
    units: Vec<String>,
    password: String,
}

/// The logins of a users file, by name.
#[derive(Debug, Clone, Default)]
pub struct Users {
    by_name: BTreeMap<String, User>,
}

impl Users {
    pub fn load(path: &Path, catalog: &Catalog) -> Result<Users, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Users::parse(&text, catalog).map_err(|e| format!("{}: {e}", path.display()))
    }

    pub fn parse(text: &str, catalog: &Catalog) -> Result<Users, String> {
        let file: UsersFile = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut by_name = BTreeMap::new();
        for e in file.user {
            let who = format!("user `{}`", e.name);
            if e.name.trim().is_empty() {
                return Err("a [[user]] has an empty name".into());
            }
            let role = match e.role.as_str() {
                "analyst" if e.units.is_empty() => Role::Analyst,
                "analyst" => {
                    return Err(format!(
                        "{who}: role analyst reads every unit; remove `units`"
                    ))
                }
                "unit" if e.units.is_empty() => {
                    return Err(format!("{who}: role unit needs `units = [\"…\"]`"))
                }
                "unit" => {
                    for u in &e.units {
                        if catalog.unit(u).is_none() {
                            let known: Vec<&str> =
                                catalog.units.keys().map(String::as_str).collect();
                            return Err(format!(
                                "{who}: unknown unit `{u}` (the catalog has: {})",
                                known.join(", ")
                            ));
                        }
                    }
                    Role::Unit(e.units.iter().cloned().collect())
                }
                other => return Err(format!("{who}: role `{other}` is not analyst or unit")),
            };
            let verifier: Verifier = e.password.parse().map_err(|m| format!("{who}: {m}"))?;
            if by_name
                .insert(
                    e.name.clone(),
                    User {
                        name: e.name.clone(),
                        role,
                        verifier,
                    },
                )
                .is_some()
            {
                return Err(format!("{who} appears twice"));
            }
        }
        Ok(Users { by_name })
    }

    pub fn get(&self, name: &str) -> Option<&User> {
        self.by_name.get(name)
    }

    pub fn len(&self) -> usize {
        self.by_name.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }
}

/// Failed logins per (peer address, user name): each failure doubles the wait before the
/// answer to the next attempt (0.25 s, 0.5 s, 1 s … at most 30 s); a success, or 15 minutes
/// without failures, forgets them.
#[derive(Debug, Default)]
pub struct Throttle {
    failures: Mutex<HashMap<(IpAddr, String), (u32, Instant)>>,
}

const FORGET_AFTER: Duration = Duration::from_secs(15 * 60);
const FIRST_DELAY: Duration = Duration::from_millis(250);
const MAX_DELAY: Duration = Duration::from_secs(30);

impl Throttle {
    fn delay_for(failures: u32) -> Duration {
        if failures == 0 {
            return Duration::ZERO;
        }
        FIRST_DELAY
            .saturating_mul(1u32 << (failures - 1).min(16))
            .min(MAX_DELAY)
    }

    /// How long to wait before answering an attempt of `user` from `ip`.
    pub fn wait(&self, ip: IpAddr, user: &str) -> Duration {
        let map = self.failures.lock().expect("throttle lock");
        match map.get(&(ip, user.to_string())) {
            Some((n, last)) if last.elapsed() < FORGET_AFTER => Self::delay_for(*n),
            _ => Duration::ZERO,
        }
    }

    /// Records a failure and returns the wait before the error is sent.
    pub fn failed(&self, ip: IpAddr, user: &str) -> Duration {
        let mut map = self.failures.lock().expect("throttle lock");
        map.retain(|_, (_, last)| last.elapsed() < FORGET_AFTER);
        let entry = map
            .entry((ip, user.to_string()))
            .or_insert((0, Instant::now()));
        entry.0 = entry.0.saturating_add(1);
        entry.1 = Instant::now();
        Self::delay_for(entry.0)
    }

    pub fn succeeded(&self, ip: IpAddr, user: &str) {
        self.failures
            .lock()
            .expect("throttle lock")
            .remove(&(ip, user.to_string()));
    }
}

/// One SCRAM exchange, from the client's first message to the proof.
#[derive(Debug)]
pub struct Exchange {
    client_first_bare: String,
    server_first: String,
    nonce: String,
    gs2_header: String,
}

#[derive(Debug, PartialEq, Eq)]
pub enum ScramError {
    /// The messages do not follow RFC 5802 (or ask for channel binding).
    Protocol(String),
    /// The proof does not match: wrong password (or unknown user).
    WrongPassword,
}

impl Exchange {
    /// Reads `client-first-message` and builds `server-first-message` with the verifier's
    /// salt and iterations.
    pub fn start(client_first: &[u8], verifier: &Verifier) -> Result<Exchange, ScramError> {
        let text = std::str::from_utf8(client_first)
            .map_err(|_| ScramError::Protocol("client-first is not UTF-8".into()))?;
        let (gs2_header, bare) = match text.get(..3) {
            Some("n,,") | Some("y,,") => (text[..3].to_string(), &text[3..]),
            _ => {
                return Err(ScramError::Protocol(
                    "only SCRAM-SHA-256 without channel binding or authzid is supported".into(),
                ))
            }
        };
        let client_nonce = bare
            .split(',')
            .find_map(|p| p.strip_prefix("r="))
            .filter(|n| !n.is_empty())
            .ok_or_else(|| ScramError::Protocol("client-first has no nonce".into()))?;
        let nonce = format!("{client_nonce}{}", B64.encode(rand::random::<[u8; 18]>()));
        let server_first = format!(
            "r={nonce},s={},i={}",
            B64.encode(&verifier.salt),
            verifier.iterations
        );
        Ok(Exchange {
            client_first_bare: bare.to_string(),
            server_first,
            nonce,
            gs2_header,
        })
    }

    pub fn server_first(&self) -> &str {
        &self.server_first
    }

    /// Checks `client-final-message`; on success returns `server-final-message`.
    pub fn finish(&self, client_final: &[u8], verifier: &Verifier) -> Result<String, ScramError> {
        let text = std::str::from_utf8(client_final)
            .map_err(|_| ScramError::Protocol("client-final is not UTF-8".into()))?;
        let (without_proof, proof) = text
            .rsplit_once(",p=")
            .ok_or_else(|| ScramError::Protocol("client-final has no proof".into()))?;
        let mut channel = None;
        let mut nonce = None;
        for part in without_proof.split(',') {
            if let Some(c) = part.strip_prefix("c=") {
                channel = Some(c);
            } else if let Some(r) = part.strip_prefix("r=") {
                nonce = Some(r);
            }
        }
        if channel != Some(B64.encode(&self.gs2_header).as_str()) {
            return Err(ScramError::Protocol("channel binding mismatch".into()));
        }
        if nonce != Some(self.nonce.as_str()) {
            return Err(ScramError::Protocol("nonce mismatch".into()));
        }
        let proof = B64
            .decode(proof)
            .map_err(|_| ScramError::Protocol("proof is not base64".into()))?;
        let auth_message = format!(
            "{},{},{}",
            self.client_first_bare, self.server_first, without_proof
        );
        let signature = verifier
            .check_proof(auth_message.as_bytes(), &proof)
            .ok_or(ScramError::WrongPassword)?;
        Ok(format!("v={}", B64.encode(signature)))
    }
}

/// The verifier an unknown user is checked against: the same salt every time for the same
/// name (so probing does not reveal which names exist) and keys nobody can match.
pub fn decoy_verifier(secret: &[u8], user: &str) -> Verifier {
    Verifier {
        iterations: ITERATIONS,
        salt: hmac(secret, user.as_bytes())[..16].to_vec(),
        stored_key: rand::random::<[u8; 32]>().to_vec(),
        server_key: rand::random::<[u8; 32]>().to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A client's side of SCRAM, as libpq computes it.
    fn client_final(password: &str, ex: &Exchange, salt: &[u8], iterations: u32) -> String {
        let salted = hi(password.as_bytes(), salt, iterations);
        let client_key = hmac(&salted, b"Client Key");
        let stored = Sha256::digest(&client_key);
        let without_proof = format!("c={},r={}", B64.encode(&ex.gs2_header), ex.nonce);
        let auth = format!(
            "{},{},{}",
            ex.client_first_bare, ex.server_first, without_proof
        );
        let sig = hmac(&stored, auth.as_bytes());
        let proof: Vec<u8> = client_key.iter().zip(&sig).map(|(a, b)| a ^ b).collect();
        format!("{without_proof},p={}", B64.encode(proof))
    }

    #[test]
    fn rfc7677_test_vector() {
        // RFC 7677 §3: user "user", password "pencil".
        let salt = B64.decode("W22ZaJ0SNY7soEsUEjb6gQ==").unwrap();
        let v = Verifier::new("pencil", &salt, 4096);
        let ex = Exchange {
            client_first_bare: "n=user,r=rOprNGfwEbeRWgbNEkqO".into(),
            server_first: "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096".into(),
            nonce: "rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0".into(),
            gs2_header: "n,,".into(),
        };
        let server_final = ex
            .finish(
                b"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
                &v,
            )
            .unwrap();
        assert_eq!(
            server_final,
            "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="
        );
    }

    #[test]
    fn verifier_round_trips_and_checks_passwords() {
        let v = Verifier::generate("clave secreta ñ");
        let text = v.to_string();
        assert!(text.starts_with("SCRAM-SHA-256$4096:"));
        assert!(!text.contains("clave"));
        assert_eq!(text.parse::<Verifier>().unwrap(), v);
        let ex = Exchange::start(b"n,,n=,r=abcdef", &v).unwrap();
        let good = client_final("clave secreta ñ", &ex, &v.salt, v.iterations);
        assert!(ex.finish(good.as_bytes(), &v).is_ok());
        let bad = client_final("clave secreta n", &ex, &v.salt, v.iterations);
        assert_eq!(
            ex.finish(bad.as_bytes(), &v),
            Err(ScramError::WrongPassword)
        );
        assert!(Exchange::start(b"p=tls-server-end-point,,n=,r=x", &v).is_err());
        assert!("md5 plain text".parse::<Verifier>().is_err());
    }

    #[test]
    fn throttle_doubles_and_forgets_on_success() {
        let t = Throttle::default();
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        assert_eq!(t.wait(ip, "ana"), Duration::ZERO);
        assert_eq!(t.failed(ip, "ana"), Duration::from_millis(250));
        assert_eq!(t.failed(ip, "ana"), Duration::from_millis(500));
        assert_eq!(t.wait(ip, "ana"), Duration::from_millis(500));
        assert_eq!(t.wait(ip, "otro"), Duration::ZERO);
        for _ in 0..20 {
            t.failed(ip, "ana");
        }
        assert_eq!(t.wait(ip, "ana"), MAX_DELAY);
        t.succeeded(ip, "ana");
        assert_eq!(t.wait(ip, "ana"), Duration::ZERO);
    }

    #[test]
    fn users_file_checks_roles_and_units() {
        let catalog = Catalog::embedded();
        let unit = catalog.units.keys().next().unwrap().clone();
        let v = Verifier::generate("x").to_string();
        let ok = format!(
            "[[user]]\nname = \"ana\"\nrole = \"analyst\"\npassword = \"{v}\"\n\
             [[user]]\nname = \"jefe\"\nrole = \"unit\"\nunits = [\"{unit}\"]\npassword = \"{v}\"\n"
        );
        let users = Users::parse(&ok, &catalog).unwrap();
        assert_eq!(users.get("ana").unwrap().role, Role::Analyst);
        assert!(matches!(&users.get("jefe").unwrap().role, Role::Unit(u) if u.contains(&unit)));
        for bad in [
            format!("[[user]]\nname = \"j\"\nrole = \"unit\"\npassword = \"{v}\"\n"),
            format!("[[user]]\nname = \"j\"\nrole = \"unit\"\nunits = [\"no_such_unit\"]\npassword = \"{v}\"\n"),
            "[[user]]\nname = \"j\"\nrole = \"analyst\"\npassword = \"plain text\"\n".to_string(),
            format!("[[user]]\nname = \"j\"\nrole = \"admin\"\npassword = \"{v}\"\n"),
        ] {
            assert!(Users::parse(&bad, &catalog).is_err(), "{bad}");
        }
    }
}
