//! Writing mail: `GET /compose` (`?reply=`, `?reply_all=`, `?forward=` with a message as
//! [`MessageAddress`](links::MessageAddress) reads it (`1712345 42 INBOX`, or the older `{mailbox}/{uid}`),
//! `&attach=1` to forward as an attachment, `?draft={uid}` to resume a draft) shows the form;
//! `POST /compose` (multipart: `csrf compose to cc bcc subject body keep… attachment… action`)
//! sends it (`action=send`) or saves it in Drafts (`action=draft`). A refused send or an
//! over-large upload shows the form again with everything in it and says why.

mod page;
mod sending;
mod sources;

use axum::Router;
use axum::extract::multipart::Field;
use axum::extract::{DefaultBodyLimit, Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;

use crate::account::{Composition, Fields};
use crate::config::Config;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::message::outgoing::build::Upload;
use crate::routes::form::{Ticked, codes};
use crate::routes::links::{self, MessageLinks};
use crate::state::AppState;
use crate::web_session::CurrentUser;
use page::{Problem, show};

codes! {
    /// The compose form's two buttons.
    pub enum ComposeAction {
        Send = "send",
        Draft = "draft",
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
    if let Some(uid) = query.draft {
        if let Some(id) = user.mail.compositions().by_draft(uid) {
            return show(&user, lang, limit, &id, Problem::None, StatusCode::OK).await;
        }
        let composition = sources::draft(&user, uid, limit).await?;
        let id = user.mail.compositions().start(composition);
        return show(&user, lang, limit, &id, Problem::None, StatusCode::OK).await;
    }
    let identity = user.session.identity().await;
    let composition = if let Some(spec) = query.reply.as_deref() {
        sources::reply(&user, t, &identity, spec, false).await?
    } else if let Some(spec) = query.reply_all.as_deref() {
        sources::reply(&user, t, &identity, spec, true).await?
    } else if let Some(spec) = query.forward.as_deref() {
        let attached = query.attach.0;
        sources::forward(&user, t, &identity, spec, attached, limit).await?
    } else {
        Composition {
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
        }
    };
    let id = user.mail.compositions().start(composition);
    show(&user, lang, limit, &id, Problem::None, StatusCode::OK).await
}

/// The posted form.
#[derive(Default)]
struct ComposeForm {
    csrf: String,
    compose: String,
    fields: Fields,
    /// The button pressed; `None` for none Posta knows.
    action: Option<ComposeAction>,
    /// Attachments already held that stay (their ids).
    keep: Vec<u32>,
    uploads: Vec<Upload>,
    /// New files went over the limit; they were read and dropped.
    too_large: bool,
}

impl ComposeForm {
    /// Takes a text field.
    fn set(&mut self, name: &str, value: String) {
        match name {
            "csrf" => self.csrf = value,
            "compose" => self.compose = value,
            "to" => self.fields.to = value,
            "cc" => self.fields.cc = value,
            "bcc" => self.fields.bcc = value,
            "subject" => self.fields.subject = value,
            "body" => self.fields.body = value,
            "action" => self.action = value.parse().ok(),
            "keep" => self.keep.extend(value.parse::<u32>().ok()),
            _ => {}
        }
    }
}

/// Reads the multipart form, holding at most `limit` bytes of new files in memory. A form
/// cut short (past the body limit) or malformed comes back as far as it was read.
async fn read_form(mut multipart: Multipart, limit: u64) -> Result<ComposeForm, ComposeForm> {
    let mut posted = ComposeForm::default();
    let mut held = 0u64;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => return Ok(posted),
            Err(e) => {
                tracing::info!(error = %e, "compose form cut short");
                posted.too_large = true;
                return Err(posted);
            }
        };
        let name = field.name().unwrap_or_default().to_owned();
        if name == "attachment" {
            let Some(file) = read_file(field, &mut held, limit, posted.too_large).await else {
                posted.too_large = true;
                return Err(posted);
            };
            posted.too_large |= file.over;
            posted.uploads.extend(file.upload);
            continue;
        }
        match field.text().await {
            Ok(value) => posted.set(&name, value),
            Err(_) => return Err(posted),
        }
    }
}

/// One file field as read.
struct File {
    /// The file, unless none was chosen or it went over the limit.
    upload: Option<Upload>,
    /// The files so far went over the limit.
    over: bool,
}

/// Reads one file field, counting its bytes into `held`; once past `limit` (or already
/// `over` it) the bytes are read and dropped. `None` when the upload was cut short.
async fn read_file(mut field: Field<'_>, held: &mut u64, limit: u64, over: bool) -> Option<File> {
    let file_name = field.file_name().unwrap_or_default().to_owned();
    let mime = field
        .content_type()
        .unwrap_or("application/octet-stream")
        .to_owned();
    let mut bytes = Vec::new();
    let mut over = over;
    loop {
        match field.chunk().await {
            Ok(Some(chunk)) => {
                *held += chunk.len() as u64;
                if *held > limit {
                    over = true;
                    bytes = Vec::new();
                }
                if !over {
                    bytes.extend_from_slice(&chunk);
                }
            }
            Ok(None) => break,
            Err(e) => {
                tracing::info!(error = %e, "compose upload cut short");
                return None;
            }
        }
    }
    // A file input left empty still sends a part, without name or bytes.
    let nothing_chosen = file_name.is_empty() && bytes.is_empty();
    let upload = (!over && !nothing_chosen).then(|| Upload {
        name: if file_name.is_empty() {
            "attachment".into()
        } else {
            file_name
        },
        mime,
        bytes: bytes.into(),
    });
    Some(File { upload, over })
}

async fn submit_compose(
    State(state): State<AppState>,
    user: CurrentUser,
    lang: Lang,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let limit = state.config.max_attachment_size;
    let (posted, cut_short) = match read_form(multipart, limit).await {
        Ok(posted) => (posted, false),
        Err(posted) => (posted, true),
    };
    user.check_csrf(&posted.csrf)?;
    let store = user.mail.compositions();
    let (id, mut composition) = match store.get(&posted.compose) {
        Some(c) => (posted.compose.clone(), c),
        // Forgotten (many tabs, or Posta restarted): what was posted is all there is.
        None => (store.start(Composition::default()), Composition::default()),
    };
    if !cut_short {
        composition.fields = posted.fields.clone();
        composition
            .attachments
            .retain(|(aid, _)| posted.keep.contains(aid));
    } else if !posted.fields.body.is_empty() || !posted.fields.to.is_empty() {
        composition.fields = posted.fields.clone();
    }
    let mut too_large = posted.too_large;
    for upload in posted.uploads {
        if composition.attached_size() + upload.bytes.len() as u64 > limit {
            too_large = true;
        } else {
            composition.attach(upload);
        }
    }
    store.put(&id, composition);
    if too_large {
        let problem = Problem::TooLarge(limit);
        return show(
            &user,
            lang,
            limit,
            &id,
            problem,
            StatusCode::PAYLOAD_TOO_LARGE,
        )
        .await;
    }
    match posted.action {
        Some(ComposeAction::Draft) => sending::save_draft(&user, lang, limit, &id).await,
        Some(ComposeAction::Send) => sending::send(&state, &user, lang, &id).await,
        None => Err(AppError::BadRequest("unknown compose action".into())),
    }
}

/// Where to go after sending: the message answered, else the Inbox.
fn after_sending(origin: Option<&crate::account::Origin>) -> Response {
    let href = match origin {
        Some(o) => MessageLinks::of(&o.message).page(),
        None => links::inbox(),
    };
    Redirect::to(&href).into_response()
}
