//! One page of a mailbox, newest first, in a single FETCH: the page is a window of sequence
//! numbers counted from the end, so a million-message folder pages as fast as a small one.

use std::collections::HashMap;

use async_imap::error::Error as ImapError;
use async_imap::types::{Fetch, Flag};
use chrono::{DateTime, FixedOffset};
use futures::TryStreamExt;

use super::body_structure::{address_parts, to_part};
use super::connection::Connection;
use super::purpose::Purpose;
use super::sync::sync;
use super::uid_set::UidSet;
use crate::message::headers::decode_words;
use crate::message::structure;

/// How many messages a page shows.
pub const PAGE_SIZE: u32 = 50;

/// A message as one line of the list.
#[derive(Clone, Debug)]
pub struct Summary {
    pub uid: u32,
    pub from_name: String,
    pub from_address: String,
    pub subject: String,
    pub date: Option<DateTime<FixedOffset>>,
    pub size: u32,
    pub seen: bool,
    pub flagged: bool,
    pub answered: bool,
    pub has_attachments: bool,
    /// The folder it is in (decoded name), when a list spans folders.
    pub folder: Option<String>,
    /// How deep in its conversation (0: first message, or not threaded).
    pub depth: u32,
    /// Messages in the conversation it starts, on the first line of one shown threaded.
    pub thread_size: u32,
}

/// A page of a mailbox.
#[derive(Clone, Debug)]
pub struct Page {
    /// 1-based page number, clamped to the pages that exist.
    pub number: u32,
    pub count: u32,
    /// Messages in the mailbox, or found by a search.
    pub total: u32,
    /// The mailbox's UIDVALIDITY when the page was made: actions on its UIDs carry it, so
    /// they are refused if the folder was renumbered in between.
    pub uid_validity: u32,
    /// Messages on the pages before this one (pages of conversations vary in length).
    pub offset: u32,
    pub messages: Vec<Summary>,
}

impl Page {
    /// 1-based positions of the first and last message shown, counted from the newest.
    pub fn range(&self) -> (u32, u32) {
        if self.messages.is_empty() {
            return (0, 0);
        }
        let first = self.offset + 1;
        (first, first + self.messages.len() as u32 - 1)
    }
}

/// Sequence numbers `(low, high)` of page `number` (1-based, newest first) among `total`.
pub fn window(total: u32, number: u32) -> Option<(u32, u32)> {
    let skip = (number.max(1) - 1).checked_mul(PAGE_SIZE)?;
    if skip >= total {
        return None;
    }
    let high = total - skip;
    Some((high.saturating_sub(PAGE_SIZE - 1).max(1), high))
}

/// Like [`window`], counting from the oldest.
pub fn window_from_oldest(total: u32, number: u32) -> Option<(u32, u32)> {
    let (low, high) = window(total, number)?;
    Some((total + 1 - high, total + 1 - low))
}

pub fn page_count(total: u32) -> u32 {
    total.div_ceil(PAGE_SIZE).max(1)
}

/// Fetches page `number` of `wire_name`, newest first.
pub async fn page(imap: &mut Connection, wire_name: &str, number: u32) -> Result<Page, ImapError> {
    let total = sync(imap, wire_name).await?;
    let (page, _) = arrival_page(imap, total, number, true, "").await?;
    Ok(page)
}

/// Page `number` of the selected mailbox (holding `total`) in arrival order, newest first
/// when `newest_first`: a window of sequence numbers, so no folder is too big to page.
/// Returns the fetches too, for callers that asked for `extra` items.
pub async fn arrival_page(
    imap: &mut Connection,
    total: u32,
    number: u32,
    newest_first: bool,
    extra: &str,
) -> Result<(Page, Vec<Fetch>), ImapError> {
    let uid_validity = imap.selected.as_ref().map_or(0, |s| s.uid_validity);
    let count = page_count(total);
    let number = number.clamp(1, count);
    let mut page = Page {
        number,
        count,
        total,
        uid_validity,
        offset: (number - 1) * PAGE_SIZE,
        messages: Vec::new(),
    };
    let range = if newest_first {
        window(total, number)
    } else {
        window_from_oldest(total, number)
    };
    let Some((low, high)) = range else {
        return Ok((page, Vec::new()));
    };
    imap.expect(Purpose::Page);
    let mut fetches: Vec<Fetch> = imap
        .session
        .fetch(format!("{low}:{high}"), list_items(extra))
        .await?
        .try_collect()
        .await?;
    fetches.sort_by_key(|f| f.message);
    if newest_first {
        fetches.reverse();
    }
    let (messages, fetches) = fetches
        .into_iter()
        .filter_map(|f| Some((summarize(&f)?, f)))
        .unzip();
    page.messages = messages;
    Ok((page, fetches))
}

/// What the list fetches for each message it shows.
pub const LIST_ITEMS: &str = "(UID FLAGS ENVELOPE INTERNALDATE RFC822.SIZE BODYSTRUCTURE)";

/// [`LIST_ITEMS`] and `extra` items.
fn list_items(extra: &str) -> String {
    match LIST_ITEMS.strip_suffix(')') {
        Some(items) if !extra.is_empty() => format!("{items} {extra})"),
        _ => LIST_ITEMS.to_owned(),
    }
}

/// The list lines of `uids` in the selected mailbox, in the order given; messages gone in
/// the meantime are left out. `extra` adds fetch items (inside the parentheses).
pub async fn fetch_uids(
    imap: &mut Connection,
    uids: &[u32],
    extra: &str,
) -> Result<Vec<(Summary, Fetch)>, ImapError> {
    if uids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sorted = uids.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    imap.expect(Purpose::Page);
    let fetches: Vec<Fetch> = imap
        .session
        .uid_fetch(UidSet::Some(sorted).to_string(), list_items(extra))
        .await?
        .try_collect()
        .await?;
    let mut by_uid: HashMap<u32, (Summary, Fetch)> = fetches
        .into_iter()
        .filter_map(|f| Some((f.uid?, (summarize(&f)?, f))))
        .collect();
    Ok(uids.iter().filter_map(|u| by_uid.remove(u)).collect())
}

fn summarize(fetch: &Fetch) -> Option<Summary> {
    let uid = fetch.uid?;
    let envelope = fetch.envelope();
    let (from_name, from_address) = envelope
        .and_then(|e| e.from.as_ref())
        .and_then(|list| list.first())
        .map(address_parts)
        .unwrap_or_default();
    let subject = envelope
        .and_then(|e| e.subject.as_deref())
        .map(decode_words)
        .unwrap_or_default();
    let mut summary = Summary {
        uid,
        from_name,
        from_address,
        subject,
        date: fetch.internal_date(),
        size: fetch.size.unwrap_or(0),
        seen: false,
        flagged: false,
        answered: false,
        has_attachments: fetch
            .bodystructure()
            .is_some_and(|b| structure::has_attachments(&to_part(b))),
        folder: None,
        depth: 0,
        thread_size: 0,
    };
    for flag in fetch.flags() {
        match flag {
            Flag::Seen => summary.seen = true,
            Flag::Flagged => summary.flagged = true,
            Flag::Answered => summary.answered = true,
            _ => {}
        }
    }
    Some(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_page_is_the_newest_fifty() {
        assert_eq!(window(10_000, 1), Some((9_951, 10_000)));
        assert_eq!(window(10_000, 2), Some((9_901, 9_950)));
        assert_eq!(window(10_000, 200), Some((1, 50)));
        assert_eq!(window(10_000, 201), None);
    }

    #[test]
    fn a_short_last_page_starts_at_one() {
        assert_eq!(window(120, 3), Some((1, 20)));
        assert_eq!(window(0, 1), None);
        assert_eq!(page_count(120), 3);
        assert_eq!(page_count(0), 1);
    }

    #[test]
    fn oldest_first_windows_count_from_the_start() {
        assert_eq!(window_from_oldest(120, 1), Some((1, 50)));
        assert_eq!(window_from_oldest(120, 3), Some((101, 120)));
        assert_eq!(window_from_oldest(120, 4), None);
        assert_eq!(
            list_items("X"),
            "(UID FLAGS ENVELOPE INTERNALDATE RFC822.SIZE BODYSTRUCTURE X)"
        );
    }

    #[test]
    fn absurd_page_numbers_do_not_overflow() {
        assert_eq!(window(10, u32::MAX), None);
    }
}
