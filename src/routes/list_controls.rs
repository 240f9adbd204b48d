//! What sits above the message list: the search form (a query box, and more fields in a
//! `<details>` that works without JavaScript), the sort menu, the conversations switch,
//! the count of what a search found and notes on how the list was made. Plus remembering
//! the sort and conversation choices for the session.

use super::links;
use super::list_query::{FormError, ListQuery, SearchForm, SortOrder, Threads};
use crate::error::AppError;
use crate::i18n::Strings;
use crate::imap::MailboxName;
use crate::imap::view::{Note, PER_FOLDER_CAP};
use crate::web_session::{CurrentUser, ListPrefs};

/// The controls, ready to print.
pub struct Controls {
    /// Where the forms and links go: the folder's own URL.
    pub base: String,
    /// The search form's values as typed, to fill the form again.
    pub form: SearchForm,
    pub searching: bool,
    pub everywhere: bool,
    /// The "more options" part starts open because one of its fields is set.
    pub more_open: bool,
    /// Why the search could not run, with the form kept as typed.
    pub error: Option<String>,
    /// "12 messages found".
    pub found: Option<String>,
    /// The sort menu.
    pub sort_options: Vec<SortOption>,
    /// The sort menu is offered (conversations come in their own order).
    pub show_sort: bool,
    /// The search's fields, as hidden inputs of the sort form so sorting keeps the search.
    pub keep: Vec<(&'static str, String)>,
    /// Conversations on, and the link that switches them; `None` where they cannot be
    /// shown (results from all folders).
    pub threads: bool,
    pub threads_href: Option<String>,
    pub notes: Vec<String>,
}

/// One entry of the sort menu.
pub struct SortOption {
    pub order: SortOrder,
    pub label: &'static str,
    pub chosen: bool,
}

/// Applies `?sort=` and `?threads=` to the session's choices, saving them if they changed,
/// and returns the choices in force. An unknown sort code is ignored.
pub async fn remember(user: &CurrentUser, query: &ListQuery) -> Result<ListPrefs, AppError> {
    let mut prefs = user.session.list_prefs().await;
    let before = prefs.clone();
    if let Some(order) = query.sort {
        prefs.sort = (order != SortOrder::default()).then(|| order.to_string());
    }
    if let Some(threads) = query.threads {
        prefs.threads = threads == Threads::On;
    }
    if prefs != before {
        user.session.set_list_prefs(&prefs).await?;
    }
    Ok(prefs)
}

/// The order the session's choices ask for.
pub fn order(prefs: &ListPrefs) -> SortOrder {
    prefs
        .sort
        .as_deref()
        .and_then(|code| code.parse().ok())
        .unwrap_or_default()
}

/// Everything the controls need to know about the list just made.
pub struct Made<'a> {
    /// The folder listed.
    pub base: &'a MailboxName,
    pub form: &'a SearchForm,
    pub prefs: &'a ListPrefs,
    pub error: Option<&'a FormError>,
    /// Messages found, when searching and the search ran.
    pub total: Option<u32>,
    pub notes: &'a [Note],
}

pub fn controls(made: Made<'_>, t: &'static Strings) -> Controls {
    let Made {
        base,
        form,
        prefs,
        error,
        total,
        notes,
    } = made;
    let searching = form.is_active();
    let everywhere = searching && form.everywhere();
    let threads = prefs.threads && !everywhere;
    let chosen = order(prefs);
    let keep = form.pairs();
    Controls {
        base: links::mailbox(base),
        form: form.clone(),
        searching,
        everywhere,
        more_open: form.advanced_used(),
        error: error.map(|e| e.message(t)),
        found: total.filter(|_| searching).map(t.search_found),
        sort_options: SortOrder::ALL
            .iter()
            .map(|&order| SortOption {
                order,
                label: order.label(t),
                chosen: order == chosen,
            })
            .collect(),
        show_sort: !threads,
        threads_href: (!everywhere).then(|| {
            let switched = if threads { Threads::Off } else { Threads::On };
            links::list_threads(base, &keep, switched)
        }),
        keep,
        threads,
        notes: notes
            .iter()
            .map(|n| match n {
                Note::NotSorted => t.note_not_sorted.to_owned(),
                Note::ThreadsOnPage => t.note_threads_on_page.to_owned(),
                Note::ResultsCut => (t.note_results_cut)(PER_FOLDER_CAP),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::EN;

    #[test]
    fn conversations_are_not_offered_across_folders() {
        let form = SearchForm {
            q: "plan".into(),
            scope: "all".into(),
            ..SearchForm::default()
        };
        let prefs = ListPrefs {
            sort: Some("from-asc".into()),
            threads: true,
        };
        let c = controls(
            Made {
                base: &MailboxName::parse("INBOX").unwrap(),
                form: &form,
                prefs: &prefs,
                error: None,
                total: Some(3),
                notes: &[],
            },
            &EN,
        );
        assert!(c.everywhere && !c.threads && c.show_sort);
        assert_eq!(c.threads_href, None);
        assert_eq!(c.found.as_deref(), Some("3 messages found"));
        assert!(
            c.sort_options
                .iter()
                .any(|o| o.order.as_str() == "from-asc" && o.chosen)
        );
    }
}
