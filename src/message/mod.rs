//! Turning raw mail into something safe to show: MIME structure and what a message shows,
//! transfer encodings, charsets, header and parameter decoding, plain text to HTML, and HTML
//! sanitising; and the other way, building outgoing mail (`outgoing`). Plain functions, no
//! HTTP, no IMAP and no I/O, each tested on its own: the IMAP side turns what the server says
//! into these types (`imap::body_structure`), never the other way round.

pub mod charset;
#[cfg(test)]
mod depth_tests;
pub mod fuzz;
pub mod headers;
pub mod outgoing;
pub mod params;
pub mod parsed;
pub mod sanitize;
pub mod structure;
pub mod text;
pub mod transfer;

use structure::Part;

/// Decodes a text part's content as fetched: transfer encoding undone and charset
/// converted (a lying or unknown one still yields readable text).
pub fn decode_text(part: &Part, raw: &[u8]) -> String {
    let bytes = transfer::decode_all(part.encoding, raw);
    charset::decode(&bytes, part.charset().as_deref())
}

/// A text/plain part as safe HTML: decoded, format=flowed paragraphs joined, then escaped
/// and linkified with quotes nested.
pub fn plain_to_html(part: &Part, raw: &[u8]) -> String {
    let text = decode_text(part, raw);
    match flowed(part) {
        Some(delsp) => text::flowed_to_html(&text, delsp),
        None => text::to_html(&text),
    }
}

/// A text/plain part as text: decoded, format=flowed paragraphs joined (for quoting).
pub fn plain_text(part: &Part, raw: &[u8]) -> String {
    let text = decode_text(part, raw);
    match flowed(part) {
        Some(delsp) => text::unflow(&text, delsp),
        None => text,
    }
}

/// `Some(delsp)` for a format=flowed part (RFC 3676), `None` for fixed lines.
fn flowed(part: &Part) -> Option<bool> {
    let flowed = part
        .param("format")
        .is_some_and(|f| f.eq_ignore_ascii_case("flowed"));
    flowed.then(|| {
        part.param("delsp")
            .is_some_and(|d| d.eq_ignore_ascii_case("yes"))
    })
}

/// Runs `f` on a thread with the stack of a tokio worker (2 MiB), where pages are made, and
/// returns what it returned: a test of hostile nesting that passes here cannot overflow the
/// stack in production, where an overflow aborts the whole process.
#[cfg(test)]
pub(crate) fn on_a_worker_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(f)
        .expect("a thread")
        .join()
        .expect("no stack overflow, no panic")
}
