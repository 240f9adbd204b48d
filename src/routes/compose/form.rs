//! The posted compose form, read whole before anything is done with it. The button pressed
//! comes last in the body (after the files: browsers send fields in page order), so the
//! files are read into the request's own memory first, and only a form that turns out to
//! be whole and as Posta's page sends it has its files kept in a composition (see
//! [`ComposeForm::action`]). Anything else — a body cut off past the limit, an unknown
//! button, a field twice or one the page has not — keeps nothing: a forged or broken form
//! must not pin megabytes for the rest of a session. Files are kept in the pieces they
//! arrived in and joined only once a composition holds them ([`Attachable`]), so a form or
//! file refused never costs a second, contiguous copy (nor the doublings of a growing
//! buffer), which the allocator would keep long after.

use axum::extract::Multipart;
use axum::extract::multipart::Field;
use bytes::{Bytes, BytesMut};

use super::ComposeAction;
use crate::account::{Attachable, Fields};
use crate::message::outgoing::build::Upload;

/// The posted form.
#[derive(Default)]
pub struct ComposeForm {
    pub csrf: String,
    pub compose: String,
    pub fields: Fields,
    /// The button pressed, as sent.
    action: Option<String>,
    /// Attachments already held that stay (their ids).
    pub keep: Vec<u32>,
    /// New files, as they arrived.
    files: Vec<PostedFile>,
    /// New files went over the limit; they were read and dropped.
    pub too_large: bool,
    /// The body ended before the form did (past the body limit, or malformed).
    cut_short: bool,
    /// What made the form other than Posta's page sends it, for the log.
    altered: Option<String>,
    /// Names of the single-valued fields read so far.
    seen: Vec<&'static str>,
}

/// A file as it arrived, in pieces.
pub struct PostedFile {
    name: String,
    mime: String,
    pieces: Vec<Bytes>,
}

impl Attachable for PostedFile {
    fn size(&self) -> u64 {
        self.pieces.iter().map(|p| p.len() as u64).sum()
    }

    fn into_upload(self) -> Upload {
        let bytes = match <[Bytes; 1]>::try_from(self.pieces) {
            Ok([one]) => one,
            Err(pieces) => {
                let mut joined = BytesMut::with_capacity(pieces.iter().map(Bytes::len).sum());
                for piece in pieces {
                    joined.extend_from_slice(&piece);
                }
                joined.freeze()
            }
        };
        Upload {
            name: self.name,
            mime: self.mime,
            bytes,
        }
    }
}

/// Why a posted form is not acted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unusable {
    /// The body ended before the form did: read as far as it went.
    CutShort,
    /// Not a form Posta's page sends.
    Altered,
}

/// The fields that come once each.
const SINGLE: [&str; 8] = [
    "csrf", "compose", "to", "cc", "bcc", "subject", "body", "action",
];

impl ComposeForm {
    /// The button pressed, if the form is whole and as Posta's page sends it.
    pub fn action(&self) -> Result<ComposeAction, Unusable> {
        if self.cut_short {
            return Err(Unusable::CutShort);
        }
        if let Some(why) = &self.altered {
            tracing::info!(why, "compose form refused");
            return Err(Unusable::Altered);
        }
        let action = self.action.as_deref().unwrap_or_default();
        action.parse().map_err(|_| {
            tracing::info!(action, "compose form with an unknown button refused");
            Unusable::Altered
        })
    }

    /// The new files (for a form that is acted on).
    pub fn take_files(&mut self) -> Vec<PostedFile> {
        std::mem::take(&mut self.files)
    }

    /// Whether any text field was read (a form cut short may have stopped before them).
    pub fn has_text(&self) -> bool {
        let f = &self.fields;
        [&f.to, &f.cc, &f.bcc, &f.subject, &f.body]
            .iter()
            .any(|v| !v.is_empty())
    }

    fn alter(&mut self, why: String) {
        self.altered.get_or_insert(why);
    }

    /// Takes a text field.
    fn set(&mut self, name: &str, value: String) {
        if let Some(single) = SINGLE.iter().find(|s| **s == name) {
            if self.seen.contains(single) {
                return self.alter(format!("field {name} twice"));
            }
            self.seen.push(single);
        }
        match name {
            "csrf" => self.csrf = value,
            "compose" if !is_composition_id(&value) => {
                self.alter("a malformed composition id".into())
            }
            "compose" => self.compose = value,
            "to" => self.fields.to = value,
            "cc" => self.fields.cc = value,
            "bcc" => self.fields.bcc = value,
            "subject" => self.fields.subject = value,
            "body" => self.fields.body = value,
            "action" => self.action = Some(value),
            "keep" => match value.parse::<u32>() {
                Ok(id) => self.keep.push(id),
                Err(_) => self.alter(format!("keep={value:?}")),
            },
            _ => self.alter(format!("unknown field {name:?}")),
        }
    }
}

/// What [`Compositions::start`](crate::account::Compositions::start) makes (or nothing,
/// for a form that starts one).
fn is_composition_id(value: &str) -> bool {
    value.len() <= 64
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Reads the multipart form, holding at most `limit` bytes of new files in memory. A form
/// cut short (past the body limit) or malformed comes back as far as it was read.
pub async fn read(mut multipart: Multipart, limit: u64) -> ComposeForm {
    let mut posted = ComposeForm::default();
    let mut held = 0u64;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => return posted,
            Err(e) => {
                tracing::info!(error = %e, "compose form cut short");
                posted.cut_short = true;
                return posted;
            }
        };
        let name = field.name().unwrap_or_default().to_owned();
        if name == "attachment" {
            let Some(file) = read_file(field, &mut held, limit, posted.too_large).await else {
                posted.cut_short = true;
                return posted;
            };
            posted.too_large |= file.over;
            posted.files.extend(file.posted);
            continue;
        }
        match field.text().await {
            Ok(value) => posted.set(&name, value),
            Err(e) => {
                tracing::info!(error = %e, "compose form cut short");
                posted.cut_short = true;
                return posted;
            }
        }
    }
}

/// One file field as read.
struct File {
    /// The file, unless none was chosen or it went over the limit.
    posted: Option<PostedFile>,
    /// The files so far went over the limit.
    over: bool,
}

/// Reads one file field, counting its bytes into `held`; once past `limit` (or already
/// `over` it) the bytes are read and dropped. `None` when the upload was cut short.
async fn read_file(mut field: Field<'_>, held: &mut u64, limit: u64, over: bool) -> Option<File> {
    let file_name = field.file_name().unwrap_or_default().to_owned();
    let mime = field
        .content_type()
        .unwrap_or("application/octet-stream")
        .to_owned();
    let mut pieces = Vec::new();
    let mut over = over;
    loop {
        match field.chunk().await {
            Ok(Some(chunk)) => {
                *held += chunk.len() as u64;
                if *held > limit {
                    over = true;
                    pieces = Vec::new();
                }
                if !over && !chunk.is_empty() {
                    pieces.push(chunk);
                }
            }
            Ok(None) => break,
            Err(e) => {
                tracing::info!(error = %e, "compose upload cut short");
                return None;
            }
        }
    }
    // A file input left empty still sends a part, without name or bytes.
    let nothing_chosen = file_name.is_empty() && pieces.is_empty();
    let posted = (!over && !nothing_chosen).then(|| PostedFile {
        name: if file_name.is_empty() {
            "attachment".into()
        } else {
            file_name
        },
        mime,
        pieces,
    });
    Some(File { posted, over })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(fields: &[(&str, &str)]) -> ComposeForm {
        let mut form = ComposeForm::default();
        for (name, value) in fields {
            form.set(name, (*value).to_owned());
        }
        form
    }

    const GOOD: [(&str, &str); 8] = [
        ("csrf", "t"),
        ("compose", "AbC-d_9"),
        ("to", "a@b.c"),
        ("cc", ""),
        ("bcc", ""),
        ("subject", "Hi"),
        ("body", "Text"),
        ("keep", "2"),
    ];

    #[test]
    fn the_pages_own_form_is_acted_on() {
        let mut fields = GOOD.to_vec();
        fields.push(("action", "send"));
        let posted = form(&fields);
        assert_eq!(posted.action(), Ok(ComposeAction::Send));
        assert_eq!(posted.keep, vec![2]);
        let mut fields = GOOD.to_vec();
        fields.push(("action", "draft"));
        assert_eq!(form(&fields).action(), Ok(ComposeAction::Draft));
    }

    #[test]
    fn anything_the_page_does_not_send_is_refused() {
        let cases: [&[(&str, &str)]; 7] = [
            &[("action", "sned")],
            &[],
            &[("action", "send"), ("action", "draft")],
            &[("action", "send"), ("keep", "first")],
            &[("action", "send"), ("compose", "../../x")],
            &[("action", "send"), ("body", "again")],
            &[("action", "send"), ("x-extra", "1")],
        ];
        for extra in cases {
            let mut fields = GOOD.to_vec();
            fields.extend_from_slice(extra);
            let posted = form(&fields);
            assert_eq!(posted.action(), Err(Unusable::Altered), "{extra:?}");
            assert!(posted.has_text(), "what was typed is still there");
        }
    }

    #[test]
    fn a_file_is_weighed_in_pieces_and_joined_in_order() {
        let file = PostedFile {
            name: "a.txt".into(),
            mime: "text/plain".into(),
            pieces: vec![Bytes::from_static(b"Hel"), Bytes::from_static(b"lo")],
        };
        assert_eq!(file.size(), 5);
        assert_eq!(&file.into_upload().bytes[..], b"Hello");
    }

    #[test]
    fn a_form_cut_short_is_never_acted_on() {
        let mut posted = form(&[("action", "send")]);
        posted.cut_short = true;
        assert_eq!(posted.action(), Err(Unusable::CutShort));
        assert!(!posted.has_text());
    }
}
