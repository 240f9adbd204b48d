//! Discovery as a whole: the stage order, ranking within a stage, and what a person is told.
//! Probes are faked where the servers would be on the internet; nothing here leaves 127.0.0.1.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

use super::fake_http::{FakeHttp, Reply, greeter};
use super::*;

fn discoverer(autoconfig_urls: Vec<String>) -> Discoverer {
    let config = DiscoveryConfig {
        allow_private: true,
        srv: false,
        autoconfig_urls,
        ..DiscoveryConfig::default()
    };
    Discoverer::new(config, native_tls::TlsConnector::new().unwrap()).unwrap()
}

fn answer(upstream: &Upstream) -> Endpoint {
    Endpoint {
        upstream: upstream.clone(),
        addr: SocketAddr::from(([192, 0, 2, 1], upstream.port)),
    }
}

fn no_such_host() -> ProbeError {
    ProbeError::Resolve(std::io::Error::new(std::io::ErrorKind::NotFound, "fake"))
}

/// The `host:port`s a fake probe was asked about, in order.
type Calls = Arc<Mutex<Vec<String>>>;
type FakeAnswer = std::future::Ready<Result<Endpoint, ProbeError>>;

/// A fake probe that answers for the listed `host:port`s only and records every call.
fn answering(hosts: &'static [&'static str]) -> (Calls, impl Fn(Upstream, Protocol) -> FakeAnswer) {
    let calls = Arc::new(Mutex::new(Vec::new()));
    let seen = calls.clone();
    let probe = move |upstream: Upstream, _| {
        let authority = upstream.authority();
        seen.lock().unwrap().push(authority.clone());
        std::future::ready(if hosts.contains(&authority.as_str()) {
            Ok(answer(&upstream))
        } else {
            Err(no_such_host())
        })
    };
    (calls, probe)
}

fn autoconfig_xml(imap: &str, smtp: &str) -> String {
    format!(
        r#"<clientConfig version="1.1"><emailProvider id="example.test">
        <incomingServer type="imap"><hostname>{imap}</hostname><port>993</port>
          <socketType>SSL</socketType><username>%EMAILLOCALPART%</username></incomingServer>
        <outgoingServer type="smtp"><hostname>{smtp}</hostname><port>465</port>
          <socketType>SSL</socketType></outgoingServer>
        </emailProvider></clientConfig>"#
    )
}

#[tokio::test]
async fn a_preset_provider_is_used_without_asking_autoconfig() {
    let server = FakeHttp::start(vec![]).await;
    let discoverer = discoverer(vec![server.url("/mail/config-v1.1.xml")]);
    let (_, probe) = answering(&["imap.mail.ru:993", "smtp.mail.ru:465"]);

    let found = discoverer
        .discover_with("Anna@Mail.RU", probe)
        .await
        .unwrap();

    assert_eq!(found.source, Source::Preset);
    assert_eq!(
        found.imap.upstream,
        Upstream::new("imap.mail.ru", 993, Security::Tls)
    );
    assert_eq!(
        found.smtp.unwrap().upstream,
        Upstream::new("smtp.mail.ru", 465, Security::Tls)
    );
    assert!(found.hint.unwrap().ru.contains("внешних приложений"));
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn stages_are_asked_in_order_until_a_server_answers() {
    let xml = autoconfig_xml("imap.hosting.test", "smtp.hosting.test");
    let server = FakeHttp::start(vec![("/mail/config-v1.1.xml", Reply::ok(xml))]).await;
    let discoverer = discoverer(vec![server.url("/mail/config-v1.1.xml")]);
    let (calls, probe) = answering(&["mail.example.test:993", "smtp.example.test:465"]);

    let found = discoverer
        .discover_with("anna@example.test", probe)
        .await
        .unwrap();

    assert_eq!(found.source, Source::Guess);
    assert_eq!(found.imap.upstream.authority(), "mail.example.test:993");
    assert_eq!(
        found.smtp.unwrap().upstream.authority(),
        "smtp.example.test:465"
    );
    let calls = calls.lock().unwrap().clone();
    assert_eq!(
        calls[..2],
        ["imap.hosting.test:993", "smtp.hosting.test:465"]
    );
    assert_eq!(
        calls[2], "imap.example.test:993",
        "guesses come after autoconfig"
    );
}

#[tokio::test]
async fn autoconfig_wins_over_guesses_and_carries_its_login_name() {
    let xml = autoconfig_xml("imap.hosting.test", "smtp.hosting.test");
    let server = FakeHttp::start(vec![("/mail/config-v1.1.xml", Reply::ok(xml))]).await;
    let discoverer = discoverer(vec![server.url("/mail/config-v1.1.xml")]);
    let (calls, probe) = answering(&["imap.hosting.test:993", "imap.example.test:993"]);

    let found = discoverer
        .discover_with("anna@example.test", probe)
        .await
        .unwrap();

    assert_eq!(found.source, Source::Autoconfig);
    assert_eq!(found.username.as_deref(), Some("anna"));
    assert!(
        !calls
            .lock()
            .unwrap()
            .contains(&"imap.example.test:993".to_owned())
    );
}

#[tokio::test]
async fn a_better_ranked_server_wins_even_when_it_answers_later() {
    let discoverer = discoverer(vec![]);
    let better_may_answer = Arc::new(Notify::new());
    let probe = |upstream: Upstream, _| {
        let gate = better_may_answer.clone();
        async move {
            match upstream.authority().as_str() {
                "imap.example.test:993" => {
                    gate.notified().await;
                    Ok(answer(&upstream))
                }
                "mail.example.test:993" => {
                    gate.notify_one();
                    Ok(answer(&upstream))
                }
                _ => Err(no_such_host()),
            }
        }
    };

    let found = discoverer
        .discover_with("anna@example.test", probe)
        .await
        .unwrap();

    assert_eq!(found.imap.upstream.authority(), "imap.example.test:993");
}

#[tokio::test]
async fn starttls_is_used_only_when_no_implicit_tls_server_answers() {
    let discoverer = discoverer(vec![]);
    let (_, probe) = answering(&["imap.example.test:143", "example.test:143"]);

    let found = discoverer
        .discover_with("anna@example.test", probe)
        .await
        .unwrap();

    assert_eq!(
        found.imap.upstream,
        Upstream::new("imap.example.test", 143, Security::StartTls)
    );
    assert_eq!(found.smtp, None, "no SMTP server answered");
}

#[tokio::test]
async fn smtp_comes_from_a_later_stage_when_the_winning_stage_has_none() {
    let xml = autoconfig_xml("imap.unused.test", "relay.mail.ru");
    let server = FakeHttp::start(vec![("/mail/config-v1.1.xml", Reply::ok(xml))]).await;
    let discoverer = discoverer(vec![server.url("/mail/config-v1.1.xml")]);
    let (_, probe) = answering(&["imap.mail.ru:993", "relay.mail.ru:465"]);

    let found = discoverer
        .discover_with("anna@mail.ru", probe)
        .await
        .unwrap();

    assert_eq!(found.source, Source::Preset);
    assert_eq!(found.smtp.unwrap().upstream.host, "relay.mail.ru");
}

#[tokio::test]
async fn a_domain_cannot_pair_its_own_imap_server_with_another_providers_smtp() {
    // The attacker's IMAP server takes any password; Gmail's SMTP server would then be asked
    // about each one.
    let xml = autoconfig_xml("imap.attacker.test", "smtp.gmail.com");
    let server = FakeHttp::start(vec![("/mail/config-v1.1.xml", Reply::ok(xml))]).await;
    let discoverer = discoverer(vec![server.url("/mail/config-v1.1.xml")]);
    let (calls, probe) = answering(&["imap.attacker.test:993", "smtp.gmail.com:465"]);

    let found = discoverer
        .discover_with("victim@attacker.test", probe)
        .await
        .unwrap();

    assert_eq!(found.imap.upstream.host, "imap.attacker.test");
    assert_eq!(found.smtp, None, "reading works, sending has no server");
    assert!(
        !calls
            .lock()
            .unwrap()
            .contains(&"smtp.gmail.com:465".to_owned()),
        "another provider's server is not even probed"
    );
}

#[tokio::test]
async fn the_imap_servers_own_smtp_server_is_used_when_it_answers() {
    // The autoconfig names a foreign server first; the IMAP server's own site has one too.
    let xml = r#"<clientConfig version="1.1"><emailProvider id="example.test">
        <incomingServer type="imap"><hostname>imap.hosting.test</hostname><port>993</port>
          <socketType>SSL</socketType></incomingServer>
        <outgoingServer type="smtp"><hostname>smtp.elsewhere.test</hostname><port>465</port>
          <socketType>SSL</socketType></outgoingServer>
        <outgoingServer type="smtp"><hostname>out.hosting.test</hostname><port>465</port>
          <socketType>SSL</socketType></outgoingServer>
        </emailProvider></clientConfig>"#;
    let server = FakeHttp::start(vec![("/mail/config-v1.1.xml", Reply::ok(xml))]).await;
    let discoverer = discoverer(vec![server.url("/mail/config-v1.1.xml")]);
    let (_, probe) = answering(&[
        "imap.hosting.test:993",
        "smtp.elsewhere.test:465",
        "out.hosting.test:465",
    ]);

    let found = discoverer
        .discover_with("anna@example.test", probe)
        .await
        .unwrap();

    assert_eq!(found.smtp.unwrap().upstream.host, "out.hosting.test");
}

#[tokio::test]
async fn an_smtp_server_that_answered_earlier_is_kept_only_for_its_own_provider() {
    // Autoconfig's IMAP server is down but its SMTP server answers; the guessed IMAP server
    // that wins is another provider's, and so are the guessed SMTP names that answer none.
    let xml = autoconfig_xml("imap.hosting.test", "smtp.hosting.test");
    let server = FakeHttp::start(vec![("/mail/config-v1.1.xml", Reply::ok(xml))]).await;
    let discoverer = discoverer(vec![server.url("/mail/config-v1.1.xml")]);
    let (_, probe) = answering(&["smtp.hosting.test:465", "imap.example.test:993"]);

    let found = discoverer
        .discover_with("anna@example.test", probe)
        .await
        .unwrap();

    assert_eq!(found.source, Source::Guess);
    assert_eq!(found.smtp, None);
}

#[tokio::test]
async fn plain_text_servers_from_autoconfig_are_skipped_by_default() {
    let xml = r#"<clientConfig><emailProvider id="x">
        <incomingServer type="imap"><hostname>plain.example.test</hostname>
          <port>143</port><socketType>plain</socketType></incomingServer>
        </emailProvider></clientConfig>"#;
    let server = FakeHttp::start(vec![("/c", Reply::ok(xml))]).await;
    let discoverer = discoverer(vec![server.url("/c")]);
    let (calls, probe) = answering(&["plain.example.test:143"]);

    let result = discoverer.discover_with("anna@example.test", probe).await;

    assert!(matches!(result, Err(DiscoveryError::NotFound { .. })));
    assert!(
        !calls
            .lock()
            .unwrap()
            .contains(&"plain.example.test:143".to_owned())
    );
}

#[tokio::test]
async fn proton_is_explained_instead_of_searched() {
    let discoverer = discoverer(vec![]);
    let (calls, probe) = answering(&[]);

    let result = discoverer.discover_with("anna@proton.me", probe).await;

    let Err(DiscoveryError::NoImap { provider, hint }) = result else {
        panic!("expected NoImap, got {result:?}");
    };
    assert_eq!(provider, "Proton Mail");
    assert!(hint.unwrap().en.contains("Bridge"));
    assert!(calls.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_domain_with_nothing_at_all_is_not_found() {
    let discoverer = discoverer(vec![]);
    let (_, probe) = answering(&[]);

    let result = discoverer.discover_with("anna@nothing.test", probe).await;

    let error = result.unwrap_err();
    assert_eq!(
        error.to_string(),
        "no mail server was found for nothing.test"
    );
}

#[tokio::test]
async fn servers_on_refused_addresses_are_reported_as_refused() {
    let discoverer = discoverer(vec![]);
    let probe = |upstream: Upstream, _| async move {
        if upstream.host == "imap.intranet.test" {
            Err(ProbeError::Policy(PolicyError::Refused {
                addr: "10.0.0.5".parse().unwrap(),
                range: "private (RFC 1918)",
            }))
        } else {
            Err(no_such_host())
        }
    };

    let result = discoverer.discover_with("anna@intranet.test", probe).await;

    assert!(
        matches!(result, Err(DiscoveryError::Refused { .. })),
        "{result:?}"
    );
}

#[test]
fn the_most_telling_failure_is_the_one_reported() {
    let timeout = || ProbeError::Timeout(Duration::from_secs(5));
    let refused = || {
        ProbeError::Connect(std::io::Error::new(
            std::io::ErrorKind::ConnectionRefused,
            "fake",
        ))
    };
    let at = |host: &str| Upstream::new(host, 993, Security::Tls);

    let error = explain(
        "example.test",
        vec![
            (at("a"), no_such_host()),
            (at("b"), timeout()),
            (at("c"), refused()),
        ],
    );
    let DiscoveryError::Unreachable {
        upstream, cause, ..
    } = error
    else {
        panic!("expected Unreachable, got {error:?}");
    };
    assert_eq!(upstream.host, "c");
    assert!(matches!(cause, ProbeError::Connect(_)));

    assert!(matches!(
        explain("example.test", vec![]),
        DiscoveryError::NotFound { .. }
    ));
}

#[test]
fn addresses_are_split_and_their_domain_normalised() {
    let who = split_address(" Anna.Petrova@Пример.РФ. ").unwrap();
    assert_eq!(who.local_part, "Anna.Petrova");
    assert_eq!(who.domain, "xn--e1afmkfd.xn--p1ai");
    assert_eq!(who.email, "Anna.Petrova@xn--e1afmkfd.xn--p1ai");
}

#[test]
fn things_that_are_not_addresses_with_a_domain_are_refused() {
    for typed in [
        "anna",
        "@mail.ru",
        "anna@",
        "anna@127.0.0.1",
        "anna@[::1]",
        "anna@exa mple.org",
        "anna@example.org/x",
        "anna@example.org?x",
    ] {
        assert!(
            matches!(split_address(typed), Err(DiscoveryError::InvalidAddress(_))),
            "{typed:?}"
        );
    }
}

#[test]
fn guesses_try_implicit_tls_on_every_name_before_starttls() {
    let guessed = guesses("example.org");
    let imap: Vec<String> = guessed.imap.iter().map(|u| u.authority()).collect();
    assert_eq!(
        imap,
        [
            "imap.example.org:993",
            "mail.example.org:993",
            "example.org:993",
            "imap.example.org:143",
            "mail.example.org:143",
            "example.org:143",
        ]
    );
    let smtp: Vec<String> = guessed.smtp.iter().map(|u| u.authority()).collect();
    assert_eq!(smtp[0], "smtp.example.org:465");
    assert_eq!(smtp[3], "smtp.example.org:587");
}

#[tokio::test]
async fn autoconfig_servers_on_this_machine_are_probed_for_real() {
    let imap_port = greeter("* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n").await;
    let smtp_port = greeter("220 localhost ESMTP\r\n").await;
    let xml = format!(
        r#"<clientConfig><emailProvider id="example.test">
        <incomingServer type="imap"><hostname>127.0.0.1</hostname><port>{imap_port}</port>
          <socketType>STARTTLS</socketType></incomingServer>
        <outgoingServer type="smtp"><hostname>127.0.0.1</hostname><port>{smtp_port}</port>
          <socketType>STARTTLS</socketType></outgoingServer>
        </emailProvider></clientConfig>"#
    );
    let server = FakeHttp::start(vec![("/mail/config-v1.1.xml", Reply::ok(xml))]).await;
    let discoverer = discoverer(vec![
        server.url("/mail/config-v1.1.xml?emailaddress={email}"),
    ]);
    // The real probe, but only for IP literals: a name would mean a DNS query.
    let local_only = |upstream: Upstream, protocol| {
        let prober = &discoverer.prober;
        async move {
            match upstream.host.parse::<std::net::IpAddr>() {
                Ok(_) => prober.probe(&upstream, protocol).await,
                Err(_) => Err(no_such_host()),
            }
        }
    };

    let found = discoverer
        .discover_with("anna@example.test", local_only)
        .await
        .unwrap();

    assert_eq!(found.source, Source::Autoconfig);
    assert_eq!(
        found.imap.addr,
        SocketAddr::from(([127, 0, 0, 1], imap_port))
    );
    assert_eq!(
        found.smtp.unwrap().addr,
        SocketAddr::from(([127, 0, 0, 1], smtp_port))
    );
    assert_eq!(found.username, None);
}
