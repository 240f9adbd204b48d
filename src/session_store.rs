//! Where browser sessions are kept: in this process's memory, each record forgotten once
//! its person has been away past the idle timeout or signed in past the lifetime, so a
//! browser closed without signing out leaves nothing behind for long.
//!
//! The cookie carries no expiry (it dies with the browser); the limits live here and in
//! [`MailSessions`](crate::imap::MailSessions), which hold the same [`Limits`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use async_trait::async_trait;
use tower_sessions::SessionStore;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::Result;

use crate::imap::mail_session::Limits;

#[derive(Clone, Debug)]
pub struct MemoryRecords {
    records: Arc<Mutex<HashMap<Id, Entry>>>,
    limits: Limits,
}

#[derive(Debug)]
struct Entry {
    record: Record,
    started: Instant,
    last_seen: Instant,
}

impl Entry {
    fn is_over(&self, limits: &Limits, now: Instant) -> bool {
        limits.exceeded(
            now.duration_since(self.last_seen),
            now.duration_since(self.started),
        )
    }
}

impl MemoryRecords {
    pub fn new(limits: Limits) -> Self {
        MemoryRecords {
            records: Arc::default(),
            limits,
        }
    }

    /// Forgets every record past its limits; returns how many are left.
    pub fn prune(&self) -> usize {
        let now = Instant::now();
        let mut records = self.records.lock().expect("session records poisoned");
        records.retain(|_, entry| !entry.is_over(&self.limits, now));
        records.len()
    }

    fn put(&self, record: &Record, fresh_id: bool) -> Id {
        let now = Instant::now();
        let mut records = self.records.lock().expect("session records poisoned");
        let mut id = record.id;
        while fresh_id && records.contains_key(&id) {
            id = Id::default();
        }
        let started = records.get(&id).map_or(now, |e| e.started);
        let mut record = record.clone();
        record.id = id;
        records.insert(
            id,
            Entry {
                record,
                started,
                last_seen: now,
            },
        );
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
        let now = Instant::now();
        let mut records = self.records.lock().expect("session records poisoned");
        let Some(entry) = records.get_mut(id) else {
            return Ok(None);
        };
        if entry.is_over(&self.limits, now) {
            records.remove(id);
            return Ok(None);
        }
        entry.last_seen = now;
        Ok(Some(entry.record.clone()))
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        self.records
            .lock()
            .expect("session records poisoned")
            .remove(id);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn record() -> Record {
        Record {
            id: Id::default(),
            data: HashMap::new(),
            expiry_date: time::OffsetDateTime::now_utc() + time::Duration::weeks(2),
        }
    }

    #[tokio::test]
    async fn records_are_kept_while_used_and_forgotten_when_idle() {
        let store = MemoryRecords::new(Limits {
            idle: Duration::from_millis(500),
            lifetime: Duration::from_secs(3600),
        });
        let mut r = record();
        store.create(&mut r).await.unwrap();
        assert!(store.load(&r.id).await.unwrap().is_some());
        tokio::time::sleep(Duration::from_millis(600)).await;
        assert!(store.load(&r.id).await.unwrap().is_none());
        assert_eq!(store.prune(), 0);
    }

    #[tokio::test]
    async fn activity_does_not_stretch_the_lifetime() {
        let store = MemoryRecords::new(Limits {
            idle: Duration::from_secs(3600),
            lifetime: Duration::from_millis(300),
        });
        let mut r = record();
        store.create(&mut r).await.unwrap();
        for _ in 0..3 {
            store.save(&r).await.unwrap();
            tokio::time::sleep(Duration::from_millis(120)).await;
        }
        assert!(store.load(&r.id).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn pruning_drops_only_what_is_over() {
        let store = MemoryRecords::new(Limits {
            idle: Duration::from_millis(300),
            lifetime: Duration::from_secs(3600),
        });
        let (mut old, mut new) = (record(), record());
        store.create(&mut old).await.unwrap();
        tokio::time::sleep(Duration::from_millis(400)).await;
        store.create(&mut new).await.unwrap();
        assert_eq!(store.prune(), 1);
        assert!(store.load(&new.id).await.unwrap().is_some());
        store.delete(&new.id).await.unwrap();
        assert_eq!(store.prune(), 0);
    }
}
