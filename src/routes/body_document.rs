//! The sanitised document of an HTML part, for the message page's sandboxed iframe: made
//! once (when the page is built, or when the iframe asks first), kept in the session's
//! document cache, and served by [`super::parts`]. Shared by the message page and the body
//! route, so neither imports the other.

use std::sync::Arc;

use bytes::Bytes;

use super::links::MessageLinks;
use crate::account::{AccountSession, Document, DocumentKey};
use crate::imap::{MailboxName, MessageRef};
use crate::message::decode_text;
use crate::message::sanitize::{self, Policy};
use crate::message::structure::{Part, PartPath, previewable};

/// Everything needed to turn one HTML part into the iframe's document.
pub struct DocumentRequest<'a> {
    pub mail: &'a AccountSession,
    pub name: &'a MailboxName,
    pub key: &'a MessageRef,
    pub structure: &'a Part,
    pub path: &'a PartPath,
    pub remote: bool,
}

impl DocumentRequest<'_> {
    /// Where the account session keeps this document once made.
    pub fn cache_key(&self) -> DocumentKey {
        DocumentKey {
            message: self.key.clone(),
            part: self.path.clone(),
            remote: self.remote,
        }
    }
}

/// The sanitised document of an HTML part, from the session's cache or cleaned now from
/// `raw` (the part as fetched) and cached. `cid:` images become Posta's own part URLs with an
/// inline token, since the sandboxed iframe's requests carry no cookie.
pub fn html_document(request: &DocumentRequest<'_>, raw: &[u8]) -> Arc<Document> {
    let key = request.cache_key();
    if let Some(document) = request.mail.document(&key) {
        return document;
    }
    let html = request
        .structure
        .find(request.path)
        .map(|part| decode_text(part, raw))
        .unwrap_or_default();
    let uid = request.key.uid();
    let links = MessageLinks::new(request.name, uid);
    let cid = |id: &str| -> Option<String> {
        let part = request.structure.by_content_id(id)?;
        if !previewable(&part.mime) {
            return None;
        }
        let token = request.mail.inline_token(request.name, uid, &part.path);
        Some(links.inline_part_with_token(&part.path, &token))
    };
    let cleaned = sanitize::clean(
        &html,
        &Policy {
            remote: request.remote,
            cid: &cid,
        },
    );
    let document = Arc::new(Document {
        html: Bytes::from(sanitize::document(&cleaned)),
        remote_blocked: cleaned.remote_blocked,
    });
    request.mail.keep_document(key, document.clone());
    document
}
