//! Real headless Chromium, driven through chromedriver: the harness (driver, browser with
//! Posta-friendly flags, page helpers) and the browser tests, one file per story.

mod organise;
mod reading;
mod sessions;
mod signin;

use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};

use crate::helpers::User;

/// chromedriver on a free port, killed when dropped.
pub struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    /// Kills chromedriver and every Chromium it started (its process group): a test that
    /// fails before closing its browser must not leave one running.
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn start_chromedriver() -> Driver {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child =
        Command::new(std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into()))
            .arg(format!("--port={port}"))
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver is installed (scripts/test installs it)");
    Driver { child, port }
}

pub async fn connect(driver: &Driver) -> Client {
    connect_with(driver, &[]).await
}

/// A fresh Chromium (empty profile) with `extra` command-line flags.
pub async fn connect_with(driver: &Driver, extra: &[String]) -> Client {
    let user_data = std::env::temp_dir().join(format!("posta-chromium-{}", driver.port));
    let mut args: Vec<String> = [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,800",
    ]
    .iter()
    .map(|a| a.to_string())
    .collect();
    args.push(format!("--user-data-dir={}", user_data.display()));
    args.extend_from_slice(extra);
    let capabilities = serde_json::json!({
        "goog:chromeOptions": {
            "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
            "args": args,
        }
    });
    let capabilities = capabilities.as_object().unwrap().clone();
    let url = format!("http://127.0.0.1:{}", driver.port);
    // chromedriver takes a moment to listen; retry the session for a few seconds.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        match ClientBuilder::native()
            .capabilities(capabilities.clone())
            .connect(&url)
            .await
        {
            Ok(client) => return client,
            Err(e) if std::time::Instant::now() < deadline => {
                tracing::debug!("waiting for chromedriver: {e}");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("could not start a Chromium session: {e}"),
        }
    }
}

/// Saves a screenshot to `$POSTA_SCREENSHOTS/<name>.png` when that variable is set, so a
/// person can look at what the test saw.
pub async fn snapshot(browser: &Client, name: &str) {
    if let Some(dir) = std::env::var_os("POSTA_SCREENSHOTS") {
        let png = browser.screenshot().await.unwrap();
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(std::path::Path::new(&dir).join(format!("{name}.png")), png).unwrap();
    }
}

/// The few things tests do to a page, so their stories read as steps.
pub struct Page<'b>(pub &'b Client);

impl Page<'_> {
    pub async fn type_into(&self, css: &str, text: &str) {
        let field = self.0.find(Locator::Css(css)).await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    pub async fn click(&self, locator: Locator<'_>) {
        self.0.find(locator).await.unwrap().click().await.unwrap();
    }

    /// Waits for an element to appear and returns its text.
    pub async fn text_of(&self, css: &str) -> String {
        let element = self.0.wait().for_element(Locator::Css(css)).await.unwrap();
        element.text().await.unwrap()
    }

    pub async fn path(&self) -> String {
        self.0.current_url().await.unwrap().path().to_owned()
    }

    /// Signs in through the form and waits for the INBOX.
    pub async fn sign_in(&self, base: &str, user: User) {
        self.0.goto(&format!("{base}/")).await.unwrap();
        self.type_into("input[name=email]", &user.email()).await;
        self.type_into("input[name=password]", &user.password())
            .await;
        self.click(Locator::Css("form.login button[type=submit]"))
            .await;
        self.text_of("table.messages").await;
    }

    /// Waits until the page and every frame in it have finished loading.
    pub async fn loaded(&self) {
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            let state = self
                .0
                .execute("return document.readyState", vec![])
                .await
                .unwrap();
            if state == "complete" {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "page never finished loading"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}
