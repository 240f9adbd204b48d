//! Where mail lives: an IMAP or SMTP server address with its transport security,
//! parsed from URLs such as `imaps://imap.mail.ru:993` or `smtp://smtp.example.org:587`.

use std::fmt;

/// How the TCP connection to a mail server is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Security {
    /// TLS from the first byte (IMAPS 993, SMTPS 465).
    Tls,
    /// Plain connect, then STARTTLS; refusing to continue if the server does not offer it.
    StartTls,
    /// No encryption at all. Only reachable through an explicit `+insecure` URL.
    Insecure,
}

/// Which protocol an upstream speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Protocol {
    Imap,
    Smtp,
}

/// A mail server endpoint: host, port and how to secure the connection.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Upstream {
    /// DNS name or IP literal; also the name the certificate must carry.
    pub host: String,
    pub port: u16,
    pub security: Security,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum UpstreamError {
    #[error("not a URL: {0}")]
    NotUrl(String),
    #[error("unsupported scheme {0:?}: use imaps://, imap://, smtps:// or smtp://")]
    Scheme(String),
    #[error("the URL has no host")]
    NoHost,
}

impl Upstream {
    pub fn new(host: impl Into<String>, port: u16, security: Security) -> Self {
        Upstream {
            host: host.into(),
            port,
            security,
        }
    }

    /// Parses `imaps://host[:993]`, `imap://host[:143]` (STARTTLS), `smtps://host[:465]`,
    /// `smtp://host[:587]` (STARTTLS); a `+insecure` suffix on the scheme (`imap+insecure://`)
    /// allows plain text.
    pub fn parse(url: &str, protocol: Protocol) -> Result<Self, UpstreamError> {
        let parsed = url::Url::parse(url).map_err(|_| UpstreamError::NotUrl(url.to_owned()))?;
        let (security, default_port) = match (protocol, parsed.scheme()) {
            (Protocol::Imap, "imaps") => (Security::Tls, 993),
            (Protocol::Imap, "imap") => (Security::StartTls, 143),
            (Protocol::Imap, "imap+insecure") => (Security::Insecure, 143),
            (Protocol::Smtp, "smtps") => (Security::Tls, 465),
            (Protocol::Smtp, "smtp") => (Security::StartTls, 587),
            (Protocol::Smtp, "smtp+insecure") => (Security::Insecure, 25),
            (_, other) => return Err(UpstreamError::Scheme(other.to_owned())),
        };
        let host = match parsed.host() {
            Some(url::Host::Domain(d)) => d.to_owned(),
            Some(url::Host::Ipv4(ip)) => ip.to_string(),
            Some(url::Host::Ipv6(ip)) => ip.to_string(),
            None => return Err(UpstreamError::NoHost),
        };
        Ok(Upstream::new(
            host,
            parsed.port().unwrap_or(default_port),
            security,
        ))
    }

    /// `host:port`, with IPv6 literals bracketed, for connecting.
    pub fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// A host as compared for identity: lower case, without a final dot or the brackets of an
/// IPv6 literal (`IMAP.Example.org.` and `imap.example.org` are one server).
pub fn comparable_host(host: &str) -> String {
    let host = host.trim().trim_start_matches('[').trim_end_matches(']');
    host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase()
}

impl fmt::Display for Upstream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let security = match self.security {
            Security::Tls => "TLS",
            Security::StartTls => "STARTTLS",
            Security::Insecure => "no encryption",
        };
        write!(f, "{} ({security})", self.authority())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imaps_url_defaults_to_port_993_with_tls() {
        let u = Upstream::parse("imaps://imap.mail.ru", Protocol::Imap).unwrap();
        assert_eq!(u, Upstream::new("imap.mail.ru", 993, Security::Tls));
    }

    #[test]
    fn imap_url_means_starttls_and_keeps_explicit_port() {
        let u = Upstream::parse("imap://localhost:10143", Protocol::Imap).unwrap();
        assert_eq!(u, Upstream::new("localhost", 10143, Security::StartTls));
    }

    #[test]
    fn plain_text_needs_the_insecure_suffix() {
        let u = Upstream::parse("smtp+insecure://10.0.0.1", Protocol::Smtp).unwrap();
        assert_eq!(u.security, Security::Insecure);
        assert_eq!(u.port, 25);
    }

    #[test]
    fn a_smtp_scheme_is_refused_for_imap() {
        assert!(matches!(
            Upstream::parse("smtps://x", Protocol::Imap),
            Err(UpstreamError::Scheme(_))
        ));
    }

    #[test]
    fn ipv6_authority_is_bracketed() {
        let u = Upstream::parse("imaps://[::1]:993", Protocol::Imap).unwrap();
        assert_eq!(u.authority(), "[::1]:993");
    }
}
