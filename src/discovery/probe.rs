//! Probing a candidate server: resolve it under the upstream policy, connect to the checked
//! address, shake hands over TLS when the server speaks it from the first byte, and read the
//! greeting (`* OK` for IMAP, `220` for SMTP).
//!
//! A probe proves a server is there and speaks the protocol; it does not log in. STARTTLS is not
//! negotiated here: the real connection refuses to go on without it.
//!
//! Hand-written on tokio and tokio-native-tls rather than with async-imap or lettre: a probe
//! reads one bounded line (a hostile host may send a gigabyte with no newline), says goodbye
//! and judges IMAP and SMTP the same way, while those clients want to go on to a session and
//! would each need their own timeouts and error sorting for what is a one-line exchange.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use crate::net_policy::{self, PolicyError, ResolveError};
use crate::upstream::{Protocol, Security, Upstream};

/// A greeting longer than this is not a mail server's.
const MAX_GREETING: u64 = 2048;

/// A server that answered a probe, with the address it answered on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// The server as found; `host` is also the name its certificate must carry.
    pub upstream: Upstream,
    /// The policy-checked address that answered. Connect here rather than resolving `host`
    /// again, so that a changed DNS answer cannot redirect the connection.
    pub addr: SocketAddr,
}

/// Why a candidate did not answer like a mail server, from least to most telling.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    /// The host name does not resolve.
    #[error("the server name could not be resolved")]
    Resolve(#[source] std::io::Error),
    /// The server did not answer within the probe timeout.
    #[error("the server did not answer within {0:?}")]
    Timeout(Duration),
    /// Nothing listens on that port, or the network refused the connection.
    #[error("the connection was refused")]
    Connect(#[source] std::io::Error),
    /// Something answered, but not with a mail server's greeting.
    #[error("the server did not greet like an {protocol} server: {greeting:?}")]
    Greeting {
        protocol: &'static str,
        greeting: String,
    },
    /// The host resolves to an address the upstream policy refuses.
    #[error("the server is on a refused address")]
    Policy(#[source] PolicyError),
    /// The TLS handshake failed: an untrusted certificate, or one for another name.
    #[error("the secure connection failed (certificate or TLS problem)")]
    Tls(#[source] native_tls::Error),
}

impl ProbeError {
    /// How much this failure says about the domain's mail setup; discovery reports the most
    /// telling failure when nothing answers.
    pub(super) fn weight(&self) -> u8 {
        match self {
            ProbeError::Resolve(_) => 0,
            ProbeError::Timeout(_) => 1,
            ProbeError::Connect(_) => 2,
            ProbeError::Greeting { .. } => 3,
            ProbeError::Policy(_) => 4,
            ProbeError::Tls(_) => 5,
        }
    }
}

/// Probes candidate servers under one policy and one TLS configuration.
#[derive(Clone)]
pub struct Prober {
    /// Verifies certificates exactly as the real connection will (including an operator's CA).
    pub tls: native_tls::TlsConnector,
    /// Lets probes reach loopback and private networks (self-hosted setups, tests).
    pub allow_private: bool,
    /// Budget for one whole probe: DNS, connect, handshake and greeting.
    pub timeout: Duration,
}

impl Prober {
    /// Probes `upstream` as a server of `protocol`.
    pub async fn probe(
        &self,
        upstream: &Upstream,
        protocol: Protocol,
    ) -> Result<Endpoint, ProbeError> {
        let result = tokio::time::timeout(self.timeout, self.probe_untimed(upstream, protocol))
            .await
            .unwrap_or(Err(ProbeError::Timeout(self.timeout)));
        match &result {
            Ok(endpoint) => tracing::debug!(%upstream, addr = %endpoint.addr, "probe answered"),
            Err(error) => tracing::debug!(%upstream, %error, "probe failed"),
        }
        result
    }

    async fn probe_untimed(
        &self,
        upstream: &Upstream,
        protocol: Protocol,
    ) -> Result<Endpoint, ProbeError> {
        let addrs = net_policy::resolve_allowed(
            &upstream.host,
            upstream.port,
            self.allow_private,
            self.timeout,
        )
        .await
        .map_err(|e| match e {
            ResolveError::Lookup { source, .. } => ProbeError::Resolve(source),
            ResolveError::Timeout { .. } => ProbeError::Timeout(self.timeout),
            ResolveError::Policy { source, .. } => ProbeError::Policy(source),
        })?;
        let (tcp, addr) = connect_any(&addrs).await?;
        let greeting = match upstream.security {
            Security::Tls => {
                let connector = tokio_native_tls::TlsConnector::from(self.tls.clone());
                let tls = connector
                    .connect(&upstream.host, tcp)
                    .await
                    .map_err(ProbeError::Tls)?;
                greet(tls, protocol).await?
            }
            Security::StartTls | Security::Insecure => greet(tcp, protocol).await?,
        };
        tracing::trace!(%upstream, %greeting, "greeted");
        Ok(Endpoint {
            upstream: upstream.clone(),
            addr,
        })
    }
}

/// Connects to the first address that accepts, in the resolver's order.
async fn connect_any(addrs: &[SocketAddr]) -> Result<(TcpStream, SocketAddr), ProbeError> {
    let mut last = None;
    for &addr in addrs {
        match TcpStream::connect(addr).await {
            Ok(tcp) => return Ok((tcp, addr)),
            Err(e) => last = Some(e),
        }
    }
    Err(ProbeError::Connect(last.unwrap_or_else(|| {
        std::io::Error::new(std::io::ErrorKind::NotFound, "no address")
    })))
}

/// Reads the greeting line, checks it, and says goodbye politely.
async fn greet<S>(stream: S, protocol: Protocol) -> Result<String, ProbeError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut reader = BufReader::new(stream);
    let mut line = Vec::new();
    (&mut reader)
        .take(MAX_GREETING)
        .read_until(b'\n', &mut line)
        .await
        .map_err(ProbeError::Connect)?;
    let greeting = String::from_utf8_lossy(&line).trim_end().to_owned();
    let (name, ok, goodbye): (_, _, &[u8]) = match protocol {
        Protocol::Imap => ("IMAP", is_imap_greeting(&greeting), b"a LOGOUT\r\n"),
        Protocol::Smtp => ("SMTP", greeting.starts_with("220"), b"QUIT\r\n"),
    };
    if !ok {
        return Err(ProbeError::Greeting {
            protocol: name,
            greeting: greeting.chars().take(200).collect(),
        });
    }
    let mut stream = reader.into_inner();
    // The server has already proved itself; a failed goodbye changes nothing.
    let _ = stream.write_all(goodbye).await;
    let _ = stream.shutdown().await;
    Ok(greeting)
}

/// `* OK` lets a client log in; `* PREAUTH` means it already is. `* BYE` is a refusal.
fn is_imap_greeting(line: &str) -> bool {
    let upper = line.get(..9).unwrap_or(line).to_ascii_uppercase();
    upper.starts_with("* OK") || upper.starts_with("* PREAUTH")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discovery::fake_http::greeter;
    use tokio::net::TcpListener;

    fn prober(allow_private: bool) -> Prober {
        Prober {
            tls: native_tls::TlsConnector::new().unwrap(),
            allow_private,
            timeout: Duration::from_secs(2),
        }
    }

    #[tokio::test]
    async fn an_imap_server_that_greets_is_found_at_its_checked_address() {
        let port = greeter("* OK ready\r\n").await;
        let upstream = Upstream::new("127.0.0.1", port, Security::StartTls);

        let endpoint = prober(true).probe(&upstream, Protocol::Imap).await.unwrap();

        assert_eq!(endpoint.upstream, upstream);
        assert_eq!(endpoint.addr, SocketAddr::from(([127, 0, 0, 1], port)));
    }

    #[tokio::test]
    async fn an_smtp_server_greets_with_220() {
        let port = greeter("220 mx.example.org ESMTP\r\n").await;
        let upstream = Upstream::new("127.0.0.1", port, Security::StartTls);

        assert!(prober(true).probe(&upstream, Protocol::Smtp).await.is_ok());
        let as_imap = prober(true).probe(&upstream, Protocol::Imap).await;
        assert!(matches!(as_imap, Err(ProbeError::Greeting { .. })));
    }

    #[tokio::test]
    async fn a_server_saying_bye_is_not_usable() {
        let port = greeter("* BYE too many connections\r\n").await;
        let upstream = Upstream::new("127.0.0.1", port, Security::StartTls);

        let result = prober(true).probe(&upstream, Protocol::Imap).await;

        assert!(matches!(result, Err(ProbeError::Greeting { .. })));
    }

    #[tokio::test]
    async fn loopback_is_refused_without_connecting_unless_private_is_allowed() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let upstream = Upstream::new("127.0.0.1", port, Security::StartTls);

        let result = prober(false).probe(&upstream, Protocol::Imap).await;

        assert!(matches!(result, Err(ProbeError::Policy(_))));
        let accepted = tokio::time::timeout(Duration::from_millis(50), listener.accept()).await;
        assert!(accepted.is_err(), "the probe must not have connected");
    }

    #[tokio::test]
    async fn a_closed_port_is_a_refused_connection() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let upstream = Upstream::new("127.0.0.1", port, Security::StartTls);

        let result = prober(true).probe(&upstream, Protocol::Imap).await;

        assert!(matches!(result, Err(ProbeError::Connect(_))));
    }

    #[tokio::test]
    async fn a_silent_server_times_out() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let upstream = Upstream::new("127.0.0.1", port, Security::StartTls);
        let prober = Prober {
            timeout: Duration::from_millis(200),
            ..prober(true)
        };

        let result = prober.probe(&upstream, Protocol::Imap).await;

        assert!(matches!(result, Err(ProbeError::Timeout(_))));
        drop(listener);
    }

    #[tokio::test]
    async fn a_plain_text_server_on_a_tls_port_fails_the_handshake() {
        let port = greeter("* OK plain text here\r\n").await;
        let upstream = Upstream::new("127.0.0.1", port, Security::Tls);

        let result = prober(true).probe(&upstream, Protocol::Imap).await;

        assert!(matches!(result, Err(ProbeError::Tls(_))), "{result:?}");
    }

    /// A TLS server on 127.0.0.1 with the self-signed test certificate (for `127.0.0.1`).
    async fn tls_greeter() -> u16 {
        let identity = native_tls::Identity::from_pkcs8(TEST_CERT, TEST_KEY).unwrap();
        let acceptor = native_tls::TlsAcceptor::new(identity).unwrap();
        let acceptor = tokio_native_tls::TlsAcceptor::from(acceptor);
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let Ok(mut tls) = acceptor.accept(socket).await else {
                    continue;
                };
                let _ = tls.write_all(b"* OK secure\r\n").await;
                let mut rest = Vec::new();
                let _ = tls.read_to_end(&mut rest).await;
            }
        });
        port
    }

    const TEST_CERT: &[u8] = include_bytes!("testdata/cert.pem");
    const TEST_KEY: &[u8] = include_bytes!("testdata/key.pem");

    #[tokio::test]
    async fn tls_servers_must_present_a_trusted_certificate() {
        let port = tls_greeter().await;
        let upstream = Upstream::new("127.0.0.1", port, Security::Tls);

        let untrusted = prober(true).probe(&upstream, Protocol::Imap).await;
        assert!(
            matches!(untrusted, Err(ProbeError::Tls(_))),
            "{untrusted:?}"
        );

        let root = native_tls::Certificate::from_pem(TEST_CERT).unwrap();
        let trusting = Prober {
            tls: native_tls::TlsConnector::builder()
                .add_root_certificate(root)
                .build()
                .unwrap(),
            ..prober(true)
        };
        let endpoint = trusting.probe(&upstream, Protocol::Imap).await.unwrap();
        assert_eq!(endpoint.addr.port(), port);
    }

    #[test]
    fn imap_greetings_are_recognised_in_any_case() {
        assert!(is_imap_greeting(
            "* OK [CAPABILITY IMAP4rev1] Dovecot ready."
        ));
        assert!(is_imap_greeting("* ok hi"));
        assert!(is_imap_greeting("* PREAUTH welcome"));
        assert!(!is_imap_greeting("* BYE"));
        assert!(!is_imap_greeting("HTTP/1.1 400 Bad Request"));
        assert!(!is_imap_greeting(""));
    }
}
