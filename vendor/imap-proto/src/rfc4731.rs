//!
//! <https://tools.ietf.org/html/rfc4731>
//!
//! ESEARCH: the extended SEARCH response (patched in for Posta, see vendor/README.md)
//!

use std::borrow::Cow;

use nom::{
    branch::alt,
    bytes::streaming::{tag, tag_no_case},
    combinator::{map, opt},
    multi::many0,
    sequence::{delimited, preceded},
    IResult, Parser,
};

use crate::{
    core::{number, number_64, sequence_set, string_utf8},
    rfc3501::MailboxDatum,
};

/// One item of an ESEARCH response.
#[derive(Debug, Eq, PartialEq, Clone)]
#[non_exhaustive]
pub enum SearchReturnData {
    Min(u32),
    Max(u32),
    /// The matching numbers, as the sequence-set the server sent (ascending for SEARCH).
    All(Vec<std::ops::RangeInclusive<u32>>),
    Count(u32),
    ModSeq(u64),
}

/// `* ESEARCH (TAG "A282") UID MIN 2 COUNT 3`
#[derive(Debug, Eq, PartialEq, Clone)]
pub struct ESearch<'a> {
    /// The tag of the command this answers, when the server says.
    pub tag: Option<Cow<'a, str>>,
    /// Whether the numbers are UIDs (the command was UID SEARCH or UID SORT).
    pub uid: bool,
    pub data: Vec<SearchReturnData>,
}

impl ESearch<'_> {
    pub fn into_owned(self) -> ESearch<'static> {
        ESearch {
            tag: self.tag.map(|t| Cow::Owned(t.into_owned())),
            uid: self.uid,
            data: self.data,
        }
    }
}

// search-return-data = "MIN" SP nz-number / "MAX" SP nz-number /
//                      "ALL" SP sequence-set / "COUNT" SP number /
//                      "MODSEQ" SP mod-sequence-value (RFC 7162)
fn search_return_data(i: &[u8]) -> IResult<&[u8], SearchReturnData> {
    alt((
        map(preceded(tag_no_case("MIN "), number), SearchReturnData::Min),
        map(preceded(tag_no_case("MAX "), number), SearchReturnData::Max),
        map(
            preceded(tag_no_case("ALL "), sequence_set),
            SearchReturnData::All,
        ),
        map(
            preceded(tag_no_case("COUNT "), number),
            SearchReturnData::Count,
        ),
        map(
            preceded(tag_no_case("MODSEQ "), number_64),
            SearchReturnData::ModSeq,
        ),
    ))
    .parse(i)
}

// esearch-response  = "ESEARCH" [search-correlator] [SP "UID"] *(SP search-return-data)
// search-correlator = SP "(" "TAG" SP tag-string ")"
pub(crate) fn mailbox_data_esearch(i: &[u8]) -> IResult<&[u8], MailboxDatum<'_>> {
    map(
        (
            tag_no_case("ESEARCH"),
            opt(delimited(
                tag_no_case(" (TAG "),
                string_utf8,
                tag(")"),
            )),
            opt(tag_no_case(" UID")),
            many0(preceded(tag(" "), search_return_data)),
        ),
        |(_, tag, uid, data)| {
            MailboxDatum::ESearch(ESearch {
                tag,
                uid: uid.is_some(),
                data,
            })
        },
    )
    .parse(i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Response;

    fn esearch(line: &[u8]) -> ESearch<'_> {
        match Response::parse(line) {
            Ok((rest, Response::MailboxData(MailboxDatum::ESearch(e)))) => {
                assert!(rest.is_empty(), "left over: {rest:?}");
                e
            }
            other => panic!("not an ESEARCH response: {other:?}"),
        }
    }

    #[test]
    fn all_and_count_are_read_with_the_tag() {
        let e = esearch(b"* ESEARCH (TAG \"A5\") UID ALL 1:3,5,7:9 COUNT 7\r\n");
        assert_eq!(e.tag.as_deref(), Some("A5"));
        assert!(e.uid);
        assert_eq!(
            e.data,
            vec![
                SearchReturnData::All(vec![1..=3, 5..=5, 7..=9]),
                SearchReturnData::Count(7)
            ]
        );
    }

    #[test]
    fn nothing_found_has_only_a_count() {
        let e = esearch(b"* ESEARCH (TAG \"A6\") UID COUNT 0\r\n");
        assert_eq!(e.data, vec![SearchReturnData::Count(0)]);
    }

    #[test]
    fn a_bare_esearch_is_read() {
        let e = esearch(b"* ESEARCH\r\n");
        assert_eq!(e.tag, None);
        assert!(!e.uid);
        assert!(e.data.is_empty());
    }

    #[test]
    fn min_max_and_modseq_are_read() {
        let e = esearch(b"* ESEARCH (TAG \"x\") MIN 2 MAX 9 MODSEQ 1234567890123\r\n");
        assert_eq!(
            e.data,
            vec![
                SearchReturnData::Min(2),
                SearchReturnData::Max(9),
                SearchReturnData::ModSeq(1_234_567_890_123)
            ]
        );
    }
}
