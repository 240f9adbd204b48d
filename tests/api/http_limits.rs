//! Slow and many clients (slowloris), with raw sockets: a request head that never arrives
//! whole is closed after the header-read timeout, however it trickles in; a flood of them
//! neither starves `/healthz` and the pages nor grows Posta's memory; the connection cap
//! holds; a page that is too slow gets an answer in words while a long download is not cut;
//! and SIGTERM still stops Posta with connections open.
//!
//! None of these needs the mail stack: Posta is configured as in `in_process` (a mail server
//! nowhere), or against a scripted IMAP server. The flood and SIGTERM run the `posta` binary,
//! so that its memory and its signals are its own.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use posta::config::Config;
use posta::upstream::{Security, Upstream};
use reqwest::StatusCode;
use reqwest::cookie::{CookieStore, Jar};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{TestApp, User, slow_scripted_imap, spawn_app_with};

/// Posta with no mail server to reach, on a free port, with these bounds on connections.
async fn spawn_bounded(header_read_timeout: Duration, max_connections: u32) -> TestApp {
    let mut config = crate::in_process::config();
    config.listen = "127.0.0.1:0".parse().unwrap();
    config.header_read_timeout = header_read_timeout;
    config.max_connections = max_connections;
    spawn_app_with(config).await
}

/// `host:port` of a spawned Posta, for raw sockets.
fn socket_address(app: &TestApp) -> String {
    app.address.trim_start_matches("http://").to_owned()
}

/// The start of a request whose head never ends: the slowloris's opening.
const HALF_SENT: &[u8] = b"GET /login HTTP/1.1\r\nHost: posta.test\r\nUser-Agent: slow\r\n";

/// Reads until the peer closes; what it sent before. Fails the test after `limit`.
async fn read_until_closed(socket: &mut TcpStream, limit: Duration) -> Vec<u8> {
    let mut received = Vec::new();
    tokio::time::timeout(limit, socket.read_to_end(&mut received))
        .await
        .expect("Posta closed the connection in time")
        .ok();
    received
}

/// Sends a whole GET for `path` on a new connection and reads the answer to the end.
async fn get_raw(address: &str, path: &str) -> String {
    let mut socket = TcpStream::connect(address).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    socket.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    socket.read_to_end(&mut answer).await.unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

/// A connection open for `held` was closed by the header-read `timeout`: not before it, and
/// not much after.
fn assert_closed_at(timeout: Duration, held: Duration) {
    assert!(
        held >= timeout - Duration::from_millis(100),
        "closed early: {held:?}"
    );
    assert!(held < timeout + Duration::from_secs(2), "held {held:?}");
}

#[tokio::test]
async fn a_half_sent_request_is_closed_after_the_header_read_timeout() {
    let timeout = Duration::from_secs(1);
    let app = spawn_bounded(timeout, 64).await;
    let mut socket = TcpStream::connect(socket_address(&app)).await.unwrap();
    let started = Instant::now();

    socket.write_all(HALF_SENT).await.unwrap();
    let answer = read_until_closed(&mut socket, Duration::from_secs(10)).await;

    let held = started.elapsed();
    assert!(answer.is_empty(), "{}", String::from_utf8_lossy(&answer));
    assert_closed_at(timeout, held);
}

#[tokio::test]
async fn a_request_head_trickled_in_byte_by_byte_gains_no_time() {
    let timeout = Duration::from_secs(1);
    let app = spawn_bounded(timeout, 64).await;
    let mut socket = TcpStream::connect(socket_address(&app)).await.unwrap();
    let started = Instant::now();

    // One byte of one more header every 100 ms, for as long as Posta lets it.
    let mut trickle = b"X-Slow: ".iter().cycle();
    while socket.write_all(&[*trickle.next().unwrap()]).await.is_ok() {
        assert!(started.elapsed() < Duration::from_secs(10), "never closed");
        tokio::time::sleep(Duration::from_millis(100)).await;
        let mut probe = [0u8; 1];
        if let Ok(read) = tokio::time::timeout(Duration::ZERO, socket.read(&mut probe)).await {
            assert!(matches!(read, Ok(0) | Err(_)), "answered: {read:?}");
            break;
        }
    }

    let held = started.elapsed();
    assert_closed_at(timeout, held);
}

#[tokio::test]
async fn an_idle_kept_alive_connection_is_closed_after_the_header_read_timeout() {
    let timeout = Duration::from_secs(1);
    let app = spawn_bounded(timeout, 64).await;
    let mut socket = TcpStream::connect(socket_address(&app)).await.unwrap();
    socket
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: posta.test\r\n\r\n")
        .await
        .unwrap();
    let mut answer = [0u8; 1024];
    let read = socket.read(&mut answer).await.unwrap();
    assert!(answer[..read].starts_with(b"HTTP/1.1 200"));
    let answered = Instant::now();

    read_until_closed(&mut socket, Duration::from_secs(10)).await;

    let idle = answered.elapsed();
    assert_closed_at(timeout, idle);
}

/// The `posta` binary, running on a free port: its own process, so that its memory is its
/// own. Killed when dropped, so a failing test leaves nothing running.
struct PostaProcess {
    child: Child,
    /// `127.0.0.1:port`.
    address: String,
}

impl PostaProcess {
    /// Starts `posta` with `arguments` (and no mail server: it discovers, and nobody signs in).
    fn start(arguments: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_posta"))
            .args(["--listen", "127.0.0.1:0"])
            .args(arguments)
            .env_clear()
            .env("POSTA_LOG", "posta=info")
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting posta");
        let mut log = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        log.read_line(&mut first).unwrap();
        let port: u16 = first
            .rsplit(':')
            .next()
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or_else(|| panic!("no port in {first:?}"));
        // Keep reading its log, so that a full pipe never stalls it.
        std::thread::spawn(move || std::io::copy(&mut log, &mut std::io::sink()));
        PostaProcess {
            child,
            address: format!("127.0.0.1:{port}"),
        }
    }

    /// Its resident memory, in KiB.
    fn resident_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS in /proc/<pid>/status")
    }

    /// Sends it SIGTERM, as a container runtime stopping it would.
    fn terminate(&self) {
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("running kill");
        assert!(sent.success());
    }
}

impl Drop for PostaProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What the attackers did: connections opened, and those Posta closed on them.
#[derive(Default)]
struct Attack {
    opened: AtomicUsize,
    closed_by_posta: AtomicUsize,
    stop: AtomicBool,
}

/// One slowloris attacker: opens a connection, trickles a header line every 300 ms without
/// ever ending the head, and opens another as soon as Posta closes it, until told to stop.
async fn slowloris(address: String, attack: Arc<Attack>) {
    while !attack.stop.load(Ordering::Relaxed) {
        let Ok(mut socket) = TcpStream::connect(&address).await else {
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        attack.opened.fetch_add(1, Ordering::Relaxed);
        if socket.write_all(HALF_SENT).await.is_err() {
            continue;
        }
        let mut buffer = [0u8; 64];
        loop {
            tokio::select! {
                read = socket.read(&mut buffer) => {
                    if matches!(read, Ok(0) | Err(_)) {
                        attack.closed_by_posta.fetch_add(1, Ordering::Relaxed);
                        break;
                    }
                }
                () = tokio::time::sleep(Duration::from_millis(300)) => {
                    if attack.stop.load(Ordering::Relaxed) {
                        return;
                    }
                    let _ = socket.write_all(b"X-Slow: yes\r\n").await;
                }
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slowloris_of_1100_connections_leaves_healthz_and_pages_answering() {
    const ATTACKERS: usize = 1100;
    // Room for the attackers' ends here, and (inherited) for Posta's.
    rlimit::increase_nofile_limit(4 * ATTACKERS as u64).unwrap();
    let timeout = Duration::from_secs(2);
    // Fewer slots than attackers: Posta is full, and whoever comes next waits in the queue.
    let posta = PostaProcess::start(&["--header-read-timeout", "2s", "--max-connections", "1024"]);
    let address = posta.address.clone();
    assert!(
        get_raw(&address, "/healthz")
            .await
            .starts_with("HTTP/1.1 200")
    );
    let memory_before = posta.resident_kib();

    let attack = Arc::new(Attack::default());
    for _ in 0..ATTACKERS {
        tokio::spawn(slowloris(address.clone(), attack.clone()));
    }
    // The first wave has been cut off and is coming back: the attack's steady state.
    let first_wave_closed = crate::helpers::eventually(Duration::from_secs(30), || {
        attack.closed_by_posta.load(Ordering::Relaxed) >= 1024
    })
    .await;
    assert!(
        first_wave_closed,
        "Posta closed {:?} of {:?} connections",
        attack.closed_by_posta, attack.opened
    );

    // A monitor and a person arrive while the attackers hold every slot.
    let margin = Duration::from_secs(3);
    let mut peak_memory = posta.resident_kib();
    let mut waits = Vec::new();
    for path in ["/healthz", "/login", "/healthz", "/login"] {
        let started = Instant::now();
        let answer = tokio::time::timeout(timeout + margin, get_raw(&address, path))
            .await
            .unwrap_or_else(|_| panic!("{path} not answered within {:?}", timeout + margin));
        assert!(answer.starts_with("HTTP/1.1 200"), "{path}: {answer}");
        waits.push((path, started.elapsed()));
        peak_memory = peak_memory.max(posta.resident_kib());
    }
    attack.stop.store(true, Ordering::Relaxed);

    let grown_mib = peak_memory.saturating_sub(memory_before) / 1024;
    assert!(grown_mib < 48, "Posta's memory grew by {grown_mib} MiB");
    if std::env::var_os("TEST_LOG").is_some() {
        eprintln!(
            "slowloris: waits {waits:?}; Posta's memory {} MiB -> peak {} MiB; {:?} \
             connections opened, {:?} closed by Posta",
            memory_before / 1024,
            peak_memory / 1024,
            attack.opened,
            attack.closed_by_posta
        );
    }
}

#[tokio::test]
async fn past_the_connection_cap_a_connection_waits_for_a_free_slot() {
    let timeout = Duration::from_secs(2);
    let app = spawn_bounded(timeout, 4).await;
    let address = socket_address(&app);
    // Four connections that say nothing take every slot (they are accepted first: the
    // kernel's queue is first in, first out).
    let mut holders = Vec::new();
    for _ in 0..4 {
        holders.push(TcpStream::connect(&address).await.unwrap());
    }
    let started = Instant::now();
    let mut fifth = TcpStream::connect(&address).await.unwrap();
    fifth
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: posta.test\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();

    let mut answer = Vec::new();
    let early = tokio::time::timeout(Duration::from_secs(1), fifth.read_to_end(&mut answer)).await;
    assert!(
        early.is_err() && answer.is_empty(),
        "answered past the cap: {}",
        String::from_utf8_lossy(&answer)
    );
    let answer = read_until_closed(&mut fifth, timeout + Duration::from_secs(3)).await;

    assert!(answer.starts_with(b"HTTP/1.1 200"), "{answer:?}");
    assert!(started.elapsed() >= timeout - Duration::from_millis(500));
    for holder in &mut holders {
        let said = read_until_closed(holder, Duration::from_secs(1)).await;
        assert!(said.is_empty(), "the holders were closed, unanswered");
    }
}

/// How long the slow server takes over the `UID FETCH` of a structure or a text, and over
/// each chunk of the attachment.
const SLOW_FETCH: Duration = Duration::from_millis(1500);
const SLOW_CHUNK: Duration = Duration::from_millis(1000);

/// A mailbox whose server takes its time: it signs in and opens the INBOX at once, then takes
/// [`SLOW_FETCH`] or [`SLOW_CHUNK`] over each `UID FETCH`. One message: an HTML text
/// ([`SLOW_HTML`]) and an 8-bit attachment of [`SLOW_ATTACHMENT`] bytes, served in the chunks
/// Posta asks for.
async fn slow_mail_server() -> u16 {
    slow_scripted_imap(mailbox_answer, |verb, arguments| match verb {
        "UID" if arguments.contains("BODY.PEEK[2]") => SLOW_CHUNK,
        "UID" => SLOW_FETCH,
        _ => Duration::ZERO,
    })
    .await
}

const SLOW_HTML: &str = "<p>Slow but sure.</p>";

/// A 1 MiB chunk and a bit: two `FETCH`es to download.
const SLOW_ATTACHMENT: usize = 1024 * 1024 + 1000;

/// The attachment's byte at `offset`.
fn attachment_byte(offset: usize) -> u8 {
    b'a' + (offset % 26) as u8
}

/// Bytes `offset..offset + length` of part 1 (the text) or 2 (the attachment).
fn slow_section(part: &str, offset: usize, length: usize) -> Option<String> {
    if part == "1" {
        return SLOW_HTML
            .get(offset..SLOW_HTML.len().min(offset + length))
            .map(str::to_owned);
    }
    Some(
        (offset..SLOW_ATTACHMENT.min(offset + length))
            .map(|i| char::from(attachment_byte(i)))
            .collect(),
    )
}

fn mailbox_answer(tag: &str, verb: &str, arguments: &str) -> Option<String> {
    let ok = |untagged: String| Some(format!("{untagged}{tag} OK done\r\n"));
    match verb {
        "CAPABILITY" => ok("* CAPABILITY IMAP4rev1\r\n".into()),
        "LIST" => ok("* LIST () \"/\" INBOX\r\n".into()),
        "STATUS" => ok("* STATUS INBOX (MESSAGES 1 UNSEEN 0)\r\n".into()),
        "SELECT" | "EXAMINE" => ok("* 1 EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\n".into()),
        "UID" if arguments.contains("BODYSTRUCTURE") => ok(format!(
            "* 1 FETCH (UID 1 BODYSTRUCTURE ((\"text\" \"html\" (\"charset\" \"us-ascii\") NIL \
             NIL \"7bit\" {} 1)(\"application\" \"octet-stream\" (\"name\" \"slow.bin\") NIL NIL \
             \"8bit\" {SLOW_ATTACHMENT}) \"mixed\"))\r\n",
            SLOW_HTML.len()
        )),
        "UID" => {
            // `FETCH 1 (UID BODY.PEEK[part]<offset.length>)`
            let (_, asked) = arguments.split_once("BODY.PEEK[")?;
            let (part, range) = asked.trim_end_matches(">)").split_once("]<")?;
            let (offset, length) = range.split_once('.')?;
            let (offset, length): (usize, usize) = (offset.parse().ok()?, length.parse().ok()?);
            let chunk = slow_section(part, offset, length)?;
            ok(format!(
                "* 1 FETCH (UID 1 BODY[{part}]<{offset}> {{{}}}\r\n{chunk})\r\n",
                chunk.len()
            ))
        }
        _ => ok(String::new()),
    }
}

const SLOW_REQUEST_TIMEOUT: Duration = Duration::from_millis(2800);

/// Posta on the slow server: an IMAP command may take up to 2.5 s, a page 2.8 s. A page that
/// fetches a structure and a text takes 3 s; each `FETCH` has a second to spare.
async fn spawn_on_slow_server() -> TestApp {
    let port = slow_mail_server().await;
    let mut config = Config::defaults();
    config.listen = "127.0.0.1:0".parse().unwrap();
    config.imap = Some(Upstream::new("127.0.0.1", port, Security::Insecure));
    config.imap_timeout = Duration::from_millis(2500);
    config.request_timeout = SLOW_REQUEST_TIMEOUT;
    spawn_app_with(config).await
}

#[tokio::test]
async fn a_page_slower_than_the_request_timeout_gets_a_page_in_words_and_imap_stays_in_step() {
    let app = spawn_on_slow_server().await;
    app.sign_in(User::N(14)).await;
    let started = Instant::now();

    // The message's HTML document: its structure, then its text, each fetched within the
    // IMAP timeout, and together longer than a page may take.
    let page = app.get("/mail/INBOX/1/body?part=1").await;

    let waited = started.elapsed();
    assert_eq!(
        page.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        page.body
    );
    assert!(
        page.body.contains("took too long"),
        "in words: {}",
        page.body
    );
    assert!(!page.body.contains(SLOW_HTML));
    assert!(
        waited < SLOW_REQUEST_TIMEOUT + Duration::from_secs(1),
        "answered after {waited:?}"
    );

    // The text's FETCH was not cut halfway: its answer is not taken for the next command's.
    let (status, _, bytes) = app.get_bytes("/mail/INBOX/1/part/2").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bytes.len(), SLOW_ATTACHMENT, "the attachment, not the text");
    assert!(
        bytes
            .iter()
            .enumerate()
            .all(|(i, b)| *b == attachment_byte(i))
    );
}

#[tokio::test]
async fn a_download_longer_than_the_request_timeout_is_not_cut() {
    let app = spawn_on_slow_server().await;
    app.sign_in(User::N(14)).await;
    let started = Instant::now();

    let (status, _, bytes) = app.get_bytes("/mail/INBOX/1/part/2").await;

    let took = started.elapsed();
    assert_eq!(status, StatusCode::OK);
    // Its head came within the request timeout, its body long after.
    assert!(
        took > SLOW_REQUEST_TIMEOUT,
        "as slow as the server: {took:?}"
    );
    assert_eq!(bytes.len(), SLOW_ATTACHMENT, "the whole attachment");
    assert!(
        bytes
            .iter()
            .enumerate()
            .all(|(i, b)| *b == attachment_byte(i)),
        "in order"
    );
}

/// Posta on a server that answers at once, a page limited to 1.5 s, signed in: the browser's
/// cookies, and the compose form's token and id.
async fn sign_in_to_compose() -> (TestApp, Arc<Jar>, String, String) {
    let port = slow_scripted_imap(mailbox_answer, |_, _| Duration::ZERO).await;
    let mut config = Config::defaults();
    config.listen = "127.0.0.1:0".parse().unwrap();
    config.imap = Some(Upstream::new("127.0.0.1", port, Security::Insecure));
    config.imap_timeout = Duration::from_secs(1);
    config.request_timeout = UPLOAD_REQUEST_TIMEOUT;
    let mut app = spawn_app_with(config).await;
    let cookies = Arc::new(Jar::default());
    app.client = reqwest::Client::builder()
        .cookie_provider(cookies.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    app.sign_in(User::N(14)).await;
    let form = app.get("/compose").await;
    let compose = form.attrs("input[name=compose]", "value").remove(0);
    (app, cookies, form.csrf(), compose)
}

const UPLOAD_REQUEST_TIMEOUT: Duration = Duration::from_millis(1500);

/// A compose form sent with *Send* and a 64 KiB attachment, as multipart: its boundary and
/// bytes.
fn compose_form(csrf: &str, compose: &str) -> (&'static str, Vec<u8>) {
    let boundary = "posta-slow-upload";
    let mut body = Vec::new();
    for (name, value) in [
        ("csrf", csrf),
        ("compose", compose),
        ("to", ""),
        ("subject", "Sent over a slow link"),
        ("body", "Slowly."),
    ] {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"attachment\"; \
             filename=\"slow.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend((0..64 * 1024).map(attachment_byte));
    body.extend_from_slice(
        format!(
            "\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"action\"\r\n\r\nsend\r\n\
             --{boundary}--\r\n"
        )
        .as_bytes(),
    );
    (boundary, body)
}

/// Opens a connection and sends the head of a `POST /compose` of `length` bytes, with the
/// browser's cookies and Posta's own origin.
async fn start_compose_post(
    app: &TestApp,
    cookies: &Jar,
    boundary: &str,
    length: usize,
) -> TcpStream {
    let address = socket_address(app);
    let url = format!("{}/compose", app.address).parse().unwrap();
    let cookie = cookies.cookies(&url).expect("signed in");
    let head = format!(
        "POST /compose HTTP/1.1\r\nHost: {address}\r\nOrigin: http://{address}\r\n\
         Cookie: {}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\n\
         Content-Length: {length}\r\nConnection: close\r\n\r\n",
        cookie.to_str().unwrap()
    );
    let mut socket = TcpStream::connect(&address).await.unwrap();
    socket.write_all(head.as_bytes()).await.unwrap();
    socket
}

#[tokio::test]
async fn sending_a_message_is_not_cut_while_its_upload_keeps_coming() {
    let (app, cookies, csrf, compose) = sign_in_to_compose().await;
    let (boundary, body) = compose_form(&csrf, &compose);
    let started = Instant::now();
    let mut socket = start_compose_post(&app, &cookies, boundary, body.len()).await;

    // Eight pieces, 400 ms apart: three seconds in all, and never a pause of 1.5.
    for piece in body.chunks(body.len().div_ceil(8)) {
        tokio::time::sleep(Duration::from_millis(400)).await;
        socket.write_all(piece).await.unwrap();
    }
    let answer = read_until_closed(&mut socket, Duration::from_secs(10)).await;

    let answer = String::from_utf8_lossy(&answer);
    assert!(started.elapsed() > 2 * UPLOAD_REQUEST_TIMEOUT);
    assert!(!answer.starts_with("HTTP/1.1 503"), "{answer}");
    // The form comes back, saying what is missing, with the file attached.
    assert!(answer.contains("name=\"compose\""), "{answer}");
    assert!(answer.contains("slow.bin"), "{answer}");
}

#[tokio::test]
async fn an_upload_that_stalls_gets_an_answer_after_the_request_timeout() {
    let (app, cookies, csrf, compose) = sign_in_to_compose().await;
    let (boundary, body) = compose_form(&csrf, &compose);
    let mut socket = start_compose_post(&app, &cookies, boundary, body.len()).await;

    socket.write_all(&body[..body.len() / 2]).await.unwrap();
    let stalled = Instant::now();
    let answer = read_until_closed(&mut socket, Duration::from_secs(10)).await;

    let waited = stalled.elapsed();
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        waited >= UPLOAD_REQUEST_TIMEOUT - Duration::from_millis(100),
        "{waited:?}"
    );
    assert!(
        waited < UPLOAD_REQUEST_TIMEOUT + Duration::from_secs(2),
        "{waited:?}"
    );
    assert!(answer.contains("<html"), "a page in words: {answer}");
}

#[tokio::test]
async fn a_form_trickled_in_is_cut_off_at_the_request_timeout() {
    let mut config = crate::in_process::config();
    config.listen = "127.0.0.1:0".parse().unwrap();
    config.imap_timeout = Duration::from_secs(1);
    config.request_timeout = UPLOAD_REQUEST_TIMEOUT;
    let app = spawn_app_with(config).await;
    let address = socket_address(&app);
    let mut socket = TcpStream::connect(&address).await.unwrap();
    let started = Instant::now();
    socket
        .write_all(
            format!(
                "POST /login HTTP/1.1\r\nHost: {address}\r\nOrigin: http://{address}\r\n\
                 Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 60000\r\n\r\n\
                 email=slow%40posta.test&password="
            )
            .as_bytes(),
        )
        .await
        .unwrap();

    // A byte every 100 ms, for as long as Posta listens.
    let mut answer = Vec::new();
    while started.elapsed() < Duration::from_secs(10) {
        let mut buffer = [0u8; 4096];
        match tokio::time::timeout(Duration::from_millis(100), socket.read(&mut buffer)).await {
            Ok(Ok(0) | Err(_)) => break,
            Ok(Ok(read)) => answer.extend_from_slice(&buffer[..read]),
            Err(_) => {
                let _ = socket.write_all(b"x").await;
            }
        }
    }

    let held = started.elapsed();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("took too long"), "in words: {answer}");
    assert!(
        held < UPLOAD_REQUEST_TIMEOUT + Duration::from_secs(2),
        "held {held:?}"
    );
}

#[tokio::test]
async fn sigterm_stops_posta_with_connections_open() {
    let mut posta = PostaProcess::start(&["--header-read-timeout", "1s"]);
    let address = posta.address.clone();
    assert!(
        get_raw(&address, "/healthz")
            .await
            .starts_with("HTTP/1.1 200")
    );
    // A kept-alive connection after its answer, and a request that never ends its head.
    let mut idle = TcpStream::connect(&address).await.unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: posta.test\r\n\r\n")
        .await
        .unwrap();
    let mut answer = [0u8; 512];
    assert!(idle.read(&mut answer).await.unwrap() > 0);
    let mut half = TcpStream::connect(&address).await.unwrap();
    half.write_all(HALF_SENT).await.unwrap();

    posta.terminate();
    let stopped = crate::helpers::eventually_value(Duration::from_secs(5), || {
        posta.child.try_wait().unwrap()
    })
    .await;

    let stopped = stopped.expect("posta stopped within 5 s of SIGTERM");
    assert!(stopped.success(), "{stopped:?}");
    assert!(
        TcpStream::connect(&address).await.is_err(),
        "no longer listening"
    );
}
