//! Pages stay current with what other mail programs and deliveries do to a folder while a
//! person has it open: new mail, expunges and flags show on the next page, and a message
//! opened by its URL right after it arrived is found, without Posta re-selecting the folder
//! on every page.
//!
//! Carol only receives mail in the other tests (found there by subject), so these tests
//! deliver to her INBOX and keep the rest in folders of their own, one per test: what one
//! test appends or expunges never shifts another's page.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use futures::TryStreamExt;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use posta::upstream::{Security, Upstream};
use reqwest::StatusCode;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use crate::compose::{self, delivered};
use crate::helpers::{Page, TestApp, User, spawn_app, spawn_app_with, stack, test_config};
use crate::imap_client::{self, Direct};

const USER: User = User::Carol;

/// A subject no other run or test shares.
fn token(what: &str) -> String {
    format!("{what} {}", compose::token())
}

/// Sends a message to `to` through the stack's Postfix (the inbound, port-25-like
/// listener), as mail from outside arrives.
async fn deliver(to: User, subject: &str) {
    let inbound = stack().get("POSTA_TEST_SMTP_INBOUND");
    let port: u16 = inbound.rsplit(':').next().unwrap().parse().unwrap();
    let message = Message::builder()
        .from("Sender <sender@example.org>".parse::<Mailbox>().unwrap())
        .to(to.email().parse::<Mailbox>().unwrap())
        .subject(subject)
        .body(format!("Delivered while the list was open: {subject}\n"))
        .unwrap();
    AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(port)
        .build()
        .send(message)
        .await
        .expect("Postfix took the message");
}

/// `mailbox` of `user`, created by whichever run needs it first.
async fn own_folder(imap: &mut Direct, mailbox: &str) {
    // NO [ALREADYEXISTS] on every run after the first.
    let _ = imap.create(mailbox).await;
}

/// Appends a message with `subject` to `mailbox` as another client would; its UID.
async fn append(imap: &mut Direct, mailbox: &str, subject: &str) -> u32 {
    let message = format!(
        "From: Sender <sender@example.org>\r\nTo: {}\r\nSubject: {subject}\r\n\
         Message-ID: <{subject}@example.org>\r\n\r\nHello.\r\n",
        USER.email()
    );
    imap_client::append(imap, mailbox, message.as_bytes()).await;
    *imap_client::search(imap, mailbox, &format!("SUBJECT \"{subject}\""))
        .await
        .last()
        .expect("the appended message")
}

/// Removes `uid` from `mailbox` for good, as another client would.
async fn expunge(imap: &mut Direct, mailbox: &str, uid: u32) {
    imap_client::store(imap, mailbox, &uid.to_string(), "+FLAGS (\\Deleted)").await;
    imap.uid_expunge(uid.to_string())
        .await
        .unwrap()
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
}

/// UIDs of the rows of a list page, in order.
fn uids(page: &Page) -> Vec<u32> {
    page.attrs("td.subject a", "href")
        .iter()
        .map(|href| href.rsplit('/').next().unwrap().parse().unwrap())
        .collect()
}

/// The newest 50 UIDs of `mailbox`, newest first: what page 1 must show.
async fn newest_page(imap: &mut Direct, mailbox: &str) -> Vec<u32> {
    let mut all = imap_client::search(imap, mailbox, "ALL").await;
    all.reverse();
    all.truncate(50);
    all
}

/// Whether the row of `uid` on a list page is marked flagged.
fn flagged(page: &Page, uid: u32) -> bool {
    let rows = scraper::Selector::parse("tr.flagged td.subject a").unwrap();
    page.html()
        .select(&rows)
        .filter_map(|a| a.value().attr("href"))
        .any(|href| href.ends_with(&format!("/{uid}")))
}

#[tokio::test]
async fn a_message_delivered_after_the_list_was_shown_opens_by_its_url() {
    let app = spawn_app().await;
    app.sign_in(USER).await;
    assert_eq!(app.get("/mail/INBOX").await.status, StatusCode::OK);
    let subject = token("Fresh");

    deliver(USER, &subject).await;
    let (uid, _) = delivered(USER, "INBOX", &subject).await;
    let opened = app.get(&format!("/mail/INBOX/{uid}")).await;

    assert_eq!(opened.status, StatusCode::OK, "{}", opened.body);
    assert!(opened.body.contains(&subject));
    let list = app.get("/mail/INBOX").await;
    assert!(uids(&list).contains(&uid), "the list shows it too");
}

#[tokio::test]
async fn a_message_expunged_by_another_client_is_gone_from_the_next_page() {
    let mailbox = "Sync expunged";
    let mut other = imap_client::connect(USER).await;
    own_folder(&mut other, mailbox).await;
    for _ in 0..3 {
        append(&mut other, mailbox, &token("Kept")).await;
    }
    let doomed = append(&mut other, mailbox, &token("Doomed")).await;
    let app = spawn_app().await;
    app.sign_in(USER).await;
    let path = "/mail/Sync%20expunged";
    let before = app.get(path).await;
    assert_eq!(uids(&before).first(), Some(&doomed));

    expunge(&mut other, mailbox, doomed).await;
    let after = app.get(path).await;

    assert!(!uids(&after).contains(&doomed), "{:?}", uids(&after));
    assert_eq!(uids(&after), newest_page(&mut other, mailbox).await);
    let total = imap_client::count(&mut other, mailbox).await;
    let shown = after.texts(".range");
    assert!(
        shown.iter().any(|r| r.ends_with(&format!("of {total}"))),
        "{shown:?} counts {total}"
    );
}

#[tokio::test]
async fn a_flag_set_by_another_client_shows_on_the_next_page() {
    let mailbox = "Sync flags";
    let mut other = imap_client::connect(USER).await;
    own_folder(&mut other, mailbox).await;
    let uid = append(&mut other, mailbox, &token("Flag me")).await;
    let app = spawn_app().await;
    app.sign_in(USER).await;
    let path = "/mail/Sync%20flags";
    assert!(!flagged(&app.get(path).await, uid));

    imap_client::store(&mut other, mailbox, &uid.to_string(), "+FLAGS (\\Flagged)").await;
    let flagged_page = app.get(path).await;
    imap_client::store(&mut other, mailbox, &uid.to_string(), "-FLAGS (\\Flagged)").await;
    let unflagged_page = app.get(path).await;

    assert!(flagged(&flagged_page, uid));
    assert!(!flagged(&unflagged_page, uid));
}

/// A TCP relay to the stack's IMAPS port whose connections the test can cut, as a server
/// restart or a NAT timeout would, without touching anyone else's connections.
struct Relay {
    port: u16,
    open: Arc<Mutex<Vec<JoinHandle<()>>>>,
    /// Connections relayed so far.
    accepted: Arc<AtomicUsize>,
}

impl Relay {
    async fn start() -> Relay {
        let upstream = stack().imaps().authority();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let open = Arc::new(Mutex::new(Vec::new()));
        let accepted = Arc::new(AtomicUsize::new(0));
        let (tasks, count) = (open.clone(), accepted.clone());
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                let upstream = upstream.clone();
                let relay = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                tasks.lock().unwrap().push(relay);
            }
        });
        Relay {
            port,
            open,
            accepted,
        }
    }

    /// Drops every connection relayed so far (both sockets are closed when this returns);
    /// new ones are relayed as before.
    async fn cut(&self) {
        let tasks: Vec<JoinHandle<()>> = self.open.lock().unwrap().drain(..).collect();
        for task in tasks {
            task.abort();
            let _ = task.await;
        }
    }

    fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    /// The relay as an IMAPS upstream (the certificate names localhost).
    fn upstream(&self) -> Upstream {
        Upstream::new("localhost", self.port, Security::Tls)
    }
}

async fn app_through(relay: &Relay) -> TestApp {
    let mut config = test_config();
    config.imap = Some(relay.upstream());
    spawn_app_with(config).await
}

#[tokio::test]
async fn a_page_after_the_server_dropped_the_connection_shows_the_folder_as_it_is() {
    let mailbox = "Sync reconnect";
    let mut other = imap_client::connect(USER).await;
    own_folder(&mut other, mailbox).await;
    let gone = append(&mut other, mailbox, &token("Gone")).await;
    let relay = Relay::start().await;
    let app = app_through(&relay).await;
    app.sign_in(USER).await;
    let path = "/mail/Sync%20reconnect";
    assert!(uids(&app.get(path).await).contains(&gone));

    let connections = relay.accepted();
    relay.cut().await;
    expunge(&mut other, mailbox, gone).await;
    let new = append(&mut other, mailbox, &token("New")).await;
    let after = app.get(path).await;

    assert_eq!(after.status, StatusCode::OK, "{}", after.body);
    assert_eq!(relay.accepted(), connections + 1, "Posta connected again");
    assert_eq!(uids(&after), newest_page(&mut other, mailbox).await);
    assert_eq!(uids(&after).first(), Some(&new));
    assert!(!uids(&after).contains(&gone));
}
