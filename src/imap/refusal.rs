//! What an IMAP server said when it refused a command (a tagged NO or BAD), in its own words.
//!
//! async-imap keeps those words in `Error::No(String)` / `Error::Bad(String)`, but writes the
//! string with `Debug` formatting: `code: None, info: Some("[AUTHENTICATIONFAILED] Authentication
//! failed.")` from its command check, `outcome: Outcome { code: …, information: Some("…") }` from
//! SELECT and EXAMINE. Those strings are for a programmer; a person, and the log, want the
//! sentence the server sent. [`refusal_text`] gives it back. Posta's own command runner
//! (`imap::command`) already stores the plain text, which passes through unchanged.
//!
//! Hand-written because no crate does this: it undoes one library's formatting choice, and the
//! maintained fix would be async-imap exposing the response code and text itself.

use async_imap::error::Error as ImapError;

/// The server's text from a NO or BAD, e.g. `[AUTHENTICATIONFAILED] Authentication failed.`
/// (empty when it gave none); `None` for every other kind of failure.
///
/// A response code that imap-proto understood (`[ALERT]`, `[TRYCREATE]`) was taken off the text
/// before async-imap saw it and is not put back; codes it does not know (`[AUTHENTICATIONFAILED]`,
/// `[ALREADYEXISTS]`) stay at the front, as the server wrote them.
pub fn refusal_text(error: &ImapError) -> Option<String> {
    match error {
        ImapError::No(said) | ImapError::Bad(said) => Some(plain(said)),
        _ => None,
    }
}

/// The text inside one of async-imap's `Debug`-formatted refusals, or `said` itself (trimmed)
/// when it is plain text already.
fn plain(said: &str) -> String {
    let said = said.trim();
    let field = if said.starts_with("code: ") {
        "info: "
    } else if said.starts_with("outcome: ") {
        "information: "
    } else {
        return said.to_owned();
    };
    // `Some("` cannot occur inside a Debug-formatted string (its quotes are escaped), so the
    // first match is the field itself, not text that happens to look like it.
    if let Some(at) = said.find(&format!("{field}Some(\"")) {
        let literal = &said[at + field.len() + "Some(\"".len()..];
        if let Some(text) = unescape_debug(literal) {
            return text.trim().to_owned();
        }
    }
    if said.contains(&format!("{field}None")) {
        return String::new();
    }
    said.to_owned()
}

/// Reads a string literal as `Debug` writes it, from just after its opening quote up to the
/// closing one; `None` when it does not end or has an escape `Debug` never writes.
fn unescape_debug(literal: &str) -> Option<String> {
    let mut text = String::with_capacity(literal.len());
    let mut chars = literal.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(text),
            '\\' => text.push(match chars.next()? {
                'n' => '\n',
                'r' => '\r',
                't' => '\t',
                '0' => '\0',
                '\\' => '\\',
                '"' => '"',
                '\'' => '\'',
                'u' => {
                    let rest = chars.as_str().strip_prefix('{')?;
                    let (hex, after) = rest.split_once('}')?;
                    let c = char::from_u32(u32::from_str_radix(hex, 16).ok()?)?;
                    chars = after.chars();
                    c
                }
                _ => return None,
            }),
            c => text.push(c),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_login_gives_the_servers_sentence() {
        let said = r#"code: None, info: Some("[AUTHENTICATIONFAILED] Authentication failed.")"#;
        assert_eq!(
            refusal_text(&ImapError::No(said.into())).as_deref(),
            Some("[AUTHENTICATIONFAILED] Authentication failed.")
        );
    }

    #[test]
    fn a_bad_gives_its_text_too() {
        let said = r#"code: None, info: Some("Error in IMAP command CREATE: Invalid arguments.")"#;
        assert_eq!(
            refusal_text(&ImapError::Bad(said.into())).as_deref(),
            Some("Error in IMAP command CREATE: Invalid arguments.")
        );
    }

    #[test]
    fn a_select_refusal_gives_the_outcomes_text() {
        let said = r#"outcome: Outcome { code: Some(TryCreate), information: Some("Mailbox doesn't exist: Nope (0.001 + 0.000 secs).") }"#;
        assert_eq!(
            refusal_text(&ImapError::No(said.into())).as_deref(),
            Some("Mailbox doesn't exist: Nope (0.001 + 0.000 secs).")
        );
    }

    #[test]
    fn escapes_in_the_text_are_undone() {
        let said = "code: Some(Alert), info: Some(\"Папка \\\"Входящие\\\" \\\\ занята\\u{7}\")";
        assert_eq!(
            refusal_text(&ImapError::No(said.into())).as_deref(),
            Some("Папка \"Входящие\" \\ занята\u{7}")
        );
    }

    #[test]
    fn text_that_looks_like_the_field_inside_the_code_is_not_taken_for_it() {
        let said =
            r#"code: Some(BadCharset(Some(["info: Some(\"x\")"]))), info: Some("Unknown charset")"#;
        assert_eq!(
            refusal_text(&ImapError::No(said.into())).as_deref(),
            Some("Unknown charset")
        );
    }

    #[test]
    fn a_refusal_without_words_is_empty() {
        let said = "code: Some(Alert), info: None";
        assert_eq!(
            refusal_text(&ImapError::No(said.into())).as_deref(),
            Some("")
        );
    }

    #[test]
    fn plain_text_passes_through() {
        assert_eq!(
            refusal_text(&ImapError::No(" Mailbox is locked ".into())).as_deref(),
            Some("Mailbox is locked")
        );
    }

    #[test]
    fn other_failures_are_not_refusals() {
        assert_eq!(refusal_text(&ImapError::ConnectionLost), None);
    }

    #[test]
    fn nothing_debug_shaped_survives_a_real_async_imap_string() {
        // The exact shape async-imap writes, built the way it builds it.
        let info: Option<&str> = Some("[NOPERM] Permission denied");
        let code: Option<()> = None;
        let said = format!("code: {code:?}, info: {info:?}");
        let text = refusal_text(&ImapError::No(said)).unwrap();
        assert_eq!(text, "[NOPERM] Permission denied");
        assert!(!text.contains("Some(") && !text.contains("code:"), "{text}");
    }
}
