//! Acting on messages: `POST /mail/{mailbox}/actions` with `uid`… (or `all=1` for the whole
//! folder), `action` (read, unread, flag, unflag, delete, move, spam, notspam, archive,
//! empty), `target` (for move), `validity` (the folder's UIDVALIDITY when the page was made),
//! `return` (where to go back to), `confirm`, `csrf`. Deleting for good and emptying a folder
//! first show a confirmation page; everything else is done at once and said in a notice.

use std::sync::Arc;

use axum::Router;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use serde::{Deserialize, Serialize};

use super::chrome::{Destination, chrome, folder_list, in_mailbox, label, role_folder};
use super::confirm::{Question, confirm_page};
use super::extract::MailboxPath;
use super::form::{Posted, Ticked, codes};
use super::links;
use crate::error::AppError;
use crate::i18n::{Lang, Strings};
use crate::imap::actions::{self, ActionError, FlagChange, UidSet};
use crate::imap::folders::{FolderList, Role};
use crate::imap::{MailError, MailboxName};
use crate::state::AppState;
use crate::web_session::{CurrentUser, safe_next};

pub fn router() -> Router<AppState> {
    Router::new().route("/mail/{mailbox}/actions", post(act))
}

codes! {
    /// What a person asked for.
    pub enum Action {
        Read = "read",
        Unread = "unread",
        Flag = "flag",
        Unflag = "unflag",
        Delete = "delete",
        Move = "move",
        Spam = "spam",
        NotSpam = "notspam",
        Archive = "archive",
        Empty = "empty",
    }
}

impl Action {
    /// The flag this action sets or clears, if it is one of those.
    fn flag_change(self) -> Option<FlagChange> {
        Some(match self {
            Action::Read => FlagChange::Seen(true),
            Action::Unread => FlagChange::Seen(false),
            Action::Flag => FlagChange::Flagged(true),
            Action::Unflag => FlagChange::Flagged(false),
            _ => return None,
        })
    }
}

/// The posted form. Written back as it came (less the token) by the confirmation page.
#[derive(Deserialize, Serialize)]
struct ActionForm {
    #[serde(default, skip_serializing)]
    csrf: String,
    action: Action,
    /// The ticked messages as sent; [`UidSet::parse`] decides what they are.
    #[serde(default)]
    uid: Vec<String>,
    /// The whole folder, not only what is ticked.
    #[serde(default)]
    all: Ticked,
    /// The folder "Move to…" names (decoded).
    target: Option<String>,
    /// The folder's UIDVALIDITY when the page was made; absent on forms from older pages.
    validity: Option<u32>,
    /// Where to go back to.
    #[serde(rename = "return")]
    back: Option<String>,
    #[serde(default, skip_serializing)]
    confirm: Ticked,
}

impl ActionForm {
    /// Where to go afterwards: back where the form was, unless it was the page of a message
    /// that will not be there (moved, deleted) or would be marked read again on opening
    /// (unread); then its folder.
    fn back_to(&self, name: &MailboxName) -> String {
        let back = match &self.back {
            Some(path) => safe_next(Some(path)),
            None => links::mailbox(name),
        };
        let leaves = !matches!(self.action, Action::Read | Action::Flag | Action::Unflag);
        let list = links::mailbox(name);
        if leaves
            && back
                .strip_prefix(&list)
                .is_some_and(|rest| rest.starts_with('/'))
        {
            list
        } else {
            back
        }
    }

    /// The messages to act on; `None` when nothing (or nothing valid) was ticked.
    fn selection(&self) -> Option<UidSet> {
        if self.action == Action::Empty || self.all.0 {
            Some(UidSet::All)
        } else {
            UidSet::parse(self.uid.iter().map(String::as_str))
        }
    }
}

async fn act(
    user: CurrentUser,
    lang: Lang,
    MailboxPath(name): MailboxPath,
    Posted(form): Posted<ActionForm>,
) -> Result<Response, AppError> {
    user.check_csrf(&form.csrf)?;
    let t = lang.strings();
    let back = form.back_to(&name);
    let Some(uids) = form.selection() else {
        return say(&user, t.notice_nothing_selected, &back).await;
    };
    // "Move" with "Move to…" left unchosen: say so and keep the person where they were.
    if form.action == Action::Move && form.target.is_none() {
        return say(&user, t.notice_no_target, &back).await;
    }
    let folders = folder_list(&user).await?;
    let asked = Asked {
        user: &user,
        name: &name,
        folders: &folders,
        form: &form,
        count: uids.count(),
        t,
    };
    let notice = match decide(&asked).await? {
        Step::Ask { question, button } => {
            return confirm(&asked, lang, question, button, &back).await;
        }
        Step::Say(notice) => notice,
        Step::Run(op, notice) => {
            run(&user, &name, form.validity, &uids, op).await?;
            notice
        }
    };
    user.mail.invalidate_folders();
    say(&user, &notice, &back).await
}

/// Leaves `notice` for the next page and goes `back`.
async fn say(user: &CurrentUser, notice: &str, back: &str) -> Result<Response, AppError> {
    user.session.set_notice(notice).await?;
    Ok(Redirect::to(back).into_response())
}

/// An action on messages of a folder, as asked.
struct Asked<'a> {
    user: &'a CurrentUser,
    name: &'a MailboxName,
    folders: &'a Arc<FolderList>,
    form: &'a ActionForm,
    /// How many messages (`None`: the whole folder).
    count: Option<usize>,
    t: &'static Strings,
}

/// What an action comes to.
enum Step {
    /// Nothing yet: ask first (deleting for good, emptying a folder).
    Ask {
        question: String,
        button: &'static str,
    },
    /// Nothing to do, and this to say.
    Say(String),
    /// An IMAP operation, and what to say once it is done.
    Run(Op, String),
}

/// One IMAP operation of an action.
#[derive(Clone)]
enum Op {
    Flag(FlagChange),
    Move(String),
    DeleteForever,
    Empty,
}

async fn decide(asked: &Asked<'_>) -> Result<Step, AppError> {
    let Asked {
        name,
        folders,
        form,
        count,
        t,
        ..
    } = *asked;
    let here = folders.find(name.as_str()).and_then(|f| f.role);
    let confirmed = form.confirm.0;
    if let Some(change) = form.action.flag_change() {
        return Ok(Step::Run(Op::Flag(change), (t.notice_flags)(count)));
    }
    Ok(match form.action {
        // In Trash, or with no Trash to move to, deleting is for good.
        Action::Delete if here == Some(Role::Trash) || folders.by_role(Role::Trash).is_none() => {
            if confirmed {
                Step::Run(Op::DeleteForever, (t.notice_deleted_forever)(count))
            } else {
                Step::Ask {
                    question: (t.confirm_delete_forever)(count),
                    button: t.delete_forever,
                }
            }
        }
        Action::Empty => {
            if !matches!(here, Some(Role::Trash | Role::Junk)) {
                return Err(AppError::BadRequest(
                    "only Trash and Junk can be emptied".into(),
                ));
            }
            let label = label_of(folders, name, t);
            if confirmed {
                Step::Run(Op::Empty, (t.notice_emptied)(&label))
            } else {
                Step::Ask {
                    question: (t.confirm_empty)(&label),
                    button: t.empty_folder_button,
                }
            }
        }
        _ => moving(asked).await?,
    })
}

/// Moving messages: to the folder chosen, or to the folder of the role the action names
/// (created if the account has none), or back to the Inbox (not spam).
async fn moving(asked: &Asked<'_>) -> Result<Step, AppError> {
    let Asked {
        user,
        name,
        folders,
        form,
        count,
        t,
    } = *asked;
    let target = match form.action {
        Action::Move => chosen_folder(folders, form.target.as_deref(), t)?,
        Action::Delete => role_folder(user, folders, Role::Trash, t).await?,
        Action::Spam => role_folder(user, folders, Role::Junk, t).await?,
        Action::Archive => role_folder(user, folders, Role::Archive, t).await?,
        _ => Destination {
            wire: "INBOX".into(),
            label: t.inbox.into(),
        },
    };
    Ok(if target.wire == name.wire() {
        Step::Say((t.notice_already_there)(&target.label))
    } else {
        Step::Run(
            Op::Move(target.wire),
            (t.notice_moved)(count, &target.label),
        )
    })
}

/// Runs `op` on `uids` of `name`, as the folder was when the page showed it (`validity`).
async fn run(
    user: &CurrentUser,
    name: &MailboxName,
    validity: Option<u32>,
    uids: &UidSet,
    op: Op,
) -> Result<(), AppError> {
    let wire = name.wire();
    let outcome = user
        .mail
        .run(|imap| {
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
        .await;
    done(name, outcome)
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

/// The confirmation page for the action asked.
async fn confirm(
    asked: &Asked<'_>,
    lang: Lang,
    question: String,
    confirm_label: &'static str,
    back: &str,
) -> Result<Response, AppError> {
    let name = asked.name;
    let chrome = chrome(asked.user, lang, name.as_str(), back).await?;
    Ok(confirm_page(
        chrome,
        asked.form,
        Question {
            question,
            warnings: Vec::new(),
            confirm_label,
            action_url: links::actions(name),
            cancel: back.to_owned(),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(value: &str) -> Option<Action> {
        serde_html_form::from_str::<ActionForm>(&format!("action={value}"))
            .ok()
            .map(|form| form.action)
    }

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
            assert_eq!(parse(value), Some(action));
            assert_eq!(action.as_str(), value);
        }
        assert_eq!(parse("expunge"), None);
        assert_eq!(parse("Read"), None);
    }
}
