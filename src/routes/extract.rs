//! The mail URL's path as types: `/mail/{mailbox}…` and `/mail/{mailbox}/{uid}…`, checked
//! once here, so a handler starts from a valid mailbox name and UID. A name that cannot be
//! a mailbox is "no such folder"; a UID that is not a positive number, "no such message".

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::error::AppError;
use crate::imap::MailboxName;

/// `{mailbox}` of the path.
pub struct MailboxPath(pub MailboxName);

/// `{mailbox}/{uid}` of the path.
pub struct MessagePath {
    pub mailbox: MailboxName,
    pub uid: u32,
}

impl MessagePath {
    /// Parses the mailbox (decoded) and UID of a message URL.
    pub fn parse(mailbox: &str, uid: &str) -> Result<MessagePath, AppError> {
        let mailbox =
            MailboxName::parse(mailbox).ok_or(AppError::MailboxNotFound(mailbox.to_owned()))?;
        let uid = uid
            .parse()
            .ok()
            .filter(|&u| u > 0)
            .ok_or(AppError::MessageNotFound)?;
        Ok(MessagePath { mailbox, uid })
    }
}

/// The path's named parameters this module reads; the others are left to the handler.
#[derive(Deserialize)]
struct Params {
    mailbox: String,
    uid: Option<String>,
}

async fn params<S: Send + Sync>(parts: &mut Parts, state: &S) -> Result<Params, Response> {
    Path::<Params>::from_request_parts(parts, state)
        .await
        .map(|Path(params)| params)
        .map_err(IntoResponse::into_response)
}

impl<S: Send + Sync> FromRequestParts<S> for MailboxPath {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Params { mailbox, .. } = params(parts, state).await?;
        match MailboxName::parse(&mailbox) {
            Some(name) => Ok(MailboxPath(name)),
            None => Err(AppError::MailboxNotFound(mailbox).into_response()),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for MessagePath {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Params { mailbox, uid } = params(parts, state).await?;
        MessagePath::parse(&mailbox, uid.as_deref().unwrap_or_default())
            .map_err(IntoResponse::into_response)
    }
}
