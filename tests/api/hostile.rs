//! Hostile input in every route parameter: traversal, odd encodings, IMAP syntax smuggled
//! into folder names, absurd numbers, foreign redirects. Each gets a page in words (never a
//! server error), nothing reaches the IMAP server as a command, and the session goes on.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use futures::TryStreamExt;
use posta::config::Config;
use posta::upstream::{Security, Upstream};
use reqwest::StatusCode;

use crate::helpers::{
    Reply, TestApp, User, new_client, scripted_imap, scripted_imap_floods, spawn_app,
    spawn_app_with,
};
use crate::imap_client::{self, Direct};

async fn folder_count(server: &mut Direct) -> usize {
    let names: Vec<_> = server
        .list(None, Some("*"))
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    names.len()
}

#[tokio::test]
async fn odd_paths_get_a_page_in_words_and_the_session_goes_on() {
    let app = spawn_app().await;
    let user = User::N(3);
    app.sign_in(user).await;
    let mut server = imap_client::connect(user).await;
    let folders_before = folder_count(&mut server).await;
    let inbox = app.get("/mail/INBOX").await;
    let message = inbox.attrs("td.subject a", "href").remove(0);
    let count = imap_client::count(&mut server, "INBOX").await;

    let attempts = [
        // Traversal and encodings in the mailbox name.
        "/mail/..%2F..%2Fetc%2Fpasswd".to_owned(),
        "/mail/%2e%2e".to_owned(),
        "/mail/%00".to_owned(),
        "/mail/%C0%AE%C0%AE".to_owned(),
        "/mail/%FF%FE".to_owned(),
        // IMAP syntax in a folder name: quotes, literals, CRLF, wildcards.
        "/mail/INBOX%22%20DELETE%20INBOX".to_owned(),
        "/mail/INBOX%0D%0AA1%20DELETE%20INBOX".to_owned(),
        "/mail/%7B5%7D%0D%0AINBOX".to_owned(),
        "/mail/a%5C%22b".to_owned(),
        "/mail/*".to_owned(),
        "/mail/%25".to_owned(),
        format!("/mail/{}", "x".repeat(5000)),
        // UIDs that are not UIDs.
        "/mail/INBOX/0".to_owned(),
        "/mail/INBOX/-1".to_owned(),
        "/mail/INBOX/1:*".to_owned(),
        "/mail/INBOX/99999999999999999999".to_owned(),
        "/mail/INBOX/4294967295".to_owned(),
        "/mail/INBOX/1%0D%0AA1%20LOGOUT".to_owned(),
        // Part numbers that are not part numbers.
        format!("{message}/part/..%2F..%2F"),
        format!("{message}/part/0"),
        format!("{message}/part/1.0.1"),
        format!("{message}/part/{}", "1.".repeat(500) + "1"),
        format!("{message}/part/1%5D%20BODY%5B"),
        format!("{message}/part/HEADER"),
        format!("{message}/body?part=1%5D%0D%0AA1%20LOGOUT"),
        format!("{message}/body?part=99"),
        // Pages, sorts, assets and languages that do not exist.
        "/mail/INBOX?page=-5".to_owned(),
        "/mail/INBOX?page=99999999999999999999999".to_owned(),
        "/static/..%2F..%2FCargo.toml".to_owned(),
        "/static/posta-0000000000000000.css".to_owned(),
        "/lang/xx".to_owned(),
        "/lang/..%2F".to_owned(),
    ];
    for path in &attempts {
        let page = app.get(path).await;
        // (A client normalises `%2e%2e` away itself: Posta then sends it home.)
        let home = page.status == StatusCode::SEE_OTHER && page.location().starts_with('/');
        assert!(
            page.status.is_client_error() || page.status == StatusCode::OK || home,
            "{path}: {}",
            page.status
        );
        if page.status.is_client_error() {
            assert!(
                page.body.contains("<html"),
                "{path}: an error page, in words"
            );
        }
        assert!(!page.body.contains("root:"), "{path}");
    }
    // Nothing was deleted, renamed or logged out by any of it.
    assert_eq!(app.get("/mail/INBOX").await.status, StatusCode::OK);
    assert_eq!(imap_client::count(&mut server, "INBOX").await, count);
    assert_eq!(folder_count(&mut server).await, folders_before);
}

#[tokio::test]
async fn sign_in_sends_people_only_to_posta_own_pages() {
    let app = spawn_app().await;
    let user = User::N(3);
    for (next, expected) in [
        ("https://evil.example/", "/mail/INBOX"),
        ("//evil.example/mail", "/mail/INBOX"),
        ("/\\evil.example", "/mail/INBOX"),
        ("javascript:alert(1)", "/mail/INBOX"),
        ("/mail/INBOX?page=2", "/mail/INBOX?page=2"),
    ] {
        // A fresh browser each time, so the sign-in form is there to fill in.
        let app = TestApp {
            address: app.address.clone(),
            client: new_client(),
        };
        let page = app
            .post_login(&[
                ("email", &user.email()),
                ("password", &user.password()),
                ("next", next),
            ])
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{next}");
        assert_eq!(page.location(), expected, "{next}");
    }
}

#[tokio::test]
async fn form_values_with_imap_syntax_are_refused_or_taken_literally() {
    let app = spawn_app().await;
    let user = User::N(3);
    app.sign_in(user).await;
    let mut server = imap_client::connect(user).await;
    let inbox = app.get("/mail/INBOX").await;
    let csrf = inbox.csrf();
    let uid = inbox.attrs("input[name=uid]", "value").remove(0);
    let count = imap_client::count(&mut server, "INBOX").await;
    for (field, value) in [
        ("uid", "1:*"),
        ("uid", "1,2 +FLAGS (\\Deleted)"),
        ("uid", "1\r\nA1 EXPUNGE"),
        ("target", "INBOX\" (\\Deleted)"),
        ("target", "Trash\r\nA1 DELETE INBOX"),
        ("target", "{5}\r\nTrash"),
        ("validity", "1 OR 2"),
    ] {
        let mut form = vec![("csrf", csrf.as_str()), ("action", "move")];
        if field != "uid" {
            form.push(("uid", uid.as_str()));
        }
        form.push((field, value));
        if field != "target" {
            form.push(("target", "Trash"));
        }
        let page = app.post_form("/mail/INBOX/actions", &form).await;
        assert!(
            page.status.is_client_error() || page.status == StatusCode::SEE_OTHER,
            "{field}={value:?}: {}",
            page.status
        );
        if page.status == StatusCode::SEE_OTHER {
            // Accepted only as nothing (a notice), never as syntax.
            assert_eq!(
                imap_client::count(&mut server, "INBOX").await,
                count,
                "{field}={value:?}"
            );
        }
    }
    assert_eq!(imap_client::count(&mut server, "INBOX").await, count);
    assert_eq!(app.get("/mail/INBOX").await.status, StatusCode::OK);
}

/// A server that signs people in and lists the Inbox, then never answers SELECT: a stuck
/// or hostile server. Its port.
async fn server_that_never_answers_select() -> u16 {
    scripted_imap(|tag, verb, _| match verb {
        "CAPABILITY" => Some(format!("* CAPABILITY IMAP4rev1\r\n{tag} OK done\r\n")),
        "LIST" => Some(format!("* LIST () \"/\" INBOX\r\n{tag} OK done\r\n")),
        "STATUS" => Some(format!(
            "* STATUS INBOX (MESSAGES 1 UNSEEN 0)\r\n{tag} OK done\r\n"
        )),
        "SELECT" | "EXAMINE" => None,
        _ => Some(format!("{tag} OK done\r\n")),
    })
    .await
}

#[tokio::test]
async fn a_server_that_stops_answering_gets_an_error_page_within_the_imap_timeout() {
    let port = server_that_never_answers_select().await;
    let mut config = Config::defaults();
    config.listen = "127.0.0.1:0".parse().unwrap();
    config.imap = Some(Upstream::new("127.0.0.1", port, Security::Insecure));
    config.imap_timeout = Duration::from_secs(1);
    let app = spawn_app_with(config).await;
    app.sign_in(User::N(12)).await;

    // Without the timeout this request would never end; the client gives it ten seconds.
    let page = tokio::time::timeout(Duration::from_secs(10), app.get("/mail/INBOX"))
        .await
        .expect("an answer, not a hung request");

    assert_eq!(page.status, StatusCode::BAD_GATEWAY, "{}", page.body);
    assert!(page.body.contains("mail server"), "in words: {}", page.body);
    assert!(!page.body.contains("Timeout("), "no debug text");
    assert_eq!(
        app.get("/settings").await.status,
        StatusCode::OK,
        "the session goes on"
    );
}

/// The answers of a server that behaves until the INBOX's FETCH, for the floods below.
fn until_the_fetch(tag: &str, verb: &str) -> Option<Reply> {
    Some(Reply::Say(match verb {
        "CAPABILITY" => format!("* CAPABILITY IMAP4rev1\r\n{tag} OK done\r\n"),
        "LIST" => format!("* LIST () \"/\" INBOX\r\n{tag} OK done\r\n"),
        "STATUS" => format!("* STATUS INBOX (MESSAGES 3 UNSEEN 0)\r\n{tag} OK done\r\n"),
        "SELECT" | "EXAMINE" => {
            format!("* 3 EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\n{tag} OK [READ-WRITE] done\r\n")
        }
        "FETCH" | "UID" => return None,
        _ => format!("{tag} OK done\r\n"),
    }))
}

/// A server that answers the INBOX's FETCH with `head`, then `len` bytes of `byte` as fast as
/// they are read. Its port.
async fn server_flooding_the_fetch(head: &'static str, byte: u8, len: u64) -> u16 {
    scripted_imap_floods(move |tag, verb, _| {
        until_the_fetch(tag, verb).unwrap_or(Reply::Flood {
            head: head.into(),
            byte,
            len,
        })
    })
    .await
}

/// This test process's resident memory, in MiB (Posta runs in it).
fn rss_mib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kb / 1024
}

/// The most memory this process held while `during` ran (sampled every few milliseconds,
/// since memory freed at the end would not show afterwards), above what it held before.
async fn memory_growth_during<T>(during: impl std::future::Future<Output = T>) -> (T, u64) {
    let before = rss_mib();
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let done = done.clone();
        std::thread::spawn(move || {
            let mut peak = 0;
            while !done.load(Ordering::Relaxed) {
                peak = peak.max(rss_mib());
                std::thread::sleep(Duration::from_millis(2));
            }
            peak.max(rss_mib())
        })
    };
    let outcome = during.await;
    done.store(true, Ordering::Relaxed);
    let peak = sampler.join().unwrap();
    (outcome, peak.saturating_sub(before))
}

/// Four people at once open the INBOX on `port`'s hostile server; while they wait, others
/// are served quickly; each gets a page in words before the IMAP timeout, and Posta's memory
/// stays far below what the server sent or announced.
async fn four_sessions_against(port: u16) {
    let mut config = Config::defaults();
    config.listen = "127.0.0.1:0".parse().unwrap();
    config.imap = Some(Upstream::new("127.0.0.1", port, Security::Insecure));
    let timeout = Duration::from_secs(20);
    config.imap_timeout = timeout;
    let app = spawn_app_with(config).await;
    let mut people = Vec::new();
    for n in 0..4 {
        let person = TestApp {
            address: app.address.clone(),
            client: new_client(),
        };
        person.sign_in(User::N(12 + n)).await;
        people.push(person);
    }
    let started = Instant::now();

    let (pages, growth) = memory_growth_during(async {
        let pages = futures::future::join_all(people.iter().map(|p| p.get("/mail/INBOX")));
        let others = async {
            let mut slowest = Duration::ZERO;
            for _ in 0..20 {
                let asked = Instant::now();
                assert_eq!(app.get("/healthz").await.status, StatusCode::OK);
                slowest = slowest.max(asked.elapsed());
            }
            slowest
        };
        let (pages, slowest) = futures::join!(pages, others);
        assert!(
            slowest < Duration::from_secs(2),
            "others waited {slowest:?} meanwhile"
        );
        pages
    })
    .await;

    assert!(
        started.elapsed() < timeout,
        "ended by the caps, not the timeout"
    );
    for page in &pages {
        assert_eq!(page.status, StatusCode::BAD_GATEWAY, "{}", page.body);
        assert!(
            page.body.contains("sent more than Posta accepts"),
            "in words: {}",
            page.body
        );
        assert!(!page.body.contains("Exceeded"), "no debug text");
    }
    // The attack is 2 GiB announced (or sent); other tests running meanwhile take some too.
    assert!(growth < 200, "memory grew by {growth} MiB");
    assert_eq!(
        people[0].get("/settings").await.status,
        StatusCode::OK,
        "the session goes on"
    );
}

#[tokio::test]
async fn a_server_announcing_a_huge_literal_gets_an_error_page_and_holds_no_memory() {
    let head = "* 3 FETCH (UID 3 FLAGS () BODY[] {524288000}\r\n";
    four_sessions_against(server_flooding_the_fetch(head, b'x', 500 << 20).await).await;
}

#[tokio::test]
async fn a_server_sending_a_line_without_end_gets_an_error_page_and_holds_no_memory() {
    // 600 MiB of a quoted string that does not end, nor does its line.
    let head = "* 3 FETCH (UID 3 ENVELOPE (\"";
    four_sessions_against(server_flooding_the_fetch(head, b'a', 600 << 20).await).await;
}
