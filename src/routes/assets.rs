//! Static assets, compiled into the binary and served under content-hashed names so they
//! can be cached forever.

use std::sync::LazyLock;

use axum::Router;
use axum::extract::Path;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::IntoResponse;
use axum::routing::get;

use crate::app::AppState;
use crate::error::AppError;

const CSS: &str = include_str!("../../static/posta.css");

/// `/static/posta-<hash>.css`, computed once from the stylesheet's bytes.
static CSS_URL: LazyLock<String> =
    LazyLock::new(|| format!("/static/posta-{}.css", fnv64(CSS.as_bytes())));

pub fn css_url() -> &'static str {
    CSS_URL.as_str()
}

pub fn router() -> Router<AppState> {
    Router::new().route("/static/{name}", get(serve))
}

async fn serve(Path(name): Path<String>) -> Result<impl IntoResponse, AppError> {
    if format!("/static/{name}") != css_url() {
        return Err(AppError::NotFound);
    }
    Ok((
        [
            (CONTENT_TYPE, "text/css; charset=utf-8"),
            (CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        CSS,
    ))
}

/// FNV-1a: a stable content hash for cache busting, not for security.
fn fnv64(bytes: &[u8]) -> String {
    let hash = bytes.iter().fold(0xcbf29ce484222325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x100000001b3)
    });
    format!("{hash:016x}")
}
