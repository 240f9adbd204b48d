//! Writing CSS back out. Identifiers, names and strings are escaped with hex escapes only, so
//! no `<` (nor any character a browser could read differently) ever reaches the output.

use std::fmt::Write;

use cssparser::{Parser, Token};

/// Writes the one space that stood for the input's whitespace before `next`, unless it sits
/// where whitespace never matters: at the start, after `,` or an opening bracket, before `,`
/// or `!important`. (A trailing space is never written: it waits for a next token.) Whether
/// the output already ends in a space says nothing, since a hex escape ends in one.
/// The next token of `input` and whether white space came before it; `None` at the end.
pub(super) fn next_spaced<'i>(input: &mut Parser<'i>) -> Option<(bool, Token<'i>)> {
    let mut space = false;
    loop {
        match input.next_including_whitespace() {
            Ok(Token::WhiteSpace(_)) => space = true,
            Ok(token) => return Some((space, token.clone())),
            Err(_) => return None,
        }
    }
}

pub(super) fn write_space(out: &mut String, start: usize, next: &Token) {
    if out.len() > start
        && !out.ends_with([',', '(', '['])
        && !matches!(next, Token::Comma | Token::Delim('!'))
    {
        out.push(' ');
    }
}

/// Writes an identifier. Letters, digits, `-`, `_` and non-ASCII pass; everything else is a
/// hex escape (`\3c `), never a backslash before the character itself, which would still put
/// a raw `<` in the output.
pub(super) fn write_ident(ident: &str, out: &mut String) {
    let bytes = ident.as_bytes();
    let starts_with_digit = |i: usize| bytes.get(i).is_some_and(u8::is_ascii_digit);
    let mut chars = ident.char_indices();
    if ident == "-" {
        out.push_str("\\-");
        return;
    }
    if let Some((_, first)) = chars.next() {
        if first.is_ascii_digit() || (first == '-' && starts_with_digit(1)) {
            if first == '-' {
                out.push('-');
                if let Some((_, digit)) = chars.next() {
                    hex_escape(digit, out);
                }
            } else {
                hex_escape(first, out);
            }
        } else {
            name_char(first, out);
        }
    }
    for (_, c) in chars {
        name_char(c, out);
    }
}

/// Writes the name of a hash (`#fff`, `#header`): name characters only, escaped otherwise.
pub(super) fn write_name(name: &str, out: &mut String) {
    for c in name.chars() {
        name_char(c, out);
    }
}

fn name_char(c: char, out: &mut String) {
    if c.is_ascii_alphanumeric() || c == '-' || c == '_' || (!c.is_ascii() && c != '\u{fffd}') {
        out.push(c);
    } else {
        hex_escape(c, out);
    }
}

/// Writes a double-quoted string; quotes, backslashes, `<` and control characters as hex
/// escapes.
pub(super) fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        if matches!(c, '"' | '\\' | '<' | '>' | '&') || c.is_control() {
            hex_escape(c, out);
        } else {
            out.push(c);
        }
    }
    out.push('"');
}

fn hex_escape(c: char, out: &mut String) {
    let c = if c == '\0' { '\u{fffd}' } else { c };
    let _ = write!(out, "\\{:x} ", u32::from(c));
}
