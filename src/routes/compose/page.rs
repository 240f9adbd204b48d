//! The compose page: the form filled from the composition in progress, its attachments
//! with "keep" boxes, address suggestions as a `<datalist>`, and what went wrong, if
//! anything, in the person's language with the server's own words.

use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::ComposeAction;
use crate::account::{Answering, Composition, Fields};
use crate::error::AppError;
use crate::i18n::{ComposeStrings, Lang};
use crate::imap::folders::Role;
use crate::imap::writing;
use crate::message::headers::Person;
use crate::message::outgoing::addresses::{FieldError, format_person};
use crate::message::text::human_size;
use crate::routes::chrome::{Chrome, chrome, folder_list};
use crate::routes::links;
use crate::routes::render;
use crate::smtp::SendError;
use crate::throttle::TryLater;
use crate::web_session::CurrentUser;

/// What the page says went wrong.
pub enum Problem {
    None,
    /// New files would have taken the attachments past this many bytes.
    TooLarge(u64),
    /// The server holds as many files as it may (all sessions together): new ones were
    /// not attached.
    NoRoom,
    /// The form was not one Posta's page sends (an unknown button, a field too many):
    /// nothing was done with it, and its files were not kept.
    Altered,
    /// Address fields that did not parse, or no recipient at all.
    Fields(FieldProblems),
    Send(SendError),
    /// The account's password was refused too often lately: sending waits this long.
    TryLater(TryLater),
    DraftFailed,
}

/// Per-field address errors.
#[derive(Default)]
pub struct FieldProblems {
    pub to: Option<FieldError>,
    pub cc: Option<FieldError>,
    pub bcc: Option<FieldError>,
    pub no_recipients: bool,
}

impl FieldProblems {
    pub fn any(&self) -> bool {
        self.to.is_some() || self.cc.is_some() || self.bcc.is_some() || self.no_recipients
    }
}

#[derive(askama::Template)]
#[template(path = "compose.html")]
struct ComposePage {
    chrome: Chrome,
    c: &'static ComposeStrings,
    title: String,
    compose: String,
    fields: Fields,
    attachments: Vec<Held>,
    limit: String,
    error_to: Option<String>,
    error_cc: Option<String>,
    error_bcc: Option<String>,
    /// The sentence on top, the server's words, and whether to say nothing was lost.
    problem: Option<String>,
    server_said: Option<String>,
    nothing_lost: bool,
    suggestions: Arc<Vec<String>>,
}

/// A file already attached, with its "keep" box.
struct Held {
    id: u32,
    name: String,
    size: String,
}

/// A problem in words: the sentence on top, the server's own, whether to say nothing was
/// lost, and the address fields' own errors.
#[derive(Default)]
struct Said {
    problem: Option<String>,
    server_said: Option<String>,
    nothing_lost: bool,
    fields: FieldProblems,
}

fn say(c: &'static ComposeStrings, problem: Problem) -> Said {
    match problem {
        Problem::None => Said::default(),
        Problem::TooLarge(limit) => Said {
            problem: Some((c.too_large)(&human_size(limit))),
            ..Said::default()
        },
        Problem::NoRoom => Said {
            problem: Some(c.no_room.to_owned()),
            ..Said::default()
        },
        Problem::Altered => Said {
            problem: Some(c.form_altered.to_owned()),
            ..Said::default()
        },
        Problem::Fields(fields) => Said {
            problem: fields.no_recipients.then(|| c.no_recipients.to_owned()),
            nothing_lost: true,
            fields,
            ..Said::default()
        },
        Problem::Send(error) => Said {
            problem: Some(send_problem(c, &error).to_owned()),
            server_said: error.server_text().map(str::to_owned),
            nothing_lost: true,
            ..Said::default()
        },
        Problem::TryLater(later) => Said {
            problem: Some((c.send_throttled)(later.minutes())),
            nothing_lost: true,
            ..Said::default()
        },
        Problem::DraftFailed => Said {
            problem: Some(c.draft_failed.to_owned()),
            ..Said::default()
        },
    }
}

fn field_error(c: &ComposeStrings, error: &Option<FieldError>) -> Option<String> {
    error.as_ref().map(|e| match e {
        FieldError::NotAddresses(bad) => (c.bad_addresses)(&bad.join(", ")),
        FieldError::TooMany => c.too_many_recipients.to_owned(),
    })
}

fn send_problem(c: &ComposeStrings, error: &SendError) -> &'static str {
    match error {
        SendError::NoServer => c.send_no_server,
        SendError::Auth(_) | SendError::PasswordRefused(_) => c.send_auth,
        SendError::Recipient(_) => c.send_recipient,
        SendError::TooLarge(_) => c.send_too_large,
        SendError::Refused(_) => c.send_refused,
        SendError::Later(_) => c.send_later,
        SendError::Timeout => c.send_timeout,
        SendError::Tls(_) => c.send_tls,
        SendError::Unreachable(_) => c.send_unreachable,
        SendError::PolicyRefused(_) => c.send_policy,
    }
}

/// Renders composition `id` with `problem`, answering `status`.
pub async fn show(
    user: &CurrentUser,
    lang: Lang,
    limit: u64,
    id: &str,
    problem: Problem,
    status: StatusCode,
) -> Result<Response, AppError> {
    let composition = user.mail.compositions().get(id).unwrap_or_default();
    show_as(user, lang, limit, id, composition, problem, status).await
}

/// Renders `composition` as the form of `id`, whether or not it is the one kept under it
/// (a form refused unread is shown as posted, without being kept).
pub async fn show_as(
    user: &CurrentUser,
    lang: Lang,
    limit: u64,
    id: &str,
    composition: Composition,
    problem: Problem,
    status: StatusCode,
) -> Result<Response, AppError> {
    let chrome = chrome(user, lang, "", &links::compose()).await?;
    let c = chrome.t.compose;
    let title = match (&composition.origin, composition.draft_uid) {
        (_, Some(_)) => c.draft,
        (Some(o), None) if o.kind == Answering::Reply => c.reply,
        (Some(_), None) => c.forward,
        (None, None) => c.new_message,
    };
    let title = if composition.fields.subject.trim().is_empty() {
        title.to_owned()
    } else {
        format!("{title}: {}", composition.fields.subject.trim())
    };
    let said = say(c, problem);
    let page = ComposePage {
        title,
        c,
        compose: id.to_owned(),
        attachments: composition
            .attachments
            .iter()
            .map(|a| Held {
                id: a.id,
                name: a.file.name.clone(),
                size: human_size(a.file.bytes.len() as u64),
            })
            .collect(),
        limit: human_size(limit),
        error_to: field_error(c, &said.fields.to),
        error_cc: field_error(c, &said.fields.cc),
        error_bcc: field_error(c, &said.fields.bcc),
        problem: said.problem,
        server_said: said.server_said,
        nothing_lost: said.nothing_lost,
        suggestions: suggestions(user).await,
        fields: composition.fields,
        chrome,
    };
    Ok((status, render(&page)).into_response())
}

/// Messages read from each of Inbox and Sent for suggestions.
const SUGGESTION_SOURCE: u32 = 300;
/// Suggestions offered at most.
const SUGGESTIONS: usize = 500;

/// Addresses from recent mail (Inbox and Sent), most frequent first, the person's own left
/// out; from the session's cache when fresh. Suggestions are a help: failing to make them
/// leaves the list empty rather than the page broken.
async fn suggestions(user: &CurrentUser) -> Arc<Vec<String>> {
    if let Some(list) = user.mail.cached_suggestions() {
        return list;
    }
    let mut folders = vec!["INBOX".to_owned()];
    if let Ok(list) = folder_list(user).await
        && let Some(sent) = list.by_role(Role::Sent)
        && let Some(name) = crate::imap::MailboxName::parse(&sent.name)
    {
        folders.push(name.wire());
    }
    let people = user
        .mail
        .run(|imap| {
            let folders = folders.clone();
            Box::pin(async move {
                let mut all = Vec::new();
                for wire in &folders {
                    all.extend(writing::recent_people(imap, wire, SUGGESTION_SOURCE).await?);
                }
                Ok(all)
            })
        })
        .await
        .unwrap_or_else(|e| {
            tracing::info!(error = %e, "reading recent addresses for suggestions");
            Vec::new()
        });
    let list = Arc::new(rank(people, user.who.email.as_str()));
    user.mail.cache_suggestions(list.clone());
    list
}

/// Each address once (with the first name seen for it), most frequent first.
fn rank(people: Vec<Person>, own: &str) -> Vec<String> {
    let mut counted: Vec<(Person, usize)> = Vec::new();
    for person in people {
        let key = person.address.to_lowercase();
        if key == own.to_lowercase() {
            continue;
        }
        match counted
            .iter_mut()
            .find(|(p, _)| p.address.to_lowercase() == key)
        {
            Some((known, n)) => {
                *n += 1;
                if known.name.is_empty() {
                    known.name = person.name;
                }
            }
            None => counted.push((person, 1)),
        }
    }
    counted.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    counted
        .into_iter()
        .take(SUGGESTIONS)
        .map(|(p, _)| format_person(&p))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_rank_by_frequency_without_oneself() {
        let p = |name: &str, address: &str| Person {
            name: name.into(),
            address: address.into(),
        };
        let ranked = rank(
            vec![
                p("", "carol@x.org"),
                p("Bob", "bob@x.org"),
                p("", "me@x.org"),
                p("Carol C", "Carol@x.org"),
            ],
            "ME@x.org",
        );
        assert_eq!(ranked, vec!["Carol C <carol@x.org>", "Bob <bob@x.org>"]);
    }
}
