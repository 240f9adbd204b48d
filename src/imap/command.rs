//! IMAP commands that carry text a person typed, and sending them. Typed text never reaches
//! the server as syntax: CR, LF and NUL are removed first, printable ASCII goes as a quoted
//! string with `\` and `"` escaped, and anything else as a literal whose length the server
//! counts. So no input can end the command, start another, or add search keys of its own.
//!
//! async-imap's own calls take a finished command line; SORT, THREAD and ESEARCH have no
//! call of their own, so [`run`] sends a [`Command`] and hands each untagged answer to the
//! caller, waiting for the server's go-ahead before a literal when it has no LITERAL+.

use std::fmt;

use async_imap::Session;
use async_imap::error::Error as ImapError;
use async_imap::imap_proto::{Response, Status};

use super::connect::Capabilities;
use super::connection::Connection;
use super::selected::Change;

/// Non-synchronizing literals may be this long under LITERAL- (RFC 7888).
const LITERAL_MINUS_MAX: usize = 4096;

/// How the server lets us send literals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Literals {
    /// LITERAL+ (Dovecot, Cyrus, Yandex): `{n+}` and the bytes right away, one round trip.
    Plus,
    /// LITERAL- (Gmail): `{n+}` up to 4096 bytes, longer ones synchronizing.
    Minus,
    /// Neither: `{n}`, then wait for the server's `+` before sending the bytes. RFC 3501
    /// allows nothing else for 8-bit text (a quoted string is 7-bit), and it works everywhere;
    /// it costs one round trip per non-ASCII term, on servers few people use.
    Sync,
}

impl Literals {
    pub fn of(caps: &Capabilities) -> Literals {
        if caps.has("LITERAL+") {
            Literals::Plus
        } else if caps.has("LITERAL-") {
            Literals::Minus
        } else {
            Literals::Sync
        }
    }

    fn non_synchronizing(self, len: usize) -> bool {
        match self {
            Literals::Plus => true,
            Literals::Minus => len <= LITERAL_MINUS_MAX,
            Literals::Sync => false,
        }
    }
}

/// A person's text, made safe to put in a command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImapString {
    /// Printable ASCII, quoted, `\` and `"` escaped: `"say \"hi\""`.
    Quoted(String),
    /// Anything else (Cyrillic, emoji, control characters), sent as a literal.
    Literal(String),
}

/// Removes what could end a command line or a C string on the server: CR, LF and NUL.
pub fn clean(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(c, '\r' | '\n' | '\0'))
        .collect()
}

/// The wire form of a person's `text`: see [`ImapString`].
pub fn imap_string(text: &str) -> ImapString {
    let text = clean(text);
    if text.bytes().all(|b| (0x20..=0x7e).contains(&b)) {
        let mut quoted = String::with_capacity(text.len() + 2);
        quoted.push('"');
        for c in text.chars() {
            if matches!(c, '"' | '\\') {
                quoted.push('\\');
            }
            quoted.push(c);
        }
        quoted.push('"');
        ImapString::Quoted(quoted)
    } else {
        ImapString::Literal(text)
    }
}

#[derive(Clone, PartialEq, Eq, Hash)]
enum Piece {
    /// Syntax Posta wrote: atoms, keys, parentheses, quoted strings.
    Syntax(String),
    /// A literal's bytes (UTF-8), length prefix added when sending.
    Literal(String),
}

/// A command (or part of one) as pieces joined by spaces.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Command {
    pieces: Vec<Piece>,
}

impl Command {
    /// Starts a command, e.g. `Command::new("UID SEARCH")`.
    pub fn new(syntax: &str) -> Command {
        let mut command = Command::default();
        command.syntax(syntax);
        command
    }

    /// Appends syntax Posta wrote itself. Never pass anything a person typed.
    pub fn syntax(&mut self, syntax: &str) -> &mut Self {
        self.pieces.push(Piece::Syntax(syntax.to_owned()));
        self
    }

    /// Appends a person's text as an IMAP string.
    pub fn text(&mut self, text: &str) -> &mut Self {
        self.pieces.push(match imap_string(text) {
            ImapString::Quoted(q) => Piece::Syntax(q),
            ImapString::Literal(l) => Piece::Literal(l),
        });
        self
    }

    /// Appends another command's pieces (search keys into a SEARCH, say).
    pub fn append(&mut self, other: &Command) -> &mut Self {
        self.pieces.extend(other.pieces.iter().cloned());
        self
    }

    pub fn is_empty(&self) -> bool {
        self.pieces.is_empty()
    }

    /// Whether some text is not ASCII, so the command must name `CHARSET UTF-8`.
    pub fn has_8bit(&self) -> bool {
        self.pieces
            .iter()
            .any(|p| matches!(p, Piece::Literal(l) if !l.is_ascii()))
    }

    /// The command as lines to send: one with LITERAL+, else split after each synchronizing
    /// literal's `{n}`, where the server must say `+` before the next line goes.
    pub fn lines(&self, literals: Literals) -> Vec<String> {
        let mut lines = Vec::new();
        let mut line = String::new();
        for (i, piece) in self.pieces.iter().enumerate() {
            if i > 0 {
                line.push(' ');
            }
            match piece {
                Piece::Syntax(s) => line.push_str(s),
                Piece::Literal(l) if literals.non_synchronizing(l.len()) => {
                    line.push_str(&format!("{{{}+}}\r\n", l.len()));
                    line.push_str(l);
                }
                Piece::Literal(l) => {
                    line.push_str(&format!("{{{}}}", l.len()));
                    lines.push(std::mem::take(&mut line));
                    line.push_str(l);
                }
            }
        }
        lines.push(line);
        lines
    }
}

/// Shows the command as it would go with LITERAL+, for logs and test failures.
impl fmt::Debug for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.lines(Literals::Plus).concat())
    }
}

/// [`run`] on a connection, whose view of the selected mailbox is told every response too:
/// a server may report new mail or expunges in the middle of any UID command's answers, and
/// one missed would leave the view's count wrong. Whether new messages arrived.
pub async fn run_on(
    imap: &mut Connection,
    command: &Command,
    mut each: impl FnMut(&Response<'_>),
) -> Result<bool, ImapError> {
    let literals = Literals::of(&imap.caps);
    let (mut changed, mut arrived) = (false, false);
    let selected = &mut imap.selected;
    let result = run(&mut imap.session, command, literals, |response| {
        each(response);
        if let Some(change) = selected.as_mut().and_then(|s| s.apply(response)) {
            changed = true;
            arrived |= change == Change::Arrived;
        }
    })
    .await;
    imap.changed |= changed;
    result.map(|()| arrived)
}

/// Sends `command` and passes every untagged response to `each` until the server completes
/// it; a NO or BAD completion is an error. Unilateral responses (EXISTS, EXPUNGE…) reach
/// `each` too: on a connection, use [`run_on`], which keeps them.
pub async fn run<T>(
    session: &mut Session<T>,
    command: &Command,
    literals: Literals,
    mut each: impl FnMut(&Response<'_>),
) -> Result<(), ImapError>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + fmt::Debug + Send,
{
    let lines = command.lines(literals);
    let (first, rest) = lines.split_first().expect("a command has a line");
    let tag = session.run_command(first).await?;
    for line in rest {
        if let Turn::Completed = next_turn(session, &tag, true, &mut each).await? {
            return Err(ImapError::Io(std::io::Error::other(
                "the server completed the command before reading all of it",
            )));
        }
        session.run_command_untagged(line).await?;
    }
    next_turn(session, &tag, false, &mut each).await?;
    Ok(())
}

/// What a wait for the server ended with.
enum Turn {
    /// `+`: send the literal.
    GoAhead,
    /// The command's tagged OK.
    Completed,
}

/// Reads responses, passing untagged ones to `each`, until the go-ahead for a literal (when
/// `literal` is set) or the command's completion; NO and BAD are errors.
async fn next_turn<T>(
    session: &mut Session<T>,
    tag: &async_imap::imap_proto::RequestId,
    literal: bool,
    each: &mut impl FnMut(&Response<'_>),
) -> Result<Turn, ImapError>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + fmt::Debug + Send,
{
    loop {
        let response = session
            .read_response()
            .await?
            .ok_or(ImapError::ConnectionLost)?;
        match response.parsed() {
            Response::Continue { .. } if literal => return Ok(Turn::GoAhead),
            Response::Done {
                tag: done,
                status,
                outcome,
            } if done == tag => {
                return match status {
                    Status::Ok => Ok(Turn::Completed),
                    other => Err(refusal(other, outcome.information.as_deref())),
                };
            }
            other => each(other),
        }
    }
}

fn refusal(status: &Status, text: Option<&str>) -> ImapError {
    let text = text.unwrap_or_default().to_owned();
    match status {
        Status::No => ImapError::No(text),
        Status::Bad => ImapError::Bad(text),
        other => ImapError::Io(std::io::Error::other(format!(
            "command ended with {other:?}: {text}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quoted(s: &str) -> String {
        match imap_string(s) {
            ImapString::Quoted(q) => q,
            other => panic!("{s:?} became {other:?}"),
        }
    }

    #[test]
    fn a_double_quote_is_escaped_inside_a_quoted_string() {
        assert_eq!(quoted(r#"say "hi""#), r#""say \"hi\"""#);
        assert_eq!(quoted(r#"a" OR ALL ""#), r#""a\" OR ALL \"""#);
    }

    #[test]
    fn a_backslash_is_escaped_so_it_cannot_escape_the_closing_quote() {
        assert_eq!(quoted(r"C:\"), r#""C:\\""#);
        assert_eq!(quoted(r#"\""#), r#""\\\"""#);
    }

    #[test]
    fn a_literal_marker_typed_by_a_person_stays_text_inside_quotes() {
        assert_eq!(quoted("{5}"), r#""{5}""#);
        assert_eq!(quoted("{5+}"), r#""{5+}""#);
    }

    #[test]
    fn cr_lf_and_nul_are_removed_before_anything_else() {
        assert_eq!(quoted("a\r\nA1 LOGOUT"), r#""aA1 LOGOUT""#);
        assert_eq!(quoted("x\0y"), r#""xy""#);
        assert_eq!(quoted("\r\n"), r#""""#);
    }

    #[test]
    fn cyrillic_goes_as_a_literal_counted_in_bytes() {
        assert_eq!(
            imap_string("Привет\r\n"),
            ImapString::Literal("Привет".to_owned())
        );
        let mut command = Command::new("UID SEARCH SUBJECT");
        command.text("Привет");
        assert_eq!(
            command.lines(Literals::Plus),
            vec!["UID SEARCH SUBJECT {12+}\r\nПривет"]
        );
        assert!(command.has_8bit());
    }

    #[test]
    fn an_emoji_is_a_four_byte_literal() {
        let mut command = Command::new("TEXT");
        command.text("🎉");
        assert_eq!(command.lines(Literals::Plus), vec!["TEXT {4+}\r\n🎉"]);
    }

    #[test]
    fn control_characters_other_than_cr_lf_nul_go_as_literals() {
        assert_eq!(imap_string("a\tb"), ImapString::Literal("a\tb".to_owned()));
        let mut command = Command::default();
        command.text("a\tb");
        assert!(!command.has_8bit(), "a tab is ASCII: no CHARSET needed");
    }

    #[test]
    fn without_literal_plus_the_command_splits_where_the_server_must_answer() {
        let mut command = Command::new("UID SEARCH CHARSET UTF-8 FROM");
        command
            .text("Иван")
            .syntax("SUBJECT")
            .text("Отчёт")
            .syntax("UNSEEN");
        assert_eq!(
            command.lines(Literals::Sync),
            vec![
                "UID SEARCH CHARSET UTF-8 FROM {8}",
                "Иван SUBJECT {10}",
                "Отчёт UNSEEN",
            ]
        );
    }

    #[test]
    fn literal_minus_sends_short_literals_without_waiting() {
        let mut command = Command::new("TEXT");
        command.text("я");
        assert_eq!(command.lines(Literals::Minus), vec!["TEXT {2+}\r\nя"]);
        let long = "я".repeat(3000);
        let mut command = Command::new("TEXT");
        command.text(&long);
        assert_eq!(
            command.lines(Literals::Minus),
            vec!["TEXT {6000}".to_owned(), long]
        );
    }

    #[test]
    fn a_literal_cannot_smuggle_a_second_command() {
        let mut command = Command::new("UID SEARCH CHARSET UTF-8 TEXT");
        command.text("ж\r\nA2 DELETE INBOX\r\n");
        let lines = command.lines(Literals::Plus);
        assert_eq!(
            lines,
            vec!["UID SEARCH CHARSET UTF-8 TEXT {17+}\r\nжA2 DELETE INBOX"]
        );
        // The only CRLF is the one the literal's length announces; the server reads the 17
        // bytes after it as text.
        assert_eq!(lines[0].matches("\r\n").count(), 1);
    }

    #[test]
    fn every_injection_attempt_stays_one_string() {
        for typed in [
            "\"",
            "\\",
            "{5}",
            "{5}\r\nhello",
            "a\" UID 1:* \"",
            "x\r\nA9 LOGOUT",
            "a\0b",
            "ж\0\r\n{3}",
        ] {
            let mut command = Command::new("UID SEARCH CHARSET UTF-8 SUBJECT");
            command.text(typed);
            let line = command.lines(Literals::Plus).concat();
            let wire = line
                .strip_prefix("UID SEARCH CHARSET UTF-8 SUBJECT ")
                .unwrap();
            assert!(!wire.contains('\0'), "{typed:?} -> {wire:?}");
            match imap_string(typed) {
                ImapString::Quoted(q) => {
                    assert_eq!(wire, q);
                    assert!(!q.contains(['\r', '\n']), "{typed:?} -> {q:?}");
                    // Inside the quotes every `"` is escaped, and every `\` escapes one
                    // character: the string ends at the last quote, nowhere before.
                    let inner = &q[1..q.len() - 1];
                    let mut chars = inner.chars();
                    while let Some(c) = chars.next() {
                        assert_ne!(c, '"', "{typed:?}: unescaped quote in {q:?}");
                        if c == '\\' {
                            assert!(matches!(chars.next(), Some('"' | '\\')), "{q:?}");
                        }
                    }
                }
                ImapString::Literal(l) => {
                    assert_eq!(wire, format!("{{{}+}}\r\n{l}", l.len()));
                    assert_eq!(wire.matches("\r\n").count(), 1);
                }
            }
        }
    }

    #[test]
    fn pieces_are_joined_by_single_spaces() {
        let mut keys = Command::default();
        keys.syntax("FROM").text("ivan").syntax("UNSEEN");
        let mut command = Command::new("UID SEARCH");
        command.append(&keys);
        assert_eq!(
            command.lines(Literals::Plus),
            vec![r#"UID SEARCH FROM "ivan" UNSEEN"#]
        );
    }
}
