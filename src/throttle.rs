//! Limits on failed sign-ins, so Posta cannot be used to guess passwords: per account
//! (whoever tries) and per client address (whatever accounts it tries). Only failures
//! count, over a sliding 15 minutes; a success clears the account's count.
//!
//! Memory is bounded: at most [`MAX_TRACKED`] keys of each kind are kept, the stalest
//! dropped first, so a flood of made-up accounts cannot grow it without end.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const WINDOW: Duration = Duration::from_secs(15 * 60);
const MAX_TRACKED: usize = 100_000;

/// Failed sign-ins by account and by address.
#[derive(Debug)]
pub struct SignInThrottle {
    per_account: u32,
    per_address: u32,
    accounts: Mutex<Failures<String>>,
    addresses: Mutex<Failures<IpAddr>>,
}

#[derive(Debug)]
struct Failures<K> {
    times: HashMap<K, VecDeque<Instant>>,
}

impl<K: std::hash::Hash + Eq + Clone> Failures<K> {
    fn new() -> Self {
        Failures {
            times: HashMap::new(),
        }
    }

    /// Failures of `key` within the window, forgetting older ones.
    fn recent(&mut self, key: &K, now: Instant) -> u32 {
        let Some(times) = self.times.get_mut(key) else {
            return 0;
        };
        while times
            .front()
            .is_some_and(|t| now.duration_since(*t) >= WINDOW)
        {
            times.pop_front();
        }
        if times.is_empty() {
            self.times.remove(key);
            return 0;
        }
        times.len() as u32
    }

    fn add(&mut self, key: K, now: Instant, cap: u32) {
        if self.times.len() >= MAX_TRACKED && !self.times.contains_key(&key) {
            self.times.retain(|_, t| {
                t.back()
                    .is_some_and(|last| now.duration_since(*last) < WINDOW)
            });
            if self.times.len() >= MAX_TRACKED {
                // Still full of recent failures: forget the stalest half at once, so a flood
                // costs one sort per MAX_TRACKED / 2 new keys rather than one scan per key.
                let mut by_age: Vec<(Instant, K)> = self
                    .times
                    .iter()
                    .filter_map(|(k, t)| Some((*t.back()?, k.clone())))
                    .collect();
                by_age.sort_unstable_by_key(|(last, _)| *last);
                for (_, k) in by_age.into_iter().take(MAX_TRACKED / 2) {
                    self.times.remove(&k);
                }
            }
        }
        let times = self.times.entry(key).or_default();
        times.push_back(now);
        // Past the limit only the count matters: keep no more than it.
        while times.len() > cap as usize {
            times.pop_front();
        }
    }
}

impl SignInThrottle {
    /// `limit` failures per account in the window; three times that per address.
    pub fn new(limit: u32) -> Self {
        SignInThrottle {
            per_account: limit,
            per_address: limit.saturating_mul(3),
            accounts: Mutex::new(Failures::new()),
            addresses: Mutex::new(Failures::new()),
        }
    }

    /// Whether another attempt may be made now.
    pub fn allows(&self, account: &str, address: Option<IpAddr>) -> bool {
        let now = Instant::now();
        let account = account.to_lowercase();
        let by_account = self
            .accounts
            .lock()
            .expect("throttle poisoned")
            .recent(&account, now);
        let by_address = address.map_or(0, |ip| {
            self.addresses
                .lock()
                .expect("throttle poisoned")
                .recent(&ip, now)
        });
        by_account < self.per_account && by_address < self.per_address
    }

    pub fn failed(&self, account: &str, address: Option<IpAddr>) {
        let now = Instant::now();
        self.accounts.lock().expect("throttle poisoned").add(
            account.to_lowercase(),
            now,
            self.per_account,
        );
        if let Some(ip) = address {
            self.addresses
                .lock()
                .expect("throttle poisoned")
                .add(ip, now, self.per_address);
        }
    }

    pub fn succeeded(&self, account: &str) {
        self.accounts
            .lock()
            .expect("throttle poisoned")
            .times
            .remove(&account.to_lowercase());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn an_account_is_closed_after_its_limit_from_any_address() {
        let t = SignInThrottle::new(3);
        for n in 0..3 {
            assert!(t.allows("Alice@example.org", ip(&format!("192.0.2.{n}"))));
            t.failed("Alice@example.org", ip(&format!("192.0.2.{n}")));
        }
        assert!(!t.allows("alice@example.org", ip("192.0.2.200")));
        assert!(t.allows("bob@example.org", ip("192.0.2.0")));
    }

    #[test]
    fn an_address_is_closed_after_trying_many_accounts() {
        let t = SignInThrottle::new(2);
        for n in 0..6 {
            assert!(t.allows(&format!("user{n}@example.org"), ip("198.51.100.1")));
            t.failed(&format!("user{n}@example.org"), ip("198.51.100.1"));
        }
        assert!(!t.allows("someone@example.org", ip("198.51.100.1")));
        assert!(t.allows("someone@example.org", ip("198.51.100.2")));
    }

    #[test]
    fn success_clears_the_accounts_count() {
        let t = SignInThrottle::new(2);
        t.failed("a@example.org", None);
        t.succeeded("a@example.org");
        t.failed("a@example.org", None);
        assert!(t.allows("a@example.org", None));
    }

    #[test]
    fn memory_stays_bounded_under_a_flood_of_made_up_accounts() {
        let t = SignInThrottle::new(5);
        for n in 0..(MAX_TRACKED + 500) {
            t.failed(&format!("x{n}@example.org"), None);
        }
        assert!(t.accounts.lock().unwrap().times.len() <= MAX_TRACKED);
    }
}
