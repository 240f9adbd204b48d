//! Where browser sessions' records are kept: in this process's memory, each beside the key
//! of the account session it belongs to.
//!
//! The records keep no clock. How long a sign-in lasts is decided once, by the account
//! sessions ([`crate::account::Limits`], enforced by [`AccountSessions`]), and this store
//! follows them: a record is saved only while its account session is live, and dropped when
//! the registry forgets that session (an idle timeout after it ended, so a browser that
//! comes back in between hears that its session ended). So a browser closed without signing
//! out leaves nothing behind, and there is no second sweeper.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

use async_trait::async_trait;
use serde::Deserialize;
use tower_sessions::SessionStore;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::Result;

use super::{SIGNED_IN, SignedIn};
use crate::account::{AccountSessions, SessionKey};

#[derive(Clone)]
pub struct MemoryRecords {
    records: Arc<Mutex<Records>>,
    /// Asked whether the account session a record names is still live.
    sessions: AccountSessions,
}

#[derive(Default)]
struct Records {
    by_id: HashMap<Id, (Record, SessionKey)>,
    /// The one record of each account session.
    by_account: HashMap<SessionKey, Id>,
}

impl Records {
    fn remove(&mut self, id: &Id) {
        if let Some((_, key)) = self.by_id.remove(id)
            && self.by_account.get(&key) == Some(id)
        {
            self.by_account.remove(&key);
        }
    }

    fn forget_account(&mut self, key: &str) {
        if let Some(id) = self.by_account.remove(key) {
            self.by_id.remove(&id);
        }
    }
}

/// The account session a record belongs to: the key in its `signed_in` entry.
fn account_of(record: &Record) -> Option<SessionKey> {
    let value = record.data.get(SIGNED_IN)?;
    SignedIn::deserialize(value).ok().map(|who| who.key)
}

impl MemoryRecords {
    /// A store following `sessions`: the record of an account session goes when the
    /// registry forgets it.
    pub fn new(sessions: AccountSessions) -> Self {
        let records = Arc::new(Mutex::new(Records::default()));
        let follower: Weak<Mutex<Records>> = Arc::downgrade(&records);
        sessions.on_forget(move |key| {
            if let Some(records) = follower.upgrade() {
                records
                    .lock()
                    .expect("session records poisoned")
                    .forget_account(key);
            }
        });
        MemoryRecords { records, sessions }
    }

    /// How many records are kept.
    pub fn len(&self) -> usize {
        self.lock().by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Records> {
        self.records.lock().expect("session records poisoned")
    }

    /// Keeps `record` under its id (a fresh one if `fresh_id`) if it names a live account
    /// session; otherwise keeps nothing under that id. Returns the id.
    fn put(&self, record: &Record, fresh_id: bool) -> Id {
        // The lock is held while the registry is asked, so a session forgotten meanwhile
        // cannot leave its record behind: the follower waits for this lock.
        let mut records = self.lock();
        let mut id = record.id;
        while fresh_id && records.by_id.contains_key(&id) {
            id = Id::default();
        }
        records.remove(&id);
        let Some(key) = account_of(record).filter(|key| self.sessions.is_live(key)) else {
            return id;
        };
        if let Some(old) = records.by_account.get(&key).copied() {
            records.remove(&old);
        }
        let mut record = record.clone();
        record.id = id;
        records.by_account.insert(key.clone(), id);
        records.by_id.insert(id, (record, key));
        id
    }
}

#[async_trait]
impl SessionStore for MemoryRecords {
    async fn create(&self, record: &mut Record) -> Result<()> {
        record.id = self.put(record, true);
        Ok(())
    }

    async fn save(&self, record: &Record) -> Result<()> {
        self.put(record, false);
        Ok(())
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        Ok(self.lock().by_id.get(id).map(|(record, _)| record.clone()))
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        self.lock().remove(id);
        Ok(())
    }
}

impl std::fmt::Debug for MemoryRecords {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryRecords")
            .field("records", &self.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::account::sessions::tests::{limits, signed_in};

    fn record(key: Option<&str>) -> Record {
        let mut data = HashMap::new();
        if let Some(key) = key {
            let who = SignedIn {
                key: key.to_owned(),
                email: "ada@posta.test".into(),
                csrf: "token".into(),
            };
            data.insert(SIGNED_IN.to_owned(), serde_json::to_value(who).unwrap());
        }
        Record {
            id: Id::default(),
            data,
            expiry_date: time::OffsetDateTime::now_utc() + time::Duration::weeks(2),
        }
    }

    #[tokio::test]
    async fn a_record_lives_as_long_as_its_account_session() {
        let sessions = AccountSessions::new(limits(300, 60_000));
        let store = MemoryRecords::new(sessions.clone());
        let key = signed_in(&sessions);
        let mut r = record(Some(&key));
        store.create(&mut r).await.unwrap();
        assert!(store.load(&r.id).await.unwrap().is_some());

        tokio::time::sleep(Duration::from_millis(350)).await;
        sessions.sweep_once(Duration::from_secs(60));
        assert!(!sessions.is_live(&key));
        assert!(
            store.load(&r.id).await.unwrap().is_some(),
            "kept to tell the browser its session ended"
        );
        tokio::time::sleep(Duration::from_millis(350)).await;
        sessions.sweep_once(Duration::from_secs(60));
        assert!(store.load(&r.id).await.unwrap().is_none());
        assert!(store.is_empty());
    }

    #[tokio::test]
    async fn loading_a_record_is_not_activity() {
        let sessions = AccountSessions::new(limits(300, 60_000));
        let store = MemoryRecords::new(sessions.clone());
        let key = signed_in(&sessions);
        let mut r = record(Some(&key));
        store.create(&mut r).await.unwrap();
        for _ in 0..4 {
            store.load(&r.id).await.unwrap();
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(
            sessions.get(&key).is_none(),
            "the account session timed out"
        );
    }

    #[tokio::test]
    async fn records_of_no_live_account_session_are_not_kept() {
        let sessions = AccountSessions::default();
        let store = MemoryRecords::new(sessions.clone());
        let mut anonymous = record(None);
        store.create(&mut anonymous).await.unwrap();
        let mut stale = record(Some("no such key"));
        store.create(&mut stale).await.unwrap();
        assert!(store.is_empty());

        let key = signed_in(&sessions);
        let mut r = record(Some(&key));
        store.create(&mut r).await.unwrap();
        sessions.remove(&key);
        store.save(&r).await.unwrap();
        assert!(store.is_empty(), "saved after its session ended");
    }

    #[tokio::test]
    async fn signing_out_and_deleting_leave_nothing() {
        let sessions = AccountSessions::default();
        let store = MemoryRecords::new(sessions.clone());
        let (a, b) = (signed_in(&sessions), signed_in(&sessions));
        let (mut ra, mut rb) = (record(Some(&a)), record(Some(&b)));
        store.create(&mut ra).await.unwrap();
        store.create(&mut rb).await.unwrap();
        assert_eq!(store.len(), 2);
        sessions.end(&a);
        store.delete(&ra.id).await.unwrap();
        assert_eq!(store.len(), 1);
        store.delete(&rb.id).await.unwrap();
        assert!(store.is_empty());
        assert!(
            sessions.is_live(&b),
            "deleting a record leaves its account session"
        );
    }
}
