//! One mail session per signed-in browser session. It owns the person's single IMAP
//! connection: opened at sign-in, reused by every request, re-opened transparently when the
//! server drops it, closed after `--imap-idle-timeout` without use and re-opened on the next
//! request. Every IMAP operation goes through [`MailSession::run`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex as SyncMutex};
use std::time::{Duration, Instant};

use async_imap::Session;
use async_imap::error::Error as ImapError;
use futures::future::BoxFuture;
use tokio::sync::Mutex;

use super::connect::{Capabilities, Connector, LoginError};
use super::folders::FolderList;
use super::stream::MailStream;
use crate::account::Account;

/// A logged-in IMAP connection and what we know about its state.
pub struct Imap {
    pub session: Session<MailStream>,
    pub caps: Capabilities,
    /// The mailbox currently SELECTed (wire name), so reading a message after listing its
    /// folder does not SELECT again.
    pub selected: Option<String>,
}

impl Imap {
    /// Unilateral responses (EXISTS, EXPUNGE, …) queue up in a channel; drop the stale ones
    /// before a command so whatever the command provokes can be read afterwards.
    fn drain_unsolicited(&mut self) {
        while self.session.unsolicited_responses.try_recv().is_ok() {}
    }
}

/// Why a mail operation failed after Posta did what it could (including one reconnect).
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// Re-opening the connection failed, e.g. the password was changed meanwhile.
    #[error("could not log in again")]
    Login(#[from] LoginError),
    /// The server refused or broke the command.
    #[error("IMAP command failed")]
    Imap(#[from] ImapError),
}

/// How long folder counts may be reused before asking the server again.
const FOLDER_CACHE_TTL: Duration = Duration::from_secs(30);

pub struct MailSession {
    /// Credentials and servers, kept to re-open the connection.
    account: Account,
    /// How to reach the server (TLS roots, timeouts).
    connector: Connector,
    /// The one connection; `None` before first use, after idle close, or after a failure.
    imap: Mutex<Option<Imap>>,
    /// When a request last used this session: drives idle close and session expiry.
    last_used: SyncMutex<Instant>,
    /// Folder list with counts, refreshed after [`FOLDER_CACHE_TTL`] or a change.
    folders: SyncMutex<Option<(Instant, Arc<FolderList>)>>,
}

impl MailSession {
    /// Wraps a connection opened at sign-in.
    pub fn new(account: Account, connector: Connector, imap: Imap) -> Self {
        MailSession {
            account,
            connector,
            imap: Mutex::new(Some(imap)),
            last_used: SyncMutex::new(Instant::now()),
            folders: SyncMutex::new(None),
        }
    }

    pub fn account(&self) -> &Account {
        &self.account
    }

    /// Logs in to the account's IMAP server: used at sign-in and for every re-open.
    pub async fn open(account: &Account, connector: &Connector) -> Result<Imap, LoginError> {
        let (session, caps) = connector
            .login(&account.imap, &account.login, account.password.expose())
            .await?;
        tracing::debug!(user = %account.email, server = %account.imap, "IMAP connection opened");
        Ok(Imap {
            session,
            caps,
            selected: None,
        })
    }

    /// Runs `op` on the connection, opening it first if needed. When the connection turns
    /// out to be dead (the server dropped it, a NAT forgot it), it is re-opened and `op` is
    /// tried once more; IMAP-level refusals are returned as they are.
    pub async fn run<T>(
        &self,
        op: impl for<'c> Fn(&'c mut Imap) -> BoxFuture<'c, Result<T, ImapError>>,
    ) -> Result<T, MailError> {
        self.touch();
        let mut guard = self.imap.lock().await;
        let mut reopened = false;
        loop {
            if guard.is_none() {
                *guard = Some(Self::open(&self.account, &self.connector).await?);
                reopened = true;
            }
            let imap = guard.as_mut().expect("connection opened above");
            imap.drain_unsolicited();
            match op(imap).await {
                Err(e) if is_connection_lost(&e) && !reopened => {
                    tracing::info!(user = %self.account.email, error = %e, "IMAP connection lost; reconnecting");
                    *guard = None;
                }
                result => {
                    if result.as_ref().is_err_and(is_connection_lost) {
                        *guard = None;
                    }
                    self.touch();
                    return result.map_err(MailError::from);
                }
            }
        }
    }

    /// The cached folder list, if still fresh.
    pub fn cached_folders(&self) -> Option<Arc<FolderList>> {
        let cache = self.folders.lock().expect("folder cache poisoned");
        cache
            .as_ref()
            .filter(|(at, _)| at.elapsed() < FOLDER_CACHE_TTL)
            .map(|(_, list)| list.clone())
    }

    pub fn cache_folders(&self, list: Arc<FolderList>) {
        *self.folders.lock().expect("folder cache poisoned") = Some((Instant::now(), list));
    }

    /// Forgets the folder counts, after something changed them (a message read, moved…).
    pub fn invalidate_folders(&self) {
        *self.folders.lock().expect("folder cache poisoned") = None;
    }

    fn touch(&self) {
        *self.last_used.lock().expect("clock poisoned") = Instant::now();
    }

    pub fn idle_for(&self) -> Duration {
        self.last_used.lock().expect("clock poisoned").elapsed()
    }

    /// Closes the connection if nobody is using it right now. Returns whether one was closed.
    pub async fn close_if_idle(&self, idle: Duration) -> bool {
        if self.idle_for() < idle {
            return false;
        }
        let Ok(mut guard) = self.imap.try_lock() else {
            return false;
        };
        match guard.take() {
            Some(imap) => {
                drop(guard);
                logout(imap).await;
                tracing::debug!(user = %self.account.email, "idle IMAP connection closed");
                true
            }
            None => false,
        }
    }

    /// Ends the connection for good (sign-out or expiry).
    pub async fn close(&self) {
        if let Some(imap) = self.imap.lock().await.take() {
            logout(imap).await;
        }
    }
}

async fn logout(mut imap: Imap) {
    // A polite LOGOUT, but never let a stuck server hold us up.
    let _ = tokio::time::timeout(Duration::from_secs(2), imap.session.logout()).await;
}

fn is_connection_lost(e: &ImapError) -> bool {
    matches!(e, ImapError::Io(_) | ImapError::ConnectionLost)
}

/// Random, unguessable key that ties a browser session to its mail session.
pub type SessionKey = String;

/// Every live mail session, by key. Cloning shares the same registry.
#[derive(Clone, Default)]
pub struct MailSessions {
    inner: Arc<SyncMutex<HashMap<SessionKey, Arc<MailSession>>>>,
}

impl MailSessions {
    pub fn insert(&self, session: MailSession) -> SessionKey {
        let key = crate::session::random_token();
        self.inner
            .lock()
            .expect("registry poisoned")
            .insert(key.clone(), Arc::new(session));
        key
    }

    pub fn get(&self, key: &str) -> Option<Arc<MailSession>> {
        self.inner
            .lock()
            .expect("registry poisoned")
            .get(key)
            .cloned()
    }

    pub fn remove(&self, key: &str) -> Option<Arc<MailSession>> {
        self.inner.lock().expect("registry poisoned").remove(key)
    }

    pub fn len(&self) -> usize {
        self.inner.lock().expect("registry poisoned").len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Closes idle connections and ends sessions unused past `expire`, forever, checking
    /// often enough that an idle connection never outlives its timeout by much.
    pub async fn reap(self, idle: Duration, expire: Duration) {
        let period = (idle / 4).clamp(Duration::from_millis(200), Duration::from_secs(15));
        let mut tick = tokio::time::interval(period);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let sessions: Vec<(SessionKey, Arc<MailSession>)> = self
                .inner
                .lock()
                .expect("registry poisoned")
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            for (key, session) in sessions {
                if session.idle_for() >= expire {
                    self.remove(&key);
                    session.close().await;
                } else {
                    session.close_if_idle(idle).await;
                }
            }
        }
    }
}
