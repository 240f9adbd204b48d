//! The password throttle as an attacker meets it: guesses sent all at once, and a success at
//! a server of one's own meant to wipe the victim's count. (Sending's refused passwords are
//! counted in `compose::failures`; the arithmetic of the window, the /64 grouping and the
//! memory bound are unit tests in `src/throttle.rs`.)

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::future::join_all;
use posta::config::Config;
use posta::upstream::{Security, Upstream};
use reqwest::StatusCode;

use crate::helpers::{Page, TestApp, User, new_client, slow_scripted_imap, spawn_app_with, stack};

/// LOGIN commands that reached [`refusing_server`], in every test of this binary.
static LOGINS: AtomicUsize = AtomicUsize::new(0);

/// An IMAP server that refuses every password, counting each LOGIN.
fn refusing_server(tag: &str, verb: &str, _: &str) -> Option<String> {
    match verb {
        "CAPABILITY" => Some(format!("* CAPABILITY IMAP4rev1\r\n{tag} OK done\r\n")),
        "LOGIN" => {
            LOGINS.fetch_add(1, Ordering::SeqCst);
            Some(format!(
                "{tag} NO [AUTHENTICATIONFAILED] Authentication failed.\r\n"
            ))
        }
        "LOGOUT" => Some(format!("* BYE bye\r\n{tag} OK done\r\n")),
        _ => Some(format!("{tag} OK done\r\n")),
    }
}

/// Another browser on the same Posta, with its own cookies.
fn browser(app: &TestApp) -> TestApp {
    TestApp {
        address: app.address.clone(),
        client: new_client(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_guesses_reach_the_server_no_more_often_than_the_limit() {
    // Slow to answer, so that every guess is surely under way before the first is refused.
    let port = slow_scripted_imap(refusing_server, |_, _| Duration::from_millis(300)).await;
    let mut config = Config::defaults();
    config.listen = "127.0.0.1:0".parse().unwrap();
    config.imap = Some(Upstream::new("127.0.0.1", port, Security::Insecure));
    config.sign_in_limit = 10;
    let app = spawn_app_with(config).await;
    // 25 browsers, each with its sign-in form open, then all press the button at once.
    let mut forms = Vec::new();
    for _ in 0..25 {
        let guesser = browser(&app);
        let csrf = guesser.get("/login").await.csrf();
        forms.push((guesser, csrf));
    }

    let pages: Vec<Page> = join_all(forms.iter().map(|(guesser, csrf)| async move {
        let guess = [
            ("csrf", csrf.as_str()),
            ("email", "victim@posta.test"),
            ("password", "guess"),
        ];
        guesser.post_form("/login", &guess).await
    }))
    .await;

    let reached = LOGINS.load(Ordering::SeqCst);
    assert!(reached <= 10, "{reached} guesses reached the server");
    let count = |status| pages.iter().filter(|p| p.status == status).count();
    assert_eq!(count(StatusCode::UNAUTHORIZED), reached);
    assert_eq!(count(StatusCode::TOO_MANY_REQUESTS), 25 - reached);
    for refused in pages
        .iter()
        .filter(|p| p.status == StatusCode::TOO_MANY_REQUESTS)
    {
        let said = refused.texts("#login-error p").join(" ");
        assert!(said.contains("try again in 15 minutes"), "{said}");
        let retry: u64 = refused.headers["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((840..=900).contains(&retry), "Retry-After: {retry}");
        assert_eq!(
            refused.attrs("input[name=email]", "value"),
            vec!["victim@posta.test"],
            "the address typed is kept"
        );
    }
}

/// Signs in at a server typed under "Server settings" from a browser of its own.
async fn sign_in_at(app: &TestApp, server: &Upstream, user: User, password: &str) -> Page {
    let port = server.port.to_string();
    browser(app)
        .post_login(&[
            ("email", &user.email()),
            ("password", password),
            ("imap_host", &server.host),
            ("imap_port", &port),
            ("imap_security", "tls"),
        ])
        .await
}

#[tokio::test]
async fn a_success_at_another_server_does_not_clear_the_count_at_the_victims() {
    let stack = stack();
    let mut config = Config::defaults();
    config.listen = "127.0.0.1:0".parse().unwrap();
    config.tls_ca = Some(stack.ca());
    config.allow_private_upstreams = true;
    config.sign_in_limit = 2;
    let app = spawn_app_with(config).await;
    let user = User::N(5);
    // The same Dovecot under two names: to Posta, two servers. The second stands for an
    // attacker's own server, which would take any password for the victim's address.
    let victims = stack.imaps();
    let attackers = stack.imaps_basic();
    assert_ne!(victims.host, attackers.host);

    let first = sign_in_at(&app, &victims, user, "guess").await;
    let elsewhere = sign_in_at(&app, &attackers, user, &user.password()).await;
    let second = sign_in_at(&app, &victims, user, "guess").await;
    let right = sign_in_at(&app, &victims, user, &user.password()).await;

    assert_eq!(first.status, StatusCode::UNAUTHORIZED, "{}", first.body);
    assert_eq!(
        elsewhere.status,
        StatusCode::SEE_OTHER,
        "{}",
        elsewhere.body
    );
    assert_eq!(second.status, StatusCode::UNAUTHORIZED, "{}", second.body);
    assert_eq!(
        right.status,
        StatusCode::TOO_MANY_REQUESTS,
        "two failures at the victim's server still count: {}",
        right.body
    );
    assert!(right.body.contains("try again in"), "{}", right.body);
}
