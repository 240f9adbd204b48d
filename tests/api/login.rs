//! Signing in and out, and every way signing in can fail.

use reqwest::StatusCode;

use crate::helpers::{User, spawn_app, spawn_app_with, stack, test_config};

#[tokio::test]
async fn signing_in_with_the_right_password_lands_in_the_inbox() {
    let app = spawn_app().await;

    app.sign_in(User::N(1)).await;
    let inbox = app.get("/mail/INBOX").await;

    assert_eq!(inbox.status, StatusCode::OK);
    assert!(inbox.body.contains("user01@posta.test"));
    assert_eq!(inbox.texts("table.messages tbody tr").len(), 50);
}

#[tokio::test]
async fn the_session_cookie_is_http_only_same_site_strict_dateless_and_renewed_at_sign_in() {
    let app = spawn_app().await;
    let before = app.get("/login").await;

    let page = app.login(User::N(1)).await;

    let cookies: Vec<&str> = page
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    let session = cookies
        .iter()
        .find(|c| c.starts_with("posta_session="))
        .expect("a session cookie is set at sign-in");
    assert!(session.contains("HttpOnly"), "{session}");
    assert!(session.contains("SameSite=Strict"), "{session}");
    // No date: the cookie dies with the browser (the server keeps the time limits).
    let lower = session.to_lowercase();
    assert!(
        !lower.contains("max-age") && !lower.contains("expires"),
        "{session}"
    );
    let old = before
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("posta_session="));
    assert!(old.is_none_or(|o| o.split(';').next() != session.split(';').next()));
}

#[tokio::test]
async fn a_wrong_password_says_so_and_keeps_the_email() {
    let app = spawn_app().await;

    let page = app
        .post_login(&[("email", "user02@posta.test"), ("password", "not-it")])
        .await;

    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert!(
        page.texts("#login-error")
            .concat()
            .contains("refused this address and password")
    );
    assert_eq!(
        page.attrs("input[name=email]", "value"),
        vec!["user02@posta.test"]
    );
    assert!(
        page.attrs("input[name=password]", "value").is_empty(),
        "the password is never echoed"
    );
}

#[tokio::test]
async fn a_wrong_password_quotes_the_servers_own_words_not_a_debug_string() {
    let app = spawn_app().await;

    let page = app
        .post_login(&[("email", "user02@posta.test"), ("password", "not-it")])
        .await;

    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    // Dovecot answers `NO [AUTHENTICATIONFAILED] Authentication failed.`
    assert_eq!(
        page.texts("#login-error .server-said"),
        vec!["Authentication failed."]
    );
    let error = page.texts("#login-error").concat();
    for debug in ["code: None", "info:", "Some(", "AUTHENTICATIONFAILED"] {
        assert!(!error.contains(debug), "{debug:?} in {error:?}");
        assert!(!page.body.contains(debug), "{debug:?} in the page");
    }
}

#[tokio::test]
async fn the_wrong_password_message_speaks_russian_to_russian_browsers() {
    let app = spawn_app().await;
    let form = app
        .get_with("/login", &[("accept-language", "ru-RU,ru;q=0.9")])
        .await;
    assert!(form.body.contains("Вход в почту"));

    let csrf = form.csrf();
    let page = app
        .client
        .post(format!("{}/login", app.address))
        .header("accept-language", "ru-RU")
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", "user02@posta.test"),
            ("password", "nope"),
        ])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();

    assert!(
        page.contains("Почтовый сервер не принял этот адрес и пароль"),
        "{page}"
    );
}

#[tokio::test]
async fn a_certificate_from_an_untrusted_ca_is_refused() {
    let mut config = test_config();
    config.tls_ca = None;
    let app = spawn_app_with(config).await;

    let page = app.login(User::N(2)).await;

    assert_eq!(page.status, StatusCode::BAD_GATEWAY);
    assert!(
        page.body.contains("certificate could not be verified"),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn starttls_on_the_imap_port_works() {
    let mut config = test_config();
    config.imap = Some(stack().imap_starttls());
    let app = spawn_app_with(config).await;

    app.sign_in(User::N(3)).await;

    assert_eq!(app.get("/mail/INBOX").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_person_can_name_their_server_when_none_is_fixed() {
    let mut config = test_config();
    config.imap = None;
    // A fixed SMTP server needs a fixed IMAP server (Config::check).
    config.smtp = None;
    config.allow_private_upstreams = true;
    let app = spawn_app_with(config).await;

    let page = app
        .post_login(&[
            ("email", "user04@posta.test"),
            ("password", "pass-user04"),
            ("imap_host", "localhost"),
            ("imap_port", "10143"),
            ("imap_security", "starttls"),
        ])
        .await;

    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(app.get("/mail/INBOX").await.status, StatusCode::OK);
}

#[tokio::test]
async fn signed_out_visitors_are_sent_to_sign_in_and_brought_back_after() {
    let app = spawn_app().await;

    let page = app.get("/mail/Projects%2FRust").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), "/login?next=%2Fmail%2FProjects%252FRust");

    let form = app.get(page.location()).await;
    let csrf = form.csrf();
    let next = form.attrs("input[name=next]", "value").remove(0);
    let done = app
        .post_form(
            "/login",
            &[
                ("csrf", &csrf),
                ("next", &next),
                ("email", "user01@posta.test"),
                ("password", "pass-user01"),
            ],
        )
        .await;
    assert_eq!(done.location(), "/mail/Projects%2FRust");
}

#[tokio::test]
async fn signing_out_ends_the_session_and_the_imap_connection() {
    let app = spawn_app().await;
    let user = User::N(8);
    app.sign_in(user).await;
    let logouts = stack().logouts(user);

    let page = app.logout().await;

    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), "/login?signed_out=1");
    assert!(page.headers.get("clear-site-data").is_some());
    assert_eq!(app.get("/mail/INBOX").await.status, StatusCode::SEE_OTHER);
    assert!(
        crate::helpers::eventually(std::time::Duration::from_secs(10), || stack().logouts(user)
            > logouts)
        .await,
        "Dovecot saw the connection end"
    );
}

#[tokio::test]
async fn signing_out_needs_the_form_token() {
    let app = spawn_app().await;
    app.sign_in(User::N(1)).await;

    let page = app.post_form("/logout", &[("csrf", "forged")]).await;

    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(app.get("/mail/INBOX").await.status, StatusCode::OK);
}
