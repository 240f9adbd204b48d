//! Changing messages: flags, moves, deletes, emptying a folder. Every action on a selection
//! is one IMAP command over a compact UID set, whatever its size, and always names UIDs —
//! never sequence numbers, which shift under another client's feet.
//!
//! Moves use MOVE (RFC 6851) where the server has it; otherwise COPY, `\Deleted` and
//! `UID EXPUNGE` (UIDPLUS) of exactly those messages. A server with neither is never sent a
//! plain EXPUNGE that could also remove what another client marked `\Deleted`: the moved
//! originals are only expunged when nothing else in the folder is marked, else left marked.

use async_imap::error::Error as ImapError;
use async_imap::imap_proto::Response;
use futures::TryStreamExt;

use super::connection::Connection;
use super::purpose::Purpose;
use super::sync::sync;
pub use super::uid_set::UidSet;

/// A flag a person sets or clears.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlagChange {
    Seen(bool),
    Flagged(bool),
}

/// Why an action did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    /// The folder was renumbered (UIDVALIDITY changed) since the page was shown: the UIDs
    /// on that page may now name other messages, so nothing was done.
    #[error("the folder changed since the page was shown")]
    Renumbered,
    #[error(transparent)]
    Imap(#[from] ImapError),
}

/// Brings `wire` up to date as the selected mailbox (actions must see the folder as it is,
/// including messages another client or instance showed the person) and checks that it
/// still has the UIDVALIDITY the page was made with, when the page said.
async fn open(imap: &mut Connection, wire: &str, validity: Option<u32>) -> Result<(), ActionError> {
    sync(imap, wire).await?;
    let now = imap.selected.as_ref().map(|s| s.uid_validity);
    match validity {
        Some(expected) if now != Some(expected) => Err(ActionError::Renumbered),
        _ => Ok(()),
    }
}

async fn uid_store(imap: &mut Connection, uids: &UidSet, change: &str) -> Result<(), ImapError> {
    imap.session
        .uid_store(uids.to_string(), change)
        .await?
        .try_collect::<Vec<_>>()
        .await?;
    Ok(())
}

/// Sets or clears `\Seen` or `\Flagged` on `uids` of `wire`.
pub async fn set_flag(
    imap: &mut Connection,
    wire: &str,
    validity: Option<u32>,
    uids: &UidSet,
    change: FlagChange,
) -> Result<(), ActionError> {
    open(imap, wire, validity).await?;
    let item = match change {
        FlagChange::Seen(true) => "+FLAGS.SILENT (\\Seen)",
        FlagChange::Seen(false) => "-FLAGS.SILENT (\\Seen)",
        FlagChange::Flagged(true) => "+FLAGS.SILENT (\\Flagged)",
        FlagChange::Flagged(false) => "-FLAGS.SILENT (\\Flagged)",
    };
    uid_store(imap, uids, item).await?;
    Ok(())
}

/// Moves `uids` from `wire` to `target` (both wire names).
pub async fn move_to(
    imap: &mut Connection,
    wire: &str,
    validity: Option<u32>,
    uids: &UidSet,
    target: &str,
) -> Result<(), ActionError> {
    open(imap, wire, validity).await?;
    if imap.caps.has("MOVE") {
        imap.session.uid_mv(uids.to_string(), target).await?;
        return Ok(());
    }
    imap.session.uid_copy(uids.to_string(), target).await?;
    remove(imap, uids).await?;
    Ok(())
}

/// Deletes `uids` of `wire` for good.
pub async fn delete_forever(
    imap: &mut Connection,
    wire: &str,
    validity: Option<u32>,
    uids: &UidSet,
) -> Result<(), ActionError> {
    open(imap, wire, validity).await?;
    remove(imap, uids).await?;
    Ok(())
}

/// Marks `uids` of the selected folder `\Deleted` and expunges exactly them: with UIDPLUS by
/// UID; without it, only when no other message is marked (else they stay marked, hidden
/// from nobody, rather than take another client's marked mail with them).
async fn remove(imap: &mut Connection, uids: &UidSet) -> Result<(), ImapError> {
    uid_store(imap, uids, "+FLAGS.SILENT (\\Deleted)").await?;
    if imap.caps.has("UIDPLUS") {
        return expunge(imap, Some(uids)).await;
    }
    imap.expect(Purpose::Uids);
    let marked = imap.session.uid_search("DELETED").await?;
    if marked.iter().all(|&uid| uids.contains(uid)) {
        expunge(imap, None).await?;
    } else {
        tracing::info!(
            "not expunging: another client marked messages \\Deleted and the server has no UIDPLUS"
        );
    }
    Ok(())
}

/// Deletes everything in `wire` (emptying Trash or Junk). Messages arriving meanwhile are
/// not marked, so they stay.
pub async fn empty(imap: &mut Connection, wire: &str) -> Result<u32, ActionError> {
    let count = sync(imap, wire).await?;
    if count > 0 {
        uid_store(imap, &UidSet::All, "+FLAGS.SILENT (\\Deleted)").await?;
        expunge(imap, None).await?;
    }
    Ok(count)
}

/// EXPUNGE, or UID EXPUNGE of `uids`, telling the view of the selected folder of each
/// message gone: async-imap hands the EXPUNGE answers to the caller instead of queueing
/// them, and the next NOOP does not report them again.
async fn expunge(imap: &mut Connection, uids: Option<&UidSet>) -> Result<(), ImapError> {
    let gone: Vec<u32> = match uids {
        Some(uids) => {
            imap.session
                .uid_expunge(uids.to_string())
                .await?
                .try_collect()
                .await?
        }
        None => imap.session.expunge().await?.try_collect().await?,
    };
    for sequence in gone {
        imap.note(&Response::Expunge(sequence));
    }
    Ok(())
}

/// Creates a folder (and subscribes it, so mail programs that list subscribed folders show
/// it too).
pub async fn create_folder(imap: &mut Connection, wire: &str) -> Result<(), ImapError> {
    imap.session.create(wire).await?;
    imap.session.subscribe(wire).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::imap::fake_server::fake_server;
    use crate::imap::sync::sync;

    #[tokio::test]
    async fn messages_posta_expunges_leave_the_next_page_counting_right() {
        let (mut imap, _) = fake_server(|tag, command| {
            let untagged = match command {
                c if c.starts_with("SELECT") => "* 10 EXISTS\r\n* OK [UIDVALIDITY 7] v\r\n",
                c if c.starts_with("UID EXPUNGE") => "* 3 EXPUNGE\r\n* 3 EXPUNGE\r\n",
                c if c.starts_with("EXPUNGE") => "* 1 EXPUNGE\r\n",
                _ => "",
            };
            format!("{untagged}{tag} OK done\r\n")
        })
        .await;
        imap.caps = crate::imap::Capabilities::of(&["UIDPLUS"]);

        delete_forever(&mut imap, "INBOX", Some(7), &UidSet::Some(vec![3, 4]))
            .await
            .unwrap();
        assert_eq!(sync(&mut imap, "INBOX").await.unwrap(), 8);
        empty(&mut imap, "INBOX").await.unwrap();
        assert_eq!(sync(&mut imap, "INBOX").await.unwrap(), 7);
    }
}
