//! How close organising mail through Posta stays to the IMAP server's own speed: searching,
//! sorting and moving many messages at once.
//!
//! Run with `cargo bench --bench organise`. Like `pages`, it starts the loopback mail stack
//! and Posta in this process, and times each scenario against its floor (the same IMAP
//! commands sent directly on one kept connection with Posta's libraries), alternating the two.
//! `BENCH_ITERS=N` sets the iterations (default 50).
//!
//! | scenario            | Posta                                       | floor                                                  |
//! |---------------------|---------------------------------------------|--------------------------------------------------------|
//! | search by subject   | GET /mail/INBOX?subject=Message+099         | SELECT, UID SEARCH RETURN (ALL COUNT) SUBJECT, UID FETCH the newest 50 |
//! | sort by from        | GET /mail/INBOX?sort=from-asc               | SELECT, UID SORT (FROM) UTF-8 ALL, UID FETCH the first 50 |
//! | bulk-move 500       | POST 500 `uid`s to /mail/INBOX/actions (move to Archive), then POST `all=1` from Archive back | SELECT, UID MOVE 500 to Archive, SELECT Archive, UID MOVE 1:* to INBOX |
//!
//! Search and sort run on alice's 10,000-message INBOX (only read), each in its own signed-in
//! browser session so the sort chosen in one (remembered for the session) does not order the
//! other. Both list fetches ask for what the list shows, as in `pages`. The bulk move runs on
//! heavy04's 600-message INBOX and leaves it as it found it (same messages, new UIDs); the
//! UIDs to move are looked up untimed before each iteration, as a person's page holds them.

mod harness;

use std::time::Duration;

use anyhow::{Context, Result, ensure};
use async_imap::imap_proto::rfc4731::SearchReturnData;
use async_imap::imap_proto::{MailboxDatum, Response};
use async_imap::types::Fetch;
use futures::TryStreamExt;

use harness::{
    Browser, Credentials, Floor, ImapSession, Row, Stack, hidden_value, iterations, posta_page,
    print_header, print_table, rss, select_inbox, timed,
};

const DEFAULT_ITERS: usize = 50;
/// What the list fetches, as Posta's message list does.
const LIST_ITEMS: &str = "(UID FLAGS ENVELOPE INTERNALDATE RFC822.SIZE BODYSTRUCTURE)";
/// Subjects "Message 00990".."00999" and "Message 09900".."09999": 110 of 10,000.
const SUBJECT: &str = "Message 099";
const SEARCH_PATH: &str = "/mail/INBOX?subject=Message+099";
const SORT_PATH: &str = "/mail/INBOX?sort=from-asc";
const MOVED: usize = 500;

#[tokio::main]
async fn main() -> Result<()> {
    let stack = Stack::start()?;
    let alice = stack.big_inbox_user.clone();
    let heavy = Credentials::new("heavy04@posta.test", "pass-heavy04");
    let iters = iterations(DEFAULT_ITERS)?;
    print_header("organise", iters, &stack, &alice);
    println!("(bulk-move as {})", heavy.email);

    let base = harness::spawn_posta(&stack).await?;
    let floor = Floor::new(&stack, &alice).await?;
    let mut imap = floor.log_in().await?;
    let total = select_inbox(&mut imap).await?;
    if total != 10_000 {
        println!("note: the INBOX holds {total} messages, not the seeded 10000");
    }
    let searcher = Browser::new(&base)?;
    searcher.sign_in(&alice).await?;
    let sorter = Browser::new(&base)?;
    sorter.sign_in(&alice).await?;

    let heavy_floor = Floor::new(&stack, &heavy).await?;
    let mut heavy_imap = heavy_floor.log_in().await?;
    // A second connection only looks up the UIDs to tick before each Posta move (untimed).
    let mut lookup = heavy_floor.log_in().await?;
    let mover = Browser::new(&base)?;
    mover.sign_in(&heavy).await?;
    let csrf = {
        let page = mover.get("/mail/INBOX").await?;
        hidden_value(&page, "csrf")
            .context("the list has no CSRF token")?
            .to_owned()
    };
    println!("process RSS before: {}", rss());
    println!();

    let rows = [
        Row::measure(
            "search by subject",
            iters,
            async || posta_page(&searcher, SEARCH_PATH).await,
            async || floor_search(&mut imap).await,
        )
        .await?,
        Row::measure(
            "sort by from",
            iters,
            async || posta_page(&sorter, SORT_PATH).await,
            async || floor_sort(&mut imap).await,
        )
        .await?,
        Row::measure(
            "bulk-move 500 and back",
            iters.div_ceil(5),
            async || posta_move(&mover, &csrf, &mut lookup).await,
            async || floor_move(&mut heavy_imap).await,
        )
        .await?,
    ];
    print_table(&rows);

    println!();
    println!("process RSS after:  {}", rss());
    for browser in [&searcher, &sorter, &mover] {
        browser.sign_out().await?;
    }
    imap.logout().await.context("logging out of the floor")?;
    for session in [&mut heavy_imap, &mut lookup] {
        session
            .logout()
            .await
            .context("logging out of the heavy floor")?;
    }
    Ok(())
}

// ------------------------------------------------------------------------------ the floor

/// Sends `command` and collects the numbers of its SEARCH, SORT or ESEARCH ALL answers.
async fn numbers(imap: &mut ImapSession, command: &str) -> Result<Vec<u32>> {
    let tag = imap.run_command(command).await?;
    let mut found = Vec::new();
    loop {
        let response = imap.read_response().await?.context("connection closed")?;
        match response.parsed() {
            Response::MailboxData(MailboxDatum::Sort(n) | MailboxDatum::Search(n)) => {
                found.extend(n)
            }
            Response::MailboxData(MailboxDatum::ESearch(e)) => {
                for data in &e.data {
                    if let SearchReturnData::All(ranges) = data {
                        found.extend(ranges.iter().flat_map(|r| r.clone()));
                    }
                }
            }
            Response::Done { tag: done, .. } if *done == tag => return Ok(found),
            _ => {}
        }
    }
}

/// `UID FETCH` of the list items of `uids`, all answers read.
async fn fetch_list(imap: &mut ImapSession, uids: &[u32]) -> Result<usize> {
    let set = uids
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let fetches: Vec<Fetch> = imap.uid_fetch(set, LIST_ITEMS).await?.try_collect().await?;
    Ok(fetches.len())
}

async fn floor_search(imap: &mut ImapSession) -> Result<Duration> {
    let (took, shown) = timed(async {
        select_inbox(imap).await?;
        let mut uids = numbers(
            imap,
            &format!("UID SEARCH RETURN (ALL COUNT) SUBJECT \"{SUBJECT}\""),
        )
        .await?;
        uids.reverse();
        uids.truncate(50);
        fetch_list(imap, &uids).await
    })
    .await?;
    ensure!(shown == 50, "the search page showed {shown} messages");
    Ok(took)
}

async fn floor_sort(imap: &mut ImapSession) -> Result<Duration> {
    let (took, shown) = timed(async {
        select_inbox(imap).await?;
        let mut uids = numbers(imap, "UID SORT (FROM) UTF-8 ALL").await?;
        uids.truncate(50);
        fetch_list(imap, &uids).await
    })
    .await?;
    ensure!(shown == 50, "the sorted page showed {shown} messages");
    Ok(took)
}

/// The oldest [`MOVED`] UIDs of the INBOX (untimed: the page a person ticks holds them).
async fn inbox_uids(imap: &mut ImapSession) -> Result<Vec<u32>> {
    select_inbox(imap).await?;
    let mut uids = numbers(imap, "UID SEARCH ALL").await?;
    ensure!(
        uids.len() >= MOVED,
        "the INBOX holds {} messages",
        uids.len()
    );
    uids.truncate(MOVED);
    Ok(uids)
}

async fn floor_move(imap: &mut ImapSession) -> Result<Duration> {
    let uids = inbox_uids(imap).await?;
    let set = uids
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let (took, ()) = timed(async {
        select_inbox(imap).await?;
        imap.uid_mv(&set, "Archive").await?;
        imap.select("Archive").await?;
        imap.uid_mv("1:*", "INBOX").await?;
        Ok(())
    })
    .await?;
    Ok(took)
}

async fn posta_move(browser: &Browser, csrf: &str, imap: &mut ImapSession) -> Result<Duration> {
    let uids: Vec<String> = inbox_uids(imap).await?.iter().map(u32::to_string).collect();
    let mut there = vec![("csrf", csrf), ("action", "move"), ("target", "Archive")];
    there.extend(uids.iter().map(|u| ("uid", u.as_str())));
    let back = [
        ("csrf", csrf),
        ("action", "move"),
        ("target", "INBOX"),
        ("all", "1"),
    ];
    let (took, ()) = timed(async {
        browser
            .post("/mail/INBOX/actions", &there, "/mail/INBOX")
            .await?;
        browser
            .post("/mail/Archive/actions", &back, "/mail/Archive")
            .await
    })
    .await?;
    Ok(took)
}
