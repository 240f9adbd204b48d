//! Changing the folder tree: RENAME, DELETE, SUBSCRIBE and UNSUBSCRIBE, with what servers
//! leave to the client (CREATE is [`super::actions::create_folder`]'s, shared with the role
//! folders made when first needed). RFC 3501 ties subscriptions to names, not mailboxes, and
//! Dovecot (like most servers) neither moves a subscription on RENAME nor drops it on DELETE,
//! nor deletes subfolders with their parent; so these functions do that themselves.
//!
//! Names go out through async-imap, which quotes them (see [`super::folder_name`] for what is
//! refused before they get here).

use async_imap::error::Error as ImapError;

use super::MailboxName;
use super::connection::Connection;
use super::folders::{Folder, FolderList};

/// A subscription to carry over a rename: the old name and the new one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resubscribe {
    pub old: MailboxName,
    pub new: MailboxName,
}

/// The subscriptions a rename of `from` to `to` must move: the folder's own and its
/// subfolders', each to the same place under the new name.
pub fn resubscriptions(list: &FolderList, from: &str, to: &str) -> Vec<Resubscribe> {
    list.folders
        .iter()
        .filter(|f| f.name == from)
        .chain(list.descendants(from))
        .filter(|f| f.subscribed)
        .filter_map(|f| {
            let new = format!("{to}{}", &f.name[from.len()..]);
            Some(Resubscribe {
                old: MailboxName::parse(&f.name)?,
                new: MailboxName::parse(&new)?,
            })
        })
        .collect()
}

/// Renames `from` (with its subfolders, which the server moves along) to `to`, then moves
/// the subscriptions.
pub async fn rename(
    imap: &mut Connection,
    from: &MailboxName,
    to: &MailboxName,
    subscriptions: &[Resubscribe],
) -> Result<(), ImapError> {
    // The selected mailbox may be the one renamed: select afresh next time, so the old name
    // is looked up (and not found) rather than trusted.
    imap.selected = None;
    imap.session.rename(from.wire(), to.wire()).await?;
    for s in subscriptions {
        if let Err(e) = imap.session.unsubscribe(s.old.wire()).await {
            tracing::warn!(error = %e, "dropping a renamed folder's old subscription");
        }
        if let Err(e) = imap.session.subscribe(s.new.wire()).await {
            tracing::warn!(error = %e, "subscribing a renamed folder");
        }
    }
    Ok(())
}

/// One mailbox a delete removes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Doomed {
    pub name: MailboxName,
    /// Parents the server never listed have no mailbox to DELETE.
    pub listed: bool,
    pub subscribed: bool,
}

/// What deleting `folder` removes, in the order to remove it: subfolders before their
/// parents (the server refuses to delete a container that still has children), the folder
/// itself last.
pub fn deletion_order(list: &FolderList, folder: &str) -> Vec<Doomed> {
    // Display order puts parents before children; reversed, every child precedes its parent.
    let mut order: Vec<&Folder> = list.descendants(folder).collect();
    order.reverse();
    order.extend(list.find(folder));
    order
        .into_iter()
        .filter_map(|f| {
            Some(Doomed {
                name: MailboxName::parse(&f.name)?,
                listed: f.listed,
                subscribed: f.subscribed,
            })
        })
        .collect()
}

/// Deletes each of `doomed` in order, dropping its subscription; stops at the first refusal.
pub async fn delete(imap: &mut Connection, doomed: &[Doomed]) -> Result<(), ImapError> {
    imap.selected = None;
    for d in doomed {
        if d.listed {
            imap.session.delete(d.name.wire()).await?;
        }
        if d.subscribed
            && let Err(e) = imap.session.unsubscribe(d.name.wire()).await
        {
            tracing::warn!(error = %e, "dropping a deleted folder's subscription");
        }
    }
    Ok(())
}

/// Subscribes to `name`, or unsubscribes.
pub async fn set_subscribed(
    imap: &mut Connection,
    name: &MailboxName,
    subscribed: bool,
) -> Result<(), ImapError> {
    if subscribed {
        imap.session.subscribe(name.wire()).await
    } else {
        imap.session.unsubscribe(name.wire()).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::imap::actions::create_folder;
    use crate::imap::fake_server::{self, Seen};
    use crate::imap::folder_name::full_name;

    /// A server that says OK to everything (NO to commands containing `refuse`) and keeps
    /// every command line it read, so tests see exactly what went on the wire.
    async fn fake_server() -> (Connection, Seen) {
        fake_server::fake_server(|tag, command| {
            let verdict = if command.contains("refuse") {
                "NO [CANNOT] refused"
            } else {
                "OK done"
            };
            format!("{tag} {verdict}\r\n")
        })
        .await
    }

    fn name(s: &str) -> MailboxName {
        MailboxName::parse(s).unwrap()
    }

    fn folder(name: &str, listed: bool, subscribed: bool) -> Folder {
        Folder {
            name: name.to_owned(),
            leaf: name.rsplit('/').next().unwrap().to_owned(),
            depth: name.matches('/').count(),
            role: None,
            selectable: listed,
            listed,
            subscribed,
            unseen: None,
            total: None,
        }
    }

    fn tree() -> FolderList {
        FolderList {
            folders: vec![
                folder("INBOX", true, false),
                folder("Projects", true, true),
                folder("Projects/Go", true, false),
                folder("Projects/Rust", true, true),
                folder("Projects/Rust/Async", true, true),
                folder("Projects2", true, true),
            ],
            delimiter: Some("/".to_owned()),
        }
    }

    #[tokio::test]
    async fn a_new_folder_goes_out_in_modified_utf7_inside_quotes_and_is_subscribed() {
        let (mut imap, seen) = fake_server().await;
        let reports = full_name("Отчёты", "Проекты", Some("/")).unwrap();

        create_folder(&mut imap, &reports.wire()).await.unwrap();

        assert_eq!(
            *seen.lock().unwrap(),
            vec![
                r#"CREATE "&BB8EQAQ+BDUEOgRCBEs-/&BB4EQgRHBFEEQgRL-""#,
                r#"SUBSCRIBE "&BB8EQAQ+BDUEOgRCBEs-/&BB4EQgRHBFEEQgRL-""#,
            ]
        );
    }

    #[tokio::test]
    async fn quotes_backslashes_braces_and_ampersands_stay_inside_the_quoted_name() {
        let (mut imap, seen) = fake_server().await;

        // `{5}` outside quotes would announce a literal; inside them it is just text.
        for typed in ["{5}", r#"a"b"#, r"x\y", "R&D"] {
            let name = full_name(typed, "", Some("/")).unwrap();
            create_folder(&mut imap, &name.wire()).await.unwrap();
        }

        let seen = seen.lock().unwrap();
        let creates: Vec<&str> = seen.iter().step_by(2).map(String::as_str).collect();
        assert_eq!(
            creates,
            [
                r#"CREATE "{5}""#,
                r#"CREATE "a\"b""#,
                r#"CREATE "x\\y""#,
                r#"CREATE "R&-D""#
            ]
        );
    }

    #[tokio::test]
    async fn a_name_is_escaped_never_spliced_into_the_command() {
        let (mut imap, seen) = fake_server().await;
        let odd = name(r#"Say "hi" \ bye"#);

        set_subscribed(&mut imap, &odd, false).await.unwrap();

        assert_eq!(
            *seen.lock().unwrap(),
            vec![r#"UNSUBSCRIBE "Say \"hi\" \\ bye""#]
        );
    }

    #[tokio::test]
    async fn a_rename_moves_the_subscriptions_of_the_folder_and_its_subfolders() {
        let (mut imap, seen) = fake_server().await;
        let moves = resubscriptions(&tree(), "Projects", "Archive/Projects");

        rename(
            &mut imap,
            &name("Projects"),
            &name("Archive/Projects"),
            &moves,
        )
        .await
        .unwrap();

        assert_eq!(
            *seen.lock().unwrap(),
            vec![
                r#"RENAME "Projects" "Archive/Projects""#,
                r#"UNSUBSCRIBE "Projects""#,
                r#"SUBSCRIBE "Archive/Projects""#,
                r#"UNSUBSCRIBE "Projects/Rust""#,
                r#"SUBSCRIBE "Archive/Projects/Rust""#,
                r#"UNSUBSCRIBE "Projects/Rust/Async""#,
                r#"SUBSCRIBE "Archive/Projects/Rust/Async""#,
            ],
            "Projects/Go was not subscribed; Projects2 is not a subfolder"
        );
    }

    #[tokio::test]
    async fn a_refused_rename_leaves_the_subscriptions_alone() {
        let (mut imap, seen) = fake_server().await;
        let moves = resubscriptions(&tree(), "Projects2", "refuse");

        let result = rename(&mut imap, &name("Projects2"), &name("refuse"), &moves).await;

        assert!(matches!(result, Err(ImapError::No(_))), "{result:?}");
        assert_eq!(seen.lock().unwrap().len(), 1);
    }

    #[tokio::test]
    async fn a_delete_removes_subfolders_first_and_drops_subscriptions() {
        let (mut imap, seen) = fake_server().await;
        let doomed = deletion_order(&tree(), "Projects");

        delete(&mut imap, &doomed).await.unwrap();

        assert_eq!(
            *seen.lock().unwrap(),
            vec![
                r#"DELETE "Projects/Rust/Async""#,
                r#"UNSUBSCRIBE "Projects/Rust/Async""#,
                r#"DELETE "Projects/Rust""#,
                r#"UNSUBSCRIBE "Projects/Rust""#,
                r#"DELETE "Projects/Go""#,
                r#"DELETE "Projects""#,
                r#"UNSUBSCRIBE "Projects""#,
            ]
        );
    }

    #[test]
    fn parents_the_server_never_listed_are_not_deleted() {
        let list = FolderList {
            folders: vec![folder("A", false, false), folder("A/B", true, true)],
            delimiter: Some("/".to_owned()),
        };

        let doomed = deletion_order(&list, "A");

        assert_eq!(
            doomed
                .iter()
                .map(|d| (d.name.as_str(), d.listed))
                .collect::<Vec<_>>(),
            vec![("A/B", true), ("A", false)]
        );
    }
}
