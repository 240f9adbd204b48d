//! One message: `/mail/{mailbox}/{uid}`. Headers; then each part the message shows, in
//! order — plain text escaped and linkified, HTML in a sandboxed iframe fed by
//! [`super::body_document`], inline images, forwarded messages with their own parts — and the
//! attachments. Remote content loads only when asked (`?remote=1`, or a sender the person
//! trusts for this session). Opening a message marks it read.

use axum::Form;
use axum::Router;
use axum::extract::Query;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::actions::Action;
use super::body_document::{self, DocumentRequest};
use super::chrome::{Chrome, MoveTarget, chrome, folder_list, in_mailbox, label, move_targets};
use super::extract::MessagePath;
use super::form::Ticked;
use super::links::{self, Alternative, MessageLinks};
use super::render;
use crate::error::AppError;
use crate::i18n::{Lang, Strings};
use crate::imap::MailboxName;
use crate::imap::folders::{FolderList, Role};
use crate::imap::reading::Opened;
use crate::message::headers::{self, Headers, Person};
use crate::message::structure::{Attachment, Block, Envelope, PartPath, Prefer, TextKind, View};
use crate::message::text::human_size;
use crate::message::{charset, plain_to_html};
use crate::state::AppState;
use crate::web_session::CurrentUser;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/mail/{mailbox}/{uid}", get(show_message))
        .route("/mail/{mailbox}/{uid}/remote", post(trust_sender))
}

/// Fetches what showing (or answering) message `uid` of `name` needs, marking it read.
pub async fn open_message(
    user: &CurrentUser,
    name: &MailboxName,
    uid: u32,
    prefer: Prefer,
) -> Result<Opened, AppError> {
    let opened = user
        .mail
        .open_message(name, uid, prefer)
        .await
        .map_err(in_mailbox(name))?
        .ok_or(AppError::MessageNotFound)?;
    if opened.was_unseen {
        user.mail.invalidate_folders();
    }
    Ok(opened)
}

#[derive(Deserialize, Default)]
struct MessageQuery {
    /// Which alternative to show, when the message has two.
    view: Option<Alternative>,
    /// Load remote content for this view.
    #[serde(default)]
    remote: Ticked,
}

/// Something shown in the body, in order. Forwarded messages open and close around their
/// own items, so nesting needs no recursive template.
enum Item {
    /// Safe HTML from `text::to_html` (escaped first, then linkified).
    Plain(String),
    /// An iframe with the sanitised HTML document.
    Html {
        src: String,
    },
    Image {
        src: String,
    },
    Truncated {
        href: String,
    },
    Encrypted,
    Open(Envelope),
    Attachments(Vec<AttachmentRow>),
    Close,
}

struct AttachmentRow {
    name: String,
    mime: String,
    size: String,
    href: String,
    preview: Option<String>,
    signature: bool,
}

#[derive(askama::Template)]
#[template(path = "message.html")]
struct MessagePage {
    chrome: Chrome,
    back_href: String,
    back_label: String,
    /// This page, where the action form comes back to.
    page_href: String,
    subject: String,
    from: Vec<Person>,
    to: Vec<Person>,
    cc: Vec<Person>,
    date: Option<String>,
    all_headers: String,
    items: Vec<Item>,
    attachments: Vec<AttachmentRow>,
    signed: bool,
    /// The other alternative (plain or formatted), when the message has both.
    switch_view: Option<Link>,
    remote_blocked: usize,
    remote_shown: bool,
    /// `?remote=1` of this page, to show remote content once.
    remote_href: String,
    /// Where "always for this sender" posts, and the sender it names.
    trust_action: String,
    sender: String,
    raw_href: String,
    eml_href: String,
    has_text: bool,
    /// The action form: where it posts and what it needs.
    actions_href: String,
    uid: u32,
    validity: u32,
    flagged: bool,
    in_junk: bool,
    /// Folders it can be moved to.
    move_targets: Vec<MoveTarget>,
    /// Reply, reply to all, forward inline and forward as an attachment.
    reply_href: String,
    reply_all_href: String,
    forward_href: String,
    forward_attached_href: String,
}

async fn show_message(
    user: CurrentUser,
    lang: Lang,
    message: MessagePath,
    Query(query): Query<MessageQuery>,
) -> Result<Response, AppError> {
    let name = &message.mailbox;
    let prefer = match query.view {
        Some(Alternative::Plain) => Prefer::Plain,
        _ => Prefer::Html,
    };
    let opened = open_message(&user, name, message.uid, prefer).await?;
    let head = headers::parse(&opened.header);
    let sender = head
        .from
        .first()
        .map(|p| p.address.to_lowercase())
        .unwrap_or_default();
    let remote = query.remote.0
        || (!sender.is_empty() && user.session.remote_senders().await.contains(&sender));
    let t = lang.strings();
    let links = MessageLinks::new(name, message.uid);
    let body = Builder::new(&user, name, &opened, &links, remote, t).build();
    let chrome = chrome(&user, lang, name.as_str(), &links.page()).await?;
    let folders = folder_list(&user).await?;
    Ok(render(&message_page(
        chrome,
        Shown {
            message: &message,
            folders: &folders,
            opened: &opened,
            head,
            sender,
            body,
            remote,
            prefer,
        },
    )))
}

/// Everything the message page shows, besides the frame.
struct Shown<'a> {
    message: &'a MessagePath,
    folders: &'a FolderList,
    opened: &'a Opened,
    head: Headers,
    /// The first sender's address, lowercase; empty when there is none.
    sender: String,
    body: Body,
    /// Remote content is loaded.
    remote: bool,
    prefer: Prefer,
}

fn message_page(chrome: Chrome, shown: Shown<'_>) -> MessagePage {
    let Shown {
        message,
        folders,
        opened,
        head,
        sender,
        body,
        remote,
        prefer,
    } = shown;
    let (t, name, uid) = (chrome.t, &message.mailbox, message.uid);
    let links = MessageLinks::new(name, uid);
    let folder = folders.find(name.as_str());
    let answered = &opened.message;
    MessagePage {
        subject: if head.subject.trim().is_empty() {
            t.no_subject.to_owned()
        } else {
            head.subject
        },
        back_href: links::mailbox(name),
        page_href: links.page(),
        back_label: folder
            .map(|f| label(f, t))
            .unwrap_or_else(|| name.as_str().to_owned()),
        from: head.from,
        to: head.to,
        cc: head.cc,
        date: head.date,
        all_headers: charset::decode(&opened.header, None),
        attachments: attachment_rows(&opened.view.attachments, &links, t),
        signed: opened.view.signed,
        items: body.items,
        switch_view: opened.view.has_alternative.then(|| match prefer {
            Prefer::Html => Link {
                href: links.shown(Alternative::Plain, false),
                label: t.show_plain,
            },
            Prefer::Plain => Link {
                href: links.shown(Alternative::Formatted, false),
                label: t.show_html,
            },
        }),
        remote_blocked: body.remote_blocked,
        remote_shown: remote,
        remote_href: match prefer {
            Prefer::Html => links.shown(Alternative::Formatted, true),
            Prefer::Plain => links.shown(Alternative::Plain, true),
        },
        trust_action: links.trust_sender(),
        sender,
        raw_href: links.raw(),
        eml_href: links.download(),
        has_text: body.has_text,
        actions_href: links::actions(name),
        uid,
        validity: opened.message.uid_validity(),
        flagged: opened.flagged,
        in_junk: folder.and_then(|f| f.role) == Some(Role::Junk),
        move_targets: move_targets(folders, name.as_str(), t),
        reply_href: links::reply(answered),
        reply_all_href: links::reply_all(answered),
        forward_href: links::forward(answered, false),
        forward_attached_href: links::forward(answered, true),
        chrome,
    }
}

/// A link and its words.
struct Link {
    href: String,
    label: &'static str,
}

/// The message's body as the page shows it.
struct Body {
    items: Vec<Item>,
    /// Remote images, styles and fonts held back in its HTML parts.
    remote_blocked: usize,
    /// Whether it has any text to show.
    has_text: bool,
}

/// Walks a view into page items, cleaning HTML parts into the session's document cache.
struct Builder<'a> {
    user: &'a CurrentUser,
    name: &'a MailboxName,
    opened: &'a Opened,
    links: &'a MessageLinks,
    remote: bool,
    t: &'static Strings,
    items: Vec<Item>,
    remote_blocked: usize,
    has_text: bool,
}

impl<'a> Builder<'a> {
    fn new(
        user: &'a CurrentUser,
        name: &'a MailboxName,
        opened: &'a Opened,
        links: &'a MessageLinks,
        remote: bool,
        t: &'static Strings,
    ) -> Self {
        Builder {
            user,
            name,
            opened,
            links,
            remote,
            t,
            items: Vec::new(),
            remote_blocked: 0,
            has_text: false,
        }
    }

    /// The body of the opened message.
    fn build(mut self) -> Body {
        self.add_blocks(&self.opened.view);
        Body {
            items: self.items,
            remote_blocked: self.remote_blocked,
            has_text: self.has_text,
        }
    }

    fn add_blocks(&mut self, view: &View) {
        for block in &view.blocks {
            match block {
                Block::Text { path, kind } => self.add_text(path, *kind),
                Block::Image { path } => self.items.push(Item::Image {
                    src: self.links.inline_part(path),
                }),
                Block::Encrypted => self.items.push(Item::Encrypted),
                Block::Message { envelope, view, .. } => {
                    self.items.push(Item::Open(envelope.clone()));
                    self.add_blocks(view);
                    if !view.attachments.is_empty() {
                        self.items.push(Item::Attachments(attachment_rows(
                            &view.attachments,
                            self.links,
                            self.t,
                        )));
                    }
                    self.items.push(Item::Close);
                }
            }
        }
    }

    fn add_text(&mut self, path: &PartPath, kind: TextKind) {
        let (Some(raw), Some(part)) = (
            self.opened.texts.get(path),
            self.opened.structure.find(path),
        ) else {
            return;
        };
        self.has_text = true;
        match kind {
            TextKind::Plain => {
                self.items
                    .push(Item::Plain(plain_to_html(part, &raw.bytes)));
            }
            TextKind::Html => {
                let request = DocumentRequest {
                    mail: &self.user.mail,
                    name: self.name,
                    key: &self.opened.message,
                    structure: &self.opened.structure,
                    path,
                    remote: self.remote,
                };
                let document = body_document::html_document(&request, &raw.bytes);
                self.remote_blocked += document.remote_blocked;
                self.items.push(Item::Html {
                    src: self.links.body(path, self.remote),
                });
            }
        }
        if raw.truncated {
            self.items.push(Item::Truncated {
                href: self.links.part(path),
            });
        }
    }
}

fn attachment_rows(
    attachments: &[Attachment],
    links: &MessageLinks,
    t: &Strings,
) -> Vec<AttachmentRow> {
    attachments
        .iter()
        .map(|a| AttachmentRow {
            name: a.name.clone(),
            mime: a.mime.clone(),
            size: human_size(a.size),
            href: links.part(&a.path),
            preview: a.previewable.then(|| links.inline_part(&a.path)),
            signature: a.signature,
        })
        .map(|mut row| {
            if row.signature {
                row.mime = format!("{} ({})", row.mime, t.signature_part);
            }
            row
        })
        .collect()
}

#[derive(Deserialize)]
struct TrustForm {
    csrf: String,
    sender: String,
}

/// "Always for this sender": remembers the sender for this session and shows the message
/// again, now with its remote content.
async fn trust_sender(
    user: CurrentUser,
    message: MessagePath,
    Form(form): Form<TrustForm>,
) -> Result<Response, AppError> {
    user.check_csrf(&form.csrf)?;
    let sender = form.sender.trim();
    if sender.is_empty()
        || sender.len() > 320
        || !sender.contains('@')
        || sender.contains(char::is_control)
    {
        return Err(AppError::BadRequest("sender is not an address".into()));
    }
    user.session.allow_remote_from(sender).await?;
    let page = MessageLinks::new(&message.mailbox, message.uid).page();
    Ok(Redirect::to(&page).into_response())
}
