//! Replies and forwards: recipients, subjects, quoting, threading headers, the original's
//! files, and the mark left on the original.

use mail_parser::MimeHeaders;
use reqwest::StatusCode;

use super::{Form, delivered, header_block, held_attachments, parse, receive, token};
use crate::helpers::{User, spawn_app, spawn_app_with, stack, test_config};
use crate::imap_client;

fn lunch(tok: &str) -> String {
    format!(
        "From: Carol Danvers <carol@posta.test>\n\
         To: Bob Builder <bob@posta.test>\n\
         Cc: Пётр <user12@posta.test>\n\
         Subject: RE: Lunch {tok}\n\
         Date: Mon, 4 Mar 2024 10:00:00 +0000\n\
         Message-ID: <orig-{tok}@posta.test>\n\
         References: <root-{tok}@posta.test>\n\
         MIME-Version: 1.0\n\
         Content-Type: text/plain; charset=utf-8\n\
         \n\
         See you at noon.\n\
         \n\
         Carol\n"
    )
}

#[tokio::test]
async fn a_reply_quotes_threads_and_marks_the_original_answered() {
    // Arrange
    let mut config = test_config();
    config.smtp = Some(stack().smtps());
    let app = spawn_app_with(config).await;
    app.sign_in(User::Bob).await;
    let tok = token();
    let uid = receive(User::Bob, &lunch(&tok), &tok).await;

    // Act
    let page = app.get(&format!("/compose?reply=INBOX/{uid}")).await;
    let everyone = Form::of(&app.get(&format!("/compose?reply_all=INBOX/{uid}")).await);
    let form = Form::of(&page);

    // Assert: the form
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(form.get("to"), "Carol Danvers <carol@posta.test>");
    assert_eq!(form.get("cc"), "");
    assert_eq!(form.get("subject"), format!("Re: Lunch {tok}"));
    let body = form.get("body");
    assert!(
        body.contains("On Mon, 4 Mar 2024 10:00:00 +0000, Carol Danvers <carol@posta.test> wrote:\n> See you at noon.\n>\n> Carol\n"),
        "{body}"
    );
    assert_eq!(everyone.get("to"), "Carol Danvers <carol@posta.test>");
    assert_eq!(everyone.get("cc"), "Пётр <user12@posta.test>");

    // Act: send it
    let body = format!("Agreed.\n{body}");
    let sent = form.set("body", &body).submit(&app, "send", &[]).await;

    // Assert: the reply, and the original
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    assert_eq!(sent.location(), format!("/mail/INBOX/{uid}"));
    let (_, raw) = delivered(User::Carol, "INBOX", &tok).await;
    let head = header_block(&raw);
    assert!(
        head.contains(&format!("In-Reply-To: <orig-{tok}@posta.test>")),
        "{head}"
    );
    assert!(
        head.contains(&format!(
            "References: <root-{tok}@posta.test> <orig-{tok}@posta.test>"
        )),
        "{head}"
    );
    let reply = parse(&raw);
    assert_eq!(reply.subject(), Some(format!("Re: Lunch {tok}").as_str()));
    assert!(reply.body_text(0).unwrap().starts_with("Agreed.\r\n"));
    let mut imap = imap_client::connect(User::Bob).await;
    assert!(
        imap_client::flags(&mut imap, "INBOX", uid)
            .await
            .contains(&"\\Answered".to_owned())
    );
}

fn with_plan(tok: &str) -> String {
    format!(
        "From: Carol Danvers <carol@posta.test>\n\
         To: bob@posta.test\n\
         Subject: Plan {tok}\n\
         Message-ID: <plan-{tok}@posta.test>\n\
         MIME-Version: 1.0\n\
         Content-Type: multipart/mixed; boundary=\"b1\"\n\
         \n\
         --b1\n\
         Content-Type: text/plain; charset=utf-8\n\
         \n\
         The plan is attached.\n\
         --b1\n\
         Content-Type: text/plain; name=\"plan.txt\"\n\
         Content-Disposition: attachment; filename=\"plan.txt\"\n\
         Content-Transfer-Encoding: base64\n\
         \n\
         c3RlcCBvbmUKc3RlcCB0d28K\n\
         --b1--\n"
    )
}

#[tokio::test]
async fn a_forward_carries_the_text_and_the_files_and_marks_the_original() {
    let app = spawn_app().await;
    app.sign_in(User::Bob).await;
    let tok = token();
    let uid = receive(User::Bob, &with_plan(&tok), &tok).await;

    let page = app.get(&format!("/compose?forward=INBOX/{uid}")).await;
    let form = Form::of(&page);
    assert_eq!(form.get("to"), "");
    assert_eq!(form.get("subject"), format!("Fwd: Plan {tok}"));
    assert!(
        form.get("body")
            .contains("-------- Forwarded message --------")
    );
    assert!(form.get("body").contains("The plan is attached."));
    assert_eq!(held_attachments(&page), vec!["plan.txt"]);
    let sent = form
        .set("to", "carol@posta.test")
        .submit(&app, "send", &[])
        .await;

    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let (_, raw) = delivered(User::Carol, "INBOX", &format!("Fwd: Plan {tok}")).await;
    let forward = parse(&raw);
    assert!(
        forward
            .body_text(0)
            .unwrap()
            .contains("The plan is attached.")
    );
    let file = forward.attachment(0).unwrap();
    assert_eq!(file.attachment_name(), Some("plan.txt"));
    assert_eq!(file.contents(), b"step one\nstep two\n");
    assert!(!header_block(&raw).contains("In-Reply-To"));
    let mut imap = imap_client::connect(User::Bob).await;
    assert!(
        imap_client::flags(&mut imap, "INBOX", uid)
            .await
            .contains(&"$Forwarded".to_owned())
    );
}

#[tokio::test]
async fn a_forward_as_attachment_sends_the_original_whole() {
    let app = spawn_app().await;
    app.sign_in(User::Bob).await;
    let tok = token();
    let uid = receive(User::Bob, &with_plan(&tok), &tok).await;

    let page = app
        .get(&format!("/compose?forward=INBOX/{uid}&attach=1"))
        .await;
    assert_eq!(held_attachments(&page), vec![format!("Plan {tok}.eml")]);
    let sent = Form::of(&page)
        .set("to", "carol@posta.test")
        .submit(&app, "send", &[])
        .await;

    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let (_, raw) = delivered(User::Carol, "INBOX", &format!("Fwd: Plan {tok}")).await;
    let forward = parse(&raw);
    let part = forward.attachment(0).unwrap();
    assert_eq!(part.content_type().unwrap().ctype(), "message");
    let inner = part.message().expect("an embedded message");
    assert_eq!(
        inner.message_id(),
        Some(format!("plan-{tok}@posta.test").as_str())
    );
    assert_eq!(
        inner.attachment(0).unwrap().contents(),
        b"step one\nstep two\n"
    );
}
