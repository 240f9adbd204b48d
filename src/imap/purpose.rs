//! What Posta accepts from an IMAP server in answer to one command, by what the command is
//! for. A hostile server on an open gateway can announce a literal of any size, send a line
//! that never ends, or bury a command in unsolicited responses; these caps bound what one
//! session reads and holds at once, so one such server costs a few megabytes and milliseconds
//! instead of gigabytes and cores. They are enforced below async-imap, on the byte stream
//! ([`super::stream::MailStream`], lexed by [`super::framing`]), so no code path can forget
//! them: each command gets the caps of the purpose its code named just before sending it
//! ([`super::Connection::expect`]), or [`Purpose::Command`]'s.
//!
//! Three caps each:
//! - `line`: bytes in one line segment (between line ends and literals). Only answers that
//!   list message numbers (SEARCH, SORT, THREAD) need long lines.
//! - `literal`: the largest literal (`{N}`) the server may announce. Refused at the
//!   announcement, before a byte of it is read or a buffer made for it.
//! - `budget`: all bytes of all responses to the command, unsolicited ones included. It bounds
//!   what the session holds at once: async-imap keeps every response to a FETCH until the
//!   command ends.
//!
//! The figures are generous (real mail stays far below them) but bounded; each says why below.

use std::fmt;

use super::reading::TEXT_LIMIT;
use super::search::MAX_RESULTS;
use super::sort::FALLBACK_CAP;

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;

/// A line segment in any answer but a list of message numbers: a BODYSTRUCTURE of a
/// thousand-part message or an ENVELOPE addressed to thousands of people is a few hundred
/// kilobytes; real servers send under 10 KB.
const LINE: u64 = MIB;
/// A literal in any answer but a message's text or a chunk: a header block (real ones are 2 to
/// 100 KB), a folder name, a subject or address list sent as a literal.
const LITERAL: u64 = MIB;
/// Room for the fetch items, flags and unsolicited responses around the literal of a chunk or
/// a whole message.
const AROUND: u64 = MIB;

/// What the responses to one command are for, which decides the [`Caps`] they are held to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Purpose {
    /// Anything not named below: LOGIN, CAPABILITY, LIST, STATUS, SELECT, STORE, COPY, MOVE,
    /// APPEND, EXPUNGE, a few envelopes for address suggestions. The default, and what every
    /// command gets unless its code says otherwise.
    #[default]
    Command,
    /// One message's BODYSTRUCTURE and header block (`BODY.PEEK[HEADER]`).
    Structure,
    /// The text parts of a message being read, each cut at [`TEXT_LIMIT`] (with its header,
    /// when the structure is already known).
    Texts,
    /// A page of a list: ENVELOPE, BODYSTRUCTURE and flags of up to 50 messages.
    Page,
    /// The sort keys (ENVELOPE, dates, sizes) of up to [`FALLBACK_CAP`] messages, for a server
    /// that cannot sort.
    SortKeys,
    /// SEARCH, SORT or THREAD: every matching message's number on one line.
    Uids,
    /// One chunk of an attachment or raw message, of at most this many bytes.
    Chunk(u32),
    /// A whole message or part of at most this many bytes, to forward or resume.
    Whole(u64),
}

/// The caps one command's responses are held to (see the module documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Caps {
    pub line: u64,
    pub literal: u64,
    pub budget: u64,
}

impl Purpose {
    pub fn caps(self) -> Caps {
        let (line, literal, budget) = match self {
            // 8 MB: a LIST of tens of thousands of folders, or a MOVE of 100,000 messages
            // (one EXPUNGE line each).
            Purpose::Command => (LINE, LITERAL, 8 * MIB),
            // A header block of up to 1 MB beside a BODYSTRUCTURE of up to 1 MB.
            Purpose::Structure => (LINE, LITERAL, 4 * MIB),
            // Eight text parts at the full 2 MB each; a real message has one to three, of a
            // few kilobytes.
            Purpose::Texts => (LINE, u64::from(TEXT_LIMIT), 8 * u64::from(TEXT_LIMIT)),
            // 50 messages at over 300 KB each; real ones take 1 to 3 KB.
            Purpose::Page => (LINE, LITERAL, 16 * MIB),
            // 4 KB per message, ten times a typical ENVELOPE.
            Purpose::SortKeys => (LINE, LITERAL, FALLBACK_CAP as u64 * 4 * KIB),
            // Posta reads at most MAX_RESULTS numbers (search.rs), eight bytes each with the
            // space (seven digits: a UID up to ten million); THREAD adds a few parentheses.
            Purpose::Uids => {
                let line = MAX_RESULTS as u64 * 8;
                (line, LITERAL, line + AROUND)
            }
            // Exactly what was asked for: a server never sends more of a section than the
            // `<offset.length>` it was asked for.
            Purpose::Chunk(len) => (LINE, u64::from(len), u64::from(len) + AROUND),
            Purpose::Whole(size) => (LINE, size, size.saturating_add(AROUND)),
        };
        Caps {
            line,
            literal,
            budget,
        }
    }
}

/// For the log: what the command was for.
impl fmt::Display for Purpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Purpose::Command => "a command",
            Purpose::Structure => "a message's structure and header",
            Purpose::Texts => "a message's text",
            Purpose::Page => "a page of a list",
            Purpose::SortKeys => "the sort keys of a folder",
            Purpose::Uids => "a list of message numbers",
            Purpose::Chunk(_) => "a chunk of an attachment",
            Purpose::Whole(_) => "a whole message or part",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_purpose_is_bounded_and_its_budget_holds_its_largest_literal_and_line() {
        for purpose in [
            Purpose::Command,
            Purpose::Structure,
            Purpose::Texts,
            Purpose::Page,
            Purpose::SortKeys,
            Purpose::Uids,
            Purpose::Chunk(1024 * 1024),
            Purpose::Whole(25 * MIB),
        ] {
            let caps = purpose.caps();
            assert!(caps.budget <= 64 * MIB, "{purpose}: {caps:?}");
            assert!(caps.literal < caps.budget, "{purpose}: {caps:?}");
            assert!(caps.line < caps.budget, "{purpose}: {caps:?}");
        }
    }

    #[test]
    fn a_chunk_may_be_exactly_as_long_as_asked_for() {
        let caps = Purpose::Chunk(1024 * 1024).caps();
        assert_eq!(caps.literal, 1024 * 1024);
    }
}
