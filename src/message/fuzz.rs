//! The whole message-rendering path behind one call, for `cargo fuzz` (`fuzz/`, through
//! `imap::fuzz`, which reads the server's FETCH answer first) and for the tests that replay
//! its corpus: everything a hostile sender controls goes in — the structure the server
//! described, the header block, each part's bytes — and must come out as a page, without a
//! panic, a hang or memory out of all proportion.

use super::structure::{self, Body, Part, PartPath, Prefer, TextKind};
use super::transfer::Encoding;
use super::{decode_text, headers, plain_to_html, sanitize};

/// Renders `message` (its header block, a blank line, the body, as fetched) the way the
/// message page and its iframe would, by `structure` when the server gave a usable one.
/// Returns the length of all that was produced, so nothing can be optimised away.
pub fn render(structure: Option<&Part>, message: &[u8]) -> usize {
    let mut produced = 0;

    let head = headers::parse(message);
    produced += head.subject.len() + head.from.len() + head.to.len() + head.cc.len();
    produced += headers::decode_words(message).len();

    let body = message
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(message, |i| &message[i + 4..]);
    if let Some(root) = structure {
        // The structure decides which parts become text and how.
        produced += structure::has_attachments(root) as usize;
        for prefer in [Prefer::Html, Prefer::Plain] {
            let view = structure::plan(root, prefer);
            for (path, kind) in structure::texts(&view) {
                if let Some(part) = root.find(&path) {
                    produced += render_part(part, kind, body);
                }
            }
        }
    } else {
        // No usable structure: the body as the two kinds of text anyway.
        let leaf = Part {
            path: PartPath::parse("1").expect("a valid path"),
            mime: "text/plain".into(),
            params: Vec::new(),
            disposition: None,
            disposition_params: Vec::new(),
            content_id: None,
            encoding: Encoding::Identity,
            octets: body.len() as u32,
            body: Body::Leaf,
        };
        produced += render_part(&leaf, TextKind::Plain, body);
        produced += render_part(&leaf, TextKind::Html, body);
    }
    produced
}

fn render_part(part: &Part, kind: TextKind, raw: &[u8]) -> usize {
    match kind {
        TextKind::Plain => plain_to_html(part, raw).len(),
        TextKind::Html => {
            let html = decode_text(part, raw);
            let cid = |id: &str| Some(format!("/inline/{id}"));
            [false, true]
                .into_iter()
                .map(|remote| {
                    let cleaned = sanitize::clean(&html, &sanitize::Policy { remote, cid: &cid });
                    sanitize::document(&cleaned).len()
                })
                .sum()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaf(mime: &str, charset: &str, encoding: Encoding) -> Part {
        Part {
            path: PartPath::parse("1").expect("a valid path"),
            mime: mime.into(),
            params: vec![(b"charset".to_vec(), charset.as_bytes().to_vec())],
            disposition: None,
            disposition_params: Vec::new(),
            content_id: None,
            encoding,
            octets: 40,
            body: Body::Leaf,
        }
    }

    #[test]
    fn a_message_without_a_structure_renders_as_text() {
        let data = b"Subject: =?utf-8?q?hi?=\r\n\r\n<p onclick=x>Hello</p> https://x.org";
        assert!(render(None, data) > 0);
    }

    #[test]
    fn an_html_part_is_sanitised_and_rendered() {
        let part = leaf("text/html", "utf-8", Encoding::QuotedPrintable);
        let data = b"Subject: x\r\n\r\n<p onclick=x>Hello=20<script>alert(1)</script>";
        assert!(render(Some(&part), data) > 0);
    }
}
