//! The browser session: a typed wrapper over tower-sessions that knows whether someone is
//! signed in, the `CurrentUser` extractor that sends everyone else to the sign-in page, and
//! CSRF tokens.

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts, OriginalUri};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use crate::error::AppError;
use crate::imap::{MailSession, MailSessions};

const SIGNED_IN: &str = "signed_in";
/// A sentence to show once on the next page: what an action did.
const NOTICE: &str = "notice";
/// Senders whose remote content the person chose to always load, for this session.
const REMOTE_SENDERS: &str = "remote_senders";
/// The person's name and signature for this session.
const IDENTITY: &str = "identity";
/// How the person last chose to see message lists (sort, conversations), for this session.
const LIST_PREFS: &str = "list_prefs";
/// More than enough for a session; keeps the stored session small whatever a client posts.
const MAX_REMOTE_SENDERS: usize = 200;

/// What the session store keeps about a signed-in person. No password: that lives only in
/// the mail session, in memory.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SignedIn {
    /// Key of this browser's mail session in [`MailSessions`].
    pub key: String,
    pub email: String,
    /// Token every state-changing form must carry.
    pub csrf: String,
}

/// Who the person says they are in the mail they write, for this session.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Identity {
    /// The name beside the address in From; empty for the address alone.
    pub display_name: String,
    /// Text after the `-- ` line of new messages and replies; empty for none.
    pub signature: String,
}

impl Identity {
    /// Name and signature at most this long; anything longer is cut.
    pub const MAX_NAME: usize = 200;
    pub const MAX_SIGNATURE: usize = 4000;
}

/// How message lists are shown, as last chosen in this session.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListPrefs {
    /// A sort code (`from-asc`); `None` for the folder's own order, newest first.
    pub sort: Option<String>,
    /// Conversations grouped.
    pub threads: bool,
}

/// A tower-sessions session with Posta's keys.
pub struct TypedSession(pub Session);

impl TypedSession {
    pub async fn signed_in(&self) -> Option<SignedIn> {
        self.0.get(SIGNED_IN).await.ok().flatten()
    }

    /// Records a sign-in under a fresh session id, so an id planted before sign-in is useless.
    pub async fn sign_in(&self, who: &SignedIn) -> Result<(), AppError> {
        self.0
            .cycle_id()
            .await
            .map_err(|e| AppError::Internal(anyhow::anyhow!("renewing session id: {e}")))?;
        self.0
            .insert(SIGNED_IN, who)
            .await
            .map_err(|e| AppError::Internal(anyhow::anyhow!("saving session: {e}")))
    }

    /// Leaves a sentence for the next page to show once ("3 messages moved to Archive.").
    pub async fn set_notice(&self, text: &str) -> Result<(), AppError> {
        self.0
            .insert(NOTICE, text)
            .await
            .map_err(|e| AppError::Internal(anyhow::anyhow!("saving session: {e}")))
    }

    /// The sentence left for this page, removed so it shows once.
    pub async fn take_notice(&self) -> Option<String> {
        self.0.remove(NOTICE).await.ok().flatten()
    }

    /// Addresses (lowercase) whose messages show remote content without asking.
    pub async fn remote_senders(&self) -> Vec<String> {
        self.0
            .get(REMOTE_SENDERS)
            .await
            .ok()
            .flatten()
            .unwrap_or_default()
    }

    /// Remembers, for this session, to load remote content in mail from `address`.
    pub async fn allow_remote_from(&self, address: &str) -> Result<(), AppError> {
        let address = address.trim().to_lowercase();
        let mut senders = self.remote_senders().await;
        if senders.contains(&address) {
            return Ok(());
        }
        if senders.len() >= MAX_REMOTE_SENDERS {
            senders.remove(0);
        }
        senders.push(address);
        self.0
            .insert(REMOTE_SENDERS, senders)
            .await
            .map_err(|e| AppError::Internal(anyhow::anyhow!("saving session: {e}")))
    }

    /// The name and signature set for this session.
    pub async fn identity(&self) -> Identity {
        self.0
            .get(IDENTITY)
            .await
            .ok()
            .flatten()
            .unwrap_or_default()
    }

    pub async fn set_identity(&self, identity: &Identity) -> Result<(), AppError> {
        self.0
            .insert(IDENTITY, identity)
            .await
            .map_err(|e| AppError::Internal(anyhow::anyhow!("saving session: {e}")))
    }

    pub async fn list_prefs(&self) -> ListPrefs {
        self.0
            .get(LIST_PREFS)
            .await
            .ok()
            .flatten()
            .unwrap_or_default()
    }

    pub async fn set_list_prefs(&self, prefs: &ListPrefs) -> Result<(), AppError> {
        self.0
            .insert(LIST_PREFS, prefs)
            .await
            .map_err(|e| AppError::Internal(anyhow::anyhow!("saving session: {e}")))
    }

    /// Deletes the session from the store; the cookie dies with it.
    pub async fn sign_out(&self) {
        if let Err(e) = self.0.flush().await {
            tracing::warn!(error = %e, "deleting session");
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for TypedSession {
    type Rejection = (StatusCode, &'static str);

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Session::from_request_parts(parts, state)
            .await
            .map(TypedSession)
    }
}

/// The signed-in person and their mail session. Anyone else is redirected to `/login`,
/// with `next` bringing them back after signing in (for page views).
pub struct CurrentUser {
    pub mail: Arc<MailSession>,
    /// The registry, to end this mail session when the server stops accepting it.
    pub sessions: MailSessions,
    pub who: SignedIn,
    pub session: TypedSession,
}

impl CurrentUser {
    /// Checks a form's CSRF token against the session's.
    pub fn check_csrf(&self, token: &str) -> Result<(), AppError> {
        if constant_time_eq(token.as_bytes(), self.who.csrf.as_bytes()) {
            Ok(())
        } else {
            Err(AppError::Csrf)
        }
    }
}

impl<S> FromRequestParts<S> for CurrentUser
where
    S: Send + Sync,
    MailSessions: FromRef<S>,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let session = TypedSession::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let sessions = MailSessions::from_ref(state);
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
            // The mail session is gone (timed out, or Posta restarted): start over.
            session.sign_out().await;
            ended = true;
        }
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
        Err(Redirect::to(&next).into_response())
    }
}

/// 32 random bytes, URL-safe base64: session keys and CSRF tokens.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Accepts only local paths for `next=`, so sign-in cannot be made to redirect elsewhere.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/mail/INBOX".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_and_different() {
        let (a, b) = (random_token(), random_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
    }

    #[test]
    fn next_only_allows_local_paths() {
        assert_eq!(safe_next(Some("/mail/Sent?page=2")), "/mail/Sent?page=2");
        for evil in [
            "//evil.example",
            "https://evil.example",
            "/\\evil.example",
            "mail",
        ] {
            assert_eq!(safe_next(Some(evil)), "/mail/INBOX", "{evil}");
        }
        assert_eq!(safe_next(None), "/mail/INBOX");
    }

    #[test]
    fn constant_time_eq_compares() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
