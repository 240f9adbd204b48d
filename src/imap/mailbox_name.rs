//! A mailbox name as people read it (`Projects/Rust`, `Работа`): decoded UTF-8, turned into
//! modified UTF-7 for the wire. How it is written into a URL is `routes::links`' business.

use super::utf7;

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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_names_keep_their_separator_on_the_wire() {
        let name = MailboxName::parse("Projects/Rust").unwrap();
        assert_eq!(name.wire(), "Projects/Rust");
    }

    #[test]
    fn cyrillic_names_go_out_as_modified_utf7() {
        let name = MailboxName::parse("Работа").unwrap();
        assert_eq!(name.wire(), "&BCAEMAQxBD4EQgQw-");
    }

    #[test]
    fn inbox_is_case_insensitive_and_junk_is_refused() {
        assert_eq!(MailboxName::parse("inbox").unwrap().as_str(), "INBOX");
        assert!(MailboxName::parse("").is_none());
        assert!(MailboxName::parse("a\r\nb").is_none());
    }
}
