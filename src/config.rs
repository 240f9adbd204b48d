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

    /// Give up on an IMAP server that does not answer within this long (`30s`, `2m`): the
    /// connection, greeting, TLS and login, and then every command. A command that runs out
    /// of time drops its connection (the next page opens a new one) and shows an error page.
    #[arg(long, env = "POSTA_IMAP_TIMEOUT", default_value = "30s", value_parser = parse_duration)]
    pub imap_timeout: Duration,

    /// Close a browser's connection that has not sent a whole request head within this long
    /// (`10s`), and an idle kept-alive connection after as long again: a client that sends
    /// slowly or nothing at all holds a connection only this long.
    #[arg(long, env = "POSTA_HEADER_READ_TIMEOUT", default_value = "10s", value_parser = parse_duration)]
    pub header_read_timeout: Duration,

    /// A page must be ready within this long (`60s`, `2m`), or the person gets a page saying
    /// it took too long. It bounds the time until an answer starts: a download or an event
    /// stream that then flows for longer is not cut, and sending a message (its upload may be
    /// slow) is not bound by it. Must be longer than --imap-timeout, so that one slow IMAP
    /// command is reported as such.
    #[arg(long, env = "POSTA_REQUEST_TIMEOUT", default_value = "60s", value_parser = parse_duration)]
    pub request_timeout: Duration,

    /// Browser connections open at once, at most. Past it, new connections wait in the
    /// system's queue until one closes. Keep it below the open-file limit (`ulimit -n`),
    /// which IMAP and SMTP connections share.
    #[arg(long, env = "POSTA_MAX_CONNECTIONS", default_value_t = 2048, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: u32,

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

    /// The most a message's attachments may weigh together, in bytes (`25MB`, `10MiB`,
    /// `500KB`, or a plain number). Uploads above it are refused with a clear message, and the
    /// request body limit of the compose form follows it.
    #[arg(long, env = "POSTA_MAX_ATTACHMENT_SIZE", default_value = "25MB", value_parser = parse_size)]
    pub max_attachment_size: u64,

    /// The most the files of every message being written may weigh together, across all
    /// sessions, in memory (`256MiB`, `1GB`). An upload that would go past it is refused in
    /// words (try again later, or attach a smaller file), keeping everything else typed.
    #[arg(long, env = "POSTA_MAX_UPLOAD_MEMORY", default_value = "256MiB", value_parser = parse_size)]
    pub max_upload_memory: u64,

    /// The most people signed in at once. Beyond it a sign-in is refused in words until
    /// someone signs out or a session ends.
    #[arg(long, env = "POSTA_MAX_SESSIONS", default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_sessions: u32,

    /// Give up on an SMTP server that does not answer within this long (`30s`, `2m`): the
    /// connection, greeting, TLS and EHLO, then STARTTLS, AUTH and the message, each (the
    /// message gets more time for its size, at 256 KB/s). Sending that runs out of time shows
    /// the form again, whole, with the reason in words.
    #[arg(long, env = "POSTA_SMTP_TIMEOUT", default_value = "30s", value_parser = parse_duration)]
    pub smtp_timeout: Duration,

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

    /// Password attempts allowed per account in 15 minutes, counting those refused and those
    /// still under way, at sign-in (IMAP) and when sending (SMTP); three times as many per
    /// client address (an IPv6 client per /64), for offices behind one address. Further
    /// attempts are refused, saying when to try again.
    #[arg(long, env = "POSTA_SIGN_IN_LIMIT", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    pub sign_in_limit: u32,
}

impl Config {
    /// The defaults, as if `posta` were run with no flags and no environment.
    pub fn defaults() -> Self {
        Config::parse_from(["posta"])
    }

    /// Refuses settings that would make an open gateway unsafe, in words an operator acts on.
    ///
    /// A fixed SMTP server without a fixed IMAP server would be handed every address and
    /// password that any IMAP server (an attacker's own included) accepted: an unthrottled
    /// way to try passwords against the operator's SMTP server.
    pub fn check(&self) -> Result<(), String> {
        if self.smtp.is_some() && self.imap.is_none() {
            return Err(
                "--smtp (POSTA_SMTP) is set without --imap (POSTA_IMAP). Without a \
                 fixed IMAP server, any server a person names could vouch for an address and \
                 password that Posta would then try on your SMTP server. Set --imap as well, \
                 or leave --smtp unset so each account sends through its own provider."
                    .to_owned(),
            );
        }
        if self.header_read_timeout.is_zero() {
            return Err(
                "--header-read-timeout (POSTA_HEADER_READ_TIMEOUT) must be more than \
                 zero: at zero every connection would be closed before its request arrives."
                    .to_owned(),
            );
        }
        if self.request_timeout <= self.imap_timeout {
            return Err(format!(
                "--request-timeout (POSTA_REQUEST_TIMEOUT, now {:?}) must be longer than \
                 --imap-timeout (POSTA_IMAP_TIMEOUT, now {:?}): otherwise a page would be cut \
                 off before a slow mail server could be named as the cause. Raise \
                 --request-timeout or lower --imap-timeout.",
                self.request_timeout, self.imap_timeout
            ));
        }
        Ok(())
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

/// Parses `25MB`, `25 MiB`, `500KB`, `1048576`: decimal units (KB, MB, GB) are powers of
/// 1000 and binary ones (KiB, MiB, GiB) powers of 1024, as people and file managers mean them.
pub fn parse_size(s: &str) -> Result<u64, String> {
    s.trim()
        .parse::<bytesize::ByteSize>()
        .map(|size| size.as_u64())
        .map_err(|_| format!("{s:?} is not a size such as 25MB, 10MiB or 4096 (bytes)"))
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
        assert_eq!(config.imap_timeout, Duration::from_secs(30));
        assert_eq!(config.smtp_timeout, Duration::from_secs(30));
    }

    #[test]
    fn durations_take_units() {
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert!(parse_duration("5 parsecs").is_err());
    }

    #[test]
    fn sizes_take_decimal_and_binary_units() {
        assert_eq!(parse_size("25MB"), Ok(25_000_000));
        assert_eq!(parse_size("10 MiB"), Ok(10 * 1024 * 1024));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert!(parse_size("5 parsecs").is_err());
        assert_eq!(parse_size("256MiB"), Ok(256 << 20));
        assert_eq!(parse_size("500kb"), Ok(500_000));
        assert!(parse_size("5 parsecs").unwrap_err().contains("10MiB"));
        assert_eq!(Config::defaults().max_attachment_size, 25_000_000);
        assert_eq!(Config::defaults().max_upload_memory, 256 << 20);
        let set = Config::parse_from(["posta", "--max-upload-memory", "1GB"]);
        assert_eq!(set.max_upload_memory, 1_000_000_000);
    }

    #[test]
    fn a_fixed_smtp_server_needs_a_fixed_imap_server() {
        let alone = Config::parse_from(["posta", "--smtp", "smtps://smtp.example.org:465"]);
        let refused = alone.check().unwrap_err();
        assert!(
            refused.contains("--smtp") && refused.contains("--imap"),
            "{refused}"
        );
        let both = Config::parse_from([
            "posta",
            "--imap",
            "imaps://imap.example.org:993",
            "--smtp",
            "smtps://smtp.example.org:465",
        ]);
        assert_eq!(both.check(), Ok(()));
        assert_eq!(Config::defaults().check(), Ok(()));
    }

    #[test]
    fn slow_clients_are_bounded_by_default() {
        let config = Config::defaults();
        assert_eq!(config.header_read_timeout, Duration::from_secs(10));
        assert_eq!(config.request_timeout, Duration::from_secs(60));
        assert_eq!(config.max_connections, 2048);
        assert!(Config::try_parse_from(["posta", "--max-connections", "0"]).is_err());
    }

    #[test]
    fn the_request_timeout_must_outlast_the_imap_timeout() {
        let config = Config::parse_from(["posta", "--request-timeout", "30s"]);
        let refused = config.check().unwrap_err();
        assert!(
            refused.contains("--request-timeout") && refused.contains("--imap-timeout"),
            "{refused}"
        );
        let config = Config::parse_from(["posta", "--request-timeout", "40s"]);
        assert_eq!(config.check(), Ok(()));
        let config = Config::parse_from(["posta", "--header-read-timeout", "0"]);
        assert!(
            config
                .check()
                .unwrap_err()
                .contains("--header-read-timeout")
        );
    }

    #[test]
    fn upstream_flags_parse_urls() {
        let config = Config::parse_from(["posta", "--imap", "imap://localhost:10143"]);
        assert_eq!(config.imap.unwrap().port, 10143);
    }
}
