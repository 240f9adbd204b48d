//! Keeping a mailbox in order: what another client changes shows up, and Posta's own actions
//! (flags, moves, deletes, spam, archive, bulk) do exactly what they say, on any server.

use futures::TryStreamExt;

use crate::helpers::{User, spawn_app};
use crate::imap_client::{self, Direct};

/// A message another client appends, findable by its subject.
fn message(subject: &str) -> Vec<u8> {
    format!(
        "From: Other Client <other@example.org>\r\nTo: user15@posta.test\r\n\
         Subject: {subject}\r\nDate: Wed, 01 Jan 2025 12:00:00 +0000\r\n\
         Message-ID: <{subject}@example.org>\r\n\r\nAppended by another client.\r\n"
    )
    .into_bytes()
}

async fn expunge_subject(imap: &mut Direct, subject: &str) {
    let uids = imap_client::search(imap, "INBOX", &format!("SUBJECT \"{subject}\"")).await;
    if uids.is_empty() {
        return;
    }
    let set = uids
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",");
    imap_client::store(imap, "INBOX", &set, "+FLAGS.SILENT (\\Deleted)").await;
    imap.uid_expunge(&set)
        .await
        .unwrap()
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
}

#[tokio::test]
async fn what_another_client_changes_shows_on_the_next_page_view() {
    let app = spawn_app().await;
    app.sign_in(User::N(15)).await;
    let mut other = imap_client::connect(User::N(15)).await;
    let subject = "Delivered meanwhile";
    expunge_subject(&mut other, subject).await;
    let before = app.get("/mail/INBOX").await;
    let newest = before.attrs("td.subject a", "href")[0].clone();
    let newest_uid = newest.rsplit('/').next().unwrap().to_owned();

    // New mail arrives and an old one is flagged elsewhere.
    imap_client::append(&mut other, "INBOX", &message(subject)).await;
    imap_client::store(&mut other, "INBOX", &newest_uid, "+FLAGS (\\Flagged)").await;
    let after = app.get("/mail/INBOX").await;

    assert_eq!(after.texts("td.subject a")[0], subject);
    let flagged: Vec<String> = after.attrs("tr.flagged td.subject a", "href");
    assert!(flagged.contains(&newest), "{flagged:?}");

    // And it is expunged elsewhere: gone from the list, and its page says so.
    let appended = after.attrs("td.subject a", "href")[0].clone();
    expunge_subject(&mut other, subject).await;
    imap_client::store(&mut other, "INBOX", &newest_uid, "-FLAGS (\\Flagged)").await;
    let last = app.get("/mail/INBOX").await;
    assert_ne!(last.texts("td.subject a")[0], subject);
    assert_eq!(
        app.get(&appended).await.status,
        reqwest::StatusCode::NOT_FOUND
    );
    other.logout().await.unwrap();
}
