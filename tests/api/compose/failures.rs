//! When sending fails, nothing is lost: the form comes back with every field and every
//! attachment, the reason in words (English and Russian) and the server's own. Postfix
//! refuses unknown recipients for real; refusals the test stack's Postfix cannot be made to
//! give (a wrong password for a signed-in user, an anti-spam 554, a size refusal, silence)
//! come from a scripted SMTP server on loopback.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use super::{Form, find, held_attachments, token};
use crate::helpers::{Page, TestApp, User, new_client, spawn_app, spawn_app_with, test_config};
use posta::upstream::{Protocol, Upstream};

/// Fills in a message to `to` with one attachment and sends it.
async fn send_with_file(app: &TestApp, to: &str, tok: &str) -> Page {
    Form::of(&app.get("/compose").await)
        .set("to", to)
        .set("cc", "Пётр <user12@posta.test>")
        .set("subject", &format!("Important {tok}"))
        .set("body", "Every word of this matters.")
        .submit(
            app,
            "send",
            &[("attachment", "data.csv", "text/csv", b"a,b\n1,2\n")],
        )
        .await
}

/// Asserts the page is the compose form with everything `send_with_file` put in it.
fn assert_intact(page: &Page, to: &str, tok: &str) {
    let form = Form::of(page);
    assert_eq!(form.get("to"), to);
    assert_eq!(form.get("cc"), "Пётр <user12@posta.test>");
    assert_eq!(form.get("subject"), format!("Important {tok}"));
    assert_eq!(form.get("body"), "Every word of this matters.");
    assert_eq!(held_attachments(page), vec!["data.csv"]);
}

#[tokio::test]
async fn a_refused_recipient_brings_the_form_back_whole_with_the_servers_words() {
    let app = spawn_app().await;
    app.sign_in(User::Bob).await;
    let tok = token();
    let nobody = format!("nobody-{tok}@posta.test");

    let refused = send_with_file(&app, &nobody, &tok).await;

    assert_eq!(refused.status, StatusCode::BAD_GATEWAY);
    assert_intact(&refused, &nobody, &tok);
    let error = refused.texts("#compose-error p").join(" ");
    assert!(error.contains("refused an address"), "{error}");
    assert!(error.contains("Recipient address rejected"), "{error}");
    assert!(error.contains("Nothing was sent"), "{error}");

    // The same, in Russian, straight from the page that came back.
    app.get("/lang/ru?next=/mail/INBOX").await;
    let again = Form::of(&refused).submit(&app, "send", &[]).await;
    assert_eq!(again.status, StatusCode::BAD_GATEWAY);
    assert_intact(&again, &nobody, &tok);
    let error = again.texts("#compose-error p").join(" ");
    assert!(error.contains("отклонил адрес"), "{error}");
    assert!(error.contains("Ничего не отправлено"), "{error}");

    // Saving it as a draft is always possible.
    let draft = Form::of(&again).submit(&app, "draft", &[]).await;
    assert_eq!(draft.status, StatusCode::SEE_OTHER, "{}", draft.body);
    assert_eq!(find(User::Bob, "Drafts", &tok).await.len(), 1);
    assert!(find(User::N(12), "INBOX", &tok).await.is_empty());
}

#[tokio::test]
async fn addresses_that_are_not_are_named_in_their_own_field() {
    let app = spawn_app().await;
    app.sign_in(User::Bob).await;

    let page = Form::of(&app.get("/compose").await)
        .set("to", "carol@posta.test, not an address")
        .set("cc", "Bob <bob@>")
        .set("subject", "Typos")
        .submit(&app, "send", &[])
        .await;
    let empty = Form::of(&app.get("/compose").await)
        .set("subject", "Nobody")
        .submit(&app, "send", &[])
        .await;

    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        page.texts("#to-error"),
        vec!["This is not an email address: not an address"]
    );
    assert_eq!(
        page.texts("#cc-error"),
        vec!["This is not an email address: Bob <bob@>"]
    );
    assert_eq!(
        Form::of(&page).get("to"),
        "carol@posta.test, not an address"
    );
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        empty.texts("#compose-error p")[0],
        "Add at least one recipient."
    );
}

#[tokio::test]
async fn attachments_past_the_limit_are_refused_and_the_rest_kept() {
    let mut config = test_config();
    config.max_attachment_size = 10_000;
    let app = spawn_app_with(config).await;
    app.sign_in(User::Bob).await;
    let big = vec![b'x'; 20_000];
    let half = vec![b'y'; 6_000];

    let refused = Form::of(&app.get("/compose").await)
        .set("to", "carol@posta.test")
        .set("subject", "Too big")
        .set("body", "Here it comes.")
        .submit(
            &app,
            "draft",
            &[("attachment", "big.bin", "application/octet-stream", &big)],
        )
        .await;
    let first = Form::of(&refused)
        .submit(
            &app,
            "draft",
            &[("attachment", "half.bin", "application/octet-stream", &half)],
        )
        .await;
    let shown = app.get(first.location()).await;
    let second = Form::of(&shown)
        .submit(
            &app,
            "send",
            &[("attachment", "more.bin", "application/octet-stream", &half)],
        )
        .await;

    assert_eq!(refused.status, StatusCode::PAYLOAD_TOO_LARGE);
    let error = refused.texts("#compose-error p").join(" ");
    assert!(
        error.contains("at most 10.0 kB")
            || error.contains("at most 9.8 KB")
            || error.contains("too large"),
        "{error}"
    );
    assert_eq!(Form::of(&refused).get("body"), "Here it comes.");
    assert!(held_attachments(&refused).is_empty());
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    assert_eq!(second.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(held_attachments(&second), vec!["half.bin"]);
}

#[tokio::test]
async fn a_form_without_its_token_is_refused() {
    let app = spawn_app().await;
    app.sign_in(User::Bob).await;
    let form = Form::of(&app.get("/compose").await)
        .set("csrf", "forged")
        .set("to", "carol@posta.test");

    let page = form.submit(&app, "send", &[]).await;

    assert_eq!(page.status, StatusCode::FORBIDDEN);
}

/// What the scripted SMTP server does.
#[derive(Clone, Copy)]
enum Script {
    /// Refuses AUTH.
    WrongPassword,
    /// Takes the message, then refuses it with `code text`.
    RefuseData(&'static str),
    /// Accepts the connection and says nothing, ever.
    Silent,
}

/// A one-script SMTP server on loopback; its port, and how many AUTH commands reached it.
async fn scripted_smtp(script: Script) -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let auths = Arc::new(AtomicUsize::new(0));
    let counted = auths.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let counted = counted.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                if let Script::Silent = script {
                    // Hold the connection open without a word.
                    let mut lines = BufReader::new(read).lines();
                    while let Ok(Some(_)) = lines.next_line().await {}
                    return;
                }
                let mut lines = BufReader::new(read).lines();
                let _ = write.write_all(b"220 scripted ESMTP\r\n").await;
                while let Ok(Some(line)) = lines.next_line().await {
                    let verb = line.split_whitespace().next().unwrap_or("").to_uppercase();
                    let reply: String = match verb.as_str() {
                        "EHLO" => "250-scripted\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n".into(),
                        "AUTH" => {
                            counted.fetch_add(1, Ordering::SeqCst);
                            match script {
                                Script::WrongPassword => {
                                    "535 5.7.8 Error: authentication failed: bad password\r\n"
                                        .into()
                                }
                                _ => "235 2.7.0 Authentication successful\r\n".into(),
                            }
                        }
                        "MAIL" | "RCPT" => "250 2.1.0 Ok\r\n".into(),
                        "DATA" => {
                            let _ = write
                                .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                                .await;
                            while let Ok(Some(data)) = lines.next_line().await {
                                if data == "." {
                                    break;
                                }
                            }
                            match script {
                                Script::RefuseData(reply) => format!("{reply}\r\n"),
                                _ => "250 2.0.0 Ok: queued\r\n".into(),
                            }
                        }
                        "QUIT" => {
                            let _ = write.write_all(b"221 2.0.0 Bye\r\n").await;
                            return;
                        }
                        _ => "250 2.0.0 Ok\r\n".into(),
                    };
                    if write.write_all(reply.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (port, auths)
}

/// Posta sending through a scripted server on `port`, Bob signed in.
async fn app_sending_to(port: u16, sign_in_limit: u32) -> TestApp {
    let mut config = test_config();
    config.smtp = Some(
        Upstream::parse(&format!("smtp+insecure://127.0.0.1:{port}"), Protocol::Smtp).unwrap(),
    );
    config.smtp_timeout = Duration::from_secs(1);
    config.sign_in_limit = sign_in_limit;
    let app = spawn_app_with(config).await;
    app.sign_in(User::Bob).await;
    app
}

/// Posta sending through the scripted server.
async fn app_with(script: Script) -> TestApp {
    let (port, _) = scripted_smtp(script).await;
    app_sending_to(port, 10).await
}

/// Sends through a server following `script` and checks the form came back whole with
/// `status` and an error holding each of `words`.
async fn refused_by(script: Script, status: StatusCode, words: &[&str]) {
    let app = app_with(script).await;
    let tok = token();

    let page = send_with_file(&app, "carol@posta.test", &tok).await;

    assert_eq!(page.status, status);
    assert_intact(&page, "carol@posta.test", &tok);
    let error = page.texts("#compose-error p").join(" ");
    for word in words {
        assert!(error.contains(word), "{word:?} not in {error}");
    }
}

#[tokio::test]
async fn a_refused_password_says_so_and_keeps_everything() {
    refused_by(
        Script::WrongPassword,
        StatusCode::BAD_GATEWAY,
        &["refused to send with your password", "bad password"],
    )
    .await;
}

#[tokio::test]
async fn an_anti_spam_refusal_shows_the_servers_reason() {
    refused_by(
        Script::RefuseData("554 5.7.1 Message rejected: looks like spam (score 12.3)"),
        StatusCode::BAD_GATEWAY,
        &["spam filter", "looks like spam (score 12.3)"],
    )
    .await;
}

#[tokio::test]
async fn a_size_refusal_says_the_message_is_too_large() {
    refused_by(
        Script::RefuseData("552 5.3.4 Message size exceeds fixed limit"),
        StatusCode::BAD_GATEWAY,
        &["refused the message as too large", "exceeds fixed limit"],
    )
    .await;
}

#[tokio::test]
async fn a_silent_server_times_out_within_the_smtp_timeout_and_nothing_is_lost() {
    let started = Instant::now();
    refused_by(
        Script::Silent,
        StatusCode::GATEWAY_TIMEOUT,
        &["did not answer in time"],
    )
    .await;
    // Signing in, the compose page and the send, with a server that never greets and an
    // --smtp-timeout of one second.
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn refused_passwords_at_sending_count_and_then_sending_waits_in_words() {
    let (port, auths) = scripted_smtp(Script::WrongPassword).await;
    let app = app_sending_to(port, 2).await;
    let tok = token();
    for _ in 0..2 {
        let refused = send_with_file(&app, "carol@posta.test", &tok).await;
        assert_eq!(refused.status, StatusCode::BAD_GATEWAY, "{}", refused.body);
    }

    let waiting = send_with_file(&app, "carol@posta.test", &tok).await;

    assert_eq!(waiting.status, StatusCode::TOO_MANY_REQUESTS);
    assert_intact(&waiting, "carol@posta.test", &tok);
    let error = waiting.texts("#compose-error p").join(" ");
    assert!(
        error.contains("refused this mailbox's password too often"),
        "{error}"
    );
    assert!(error.contains("try to send in 15 minutes"), "{error}");
    assert!(error.contains("Nothing was sent"), "{error}");
    assert_eq!(
        auths.load(Ordering::SeqCst),
        2,
        "the third never reached the server"
    );
    // The same address is closed for signing in as well: either door counts.
    let elsewhere = TestApp {
        address: app.address.clone(),
        client: new_client(),
    };
    assert_eq!(
        elsewhere.login(User::Bob).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
}
