//! What an account session remembers so pages do not ask the server again: message
//! structures (they never change for one [`MessageRef`]), sanitised HTML documents (so the
//! message page and its iframe clean a message once), the folder list with its counts for a
//! short while, and address suggestions for a longer one. All bounded, all moka caches:
//! least-recently-used eviction for what is keyed by message, time-to-live for the rest.
//! Keys carry the mailbox's UIDVALIDITY, so a renumbered mailbox never hits old entries.

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
/// Structures remembered per session: a few pages of messages opened.
const STRUCTURES: u64 = 256;
/// Sanitised documents remembered per session: enough for the page and its iframe to share
/// one fetch, and for going back and forth between a few messages.
const DOCUMENTS: u64 = 8;

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

/// Message structures by [`MessageRef`], for the IMAP reading functions to consult.
#[derive(Clone)]
pub(super) struct Structures(Cache<MessageRef, Arc<Part>>);

impl StructureCache for Structures {
    fn get(&self, message: &MessageRef) -> Option<Arc<Part>> {
        self.0.get(message)
    }

    fn insert(&self, message: MessageRef, structure: Arc<Part>) {
        self.0.insert(message, structure);
    }
}

/// The caches of one account session.
pub(super) struct Caches {
    pub(super) structures: Structures,
    documents: Cache<DocumentKey, Arc<Document>>,
    /// One entry (or none): the folder list as last fetched.
    folders: Cache<(), Arc<FolderList>>,
    /// One entry (or none): addresses from recent mail.
    suggestions: Cache<(), Arc<Vec<String>>>,
}

/// Least recently used goes first: moka's default (TinyLFU) may refuse to admit a new entry
/// into a full cache, and the entry just made is the one the next request wants.
fn lru<K, V>(capacity: u64) -> Cache<K, V>
where
    K: std::hash::Hash + Eq + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    Cache::builder()
        .max_capacity(capacity)
        .eviction_policy(EvictionPolicy::lru())
        .build()
}

fn one_for<V: Clone + Send + Sync + 'static>(ttl: Duration) -> Cache<(), V> {
    Cache::builder().max_capacity(1).time_to_live(ttl).build()
}

impl Caches {
    pub(super) fn new() -> Self {
        Caches {
            structures: Structures(lru(STRUCTURES)),
            documents: lru(DOCUMENTS),
            folders: one_for(FOLDERS_TTL),
            suggestions: one_for(SUGGESTIONS_TTL),
        }
    }

    pub(super) fn document(&self, key: &DocumentKey) -> Option<Arc<Document>> {
        self.documents.get(key)
    }

    pub(super) fn keep_document(&self, key: DocumentKey, document: Arc<Document>) {
        self.documents.insert(key, document);
    }

    pub(super) fn folders(&self) -> Option<Arc<FolderList>> {
        self.folders.get(&())
    }

    pub(super) fn keep_folders(&self, list: Arc<FolderList>) {
        self.folders.insert((), list);
    }

    pub(super) fn forget_folders(&self) {
        self.folders.invalidate(&());
    }

    pub(super) fn suggestions(&self) -> Option<Arc<Vec<String>>> {
        self.suggestions.get(&())
    }

    pub(super) fn keep_suggestions(&self, list: Arc<Vec<String>>) {
        self.suggestions.insert((), list);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::imap::MailboxName;

    fn message(uid: u32) -> MessageRef {
        MessageRef::new(MailboxName::parse("INBOX").unwrap(), 7, uid)
    }

    #[test]
    fn the_least_recently_used_structure_goes_first() {
        let cache: Cache<MessageRef, u32> = lru(2);
        // moka applies uses in batches; settle each one so the order is the one written.
        cache.insert(message(1), 1);
        cache.insert(message(2), 2);
        cache.run_pending_tasks();
        assert_eq!(cache.get(&message(1)), Some(1));
        cache.run_pending_tasks();
        cache.insert(message(3), 3);
        cache.run_pending_tasks();
        assert_eq!(cache.get(&message(2)), None, "2 was used least recently");
        assert_eq!(cache.get(&message(1)), Some(1));
        assert_eq!(cache.get(&message(3)), Some(3));
    }

    #[test]
    fn a_renumbered_mailbox_misses_what_was_cached_before() {
        let cache: Cache<MessageRef, u32> = lru(2);
        cache.insert(message(5), 5);
        let renumbered = MessageRef::new(MailboxName::parse("INBOX").unwrap(), 8, 5);
        assert_eq!(cache.get(&message(5)), Some(5));
        assert_eq!(cache.get(&renumbered), None);
    }

    #[test]
    fn forgetting_the_folders_empties_their_cache() {
        let caches = Caches::new();
        caches.keep_folders(Arc::new(FolderList::default()));
        assert!(caches.folders().is_some());
        caches.forget_folders();
        assert!(caches.folders().is_none());
    }
}
