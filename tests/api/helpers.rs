//! Test harness: the mail stack (started once per test run), `spawn_app` on a free port,
//! and a `TestApp` with one method per endpoint.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use posta::app::{AppState, Application};
use posta::config::Config;
use posta::upstream::{Protocol, Upstream};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// Which seeded user a test signs in as. Each test that counts logins or changes flags has
/// its own, so tests can run in parallel without seeing each other.
#[derive(Clone, Copy, Debug)]
#[allow(dead_code)] // Threads: the conversation-view tests to come.
pub enum User {
    /// 10,000 messages; only read from.
    Alice,
    /// 120 messages each.
    N(u8),
    /// The reading corpus (scripts/seed_corpus.py): charsets, structures, hostile mail.
    Corpus,
    /// One message with a 10 MiB attachment; only the test that counts its bytes uses it.
    BigMail,
    /// 600 messages each, for bulk actions; heavy04 only for the upload capacity tests
    /// (`capacity`), which send only to itself.
    Heavy(u8),
    /// Russian folder names and no SPECIAL-USE flags, no archive folder.
    Legacy,
    /// Conversations with References, In-Reply-To or only a shared subject (seed THREADS).
    Threads,
    /// 120 messages; writes mail (compose tests), to Carol among others.
    Bob,
    /// 120 messages; receives what Bob's compose tests send.
    Carol,
}

impl User {
    pub fn email(self) -> String {
        match self {
            User::Alice => "alice@posta.test".into(),
            User::N(n) => format!("user{n:02}@posta.test"),
            User::Corpus => "corpus@posta.test".into(),
            User::BigMail => "bigmail@posta.test".into(),
            User::Heavy(n) => format!("heavy{n:02}@posta.test"),
            User::Legacy => "legacy@posta.test".into(),
            User::Threads => "threads@posta.test".into(),
            User::Bob => "bob@posta.test".into(),
            User::Carol => "carol@posta.test".into(),
        }
    }

    pub fn password(self) -> String {
        match self {
            User::Alice => "alice-pass".into(),
            User::N(n) => format!("pass-user{n:02}"),
            User::Corpus => "corpus-pass".into(),
            User::BigMail => "bigmail-pass".into(),
            User::Heavy(n) => format!("pass-heavy{n:02}"),
            User::Legacy => "legacy-pass".into(),
            User::Threads => "threads-pass".into(),
            User::Bob => "bob-pass".into(),
            User::Carol => "carol-pass".into(),
        }
    }
}

/// Exclusive use of `user`'s folder tree until the guard is dropped.
///
/// Dovecot does not keep a folder change whole against another session of the same user
/// reading the tree: while that session has a folder open for its STATUS (every page lists
/// the whole tree with counts), a DELETE can answer OK and leave the folder behind. So the
/// tests that change a user's folders, and every other test of that user, take the user's
/// turn first: each then asserts on a tree no other test is reading or changing, while tests
/// of other users run alongside.
pub async fn folder_turn(user: User) -> tokio::sync::OwnedMutexGuard<()> {
    type Turns = Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>;
    static TURNS: OnceLock<Turns> = OnceLock::new();
    let turn = TURNS
        .get_or_init(Turns::default)
        .lock()
        .expect("turns poisoned")
        .entry(user.email())
        .or_default()
        .clone();
    turn.lock_owned().await
}

/// The running mail stack, as `scripts/mailstack start` describes it in `stack.env`.
pub struct Stack {
    pub env: HashMap<String, String>,
    pub script: PathBuf,
}

impl Stack {
    pub fn get(&self, key: &str) -> &str {
        self.env
            .get(key)
            .unwrap_or_else(|| panic!("{key} missing from stack.env"))
    }

    pub fn imaps(&self) -> Upstream {
        Upstream::parse(self.get("POSTA_TEST_IMAPS"), Protocol::Imap).unwrap()
    }

    /// The same Dovecot on 127.0.0.2, advertising only basic capabilities (no BINARY, MOVE,
    /// SORT, SPECIAL-USE…), for fallbacks.
    pub fn imaps_basic(&self) -> Upstream {
        Upstream::parse(self.get("POSTA_TEST_IMAPS_BASIC"), Protocol::Imap).unwrap()
    }

    pub fn imap_starttls(&self) -> Upstream {
        Upstream::parse(self.get("POSTA_TEST_IMAP"), Protocol::Imap).unwrap()
    }

    /// Postfix submission with STARTTLS (587-style).
    pub fn smtp_starttls(&self) -> Upstream {
        Upstream::parse(self.get("POSTA_TEST_SMTP"), Protocol::Smtp).unwrap()
    }

    /// Postfix submission with implicit TLS (465-style).
    pub fn smtps(&self) -> Upstream {
        Upstream::parse(self.get("POSTA_TEST_SMTPS"), Protocol::Smtp).unwrap()
    }

    pub fn ca(&self) -> PathBuf {
        PathBuf::from(self.get("POSTA_TEST_CA"))
    }

    /// Successful IMAP logins of `user` so far, from Dovecot's log.
    pub fn logins(&self, user: User) -> usize {
        self.count_log(&format!("Login: user=<{}>", user.email()))
    }

    /// IMAP sessions of `user` that have ended so far (LOGOUT or hang-up).
    pub fn logouts(&self, user: User) -> usize {
        let tag = format!("imap({})", user.email());
        self.log_lines()
            .iter()
            .filter(|l| {
                l.contains(&tag) && (l.contains("Logged out") || l.contains("Disconnected"))
            })
            .count()
    }

    /// Bytes Dovecot sent in each of `user`'s IMAP sessions that have ended (its `out=` figure).
    pub fn bytes_sent(&self, user: User) -> Vec<u64> {
        let tag = format!("imap({})", user.email());
        self.log_lines()
            .iter()
            .filter(|l| l.contains(&tag) && l.contains("Disconnected"))
            .filter_map(|l| {
                let out = l.split_whitespace().find_map(|w| w.strip_prefix("out="))?;
                out.parse().ok()
            })
            .collect()
    }

    fn log_lines(&self) -> Vec<String> {
        std::fs::read_to_string(self.get("POSTA_TEST_DOVECOT_LOG"))
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    fn count_log(&self, needle: &str) -> usize {
        self.log_lines()
            .iter()
            .filter(|l| l.contains(needle))
            .count()
    }

    /// Makes the server drop `user`'s IMAP connections, as a restart or a NAT timeout would.
    pub fn kick(&self, user: User) {
        let status = Command::new(&self.script)
            .args(["kick", &user.email()])
            .status()
            .expect("running mailstack kick");
        assert!(status.success(), "mailstack kick failed");
    }
}

/// The stack, started (or found running) once per test run.
pub fn stack() -> &'static Stack {
    static STACK: OnceLock<Stack> = OnceLock::new();
    STACK.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let script = root.join("scripts/mailstack");
        let dir = std::env::var("POSTA_STACK_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|_| root.join("target/mailstack"));
        let env_file = dir.join("stack.env");
        // `start` is idempotent and quick when the stack is already up and seeded.
        let output = Command::new(&script)
            .arg("start")
            .output()
            .expect("running scripts/mailstack start");
        assert!(
            output.status.success(),
            "scripts/mailstack start failed:\n{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        let text = std::fs::read_to_string(&env_file)
            .unwrap_or_else(|e| panic!("reading {}: {e}", env_file.display()));
        let env = text
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.trim().to_owned(), v.trim().trim_matches('"').to_owned()))
            .collect();
        Stack { env, script }
    })
}

/// A Posta configured for the test stack; tests adjust it before spawning.
pub fn test_config() -> Config {
    let stack = stack();
    let mut config = Config::defaults();
    config.listen = "127.0.0.1:0".parse().unwrap();
    config.imap = Some(stack.imaps());
    config.smtp = Some(stack.smtp_starttls());
    config.tls_ca = Some(stack.ca());
    config
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
}

/// Starts Posta with the test configuration on a free port.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(test_config()).await
}

pub async fn spawn_app_with(config: Config) -> TestApp {
    spawn_app_watched(config).await.0
}

/// Starts Posta with `config`, and gives its state for the test to look inside.
pub async fn spawn_app_watched(config: Config) -> (TestApp, AppState) {
    init_logging();
    let app = Application::build(config).await.expect("building Posta");
    let address = format!("http://127.0.0.1:{}", app.port());
    let state = app.state();
    tokio::spawn(app.run_until_stopped());
    let app = TestApp {
        address,
        client: new_client(),
    };
    (app, state)
}

/// A browser-like client: keeps cookies, does not follow redirects (tests check them).
pub fn new_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn init_logging() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        if std::env::var_os("TEST_LOG").is_some() {
            tracing_subscriber::fmt()
                .with_env_filter("posta=debug")
                .with_test_writer()
                .init();
        }
    });
}

/// A response read whole.
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    pub fn location(&self) -> &str {
        self.headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    pub fn html(&self) -> scraper::Html {
        scraper::Html::parse_document(&self.body)
    }

    /// Texts of all elements matching a CSS selector.
    pub fn texts(&self, selector: &str) -> Vec<String> {
        let selector = scraper::Selector::parse(selector).unwrap();
        self.html()
            .select(&selector)
            .map(|e| e.text().collect::<String>().trim().to_owned())
            .collect()
    }

    /// Values of attribute `attr` on elements matching `selector`.
    pub fn attrs(&self, selector: &str, attr: &str) -> Vec<String> {
        let selector = scraper::Selector::parse(selector).unwrap();
        self.html()
            .select(&selector)
            .filter_map(|e| e.value().attr(attr).map(str::to_owned))
            .collect()
    }

    pub fn csrf(&self) -> String {
        self.attrs("input[name=csrf]", "value")
            .into_iter()
            .next()
            .expect("page has a CSRF token")
    }
}

/// A multipart form: text fields, then files as (field, file name, type, bytes).
pub fn multipart(
    fields: &[(&str, &str)],
    files: &[(&str, &str, &str, &[u8])],
) -> reqwest::multipart::Form {
    let mut form = reqwest::multipart::Form::new();
    for (name, value) in fields {
        form = form.text(name.to_string(), value.to_string());
    }
    for (name, file_name, mime, bytes) in files {
        let part = reqwest::multipart::Part::bytes(bytes.to_vec())
            .file_name(file_name.to_string())
            .mime_str(mime)
            .unwrap();
        form = form.part(name.to_string(), part);
    }
    form
}

/// The value of `page`'s header `name`; empty when it has none.
pub fn header<'p>(page: &'p Page, name: &str) -> &'p str {
    page.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

async fn read(response: reqwest::Response) -> Page {
    Page {
        status: response.status(),
        headers: response.headers().clone(),
        body: response.text().await.unwrap(),
    }
}

impl TestApp {
    pub async fn get(&self, path: &str) -> Page {
        read(
            self.client
                .get(format!("{}{path}", self.address))
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// A response whose body is bytes (downloads), read whole.
    pub async fn get_bytes(&self, path: &str) -> (StatusCode, HeaderMap, Vec<u8>) {
        let response = self
            .client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .unwrap();
        let (status, headers) = (response.status(), response.headers().clone());
        (status, headers, response.bytes().await.unwrap().to_vec())
    }

    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Page {
        let mut request = self.client.get(format!("{}{path}", self.address));
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        read(request.send().await.unwrap()).await
    }

    /// Sends any request this client can build (odd methods, forged headers, raw bodies).
    pub async fn send(&self, request: reqwest::RequestBuilder) -> Page {
        read(request.send().await.unwrap()).await
    }

    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> Page {
        read(
            self.client
                .post(format!("{}{path}", self.address))
                .form(form)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// Posts a multipart form: text fields, then files as (field, file name, type, bytes).
    pub async fn post_multipart(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &str, &[u8])],
    ) -> Page {
        read(
            self.client
                .post(format!("{}{path}", self.address))
                .multipart(multipart(fields, files))
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    pub async fn post_form_with(
        &self,
        path: &str,
        form: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Page {
        let mut request = self
            .client
            .post(format!("{}{path}", self.address))
            .form(form);
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        read(request.send().await.unwrap()).await
    }

    /// Opens the login page and submits it with `fields` (plus its CSRF token).
    pub async fn post_login(&self, fields: &[(&str, &str)]) -> Page {
        let form = self.get("/login").await;
        let csrf = form.csrf();
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_form("/login", &all).await
    }

    pub async fn login(&self, user: User) -> Page {
        let (email, password) = (user.email(), user.password());
        self.post_login(&[("email", &email), ("password", &password)])
            .await
    }

    /// Signs in and asserts it worked.
    pub async fn sign_in(&self, user: User) {
        let page = self.login(user).await;
        assert_eq!(
            page.status,
            StatusCode::SEE_OTHER,
            "sign-in failed: {}",
            page.body
        );
        assert_eq!(page.location(), "/mail/INBOX");
    }

    /// Submits a form of the folders page (`action` and its fields), with the page's CSRF
    /// token.
    pub async fn post_folders(&self, fields: &[(&str, &str)]) -> Page {
        let csrf = self.get("/folders").await.csrf();
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_form("/folders", &all).await
    }

    pub async fn logout(&self) -> Page {
        let inbox = self.get("/mail/INBOX").await;
        let csrf = inbox.csrf();
        self.post_form("/logout", &[("csrf", &csrf)]).await
    }
}

/// Polls `condition` until it holds or `timeout` passes; returns whether it held.
pub async fn eventually(timeout: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if condition() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Polls `value` until it gives something or `timeout` passes.
pub async fn eventually_value<T>(
    timeout: Duration,
    mut value: impl FnMut() -> Option<T>,
) -> Option<T> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = value() {
            return Some(v);
        }
        if Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The headers every response carries, signed in or not: no sniffing, no referrer, no
/// camera, a strict CSP without inline scripts that only the message iframe's body may be
/// framed under (by Posta itself), nothing cached but the static files, and no HSTS over
/// plain HTTP.
pub fn assert_security_headers(path: &str, page: &Page) {
    assert_eq!(header(page, "x-content-type-options"), "nosniff", "{path}");
    assert_eq!(header(page, "referrer-policy"), "no-referrer", "{path}");
    assert!(
        header(page, "permissions-policy").contains("camera=()"),
        "{path}"
    );
    let csp = header(page, "content-security-policy");
    assert!(csp.contains("default-src 'none'"), "{path}: {csp}");
    assert!(
        !csp.contains("unsafe-inline') script") && !csp.contains("script-src 'unsafe"),
        "{path}: {csp}"
    );
    if path.contains("/body") {
        assert!(csp.contains("frame-ancestors 'self'"), "{path}: {csp}");
    } else {
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
    }
    if !path.starts_with("/static/") {
        assert_eq!(header(page, "cache-control"), "no-store", "{path}");
    }
    assert!(
        page.headers.get("strict-transport-security").is_none(),
        "{path}: plain HTTP"
    );
}

/// A scripted IMAP server on loopback, for odd or hostile peers that no real server imitates.
/// It greets, then answers each command line with what `answer(tag, VERB, arguments)` gives;
/// `None` leaves that command unanswered, as a stuck server would. Its port.
pub async fn scripted_imap(answer: fn(&str, &str, &str) -> Option<String>) -> u16 {
    slow_scripted_imap(answer, |_, _| Duration::ZERO).await
}

/// A [`scripted_imap`] server that waits `delay(VERB, arguments)` before each answer: a slow
/// server, each of whose commands may still finish within Posta's IMAP timeout.
pub async fn slow_scripted_imap(
    answer: fn(&str, &str, &str) -> Option<String>,
    delay: fn(&str, &str) -> Duration,
) -> u16 {
    serve_scripted(
        move |tag, verb, arguments| match answer(tag, verb, arguments) {
            Some(text) => Reply::Say(text),
            None => Reply::Nothing,
        },
        delay,
    )
    .await
}

/// What a scripted IMAP server ([`scripted_imap_floods`]) answers to one command.
pub enum Reply {
    Say(String),
    /// No answer, as from a stuck server.
    Nothing,
    /// `head`, then `len` bytes of `byte`, as fast as Posta reads them (never held in memory
    /// here, so the test process's memory is Posta's).
    Flood {
        head: String,
        byte: u8,
        len: u64,
    },
}

/// Like [`scripted_imap`], for a server that may answer with a [`Reply::Flood`].
pub async fn scripted_imap_floods(
    answer: impl Fn(&str, &str, &str) -> Reply + Copy + Send + 'static,
) -> u16 {
    serve_scripted(answer, |_, _| Duration::ZERO).await
}

async fn serve_scripted(
    answer: impl Fn(&str, &str, &str) -> Reply + Copy + Send + 'static,
    delay: fn(&str, &str) -> Duration,
) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                let _ = write.write_all(b"* OK scripted IMAP ready\r\n").await;
                while let Ok(Some(line)) = lines.next_line().await {
                    let mut words = line.splitn(3, ' ');
                    let (tag, verb) = (words.next().unwrap_or("*"), words.next().unwrap_or(""));
                    let (verb, arguments) = (verb.to_ascii_uppercase(), words.next().unwrap_or(""));
                    tokio::time::sleep(delay(&verb, arguments)).await;
                    let sent = match answer(tag, &verb, arguments) {
                        Reply::Say(text) => write.write_all(text.as_bytes()).await,
                        Reply::Nothing => Ok(()),
                        Reply::Flood { head, byte, len } => {
                            flood(&mut write, head.as_bytes(), byte, len).await
                        }
                    };
                    if sent.is_err() {
                        return;
                    }
                }
            });
        }
    });
    port
}

async fn flood(
    write: &mut (impl tokio::io::AsyncWrite + Unpin),
    head: &[u8],
    byte: u8,
    len: u64,
) -> std::io::Result<()> {
    write.write_all(head).await?;
    let piece = [byte; 64 * 1024];
    let mut left = len;
    while left > 0 {
        let n = left.min(piece.len() as u64);
        write.write_all(&piece[..n as usize]).await?;
        left -= n;
    }
    Ok(())
}
