//! One mail session per signed-in browser session. It owns the person's single IMAP
//! connection: opened at sign-in, reused by every request, re-opened transparently when the
//! server drops it, closed after `--imap-idle-timeout` without use and re-opened on the next
//! request. Every IMAP operation goes through [`MailSession::run`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex as SyncMutex};
use std::time::{Duration, Instant};

use async_imap::Session;
use async_imap::error::Error as ImapError;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures::future::BoxFuture;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use tokio::sync::Mutex;

use super::cache::Lru;
use super::connect::{Capabilities, Connector, LoginError};
use super::folders::FolderList;
use super::stream::MailStream;
use crate::account::Account;
use crate::message::structure::Part;

/// The mailbox a connection has SELECTed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selected {
    /// Wire name (modified UTF-7).
    pub name: String,
    /// UIDs are only meaningful together with this; cached structures are keyed by it.
    pub uid_validity: u32,
}

/// A logged-in IMAP connection and what we know about its state.
pub struct Imap {
    pub session: Session<MailStream>,
    pub caps: Capabilities,
    /// The mailbox currently SELECTed, so reading a message after listing its folder does
    /// not SELECT again.
    pub selected: Option<Selected>,
}

/// A message as the server numbers it: mailbox wire name, UIDVALIDITY, UID.
pub type MessageKey = (String, u32, u32);

/// A sanitised HTML document ready for the message iframe.
#[derive(Debug)]
pub struct CachedDocument {
    pub html: bytes::Bytes,
    /// Remote resources left out (0 when remote content was allowed).
    pub remote_blocked: usize,
}

/// Which document: the message, its HTML part, and whether remote content was allowed.
pub type DocumentKey = (MessageKey, String, bool);

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
/// How long address suggestions are reused before recent mail is read again.
const SUGGESTIONS_TTL: Duration = Duration::from_secs(600);
/// Structures remembered per session: a few pages of messages opened.
const STRUCTURE_CACHE: usize = 256;
/// Sanitised documents remembered per session: enough for the page and its iframe to share
/// one fetch, and for going back and forth between a few messages.
const DOCUMENT_CACHE: usize = 8;

pub struct MailSession {
    /// Credentials and servers, kept to re-open the connection.
    account: Account,
    /// How to reach the server (TLS roots, timeouts).
    connector: Connector,
    /// The one connection; `None` before first use, after idle close, or after a failure.
    imap: Mutex<Option<Imap>>,
    /// When a request last used this session: drives idle close and session expiry.
    last_used: SyncMutex<Instant>,
    /// When the person signed in: no session outlives [`Limits::lifetime`].
    started: Instant,
    /// Folder list with counts, refreshed after [`FOLDER_CACHE_TTL`] or a change.
    folders: SyncMutex<Option<(Instant, Arc<FolderList>)>>,
    /// Message structures by mailbox, UIDVALIDITY and UID: they never change.
    pub structures: Lru<MessageKey, Arc<Part>>,
    /// Sanitised HTML documents, so the message page and its iframe clean a message once.
    pub documents: Lru<DocumentKey, Arc<CachedDocument>>,
    /// Signs inline-image URLs (see [`MailSession::inline_token`]).
    inline_key: [u8; 32],
    /// Public name of this session in inline-image tokens; not a secret, not the session key.
    public_id: String,
    /// Messages being written, with their uploaded attachments.
    pub compositions: crate::composing::Compositions,
    /// Addresses from recent mail for the compose form's suggestions, made once a while.
    suggestions: SyncMutex<Option<(Instant, Arc<Vec<String>>)>>,
}

impl MailSession {
    /// Wraps a connection opened at sign-in.
    pub fn new(account: Account, connector: Connector, imap: Imap) -> Self {
        MailSession {
            account,
            connector,
            imap: Mutex::new(Some(imap)),
            last_used: SyncMutex::new(Instant::now()),
            started: Instant::now(),
            folders: SyncMutex::new(None),
            structures: Lru::new(STRUCTURE_CACHE),
            documents: Lru::new(DOCUMENT_CACHE),
            inline_key: {
                let mut key = [0u8; 32];
                rand::rng().fill_bytes(&mut key);
                key
            },
            public_id: crate::session::random_token()[..16].to_owned(),
            compositions: Default::default(),
            suggestions: SyncMutex::new(None),
        }
    }

    /// A token that lets the message iframe load one inline part without the session cookie.
    ///
    /// The iframe is sandboxed without same-origin, so browsers treat its image requests as
    /// cross-site and do not send a SameSite=Strict cookie. The token names this session and
    /// carries a MAC over mailbox, UID and part, so it opens exactly that part, for as long
    /// as this session lives.
    pub fn inline_token(&self, mailbox: &str, uid: u32, part: &str) -> String {
        format!("{}.{}", self.public_id, self.inline_mac(mailbox, uid, part))
    }

    /// Whether `mac` (the part after the dot) was made by [`Self::inline_token`] for this part.
    pub fn check_inline_mac(&self, mailbox: &str, uid: u32, part: &str, mac: &str) -> bool {
        crate::session::constant_time_eq(
            self.inline_mac(mailbox, uid, part).as_bytes(),
            mac.as_bytes(),
        )
    }

    fn inline_mac(&self, mailbox: &str, uid: u32, part: &str) -> String {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.inline_key).expect("HMAC takes any key length");
        // NUL cannot occur in a mailbox name (MailboxName refuses control characters).
        mac.update(format!("{mailbox}\0{uid}\0{part}").as_bytes());
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }

    pub fn public_id(&self) -> &str {
        &self.public_id
    }

    pub fn account(&self) -> &Account {
        &self.account
    }

    /// How this session reaches its servers: whether the address policy applies to them.
    pub fn connector(&self) -> &Connector {
        &self.connector
    }

    /// The address suggestions, if made within [`SUGGESTIONS_TTL`].
    pub fn cached_suggestions(&self) -> Option<Arc<Vec<String>>> {
        let cache = self.suggestions.lock().expect("suggestions poisoned");
        cache
            .as_ref()
            .filter(|(at, _)| at.elapsed() < SUGGESTIONS_TTL)
            .map(|(_, list)| list.clone())
    }

    pub fn cache_suggestions(&self, list: Arc<Vec<String>>) {
        *self.suggestions.lock().expect("suggestions poisoned") = Some((Instant::now(), list));
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

    /// Whether the person has been away too long, or signed in too long ago.
    fn is_over(&self, limits: &Limits) -> bool {
        limits.exceeded(self.idle_for(), self.started.elapsed())
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

/// How long a signed-in session lasts.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Without a request for this long, the person is signed out.
    pub idle: Duration,
    /// However active, the person signs in again after this long.
    pub lifetime: Duration,
}

impl Limits {
    /// Whether a session idle for `idle` and `age` old is over.
    pub fn exceeded(&self, idle: Duration, age: Duration) -> bool {
        idle >= self.idle || age >= self.lifetime
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            idle: Duration::from_secs(30 * 60),
            lifetime: Duration::from_secs(12 * 3600),
        }
    }
}

/// Every live mail session, by key. Cloning shares the same registry.
#[derive(Clone, Default)]
pub struct MailSessions {
    inner: Arc<SyncMutex<Registry>>,
    limits: Limits,
}

#[derive(Default)]
struct Registry {
    by_key: HashMap<SessionKey, Arc<MailSession>>,
    /// Public id (from inline-image tokens) to session key.
    by_public_id: HashMap<String, SessionKey>,
}

impl MailSessions {
    pub fn insert(&self, session: MailSession) -> SessionKey {
        let key = crate::session::random_token();
        let mut registry = self.inner.lock().expect("registry poisoned");
        registry
            .by_public_id
            .insert(session.public_id.clone(), key.clone());
        registry.by_key.insert(key.clone(), Arc::new(session));
        key
    }

    pub fn new(limits: Limits) -> Self {
        MailSessions {
            inner: Arc::default(),
            limits,
        }
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// The live session under `key`, counting this as activity. A session past its idle
    /// timeout or lifetime ends here (its connection closed in the background) even if the
    /// reaper has not come round yet, so a limit holds to the request.
    pub fn get(&self, key: &str) -> Option<Arc<MailSession>> {
        let session = self
            .inner
            .lock()
            .expect("registry poisoned")
            .by_key
            .get(key)
            .cloned()?;
        if session.is_over(&self.limits) {
            self.remove(key);
            tokio::spawn(async move { session.close().await });
            return None;
        }
        session.touch();
        Some(session)
    }

    /// How long the session under `key` has before it ends, without counting this as
    /// activity (for the page that warns before an idle sign-out); `None` if it is over.
    pub fn time_left(&self, key: &str) -> Option<Duration> {
        let registry = self.inner.lock().expect("registry poisoned");
        let session = registry.by_key.get(key)?;
        let idle_left = self.limits.idle.checked_sub(session.idle_for())?;
        let life_left = self
            .limits
            .lifetime
            .checked_sub(session.started.elapsed())?;
        Some(idle_left.min(life_left)).filter(|left| !left.is_zero())
    }

    /// The session an inline-image token names.
    pub fn by_public_id(&self, id: &str) -> Option<Arc<MailSession>> {
        let registry = self.inner.lock().expect("registry poisoned");
        let key = registry.by_public_id.get(id)?;
        registry.by_key.get(key).cloned()
    }

    pub fn remove(&self, key: &str) -> Option<Arc<MailSession>> {
        let mut registry = self.inner.lock().expect("registry poisoned");
        let session = registry.by_key.remove(key)?;
        registry.by_public_id.remove(&session.public_id);
        Some(session)
    }

    pub fn len(&self) -> usize {
        self.inner.lock().expect("registry poisoned").by_key.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Closes connections idle for `idle` and ends sessions past their [`Limits`], forever,
    /// checking often enough that neither outlives its timeout by much.
    pub async fn reap(self, idle: Duration) {
        let period = (idle.min(self.limits.idle) / 4)
            .clamp(Duration::from_millis(200), Duration::from_secs(15));
        let mut tick = tokio::time::interval(period);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let sessions: Vec<(SessionKey, Arc<MailSession>)> = self
                .inner
                .lock()
                .expect("registry poisoned")
                .by_key
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            for (key, session) in sessions {
                if session.is_over(&self.limits) {
                    self.remove(&key);
                    session.close().await;
                } else {
                    session.close_if_idle(idle).await;
                }
            }
        }
    }
}
