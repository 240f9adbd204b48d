//!
//! <https://tools.ietf.org/html/rfc5256>
//!
//! SORT extension, and (patched in for Posta, see vendor/README.md) the THREAD response
//!

use nom::{
    bytes::streaming::{tag, tag_no_case},
    combinator::{map, opt},
    error::{make_error, ErrorKind},
    multi::{many0, separated_list0},
    sequence::{preceded, terminated},
    IResult, Parser,
};

use crate::{core::number, rfc3501::MailboxDatum};

/// BASE.7.2.SORT. SORT Response
///
/// Data:       zero or more numbers
///
/// The SORT response occurs as a result of a SORT or UID SORT
/// command.  The number(s) refer to those messages that match the
/// search criteria.  For SORT, these are message sequence numbers;
/// for UID SORT, these are unique identifiers.  Each number is
/// delimited by a space.
///
/// Example:
///
/// ```ignore
///     S: * SORT 2 3 6
/// ```
///
/// [RFC5256 - 4 Additional Responses](https://tools.ietf.org/html/rfc5256#section-4)
pub(crate) fn mailbox_data_sort(i: &[u8]) -> IResult<&[u8], MailboxDatum<'_>> {
    map(
        // Technically, trailing whitespace is not allowed for the SEARCH command,
        // but multiple email servers in the wild seem to have it anyway (see #34, #108).
        // Since the SORT command extends the SEARCH command, the trailing whitespace
        // is exceptionnaly allowed here (as for the SEARCH command).
        terminated(
            preceded(tag_no_case("SORT"), many0(preceded(tag(" "), number))),
            opt(tag(" ")),
        ),
        MailboxDatum::Sort,
    )
    .parse(i)
}

/// One thread of a THREAD response: a chain of messages, each the parent of the next, and
/// the threads that branch off the last of them. `members` is empty when the server leaves
/// out a missing parent (`((3)(5))`: 3 and 5 are siblings under a message not in the mailbox).
#[derive(Debug, Eq, PartialEq, Clone, Default)]
pub struct Thread {
    pub members: Vec<u32>,
    pub children: Vec<Thread>,
}

/// How deeply threads may branch inside one another before the response is refused: chains
/// are flat lists, so only branching nests, and a hostile server must not exhaust the stack.
const MAX_THREAD_DEPTH: usize = 200;

// thread-list    = "(" (thread-members / thread-nested) ")"
// thread-members = nz-number *(SP nz-number) [SP thread-nested]
// thread-nested  = 2*thread-list
fn thread_list(i: &[u8], depth: usize) -> IResult<&[u8], Thread> {
    if depth > MAX_THREAD_DEPTH {
        return Err(nom::Err::Failure(make_error(i, ErrorKind::TooLarge)));
    }
    let (i, _) = tag("(")(i)?;
    let (i, members) = separated_list0(tag(" "), crate::core::number).parse(i)?;
    let (i, _) = opt(tag(" ")).parse(i)?;
    let (i, children) = many0(|i| thread_list(i, depth + 1)).parse(i)?;
    let (i, _) = tag(")")(i)?;
    Ok((i, Thread { members, children }))
}

/// BASE.7.2.THREAD. THREAD Response
///
/// ```ignore
///     S: * THREAD (2)(3 6 (4 23)(44 7 96))
/// ```
///
/// [RFC5256 - 4 Additional Responses](https://tools.ietf.org/html/rfc5256#section-4)
pub(crate) fn mailbox_data_thread(i: &[u8]) -> IResult<&[u8], MailboxDatum<'_>> {
    map(
        preceded(
            tag_no_case("THREAD"),
            many0(preceded(opt(tag(" ")), |i| thread_list(i, 0))),
        ),
        MailboxDatum::Thread,
    )
    .parse(i)
}

#[cfg(test)]
mod posta_thread_tests {
    use super::*;
    use crate::Response;

    fn threads(line: &[u8]) -> Vec<Thread> {
        match Response::parse(line) {
            Ok((rest, Response::MailboxData(MailboxDatum::Thread(t)))) => {
                assert!(rest.is_empty(), "left over: {rest:?}");
                t
            }
            other => panic!("not a THREAD response: {other:?}"),
        }
    }

    fn chain(members: &[u32], children: Vec<Thread>) -> Thread {
        Thread {
            members: members.to_vec(),
            children,
        }
    }

    #[test]
    fn the_rfc_example_is_read() {
        let t = threads(b"* THREAD (2)(3 6 (4 23)(44 7 96))\r\n");
        assert_eq!(
            t,
            vec![
                chain(&[2], vec![]),
                chain(
                    &[3, 6],
                    vec![chain(&[4, 23], vec![]), chain(&[44, 7, 96], vec![])]
                ),
            ]
        );
    }

    #[test]
    fn a_missing_parent_leaves_siblings() {
        let t = threads(b"* THREAD ((3)(5))\r\n");
        assert_eq!(
            t,
            vec![chain(&[], vec![chain(&[3], vec![]), chain(&[5], vec![])])]
        );
    }

    #[test]
    fn no_threads_is_an_empty_list() {
        assert_eq!(threads(b"* THREAD\r\n"), vec![]);
        assert_eq!(threads(b"* THREAD \r\n"), vec![]);
    }

    #[test]
    fn dovecots_answer_is_read() {
        let t = threads(b"* THREAD (1 (3 5 13)(7))(2 6 10)(4)(8 9 14)(11 12)\r\n");
        assert_eq!(t.len(), 5);
        assert_eq!(t[0].members, vec![1]);
        assert_eq!(t[0].children[0].members, vec![3, 5, 13]);
        assert_eq!(t[4].members, vec![11, 12]);
    }

    #[test]
    fn nesting_past_the_limit_is_refused_not_recursed() {
        let mut line = b"* THREAD ".to_vec();
        line.extend(std::iter::repeat_n(b'(', 100_000));
        line.extend(b"1");
        line.extend(std::iter::repeat_n(b')', 100_000));
        line.extend(b"\r\n");
        assert!(Response::parse(&line).is_err());
    }
}
