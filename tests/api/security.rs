//! What an attacker would try: forms from other sites, guessing passwords, odd methods and
//! bodies, forged proxy headers; and the headers every response must carry.

use reqwest::{Method, StatusCode};

use crate::helpers::{Page, User, assert_security_headers, spawn_app, spawn_app_with, test_config};

#[tokio::test]
async fn a_form_posted_from_another_site_is_refused_even_with_the_token() {
    let app = spawn_app().await;
    app.sign_in(User::N(3)).await;
    let csrf = app.get("/mail/INBOX").await.csrf();
    for (site, origin) in [
        (None, "http://evil.example"),
        (None, "null"),
        (Some("cross-site"), "null"),
        (Some("same-site"), "http://mail.evil.example"),
    ] {
        let mut request = app
            .client
            .post(format!("{}/logout", app.address))
            .header("origin", origin)
            .form(&[("csrf", csrf.as_str())]);
        if let Some(site) = site {
            request = request.header("sec-fetch-site", site);
        }
        let forged = app.send(request).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN, "{site:?} {origin}");
        assert!(
            forged.body.contains("sent from another website"),
            "{}",
            forged.body
        );
    }
    let by_referer = app
        .send(
            app.client
                .post(format!("{}/logout", app.address))
                .header("referer", "http://evil.example/page")
                .form(&[("csrf", csrf.as_str())]),
        )
        .await;
    assert_eq!(by_referer.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.get("/mail/INBOX").await.status,
        StatusCode::OK,
        "still signed in"
    );

    // The same form from Posta's own page does what it says.
    let own = app
        .send(
            app.client
                .post(format!("{}/logout", app.address))
                .header("origin", &app.address)
                .form(&[("csrf", csrf.as_str())]),
        )
        .await;
    assert_eq!(own.status, StatusCode::SEE_OTHER);
    assert_eq!(app.get("/mail/INBOX").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn guessing_passwords_is_stopped_per_account_and_says_so() {
    let mut config = test_config();
    config.sign_in_limit = 2;
    let app = spawn_app_with(config).await;
    let user = User::N(3);
    for _ in 0..2 {
        let wrong = app
            .post_login(&[("email", &user.email()), ("password", "guess")])
            .await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{}", wrong.body);
    }
    // Now even the right password waits: the limit is on attempts, not on wrong answers.
    let blocked = app.login(user).await;
    assert_eq!(blocked.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        blocked.body.contains("Too many failed sign-ins"),
        "{}",
        blocked.body
    );
    assert_eq!(
        blocked.attrs("input[name=email]", "value"),
        vec![user.email()],
        "the address typed is kept"
    );
    // Another account from the same address is still welcome (its own limit is 3×).
    assert_eq!(app.login(User::N(4)).await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = spawn_app().await;
    let anonymous: Vec<(String, Page)> = {
        let mut pages = Vec::new();
        for path in [
            "/",
            "/login",
            "/healthz",
            "/no/such/page",
            "/mail/INBOX",
            "/session",
        ] {
            pages.push((path.to_owned(), app.get(path).await));
        }
        pages
    };
    app.sign_in(User::N(3)).await;
    let inbox = app.get("/mail/INBOX").await;
    let message = inbox.attrs("td.subject a", "href").remove(0);
    let html = app
        .get(&inbox.attrs("td.subject a", "href")[3])
        .await
        .attrs("iframe", "src")
        .remove(0);
    let css = inbox.attrs("link[rel=stylesheet]", "href").remove(0);
    let js = inbox.attrs("script[src]", "src").remove(0);
    let mut pages = anonymous;
    for path in [
        "/mail/INBOX".to_owned(),
        message.clone(),
        html,
        format!("{message}/raw"),
        css,
        js,
        "/mail/Nowhere".to_owned(),
        "/session".to_owned(),
    ] {
        pages.push((path.clone(), app.get(&path).await));
    }
    for (path, page) in &pages {
        assert_security_headers(path, page);
    }
}

#[tokio::test]
async fn odd_methods_and_oversized_or_malformed_bodies_get_a_page_in_words() {
    let app = spawn_app().await;
    app.sign_in(User::N(3)).await;
    let put = app
        .send(
            app.client
                .request(Method::PUT, format!("{}/mail/INBOX", app.address)),
        )
        .await;
    assert_eq!(put.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(put.body.contains("cannot be used that way"), "{}", put.body);
    assert!(put.headers.get("allow").is_some());

    let huge = "x".repeat(200 * 1024);
    let oversized = app
        .send(
            app.client
                .post(format!("{}/mail/INBOX/actions", app.address))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(format!("csrf={huge}")),
        )
        .await;
    assert_eq!(oversized.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(oversized.body.contains("too large"), "{}", oversized.body);

    let garbled = app
        .send(
            app.client
                .post(format!("{}/logout", app.address))
                .header("content-type", "application/json")
                .body("{\"csrf\": 1}"),
        )
        .await;
    assert_eq!(garbled.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(garbled.body.contains("<html"), "{}", garbled.body);
    assert_eq!(app.get("/mail/INBOX").await.status, StatusCode::OK);
}
