//! Drafts: saved in Drafts with \Draft \Seen, each save replacing the last, resumed from the
//! server (fields, files, even an address that did not parse), removed once sent.

use mail_parser::MimeHeaders;
use reqwest::StatusCode;

use super::{Form, delivered, find, held_attachments, parse, token};
use crate::helpers::{Page, User, new_client, spawn_app};
use crate::imap_client;

/// The UID a draft was saved under, from the redirect to `/compose?draft={uid}`.
fn draft_uid(saved: &Page) -> u32 {
    saved
        .location()
        .strip_prefix("/compose?draft=")
        .and_then(|uid| uid.parse().ok())
        .unwrap_or_else(|| panic!("not a saved draft: {}", saved.location()))
}

#[tokio::test]
async fn a_draft_is_saved_replaced_resumed_and_removed_once_sent() {
    // Arrange
    let app = spawn_app().await;
    app.sign_in(User::Bob).await;
    let tok = token();
    let notes = b"first notes".to_vec();

    // Act: save twice
    let first = Form::of(&app.get("/compose").await)
        .set("to", "Carol Danvers <carol@posta.test>")
        .set("bcc", "someone at the office")
        .set("subject", &format!("Draft {tok}"))
        .set("body", "First version.")
        .submit(
            &app,
            "draft",
            &[("attachment", "notes.txt", "text/plain", &notes)],
        )
        .await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    let first_uid = draft_uid(&first);
    let shown = app.get(first.location()).await;
    assert_eq!(shown.texts(".flash"), vec!["Draft saved."]);
    assert_eq!(held_attachments(&shown), vec!["notes.txt"]);
    let second = Form::of(&shown)
        .set("body", "Second version.")
        .submit(&app, "draft", &[])
        .await;

    // Assert: one draft, the second, marked as a draft and read
    assert_eq!(second.status, StatusCode::SEE_OTHER, "{}", second.body);
    let second_uid = draft_uid(&second);
    assert_ne!(first_uid, second_uid);
    assert_eq!(find(User::Bob, "Drafts", &tok).await, vec![second_uid]);
    let mut imap = imap_client::connect(User::Bob).await;
    let flags = imap_client::flags(&mut imap, "Drafts", second_uid).await;
    assert!(flags.contains(&"\\Draft".to_owned()) && flags.contains(&"\\Seen".to_owned()));

    // Act: resume it from the server in another browser session, fix it, send it
    let other = crate::helpers::TestApp {
        address: app.address.clone(),
        client: new_client(),
    };
    other.sign_in(User::Bob).await;
    let resumed = other.get(&format!("/compose?draft={second_uid}")).await;
    let form = Form::of(&resumed);
    assert_eq!(form.get("to"), "Carol Danvers <carol@posta.test>");
    assert_eq!(form.get("bcc"), "someone at the office");
    assert_eq!(form.get("subject"), format!("Draft {tok}"));
    assert_eq!(form.get("body").trim_end(), "Second version.");
    assert_eq!(held_attachments(&resumed), vec!["notes.txt"]);
    let sent = form.set("bcc", "").submit(&other, "send", &[]).await;

    // Assert: delivered whole, and gone from Drafts
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let (_, raw) = delivered(User::Carol, "INBOX", &tok).await;
    let message = parse(&raw);
    assert_eq!(message.body_text(0).unwrap().trim_end(), "Second version.");
    let file = message.attachment(0).unwrap();
    assert_eq!(file.attachment_name(), Some("notes.txt"));
    assert_eq!(file.contents(), &notes[..]);
    assert!(find(User::Bob, "Drafts", &tok).await.is_empty());
}
