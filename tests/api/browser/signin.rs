//! A person signs in, opens the INBOX and a message, and signs out, in Chromium.

use fantoccini::Locator;

use super::{Page, connect, snapshot, start_chromedriver};
use crate::helpers::{User, spawn_app};

#[tokio::test]
async fn a_person_signs_in_reads_a_message_and_signs_out_in_chromium() {
    let app = spawn_app().await;
    let driver = start_chromedriver();
    let browser = connect(&driver).await;
    let page = Page(&browser);
    let user = User::N(12);

    browser.goto(&format!("{}/", app.address)).await.unwrap();
    page.type_into("input[name=email]", &user.email()).await;
    page.type_into("input[name=password]", &user.password())
        .await;
    page.click(Locator::Css("form.login button[type=submit]"))
        .await;

    page.text_of("table.messages").await;
    assert!(page.path().await.ends_with("/mail/INBOX"));
    let rows = browser
        .find_all(Locator::Css("table.messages tbody tr"))
        .await
        .unwrap();
    assert_eq!(rows.len(), 50);
    snapshot(&browser, "inbox").await;

    page.click(Locator::LinkText("Привет из UTF-8")).await;
    let body = page.text_of(".body.plain").await;
    assert!(
        body.contains("Съешь же ещё этих мягких французских булок"),
        "{body}"
    );
    snapshot(&browser, "message").await;

    page.click(Locator::Css("form.logout button")).await;
    let notice = page.text_of(".notice").await;
    assert!(notice.contains("signed out"), "{notice}");

    // The session is really gone: the INBOX sends the browser back to sign in.
    browser
        .goto(&format!("{}/mail/INBOX", app.address))
        .await
        .unwrap();
    page.text_of("form.login").await;
    assert_eq!(page.path().await, "/login");
    browser.close().await.unwrap();
}
