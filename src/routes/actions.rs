//! Acting on messages: `POST /mail/{mailbox}/actions` with `uid`… (or `all=1` for the whole
//! folder), `action` (read, unread, flag, unflag, delete, move, spam, notspam, archive,
//! empty), `target` (for move), `validity` (the folder's UIDVALIDITY when the page was made),
//! `return` (where to go back to), `confirm`, `csrf`. Deleting for good and emptying a folder
//! first show a confirmation page; everything else is done at once and said in a notice.

use axum::Router;
use axum::body::Bytes;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;

use super::chrome::{Destination, chrome, folder_list, in_mailbox, label, role_folder};
use super::confirm::{Question, confirm_page};
use super::extract::MailboxPath;
use super::form::Fields;
use crate::app::AppState;
use crate::error::AppError;
use crate::i18n::{Lang, Strings};
use crate::imap::actions::{self, ActionError, FlagChange, UidSet};
use crate::imap::folders::{FolderList, Role};
use crate::imap::{MailError, MailboxName};
use crate::session::{CurrentUser, safe_next};

pub fn router() -> Router<AppState> {
    Router::new().route("/mail/{mailbox}/actions", post(act))
}

/// What a person asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Read,
    Unread,
    Flag,
    Unflag,
    Delete,
    Move,
    Spam,
    NotSpam,
    Archive,
    Empty,
}

impl Action {
    pub fn parse(value: &str) -> Option<Action> {
        Some(match value {
            "read" => Action::Read,
            "unread" => Action::Unread,
            "flag" => Action::Flag,
            "unflag" => Action::Unflag,
            "delete" => Action::Delete,
            "move" => Action::Move,
            "spam" => Action::Spam,
            "notspam" => Action::NotSpam,
            "archive" => Action::Archive,
            "empty" => Action::Empty,
            _ => return None,
        })
    }
}

async fn act(
    user: CurrentUser,
    lang: Lang,
    MailboxPath(name): MailboxPath,
    body: Bytes,
) -> Result<Response, AppError> {
    let fields = Fields::parse(&body);
    user.check_csrf(fields.get("csrf").unwrap_or_default())?;
    let t = lang.strings();
    let action = fields
        .get("action")
        .and_then(Action::parse)
        .ok_or_else(|| AppError::BadRequest("unknown action".into()))?;
    let mut back = match fields.get("return") {
        Some(path) => safe_next(Some(path)),
        None => name.url(),
    };
    // Sent from a message that will not be there (moved, deleted) or would be marked read
    // again on opening (unread): go back to its folder instead.
    let leaves = !matches!(action, Action::Read | Action::Flag | Action::Unflag);
    if leaves && back.starts_with(&format!("{}/", name.url())) {
        back = name.url();
    }
    // Absent on forms from older pages; present, it must be a number (the page wrote it).
    let validity = match fields.get("validity") {
        None | Some("") => None,
        Some(v) => Some(
            v.parse::<u32>()
                .map_err(|_| AppError::BadRequest("validity is not a number".into()))?,
        ),
    };
    let uids = if action == Action::Empty || fields.get("all") == Some("1") {
        UidSet::All
    } else {
        match UidSet::parse(fields.all("uid")) {
            Some(uids) => uids,
            None => {
                user.session.set_notice(t.notice_nothing_selected).await?;
                return Ok(Redirect::to(&back).into_response());
            }
        }
    };
    // "Move" with "Move to…" left unchosen: say so and keep the person where they were.
    if action == Action::Move && fields.get("target").is_none_or(str::is_empty) {
        user.session.set_notice(t.notice_no_target).await?;
        return Ok(Redirect::to(&back).into_response());
    }
    let folders = folder_list(&user).await?;
    let here = folders.find(name.as_str()).and_then(|f| f.role);
    let confirmed = fields.get("confirm") == Some("1");

    let wire = name.wire();
    let mail = &user.mail;
    let run = |op: Op| {
        let (wire, uids) = (wire.clone(), uids.clone());
        async move {
            mail.run(|imap| {
                let (wire, uids, op) = (wire.clone(), uids.clone(), op.clone());
                Box::pin(async move {
                    Ok(match op {
                        Op::Flag(change) => {
                            actions::set_flag(imap, &wire, validity, &uids, change).await
                        }
                        Op::Move(target) => {
                            actions::move_to(imap, &wire, validity, &uids, &target).await
                        }
                        Op::DeleteForever => {
                            actions::delete_forever(imap, &wire, validity, &uids).await
                        }
                        Op::Empty => actions::empty(imap, &wire).await.map(|_| ()),
                    })
                })
            })
            .await
        }
    };
    let count = uids.count();
    let notice = match action {
        Action::Read | Action::Unread | Action::Flag | Action::Unflag => {
            let change = match action {
                Action::Read => FlagChange::Seen(true),
                Action::Unread => FlagChange::Seen(false),
                Action::Flag => FlagChange::Flagged(true),
                _ => FlagChange::Flagged(false),
            };
            done(&name, run(Op::Flag(change)).await)?;
            (t.notice_flags)(count)
        }
        Action::Delete if here == Some(Role::Trash) || folders.by_role(Role::Trash).is_none() => {
            if !confirmed {
                let question = (t.confirm_delete_forever)(count);
                return confirm(
                    &user,
                    lang,
                    &name,
                    &fields,
                    question,
                    t.delete_forever,
                    &back,
                )
                .await;
            }
            done(&name, run(Op::DeleteForever).await)?;
            (t.notice_deleted_forever)(count)
        }
        Action::Empty => {
            if !matches!(here, Some(Role::Trash | Role::Junk)) {
                return Err(AppError::BadRequest(
                    "only Trash and Junk can be emptied".into(),
                ));
            }
            if !confirmed {
                let question = (t.confirm_empty)(&label_of(&folders, &name, t));
                return confirm(
                    &user,
                    lang,
                    &name,
                    &fields,
                    question,
                    t.empty_folder_button,
                    &back,
                )
                .await;
            }
            done(&name, run(Op::Empty).await)?;
            (t.notice_emptied)(&label_of(&folders, &name, t))
        }
        Action::Delete | Action::Move | Action::Spam | Action::NotSpam | Action::Archive => {
            let target = match action {
                Action::Move => chosen_folder(&folders, fields.get("target"), t)?,
                Action::Delete => role_folder(&user, &folders, Role::Trash, t).await?,
                Action::Spam => role_folder(&user, &folders, Role::Junk, t).await?,
                Action::Archive => role_folder(&user, &folders, Role::Archive, t).await?,
                _ => Destination {
                    wire: "INBOX".into(),
                    label: t.inbox.into(),
                },
            };
            if target.wire == wire {
                (t.notice_already_there)(&target.label)
            } else {
                done(&name, run(Op::Move(target.wire)).await)?;
                (t.notice_moved)(count, &target.label)
            }
        }
    };
    user.mail.invalidate_folders();
    user.session.set_notice(&notice).await?;
    Ok(Redirect::to(&back).into_response())
}

/// One IMAP operation of an action.
#[derive(Clone)]
enum Op {
    Flag(FlagChange),
    Move(String),
    DeleteForever,
    Empty,
}

/// Turns an action's outcome into the page's error, if any.
fn done(
    name: &MailboxName,
    outcome: Result<Result<(), ActionError>, MailError>,
) -> Result<(), AppError> {
    match outcome.map_err(in_mailbox(name))? {
        Ok(()) => Ok(()),
        Err(ActionError::Renumbered) => Err(AppError::FolderChanged),
        Err(ActionError::Imap(e)) => Err(in_mailbox(name)(MailError::Imap(e))),
    }
}

fn label_of(folders: &FolderList, name: &MailboxName, t: &'static Strings) -> String {
    folders
        .find(name.as_str())
        .map(|f| label(f, t))
        .unwrap_or_else(|| name.as_str().to_owned())
}

/// The folder picked in "Move to…": it must exist and take messages.
fn chosen_folder(
    folders: &FolderList,
    target: Option<&str>,
    t: &'static Strings,
) -> Result<Destination, AppError> {
    let target = target
        .and_then(MailboxName::parse)
        .ok_or_else(|| AppError::BadRequest("no folder to move to".into()))?;
    let folder = folders
        .find(target.as_str())
        .filter(|f| f.selectable)
        .ok_or_else(|| AppError::MailboxNotFound(target.as_str().to_owned()))?;
    Ok(Destination {
        wire: target.wire(),
        label: label(folder, t),
    })
}

/// The confirmation page for an action on `name`'s messages.
async fn confirm(
    user: &CurrentUser,
    lang: Lang,
    name: &MailboxName,
    fields: &Fields,
    question: String,
    confirm_label: &'static str,
    back: &str,
) -> Result<Response, AppError> {
    let chrome = chrome(user, lang, name.as_str(), back).await?;
    Ok(confirm_page(
        chrome,
        fields,
        Question {
            question,
            warnings: Vec::new(),
            confirm_label,
            action_url: format!("{}/actions", name.url()),
            cancel: back.to_owned(),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_of_the_form_parses_and_nothing_else() {
        for (value, action) in [
            ("read", Action::Read),
            ("unread", Action::Unread),
            ("flag", Action::Flag),
            ("unflag", Action::Unflag),
            ("delete", Action::Delete),
            ("move", Action::Move),
            ("spam", Action::Spam),
            ("notspam", Action::NotSpam),
            ("archive", Action::Archive),
            ("empty", Action::Empty),
        ] {
            assert_eq!(Action::parse(value), Some(action));
        }
        assert_eq!(Action::parse("expunge"), None);
        assert_eq!(Action::parse("Read"), None);
    }
}
