//! Managing folders: `GET /folders` shows the whole tree with counts and subscriptions and
//! a form to create one (`?rename=NAME` adds the form to rename or move NAME); `POST
//! /folders` changes it, with `csrf` and `action`:
//! - `create`: `name` as typed, `parent` (decoded full name; empty for the top level);
//! - `rename`: `folder`, `name`, `parent` (a new parent moves it);
//! - `delete`: `folder`; a confirmation page comes first (`confirm=1` skips it), saying
//!   how many messages and subfolders go with it;
//! - `subscribe`, `unsubscribe`: `folder`.
//!
//! A change leaves a notice and goes back to `/folders`. A name that cannot be used shows the
//! page again with the reason, and what was typed still in the form. Role folders (Inbox,
//! Sent, Drafts, Trash, Junk, Archive), and folders holding one, are never renamed or deleted.

use async_imap::error::Error as ImapError;
use axum::Router;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};

use super::chrome::{Chrome, chrome, folder_list, label, role_class};
use super::confirm::{Question, confirm_page};
use super::form::{Posted, Ticked, codes};
use super::links;
use super::render;
use crate::error::AppError;
use crate::i18n::{FolderStrings, Lang, Strings};
use crate::imap::actions::create_folder;
use crate::imap::folder_changes::{self, deletion_order, resubscriptions};
use crate::imap::folder_name::{self, MAX_CHARS, NameProblem};
use crate::imap::folders::{Folder, FolderList};
use crate::imap::{MailError, MailboxName, refusal_text};
use crate::state::AppState;
use crate::web_session::CurrentUser;

pub fn router() -> Router<AppState> {
    Router::new().route("/folders", get(show_folders).post(change_folders))
}

codes! {
    /// What a person asked for.
    pub enum FolderAction {
        Create = "create",
        Rename = "rename",
        Delete = "delete",
        Subscribe = "subscribe",
        Unsubscribe = "unsubscribe",
    }
}

/// The posted form. Written back as it came (less the token) by the confirmation page.
#[derive(Deserialize, Serialize)]
struct FolderForm {
    #[serde(default, skip_serializing)]
    csrf: String,
    action: FolderAction,
    /// The folder to change (decoded full name).
    folder: Option<String>,
    /// The name as typed.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    name: String,
    /// The parent chosen (decoded full name); empty for the top level.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    parent: String,
    #[serde(default, skip_serializing)]
    confirm: Ticked,
}

/// One folder as a row of the page.
struct Row {
    /// Decoded full name: what the forms send back.
    name: String,
    label: String,
    depth: usize,
    /// Where it opens; `None` for containers that hold folders only.
    href: Option<String>,
    total: Option<u32>,
    unseen: Option<u32>,
    subscribed: bool,
    /// A mailbox the server listed: parents it did not are drawn only to keep the tree
    /// whole, and have nothing to rename, delete or subscribe to.
    listed: bool,
    /// A role folder: always in the sidebar, whatever its subscription.
    role: bool,
    /// A role folder or one holding a role folder: never renamed or deleted here.
    special: bool,
    /// CSS class naming the role (`inbox`, `sent`…) or `folder`.
    kind: &'static str,
    rename_href: String,
}

/// One option of a parent picker.
struct Choice {
    value: String,
    label: String,
    selected: bool,
}

/// A name form (create or rename), with what was typed and why it could not be used.
struct NameForm {
    name: String,
    error: Option<String>,
    parents: Vec<Choice>,
}

/// The rename form for one folder.
struct Renaming {
    folder: String,
    title: String,
    form: NameForm,
}

#[derive(askama::Template)]
#[template(path = "folders.html")]
struct FoldersPage {
    chrome: Chrome,
    f: &'static FolderStrings,
    /// What went wrong with a change that is not about a typed name (a refused delete…).
    error: Option<String>,
    rows: Vec<Row>,
    /// Whether the server has subfolders at all: the parent pickers are shown only if so.
    nested: bool,
    create: NameForm,
    rename: Option<Renaming>,
}

#[derive(Deserialize)]
struct FoldersQuery {
    rename: Option<String>,
}

/// Why a change was not made, and which part of the page says so.
enum Refusal {
    /// In the create form, which keeps what was typed.
    Create(String),
    /// In the rename form of the folder, which keeps what was typed.
    Rename(String),
    /// At the top of the page.
    Page(String),
}

async fn show_folders(
    user: CurrentUser,
    lang: Lang,
    Query(query): Query<FoldersQuery>,
) -> Result<Response, AppError> {
    let list = folder_list(&user).await?;
    let t = lang.strings();
    let rename = query
        .rename
        .as_deref()
        .and_then(|name| list.find(name))
        .filter(|f| f.listed && special_in(&list, f).is_none())
        .map(|f| renaming(&list, t, f, &f.leaf, &parent_of(&list, &f.name), None));
    let create = name_form(&list, t, "", "", None, None);
    let page = page(&user, lang, &list, None, create, rename).await?;
    Ok(page.into_response())
}

async fn change_folders(
    user: CurrentUser,
    lang: Lang,
    Posted(form): Posted<FolderForm>,
) -> Result<Response, AppError> {
    user.check_csrf(&form.csrf)?;
    let f = lang.strings().folder_admin;
    // Decide on the folders as the server has them now, not as cached a moment ago.
    user.mail.invalidate_folders();
    let list = folder_list(&user).await?;
    let outcome = match change(&user, &list, f, &form).await? {
        Change::Done(outcome) => outcome,
        Change::Ask(folder) => return ask_to_delete(&user, lang, &list, folder, &form).await,
    };
    user.mail.invalidate_folders();
    match outcome {
        Ok(notice) => {
            user.session.set_notice(&notice).await?;
            Ok(Redirect::to(&links::folders()).into_response())
        }
        Err(refusal) => show_refusal(&user, lang, &form, refusal).await,
    }
}

/// Where a change stands.
enum Change<'a> {
    /// Made, or refused.
    Done(Outcome),
    /// Deleting this folder, once the person confirms.
    Ask(&'a Folder),
}

/// Makes the change the form asks for, on the folders as listed in `list`.
async fn change<'a>(
    user: &CurrentUser,
    list: &'a FolderList,
    f: &'static FolderStrings,
    form: &FolderForm,
) -> Result<Change<'a>, AppError> {
    let (typed, parent) = (form.name.as_str(), form.parent.as_str());
    let named = existing(list, form.folder.as_deref(), f);
    Ok(Change::Done(match (form.action, named) {
        (FolderAction::Create, _) => create(user, list, f, typed, parent).await?,
        (_, Err(refusal)) => Err(refusal),
        (FolderAction::Delete, Ok(folder)) if !form.confirm.0 => {
            match changeable(list, folder, f) {
                Ok(()) => return Ok(Change::Ask(folder)),
                Err(refusal) => Err(refusal),
            }
        }
        (FolderAction::Delete, Ok(folder)) => delete(user, list, f, folder).await?,
        (FolderAction::Rename, Ok(folder)) => rename(user, list, f, folder, typed, parent).await?,
        (FolderAction::Subscribe, Ok(folder)) => subscribe(user, f, folder, true).await?,
        (FolderAction::Unsubscribe, Ok(folder)) => subscribe(user, f, folder, false).await?,
    }))
}

/// The page again, saying why the change was not made, with what was typed still in its
/// form.
async fn show_refusal(
    user: &CurrentUser,
    lang: Lang,
    form: &FolderForm,
    refusal: Refusal,
) -> Result<Response, AppError> {
    let t = lang.strings();
    let list = folder_list(user).await?;
    let (typed, parent) = (form.name.as_str(), form.parent.as_str());
    let blank = || name_form(&list, t, "", "", None, None);
    let (create, rename, error) = match refusal {
        Refusal::Create(e) => (
            name_form(&list, t, typed, parent, None, Some(e)),
            None,
            None,
        ),
        Refusal::Rename(e) => {
            let folder = form.folder.as_deref().and_then(|name| list.find(name));
            let rename = folder.map(|folder| renaming(&list, t, folder, typed, parent, Some(e)));
            (blank(), rename, None)
        }
        Refusal::Page(e) => (blank(), None, Some(e)),
    };
    let page = page(user, lang, &list, error, create, rename).await?;
    Ok((StatusCode::BAD_REQUEST, page).into_response())
}

/// What a change did ("Folder “X” created."), or why it was not made.
type Outcome = Result<String, Refusal>;

async fn create(
    user: &CurrentUser,
    list: &FolderList,
    f: &'static FolderStrings,
    typed: &str,
    parent: &str,
) -> Result<Outcome, AppError> {
    if !parent.is_empty() && list.find(parent).is_none() {
        return Ok(Err(Refusal::Create(f.err_no_folder.into())));
    }
    let name = match new_name(list, typed, parent) {
        Ok(name) => name,
        Err(problem) => return Ok(Err(Refusal::Create(explain(f, &problem)))),
    };
    let wire = name.wire();
    let done = user
        .mail
        .run(|imap| {
            let wire = wire.clone();
            Box::pin(async move { create_folder(imap, &wire).await })
        })
        .await;
    Ok(match refused(f, done)? {
        None => Ok((f.notice_created)(name.as_str())),
        Some(said) => Err(Refusal::Create(said)),
    })
}

async fn rename(
    user: &CurrentUser,
    list: &FolderList,
    f: &'static FolderStrings,
    folder: &Folder,
    typed: &str,
    parent: &str,
) -> Result<Outcome, AppError> {
    if let Err(refusal) = changeable(list, folder, f) {
        return Ok(Err(refusal));
    }
    let delimiter = list.delimiter.as_deref();
    if !parent.is_empty() && list.find(parent).is_none() {
        return Ok(Err(Refusal::Rename(f.err_no_folder.into())));
    }
    if folder_name::is_within(parent, &folder.name, delimiter) {
        return Ok(Err(Refusal::Rename(f.err_into_itself.into())));
    }
    let to = match folder_name::full_name(typed, parent, delimiter) {
        Ok(to) if to.as_str() == folder.name => return Ok(Ok(f.unchanged.into())),
        Ok(to) => to,
        Err(problem) => return Ok(Err(Refusal::Rename(explain(f, &problem)))),
    };
    if let Err(problem) = folder_name::check_free(list, &to) {
        return Ok(Err(Refusal::Rename(explain(f, &problem))));
    }
    let from = mailbox(folder)?;
    let moves = resubscriptions(list, &folder.name, to.as_str());
    let done = user
        .mail
        .run(|imap| {
            let (from, to, moves) = (from.clone(), to.clone(), moves.clone());
            Box::pin(async move { folder_changes::rename(imap, &from, &to, &moves).await })
        })
        .await;
    Ok(match refused(f, done)? {
        None => Ok((f.notice_renamed)(&folder.name, to.as_str())),
        Some(said) => Err(Refusal::Rename(said)),
    })
}

async fn delete(
    user: &CurrentUser,
    list: &FolderList,
    f: &'static FolderStrings,
    folder: &Folder,
) -> Result<Outcome, AppError> {
    if let Err(refusal) = changeable(list, folder, f) {
        return Ok(Err(refusal));
    }
    let doomed = deletion_order(list, &folder.name);
    let done = user
        .mail
        .run(|imap| {
            let doomed = doomed.clone();
            Box::pin(async move { folder_changes::delete(imap, &doomed).await })
        })
        .await;
    Ok(match refused(f, done)? {
        None => Ok((f.notice_deleted)(&folder.name)),
        Some(said) => Err(Refusal::Page(said)),
    })
}

async fn subscribe(
    user: &CurrentUser,
    f: &'static FolderStrings,
    folder: &Folder,
    on: bool,
) -> Result<Outcome, AppError> {
    let name = mailbox(folder)?;
    let done = user
        .mail
        .run(|imap| {
            let name = name.clone();
            Box::pin(async move { folder_changes::set_subscribed(imap, &name, on).await })
        })
        .await;
    let notice = if on {
        f.notice_subscribed
    } else {
        f.notice_unsubscribed
    };
    Ok(match refused(f, done)? {
        None => Ok(notice(&folder.name)),
        Some(said) => Err(Refusal::Page(said)),
    })
}

/// The confirmation page for deleting `folder`, saying what goes with it.
async fn ask_to_delete(
    user: &CurrentUser,
    lang: Lang,
    list: &FolderList,
    folder: &Folder,
    form: &FolderForm,
) -> Result<Response, AppError> {
    let f = lang.strings().folder_admin;
    let mut warnings = Vec::new();
    if let Some(n) = folder.total.filter(|&n| n > 0) {
        warnings.push((f.warn_messages)(n));
    }
    let below: Vec<&Folder> = list.descendants(&folder.name).collect();
    if !below.is_empty() {
        let messages = below.iter().filter_map(|d| d.total).sum();
        warnings.push((f.warn_subfolders)(below.len(), messages));
    }
    let chrome = chrome(user, lang, "", &links::folders()).await?;
    Ok(confirm_page(
        chrome,
        form,
        Question {
            question: (f.confirm_delete)(&folder.name),
            warnings,
            confirm_label: f.delete,
            action_url: links::folders(),
            cancel: links::folders(),
        },
    ))
}

/// The folder a form names (`folder`), if the server has it.
fn existing<'a>(
    list: &'a FolderList,
    folder: Option<&str>,
    f: &'static FolderStrings,
) -> Result<&'a Folder, Refusal> {
    folder
        .and_then(MailboxName::parse)
        .and_then(|name| list.find(name.as_str()))
        .filter(|folder| folder.listed)
        .ok_or_else(|| Refusal::Page(f.err_no_folder.into()))
}

/// Refuses to rename or delete a role folder, or one holding a role folder.
fn changeable(
    list: &FolderList,
    folder: &Folder,
    f: &'static FolderStrings,
) -> Result<(), Refusal> {
    match special_in(list, folder) {
        None => Ok(()),
        Some(special) if special.name == folder.name => {
            Err(Refusal::Page((f.err_special)(&folder.name)))
        }
        Some(_) => Err(Refusal::Page((f.err_holds_special)(&folder.name))),
    }
}

/// `folder` itself if it has a role, else the first folder below it that has one.
fn special_in<'a>(list: &'a FolderList, folder: &'a Folder) -> Option<&'a Folder> {
    std::iter::once(folder)
        .chain(list.descendants(&folder.name))
        .find(|f| f.role.is_some())
}

/// A typed name under `parent`, checked and free.
fn new_name(list: &FolderList, typed: &str, parent: &str) -> Result<MailboxName, NameProblem> {
    let name = folder_name::full_name(typed, parent, list.delimiter.as_deref())?;
    folder_name::check_free(list, &name)?;
    Ok(name)
}

fn mailbox(folder: &Folder) -> Result<MailboxName, AppError> {
    MailboxName::parse(&folder.name)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("a listed folder has no valid name")))
}

/// A name problem in words.
fn explain(f: &'static FolderStrings, problem: &NameProblem) -> String {
    match problem {
        NameProblem::Empty => f.err_empty.into(),
        NameProblem::TooLong => (f.err_too_long)(MAX_CHARS),
        NameProblem::EdgeSpaces => f.err_edge_spaces.into(),
        NameProblem::ControlCharacter => f.err_control.into(),
        NameProblem::Wildcard(c) => (f.err_wildcard)(*c),
        NameProblem::Delimiter(d) => (f.err_delimiter)(d),
        NameProblem::Exists(name) => (f.err_exists)(name),
    }
}

/// `None` when the server did it; what it said when it refused (NO or BAD: a name it does
/// not allow, no permission, a quota); anything else is the page's error.
fn refused(
    f: &'static FolderStrings,
    done: Result<(), MailError>,
) -> Result<Option<String>, AppError> {
    match done {
        Ok(()) => Ok(None),
        Err(MailError::Imap(e @ (ImapError::No(_) | ImapError::Bad(_)))) => {
            let said = refusal_text(&e).unwrap_or_default();
            Ok(Some((f.err_server)(server_words(&said))))
        }
        Err(e) => Err(e.into()),
    }
}

/// The server's sentence without its response code and Dovecot's timing: `[ALREADYEXISTS]
/// Mailbox already exists (0.001 + 0.000 secs).` reads `Mailbox already exists`.
fn server_words(said: &str) -> &str {
    let said = said.trim();
    let said = match said.strip_prefix('[').and_then(|s| s.split_once(']')) {
        Some((_, rest)) => rest.trim_start(),
        None => said,
    };
    match said.rfind(" (") {
        Some(at) if said.ends_with("secs).") || said.ends_with("secs)") => &said[..at],
        _ => said,
    }
}

/// The decoded name of `name`'s parent; empty at the top level.
fn parent_of(list: &FolderList, name: &str) -> String {
    list.delimiter
        .as_deref()
        .and_then(|d| name.rsplit_once(d))
        .map(|(parent, _)| parent.to_owned())
        .unwrap_or_default()
}

async fn page(
    user: &CurrentUser,
    lang: Lang,
    list: &FolderList,
    error: Option<String>,
    create: NameForm,
    rename: Option<Renaming>,
) -> Result<Response, AppError> {
    let t = lang.strings();
    let chrome = chrome(user, lang, "", &links::folders()).await?;
    Ok(render(&FoldersPage {
        chrome,
        f: t.folder_admin,
        error,
        rows: rows(list, t),
        nested: list.delimiter.is_some(),
        create,
        rename,
    }))
}

fn rows(list: &FolderList, t: &'static Strings) -> Vec<Row> {
    list.folders
        .iter()
        .map(|folder| Row {
            name: folder.name.clone(),
            label: own_label(folder, t),
            depth: folder.depth,
            href: folder.selectable.then(|| links::folder(&folder.name)),
            total: folder.total,
            unseen: folder.unseen,
            subscribed: folder.subscribed,
            listed: folder.listed,
            role: folder.role.is_some(),
            special: special_in(list, folder).is_some(),
            kind: role_class(folder.role),
            rename_href: links::rename_folder(&folder.name),
        })
        .collect()
}

/// A folder's label with its own name beside it where the two differ («Архив (Archive)»):
/// here a person must tell the role folder from one of theirs of the same word.
fn own_label(folder: &Folder, t: &'static Strings) -> String {
    let shown = label(folder, t);
    if shown.to_lowercase() == folder.leaf.to_lowercase() {
        shown
    } else {
        format!("{shown} ({})", folder.leaf)
    }
}

/// A name form with `name` typed and `parent` chosen; `moving` is left out of the parents
/// with everything below it (a folder cannot go inside itself).
fn name_form(
    list: &FolderList,
    t: &'static Strings,
    name: &str,
    parent: &str,
    moving: Option<&str>,
    error: Option<String>,
) -> NameForm {
    let delimiter = list.delimiter.as_deref();
    let top = Choice {
        value: String::new(),
        label: t.folder_admin.top_level.into(),
        selected: parent.is_empty(),
    };
    let parents = std::iter::once(top)
        .chain(
            list.folders
                .iter()
                .filter(|f| moving.is_none_or(|m| !folder_name::is_within(&f.name, m, delimiter)))
                .map(|f| Choice {
                    value: f.name.clone(),
                    // Options cannot be styled: nesting shows as leading spaces.
                    label: format!(
                        "{}{}",
                        "\u{a0}\u{a0}\u{a0}".repeat(f.depth),
                        own_label(f, t)
                    ),
                    selected: f.name == parent,
                }),
        )
        .collect();
    NameForm {
        name: name.into(),
        error,
        parents,
    }
}

fn renaming(
    list: &FolderList,
    t: &'static Strings,
    folder: &Folder,
    name: &str,
    parent: &str,
    error: Option<String>,
) -> Renaming {
    Renaming {
        folder: folder.name.clone(),
        title: (t.folder_admin.rename_title)(&folder.name),
        form: name_form(list, t, name, parent, Some(&folder.name), error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::imap::folders::Role;

    fn parse(value: &str) -> Option<FolderAction> {
        serde_html_form::from_str::<FolderForm>(&format!("action={value}"))
            .ok()
            .map(|form| form.action)
    }

    #[test]
    fn every_folder_action_parses_and_nothing_else() {
        for (value, action) in [
            ("create", FolderAction::Create),
            ("rename", FolderAction::Rename),
            ("delete", FolderAction::Delete),
            ("subscribe", FolderAction::Subscribe),
            ("unsubscribe", FolderAction::Unsubscribe),
        ] {
            assert_eq!(parse(value), Some(action));
            assert_eq!(action.as_str(), value);
        }
        assert_eq!(parse("Delete"), None);
        assert_eq!(parse("move"), None);
    }

    fn folder(name: &str, role: Option<Role>) -> Folder {
        Folder {
            name: name.to_owned(),
            leaf: name.rsplit('/').next().unwrap().to_owned(),
            depth: name.matches('/').count(),
            role,
            selectable: true,
            listed: true,
            subscribed: true,
            unseen: None,
            total: None,
        }
    }

    #[test]
    fn role_folders_and_folders_holding_one_are_not_changeable() {
        let list = FolderList {
            folders: vec![
                folder("INBOX", Some(Role::Inbox)),
                folder("INBOX/Sent", Some(Role::Sent)),
                folder("Projects", None),
                folder("Projects/Rust", None),
            ],
            delimiter: Some("/".to_owned()),
        };
        let f = crate::i18n::Lang::En.strings().folder_admin;

        for (name, refused) in [
            ("INBOX", true),
            ("INBOX/Sent", true),
            ("Projects", false),
            ("Projects/Rust", false),
        ] {
            let folder = list.find(name).unwrap();
            assert_eq!(changeable(&list, folder, f).is_err(), refused, "{name}");
        }
        let holder = folder("Mail", None);
        let list = FolderList {
            folders: vec![holder.clone(), folder("Mail/Trash", Some(Role::Trash))],
            delimiter: Some("/".to_owned()),
        };
        assert!(matches!(
            changeable(&list, &holder, f),
            Err(Refusal::Page(said)) if said.contains("holds a special folder")
        ));
    }

    /// The server's text of a NO, as async-imap hands it over.
    fn as_sent(text: &str) -> String {
        refusal_text(&ImapError::No(text.to_owned())).unwrap_or_default()
    }

    #[test]
    fn people_see_the_servers_text_not_its_debug_formatting() {
        assert_eq!(
            as_sent(r#"code: None, info: Some("[ALREADYEXISTS] Mailbox already exists.")"#),
            "[ALREADYEXISTS] Mailbox already exists."
        );
        assert_eq!(
            as_sent(
                r#"code: Some(Other("CANNOT", None)), info: Some("Name \"a\\b\" is \u{1b}bad")"#
            ),
            "Name \"a\\b\" is \u{1b}bad"
        );
        assert_eq!(as_sent("Permission denied"), "Permission denied");
        assert_eq!(
            server_words(&as_sent(
                r#"code: Some(AlreadyExists), info: Some("Mailbox already exists (0.001 + 0.000 secs).")"#
            )),
            "Mailbox already exists"
        );
    }

    #[test]
    fn the_servers_words_lose_the_response_code_and_timing() {
        assert_eq!(
            server_words("[ALREADYEXISTS] Mailbox already exists (0.001 + 0.000 secs)."),
            "Mailbox already exists"
        );
        assert_eq!(server_words("Permission denied"), "Permission denied");
        assert_eq!(
            server_words("[CANNOT] Invalid name (a, b)"),
            "Invalid name (a, b)"
        );
    }
}
