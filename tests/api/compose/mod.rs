//! Writing mail through the real Postfix: what Posta sends is read back from the
//! recipient's Dovecot INBOX (and the sender's Sent and Drafts) with a direct IMAP
//! connection. Bob writes; Carol receives. Every test marks its mail with a token of its
//! own in the subject, so tests running side by side never see each other's messages.

mod answering;
mod drafts;
mod failures;
mod sending;

use std::time::{Duration, Instant};

use mail_parser::{Message, MessageParser};

use crate::helpers::{Page, TestApp, User};
use crate::imap_client;

/// A token unique to one test run and test, for subjects and bodies.
pub fn token() -> String {
    format!(
        "tok{}",
        posta::token::random_token()
            .replace(['-', '_'], "x")
            .get(..12)
            .unwrap()
    )
}

/// The compose form as a page shows it: every field, with the attachments it keeps.
pub struct Form {
    pub fields: Vec<(String, String)>,
}

impl Form {
    pub fn of(page: &Page) -> Form {
        let html = page.html();
        let mut fields = Vec::new();
        let input = scraper::Selector::parse("form.compose input").unwrap();
        for element in html.select(&input) {
            let v = element.value();
            let (Some(name), kind) = (v.attr("name"), v.attr("type").unwrap_or("text")) else {
                continue;
            };
            match kind {
                "file" => continue,
                "checkbox" if v.attr("checked").is_none() => continue,
                _ => fields.push((name.to_owned(), v.attr("value").unwrap_or("").to_owned())),
            }
        }
        let textarea = scraper::Selector::parse("form.compose textarea").unwrap();
        for element in html.select(&textarea) {
            let name = element.value().attr("name").unwrap_or("").to_owned();
            // The HTML parser drops one newline right after <textarea>, as browsers do.
            fields.push((name, element.text().collect()));
        }
        Form { fields }
    }

    pub fn get(&self, name: &str) -> &str {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("the form has no {name} field"))
    }

    /// Sets a field (replacing it).
    pub fn set(mut self, name: &str, value: &str) -> Form {
        self.fields.retain(|(n, _)| n != name);
        self.fields.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Posts the form with `action` (`send` or `draft`) and `files`.
    pub async fn submit(
        &self,
        app: &TestApp,
        action: &str,
        files: &[(&str, &str, &str, &[u8])],
    ) -> Page {
        let mut fields: Vec<(&str, &str)> = self
            .fields
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        fields.push(("action", action));
        app.post_multipart("/compose", &fields, files).await
    }
}

/// Names of the attachments the compose page holds.
pub fn held_attachments(page: &Page) -> Vec<String> {
    page.texts("fieldset.attached .name")
}

/// Waits for a message whose subject holds `token` in `user`'s `mailbox`; its UID and bytes.
pub async fn delivered(user: User, mailbox: &str, token: &str) -> (u32, Vec<u8>) {
    let mut imap = imap_client::connect(user).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let uids = imap_client::search(&mut imap, mailbox, &format!("SUBJECT \"{token}\"")).await;
        if let Some(&uid) = uids.last() {
            let raw = imap_client::raw(&mut imap, mailbox, uid).await;
            return (uid, raw);
        }
        assert!(
            Instant::now() < deadline,
            "no message with {token} reached {mailbox} of {}",
            user.email()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// UIDs of messages in `mailbox` whose subject holds `token`, now.
pub async fn find(user: User, mailbox: &str, token: &str) -> Vec<u32> {
    let mut imap = imap_client::connect(user).await;
    imap_client::search(&mut imap, mailbox, &format!("SUBJECT \"{token}\"")).await
}

pub fn parse(raw: &[u8]) -> Message<'_> {
    MessageParser::default()
        .parse(raw)
        .expect("a parsable message")
}

/// The raw header block of a message, folded lines joined, for checks mail-parser would
/// smooth over.
pub fn header_block(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    let head = text.split("\r\n\r\n").next().unwrap_or("");
    head.replace("\r\n ", " ").replace("\r\n\t", " ")
}

/// Appends `message` (whose subject holds `token`) to `user`'s INBOX, as if delivered; its UID.
pub async fn receive(user: User, message: &str, token: &str) -> u32 {
    let mut imap = imap_client::connect(user).await;
    imap_client::append(&mut imap, "INBOX", message.replace('\n', "\r\n").as_bytes()).await;
    let uids = imap_client::search(&mut imap, "INBOX", &format!("SUBJECT \"{token}\"")).await;
    *uids.last().expect("the appended message")
}
