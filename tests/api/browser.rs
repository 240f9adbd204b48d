//! A real headless Chromium signs in, opens the INBOX and a message, and signs out.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};

use crate::helpers::{User, spawn_app};

/// chromedriver on a free port, killed when dropped.
struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_chromedriver() -> Driver {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child =
        Command::new(std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into()))
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver is installed (scripts/test installs it)");
    Driver { child, port }
}

async fn connect(driver: &Driver) -> Client {
    let user_data = std::env::temp_dir().join(format!("posta-chromium-{}", driver.port));
    let capabilities = serde_json::json!({
        "goog:chromeOptions": {
            "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--window-size=1280,800",
                format!("--user-data-dir={}", user_data.display()),
            ]
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
async fn snapshot(browser: &Client, name: &str) {
    if let Some(dir) = std::env::var_os("POSTA_SCREENSHOTS") {
        let png = browser.screenshot().await.unwrap();
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(std::path::Path::new(&dir).join(format!("{name}.png")), png).unwrap();
    }
}

/// The few things the test does to a page, so the story below reads as steps.
struct Page<'b>(&'b Client);

impl Page<'_> {
    async fn type_into(&self, css: &str, text: &str) {
        let field = self.0.find(Locator::Css(css)).await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    async fn click(&self, locator: Locator<'_>) {
        self.0.find(locator).await.unwrap().click().await.unwrap();
    }

    /// Waits for an element to appear and returns its text.
    async fn text_of(&self, css: &str) -> String {
        let element = self.0.wait().for_element(Locator::Css(css)).await.unwrap();
        element.text().await.unwrap()
    }

    async fn path(&self) -> String {
        self.0.current_url().await.unwrap().path().to_owned()
    }
}

#[tokio::test]
async fn a_person_signs_in_reads_a_message_and_signs_out_in_chromium() {
    let app = spawn_app().await;
    let driver = start_chromedriver();
    let browser = connect(&driver).await;
    let page = Page(&browser);
    let user = User::N(12);

    browser.goto(&format!("{}/", app.address)).await.unwrap();
    page.type_into("input[name=email]", &user.email()).await;
    page.type_into("input[name=password]", &user.password())
        .await;
    page.click(Locator::Css("form.login button[type=submit]"))
        .await;

    page.text_of("table.messages").await;
    assert!(page.path().await.ends_with("/mail/INBOX"));
    let rows = browser
        .find_all(Locator::Css("table.messages tbody tr"))
        .await
        .unwrap();
    assert_eq!(rows.len(), 50);
    snapshot(&browser, "inbox").await;

    page.click(Locator::LinkText("Привет из UTF-8")).await;
    let body = page.text_of(".body.plain").await;
    assert!(
        body.contains("Съешь же ещё этих мягких французских булок"),
        "{body}"
    );
    snapshot(&browser, "message").await;

    page.click(Locator::Css("form.logout button")).await;
    let notice = page.text_of(".notice").await;
    assert!(notice.contains("signed out"), "{notice}");

    // The session is really gone: the INBOX sends the browser back to sign in.
    browser
        .goto(&format!("{}/mail/INBOX", app.address))
        .await
        .unwrap();
    page.text_of("form.login").await;
    assert_eq!(page.path().await, "/login");
    browser.close().await.unwrap();
}
