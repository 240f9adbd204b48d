//! HTML mail as plain text, for quoting an original that has no text part: the text of the
//! document with blocks on lines of their own, links' targets kept after their text, and
//! nothing of `<script>`, `<style>` or `<head>`. Only html5ever's tokenizer runs: no tree, no
//! resources, nothing executed.

use std::cell::RefCell;

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};

struct Sink {
    out: RefCell<String>,
    /// Inside `<script>`, `<style>`, `<title>`…: text that is not shown.
    hidden: RefCell<u32>,
    /// The `href` of the link being read, written after its text when it differs.
    link: RefCell<Option<String>>,
    /// White space was read since the last word: one space goes before the next.
    space: RefCell<bool>,
}

const BLOCKS: &[&str] = &[
    "p",
    "div",
    "br",
    "tr",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "ul",
    "ol",
    "blockquote",
    "pre",
    "hr",
    "section",
    "article",
    "header",
    "footer",
];

impl Sink {
    fn newline(&self, always: bool) {
        let mut out = self.out.borrow_mut();
        if always || (!out.is_empty() && !out.ends_with('\n')) {
            out.push('\n');
        }
        *self.space.borrow_mut() = false;
    }
}

impl TokenSink for Sink {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        match token {
            Token::TagToken(tag) => {
                let name: &str = &tag.name;
                let raw = matches!(name, "script" | "style" | "title" | "textarea" | "xmp");
                match tag.kind {
                    TagKind::StartTag if raw => {
                        *self.hidden.borrow_mut() += 1;
                        return TokenSinkResult::RawData(RawKind::Rawtext);
                    }
                    TagKind::EndTag if raw => {
                        let mut hidden = self.hidden.borrow_mut();
                        *hidden = hidden.saturating_sub(1);
                    }
                    TagKind::StartTag if name == "a" => {
                        *self.link.borrow_mut() = tag
                            .attrs
                            .iter()
                            .find(|a| &*a.name.local == "href")
                            .map(|a| a.value.to_string())
                            .filter(|h| h.starts_with("http"));
                    }
                    TagKind::EndTag if name == "a" => {
                        if let Some(href) = self.link.borrow_mut().take() {
                            let mut out = self.out.borrow_mut();
                            if !out.ends_with(href.as_str()) {
                                out.push_str(&format!(" <{href}>"));
                            }
                        }
                    }
                    TagKind::StartTag if name == "br" => self.newline(true),
                    _ if BLOCKS.contains(&name) => self.newline(false),
                    _ => {}
                }
            }
            Token::CharacterTokens(text) if *self.hidden.borrow() == 0 => {
                let mut out = self.out.borrow_mut();
                let mut space = self.space.borrow_mut();
                // HTML collapses runs of ASCII white space (not U+00A0) into one space.
                for c in text.chars() {
                    if c.is_ascii_whitespace() {
                        *space = true;
                        continue;
                    }
                    if *space && !out.is_empty() && !out.ends_with('\n') {
                        out.push(' ');
                    }
                    *space = false;
                    out.push(c);
                }
            }
            _ => {}
        }
        TokenSinkResult::Continue
    }
}

/// The text of an HTML document.
pub fn html_to_text(html: &str) -> String {
    let sink = Sink {
        out: RefCell::new(String::new()),
        hidden: RefCell::new(0),
        link: RefCell::new(None),
        space: RefCell::new(false),
    };
    let tokenizer = Tokenizer::new(sink, TokenizerOpts::default());
    let queue = BufferQueue::default();
    queue.push_back(StrTendril::from_slice(html));
    let _ = tokenizer.feed(&queue);
    tokenizer.end();
    let text = tokenizer.sink.out.take();
    text.lines()
        .map(str::trim)
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_become_lines_and_scripts_vanish() {
        let html = "<html><head><title>T</title><style>p{color:red}</style></head><body>\
            <p>Hello   <b>there</b>,</p><div>second&nbsp;line &amp; more</div>\
            <script>alert('x < y')</script><p>Visit <a href=\"https://x.org/a\">our site</a></p></body></html>";
        assert_eq!(
            html_to_text(html),
            "Hello there,\nsecond\u{a0}line & more\nVisit our site <https://x.org/a>"
        );
    }
}
