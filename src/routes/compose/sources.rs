//! Where a composition starts: a reply or reply-all (recipients, `Re:` subject, quoted text,
//! threading headers), a forward (inline with the original's files, or the original itself
//! attached), or a saved draft (fields, files, threading and original restored).

use mail_parser::{HeaderValue, MimeHeaders};

use crate::account::{Answering, Composition, Fields, Origin};
use crate::error::AppError;
use crate::i18n::Strings;
use crate::imap::MailboxName;
use crate::imap::folders::Role;
use crate::imap::reading::Opened;
use crate::imap::writing::{self, Whole};
use crate::message::headers::{Person, decode_words, people};
use crate::message::outgoing::addresses::format_list;
use crate::message::outgoing::build::Upload;
use crate::message::outgoing::html_text::html_to_text;
use crate::message::outgoing::reply::{self, ForwardLabels, Original};
use crate::message::structure::{Block, Prefer, TextKind};
use crate::message::{decode_text, plain_text};
use crate::routes::chrome::{folder_list, in_mailbox};
use crate::routes::links::MessageAddress;
use crate::routes::message::open_message;
use crate::web_session::{CurrentUser, Identity};

/// Headers a draft carries so Posta can resume it as it was.
pub const ORIGIN_HEADER: &str = "X-Posta-Origin";
/// An address field that did not parse when the draft was saved, kept as typed.
pub const FIELD_HEADERS: [(&str, &str); 3] = [
    ("to", "X-Posta-Field-To"),
    ("cc", "X-Posta-Field-Cc"),
    ("bcc", "X-Posta-Field-Bcc"),
];

/// A composition as it starts, and the files it comes with: attached (and drawn from the
/// shared upload budget) by the caller, which says what did not fit.
#[derive(Default)]
pub struct Started {
    pub composition: Composition,
    pub files: Vec<Upload>,
}

/// A new message's body: empty, or the signature below its `-- ` line.
pub fn signature_block(identity: &Identity) -> String {
    let signature = identity.signature.trim_end();
    if signature.is_empty() {
        String::new()
    } else {
        format!("\n\n-- \n{signature}\n")
    }
}

/// Opens the message a `?reply=`/`?forward=` value names (see [`MessageAddress`]); one
/// whose mailbox was renumbered since the link was written is no longer that message. That
/// is checked on its structure first (which the opening then reuses), so another message
/// under the same UID is never marked read.
async fn open_addressed(
    user: &CurrentUser,
    spec: &str,
) -> Result<(Opened, MessageAddress), AppError> {
    let address: MessageAddress = spec.parse()?;
    let (name, uid) = (address.mailbox(), address.uid());
    let (message, _) = (user.mail.structure(name, uid).await)
        .map_err(in_mailbox(name))?
        .ok_or(AppError::MessageNotFound)?;
    if !address.names(&message) {
        return Err(AppError::MessageNotFound);
    }
    Ok((open(user, name, uid).await?, address))
}

/// Opens the original (marking it read, as reading it would) with its plain text preferred.
async fn open(user: &CurrentUser, name: &MailboxName, uid: u32) -> Result<Opened, AppError> {
    open_message(user, name, uid, Prefer::Plain).await
}

/// The text of the message itself (not of messages forwarded inside it): its plain text,
/// format=flowed joined, or its HTML as text.
fn text_of(opened: &Opened) -> String {
    for block in &opened.view.blocks {
        let Block::Text { path, kind } = block else {
            continue;
        };
        let (Some(part), Some(raw)) = (opened.structure.find(path), opened.texts.get(path)) else {
            continue;
        };
        return match kind {
            TextKind::Html => html_to_text(&decode_text(part, &raw.bytes)),
            TextKind::Plain => plain_text(part, &raw.bytes),
        };
    }
    String::new()
}

/// A reply (`all`: to everyone but oneself) to the message `spec` names.
pub async fn reply(
    user: &CurrentUser,
    t: &'static Strings,
    identity: &Identity,
    spec: &str,
    all: bool,
) -> Result<Composition, AppError> {
    let (opened, _) = open_addressed(user, spec).await?;
    let original = crate::message::outgoing::original(&opened.header, text_of(&opened));
    let (to, cc) = reply::recipients(&original, all, &user.who.email);
    let mut body = String::from("\n\n");
    let signature = signature_block(identity);
    if !signature.is_empty() {
        body.push_str(signature.trim_start_matches('\n'));
        body.push('\n');
    }
    body.push_str(&reply::attribution(&original, t.compose.attribution));
    body.push('\n');
    body.push_str(&reply::quote(&original.text));
    Ok(Composition {
        fields: Fields {
            to: format_list(&to),
            cc: format_list(&cc),
            bcc: String::new(),
            subject: reply::reply_subject(&original.subject),
            body,
        },
        in_reply_to: original.message_id.as_deref().and_then(reply::message_id),
        references: reply::references(&original),
        origin: Some(Origin {
            kind: Answering::Reply,
            message: opened.message.clone(),
        }),
        ..Composition::default()
    })
}

/// A forward of the message `spec` names: inline (its text quoted below a header block, its
/// files while they fit under `limit`), or the original attached whole.
pub async fn forward(
    user: &CurrentUser,
    t: &'static Strings,
    identity: &Identity,
    spec: &str,
    attached: bool,
    limit: u64,
) -> Result<Started, AppError> {
    let (opened, address) = open_addressed(user, spec).await?;
    let (name, uid) = (address.mailbox(), address.uid());
    let original = crate::message::outgoing::original(&opened.header, text_of(&opened));
    let signature = signature_block(identity);
    let (files, body) = if attached {
        let files = original_whole(user, name, uid, &original.subject, limit).await?;
        (files, signature)
    } else {
        let files = original_files(user, name, &opened, limit).await?;
        (files, forward_body(t, &signature, &original))
    };
    let composition = Composition {
        fields: Fields {
            subject: reply::forward_subject(&original.subject),
            body,
            ..Fields::default()
        },
        origin: Some(Origin {
            kind: Answering::Forward,
            message: opened.message.clone(),
        }),
        ..Composition::default()
    };
    Ok(Started { composition, files })
}

/// An inline forward's text: the signature, then the original below a header block.
fn forward_body(t: &'static Strings, signature: &str, original: &Original) -> String {
    let c = t.compose;
    let labels = ForwardLabels {
        title: c.forwarded_title,
        subject: t.subject,
        date: t.date,
        from: t.from,
        to: t.to,
        cc: t.cc,
    };
    format!(
        "\n\n{}{}",
        signature.trim_start_matches('\n'),
        reply::forward_block(original, &labels)
    )
}

/// The original whole, as a `message/rfc822` attachment named after its subject, if it
/// fits under `limit`.
async fn original_whole(
    user: &CurrentUser,
    name: &MailboxName,
    uid: u32,
    subject: &str,
    limit: u64,
) -> Result<Vec<Upload>, AppError> {
    let wire = name.wire();
    let whole = user
        .mail
        .run(|imap| {
            let wire = wire.clone();
            Box::pin(async move { writing::whole_message(imap, &wire, uid, limit).await })
        })
        .await
        .map_err(in_mailbox(name))?;
    let Whole::Raw(bytes) = whole else {
        return Ok(Vec::new());
    };
    let subject = reply::base_subject(subject).trim();
    let stem = if subject.is_empty() {
        "message"
    } else {
        subject
    };
    Ok(vec![Upload {
        name: format!("{stem}.eml"),
        mime: "message/rfc822".into(),
        bytes: bytes.into(),
    }])
}

/// The original's own files, fetched decoded, while they fit under `limit` together.
async fn original_files(
    user: &CurrentUser,
    name: &MailboxName,
    opened: &Opened,
    limit: u64,
) -> Result<Vec<Upload>, AppError> {
    let mut files = Vec::new();
    let mut size = 0u64;
    for attachment in opened.view.attachments.iter().filter(|a| !a.signature) {
        let Some(part) = opened.structure.find(&attachment.path).cloned() else {
            continue;
        };
        if size + part.decoded_size() > limit {
            continue;
        }
        let key = opened.message.clone();
        let bytes = user
            .mail
            .run(|imap| {
                let (key, part) = (key.clone(), part.clone());
                Box::pin(async move { writing::part_bytes(imap, &key, &part).await })
            })
            .await
            .map_err(in_mailbox(name))?;
        if let Some(bytes) = bytes
            && size + bytes.len() as u64 <= limit
        {
            size += bytes.len() as u64;
            files.push(Upload {
                name: attachment.name.clone(),
                mime: attachment.mime.clone(),
                bytes: bytes.into(),
            });
        }
    }
    Ok(files)
}

/// The draft with UID `uid` in the Drafts folder, as a composition that replaces it when
/// saved again and removes it when sent.
pub async fn draft(user: &CurrentUser, uid: u32, limit: u64) -> Result<Started, AppError> {
    let folders = folder_list(user).await?;
    let drafts = folders
        .by_role(Role::Drafts)
        .and_then(|f| MailboxName::parse(&f.name))
        .ok_or(AppError::MessageNotFound)?;
    let wire = drafts.wire();
    // Text, headers and base64 take more room than the files alone.
    let room = limit.saturating_mul(2).saturating_add(1 << 20);
    let whole = user
        .mail
        .run(|imap| {
            let wire = wire.clone();
            Box::pin(async move { writing::whole_message(imap, &wire, uid, room).await })
        })
        .await
        .map_err(in_mailbox(&drafts))?;
    let raw = match whole {
        Whole::Raw(raw) => raw,
        Whole::Missing | Whole::TooLarge(_) => return Err(AppError::MessageNotFound),
    };
    let mut draft = from_draft(&raw);
    draft.composition.draft_uid = Some(uid);
    Ok(draft)
}

/// A composition from a draft's bytes, with the draft's files.
pub fn from_draft(raw: &[u8]) -> Started {
    let Some(message) = crate::message::parsed::parse(raw) else {
        return Started::default();
    };
    let field = |name: &str, parsed: Vec<Person>| -> String {
        let kept = FIELD_HEADERS
            .iter()
            .find(|(n, _)| *n == name)
            .and_then(|(_, header)| message.header_raw(*header))
            .map(|raw| decode_words(raw.trim().as_bytes()));
        kept.unwrap_or_else(|| format_list(&parsed))
    };
    let ids = |value: &HeaderValue<'_>| -> Vec<String> {
        match value {
            HeaderValue::Text(id) => vec![format!("<{id}>")],
            HeaderValue::TextList(ids) => ids.iter().map(|id| format!("<{id}>")).collect(),
            _ => Vec::new(),
        }
    };
    let composition = Composition {
        fields: Fields {
            to: field("to", people(message.to())),
            cc: field("cc", people(message.cc())),
            bcc: field("bcc", people(message.bcc())),
            subject: message.subject().unwrap_or_default().to_owned(),
            body: message
                .body_text(0)
                .map(|b| b.replace("\r\n", "\n"))
                .unwrap_or_default(),
        },
        in_reply_to: ids(message.in_reply_to())
            .first()
            .and_then(|id| reply::message_id(id)),
        references: ids(message.references())
            .iter()
            .filter_map(|id| reply::message_id(id))
            .collect(),
        origin: message
            .header_raw(ORIGIN_HEADER)
            .and_then(Origin::from_header),
        ..Composition::default()
    };
    let mut files = Vec::new();
    for part in message.attachments() {
        let mime = part
            .content_type()
            .map(|ct| match ct.subtype() {
                Some(sub) => format!("{}/{sub}", ct.ctype()),
                None => ct.ctype().to_owned(),
            })
            .unwrap_or_else(|| "application/octet-stream".into())
            .to_ascii_lowercase();
        let bytes = match part.message() {
            Some(inner) => inner.raw_message().to_vec(),
            None => part.contents().to_vec(),
        };
        files.push(Upload {
            name: part.attachment_name().unwrap_or("attachment").to_owned(),
            mime,
            bytes: bytes.into(),
        });
    }
    Started { composition, files }
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use super::*;
    use crate::message::outgoing::addresses::parse_list;
    use crate::message::outgoing::build::{Outgoing, build};

    #[test]
    fn a_saved_draft_resumes_as_it_was() {
        let origin = Origin {
            kind: Answering::Reply,
            message: crate::imap::MessageRef::new(MailboxName::parse("Работа").unwrap(), 3, 9),
        };
        let outgoing = Outgoing {
            from: "Me <me@posta.test>".parse().unwrap(),
            to: parse_list("\"Doe, Jane\" <jane@x.org>").unwrap(),
            cc: Vec::new(),
            bcc: parse_list("hidden@x.org").unwrap(),
            subject: "Re: План".into(),
            body: "Черновик\n\n> old\n".into(),
            in_reply_to: Some("<a@x>".into()),
            references: vec!["<0@x>".into(), "<a@x>".into()],
            attachments: vec![Upload {
                name: "файл.bin".into(),
                mime: "application/octet-stream".into(),
                bytes: bytes::Bytes::from_static(b"\x00\x01\x02"),
            }],
            draft_headers: vec![
                (ORIGIN_HEADER, origin.to_header()),
                ("X-Posta-Field-Cc", "Пётр <not an address".into()),
            ],
        };
        let built = build(&outgoing, "<d1@posta.test>", SystemTime::now()).unwrap();
        let Started {
            composition: c,
            files,
        } = from_draft(&built.copy);
        assert_eq!(c.fields.to, "\"Doe, Jane\" <jane@x.org>");
        assert_eq!(c.fields.cc, "Пётр <not an address");
        assert_eq!(c.fields.bcc, "hidden@x.org");
        assert_eq!(c.fields.subject, "Re: План");
        assert_eq!(c.fields.body, "Черновик\n\n> old\n");
        assert_eq!(c.in_reply_to.as_deref(), Some("<a@x>"));
        assert_eq!(c.references, vec!["<0@x>", "<a@x>"]);
        assert_eq!(c.origin, Some(origin));
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].name, "файл.bin");
        assert_eq!(&files[0].bytes[..], b"\x00\x01\x02");
    }
}
