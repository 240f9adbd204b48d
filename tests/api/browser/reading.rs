//! Hostile and tracking mail in a real Chromium. `tracker.posta.test` (the only remote host
//! the corpus names) is mapped to a local HTTP server that records every request: before
//! consent nothing may reach it; with remote content allowed the newsletter's images do, and
//! nothing that only a running script, a frame, a form or a refresh would request ever does.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use fantoccini::{Client, Locator};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::{Page, connect_with, snapshot, start_chromedriver};
use crate::helpers::{User, eventually, spawn_app};

/// The local stand-in for every remote host: answers a 1×1 GIF and remembers each path.
struct Tracker {
    port: u16,
    seen: Arc<Mutex<Vec<String>>>,
}

const GIF: &[u8] = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;";

impl Tracker {
    async fn start() -> Tracker {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let log = log.clone();
                tokio::spawn(async move {
                    let mut head = Vec::new();
                    let mut buf = [0u8; 1024];
                    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                        match socket.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => head.extend_from_slice(&buf[..n]),
                        }
                    }
                    let head = String::from_utf8_lossy(&head);
                    let path = head.split_whitespace().nth(1).unwrap_or("").to_owned();
                    log.lock().unwrap().push(path);
                    let reply = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: image/gif\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        GIF.len()
                    );
                    let _ = socket.write_all(reply.as_bytes()).await;
                    let _ = socket.write_all(GIF).await;
                });
            }
        });
        Tracker { port, seen }
    }

    fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }

    /// Chromium flag that sends every request for tracker.posta.test here.
    fn resolver_rule(&self) -> String {
        format!(
            "--host-resolver-rules=MAP tracker.posta.test 127.0.0.1:{}",
            self.port
        )
    }
}

/// `(href, subject)` of every INBOX message whose subject starts with one of `prefixes`.
async fn messages(browser: &Client, prefixes: &[&str]) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for link in browser
        .find_all(Locator::Css("td.subject a"))
        .await
        .unwrap()
    {
        let subject = link.text().await.unwrap();
        if prefixes.iter().any(|p| subject.starts_with(p)) {
            found.push((link.attr("href").await.unwrap().unwrap(), subject));
        }
    }
    found
}

/// Opens a message URL and waits for it and its frames to finish loading.
async fn view(page: &Page<'_>, url: &str, subject: &str) {
    page.0.goto(url).await.unwrap();
    let title = page.text_of("h1.subject").await;
    assert_eq!(title, subject);
    page.loaded().await;
}

#[tokio::test]
async fn hostile_mail_runs_nothing_and_remote_content_waits_for_consent_in_chromium() {
    let tracker = Tracker::start().await;
    let app = spawn_app().await;
    let driver = start_chromedriver();
    let browser = connect_with(&driver, &[tracker.resolver_rule()]).await;
    let page = Page(&browser);
    page.sign_in(&app.address, User::Corpus).await;
    let corpus = messages(
        &browser,
        &["Hostile ", "Newsletter", "Inline image", "Dangerous"],
    )
    .await;
    assert_eq!(corpus.len(), 10, "{corpus:?}");

    // Without consent: every hostile message, the newsletter and the cid image open, and not
    // one request reaches the tracker.
    for (href, subject) in &corpus {
        view(&page, &format!("{}{href}", app.address), subject).await;
    }
    snapshot(&browser, "hostile-last").await;
    let before_consent = tracker.seen();
    assert!(
        before_consent.is_empty(),
        "requests before consent: {before_consent:?}"
    );

    // With remote content allowed the frame may load images from anywhere — so a script that
    // ran would get its beacon out. None may.
    for (href, subject) in &corpus {
        view(&page, &format!("{}{href}?remote=1", app.address), subject).await;
    }
    // The dangerous attachments, opened directly and "inline", only ever download.
    let dangerous = &corpus
        .iter()
        .find(|(_, s)| s == "Dangerous attachments")
        .unwrap()
        .0;
    for part in ["2", "3", "2?inline=1", "3?inline=1"] {
        browser
            .goto(&format!("{}{dangerous}/part/{part}", app.address))
            .await
            .unwrap();
        page.loaded().await;
    }

    let newsletter = corpus
        .iter()
        .find(|(_, s)| s.starts_with("Newsletter"))
        .unwrap();
    view(
        &page,
        &format!("{}{}", app.address, newsletter.0),
        &newsletter.1,
    )
    .await;
    page.click(Locator::Css(".remote-banner a.show-remote"))
        .await;
    page.loaded().await;
    snapshot(&browser, "newsletter-remote").await;
    let loaded_images = eventually(Duration::from_secs(10), || {
        let seen = tracker.seen();
        seen.contains(&"/r/hero.png".to_owned()) && seen.contains(&"/r/pixel.gif".to_owned())
    })
    .await;
    assert!(
        loaded_images,
        "after consent the images load: {:?}",
        tracker.seen()
    );
    let attacks: Vec<String> = tracker
        .seen()
        .into_iter()
        .filter(|p| p.starts_with("/x/"))
        .collect();
    assert!(attacks.is_empty(), "something hostile worked: {attacks:?}");
    browser.close().await.unwrap();
}

#[tokio::test]
async fn an_inline_cid_image_shows_inside_the_sandboxed_frame_in_chromium() {
    let app = spawn_app().await;
    let driver = start_chromedriver();
    let browser = connect_with(&driver, &[]).await;
    let page = Page(&browser);
    page.sign_in(&app.address, User::Corpus).await;
    let (href, subject) = messages(&browser, &["Inline image by cid"]).await.remove(0);

    view(&page, &format!("{}{href}", app.address), &subject).await;

    let frame = browser
        .find(Locator::Css("iframe.body.html"))
        .await
        .unwrap();
    frame.enter_frame().await.unwrap();
    let logo = browser.find(Locator::Css("img[alt=Logo]")).await.unwrap();
    let (_, _, width, height) = logo.rectangle().await.unwrap();
    assert_eq!((width, height), (24.0, 12.0));
    // The image really decoded (a broken image keeps its box but has no natural size).
    let natural = browser
        .execute(
            "return arguments[0].naturalWidth",
            vec![serde_json::to_value(&logo).unwrap()],
        )
        .await
        .unwrap();
    assert_eq!(natural, 24);
    browser.close().await.unwrap();
}
