//! What a message page points at:
//! - `/mail/{mailbox}/{uid}/body?part=` — an HTML part, sanitised, as a whole document for
//!   the sandboxed iframe, with its own Content-Security-Policy;
//! - `/mail/{mailbox}/{uid}/part/{part}` — one MIME part, streamed from IMAP in chunks and
//!   decoded on the way, served so that nothing in it can run in Posta's origin;
//! - `/mail/{mailbox}/{uid}/raw` — the message source as text, or as an `.eml` download.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::header::{self, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;
use futures::Stream;
use serde::Deserialize;

use super::body_document::{DocumentRequest, html_document};
use super::chrome::in_mailbox;
use super::extract::MessagePath;
use super::form::Ticked;
use crate::account::{AccountSession, Document};
use crate::error::AppError;
use crate::imap::reading::{self, Transfer};
use crate::imap::{MailError, MailboxName, MessageRef};
use crate::message::params;
use crate::message::structure::{self, Part, PartPath, Prefer, TextKind, previewable};
use crate::message::transfer::{Decoder, Encoding};
use crate::state::AppState;
use crate::web_session::CurrentUser;

/// Bytes fetched per IMAP command while streaming: big enough that round trips are few,
/// small enough that a download never holds more than a couple of them in memory.
const CHUNK: u32 = 1024 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/mail/{mailbox}/{uid}/body", get(show_body))
        .route("/mail/{mailbox}/{uid}/part/{part}", get(download_part))
        .route("/mail/{mailbox}/{uid}/raw", get(show_raw))
}

/// The iframe's policy: nothing runs, nothing is sent anywhere, and before consent nothing
/// loads from the network — only `data:` images and inline parts from Posta itself. Even
/// opened on its own in a tab, the document is sandboxed.
fn body_csp(remote: bool) -> &'static str {
    if remote {
        "default-src 'none'; img-src 'self' data: http: https:; \
         style-src 'unsafe-inline' http: https:; font-src data: http: https:; \
         media-src http: https:; frame-ancestors 'self'; form-action 'none'; base-uri 'none'; \
         sandbox allow-popups allow-popups-to-escape-sandbox"
    } else {
        "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; font-src data:; \
         frame-ancestors 'self'; form-action 'none'; base-uri 'none'; \
         sandbox allow-popups allow-popups-to-escape-sandbox"
    }
}

/// Downloads can never run in Posta's origin: sandboxed, no sources at all.
const PART_CSP: &str = "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; \
     frame-ancestors 'none'";

/// The structure of a message, from the session's cache or the server.
async fn structure(
    mail: &AccountSession,
    name: &MailboxName,
    uid: u32,
) -> Result<Option<(MessageRef, Arc<Part>)>, MailError> {
    mail.structure(name, uid).await
}

#[derive(Deserialize)]
struct BodyQuery {
    part: Option<String>,
    /// The document with remote content allowed.
    #[serde(default)]
    remote: Ticked,
}

async fn show_body(
    user: CurrentUser,
    message: MessagePath,
    Query(query): Query<BodyQuery>,
) -> Result<Response, AppError> {
    let MessagePath { mailbox: name, uid } = &message;
    let remote = query.remote.0;
    let (key, structure) = structure(&user.mail, name, *uid)
        .await
        .map_err(in_mailbox(name))?
        .ok_or(AppError::MessageNotFound)?;
    let path = html_part(&structure, query.part.as_deref())?;
    let request = DocumentRequest {
        mail: &user.mail,
        name,
        key: &key,
        structure: &structure,
        path: &path,
        remote,
    };
    let document = document(&user, &request).await?;
    Ok(body_response(&document, remote))
}

/// The HTML part the iframe asks for (`?part=`), else the one the message page shows.
fn html_part(structure: &Part, asked: Option<&str>) -> Result<PartPath, AppError> {
    let path = match asked {
        Some(p) => PartPath::parse(p).ok_or(AppError::NotFound)?,
        None => structure::texts(&structure::plan(structure, Prefer::Html))
            .into_iter()
            .find(|(_, kind)| *kind == TextKind::Html)
            .map(|(path, _)| path)
            .ok_or(AppError::NotFound)?,
    };
    if structure.find(&path).is_none_or(|p| p.mime != "text/html") {
        return Err(AppError::NotFound);
    }
    Ok(path)
}

/// The sanitised document, from the session's cache or made now from the part's text.
async fn document(
    user: &CurrentUser,
    request: &DocumentRequest<'_>,
) -> Result<Arc<Document>, AppError> {
    if let Some(document) = user.mail.document(&request.cache_key()) {
        return Ok(document);
    }
    let raw = user
        .mail
        .run(|imap| {
            let (key, path) = (request.key.clone(), request.path.clone());
            Box::pin(async move { reading::text_part(imap, &key, &path).await })
        })
        .await
        .map_err(in_mailbox(request.name))?
        .ok_or(AppError::MessageNotFound)?;
    Ok(html_document(request, &raw.bytes))
}

/// The iframe's document, with the policy that keeps it from running or reaching out.
fn body_response(document: &Document, remote: bool) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(body_csp(remote)),
            ),
            (
                header::X_FRAME_OPTIONS,
                HeaderValue::from_static("SAMEORIGIN"),
            ),
        ],
        document.html.clone(),
    )
        .into_response()
}

/// `{part}` of the path.
#[derive(Deserialize)]
struct PartParam {
    part: String,
}

#[derive(Deserialize)]
struct PartQuery {
    /// Show the part in the browser (only raster images ever are).
    #[serde(default)]
    inline: Ticked,
    /// Inline token from a sanitised document's `cid:` image (see `account::inline_tokens`).
    t: Option<String>,
}

async fn download_part(
    user: Result<CurrentUser, Response>,
    State(state): State<AppState>,
    message: Result<MessagePath, Response>,
    Path(PartParam { part }): Path<PartParam>,
    Query(query): Query<PartQuery>,
) -> Result<Response, AppError> {
    let MessagePath { mailbox: name, uid } = match message {
        Ok(message) => message,
        Err(refusal) => return Ok(refusal),
    };
    let path = PartPath::parse(&part).ok_or(AppError::NotFound)?;
    let (mail, by_token) = match (user, query.t.as_deref()) {
        (Ok(user), _) => (user.mail.clone(), false),
        // The message iframe's images come without the session cookie, with a token.
        (Err(_), Some(token)) => {
            let mail = state
                .mail
                .by_inline_token(token, &name, uid, &path)
                .ok_or(AppError::NotFound)?;
            (mail, true)
        }
        (Err(redirect), None) => return Ok(redirect),
    };
    let (key, structure) = structure(&mail, &name, uid)
        .await
        .map_err(mail_error)?
        .ok_or(AppError::MessageNotFound)?;
    let part = structure
        .find(&path)
        .filter(|p| !p.is_multipart())
        .ok_or(AppError::NotFound)?;
    let inline = (by_token || query.inline.0) && previewable(&part.mime);
    if by_token && !inline {
        return Err(AppError::NotFound);
    }
    let view = structure::plan(&structure, Prefer::Html);
    let name_of = find_attachment_name(&view, &path)
        .unwrap_or_else(|| params::safe_filename(&part.filename().unwrap_or_default(), "part"));
    let content_type = if inline {
        part.mime.clone()
    } else {
        download_type(&part.mime)
    };
    let length = (part.encoding == Encoding::Identity).then_some(u64::from(part.octets));
    let body = Body::from_stream(stream_section(mail, key, Some(path), part.encoding));
    Ok(stream_response(
        body,
        &content_type,
        &params::content_disposition(if inline { "inline" } else { "attachment" }, &name_of),
        length,
    ))
}

/// The name the message page shows for a part, so the download is called the same.
fn find_attachment_name(view: &structure::View, path: &PartPath) -> Option<String> {
    fn walk(view: &structure::View, path: &PartPath) -> Option<String> {
        if let Some(a) = view.attachments.iter().find(|a| &a.path == path) {
            return Some(a.name.clone());
        }
        view.blocks.iter().find_map(|b| match b {
            structure::Block::Message { view, .. } => walk(view, path),
            _ => None,
        })
    }
    walk(view, path)
}

/// The Content-Type a download is served with: the part's own when it is a well-formed
/// `type/subtype` (the browser picks the right program), else a neutral one.
fn download_type(mime: &str) -> String {
    let token = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
    };
    match mime.split_once('/') {
        Some((t, s)) if token(t) && token(s) => mime.to_owned(),
        _ => "application/octet-stream".to_owned(),
    }
}

#[derive(Deserialize)]
struct RawQuery {
    /// As an `.eml` file to save, not text to read.
    #[serde(default)]
    download: Ticked,
}

async fn show_raw(
    user: CurrentUser,
    MessagePath { mailbox: name, uid }: MessagePath,
    Query(query): Query<RawQuery>,
) -> Result<Response, AppError> {
    let (key, _) = structure(&user.mail, &name, uid)
        .await
        .map_err(in_mailbox(&name))?
        .ok_or(AppError::MessageNotFound)?;
    let body = Body::from_stream(stream_section(
        user.mail.clone(),
        key,
        None,
        Encoding::Identity,
    ));
    Ok(if query.download.0 {
        let file = format!("message-{uid}.eml");
        stream_response(
            body,
            "message/rfc822",
            &params::content_disposition("attachment", &file),
            None,
        )
    } else {
        stream_response(
            body,
            "text/plain; charset=utf-8",
            &params::content_disposition("inline", &format!("message-{uid}.txt")),
            None,
        )
    })
}

fn stream_response(
    body: Body,
    content_type: &str,
    disposition: &str,
    length: Option<u64>,
) -> Response {
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    let value = |v: &str| {
        HeaderValue::from_str(v).unwrap_or(HeaderValue::from_static("application/octet-stream"))
    };
    headers.insert(header::CONTENT_TYPE, value(content_type));
    if let Ok(d) = HeaderValue::from_str(disposition) {
        headers.insert(header::CONTENT_DISPOSITION, d);
    }
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(PART_CSP),
    );
    if let Some(length) = length {
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    }
    response
}

/// A failure while serving by inline token: there is no signed-in page to send anyone to.
fn mail_error(error: MailError) -> AppError {
    match error {
        MailError::Imap(async_imap::error::Error::No(_)) => AppError::MessageNotFound,
        other => AppError::Upstream(anyhow::Error::new(other)),
    }
}

/// Where a streamed section is: which message and part, how far, how it travels, the
/// decoder carrying partial base64 quanta or `=` escapes from one chunk to the next, and the
/// next chunk already on its way.
struct Streaming {
    mail: Arc<AccountSession>,
    key: MessageRef,
    path: Option<PartPath>,
    /// Where the next chunk to fetch starts.
    offset: u64,
    /// Decided by the first chunk (the server may not do BINARY); `None` before it.
    transfer: Option<Transfer>,
    encoding: Encoding,
    /// Set when the bytes arrive still encoded: the server had no BINARY.
    decoder: Option<Decoder>,
    /// The following chunk, fetched while this one is written to the browser. Never
    /// aborted: cancelling an IMAP command halfway would leave the connection out of step.
    next: Option<tokio::task::JoinHandle<ChunkResult>>,
    done: bool,
}

type ChunkResult = Result<Option<reading::Chunk>, std::io::Error>;

/// Streams a section from IMAP, [`CHUNK`] bytes per command: decoded by the server when it
/// speaks BINARY (each chunk then goes out inside the IMAP response it came in, uncopied),
/// else as stored and decoded here on the way. While one chunk is written to the browser the
/// next is fetched, so neither side waits for the other; at most two chunks are in memory.
/// Each chunk takes the session's connection only for its own command, so the person can
/// keep reading mail while a large attachment downloads.
fn stream_section(
    mail: Arc<AccountSession>,
    key: MessageRef,
    path: Option<PartPath>,
    encoding: Encoding,
) -> impl Stream<Item = Result<Bytes, std::io::Error>> {
    let state = Streaming {
        mail,
        key,
        path,
        offset: 0,
        transfer: None,
        encoding,
        decoder: None,
        next: None,
        done: false,
    };
    futures::stream::try_unfold(state, |mut state| async move {
        loop {
            if state.done {
                return Ok(None);
            }
            let chunk = match state.next.take() {
                Some(prefetched) => prefetched.await.map_err(std::io::Error::other)??,
                None => first_chunk(&mut state).await?,
            }
            .ok_or_else(|| std::io::Error::other("the message is no longer there"))?;
            let len = chunk.as_ref().len();
            state.offset += len as u64;
            state.done = len < CHUNK as usize;
            if !state.done {
                state.next = Some(tokio::spawn(fetch_chunk(
                    state.mail.clone(),
                    state.key.clone(),
                    state.path.clone(),
                    state.offset,
                    state.transfer.unwrap_or(Transfer::Stored),
                )));
            }
            let out = match state.decoder.as_mut() {
                None => Bytes::from_owner(chunk),
                Some(decoder) => {
                    let mut out = Vec::with_capacity(len);
                    decoder.feed(chunk.as_ref(), &mut out);
                    if state.done
                        && let Some(decoder) = state.decoder.take()
                    {
                        decoder.finish(&mut out);
                    }
                    Bytes::from(out)
                }
            };
            if !out.is_empty() || state.done {
                return Ok(Some((out, state)));
            }
        }
    })
}

/// The first chunk, which settles how the rest travel: decoded by the server for an
/// encoded part when it can, else as stored (then decoded here).
async fn first_chunk(state: &mut Streaming) -> ChunkResult {
    let Some(path) = state.path.clone() else {
        state.transfer = Some(Transfer::Stored);
        return fetch_chunk(
            state.mail.clone(),
            state.key.clone(),
            None,
            0,
            Transfer::Stored,
        )
        .await;
    };
    let wanted = if state.encoding == Encoding::Identity {
        Transfer::Stored
    } else {
        Transfer::Decoded
    };
    let key = state.key.clone();
    let first = state
        .mail
        .run(|imap| {
            let (key, path) = (key.clone(), path.clone());
            Box::pin(async move { reading::first_chunk(imap, &key, &path, CHUNK, wanted).await })
        })
        .await
        .map_err(std::io::Error::other)?;
    Ok(first.map(|(chunk, transfer)| {
        state.transfer = Some(transfer);
        if transfer == Transfer::Stored && state.encoding != Encoding::Identity {
            state.decoder = Some(Decoder::new(state.encoding));
        }
        chunk
    }))
}

async fn fetch_chunk(
    mail: Arc<AccountSession>,
    key: MessageRef,
    path: Option<PartPath>,
    offset: u64,
    transfer: Transfer,
) -> ChunkResult {
    mail.run(|imap| {
        let (key, path) = (key.clone(), path.clone());
        Box::pin(async move {
            reading::section_chunk(imap, &key, path.as_ref(), offset, CHUNK, transfer).await
        })
    })
    .await
    .map_err(std::io::Error::other)
}
