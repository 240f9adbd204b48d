//! Keeping a mailbox in order: what another client changes shows up, and Posta's own actions
//! (flags, moves, deletes, spam, archive, bulk) do exactly what they say, on any server.

use futures::TryStreamExt;
use reqwest::StatusCode;

use crate::helpers::{Page, TestApp, User, spawn_app, spawn_app_with, stack, test_config};
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

/// The UID of the message whose subject contains `subject` in `mailbox`.
async fn uid_of(imap: &mut Direct, mailbox: &str, subject: &str) -> Option<u32> {
    let uids = imap_client::search(imap, mailbox, &format!("SUBJECT \"{subject}\"")).await;
    uids.first().copied()
}

/// Posts an action form as the list or message page would, with the page's CSRF token.
async fn act(app: &TestApp, mailbox: &str, uids: &[u32], fields: &[(&str, &str)]) -> Page {
    let csrf = app.get("/mail/INBOX").await.csrf();
    let uids: Vec<String> = uids.iter().map(u32::to_string).collect();
    let mut form: Vec<(&str, &str)> = vec![("csrf", &csrf)];
    form.extend(uids.iter().map(|u| ("uid", u.as_str())));
    form.extend_from_slice(fields);
    app.post_form(&format!("{mailbox}/actions"), &form).await
}

/// Presses an action button of a message page: its form's hidden fields and `action`.
async fn message_action(app: &TestApp, page: &Page, action: &str) -> Page {
    submit(app, page, "form.message-actions", &[("action", action)]).await
}

/// Submits the form `form` of `page` as a browser would: its hidden fields, plus `chosen`
/// (the boxes ticked, the button pressed).
async fn submit(app: &TestApp, page: &Page, form: &str, chosen: &[(&str, &str)]) -> Page {
    let names = page.attrs(&format!("{form} input[type=hidden]"), "name");
    let values = page.attrs(&format!("{form} input[type=hidden]"), "value");
    let mut fields: Vec<(&str, &str)> = names
        .iter()
        .map(String::as_str)
        .zip(values.iter().map(String::as_str))
        .collect();
    fields.extend_from_slice(chosen);
    let target = page.attrs(form, "action").remove(0);
    app.post_form(&target, &fields).await
}

#[tokio::test]
async fn the_list_acts_on_ticked_messages_a_whole_page_or_the_whole_folder() {
    let app = spawn_app().await;
    app.sign_in(User::N(15)).await;
    let mut server = imap_client::connect(User::N(15)).await;
    // A folder of its own, with more than a page of messages.
    for name in ["Bulk", "Bulk done"] {
        let _ = server.delete(name).await; // left by an earlier run
        server.create(name).await.unwrap();
    }
    for i in 0..60 {
        imap_client::append(&mut server, "Bulk", &message(&format!("Bulk-{i}"))).await;
    }
    let uids = imap_client::search(&mut server, "Bulk", "ALL").await;

    let page = app.get("/mail/Bulk").await;
    let boxes = page.attrs("form.list-form input[name=uid]", "value");
    let newest: Vec<String> = uids.iter().rev().take(50).map(u32::to_string).collect();
    assert_eq!(boxes, newest, "the page's fifty, newest first");
    assert!(page.attrs("input[name=uid][checked]", "value").is_empty());
    let validity = page.attrs("form.list-form input[name=validity]", "value");
    assert_eq!(validity.len(), 1);
    assert_ne!(validity[0], "0");
    assert!(
        page.texts(".list-actions button.danger").is_empty(),
        "no Empty outside Trash"
    );

    // Three ticked, flagged: exactly those three.
    let ticked: Vec<(&str, &str)> = boxes[..3].iter().map(|u| ("uid", u.as_str())).collect();
    let mut chosen = ticked.clone();
    chosen.push(("action", "flag"));
    let flagged = submit(&app, &page, "form.list-form", &chosen).await;
    assert_eq!(flagged.location(), "/mail/Bulk");
    let now_flagged = imap_client::search(&mut server, "Bulk", "FLAGGED").await;
    let mut expected: Vec<u32> = boxes[..3].iter().map(|u| u.parse().unwrap()).collect();
    expected.sort();
    assert_eq!(now_flagged, expected);

    // "Select all on this page" without JavaScript: the same page, every box ticked, and
    // acting from it comes back to the plain page.
    let link = page.attrs("a.select-page", "href").remove(0);
    assert_eq!(link, "/mail/Bulk?select=page");
    let all_on_page = app.get(&link).await;
    assert_eq!(
        all_on_page.attrs("input[name=uid][checked]", "value"),
        newest
    );
    let ticked: Vec<(&str, &str)> = newest.iter().map(|u| ("uid", u.as_str())).collect();
    let mut chosen = ticked;
    chosen.push(("action", "read"));
    let read = submit(&app, &all_on_page, "form.list-form", &chosen).await;
    assert_eq!(read.location(), "/mail/Bulk");
    assert_eq!(
        imap_client::search(&mut server, "Bulk", "SEEN").await.len(),
        50
    );

    // "Move" with no folder chosen: a notice, nothing moved.
    let unaimed = submit(
        &app,
        &page,
        "form.list-form",
        &[("uid", &boxes[0]), ("action", "move"), ("target", "")],
    )
    .await;
    assert_eq!(unaimed.location(), "/mail/Bulk");
    assert_eq!(
        app.get("/mail/Bulk").await.texts(".flash"),
        vec!["Choose a folder to move the messages to."]
    );
    assert_eq!(imap_client::count(&mut server, "Bulk").await, 60);

    // All sixty, from the first page, in one action.
    let whole = submit(
        &app,
        &page,
        "form.list-form",
        &[("all", "1"), ("action", "move"), ("target", "Bulk done")],
    )
    .await;
    assert_eq!(whole.location(), "/mail/Bulk");
    assert_eq!(imap_client::count(&mut server, "Bulk").await, 0);
    assert_eq!(imap_client::count(&mut server, "Bulk done").await, 60);
    for name in ["Bulk", "Bulk done"] {
        server.delete(name).await.unwrap();
    }
}

#[tokio::test]
async fn flags_change_from_the_message_page_and_say_so() {
    let app = spawn_app().await;
    app.sign_in(User::N(15)).await;
    let mut server = imap_client::connect(User::N(15)).await;
    let uid = uid_of(&mut server, "INBOX", "Message 00020").await.unwrap();
    let page = app.get(&format!("/mail/INBOX/{uid}")).await;
    let flagged = message_action(&app, &page, "flag").await;
    assert_eq!(flagged.status, StatusCode::SEE_OTHER);
    assert_eq!(flagged.location(), format!("/mail/INBOX/{uid}"));
    assert!(
        imap_client::flags(&mut server, "INBOX", uid)
            .await
            .contains(&"\\Flagged".to_owned())
    );
    let shown = app.get(flagged.location()).await;
    assert_eq!(shown.texts(".flash"), vec!["1 message updated."]);
    assert_eq!(shown.attrs("button[value=unflag]", "value").len(), 1);

    let unflagged = message_action(&app, &page, "unflag").await;
    assert_eq!(unflagged.location(), format!("/mail/INBOX/{uid}"));
    assert!(
        !imap_client::flags(&mut server, "INBOX", uid)
            .await
            .contains(&"\\Flagged".to_owned())
    );

    // Unread goes back to the folder: opening the message again would read it.
    let unread = message_action(&app, &page, "unread").await;
    assert_eq!(unread.location(), "/mail/INBOX");
    assert!(
        !imap_client::flags(&mut server, "INBOX", uid)
            .await
            .contains(&"\\Seen".to_owned())
    );
    imap_client::store(&mut server, "INBOX", &uid.to_string(), "+FLAGS (\\Seen)").await;
}

#[tokio::test]
async fn deleting_goes_to_trash_and_in_trash_asks_before_deleting_for_good() {
    let app = spawn_app().await;
    app.sign_in(User::N(15)).await;
    let mut server = imap_client::connect(User::N(15)).await;
    let subject = "Message 00030";
    let raw = {
        let uid = uid_of(&mut server, "INBOX", subject).await.expect("seeded");
        server.examine("INBOX").await.unwrap();
        let fetched: Vec<async_imap::types::Fetch> = server
            .uid_fetch(uid.to_string(), "BODY.PEEK[]")
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap();
        fetched[0].body().unwrap().to_vec()
    };
    let uid = uid_of(&mut server, "INBOX", subject).await.unwrap();

    let deleted = act(&app, "/mail/INBOX", &[uid], &[("action", "delete")]).await;

    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    assert_eq!(uid_of(&mut server, "INBOX", subject).await, None);
    let in_trash = uid_of(&mut server, "Trash", subject)
        .await
        .expect("moved to Trash");
    assert_eq!(
        app.get("/mail/INBOX").await.texts(".flash"),
        vec!["1 message moved to Trash."]
    );

    // In Trash, deleting asks first, and asking is all it does.
    let asked = act(&app, "/mail/Trash", &[in_trash], &[("action", "delete")]).await;
    assert_eq!(asked.status, StatusCode::OK);
    assert_eq!(
        asked.texts(".confirm h1"),
        vec!["Delete this message for good?"]
    );
    assert_eq!(uid_of(&mut server, "Trash", subject).await, Some(in_trash));
    let fields: Vec<(String, String)> = asked
        .attrs("form.confirm-form input", "name")
        .into_iter()
        .zip(asked.attrs("form.confirm-form input", "value"))
        .collect();
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let gone = app.post_form("/mail/Trash/actions", &fields).await;
    assert_eq!(gone.status, StatusCode::SEE_OTHER);
    assert_eq!(uid_of(&mut server, "Trash", subject).await, None);

    // Put the seed back as it was.
    imap_client::append(&mut server, "INBOX", &raw).await;
}

#[tokio::test]
async fn spam_goes_to_junk_and_not_spam_brings_it_back() {
    let app = spawn_app().await;
    app.sign_in(User::N(15)).await;
    let mut server = imap_client::connect(User::N(15)).await;
    let subject = "Message 00040";
    let uid = uid_of(&mut server, "INBOX", subject).await.unwrap();

    act(&app, "/mail/INBOX", &[uid], &[("action", "spam")]).await;
    let in_junk = uid_of(&mut server, "Junk", subject).await.expect("in Junk");
    act(&app, "/mail/Junk", &[in_junk], &[("action", "notspam")]).await;

    assert_eq!(uid_of(&mut server, "Junk", subject).await, None);
    assert!(uid_of(&mut server, "INBOX", subject).await.is_some());
}

#[tokio::test]
async fn archiving_creates_the_archive_when_the_account_has_none() {
    let app = spawn_app().await;
    app.sign_in(User::Legacy).await;
    let mut server = imap_client::connect(User::Legacy).await;
    let _ = server.delete("&BBAEQARFBDgEMg-").await; // a failed earlier run's «Архив»
    let subject = "Message 00060";
    let uid = uid_of(&mut server, "INBOX", subject).await.unwrap();

    let done = act(&app, "/mail/INBOX", &[uid], &[("action", "archive")]).await;

    assert_eq!(done.status, StatusCode::SEE_OTHER);
    // Named like the account's other role folders, in Russian, and subscribed.
    let archived = uid_of(&mut server, "&BBAEQARFBDgEMg-", subject).await;
    assert!(archived.is_some(), "moved into a new «Архив»");
    let page = app.get("/mail/INBOX").await;
    assert_eq!(page.texts(".folders li.archive .name"), vec!["Archive"]);
    assert_eq!(page.texts(".flash"), vec!["1 message moved to Archive."]);

    act(
        &app,
        "/mail/%D0%90%D1%80%D1%85%D0%B8%D0%B2",
        &[archived.unwrap()],
        &[("action", "move"), ("target", "INBOX")],
    )
    .await;
    assert!(uid_of(&mut server, "INBOX", subject).await.is_some());
    server.delete("&BBAEQARFBDgEMg-").await.unwrap();
}

#[tokio::test]
async fn hundreds_of_messages_move_in_one_action_and_come_back() {
    let app = spawn_app().await;
    app.sign_in(User::Heavy(2)).await;
    let mut server = imap_client::connect(User::Heavy(2)).await;
    let before = imap_client::count(&mut server, "INBOX").await;
    let all = imap_client::search(&mut server, "INBOX", "ALL").await;
    let chosen: Vec<u32> = all[..300].to_vec();
    let mut expected: Vec<String> = Vec::new();
    for ids in imap_client::message_ids(&mut server, "INBOX")
        .await
        .chunks(1)
        .take(300)
    {
        expected.extend_from_slice(ids);
    }

    let moved = act(
        &app,
        "/mail/INBOX",
        &chosen,
        &[("action", "move"), ("target", "Работа")],
    )
    .await;

    assert_eq!(moved.status, StatusCode::SEE_OTHER);
    assert_eq!(imap_client::count(&mut server, "INBOX").await, before - 300);
    let there = imap_client::message_ids(&mut server, "&BCAEMAQxBD4EQgQw-").await;
    assert!(expected.iter().all(|id| there.contains(id)));
    assert_eq!(
        app.get("/mail/INBOX").await.texts(".flash"),
        vec!["300 messages moved to Работа."]
    );

    // Back again, by the UIDs the messages got in Работа (its two seeded ones stay).
    let seeded = imap_client::search(&mut server, "&BCAEMAQxBD4EQgQw-", "SUBJECT \"Работа\"").await;
    let returning: Vec<u32> = imap_client::search(&mut server, "&BCAEMAQxBD4EQgQw-", "ALL")
        .await
        .into_iter()
        .filter(|u| !seeded.contains(u))
        .collect();
    act(
        &app,
        "/mail/%D0%A0%D0%B0%D0%B1%D0%BE%D1%82%D0%B0",
        &returning,
        &[("action", "move"), ("target", "INBOX")],
    )
    .await;
    assert_eq!(imap_client::count(&mut server, "INBOX").await, before);
}

#[tokio::test]
async fn without_move_a_move_expunges_only_the_moved_messages() {
    let mut config = test_config();
    config.imap = Some(stack().imaps_basic());
    let app = spawn_app_with(config).await;
    app.sign_in(User::Heavy(3)).await;
    let mut server = imap_client::connect(User::Heavy(3)).await;
    // Another client has marked a message \Deleted and not expunged it yet.
    let other = uid_of(&mut server, "INBOX", "Message 00100").await.unwrap();
    imap_client::store(
        &mut server,
        "INBOX",
        &other.to_string(),
        "+FLAGS (\\Deleted)",
    )
    .await;
    let moving = uid_of(&mut server, "INBOX", "Message 00101").await.unwrap();

    act(
        &app,
        "/mail/INBOX",
        &[moving],
        &[("action", "move"), ("target", "Projects")],
    )
    .await;

    assert_eq!(uid_of(&mut server, "INBOX", "Message 00101").await, None);
    let moved = uid_of(&mut server, "Projects", "Message 00101")
        .await
        .expect("in Projects");
    assert_eq!(
        uid_of(&mut server, "INBOX", "Message 00100").await,
        Some(other),
        "not expunged"
    );
    imap_client::store(
        &mut server,
        "INBOX",
        &other.to_string(),
        "-FLAGS (\\Deleted)",
    )
    .await;
    act(
        &app,
        "/mail/Projects",
        &[moved],
        &[("action", "move"), ("target", "INBOX")],
    )
    .await;
}

#[tokio::test]
async fn a_stale_page_cannot_act_on_a_renumbered_folder() {
    let app = spawn_app().await;
    app.sign_in(User::N(15)).await;
    let mut server = imap_client::connect(User::N(15)).await;
    let uid = uid_of(&mut server, "INBOX", "Message 00071").await.unwrap();

    let refused = act(
        &app,
        "/mail/INBOX",
        &[uid],
        &[("action", "flag"), ("validity", "1")],
    )
    .await;

    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(
        refused.body.contains("nothing was done"),
        "{}",
        refused.body
    );
    assert!(
        !imap_client::flags(&mut server, "INBOX", uid)
            .await
            .contains(&"\\Flagged".to_owned())
    );
}

#[tokio::test]
async fn actions_need_a_token_a_selection_and_a_real_folder() {
    let app = spawn_app().await;
    app.sign_in(User::N(15)).await;

    let forged = app
        .post_form(
            "/mail/INBOX/actions",
            &[("csrf", "x"), ("uid", "1"), ("action", "read")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);

    let nothing = act(&app, "/mail/INBOX", &[], &[("action", "read")]).await;
    assert_eq!(nothing.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.get("/mail/INBOX").await.texts(".flash"),
        vec!["Select at least one message first."]
    );

    let nowhere = act(
        &app,
        "/mail/INBOX",
        &[1],
        &[("action", "move"), ("target", "No \"such\" {5}")],
    )
    .await;
    assert_eq!(nowhere.status, StatusCode::NOT_FOUND);
    let nonsense = act(&app, "/mail/INBOX", &[1], &[("action", "expunge")]).await;
    assert_eq!(nonsense.status, StatusCode::BAD_REQUEST);
}
