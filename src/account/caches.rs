//! What account sessions remember so pages do not ask the server again: message structures
//! (they never change for one [`MessageRef`]), sanitised HTML documents (so the message page
//! and its iframe clean a message once), the folder list with its counts for a short while,
//! and address suggestions for a longer one. Keys carry the mailbox's UIDVALIDITY, so a
//! renumbered mailbox never hits old entries.
//!
//! The caches are moka caches shared by every session of this process, each entry under its
//! session's id, rather than a set per session: a moka cache costs some 30 KB before it holds
//! anything, which a few thousand sessions would multiply, and one shared bound also caps
//! the total however many people are signed in (per-session bounds did not). Least recently
//! used goes first, so each person's latest messages stay; entries not used for an idle
//! timeout go too (their session is over, or they are not being looked at).

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use moka::policy::EvictionPolicy;
use moka::sync::Cache;

use crate::imap::MessageRef;
use crate::imap::folders::FolderList;
use crate::imap::reading::StructureCache;
use crate::message::structure::{Part, PartPath};

/// How long folder counts may be reused before asking the server again.
const FOLDERS_TTL: Duration = Duration::from_secs(30);
/// How long address suggestions are reused before recent mail is read again.
const SUGGESTIONS_TTL: Duration = Duration::from_secs(600);
/// Message structures kept, all sessions together: plenty for every person's latest pages.
const STRUCTURES: u64 = 16 * 1024;
/// Bytes of sanitised HTML kept, all sessions together.
const DOCUMENT_BYTES: u64 = 64 << 20;
/// Folder lists kept (one per session at most).
const FOLDER_LISTS: u64 = 64 * 1024;
/// Bytes of address suggestions kept, all sessions together.
const SUGGESTION_BYTES: u64 = 64 << 20;

/// Which session an entry belongs to: a number the registry hands out, never reused.
pub type SessionId = u64;

/// A sanitised HTML document ready for the message iframe.
#[derive(Debug)]
pub struct Document {
    pub html: Bytes,
    /// Remote resources left out (0 when remote content was allowed).
    pub remote_blocked: usize,
}

/// Which document: an HTML part of a message, with or without remote content.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DocumentKey {
    pub message: MessageRef,
    pub part: PartPath,
    pub remote: bool,
}

/// The caches every account session shares.
pub struct SharedCaches {
    structures: Cache<(SessionId, MessageRef), Arc<Part>>,
    documents: Cache<(SessionId, DocumentKey), Arc<Document>>,
    folders: Cache<SessionId, Arc<FolderList>>,
    suggestions: Cache<SessionId, Arc<Vec<String>>>,
}

/// Saturating weight for a weigher (moka weighs in `u32`).
fn weight(bytes: usize) -> u32 {
    u32::try_from(bytes).unwrap_or(u32::MAX)
}

impl SharedCaches {
    /// Caches whose entries also go after `idle` unused (the session idle timeout).
    pub fn new(idle: Duration) -> Self {
        SharedCaches {
            structures: Cache::builder()
                .max_capacity(STRUCTURES)
                .eviction_policy(EvictionPolicy::lru())
                .time_to_idle(idle)
                .support_invalidation_closures()
                .build(),
            documents: Cache::builder()
                .max_capacity(DOCUMENT_BYTES)
                .weigher(|_, document: &Arc<Document>| weight(document.html.len()))
                .eviction_policy(EvictionPolicy::lru())
                .time_to_idle(idle)
                .support_invalidation_closures()
                .build(),
            folders: Cache::builder()
                .max_capacity(FOLDER_LISTS)
                .time_to_live(FOLDERS_TTL)
                .build(),
            suggestions: Cache::builder()
                .max_capacity(SUGGESTION_BYTES)
                .weigher(|_, list: &Arc<Vec<String>>| {
                    weight(list.iter().map(String::len).sum::<usize>())
                })
                .time_to_live(SUGGESTIONS_TTL)
                .build(),
        }
    }
}

/// One session's view of the shared caches. Cheap to clone.
#[derive(Clone)]
pub(super) struct Caches {
    id: SessionId,
    shared: Arc<SharedCaches>,
}

impl StructureCache for Caches {
    fn get(&self, message: &MessageRef) -> Option<Arc<Part>> {
        self.shared.structures.get(&(self.id, message.clone()))
    }

    fn insert(&self, message: MessageRef, structure: Arc<Part>) {
        self.shared.structures.insert((self.id, message), structure);
    }
}

impl Caches {
    pub(super) fn new(id: SessionId, shared: Arc<SharedCaches>) -> Self {
        Caches { id, shared }
    }

    pub(super) fn document(&self, key: &DocumentKey) -> Option<Arc<Document>> {
        self.shared.documents.get(&(self.id, key.clone()))
    }

    pub(super) fn keep_document(&self, key: DocumentKey, document: Arc<Document>) {
        self.shared.documents.insert((self.id, key), document);
    }

    pub(super) fn folders(&self) -> Option<Arc<FolderList>> {
        self.shared.folders.get(&self.id)
    }

    pub(super) fn keep_folders(&self, list: Arc<FolderList>) {
        self.shared.folders.insert(self.id, list);
    }

    pub(super) fn forget_folders(&self) {
        self.shared.folders.invalidate(&self.id);
    }

    pub(super) fn suggestions(&self) -> Option<Arc<Vec<String>>> {
        self.shared.suggestions.get(&self.id)
    }

    pub(super) fn keep_suggestions(&self, list: Arc<Vec<String>>) {
        self.shared.suggestions.insert(self.id, list);
    }

    /// Drops everything of this session's when it ends, so no message of a signed-out person
    /// stays in memory to age out (kiosks). Structures and documents are found by a predicate
    /// over their keys, which moka applies in its own maintenance.
    pub(super) fn forget(&self) {
        let id = self.id;
        self.shared.folders.invalidate(&id);
        self.shared.suggestions.invalidate(&id);
        // Fails only if the builder did not enable closures, which `SharedCaches::new` does.
        let structures =
            (self.shared.structures).invalidate_entries_if(move |(of, _), _| *of == id);
        let documents = (self.shared.documents).invalidate_entries_if(move |(of, _), _| *of == id);
        if structures.is_err() || documents.is_err() {
            tracing::error!("cache invalidation by session is not enabled");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::imap::MailboxName;

    fn message(uid_validity: u32, uid: u32) -> MessageRef {
        MessageRef::new(MailboxName::parse("INBOX").unwrap(), uid_validity, uid)
    }

    fn caches() -> (Caches, Caches) {
        let shared = Arc::new(SharedCaches::new(Duration::from_secs(60)));
        (Caches::new(1, shared.clone()), Caches::new(2, shared))
    }

    fn document(text: &'static str) -> Arc<Document> {
        Arc::new(Document {
            html: Bytes::from_static(text.as_bytes()),
            remote_blocked: 0,
        })
    }

    #[test]
    fn sessions_never_see_each_others_entries() {
        let (ada, bob) = caches();
        ada.keep_folders(Arc::new(FolderList::default()));
        let key = DocumentKey {
            message: message(7, 1),
            part: PartPath::parse("1").unwrap(),
            remote: false,
        };
        ada.keep_document(key.clone(), document("<p>ada</p>"));
        assert!(ada.folders().is_some());
        assert!(bob.folders().is_none());
        assert!(ada.document(&key).is_some());
        assert!(bob.document(&key).is_none());
    }

    #[test]
    fn a_renumbered_mailbox_misses_what_was_cached_before() {
        let (ada, _) = caches();
        let key = |message| DocumentKey {
            message,
            part: PartPath::parse("2").unwrap(),
            remote: true,
        };
        ada.keep_document(key(message(7, 5)), document("<p>old</p>"));
        assert!(ada.document(&key(message(7, 5))).is_some());
        assert!(ada.document(&key(message(8, 5))).is_none());
    }

    /// A one-part plain-text message.
    fn plain() -> Arc<Part> {
        Arc::new(Part {
            path: PartPath::parse("1").unwrap(),
            mime: "text/plain".into(),
            params: Vec::new(),
            disposition: None,
            disposition_params: Vec::new(),
            content_id: None,
            encoding: crate::message::transfer::Encoding::Identity,
            octets: 5,
            body: crate::message::structure::Body::Leaf,
        })
    }

    #[test]
    fn a_forgotten_session_leaves_no_structure_or_document_behind() {
        let (ada, bob) = caches();
        ada.insert(message(1, 7), plain());
        bob.insert(message(1, 7), plain());
        let key = DocumentKey {
            message: message(1, 7),
            part: PartPath::parse("1").unwrap(),
            remote: false,
        };
        ada.keep_document(key.clone(), document("<p>ada</p>"));
        bob.keep_document(key.clone(), document("<p>bob</p>"));

        ada.forget();
        ada.shared.structures.run_pending_tasks();
        ada.shared.documents.run_pending_tasks();

        assert!(ada.get(&message(1, 7)).is_none());
        assert!(ada.document(&key).is_none());
        assert!(bob.get(&message(1, 7)).is_some());
        assert!(bob.document(&key).is_some());
        assert_eq!(ada.shared.structures.entry_count(), 1);
        assert_eq!(ada.shared.documents.entry_count(), 1);
    }

    #[test]
    fn forgetting_the_folders_empties_only_this_sessions_entry() {
        let (ada, bob) = caches();
        ada.keep_folders(Arc::new(FolderList::default()));
        bob.keep_folders(Arc::new(FolderList::default()));
        ada.forget_folders();
        assert!(ada.folders().is_none());
        assert!(bob.folders().is_some());
        bob.keep_suggestions(Arc::new(vec!["a@x.org".into()]));
        bob.forget();
        assert!(bob.folders().is_none() && bob.suggestions().is_none());
    }

    #[test]
    fn the_least_recently_used_document_goes_first() {
        let documents: Cache<u32, Arc<Document>> = Cache::builder()
            .max_capacity(20)
            .weigher(|_, document: &Arc<Document>| weight(document.html.len()))
            .eviction_policy(EvictionPolicy::lru())
            .build();
        // moka applies uses in batches; settle each one so the order is the one written.
        documents.insert(1, document("0123456789"));
        documents.insert(2, document("0123456789"));
        documents.run_pending_tasks();
        assert!(documents.get(&1).is_some());
        documents.run_pending_tasks();
        documents.insert(3, document("0123456789"));
        documents.run_pending_tasks();
        assert!(documents.get(&2).is_none(), "2 was used least recently");
        assert!(documents.get(&1).is_some());
        assert!(documents.get(&3).is_some());
    }
}
