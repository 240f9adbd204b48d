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
//! | list middle page   | GET /mail/INBOX?page=100              | SELECT INBOX + FETCH 5001:5050               |
//! | open plain message | GET /mail/INBOX/{uid} of the newest   | UID FETCH structure+header, UID FETCH text   |
//!
//! List fetches ask for `(UID FLAGS ENVELOPE INTERNALDATE RFC822.SIZE BODYSTRUCTURE)`, as Posta
//! does. Untimed around sign-in: each Posta session is signed out (POST /logout) and each floor
//! connection logged out, so IMAP connections never pile up against Dovecot's per-user limit.
//! Everything runs in one process on one tokio runtime: the client's own work (reqwest,
//! async-imap's parser) sits inside both columns, and no real network is involved.

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use async_imap::Session;
use async_imap::types::{Fetch, Flag};
use async_native_tls::{TlsConnector, TlsStream};
use futures::TryStreamExt;
use posta::app::Application;
use posta::config::Config;
use posta::upstream::{Protocol, Upstream};
use reqwest::StatusCode;
use tokio::net::TcpStream;

/// Timed iterations per scenario unless `BENCH_ITERS` says otherwise.
const DEFAULT_ITERS: usize = 200;
/// Untimed iterations before each scenario: connections, caches and allocators settle.
const WARMUP: usize = 5;
/// The list fetches exactly what Posta's message list fetches.
const LIST_ITEMS: &str = "(UID FLAGS ENVELOPE INTERNALDATE RFC822.SIZE BODYSTRUCTURE)";
/// Messages per list page, as Posta shows them.
const PAGE_SIZE: u32 = 50;
/// The page the "middle page" scenario asks Posta for.
const MIDDLE_PAGE: u32 = 100;
/// Subject of the newest message in the seeded 10,000-message INBOX.
const NEWEST_SUBJECT: &str = "Привет из UTF-8";

type ImapSession = Session<TlsStream<TcpStream>>;

#[tokio::main]
async fn main() -> Result<()> {
    let stack = Stack::start()?;
    let iters = iterations()?;
    print_header(iters, &stack);

    let base = spawn_posta(&stack).await?;
    let floor = Floor::new(&stack).await?;
    let mut imap = floor.log_in().await?;
    let browser = Browser::new(&base)?;
    browser.sign_in(&stack.user).await?;
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
    let rows = [
        Row::measure(
            "sign-in",
            iters,
            async || posta_sign_in(&base, &stack.user).await,
            async || floor.sign_in().await,
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
    print_table(&rows);

    println!();
    println!("process RSS after:  {}", rss());
    restore_unseen(&mut imap, uid, was_seen).await?;
    browser.sign_out().await?;
    imap.logout()
        .await
        .context("logging out of the floor session")?;
    Ok(())
}

// ------------------------------------------------------------------------------ the mail stack

/// The running mail stack, as `scripts/mailstack start` describes it in `stack.env`.
struct Stack {
    imaps: Upstream,
    ca: PathBuf,
    user: Credentials,
}

#[derive(Clone)]
struct Credentials {
    email: String,
    password: String,
}

impl Stack {
    /// Starts the stack (quick when it already runs) and reads its environment file.
    fn start() -> Result<Stack> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let output = Command::new(root.join("scripts/mailstack"))
            .arg("start")
            .output()
            .context("running scripts/mailstack start")?;
        ensure!(
            output.status.success(),
            "scripts/mailstack start failed:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        let dir = std::env::var_os("POSTA_STACK_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("target/mailstack"));
        let path = dir.join("stack.env");
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        let get = |key: &str| {
            text.lines()
                .filter_map(|l| l.split_once('='))
                .find(|(k, _)| k.trim() == key)
                .map(|(_, v)| v.trim().trim_matches('"').to_owned())
                .with_context(|| format!("{key} missing from {}", path.display()))
        };
        Ok(Stack {
            imaps: Upstream::parse(&get("POSTA_TEST_IMAPS")?, Protocol::Imap)?,
            ca: PathBuf::from(get("POSTA_TEST_CA")?),
            user: Credentials {
                email: get("POSTA_TEST_BIG_USER")?,
                password: get("POSTA_TEST_BIG_PASSWORD")?,
            },
        })
    }
}

/// Starts Posta in this process with the stack's IMAPS server as its only upstream.
async fn spawn_posta(stack: &Stack) -> Result<String> {
    let mut config = Config::defaults();
    config.listen = "127.0.0.1:0".parse()?;
    config.imap = Some(stack.imaps.clone());
    config.tls_ca = Some(stack.ca.clone());
    let app = Application::build(config).await?;
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    Ok(base)
}

// ------------------------------------------------------------------------------ Posta's side

/// A browser-like HTTP client: keeps cookies, does not follow redirects.
struct Browser {
    client: reqwest::Client,
    base: String,
}

impl Browser {
    fn new(base: &str) -> Result<Browser> {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Browser {
            client,
            base: base.to_owned(),
        })
    }

    /// Reads a page whole; anything but 200 is an error.
    async fn get(&self, path: &str) -> Result<String> {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await?;
        ensure!(
            response.status() == StatusCode::OK,
            "GET {path}: {}",
            response.status()
        );
        Ok(response.text().await?)
    }

    /// Posts a form and expects a 303 to `to`.
    async fn post(&self, path: &str, form: &[(&str, &str)], to: &str) -> Result<()> {
        let url = format!("{}{path}", self.base);
        let response = self.client.post(url).form(form).send().await?;
        let location = response.headers().get("location").cloned();
        ensure!(
            response.status() == StatusCode::SEE_OTHER
                && location
                    .as_ref()
                    .is_some_and(|l| l.as_bytes().starts_with(to.as_bytes())),
            "POST {path}: {} to {location:?}, expected a 303 to {to}",
            response.status()
        );
        response.bytes().await?;
        Ok(())
    }

    /// The sign-in form, filled in and submitted with its CSRF token.
    async fn sign_in(&self, user: &Credentials) -> Result<()> {
        let form = self.get("/login").await?;
        let csrf = hidden_value(&form, "csrf").context("the sign-in form has no CSRF token")?;
        let fields = [
            ("csrf", csrf),
            ("email", user.email.as_str()),
            ("password", user.password.as_str()),
        ];
        self.post("/login", &fields, "/mail/INBOX").await
    }

    /// Signs out with the CSRF token of a signed-in page, ending the IMAP connection.
    async fn sign_out(&self) -> Result<()> {
        let page = self.get("/mail/INBOX").await?;
        let csrf = hidden_value(&page, "csrf").context("the page has no CSRF token")?;
        self.post("/logout", &[("csrf", csrf)], "/login").await
    }
}

/// One sign-in by a new browser, timed from opening the form to the redirect.
async fn posta_sign_in(base: &str, user: &Credentials) -> Result<Duration> {
    let browser = Browser::new(base)?;
    let (took, ()) = timed(browser.sign_in(user)).await?;
    browser.sign_out().await?;
    Ok(took)
}

/// One page view by a signed-in browser.
async fn posta_page(browser: &Browser, path: &str) -> Result<Duration> {
    let (took, _) = timed(browser.get(path)).await?;
    Ok(took)
}

/// The link and UID of the first row of page 1, checked to be the seeded newest message.
async fn newest_message(browser: &Browser) -> Result<(String, u32)> {
    let page = browser.get("/mail/INBOX").await?;
    let (href, subject) = first_subject_link(&page).context("page 1 shows no messages")?;
    if subject != NEWEST_SUBJECT {
        println!("note: the newest message is {subject:?}, not {NEWEST_SUBJECT:?}");
    }
    let uid = href
        .rsplit('/')
        .next()
        .and_then(|u| u.parse().ok())
        .with_context(|| format!("no UID in {href}"))?;
    Ok((href.to_owned(), uid))
}

/// The `value` of `<input type="hidden" name="{name}" value="…">`.
fn hidden_value<'h>(html: &'h str, name: &str) -> Option<&'h str> {
    let start = html.find(&format!("name=\"{name}\" value=\""))? + name.len() + 15;
    let len = html[start..].find('"')?;
    Some(&html[start..start + len])
}

/// `(href, text)` of the first subject link in a message list.
fn first_subject_link(html: &str) -> Option<(&str, &str)> {
    let marker = "<td class=\"subject\"><a href=\"";
    let rest = &html[html.find(marker)? + marker.len()..];
    let (href, rest) = rest.split_once("\">")?;
    let (text, _) = rest.split_once("</a>")?;
    Some((href, text))
}

// ------------------------------------------------------------------------------ the floor

/// Direct IMAP access with Posta's libraries, resolved and configured once.
struct Floor {
    /// The server's address, resolved before timing (Posta resolves on every connect).
    addr: SocketAddr,
    host: String,
    tls: TlsConnector,
    user: Credentials,
}

impl Floor {
    async fn new(stack: &Stack) -> Result<Floor> {
        let pem =
            std::fs::read(&stack.ca).with_context(|| format!("reading {}", stack.ca.display()))?;
        let ca = native_tls::Certificate::from_pem(&pem)?;
        let authority = stack.imaps.authority();
        let mut last = None;
        for addr in tokio::net::lookup_host(&authority).await? {
            match TcpStream::connect(addr).await {
                Ok(_) => {
                    return Ok(Floor {
                        addr,
                        host: stack.imaps.host.clone(),
                        tls: TlsConnector::new().add_root_certificate(ca),
                        user: stack.user.clone(),
                    });
                }
                Err(e) => last = Some(e),
            }
        }
        bail!("{authority} does not answer: {last:?}")
    }

    /// TCP connect, TLS handshake, greeting, LOGIN: what any new IMAP session costs.
    async fn log_in(&self) -> Result<ImapSession> {
        let tcp = TcpStream::connect(self.addr).await?;
        tcp.set_nodelay(true)?;
        let tls = self.tls.connect(self.host.as_str(), tcp).await?;
        let mut client = async_imap::Client::new(tls);
        client
            .read_response()
            .await?
            .context("connection closed before the greeting")?;
        client
            .login(&self.user.email, &self.user.password)
            .await
            .map_err(|(e, _)| e)
            .context("IMAP LOGIN")
    }

    /// One timed connection, logged out afterwards (untimed).
    async fn sign_in(&self) -> Result<Duration> {
        let (took, mut session) = timed(self.log_in()).await?;
        session.logout().await?;
        Ok(took)
    }
}

/// SELECTs the INBOX and returns how many messages it holds.
async fn select_inbox(imap: &mut ImapSession) -> Result<u32> {
    Ok(imap.select("INBOX").await?.exists)
}

/// SELECT + one page of list items, `skip` messages back from the newest.
async fn floor_page(imap: &mut ImapSession, skip: u32) -> Result<Duration> {
    let (took, count) = timed(async {
        let total = select_inbox(imap).await?;
        let high = total
            .checked_sub(skip)
            .filter(|&h| h > 0)
            .context("page beyond the mailbox")?;
        let low = high.saturating_sub(PAGE_SIZE - 1).max(1);
        let fetches: Vec<Fetch> = imap
            .fetch(format!("{low}:{high}"), LIST_ITEMS)
            .await?
            .try_collect()
            .await?;
        Ok(fetches.len())
    })
    .await?;
    ensure!(
        count == PAGE_SIZE as usize,
        "the page fetched {count} messages"
    );
    Ok(took)
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

async fn is_seen(imap: &mut ImapSession, uid: u32) -> Result<bool> {
    let fetches: Vec<Fetch> = imap
        .uid_fetch(uid.to_string(), "(UID FLAGS)")
        .await?
        .try_collect()
        .await?;
    Ok(fetches
        .iter()
        .any(|f| f.flags().any(|flag| flag == Flag::Seen)))
}

/// Opening a message marks it read; put it back if it was unread, so the seed stays as found.
async fn restore_unseen(imap: &mut ImapSession, uid: u32, was_seen: bool) -> Result<()> {
    if !was_seen {
        imap.uid_store(uid.to_string(), "-FLAGS.SILENT (\\Seen)")
            .await?
            .try_collect::<Vec<_>>()
            .await?;
    }
    Ok(())
}

// ------------------------------------------------------------------------------ measuring

/// Runs `work` and returns how long it took, with its result.
async fn timed<T>(work: impl Future<Output = Result<T>>) -> Result<(Duration, T)> {
    let start = Instant::now();
    let value = work.await?;
    Ok((start.elapsed(), value))
}

/// One scenario's timings, Posta and floor.
struct Row {
    name: &'static str,
    posta: Samples,
    floor: Samples,
}

impl Row {
    /// Warms up, then alternates one Posta and one floor iteration `iters` times. Each step
    /// returns its own timed duration (it may do untimed work around it).
    async fn measure(
        name: &'static str,
        iters: usize,
        mut posta: impl AsyncFnMut() -> Result<Duration>,
        mut floor: impl AsyncFnMut() -> Result<Duration>,
    ) -> Result<Row> {
        for _ in 0..WARMUP {
            posta()
                .await
                .with_context(|| format!("{name}: Posta (warm-up)"))?;
            floor()
                .await
                .with_context(|| format!("{name}: floor (warm-up)"))?;
        }
        let (mut p, mut f) = (Vec::with_capacity(iters), Vec::with_capacity(iters));
        for _ in 0..iters {
            p.push(posta().await.with_context(|| format!("{name}: Posta"))?);
            f.push(floor().await.with_context(|| format!("{name}: floor"))?);
        }
        Ok(Row {
            name,
            posta: Samples::new(p),
            floor: Samples::new(f),
        })
    }
}

/// Durations, sorted, read as percentiles.
struct Samples(Vec<Duration>);

impl Samples {
    fn new(mut durations: Vec<Duration>) -> Samples {
        durations.sort_unstable();
        Samples(durations)
    }

    /// Nearest-rank percentile in milliseconds; `p` in 0..=1.
    fn ms(&self, p: f64) -> f64 {
        let rank = ((p * self.0.len() as f64).ceil() as usize).clamp(1, self.0.len());
        self.0[rank - 1].as_secs_f64() * 1e3
    }
}

// ------------------------------------------------------------------------------ reporting

fn iterations() -> Result<usize> {
    match std::env::var("BENCH_ITERS") {
        Ok(v) => v
            .trim()
            .parse()
            .ok()
            .filter(|&n| n > 0)
            .with_context(|| format!("BENCH_ITERS={v:?} is not a positive number")),
        Err(_) => Ok(DEFAULT_ITERS),
    }
}

fn print_header(iters: usize, stack: &Stack) {
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "Posta page benchmark, {}",
        chrono::Utc::now().format("%Y-%m-%d %H:%M UTC")
    );
    println!(
        "profile: {profile}, {iters} iterations per scenario (+{WARMUP} warm-up), {cores} cores"
    );
    println!(
        "upstream: imaps://{} as {}; times in ms",
        stack.imaps.authority(),
        stack.user.email
    );
}

fn print_table(rows: &[Row]) {
    println!(
        "{:<20} {:>9} {:>7}   {:>9} {:>7}   {:>10}",
        "scenario", "posta p50", "p90", "floor p50", "p90", "ratio(p50)"
    );
    for row in rows {
        let (posta, floor) = (row.posta.ms(0.5), row.floor.ms(0.5));
        println!(
            "{:<20} {:>9.2} {:>7.2}   {:>9.2} {:>7.2}   {:>9.2}x",
            row.name,
            posta,
            row.posta.ms(0.9),
            floor,
            row.floor.ms(0.9),
            posta / floor
        );
    }
}

/// This process's resident memory (Posta runs inside it), from `/proc/self/status`.
fn rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .map(|v| v.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".to_owned())
}
