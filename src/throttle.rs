//! Limits on password attempts, so Posta cannot be used to guess passwords: per account
//! (whoever tries, at whatever server) and per client (whatever accounts it tries). Both
//! ways Posta hands a password to a server count: signing in (IMAP `LOGIN`) and sending
//! (SMTP `AUTH`).
//!
//! # How an attempt is counted
//! An attempt is *reserved* before the password leaves ([`SignInThrottle::reserve`]) and
//! settled after it: a refused password keeps its place for the sliding window
//! ([`Attempt::failed`]); a success gives its place back and clears the account's earlier
//! failures *at that same server* ([`Attempt::succeeded`]); any other end (the server
//! unreachable or silent) gives its place back, as no password was judged. So:
//! - attempts in flight count: 25 concurrent guesses under a limit of 10 let 10 reach the
//!   server, and the other 15 are refused before they leave;
//! - signing in with someone's address at one's own server (which takes any password) clears
//!   nothing at theirs;
//! - a refused attempt's page can say when a place frees up ([`TryLater`]).
//!
//! # Who is counted
//! An account by its address, lower-cased, whichever server the password was tried at (so
//! spelling a server differently does not buy more tries). A client by its IPv4 address, or by
//! its IPv6 /64: one subscriber is usually given a whole /64 and can use any address in it. An
//! IPv4-mapped IPv6 address (`::ffff:192.0.2.1`, as a dual-stack socket reports IPv4 peers)
//! counts as the IPv4 address. The /64 is one mask on a `u128`; a network crate would add a
//! dependency for that one line.
//!
//! # Why not `governor`
//! governor (GCRA) takes a cell the moment it is checked and has no way to give one back or to
//! clear one key's history, so neither "a success gives its reservation back" nor "a success
//! clears only its own server's failures" can be said with it; its keyed store also grows until
//! the caller prunes it. Here a key's attempts are a short deque of instants (at most the
//! limit), all under one lock, so checking and reserving are one step.
//!
//! Memory is bounded: at most [`MAX_TRACKED`] keys of each kind are kept, the stalest
//! dropped first, so a flood of made-up accounts cannot grow it without end.

use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::upstream::comparable_host;

pub const WINDOW: Duration = Duration::from_secs(15 * 60);
const MAX_TRACKED: usize = 100_000;

/// Password attempts by account and by client, failed or in flight.
#[derive(Debug)]
pub struct SignInThrottle {
    /// Attempts allowed per account in the window (`--sign-in-limit`).
    per_account: u32,
    /// Attempts allowed per client: three times as many, for offices behind one address.
    per_client: u32,
    /// One lock for both tables, so that checking both and reserving in both is one step.
    ledger: Mutex<Ledger>,
}

#[derive(Debug)]
struct Ledger {
    accounts: Tracked<String>,
    clients: Tracked<IpAddr>,
    /// Tells one reservation from another, to settle exactly the one that was made.
    next_id: u64,
}

/// One attempt as remembered.
#[derive(Debug)]
struct Entry {
    id: u64,
    at: Instant,
    /// The server the password was tried at (its host, normalised): a success there clears
    /// the failures that name it, and only those.
    server: Arc<str>,
    /// Reserved and not settled yet.
    pending: bool,
}

/// Attempts per key, oldest first.
#[derive(Debug)]
struct Tracked<K> {
    entries: HashMap<K, VecDeque<Entry>>,
}

impl<K: std::hash::Hash + Eq + Clone> Tracked<K> {
    fn new() -> Self {
        Tracked {
            entries: HashMap::new(),
        }
    }

    /// `None` when `key` may try again now; else how long until the oldest attempt that
    /// keeps it at `limit` leaves the window. Forgets attempts older than the window.
    fn wait<Q>(&mut self, key: &Q, limit: u32, now: Instant) -> Option<Duration>
    where
        K: std::borrow::Borrow<Q>,
        Q: std::hash::Hash + Eq + ?Sized,
    {
        let entries = self.entries.get_mut(key)?;
        while entries
            .front()
            .is_some_and(|e| now.duration_since(e.at) >= WINDOW)
        {
            entries.pop_front();
        }
        if entries.is_empty() {
            self.entries.remove(key);
            return None;
        }
        let limit = limit as usize;
        if entries.len() < limit {
            return None;
        }
        let freeing = &entries[entries.len() - limit];
        Some(WINDOW.saturating_sub(now.duration_since(freeing.at)))
    }

    fn push(&mut self, key: K, entry: Entry, limit: u32) {
        let now = entry.at;
        if self.entries.len() >= MAX_TRACKED && !self.entries.contains_key(&key) {
            self.entries.retain(|_, t| {
                t.back()
                    .is_some_and(|last| now.duration_since(last.at) < WINDOW)
            });
            if self.entries.len() >= MAX_TRACKED {
                // Still full of recent attempts: forget the stalest half at once, so a flood
                // costs one sort per MAX_TRACKED / 2 new keys rather than one scan per key.
                let mut by_age: Vec<(Instant, K)> = self
                    .entries
                    .iter()
                    .filter_map(|(k, t)| Some((t.back()?.at, k.clone())))
                    .collect();
                by_age.sort_unstable_by_key(|(last, _)| *last);
                for (_, k) in by_age.into_iter().take(MAX_TRACKED / 2) {
                    self.entries.remove(&k);
                }
            }
        }
        let entries = self.entries.entry(key).or_default();
        entries.push_back(entry);
        // Past the limit only the count matters: keep no more than it.
        while entries.len() > limit as usize {
            entries.pop_front();
        }
    }

    /// Settles reservation `id` of `key`: kept as a failure, or given back.
    fn settle(&mut self, key: &K, id: u64, keep: bool) {
        let Some(entries) = self.entries.get_mut(key) else {
            return;
        };
        if keep {
            if let Some(entry) = entries.iter_mut().find(|e| e.id == id) {
                entry.pending = false;
            }
        } else {
            entries.retain(|e| e.id != id);
        }
        if entries.is_empty() {
            self.entries.remove(key);
        }
    }

    /// Forgets `key`'s failures at `server`; attempts still in flight settle themselves.
    fn clear_server(&mut self, key: &K, server: &str) {
        let Some(entries) = self.entries.get_mut(key) else {
            return;
        };
        entries.retain(|e| e.pending || *e.server != *server);
        if entries.is_empty() {
            self.entries.remove(key);
        }
    }
}

/// Refused: too many attempts lately. A place frees up after `after`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TryLater {
    pub after: Duration,
}

impl TryLater {
    /// Whole minutes to wait, rounded up, at least one: what a page says.
    pub fn minutes(&self) -> u64 {
        self.after.as_secs().div_ceil(60).max(1)
    }

    /// Whole seconds, rounded up, for `Retry-After`.
    pub fn seconds(&self) -> u64 {
        (self.after.as_secs() + u64::from(self.after.subsec_nanos() > 0)).max(1)
    }
}

/// A reserved attempt. Settle it with [`Attempt::failed`] or [`Attempt::succeeded`];
/// dropped unsettled, it gives its place back (no password was judged).
#[must_use = "an attempt is settled by failed() or succeeded(), or given back when dropped"]
#[derive(Debug)]
pub struct Attempt<'t> {
    throttle: &'t SignInThrottle,
    account: String,
    client: Option<IpAddr>,
    server: Arc<str>,
    id: u64,
    settled: bool,
}

/// How an attempt ended.
#[derive(Clone, Copy)]
enum Outcome {
    /// The server refused the password: the attempt stays counted.
    Failed,
    /// The password worked: the attempt is given back, and the account's failures at this
    /// server are forgotten.
    Succeeded,
    /// No password was judged: the attempt is given back.
    Undecided,
}

impl Attempt<'_> {
    /// The server refused the password.
    pub fn failed(mut self) {
        self.settle(Outcome::Failed);
    }

    /// The server took the password.
    pub fn succeeded(mut self) {
        self.settle(Outcome::Succeeded);
    }

    fn settle(&mut self, outcome: Outcome) {
        if std::mem::replace(&mut self.settled, true) {
            return;
        }
        let keep = matches!(outcome, Outcome::Failed);
        let mut ledger = self.throttle.lock();
        ledger.accounts.settle(&self.account, self.id, keep);
        if let Some(client) = &self.client {
            ledger.clients.settle(client, self.id, keep);
        }
        if let Outcome::Succeeded = outcome {
            ledger.accounts.clear_server(&self.account, &self.server);
        }
    }
}

impl Drop for Attempt<'_> {
    fn drop(&mut self) {
        self.settle(Outcome::Undecided);
    }
}

impl SignInThrottle {
    /// `limit` attempts per account in the window; three times that per client.
    pub fn new(limit: u32) -> Self {
        let limit = limit.max(1);
        SignInThrottle {
            per_account: limit,
            per_client: limit.saturating_mul(3),
            ledger: Mutex::new(Ledger {
                accounts: Tracked::new(),
                clients: Tracked::new(),
                next_id: 0,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Ledger> {
        // The ledger holds no invariant a panic elsewhere could break halfway.
        self.ledger.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether `account` (from `client`) may try now, without reserving anything: to refuse
    /// before the work of finding a server. [`Self::reserve`] decides.
    pub fn check(&self, account: &str, client: Option<IpAddr>) -> Result<(), TryLater> {
        let mut ledger = self.lock();
        self.wait(&mut ledger, &account.to_lowercase(), client.map(client_key))
    }

    fn wait(
        &self,
        ledger: &mut Ledger,
        account: &str,
        client: Option<IpAddr>,
    ) -> Result<(), TryLater> {
        let now = Instant::now();
        let by_account = ledger.accounts.wait(account, self.per_account, now);
        let by_client = client.and_then(|c| ledger.clients.wait(&c, self.per_client, now));
        match by_account.max(by_client) {
            Some(after) => Err(TryLater { after }),
            None => Ok(()),
        }
    }

    /// Reserves an attempt of `account`'s password at `server` (a host name) from `client`,
    /// or says how long to wait. Checking and reserving are one step, so concurrent attempts
    /// cannot all pass the check.
    pub fn reserve(
        &self,
        account: &str,
        server: &str,
        client: Option<IpAddr>,
    ) -> Result<Attempt<'_>, TryLater> {
        let account = account.to_lowercase();
        let client = client.map(client_key);
        let server: Arc<str> = comparable_host(server).into();
        let mut ledger = self.lock();
        self.wait(&mut ledger, &account, client)?;
        let id = ledger.next_id;
        ledger.next_id += 1;
        let entry = || Entry {
            id,
            at: Instant::now(),
            server: server.clone(),
            pending: true,
        };
        ledger
            .accounts
            .push(account.clone(), entry(), self.per_account);
        if let Some(client) = client {
            ledger.clients.push(client, entry(), self.per_client);
        }
        drop(ledger);
        Ok(Attempt {
            throttle: self,
            account,
            client,
            server,
            id,
            settled: false,
        })
    }
}

/// What one party controls of a client's address: an IPv4 address, or an IPv6 /64.
pub fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !(u64::MAX as u128))),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    /// Makes an attempt that the server refuses.
    fn fail(t: &SignInThrottle, account: &str, server: &str, client: Option<IpAddr>) {
        t.reserve(account, server, client)
            .expect("a place for the attempt")
            .failed();
    }

    #[test]
    fn an_account_is_closed_after_its_limit_from_any_address() {
        let t = SignInThrottle::new(3);
        for n in 0..3 {
            fail(
                &t,
                "Alice@example.org",
                "imap.example.org",
                ip(&format!("192.0.2.{n}")),
            );
        }
        let refused = t.reserve("alice@example.org", "imap.example.org", ip("192.0.2.200"));
        assert!(refused.is_err());
        assert!(t.check("alice@example.org", None).is_err());
        assert!(
            t.reserve("bob@example.org", "imap.example.org", ip("192.0.2.0"))
                .is_ok()
        );
    }

    #[test]
    fn an_address_is_closed_after_trying_many_accounts() {
        let t = SignInThrottle::new(2);
        for n in 0..6 {
            fail(
                &t,
                &format!("user{n}@example.org"),
                "imap.example.org",
                ip("198.51.100.1"),
            );
        }
        assert!(
            t.reserve("someone@example.org", "x", ip("198.51.100.1"))
                .is_err()
        );
        assert!(
            t.reserve("someone@example.org", "x", ip("198.51.100.2"))
                .is_ok()
        );
    }

    #[test]
    fn attempts_in_flight_count_before_they_end() {
        let t = SignInThrottle::new(3);
        let in_flight: Vec<_> = (0..3)
            .map(|_| {
                t.reserve("a@example.org", "imap.example.org", None)
                    .unwrap()
            })
            .collect();

        assert!(
            t.reserve("a@example.org", "imap.example.org", None)
                .is_err()
        );
        drop(in_flight);
        assert!(
            t.reserve("a@example.org", "imap.example.org", None).is_ok(),
            "attempts that judged no password give their place back"
        );
    }

    #[test]
    fn success_clears_the_failures_at_its_own_server_only() {
        let t = SignInThrottle::new(2);
        fail(&t, "victim@example.org", "imap.example.org", None);
        // At the attacker's own server, which takes any password.
        t.reserve("victim@example.org", "imap.attacker.test", None)
            .unwrap()
            .succeeded();
        fail(&t, "victim@example.org", "imap.example.org", None);

        assert!(
            t.reserve("victim@example.org", "imap.example.org", None)
                .is_err()
        );

        let t = SignInThrottle::new(2);
        fail(&t, "a@example.org", "IMAP.example.org.", None);
        t.reserve("a@example.org", "imap.example.org", None)
            .unwrap()
            .succeeded();
        fail(&t, "a@example.org", "imap.example.org", None);
        assert!(t.reserve("a@example.org", "imap.example.org", None).is_ok());
    }

    #[test]
    fn a_refusal_says_when_a_place_frees_up() {
        let t = SignInThrottle::new(1);
        fail(&t, "a@example.org", "imap.example.org", None);

        let later = t
            .reserve("a@example.org", "imap.example.org", None)
            .unwrap_err();

        assert!(later.after <= WINDOW && later.after > WINDOW - Duration::from_secs(60));
        assert_eq!(later.minutes(), 15);
        assert!(later.seconds() <= 900 && later.seconds() > 840);
        let soon = TryLater {
            after: Duration::from_millis(1500),
        };
        assert_eq!((soon.minutes(), soon.seconds()), (1, 2));
    }

    #[test]
    fn ipv6_clients_are_counted_per_64_and_mapped_ipv4_as_ipv4() {
        let key = |s: &str| client_key(s.parse().unwrap());
        assert_eq!(key("2001:db8:1:2:aaaa::1"), key("2001:db8:1:2:ffff:1:2:3"));
        assert_eq!(key("2001:db8:1:2:aaaa::1"), key("2001:db8:1:2::"));
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
        assert_eq!(key("::ffff:192.0.2.7"), key("192.0.2.7"));
        assert_ne!(key("192.0.2.7"), key("192.0.2.8"));

        let t = SignInThrottle::new(1);
        for n in 0..3 {
            fail(
                &t,
                &format!("u{n}@example.org"),
                "x",
                ip(&format!("2001:db8::{n}")),
            );
        }
        assert!(
            t.reserve("other@example.org", "x", ip("2001:db8::ffff"))
                .is_err(),
            "another address in the same /64 is the same client"
        );
        assert!(
            t.reserve("other@example.org", "x", ip("2001:db8:0:1::1"))
                .is_ok()
        );
    }

    #[test]
    fn memory_stays_bounded_under_a_flood_of_made_up_accounts() {
        let t = SignInThrottle::new(5);
        for n in 0..(MAX_TRACKED + 500) {
            fail(&t, &format!("x{n}@example.org"), "x", None);
        }
        assert!(t.lock().accounts.entries.len() <= MAX_TRACKED);
    }
}
