//! Where each IMAP response from the server ends, and whether it keeps within the caps of the
//! command it answers ([`Purpose::caps`]).
//!
//! IMAP framing is small: a response is lines ending in LF (CRLF on the wire); a line that ends
//! with a literal announcement, `{N}` (or `{N+}`, or `~{N}` for BINARY), is followed by exactly
//! N bytes of anything, then the line goes on. A response starting with `*` is untagged, `+`
//! asks for the rest of a command, anything else is tagged and ends the command in flight.
//! That is all this lexer knows; it never parses what the lines say (async-imap and
//! imap-proto do), so it is a few states per byte and cannot be confused by a literal holding
//! CRLF or `{5}`. Written here rather than taken from a crate: the IMAP parsers on crates.io
//! parse whole responses from a buffer, which is exactly the unbounded work this is to avoid.
//!
//! One ambiguity: a server's human-readable text could end in `{5}` just before its line end;
//! like other IMAP clients, the lexer takes that for a literal. No real server writes such
//! text, and the cost of a hostile one doing it is a command that waits for its time limit.

use std::fmt;

use super::purpose::{Caps, Purpose};

/// Which cap a server went over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    /// A line segment longer than [`Caps::line`].
    Line,
    /// A literal announced larger than [`Caps::literal`].
    Literal,
    /// More bytes in answer to one command than [`Caps::budget`].
    Budget,
}

/// A server sent more than Posta accepts: the read fails with this inside an
/// [`std::io::Error`] (kind `InvalidData`), and the connection is dropped.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "the IMAP server sent {limit} of {size} bytes in answer to {purpose}, over the cap of {cap}"
)]
pub struct Exceeded {
    pub limit: Limit,
    /// How many bytes: the line so far, the literal announced, or the answer so far.
    pub size: u64,
    pub cap: u64,
    pub purpose: Purpose,
}

impl Exceeded {
    /// The cap a failed read or command ran into, if that is why it failed.
    pub fn in_io(error: &std::io::Error) -> Option<&Exceeded> {
        error.get_ref()?.downcast_ref()
    }
}

impl From<Exceeded> for std::io::Error {
    fn from(exceeded: Exceeded) -> Self {
        std::io::Error::new(std::io::ErrorKind::InvalidData, exceeded)
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Limit::Line => "a line",
            Limit::Literal => "a literal",
            Limit::Budget => "responses",
        })
    }
}

/// How far into a literal announcement (`{123}` or `{123+}`) the end of a line segment is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tail {
    Nothing,
    Open,
    Digits(u64),
    Plus(u64),
    Close(u64),
    CloseCr(u64),
}

impl Tail {
    fn after(self, byte: u8) -> Tail {
        match (self, byte) {
            (_, b'{') => Tail::Open,
            (Tail::Open, b'0'..=b'9') => Tail::Digits(u64::from(byte - b'0')),
            (Tail::Digits(n), b'0'..=b'9') => {
                Tail::Digits(n.saturating_mul(10).saturating_add(u64::from(byte - b'0')))
            }
            (Tail::Digits(n), b'+') => Tail::Plus(n),
            (Tail::Digits(n) | Tail::Plus(n), b'}') => Tail::Close(n),
            (Tail::Close(n), b'\r') => Tail::CloseCr(n),
            _ => Tail::Nothing,
        }
    }

    /// The literal a line end after this announces.
    fn literal(self) -> Option<u64> {
        match self {
            Tail::Close(n) | Tail::CloseCr(n) => Some(n),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// In a line segment of `len` bytes so far.
    Line { len: u64, tail: Tail },
    /// In a literal, `left` bytes to go.
    Literal { left: u64 },
}

/// The lexer of one connection's incoming bytes, and the caps of the command in flight.
#[derive(Debug)]
pub struct Framing {
    /// What the command in flight is for, and so its caps.
    purpose: Purpose,
    caps: Caps,
    /// What the next command will be for, when its code said so.
    next: Option<Purpose>,
    /// Bytes received since the command in flight was sent.
    taken: u64,
    state: State,
    /// At the first byte of a response.
    at_start: bool,
    /// The response being read is tagged: it ends the command in flight.
    tagged: bool,
    /// No command in flight (none yet, or its tagged response came): Posta's next write
    /// starts one.
    between_commands: bool,
}

impl Default for Framing {
    fn default() -> Self {
        Framing {
            purpose: Purpose::default(),
            caps: Purpose::default().caps(),
            next: None,
            taken: 0,
            state: State::Line {
                len: 0,
                tail: Tail::Nothing,
            },
            at_start: true,
            tagged: false,
            between_commands: true,
        }
    }
}

impl Framing {
    /// The next command's responses are for `purpose`.
    pub fn expect(&mut self, purpose: Purpose) {
        self.next = Some(purpose);
    }

    /// Posta is writing to the server: if no command was in flight, this starts one, with the
    /// caps its code expected (else the default) and a fresh budget. The rest of a command
    /// (literals, IDLE's DONE) is written while it is in flight and changes nothing.
    pub fn writing(&mut self) {
        if self.between_commands {
            self.between_commands = false;
            self.purpose = self.next.take().unwrap_or_default();
            self.caps = self.purpose.caps();
            self.taken = 0;
        }
    }

    /// Lexes `bytes`, the next ones from the server. Returns where the last response that
    /// ends within them ends (an index into `bytes`, past its LF), if any does.
    pub fn feed(&mut self, bytes: &[u8]) -> Result<Option<usize>, Exceeded> {
        self.taken = self.taken.saturating_add(bytes.len() as u64);
        if self.taken > self.caps.budget {
            return Err(self.exceeded(Limit::Budget, self.taken));
        }
        let mut ended = None;
        let mut i = 0;
        while i < bytes.len() {
            match &mut self.state {
                State::Literal { left } => {
                    let n = (*left).min((bytes.len() - i) as u64);
                    *left -= n;
                    i += n as usize;
                    if *left == 0 {
                        self.state = State::Line {
                            len: 0,
                            tail: Tail::Nothing,
                        };
                    }
                }
                State::Line { len, tail } => {
                    let byte = bytes[i];
                    i += 1;
                    if self.at_start {
                        self.at_start = false;
                        self.tagged = byte != b'*' && byte != b'+';
                    }
                    *len += 1;
                    if *len > self.caps.line {
                        let len = *len;
                        return Err(self.exceeded(Limit::Line, len));
                    }
                    if byte != b'\n' {
                        *tail = tail.after(byte);
                        continue;
                    }
                    match tail.literal() {
                        Some(size) if size > self.caps.literal => {
                            return Err(self.exceeded(Limit::Literal, size));
                        }
                        Some(size) => {
                            // The bytes still to come of this command's answer include it.
                            let total =
                                (self.taken - (bytes.len() - i) as u64).saturating_add(size);
                            if total > self.caps.budget {
                                return Err(self.exceeded(Limit::Budget, total));
                            }
                            self.state = State::Literal { left: size };
                            if size == 0 {
                                self.state = State::Line {
                                    len: 0,
                                    tail: Tail::Nothing,
                                };
                            }
                        }
                        None => {
                            ended = Some(i);
                            self.at_start = true;
                            if self.tagged {
                                self.between_commands = true;
                            }
                            self.state = State::Line {
                                len: 0,
                                tail: Tail::Nothing,
                            };
                        }
                    }
                }
            }
        }
        Ok(ended)
    }

    fn exceeded(&self, limit: Limit, size: u64) -> Exceeded {
        let caps = &self.caps;
        let cap = match limit {
            Limit::Line => caps.line,
            Limit::Literal => caps.literal,
            Limit::Budget => caps.budget,
        };
        Exceeded {
            limit,
            size,
            cap,
            purpose: self.purpose,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A lexer between commands, as after a greeting, with small caps.
    fn small(line: u64, literal: u64, budget: u64) -> Framing {
        let mut framing = Framing::default();
        framing.writing();
        framing.caps = Caps {
            line,
            literal,
            budget,
        };
        framing
    }

    fn roomy() -> Framing {
        small(1000, 1000, 10_000)
    }

    /// Where responses in `input` end (offsets past their LF), fed one byte at a time; and
    /// checks that feeding it in two reads, split at every byte, finds the same last ends.
    fn ends(make: fn() -> Framing, input: &[u8]) -> Result<Vec<usize>, Exceeded> {
        let mut framing = make();
        let mut ends = Vec::new();
        let mut failed = None;
        for (i, byte) in input.iter().enumerate() {
            match framing.feed(std::slice::from_ref(byte)) {
                Ok(Some(end)) => ends.push(i + end),
                Ok(None) => {}
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        for split in 0..=input.len() {
            let (first, second) = input.split_at(split);
            let mut framing = make();
            let outcome = framing.feed(first).and_then(|a| {
                let b = framing.feed(second)?;
                Ok((a, b.map(|end| split + end)))
            });
            match (&failed, outcome) {
                (None, Ok((a, b))) => {
                    assert_eq!(a, ends.iter().copied().rfind(|&e| e <= split), "{split}");
                    assert_eq!(b, ends.iter().copied().rfind(|&e| e > split), "{split}");
                }
                (Some(e), Err(f)) => assert_eq!(e.limit, f.limit, "{split}"),
                (expected, got) => panic!("split at {split}: {expected:?} but {got:?}"),
            }
        }
        failed.map_or(Ok(ends), Err)
    }

    #[test]
    fn the_greeting_and_each_response_end_at_their_line_end() {
        let input = b"* OK IMAP4rev1 ready\r\n* 3 EXISTS\r\n* 1 RECENT\r\na1 OK done\r\n";
        assert_eq!(ends(roomy, input), Ok(vec![22, 34, 46, 58]));
    }

    #[test]
    fn a_literal_may_hold_line_ends_and_text_like_an_announcement() {
        // The 12 bytes of the literal: `ab`, CRLF, `{5}`, CRLF, `xyz`.
        let input = b"* 1 FETCH (BODY[] {12}\r\nab\r\n{5}\r\nxyz)\r\na2 OK\r\n";
        assert_eq!(ends(roomy, input), Ok(vec![39, 46]));
    }

    #[test]
    fn literal_plus_binary_and_empty_literals_are_literals_too() {
        for input in [
            &b"* 1 FETCH (X {5+}\r\n\r\n\r\n\n)\r\n"[..],
            b"* 1 FETCH (BINARY[2] ~{5}\r\n\0\r\n\0\n)\r\n",
            b"* 1 FETCH (BODY[] {0}\r\n)\r\n",
            b"* 1 FETCH (A {2}\r\nab B {3}\r\n}\r\n)\r\n",
        ] {
            assert_eq!(ends(roomy, input), Ok(vec![input.len()]), "{input:?}");
        }
    }

    #[test]
    fn braces_that_do_not_end_a_line_announce_nothing() {
        for input in [
            &b"* OK {5} in the middle\r\n"[..],
            b"* OK {x}\r\n",
            b"* OK {}\r\n",
            b"* OK {+}\r\n",
            b"* OK {5+x}\r\n",
            b"* OK {5} \r\n",
            b"* OK 5}\r\n",
        ] {
            assert_eq!(ends(roomy, input), Ok(vec![input.len()]), "{input:?}");
        }
    }

    #[test]
    fn a_line_over_the_cap_is_refused_before_it_ends() {
        let mut input = b"* OK ".to_vec();
        input.extend([b'a'; 200]);
        let refused = ends(|| small(100, 1000, 10_000), &input).unwrap_err();
        assert_eq!(
            (refused.limit, refused.size, refused.cap),
            (Limit::Line, 101, 100)
        );

        // The cap is per segment: literals between segments start a new one.
        let mut long = b"* 1 FETCH (A {1}\r\n".to_vec();
        for _ in 0..30 {
            long.extend(b"x {1}\r\n");
        }
        long.extend(b"x)\r\n");
        assert_eq!(
            ends(|| small(100, 1000, 10_000), &long),
            Ok(vec![long.len()])
        );
    }

    #[test]
    fn a_literal_over_the_cap_is_refused_at_its_announcement() {
        let input = b"* 1 FETCH (BODY[] {524288000}\r\n";
        let refused = ends(roomy, input).unwrap_err();
        assert_eq!(
            (refused.limit, refused.size, refused.cap),
            (Limit::Literal, 524_288_000, 1000)
        );
        let absurd = b"* 1 FETCH (BODY[] {99999999999999999999999999}\r\n";
        assert_eq!(ends(roomy, absurd).unwrap_err().size, u64::MAX);
        let plus = b"* 1 FETCH (BODY[] {1001+}\r\n";
        assert_eq!(ends(roomy, plus).unwrap_err().limit, Limit::Literal);
    }

    #[test]
    fn one_commands_answer_may_not_outgrow_its_budget_even_in_small_responses() {
        let exists = b"* 1 EXISTS\r\n".repeat(10);
        assert!(ends(|| small(100, 100, 120), &exists).is_ok());
        let more = b"* 1 EXISTS\r\n".repeat(11);
        let refused = ends(|| small(100, 100, 120), &more).unwrap_err();
        assert_eq!((refused.limit, refused.cap), (Limit::Budget, 120));
        // A literal that would not fit is refused when announced.
        let refused = ends(|| small(100, 100, 119), b"* 1 FETCH (A {100}\r\n").unwrap_err();
        assert_eq!((refused.limit, refused.size), (Limit::Budget, 120));
    }

    #[test]
    fn the_budget_is_fresh_for_each_command_but_not_for_a_servers_stray_tags() {
        let mut framing = small(100, 100, 100);
        framing.feed(&b"* 1 EXISTS\r\n".repeat(7)).unwrap();
        framing.feed(b"a1 OK done\r\n").unwrap();
        framing.writing();
        framing.caps.budget = 100;
        assert_eq!(framing.feed(&b"* 1 EXISTS\r\n".repeat(8)), Ok(Some(96)));

        // The rest of a command Posta writes while it is in flight (a literal after the
        // server's `+`, IDLE's DONE) does not start a new budget.
        let mut framing = small(100, 100, 100);
        framing.feed(&b"+ go\r\n".repeat(16)).unwrap();
        framing.writing();
        assert_eq!(framing.feed(b"+ go\r\n").unwrap_err().limit, Limit::Budget);

        // Nor do tagged lines the server makes up while async-imap waits for its own: only
        // Posta's next command does.
        let mut framing = small(100, 100, 100);
        framing.feed(&b"x OK\r\n".repeat(16)).unwrap();
        assert_eq!(framing.feed(b"x OK\r\n").unwrap_err().limit, Limit::Budget);
    }

    #[test]
    fn an_expected_purpose_holds_for_the_next_command_only() {
        let mut framing = Framing::default();
        framing.feed(b"* OK ready\r\n").unwrap();
        framing.expect(Purpose::Chunk(4096));
        framing.writing();
        assert_eq!(framing.caps, Purpose::Chunk(4096).caps());
        let refused = framing
            .feed(b"* 1 FETCH (UID 1 BODY[1]<0> {4097}\r\n")
            .unwrap_err();
        assert_eq!(refused.purpose, Purpose::Chunk(4096));

        let mut framing = Framing::default();
        framing.expect(Purpose::Uids);
        framing.writing();
        framing.feed(b"* SORT 1 2 3\r\na1 OK\r\n").unwrap();
        framing.writing();
        assert_eq!(framing.purpose, Purpose::Command);
        assert_eq!(framing.caps, Purpose::Command.caps());
    }
}
