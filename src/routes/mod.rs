//! HTTP routes, one module per feature, merged here with the layers every page shares:
//! security headers, error pages in the person's language, the request timeout, ending
//! sessions the mail server ended, compression.

pub mod actions;
pub mod assets;
pub mod auth;
pub mod body_document;
pub mod chrome;
pub mod compose;
pub mod confirm;
pub mod extract;
pub mod folders;
pub mod form;
pub mod guard;
pub mod links;
pub mod list_controls;
pub mod list_query;
pub mod mailbox;
pub mod message;
pub mod parts;
pub mod session_end;
pub mod settings;
pub mod time_limit;

use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::header::{self, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{DefaultPredicate, Predicate};

use crate::error::{AppError, ErrorKind};
use crate::i18n::{Lang, Strings};
use crate::state::AppState;

/// The largest body an ordinary form may have: a page of ticked messages, a folder name,
/// a sign-in. Anything bigger is refused before it is read in full.
pub const FORM_LIMIT: usize = 64 * 1024;

pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(compose::router(&state.config))
        .merge(settings::router())
        .merge(auth::router())
        .merge(actions::router())
        .merge(folders::router())
        .merge(mailbox::router())
        .merge(message::router())
        .merge(parts::router())
        .merge(assets::router())
        .route("/healthz", get(|| async { "ok" }))
        .fallback(|| async { AppError::NotFound })
        // Forms are small; a route that takes uploads sets its own, larger limit.
        .layer(DefaultBodyLimit::max(FORM_LIMIT))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            guard::check_origin,
        ))
        .layer(middleware::from_fn_with_state(
            state.mail.clone(),
            session_end::end_sessions,
        ))
        .layer(middleware::from_fn_with_state(
            state.config.request_timeout,
            time_limit::limit,
        ))
        .layer(middleware::from_fn(error_pages))
        .layer(middleware::from_fn(security_headers))
        .layer(CompressionLayer::new().compress_when(DefaultPredicate::new().and(textual)))
        .with_state(state)
}

/// Compresses what gains from it — pages, the stylesheet, message sources — and never
/// attachments: images, archives and PDFs are compressed already, and gzipping a 10 MB
/// download would cost seconds of CPU for nothing.
fn textual(
    _: axum::http::StatusCode,
    _: axum::http::Version,
    headers: &axum::http::HeaderMap,
    _: &axum::http::Extensions,
) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/") || t.starts_with("message/rfc822"))
}

/// Renders a template, or an internal error if the template fails.
pub fn render(page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => AppError::Internal(anyhow::anyhow!("rendering template: {e}")).into_response(),
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    t: &'static Strings,
    message: &'static str,
    css: &'static str,
}

/// Turns bare error responses — from [`AppError`], and axum's own (a method the address does
/// not take, a body over the limit, a form that does not parse) — into an error page in the
/// person's language. Pages a handler rendered itself (a refused sign-in form) are kept.
async fn error_pages(request: Request, next: Next) -> Response {
    let lang = Lang::from_headers(request.headers());
    let response = next.run(request).await;
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|t| t.as_bytes().starts_with(b"text/html"));
    let kind = match response.extensions().get::<ErrorKind>() {
        Some(kind) => *kind,
        None if !html => match ErrorKind::of_status(response.status()) {
            Some(kind) => kind,
            None => return response,
        },
        None => return response,
    };
    let t = lang.strings();
    let page = ErrorPage {
        t,
        message: kind.message(t),
        css: assets::css_url(),
    };
    let (mut parts, _) = response.into_parts();
    let rendered = render(&page);
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    Response::from_parts(parts, rendered.into_body())
}

/// Content-Security-Policy for Posta's own pages: nothing from anywhere else, no inline
/// script or style, no framing; the only frames are Posta's own sandboxed message bodies.
const PAGE_CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; \
    script-src 'self'; connect-src 'self'; frame-src 'self'; form-action 'self'; frame-ancestors 'none'; \
    base-uri 'none'";

/// Nothing Posta does needs a camera, a microphone, a location or a payment, so no page
/// (least of all a message's HTML) may ask for one.
const PERMISSIONS_POLICY: &str = "accelerometer=(), autoplay=(), camera=(), display-capture=(), \
    geolocation=(), gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), \
    publickey-credentials-get=(), screen-wake-lock=(), serial=(), usb=(), xr-spatial-tracking=(), \
    browsing-topics=()";

async fn security_headers(request: Request, next: Next) -> Response {
    let is_static = request.uri().path().starts_with("/static/");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers
        .entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(PAGE_CSP));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // The message iframe's document says SAMEORIGIN itself; everything else is never framed.
    headers
        .entry(header::X_FRAME_OPTIONS)
        .or_insert(HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(
        "permissions-policy",
        HeaderValue::from_static(PERMISSIONS_POLICY),
    );
    if !is_static {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}
