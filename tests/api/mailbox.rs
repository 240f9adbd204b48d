//! The message list of the 10,000-message INBOX: newest first, fifty a page.

use reqwest::StatusCode;

use crate::helpers::{User, spawn_app};

#[tokio::test]
async fn the_first_page_shows_the_newest_fifty_with_decoded_subjects() {
    let app = spawn_app().await;
    app.sign_in(User::Alice).await;

    let page = app.get("/mail/INBOX").await;
    let subjects = page.texts("td.subject a");

    assert_eq!(subjects.len(), 50);
    assert_eq!(subjects[0], "Привет из UTF-8");
    assert_eq!(subjects[1], "Письмо в KOI8-R");
    assert_eq!(subjects[2], "Письмо в windows-1251");
    assert_eq!(subjects[49], "Message 09951");
    assert_eq!(page.texts(".range"), vec!["1–50 of 10000"]);
    assert!(page.texts(".pager .where")[0].contains("Page 1 of 200"));
}

#[tokio::test]
async fn pages_move_through_the_whole_mailbox() {
    let app = spawn_app().await;
    app.sign_in(User::Alice).await;

    let middle = app.get("/mail/INBOX?page=100").await;
    let last = app.get("/mail/INBOX?page=200").await;

    assert_eq!(middle.texts("td.subject a")[0], "Message 05050");
    assert_eq!(
        middle.attrs(".pager a[rel=prev]", "href"),
        vec!["/mail/INBOX?page=99"]
    );
    assert_eq!(
        middle.attrs(".pager a[rel=next]", "href"),
        vec!["/mail/INBOX?page=101"]
    );
    let subjects = last.texts("td.subject a");
    assert_eq!(subjects.len(), 50);
    assert_eq!(subjects.last().unwrap(), "Message 00001");
    assert!(last.attrs(".pager a[rel=next]", "href").is_empty());
}

#[tokio::test]
async fn page_numbers_out_of_range_or_nonsense_still_show_a_page() {
    let app = spawn_app().await;
    app.sign_in(User::Alice).await;

    let beyond = app.get("/mail/INBOX?page=99999").await;
    let nonsense = app.get("/mail/INBOX?page=abc").await;

    assert_eq!(beyond.status, StatusCode::OK);
    assert!(beyond.texts(".pager .where")[0].contains("Page 200 of 200"));
    assert_eq!(nonsense.status, StatusCode::OK);
    assert_eq!(nonsense.texts("td.subject a")[0], "Привет из UTF-8");
}

#[tokio::test]
async fn rows_show_sender_date_size_and_state() {
    let app = spawn_app().await;
    app.sign_in(User::Alice).await;

    let page = app.get("/mail/INBOX?page=2").await;

    assert_eq!(page.texts("table.messages tbody tr").len(), 50);
    assert!(page.texts("td.from").iter().all(|f| !f.is_empty()));
    assert!(page.texts("td.date time").iter().all(|d| !d.is_empty()));
    assert!(page.texts("td.size").iter().all(|s| s.ends_with('B')));
    assert!(
        !page.attrs("tr.flagged", "class").is_empty(),
        "every 7th message is flagged"
    );
    assert!(
        !page.attrs("tr.unseen", "class").is_empty(),
        "every 3rd message is unread"
    );
    assert!(
        !page.texts("td.subject .clip").is_empty(),
        "every 10th has an attachment"
    );
}

#[tokio::test]
async fn signed_in_pages_are_never_cached_and_carry_a_strict_csp() {
    let app = spawn_app().await;
    app.sign_in(User::Alice).await;

    let page = app.get("/mail/INBOX").await;

    assert_eq!(page.headers["cache-control"], "no-store");
    let csp = page.headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert_eq!(page.headers["x-content-type-options"], "nosniff");
}

#[tokio::test]
async fn a_600_message_inbox_pages_into_twelve() {
    let app = spawn_app().await;
    app.sign_in(User::Heavy(1)).await;

    let last = app.get("/mail/INBOX?page=12").await;

    assert_eq!(last.texts(".range"), vec!["551–600 of 600"]);
    assert_eq!(last.texts("td.subject a").len(), 50);
    assert!(last.attrs(".pager a[rel=next]", "href").is_empty());
}
