//! Messages being written, kept in server memory in the account session: the files
//! uploaded with each compose form and what the message answers or continues (the original
//! of a reply or forward, the draft it replaces). A form names its composition by a random
//! id, so a refused send or an over-large upload comes back with every attachment, and no
//! file ever travels back and forth through the browser.
//!
//! Bounded twice. Each session keeps a few compositions (several tabs); a new one beyond
//! that forgets the one untouched longest, rather than refusing: a person opening another
//! reply expects to write it, while the forgotten one is most likely a tab long closed (a
//! closed tab tells the server nothing), and even if not, its text is still in its form
//! and comes back with it; only its files would have to be chosen again. And every file
//! held draws on the one budget all sessions share ([`UploadMemory`]), given back when the
//! file goes, whichever way it goes (see [`super::upload_memory`]).
//!
//! Not a cache, so not moka: an entry is someone's unsent work, and it must go only by the
//! rules above (the oldest of more than a few, or the session's end), never by an admission
//! policy or at some later maintenance pass. Four entries need no more than a list.

use std::sync::Mutex;
use std::time::Instant;

use super::upload_memory::{Attachable, HeldUpload, NoRoom, UploadMemory};
use crate::imap::MessageRef;
use crate::message::outgoing::build::Upload;

/// Compositions one session keeps at once (several tabs); more forget the one untouched
/// longest.
pub const PER_SESSION: usize = 4;

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

/// A file attached to a composition, under the id its "keep" box names.
#[derive(Clone, Debug)]
pub struct Attached {
    pub id: u32,
    pub file: HeldUpload,
}

/// One message being written.
#[derive(Clone, Debug, Default)]
pub struct Composition {
    /// The fields as last posted or loaded, to show the form again.
    pub fields: Fields,
    /// Attachments, each holding its bytes of the shared budget.
    pub attachments: Vec<Attached>,
    /// `In-Reply-To` and `References` of a reply (checked Message-IDs).
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    pub origin: Option<Origin>,
    /// UID (in Drafts) of the last saved version, replaced by the next save and removed on send.
    pub draft_uid: Option<u32>,
}

impl Composition {
    /// Adds a file under the next unused id.
    pub fn attach(&mut self, file: HeldUpload) {
        let id = self.attachments.iter().map(|a| a.id).max().unwrap_or(0) + 1;
        self.attachments.push(Attached { id, file });
    }

    /// Bytes of all attachments together.
    pub fn attached_size(&self) -> u64 {
        self.attachments
            .iter()
            .map(|a| a.file.bytes.len() as u64)
            .sum()
    }

    pub fn uploads(&self) -> Vec<Upload> {
        self.attachments.iter().map(|a| (*a.file).clone()).collect()
    }
}

/// Why [`Compositions::attach`] left files out, if it did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LeftOut {
    /// They would have taken the message past its limit.
    pub too_large: bool,
    /// The server holds as many files as it may, every session's together.
    pub no_room: bool,
}

/// The compositions of one session.
pub struct Compositions {
    entries: Mutex<Vec<(String, Instant, Composition)>>,
    /// What their files draw on, shared by every session.
    memory: UploadMemory,
}

impl Compositions {
    pub fn new(memory: UploadMemory) -> Self {
        Compositions {
            entries: Mutex::default(),
            memory,
        }
    }

    /// Takes `upload`'s bytes from the shared budget, to be attached to a composition.
    pub fn hold(&self, file: impl Attachable) -> Result<HeldUpload, NoRoom> {
        self.memory.hold(file)
    }

    /// Attaches `files` to `composition` while its attachments stay under `limit` bytes
    /// together and the shared budget has room; says which of those left files out.
    pub fn attach(
        &self,
        composition: &mut Composition,
        files: Vec<impl Attachable>,
        limit: u64,
    ) -> LeftOut {
        let mut left_out = LeftOut::default();
        for file in files {
            if composition.attached_size() + file.size() > limit {
                left_out.too_large = true;
                continue;
            }
            match self.hold(file) {
                Ok(held) => composition.attach(held),
                Err(NoRoom(size)) => {
                    tracing::warn!(size, "upload refused: the upload memory is full");
                    left_out.no_room = true;
                }
            }
        }
        left_out
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, Vec<(String, Instant, Composition)>> {
        self.entries.lock().expect("compositions poisoned")
    }

    /// Starts a composition; returns its id.
    pub fn start(&self, composition: Composition) -> String {
        let id = crate::token::random_token()[..22].to_owned();
        self.put(&id, composition);
        id
    }

    /// A copy of composition `id` (attachments share their bytes).
    pub fn get(&self, id: &str) -> Option<Composition> {
        let mut entries = self.entries();
        entries.iter_mut().find(|(i, _, _)| i == id).map(|entry| {
            entry.1 = Instant::now();
            entry.2.clone()
        })
    }

    /// Replaces composition `id`, or keeps it anew (when it was forgotten meanwhile),
    /// forgetting the one untouched longest if there are already [`PER_SESSION`].
    pub fn put(&self, id: &str, composition: Composition) {
        let mut entries = self.entries();
        if let Some(entry) = entries.iter_mut().find(|(i, _, _)| i == id) {
            entry.1 = Instant::now();
            entry.2 = composition;
            return;
        }
        if entries.len() >= PER_SESSION
            && let Some(oldest) = (entries.iter().enumerate())
                .min_by_key(|(_, (_, used, _))| *used)
                .map(|(i, _)| i)
        {
            entries.remove(oldest);
        }
        entries.push((id.to_owned(), Instant::now(), composition));
    }

    /// The id of the composition whose saved draft is `uid`, to resume it without a fetch.
    pub fn by_draft(&self, uid: u32) -> Option<String> {
        let entries = self.entries();
        entries
            .iter()
            .find(|(_, _, c)| c.draft_uid == Some(uid))
            .map(|(id, _, _)| id.clone())
    }

    /// Forgets composition `id` (sent or discarded), giving back its files' bytes.
    pub fn finish(&self, id: &str) {
        self.entries().retain(|(i, _, _)| i != id);
    }

    /// Forgets every composition (the session ended), giving back their files' bytes now,
    /// not when the last request of the session lets go of it.
    pub fn clear(&self) {
        self.entries().clear();
    }

    pub fn len(&self) -> usize {
        self.entries().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
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

    fn store() -> Compositions {
        Compositions::new(UploadMemory::new(1 << 20))
    }

    #[test]
    fn a_composition_keeps_its_attachments_until_finished() {
        let store = store();
        let mut c = Composition::default();
        c.attach(store.hold(upload("a.txt")).unwrap());
        c.attach(store.hold(upload("b.txt")).unwrap());
        let id = store.start(c);
        let back = store.get(&id).unwrap();
        assert_eq!(back.attachments.len(), 2);
        assert_eq!(back.attachments[1].id, 2);
        assert_eq!(back.attached_size(), 10);
        assert_eq!(store.memory.held(), 10);
        drop(back);
        store.finish(&id);
        assert!(store.get(&id).is_none());
        assert_eq!(store.memory.held(), 0, "finishing gives the bytes back");
    }

    #[test]
    fn only_a_few_compositions_are_kept_and_the_forgotten_give_their_bytes_back() {
        let store = store();
        let mut first = Composition::default();
        first.attach(store.hold(upload("old.txt")).unwrap());
        let first = store.start(first);
        for _ in 0..PER_SESSION {
            store.start(Composition::default());
        }
        assert!(store.get(&first).is_none());
        assert_eq!(store.len(), PER_SESSION);
        assert_eq!(store.memory.held(), 0);
    }

    #[test]
    fn keeping_a_forgotten_composition_again_stays_within_the_few() {
        let store = store();
        let ids: Vec<String> = (0..PER_SESSION)
            .map(|_| store.start(Composition::default()))
            .collect();
        store.get(&ids[0]);
        store.put("forgotten-meanwhile", Composition::default());
        assert_eq!(store.len(), PER_SESSION);
        assert!(store.get(&ids[0]).is_some(), "touched last, kept");
        assert!(store.get(&ids[1]).is_none(), "untouched longest, forgotten");
    }

    #[test]
    fn files_are_attached_while_they_fit_the_message_and_the_budget() {
        let store = Compositions::new(UploadMemory::new(12));
        let mut c = Composition::default();
        let sized = |n: usize| Upload {
            name: format!("{n}.bin"),
            mime: "application/octet-stream".into(),
            bytes: vec![0u8; n].into(),
        };

        let left = store.attach(&mut c, vec![sized(4), sized(9), sized(5)], 10);
        assert_eq!(
            left,
            LeftOut {
                too_large: true,
                no_room: false
            }
        );
        let names: Vec<&str> = c.attachments.iter().map(|a| a.file.name.as_str()).collect();
        assert_eq!(names, ["4.bin", "5.bin"]);

        let left = store.attach(&mut Composition::default(), vec![sized(4)], 10);
        assert_eq!(
            left,
            LeftOut {
                too_large: false,
                no_room: true
            },
            "9 of 12 held"
        );
        assert_eq!(store.memory.held(), 9);
    }

    #[test]
    fn clearing_gives_every_files_bytes_back() {
        let store = store();
        for name in ["a.txt", "b.txt"] {
            let mut c = Composition::default();
            c.attach(store.hold(upload(name)).unwrap());
            store.start(c);
        }
        assert_eq!(store.memory.held(), 10);
        store.clear();
        assert!(store.is_empty());
        assert_eq!(store.memory.held(), 0);
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
