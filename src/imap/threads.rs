//! Conversations: `UID THREAD` (RFC 5256) when the server threads — REFS, which orders
//! conversations by their latest message, else REFERENCES — and otherwise grouping the
//! messages of one page by their In-Reply-To and References headers.

use std::collections::HashMap;
use std::ops::Range;

use async_imap::error::Error as ImapError;
use async_imap::imap_proto::rfc5256::Thread;
use async_imap::imap_proto::{MailboxDatum, Response};

use super::command::{self, Command};
use super::connection::Connection;
use super::purpose::Purpose;
use super::search::Criteria;

/// One message in a conversation, in reading order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Line {
    pub uid: u32,
    /// 0 for a conversation's first message, 1 for a reply to it, and so on.
    pub depth: u32,
}

/// A conversation, its messages in tree order (each reply after what it answers).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Conversation {
    pub lines: Vec<Line>,
}

/// The threading algorithm to ask the server for, if it has one.
pub fn algorithm(imap: &Connection) -> Option<&'static str> {
    if imap.caps.has("THREAD=REFS") {
        Some("REFS")
    } else if imap.caps.has("THREAD=REFERENCES") {
        Some("REFERENCES")
    } else {
        None
    }
}

/// The selected mailbox's conversations (of messages matching `criteria`), newest first.
pub async fn server_threads(
    imap: &mut Connection,
    algorithm: &str,
    criteria: Option<&Criteria>,
) -> Result<Vec<Conversation>, ImapError> {
    let mut thread = Command::new("UID THREAD");
    thread.syntax(algorithm).syntax("UTF-8");
    thread.append(&criteria.cloned().unwrap_or_default().keys());
    let mut threads: Vec<Thread> = Vec::new();
    imap.expect(Purpose::Uids);
    command::run_on(imap, &thread, |response| {
        if let Response::MailboxData(MailboxDatum::Thread(found)) = response {
            threads.extend(found.iter().cloned());
        }
    })
    .await?;
    // Both algorithms list conversations oldest first.
    Ok(threads.iter().rev().map(conversation).collect())
}

/// Flattens a server's thread tree: a chain's members each answer the one before, and its
/// children branch off the last. A chain without members (a parent the mailbox lacks) puts
/// its children side by side.
pub(super) fn conversation(thread: &Thread) -> Conversation {
    let mut lines = Vec::new();
    let mut stack: Vec<(&Thread, u32)> = vec![(thread, 0)];
    while let Some((t, depth)) = stack.pop() {
        for (i, &uid) in t.members.iter().enumerate() {
            lines.push(Line {
                uid,
                depth: depth + i as u32,
            });
        }
        let below = depth + t.members.len() as u32;
        for child in t.children.iter().rev() {
            stack.push((child, below));
        }
    }
    Conversation { lines }
}

/// Splits conversations into pages of about `size` messages, never splitting one across
/// pages (a conversation longer than a page gets a page of its own). Ranges of indices.
pub fn pages(conversations: &[Conversation], size: usize) -> Vec<Range<usize>> {
    let mut pages = Vec::new();
    let (mut start, mut count) = (0, 0);
    for (i, c) in conversations.iter().enumerate() {
        if count > 0 && count + c.lines.len() > size {
            pages.push(start..i);
            (start, count) = (i, 0);
        }
        count += c.lines.len();
    }
    if start < conversations.len() {
        pages.push(start..conversations.len());
    }
    pages
}

/// What a message on a page says about its place in a conversation.
#[derive(Clone, Debug, Default)]
pub struct Links {
    pub uid: u32,
    /// Its Message-ID, without angle brackets.
    pub id: Option<String>,
    /// Message-IDs it answers, nearest first: In-Reply-To, then References from the end.
    pub parents: Vec<String>,
}

/// Groups one page's messages (given in page order) into conversations, for servers
/// without THREAD: a message goes under the nearest message it answers that is on the same
/// page. Conversations come in the page order of their first message on it; replies under
/// a message in arrival (UID) order.
pub fn group_page(page: &[Links]) -> Vec<Conversation> {
    let n = page.len();
    let mut by_id: HashMap<&str, usize> = HashMap::new();
    for (i, l) in page.iter().enumerate() {
        if let Some(id) = &l.id {
            by_id.entry(id.as_str()).or_insert(i);
        }
    }
    let mut parent: Vec<Option<usize>> = page
        .iter()
        .enumerate()
        .map(|(i, l)| {
            l.parents
                .iter()
                .find_map(|p| by_id.get(p.as_str()).copied().filter(|&j| j != i))
        })
        .collect();
    // Headers can lie in circles; cut each loop where it is found.
    for i in 0..n {
        let mut at = parent[i];
        for _ in 0..n {
            match at {
                Some(j) if j == i => {
                    parent[i] = None;
                    break;
                }
                Some(j) => at = parent[j],
                None => break,
            }
        }
    }
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, p) in parent.iter().enumerate() {
        if let Some(p) = *p {
            children[p].push(i);
        }
    }
    for c in &mut children {
        c.sort_by_key(|&i| page[i].uid);
    }
    let mut conversations: Vec<(usize, Conversation)> = Vec::new();
    for root in (0..n).filter(|&i| parent[i].is_none()) {
        let mut lines = Vec::new();
        let mut first = root;
        let mut stack = vec![(root, 0u32)];
        while let Some((i, depth)) = stack.pop() {
            first = first.min(i);
            lines.push(Line {
                uid: page[i].uid,
                depth,
            });
            for &child in children[i].iter().rev() {
                stack.push((child, depth + 1));
            }
        }
        conversations.push((first, Conversation { lines }));
    }
    conversations.sort_by_key(|(first, _)| *first);
    conversations.into_iter().map(|(_, c)| c).collect()
}

/// The Message-IDs in a header value (`<a@b> <c@d>`), brackets removed.
pub fn message_ids(value: &str) -> Vec<String> {
    value
        .split('<')
        .skip(1)
        .filter_map(|rest| rest.split_once('>'))
        .map(|(id, _)| id.trim().to_owned())
        .filter(|id| !id.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(members: &[u32], children: Vec<Thread>) -> Thread {
        Thread {
            members: members.to_vec(),
            children,
        }
    }

    fn flat(c: &Conversation) -> Vec<(u32, u32)> {
        c.lines.iter().map(|l| (l.uid, l.depth)).collect()
    }

    #[test]
    fn a_server_thread_flattens_in_tree_order_with_depths() {
        // RFC 5256's example: (3 6 (4 23)(44 7 96))
        let t = chain(
            &[3, 6],
            vec![chain(&[4, 23], vec![]), chain(&[44, 7, 96], vec![])],
        );
        assert_eq!(
            flat(&conversation(&t)),
            vec![(3, 0), (6, 1), (4, 2), (23, 3), (44, 2), (7, 3), (96, 4)]
        );
    }

    #[test]
    fn siblings_under_a_missing_parent_start_side_by_side() {
        let t = chain(&[], vec![chain(&[3], vec![]), chain(&[5], vec![])]);
        assert_eq!(flat(&conversation(&t)), vec![(3, 0), (5, 0)]);
    }

    #[test]
    fn pages_never_split_a_conversation() {
        let sized = |n: usize| Conversation {
            lines: vec![Line { uid: 1, depth: 0 }; n],
        };
        let cs = vec![sized(3), sized(2), sized(4), sized(7), sized(1)];
        assert_eq!(pages(&cs, 5), vec![0..2, 2..3, 3..4, 4..5]);
        assert_eq!(pages(&[], 5), Vec::<Range<usize>>::new());
    }

    fn links(uid: u32, id: &str, parents: &[&str]) -> Links {
        Links {
            uid,
            id: Some(id.to_owned()),
            parents: parents.iter().map(|p| p.to_string()).collect(),
        }
    }

    #[test]
    fn a_page_groups_replies_under_what_they_answer() {
        // Newest first, as the list shows them.
        let page = [
            links(5, "c2", &["c1", "c"]),
            links(4, "x", &[]),
            links(3, "c1", &["c"]),
            links(2, "d1", &["gone", "d-missing"]),
            links(1, "c", &[]),
        ];
        let got: Vec<_> = group_page(&page).iter().map(flat).collect();
        assert_eq!(
            got,
            vec![vec![(1, 0), (3, 1), (5, 2)], vec![(4, 0)], vec![(2, 0)],]
        );
    }

    #[test]
    fn headers_that_loop_do_not_hang_or_lose_messages() {
        let page = [
            links(1, "a", &["b"]),
            links(2, "b", &["a"]),
            links(3, "s", &["s"]),
        ];
        let all: usize = group_page(&page).iter().map(|c| c.lines.len()).sum();
        assert_eq!(all, 3);
    }

    /// `* THREAD (1 (2 (3 …)))`: each reply nested inside the last.
    fn nested_thread_line(depth: u32) -> Vec<u8> {
        let mut line = b"* THREAD ".to_vec();
        for uid in 1..=depth {
            line.extend(format!("({uid} ").bytes());
        }
        line.extend(std::iter::repeat_n(b')', depth as usize));
        line.extend(b"\r\n");
        line
    }

    fn read_threads(line: &[u8]) -> Option<Vec<Thread>> {
        match Response::parse(line) {
            Ok((_, Response::MailboxData(MailboxDatum::Thread(t)))) => Some(t),
            _ => None,
        }
    }

    /// A server nesting its THREAD answer a hundred thousand deep is refused by the parser
    /// (the vendored imap-proto stops at 200 levels) on a tokio worker's stack, and the
    /// deepest answer it accepts is flattened here without recursion.
    #[test]
    fn threads_nested_past_the_parsers_limit_are_refused_and_the_deepest_flattened() {
        let hostile = nested_thread_line(100_000);
        let deepest = nested_thread_line(200);
        let (refused, lines) = crate::message::on_a_worker_stack(move || {
            let refused = read_threads(&hostile).is_none();
            let threads = read_threads(&deepest).expect("200 levels are read");
            let lines: Vec<(u32, u32)> = threads
                .iter()
                .flat_map(|t| conversation(t).lines)
                .map(|l| (l.uid, l.depth))
                .collect();
            (refused, lines)
        });
        assert!(refused);
        assert_eq!(lines.len(), 200);
        assert_eq!(lines[199], (200, 199));
    }

    #[test]
    fn message_ids_come_out_of_references() {
        assert_eq!(
            message_ids(" <a@x>\t<b@y>  junk <> "),
            vec!["a@x".to_owned(), "b@y".to_owned()]
        );
    }
}
