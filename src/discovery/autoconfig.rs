//! Mozilla autoconfig: fetching a domain's `config-v1.1.xml` and reading its IMAP and SMTP
//! servers out of the `clientConfig` document.
//!
//! The fetch goes through the upstream policy too: the autoconfig host is named by whoever
//! typed the address, so it is resolved and checked like a mail server before any request.
//!
//! The HTTP is reqwest's and the XML is roxmltree's; what is written here is reading Mozilla's
//! `clientConfig` format (which elements matter, `socketType`, the `%EMAIL…%` placeholders),
//! since no maintained Rust crate reads it, and the limits a hostile document meets (size,
//! redirects, no downgrade to http, every address under the policy).

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::net_policy::{self, PolicyError};
use crate::upstream::{Security, Upstream};

/// Where autoconfig documents are looked for, in order. `{domain}` is the email domain,
/// `{email}` the whole address (percent-encoded).
pub const DEFAULT_URLS: &[&str] = &[
    "https://autoconfig.{domain}/mail/config-v1.1.xml?emailaddress={email}",
    "https://{domain}/.well-known/autoconfig/mail/config-v1.1.xml",
];

/// A real config is a few kilobytes; anything past this is not one.
const MAX_BYTES: usize = 128 * 1024;
const MAX_REDIRECTS: usize = 3;

/// The values autoconfig's `%EMAIL…%` placeholders stand for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placeholders {
    pub email: String,
    pub local_part: String,
    pub domain: String,
}

impl Placeholders {
    fn fill(&self, text: &str) -> String {
        text.replace("%EMAILADDRESS%", &self.email)
            .replace("%EMAILLOCALPART%", &self.local_part)
            .replace("%EMAILDOMAIN%", &self.domain)
    }
}

/// The servers an autoconfig document names, best first: implicit TLS before STARTTLS before
/// plain text, document order otherwise.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientConfig {
    pub imap: Vec<ServerEntry>,
    pub smtp: Vec<ServerEntry>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerEntry {
    pub upstream: Upstream,
    /// The login name with placeholders filled in, when the document gives one.
    pub username: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum AutoconfigError {
    #[error("not well-formed XML")]
    Xml(#[from] roxmltree::Error),
    #[error("the document is not a clientConfig")]
    NotClientConfig,
    #[error("the URL {0:?} is not valid")]
    Url(String),
    #[error("the autoconfig host is not allowed")]
    Policy(#[from] PolicyError),
    #[error("fetching the document")]
    Http(#[from] reqwest::Error),
    #[error("the server answered {0}")]
    Status(reqwest::StatusCode),
    #[error("the document is larger than {MAX_BYTES} bytes")]
    TooLarge,
}

/// Reads the IMAP and SMTP servers out of a `clientConfig` document.
pub fn parse(xml: &str, placeholders: &Placeholders) -> Result<ClientConfig, AutoconfigError> {
    let doc = roxmltree::Document::parse(xml.trim_start_matches('\u{feff}'))?;
    let root = doc.root_element();
    if root.tag_name().name() != "clientConfig" {
        return Err(AutoconfigError::NotClientConfig);
    }
    let mut config = ClientConfig::default();
    let providers = root
        .children()
        .filter(|n| n.tag_name().name() == "emailProvider");
    for server in providers.flat_map(|p| p.children()) {
        let imap = match (server.tag_name().name(), server.attribute("type")) {
            ("incomingServer", Some("imap")) => true,
            ("outgoingServer", Some("smtp")) => false,
            _ => continue,
        };
        let Some(entry) = server_entry(server, placeholders, imap) else {
            continue;
        };
        let list = if imap {
            &mut config.imap
        } else {
            &mut config.smtp
        };
        if !list.contains(&entry) {
            list.push(entry);
        }
    }
    // Stable sorts: document order stays the tie-breaker.
    config
        .imap
        .sort_by_key(|e| security_rank(e.upstream.security));
    config
        .smtp
        .sort_by_key(|e| security_rank(e.upstream.security));
    Ok(config)
}

fn server_entry(
    node: roxmltree::Node,
    placeholders: &Placeholders,
    imap: bool,
) -> Option<ServerEntry> {
    let text = |name: &str| {
        node.children()
            .find(|c| c.tag_name().name() == name)
            .and_then(|c| c.text())
            .map(str::trim)
            .filter(|t| !t.is_empty())
    };
    let security = match text("socketType")? {
        s if s.eq_ignore_ascii_case("SSL") => Security::Tls,
        s if s.eq_ignore_ascii_case("STARTTLS") => Security::StartTls,
        s if s.eq_ignore_ascii_case("plain") => Security::Insecure,
        _ => return None,
    };
    let host = placeholders.fill(text("hostname")?).to_ascii_lowercase();
    let host = match url::Host::parse(&host).ok()? {
        url::Host::Domain(d) => d,
        url::Host::Ipv4(ip) => ip.to_string(),
        url::Host::Ipv6(ip) => ip.to_string(),
    };
    let port = match text("port") {
        Some(p) => p.parse().ok().filter(|&p: &u16| p != 0)?,
        None => default_port(imap, security),
    };
    Some(ServerEntry {
        upstream: Upstream::new(host, port, security),
        username: text("username").map(|u| placeholders.fill(u)),
    })
}

fn default_port(imap: bool, security: Security) -> u16 {
    match (imap, security) {
        (true, Security::Tls) => 993,
        (true, _) => 143,
        (false, Security::Tls) => 465,
        (false, _) => 587,
    }
}

fn security_rank(security: Security) -> u8 {
    match security {
        Security::Tls => 0,
        Security::StartTls => 1,
        Security::Insecure => 2,
    }
}

/// Fetches autoconfig documents over HTTP(S), under the upstream policy.
#[derive(Clone)]
pub struct Autoconfig {
    /// URL templates tried in order (see [`DEFAULT_URLS`]); tests point these at a local server.
    urls: Vec<String>,
    allow_private: bool,
    client: reqwest::Client,
}

impl Autoconfig {
    /// `tls` is the same connector the mail connections use, so an operator's CA applies here too.
    pub fn new(
        urls: Vec<String>,
        tls: native_tls::TlsConnector,
        allow_private: bool,
        timeout: Duration,
    ) -> Result<Self, reqwest::Error> {
        let redirects = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() > MAX_REDIRECTS {
                return attempt.error("too many redirects");
            }
            let downgrade = attempt.url().scheme() == "http"
                && attempt.previous().iter().any(|u| u.scheme() == "https");
            if downgrade {
                return attempt.error("redirect from https to http");
            }
            match literal_ip(attempt.url()) {
                Some(ip) => match net_policy::check_host_allowed(&[ip], allow_private) {
                    Ok(()) => attempt.follow(),
                    Err(e) => attempt.error(e),
                },
                None => attempt.follow(),
            }
        });
        let client = reqwest::Client::builder()
            .use_preconfigured_tls(tls)
            .dns_resolver(Arc::new(PolicyResolver {
                allow_private,
                timeout,
            }))
            .no_proxy()
            .redirect(redirects)
            .timeout(timeout)
            .user_agent(concat!("Posta/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Autoconfig {
            urls,
            allow_private,
            client,
        })
    }

    /// The first document found at the configured URLs; `None` when there is none.
    pub async fn fetch(&self, placeholders: &Placeholders) -> Option<ClientConfig> {
        for template in &self.urls {
            let url = template.replace("{domain}", &placeholders.domain).replace(
                "{email}",
                &url::form_urlencoded::byte_serialize(placeholders.email.as_bytes())
                    .collect::<String>(),
            );
            match self
                .fetch_one(&url)
                .await
                .and_then(|xml| parse(&xml, placeholders))
            {
                Ok(config) if !config.imap.is_empty() => {
                    tracing::debug!(%url, "autoconfig found");
                    return Some(config);
                }
                Ok(_) => tracing::debug!(%url, "autoconfig names no IMAP server"),
                Err(error) => tracing::debug!(%url, error = %error_chain(&error), "no autoconfig"),
            }
        }
        None
    }

    async fn fetch_one(&self, url: &str) -> Result<String, AutoconfigError> {
        let parsed = url::Url::parse(url).map_err(|_| AutoconfigError::Url(url.to_owned()))?;
        // IP literals never reach the resolver, so they are checked here.
        if let Some(ip) = literal_ip(&parsed) {
            net_policy::check_host_allowed(&[ip], self.allow_private)?;
        }
        let mut response = self.client.get(parsed).send().await?;
        if !response.status().is_success() {
            return Err(AutoconfigError::Status(response.status()));
        }
        if response.content_length().unwrap_or(0) > MAX_BYTES as u64 {
            return Err(AutoconfigError::TooLarge);
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await? {
            if body.len() + chunk.len() > MAX_BYTES {
                return Err(AutoconfigError::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(String::from_utf8_lossy(&body).into_owned())
    }
}

fn literal_ip(url: &url::Url) -> Option<IpAddr> {
    match url.host()? {
        url::Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
        url::Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
        url::Host::Domain(_) => None,
    }
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Resolves names for the HTTP client and refuses addresses the policy refuses, so the
/// request goes to exactly the addresses that were checked.
struct PolicyResolver {
    allow_private: bool,
    timeout: Duration,
}

impl reqwest::dns::Resolve for PolicyResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let (allow_private, timeout) = (self.allow_private, self.timeout);
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs = net_policy::resolve_allowed(&host, 0, allow_private, timeout).await?;
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discovery::fake_http::{FakeHttp, Reply};

    fn anna() -> Placeholders {
        Placeholders {
            email: "anna@example.org".into(),
            local_part: "anna".into(),
            domain: "example.org".into(),
        }
    }

    /// Shaped like the documents in Thunderbird's ISPDB.
    const ISP_SAMPLE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="example.org">
    <domain>example.org</domain>
    <displayName>Example Mail</displayName>
    <incomingServer type="pop3">
      <hostname>pop.example.org</hostname>
      <port>995</port>
      <socketType>SSL</socketType>
      <username>%EMAILADDRESS%</username>
    </incomingServer>
    <incomingServer type="imap">
      <hostname>imap.%EMAILDOMAIN%</hostname>
      <port>143</port>
      <socketType>STARTTLS</socketType>
      <username>%EMAILLOCALPART%</username>
      <authentication>password-cleartext</authentication>
    </incomingServer>
    <incomingServer type="imap">
      <hostname>IMAP.example.org</hostname>
      <port>993</port>
      <socketType>SSL</socketType>
      <username>%EMAILLOCALPART%</username>
      <authentication>password-cleartext</authentication>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>smtp.example.org</hostname>
      <port>587</port>
      <socketType>STARTTLS</socketType>
      <username>%EMAILADDRESS%</username>
    </outgoingServer>
    <outgoingServer type="smtp">
      <hostname>smtp.example.org</hostname>
      <port>465</port>
      <socketType>SSL</socketType>
    </outgoingServer>
  </emailProvider>
</clientConfig>
"#;

    /// An autoconfig server's XML nested a hundred thousand deep: roxmltree keeps its nodes
    /// in one flat list and parses without recursion, and `parse` looks only at the levels
    /// it knows; on a tokio worker's stack, the document is read and no server taken from it.
    #[test]
    fn xml_nested_a_hundred_thousand_deep_is_read_without_recursion() {
        let n = 100_000;
        let xml = format!(
            "<clientConfig><emailProvider>{}{}</emailProvider></clientConfig>",
            "<incomingServer>".repeat(n),
            "</incomingServer>".repeat(n)
        );
        let servers = crate::message::on_a_worker_stack(move || {
            parse(&xml, &anna()).map_or(0, |c| c.imap.len() + c.smtp.len())
        });
        assert_eq!(servers, 0, "no usable server in it");
    }

    #[test]
    fn implicit_tls_servers_come_before_starttls_ones() {
        let config = parse(ISP_SAMPLE, &anna()).unwrap();

        let imap: Vec<_> = config.imap.iter().map(|e| e.upstream.clone()).collect();
        assert_eq!(
            imap,
            vec![
                Upstream::new("imap.example.org", 993, Security::Tls),
                Upstream::new("imap.example.org", 143, Security::StartTls),
            ]
        );
        let smtp: Vec<_> = config.smtp.iter().map(|e| e.upstream.clone()).collect();
        assert_eq!(
            smtp,
            vec![
                Upstream::new("smtp.example.org", 465, Security::Tls),
                Upstream::new("smtp.example.org", 587, Security::StartTls),
            ]
        );
    }

    #[test]
    fn placeholders_are_filled_in_hosts_and_usernames() {
        let config = parse(ISP_SAMPLE, &anna()).unwrap();

        assert_eq!(config.imap[1].upstream.host, "imap.example.org");
        assert_eq!(config.imap[0].username.as_deref(), Some("anna"));
        assert_eq!(config.smtp[1].username.as_deref(), Some("anna@example.org"));
        assert_eq!(config.smtp[0].username, None);
    }

    #[test]
    fn pop3_servers_are_ignored() {
        let config = parse(ISP_SAMPLE, &anna()).unwrap();
        assert!(
            config
                .imap
                .iter()
                .all(|e| e.upstream.host != "pop.example.org")
        );
    }

    #[test]
    fn plain_text_servers_are_kept_but_ranked_last() {
        let xml = r#"<clientConfig version="1.1"><emailProvider id="x">
            <incomingServer type="imap"><hostname>plain.example.org</hostname>
              <port>143</port><socketType>plain</socketType></incomingServer>
            <incomingServer type="imap"><hostname>secure.example.org</hostname>
              <port>143</port><socketType>STARTTLS</socketType></incomingServer>
        </emailProvider></clientConfig>"#;

        let config = parse(xml, &anna()).unwrap();

        assert_eq!(config.imap[0].upstream.host, "secure.example.org");
        assert_eq!(config.imap[1].upstream.security, Security::Insecure);
    }

    #[test]
    fn a_missing_port_defaults_by_protocol_and_security() {
        let xml = r#"<clientConfig><emailProvider id="x">
            <incomingServer type="imap"><hostname>imap.example.org</hostname>
              <socketType>SSL</socketType></incomingServer>
            <outgoingServer type="smtp"><hostname>smtp.example.org</hostname>
              <socketType>STARTTLS</socketType></outgoingServer>
        </emailProvider></clientConfig>"#;

        let config = parse(xml, &anna()).unwrap();

        assert_eq!(config.imap[0].upstream.port, 993);
        assert_eq!(config.smtp[0].upstream.port, 587);
    }

    #[test]
    fn broken_entries_are_skipped_and_the_rest_kept() {
        let xml = r#"<clientConfig><emailProvider id="x">
            <incomingServer type="imap"><hostname>bad host/name</hostname>
              <port>993</port><socketType>SSL</socketType></incomingServer>
            <incomingServer type="imap"><hostname>imap.example.org</hostname>
              <port>99999</port><socketType>SSL</socketType></incomingServer>
            <incomingServer type="imap"><hostname>imap.example.org</hostname>
              <port>993</port><socketType>TLS-ish</socketType></incomingServer>
            <incomingServer type="imap"><port>993</port><socketType>SSL</socketType></incomingServer>
            <incomingServer type="imap"><hostname> imap2.example.org </hostname>
              <port> 993 </port><socketType>ssl</socketType></incomingServer>
        </emailProvider></clientConfig>"#;

        let config = parse(xml, &anna()).unwrap();

        assert_eq!(
            config.imap,
            vec![ServerEntry {
                upstream: Upstream::new("imap2.example.org", 993, Security::Tls),
                username: None,
            }]
        );
    }

    #[test]
    fn servers_of_several_providers_are_all_read() {
        let xml = r#"<clientConfig>
            <emailProvider id="a"><incomingServer type="imap"><hostname>a.example.org</hostname>
              <port>993</port><socketType>SSL</socketType></incomingServer></emailProvider>
            <emailProvider id="b"><incomingServer type="imap"><hostname>b.example.org</hostname>
              <port>993</port><socketType>SSL</socketType></incomingServer></emailProvider>
        </clientConfig>"#;

        let hosts: Vec<_> = parse(xml, &anna())
            .unwrap()
            .imap
            .into_iter()
            .map(|e| e.upstream.host)
            .collect();

        assert_eq!(hosts, ["a.example.org", "b.example.org"]);
    }

    #[test]
    fn other_documents_and_entity_tricks_are_refused() {
        assert!(matches!(
            parse("<html><body>hi</body></html>", &anna()),
            Err(AutoconfigError::NotClientConfig)
        ));
        assert!(matches!(
            parse("not xml at all", &anna()),
            Err(AutoconfigError::Xml(_))
        ));
        let laughs = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]>
            <clientConfig>&lol;</clientConfig>"#;
        assert!(parse(laughs, &anna()).is_err());
    }

    #[test]
    fn a_byte_order_mark_is_tolerated() {
        let xml = format!("\u{feff}{ISP_SAMPLE}");
        assert_eq!(parse(&xml, &anna()).unwrap().imap.len(), 2);
    }

    fn fetcher(urls: Vec<String>, allow_private: bool) -> Autoconfig {
        let tls = native_tls::TlsConnector::new().unwrap();
        Autoconfig::new(urls, tls, allow_private, Duration::from_secs(3)).unwrap()
    }

    #[tokio::test]
    async fn the_address_is_sent_and_the_document_read() {
        let server = FakeHttp::start(vec![("/mail/config-v1.1.xml", Reply::ok(ISP_SAMPLE))]).await;
        let urls = vec![server.url("/mail/config-v1.1.xml?emailaddress={email}")];

        let config = fetcher(urls, true).fetch(&anna()).await.unwrap();

        assert_eq!(config.imap.len(), 2);
        assert_eq!(
            server.requests(),
            ["/mail/config-v1.1.xml?emailaddress=anna%40example.org"]
        );
    }

    #[tokio::test]
    async fn the_next_url_is_tried_when_the_first_has_nothing() {
        let server = FakeHttp::start(vec![(
            "/.well-known/autoconfig/mail/config-v1.1.xml",
            Reply::ok(ISP_SAMPLE),
        )])
        .await;
        let urls = vec![
            server.url("/mail/config-v1.1.xml"),
            server.url("/.well-known/autoconfig/mail/config-v1.1.xml"),
        ];

        let config = fetcher(urls, true).fetch(&anna()).await;

        assert!(config.is_some());
        assert_eq!(server.requests().len(), 2);
    }

    #[tokio::test]
    async fn a_redirect_is_followed() {
        let server = FakeHttp::start(vec![
            ("/old", Reply::redirect("/new")),
            ("/new", Reply::ok(ISP_SAMPLE)),
        ])
        .await;

        let config = fetcher(vec![server.url("/old")], true).fetch(&anna()).await;

        assert!(config.is_some());
    }

    #[tokio::test]
    async fn an_oversized_document_is_not_read() {
        let huge = format!("{ISP_SAMPLE}<!--{}-->", "x".repeat(MAX_BYTES));
        let server = FakeHttp::start(vec![("/big", Reply::ok(huge))]).await;

        let config = fetcher(vec![server.url("/big")], true).fetch(&anna()).await;

        assert_eq!(config, None);
    }

    #[tokio::test]
    async fn a_loopback_autoconfig_host_is_never_contacted_under_the_public_policy() {
        let server = FakeHttp::start(vec![("/mail/config-v1.1.xml", Reply::ok(ISP_SAMPLE))]).await;
        let urls = vec![server.url("/mail/config-v1.1.xml")];

        let config = fetcher(urls, false).fetch(&anna()).await;

        assert_eq!(config, None);
        assert!(server.requests().is_empty());
    }
}
