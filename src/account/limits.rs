//! The one rule for how long a sign-in lasts: an idle timeout and an absolute lifetime. It is
//! written here once and applied in one place, the [`AccountSessions`](super::AccountSessions)
//! registry (at each request and by its sweeper); the browser's session record follows the
//! account session rather than keeping a clock of its own.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a signed-in session lasts.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Without a request for this long, the person is signed out.
    pub idle: Duration,
    /// However active, the person signs in again after this long.
    pub lifetime: Duration,
}

impl Limits {
    /// How long a session idle for `idle` and `age` old has left; `None` once it is over.
    pub fn time_left(&self, idle: Duration, age: Duration) -> Option<Duration> {
        let idle_left = self.idle.checked_sub(idle)?;
        let life_left = self.lifetime.checked_sub(age)?;
        Some(idle_left.min(life_left)).filter(|left| !left.is_zero())
    }

    /// Whether a session idle for `idle` and `age` old is over.
    pub fn exceeded(&self, idle: Duration, age: Duration) -> bool {
        self.time_left(idle, age).is_none()
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

/// When a session started and when the person last did something in it: what [`Limits`]
/// are measured against.
#[derive(Debug)]
pub(super) struct Activity {
    started: Instant,
    last: Mutex<Instant>,
}

impl Activity {
    pub(super) fn new() -> Self {
        let now = Instant::now();
        Activity {
            started: now,
            last: Mutex::new(now),
        }
    }

    /// Counts now as activity.
    pub(super) fn touch(&self) {
        *self.last.lock().expect("clock poisoned") = Instant::now();
    }

    pub(super) fn time_left(&self, limits: &Limits) -> Option<Duration> {
        let idle = self.last.lock().expect("clock poisoned").elapsed();
        limits.time_left(idle, self.started.elapsed())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits {
        idle: Duration::from_secs(60),
        lifetime: Duration::from_secs(600),
    };

    #[test]
    fn the_nearer_limit_decides_what_is_left() {
        let s = Duration::from_secs;
        assert_eq!(LIMITS.time_left(s(10), s(100)), Some(s(50)));
        assert_eq!(LIMITS.time_left(s(10), s(580)), Some(s(20)));
    }

    #[test]
    fn a_session_at_either_limit_is_over() {
        let s = Duration::from_secs;
        assert!(LIMITS.exceeded(s(60), s(100)));
        assert!(LIMITS.exceeded(s(0), s(600)));
        assert!(LIMITS.exceeded(s(61), s(0)));
        assert!(!LIMITS.exceeded(s(59), s(599)));
    }
}
