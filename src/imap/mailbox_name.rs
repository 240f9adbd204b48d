//! A mailbox name as it appears in URLs (`/mail/Projects%2FRust`, `/mail/Работа`): decoded
//! UTF-8, turned into modified UTF-7 for the wire.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use super::utf7;

/// Everything but RFC 3986 unreserved characters is escaped, `/` included, so a nested
/// mailbox stays one path segment.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MailboxName(String);

impl MailboxName {
    /// Accepts any non-empty name without control characters; `inbox` in any case is INBOX.
    pub fn parse(name: &str) -> Option<MailboxName> {
        if name.is_empty() || name.len() > 1000 || name.chars().any(char::is_control) {
            return None;
        }
        if name.eq_ignore_ascii_case("INBOX") {
            return Some(MailboxName("INBOX".to_owned()));
        }
        Some(MailboxName(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name as IMAP commands need it.
    pub fn wire(&self) -> String {
        utf7::encode(&self.0)
    }

    /// `/mail/<name>`.
    pub fn url(&self) -> String {
        format!("/mail/{}", utf8_percent_encode(&self.0, SEGMENT))
    }
}

/// `/mail/<name>` for a decoded folder name.
pub fn mailbox_url(name: &str) -> String {
    format!("/mail/{}", utf8_percent_encode(name, SEGMENT))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_names_stay_one_segment() {
        let name = MailboxName::parse("Projects/Rust").unwrap();
        assert_eq!(name.url(), "/mail/Projects%2FRust");
        assert_eq!(name.wire(), "Projects/Rust");
    }

    #[test]
    fn cyrillic_names_go_out_as_modified_utf7() {
        let name = MailboxName::parse("Работа").unwrap();
        assert_eq!(name.wire(), "&BCAEMAQxBD4EQgQw-");
        assert_eq!(name.url(), "/mail/%D0%A0%D0%B0%D0%B1%D0%BE%D1%82%D0%B0");
    }

    #[test]
    fn inbox_is_case_insensitive_and_junk_is_refused() {
        assert_eq!(MailboxName::parse("inbox").unwrap().as_str(), "INBOX");
        assert!(MailboxName::parse("").is_none());
        assert!(MailboxName::parse("a\r\nb").is_none());
    }
}
