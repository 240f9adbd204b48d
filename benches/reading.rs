//! How close reading mail through Posta stays to the IMAP server's own speed, and how little
//! memory a 10 MB download takes.
//!
//! Run with `cargo bench --bench reading`. Like `pages`, it starts the loopback mail stack
//! and Posta in this process, and times each scenario against its floor (the same IMAP
//! commands sent directly on one kept connection with Posta's libraries), alternating the two.
//! `BENCH_ITERS=N` sets the iterations (default 50).
//!
//! | scenario                 | Posta                                 | floor                                        |
//! |--------------------------|---------------------------------------|----------------------------------------------|
//! | open plain (first time)  | GET the message page, new session     | UID FETCH structure+header, UID FETCH text   |
//! | open plain (again)       | the same page again, same session     | UID FETCH header+text                        |
//! | open HTML newsletter     | GET page + GET its iframe, new session| UID FETCH structure+header, UID FETCH html   |
//! | open 10 MB message       | GET the message page, new session     | UID FETCH structure+header, UID FETCH text   |
//! | download 10 MB attachment| GET /part/2, read as it streams       | UID FETCH BINARY.PEEK[2], whole, one command |
//!
//! "New session" means each timed view is the first message opened in a freshly signed-in
//! browser session that has just shown the INBOX (sign-in, the INBOX and sign-out untimed):
//! the folder is selected and the folder list known, as when a person clicks a message in
//! the list, but Posta's per-session structure and document caches are empty, as for any
//! message not opened before.
//!
//! Sanitising: a generated 2 MB table newsletter (20,000 rows, remote images, inline styles)
//! through Posta's whole cleaning pass, beside ammonia's default `clean` of the same input —
//! the sanitiser Posta builds on, so the ratio is what Posta's stricter rules, CSS cleaning
//! and counting cost.
//!
//! Memory: before anything large has run in this process, the kernel's peak-RSS mark is
//! reset, one download runs, and the peak above the RSS just before it is printed: what
//! streaming 10 MB costs Posta (plus the client reading it in this same process, which keeps
//! nothing). Measured first, because memory the allocator kept from earlier big buffers
//! would hide growth.

mod harness;

use std::time::Duration;

use anyhow::{Context, Result, ensure};

use harness::{
    Browser, Credentials, Floor, ImapSession, Row, Stack, is_seen, iterations, print_header,
    print_table, reset_peak_rss, restore_unseen, rss, select_inbox, status_kb, timed, uid_fetch,
};

const DEFAULT_ITERS: usize = 50;
const PLAIN_SUBJECT: &str = "Charset windows-1251";
const HTML_SUBJECT: &str = "Newsletter with remote content";
const BIG_SUBJECT: &str = "Big message with 10 MB attachment";
const ATTACHMENT_BYTES: u64 = 10 * 1024 * 1024;

#[tokio::main]
async fn main() -> Result<()> {
    let stack = Stack::start()?;
    let corpus = Credentials::new("corpus@posta.test", "corpus-pass");
    let bigmail = Credentials::new("bigmail@posta.test", "bigmail-pass");
    let iters = iterations(DEFAULT_ITERS)?;
    print_header("reading", iters, &stack, &corpus);
    println!("(the 10 MB scenarios as {})", bigmail.email);

    let base = harness::spawn_posta(&stack).await?;
    let mut corpus_imap = Floor::new(&stack, &corpus).await?.log_in().await?;
    let mut big_imap = Floor::new(&stack, &bigmail).await?.log_in().await?;
    select_inbox(&mut corpus_imap).await?;
    select_inbox(&mut big_imap).await?;

    let reader = Browser::new(&base)?;
    reader.sign_in(&corpus).await?;
    let (plain, plain_uid) = reader.find_message(PLAIN_SUBJECT).await?;
    let (html, html_uid) = reader.find_message(HTML_SUBJECT).await?;
    let downloader = Browser::new(&base)?;
    downloader.sign_in(&bigmail).await?;
    let (big, big_uid) = downloader.find_message(BIG_SUBJECT).await?;
    let attachment = format!("{big}/part/2");
    let seen = [
        (plain_uid, is_seen(&mut corpus_imap, plain_uid).await?),
        (html_uid, is_seen(&mut corpus_imap, html_uid).await?),
    ];
    let big_seen = is_seen(&mut big_imap, big_uid).await?;
    println!("process RSS before: {}", rss());
    let growth = download_memory(&downloader, &attachment).await?;
    println!("peak memory growth during one 10 MB download: {growth} kB");
    println!();

    let rows = [
        Row::measure(
            "open plain (first time)",
            iters,
            async || first_view(&base, &corpus, &[&plain]).await,
            async || floor_open(&mut corpus_imap, plain_uid, "1").await,
        )
        .await?,
        Row::measure(
            "open plain (again)",
            iters,
            async || Ok(timed(reader.get(&plain)).await?.0),
            async || floor_reopen(&mut corpus_imap, plain_uid, "1").await,
        )
        .await?,
        Row::measure(
            "open HTML newsletter",
            iters,
            async || first_view(&base, &corpus, &[&html, &format!("{html}/body?part=2")]).await,
            async || floor_open(&mut corpus_imap, html_uid, "2").await,
        )
        .await?,
        Row::measure(
            "open 10 MB message",
            iters,
            async || first_view(&base, &bigmail, &[&big]).await,
            async || floor_open(&mut big_imap, big_uid, "1").await,
        )
        .await?,
        Row::measure(
            "download 10 MB attachment",
            iters,
            async || posta_download(&downloader, &attachment).await,
            async || floor_download(&mut big_imap, big_uid).await,
        )
        .await?,
    ];
    print_table(&rows);

    let newsletter = generated_newsletter(2 << 20);
    let sanitise = Row::measure(
        "sanitise 2 MB newsletter",
        iters.min(20),
        async || Ok(timed(async { Ok(clean_offline(&newsletter)) }).await?.0),
        async || {
            Ok(timed(async { Ok(ammonia::clean(&newsletter).len()) })
                .await?
                .0)
        },
    )
    .await?;
    println!("{:<26} (floor: ammonia::clean with its defaults)", "");
    print_table(std::slice::from_ref(&sanitise));

    println!();
    println!("process RSS after:  {}", rss());

    for (uid, was_seen) in seen {
        restore_unseen(&mut corpus_imap, uid, was_seen).await?;
    }
    restore_unseen(&mut big_imap, big_uid, big_seen).await?;
    reader.sign_out().await?;
    downloader.sign_out().await?;
    corpus_imap.logout().await?;
    big_imap.logout().await?;
    Ok(())
}

/// Views `paths` in order as the first message a freshly signed-in session opens from the
/// INBOX; only the views are timed.
async fn first_view(base: &str, user: &Credentials, paths: &[&str]) -> Result<Duration> {
    let browser = Browser::new(base)?;
    browser.sign_in(user).await?;
    browser.get("/mail/INBOX").await?;
    let (took, ()) = timed(async {
        for path in paths {
            browser.get(path).await?;
        }
        Ok(())
    })
    .await?;
    browser.sign_out().await?;
    Ok(took)
}

async fn posta_download(browser: &Browser, path: &str) -> Result<Duration> {
    let (took, len) = timed(browser.download(path)).await?;
    ensure!(len == ATTACHMENT_BYTES, "downloaded {len} bytes");
    Ok(took)
}

/// What any client must do to show a message it has not seen: structure and header, then
/// the text part.
async fn floor_open(imap: &mut ImapSession, uid: u32, text: &str) -> Result<Duration> {
    let (took, len) = timed(async {
        let head = uid_fetch(imap, uid, "(UID FLAGS BODYSTRUCTURE BODY.PEEK[HEADER])").await?;
        ensure!(head.iter().any(|f| f.header().is_some()), "no header");
        let body = uid_fetch(imap, uid, &format!("(UID BODY.PEEK[{text}])")).await?;
        Ok(body.len())
    })
    .await?;
    ensure!(len == 1, "no text fetched");
    Ok(took)
}

/// Reopening with the structure known: header and text in one command.
async fn floor_reopen(imap: &mut ImapSession, uid: u32, text: &str) -> Result<Duration> {
    let (took, len) = timed(async {
        let fetched = uid_fetch(
            imap,
            uid,
            &format!("(UID FLAGS BODY.PEEK[HEADER] BODY.PEEK[{text}])"),
        )
        .await?;
        Ok(fetched.len())
    })
    .await?;
    ensure!(len == 1, "nothing fetched");
    Ok(took)
}

/// The whole attachment in one command, decoded by the server (BINARY, which the stack's
/// Dovecot offers): the least any client can do.
async fn floor_download(imap: &mut ImapSession, uid: u32) -> Result<Duration> {
    let (took, len) = timed(async {
        let fetched = uid_fetch(imap, uid, "(UID BINARY.PEEK[2])").await?;
        let part = async_imap::imap_proto::SectionPath::Part(vec![2], None);
        let data = fetched
            .iter()
            .find_map(|f| f.section(&part))
            .context("no part 2")?;
        Ok(data.len() as u64)
    })
    .await?;
    ensure!(len == ATTACHMENT_BYTES, "fetched {len} bytes");
    Ok(took)
}

/// Posta's sanitiser with remote content held back, as a first view does.
fn clean_offline(html: &str) -> usize {
    let policy = posta::message::sanitize::Policy {
        remote: false,
        cid: &|_| None,
    };
    posta::message::sanitize::clean(html, &policy).body.len()
}

/// A table newsletter of about `bytes` bytes: rows of styled cells, links and remote images.
fn generated_newsletter(bytes: usize) -> String {
    let mut html = String::from(
        "<html><head><style>td.c { padding: 4px; color: #333 } .h { font-weight: bold }</style>\
         </head><body><table width=\"600\" cellpadding=\"0\">",
    );
    let mut i = 0;
    while html.len() < bytes {
        html.push_str(&format!(
            "<tr><td class=\"c\" style=\"border-bottom:1px solid #eee; font-size:14px\">\
             <a href=\"https://example.org/item/{i}\">Item {i}</a> <span class=\"h\">news</span>\
             <img src=\"https://cdn.example.org/{i}.png\" width=\"40\" height=\"40\" alt=\"\"></td></tr>"
        ));
        i += 1;
    }
    html.push_str("</table></body></html>");
    html
}

/// Peak RSS growth (kB) over one download, measured by the kernel.
async fn download_memory(browser: &Browser, path: &str) -> Result<u64> {
    reset_peak_rss()?;
    let before = status_kb("VmRSS:").context("reading VmRSS")?;
    let len = browser.download(path).await?;
    ensure!(len == ATTACHMENT_BYTES, "downloaded {len} bytes");
    let peak = status_kb("VmHWM:").context("reading VmHWM")?;
    Ok(peak.saturating_sub(before))
}
