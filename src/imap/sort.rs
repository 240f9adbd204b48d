//! The orders a list can be in, and getting UIDs in that order: `UID SORT` (RFC 5256) when
//! the server has SORT, else the sort keys fetched and compared here, with RFC 5256's rules
//! (FROM is the first sender's mailbox part, SUBJECT the base subject without `Re:`/`Fwd:`,
//! DATE the sent date in UTC, ties in mailbox order), so both paths give the same order.

use std::cmp::Ordering;

use async_imap::error::Error as ImapError;
use async_imap::imap_proto::{MailboxDatum, Response};
use async_imap::types::Fetch;
use futures::TryStreamExt;

use super::command::{self, Command};
use super::connection::Connection;
use super::purpose::Purpose;
use super::search::{self, Criteria};
use super::uid_set::UidSet;
use crate::message::headers::decode_words;

/// Most messages the fallback sorts. Without SORT, ordering a folder means fetching the key of
/// every message in it (an ENVELOPE is a few hundred bytes: 10,000 messages are about 3 MB
/// read and parsed per page view). Larger folders or results keep arrival order instead, and
/// the page says so.
pub const FALLBACK_CAP: usize = 10_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortKey {
    /// When the message was sent (its Date header; the arrival time when it has none).
    Date,
    /// When the message arrived in the mailbox (INTERNALDATE): the folder's own order.
    Arrival,
    From,
    Subject,
    Size,
}

impl SortKey {
    /// The RFC 5256 sort criterion.
    fn criterion(self) -> &'static str {
        match self {
            SortKey::Date => "DATE",
            SortKey::Arrival => "ARRIVAL",
            SortKey::From => "FROM",
            SortKey::Subject => "SUBJECT",
            SortKey::Size => "SIZE",
        }
    }

    /// What to fetch to compare messages by this key here.
    pub fn fetch_items(self) -> &'static str {
        match self {
            SortKey::Date => "(UID ENVELOPE INTERNALDATE)",
            SortKey::Arrival => "(UID INTERNALDATE)",
            SortKey::From | SortKey::Subject => "(UID ENVELOPE)",
            SortKey::Size => "(UID RFC822.SIZE)",
        }
    }
}

/// A key and a direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Order {
    pub key: SortKey,
    /// Largest, newest or last in the alphabet first.
    pub descending: bool,
}

impl Default for Order {
    /// Newest arrival first: the folder's own order read backwards, which pages without
    /// asking the server to sort anything.
    fn default() -> Self {
        Order {
            key: SortKey::Arrival,
            descending: true,
        }
    }
}

impl Order {
    /// Whether this is the folder's own order, either way round: no sorting needed.
    pub fn is_arrival(self) -> bool {
        self.key == SortKey::Arrival
    }

    /// `(REVERSE DATE)`.
    fn program(self) -> String {
        if self.descending {
            format!("(REVERSE {})", self.key.criterion())
        } else {
            format!("({})", self.key.criterion())
        }
    }
}

/// UIDs of the selected mailbox in an order.
#[derive(Debug)]
pub enum Sorted {
    Uids(Vec<u32>),
    /// Too many messages for the fallback: see [`FALLBACK_CAP`].
    TooMany,
}

/// The UIDs matching `criteria` (or all, with `None`) in `order`. `exists` is the mailbox's
/// size from SELECT.
pub async fn sorted_uids(
    imap: &mut Connection,
    criteria: Option<&Criteria>,
    order: Order,
    exists: u32,
) -> Result<Sorted, ImapError> {
    if imap.caps.has("SORT") {
        let mut sort = Command::new("UID SORT");
        sort.syntax(&order.program()).syntax("UTF-8");
        sort.append(&criteria.cloned().unwrap_or_default().keys());
        let mut uids = Vec::new();
        imap.expect(Purpose::Uids);
        command::run_on(imap, &sort, |response| {
            if let Response::MailboxData(MailboxDatum::Sort(found)) = response {
                uids.extend(found);
            }
        })
        .await?;
        return Ok(Sorted::Uids(uids));
    }
    let set = match criteria {
        Some(criteria) => {
            let uids = search::uids(imap, criteria).await?;
            if uids.is_empty() {
                return Ok(Sorted::Uids(uids));
            }
            if uids.len() > FALLBACK_CAP {
                return Ok(Sorted::TooMany);
            }
            UidSet::Some(uids)
        }
        None if exists as usize > FALLBACK_CAP => return Ok(Sorted::TooMany),
        None if exists == 0 => return Ok(Sorted::Uids(Vec::new())),
        None => UidSet::All,
    };
    imap.expect(Purpose::SortKeys);
    let fetches: Vec<Fetch> = imap
        .session
        .uid_fetch(set.to_string(), order.key.fetch_items())
        .await?
        .try_collect()
        .await?;
    let mut keyed: Vec<(SortValue, u32)> = fetches
        .iter()
        .filter_map(|f| Some((sort_value(f, order.key), f.uid?)))
        .collect();
    sort_keyed(&mut keyed, order.descending);
    Ok(Sorted::Uids(
        keyed.into_iter().map(|(_, uid)| uid).collect(),
    ))
}

/// A message's value for one sort key, as RFC 5256 compares it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SortValue {
    /// Seconds since the epoch, or a size.
    Number(i64),
    /// Case-folded text.
    Text(String),
}

/// The value `fetch` (made with the key's fetch items) has for `key`.
pub fn sort_value(fetch: &Fetch, key: SortKey) -> SortValue {
    let arrival = || fetch.internal_date().map_or(0, |d| d.timestamp());
    let envelope = fetch.envelope();
    match key {
        SortKey::Arrival => SortValue::Number(arrival()),
        SortKey::Size => SortValue::Number(i64::from(fetch.size.unwrap_or(0))),
        SortKey::Date => SortValue::Number(
            envelope
                .and_then(|e| e.date.as_deref())
                .and_then(|d| std::str::from_utf8(d).ok())
                .and_then(|d| chrono::DateTime::parse_from_rfc2822(d.trim()).ok())
                .map_or_else(arrival, |d| d.timestamp()),
        ),
        // RFC 5256: the mailbox part of the first From address, i;ascii-casemap.
        SortKey::From => SortValue::Text(
            envelope
                .and_then(|e| e.from.as_ref())
                .and_then(|list| list.first())
                .and_then(|a| a.mailbox.as_deref())
                .map(|m| String::from_utf8_lossy(m).to_ascii_uppercase())
                .unwrap_or_default(),
        ),
        SortKey::Subject => SortValue::Text(base_subject(
            &envelope
                .and_then(|e| e.subject.as_deref())
                .map(decode_words)
                .unwrap_or_default(),
        )),
    }
}

/// Sorts by value, `descending` or not; equal values keep their tie-breaker ascending
/// (mailbox order, as servers do), whichever the direction.
pub fn sort_keyed<T: Ord>(keyed: &mut [(SortValue, T)], descending: bool) {
    keyed.sort_by(|(a, ta), (b, tb)| compare(a, b, descending).then_with(|| ta.cmp(tb)));
}

/// RFC 5256's base subject, upper-cased for comparing: whitespace runs made one space, and
/// `Re:`, `Fw:`, `Fwd:`, `[list]` prefixes, `(fwd)` suffixes and `[Fwd: …]` wrappers removed,
/// repeatedly. (Servers compare with Unicode case folding; upper-casing agrees with it for
/// the Latin and Cyrillic text of real subjects.)
pub fn base_subject(subject: &str) -> String {
    let mut s = subject.split_whitespace().collect::<Vec<_>>().join(" ");
    loop {
        while let Some(rest) = strip_suffix_ignore_case(s.trim_end(), "(fwd)") {
            s = rest.to_owned();
        }
        s = s.trim_end().to_owned();
        loop {
            let trimmed = s.trim_start();
            let next = match strip_reply_prefix(trimmed) {
                Some(rest) => rest,
                None => match strip_blob(trimmed) {
                    Some(rest) if !rest.trim().is_empty() => rest,
                    _ => trimmed,
                },
            };
            if next.len() == s.len() {
                break;
            }
            s = next.to_owned();
        }
        match strip_prefix_ignore_case(&s, "[fwd:").and_then(|r| r.strip_suffix(']')) {
            Some(inner) => s = inner.to_owned(),
            None => break,
        }
    }
    s.trim().to_uppercase()
}

/// `re`, `fw` or `fwd`, then spaces, an optional `[blob]`, and a colon.
fn strip_reply_prefix(s: &str) -> Option<&str> {
    let rest = strip_prefix_ignore_case(s, "re")
        .or_else(|| strip_prefix_ignore_case(s, "fwd"))
        .or_else(|| strip_prefix_ignore_case(s, "fw"))?;
    let rest = rest.trim_start();
    let rest = strip_blob(rest).unwrap_or(rest);
    rest.strip_prefix(':')
}

/// `[anything without brackets]` and the spaces after it.
fn strip_blob(s: &str) -> Option<&str> {
    let inner = s.strip_prefix('[')?;
    let end = inner.find([']', '['])?;
    (inner.as_bytes()[end] == b']').then(|| inner[end + 1..].trim_start())
}

fn strip_prefix_ignore_case<'s>(s: &'s str, prefix: &str) -> Option<&'s str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

fn strip_suffix_ignore_case<'s>(s: &'s str, suffix: &str) -> Option<&'s str> {
    let cut = s.len().checked_sub(suffix.len())?;
    let tail = s.get(cut..)?;
    tail.eq_ignore_ascii_case(suffix).then(|| &s[..cut])
}

/// Compares two sort values in a direction.
pub fn compare(a: &SortValue, b: &SortValue, descending: bool) -> Ordering {
    if descending { b.cmp(a) } else { a.cmp(b) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_programs_follow_rfc_5256() {
        assert_eq!(
            Order {
                key: SortKey::From,
                descending: true
            }
            .program(),
            "(REVERSE FROM)"
        );
        let size = Order {
            key: SortKey::Size,
            descending: false,
        };
        assert_eq!(size.program(), "(SIZE)");
    }

    #[test]
    fn base_subjects_lose_reply_and_forward_markers() {
        assert_eq!(base_subject("Re: Release plan"), "RELEASE PLAN");
        assert_eq!(base_subject("RE: re:  Release   plan"), "RELEASE PLAN");
        assert_eq!(base_subject("Fwd: Re[2]: Invoice (fwd)"), "INVOICE");
        assert_eq!(base_subject("[posta-dev] Re: Build"), "BUILD");
        assert_eq!(base_subject("[Fwd: Lunch]"), "LUNCH");
        assert_eq!(base_subject("[only a blob]"), "[ONLY A BLOB]");
        assert_eq!(base_subject("Re: Поездка в Казань"), "ПОЕЗДКА В КАЗАНЬ");
        assert_eq!(base_subject("Reply needed"), "REPLY NEEDED");
    }

    #[test]
    fn ties_stay_in_mailbox_order_in_both_directions() {
        let value = |n| SortValue::Number(n);
        let mut keyed = vec![(value(2), 3), (value(1), 2), (value(2), 1)];
        sort_keyed(&mut keyed, true);
        assert_eq!(keyed.iter().map(|k| k.1).collect::<Vec<_>>(), vec![1, 3, 2]);
        sort_keyed(&mut keyed, false);
        assert_eq!(keyed.iter().map(|k| k.1).collect::<Vec<_>>(), vec![2, 1, 3]);
    }
}
