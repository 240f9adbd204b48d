//! A person ticks messages in the list and moves them, in Chromium: the header checkbox
//! (the page's one script) selects the page, single boxes pick, "Move" moves just those.

use fantoccini::Locator;

use super::{Page, connect, snapshot, start_chromedriver};
use crate::helpers::{User, spawn_app};
use crate::imap_client;

fn message(n: usize) -> Vec<u8> {
    format!(
        "From: Sorter <sorter@example.org>\r\nTo: user15@posta.test\r\n\
         Subject: Pick me {n}\r\nDate: Wed, 01 Jan 2025 12:0{n}:00 +0000\r\n\
         Message-ID: <pick-{n}@example.org>\r\n\r\nTo be sorted.\r\n"
    )
    .into_bytes()
}

#[tokio::test]
async fn a_person_ticks_three_messages_and_moves_them_in_chromium() {
    let app = spawn_app().await;
    let user = User::N(15);
    let mut server = imap_client::connect(user).await;
    for name in ["Picking", "Picked"] {
        let _ = server.delete(name).await; // left by an earlier run
        server.create(name).await.unwrap();
    }
    for n in 0..6 {
        imap_client::append(&mut server, "Picking", &message(n)).await;
    }
    let driver = start_chromedriver();
    let browser = connect(&driver).await;
    let page = Page(&browser);
    page.sign_in(&app.address, user).await;
    browser
        .goto(&format!("{}/mail/Picking", app.address))
        .await
        .unwrap();
    page.loaded().await;

    // With the script, the header box replaces the select-all link, and ticks every row.
    let all = browser.find(Locator::Css("input.pick-all")).await.unwrap();
    assert!(all.is_displayed().await.unwrap());
    let link = browser.find(Locator::Css("a.select-page")).await.unwrap();
    assert!(!link.is_displayed().await.unwrap());
    let boxes = || browser.find_all(Locator::Css("input[name=uid]"));
    all.click().await.unwrap();
    for b in boxes().await.unwrap() {
        assert!(b.is_selected().await.unwrap());
    }
    all.click().await.unwrap();
    for b in boxes().await.unwrap() {
        assert!(!b.is_selected().await.unwrap());
    }

    // Three ticked one by one (the newest three rows), then "Move to…" Picked.
    let rows = boxes().await.unwrap();
    let mut picked = Vec::new();
    for b in &rows[..3] {
        b.click().await.unwrap();
        picked.push(
            b.attr("value")
                .await
                .unwrap()
                .unwrap()
                .parse::<u32>()
                .unwrap(),
        );
    }
    browser
        .find(Locator::Css("form.list-form select[name=target]"))
        .await
        .unwrap()
        .select_by_value("Picked")
        .await
        .unwrap();
    snapshot(&browser, "list-picked").await;
    page.click(Locator::Css("form.list-form button[value=move]"))
        .await;
    let notice = page.text_of(".flash").await;
    assert_eq!(notice, "3 messages moved to Picked.");
    assert_eq!(page.path().await, "/mail/Picking");
    assert_eq!(
        browser
            .find_all(Locator::Css("input[name=uid]"))
            .await
            .unwrap()
            .len(),
        3
    );

    let left = imap_client::search(&mut server, "Picking", "ALL").await;
    assert!(picked.iter().all(|u| !left.contains(u)));
    assert_eq!(left.len(), 3);
    let moved = imap_client::search(&mut server, "Picked", "SUBJECT \"Pick me\"").await;
    assert_eq!(moved.len(), 3);
    browser.close().await.unwrap();
    for name in ["Picking", "Picked"] {
        server.delete(name).await.unwrap();
    }
}
