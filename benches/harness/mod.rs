//! What Posta's benchmarks share: the loopback mail stack, Posta started in-process, a
//! browser-like HTTP client, the "floor" (the same IMAP commands sent directly with Posta's
//! own libraries on one connection), timing that alternates the two, and the report.

#![allow(dead_code)] // Each bench uses the part of the harness it needs.

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use async_imap::Session;
use async_imap::types::{Fetch, Flag, UnsolicitedResponse};
use async_native_tls::{TlsConnector, TlsStream};
use futures::TryStreamExt;
use posta::app::Application;
use posta::config::Config;
use posta::upstream::{Protocol, Upstream};
use reqwest::StatusCode;
use tokio::net::TcpStream;

/// Timed iterations per scenario unless `BENCH_ITERS` says otherwise.
pub const DEFAULT_ITERS: usize = 200;
/// Untimed iterations before each scenario: connections, caches and allocators settle.
pub const WARMUP: usize = 5;

pub type ImapSession = Session<TlsStream<TcpStream>>;

// ------------------------------------------------------------------------------ the mail stack

/// The running mail stack, as `scripts/mailstack start` describes it in `stack.env`.
pub struct Stack {
    pub imaps: Upstream,
    pub ca: PathBuf,
    /// The 10,000-message user.
    pub big_inbox_user: Credentials,
    /// A user whose mail benches may change: carol, who otherwise only receives mail (tests
    /// find it by subject).
    pub writable_user: Credentials,
}

#[derive(Clone, Debug)]
pub struct Credentials {
    pub email: String,
    pub password: String,
}

impl Credentials {
    pub fn new(email: &str, password: &str) -> Credentials {
        Credentials {
            email: email.to_owned(),
            password: password.to_owned(),
        }
    }
}

impl Stack {
    /// Starts the stack (quick when it already runs) and reads its environment file.
    pub fn start() -> Result<Stack> {
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
            big_inbox_user: Credentials::new(
                &get("POSTA_TEST_BIG_USER")?,
                &get("POSTA_TEST_BIG_PASSWORD")?,
            ),
            writable_user: Credentials::new(
                &format!("carol@{}", get("POSTA_TEST_DOMAIN")?),
                "carol-pass",
            ),
        })
    }
}

/// Starts Posta in this process with the stack's IMAPS server as its only upstream.
pub async fn spawn_posta(stack: &Stack) -> Result<String> {
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
pub struct Browser {
    client: reqwest::Client,
    base: String,
}

impl Browser {
    pub fn new(base: &str) -> Result<Browser> {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Browser {
            client,
            base: base.to_owned(),
        })
    }

    /// GET whose answer must be 200, body not yet read.
    async fn ok(&self, path: &str) -> Result<reqwest::Response> {
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
        Ok(response)
    }

    /// Reads a page whole; anything but 200 is an error.
    pub async fn get(&self, path: &str) -> Result<String> {
        Ok(self.ok(path).await?.text().await?)
    }

    /// Reads a download chunk by chunk as it arrives, keeping nothing; returns its length.
    pub async fn download(&self, path: &str) -> Result<u64> {
        let mut response = self.ok(path).await?;
        let mut total = 0;
        while let Some(chunk) = response.chunk().await? {
            total += chunk.len() as u64;
        }
        Ok(total)
    }

    /// Posts a form and expects a 303 to `to`.
    pub async fn post(&self, path: &str, form: &[(&str, &str)], to: &str) -> Result<()> {
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
    pub async fn sign_in(&self, user: &Credentials) -> Result<()> {
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
    pub async fn sign_out(&self) -> Result<()> {
        let page = self.get("/mail/INBOX").await?;
        let csrf = hidden_value(&page, "csrf").context("the page has no CSRF token")?;
        self.post("/logout", &[("csrf", csrf)], "/login").await
    }

    /// The link of the message with this subject on page 1 of the INBOX, and its UID.
    pub async fn find_message(&self, subject: &str) -> Result<(String, u32)> {
        let page = self.get("/mail/INBOX").await?;
        let href = subject_links(&page)
            .find(|(_, s)| *s == subject)
            .map(|(href, _)| href.to_owned())
            .with_context(|| format!("no message {subject:?} on page 1"))?;
        let uid = uid_of(&href)?;
        Ok((href, uid))
    }
}

/// One page view by a signed-in browser.
pub async fn posta_page(browser: &Browser, path: &str) -> Result<Duration> {
    let (took, _) = timed(browser.get(path)).await?;
    Ok(took)
}

/// The UID at the end of a message link.
pub fn uid_of(href: &str) -> Result<u32> {
    href.rsplit('/')
        .next()
        .and_then(|u| u.parse().ok())
        .with_context(|| format!("no UID in {href}"))
}

/// The `value` of `<input type="hidden" name="{name}" value="…">`.
pub fn hidden_value<'h>(html: &'h str, name: &str) -> Option<&'h str> {
    let start = html.find(&format!("name=\"{name}\" value=\""))? + name.len() + 15;
    let len = html[start..].find('"')?;
    Some(&html[start..start + len])
}

/// `(href, text)` of every subject link in a message list.
pub fn subject_links(html: &str) -> impl Iterator<Item = (&str, &str)> {
    let marker = "<td class=\"subject\"><a href=\"";
    html.split(marker).skip(1).filter_map(|rest| {
        let (href, rest) = rest.split_once("\">")?;
        let (text, _) = rest.split_once("</a>")?;
        Some((href, text))
    })
}

// ------------------------------------------------------------------------------ the floor

/// Direct IMAP access with Posta's libraries, resolved and configured once.
pub struct Floor {
    /// The server's address, resolved before timing (Posta resolves on every connect).
    addr: SocketAddr,
    host: String,
    tls: TlsConnector,
    pub user: Credentials,
}

impl Floor {
    pub async fn new(stack: &Stack, user: &Credentials) -> Result<Floor> {
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
                        user: user.clone(),
                    });
                }
                Err(e) => last = Some(e),
            }
        }
        bail!("{authority} does not answer: {last:?}")
    }

    /// TCP connect, TLS handshake, greeting, LOGIN: what any new IMAP session costs.
    pub async fn log_in(&self) -> Result<ImapSession> {
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
}

/// SELECTs the INBOX and returns how many messages it holds.
pub async fn select_inbox(imap: &mut ImapSession) -> Result<u32> {
    Ok(imap.select("INBOX").await?.exists)
}

/// The last `* n EXISTS` the server sent unprompted since this was last asked.
pub fn unsolicited_exists(imap: &mut ImapSession) -> Option<u32> {
    let mut exists = None;
    while let Ok(response) = imap.unsolicited_responses.try_recv() {
        match response {
            UnsolicitedResponse::Exists(n) => exists = Some(n),
            UnsolicitedResponse::Expunge(_) => exists = exists.map(|n: u32| n - 1),
            _ => {}
        }
    }
    exists
}

/// A small message, as new mail.
fn new_mail(n: u32) -> String {
    format!(
        "From: Bench <bench@example.org>\r\nTo: carol@posta.test\r\n\
         Subject: Bench message {n}\r\nMessage-ID: <bench-{n}@example.org>\r\n\
         Date: Mon, 1 Jan 2024 00:00:00 +0000\r\n\r\nNew mail number {n}.\r\n"
    )
}

/// Another client delivering one message to `folder`.
pub async fn append_one(imap: &mut ImapSession, folder: &str, n: u32) -> Result<()> {
    imap.append(folder, None, None, new_mail(n).as_bytes())
        .await
        .context("APPEND of new mail")
}

/// Creates `folder` if needed and APPENDs until it holds `size` messages (once: later runs
/// find it full). Returns its UIDNEXT after filling: messages from there on are the run's.
pub async fn fill_folder(imap: &mut ImapSession, folder: &str, size: u32) -> Result<u32> {
    let _ = imap.create(folder).await;
    let mailbox = imap.examine(folder).await?;
    if mailbox.exists < size {
        println!("filling {folder} to {size} messages (once)");
        for n in mailbox.exists..size {
            append_one(imap, folder, n).await?;
        }
    }
    let mailbox = imap.examine(folder).await?;
    mailbox
        .uid_next
        .with_context(|| format!("no UIDNEXT for {folder}"))
}

/// Expunges the messages of `folder` from UID `first` on: what the run appended.
pub async fn expunge_from(imap: &mut ImapSession, folder: &str, first: u32) -> Result<()> {
    imap.select(folder).await?;
    let set = format!("{first}:*");
    imap.uid_store(&set, "+FLAGS.SILENT (\\Deleted)")
        .await?
        .try_collect::<Vec<_>>()
        .await?;
    imap.uid_expunge(&set)
        .await?
        .try_collect::<Vec<_>>()
        .await?;
    imap.close().await?;
    Ok(())
}

/// `UID FETCH uid items`, all responses collected.
pub async fn uid_fetch(imap: &mut ImapSession, uid: u32, items: &str) -> Result<Vec<Fetch>> {
    Ok(imap
        .uid_fetch(uid.to_string(), items)
        .await?
        .try_collect()
        .await?)
}

pub async fn is_seen(imap: &mut ImapSession, uid: u32) -> Result<bool> {
    let fetches = uid_fetch(imap, uid, "(UID FLAGS)").await?;
    Ok(fetches
        .iter()
        .any(|f| f.flags().any(|flag| flag == Flag::Seen)))
}

/// Opening a message marks it read; put it back if it was unread, so the seed stays as found.
pub async fn restore_unseen(imap: &mut ImapSession, uid: u32, was_seen: bool) -> Result<()> {
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
pub async fn timed<T>(work: impl Future<Output = Result<T>>) -> Result<(Duration, T)> {
    let start = Instant::now();
    let value = work.await?;
    Ok((start.elapsed(), value))
}

/// One scenario's timings, Posta and floor.
pub struct Row {
    pub name: &'static str,
    pub posta: Samples,
    pub floor: Samples,
}

impl Row {
    /// Warms up, then alternates one Posta and one floor iteration `iters` times. Each step
    /// returns its own timed duration (it may do untimed work around it).
    pub async fn measure(
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
pub struct Samples(Vec<Duration>);

impl Samples {
    pub fn new(mut durations: Vec<Duration>) -> Samples {
        durations.sort_unstable();
        Samples(durations)
    }

    /// Nearest-rank percentile in milliseconds; `p` in 0..=1.
    pub fn ms(&self, p: f64) -> f64 {
        let rank = ((p * self.0.len() as f64).ceil() as usize).clamp(1, self.0.len());
        self.0[rank - 1].as_secs_f64() * 1e3
    }
}

// ------------------------------------------------------------------------------ reporting

pub fn iterations(default: usize) -> Result<usize> {
    match std::env::var("BENCH_ITERS") {
        Ok(v) => v
            .trim()
            .parse()
            .ok()
            .filter(|&n| n > 0)
            .with_context(|| format!("BENCH_ITERS={v:?} is not a positive number")),
        Err(_) => Ok(default),
    }
}

pub fn print_header(title: &str, iters: usize, stack: &Stack, user: &Credentials) {
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "Posta {title} benchmark, {}",
        chrono::Utc::now().format("%Y-%m-%d %H:%M UTC")
    );
    println!(
        "profile: {profile}, {iters} iterations per scenario (+{WARMUP} warm-up), {cores} cores"
    );
    println!(
        "upstream: imaps://{} as {}; times in ms",
        stack.imaps.authority(),
        user.email
    );
}

pub fn print_table(rows: &[Row]) {
    println!(
        "{:<26} {:>9} {:>7}   {:>9} {:>7}   {:>10}",
        "scenario", "posta p50", "p90", "floor p50", "p90", "ratio(p50)"
    );
    for row in rows {
        let (posta, floor) = (row.posta.ms(0.5), row.floor.ms(0.5));
        println!(
            "{:<26} {:>9.2} {:>7.2}   {:>9.2} {:>7.2}   {:>9.2}x",
            row.name,
            posta,
            row.posta.ms(0.9),
            floor,
            row.floor.ms(0.9),
            posta / floor
        );
    }
}

/// A line of this process's `/proc/self/status` (Posta runs inside it), in kB.
pub fn status_kb(field: &str) -> Option<u64> {
    std::fs::read_to_string("/proc/self/status")
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix(field))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

/// Resident memory now, for the report.
pub fn rss() -> String {
    status_kb("VmRSS:").map_or_else(|| "unknown".to_owned(), |kb| format!("{kb} kB"))
}

/// Resets the kernel's peak-RSS mark (VmHWM) to the current RSS, so a later read gives the
/// peak of what ran since.
pub fn reset_peak_rss() -> Result<()> {
    std::fs::write("/proc/self/clear_refs", "5").context("resetting VmHWM via clear_refs")
}
