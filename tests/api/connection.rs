//! The one IMAP connection per session: reused, re-opened when dropped, closed when idle.

use std::time::Duration;

use reqwest::StatusCode;

use crate::helpers::{User, eventually, spawn_app, spawn_app_with, stack, test_config};

#[tokio::test]
async fn many_page_views_share_one_imap_login() {
    let app = spawn_app().await;
    let user = User::N(5);
    let before = stack().logins(user);

    app.sign_in(user).await;
    for path in [
        "/mail/INBOX",
        "/mail/INBOX?page=2",
        "/mail/Sent",
        "/mail/INBOX?page=3",
        "/mail/Projects%2FRust",
    ] {
        assert_eq!(app.get(path).await.status, StatusCode::OK, "{path}");
    }
    let inbox = app.get("/mail/INBOX").await;
    let first = inbox.attrs("td.subject a", "href").remove(0);
    assert_eq!(app.get(&first).await.status, StatusCode::OK);

    assert_eq!(stack().logins(user) - before, 1);
}

#[tokio::test]
async fn a_connection_the_server_dropped_is_reopened_without_the_person_noticing() {
    let app = spawn_app().await;
    let user = User::N(6);
    let before = stack().logins(user);
    app.sign_in(user).await;
    assert_eq!(app.get("/mail/INBOX").await.status, StatusCode::OK);

    stack().kick(user);
    let page = app.get("/mail/INBOX?page=2").await;

    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(page.texts("table.messages tbody tr").len(), 50);
    assert_eq!(stack().logins(user) - before, 2);
}

#[tokio::test]
async fn an_idle_connection_is_closed_and_reopened_on_the_next_request() {
    let mut config = test_config();
    config.imap_idle_timeout = Duration::from_millis(500);
    let app = spawn_app_with(config).await;
    let user = User::N(7);
    let (logins, logouts) = (stack().logins(user), stack().logouts(user));
    app.sign_in(user).await;

    let closed = eventually(Duration::from_secs(15), || stack().logouts(user) > logouts).await;
    assert!(closed, "the idle connection was closed");

    let page = app.get("/mail/INBOX").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(stack().logins(user) - logins, 2);
}
