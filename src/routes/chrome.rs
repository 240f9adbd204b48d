//! What every signed-in page shares: the header with the account and sign-out form, the
//! folder sidebar, and the one mail failure that means more than "the server failed" (a
//! folder that is not there).

use std::sync::Arc;

use super::{assets, links};
use crate::error::AppError;
use crate::i18n::{Lang, Strings};
use crate::imap::folders::{self, Folder, FolderList, NewFolderName, Role, RoleFolder};
use crate::imap::{MailError, MailboxName};
use crate::web_session::CurrentUser;

/// One folder in the sidebar.
pub struct FolderLink {
    pub href: String,
    pub label: String,
    pub depth: usize,
    pub unseen: u32,
    pub current: bool,
    pub selectable: bool,
    /// CSS class naming the role (`inbox`, `sent`…) or `folder`.
    pub kind: &'static str,
}

/// The frame around every signed-in page.
pub struct Chrome {
    pub t: &'static Strings,
    pub css: &'static str,
    pub js: &'static str,
    pub email: String,
    pub csrf: String,
    pub folders: Vec<FolderLink>,
    /// Link that switches the interface to the other language and comes back here.
    pub lang_href: String,
    /// What the last action did, shown once.
    pub notice: Option<String>,
    /// Seconds until an idle sign-out, and how long before it the page warns.
    pub idle_left: u64,
    pub idle_warn: u64,
}

/// Builds the page frame, with `current` (a decoded mailbox name) highlighted.
pub async fn chrome(
    user: &CurrentUser,
    lang: Lang,
    current: &str,
    here: &str,
) -> Result<Chrome, AppError> {
    let t = lang.strings();
    let list = folder_list(user).await?;
    let folders = list
        .sidebar(current)
        .map(|f| FolderLink {
            href: links::folder(&f.name),
            label: label(f, t),
            depth: f.depth,
            unseen: f.unseen.unwrap_or(0),
            current: f.name == current,
            selectable: f.selectable,
            kind: role_class(f.role),
        })
        .collect();
    Ok(Chrome {
        t,
        css: assets::css_url(),
        js: assets::js_url(),
        email: user.who.email.clone(),
        csrf: user.who.csrf.clone(),
        folders,
        notice: user.session.take_notice().await,
        idle_left: super::auth::seconds_up(
            user.sessions.time_left(&user.who.key).unwrap_or_default(),
        ),
        // Two minutes' warning, or a fifth of a (test's) short timeout.
        idle_warn: (user.sessions.limits().idle / 5).as_secs().clamp(1, 120),
        lang_href: links::language(t.other_lang, here),
    })
}

/// One folder of the "Move to…" menu.
pub struct MoveTarget {
    /// Decoded full name: what the form sends.
    pub name: String,
    pub label: String,
    pub depth: usize,
}

/// Folders messages in `current` can be moved to, in tree order.
pub fn move_targets(folders: &FolderList, current: &str, t: &'static Strings) -> Vec<MoveTarget> {
    folders
        .folders
        .iter()
        .filter(|f| f.selectable && f.name != current)
        .map(|f| MoveTarget {
            name: f.name.clone(),
            label: label(f, t),
            depth: f.depth,
        })
        .collect()
}

/// The folder list, from the session's cache when fresh.
pub async fn folder_list(user: &CurrentUser) -> Result<Arc<FolderList>, AppError> {
    if let Some(list) = user.mail.cached_folders() {
        return Ok(list);
    }
    let list = user.mail.run(|imap| Box::pin(folders::list(imap))).await?;
    let list = Arc::new(list);
    user.mail.cache_folders(list.clone());
    Ok(list)
}

/// A folder's name as shown: role folders at the top level get the interface's word for
/// them («Входящие», «Отправленные»), everything else its own name.
pub fn label(folder: &Folder, t: &'static Strings) -> String {
    match folder.role {
        Some(role) if folder.depth == 0 => role_word(role, t).to_owned(),
        _ => folder.leaf.clone(),
    }
}

/// The CSS class a folder's row and icon take: its role (`inbox`, `sent`…), or `folder`.
pub fn role_class(role: Option<Role>) -> &'static str {
    match role {
        None => "folder",
        Some(Role::Inbox) => "inbox",
        Some(Role::Drafts) => "drafts",
        Some(Role::Sent) => "sent",
        Some(Role::Archive) => "archive",
        Some(Role::Junk) => "junk",
        Some(Role::Trash) => "trash",
    }
}

/// The interface's word for a role's folder.
fn role_word(role: Role, t: &'static Strings) -> &'static str {
    match role {
        Role::Inbox => t.inbox,
        Role::Drafts => t.drafts,
        Role::Sent => t.sent,
        Role::Archive => t.archive,
        Role::Junk => t.junk,
        Role::Trash => t.trash,
    }
}

/// A folder an action sends messages to (or a message is saved in).
pub struct Destination {
    pub wire: String,
    pub label: String,
}

/// The folder for a role, created when the account has none (see [`folders::role_folder`]).
pub async fn role_folder(
    user: &CurrentUser,
    folders: &Arc<FolderList>,
    role: Role,
    t: &'static Strings,
) -> Result<Destination, AppError> {
    let names = new_folder_name(role);
    let found = user
        .mail
        .run(|imap| {
            let folders = folders.clone();
            Box::pin(async move { folders::role_folder(imap, &folders, role, names).await })
        })
        .await?;
    let label = match &found {
        RoleFolder::Found(folder) => label(folder, t),
        RoleFolder::Made(_) => {
            user.mail.invalidate_folders();
            role_word(role, t).to_owned()
        }
    };
    Ok(Destination {
        wire: found.wire(),
        label,
    })
}

/// What a new folder for `role` is called, in English and in Russian.
fn new_folder_name(role: Role) -> NewFolderName {
    let name = |lang: Lang| {
        let names = &lang.strings().folder_admin.role_names;
        match role {
            Role::Inbox => "INBOX",
            Role::Drafts => names.drafts,
            Role::Sent => names.sent,
            Role::Archive => names.archive,
            Role::Junk => names.junk,
            Role::Trash => names.trash,
        }
    };
    NewFolderName {
        english: name(Lang::En),
        russian: name(Lang::Ru),
    }
}

/// For an operation on one mailbox: a NO from the server (SELECT of a folder that is not
/// there) means that folder does not exist; any other failure is what [`AppError::from`]
/// makes of it.
pub fn in_mailbox(mailbox: &MailboxName) -> impl FnOnce(MailError) -> AppError + '_ {
    move |error| match error {
        MailError::Imap(async_imap::error::Error::No(_)) => {
            AppError::MailboxNotFound(mailbox.as_str().to_owned())
        }
        other => other.into(),
    }
}
