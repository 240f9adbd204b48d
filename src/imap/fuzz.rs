//! The fuzz target's entry point (`fuzz/`) and the test that replays its corpus: a hostile
//! server's FETCH answer line (BODYSTRUCTURE, ENVELOPE), read by the vendored imap-proto and
//! turned into Posta's structure tree, then the message bytes it describes through
//! [`crate::message::fuzz::render`]. How to run it: the README's "Fuzzing" section.
//!
//! Input: the server's answer line up to its CRLF, then the bytes of the message as fetched
//! (its header block, a blank line, the body).

use async_imap::imap_proto::{AttributeValue, Response};

use super::body_structure::to_part;

/// Renders `data` the way the message page and its iframe would. Returns the length of all
/// that was produced, so nothing can be optimised away.
pub fn render(data: &[u8]) -> usize {
    let split = data
        .windows(2)
        .position(|w| w == b"\r\n")
        .map_or(data.len(), |i| i + 2);
    let (answer, message) = data.split_at(split);
    let structure = match Response::parse(answer) {
        Ok((_, Response::Fetch(_, attributes))) => attributes.into_iter().find_map(|a| match a {
            AttributeValue::BodyStructure(b) => Some(to_part(&b)),
            _ => None,
        }),
        _ => None,
    };
    crate::message::fuzz::render(structure.as_ref(), message)
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

    /// A server nesting a BODYSTRUCTURE a thousand levels deep once overflowed the stack and
    /// aborted the whole process; the answer is now refused and the page made without it.
    #[test]
    fn a_bodystructure_nested_a_thousand_deep_is_refused_without_a_crash() {
        let mut body = r#"("text" "plain" NIL NIL NIL "7bit" 5 1)"#.to_owned();
        for _ in 0..1000 {
            body = format!(r#"({body} "mixed")"#);
        }
        let mut data = format!("* 1 FETCH (UID 7 BODYSTRUCTURE {body})\r\n").into_bytes();
        data.extend_from_slice(b"Subject: deep\r\n\r\nhello");
        // On a thread with the stack of a tokio worker, where pages are made.
        let rendered = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || render(&data))
            .unwrap()
            .join();
        assert!(rendered.is_ok(), "rendered without overflowing the stack");
    }
}
