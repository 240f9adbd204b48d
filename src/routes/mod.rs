//! HTTP routes, one module per feature, merged here with the layers every page shares:
//! security headers, error pages in the person's language, compression.

pub mod actions;
pub mod assets;
pub mod auth;
pub mod chrome;
pub mod list_controls;
pub mod list_query;
pub mod mailbox;
pub mod message;
pub mod parts;

use askama::Template;
use axum::Router;
use axum::extract::Request;
use axum::http::header::{self, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{DefaultPredicate, Predicate};

use crate::app::AppState;
use crate::error::{AppError, ErrorKind};
use crate::i18n::{Lang, Strings};

pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(auth::router())
        .merge(actions::router())
        .merge(mailbox::router())
        .merge(message::router())
        .merge(parts::router())
        .merge(assets::router())
        .route("/healthz", get(|| async { "ok" }))
        .fallback(|| async { AppError::NotFound })
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

/// Turns bare error responses from [`AppError`] into an error page in the person's language.
async fn error_pages(request: Request, next: Next) -> Response {
    let lang = Lang::from_headers(request.headers());
    let response = next.run(request).await;
    let Some(kind) = response.extensions().get::<ErrorKind>().copied() else {
        return response;
    };
    let t = lang.strings();
    let page = ErrorPage {
        t,
        message: kind.message(t),
        css: assets::css_url(),
    };
    (response.status(), render(&page)).into_response()
}

/// Content-Security-Policy for Posta's own pages: nothing from anywhere else, no inline
/// script or style, no framing; the only frames are Posta's own sandboxed message bodies.
const PAGE_CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; \
    script-src 'self'; frame-src 'self'; form-action 'self'; frame-ancestors 'none'; \
    base-uri 'none'";

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
    if !is_static {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}
