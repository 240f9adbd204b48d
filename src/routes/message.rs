//! One message: `/mail/{mailbox}/{uid}`. Headers, then the text body (plain text escaped
//! and linkified, or HTML-only mail sanitised). Opening it marks it read.

use axum::Router;
use axum::extract::{OriginalUri, Path};
use axum::response::Response;
use axum::routing::get;

use super::chrome::{Chrome, chrome, fail_in, folder_list, label};
use super::render;
use crate::app::AppState;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::imap::MailboxName;
use crate::imap::reading::{self, TextKind};
use crate::message::headers::{self, Person};
use crate::message::{decode_entity, sanitize, text};
use crate::session::CurrentUser;

pub fn router() -> Router<AppState> {
    Router::new().route("/mail/{mailbox}/{uid}", get(show_message))
}

#[derive(askama::Template)]
#[template(path = "message.html")]
struct MessagePage {
    chrome: Chrome,
    back_href: String,
    back_label: String,
    subject: String,
    from: Vec<Person>,
    to: Vec<Person>,
    cc: Vec<Person>,
    date: Option<String>,
    /// Safe HTML: either escaped-and-linkified plain text or ammonia's output.
    body: Option<String>,
    is_html: bool,
}

async fn show_message(
    user: CurrentUser,
    lang: Lang,
    OriginalUri(uri): OriginalUri,
    Path((mailbox, uid)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let name = MailboxName::parse(&mailbox).ok_or(AppError::MailboxNotFound(mailbox.clone()))?;
    let uid: u32 = uid
        .parse()
        .ok()
        .filter(|&u| u > 0)
        .ok_or(AppError::MessageNotFound)?;
    let wire = name.wire();
    let fetched = user
        .mail
        .run(|imap| {
            let wire = wire.clone();
            Box::pin(async move { reading::fetch(imap, &wire, uid).await })
        })
        .await
        .map_err(|e| fail_in(&user, &name, e))?
        .ok_or(AppError::MessageNotFound)?;
    if fetched.was_unseen {
        user.mail.invalidate_folders();
    }

    let head = headers::parse(&fetched.header);
    let (body, is_html) = match &fetched.text {
        Some((TextKind::Plain, entity)) => (
            Some(text::to_html(&decode_entity(TextKind::Plain, entity))),
            false,
        ),
        Some((TextKind::Html, entity)) => (
            Some(
                sanitize::clean(
                    &decode_entity(TextKind::Html, entity),
                    &sanitize::Policy {
                        remote: false,
                        cid: &|_| None,
                    },
                )
                .body,
            ),
            true,
        ),
        None => (None, false),
    };
    let here = uri.path_and_query().map_or("/", |p| p.as_str());
    let chrome = chrome(&user, lang, name.as_str(), here).await?;
    let folders = folder_list(&user).await?;
    let back_label = folders
        .find(name.as_str())
        .map(|f| label(f, chrome.t))
        .unwrap_or_else(|| name.as_str().to_owned());
    Ok(render(&MessagePage {
        subject: if head.subject.trim().is_empty() {
            chrome.t.no_subject.to_owned()
        } else {
            head.subject
        },
        chrome,
        back_href: name.url(),
        back_label,
        from: head.from,
        to: head.to,
        cc: head.cc,
        date: head.date,
        body,
        is_html,
    }))
}
