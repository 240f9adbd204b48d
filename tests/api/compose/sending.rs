//! A new message, sent: headers, body, attachment and Bcc as the recipient's server stores
//! them; the Sent copy; the name and signature from the settings; header injection.

use mail_parser::MimeHeaders;
use reqwest::StatusCode;

use super::{Form, delivered, find, header_block, parse, token};
use crate::helpers::{User, spawn_app, spawn_app_with, stack, test_config};
use crate::imap_client;

#[tokio::test]
async fn a_message_reaches_the_recipient_with_its_headers_body_and_attachment() {
    // Arrange
    let app = spawn_app().await;
    app.sign_in(User::Bob).await;
    let settings = app.get("/settings").await;
    let saved = app
        .post_form(
            "/settings",
            &[
                ("csrf", &settings.csrf()),
                ("display_name", "Bob Builder"),
                ("signature", "Bob\r\nPosta test"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let page = app.get("/compose").await;
    assert_eq!(page.status, StatusCode::OK);
    let form = Form::of(&page);
    assert_eq!(form.get("body"), "\n\n-- \nBob\nPosta test\n");
    let tok = token();
    let pdf: Vec<u8> = (0..=255u8).cycle().take(3000).collect();

    // Act
    let sent = form
        .set("to", "\"Carol, the Receiver\" <carol@posta.test>")
        .set("cc", "Пётр Первый <user12@posta.test>")
        .set("bcc", "bob@posta.test")
        .set("subject", &format!("Привет, {tok}"))
        .set(
            "body",
            &format!("Строка один — {tok}\r\n\r\n-- \r\nBob\r\nPosta test"),
        )
        .submit(
            &app,
            "send",
            &[("attachment", "отчёт за март.pdf", "application/pdf", &pdf)],
        )
        .await;

    // Assert
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    assert_eq!(sent.location(), "/mail/INBOX");
    let inbox = app.get("/mail/INBOX").await;
    assert_eq!(inbox.texts(".flash"), vec!["Message sent."]);

    let (_, raw) = delivered(User::Carol, "INBOX", &tok).await;
    let message = parse(&raw);
    let from = message.from().unwrap().first().unwrap();
    assert_eq!(from.name(), Some("Bob Builder"));
    assert_eq!(from.address(), Some("bob@posta.test"));
    let to = message.to().unwrap().first().unwrap();
    assert_eq!(to.name(), Some("Carol, the Receiver"));
    assert_eq!(to.address(), Some("carol@posta.test"));
    let cc = message.cc().unwrap().first().unwrap();
    assert_eq!(cc.name(), Some("Пётр Первый"));
    assert_eq!(message.subject(), Some(format!("Привет, {tok}").as_str()));
    assert!(message.message_id().unwrap().ends_with("@posta.test"));
    assert!(message.date().is_some());
    let head = header_block(&raw);
    assert!(!head.contains("Bcc"), "Bcc must not travel: {head}");
    assert!(head.contains("Subject: =?utf-8?"), "{head}");
    assert!(String::from_utf8_lossy(&raw).contains("Content-Transfer-Encoding: quoted-printable"));
    assert_eq!(
        message.body_text(0).unwrap(),
        format!("Строка один — {tok}\r\n\r\n-- \r\nBob\r\nPosta test\r\n")
    );
    assert!(message.body_html(0).unwrap().contains(&tok));
    let attachment = message.attachment(0).unwrap();
    assert_eq!(attachment.attachment_name(), Some("отчёт за март.pdf"));
    assert_eq!(attachment.content_type().unwrap().subtype(), Some("pdf"));
    assert_eq!(attachment.contents(), &pdf[..]);

    // The Bcc copy reached Bob; the Sent copy is read and remembers the Bcc.
    delivered(User::Bob, "INBOX", &tok).await;
    let (sent_uid, sent_raw) = delivered(User::Bob, "Sent", &tok).await;
    assert!(header_block(&sent_raw).contains("Bcc: bob@posta.test"));
    let mut imap = imap_client::connect(User::Bob).await;
    assert!(
        imap_client::flags(&mut imap, "Sent", sent_uid)
            .await
            .contains(&"\\Seen".to_owned())
    );
}

#[tokio::test]
async fn implicit_tls_submission_sends_too() {
    let mut config = test_config();
    config.smtp = Some(stack().smtps());
    let app = spawn_app_with(config).await;
    app.sign_in(User::Bob).await;
    let tok = token();

    let sent = Form::of(&app.get("/compose").await)
        .set("to", "carol@posta.test")
        .set("subject", &format!("Over 465 {tok}"))
        .set("body", "Implicit TLS.")
        .submit(&app, "send", &[])
        .await;

    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let (_, raw) = delivered(User::Carol, "INBOX", &tok).await;
    assert_eq!(parse(&raw).body_text(0).unwrap().trim(), "Implicit TLS.");
}

#[tokio::test]
async fn a_line_break_in_a_field_never_becomes_a_header() {
    let app = spawn_app().await;
    app.sign_in(User::Bob).await;
    let tok = token();
    let form = Form::of(&app.get("/compose").await);

    // In an address field it is no address at all: nothing is sent.
    let refused = Form::of(&app.get("/compose").await)
        .set("to", "carol@posta.test\r\nBcc: user12@posta.test")
        .set("subject", &format!("Injected to {tok}"))
        .submit(&app, "send", &[])
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    // In the subject it stays part of the subject.
    let sent = form
        .set("to", "carol@posta.test")
        .set("subject", &format!("Hello {tok}\r\nBcc: user12@posta.test"))
        .set("body", "Nothing more.")
        .submit(&app, "send", &[])
        .await;

    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let (_, raw) = delivered(User::Carol, "INBOX", &tok).await;
    let head = header_block(&raw);
    assert!(
        !head.lines().any(|l| l.starts_with("Bcc")),
        "a Bcc line appeared: {head}"
    );
    assert!(
        parse(&raw)
            .subject()
            .unwrap()
            .contains("Bcc: user12@posta.test")
    );
    assert!(find(User::N(12), "INBOX", &tok).await.is_empty());
}

#[tokio::test]
async fn settings_are_kept_for_the_session_and_need_the_form_token() {
    let app = spawn_app().await;
    app.sign_in(User::Bob).await;

    let forged = app
        .post_form(
            "/settings",
            &[("csrf", "forged"), ("display_name", "Mallory")],
        )
        .await;
    let page = app.get("/settings").await;
    let saved = app
        .post_form(
            "/settings",
            &[
                ("csrf", &page.csrf()),
                ("display_name", "Боб\r\nBcc: x@y"),
                ("signature", "Всего доброго"),
            ],
        )
        .await;
    let again = app.get("/settings").await;

    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    assert_eq!(again.attrs("#display_name", "value"), vec!["Боб  Bcc: x@y"]);
    assert_eq!(again.texts("#signature"), vec!["Всего доброго"]);
    assert_eq!(again.texts(".flash"), vec!["Settings saved."]);
}
