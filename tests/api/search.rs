//! Searching, sorting and conversations in the message list, checked against the server's
//! own UID SEARCH, UID SORT and the seeded conversations; on the full server and on the
//! basic one (no SORT, THREAD or ESEARCH), where Posta does the work itself.
//!
//! Users: user04 (searches and sorts, read only), user16 (session choices), threads (the
//! seeded conversations, read only), alice (searching all folders, read only).

use std::collections::BTreeSet;

use reqwest::StatusCode;

use crate::helpers::{Page, TestApp, User, spawn_app, spawn_app_with, stack, test_config};
use crate::imap_client;

/// Posta on the basic server, which advertises no SORT, THREAD or ESEARCH.
async fn spawn_basic_app() -> TestApp {
    let mut config = test_config();
    config.imap = Some(stack().imaps_basic());
    spawn_app_with(config).await
}

/// The UID at the end of each row's link, in page order.
fn uids(page: &Page) -> Vec<u32> {
    page.attrs("td.subject a", "href")
        .iter()
        .map(|h| h.rsplit('/').next().unwrap().parse().unwrap())
        .collect()
}

/// Every row of a list, following its "older" links to the end.
async fn all_rows(app: &TestApp, path: &str) -> Vec<u32> {
    let mut found = Vec::new();
    let mut next = Some(path.to_owned());
    while let Some(path) = next {
        let page = app.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
        found.extend(uids(&page));
        next = page.attrs(".pager a[rel=next]", "href").into_iter().next();
    }
    found
}

fn sorted(mut uids: Vec<u32>) -> Vec<u32> {
    uids.sort_unstable();
    uids
}

/// `(Posta query, the same search as IMAP criteria)`.
const SEARCHES: &[(&str, &str)] = &[
    ("subject=Message+0004", r#"SUBJECT "Message 0004""#),
    ("from=ivan", r#"FROM "ivan""#),
    ("to=user04", r#"TO "user04""#),
    ("body=example.org%2Fn%2F11", r#"BODY "example.org/n/11""#),
    ("q=rust-weekly", r#"TEXT "rust-weekly""#),
    ("unread=1&flagged=1", "UNSEEN FLAGGED"),
    (
        "since=2024-01-03&until=04.01.2024",
        "SINCE 3-Jan-2024 BEFORE 5-Jan-2024",
    ),
    (
        "attachment=1",
        "OR HEADER Content-Type multipart/mixed HEADER Content-Disposition attachment",
    ),
    ("from=anna&unread=1", r#"FROM "anna" UNSEEN"#),
];

/// Asserts that each of [`SEARCHES`] through `app` lists, newest first, exactly the UIDs
/// the full server's own UID SEARCH finds in user04's INBOX.
async fn assert_finds_what_the_server_finds(app: &TestApp) {
    app.sign_in(User::N(4)).await;
    let mut imap = imap_client::connect(User::N(4)).await;
    for (query, criteria) in SEARCHES {
        let posta = all_rows(app, &format!("/mail/INBOX?{query}")).await;
        let server = imap_client::search(&mut imap, "INBOX", criteria).await;

        assert!(!server.is_empty(), "{criteria} finds something in the seed");
        assert_eq!(sorted(posta.clone()), server, "{query}");
        assert!(
            posta.windows(2).all(|w| w[0] > w[1]),
            "{query}: newest first"
        );
    }
}

#[tokio::test]
async fn search_results_are_what_the_servers_own_search_finds() {
    assert_finds_what_the_server_finds(&spawn_app().await).await;
}

#[tokio::test]
async fn the_basic_server_without_esearch_gives_the_same_results() {
    assert_finds_what_the_server_finds(&spawn_basic_app().await).await;
}

#[tokio::test]
async fn russian_search_text_finds_messages_in_any_charset() {
    let app = spawn_app().await;
    app.sign_in(User::N(4)).await;
    let mut imap = imap_client::connect(User::N(4)).await;

    let body = app
        .get("/mail/INBOX?q=%D0%B1%D1%83%D0%BB%D0%BE%D0%BA")
        .await; // булок
    let subject = app
        .get("/mail/INBOX?subject=%D0%9F%D0%B8%D1%81%D1%8C%D0%BC%D0%BE")
        .await; // Письмо

    let server_body = imap_client::search_utf8(&mut imap, "INBOX", "TEXT", "булок").await;
    let server_subject = imap_client::search_utf8(&mut imap, "INBOX", "SUBJECT", "Письмо").await;
    assert_eq!(
        server_body.len(),
        3,
        "UTF-8, KOI8-R and windows-1251 pangrams"
    );
    assert_eq!(sorted(uids(&body)), server_body);
    assert_eq!(sorted(uids(&subject)), server_subject);
    assert_eq!(
        subject.texts("td.subject a"),
        vec!["Письмо в KOI8-R", "Письмо в windows-1251"]
    );
    assert_eq!(body.texts(".found"), vec!["3 messages found"]);
}

#[tokio::test]
async fn imap_syntax_typed_into_search_stays_text() {
    let app = spawn_app().await;
    app.sign_in(User::N(4)).await;

    for typed in [
        "\"",
        "\\",
        "{5}",
        "{5+}",
        "\") OR ALL (\"",
        "x\" OR ALL \"",
        "a\r\nA1 LOGOUT",
        "a\r\nA2 DELETE INBOX\r\n",
        "x\0y",
        "ж\r\n{3}\r\nALL",
        "\\\" ALL",
    ] {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("subject", typed)
            .finish();
        let page = app.get(&format!("/mail/INBOX?{query}")).await;

        assert_eq!(page.status, StatusCode::OK, "{typed:?}: {}", page.body);
        assert!(uids(&page).is_empty(), "{typed:?} found something");
        assert_eq!(page.texts(".found"), vec!["0 messages found"], "{typed:?}");
        assert_eq!(
            page.attrs("form.search input[name=subject]", "value"),
            vec![typed.replace(['\r', '\n', '\0'], "")],
            "{typed:?} is kept in the form (as the browser would send it back)"
        );
    }
    let inbox = app.get("/mail/INBOX").await;
    assert_eq!(
        uids(&inbox).len(),
        50,
        "the connection and the folder are as they were"
    );
}

/// Sort codes and the RFC 5256 programs that say the same.
const ORDERS: &[(&str, &str)] = &[
    ("date-desc", "(REVERSE DATE)"),
    ("date-asc", "(DATE)"),
    ("arrival-asc", "(ARRIVAL)"),
    ("from-asc", "(FROM)"),
    ("from-desc", "(REVERSE FROM)"),
    ("subject-asc", "(SUBJECT)"),
    ("subject-desc", "(REVERSE SUBJECT)"),
    ("size-desc", "(REVERSE SIZE)"),
    ("size-asc", "(SIZE)"),
];

/// Asserts that every `(code, program)` lists `user`'s INBOX through `app` in the order the
/// (full) server's own UID SORT gives.
async fn assert_sorts_like_the_server(app: &TestApp, user: User, orders: &[(&str, &str)]) {
    app.sign_in(user).await;
    let mut imap = imap_client::connect(user).await;
    for (code, program) in orders {
        let posta = all_rows(app, &format!("/mail/INBOX?sort={code}")).await;
        let server = imap_client::sort(&mut imap, "INBOX", program).await;

        assert_eq!(posta, server, "sort={code} as {user:?}");
    }
}

#[tokio::test]
async fn every_sort_order_is_the_servers_sort_order() {
    assert_sorts_like_the_server(&spawn_app().await, User::N(4), ORDERS).await;
}

#[tokio::test]
async fn without_sort_on_the_server_posta_sorts_the_same_way() {
    assert_sorts_like_the_server(&spawn_basic_app().await, User::N(4), ORDERS).await;
}

#[tokio::test]
async fn reply_prefixes_sort_like_the_server_without_sort() {
    // The conversations' subjects: "Re: Release plan", "RE: …", "Re: Re: …", Cyrillic.
    let orders = [
        ("subject-asc", "(SUBJECT)"),
        ("from-desc", "(REVERSE FROM)"),
    ];
    assert_sorts_like_the_server(&spawn_basic_app().await, User::Threads, &orders).await;
}

#[tokio::test]
async fn a_search_can_be_sorted_too() {
    let app = spawn_app().await;
    app.sign_in(User::N(4)).await;
    let mut imap = imap_client::connect(User::N(4)).await;

    let posta = all_rows(&app, "/mail/INBOX?sort=from-asc&unread=1").await;

    let unread: BTreeSet<u32> = imap_client::search(&mut imap, "INBOX", "UNSEEN")
        .await
        .into_iter()
        .collect();
    let expected: Vec<u32> = imap_client::sort(&mut imap, "INBOX", "(FROM)")
        .await
        .into_iter()
        .filter(|u| unread.contains(u))
        .collect();
    assert_eq!(posta, expected);
}

#[tokio::test]
async fn the_chosen_sort_is_remembered_for_the_session() {
    let app = spawn_app().await;
    app.sign_in(User::N(16)).await;

    let chosen = app.get("/mail/INBOX?sort=size-asc").await;
    let later = app.get("/mail/INBOX").await;
    let other_folder = app.get("/mail/Projects%2FRust").await;
    app.get("/mail/INBOX?sort=arrival-desc").await;
    let back = app.get("/mail/INBOX").await;

    assert_eq!(uids(&later), uids(&chosen));
    assert_eq!(
        later.attrs(".sort option[selected]", "value"),
        vec!["size-asc"]
    );
    assert_eq!(
        other_folder.attrs(".sort option[selected]", "value"),
        vec!["size-asc"],
        "the choice is the session's, not the folder's"
    );
    assert_eq!(uids(&back)[0], 120, "newest first again");
    assert_eq!(
        app.get("/mail/INBOX?sort=nonsense").await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn search_links_keep_the_search_while_paging() {
    let app = spawn_app().await;
    app.sign_in(User::N(4)).await;

    let mut imap = imap_client::connect(User::N(4)).await;

    let first = app.get("/mail/INBOX?q=Message&in=folder").await;

    let n = imap_client::search(&mut imap, "INBOX", r#"TEXT "Message""#)
        .await
        .len();
    assert!(n > 50, "more than a page");
    assert_eq!(first.texts(".found"), vec![format!("{n} messages found")]);
    assert_eq!(first.texts(".range"), vec![format!("1–50 of {n}")]);
    assert_eq!(
        first.attrs(".pager a[rel=next]", "href"),
        vec!["/mail/INBOX?q=Message&in=folder&page=2"]
    );
    assert_eq!(
        first.attrs("form.search input[name=q]", "value"),
        vec!["Message"]
    );
    assert!(
        first.attrs("input[name=all]", "value").is_empty(),
        "no 'select all in folder' while a search shows part of it"
    );
}

#[tokio::test]
async fn a_date_that_does_not_exist_is_explained_and_the_form_kept() {
    let app = spawn_app().await;
    app.sign_in(User::N(4)).await;

    let page = app
        .get("/mail/INBOX?subject=hello&since=31.02.2024&unread=1")
        .await;
    let russian = app
        .get_with(
            "/mail/INBOX?since=2024-03-05&until=2024-03-01",
            &[("accept-language", "ru")],
        )
        .await;

    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        page.texts(".error p"),
        vec!["“31.02.2024” is not a date. Write it as 2024-03-15 or 15.03.2024."]
    );
    assert_eq!(
        page.attrs("form.search input[name=subject]", "value"),
        vec!["hello"]
    );
    assert_eq!(
        page.attrs("form.search input[name=since]", "value"),
        vec!["31.02.2024"]
    );
    assert_eq!(
        page.attrs("form.search input[name=unread][checked]", "value"),
        vec!["1"]
    );
    assert_eq!(page.attrs("details.search-more[open]", "class").len(), 1);
    assert!(uids(&page).is_empty());
    assert_eq!(russian.status, StatusCode::BAD_REQUEST);
    assert_eq!(russian.texts(".error p"), vec!["Дата «с» позже даты «по»."]);
}

#[tokio::test]
async fn searching_all_folders_finds_hits_everywhere_and_names_their_folder() {
    let app = spawn_app().await;
    app.sign_in(User::Alice).await;
    let mut imap = imap_client::connect(User::Alice).await;

    // "Rust" is in Projects/Rust's subjects, and in INBOX senders ("Rust Weekly").
    let page = app.get("/mail/INBOX?subject=Rust&in=all").await;

    let mut expected = BTreeSet::new();
    for wire in imap_client::subscriptions(&mut imap).await {
        for uid in imap_client::search(&mut imap, &wire, r#"SUBJECT "Rust""#).await {
            expected.insert((wire.clone(), uid));
        }
    }
    let found: BTreeSet<(String, u32)> = page
        .attrs("td.subject a", "href")
        .iter()
        .map(|h| {
            let (folder, uid) = h.trim_start_matches("/mail/").rsplit_once('/').unwrap();
            let name = percent_encoding::percent_decode_str(folder)
                .decode_utf8()
                .unwrap();
            let wire = posta::imap::MailboxName::parse(&name).unwrap().wire();
            (wire, uid.parse().unwrap())
        })
        .collect();
    assert_eq!(found.len(), 3);
    assert_eq!(found, expected);
    assert_eq!(page.texts("td.folder a"), vec!["Rust", "Rust", "Rust"]);
    assert!(
        page.attrs("input[name=uid]", "value").is_empty(),
        "no tick boxes: actions work on one folder"
    );
}

#[tokio::test]
async fn russian_text_searches_all_folders() {
    let app = spawn_app().await;
    app.sign_in(User::Alice).await;

    let page = app
        .get("/mail/INBOX?subject=%D0%A0%D0%B0%D0%B1%D0%BE%D1%82%D0%B0&in=all") // Работа
        .await;

    assert_eq!(page.texts("td.subject a"), vec!["Работа 2", "Работа 1"]);
    assert_eq!(
        page.attrs("td.subject a", "href"),
        vec![
            "/mail/%D0%A0%D0%B0%D0%B1%D0%BE%D1%82%D0%B0/2",
            "/mail/%D0%A0%D0%B0%D0%B1%D0%BE%D1%82%D0%B0/1"
        ]
    );
}

/// `(subject, depth, conversation size shown)` of each row.
fn thread_rows(page: &Page) -> Vec<(String, u32, Option<String>)> {
    let html = page.html();
    let rows = scraper::Selector::parse("table.messages tbody tr").unwrap();
    let cell = scraper::Selector::parse("td.subject").unwrap();
    let link = scraper::Selector::parse("td.subject a").unwrap();
    let size = scraper::Selector::parse(".thread-size").unwrap();
    html.select(&rows)
        .map(|row| {
            let td = row.select(&cell).next().unwrap();
            let depth = td
                .value()
                .classes()
                .find_map(|c| c.strip_prefix("depth-"))
                .map_or(0, |d| d.parse().unwrap());
            let subject = row.select(&link).next().unwrap().text().collect();
            let count = row.select(&size).next().map(|s| s.text().collect());
            (subject, depth, count)
        })
        .collect()
}

/// The rows of the conversation that starts with `subject`: it and the deeper rows after it.
fn conversation(rows: &[(String, u32, Option<String>)], subject: &str) -> Vec<(String, u32)> {
    let start = rows
        .iter()
        .position(|r| r.0 == subject && r.1 == 0)
        .unwrap_or_else(|| panic!("no conversation {subject:?} in {rows:?}"));
    let mut out = vec![(rows[start].0.clone(), 0)];
    out.extend(
        rows[start + 1..]
            .iter()
            .take_while(|r| r.1 > 0)
            .map(|r| (r.0.clone(), r.1)),
    );
    out
}

#[tokio::test]
async fn conversations_come_from_the_servers_threads() {
    let app = spawn_app().await;
    app.sign_in(User::Threads).await;

    let page = app.get("/mail/INBOX?threads=on").await;
    let rows = thread_rows(&page);

    assert_eq!(rows.len(), 14, "every message, once");
    assert_eq!(
        conversation(&rows, "Release plan"),
        vec![
            ("Release plan".into(), 0),
            ("Re: Release plan".into(), 1),
            ("Re: Re: Release plan".into(), 2),
            ("Re: Release plan".into(), 3),
            ("RE: Release plan".into(), 1),
        ]
    );
    assert_eq!(
        conversation(&rows, "Lunch on Friday?"),
        vec![
            ("Lunch on Friday?".into(), 0),
            ("Re: Lunch on Friday?".into(), 1),
            ("Re: Lunch on Friday?".into(), 2),
        ],
        "In-Reply-To alone links a reply"
    );
    assert_eq!(
        conversation(&rows, "Поездка в Казань").len(),
        3,
        "Cyrillic subjects thread too"
    );
    let plan = rows.iter().find(|r| r.0 == "Release plan").unwrap();
    assert_eq!(plan.2.as_deref(), Some("5"));
    assert!(page.texts(".note").is_empty(), "the server threaded");
}

#[tokio::test]
async fn conversations_stay_on_for_the_session_until_switched_off() {
    let app = spawn_app().await;
    app.sign_in(User::Threads).await;

    app.get("/mail/INBOX?threads=on").await;
    let later = app.get("/mail/INBOX").await;
    let off = app.get("/mail/INBOX?threads=off").await;

    assert!(thread_rows(&later).iter().any(|r| r.1 > 0));
    assert!(
        later.attrs(".sort", "class").is_empty(),
        "conversations have their own order"
    );
    assert_eq!(
        later.attrs("a.threads-toggle", "href"),
        vec!["/mail/INBOX?threads=off"]
    );
    assert!(thread_rows(&off).iter().all(|r| r.1 == 0));
    assert_eq!(off.texts("td.subject a")[0], "Re: Поездка в Казань");
}

#[tokio::test]
async fn without_thread_on_the_server_replies_group_on_the_page() {
    let app = spawn_basic_app().await;
    app.sign_in(User::Threads).await;

    let page = app.get("/mail/INBOX?threads=on").await;
    let rows = thread_rows(&page);

    assert_eq!(rows.len(), 14);
    assert_eq!(
        conversation(&rows, "Release plan"),
        vec![
            ("Release plan".into(), 0),
            ("Re: Release plan".into(), 1),
            ("Re: Re: Release plan".into(), 2),
            ("Re: Release plan".into(), 3),
            ("RE: Release plan".into(), 1),
        ]
    );
    assert_eq!(conversation(&rows, "Lunch on Friday?").len(), 3);
    assert_eq!(
        rows[0].0, "Поездка в Казань",
        "the conversation with the newest message comes first"
    );
    assert_eq!(
        page.texts(".note").len(),
        1,
        "the page says grouping is per page"
    );
}

#[tokio::test]
async fn a_search_shows_its_conversations() {
    let app = spawn_app().await;
    app.sign_in(User::Threads).await;

    let page = app.get("/mail/INBOX?subject=plan&threads=on").await;

    assert_eq!(thread_rows(&page).len(), 5);
    assert_eq!(page.texts(".found"), vec!["5 messages found"]);
}
