//! Opening an IMAP connection and logging in: resolution under the upstream policy
//! ([`crate::net_policy`]), TCP, TLS (implicit or STARTTLS), greeting, LOGIN, capabilities.
//! Every way this can fail becomes a [`LoginError`] a person can act on; a refusal keeps the
//! server's own text, never async-imap's `Debug` rendering of it.

use std::collections::HashSet;
use std::time::Duration;

use async_imap::error::Error as ImapError;
use async_imap::{Client, Session};
use tokio::net::TcpStream;

use super::framing::Exceeded;
use super::refusal::refusal_text;
use super::stream::MailStream;
use crate::net_policy::{PolicyError, ResolveError, resolve_allowed};
use crate::upstream::{Security, Upstream};

/// Why a connection or login did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// The server said NO to LOGIN; its own text, as it sent it
    /// (`[AUTHENTICATIONFAILED] Authentication failed.`), may explain (app password, IMAP off).
    #[error("login refused: {0}")]
    WrongPassword(String),
    /// The server does not allow LOGIN on this connection (LOGINDISABLED, PRIVACYREQUIRED);
    /// its own text.
    #[error("login disabled by the server: {0}")]
    LoginDisabled(String),
    #[error("could not connect: {0}")]
    Unreachable(String),
    #[error("timed out")]
    Timeout,
    #[error("certificate name mismatch: {0}")]
    TlsName(String),
    #[error("TLS failed: {0}")]
    Tls(String),
    #[error("server does not offer STARTTLS")]
    NoStartTls,
    /// The host resolves to an address this gateway may not connect to.
    #[error("address refused by the upstream policy: {0}")]
    Refused(String),
    /// Something that does not behave like an IMAP server.
    #[error("not an IMAP server: {0}")]
    Protocol(String),
    /// The server sent more than Posta accepts (a greeting or answer over a cap).
    #[error(transparent)]
    Exceeded(Exceeded),
}

impl LoginError {
    /// The server's own explanation, worth showing to the person (it is often the only place
    /// that says "enable IMAP in settings" or "use an app password"), without the response
    /// code in brackets that is meant for programs: `Authentication failed.`
    pub fn server_text(&self) -> Option<&str> {
        match self {
            LoginError::WrongPassword(t) | LoginError::LoginDisabled(t) => {
                let t = strip_code(t);
                (!t.is_empty()).then_some(t)
            }
            _ => None,
        }
    }
}

/// What the server can do, as far as Posta cares.
#[derive(Clone, Debug, Default)]
pub struct Capabilities(HashSet<String>);

impl Capabilities {
    pub fn has(&self, name: &str) -> bool {
        self.0.contains(&name.to_ascii_uppercase())
    }

    /// Stops counting on `name`, which the server advertised but refused.
    pub fn forget(&mut self, name: &str) {
        self.0.remove(&name.to_ascii_uppercase());
    }

    /// A server's capabilities as named, for tests against scripted servers.
    #[cfg(test)]
    pub(crate) fn of(names: &[&str]) -> Capabilities {
        Capabilities(names.iter().map(|n| n.to_ascii_uppercase()).collect())
    }
}

/// Everything needed to reach a server, minus who is logging in.
#[derive(Clone)]
pub struct Connector {
    /// Extra trusted CA (`--tls-ca`), added to the system roots.
    pub extra_ca: Option<native_tls::Certificate>,
    /// Limit for connect + TLS + greeting + login together, and then for each command a
    /// [`super::Client`] runs (`--imap-timeout`).
    pub timeout: Duration,
    /// Refuse hosts that resolve to loopback, private or link-local addresses (servers a
    /// person typed or discovery found, on a public gateway). Operator-configured upstreams
    /// are trusted and skip the check.
    pub refuse_private: bool,
}

impl Connector {
    fn tls(&self) -> async_native_tls::TlsConnector {
        let tls = async_native_tls::TlsConnector::new();
        match &self.extra_ca {
            Some(ca) => tls.add_root_certificate(ca.clone()),
            None => tls,
        }
    }

    /// Connects, secures, reads the greeting and logs in.
    pub async fn login(
        &self,
        upstream: &Upstream,
        user: &str,
        password: &str,
    ) -> Result<(Session<MailStream>, Capabilities), LoginError> {
        tokio::time::timeout(self.timeout, self.login_inner(upstream, user, password))
            .await
            .map_err(|_| LoginError::Timeout)?
    }

    async fn login_inner(
        &self,
        upstream: &Upstream,
        user: &str,
        password: &str,
    ) -> Result<(Session<MailStream>, Capabilities), LoginError> {
        let client = self.open(upstream).await?;
        let (mut session, caps) = match client.login_with_capabilities(user, password).await {
            Ok(ok) => ok,
            Err((e @ ImapError::No(_), _)) => {
                let text = refusal_text(&e).unwrap_or_default();
                return Err(if text.contains("PRIVACYREQUIRED") {
                    LoginError::LoginDisabled(text)
                } else {
                    LoginError::WrongPassword(text)
                });
            }
            Err((e @ ImapError::Bad(_), _)) => {
                return Err(LoginError::LoginDisabled(
                    refusal_text(&e).unwrap_or_default(),
                ));
            }
            Err((ImapError::Io(e), _)) if Exceeded::in_io(&e).is_some() => {
                return Err(unreadable(&e));
            }
            // Dovecot and others hang up on internal login failures.
            Err((ImapError::ConnectionLost | ImapError::Io(_), _)) => {
                return Err(LoginError::Unreachable(
                    "the server closed the connection during login".into(),
                ));
            }
            Err((e, _)) => return Err(LoginError::Protocol(e.to_string())),
        };
        let caps = match caps {
            Some(c) => c,
            None => session.capabilities().await.map_err(|e| match e {
                ImapError::Io(e) if Exceeded::in_io(&e).is_some() => unreadable(&e),
                e => LoginError::Protocol(e.to_string()),
            })?,
        };
        let caps = Capabilities(
            caps.iter()
                .filter_map(|c| match c {
                    async_imap::types::Capability::Atom(a) => Some(a.to_ascii_uppercase()),
                    async_imap::types::Capability::Imap4rev1 => Some("IMAP4REV1".into()),
                    _ => None,
                })
                .collect(),
        );
        Ok((session, caps))
    }

    /// TCP + TLS + greeting, ready for LOGIN.
    async fn open(&self, upstream: &Upstream) -> Result<Client<MailStream>, LoginError> {
        let tcp = self.tcp(upstream).await?;
        let client = match upstream.security {
            Security::Tls => {
                let tls = self.handshake(upstream, tcp).await?;
                Client::new(MailStream::tls(tls))
            }
            Security::Insecure => Client::new(MailStream::plain(tcp)),
            Security::StartTls => {
                // The greeting and the answer to STARTTLS are held to the caps too.
                let mut plain = Client::new(MailStream::plain(tcp));
                read_greeting(&mut plain).await?;
                plain
                    .run_command_and_check_ok("STARTTLS", None)
                    .await
                    .map_err(|e| match e {
                        ImapError::No(_) | ImapError::Bad(_) => LoginError::NoStartTls,
                        ImapError::Io(e) if Exceeded::in_io(&e).is_some() => unreadable(&e),
                        other => LoginError::Protocol(other.to_string()),
                    })?;
                // Anything the server sent after its answer is dropped with the plain stream,
                // never read as if it had come through TLS.
                let tcp = plain
                    .into_inner()
                    .into_plain()
                    .expect("a plain stream before STARTTLS");
                let tls = self.handshake(upstream, tcp).await?;
                // After STARTTLS there is no second greeting.
                return Ok(Client::new(MailStream::tls(tls)));
            }
        };
        let mut client = client;
        read_greeting(&mut client).await?;
        Ok(client)
    }

    async fn tcp(&self, upstream: &Upstream) -> Result<TcpStream, LoginError> {
        let allow_private = !self.refuse_private;
        let addrs = resolve_allowed(&upstream.host, upstream.port, allow_private, self.timeout)
            .await
            .map_err(|e| match e {
                ResolveError::Lookup { host, source } => {
                    LoginError::Unreachable(format!("{host}: {source}"))
                }
                ResolveError::Timeout { .. } => LoginError::Timeout,
                ResolveError::Policy {
                    host,
                    source: PolicyError::NoAddress,
                } => LoginError::Unreachable(format!("{host}: no addresses")),
                ResolveError::Policy { host, source } => {
                    LoginError::Refused(format!("{host}: {source}"))
                }
            })?;
        let mut last = None;
        // Connect to the addresses we resolved (and checked), never re-resolving.
        for addr in addrs {
            match TcpStream::connect(addr).await {
                Ok(s) => {
                    s.set_nodelay(true).ok();
                    return Ok(s);
                }
                Err(e) => last = Some(e),
            }
        }
        Err(LoginError::Unreachable(match last {
            Some(e) => format!("{}: {e}", upstream.authority()),
            None => format!("{}: no addresses", upstream.host),
        }))
    }

    async fn handshake(
        &self,
        upstream: &Upstream,
        tcp: TcpStream,
    ) -> Result<async_native_tls::TlsStream<TcpStream>, LoginError> {
        self.tls()
            .connect(upstream.host.as_str(), tcp)
            .await
            .map_err(|e| {
                let text = e.to_string();
                if text.contains("hostname mismatch") || text.contains("IP address mismatch") {
                    LoginError::TlsName(text)
                } else {
                    LoginError::Tls(text)
                }
            })
    }
}

async fn read_greeting<T>(client: &mut Client<T>) -> Result<(), LoginError>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + std::fmt::Debug + Send,
{
    use async_imap::imap_proto::{Response, Status};
    let greeting = client
        .read_response()
        .await
        .map_err(|e| unreadable(&e))?
        .ok_or_else(|| LoginError::Protocol("connection closed before the greeting".into()))?;
    match greeting.parsed() {
        Response::Data {
            status: Status::Ok, ..
        } => Ok(()),
        Response::Data {
            status: Status::Bye,
            outcome,
        } => Err(LoginError::Unreachable(
            outcome
                .information
                .as_deref()
                .unwrap_or("server said BYE")
                .to_owned(),
        )),
        other => Err(LoginError::Protocol(format!(
            "unexpected greeting {other:?}"
        ))),
    }
}

/// Why a read during login failed: a cap the server went over (see [`Exceeded::in_io`]), or
/// something that is not IMAP.
fn unreadable(error: &std::io::Error) -> LoginError {
    match Exceeded::in_io(error) {
        Some(exceeded) => LoginError::Exceeded(exceeded.clone()),
        None => LoginError::Protocol(error.to_string()),
    }
}

/// `[AUTHENTICATIONFAILED] Authentication failed.` → `Authentication failed.`
fn strip_code(text: &str) -> &str {
    let t = text.trim();
    match t.strip_prefix('[').and_then(|r| r.split_once(']')) {
        Some((_, rest)) => rest.trim(),
        None => t,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_codes_are_stripped_from_server_text() {
        assert_eq!(
            strip_code("[AUTHENTICATIONFAILED] Authentication failed."),
            "Authentication failed."
        );
        assert_eq!(strip_code("Invalid credentials"), "Invalid credentials");
    }

    #[test]
    fn a_refused_login_keeps_the_servers_text_and_shows_its_words() {
        let e = LoginError::WrongPassword("[AUTHENTICATIONFAILED] Authentication failed.".into());
        assert_eq!(
            e.to_string(),
            "login refused: [AUTHENTICATIONFAILED] Authentication failed."
        );
        assert_eq!(e.server_text(), Some("Authentication failed."));
        assert_eq!(LoginError::WrongPassword("  ".into()).server_text(), None);
    }
}
