//! The message list: `/mail/{mailbox}?page=N`, newest first, fifty a page; or searched,
//! sorted or in conversations (`?q=…&sort=…&threads=on`, see `list_query`).

use axum::Router;
use axum::extract::{OriginalUri, Query};
use axum::http::StatusCode;
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Datelike, FixedOffset, Utc};

use super::actions::Action;
use super::chrome::{Chrome, MoveTarget, chrome, folder_list, in_mailbox, label, move_targets};
use super::extract::MailboxPath;
use super::links::{self, MessageLinks};
use super::list_controls::{self, Controls, Made};
use super::list_query::{FormError, ListQuery, Scope, SearchForm, Select};
use super::render;
use crate::error::AppError;
use crate::i18n::{Lang, Strings};
use crate::imap::MailboxName;
use crate::imap::folders::{FolderList, Role};
use crate::imap::listing::{Page, Summary};
use crate::imap::sort::Order;
use crate::imap::view::{self, FolderRef, ListRequest, Listing};
use crate::message::text::human_size;
use crate::state::AppState;
use crate::web_session::{CurrentUser, ListPrefs};

pub fn router() -> Router<AppState> {
    Router::new().route("/mail/{mailbox}", get(show_mailbox))
}

/// One line of the list, ready to print.
struct Row {
    uid: u32,
    href: String,
    from: String,
    from_title: String,
    subject: String,
    date: String,
    date_title: String,
    size: String,
    seen: bool,
    flagged: bool,
    answered: bool,
    attachments: bool,
    /// The folder it is in, in results from all folders.
    folder: Option<FolderCell>,
    /// Indent in a conversation, capped so deep threads stay readable.
    depth: u32,
    /// "4 messages in this conversation" on a conversation's first line.
    thread_title: Option<String>,
    thread_size: u32,
}

/// The folder a search result is in.
struct FolderCell {
    label: String,
    href: String,
}

/// Links to move between pages; `None` where there is nowhere to go.
struct Pager {
    number: u32,
    count: u32,
    first: u32,
    last: u32,
    total: u32,
    newest: Option<String>,
    newer: Option<String>,
    older: Option<String>,
    oldest: Option<String>,
}

#[derive(askama::Template)]
#[template(path = "mailbox.html")]
struct MailboxPage {
    chrome: Chrome,
    title: String,
    rows: Vec<Row>,
    pager: Pager,
    controls: Controls,
    /// Tick boxes and the action toolbar: not for results from several folders.
    bulk: bool,
    /// The action form: where it posts, the folder's UIDVALIDITY, where to come back to.
    actions_href: String,
    validity: u32,
    here: String,
    in_junk: bool,
    move_targets: Vec<MoveTarget>,
    /// "Empty Trash" / "Empty Spam" in those folders.
    empty_label: Option<&'static str>,
    /// This page with every message selected, or with none when they all are.
    select_href: String,
    all_checked: bool,
    /// "Select all 600 messages in this folder".
    select_folder: String,
}

async fn show_mailbox(
    user: CurrentUser,
    lang: Lang,
    OriginalUri(uri): OriginalUri,
    MailboxPath(name): MailboxPath,
    Query(query): Query<ListQuery>,
) -> Result<Response, AppError> {
    let prefs = list_controls::remember(&user, &query).await?;
    let form = query.search.cleaned();
    let folders = folder_list(&user).await?;
    let (listing, error) = match view_of(&form, &prefs) {
        Ok((view, everywhere)) => {
            let number = page_number(&query);
            let listing = load(&user, &name, &folders, view, everywhere, number).await?;
            (listing, None)
        }
        Err(e) => (Listing::empty(), Some(e)),
    };
    let here = uri.path_and_query().map_or("/", |p| p.as_str());
    let chrome = chrome(&user, lang, name.as_str(), here).await?;
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let page = mailbox_page(
        chrome,
        Shown {
            name: &name,
            folders: &folders,
            uri: &uri,
            all_checked: query.select == Some(Select::Page),
            form: &form,
            prefs: &prefs,
            error: error.as_ref(),
            listing,
        },
    );
    Ok((status, render(&page)).into_response())
}

/// `?page=`; one that is not a number is the first page, not an error.
fn page_number(query: &ListQuery) -> u32 {
    query
        .page
        .as_deref()
        .and_then(|p| p.trim().parse::<u32>().ok())
        .unwrap_or(1)
}

/// What to ask the server for (the search, if any, and the order), and whether in every
/// folder; or what is wrong with the search form.
fn view_of(form: &SearchForm, prefs: &ListPrefs) -> Result<(ListRequest, bool), FormError> {
    let everywhere = form.is_active() && form.everywhere();
    let criteria = form.is_active().then(|| form.criteria()).transpose()?;
    // Conversations come in their own order (latest activity first).
    let threads = prefs.threads && !everywhere;
    let order = if threads {
        Order::default()
    } else {
        list_controls::order(prefs).order()
    };
    let view = ListRequest {
        criteria,
        order,
        threads,
    };
    Ok((view, everywhere))
}

/// Everything the list page shows, besides the frame.
struct Shown<'a> {
    name: &'a MailboxName,
    folders: &'a FolderList,
    /// This page's address, for links that change one parameter.
    uri: &'a Uri,
    /// Every message on the page starts ticked.
    all_checked: bool,
    form: &'a SearchForm,
    prefs: &'a ListPrefs,
    error: Option<&'a FormError>,
    listing: Listing,
}

fn mailbox_page(chrome: Chrome, shown: Shown<'_>) -> MailboxPage {
    let Shown {
        name,
        folders,
        uri,
        all_checked,
        form,
        prefs,
        error,
        listing: Listing { page, notes },
    } = shown;
    let t = chrome.t;
    let folder = folders.find(name.as_str());
    let role = folder.and_then(|f| f.role);
    let now = Utc::now();
    let made = Made {
        base: name,
        form,
        prefs,
        error,
        total: error.is_none().then_some(page.total),
        notes: &notes,
    };
    let controls = list_controls::controls(made, t);
    let select = (!all_checked).then_some(Select::Page);
    MailboxPage {
        title: folder
            .map(|f| label(f, t))
            .unwrap_or_else(|| name.as_str().to_owned()),
        rows: page
            .messages
            .iter()
            .map(|m| row(m, name, folders, t, now))
            .collect(),
        pager: pager(&page, name, &controls.keep),
        bulk: !controls.everywhere,
        controls,
        actions_href: links::actions(name),
        validity: page.uid_validity,
        in_junk: role == Some(Role::Junk),
        move_targets: move_targets(folders, name.as_str(), t),
        empty_label: match role {
            Some(Role::Trash) => Some(t.empty_trash),
            Some(Role::Junk) => Some(t.empty_junk),
            _ => None,
        },
        select_href: links::here_selecting(uri, select),
        // Actions come back to this page as it is, not to its select-all variant.
        here: links::here_selecting(uri, None),
        all_checked,
        select_folder: (t.select_folder)(page.total),
        chrome,
    }
}

/// Asks the server for the page: in this folder, or (a search `in=all`) in every
/// subscribed folder that can hold messages.
async fn load(
    user: &CurrentUser,
    name: &MailboxName,
    folders: &FolderList,
    view: ListRequest,
    everywhere: bool,
    number: u32,
) -> Result<Listing, AppError> {
    if everywhere {
        let all: Vec<FolderRef> = folders
            .folders
            .iter()
            .filter(|f| f.selectable)
            .filter_map(|f| MailboxName::parse(&f.name))
            .map(|n| FolderRef {
                wire: n.wire(),
                name: n.as_str().to_owned(),
            })
            .collect();
        let criteria = view.criteria.unwrap_or_default();
        let order = view.order;
        return user
            .mail
            .run(|imap| {
                let (all, criteria) = (all.clone(), criteria.clone());
                Box::pin(async move {
                    let subscribed = view::subscribed(imap).await?;
                    // A server that keeps no subscriptions gets every folder searched.
                    let chosen: Vec<FolderRef> = if subscribed.is_empty() {
                        all
                    } else {
                        all.into_iter()
                            .filter(|f| subscribed.contains(&f.wire))
                            .collect()
                    };
                    view::everywhere_page(imap, &chosen, &criteria, order, number).await
                })
            })
            .await
            .map_err(AppError::from);
    }
    let wire = name.wire();
    user.mail
        .run(|imap| {
            let (wire, view) = (wire.clone(), view.clone());
            Box::pin(async move { view::folder_page(imap, &wire, &view, number).await })
        })
        .await
        .map_err(in_mailbox(name))
}

/// Conversations indent at most this deep.
const MAX_INDENT: u32 = 6;

fn row(
    m: &Summary,
    base: &MailboxName,
    folders: &FolderList,
    t: &'static Strings,
    now: DateTime<Utc>,
) -> Row {
    let folder = m.folder.as_deref().map(|name| FolderCell {
        label: folders
            .find(name)
            .map(|f| label(f, t))
            .unwrap_or_else(|| name.to_owned()),
        href: links::folder(name),
    });
    let href = match m.folder.as_deref() {
        Some(name) => MessageLinks::in_folder(name, m.uid).page(),
        None => MessageLinks::new(base, m.uid).page(),
    };
    Row {
        uid: m.uid,
        href,
        folder,
        depth: m.depth.min(MAX_INDENT),
        thread_title: (m.thread_size > 1).then(|| (t.thread_size)(m.thread_size)),
        thread_size: m.thread_size,
        from: if m.from_name.trim().is_empty() {
            m.from_address.clone()
        } else {
            m.from_name.clone()
        },
        from_title: m.from_address.clone(),
        subject: if m.subject.trim().is_empty() {
            t.no_subject.to_owned()
        } else {
            m.subject.clone()
        },
        date: m.date.map(|d| short_date(d, now, t)).unwrap_or_default(),
        date_title: m
            .date
            .map(|d| d.format("%Y-%m-%d %H:%M %:z").to_string())
            .unwrap_or_default(),
        size: human_size(u64::from(m.size)),
        seen: m.seen,
        flagged: m.flagged,
        answered: m.answered,
        attachments: m.has_attachments,
    }
}

/// Today: `14:05`; this year: `3 Mar`; older: `03.03.2023`.
fn short_date(date: DateTime<FixedOffset>, now: DateTime<Utc>, t: &'static Strings) -> String {
    let now = now.with_timezone(date.offset());
    if date.date_naive() == now.date_naive() {
        date.format("%H:%M").to_string()
    } else if date.year() == now.year() {
        format!("{} {}", date.day(), t.months[date.month0() as usize])
    } else {
        date.format("%d.%m.%Y").to_string()
    }
}

/// Page links keep the search; sort and conversations live in the session.
fn pager(page: &Page, base: &MailboxName, keep: &[(&'static str, String)]) -> Pager {
    let link = |n: u32| links::list_page(base, keep, n);
    let (first, last) = page.range();
    Pager {
        number: page.number,
        count: page.count,
        first,
        last,
        total: page.total,
        newest: (page.number > 2).then(|| link(1)),
        newer: (page.number > 1).then(|| link(page.number - 1)),
        older: (page.number < page.count).then(|| link(page.number + 1)),
        oldest: (page.number + 1 < page.count).then(|| link(page.count)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{EN, RU};

    #[test]
    fn dates_shorten_by_age() {
        let now: DateTime<Utc> = "2026-11-22T12:00:00Z".parse().unwrap();
        let today = DateTime::parse_from_rfc3339("2026-11-22T09:30:00+00:00").unwrap();
        let this_year = DateTime::parse_from_rfc3339("2026-03-03T09:30:00+00:00").unwrap();
        let old = DateTime::parse_from_rfc3339("2023-03-03T09:30:00+00:00").unwrap();
        assert_eq!(short_date(today, now, &EN), "09:30");
        assert_eq!(short_date(this_year, now, &EN), "3 Mar");
        assert_eq!(short_date(this_year, now, &RU), "3 мар");
        assert_eq!(short_date(old, now, &EN), "03.03.2023");
    }

    #[test]
    fn the_pager_links_only_where_there_is_somewhere_to_go() {
        let page = Page {
            number: 1,
            count: 200,
            total: 10_000,
            uid_validity: 1,
            offset: 0,
            messages: vec![],
        };
        let p = pager(&page, &MailboxName::parse("INBOX").unwrap(), &[]);
        assert_eq!(p.newer, None);
        assert_eq!(p.older.as_deref(), Some("/mail/INBOX?page=2"));
        assert_eq!(p.oldest.as_deref(), Some("/mail/INBOX?page=200"));
    }
}
