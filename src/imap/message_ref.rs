//! Which message: a mailbox, its UIDVALIDITY and a UID. A UID alone names nothing for long
//! (a mailbox may be renumbered), so whatever outlives one command — cached structures and
//! documents, the original a reply answers, a draft's note of it — holds all three.
//!
//! It has one text form, `1712345 42 Projects%2FRust` (UIDVALIDITY, UID, the decoded mailbox
//! name percent-encoded), which drafts already stored on IMAP servers carry in their
//! `X-Posta-Origin` header: [`MessageRef::parse`] and `Display` must stay byte-compatible
//! with it. URLs are not made here.

use std::fmt;

use percent_encoding::{NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

use super::MailboxName;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MessageRef {
    mailbox: MailboxName,
    uid_validity: u32,
    uid: u32,
}

impl MessageRef {
    pub fn new(mailbox: MailboxName, uid_validity: u32, uid: u32) -> Self {
        MessageRef {
            mailbox,
            uid_validity,
            uid,
        }
    }

    pub fn mailbox(&self) -> &MailboxName {
        &self.mailbox
    }

    /// The mailbox's UIDVALIDITY when the UID was seen: the UID names this message only
    /// while the mailbox still has it.
    pub fn uid_validity(&self) -> u32 {
        self.uid_validity
    }

    pub fn uid(&self) -> u32 {
        self.uid
    }

    /// Reads the text form (`1712345 42 Projects%2FRust`); `None` unless it is exactly
    /// that: two numbers, a UID above zero, and a valid mailbox name.
    pub fn parse(text: &str) -> Option<MessageRef> {
        let mut words = text.splitn(3, ' ');
        let uid_validity = words.next()?.parse().ok()?;
        let uid = words.next()?.parse().ok().filter(|&u| u > 0)?;
        let mailbox = percent_decode_str(words.next()?.trim())
            .decode_utf8()
            .ok()?;
        Some(MessageRef {
            mailbox: MailboxName::parse(&mailbox)?,
            uid_validity,
            uid,
        })
    }
}

/// The text form [`MessageRef::parse`] reads: plain ASCII, no spaces inside the mailbox.
impl fmt::Display for MessageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mailbox = utf8_percent_encode(self.mailbox.as_str(), NON_ALPHANUMERIC);
        write!(f, "{} {} {mailbox}", self.uid_validity, self.uid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(mailbox: &str, uid_validity: u32, uid: u32) -> MessageRef {
        MessageRef::new(MailboxName::parse(mailbox).unwrap(), uid_validity, uid)
    }

    #[test]
    fn the_text_form_is_the_one_drafts_already_carry() {
        let m = message("Projects/Rust", 1712345, 42);
        assert_eq!(m.to_string(), "1712345 42 Projects%2FRust");
        assert_eq!(
            message("Работа", 3, 9).to_string(),
            "3 9 %D0%A0%D0%B0%D0%B1%D0%BE%D1%82%D0%B0"
        );
        assert_eq!(MessageRef::parse("1712345 42 Projects%2FRust"), Some(m));
    }

    #[test]
    fn references_round_trip_through_their_text_form() {
        for m in [
            message("INBOX", 1, 1),
            message("Projects/Big plans", 17, 42),
            message("Работа", u32::MAX, u32::MAX),
        ] {
            assert_eq!(MessageRef::parse(&m.to_string()), Some(m));
        }
    }

    #[test]
    fn malformed_references_are_refused() {
        for bad in [
            "",
            "x 1 INBOX",
            "1 0 INBOX",
            "1 x INBOX",
            "1 2",
            "1 2 %FF",
            "1 2 a%0Ab",
            "-1 2 INBOX",
            " 1 2 INBOX",
        ] {
            assert_eq!(MessageRef::parse(bad), None, "{bad}");
        }
    }
}
