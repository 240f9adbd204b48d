//! The HTML standard's tokenizer, as much of it as the first look needs, byte by byte: start
//! tags with their attributes (names lower-cased, character references decoded, duplicates
//! dropped), end tags, comments, bogus comments and DOCTYPEs skipped whole, and raw text after
//! the elements whose content the tree builder reads as text. All the syntax it looks for is
//! ASCII, so it slices the UTF-8 input only at character boundaries.

use std::borrow::Cow;

use html5ever::data::{C1_REPLACEMENTS, NAMED_ENTITIES};

use super::Found;

/// An attribute as the tokenizer emits it: name lower-cased, value with references decoded.
pub(super) type Attribute<'a> = (Cow<'a, str>, Cow<'a, str>);

/// How the tokenizer reads what follows a start tag.
#[derive(Clone, Copy, PartialEq, Debug)]
pub(super) enum Text {
    Markup,
    /// Raw text (`<style>`, `<script>`, `<xmp>`…) or escapable raw text (`<title>`,
    /// `<textarea>`): everything up to the matching end tag.
    Raw,
    /// `<plaintext>`: everything to the end.
    Plain,
}

/// What the tree builder makes the tokenizer do after each start tag (outside foreign
/// content; ammonia's parser runs with scripting on, so `<noscript>` holds raw text).
pub(super) fn text_after(element: &str) -> Text {
    match element {
        "style" | "script" | "xmp" | "iframe" | "noembed" | "noframes" | "noscript" | "title"
        | "textarea" => Text::Raw,
        "plaintext" => Text::Plain,
        _ => Text::Markup,
    }
}

fn is_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | b'\x0c' | b'\r' | b' ')
}

pub(super) struct Tokenizer<'a> {
    html: &'a str,
    pos: usize,
}

impl<'a> Tokenizer<'a> {
    pub(super) fn new(html: &'a str) -> Self {
        Tokenizer { html, pos: 0 }
    }

    /// Reads to the end, telling `found` of every start tag and style sheet.
    pub(super) fn run(mut self, found: &mut Found) {
        let mut attributes = Vec::new();
        while let Some(offset) = self.html[self.pos..].find('<') {
            self.pos += offset + 1;
            match self.byte(0) {
                Some(b'!') => {
                    self.pos += 1;
                    if self.rest().starts_with(b"--") {
                        self.pos += 2;
                        self.comment();
                    } else {
                        // DOCTYPE, CDATA outside foreign content, anything else: to the `>`.
                        self.skip_past_gt();
                    }
                }
                Some(b'?') => self.skip_past_gt(),
                Some(b'/') => {
                    self.pos += 1;
                    match self.byte(0) {
                        Some(b'>') => self.pos += 1,
                        Some(b) if b.is_ascii_alphabetic() => {
                            if self.tag(&mut attributes).is_none() {
                                return;
                            }
                        }
                        Some(_) => self.skip_past_gt(),
                        None => return,
                    }
                }
                Some(b) if b.is_ascii_alphabetic() => {
                    let Some(element) = self.tag(&mut attributes) else {
                        return;
                    };
                    found.start_tag(&element, &attributes);
                    match text_after(&element) {
                        Text::Markup => {}
                        Text::Raw => {
                            let text = self.raw_text(&element);
                            if element == "style" {
                                found.style(&preprocess(text));
                            }
                        }
                        Text::Plain => return,
                    }
                }
                _ => {}
            }
        }
    }

    fn rest(&self) -> &'a [u8] {
        &self.html.as_bytes()[self.pos..]
    }

    fn byte(&self, ahead: usize) -> Option<u8> {
        self.html.as_bytes().get(self.pos + ahead).copied()
    }

    fn skip_past_gt(&mut self) {
        self.pos = self.html[self.pos..]
            .find('>')
            .map_or(self.html.len(), |gt| self.pos + gt + 1);
    }

    /// After `<!--`: to `-->`, `--!>`, or the abrupt `<!-->` and `<!--->`.
    fn comment(&mut self) {
        if self.rest().starts_with(b">") {
            self.pos += 1;
            return;
        }
        if self.rest().starts_with(b"->") {
            self.pos += 2;
            return;
        }
        while let Some(offset) = self.html[self.pos..].find("--") {
            self.pos += offset + 2;
            while self.byte(0) == Some(b'-') {
                self.pos += 1;
            }
            if self.byte(0) == Some(b'>') {
                self.pos += 1;
                return;
            }
            if self.rest().starts_with(b"!>") {
                self.pos += 2;
                return;
            }
        }
        self.pos = self.html.len();
    }

    /// A start or end tag from its name's first letter to past its `>`: the name, lower-cased,
    /// and its attributes in `attributes`. `None` at the end of input, where the standard drops
    /// the unfinished tag.
    fn tag(&mut self, attributes: &mut Vec<Attribute<'a>>) -> Option<Cow<'a, str>> {
        let html = self.html;
        let start = self.pos;
        while self
            .byte(0)
            .is_some_and(|b| !is_space(b) && b != b'/' && b != b'>')
        {
            self.pos += 1;
        }
        let element = lower(&html[start..self.pos]);
        attributes.clear();
        loop {
            while self.byte(0).is_some_and(|b| is_space(b) || b == b'/') {
                self.pos += 1;
            }
            if self.byte(0)? == b'>' {
                self.pos += 1;
                return Some(element);
            }
            let name_start = self.pos;
            // A name may start with `=`; after that, `=` ends it.
            if self.byte(0) == Some(b'=') {
                self.pos += 1;
            }
            while self
                .byte(0)
                .is_some_and(|b| !is_space(b) && !matches!(b, b'/' | b'>' | b'='))
            {
                self.pos += 1;
            }
            let name = lower(&html[name_start..self.pos]);
            while self.byte(0).is_some_and(is_space) {
                self.pos += 1;
            }
            let mut value = "";
            if self.byte(0) == Some(b'=') {
                self.pos += 1;
                while self.byte(0).is_some_and(is_space) {
                    self.pos += 1;
                }
                match self.byte(0)? {
                    quote @ (b'"' | b'\'') => {
                        let value_start = self.pos + 1;
                        let end = value_start + html[value_start..].find(quote as char)?;
                        value = &html[value_start..end];
                        self.pos = end + 1;
                    }
                    b'>' => {}
                    _ => {
                        let value_start = self.pos;
                        while self.byte(0).is_some_and(|b| !is_space(b) && b != b'>') {
                            self.pos += 1;
                        }
                        value = &html[value_start..self.pos];
                    }
                }
            }
            // Later duplicates are dropped, as the tokenizer drops them.
            if !attributes.iter().any(|(seen, _)| *seen == name) {
                attributes.push((name, decode(value)));
            }
        }
    }

    /// Raw text after a start tag, up to (not past) the end tag of the same name.
    fn raw_text(&mut self, element: &str) -> &'a str {
        let html = self.html;
        let start = self.pos;
        let mut from = start;
        while let Some(offset) = html[from..].find("</") {
            let at = from + offset;
            let name_end = at + 2 + element.len();
            let is_end_tag = html
                .as_bytes()
                .get(at + 2..name_end)
                .is_some_and(|name| name.eq_ignore_ascii_case(element.as_bytes()))
                && html
                    .as_bytes()
                    .get(name_end)
                    .is_some_and(|&b| is_space(b) || b == b'/' || b == b'>');
            if is_end_tag {
                self.pos = at;
                return &html[start..at];
            }
            from = at + 2;
        }
        self.pos = html.len();
        &html[start..]
    }
}

fn lower(name: &str) -> Cow<'_, str> {
    if name.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(name.to_ascii_lowercase())
    } else {
        Cow::Borrowed(name)
    }
}

/// Decodes the character references of an attribute value, by the standard's rules for
/// attributes (a legacy `&amp` followed by `=` or a letter stays as written), after the input
/// stream's own preprocessing.
pub(super) fn decode(value: &str) -> Cow<'_, str> {
    decode_if(value, true)
}

/// The input stream's preprocessing, which raw text goes through too: CR and CRLF become LF,
/// NUL becomes U+FFFD.
fn preprocess(text: &str) -> Cow<'_, str> {
    decode_if(text, false)
}

fn decode_if(value: &str, references: bool) -> Cow<'_, str> {
    let special = |c: char| c == '\r' || c == '\0' || (references && c == '&');
    if !value.contains(special) {
        return Cow::Borrowed(value);
    }
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(at) = rest.find(special) {
        out.push_str(&rest[..at]);
        let c = rest.as_bytes()[at];
        rest = &rest[at + 1..];
        match c {
            b'\r' => {
                out.push('\n');
                rest = rest.strip_prefix('\n').unwrap_or(rest);
            }
            b'\0' => out.push('\u{fffd}'),
            _ => {
                let used = if rest.starts_with('#') {
                    numeric_reference(rest, &mut out)
                } else {
                    named_reference(rest, &mut out)
                };
                match used {
                    Some(len) => rest = &rest[len..],
                    None => out.push('&'),
                }
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// `#65;`, `#x41` …: the length used, or `None` when there are no digits.
fn numeric_reference(rest: &str, out: &mut String) -> Option<usize> {
    let bytes = rest.as_bytes();
    let (radix, start) = match bytes.get(1) {
        Some(b'x' | b'X') => (16, 2),
        _ => (10, 1),
    };
    let mut end = start;
    let mut code: u32 = 0;
    while let Some(digit) = bytes.get(end).and_then(|&b| char::from(b).to_digit(radix)) {
        code = code.saturating_mul(radix).saturating_add(digit);
        end += 1;
    }
    if end == start {
        return None;
    }
    if bytes.get(end) == Some(&b';') {
        end += 1;
    }
    let c = match code {
        0 | 0xD800..=0xDFFF => '\u{fffd}',
        0x80..=0x9F => C1_REPLACEMENTS[(code - 0x80) as usize]
            .or_else(|| char::from_u32(code))
            .unwrap_or('\u{fffd}'),
        _ => char::from_u32(code).unwrap_or('\u{fffd}'),
    };
    out.push(c);
    Some(end)
}

/// `amp;`, `lt`, `notin;` …: the longest known name, as html5ever matches it.
fn named_reference(rest: &str, out: &mut String) -> Option<usize> {
    let mut matched = None;
    for (i, c) in rest.char_indices() {
        if !(c.is_ascii_alphanumeric() || c == ';') {
            break;
        }
        match NAMED_ENTITIES.get(&rest[..=i]) {
            None => break,
            Some(&(0, _)) => {}
            Some(&found) => matched = Some((i + 1, found)),
        }
    }
    let (len, (first, second)) = matched?;
    if !rest[..len].ends_with(';')
        && rest[len..]
            .chars()
            .next()
            .is_some_and(|c| c == '=' || c.is_ascii_alphanumeric())
    {
        return None;
    }
    out.push(char::from_u32(first)?);
    if second != 0 {
        out.push(char::from_u32(second)?);
    }
    Some(len)
}
