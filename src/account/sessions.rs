//! Every live account session, by key (what the browser's session record names) and by
//! public id (what inline-image tokens name), and the one place [`Limits`] are enforced:
//! at each request ([`AccountSessions::get`]) and by the one sweeper task
//! ([`AccountSessions::sweep`]), which also closes connections left idle.
//!
//! A session that ends (signed out, past its limits, refused by its server) is remembered
//! as ended for one more idle timeout, so a browser that comes back meanwhile is told its
//! session ended instead of being greeted as a stranger; then it is forgotten, and whatever
//! hangs off it in the layers above (the browser's session record) is told through
//! [`AccountSessions::on_forget`] and goes too. The time it is remembered is the same
//! [`Limits::idle`], measured here; nothing above keeps a clock.
//!
//! The sweeper never awaits a session: closing a connection means a LOGOUT, and a hung or
//! hostile server must not stall the sweep for everyone else, so closes are spawned.
//!
//! The registry is bounded ([`Capacity`]): a sign-in beyond so many sessions is refused
//! ([`TooManySessions`]) once the sessions already past their limits have been ended, and
//! the files of every session's compositions draw on one [`UploadMemory`].

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use super::caches::{Caches, SharedCaches};
use super::inline_tokens;
use super::limits::Limits;
use super::session::AccountSession;
use super::upload_memory::UploadMemory;
use crate::credentials::Credentials;
use crate::imap::{Connection, Connector, MailboxName};
use crate::message::structure::PartPath;

/// Random, unguessable key that ties a browser session to its account session.
pub type SessionKey = String;

/// Told the key of each ended session as it is forgotten.
type Follower = Box<dyn Fn(&str) + Send + Sync>;

/// How much all sessions together may hold (`--max-sessions`, `--max-upload-memory`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Capacity {
    /// Sessions live at once.
    pub sessions: usize,
    /// Bytes of files held in compositions, every session's together.
    pub upload_memory: u64,
}

impl Default for Capacity {
    fn default() -> Self {
        Capacity {
            sessions: 10_000,
            upload_memory: 256 << 20,
        }
    }
}

/// A sign-in refused: this many sessions are live already.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{0} sessions are live already, the most allowed")]
pub struct TooManySessions(pub usize);

/// Every live account session. Cloning shares the same registry.
#[derive(Clone)]
pub struct AccountSessions {
    shared: Arc<Shared>,
}

struct Shared {
    registry: Mutex<Registry>,
    limits: Limits,
    /// Sessions at most; see [`Capacity`].
    max_sessions: usize,
    /// What every session's compositions' files draw on together.
    upload_memory: UploadMemory,
    /// Called, outside the registry's lock, with the key of every ended session forgotten.
    followers: RwLock<Vec<Follower>>,
    /// What every session remembers, in caches they share (see [`super::caches`]).
    caches: Arc<SharedCaches>,
    /// The next session's id in the shared caches.
    next_id: AtomicU64,
}

#[derive(Default)]
struct Registry {
    by_key: HashMap<SessionKey, Arc<AccountSession>>,
    /// Public id (from inline-image tokens) to session key.
    by_public_id: HashMap<String, SessionKey>,
    /// Sessions that ended, and when: forgotten one idle timeout later.
    ended: HashMap<SessionKey, Instant>,
}

impl Default for AccountSessions {
    fn default() -> Self {
        AccountSessions::new(Limits::default())
    }
}

impl AccountSessions {
    /// A registry of the default [`Capacity`].
    pub fn new(limits: Limits) -> Self {
        AccountSessions::bounded(limits, Capacity::default())
    }

    pub fn bounded(limits: Limits, capacity: Capacity) -> Self {
        AccountSessions {
            shared: Arc::new(Shared {
                registry: Mutex::default(),
                limits,
                max_sessions: capacity.sessions,
                upload_memory: UploadMemory::new(capacity.upload_memory),
                followers: RwLock::default(),
                caches: Arc::new(SharedCaches::new(limits.idle)),
                next_id: AtomicU64::new(1),
            }),
        }
    }

    pub fn limits(&self) -> Limits {
        self.shared.limits
    }

    /// The budget every session's compositions' files draw on (its [`UploadMemory::held`]
    /// says how much all of them hold now).
    pub fn upload_memory(&self) -> &UploadMemory {
        &self.shared.upload_memory
    }

    /// Calls `follower` with the key of every ended session as it is forgotten.
    pub fn on_forget(&self, follower: impl Fn(&str) + Send + Sync + 'static) {
        self.shared
            .followers
            .write()
            .expect("followers poisoned")
            .push(Box::new(follower));
    }

    fn registry(&self) -> std::sync::MutexGuard<'_, Registry> {
        self.shared.registry.lock().expect("registry poisoned")
    }

    /// Starts the session of someone who just signed in, over the connection that proved
    /// their password; returns its key. Refused when [`Capacity::sessions`] are live even
    /// after ending those past their limits; the connection is then logged out.
    pub fn start(
        &self,
        credentials: Credentials,
        connector: Connector,
        connection: Connection,
    ) -> Result<SessionKey, TooManySessions> {
        let caches = self.caches_for_new_session();
        let memory = self.shared.upload_memory.clone();
        self.insert(AccountSession::new(
            credentials,
            connector,
            connection,
            caches,
            memory,
        ))
    }

    /// A session whose connection opens on first use (tests of what needs no server).
    #[cfg(test)]
    pub(crate) fn start_unconnected(
        &self,
        credentials: Credentials,
    ) -> Result<SessionKey, TooManySessions> {
        let caches = self.caches_for_new_session();
        let memory = self.shared.upload_memory.clone();
        self.insert(AccountSession::unconnected(credentials, caches, memory))
    }

    fn caches_for_new_session(&self) -> Caches {
        let id = self.shared.next_id.fetch_add(1, Ordering::Relaxed);
        Caches::new(id, self.shared.caches.clone())
    }

    fn insert(&self, session: AccountSession) -> Result<SessionKey, TooManySessions> {
        if !self.has_room() {
            return Err(self.refuse(session));
        }
        let key = crate::token::random_token();
        let mut registry = self.registry();
        // Checked again under the lock: sign-ins finishing together must not both take the
        // last place.
        if registry.by_key.len() >= self.shared.max_sessions {
            drop(registry);
            return Err(self.refuse(session));
        }
        registry
            .by_public_id
            .insert(session.inline_tokens().public_id().to_owned(), key.clone());
        registry.by_key.insert(key.clone(), Arc::new(session));
        Ok(key)
    }

    /// Closes a session refused a place, in the background.
    fn refuse(&self, session: AccountSession) -> TooManySessions {
        tokio::spawn(async move { session.close().await });
        TooManySessions(self.shared.max_sessions)
    }

    /// Whether one more session may start: fewer than [`Capacity::sessions`] are live once
    /// those past their limits (which the sweeper has not reached yet) are ended.
    pub fn has_room(&self) -> bool {
        if self.len() < self.shared.max_sessions {
            return true;
        }
        self.end_expired();
        self.len() < self.shared.max_sessions
    }

    /// The live session under `key`, counting this as activity. A session past its idle
    /// timeout or lifetime ends here (its connection closed in the background) even if the
    /// sweeper has not come round yet, so a limit holds to the request.
    pub fn get(&self, key: &str) -> Option<Arc<AccountSession>> {
        let session = self.live(key)?;
        session.touch();
        Some(session)
    }

    /// Whether `key` names a session within its limits. Neither activity nor an end.
    pub fn is_live(&self, key: &str) -> bool {
        self.time_left(key).is_some()
    }

    /// How long the session under `key` has before it ends, without counting this as
    /// activity (for the page that warns before an idle sign-out); `None` if it is over.
    pub fn time_left(&self, key: &str) -> Option<Duration> {
        let session = self.registry().by_key.get(key).cloned()?;
        session.time_left(&self.shared.limits)
    }

    /// The session an inline-image token names, if the token was made by it for this part.
    /// Not activity: the page that shows the image was.
    pub fn by_inline_token(
        &self,
        token: &str,
        mailbox: &MailboxName,
        uid: u32,
        part: &PartPath,
    ) -> Option<Arc<AccountSession>> {
        let (public_id, mac) = inline_tokens::split(token)?;
        let key = self.registry().by_public_id.get(public_id).cloned()?;
        self.live(&key)
            .filter(|session| session.inline_tokens().check(mailbox, uid, part, mac))
    }

    /// The session under `key` if within its limits; ends it if not.
    fn live(&self, key: &str) -> Option<Arc<AccountSession>> {
        let session = self.registry().by_key.get(key).cloned()?;
        if session.time_left(&self.shared.limits).is_none() {
            self.end(key);
            return None;
        }
        Some(session)
    }

    /// Takes the session under `key` out of the registry (remembering that it ended); the
    /// caller closes its connections.
    pub fn remove(&self, key: &str) -> Option<Arc<AccountSession>> {
        let mut registry = self.registry();
        let session = registry.by_key.remove(key)?;
        registry
            .by_public_id
            .remove(session.inline_tokens().public_id());
        registry.ended.insert(key.to_owned(), Instant::now());
        drop(registry);
        session.forget();
        Some(session)
    }

    /// Ends the session under `key`, closing its connections in the background.
    pub fn end(&self, key: &str) {
        if let Some(session) = self.remove(key) {
            tokio::spawn(async move { session.close().await });
        }
    }

    /// Live sessions.
    pub fn len(&self) -> usize {
        self.registry().by_key.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// One pass of the sweeper: ends sessions past their [`Limits`], closes connections
    /// unused for `connection_idle`, and forgets sessions that ended an idle timeout ago.
    /// Never waits: closes and LOGOUTs run in tasks of their own.
    pub fn sweep_once(&self, connection_idle: Duration) {
        for session in self.end_expired() {
            for connection in session.idle_connections(connection_idle) {
                tokio::spawn(connection.logout());
            }
        }
        self.forget_ended();
    }

    /// Ends every session past its [`Limits`]; returns the others. Never waits.
    fn end_expired(&self) -> Vec<Arc<AccountSession>> {
        let sessions: Vec<(SessionKey, Arc<AccountSession>)> = self
            .registry()
            .by_key
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let mut live = Vec::with_capacity(sessions.len());
        for (key, session) in sessions {
            if session.time_left(&self.shared.limits).is_none() {
                self.end(&key);
            } else {
                live.push(session);
            }
        }
        live
    }

    /// Forgets sessions that ended at least an idle timeout ago and tells the followers.
    fn forget_ended(&self) {
        let idle = self.shared.limits.idle;
        let mut forgotten = Vec::new();
        self.registry().ended.retain(|key, at| {
            let keep = at.elapsed() < idle;
            if !keep {
                forgotten.push(key.clone());
            }
            keep
        });
        let followers = self.shared.followers.read().expect("followers poisoned");
        for key in &forgotten {
            for follower in followers.iter() {
                follower(key);
            }
        }
    }

    /// The sweeper: [`Self::sweep_once`] forever, often enough that neither a session nor an
    /// idle connection outlives its limit by much.
    pub async fn sweep(self, connection_idle: Duration) {
        let period = (connection_idle.min(self.shared.limits.idle) / 4)
            .clamp(Duration::from_millis(200), Duration::from_secs(15));
        let mut tick = tokio::time::interval(period);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            self.sweep_once(connection_idle);
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::account::Composition;
    use crate::credentials::{EmailAddress, Password};
    use crate::message::outgoing::build::Upload;
    use crate::upstream::{Security, Upstream};

    /// Signs someone in, without a server to talk to; returns the key.
    pub(crate) fn signed_in(sessions: &AccountSessions) -> SessionKey {
        sessions
            .start_unconnected(ada())
            .expect("room for a session")
    }

    fn ada() -> Credentials {
        Credentials {
            email: EmailAddress::parse("ada@posta.test").unwrap(),
            login: "ada@posta.test".into(),
            password: Password::new("secret".into()),
            imap: Upstream::new("imap.posta.test", 993, Security::Tls),
            smtp: None,
        }
    }

    pub(crate) fn limits(idle_ms: u64, lifetime_ms: u64) -> Limits {
        Limits {
            idle: Duration::from_millis(idle_ms),
            lifetime: Duration::from_millis(lifetime_ms),
        }
    }

    /// The keys followers were told of.
    fn ended(sessions: &AccountSessions) -> Arc<Mutex<Vec<String>>> {
        let told = Arc::new(Mutex::new(Vec::new()));
        let log = told.clone();
        sessions.on_forget(move |key| log.lock().unwrap().push(key.to_owned()));
        told
    }

    #[tokio::test]
    async fn an_idle_session_ends_at_the_next_request_and_is_forgotten_an_idle_timeout_later() {
        let sessions = AccountSessions::new(limits(200, 60_000));
        let told = ended(&sessions);
        let key = signed_in(&sessions);
        assert!(sessions.get(&key).is_some());
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert!(sessions.get(&key).is_none());
        assert!(sessions.is_empty());

        sessions.sweep_once(Duration::from_secs(60));
        assert!(
            told.lock().unwrap().is_empty(),
            "remembered as ended for a while"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
        sessions.sweep_once(Duration::from_secs(60));
        assert_eq!(*told.lock().unwrap(), vec![key]);
    }

    #[tokio::test]
    async fn asking_the_time_left_is_not_activity_but_a_request_is() {
        let sessions = AccountSessions::new(limits(300, 60_000));
        let key = signed_in(&sessions);
        tokio::time::sleep(Duration::from_millis(200)).await;
        let left = sessions.time_left(&key).unwrap();
        assert!(left <= Duration::from_millis(100), "{left:?}");
        assert!(sessions.get(&key).is_some());
        assert!(sessions.time_left(&key).unwrap() > Duration::from_millis(250));
        tokio::time::sleep(Duration::from_millis(350)).await;
        assert_eq!(sessions.time_left(&key), None);
        assert!(!sessions.is_live(&key));
    }

    #[tokio::test]
    async fn activity_does_not_stretch_the_lifetime() {
        let sessions = AccountSessions::new(limits(60_000, 300));
        let key = signed_in(&sessions);
        for _ in 0..3 {
            assert!(sessions.get(&key).is_some());
            tokio::time::sleep(Duration::from_millis(120)).await;
        }
        assert!(sessions.get(&key).is_none());
    }

    #[tokio::test]
    async fn the_sweeper_ends_only_what_is_over() {
        let sessions = AccountSessions::new(limits(300, 60_000));
        let told = ended(&sessions);
        let old = signed_in(&sessions);
        tokio::time::sleep(Duration::from_millis(350)).await;
        let new = signed_in(&sessions);
        sessions.sweep_once(Duration::from_secs(60));
        assert_eq!(sessions.len(), 1);
        assert!(sessions.get(&new).is_some());
        assert!(sessions.get(&old).is_none());
        tokio::time::sleep(Duration::from_millis(150)).await;
        assert!(sessions.get(&new).is_some());
        tokio::time::sleep(Duration::from_millis(200)).await;
        sessions.sweep_once(Duration::from_secs(60));
        assert_eq!(*told.lock().unwrap(), vec![old]);
        assert_eq!(sessions.len(), 1, "{new} was used 200 ms ago");
    }

    #[tokio::test]
    async fn an_inline_token_finds_its_session_for_its_part_only() {
        let sessions = AccountSessions::default();
        let key = signed_in(&sessions);
        let mail = sessions.get(&key).unwrap();
        let inbox = MailboxName::parse("INBOX").unwrap();
        let part = PartPath::parse("2").unwrap();
        let token = mail.inline_token(&inbox, 7, &part);
        let found = sessions.by_inline_token(&token, &inbox, 7, &part).unwrap();
        assert!(Arc::ptr_eq(&found, &mail));
        assert!(sessions.by_inline_token(&token, &inbox, 8, &part).is_none());
        assert!(
            sessions
                .by_inline_token("nodot", &inbox, 7, &part)
                .is_none()
        );
        sessions.remove(&key);
        assert!(sessions.by_inline_token(&token, &inbox, 7, &part).is_none());
    }

    fn capacity(sessions: usize) -> Capacity {
        Capacity {
            sessions,
            upload_memory: 1 << 20,
        }
    }

    /// Starts a composition in session `key` holding a file of `size` bytes.
    fn write_with_file(sessions: &AccountSessions, key: &str, size: usize) {
        let mail = sessions.get(key).unwrap();
        let file = Upload {
            name: "big.bin".into(),
            mime: "application/octet-stream".into(),
            bytes: vec![1u8; size].into(),
        };
        let mut composition = Composition::default();
        composition.attach(mail.compositions().hold(file).unwrap());
        mail.compositions().start(composition);
    }

    #[tokio::test]
    async fn beyond_the_most_sessions_a_sign_in_is_refused_until_one_ends() {
        let sessions = AccountSessions::bounded(limits(60_000, 60_000), capacity(2));
        let first = signed_in(&sessions);
        signed_in(&sessions);

        assert!(!sessions.has_room());
        assert_eq!(
            sessions.start_unconnected(ada()).unwrap_err(),
            TooManySessions(2)
        );
        assert_eq!(sessions.len(), 2, "the refused one is not kept");

        sessions.end(&first);
        assert!(sessions.has_room());
        assert!(sessions.start_unconnected(ada()).is_ok());
    }

    #[tokio::test]
    async fn sessions_past_their_limits_make_room_before_anyone_is_refused() {
        let sessions = AccountSessions::bounded(limits(200, 60_000), capacity(1));
        let idle = signed_in(&sessions);
        tokio::time::sleep(Duration::from_millis(250)).await;

        let next = sessions.start_unconnected(ada());

        assert!(next.is_ok(), "the idle one was over, not yet swept");
        assert!(!sessions.is_live(&idle));
    }

    #[tokio::test]
    async fn every_way_a_session_ends_gives_its_files_bytes_back_at_once() {
        let sessions = AccountSessions::bounded(limits(200, 60_000), capacity(10));
        let memory = sessions.upload_memory().clone();

        // Signing out: even while a request still holds the session.
        let key = signed_in(&sessions);
        write_with_file(&sessions, &key, 1000);
        let in_flight = sessions.get(&key).unwrap();
        assert_eq!(memory.held(), 1000);
        sessions.remove(&key);
        assert_eq!(memory.held(), 0, "signing out");
        drop(in_flight);

        // Ended by the mail server, or at a new sign-in on the same browser.
        let key = signed_in(&sessions);
        write_with_file(&sessions, &key, 1000);
        sessions.end(&key);
        assert_eq!(memory.held(), 0, "ended");

        // Idle past its limit: at the next request, or by the sweeper.
        let at_request = signed_in(&sessions);
        write_with_file(&sessions, &at_request, 1000);
        let swept = signed_in(&sessions);
        write_with_file(&sessions, &swept, 500);
        assert_eq!(memory.held(), 1500);
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert!(sessions.get(&at_request).is_none());
        assert_eq!(memory.held(), 500, "expired at a request");
        sessions.sweep_once(Duration::from_secs(60));
        assert_eq!(memory.held(), 0, "expired in the sweep");
    }
}
