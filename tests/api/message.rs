//! Reading one message: headers, text in every charset, HTML made safe, read state.

use reqwest::StatusCode;

use crate::helpers::{Page, TestApp, User, spawn_app};
use crate::imap_client;

/// Opens the message whose subject is `subject` from the first page of the INBOX.
async fn open(app: &TestApp, subject: &str) -> Page {
    let inbox = app.get("/mail/INBOX").await;
    let selector = scraper::Selector::parse("td.subject a").unwrap();
    let html = inbox.html();
    let href = html
        .select(&selector)
        .find(|a| a.text().collect::<String>() == subject)
        .and_then(|a| a.value().attr("href"))
        .unwrap_or_else(|| panic!("no message {subject:?} on the first page"))
        .to_owned();
    app.get(&href).await
}

#[tokio::test]
async fn a_utf8_message_shows_its_headers_and_text() {
    let app = spawn_app().await;
    app.sign_in(User::N(10)).await;

    let page = open(&app, "Привет из UTF-8").await;

    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.texts("h1.subject"), vec!["Привет из UTF-8"]);
    assert!(!page.texts("dd.from").concat().is_empty());
    assert!(
        page.texts("dd.to").concat().contains("user10"),
        "{:?}",
        page.texts("dd.to")
    );
    assert!(!page.texts("dd.date").concat().is_empty());
    assert!(
        page.texts(".body.plain")
            .concat()
            .contains("Съешь же ещё этих мягких французских булок")
    );
}

#[tokio::test]
async fn koi8r_and_windows_1251_letters_read_as_russian() {
    let app = spawn_app().await;
    app.sign_in(User::N(10)).await;

    for subject in ["Письмо в KOI8-R", "Письмо в windows-1251"] {
        let page = open(&app, subject).await;
        assert_eq!(page.texts("h1.subject"), vec![subject]);
        let body = page.texts(".body.plain").concat();
        assert!(
            body.contains("Съешь же ещё этих мягких французских булок"),
            "{subject}: {body}"
        );
    }
}

#[tokio::test]
async fn plain_text_links_are_clickable_and_quotes_are_quotes() {
    let app = spawn_app().await;
    app.sign_in(User::N(10)).await;
    let inbox = app.get("/mail/INBOX").await;
    let ordinary = inbox
        .attrs("td.subject a", "href")
        .into_iter()
        .zip(inbox.texts("td.subject a"))
        .find(|(_, s)| s.starts_with("Message "))
        .unwrap();

    let page = app.get(&ordinary.0).await;

    let links = page.attrs(".body.plain a", "href");
    assert!(
        links
            .iter()
            .any(|l| l.starts_with("https://example.org/n/")),
        "{links:?}"
    );
    assert!(!page.texts(".body.plain blockquote").is_empty());
}

#[tokio::test]
async fn an_html_only_message_is_shown_in_a_sandbox_without_anything_dangerous() {
    let app = spawn_app().await;
    app.sign_in(User::N(10)).await;

    let page = open(&app, "HTML only newsletter").await;

    assert_eq!(page.status, StatusCode::OK);
    let frame = page.attrs("iframe.body.html", "src");
    assert_eq!(frame.len(), 1);
    let document = app.get(&frame[0]).await;
    assert!(
        document.body.contains("Hello from HTML"),
        "{}",
        document.body
    );
    // (The seeded text itself says "an onclick handler": look for the attribute.)
    for forbidden in [
        "<script",
        "onclick=",
        "javascript:",
        "alert(",
        "tracker.gif",
    ] {
        assert!(
            !document.body.contains(forbidden),
            "{forbidden} reached the frame"
        );
        // Posta's own page has one script of its own, from its own origin.
        let page_body = page.body.replace("<script src=\"/static/posta-", "");
        assert!(
            !page_body.contains(forbidden),
            "{forbidden} reached the page"
        );
    }
}

#[tokio::test]
async fn a_multipart_alternative_message_shows_the_html_and_offers_the_plain_text() {
    let app = spawn_app().await;
    app.sign_in(User::N(10)).await;

    let page = open(&app, "Alternative parts").await;

    let frame = page.attrs("iframe.body.html", "src");
    assert_eq!(frame.len(), 1);
    assert!(app.get(&frame[0]).await.body.contains("html version"));
    let plain = app.get(&page.attrs("a.switch-view", "href")[0]).await;
    assert!(
        plain
            .texts(".body.plain")
            .concat()
            .contains("plain version")
    );
}

#[tokio::test]
async fn opening_a_message_marks_it_read() {
    // An unread message of its own on the first page: every run reads one, so the seed's
    // unread ones there run out.
    let mut server = imap_client::connect(User::N(9)).await;
    let newest = *imap_client::search(&mut server, "INBOX", "ALL")
        .await
        .last()
        .expect("a seeded INBOX");
    imap_client::store(&mut server, "INBOX", &newest.to_string(), "-FLAGS (\\Seen)").await;
    let app = spawn_app().await;
    app.sign_in(User::N(9)).await;
    let inbox = app.get("/mail/INBOX").await;
    let selector = scraper::Selector::parse("tr.unseen td.subject a").unwrap();
    let href = inbox
        .html()
        .select(&selector)
        .next()
        .and_then(|a| a.value().attr("href").map(str::to_owned))
        .expect("an unread message on the first page");

    assert_eq!(app.get(&href).await.status, StatusCode::OK);

    let after = app.get("/mail/INBOX").await;
    let unread_links: Vec<String> = after.attrs("tr.unseen td.subject a", "href");
    assert!(!unread_links.contains(&href), "{href} is still unread");
    assert!(after.attrs("tr.seen td.subject a", "href").contains(&href));
}

#[tokio::test]
async fn a_message_that_is_not_there_gets_a_clear_page() {
    let app = spawn_app().await;
    app.sign_in(User::N(10)).await;

    let missing = app.get("/mail/INBOX/999999").await;
    let nonsense = app.get("/mail/INBOX/abc").await;

    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.contains("no longer in the folder"));
    assert_eq!(nonsense.status, StatusCode::NOT_FOUND);
}
