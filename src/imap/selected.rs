//! What Posta knows of the mailbox a connection has SELECTed, and how the server's
//! unilateral responses keep that knowledge current: `* n EXISTS` (new mail), `* n EXPUNGE`
//! and `* VANISHED` (messages removed, RFC 7162), `* n FETCH (FLAGS …)` (flags changed by
//! someone else), `* OK [HIGHESTMODSEQ n]`. A server sends these whenever it may (after NOOP,
//! and around most commands); applying every one of them, in order, is what lets a list page
//! trust its EXISTS for sequence-number windows without SELECTing again (RFC 3501 §7,
//! RFC 7162 §3.2.10). Pure: no I/O here (see [`super::sync`]).

use async_imap::imap_proto::{AttributeValue, MailboxDatum, Response, ResponseCode, Status};
use async_imap::types::Mailbox;

/// The mailbox a connection has SELECTed, as this session sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selected {
    /// Wire name (modified UTF-7).
    pub name: String,
    /// UIDs are only meaningful together with this; cached structures are keyed by it.
    pub uid_validity: u32,
    /// Messages in this session's view: sequence numbers run from 1 to this. The server
    /// changes its numbering only by telling the session (EXISTS, EXPUNGE, VANISHED), so
    /// applying those keeps this exact.
    pub exists: u32,
    /// UIDNEXT when selected: UIDs from here on arrived since (servers do not announce it
    /// again unprompted).
    pub uid_next: Option<u32>,
    /// HIGHESTMODSEQ, where the server has CONDSTORE: the point flags changed since can be
    /// asked from (`CHANGEDSINCE`), and what a later SELECT … (QRESYNC …) starts from.
    pub highest_modseq: Option<u64>,
    /// Some of the server's reports were lost (see [`super::Connection`]'s queue): UIDs
    /// still name the same messages, but the count is not to be trusted until the next
    /// SELECT.
    pub stale: bool,
}

/// What a response told about the selected mailbox.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// New messages: the view grew.
    Arrived,
    /// Messages were expunged.
    Removed,
    /// Some message's flags changed.
    Flags,
}

impl Selected {
    /// The view a SELECT (or EXAMINE) of `name` answered with.
    pub fn new(name: &str, mailbox: &Mailbox) -> Selected {
        Selected {
            name: name.to_owned(),
            // A server without UIDVALIDITY (none seen in practice) never reuses cache entries
            // across reconnects: 0 matches only itself.
            uid_validity: mailbox.uid_validity.unwrap_or(0),
            exists: mailbox.exists,
            uid_next: mailbox.uid_next,
            highest_modseq: mailbox.highest_modseq,
            stale: false,
        }
    }

    /// Applies one response from the server to the view; says what it changed, if anything.
    pub fn apply(&mut self, response: &Response<'_>) -> Option<Change> {
        match response {
            Response::MailboxData(MailboxDatum::Exists(n)) => {
                let arrived = *n > self.exists;
                let removed = *n < self.exists;
                self.exists = *n;
                match (arrived, removed) {
                    (true, _) => Some(Change::Arrived),
                    // Only a misbehaving server shrinks a mailbox by EXISTS; believe it.
                    (_, true) => Some(Change::Removed),
                    _ => None,
                }
            }
            Response::Expunge(_) => {
                self.exists = self.exists.saturating_sub(1);
                Some(Change::Removed)
            }
            // VANISHED (EARLIER) answers a question about the past (a UID FETCH or SELECT
            // with QRESYNC) and renumbers nothing; a plain VANISHED is an EXPUNGE by UID.
            Response::Vanished {
                earlier: false,
                uids,
            } => {
                let gone: u64 = uids
                    .iter()
                    .map(|r| u64::from(r.end().saturating_sub(*r.start())) + 1)
                    .sum();
                self.exists = self
                    .exists
                    .saturating_sub(u32::try_from(gone).unwrap_or(u32::MAX));
                Some(Change::Removed)
            }
            Response::Vanished { earlier: true, .. } => None,
            Response::Fetch(_, attributes) => {
                let mut flags = false;
                for attribute in attributes {
                    match attribute {
                        AttributeValue::Flags(_) => flags = true,
                        AttributeValue::ModSeq(m) => self.note_modseq(*m),
                        _ => {}
                    }
                }
                flags.then_some(Change::Flags)
            }
            Response::Data {
                status: Status::Ok,
                outcome,
            } => {
                match outcome.code {
                    Some(ResponseCode::HighestModSeq(m)) => self.note_modseq(m),
                    Some(ResponseCode::UidNext(n)) => self.uid_next = Some(n),
                    _ => {}
                }
                None
            }
            _ => None,
        }
    }

    fn note_modseq(&mut self, modseq: u64) {
        if let Some(highest) = &mut self.highest_modseq {
            *highest = (*highest).max(modseq);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inbox(exists: u32) -> Selected {
        Selected {
            name: "INBOX".into(),
            uid_validity: 7,
            exists,
            uid_next: Some(exists + 1),
            highest_modseq: Some(100),
            stale: false,
        }
    }

    /// Applies each line, as the server sent it, to `view`; the changes seen.
    fn apply(view: &mut Selected, lines: &[&str]) -> Vec<Option<Change>> {
        lines
            .iter()
            .map(|line| {
                let (rest, response) = Response::parse(line.as_bytes()).expect(line);
                assert!(rest.is_empty(), "{line}");
                view.apply(&response)
            })
            .collect()
    }

    #[test]
    fn new_mail_grows_the_view_and_says_so() {
        let mut view = inbox(10);
        let seen = apply(
            &mut view,
            &["* 12 EXISTS\r\n", "* 1 RECENT\r\n", "* 12 EXISTS\r\n"],
        );
        assert_eq!(view.exists, 12);
        assert_eq!(seen, [Some(Change::Arrived), None, None]);
    }

    #[test]
    fn each_expunge_takes_one_message_from_the_view() {
        let mut view = inbox(10);
        let seen = apply(&mut view, &["* 3 EXPUNGE\r\n", "* 3 EXPUNGE\r\n"]);
        assert_eq!(view.exists, 8);
        assert_eq!(seen, [Some(Change::Removed); 2]);
    }

    #[test]
    fn an_expunge_then_new_mail_is_seen_as_both() {
        let mut view = inbox(10);
        let seen = apply(&mut view, &["* 4 EXPUNGE\r\n", "* 10 EXISTS\r\n"]);
        assert_eq!(view.exists, 10);
        assert_eq!(seen, [Some(Change::Removed), Some(Change::Arrived)]);
    }

    #[test]
    fn vanished_removes_every_uid_it_names_but_vanished_earlier_none() {
        let mut view = inbox(100);
        let seen = apply(
            &mut view,
            &[
                "* VANISHED 41,43:45,50\r\n",
                "* VANISHED (EARLIER) 1:30\r\n",
            ],
        );
        assert_eq!(view.exists, 95);
        assert_eq!(seen, [Some(Change::Removed), None]);
    }

    #[test]
    fn flags_changed_elsewhere_are_a_change_and_move_the_modseq() {
        let mut view = inbox(10);
        let seen = apply(
            &mut view,
            &[
                "* 3 FETCH (UID 3 FLAGS (\\Seen \\Flagged) MODSEQ (120))\r\n",
                "* 4 FETCH (MODSEQ (110))\r\n",
                "* OK [HIGHESTMODSEQ 130] Highest\r\n",
            ],
        );
        assert_eq!(seen, [Some(Change::Flags), None, None]);
        assert_eq!(view.highest_modseq, Some(130));
        assert_eq!(view.exists, 10);
    }

    #[test]
    fn a_view_never_counts_below_zero() {
        let mut view = inbox(1);
        apply(
            &mut view,
            &["* 1 EXPUNGE\r\n", "* 1 EXPUNGE\r\n", "* VANISHED 1:9\r\n"],
        );
        assert_eq!(view.exists, 0);
    }
}
