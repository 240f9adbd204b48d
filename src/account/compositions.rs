//! Messages being written, kept in server memory in the account session: the files
//! uploaded with each compose form and what the message answers or continues (the original
//! of a reply or forward, the draft it replaces). A form names its composition by a random
//! id, so a refused send or an over-large upload comes back with every attachment, and no
//! file ever travels back and forth through the browser. Bounded: a few compositions per
//! session, the oldest forgotten first; they end with the session.
//!
//! Not a cache, so not moka: an entry is someone's unsent work, and it must go only by the
//! one rule above (the oldest of more than a few), never by an admission policy or at some
//! later maintenance pass. Four entries need no more than a list.

use std::sync::Mutex;
use std::time::Instant;

use crate::imap::MessageRef;
use crate::message::outgoing::build::Upload;

/// Compositions one session keeps at once (several tabs); more forget the oldest.
const PER_SESSION: usize = 4;

/// What was done to the original when this message goes out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answering {
    Reply,
    Forward,
}

/// The message a reply or forward comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    pub kind: Answering,
    /// The original as it was opened: it is only marked while the UID still names it.
    pub message: MessageRef,
}

impl Origin {
    /// `reply 1712345 42 Projects%2FRust`: how a draft remembers its original, in ASCII (see
    /// [`MessageRef`]'s text form). Drafts on IMAP servers carry it: keep it as it is.
    pub fn to_header(&self) -> String {
        let kind = match self.kind {
            Answering::Reply => "reply",
            Answering::Forward => "forward",
        };
        format!("{kind} {}", self.message)
    }

    pub fn from_header(value: &str) -> Option<Origin> {
        let (kind, message) = value.trim().split_once(' ')?;
        let kind = match kind {
            "reply" => Answering::Reply,
            "forward" => Answering::Forward,
            _ => return None,
        };
        Some(Origin {
            kind,
            message: MessageRef::parse(message)?,
        })
    }
}

/// The text fields of the compose form, as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fields {
    pub to: String,
    pub cc: String,
    pub bcc: String,
    pub subject: String,
    pub body: String,
}

/// One message being written.
#[derive(Clone, Debug, Default)]
pub struct Composition {
    /// The fields as last posted or loaded, to show the form again.
    pub fields: Fields,
    /// Attachments with the ids the form's "keep" boxes name.
    pub attachments: Vec<(u32, Upload)>,
    /// `In-Reply-To` and `References` of a reply (checked Message-IDs).
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    pub origin: Option<Origin>,
    /// UID (in Drafts) of the last saved version, replaced by the next save and removed on send.
    pub draft_uid: Option<u32>,
}

impl Composition {
    /// Adds a file under the next unused id.
    pub fn attach(&mut self, upload: Upload) {
        let id = self
            .attachments
            .iter()
            .map(|(id, _)| *id)
            .max()
            .unwrap_or(0)
            + 1;
        self.attachments.push((id, upload));
    }

    /// Bytes of all attachments together.
    pub fn attached_size(&self) -> u64 {
        self.attachments
            .iter()
            .map(|(_, u)| u.bytes.len() as u64)
            .sum()
    }

    pub fn uploads(&self) -> Vec<Upload> {
        self.attachments.iter().map(|(_, u)| u.clone()).collect()
    }
}

/// The compositions of one session.
#[derive(Default)]
pub struct Compositions {
    entries: Mutex<Vec<(String, Instant, Composition)>>,
}

impl Compositions {
    /// Starts a composition; returns its id.
    pub fn start(&self, composition: Composition) -> String {
        let id = crate::token::random_token()[..22].to_owned();
        let mut entries = self.entries.lock().expect("compositions poisoned");
        if entries.len() >= PER_SESSION
            && let Some(oldest) = entries
                .iter()
                .enumerate()
                .min_by_key(|(_, (_, used, _))| *used)
                .map(|(i, _)| i)
        {
            entries.remove(oldest);
        }
        entries.push((id.clone(), Instant::now(), composition));
        id
    }

    /// A copy of composition `id` (attachments share their bytes).
    pub fn get(&self, id: &str) -> Option<Composition> {
        let mut entries = self.entries.lock().expect("compositions poisoned");
        entries.iter_mut().find(|(i, _, _)| i == id).map(|entry| {
            entry.1 = Instant::now();
            entry.2.clone()
        })
    }

    /// Replaces composition `id` (or keeps it anew, if it was forgotten meanwhile).
    pub fn put(&self, id: &str, composition: Composition) {
        let mut entries = self.entries.lock().expect("compositions poisoned");
        match entries.iter_mut().find(|(i, _, _)| i == id) {
            Some(entry) => {
                entry.1 = Instant::now();
                entry.2 = composition;
            }
            None => entries.push((id.to_owned(), Instant::now(), composition)),
        }
    }

    /// The id of the composition whose saved draft is `uid`, to resume it without a fetch.
    pub fn by_draft(&self, uid: u32) -> Option<String> {
        let entries = self.entries.lock().expect("compositions poisoned");
        entries
            .iter()
            .find(|(_, _, c)| c.draft_uid == Some(uid))
            .map(|(id, _, _)| id.clone())
    }

    pub fn finish(&self, id: &str) {
        self.entries
            .lock()
            .expect("compositions poisoned")
            .retain(|(i, _, _)| i != id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upload(name: &str) -> Upload {
        Upload {
            name: name.into(),
            mime: "text/plain".into(),
            bytes: bytes::Bytes::from_static(b"12345"),
        }
    }

    #[test]
    fn a_composition_keeps_its_attachments_until_finished() {
        let store = Compositions::default();
        let mut c = Composition::default();
        c.attach(upload("a.txt"));
        c.attach(upload("b.txt"));
        let id = store.start(c);
        let back = store.get(&id).unwrap();
        assert_eq!(back.attachments.len(), 2);
        assert_eq!(back.attachments[1].0, 2);
        assert_eq!(back.attached_size(), 10);
        store.finish(&id);
        assert!(store.get(&id).is_none());
    }

    #[test]
    fn only_a_few_compositions_are_kept() {
        let store = Compositions::default();
        let first = store.start(Composition::default());
        for _ in 0..PER_SESSION {
            store.start(Composition::default());
        }
        assert!(store.get(&first).is_none());
    }

    #[test]
    fn origins_round_trip_through_a_draft_header() {
        let mailbox = crate::imap::MailboxName::parse("Projects/Big plans").unwrap();
        let origin = Origin {
            kind: Answering::Forward,
            message: MessageRef::new(mailbox, 17, 42),
        };
        assert_eq!(origin.to_header(), "forward 17 42 Projects%2FBig%20plans");
        assert_eq!(Origin::from_header(&origin.to_header()), Some(origin));
        assert_eq!(Origin::from_header("reply x 1 INBOX"), None);
        assert_eq!(Origin::from_header("reply 1 0 INBOX"), None);
        assert_eq!(Origin::from_header("answer 1 2 INBOX"), None);
        assert_eq!(Origin::from_header("reply  1 2 INBOX"), None);
    }

    #[test]
    fn headers_on_servers_today_still_read() {
        let origin = Origin::from_header(" reply 1712345 42 Projects%2FRust\r\n").unwrap();
        assert_eq!(origin.kind, Answering::Reply);
        assert_eq!(origin.message.mailbox().as_str(), "Projects/Rust");
        assert_eq!(origin.message.uid_validity(), 1712345);
        assert_eq!(origin.message.uid(), 42);
        assert_eq!(origin.to_header(), "reply 1712345 42 Projects%2FRust");
    }
}
