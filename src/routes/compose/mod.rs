//! Writing mail: `GET /compose` (`?reply=`, `?reply_all=`, `?forward=` with a message as
//! [`MessageAddress`](links::MessageAddress) reads it (`1712345 42 INBOX`, or the older `{mailbox}/{uid}`),
//! `&attach=1` to forward as an attachment, `?draft={uid}` to resume a draft) shows the form;
//! `POST /compose` (multipart: `csrf compose to cc bcc subject body keep… attachment… action`)
//! sends it (`action=send`), saves it in Drafts (`action=draft`) or forgets it
//! (`action=discard`). A refused send, an over-large upload or one the server has no room
//! for now shows the form again with everything in it and says why.
//!
//! The form is read whole and checked before any of its files is kept ([`form`]): a form
//! cut short or not as the page sends it is shown again as posted, keeping nothing. Files
//! kept draw on the budget every session shares (`--max-upload-memory`).

mod form;
mod page;
mod sending;
mod sources;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;

use crate::account::{Composition, Fields};
use crate::config::Config;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::routes::form::{Ticked, codes};
use crate::routes::links::{self, MessageLinks};
use crate::state::AppState;
use crate::web_session::CurrentUser;
use form::{ComposeForm, Unusable};
use page::{Problem, show, show_as};
use sources::Started;

codes! {
    /// The compose form's buttons.
    pub enum ComposeAction {
        Send = "send",
        Draft = "draft",
        /// Forget the message being written (a draft saved earlier stays in Drafts).
        Discard = "discard",
    }
}

pub fn router(config: &Config) -> Router<AppState> {
    // Room for the attachments, their multipart framing and the text; past that the upload is
    // cut off. Between the limit and this, the form comes back with a clear message.
    let body_limit = usize::try_from(config.max_attachment_size)
        .unwrap_or(usize::MAX)
        .saturating_mul(2)
        .saturating_add(4 << 20);
    Router::new()
        .route("/compose", get(show_compose).post(submit_compose))
        .layer(DefaultBodyLimit::max(body_limit))
}

#[derive(Deserialize, Default)]
struct ComposeQuery {
    reply: Option<String>,
    reply_all: Option<String>,
    forward: Option<String>,
    /// Forward the original as a `message/rfc822` attachment.
    #[serde(default)]
    attach: Ticked,
    draft: Option<u32>,
    /// An address to write to (from a `mailto:`-like link).
    to: Option<String>,
}

async fn show_compose(
    State(state): State<AppState>,
    user: CurrentUser,
    lang: Lang,
    Query(query): Query<ComposeQuery>,
) -> Result<Response, AppError> {
    let t = lang.strings();
    let limit = state.config.max_attachment_size;
    let store = user.mail.compositions();
    if let Some(uid) = query.draft {
        if let Some(id) = store.by_draft(uid) {
            return show(&user, lang, limit, &id, Problem::None, StatusCode::OK).await;
        }
        let Started {
            mut composition,
            files,
        } = sources::draft(&user, uid, limit).await?;
        // Resumed without all its files, the draft would lose them at the next save.
        let left_out = store.attach(&mut composition, files, u64::MAX);
        if left_out.no_room {
            return Err(AppError::NoRoom);
        }
        let id = store.start(composition);
        return show(&user, lang, limit, &id, Problem::None, StatusCode::OK).await;
    }
    let identity = user.session.identity().await;
    let started = if let Some(spec) = query.reply.as_deref() {
        Started {
            composition: sources::reply(&user, t, &identity, spec, false).await?,
            files: Vec::new(),
        }
    } else if let Some(spec) = query.reply_all.as_deref() {
        Started {
            composition: sources::reply(&user, t, &identity, spec, true).await?,
            files: Vec::new(),
        }
    } else if let Some(spec) = query.forward.as_deref() {
        let attached = query.attach.0;
        sources::forward(&user, t, &identity, spec, attached, limit).await?
    } else {
        Started {
            composition: Composition {
                fields: Fields {
                    to: query
                        .to
                        .as_deref()
                        .map(crate::message::outgoing::build::one_line)
                        .unwrap_or_default(),
                    body: sources::signature_block(&identity),
                    ..Fields::default()
                },
                ..Composition::default()
            },
            files: Vec::new(),
        }
    };
    let Started {
        mut composition,
        files,
    } = started;
    let left_out = store.attach(&mut composition, files, limit);
    let id = store.start(composition);
    // A forward's files that the server has no room for now: the page says so.
    let problem = if left_out.no_room {
        Problem::NoRoom
    } else {
        Problem::None
    };
    show(&user, lang, limit, &id, problem, StatusCode::OK).await
}

async fn submit_compose(
    State(state): State<AppState>,
    user: CurrentUser,
    lang: Lang,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let limit = state.config.max_attachment_size;
    let mut posted = form::read(multipart, limit).await;
    user.check_csrf(&posted.csrf)?;
    let action = match posted.action() {
        Ok(action) => action,
        Err(unusable) => return refuse_unread(&user, lang, limit, posted, unusable).await,
    };
    let store = user.mail.compositions();
    if action == ComposeAction::Discard {
        let discarded = store.get(&posted.compose).unwrap_or_default();
        store.finish(&posted.compose);
        let c = lang.strings().compose;
        let notice = match discarded.draft_uid {
            Some(_) => c.discarded_draft_kept,
            None => c.discarded,
        };
        user.session.set_notice(notice).await?;
        return Ok(back_from_compose(discarded.origin.as_ref()));
    }
    let (id, mut composition) = match store.get(&posted.compose) {
        Some(c) => (posted.compose.clone(), c),
        // Forgotten (many tabs, or Posta restarted): what was posted is all there is.
        None => (store.start(Composition::default()), Composition::default()),
    };
    let files = posted.take_files();
    composition.fields = posted.fields;
    (composition.attachments).retain(|a| posted.keep.contains(&a.id));
    // Kept once without the unticked files, so their bytes are free for the new ones.
    store.put(&id, composition.clone());
    let left_out = store.attach(&mut composition, files, limit);
    store.put(&id, composition);
    let problem = if posted.too_large || left_out.too_large {
        Some((Problem::TooLarge(limit), StatusCode::PAYLOAD_TOO_LARGE))
    } else if left_out.no_room {
        Some((Problem::NoRoom, StatusCode::SERVICE_UNAVAILABLE))
    } else {
        None
    };
    if let Some((problem, status)) = problem {
        return show(&user, lang, limit, &id, problem, status).await;
    }
    match action {
        ComposeAction::Draft => sending::save_draft(&user, lang, limit, &id).await,
        ComposeAction::Send => sending::send(&state, &user, lang, &id).await,
        ComposeAction::Discard => unreachable!("handled before anything was kept"),
    }
}

/// A form not acted on: shown again as posted (with the files its composition already
/// held), saying why, and nothing of it kept — neither its files nor its text.
async fn refuse_unread(
    user: &CurrentUser,
    lang: Lang,
    limit: u64,
    posted: ComposeForm,
    unusable: Unusable,
) -> Result<Response, AppError> {
    let kept = user.mail.compositions().get(&posted.compose);
    let id = if kept.is_some() {
        posted.compose.as_str()
    } else {
        ""
    };
    let mut shown = kept.unwrap_or_default();
    if posted.has_text() {
        shown.fields = posted.fields.clone();
    }
    let (problem, status) = match unusable {
        Unusable::CutShort => (Problem::TooLarge(limit), StatusCode::PAYLOAD_TOO_LARGE),
        Unusable::Altered => (Problem::Altered, StatusCode::BAD_REQUEST),
    };
    show_as(user, lang, limit, id, shown, problem, status).await
}

/// Where to go after sending or discarding: the message answered, else the Inbox.
fn back_from_compose(origin: Option<&crate::account::Origin>) -> Response {
    let href = match origin {
        Some(o) => MessageLinks::of(&o.message).page(),
        None => links::inbox(),
    };
    Redirect::to(&href).into_response()
}
