//! Pages that need no mail server, answered in process by Posta's router (see
//! [`crate::in_process`]): the sign-in form and the refusals that come before any server is
//! asked, the origin guard, the headers every response carries, error pages in words,
//! static assets, `/healthz` and the language switch. None of these tests starts the mail
//! stack.

use reqwest::{Method, StatusCode};

use crate::helpers::{Page, User, assert_security_headers, header};
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
    // A fixed SMTP server needs a fixed IMAP server (Config::check).
    config.smtp = None;
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

// --- the sign-in form

#[tokio::test]
async fn the_sign_in_form_carries_a_token_that_its_own_cookie_repeats() {
    let app = in_process::app();

    let page = app.get("/login").await;

    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.attrs("input[name=email]", "type"), vec!["email"]);
    assert_eq!(page.attrs("input[name=password]", "type"), vec!["password"]);
    assert_eq!(
        cookie_attributes(header(&page, "set-cookie")),
        cookie_attributes(&format!(
            "posta_login_csrf={}; Path=/login; HttpOnly; SameSite=Strict",
            page.csrf()
        )),
        "dateless, for the sign-in form only"
    );
    assert!(
        page.attrs("input[name=imap_host]", "name").is_empty(),
        "a fixed server leaves nothing to choose"
    );
}

#[tokio::test]
async fn without_a_fixed_server_the_form_offers_server_settings() {
    let mut config = in_process::config();
    config.imap = None;
    // A fixed SMTP server needs a fixed IMAP server (Config::check).
    config.smtp = None;
    let app = in_process::app_with(config);

    let page = app.get("/login").await;

    assert_eq!(
        page.attrs("input[name=imap_host]", "name"),
        vec!["imap_host"]
    );
    assert_eq!(
        page.attrs("select[name=imap_security] option[selected]", "value"),
        vec!["tls"]
    );
}

#[tokio::test]
async fn the_sign_in_form_speaks_the_browsers_language_and_says_why_it_is_shown() {
    let app = in_process::app();

    let russian = app
        .get_with("/login", &[("accept-language", "ru-RU,ru;q=0.9")])
        .await;
    let signed_out = app.get("/login?signed_out=1").await;
    let expired = app.get("/login?expired=1").await;

    assert!(russian.body.contains("Вход в почту"), "{}", russian.body);
    assert_eq!(russian.attrs("html", "lang"), vec!["ru"]);
    assert_eq!(
        signed_out.texts("p.notice"),
        vec!["You have signed out. Nothing of your mail is kept on this computer."]
    );
    assert!(
        expired
            .texts("p.notice")
            .concat()
            .contains("Your session has ended"),
        "{}",
        expired.body
    );
}

#[tokio::test]
async fn an_empty_password_is_refused_without_asking_the_server() {
    let app = in_process::app();

    let page = app
        .post_login(&[("email", "user01@posta.test"), ("password", "")])
        .await;

    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        page.attrs("input[name=email]", "value"),
        vec!["user01@posta.test"]
    );
}

#[tokio::test]
async fn signed_out_visitors_are_sent_to_sign_in_first() {
    let app = in_process::app();

    let home = app.get("/").await;
    let folder = app.get("/mail/Projects%2FRust").await;
    let folders = app.get("/folders").await;
    let left = app.get("/session").await;

    assert_eq!(home.status, StatusCode::SEE_OTHER);
    assert_eq!(home.location(), "/login");
    assert_eq!(folder.status, StatusCode::SEE_OTHER);
    assert_eq!(folder.location(), "/login?next=%2Fmail%2FProjects%252FRust");
    assert_eq!(folders.location(), "/login?next=%2Ffolders");
    assert_eq!(left.status, StatusCode::UNAUTHORIZED);
    assert_eq!(left.body, "0");
}

// --- the origin guard

#[tokio::test]
async fn forms_from_other_sites_are_refused_before_anything_else() {
    let app = in_process::app();
    for path in [
        "/login",
        "/logout",
        "/folders",
        "/mail/INBOX/actions",
        "/session",
    ] {
        for (site, origin) in [
            (None, "http://evil.example"),
            (None, "null"),
            (Some("cross-site"), "null"),
            (Some("same-site"), "http://mail.evil.example"),
        ] {
            let mut request = app
                .client
                .post(format!("{}{path}", app.address))
                .header("origin", origin)
                .form(&[("csrf", "whatever")]);
            if let Some(site) = site {
                request = request.header("sec-fetch-site", site);
            }

            let forged = app.send(request).await;

            assert_eq!(
                forged.status,
                StatusCode::FORBIDDEN,
                "{path} {site:?} {origin}"
            );
            assert!(
                forged.body.contains("sent from another website"),
                "{path}: {}",
                forged.body
            );
        }
        let by_referer = app
            .send(
                app.client
                    .post(format!("{}{path}", app.address))
                    .header("referer", "http://evil.example/page")
                    .form(&[("csrf", "whatever")]),
            )
            .await;
        assert_eq!(by_referer.status, StatusCode::FORBIDDEN, "{path}");
    }
}

#[tokio::test]
async fn a_sign_in_from_posta_own_page_passes_the_guard() {
    let app = in_process::app();
    let csrf = app.get("/login").await.csrf();

    let page = app
        .send(
            app.client
                .post(format!("{}/login", app.address))
                .header("origin", "null")
                .header("sec-fetch-site", "same-origin")
                .form(&[("csrf", csrf.as_str()), ("email", "no-address")]),
        )
        .await;

    assert_eq!(
        page.status,
        StatusCode::BAD_REQUEST,
        "the form's own answer"
    );
    assert!(
        page.body.contains("Enter an email address"),
        "{}",
        page.body
    );
}

// --- headers

#[tokio::test]
async fn every_response_without_a_session_carries_the_security_headers() {
    let app = in_process::app();
    let css = app
        .get("/login")
        .await
        .attrs("link[rel=stylesheet]", "href")
        .remove(0);
    let mut pages: Vec<(String, Page)> = Vec::new();
    for path in [
        "/",
        "/login",
        "/healthz",
        "/no/such/page",
        "/mail/INBOX",
        "/session",
        "/lang/ru?next=/login",
        &css,
        "/static/posta-0000000000000000.css",
    ] {
        pages.push((path.to_owned(), app.get(path).await));
    }
    let put = app
        .send(
            app.client
                .request(Method::PUT, format!("{}/login", app.address)),
        )
        .await;
    pages.push(("PUT /login".to_owned(), put));

    for (path, page) in &pages {
        assert_security_headers(path, page);
        assert_eq!(header(page, "x-frame-options"), "DENY", "{path}");
    }
}

// --- error pages

#[tokio::test]
async fn errors_get_a_page_in_words_in_the_persons_language() {
    let app = in_process::app();

    let missing = app.get("/no/such/page").await;
    let missing_ru = app
        .get_with("/no/such/page", &[("accept-language", "ru")])
        .await;
    let put = app
        .send(
            app.client
                .request(Method::PUT, format!("{}/login", app.address)),
        )
        .await;
    let huge = "x".repeat(200 * 1024);
    let oversized = app
        .send(
            app.client
                .post(format!("{}/login", app.address))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(format!("csrf={huge}")),
        )
        .await;
    let garbled = app
        .send(
            app.client
                .post(format!("{}/login", app.address))
                .header("content-type", "application/json")
                .body("{\"csrf\": 1}"),
        )
        .await;

    for (page, status, said) in [
        (&missing, StatusCode::NOT_FOUND, "There is no such page."),
        (&missing_ru, StatusCode::NOT_FOUND, "Такой страницы нет."),
        (
            &put,
            StatusCode::METHOD_NOT_ALLOWED,
            "This address cannot be used that way.",
        ),
        (
            &oversized,
            StatusCode::PAYLOAD_TOO_LARGE,
            "What was sent is too large for Posta to accept.",
        ),
        (
            &garbled,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "The request was not understood.",
        ),
    ] {
        assert_eq!(page.status, status, "{said}");
        assert_eq!(page.texts("p.error"), vec![said], "{}", page.body);
        assert!(
            header(page, "content-type").starts_with("text/html"),
            "{said}"
        );
        assert_eq!(
            page.attrs("a[href='/']", "href").len(),
            1,
            "a way home: {said}"
        );
    }
    assert!(put.headers.get("allow").is_some());
}

// --- assets and health

#[tokio::test]
async fn the_stylesheet_has_a_hashed_name_and_is_cached_for_good() {
    let app = in_process::app();
    let css = app
        .get("/login")
        .await
        .attrs("link[rel=stylesheet]", "href")
        .remove(0);

    let sheet = app.get(&css).await;
    let stale = app.get("/static/posta-0000000000000000.css").await;
    let outside = app.get("/static/..%2F..%2FCargo.toml").await;

    assert!(
        css.starts_with("/static/posta-") && css.ends_with(".css"),
        "{css}"
    );
    assert_eq!(sheet.status, StatusCode::OK);
    assert_eq!(header(&sheet, "content-type"), "text/css; charset=utf-8");
    assert_eq!(
        header(&sheet, "cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert!(!sheet.body.is_empty());
    assert_eq!(stale.status, StatusCode::NOT_FOUND);
    assert!(stale.body.contains("<html"), "a page in words");
    assert_eq!(outside.status, StatusCode::NOT_FOUND);
    assert!(!outside.body.contains("[package]"));
}

#[tokio::test]
async fn healthz_answers_ok() {
    let app = in_process::app();

    let page = app.get("/healthz").await;

    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.body, "ok");
}

// --- the language switch

#[tokio::test]
async fn the_language_switch_remembers_the_choice_and_goes_back() {
    let app = in_process::app();

    let chosen = app.get("/lang/ru?next=/login").await;

    assert_eq!(chosen.status, StatusCode::SEE_OTHER);
    assert_eq!(chosen.location(), "/login");
    assert_eq!(
        cookie_attributes(header(&chosen, "set-cookie")),
        cookie_attributes("posta_lang=ru; Path=/; Max-Age=31536000; SameSite=Lax")
    );
    let form = app.get("/login").await;
    assert!(form.body.contains("Вход в почту"), "{}", form.body);
    assert_eq!(
        form.attrs("p.lang a", "href"),
        vec!["/lang/en?next=/login"],
        "and offers the way back"
    );
    app.get("/lang/en?next=/login").await;
    assert_eq!(app.get("/login").await.attrs("html", "lang"), vec!["en"]);
}

#[tokio::test]
async fn the_language_switch_knows_only_its_languages_and_stays_on_posta() {
    let app = in_process::app();

    let unknown = app.get("/lang/xx").await;
    let away = app.get("/lang/ru?next=https://evil.example/").await;
    let inside = app.get("/lang/ru?next=/mail/Sent").await;

    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(unknown.body.contains("<html"), "a page in words");
    assert_eq!(away.location(), "/mail/INBOX");
    assert_eq!(inside.location(), "/mail/Sent");
}

#[tokio::test]
async fn a_next_that_a_browser_would_read_as_another_host_is_refused() {
    let app = in_process::app();

    // A browser drops tabs and line breaks from a Location and reads `\` as `/`: each of
    // these would become `//evil.example/x`, another site.
    for next in [
        "/%09/evil.example/x",
        "/%0A/evil.example/x",
        "/%0D%0A/evil.example/x",
    ] {
        let switched = app.get(&format!("/lang/en?next={next}")).await;
        let signing_in = app.get(&format!("/login?next={next}")).await;

        assert_eq!(switched.status, StatusCode::SEE_OTHER, "{next}");
        assert_eq!(switched.location(), "/mail/INBOX", "{next}");
        assert!(
            !signing_in.body.contains("evil.example"),
            "the form does not carry {next} on"
        );
    }
}

/// A `Set-Cookie` value as its name=value and attributes, in no particular order: browsers
/// read attributes in any order, and the cookie crate writes them in its own.
fn cookie_attributes(set_cookie: &str) -> Vec<&str> {
    let mut parts: Vec<&str> = set_cookie.split(';').map(str::trim).collect();
    parts[1..].sort_unstable();
    parts
}

#[tokio::test]
async fn a_fixed_smtp_server_without_a_fixed_imap_server_is_refused_at_start() {
    let mut config = in_process::config();
    config.imap = None;

    let refused = posta::app::Application::build(config).await.err();

    let said = format!("{:#}", refused.expect("Posta does not start"));
    assert!(said.contains("--smtp") && said.contains("--imap"), "{said}");

    // The binary says the same and exits without serving.
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_posta"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--smtp",
            "smtps://smtp.posta.test:465",
        ])
        .env_remove("POSTA_IMAP")
        .output()
        .expect("running posta");
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(!run.status.success());
    assert!(
        stderr.contains("--smtp (POSTA_SMTP) is set without --imap"),
        "{stderr}"
    );
}
