//! What writing mail asks of the IMAP server: APPEND to Sent and Drafts (and finding the
//! appended message's UID), marking an original \Answered or $Forwarded, fetching a whole
//! message or one decoded part to forward or resume, and the addresses of recent mail.

use async_imap::error::Error as ImapError;
use async_imap::types::Fetch;
use futures::TryStreamExt;

use super::MessageRef;
use super::body_structure::address_parts;
use super::connection::Connection;
use super::purpose::Purpose;
use super::reading::{still_names, uid_fetch};
use super::sync::{ensure_selected, sync};
use crate::message::headers::Person;
use crate::message::structure::Part;
use crate::message::transfer;

/// APPENDs `message` to `wire` with `flags` (e.g. `(\Seen)`) and returns its UID, found by
/// its Message-ID (which Posta made, so it is plain ASCII and unique).
pub async fn append(
    imap: &mut Connection,
    wire: &str,
    flags: &str,
    message: &[u8],
    message_id: &str,
) -> Result<Option<u32>, ImapError> {
    imap.session
        .append(wire, Some(flags), None, message)
        .await?;
    // The new message must be in the view the search sees.
    sync(imap, wire).await?;
    let id = message_id.trim_matches(['<', '>']);
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_graphic() && c != '"' && c != '\\')
    {
        return Ok(None);
    }
    let uids = imap
        .session
        .uid_search(format!("HEADER Message-ID \"{id}\""))
        .await?;
    Ok(uids.into_iter().max())
}

/// Adds `flag` (`\Answered`, `$Forwarded`) to `message` if its UID still names it. A server
/// that refuses the keyword costs only the mark.
pub async fn mark(
    imap: &mut Connection,
    message: &MessageRef,
    flag: &str,
) -> Result<(), ImapError> {
    if !still_names(imap, message).await? {
        return Ok(());
    }
    match imap
        .session
        .uid_store(message.uid().to_string(), format!("+FLAGS.SILENT ({flag})"))
        .await
    {
        Ok(stream) => {
            stream.try_collect::<Vec<_>>().await?;
        }
        Err(ImapError::No(text)) => tracing::info!(flag, text, "server refused the flag"),
        Err(e) => return Err(e),
    }
    Ok(())
}

/// A whole message as fetched for forwarding or resuming.
pub enum Whole {
    Missing,
    /// Larger than the limit asked for (its size in bytes).
    TooLarge(u64),
    Raw(Vec<u8>),
}

/// The raw message `uid` of `wire`, if it is at most `limit` bytes.
pub async fn whole_message(
    imap: &mut Connection,
    wire: &str,
    uid: u32,
    limit: u64,
) -> Result<Whole, ImapError> {
    ensure_selected(imap, wire).await?;
    let Some(sized) = uid_fetch(imap, uid, "(UID RFC822.SIZE)").await? else {
        return Ok(Whole::Missing);
    };
    let size = u64::from(sized.size.unwrap_or(0));
    if size > limit {
        return Ok(Whole::TooLarge(size));
    }
    imap.expect(Purpose::Whole(limit));
    let Some(fetch) = uid_fetch(imap, uid, "(UID BODY.PEEK[])").await? else {
        return Ok(Whole::Missing);
    };
    Ok(Whole::Raw(fetch.body().unwrap_or_default().to_vec()))
}

/// One part of `message`, transfer encoding undone (the bytes of the file).
pub async fn part_bytes(
    imap: &mut Connection,
    message: &MessageRef,
    part: &Part,
) -> Result<Option<Vec<u8>>, ImapError> {
    if !still_names(imap, message).await? {
        return Ok(None);
    }
    let items = format!("(UID BODY.PEEK[{}])", part.path);
    // As large as its structure says (which the caller checked against what it can take),
    // with room for servers that count loosely.
    let octets = u64::from(part.octets);
    imap.expect(Purpose::Whole(octets + octets / 8 + 64 * 1024));
    let Some(fetch) = uid_fetch(imap, message.uid(), &items).await? else {
        return Ok(None);
    };
    let section = async_imap::imap_proto::SectionPath::Part(part.path.numbers().to_vec(), None);
    let raw = fetch.section(&section).unwrap_or_default();
    Ok(Some(transfer::decode_all(part.encoding, raw)))
}

/// The people in From, To and Cc of the newest `count` messages of `wire`, newest first.
pub async fn recent_people(
    imap: &mut Connection,
    wire: &str,
    count: u32,
) -> Result<Vec<Person>, ImapError> {
    let exists = sync(imap, wire).await?;
    if exists == 0 {
        return Ok(Vec::new());
    }
    let low = exists.saturating_sub(count.saturating_sub(1)).max(1);
    let mut fetches: Vec<Fetch> = imap
        .session
        .fetch(format!("{low}:{exists}"), "(ENVELOPE)")
        .await?
        .try_collect()
        .await?;
    fetches.sort_by_key(|f| std::cmp::Reverse(f.message));
    let mut people = Vec::new();
    for fetch in &fetches {
        let Some(envelope) = fetch.envelope() else {
            continue;
        };
        for list in [&envelope.from, &envelope.to, &envelope.cc] {
            for address in list.iter().flatten() {
                let (name, address) = address_parts(address);
                if address.contains('@') {
                    people.push(Person { name, address });
                }
            }
        }
    }
    Ok(people)
}
