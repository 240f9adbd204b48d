//! Keeping the selected mailbox current the way desktop mail programs do: SELECT once, then
//! ask the server what changed (NOOP) and apply its answers (see [`super::selected`]) instead
//! of SELECTing again for every page.
//!
//! Re-selecting is what a page cannot afford: Dovecot re-reads the whole folder on every
//! SELECT (a 10,000-message maildir INBOX that just got new mail: 15 ms per page against
//! 1.5–2 ms for NOOP + FETCH; 100,000 messages: about 48 ms against 1.5 ms). A SELECT happens
//! only when the connection has another folder (or none) selected: a new or re-opened
//! connection, a search across folders, a folder renamed or deleted, or a view lost because
//! the server said more than async-imap queues.
//!
//! The NOOP's answers are read response by response ([`command::run_on`]), rather than
//! through async-imap's queue of unilateral responses, which keeps only 100 and drops the
//! rest silently.

use async_imap::error::Error as ImapError;

use super::command::{self, Command};
use super::connection::Connection;
use super::selected::Selected;

/// SELECTs `wire_name` and starts a fresh view of it; returns the number of messages.
pub async fn select(imap: &mut Connection, wire_name: &str) -> Result<u32, ImapError> {
    imap.selected = None;
    enable_qresync(imap).await?;
    let mailbox = imap.session.select(wire_name).await?;
    imap.selected = Some(Selected::new(wire_name, &mailbox));
    Ok(mailbox.exists)
}

/// SELECTs `wire_name` unless it is already the selected mailbox, without asking what
/// changed (reading a message by UID needs no count); returns its UIDVALIDITY.
pub async fn ensure_selected(imap: &mut Connection, wire_name: &str) -> Result<u32, ImapError> {
    match &imap.selected {
        Some(s) if s.name == wire_name => Ok(s.uid_validity),
        _ => {
            select(imap, wire_name).await?;
            Ok(imap.selected.as_ref().map_or(0, |s| s.uid_validity))
        }
    }
}

/// ENABLEs QRESYNC once per connection where the server has it: a mass expunge by another
/// program then comes as one VANISHED line instead of an EXPUNGE per message (which could
/// overflow async-imap's queue and cost a SELECT), and every FETCH answer carries the MODSEQ
/// that keeps HIGHESTMODSEQ current. (Must precede the SELECT it applies to.)
async fn enable_qresync(imap: &mut Connection) -> Result<(), ImapError> {
    if imap.qresync || !imap.caps.has("QRESYNC") {
        return Ok(());
    }
    // A refusal costs only the extension: the connection works as before.
    match imap
        .session
        .run_command_and_check_ok("ENABLE QRESYNC")
        .await
    {
        Ok(()) => imap.qresync = true,
        Err(ImapError::No(said) | ImapError::Bad(said)) => {
            tracing::debug!(said = %said.trim(), "server refused ENABLE QRESYNC");
            imap.caps.forget("QRESYNC");
        }
        Err(e) => return Err(e),
    }
    Ok(())
}

/// Makes `wire_name` the selected mailbox, up to date with everything the server has told
/// or will tell now: a NOOP when it is selected already, else a SELECT. Returns the number
/// of messages, which sequence-number windows can trust until the next command.
pub async fn sync(imap: &mut Connection, wire_name: &str) -> Result<u32, ImapError> {
    imap.absorb_unsolicited();
    let current = |s: &Selected| s.name == wire_name && !s.stale;
    if imap.selected.as_ref().is_some_and(current) {
        noop(imap).await?;
        if let Some(selected) = imap.selected.as_ref().filter(|s| current(s)) {
            return Ok(selected.exists);
        }
    }
    select(imap, wire_name).await
}

/// Asks the server what changed in the selected mailbox (if any); says whether new messages
/// arrived (or may have), for a caller that looked for a UID and did not find it.
pub async fn refresh(imap: &mut Connection) -> Result<bool, ImapError> {
    let queued = imap.absorb_unsolicited();
    let Some(selected) = &imap.selected else {
        return Ok(false);
    };
    if selected.stale {
        let name = selected.name.clone();
        select(imap, &name).await?;
        return Ok(true);
    }
    Ok(noop(imap).await? || queued)
}

/// NOOP, applying every response it provokes to the view; whether messages arrived.
async fn noop(imap: &mut Connection) -> Result<bool, ImapError> {
    command::run_on(imap, &Command::new("NOOP"), |_| {}).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::imap::fake_server::{Seen, fake_server};

    /// A server that answers each command with `untagged(command)`, then OK.
    async fn scripted(untagged: fn(&str) -> &'static str) -> (Connection, Seen) {
        fake_server(move |tag, command| format!("{}{tag} OK done\r\n", untagged(command))).await
    }

    fn inbox_server(command: &str) -> &'static str {
        match command {
            c if c.starts_with("SELECT") => {
                "* 10 EXISTS\r\n* OK [UIDVALIDITY 7] v\r\n* OK [UIDNEXT 11] n\r\n"
            }
            // Someone expunged one message, two arrived, one got flagged.
            "NOOP" => "* 4 EXPUNGE\r\n* 11 EXISTS\r\n* 2 FETCH (FLAGS (\\Flagged))\r\n",
            _ => "",
        }
    }

    #[tokio::test]
    async fn a_folder_already_selected_is_brought_up_to_date_without_selecting_it_again() {
        let (mut imap, seen) = scripted(inbox_server).await;

        assert_eq!(sync(&mut imap, "INBOX").await.unwrap(), 10);
        assert!(
            !imap.take_changed(),
            "a first SELECT changes nothing remembered"
        );
        assert_eq!(sync(&mut imap, "INBOX").await.unwrap(), 11);

        assert_eq!(*seen.lock().unwrap(), ["SELECT \"INBOX\"", "NOOP"]);
        assert!(imap.take_changed(), "the counts remembered are stale");
        assert!(!imap.take_changed());
        assert_eq!(imap.selected.as_ref().unwrap().uid_validity, 7);
    }

    #[tokio::test]
    async fn another_folder_is_selected() {
        let (mut imap, seen) = scripted(inbox_server).await;

        sync(&mut imap, "INBOX").await.unwrap();
        sync(&mut imap, "Sent").await.unwrap();

        assert_eq!(
            *seen.lock().unwrap(),
            ["SELECT \"INBOX\"", "SELECT \"Sent\""]
        );
        assert_eq!(imap.selected.unwrap().name, "Sent");
    }

    #[tokio::test]
    async fn a_refresh_says_whether_mail_arrived() {
        let (mut imap, _) = scripted(inbox_server).await;
        assert!(!refresh(&mut imap).await.unwrap(), "nothing selected");

        ensure_selected(&mut imap, "INBOX").await.unwrap();

        assert!(refresh(&mut imap).await.unwrap());
        assert_eq!(imap.selected.unwrap().exists, 11);
    }

    #[tokio::test]
    async fn responses_queued_during_other_commands_count_too() {
        fn quiet_noop(command: &str) -> &'static str {
            match command {
                "NOOP" => "",
                // Mail arrives while a list of folders is read.
                c if c.starts_with("LIST") => "* 12 EXISTS\r\n",
                c => inbox_server(c),
            }
        }
        let (mut imap, _) = scripted(quiet_noop).await;
        sync(&mut imap, "INBOX").await.unwrap();

        imap.session
            .run_command_and_check_ok("LIST \"\" x")
            .await
            .unwrap();

        assert_eq!(sync(&mut imap, "INBOX").await.unwrap(), 12);
    }

    #[tokio::test]
    async fn a_view_whose_reports_overflowed_is_selected_afresh() {
        fn chatty(command: &str) -> &'static str {
            match command {
                // More flag changes than async-imap queues arrive with a listing.
                c if c.starts_with("LIST") => "* 1 FETCH (FLAGS (\\Seen))\r\n".repeat(150).leak(),
                "NOOP" => "",
                c => inbox_server(c),
            }
        }
        let (mut imap, seen) = scripted(chatty).await;
        sync(&mut imap, "INBOX").await.unwrap();

        imap.session
            .run_command_and_check_ok("LIST \"\" x")
            .await
            .unwrap();
        sync(&mut imap, "INBOX").await.unwrap();

        let seen = seen.lock().unwrap();
        assert_eq!(seen.last().unwrap(), "SELECT \"INBOX\"", "{seen:?}");
        assert!(!imap.selected.unwrap().stale);
    }

    #[tokio::test]
    async fn an_expunge_in_the_middle_of_a_search_is_kept() {
        fn expunging(command: &str) -> &'static str {
            match command {
                c if c.starts_with("UID SEARCH") => "* 3 EXPUNGE\r\n* SEARCH 1 2\r\n",
                "NOOP" => "",
                c => inbox_server(c),
            }
        }
        let (mut imap, _) = scripted(expunging).await;
        sync(&mut imap, "INBOX").await.unwrap();

        let found = crate::imap::search::uids(&mut imap, &Default::default()).await;

        assert_eq!(found.unwrap(), [1, 2]);
        assert_eq!(sync(&mut imap, "INBOX").await.unwrap(), 9);
        assert!(imap.take_changed());
    }

    #[tokio::test]
    async fn qresync_is_enabled_once_per_connection_before_the_first_select() {
        let (mut imap, seen) = scripted(inbox_server).await;
        imap.caps = crate::imap::Capabilities::of(&["CONDSTORE", "QRESYNC"]);

        sync(&mut imap, "INBOX").await.unwrap();
        sync(&mut imap, "Sent").await.unwrap();
        select(&mut imap, "INBOX").await.unwrap();

        assert_eq!(
            *seen.lock().unwrap(),
            [
                "ENABLE QRESYNC",
                "SELECT \"INBOX\"",
                "SELECT \"Sent\"",
                "SELECT \"INBOX\""
            ]
        );
    }

    #[tokio::test]
    async fn a_server_without_qresync_is_not_asked_to_enable_it() {
        let (mut imap, seen) = scripted(inbox_server).await;
        imap.caps = crate::imap::Capabilities::of(&["CONDSTORE"]);

        sync(&mut imap, "INBOX").await.unwrap();

        assert_eq!(*seen.lock().unwrap(), ["SELECT \"INBOX\""]);
    }

    #[tokio::test]
    async fn a_refused_enable_is_not_asked_again() {
        let (mut imap, seen) = fake_server(|tag, command| match command {
            "ENABLE QRESYNC" => format!("{tag} BAD not here\r\n"),
            c => format!("{}{tag} OK done\r\n", inbox_server(c)),
        })
        .await;
        imap.caps = crate::imap::Capabilities::of(&["QRESYNC"]);

        sync(&mut imap, "INBOX").await.unwrap();
        sync(&mut imap, "Sent").await.unwrap();

        assert_eq!(
            *seen.lock().unwrap(),
            ["ENABLE QRESYNC", "SELECT \"INBOX\"", "SELECT \"Sent\""]
        );
    }
}
