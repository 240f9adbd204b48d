//! How long a sign-in lasts: an idle timeout, an absolute lifetime, and the time-left
//! question the page asks before warning, which must not itself keep a session alive.

use std::time::Duration;

use reqwest::StatusCode;

use posta::app::AppState;

use crate::helpers::{User, eventually, spawn_app_with, stack, test_config};
use crate::in_process;

#[tokio::test]
async fn an_idle_session_ends_and_its_imap_connection_closes() {
    let mut config = test_config();
    config.session_idle_timeout = Duration::from_secs(2);
    let app = spawn_app_with(config).await;
    let user = User::N(2);
    let logouts = stack().logouts(user);
    app.sign_in(user).await;
    assert_eq!(app.get("/mail/INBOX").await.status, StatusCode::OK);

    // Asking how long is left is not activity: asked every few hundred milliseconds, the
    // session still ends two seconds after the last real request.
    let mut asked = Vec::new();
    for _ in 0..8 {
        let left = app.get("/session").await;
        asked.push((left.status, left.body.clone()));
        tokio::time::sleep(Duration::from_millis(350)).await;
    }
    assert_eq!(asked[0].0, StatusCode::OK);
    let first: u64 = asked[0].1.parse().unwrap();
    assert!(first <= 2, "{asked:?}");
    assert_eq!(
        asked.last().unwrap().0,
        StatusCode::UNAUTHORIZED,
        "{asked:?}"
    );

    let page = app.get("/mail/INBOX?page=2").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(
        page.location(),
        "/login?expired=1&next=%2Fmail%2FINBOX%3Fpage%3D2"
    );
    let login = app.get(page.location()).await;
    assert!(
        login.body.contains("Your session has ended"),
        "{}",
        login.body
    );
    let closed = eventually(Duration::from_secs(10), || stack().logouts(user) > logouts).await;
    assert!(closed, "the IMAP connection was logged out");
}

#[tokio::test]
async fn staying_active_does_not_outlast_the_lifetime() {
    let mut config = test_config();
    config.session_lifetime = Duration::from_secs(3);
    let app = spawn_app_with(config).await;
    app.sign_in(User::N(2)).await;
    let mut statuses = Vec::new();
    for _ in 0..10 {
        statuses.push(app.get("/mail/INBOX").await.status);
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert_eq!(statuses[0], StatusCode::OK);
    assert_eq!(
        *statuses.last().unwrap(),
        StatusCode::SEE_OTHER,
        "{statuses:?}"
    );
}

#[tokio::test]
async fn stay_signed_in_counts_as_activity_and_needs_the_token() {
    let mut config = test_config();
    config.session_idle_timeout = Duration::from_secs(3);
    let app = spawn_app_with(config).await;
    app.sign_in(User::N(2)).await;
    let page = app.get("/mail/INBOX").await;
    let csrf = page.csrf();
    let warning = page.attrs(".idle-warning", "data-left");
    assert_eq!(warning.len(), 1, "every signed-in page carries the warning");

    for _ in 0..6 {
        tokio::time::sleep(Duration::from_millis(800)).await;
        let stay = app.post_form("/session", &[("csrf", &csrf)]).await;
        assert_eq!(stay.status, StatusCode::OK, "{}", stay.body);
        assert!(stay.body.parse::<u64>().unwrap() >= 2);
    }
    let forged = app.post_form("/session", &[("csrf", "forged")]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(app.get("/mail/INBOX").await.status, StatusCode::OK);
}

#[tokio::test]
async fn signing_in_again_on_one_browser_ends_the_earlier_account_session() {
    let state = AppState::new(test_config()).expect("building Posta's state");
    let browser = in_process::app_over(state.clone());
    let logouts = stack().logouts(User::Alice);
    let token = browser.get("/login").await.csrf();
    assert_eq!(
        browser.login(User::Alice).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(state.mail.len(), 1);

    // The sign-in form posted again on the same session cookie, as a second tab or a script
    // that kept the form's token would.
    let (email, password) = (User::Alice.email(), User::Alice.password());
    let cookies = format!(
        "{}; posta_login_csrf={token}",
        browser.cookies_for("/login")
    );
    let again = browser
        .send(
            (browser.client.post(format!("{}/login", browser.address)))
                .header("cookie", cookies)
                .form(&[("csrf", &token), ("email", &email), ("password", &password)]),
        )
        .await;

    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.body);
    assert_eq!(state.mail.len(), 1, "the first account session was ended");
    assert!(
        eventually(Duration::from_secs(10), || stack().logouts(User::Alice)
            > logouts)
        .await,
        "and its IMAP connection closed"
    );
}
