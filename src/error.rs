//! One error type for every handler. People see a short sentence in their language on an
//! error page; the log gets the whole cause chain.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::i18n::Strings;
use crate::imap::{Exceeded, LoginError, MailError};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// No page at this address.
    #[error("not found")]
    NotFound,
    /// The mailbox named in the URL does not exist (or cannot be selected).
    #[error("no such mailbox: {0}")]
    MailboxNotFound(String),
    /// The UID named in the URL is not in the mailbox (moved, deleted, or never was).
    #[error("no such message")]
    MessageNotFound,
    /// Malformed input that a person could not have produced through our forms.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// The folder was renumbered (UIDVALIDITY changed) since the page was made, so the
    /// messages it showed cannot be named safely: nothing was done.
    #[error("the folder changed since the page was shown")]
    FolderChanged,
    /// A state-changing request without the right CSRF token.
    #[error("CSRF token missing or wrong")]
    Csrf,
    /// A state-changing request whose `Origin` (or `Referer`) is another site.
    #[error("request from another origin")]
    ForeignOrigin,
    /// The IMAP server failed or answered something we could not use.
    #[error("mail server failed")]
    Upstream(#[source] anyhow::Error),
    /// The mail server sent more than Posta accepts in answer to a command (a literal, a line
    /// or a whole answer over its cap): a hostile or broken server. The connection was
    /// dropped.
    #[error("mail server sent too much")]
    UpstreamTooMuch(#[source] Exceeded),
    /// The mail server no longer accepts this session's password (changed elsewhere): the
    /// person must sign in again. Its response carries [`SessionEnded`], for the layer in
    /// `routes` that ends the person's sessions and sends them to sign in.
    #[error("session ended by the mail server")]
    SessionEnded,
    /// The server holds as many attachments as it may (`--max-upload-memory`), every
    /// session's together, and what was asked would need more: try again later.
    #[error("no room for more attachments")]
    NoRoom,
    /// A bug or an impossible state in Posta itself.
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

/// A mail failure as a page: a server that no longer takes the password ends the session;
/// anything else is the mail server failing. Where a failure means something more precise
/// (a NO to SELECT: no such folder), the handler says so before this applies.
impl From<MailError> for AppError {
    fn from(error: MailError) -> Self {
        match error {
            MailError::Login(LoginError::WrongPassword(_) | LoginError::LoginDisabled(_)) => {
                AppError::SessionEnded
            }
            MailError::Exceeded(e) | MailError::Login(LoginError::Exceeded(e)) => {
                AppError::UpstreamTooMuch(e)
            }
            MailError::Login(e) => {
                AppError::Upstream(anyhow::Error::new(e).context("re-opening the IMAP connection"))
            }
            MailError::Imap(e) => AppError::Upstream(anyhow::Error::new(e)),
            e @ MailError::Timeout(_) => AppError::Upstream(anyhow::Error::new(e)),
        }
    }
}

/// The mark on [`AppError::SessionEnded`]'s response. Mapping an error has no side effects:
/// the layer that sees this mark (`routes::session_end`) ends the account session and the
/// browser session, then sends the person to sign in again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionEnded;

/// What the error page middleware needs to render a response: put in the response's
/// extensions by [`AppError::into_response`], because only the middleware knows the language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    NotFound,
    MailboxNotFound,
    MessageNotFound,
    BadRequest,
    FolderChanged,
    Csrf,
    ForeignOrigin,
    /// A body over the limit (413).
    TooLarge,
    /// A method this address does not take (405).
    MethodNotAllowed,
    /// The page was not ready within the request timeout (503, `routes::time_limit`).
    TooSlow,
    Upstream,
    /// No room for more attachments now (503).
    NoRoom,
    UpstreamTooMuch,
    Internal,
}

impl ErrorKind {
    /// The page for a bare response some layer or extractor gave (axum's own 405, a body
    /// over the limit, a form that does not parse), so those get a page in words too.
    pub fn of_status(status: StatusCode) -> Option<ErrorKind> {
        Some(match status {
            StatusCode::METHOD_NOT_ALLOWED => ErrorKind::MethodNotAllowed,
            StatusCode::PAYLOAD_TOO_LARGE => ErrorKind::TooLarge,
            StatusCode::BAD_REQUEST
            | StatusCode::UNSUPPORTED_MEDIA_TYPE
            | StatusCode::UNPROCESSABLE_ENTITY => ErrorKind::BadRequest,
            StatusCode::NOT_FOUND => ErrorKind::NotFound,
            StatusCode::SERVICE_UNAVAILABLE => ErrorKind::TooSlow,
            _ => return None,
        })
    }

    pub fn message(self, t: &Strings) -> &'static str {
        match self {
            ErrorKind::NotFound => t.err_not_found,
            ErrorKind::MailboxNotFound => t.err_mailbox_not_found,
            ErrorKind::MessageNotFound => t.err_message_not_found,
            ErrorKind::BadRequest => t.err_bad_request,
            ErrorKind::FolderChanged => t.err_folder_changed,
            ErrorKind::Csrf => t.err_form_expired,
            ErrorKind::ForeignOrigin => t.err_foreign_origin,
            ErrorKind::TooLarge => t.err_too_large,
            ErrorKind::MethodNotAllowed => t.err_method,
            ErrorKind::TooSlow => t.err_too_slow,
            ErrorKind::Upstream => t.err_upstream,
            ErrorKind::NoRoom => t.err_no_room,
            ErrorKind::UpstreamTooMuch => t.err_upstream_too_much,
            ErrorKind::Internal => t.err_internal,
        }
    }
}

impl AppError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            AppError::NotFound => ErrorKind::NotFound,
            AppError::MailboxNotFound(_) => ErrorKind::MailboxNotFound,
            AppError::MessageNotFound => ErrorKind::MessageNotFound,
            AppError::BadRequest(_) => ErrorKind::BadRequest,
            AppError::FolderChanged => ErrorKind::FolderChanged,
            AppError::Csrf => ErrorKind::Csrf,
            AppError::ForeignOrigin => ErrorKind::ForeignOrigin,
            AppError::Upstream(_) => ErrorKind::Upstream,
            AppError::NoRoom => ErrorKind::NoRoom,
            AppError::UpstreamTooMuch(_) => ErrorKind::UpstreamTooMuch,
            AppError::Internal(_) | AppError::SessionEnded => ErrorKind::Internal,
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound | AppError::MailboxNotFound(_) | AppError::MessageNotFound => {
                StatusCode::NOT_FOUND
            }
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::FolderChanged => StatusCode::CONFLICT,
            AppError::Csrf | AppError::ForeignOrigin => StatusCode::FORBIDDEN,
            AppError::Upstream(_) | AppError::UpstreamTooMuch(_) => StatusCode::BAD_GATEWAY,
            AppError::NoRoom => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            AppError::SessionEnded => StatusCode::SEE_OTHER,
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::SessionEnded = self {
            let mut response = self.status().into_response();
            response.extensions_mut().insert(SessionEnded);
            return response;
        }
        match &self {
            AppError::Upstream(cause) => {
                tracing::warn!(error = format!("{cause:#}"), "mail server error")
            }
            // The stream logged the cap and the size when it tripped.
            AppError::UpstreamTooMuch(e) => tracing::info!(error = %e, "mail server sent too much"),
            AppError::Internal(cause) => {
                tracing::error!(error = format!("{cause:#}"), "internal error")
            }
            other => tracing::debug!(error = %other, "request refused"),
        }
        let mut response = self.status().into_response();
        response.extensions_mut().insert(self.kind());
        response
    }
}

pub type AppResult<T> = Result<T, AppError>;
