//! The fuzz targets' entry points (`fuzz/`) and the tests that replay their corpora:
//!
//! - [`render`]: a hostile server's FETCH answer line (BODYSTRUCTURE, ENVELOPE), read by the
//!   vendored imap-proto and turned into Posta's structure tree, then the message bytes it
//!   describes through [`crate::message::fuzz::render`].
//! - [`responses`]: whatever a server may send, read the way async-imap reads it (one
//!   response after another from one buffer), each response then through Posta's own reading
//!   of it: structures, envelopes, header fields, threads, folder lists, search results.
//!
//! How to run them: the README's "Fuzzing" section.

use async_imap::imap_proto::rfc4731::SearchReturnData;
use async_imap::imap_proto::{AttributeValue, Envelope, MailboxDatum, Response};

use super::body_structure::{address_parts, to_part};
use super::{folders, search, sort, threads};
use crate::message::headers::{self, decode_words};
use crate::message::structure::{self, Prefer};

/// Renders `data` the way the message page and its iframe would. Returns the length of all
/// that was produced, so nothing can be optimised away.
///
/// Input: the server's answer line up to its CRLF, then the bytes of the message as fetched
/// (its header block, a blank line, the body).
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

/// Reads `data` as a server's side of a conversation: responses one after another, as
/// async-imap takes them from its buffer, until the data ends, is incomplete or cannot be
/// read (where async-imap would wait for more, or give up on the connection). Each response
/// goes through what Posta does with its kind. Returns the size of all that was produced.
pub fn responses(data: &[u8]) -> usize {
    let mut produced = 0;
    let mut folder_lists = Vec::new();
    let mut rest = data;
    while let Ok((remaining, response)) = Response::parse(rest) {
        produced += read(&response);
        if let Response::MailboxData(MailboxDatum::List(list)) = response {
            folder_lists.push(list);
        }
        if remaining.len() >= rest.len() {
            break;
        }
        rest = remaining;
    }
    // A LIST's answers make one folder tree.
    produced + folders::from_listed(&folder_lists).folders.len()
}

/// What Posta makes of one response.
fn read(response: &Response<'_>) -> usize {
    match response {
        Response::Fetch(_, attributes) => attributes.iter().map(fetched).sum(),
        Response::MailboxData(MailboxDatum::Thread(found)) => {
            let conversations: Vec<_> = found.iter().map(threads::conversation).collect();
            threads::pages(&conversations, 50).len()
                + conversations.iter().map(|c| c.lines.len()).sum::<usize>()
        }
        Response::MailboxData(MailboxDatum::ESearch(e)) => {
            let mut found = Vec::new();
            for data in &e.data {
                if let SearchReturnData::All(ranges) = data {
                    search::expand(ranges, &mut found);
                }
            }
            found.len()
        }
        Response::MailboxData(MailboxDatum::Search(uids) | MailboxDatum::Sort(uids)) => uids.len(),
        _ => 0,
    }
}

/// What the list, the message page and threading make of one FETCH item.
fn fetched(attribute: &AttributeValue<'_>) -> usize {
    match attribute {
        AttributeValue::BodyStructure(b) => {
            let root = to_part(b);
            let mut produced = structure::has_attachments(&root) as usize;
            for prefer in [Prefer::Html, Prefer::Plain] {
                let view = structure::plan(&root, prefer);
                produced += view.attachments.iter().map(|a| a.name.len()).sum::<usize>();
                for (path, _) in structure::texts(&view) {
                    produced += root.find(&path).map_or(0, |p| p.mime.len());
                }
            }
            produced
        }
        AttributeValue::Envelope(e) => envelope(e),
        // Header fields (References for threading) and text parts.
        AttributeValue::BodySection { data, .. } => data.as_deref().map_or(0, |d| {
            let head = headers::parse(d);
            head.subject.len()
                + head.from.len()
                + threads::message_ids(&String::from_utf8_lossy(d)).len()
        }),
        _ => 0,
    }
}

/// An ENVELOPE as the list shows it, sorts it and threads it.
fn envelope(e: &Envelope<'_>) -> usize {
    let people: usize = [&e.from, &e.sender, &e.reply_to, &e.to, &e.cc, &e.bcc]
        .into_iter()
        .flatten()
        .flatten()
        .map(|a| {
            let (name, address) = address_parts(a);
            name.len() + address.len()
        })
        .sum();
    let subject = e.subject.as_deref().map(decode_words).unwrap_or_default();
    let ids = [&e.in_reply_to, &e.message_id]
        .into_iter()
        .flatten()
        .map(|raw| threads::message_ids(&String::from_utf8_lossy(raw)).len())
        .sum::<usize>();
    let date = e
        .date
        .as_deref()
        .and_then(|d| std::str::from_utf8(d).ok())
        .and_then(|d| chrono::DateTime::parse_from_rfc2822(d.trim()).ok())
        .map_or(0, |d| usize::from(d.timestamp() > 0));
    people + sort::base_subject(&subject).len() + ids + date
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

    /// Every answer a real Dovecot gave (`fuzz/corpus/imap_response`, recorded by
    /// `scripts/record_imap_corpus.py`, and whatever the fuzzer kept there) is read to its
    /// end, one response after another, and through Posta's reading of each without a panic.
    #[test]
    fn every_recorded_server_answer_is_read_to_its_end() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fuzz/corpus/imap_response");
        let mut seen = 0;
        for entry in std::fs::read_dir(dir).expect("the corpus is in the repository") {
            let path = entry.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            let mut rest = &data[..];
            while let Ok((remaining, _)) = Response::parse(rest) {
                rest = remaining;
            }
            // imap-proto cannot read NAMESPACE (RFC 2342); Posta never asks for it. Inputs
            // kept because they once broke something (`regression-*`) need only not panic.
            let namespace = rest.starts_with(b"* NAMESPACE ");
            let regression = path
                .file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("regression-");
            assert!(
                rest.is_empty() || namespace || regression,
                "{}: not read: {:?}",
                path.display(),
                String::from_utf8_lossy(rest)
            );
            responses(&data);
            seen += 1;
        }
        assert!(seen >= 100, "only {seen} corpus files");
    }

    #[test]
    fn a_folder_list_answer_makes_the_tree() {
        let data = b"* LIST (\\HasChildren) \"/\" Projects\r\n\
                     * LIST (\\HasNoChildren \\Sent) \"/\" Sent\r\n\
                     * LIST () \"/\" &BBAEQARFBDgEMg-/2024\r\n\
                     p1 OK List completed\r\n";
        // Three folders and the parent the server did not list («Архив»).
        assert_eq!(responses(data), 4);
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
