//! Command-line and environment configuration. Every flag has a `POSTA_*` twin and
//! nothing is required: `posta` alone serves on 127.0.0.1:8080 and discovers mail servers.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

use crate::upstream::{Protocol, Upstream};

/// Posta, a webmail gateway for any IMAP mailbox.
#[derive(Clone, Debug, Parser)]
#[command(name = "posta", version, about)]
pub struct Config {
    /// Address to serve HTTP on.
    #[arg(long, env = "POSTA_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Fixed IMAP server (`imaps://host:993`, or `imap://host:143` for STARTTLS). When set,
    /// it is the only server people can sign in to.
    #[arg(long, env = "POSTA_IMAP", value_parser = parse_imap)]
    pub imap: Option<Upstream>,

    /// Fixed SMTP server (`smtps://host:465`, or `smtp://host:587` for STARTTLS).
    #[arg(long, env = "POSTA_SMTP", value_parser = parse_smtp)]
    pub smtp: Option<Upstream>,

    /// Extra CA certificate (PEM) to trust, for servers with their own CA. Certificates are
    /// always verified.
    #[arg(long, env = "POSTA_TLS_CA")]
    pub tls_ca: Option<PathBuf>,

    /// Close a session's IMAP connection after this long without use (`300`, `90s`, `5m`);
    /// it re-opens on the next request.
    #[arg(long, env = "POSTA_IMAP_IDLE_TIMEOUT", default_value = "5m", value_parser = parse_duration)]
    pub imap_idle_timeout: Duration,

    /// Sign a person out after this long without a request; pages warn a little before.
    #[arg(
        long,
        alias = "session-timeout",
        env = "POSTA_SESSION_IDLE_TIMEOUT",
        default_value = "30m",
        value_parser = parse_duration
    )]
    pub session_idle_timeout: Duration,

    /// Sign a person out this long after signing in, however active.
    #[arg(long, env = "POSTA_SESSION_LIFETIME", default_value = "12h", value_parser = parse_duration)]
    pub session_lifetime: Duration,

    /// Let people type servers on private, loopback or link-local addresses in the advanced
    /// sign-in fields (for a gateway inside a company network). Off by default so a public
    /// gateway cannot be used to probe the network behind it.
    #[arg(long, env = "POSTA_ALLOW_PRIVATE_UPSTREAMS")]
    pub allow_private_upstreams: bool,

    /// Mark cookies `Secure` and send HSTS on every response. Turn on whenever people reach
    /// Posta only over HTTPS (e.g. behind a TLS-terminating proxy).
    #[arg(long, env = "POSTA_SECURE_COOKIES")]
    pub secure_cookies: bool,

    /// Posta is behind a reverse proxy that sets `X-Forwarded-Proto`, `X-Forwarded-For` and
    /// `X-Forwarded-Host`: believe them (HTTPS requests get `Secure` cookies and HSTS; sign-in
    /// limits count the person's address, not the proxy's). Never turn on when people can
    /// reach Posta directly, or they could forge those headers.
    #[arg(long, env = "POSTA_TRUST_PROXY")]
    pub trust_proxy: bool,

    /// Failed sign-ins allowed per account in 15 minutes (three times as many per client
    /// address, for offices behind one address) before further attempts are refused.
    #[arg(long, env = "POSTA_SIGN_IN_LIMIT", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    pub sign_in_limit: u32,
}

impl Config {
    /// The defaults, as if `posta` were run with no flags and no environment.
    pub fn defaults() -> Self {
        Config::parse_from(["posta"])
    }
}

fn parse_imap(s: &str) -> Result<Upstream, String> {
    Upstream::parse(s, Protocol::Imap).map_err(|e| e.to_string())
}

fn parse_smtp(s: &str) -> Result<Upstream, String> {
    Upstream::parse(s, Protocol::Smtp).map_err(|e| e.to_string())
}

/// Parses `300`, `300s`, `5m`, `1h` or `250ms`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (digits, unit) = s.split_at(split);
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("{s:?} is not a duration such as 90s, 5m or 1h"))?;
    let seconds = match unit {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "ms" => return Ok(Duration::from_millis(n)),
        _ => return Err(format!("unknown unit {unit:?} in {s:?}: use ms, s, m or h")),
    };
    Ok(Duration::from_secs(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_flags_serves_on_localhost_8080_with_discovery() {
        let config = Config::defaults();
        assert_eq!(config.listen, "127.0.0.1:8080".parse().unwrap());
        assert!(config.imap.is_none());
        assert_eq!(config.imap_idle_timeout, Duration::from_secs(300));
    }

    #[test]
    fn durations_take_units() {
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert!(parse_duration("5 parsecs").is_err());
    }

    #[test]
    fn upstream_flags_parse_urls() {
        let config = Config::parse_from(["posta", "--imap", "imap://localhost:10143"]);
        assert_eq!(config.imap.unwrap().port, 10143);
    }
}
