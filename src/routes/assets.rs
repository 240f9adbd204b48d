//! Static assets, compiled into the binary and served under content-hashed names so they
//! can be cached forever.

use std::sync::LazyLock;

use axum::Router;
use axum::extract::Path;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::IntoResponse;
use axum::routing::get;

use crate::error::AppError;
use crate::state::AppState;

/// One file: its bytes, its type, and the hashed URL it is served at.
struct Asset {
    body: &'static str,
    mime: &'static str,
    url: LazyLock<String>,
}

static CSS: Asset = Asset {
    body: include_str!("../../static/posta.css"),
    mime: "text/css; charset=utf-8",
    url: LazyLock::new(|| hashed("posta", "css", CSS.body)),
};

/// Progressive enhancement only: every page works without it.
static JS: Asset = Asset {
    body: include_str!("../../static/posta.js"),
    mime: "text/javascript; charset=utf-8",
    url: LazyLock::new(|| hashed("posta", "js", JS.body)),
};

pub fn css_url() -> &'static str {
    CSS.url.as_str()
}

pub fn js_url() -> &'static str {
    JS.url.as_str()
}

pub fn router() -> Router<AppState> {
    Router::new().route("/static/{name}", get(serve))
}

async fn serve(Path(name): Path<String>) -> Result<impl IntoResponse, AppError> {
    let asset = [&CSS, &JS]
        .into_iter()
        .find(|a| a.url.strip_prefix("/static/") == Some(name.as_str()))
        .ok_or(AppError::NotFound)?;
    Ok((
        [
            (CONTENT_TYPE, asset.mime),
            (CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        asset.body,
    ))
}

/// `/static/{stem}-<hash>.{ext}`.
fn hashed(stem: &str, ext: &str, body: &str) -> String {
    format!("/static/{stem}-{}.{ext}", fnv64(body.as_bytes()))
}

/// FNV-1a: a stable content hash for cache busting, not for security.
fn fnv64(bytes: &[u8]) -> String {
    let hash = bytes.iter().fold(0xcbf29ce484222325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x100000001b3)
    });
    format!("{hash:016x}")
}
