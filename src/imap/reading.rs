//! Reading one message: its structure and header first, then only the text part that will
//! be shown (never the attachments), then `\Seen` if it was unread.

use async_imap::error::Error as ImapError;
use async_imap::imap_proto::{BodyStructure, MessageSection, SectionPath};
use async_imap::types::{Fetch, Flag};
use futures::TryStreamExt;

use super::listing::ensure_selected;
use super::mail_session::Imap;

/// Which kind of text a message will be shown as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextKind {
    Plain,
    Html,
}

/// Where the text to show lives in the message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Section {
    /// The message is a single part: its body is `BODY[TEXT]`, its headers the message's.
    Root,
    /// A part of a multipart message, by IMAP part number (`[1, 2]` is `1.2`).
    Part(Vec<u32>),
}

/// What was fetched to show a message, still undecoded.
#[derive(Clone, Debug)]
pub struct Fetched {
    /// The message header block.
    pub header: Vec<u8>,
    /// The displayed text part as a MIME entity (its own headers, blank line, content);
    /// `None` when the message has no text to show.
    pub text: Option<(TextKind, Vec<u8>)>,
    /// Whether it was unread before this fetch marked it read.
    pub was_unseen: bool,
}

/// Fetches what is needed to show message `uid` of `wire_name`, and marks it read.
/// `Ok(None)` means there is no such message.
pub async fn fetch(
    imap: &mut Imap,
    wire_name: &str,
    uid: u32,
) -> Result<Option<Fetched>, ImapError> {
    ensure_selected(imap, wire_name).await?;
    let first: Vec<Fetch> = imap
        .session
        .uid_fetch(
            uid.to_string(),
            "(UID FLAGS BODYSTRUCTURE BODY.PEEK[HEADER])",
        )
        .await?
        .try_collect()
        .await?;
    let Some(first) = first.into_iter().find(|f| f.uid == Some(uid)) else {
        return Ok(None);
    };
    let header = first.header().unwrap_or_default().to_vec();
    let was_unseen = !first.flags().any(|f| f == Flag::Seen);
    let chosen = first.bodystructure().and_then(choose_text);
    drop(first);

    let text = match chosen {
        None => None,
        Some((section, kind)) => {
            let (items, mime_path, body_path) = match &section {
                Section::Root => (
                    "(UID BODY.PEEK[TEXT])".to_owned(),
                    None,
                    SectionPath::Full(MessageSection::Text),
                ),
                Section::Part(path) => {
                    let dotted = path
                        .iter()
                        .map(u32::to_string)
                        .collect::<Vec<_>>()
                        .join(".");
                    (
                        format!("(UID BODY.PEEK[{dotted}.MIME] BODY.PEEK[{dotted}])"),
                        Some(SectionPath::Part(path.clone(), Some(MessageSection::Mime))),
                        SectionPath::Part(path.clone(), None),
                    )
                }
            };
            let parts: Vec<Fetch> = imap
                .session
                .uid_fetch(uid.to_string(), items)
                .await?
                .try_collect()
                .await?;
            parts.iter().find(|f| f.uid == Some(uid)).map(|f| {
                let mut entity = match &mime_path {
                    Some(p) => f.section(p).unwrap_or_default().to_vec(),
                    None => header.clone(),
                };
                if !entity.ends_with(b"\r\n\r\n") && !entity.ends_with(b"\n\n") {
                    entity.extend_from_slice(b"\r\n");
                }
                entity.extend_from_slice(f.section(&body_path).unwrap_or_default());
                (kind, entity)
            })
        }
    };

    if was_unseen {
        imap.session
            .uid_store(uid.to_string(), "+FLAGS.SILENT (\\Seen)")
            .await?
            .try_collect::<Vec<_>>()
            .await?;
    }
    Ok(Some(Fetched {
        header,
        text,
        was_unseen,
    }))
}

/// Picks the part to show: the first inline text/plain, else the first inline text/html.
/// Attachments and forwarded messages are not descended into.
pub fn choose_text(body: &BodyStructure<'_>) -> Option<(Section, TextKind)> {
    if let BodyStructure::Text { common, .. } = body {
        return text_kind(
            &common.ty.subtype,
            common.disposition.as_ref().map(|d| d.ty.as_ref()),
        )
        .map(|k| (Section::Root, k));
    }
    let mut plain = None;
    let mut html = None;
    fn walk<'a>(
        body: &BodyStructure<'a>,
        path: &mut Vec<u32>,
        plain: &mut Option<Vec<u32>>,
        html: &mut Option<Vec<u32>>,
    ) {
        match body {
            BodyStructure::Multipart { bodies, .. } => {
                for (i, child) in bodies.iter().enumerate() {
                    path.push(i as u32 + 1);
                    walk(child, path, plain, html);
                    path.pop();
                }
            }
            BodyStructure::Text { common, .. } => {
                let disposition = common.disposition.as_ref().map(|d| d.ty.as_ref());
                match text_kind(&common.ty.subtype, disposition) {
                    Some(TextKind::Plain) if plain.is_none() => *plain = Some(path.clone()),
                    Some(TextKind::Html) if html.is_none() => *html = Some(path.clone()),
                    _ => {}
                }
            }
            BodyStructure::Basic { .. } | BodyStructure::Message { .. } => {}
        }
    }
    walk(body, &mut Vec::new(), &mut plain, &mut html);
    plain
        .map(|p| (Section::Part(p), TextKind::Plain))
        .or_else(|| html.map(|p| (Section::Part(p), TextKind::Html)))
}

fn text_kind(subtype: &str, disposition: Option<&str>) -> Option<TextKind> {
    if disposition.is_some_and(|d| d.eq_ignore_ascii_case("attachment")) {
        return None;
    }
    if subtype.eq_ignore_ascii_case("plain") {
        Some(TextKind::Plain)
    } else if subtype.eq_ignore_ascii_case("html") {
        Some(TextKind::Html)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_imap::imap_proto::{AttributeValue, Response};

    /// Parses the BODYSTRUCTURE of a FETCH response line, as a server would send it.
    fn structure(body: &str) -> BodyStructure<'static> {
        let line = format!("* 1 FETCH (BODYSTRUCTURE {body})\r\n");
        let (_, response) = Response::parse(line.as_bytes()).expect("valid FETCH response");
        match response {
            Response::Fetch(_, attrs) => attrs
                .into_iter()
                .find_map(|a| match a {
                    AttributeValue::BodyStructure(b) => Some(b.into_owned()),
                    _ => None,
                })
                .expect("has a BODYSTRUCTURE"),
            other => panic!("not a FETCH: {other:?}"),
        }
    }

    const PLAIN: &str =
        r#"("text" "plain" ("charset" "utf-8") NIL NIL "7bit" 12 1 NIL NIL NIL NIL)"#;
    const HTML: &str = r#"("text" "html" ("charset" "utf-8") NIL NIL "7bit" 30 1 NIL NIL NIL NIL)"#;
    const PDF: &str = r#"("application" "pdf" ("name" "r.pdf") NIL NIL "base64" 100 NIL ("attachment" ("filename" "r.pdf")) NIL NIL)"#;

    #[test]
    fn a_single_part_message_is_its_own_text() {
        assert_eq!(
            choose_text(&structure(PLAIN)),
            Some((Section::Root, TextKind::Plain))
        );
        assert_eq!(
            choose_text(&structure(HTML)),
            Some((Section::Root, TextKind::Html))
        );
    }

    #[test]
    fn alternative_prefers_plain_text() {
        let alt = format!(r#"({PLAIN}{HTML} "alternative" ("boundary" "b") NIL NIL NIL)"#);
        assert_eq!(
            choose_text(&structure(&alt)),
            Some((Section::Part(vec![1]), TextKind::Plain))
        );
    }

    #[test]
    fn text_nested_in_mixed_is_found_by_part_number() {
        let alt = format!(r#"({HTML}{PLAIN} "alternative" ("boundary" "b") NIL NIL NIL)"#);
        let mixed = format!(r#"({alt}{PDF} "mixed" ("boundary" "a") NIL NIL NIL)"#);
        assert_eq!(
            choose_text(&structure(&mixed)),
            Some((Section::Part(vec![1, 2]), TextKind::Plain))
        );
    }

    #[test]
    fn an_html_only_multipart_shows_its_html() {
        let mixed = format!(r#"({HTML}{PDF} "mixed" ("boundary" "a") NIL NIL NIL)"#);
        assert_eq!(
            choose_text(&structure(&mixed)),
            Some((Section::Part(vec![1]), TextKind::Html))
        );
    }

    #[test]
    fn a_text_attachment_is_not_the_body() {
        let attached = r#"("text" "plain" ("charset" "utf-8") NIL NIL "7bit" 12 1 NIL ("attachment" ("filename" "notes.txt")) NIL NIL)"#;
        let mixed = format!(r#"({attached}{PDF} "mixed" ("boundary" "a") NIL NIL NIL)"#);
        assert_eq!(choose_text(&structure(&mixed)), None);
        assert!(crate::imap::listing::has_attachments(&structure(&mixed)));
        assert!(!crate::imap::listing::has_attachments(&structure(PLAIN)));
    }
}
