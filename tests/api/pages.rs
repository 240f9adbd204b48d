//! Pages that need no mail server, answered in process by Posta's router (see
//! [`crate::in_process`]): the sign-in form and the refusals that come before any server is
//! asked, the origin guard, the headers every response carries, error pages in words,
//! static assets, `/healthz` and the language switch. None of these tests starts the mail
//! stack.

use reqwest::StatusCode;

use crate::helpers::{Page, User, header};
use crate::in_process::{self, InProcessApp};

// --- sign-ins refused before any mail server is reached

#[tokio::test]
async fn something_that_is_not_an_email_address_is_explained() {
    let app = in_process::app();

    let page = app
        .post_login(&[("email", "just-a-name"), ("password", "x")])
        .await;

    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.body.contains("Enter an email address"));
    assert_eq!(
        page.attrs("input[name=email]", "value"),
        vec!["just-a-name"]
    );
}

#[tokio::test]
async fn a_sign_in_without_the_form_token_is_refused_but_keeps_the_email() {
    let app = in_process::app();

    let page = app
        .post_form(
            "/login",
            &[("email", "user01@posta.test"), ("password", "pass-user01")],
        )
        .await;

    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.body.contains("Please try again"));
    assert_eq!(
        page.attrs("input[name=email]", "value"),
        vec!["user01@posta.test"]
    );
}

#[tokio::test]
async fn an_unreachable_server_is_reported_in_words() {
    let mut config = in_process::config();
    config.imap = Some(posta::upstream::Upstream::new(
        "127.0.0.1",
        1,
        posta::upstream::Security::Tls,
    ));
    let app = in_process::app_with(config);

    let page = app.login(User::N(2)).await;

    assert_eq!(page.status, StatusCode::BAD_GATEWAY);
    assert!(
        page.body.contains("Could not connect to the mail server"),
        "{}",
        page.body
    );
    assert_eq!(
        page.attrs("input[name=email]", "value"),
        vec!["user02@posta.test"]
    );
}

#[tokio::test]
async fn a_public_gateway_refuses_loopback_servers() {
    let mut config = in_process::config();
    config.imap = None;
    let app = in_process::app_with(config);

    let page = app
        .post_login(&[
            ("email", "user04@posta.test"),
            ("password", "pass-user04"),
            ("imap_host", "127.0.0.1"),
            ("imap_port", "10993"),
        ])
        .await;

    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(
        page.body.contains("not allowed on this gateway"),
        "{}",
        page.body
    );
    assert_eq!(
        page.attrs("input[name=imap_host]", "value"),
        vec!["127.0.0.1"],
        "the typed server is kept"
    );
}

// --- behind a proxy

#[tokio::test]
async fn behind_a_trusted_https_proxy_cookies_are_secure_and_hsts_is_sent() {
    let mut config = in_process::config();
    config.trust_proxy = true;
    let trusted = in_process::app_with(config);
    let login = through_proxy(&trusted, "/login").await;
    assert_eq!(
        header(&login, "strict-transport-security"),
        "max-age=63072000"
    );
    let cookie = header(&login, "set-cookie");
    assert!(
        cookie.starts_with("posta_login_csrf=") && cookie.ends_with("; Secure"),
        "{cookie}"
    );

    let untrusted = in_process::app();
    let login = through_proxy(&untrusted, "/login").await;
    assert!(login.headers.get("strict-transport-security").is_none());
    assert!(!header(&login, "set-cookie").contains("Secure"));
}

/// Posta behind a TLS proxy: what the proxy says counts only when the operator says so.
async fn through_proxy(app: &InProcessApp, path: &str) -> Page {
    app.send(
        app.client
            .get(format!("{}{path}", app.address))
            .header("x-forwarded-proto", "https"),
    )
    .await
}
