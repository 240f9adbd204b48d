//! A direct IMAP connection to the test stack, beside Posta: "another mail client" that
//! changes a mailbox between Posta's requests, and the server's own answer (SEARCH, flags,
//! folder contents) that Posta's must match.

#![allow(dead_code)] // Each test uses the calls it needs.

use async_imap::Session;
use async_imap::types::{Fetch, Flag};
use async_native_tls::{TlsConnector, TlsStream};
use futures::TryStreamExt;
use tokio::net::TcpStream;

use crate::helpers::{User, stack};

pub type Direct = Session<TlsStream<TcpStream>>;

/// Logs `user` in to the stack's IMAPS port.
pub async fn connect(user: User) -> Direct {
    let pem = std::fs::read(stack().ca()).unwrap();
    let tls =
        TlsConnector::new().add_root_certificate(native_tls::Certificate::from_pem(&pem).unwrap());
    let imaps = stack().imaps();
    let tcp = TcpStream::connect(imaps.authority()).await.unwrap();
    let stream = tls.connect(imaps.host.as_str(), tcp).await.unwrap();
    let mut client = async_imap::Client::new(stream);
    client.read_response().await.unwrap().unwrap();
    client
        .login(user.email(), user.password())
        .await
        .map_err(|(e, _)| e)
        .expect("direct IMAP login")
}

/// `UID SEARCH criteria` in `mailbox`, ascending UIDs.
pub async fn search(imap: &mut Direct, mailbox: &str, criteria: &str) -> Vec<u32> {
    imap.examine(mailbox).await.unwrap();
    let mut uids: Vec<u32> = imap
        .uid_search(criteria)
        .await
        .unwrap()
        .into_iter()
        .collect();
    uids.sort_unstable();
    uids
}

/// `UID FETCH uid items` in `mailbox`, selected read-only.
async fn fetch(imap: &mut Direct, mailbox: &str, uid: u32, items: &str) -> Vec<Fetch> {
    imap.examine(mailbox).await.unwrap();
    imap.uid_fetch(uid.to_string(), items)
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap()
}

/// Flags of `uid` in `mailbox` (selected read-only).
pub async fn flags(imap: &mut Direct, mailbox: &str, uid: u32) -> Vec<String> {
    fetch(imap, mailbox, uid, "(UID FLAGS)")
        .await
        .iter()
        .flat_map(|f| f.flags())
        .map(|f| match f {
            Flag::Seen => "\\Seen".to_owned(),
            Flag::Answered => "\\Answered".to_owned(),
            Flag::Flagged => "\\Flagged".to_owned(),
            Flag::Deleted => "\\Deleted".to_owned(),
            Flag::Draft => "\\Draft".to_owned(),
            Flag::Recent => "\\Recent".to_owned(),
            Flag::MayCreate => "\\*".to_owned(),
            Flag::Custom(c) => c.into_owned(),
        })
        .collect()
}

/// How many messages `mailbox` holds.
pub async fn count(imap: &mut Direct, mailbox: &str) -> u32 {
    imap.examine(mailbox).await.unwrap().exists
}

/// Message-IDs of every message in `mailbox`, in UID order: what a folder holds, whatever
/// UIDs a move gave it.
pub async fn message_ids(imap: &mut Direct, mailbox: &str) -> Vec<String> {
    let exists = imap.examine(mailbox).await.unwrap().exists;
    if exists == 0 {
        return Vec::new();
    }
    let fetches: Vec<Fetch> = imap
        .fetch("1:*", "(UID ENVELOPE)")
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    let mut ids: Vec<(u32, String)> = fetches
        .iter()
        .map(|f| {
            let id = f
                .envelope()
                .and_then(|e| e.message_id.as_deref())
                .map(|m| String::from_utf8_lossy(m).into_owned())
                .unwrap_or_default();
            (f.uid.unwrap_or(0), id)
        })
        .collect();
    ids.sort();
    ids.into_iter().map(|(_, id)| id).collect()
}

/// Adds (or with `-`, removes) a flag as another client would: `+FLAGS (\Flagged)`.
pub async fn store(imap: &mut Direct, mailbox: &str, uids: &str, change: &str) {
    imap.select(mailbox).await.unwrap();
    imap.uid_store(uids, change)
        .await
        .unwrap()
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
}

/// Appends a message as another client (or a delivery) would.
pub async fn append(imap: &mut Direct, mailbox: &str, message: &[u8]) {
    imap.append(mailbox, None, None, message).await.unwrap();
}

/// The whole raw message `uid` of `mailbox`.
pub async fn raw(imap: &mut Direct, mailbox: &str, uid: u32) -> Vec<u8> {
    fetch(imap, mailbox, uid, "(UID BODY.PEEK[])")
        .await
        .iter()
        .find(|f| f.uid == Some(uid))
        .and_then(|f| f.body())
        .unwrap_or_default()
        .to_vec()
}

/// `UID SORT program UTF-8 ALL` in `mailbox` (examined): the server's own order.
pub async fn sort(imap: &mut Direct, mailbox: &str, program: &str) -> Vec<u32> {
    use async_imap::imap_proto::{MailboxDatum, Response};
    imap.examine(mailbox).await.unwrap();
    let tag = imap
        .run_command(format!("UID SORT {program} UTF-8 ALL"))
        .await
        .unwrap();
    let mut uids = Vec::new();
    loop {
        let response = imap.read_response().await.unwrap().expect("SORT answer");
        match response.parsed() {
            Response::MailboxData(MailboxDatum::Sort(found)) => uids.extend(found),
            Response::Done { tag: done, .. } if *done == tag => break,
            _ => {}
        }
    }
    uids
}

/// `UID SEARCH CHARSET UTF-8 key {n+}text` in `mailbox`: a search for non-ASCII text, sent
/// as a LITERAL+ literal the way the RFC wants it. Ascending UIDs.
pub async fn search_utf8(imap: &mut Direct, mailbox: &str, key: &str, text: &str) -> Vec<u32> {
    let criteria = format!("CHARSET UTF-8 {key} {{{}+}}\r\n{text}", text.len());
    search(imap, mailbox, &criteria).await
}

/// Every mailbox the server lists, by wire name (modified UTF-7), as the server spells it.
pub async fn mailboxes(imap: &mut Direct) -> Vec<String> {
    names(imap.list(Some(""), Some("*")).await.unwrap()).await
}

/// The mailboxes `user` is subscribed to, by wire name.
pub async fn subscriptions(imap: &mut Direct) -> Vec<String> {
    names(imap.lsub(Some(""), Some("*")).await.unwrap()).await
}

async fn names(
    listing: impl futures::Stream<Item = async_imap::error::Result<async_imap::types::Name>>,
) -> Vec<String> {
    let names: Vec<async_imap::types::Name> = listing.try_collect().await.unwrap();
    names.iter().map(|n| n.name().to_owned()).collect()
}

/// Deletes what an earlier run of a test left behind (wire names, children first) and drops
/// their subscriptions; missing ones are fine.
pub async fn remove_leftovers(imap: &mut Direct, wire_names: &[&str]) {
    for name in wire_names {
        let _ = imap.delete(name).await;
        let _ = imap.unsubscribe(name).await;
    }
}
