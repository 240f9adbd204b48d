//! The whole message-rendering path behind one call, for `cargo fuzz` (`fuzz/`) and for the
//! test that replays its corpus: everything a hostile server or sender controls goes in —
//! the server's FETCH answer (BODYSTRUCTURE, ENVELOPE), the header block, each part's bytes —
//! and must come out as a page, without a panic, a hang or memory out of all proportion.
//!
//! Input: the server's answer line up to its CRLF, then the bytes of the message as fetched
//! (its header block, a blank line, the body).

use async_imap::imap_proto::{AttributeValue, Response};

use super::structure::{self, Body, Part, PartPath, Prefer, TextKind};
use super::transfer::Encoding;
use super::{decode_text, headers, plain_to_html, sanitize};

/// Renders `data` the way the message page and its iframe would. Returns the length of all
/// that was produced, so nothing can be optimised away.
pub fn render(data: &[u8]) -> usize {
    let split = data
        .windows(2)
        .position(|w| w == b"\r\n")
        .map_or(data.len(), |i| i + 2);
    let (answer, message) = data.split_at(split);
    let mut produced = 0;

    let head = headers::parse(message);
    produced += head.subject.len() + head.from.len() + head.to.len() + head.cc.len();
    produced += headers::decode_words(message).len();

    // The server's answer: its structure decides which parts become text and how.
    let structure = match Response::parse(answer) {
        Ok((_, Response::Fetch(_, attributes))) => attributes.into_iter().find_map(|a| match a {
            AttributeValue::BodyStructure(b) => Some(Part::from_imap(&b)),
            _ => None,
        }),
        _ => None,
    };
    let body = message
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(message, |i| &message[i + 4..]);
    if let Some(root) = &structure {
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

    /// Every input kept in `fuzz/corpus/render` (the seeds and whatever the fuzzer found
    /// worth keeping) renders without a panic, on every test run.
    #[test]
    fn the_fuzz_corpus_renders() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fuzz/corpus/render");
        let mut seen = 0;
        for entry in std::fs::read_dir(dir).expect("the corpus is in the repository") {
            let data = std::fs::read(entry.unwrap().path()).unwrap();
            render(&data);
            seen += 1;
        }
        assert!(seen >= 10, "only {seen} corpus files");
    }

    #[test]
    fn a_multipart_answer_renders_its_html() {
        let answer = b"* 1 FETCH (BODYSTRUCTURE ((\"text\" \"plain\" (\"charset\" \"koi8-r\") NIL NIL \"8bit\" 5 1)(\"text\" \"html\" (\"charset\" \"utf-8\") NIL NIL \"quoted-printable\" 40 1) \"alternative\"))\r\n";
        let mut data = answer.to_vec();
        data.extend_from_slice(
            b"Subject: =?utf-8?q?hi?=\r\n\r\n<p onclick=x>Hello=20<script>alert(1)</script>",
        );
        assert!(render(&data) > 0);
    }
}
