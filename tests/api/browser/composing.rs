//! A person answers a message in Chromium, attaching a file through the file picker, and
//! the reply arrives in the sender's mailbox with the file and the threading headers.

use fantoccini::Locator;
use mail_parser::MimeHeaders;

use super::{Page, connect, snapshot, start_chromedriver};
use crate::compose::{delivered, header_block, parse, receive, token};
use crate::helpers::{User, spawn_app};

#[tokio::test]
async fn a_person_replies_with_an_attachment_in_chromium_and_it_is_delivered() {
    // Arrange: Carol's question in Bob's INBOX, and a file on disk to attach.
    let app = spawn_app().await;
    let tok = token();
    let uid = receive(
        User::Bob,
        &format!(
            "From: Carol Danvers <carol@posta.test>\n\
             To: Bob Builder <bob@posta.test>\n\
             Subject: Photos {tok}\n\
             Message-ID: <photos-{tok}@posta.test>\n\
             Content-Type: text/plain; charset=utf-8\n\
             \n\
             Could you send me the photo?\n"
        ),
        &tok,
    )
    .await;
    let file = std::env::temp_dir().join(format!("posta-{tok}.png"));
    let photo: Vec<u8> = b"\x89PNG\r\n\x1a\n"
        .iter()
        .copied()
        .chain(0..200u8)
        .collect();
    std::fs::write(&file, &photo).unwrap();
    let driver = start_chromedriver();
    let browser = connect(&driver).await;
    let page = Page(&browser);

    // Act
    page.sign_in(&app.address, User::Bob).await;
    browser
        .goto(&format!("{}/mail/INBOX/{uid}", app.address))
        .await
        .unwrap();
    page.click(Locator::Css("a.reply")).await;
    page.text_of("form.compose").await;
    page.type_into("#body", &format!("Here it is. {tok}")).await;
    page.type_into("#attachment", file.to_str().unwrap()).await;
    snapshot(&browser, "reply").await;
    page.click(Locator::Css("button.send")).await;

    // Assert: back on the message, told it was sent; Carol has the reply and the photo.
    let notice = page.text_of(".flash").await;
    assert_eq!(notice, "Message sent.");
    assert_eq!(page.path().await, format!("/mail/INBOX/{uid}"));
    let (_, raw) = delivered(User::Carol, "INBOX", &tok).await;
    let reply = parse(&raw);
    assert_eq!(reply.subject(), Some(format!("Re: Photos {tok}").as_str()));
    assert!(
        reply
            .body_text(0)
            .unwrap()
            .contains(&format!("Here it is. {tok}"))
    );
    assert!(header_block(&raw).contains(&format!("In-Reply-To: <photos-{tok}@posta.test>")));
    let attachment = reply.attachment(0).unwrap();
    assert_eq!(
        attachment.attachment_name(),
        Some(format!("posta-{tok}.png").as_str())
    );
    assert_eq!(attachment.contents(), &photo[..]);
    browser.close().await.unwrap();
    std::fs::remove_file(&file).ok();
}
