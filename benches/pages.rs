//! How close Posta stays to the IMAP server's own speed, page by page.
//!
//! Run with `cargo bench --bench pages` (release build). It starts the loopback mail stack with
//! `scripts/mailstack start`, as the tests do, then Posta in this process on 127.0.0.1:0 with
//! the stack's IMAPS server as its fixed upstream. `BENCH_ITERS=N` sets the timed iterations
//! per scenario (default 200); a few warm-up iterations come first and are not counted.
//!
//! Each scenario is timed twice, alternating iteration by iteration so that drift on the
//! machine hits both alike:
//! - **Posta**: what a browser waits for. An HTTP request on a kept-alive connection, until the
//!   whole body has been read: session lookup, the IMAP commands, parsing, templates.
//! - **floor**: the IMAP commands that page cannot do without, sent directly with the same
//!   libraries Posta uses (async-imap over async-native-tls, same CA, same server, same user),
//!   with nothing on top. Posta cannot answer faster than its own upstream work, so the floor
//!   is a lower bound and `ratio` is what the gateway adds (HTTP, sessions, the folder sidebar,
//!   decoding and rendering).
//!
//! | scenario           | Posta                                 | floor                                        |
//! |--------------------|---------------------------------------|----------------------------------------------|
//! | sign-in            | GET /login, POST /login until the 303 | TCP + TLS + greeting + LOGIN                 |
//! | list page 1        | GET /mail/INBOX                       | SELECT INBOX + FETCH of the newest 50        |
//! | list page 1 (sync) | GET /mail/INBOX                       | NOOP + FETCH of the newest 50, one connection|
//! | list middle page   | GET /mail/INBOX?page=100              | SELECT INBOX + FETCH 5001:5050               |
//! | open plain message | GET /mail/INBOX/{uid} of the newest   | UID FETCH structure+header, UID FETCH text   |
//! | page 1, new mail   | GET of a 10,000-message folder        | NOOP + FETCH of the newest 50                |
//!
//! The SELECT floor is what a client that re-selects for every page pays; the NOOP floor is
//! what one that keeps its folder selected and asks what changed pays (desktop clients,
//! and Posta). "page 1, new mail": before every timed step, untimed, another client APPENDs a
//! message to the folder, so each page is the first after new mail: the case in which a
//! re-SELECT makes Dovecot re-read the whole folder. That folder is carol's `Bench 10k`
//! (filled once to 10,000 messages by APPEND, its appended messages expunged at the end),
//! never alice's, whose mail the other scenarios only read.
//!
//! List fetches ask for `(UID FLAGS ENVELOPE INTERNALDATE RFC822.SIZE BODYSTRUCTURE)`, as Posta
//! does. Untimed around sign-in: each Posta session is signed out (POST /logout) and each floor
//! connection logged out, so IMAP connections never pile up against Dovecot's per-user limit.
//! Everything runs in one process on one tokio runtime: the client's own work (reqwest,
//! async-imap's parser) sits inside both columns, and no real network is involved.

mod harness;

use std::time::Duration;

use anyhow::{Context, Result, ensure};
use async_imap::types::Fetch;
use futures::TryStreamExt;
use tokio::sync::Mutex;

use harness::{
    Browser, Credentials, DEFAULT_ITERS, Floor, ImapSession, Row, Stack, is_seen, iterations,
    posta_page, print_header, print_table, restore_unseen, rss, select_inbox, subject_links, timed,
    uid_of, unsolicited_exists,
};
/// The list fetches exactly what Posta's message list fetches.
const LIST_ITEMS: &str = "(UID FLAGS ENVELOPE INTERNALDATE RFC822.SIZE BODYSTRUCTURE)";
/// Messages per list page, as Posta shows them.
const PAGE_SIZE: u32 = 50;
/// The page the "middle page" scenario asks Posta for.
const MIDDLE_PAGE: u32 = 100;
/// Subject of the newest message in the seeded 10,000-message INBOX.
const NEWEST_SUBJECT: &str = "Привет из UTF-8";
/// The folder new mail arrives in, in the account of [`Stack::writable_user`].
const NEW_MAIL_FOLDER: &str = "Bench 10k";
/// Messages it holds before the run.
const NEW_MAIL_SIZE: u32 = 10_000;

#[tokio::main]
async fn main() -> Result<()> {
    let stack = Stack::start()?;
    let user = stack.big_inbox_user.clone();
    let iters = iterations(DEFAULT_ITERS)?;
    print_header("page", iters, &stack, &user);

    let base = harness::spawn_posta(&stack).await?;
    let floor = Floor::new(&stack, &user).await?;
    let mut imap = floor.log_in().await?;
    let browser = Browser::new(&base)?;
    browser.sign_in(&user).await?;
    let total = select_inbox(&mut imap).await?;
    if total != 10_000 {
        println!("note: the INBOX holds {total} messages, not the seeded 10000");
    }
    let (href, uid) = newest_message(&browser).await?;
    let was_seen = is_seen(&mut imap, uid).await?;
    println!("process RSS before: {}", rss());
    println!();

    let middle = format!("/mail/INBOX?page={MIDDLE_PAGE}");
    let skip = (MIDDLE_PAGE - 1) * PAGE_SIZE;
    let mut exists = total;
    let mut rows = vec![
        Row::measure(
            "sign-in",
            iters,
            async || posta_sign_in(&base, &user).await,
            async || floor_sign_in(&floor).await,
        )
        .await?,
        Row::measure(
            "list page 1",
            iters,
            async || posta_page(&browser, "/mail/INBOX").await,
            async || floor_page(&mut imap, 0).await,
        )
        .await?,
        Row::measure(
            "list page 1 (sync)",
            iters,
            async || posta_page(&browser, "/mail/INBOX").await,
            async || floor_noop_page(&mut imap, &mut exists).await,
        )
        .await?,
        Row::measure(
            "list middle page",
            iters,
            async || posta_page(&browser, &middle).await,
            async || floor_page(&mut imap, skip).await,
        )
        .await?,
        Row::measure(
            "open plain message",
            iters,
            async || posta_page(&browser, &href).await,
            async || floor_open(&mut imap, uid).await,
        )
        .await?,
    ];
    restore_unseen(&mut imap, uid, was_seen).await?;
    browser.sign_out().await?;
    imap.logout()
        .await
        .context("logging out of the floor session")?;

    rows.push(new_mail_row(&stack, &base, iters).await?);
    print_table(&rows);

    println!();
    println!("process RSS after:  {}", rss());
    Ok(())
}

/// Page 1 of a 10,000-message folder right after new mail, Posta against NOOP + FETCH.
async fn new_mail_row(stack: &Stack, base: &str, iters: usize) -> Result<Row> {
    let user = stack.writable_user.clone();
    let floor = Floor::new(stack, &user).await?;
    let mut sender = floor.log_in().await?;
    let first_new = harness::fill_folder(&mut sender, NEW_MAIL_FOLDER, NEW_MAIL_SIZE).await?;
    // Another client, shared by both sides: the n-th message it delivers is numbered n.
    let sender = Mutex::new((sender, 0));
    let arrive = async || -> Result<()> {
        let mut guard = sender.lock().await;
        let (client, arrivals) = &mut *guard;
        *arrivals += 1;
        harness::append_one(client, NEW_MAIL_FOLDER, *arrivals).await
    };
    let mut imap = floor.log_in().await?;
    let mut exists = imap.select(NEW_MAIL_FOLDER).await?.exists;
    let browser = Browser::new(base)?;
    browser.sign_in(&user).await?;
    let path = format!("/mail/{}", NEW_MAIL_FOLDER.replace(' ', "%20"));
    let row = Row::measure(
        "page 1, new mail",
        iters,
        async || {
            arrive().await?;
            posta_page(&browser, &path).await
        },
        async || {
            arrive().await?;
            floor_noop_page(&mut imap, &mut exists).await
        },
    )
    .await?;
    browser.sign_out().await?;
    imap.logout().await?;
    let (mut sender, _) = sender.into_inner();
    harness::expunge_from(&mut sender, NEW_MAIL_FOLDER, first_new).await?;
    sender.logout().await?;
    Ok(row)
}

// ------------------------------------------------------------------------------ scenarios

/// One sign-in by a new browser, timed from opening the form to the redirect.
async fn posta_sign_in(base: &str, user: &Credentials) -> Result<Duration> {
    let browser = Browser::new(base)?;
    let (took, ()) = timed(browser.sign_in(user)).await?;
    browser.sign_out().await?;
    Ok(took)
}

/// The link and UID of the first row of page 1, checked to be the seeded newest message.
async fn newest_message(browser: &Browser) -> Result<(String, u32)> {
    let page = browser.get("/mail/INBOX").await?;
    let (href, subject) = subject_links(&page)
        .next()
        .context("page 1 shows no messages")?;
    if subject != NEWEST_SUBJECT {
        println!("note: the newest message is {subject:?}, not {NEWEST_SUBJECT:?}");
    }
    Ok((href.to_owned(), uid_of(href)?))
}

/// One timed connection, logged out afterwards (untimed).
async fn floor_sign_in(floor: &Floor) -> Result<Duration> {
    let (took, mut session) = timed(floor.log_in()).await?;
    session.logout().await?;
    Ok(took)
}

/// SELECT + one page of list items, `skip` messages back from the newest.
async fn floor_page(imap: &mut ImapSession, skip: u32) -> Result<Duration> {
    timed_page(async {
        let total = select_inbox(imap).await?;
        let high = total
            .checked_sub(skip)
            .filter(|&h| h > 0)
            .context("page beyond the mailbox")?;
        fetch_page(imap, high).await
    })
    .await
}

/// NOOP (applying the EXISTS it reports to `exists`) + the newest page of list items, on a
/// connection that keeps its folder selected.
async fn floor_noop_page(imap: &mut ImapSession, exists: &mut u32) -> Result<Duration> {
    timed_page(async {
        imap.noop().await?;
        if let Some(n) = unsolicited_exists(imap) {
            *exists = n;
        }
        fetch_page(imap, *exists).await
    })
    .await
}

/// Times `page`, which must fetch a whole page.
async fn timed_page(page: impl Future<Output = Result<usize>>) -> Result<Duration> {
    let (took, count) = timed(page).await?;
    ensure!(
        count == PAGE_SIZE as usize,
        "the page fetched {count} messages"
    );
    Ok(took)
}

/// The list items of the page whose newest message is `high`; how many came.
async fn fetch_page(imap: &mut ImapSession, high: u32) -> Result<usize> {
    let low = high.saturating_sub(PAGE_SIZE - 1).max(1);
    let fetches: Vec<Fetch> = imap
        .fetch(format!("{low}:{high}"), LIST_ITEMS)
        .await?
        .try_collect()
        .await?;
    Ok(fetches.len())
}

/// Structure and header, then the text, of a single-part message in the selected mailbox.
async fn floor_open(imap: &mut ImapSession, uid: u32) -> Result<Duration> {
    let (took, text) = timed(async {
        let head: Vec<Fetch> = imap
            .uid_fetch(
                uid.to_string(),
                "(UID FLAGS BODYSTRUCTURE BODY.PEEK[HEADER])",
            )
            .await?
            .try_collect()
            .await?;
        ensure!(
            head.iter().any(|f| f.header().is_some()),
            "no header for UID {uid}"
        );
        let body: Vec<Fetch> = imap
            .uid_fetch(uid.to_string(), "(UID BODY.PEEK[TEXT])")
            .await?
            .try_collect()
            .await?;
        Ok(body
            .iter()
            .filter_map(Fetch::text)
            .map(<[u8]>::len)
            .sum::<usize>())
    })
    .await?;
    ensure!(text > 0, "no text for UID {uid}");
    Ok(took)
}
