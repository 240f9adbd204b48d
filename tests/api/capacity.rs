//! What Posta holds for everyone together: files kept only from forms it acts on, one budget
//! for every session's files (`--max-upload-memory`), given back on send, discard and
//! sign-out, and a cap on sessions (`--max-sessions`). Most tests run in process against a
//! scripted IMAP server that signs anyone in (no mail stack); sending runs against the real
//! stack as heavy04, which only these tests use and which writes only to itself.

use posta::app::AppState;
use posta::upstream::{Security, Upstream};
use reqwest::StatusCode;

use crate::compose::{Form, held_attachments, token};
use crate::helpers::{Page, User, scripted_imap, spawn_app_watched, test_config};
use crate::in_process::{self, InProcessApp};

/// A mail server that signs anyone in and has an empty Inbox. Its port.
async fn empty_mailbox_server() -> u16 {
    scripted_imap(|tag, verb, _| {
        Some(match verb {
            "CAPABILITY" => format!("* CAPABILITY IMAP4rev1\r\n{tag} OK done\r\n"),
            "LIST" => format!("* LIST () \"/\" INBOX\r\n{tag} OK done\r\n"),
            "STATUS" => format!("* STATUS INBOX (MESSAGES 0 UNSEEN 0)\r\n{tag} OK done\r\n"),
            "SELECT" | "EXAMINE" => {
                format!("* 0 EXISTS\r\n* OK [UIDVALIDITY 1] ok\r\n{tag} OK [READ-WRITE] done\r\n")
            }
            "LOGOUT" => format!("* BYE\r\n{tag} OK done\r\n"),
            _ => format!("{tag} OK done\r\n"),
        })
    })
    .await
}

/// Posta in process over that server, adjusted by `adjust`; the state, to look inside.
async fn posta(adjust: impl FnOnce(&mut posta::config::Config)) -> AppState {
    let port = empty_mailbox_server().await;
    let mut config = in_process::config();
    config.imap = Some(Upstream::new("127.0.0.1", port, Security::Insecure));
    adjust(&mut config);
    AppState::new(config).expect("building Posta's state")
}

/// A browser signed in to `state`'s Posta.
async fn browser(state: &AppState, user: User) -> InProcessApp {
    let app = in_process::app_over(state.clone());
    let page = app.login(user).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    app
}

/// The compose form, filled in, posted with `action` and `files`.
async fn post_compose(
    app: &InProcessApp,
    form: &Form,
    action: &str,
    files: &[(&str, &str, &str, &[u8])],
) -> Page {
    let mut fields: Vec<(&str, &str)> = (form.fields.iter())
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    fields.push(("action", action));
    app.post_multipart("/compose", &fields, files).await
}

/// A new message with a subject and text, no recipient.
async fn new_message(app: &InProcessApp) -> Form {
    let page = app.get("/compose").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    Form::of(&page)
        .set("subject", "Quarterly figures")
        .set("body", "Every word of this matters.")
}

/// Keeps `file` in a composition: sent without a recipient, it comes back held.
async fn hold(app: &InProcessApp, file: &[u8]) -> Page {
    let form = new_message(app).await;
    let page = post_compose(
        app,
        &form,
        "send",
        &[("attachment", "a.bin", "application/octet-stream", file)],
    )
    .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.body);
    assert_eq!(held_attachments(&page), vec!["a.bin"]);
    page
}

fn held(state: &AppState) -> u64 {
    state.mail.upload_memory().held()
}

#[tokio::test]
async fn a_form_with_an_unknown_button_keeps_none_of_its_files() {
    let state = posta(|_| {}).await;
    let app = browser(&state, User::N(1)).await;
    let form = new_message(&app).await;
    let big = vec![b'x'; 24_000_000];

    let page = post_compose(
        &app,
        &form,
        "sned",
        &[("attachment", "big.bin", "application/octet-stream", &big)],
    )
    .await;

    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    let error = page.texts("#compose-error p").join(" ");
    assert!(error.contains("altered or incomplete"), "{error}");
    assert!(error.contains("choose the files again"), "{error}");
    assert_eq!(held(&state), 0, "the file is not held");
    assert!(held_attachments(&page).is_empty());
    let shown = Form::of(&page);
    assert_eq!(shown.get("subject"), "Quarterly figures");
    assert_eq!(shown.get("body"), "Every word of this matters.");
}

#[tokio::test]
async fn a_form_with_a_field_the_page_never_sends_keeps_nothing() {
    let state = posta(|_| {}).await;
    let app = browser(&state, User::N(1)).await;
    let form = new_message(&app).await.set("keep", "../1");

    let page = post_compose(
        &app,
        &form,
        "send",
        &[("attachment", "a.bin", "application/octet-stream", b"12345")],
    )
    .await;

    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert_eq!(held(&state), 0);
    assert_eq!(Form::of(&page).get("body"), "Every word of this matters.");
}

#[tokio::test]
async fn an_upload_past_the_servers_budget_is_refused_in_words_keeping_what_was_typed() {
    let state = posta(|config| config.max_upload_memory = 1_000_000).await;
    let first = browser(&state, User::N(1)).await;
    hold(&first, &vec![1u8; 800_000]).await;
    let second = browser(&state, User::N(2)).await;
    let form = new_message(&second).await.set("to", "someone@posta.test");

    let page = post_compose(
        &second,
        &form,
        "send",
        &[(
            "attachment",
            "b.bin",
            "application/octet-stream",
            &vec![2u8; 300_000],
        )],
    )
    .await;

    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE);
    let error = page.texts("#compose-error p").join(" ");
    assert!(error.contains("holding too many attachments"), "{error}");
    assert!(
        error.contains("Try again in a few minutes, or attach a smaller file"),
        "{error}"
    );
    let shown = Form::of(&page);
    assert_eq!(shown.get("to"), "someone@posta.test");
    assert_eq!(shown.get("subject"), "Quarterly figures");
    assert_eq!(shown.get("body"), "Every word of this matters.");
    assert!(held_attachments(&page).is_empty());
    assert_eq!(held(&state), 800_000, "nothing sent, nothing more held");

    // A smaller file still fits; and the same refusal reads in Russian.
    let smaller = post_compose(
        &second,
        &Form::of(&page).set("to", ""),
        "send",
        &[(
            "attachment",
            "c.bin",
            "application/octet-stream",
            &[3u8; 100_000],
        )],
    )
    .await;
    assert_eq!(held_attachments(&smaller), vec!["c.bin"]);
    assert_eq!(held(&state), 900_000);
    second.get("/lang/ru?next=/compose").await;
    let page = post_compose(
        &second,
        &Form::of(&smaller),
        "send",
        &[(
            "attachment",
            "d.bin",
            "application/octet-stream",
            &[4u8; 200_000],
        )],
    )
    .await;
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE);
    let error = page.texts("#compose-error p").join(" ");
    assert!(error.contains("слишком много вложений"), "{error}");
    assert_eq!(
        held_attachments(&page),
        vec!["c.bin"],
        "what was held stays"
    );
}

#[tokio::test]
async fn discarding_or_unticking_gives_the_files_bytes_back() {
    let state = posta(|_| {}).await;
    let app = browser(&state, User::N(1)).await;
    let page = hold(&app, &[7u8; 5000]).await;
    assert_eq!(held(&state), 5000);

    let mut unticked = Form::of(&page);
    unticked.fields.retain(|(name, _)| name != "keep");
    let page = post_compose(
        &app,
        &unticked,
        "send",
        &[(
            "attachment",
            "b.bin",
            "application/octet-stream",
            &[8u8; 3000],
        )],
    )
    .await;
    assert_eq!(held_attachments(&page), vec!["b.bin"]);
    assert_eq!(held(&state), 3000, "the unticked file went");

    let discarded = post_compose(&app, &Form::of(&page), "discard", &[]).await;

    assert_eq!(discarded.status, StatusCode::SEE_OTHER);
    assert_eq!(discarded.location(), "/mail/INBOX");
    assert_eq!(held(&state), 0);
}

#[tokio::test]
async fn signing_out_gives_the_files_bytes_back() {
    let state = posta(|_| {}).await;
    let app = browser(&state, User::N(1)).await;
    let page = hold(&app, &[7u8; 5000]).await;
    hold(&app, &[7u8; 2000]).await;
    assert_eq!(held(&state), 7000);

    let csrf = Form::of(&page).get("csrf").to_owned();
    let out = app.post_form("/logout", &[("csrf", &csrf)]).await;

    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(held(&state), 0);
}

#[tokio::test]
async fn a_sign_in_beyond_the_most_sessions_is_refused_in_words_keeping_the_address() {
    let state = posta(|config| config.max_sessions = 1).await;
    let first = browser(&state, User::N(1)).await;
    let second = in_process::app_over(state.clone());

    let refused = second.login(User::N(2)).await;

    assert_eq!(refused.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        refused.body.contains("Too many people are signed in"),
        "{}",
        refused.body
    );
    assert_eq!(
        refused.attrs("input[name=email]", "value"),
        vec![User::N(2).email()]
    );
    assert_eq!(state.mail.len(), 1);

    second.get("/lang/ru?next=/login").await;
    let refused = second.login(User::N(2)).await;
    assert!(
        refused.body.contains("слишком много людей"),
        "{}",
        refused.body
    );

    let csrf = Form::of(&first.get("/compose").await)
        .get("csrf")
        .to_owned();
    first.post_form("/logout", &[("csrf", &csrf)]).await;
    assert_eq!(second.login(User::N(2)).await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn sending_gives_the_files_bytes_back() {
    let (app, state) = spawn_app_watched(test_config()).await;
    app.sign_in(User::Heavy(4)).await;
    let tok = token();
    let form = Form::of(&app.get("/compose").await)
        .set("to", &User::Heavy(4).email())
        .set("subject", &format!("Figures {tok}"))
        .set("body", "Attached.");
    let kept = form.submit(&app, "draft_not", &[]).await;
    assert_eq!(kept.status, StatusCode::BAD_REQUEST, "an unknown button");

    let sent = form
        .submit(
            &app,
            "send",
            &[("attachment", "figures.csv", "text/csv", &[b'1'; 40_000])],
        )
        .await;

    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    assert_eq!(state.mail.upload_memory().held(), 0);
}
