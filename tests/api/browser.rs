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
                "--disable-component-update", "--disable-sync",
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

#[tokio::test]
async fn a_person_signs_in_reads_a_message_and_signs_out_in_chromium() {
    let app = spawn_app().await;
    let driver = start_chromedriver();
    let browser = connect(&driver).await;
    let user = User::N(12);

    browser.goto(&format!("{}/", app.address)).await.unwrap();
    browser
        .find(Locator::Css("input[name=email]"))
        .await
        .unwrap()
        .send_keys(&user.email())
        .await
        .unwrap();
    browser
        .find(Locator::Css("input[name=password]"))
        .await
        .unwrap()
        .send_keys(&user.password())
        .await
        .unwrap();
    browser
        .find(Locator::Css("form.login button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();

    browser
        .wait()
        .for_element(Locator::Css("table.messages"))
        .await
        .unwrap();
    assert!(
        browser
            .current_url()
            .await
            .unwrap()
            .path()
            .ends_with("/mail/INBOX")
    );
    let rows = browser
        .find_all(Locator::Css("table.messages tbody tr"))
        .await
        .unwrap();
    assert_eq!(rows.len(), 50);

    browser
        .find(Locator::LinkText("Привет из UTF-8"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let body = browser
        .wait()
        .for_element(Locator::Css(".body.plain"))
        .await
        .unwrap();
    assert!(
        body.text()
            .await
            .unwrap()
            .contains("Съешь же ещё этих мягких французских булок")
    );

    browser
        .find(Locator::Css("form.logout button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .wait()
        .for_element(Locator::Css("form.login"))
        .await
        .unwrap();
    let notice = browser
        .find(Locator::Css(".notice"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(notice.contains("signed out"), "{notice}");

    // The session is really gone: the INBOX sends the browser back to sign in.
    browser
        .goto(&format!("{}/mail/INBOX", app.address))
        .await
        .unwrap();
    browser
        .wait()
        .for_element(Locator::Css("form.login"))
        .await
        .unwrap();
    browser.close().await.unwrap();
}
