//! The kiosk case in Chromium: an idle page warns before the session ends, "Stay signed in"
//! keeps it, and when time runs out the page leaves the mail for the sign-in form by itself.

use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};

use super::{Page, connect, snapshot, start_chromedriver};
use crate::helpers::{User, spawn_app_with, test_config};

async fn warning_shown(browser: &Client) -> bool {
    let warning = browser.find(Locator::Css(".idle-warning")).await.unwrap();
    warning.is_displayed().await.unwrap()
}

/// Waits up to `limit` for `condition`, checking twice a second.
async fn within(limit: Duration, mut condition: impl AsyncFnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if condition().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    false
}

#[tokio::test]
async fn an_idle_kiosk_page_warns_then_signs_itself_out_in_chromium() {
    let mut config = test_config();
    // Four seconds' warning (a fifth of the timeout) before twenty idle seconds end it: long
    // enough for a loaded machine to read the countdown, take a snapshot and click in time.
    config.session_idle_timeout = Duration::from_secs(20);
    let app = spawn_app_with(config).await;
    let driver = start_chromedriver();
    let browser = connect(&driver).await;
    let page = Page(&browser);
    page.sign_in(&app.address, User::N(2)).await;
    assert!(!warning_shown(&browser).await);

    assert!(
        within(Duration::from_secs(22), async || warning_shown(&browser)
            .await)
        .await,
        "the warning appears before the end"
    );
    let countdown = page.text_of(".idle-warning .countdown").await;
    assert!(countdown.starts_with("0:0"), "{countdown}");
    snapshot(&browser, "idle-warning").await;
    page.click(Locator::Css(".idle-warning button")).await;
    assert!(
        within(Duration::from_secs(3), async || !warning_shown(&browser)
            .await)
        .await,
        "Stay signed in hides the warning"
    );
    assert_eq!(page.path().await, "/mail/INBOX");

    // Left alone again: warned, then sent to the sign-in form with nothing of the mail left.
    let signed_out = within(Duration::from_secs(25), async || {
        page.path().await == "/login"
    })
    .await;
    snapshot(&browser, "idle-end").await;
    assert!(
        signed_out,
        "the page signs itself out: at {}",
        page.path().await
    );
    let notice = page.text_of(".notice").await;
    assert!(notice.contains("session has ended"), "{notice}");
    browser.back().await.unwrap();
    page.loaded().await;
    assert!(
        browser
            .find_all(Locator::Css("table.messages"))
            .await
            .unwrap()
            .is_empty(),
        "Back does not bring the mail back"
    );
    browser.close().await.unwrap();
}
