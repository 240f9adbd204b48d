//! Mail nested as deep as a hostile sender likes, through every parser in `message` that a
//! sender's bytes reach, each on a tokio worker's stack: nothing recurses once per level of
//! the input, and what is shown stays bounded. (The structure tree from BODYSTRUCTURE:
//! `imap::body_structure`; HTML and CSS: `sanitize`.)

use mail_parser::MessageParser;

use super::headers::{self, decode_words};
use super::text;
use super::{on_a_worker_stack, parsed};

/// A message of `depth` multiparts one inside the other, a text part at the bottom.
fn nested_multiparts(depth: usize) -> String {
    let mut message = String::from("Subject: deep\r\nMIME-Version: 1.0\r\n");
    for level in 0..depth {
        message.push_str(&format!(
            "Content-Type: multipart/mixed; boundary=\"b{level}\"\r\n\r\n--b{level}\r\n"
        ));
    }
    message.push_str("Content-Type: text/plain\r\n\r\nbottom\r\n");
    for level in (0..depth).rev() {
        message.push_str(&format!("--b{level}--\r\n"));
    }
    message
}

/// mail-parser (which reads drafts when they are opened again) keeps its nesting on the heap:
/// ten thousand multiparts, each inside the one before, are read without recursion.
#[test]
fn ten_thousand_nested_multiparts_are_read_without_recursion() {
    let message = nested_multiparts(10_000);
    let (parts, text) = on_a_worker_stack(move || {
        let parsed = MessageParser::default().parse(message.as_bytes()).unwrap();
        (
            parsed.parts.len(),
            parsed.body_text(0).map(|t| t.into_owned()),
        )
    });
    assert_eq!(parts, 10_001);
    assert_eq!(text.as_deref().map(str::trim), Some("bottom"));
}

/// Forwarded messages inside forwarded messages: each `message/rfc822` is a `Message` inside
/// the last, which mail-parser reads without recursion but Rust drops recursively; `parsed`
/// takes them apart level by level.
#[test]
fn ten_thousand_nested_forwarded_messages_are_read_and_dropped_without_recursion() {
    let mut message = String::new();
    for level in 0..10_000 {
        message.push_str(&format!(
            "Subject: level {level}\r\nContent-Type: message/rfc822\r\n\r\n"
        ));
    }
    message.push_str("Subject: bottom\r\nContent-Type: text/plain\r\n\r\nbottom\r\n");
    let (subject, depth) = on_a_worker_stack(move || {
        let parsed = parsed::parse(message.as_bytes()).unwrap();
        let subject = parsed.subject().map(str::to_owned);
        // Down to the bottom, one forwarded message at a time.
        let mut depth = 0;
        let mut at: &mail_parser::Message = &parsed;
        while let Some(inner) = at.attachment(0).and_then(|a| a.message()) {
            at = inner;
            depth += 1;
        }
        (subject, depth)
    });
    assert_eq!(subject.as_deref(), Some("level 0"));
    assert_eq!(depth, 10_000);
}

/// Encoded words (RFC 2047) are decoded one after another, however many: a subject of a
/// hundred thousand, and one encoded word whose decoding is another encoded word.
#[test]
fn a_hundred_thousand_encoded_words_decode_without_recursion() {
    let many = "=?utf-8?q?a?= ".repeat(100_000);
    let decoded = on_a_worker_stack(move || decode_words(many.as_bytes()));
    assert_eq!(decoded, "a".repeat(100_000));

    // `=?utf-8?b?…?=` of `=?utf-8?q?x?=`: decoded once, shown as the text it decodes to.
    let inner = "=?utf-8?b?PT91dGYtOD9xP3g/PQ==?=";
    assert_eq!(decode_words(inner.as_bytes()), "=?utf-8?q?x?=");
}

/// A header block of one address group inside another, a hundred thousand deep (RFC 5322
/// groups do not nest; a hostile sender may write them so anyway), and comments likewise.
#[test]
fn nested_address_groups_and_comments_parse_without_recursion() {
    let groups = format!(
        "From: {}a@x.org{}\r\nSubject: {}\r\n\r\n",
        "g: ".repeat(100_000),
        ";".repeat(100_000),
        "(".repeat(100_000)
    );
    let head = on_a_worker_stack(move || headers::parse(groups.as_bytes()));
    assert!(head.from.len() <= 1);
}

/// A line quoted a hundred thousand times shows at the deepest quote level shown, in plain
/// text and in format=flowed alike, instead of as many nested `<blockquote>`s.
#[test]
fn quotes_nest_no_deeper_than_eight_however_many_there_are() {
    let line = format!("{} deep\nback\n", ">".repeat(100_000));
    let flowed_line = line.clone();
    let plain = on_a_worker_stack(move || text::to_html(&line));
    let flowed = on_a_worker_stack(move || text::flowed_to_html(&flowed_line, false));
    for html in [plain, flowed] {
        assert_eq!(html.matches("<blockquote>").count(), 8, "{html:.200}");
        assert_eq!(html.matches("</blockquote>").count(), 8);
        assert!(html.contains("deep\n"));
    }
}

/// Ordinary quoting is shown as before: each level a `<blockquote>` inside the last.
#[test]
fn ordinary_quotes_still_nest_level_by_level() {
    let html = text::flowed_to_html(">> two\n> one\nnone\n", false);
    assert_eq!(
        html,
        "<blockquote><blockquote>two\n</blockquote>one\n</blockquote>none\n"
    );
}
