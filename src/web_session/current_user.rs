//! The [`CurrentUser`] extractor: the signed-in person and their account session, or a
//! redirect to the sign-in page (saying the session ended, when the browser had one), and
//! the CSRF check every state-changing form goes through.

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts, OriginalUri};
use axum::http::Method;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};

use super::{SignedIn, TypedSession};
use crate::account::{AccountSession, AccountSessions};
use crate::error::AppError;

/// The signed-in person and their account session. Anyone else is redirected to `/login`,
/// with `next` bringing them back after signing in (for page views).
pub struct CurrentUser {
    pub mail: Arc<AccountSession>,
    /// The registry, to end this account session when the server stops accepting it.
    pub sessions: AccountSessions,
    pub who: SignedIn,
    pub session: TypedSession,
}

impl CurrentUser {
    /// Checks a form's CSRF token against the session's.
    pub fn check_csrf(&self, token: &str) -> Result<(), AppError> {
        if crate::token::same_secret(token.as_bytes(), self.who.csrf.as_bytes()) {
            Ok(())
        } else {
            Err(AppError::Csrf)
        }
    }
}

impl<S> FromRequestParts<S> for CurrentUser
where
    S: Send + Sync,
    AccountSessions: FromRef<S>,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let session = TypedSession::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let sessions = AccountSessions::from_ref(state);
        let mut ended = false;
        if let Some(who) = session.signed_in().await {
            if let Some(mail) = sessions.get(&who.key) {
                return Ok(CurrentUser {
                    mail,
                    sessions,
                    who,
                    session,
                });
            }
            // The account session is over (timed out, or refused by the server): start
            // over, and say so.
            session.sign_out().await;
            ended = true;
        }
        Err(to_sign_in(parts, ended))
    }
}

/// `/login`, with `expired=1` when a session ended, and `next=` back to a page being viewed.
fn to_sign_in(parts: &Parts, ended: bool) -> Response {
    let login = if ended { "/login?expired=1" } else { "/login" };
    let next = if parts.method == Method::GET {
        let uri = parts
            .extensions
            .get::<OriginalUri>()
            .map(|u| u.0.clone())
            .unwrap_or_else(|| parts.uri.clone());
        let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
        format!(
            "{login}{}next={}",
            if ended { '&' } else { '?' },
            percent_encoding::utf8_percent_encode(path, percent_encoding::NON_ALPHANUMERIC)
        )
    } else {
        login.to_owned()
    };
    Redirect::to(&next).into_response()
}
