//! Reading one message: its structure (from the caller's cache when it has been seen),
//! its header, and only the text parts that will be shown — never the attachments, which
//! stream later in chunks of their own. Opening a message marks it read.

use std::collections::HashMap;
use std::sync::Arc;

use async_imap::error::Error as ImapError;
use async_imap::imap_proto::SectionPath;
use async_imap::types::{Fetch, Flag};
use futures::TryStreamExt;

use super::body_structure::to_part;
use super::connection::Connection;
use super::purpose::Purpose;
use super::sync::{ensure_selected, refresh};
use super::{MailboxName, MessageRef};
use crate::message::structure::{self, Part, PartPath, Prefer, View};

/// Where message structures already fetched are remembered, by whoever holds the connection
/// (an account session). A structure never changes for one [`MessageRef`].
pub trait StructureCache: Send + Sync {
    fn get(&self, message: &MessageRef) -> Option<Arc<Part>>;
    fn insert(&self, message: MessageRef, structure: Arc<Part>);
}

/// Text parts are shown up to this many (still encoded) bytes; longer ones say they were cut
/// and offer the whole part for download.
pub const TEXT_LIMIT: u32 = 2 * 1024 * 1024;

/// A text part as fetched: transfer-encoded bytes, maybe cut at [`TEXT_LIMIT`].
#[derive(Clone, Debug)]
pub struct RawText {
    pub bytes: Vec<u8>,
    pub truncated: bool,
}

/// What was fetched to show a message.
#[derive(Clone, Debug)]
pub struct Opened {
    pub message: MessageRef,
    /// The message header block.
    pub header: Vec<u8>,
    pub structure: Arc<Part>,
    pub view: View,
    /// Every text part the view shows, by part number.
    pub texts: HashMap<PartPath, RawText>,
    /// Whether it was unread before opening marked it read.
    pub was_unseen: bool,
    pub flagged: bool,
}

/// `BODY.PEEK[1.2]<0.N>` for each text part the view shows.
fn text_items(view: &View) -> String {
    structure::texts(view)
        .iter()
        .map(|(path, _)| format!(" BODY.PEEK[{path}]<0.{TEXT_LIMIT}>"))
        .collect()
}

fn section_path(path: &PartPath) -> SectionPath {
    SectionPath::Part(path.numbers().to_vec(), None)
}

/// Fetches what is needed to show message `uid` of `mailbox` and marks it read.
/// `Ok(None)` means there is no such message.
pub async fn open(
    imap: &mut Connection,
    structures: &dyn StructureCache,
    mailbox: &MailboxName,
    uid: u32,
    prefer: Prefer,
) -> Result<Option<Opened>, ImapError> {
    let validity = ensure_selected(imap, &mailbox.wire()).await?;
    let key = MessageRef::new(mailbox.clone(), validity, uid);
    let cached = structures.get(&key);

    // With the structure known, one FETCH brings flags, header and texts. Otherwise the
    // structure comes first, and the texts in a second FETCH.
    let (items, purpose) = match &cached {
        Some(part) => (
            format!(
                "(UID FLAGS BODY.PEEK[HEADER]{})",
                text_items(&structure::plan(part, prefer))
            ),
            Purpose::Texts,
        ),
        None => (
            "(UID FLAGS BODYSTRUCTURE BODY.PEEK[HEADER])".to_owned(),
            Purpose::Structure,
        ),
    };
    imap.expect(purpose);
    let first = uid_fetch(imap, uid, &items).await?;
    let Some(first) = first else {
        return Ok(None);
    };
    let structure = match cached {
        Some(part) => part,
        None => {
            let Some(body) = first.bodystructure() else {
                return Ok(None);
            };
            let part = Arc::new(to_part(body));
            structures.insert(key.clone(), part.clone());
            part
        }
    };
    let view = structure::plan(&structure, prefer);
    let header = first.header().unwrap_or_default().to_vec();
    let was_unseen = !first.flags().any(|f| f == Flag::Seen);
    let flagged = first.flags().any(|f| f == Flag::Flagged);

    let wanted = structure::texts(&view);
    let texts_fetch = if wanted.is_empty() || first.section(&section_path(&wanted[0].0)).is_some() {
        Some(first)
    } else {
        imap.expect(Purpose::Texts);
        uid_fetch(imap, uid, &format!("(UID{})", text_items(&view))).await?
    };
    let mut texts = HashMap::new();
    if let Some(fetch) = &texts_fetch {
        for (path, _) in &wanted {
            let bytes = fetch.section(&section_path(path)).unwrap_or_default();
            let size = structure.find(path).map_or(0, |p| p.octets);
            texts.insert(
                path.clone(),
                RawText {
                    truncated: bytes.len() as u32 >= TEXT_LIMIT && size > TEXT_LIMIT,
                    bytes: bytes.to_vec(),
                },
            );
        }
    }
    drop(texts_fetch);

    if was_unseen {
        imap.session
            .uid_store(uid.to_string(), "+FLAGS.SILENT (\\Seen)")
            .await?
            .try_collect::<Vec<_>>()
            .await?;
    }
    Ok(Some(Opened {
        message: key,
        header,
        structure,
        view,
        texts,
        was_unseen,
        flagged,
    }))
}

/// The structure of message `uid`, from the cache or the server, with its reference.
pub async fn structure_of(
    imap: &mut Connection,
    structures: &dyn StructureCache,
    mailbox: &MailboxName,
    uid: u32,
) -> Result<Option<(MessageRef, Arc<Part>)>, ImapError> {
    let validity = ensure_selected(imap, &mailbox.wire()).await?;
    let key = MessageRef::new(mailbox.clone(), validity, uid);
    if let Some(part) = structures.get(&key) {
        return Ok(Some((key, part)));
    }
    imap.expect(Purpose::Structure);
    let Some(fetch) = uid_fetch(imap, uid, "(UID BODYSTRUCTURE)").await? else {
        return Ok(None);
    };
    let Some(body) = fetch.bodystructure() else {
        return Ok(None);
    };
    let part = Arc::new(to_part(body));
    structures.insert(key.clone(), part.clone());
    Ok(Some((key, part)))
}

/// One text part (up to [`TEXT_LIMIT`]) of a message whose structure is known: what the
/// iframe document needs when the page did not leave it in the cache.
pub async fn text_part(
    imap: &mut Connection,
    message: &MessageRef,
    path: &PartPath,
) -> Result<Option<RawText>, ImapError> {
    if !still_names(imap, message).await? {
        return Ok(None);
    }
    let items = format!("(UID BODY.PEEK[{path}]<0.{TEXT_LIMIT}>)");
    imap.expect(Purpose::Texts);
    let Some(fetch) = uid_fetch(imap, message.uid(), &items).await? else {
        return Ok(None);
    };
    let bytes = fetch.section(&section_path(path)).unwrap_or_default();
    Ok(Some(RawText {
        truncated: bytes.len() as u32 >= TEXT_LIMIT,
        bytes: bytes.to_vec(),
    }))
}

/// How a section travels: as stored (still base64 or quoted-printable), or decoded by the
/// server (`BINARY`, RFC 3516) — a quarter fewer bytes for base64 and no decoding here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transfer {
    Stored,
    Decoded,
}

/// One chunk of a section, still inside the IMAP response it came in, so it reaches the HTTP
/// body without a copy (see `bytes::Bytes::from_owner`).
pub struct Chunk {
    fetch: Fetch,
    /// `None` for the whole message (`BODY[]`).
    section: Option<SectionPath>,
}

impl AsRef<[u8]> for Chunk {
    fn as_ref(&self) -> &[u8] {
        // A server answers NIL (or nothing) past the end of a section: an empty chunk.
        match &self.section {
            Some(section) => self.fetch.section(section),
            None => self.fetch.body(),
        }
        .unwrap_or_default()
    }
}

/// Bytes `offset..offset + len` of a section of `message`: a part (`Some(path)`), or
/// the whole raw message (`None`), as `transfer` says (offsets count in that form). Fewer
/// than `len` bytes means the end. `Ok(None)` when the message is gone or the mailbox was
/// renumbered meanwhile.
pub async fn section_chunk(
    imap: &mut Connection,
    message: &MessageRef,
    path: Option<&PartPath>,
    offset: u64,
    len: u32,
    transfer: Transfer,
) -> Result<Option<Chunk>, ImapError> {
    if !still_names(imap, message).await? {
        return Ok(None);
    }
    let section = path.map(PartPath::to_string).unwrap_or_default();
    let verb = match transfer {
        Transfer::Stored => "BODY",
        Transfer::Decoded => "BINARY",
    };
    let items = format!("(UID {verb}.PEEK[{section}]<{offset}.{len}>)");
    imap.expect(Purpose::Chunk(len));
    Ok(uid_fetch(imap, message.uid(), &items)
        .await?
        .map(|fetch| Chunk {
            fetch,
            section: path.map(section_path),
        }))
}

/// The first chunk of a part, decoded by the server when it can (BINARY) and `wanted`,
/// else as stored; says which it got, for the chunks that follow.
pub async fn first_chunk(
    imap: &mut Connection,
    message: &MessageRef,
    path: &PartPath,
    len: u32,
    wanted: Transfer,
) -> Result<Option<(Chunk, Transfer)>, ImapError> {
    if wanted == Transfer::Decoded && imap.caps.has("BINARY") {
        match section_chunk(imap, message, Some(path), 0, len, Transfer::Decoded).await {
            Ok(chunk) => return Ok(chunk.map(|c| (c, Transfer::Decoded))),
            // [UNKNOWN-CTE]: an encoding the server cannot undo. Fetch it as stored.
            Err(ImapError::No(_)) => {}
            Err(e) => return Err(e),
        }
    }
    let chunk = section_chunk(imap, message, Some(path), 0, len, Transfer::Stored).await?;
    Ok(chunk.map(|c| (c, Transfer::Stored)))
}

/// SELECTs the mailbox of `message` unless it is selected already; says whether the mailbox
/// still has the UIDVALIDITY the reference was made under (else its UID names nothing).
pub(super) async fn still_names(
    imap: &mut Connection,
    message: &MessageRef,
) -> Result<bool, ImapError> {
    Ok(ensure_selected(imap, &message.mailbox().wire()).await? == message.uid_validity())
}

/// One `UID FETCH` of one message of the selected mailbox; `None` when the server has no
/// such UID. A UID the session has not been told of yet (mail that arrived since the list
/// was shown, a link from another tab or instance) answers nothing until the view is brought
/// up to date: so before saying a message is gone, ask what changed, and look again if mail
/// arrived.
pub(super) async fn uid_fetch(
    imap: &mut Connection,
    uid: u32,
    items: &str,
) -> Result<Option<Fetch>, ImapError> {
    if let Some(found) = uid_fetch_once(imap, uid, items).await? {
        return Ok(Some(found));
    }
    if refresh(imap).await? {
        return uid_fetch_once(imap, uid, items).await;
    }
    Ok(None)
}

async fn uid_fetch_once(
    imap: &mut Connection,
    uid: u32,
    items: &str,
) -> Result<Option<Fetch>, ImapError> {
    let fetches: Vec<Fetch> = imap
        .session
        .uid_fetch(uid.to_string(), items)
        .await?
        .try_collect()
        .await?;
    Ok(fetches.into_iter().find(|f| f.uid == Some(uid)))
}
