//! The folder sidebar: every folder, nested, Cyrillic names decoded, roles and counts.

use reqwest::StatusCode;

use crate::helpers::{User, spawn_app};

#[tokio::test]
async fn every_folder_is_listed_nested_with_decoded_names() {
    let app = spawn_app().await;
    app.sign_in(User::N(11)).await;

    let page = app.get("/mail/INBOX").await;
    let names = page.texts("nav.folders li .name");

    for expected in [
        "Inbox",
        "Drafts",
        "Sent",
        "Archive",
        "Spam",
        "Trash",
        "Projects",
        "Rust",
        "Работа",
        "Архив",
        "2024",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} missing from {names:?}"
        );
    }
    assert_eq!(names[0], "Inbox", "the Inbox comes first: {names:?}");
    let hrefs = page.attrs("nav.folders li a", "href");
    assert!(
        hrefs.contains(&"/mail/Projects%2FRust".to_owned()),
        "{hrefs:?}"
    );
    assert!(
        hrefs.contains(&"/mail/%D0%A0%D0%B0%D0%B1%D0%BE%D1%82%D0%B0".to_owned()),
        "{hrefs:?}"
    );
    assert_eq!(
        page.attrs("nav.folders li.depth-1 a", "href")
            .iter()
            .filter(|h| h.ends_with("Projects%2FRust"))
            .count(),
        1
    );
}

#[tokio::test]
async fn special_folders_are_named_in_the_persons_language() {
    let app = spawn_app().await;
    app.sign_in(User::N(11)).await;

    let page = app
        .get_with("/mail/INBOX", &[("accept-language", "ru")])
        .await;
    let names = page.texts("nav.folders li .name");

    for expected in [
        "Входящие",
        "Отправленные",
        "Черновики",
        "Корзина",
        "Спам",
        "Работа",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} missing from {names:?}"
        );
    }
}

#[tokio::test]
async fn the_inbox_shows_its_unread_count() {
    let app = spawn_app().await;
    app.sign_in(User::N(11)).await;

    let page = app.get("/mail/INBOX").await;
    let count: u32 = page.texts("nav.folders li.inbox .count")[0]
        .parse()
        .unwrap();

    assert!(count > 0 && count <= 120, "{count}");
}

#[tokio::test]
async fn nested_and_cyrillic_folders_open() {
    let app = spawn_app().await;
    app.sign_in(User::N(11)).await;

    let rust = app.get("/mail/Projects%2FRust").await;
    let work = app.get("/mail/%D0%A0%D0%B0%D0%B1%D0%BE%D1%82%D0%B0").await;

    assert_eq!(rust.status, StatusCode::OK);
    assert!(
        rust.texts("td.subject a")
            .iter()
            .any(|s| s.starts_with("Rust")),
        "{:?}",
        rust.texts("td.subject a")
    );
    assert_eq!(rust.texts("h1"), vec!["Rust"]);
    assert_eq!(work.status, StatusCode::OK);
    assert!(
        work.texts("td.subject a")
            .iter()
            .any(|s| s.starts_with("Работа"))
    );
}

#[tokio::test]
async fn a_folder_that_does_not_exist_gets_a_clear_page() {
    let app = spawn_app().await;
    app.sign_in(User::N(11)).await;

    let page = app.get("/mail/No%20Such%20Folder").await;

    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(
        page.body.contains("There is no such folder"),
        "{}",
        page.body
    );
    // The connection survives a refused SELECT.
    assert_eq!(app.get("/mail/INBOX").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_server_without_special_use_has_its_roles_found_by_russian_names() {
    let app = spawn_app().await;
    app.sign_in(User::Legacy).await;

    let page = app.get("/mail/INBOX").await;

    // Role folders are labelled in the interface's language, whatever the server calls them.
    for (class, label) in [
        ("sent", "Sent"),
        ("drafts", "Drafts"),
        ("trash", "Trash"),
        ("junk", "Spam"),
    ] {
        assert_eq!(
            page.texts(&format!(".folders li.{class} .name")),
            vec![label],
            "{class}"
        );
    }
    assert!(page.texts(".folders li.archive").is_empty());
    let sent = page.attrs(".folders li.sent a", "href");
    assert_eq!(
        sent,
        vec!["/mail/%D0%9E%D1%82%D0%BF%D1%80%D0%B0%D0%B2%D0%BB%D0%B5%D0%BD%D0%BD%D1%8B%D0%B5"]
    );
}
