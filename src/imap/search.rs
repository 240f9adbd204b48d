//! Searching on the server: what a person asked for, as IMAP search keys, and the UIDs that
//! match in the selected mailbox (ESEARCH `RETURN (ALL COUNT)` when the server has it, so a
//! result of thousands comes back as a few ranges; plain UID SEARCH otherwise).
//!
//! Every typed value reaches the server through [`Command::text`], so it is always one
//! string, never syntax. Non-ASCII text goes as a literal under `CHARSET UTF-8`.

use std::ops::RangeInclusive;

use async_imap::error::Error as ImapError;
use async_imap::imap_proto::rfc4731::SearchReturnData;
use async_imap::imap_proto::{MailboxDatum, Response};
use chrono::{Datelike, NaiveDate};

use super::command::{self, Command};
use super::connection::Connection;
use super::purpose::Purpose;

/// Most UIDs one search answer may expand to: more than any folder Posta pages through, and
/// a bound on what a server's `ALL 1:4294967295` can make us allocate.
pub const MAX_RESULTS: usize = 2_000_000;

/// What a person searches for. Empty text fields and unset flags are not part of the search.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Criteria {
    /// Anywhere in the message, headers and body (`TEXT`).
    pub text: String,
    pub from: String,
    pub to: String,
    pub subject: String,
    pub body: String,
    /// Arrived on or after this day (`SINCE`, the date the list shows).
    pub since: Option<NaiveDate>,
    /// Arrived on or before this day: the range includes its last day.
    pub until: Option<NaiveDate>,
    pub unread: bool,
    pub flagged: bool,
    pub attachment: bool,
}

impl Criteria {
    pub fn is_empty(&self) -> bool {
        *self == Criteria::default()
    }

    /// The search keys, ANDed as IMAP does; `ALL` when there are none.
    pub fn keys(&self) -> Command {
        let mut keys = Command::default();
        for (key, value) in [
            ("TEXT", &self.text),
            ("FROM", &self.from),
            ("TO", &self.to),
            ("SUBJECT", &self.subject),
            ("BODY", &self.body),
        ] {
            if !value.trim().is_empty() {
                keys.syntax(key).text(value.trim());
            }
        }
        if let Some(day) = self.since {
            keys.syntax("SINCE").syntax(&imap_date(day));
        }
        if let Some(day) = self.until.and_then(|d| d.succ_opt()) {
            keys.syntax("BEFORE").syntax(&imap_date(day));
        }
        if self.unread {
            keys.syntax("UNSEEN");
        }
        if self.flagged {
            keys.syntax("FLAGGED");
        }
        if self.attachment {
            // IMAP has no "has attachment" key (Dovecot has none either). A server-side
            // approximation: a multipart/mixed message, or a single part marked as an
            // attachment. It misses attachments nested in multipart/alternative or
            // related, and counts a mixed message whose parts are all inline.
            keys.syntax(
                "OR HEADER Content-Type multipart/mixed HEADER Content-Disposition attachment",
            );
        }
        if keys.is_empty() {
            keys.syntax("ALL");
        }
        keys
    }
}

/// `1-Feb-2024`, the IMAP date form (month names are fixed English).
fn imap_date(day: NaiveDate) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{}-{}-{}",
        day.day(),
        MONTHS[day.month0() as usize],
        day.year()
    )
}

/// UIDs in the selected mailbox matching `criteria`, ascending.
pub async fn uids(imap: &mut Connection, criteria: &Criteria) -> Result<Vec<u32>, ImapError> {
    let keys = criteria.keys();
    let mut search = Command::new("UID SEARCH");
    if imap.caps.has("ESEARCH") {
        search.syntax("RETURN (ALL COUNT)");
    }
    // CHARSET only when needed: a few old servers refuse any CHARSET at all.
    if keys.has_8bit() {
        search.syntax("CHARSET UTF-8");
    }
    search.append(&keys);
    let mut found = Vec::new();
    imap.expect(Purpose::Uids);
    command::run_on(imap, &search, |response| match response {
        Response::MailboxData(MailboxDatum::Search(uids)) => found.extend(uids),
        Response::MailboxData(MailboxDatum::ESearch(e)) => {
            for data in &e.data {
                if let SearchReturnData::All(ranges) = data {
                    expand(ranges, &mut found);
                }
            }
        }
        _ => {}
    })
    .await?;
    found.sort_unstable();
    found.dedup();
    Ok(found)
}

/// Appends the numbers of a sequence-set, in its order (ESORT sends them sorted), ranges
/// counted up or down as written, never past [`MAX_RESULTS`] in all.
pub fn expand(ranges: &[RangeInclusive<u32>], out: &mut Vec<u32>) {
    for range in ranges {
        let (a, b) = (*range.start(), *range.end());
        let room = MAX_RESULTS.saturating_sub(out.len());
        if a <= b {
            out.extend((a..=b).take(room));
        } else {
            out.extend((b..=a).rev().take(room));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::imap::command::Literals;

    fn wire(criteria: &Criteria) -> String {
        criteria.keys().lines(Literals::Plus).concat()
    }

    #[test]
    fn no_criteria_searches_all() {
        assert_eq!(wire(&Criteria::default()), "ALL");
    }

    #[test]
    fn fields_become_keys_in_a_fixed_order() {
        let criteria = Criteria {
            text: "invoice".into(),
            from: "ivan".into(),
            subject: " Release plan ".into(),
            unread: true,
            flagged: true,
            ..Criteria::default()
        };
        assert_eq!(
            wire(&criteria),
            r#"TEXT "invoice" FROM "ivan" SUBJECT "Release plan" UNSEEN FLAGGED"#
        );
    }

    #[test]
    fn the_date_range_includes_its_last_day() {
        let criteria = Criteria {
            since: NaiveDate::from_ymd_opt(2024, 1, 5),
            until: NaiveDate::from_ymd_opt(2024, 2, 29),
            ..Criteria::default()
        };
        assert_eq!(wire(&criteria), "SINCE 5-Jan-2024 BEFORE 1-Mar-2024");
    }

    #[test]
    fn russian_text_is_a_literal_and_asks_for_utf8() {
        let criteria = Criteria {
            subject: "Поездка".into(),
            ..Criteria::default()
        };
        assert!(criteria.keys().has_8bit());
        assert_eq!(wire(&criteria), "SUBJECT {14+}\r\nПоездка");
    }

    #[test]
    fn typed_syntax_stays_inside_the_string() {
        let criteria = Criteria {
            subject: "x\" OR ALL \"".into(),
            ..Criteria::default()
        };
        assert_eq!(wire(&criteria), r#"SUBJECT "x\" OR ALL \"""#);
    }

    #[test]
    fn esort_ranges_keep_their_direction_and_size_is_bounded() {
        let mut out = Vec::new();
        // A server may write a range high to low (`5:3`), as ESORT results can be.
        let (high, low) = (5, 3);
        expand(&[high..=low, 9..=9, 10..=11], &mut out);
        assert_eq!(out, vec![5, 4, 3, 9, 10, 11]);
        let mut huge = Vec::new();
        expand(&[1..=u32::MAX], &mut huge);
        assert_eq!(huge.len(), MAX_RESULTS);
    }
}
