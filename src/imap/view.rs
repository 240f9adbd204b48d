//! What the message list shows beyond a folder's newest-first pages: search results, other
//! orders, conversations, and search results from every folder.
//!
//! A folder in arrival order without a search still pages by sequence-number windows
//! (see [`listing`]); everything else first gets the ordered UIDs of the whole result from
//! the server (SEARCH, SORT or THREAD, one command), then fetches one page of them.

use std::collections::{HashMap, HashSet};

use async_imap::error::Error as ImapError;
use async_imap::types::Fetch;
use futures::TryStreamExt;

use super::connection::Connection;
use super::listing::{self, PAGE_SIZE, Page, Summary, page_count};
use super::purpose::Purpose;
use super::search::{self, Criteria};
use super::sort::{self, Order, SortValue, Sorted};
use super::sync::sync;
use super::threads::{self, Conversation, Links};
use super::uid_set::UidSet;

/// Most results taken from one folder when searching all of them (its newest): ordering
/// across folders fetches a sort key for each result.
pub const PER_FOLDER_CAP: usize = 5_000;

/// The fetch item that gives the page-only grouping what ENVELOPE lacks.
const REFERENCES: &str = "BODY.PEEK[HEADER.FIELDS (REFERENCES)]";

/// How the list is asked for.
#[derive(Clone, Debug, Default)]
pub struct ListRequest {
    /// `None`: the whole folder.
    pub criteria: Option<Criteria>,
    pub order: Order,
    /// Conversations instead of single messages.
    pub threads: bool,
}

/// Something the page should tell the person about how it was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Note {
    /// The server cannot sort and there were too many messages to sort here: arrival order.
    NotSorted,
    /// The server cannot thread: conversations are grouped within each page only.
    ThreadsOnPage,
    /// Searching all folders found more than [`PER_FOLDER_CAP`] in some folder.
    ResultsCut,
}

/// A folder to search, by wire name and by the name its messages' URLs carry.
#[derive(Clone, Debug)]
pub struct FolderRef {
    pub wire: String,
    pub name: String,
}

pub struct Listing {
    pub page: Page,
    pub notes: Vec<Note>,
}

impl Listing {
    /// Nothing, for a search that could not be run.
    pub fn empty() -> Listing {
        Listing {
            page: Page {
                number: 1,
                count: 1,
                total: 0,
                uid_validity: 0,
                offset: 0,
                messages: Vec::new(),
            },
            notes: Vec::new(),
        }
    }
}

/// Wire names of the folders the person subscribes to (LSUB).
pub async fn subscribed(imap: &mut Connection) -> Result<HashSet<String>, ImapError> {
    imap.session
        .lsub(Some(""), Some("*"))
        .await?
        .map_ok(|n| n.name().to_owned())
        .try_collect()
        .await
}

/// Page `number` of folder `wire` as `view` asks.
pub async fn folder_page(
    imap: &mut Connection,
    wire: &str,
    view: &ListRequest,
    number: u32,
) -> Result<Listing, ImapError> {
    let exists = sync(imap, wire).await?;
    let mut notes = Vec::new();
    if view.threads {
        if let Some(algorithm) = threads::algorithm(imap) {
            let conversations =
                threads::server_threads(imap, algorithm, view.criteria.as_ref()).await?;
            let page = conversation_page(imap, &conversations, number).await?;
            return Ok(Listing { page, notes });
        }
        notes.push(Note::ThreadsOnPage);
    }
    let extra = if view.threads { REFERENCES } else { "" };
    let mut newest_first = view.order.descending;
    let ordered = match (&view.criteria, view.order) {
        (None, order) if order.is_arrival() => None,
        (Some(criteria), order) if order.is_arrival() => {
            Some(in_arrival_order(imap, criteria, order.descending).await?)
        }
        (criteria, order) => match sort::sorted_uids(imap, criteria.as_ref(), order, exists).await?
        {
            Sorted::Uids(uids) => Some(uids),
            Sorted::TooMany => {
                notes.push(Note::NotSorted);
                newest_first = true;
                match criteria {
                    Some(criteria) => Some(in_arrival_order(imap, criteria, true).await?),
                    None => None,
                }
            }
        },
    };
    let (mut page, fetches) = match ordered {
        None => listing::arrival_page(imap, exists, number, newest_first, extra).await?,
        Some(uids) => uid_page(imap, &uids, number, extra).await?,
    };
    if view.threads {
        group_on_page(&mut page, &fetches);
    }
    Ok(Listing { page, notes })
}

async fn in_arrival_order(
    imap: &mut Connection,
    criteria: &Criteria,
    newest_first: bool,
) -> Result<Vec<u32>, ImapError> {
    // UIDs ascend with arrival in every mailbox.
    let mut uids = search::uids(imap, criteria).await?;
    if newest_first {
        uids.reverse();
    }
    Ok(uids)
}

fn empty_page(imap: &Connection, number: u32, count: u32, total: u32, offset: u32) -> Page {
    Page {
        number,
        count,
        total,
        uid_validity: imap.selected.as_ref().map_or(0, |s| s.uid_validity),
        offset,
        messages: Vec::new(),
    }
}

/// Page `number` of `uids` (already in order) of the selected mailbox.
async fn uid_page(
    imap: &mut Connection,
    uids: &[u32],
    number: u32,
    extra: &str,
) -> Result<(Page, Vec<Fetch>), ImapError> {
    let total = uids.len() as u32;
    let count = page_count(total);
    let number = number.clamp(1, count);
    let offset = (number - 1) * PAGE_SIZE;
    let mut page = empty_page(imap, number, count, total, offset);
    let end = uids.len().min((offset + PAGE_SIZE) as usize);
    let slice = uids.get(offset as usize..end).unwrap_or_default();
    let (messages, fetches) = listing::fetch_uids(imap, slice, extra)
        .await?
        .into_iter()
        .unzip();
    page.messages = messages;
    Ok((page, fetches))
}

/// Page `number` of the server's conversations: whole conversations, about a page long.
async fn conversation_page(
    imap: &mut Connection,
    conversations: &[Conversation],
    number: u32,
) -> Result<Page, ImapError> {
    let total: usize = conversations.iter().map(|c| c.lines.len()).sum();
    let pages = threads::pages(conversations, PAGE_SIZE as usize);
    let count = (pages.len() as u32).max(1);
    let number = number.clamp(1, count);
    let range = pages.get(number as usize - 1).cloned().unwrap_or(0..0);
    let offset: usize = conversations[..range.start]
        .iter()
        .map(|c| c.lines.len())
        .sum();
    let mut page = empty_page(imap, number, count, total as u32, offset as u32);
    let shown = &conversations[range];
    let uids: Vec<u32> = shown.iter().flat_map(|c| &c.lines).map(|l| l.uid).collect();
    let mut by_uid: HashMap<u32, Summary> = listing::fetch_uids(imap, &uids, "")
        .await?
        .into_iter()
        .map(|(s, _)| (s.uid, s))
        .collect();
    page.messages = place(shown, &mut by_uid);
    Ok(page)
}

/// The summaries of `conversations` in their order, with depth and conversation size.
fn place(conversations: &[Conversation], by_uid: &mut HashMap<u32, Summary>) -> Vec<Summary> {
    let mut out = Vec::new();
    for conversation in conversations {
        let size = conversation.lines.len() as u32;
        for (i, line) in conversation.lines.iter().enumerate() {
            if let Some(mut summary) = by_uid.remove(&line.uid) {
                summary.depth = line.depth;
                summary.thread_size = if i == 0 { size } else { 0 };
                out.push(summary);
            }
        }
    }
    out
}

/// Regroups a page's messages into the conversations they form on it.
fn group_on_page(page: &mut Page, fetches: &[Fetch]) {
    let links: Vec<Links> = fetches
        .iter()
        .filter_map(|f| {
            let envelope = f.envelope();
            let ids = |raw: Option<&[u8]>| {
                raw.map(|r| threads::message_ids(&String::from_utf8_lossy(r)))
                    .unwrap_or_default()
            };
            let mut parents = ids(envelope.and_then(|e| e.in_reply_to.as_deref()));
            parents.extend(
                f.header()
                    .map(|h| String::from_utf8_lossy(h).into_owned())
                    .map(|h| threads::message_ids(&h))
                    .unwrap_or_default()
                    .into_iter()
                    .rev(),
            );
            Some(Links {
                uid: f.uid?,
                id: ids(envelope.and_then(|e| e.message_id.as_deref()))
                    .into_iter()
                    .next(),
                parents,
            })
        })
        .collect();
    let conversations = threads::group_page(&links);
    let mut by_uid: HashMap<u32, Summary> = std::mem::take(&mut page.messages)
        .into_iter()
        .map(|s| (s.uid, s))
        .collect();
    page.messages = place(&conversations, &mut by_uid);
}

/// Page `number` of what `criteria` finds in all `folders`, in `order` across them.
pub async fn everywhere_page(
    imap: &mut Connection,
    folders: &[FolderRef],
    criteria: &Criteria,
    order: Order,
    number: u32,
) -> Result<Listing, ImapError> {
    // EXAMINE, not SELECT: searching must not change anything (\Recent) in other folders.
    // The connection is left with no folder known selected, so the next view SELECTs.
    imap.selected = None;
    let mut notes = Vec::new();
    let mut hits: Vec<(SortValue, (usize, u32))> = Vec::new();
    for (i, folder) in folders.iter().enumerate() {
        match imap.session.examine(&folder.wire).await {
            Ok(_) => {}
            // Deleted by another client since the folder list was read.
            Err(ImapError::No(_)) => continue,
            Err(e) => return Err(e),
        }
        let mut uids = search::uids(imap, criteria).await?;
        if uids.len() > PER_FOLDER_CAP {
            uids.drain(..uids.len() - PER_FOLDER_CAP);
            notes.push(Note::ResultsCut);
        }
        if uids.is_empty() {
            continue;
        }
        imap.expect(Purpose::SortKeys);
        let fetches: Vec<Fetch> = imap
            .session
            .uid_fetch(UidSet::Some(uids).to_string(), order.key.fetch_items())
            .await?
            .try_collect()
            .await?;
        hits.extend(
            fetches
                .iter()
                .filter_map(|f| Some((sort::sort_value(f, order.key), (i, f.uid?)))),
        );
    }
    notes.dedup();
    sort::sort_keyed(&mut hits, order.descending);

    let total = hits.len() as u32;
    let count = page_count(total);
    let number = number.clamp(1, count);
    let offset = (number - 1) * PAGE_SIZE;
    let mut page = empty_page(imap, number, count, total, offset);
    let end = hits.len().min((offset + PAGE_SIZE) as usize);
    let shown: Vec<(usize, u32)> = hits[offset as usize..end]
        .iter()
        .map(|(_, at)| *at)
        .collect();
    let mut found: HashMap<(usize, u32), Summary> = HashMap::new();
    for (i, folder) in folders.iter().enumerate() {
        let uids: Vec<u32> = shown
            .iter()
            .filter(|(f, _)| *f == i)
            .map(|(_, u)| *u)
            .collect();
        if uids.is_empty() {
            continue;
        }
        imap.session.examine(&folder.wire).await?;
        for (mut summary, _) in listing::fetch_uids(imap, &uids, "").await? {
            summary.folder = Some(folder.name.clone());
            found.insert((i, summary.uid), summary);
        }
    }
    page.messages = shown.iter().filter_map(|at| found.remove(at)).collect();
    Ok(Listing { page, notes })
}
