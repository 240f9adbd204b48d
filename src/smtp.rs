//! Sending mail: lettre over the account's SMTP submission server, implicit TLS (465) or
//! STARTTLS (587), AUTH with the signed-in person's credentials. Every way a server can
//! refuse becomes a [`SendError`] a person can act on, with the server's own words kept.
//!
//! # Time limits
//! Every step of the conversation has `--smtp-timeout`, as every IMAP command has
//! `--imap-timeout`: connecting (TCP, TLS for implicit TLS, the greeting and EHLO), STARTTLS
//! (the command, the handshake and EHLO again), AUTH (with its challenges), and the message
//! itself (MAIL, RCPT, DATA and the bytes), which gets more time for its size. lettre's own
//! timeout covers only the TCP connect on tokio (its `AsyncNetworkStream::connect_tokio1`);
//! its transport (`send_raw`) runs the rest as one future, so the steps are driven here with
//! lettre's [`AsyncSmtpConnection`], each under `tokio::time::timeout`. Driving them here also
//! tells a password refused at AUTH ([`SendError::PasswordRefused`], which the password
//! throttle counts) from other refusals.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, DEFAULT_MECHANISMS};
use lettre::transport::smtp::client::{AsyncSmtpConnection, Certificate, TlsParameters};
use lettre::transport::smtp::extension::ClientId;

use crate::net_policy::{PolicyError, ResolveError, resolve_allowed};
use crate::upstream::{Security, Upstream};

/// How Posta reaches SMTP servers: the extra CA it trusts (`--tls-ca`, the same one IMAP
/// trusts) and how long it waits.
#[derive(Clone)]
pub struct Smtp {
    /// `--tls-ca` as PEM; lettre wants its own certificate type, built per connection.
    pub extra_ca_pem: Option<Vec<u8>>,
    /// A server that says nothing for this long is given up on (`--smtp-timeout`).
    pub timeout: Duration,
}

/// One submission: who logs in where, and whether the address policy applies.
pub struct Submission<'a> {
    pub server: &'a Upstream,
    /// Servers discovery found or a person typed may not be on private networks.
    pub refuse_private: bool,
    pub login: &'a str,
    pub password: &'a str,
}

/// Why a message was not sent. The `String`s are the server's own reply, for the page.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The account has no SMTP server Posta trusts (none configured, none discovered, or the
    /// one discovered belongs to another provider than the IMAP server).
    #[error("no SMTP server is known for this account")]
    NoServer,
    /// The server answered AUTH with a permanent refusal: a wrong password, an app password
    /// needed, sending switched off. A password was judged, so the throttle counts it.
    #[error("password refused: {0}")]
    PasswordRefused(String),
    /// Authentication failed without the password being judged: no mechanism in common, or
    /// authentication demanded later in the conversation.
    #[error("authentication refused: {0}")]
    Auth(String),
    /// A recipient (or the sender address) refused at RCPT / MAIL time.
    #[error("address refused: {0}")]
    Recipient(String),
    /// The message is above the server's size limit.
    #[error("message too large: {0}")]
    TooLarge(String),
    /// A permanent refusal for the content or the sender's reputation (anti-spam, policy).
    #[error("refused: {0}")]
    Refused(String),
    /// A temporary refusal (4xx): greylisting, rate limits, a full mailbox.
    #[error("temporarily refused: {0}")]
    Later(String),
    #[error("timed out")]
    Timeout,
    #[error("TLS failed: {0}")]
    Tls(String),
    #[error("could not connect: {0}")]
    Unreachable(String),
    /// The host resolves to an address this gateway may not connect to.
    #[error("address refused by the upstream policy: {0}")]
    PolicyRefused(String),
}

impl SendError {
    /// The server's own words, when it said any.
    pub fn server_text(&self) -> Option<&str> {
        match self {
            SendError::Auth(t)
            | SendError::PasswordRefused(t)
            | SendError::Recipient(t)
            | SendError::TooLarge(t)
            | SendError::Refused(t)
            | SendError::Later(t) => Some(t.as_str()).filter(|t| !t.trim().is_empty()),
            _ => None,
        }
    }
}

/// Large messages get this much more time per byte on top of the timeout, so a 25 MB upload
/// on a modest link is not cut off while it is moving.
const BYTES_PER_SECOND: u64 = 256 * 1024;

impl Smtp {
    /// Sends `message` (already formatted, CRLF line ends) to the envelope's recipients.
    pub async fn submit(
        &self,
        how: &Submission<'_>,
        envelope: &Envelope,
        message: &[u8],
    ) -> Result<(), SendError> {
        let address = self.resolve(how).await?;
        let tls = self.tls_parameters(&how.server.host)?;
        let limit = self.timeout;
        let hello = ClientId::default();
        let implicit = (how.server.security == Security::Tls).then(|| tls.clone());
        // Connect to the address that was resolved and checked, never re-resolving; the
        // certificate is still checked against the server's name.
        let connect =
            AsyncSmtpConnection::connect_tokio1(address, Some(limit), &hello, implicit, None);
        let mut connection = within(limit, connect, classify).await?;
        if how.server.security == Security::StartTls {
            within(limit, connection.starttls(tls, &hello), classify).await?;
        }
        let credentials = Credentials::new(how.login.to_owned(), how.password.to_owned());
        let auth = connection.auth(DEFAULT_MECHANISMS, &credentials);
        within(limit, auth, classify_auth).await?;
        let allowance = Duration::from_secs(message.len() as u64 / BYTES_PER_SECOND);
        let send = connection.send(envelope, message);
        within(limit + allowance, send, classify).await?;
        // The message is taken; saying goodbye need not hold up the page.
        tokio::spawn(async move {
            let _ = tokio::time::timeout(limit, connection.quit()).await;
        });
        Ok(())
    }

    /// TLS for `host`, trusting `--tls-ca` as well as the system's CAs.
    fn tls_parameters(&self, host: &str) -> Result<TlsParameters, SendError> {
        let mut tls = TlsParameters::builder(host.to_owned());
        if let Some(pem) = &self.extra_ca_pem {
            let ca = Certificate::from_pem(pem).map_err(|e| SendError::Tls(e.to_string()))?;
            tls = tls.add_root_certificate(ca);
        }
        tls.build_native()
            .map_err(|e| SendError::Tls(e.to_string()))
    }

    /// Resolves the server once, under the upstream policy when it applies; the connection
    /// goes to this address, so the DNS answer cannot change after the check.
    async fn resolve(&self, how: &Submission<'_>) -> Result<SocketAddr, SendError> {
        let server = how.server;
        let allow_private = !how.refuse_private;
        let addrs = resolve_allowed(&server.host, server.port, allow_private, self.timeout)
            .await
            .map_err(|e| match e {
                ResolveError::Lookup { host, source } => {
                    SendError::Unreachable(format!("{host}: {source}"))
                }
                ResolveError::Timeout { .. } => SendError::Timeout,
                ResolveError::Policy {
                    host,
                    source: PolicyError::NoAddress,
                } => SendError::Unreachable(format!("{host}: no addresses")),
                ResolveError::Policy { host, source } => {
                    SendError::PolicyRefused(format!("{host}: {source}"))
                }
            })?;
        addrs
            .into_iter()
            .next()
            .ok_or_else(|| SendError::Unreachable(format!("{}: no addresses", server.host)))
    }
}

/// One step of the conversation, given up on after `limit`; a failure sorted by `sort`.
async fn within<T>(
    limit: Duration,
    step: impl Future<Output = Result<T, lettre::transport::smtp::Error>>,
    sort: fn(&lettre::transport::smtp::Error) -> SendError,
) -> Result<T, SendError> {
    match tokio::time::timeout(limit, step).await {
        Err(_) => Err(SendError::Timeout),
        Ok(Err(e)) => Err(sort(&e)),
        Ok(Ok(value)) => Ok(value),
    }
}

/// [`classify`] for the AUTH step: the server's permanent refusal there judged the password.
fn classify_auth(error: &lettre::transport::smtp::Error) -> SendError {
    match classify(error) {
        SendError::Auth(text) if error.is_permanent() => SendError::PasswordRefused(text),
        other => other,
    }
}

/// Sorts a lettre failure by what a person can do about it: the reply code first, then the
/// enhanced status code (RFC 3463) the text starts with.
fn classify(error: &lettre::transport::smtp::Error) -> SendError {
    let text = std::error::Error::source(error)
        .map(|s| s.to_string())
        .unwrap_or_default();
    if error.is_timeout() {
        return SendError::Timeout;
    }
    if error.is_tls() {
        return SendError::Tls(error.to_string());
    }
    let Some(code) = error.status() else {
        // Mechanisms the server does not offer also land here, as a client error.
        return if text.to_ascii_lowercase().contains("authentication") {
            SendError::Auth(text)
        } else {
            SendError::Unreachable(error.to_string())
        };
    };
    let code = code.to_string();
    let enhanced = text.split_whitespace().next().unwrap_or("").to_owned();
    classify_reply(&code, &enhanced, text)
}

/// The decision of [`classify`], on the reply code (`550`) and the enhanced code (`5.1.1`).
fn classify_reply(code: &str, enhanced: &str, text: String) -> SendError {
    let enhanced = enhanced.trim_end_matches(|c: char| !c.is_ascii_digit());
    let auth = matches!(code, "530" | "534" | "535" | "538")
        || matches!(enhanced, "5.7.8" | "5.7.9" | "5.7.11" | "5.7.0" if code.starts_with("53"));
    if auth {
        return SendError::Auth(text);
    }
    if code == "552" || enhanced == "5.3.4" || enhanced == "5.2.3" {
        return SendError::TooLarge(text);
    }
    if code.starts_with('4') {
        return SendError::Later(text);
    }
    if enhanced.starts_with("5.1.")
        || matches!(code, "550" | "551" | "553") && !enhanced.starts_with("5.7.")
    {
        return SendError::Recipient(text);
    }
    SendError::Refused(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(code: &str, text: &str) -> SendError {
        let enhanced = text.split_whitespace().next().unwrap_or("");
        classify_reply(code, enhanced, text.to_owned())
    }

    #[test]
    fn replies_sort_into_what_a_person_can_do() {
        assert!(matches!(
            kind("535", "5.7.8 Error: authentication failed"),
            SendError::Auth(_)
        ));
        assert!(matches!(
            kind(
                "550",
                "5.1.1 <nobody@posta.test>: Recipient address rejected"
            ),
            SendError::Recipient(_)
        ));
        assert!(matches!(
            kind("552", "5.3.4 Message size exceeds fixed limit"),
            SendError::TooLarge(_)
        ));
        assert!(matches!(
            kind("554", "5.7.1 Message rejected as spam"),
            SendError::Refused(_)
        ));
        assert!(matches!(
            kind("550", "5.7.1 Our system has detected an unusual rate"),
            SendError::Refused(_)
        ));
        assert!(matches!(
            kind("451", "4.7.1 Greylisted, try again later"),
            SendError::Later(_)
        ));
    }

    #[test]
    fn the_servers_words_are_kept() {
        let e = kind("550", "5.1.1 <x@y>: User unknown");
        assert_eq!(e.server_text(), Some("5.1.1 <x@y>: User unknown"));
        assert_eq!(SendError::Timeout.server_text(), None);
    }
}
