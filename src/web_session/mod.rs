//! The browser session: what a browser's cookie stands for. A typed wrapper over
//! tower-sessions that knows whether someone is signed in (and keeps their per-session
//! choices), the record store behind it, the [`CurrentUser`] extractor that sends everyone
//! else to the sign-in page, and CSRF tokens.
//!
//! The password is not here: a record names an account session (see [`crate::account`]) by
//! its key, and keeps no clock of its own: it is kept while that session lives, and for the
//! idle timeout after it ends, so the browser can be told it ended.
//!
//! # Layout
//! - this module: [`TypedSession`], [`SignedIn`], the cookie's settings ([`layer`]).
//! - [`store`]: [`MemoryRecords`], the records, following their account sessions.
//! - [`current_user`]: [`CurrentUser`], the extractor, with the CSRF check.

pub mod current_user;
pub mod store;

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::{Deserialize, Serialize};
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, Session, SessionManagerLayer};

pub use current_user::CurrentUser;
pub use store::MemoryRecords;

use crate::error::AppError;

/// The session cookie's name.
pub const COOKIE: &str = "posta_session";

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
/// the account session, in memory.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SignedIn {
    /// Key of this browser's account session in [`AccountSessions`](crate::account::AccountSessions).
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

/// Session cookies as Posta sets them: HttpOnly, SameSite=Strict, Secure behind TLS, and
/// without a date, so the cookie dies with the browser. How long a sign-in lasts is the
/// account session's rule ([`crate::account::Limits`]), not the cookie's.
pub fn layer(records: MemoryRecords, secure: bool) -> SessionManagerLayer<MemoryRecords> {
    SessionManagerLayer::new(records)
        .with_name(COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Strict)
        .with_secure(secure)
        .with_expiry(Expiry::OnSessionEnd)
}

/// Accepts only local paths for `next=`, so sign-in cannot be made to redirect elsewhere.
///
/// Judged as a browser reads a `Location`: it drops tabs and line breaks anywhere and reads
/// `\\` as `/`, so `/\t/evil.example` would leave the origin as `//evil.example` does. A
/// path with any control character or backslash is refused whole, not cleaned.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                && !n.chars().any(char::is_control) =>
        {
            n.to_owned()
        }
        _ => "/mail/INBOX".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_only_allows_local_paths() {
        assert_eq!(safe_next(Some("/mail/Sent?page=2")), "/mail/Sent?page=2");
        assert_eq!(safe_next(Some("/mail/Работа")), "/mail/Работа");
        for evil in [
            "//evil.example",
            "https://evil.example",
            "/\\evil.example",
            "mail",
            "/\t/evil.example/x",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "\t//evil.example",
            "/\u{0}/evil.example",
            "/\u{85}/evil.example",
        ] {
            assert_eq!(safe_next(Some(evil)), "/mail/INBOX", "{evil}");
        }
        assert_eq!(safe_next(None), "/mail/INBOX");
    }
}
