//! A message's MIME structure, as Posta keeps it: an owned tree with IMAP part numbers
//! attached (`imap::body_structure` builds it from the server's BODYSTRUCTURE), and the plan
//! of what a person sees — which text parts are shown, which alternative is chosen, forwarded
//! messages with their own parts, inline images, attachments, and signed or encrypted parts
//! called what they are.
//!
//! Nothing here fetches: the plan says which parts to fetch, so opening a 10 MB message
//! downloads its text and never its attachments.

use std::fmt;

use super::headers::Person;
use super::params;
use super::transfer::Encoding;

/// An IMAP part number (`1`, `2.1`, `3.2.1`), the address of a part in `BODY[…]`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PartPath(Vec<u32>);

impl PartPath {
    /// Parts nest this deep at most; deeper input is refused (real mail stays far below).
    /// The tree itself is no deeper (`imap::body_structure` stops there), which bounds
    /// every walk over it here, each recursing once per level.
    pub const MAX_DEPTH: usize = 32;

    /// Parses `1.2.3`: numbers from 1, dot-separated, nothing else.
    pub fn parse(text: &str) -> Option<PartPath> {
        if text.is_empty() || text.len() > 200 {
            return None;
        }
        let numbers: Option<Vec<u32>> = text
            .split('.')
            .map(|n| {
                if n.is_empty() || n.len() > 6 || !n.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                n.parse().ok().filter(|&n| n > 0)
            })
            .collect();
        numbers.filter(|n| n.len() <= Self::MAX_DEPTH).map(PartPath)
    }

    pub fn numbers(&self) -> &[u32] {
        &self.0
    }

    /// The root of a multipart message has no number of its own.
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// The `n`th part below this one (`2.1` → `2.1.n`).
    pub fn child(&self, n: u32) -> PartPath {
        let mut numbers = self.0.clone();
        numbers.push(n);
        PartPath(numbers)
    }
}

impl fmt::Display for PartPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, n) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "{n}")?;
        }
        Ok(())
    }
}

/// The headers of a forwarded message, from the ENVELOPE inside the BODYSTRUCTURE.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Envelope {
    pub subject: String,
    pub from: Vec<Person>,
    pub to: Vec<Person>,
    pub cc: Vec<Person>,
    pub date: Option<String>,
}

/// What is inside a part.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Body {
    /// A leaf: text, image, application data…
    Leaf,
    Multipart(Vec<Part>),
    /// An attached or forwarded message (`message/rfc822`) and its own structure.
    Message {
        envelope: Box<Envelope>,
        inner: Box<Part>,
    },
}

/// One MIME part.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part {
    /// Where to fetch it. Empty for a multipart root, which IMAP does not number.
    pub path: PartPath,
    /// Lowercase `type/subtype`.
    pub mime: String,
    /// Content-Type parameters, as the server listed them.
    pub params: Vec<(Vec<u8>, Vec<u8>)>,
    /// `inline`, `attachment` or something else, lowercase; `None` without the header.
    pub disposition: Option<String>,
    /// Content-Disposition parameters.
    pub disposition_params: Vec<(Vec<u8>, Vec<u8>)>,
    /// Content-ID without its angle brackets, for `cid:` references.
    pub content_id: Option<String>,
    pub encoding: Encoding,
    /// Size as stored on the server (still transfer-encoded).
    pub octets: u32,
    pub body: Body,
}

impl Part {
    pub fn is_multipart(&self) -> bool {
        matches!(self.body, Body::Multipart(_))
    }

    fn subtype(&self) -> &str {
        self.mime.split_once('/').map_or("", |(_, s)| s)
    }

    fn main_type(&self) -> &str {
        self.mime.split_once('/').map_or(&self.mime, |(t, _)| t)
    }

    /// A Content-Type parameter, decoded (RFC 2231, RFC 2047).
    pub fn param(&self, name: &str) -> Option<String> {
        params::param(&self.params, name)
    }

    /// The file name a person would see: `filename` of the disposition, else `name` of the type.
    pub fn filename(&self) -> Option<String> {
        params::param(&self.disposition_params, "filename")
            .or_else(|| self.param("name"))
            .map(|n| n.trim().to_owned())
            .filter(|n| !n.is_empty())
    }

    pub fn charset(&self) -> Option<String> {
        self.param("charset")
    }

    fn is_attachment(&self) -> bool {
        self.disposition.as_deref() == Some("attachment")
    }

    /// Roughly how big the part is once decoded: what a person will download.
    pub fn decoded_size(&self) -> u64 {
        let octets = u64::from(self.octets);
        match self.encoding {
            // 76 characters and a line break carry 57 bytes.
            Encoding::Base64 => octets * 57 / 78,
            _ => octets,
        }
    }

    /// The part at `path` in this tree.
    pub fn find(&self, path: &PartPath) -> Option<&Part> {
        if &self.path == path {
            return Some(self);
        }
        match &self.body {
            Body::Leaf => None,
            Body::Multipart(children) => children.iter().find_map(|c| c.find(path)),
            Body::Message { inner, .. } => inner.find(path),
        }
    }

    /// Every part in the tree, depth first.
    fn walk<'a>(&'a self, out: &mut Vec<&'a Part>) {
        out.push(self);
        match &self.body {
            Body::Leaf => {}
            Body::Multipart(children) => children.iter().for_each(|c| c.walk(out)),
            Body::Message { inner, .. } => inner.walk(out),
        }
    }

    /// The part whose Content-ID is `cid`, anywhere in this message (not inside forwarded ones).
    pub fn by_content_id(&self, cid: &str) -> Option<&Part> {
        let mut all = Vec::new();
        self.walk(&mut all);
        all.into_iter()
            .find(|p| p.content_id.as_deref().is_some_and(|id| id == cid))
    }
}

/// Which kind of text a block is shown as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextKind {
    Plain,
    Html,
}

/// Which alternative a person prefers when a message offers both.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Prefer {
    #[default]
    Html,
    Plain,
}

/// Something shown in the body of the message page, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    /// A text part to fetch, decode and show.
    Text { path: PartPath, kind: TextKind },
    /// An image shown where it stands in the message (Apple Mail puts them between texts).
    Image { path: PartPath },
    /// A forwarded or attached message, shown with its own headers and parts.
    Message {
        path: PartPath,
        envelope: Envelope,
        view: Box<View>,
    },
    /// Encrypted content Posta cannot read (PGP/MIME, S/MIME enveloped data).
    Encrypted,
}

/// Something offered for download.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attachment {
    pub path: PartPath,
    /// Decoded file name, or one made up from the type (`part-2.pdf`).
    pub name: String,
    pub mime: String,
    /// Approximate decoded size in bytes.
    pub size: u64,
    /// A raster image a browser can show safely (never SVG).
    pub previewable: bool,
    /// A detached signature (PGP or S/MIME) rather than content.
    pub signature: bool,
}

/// Everything a message page shows, in order, and what it offers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct View {
    pub blocks: Vec<Block>,
    pub attachments: Vec<Attachment>,
    /// The message offers the other of plain text and HTML too (multipart/alternative).
    pub has_alternative: bool,
    /// The message, or a part of it, is signed (multipart/signed, S/MIME signed data).
    pub signed: bool,
}

/// Raster image types a browser shows without running anything.
pub fn previewable(mime: &str) -> bool {
    matches!(
        mime,
        "image/png" | "image/jpeg" | "image/jpg" | "image/gif" | "image/webp" | "image/bmp"
    )
}

/// Plans what to show of `part` (a whole message or an encapsulated one).
pub fn plan(part: &Part, prefer: Prefer) -> View {
    let mut view = View::default();
    add(part, prefer, &mut view);
    view
}

fn add(part: &Part, prefer: Prefer, view: &mut View) {
    match &part.body {
        Body::Message { envelope, inner } => {
            view.blocks.push(Block::Message {
                path: part.path.clone(),
                envelope: (**envelope).clone(),
                view: Box::new(plan(inner, prefer)),
            });
            // The message itself can also be saved as an .eml file.
            attach(part, view);
        }
        Body::Multipart(children) => match part.subtype() {
            "alternative" => add_alternative(children, prefer, view),
            "related" => add_related(part, children, prefer, view),
            "signed" => {
                view.signed = true;
                if let Some((content, rest)) = children.split_first() {
                    add(content, prefer, view);
                    for signature in rest {
                        attach(signature, view);
                    }
                }
            }
            "encrypted" => {
                view.blocks.push(Block::Encrypted);
                children.iter().for_each(|c| attach_all(c, view));
            }
            _ => children.iter().for_each(|c| add(c, prefer, view)),
        },
        Body::Leaf => add_leaf(part, view),
    }
}

fn add_leaf(part: &Part, view: &mut View) {
    if is_smime(part) {
        match part
            .param("smime-type")
            .as_deref()
            .map(str::to_ascii_lowercase)
        {
            Some(t) if t == "signed-data" => view.signed = true,
            _ => view.blocks.push(Block::Encrypted),
        }
        attach(part, view);
        return;
    }
    let named = part.filename().is_some();
    match (part.main_type(), part.subtype()) {
        ("text", "plain") if !part.is_attachment() => view.blocks.push(Block::Text {
            path: part.path.clone(),
            kind: TextKind::Plain,
        }),
        ("text", "html") if !part.is_attachment() => view.blocks.push(Block::Text {
            path: part.path.clone(),
            kind: TextKind::Html,
        }),
        ("image", _)
            if previewable(&part.mime)
                && part.disposition.as_deref() == Some("inline")
                && !part.path.is_root() =>
        {
            view.blocks.push(Block::Image {
                path: part.path.clone(),
            });
            if named {
                attach(part, view);
            }
        }
        _ => attach(part, view),
    }
}

/// Chooses one alternative: the preferred kind of text when there, else the richest one
/// Posta can show (the last, per RFC 2046, among those it understands).
fn add_alternative(children: &[Part], prefer: Prefer, view: &mut View) {
    let shows = |c: &Part, kind: TextKind| text_kind_within(c) == Some(kind);
    let has_plain = children.iter().any(|c| shows(c, TextKind::Plain));
    let has_html = children.iter().any(|c| shows(c, TextKind::Html));
    view.has_alternative = view.has_alternative || (has_plain && has_html);
    let wanted = match prefer {
        Prefer::Html => TextKind::Html,
        Prefer::Plain => TextKind::Plain,
    };
    let chosen = children
        .iter()
        .rfind(|c| shows(c, wanted))
        .or_else(|| children.iter().rfind(|c| text_kind_within(c).is_some()))
        .or_else(|| children.first());
    if let Some(chosen) = chosen {
        add(chosen, prefer, view);
    }
}

/// What an alternative would show: HTML if it holds an HTML part (multipart/related is
/// HTML with its images), plain if it is plain text.
fn text_kind_within(part: &Part) -> Option<TextKind> {
    match (&part.body, part.mime.as_str()) {
        (Body::Leaf, "text/plain") => Some(TextKind::Plain),
        (Body::Leaf, "text/html") => Some(TextKind::Html),
        (Body::Multipart(children), _) => {
            let kinds: Vec<TextKind> = children.iter().filter_map(text_kind_within).collect();
            if kinds.contains(&TextKind::Html) {
                Some(TextKind::Html)
            } else {
                kinds.first().copied()
            }
        }
        _ => None,
    }
}

/// multipart/related: the root part (`start`, else the first) is shown; the others are its
/// inline resources, offered for download only when they look like files.
fn add_related(part: &Part, children: &[Part], prefer: Prefer, view: &mut View) {
    let start = part.param("start").map(|s| {
        s.trim()
            .trim_start_matches('<')
            .trim_end_matches('>')
            .to_owned()
    });
    let root = start
        .as_deref()
        .and_then(|id| {
            children
                .iter()
                .position(|c| c.content_id.as_deref() == Some(id))
        })
        .unwrap_or(0);
    for (i, child) in children.iter().enumerate() {
        if i == root {
            add(child, prefer, view);
        } else if child.is_attachment() || (child.content_id.is_none() && !child.is_multipart()) {
            attach_all(child, view);
        }
    }
}

fn is_smime(part: &Part) -> bool {
    matches!(
        part.mime.as_str(),
        "application/pkcs7-mime" | "application/x-pkcs7-mime"
    )
}

fn is_signature(part: &Part) -> bool {
    matches!(
        part.mime.as_str(),
        "application/pgp-signature"
            | "application/pkcs7-signature"
            | "application/x-pkcs7-signature"
    )
}

/// Offers every leaf under `part` for download.
fn attach_all(part: &Part, view: &mut View) {
    match &part.body {
        Body::Multipart(children) => children.iter().for_each(|c| attach_all(c, view)),
        _ => attach(part, view),
    }
}

fn attach(part: &Part, view: &mut View) {
    if part.is_multipart() || part.path.is_root() && part.mime.starts_with("multipart/") {
        return;
    }
    let name = part
        .filename()
        .or_else(|| match &part.body {
            Body::Message { envelope, .. } if !envelope.subject.trim().is_empty() => {
                Some(format!("{}.eml", envelope.subject.trim()))
            }
            _ => None,
        })
        .unwrap_or_else(|| format!("part-{}.{}", part.path, extension_for(&part.mime)));
    view.attachments.push(Attachment {
        path: part.path.clone(),
        name: params::safe_filename(&name, &format!("part-{}", part.path)),
        mime: part.mime.clone(),
        size: part.decoded_size(),
        previewable: previewable(&part.mime),
        signature: is_signature(part),
    });
}

/// A file extension for a part without a name.
fn extension_for(mime: &str) -> &'static str {
    match mime {
        "message/rfc822" => "eml",
        "text/plain" => "txt",
        "text/html" => "html",
        "text/calendar" => "ics",
        "text/vcard" | "text/x-vcard" => "vcf",
        "application/pdf" => "pdf",
        "application/pgp-signature" => "asc",
        "application/pkcs7-signature" | "application/x-pkcs7-signature" => "p7s",
        "application/pkcs7-mime" | "application/x-pkcs7-mime" => "p7m",
        "image/png" => "png",
        "image/jpeg" | "image/jpg" => "jpg",
        "image/gif" => "gif",
        "image/webp" => "webp",
        "image/svg+xml" => "svg",
        _ => "bin",
    }
}

/// Every text part a view shows, with forwarded messages' texts, in order.
pub fn texts(view: &View) -> Vec<(PartPath, TextKind)> {
    let mut out = Vec::new();
    fn walk(view: &View, out: &mut Vec<(PartPath, TextKind)>) {
        for block in &view.blocks {
            match block {
                Block::Text { path, kind } => out.push((path.clone(), *kind)),
                Block::Message { view, .. } => walk(view, out),
                Block::Image { .. } | Block::Encrypted => {}
            }
        }
    }
    walk(view, &mut out);
    out
}

/// Whether any part of the structure is an attachment, for the list's paper-clip mark.
pub fn has_attachments(part: &Part) -> bool {
    let view = plan(part, Prefer::Html);
    view.attachments.iter().any(|a| !a.signature)
}

#[cfg(test)]
mod tests;
