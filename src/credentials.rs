//! Who a person is to their mail servers: an email address, the password (kept only in
//! memory), the login name and the servers their mail lives on. The bottom layer: it knows
//! nothing of connections or sessions, so both can hold it.

use std::fmt;

use crate::upstream::Upstream;

/// An email address as typed at sign-in, checked for the one `@` and a plausible domain.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(raw: &str) -> Option<EmailAddress> {
        let raw = raw.trim();
        let (local, domain) = raw.rsplit_once('@')?;
        let domain_ok = !domain.is_empty()
            && domain.len() <= 253
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && domain
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '.');
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.chars().any(|c| c.is_whitespace() || c.is_control());
        (domain_ok && local_ok && raw.len() <= 254).then(|| EmailAddress(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map(|(_, d)| d).unwrap_or("")
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A password. Never printed, never serialised, wiped from memory when dropped.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    pub fn new(secret: String) -> Self {
        Password(secret)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

impl Drop for Password {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.0);
    }
}

/// Everything needed to open (and re-open) this person's IMAP connections and to send mail.
#[derive(Clone, Debug)]
pub struct Credentials {
    pub email: EmailAddress,
    /// The IMAP login name; the email address for nearly every provider.
    pub login: String,
    pub password: Password,
    pub imap: Upstream,
    /// Where to send from; `None` until discovery or configuration names one.
    pub smtp: Option<Upstream>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_addresses_parse() {
        let e = EmailAddress::parse("  ivan.petrov@mail.ru ").unwrap();
        assert_eq!(e.as_str(), "ivan.petrov@mail.ru");
        assert_eq!(e.domain(), "mail.ru");
        assert!(EmailAddress::parse("почта@пример.рф").is_some());
    }

    #[test]
    fn things_that_are_not_addresses_are_refused() {
        for bad in [
            "",
            "alice",
            "@mail.ru",
            "alice@",
            "a b@x.org",
            "alice@.x",
            "a@x/y",
        ] {
            assert!(EmailAddress::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn passwords_never_print() {
        let p = Password::new("hunter2".into());
        assert!(!format!("{p:?}").contains("hunter2"));
    }
}
