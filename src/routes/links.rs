//! Every URL Posta writes into a page or a redirect is made here, from typed values, so a
//! mailbox is encoded one way wherever it appears and a URL's shape is written once.
//!
//! Two encodings, each used for one thing:
//! - a mailbox in a path is one segment: everything but RFC 3986 unreserved characters is
//!   percent-encoded, `/` included (`/mail/Projects%2FRust`, `/mail/%D0%A0%D0%B0…`);
//! - a query value is `application/x-www-form-urlencoded`, as browsers send forms and as
//!   axum's `Query` reads them back.
//!
//! A message named in a query (`/compose?reply=…`) is written as [`MessageRef`]'s own text
//! form (`1712345 42 Projects%2FRust`, UIDVALIDITY included) and read back by
//! [`MessageAddress`], which also accepts the older `{mailbox}/{uid}` that bookmarks and
//! tools may still carry.
//!
//! Templates get every URL with a variable piece from their view model, made here. Fixed
//! paths with nothing to encode (`/compose`, `/folders`, `/settings`, `/logout`, `/session`,
//! `/login`, and the sign-in page's `/lang/{code}?next=/login`) stay literal in templates.
//! The browser session's own redirects to `/login` and `/mail/INBOX` (in `web_session`, a
//! layer below this one), route patterns and hashed `/static/` names (`assets`) are the only
//! URLs written elsewhere.

use std::fmt;
use std::str::FromStr;

use axum::http::Uri;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use url::form_urlencoded;

use super::form::codes;
use super::list_query::{Select, Threads};
use crate::error::AppError;
use crate::imap::{MailboxName, MessageRef};
use crate::message::structure::PartPath;

/// Everything but RFC 3986 unreserved characters is escaped, `/` included, so a nested
/// mailbox stays one path segment.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A decoded mailbox name as one path segment.
fn segment(name: &str) -> impl fmt::Display + '_ {
    utf8_percent_encode(name, SEGMENT)
}

/// `path?k=v&…`, or `path` alone when there are no pairs.
fn with_query<'a>(path: &str, pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        query.append_pair(k, v);
    }
    let query = query.finish();
    if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    }
}

/// `/mail/INBOX`, where signing in and sending without an original lead.
pub fn inbox() -> String {
    mailbox(&MailboxName::parse("INBOX").expect("INBOX is a mailbox name"))
}

/// `/mail/{mailbox}`: the message list.
pub fn mailbox(name: &MailboxName) -> String {
    folder(name.as_str())
}

/// `/mail/{mailbox}` for a decoded name from the folder list.
pub fn folder(name: &str) -> String {
    format!("/mail/{}", segment(name))
}

/// `/mail/{mailbox}/actions`: where the list's and the message's action forms post.
pub fn actions(name: &MailboxName) -> String {
    format!("{}/actions", mailbox(name))
}

/// `/mail/{mailbox}?{keep…}&page=N`: a page of the list, keeping the search.
pub fn list_page(base: &MailboxName, keep: &[(&'static str, String)], page: u32) -> String {
    list(base, keep, ("page", &page.to_string()))
}

/// `/mail/{mailbox}?{keep…}&threads=on|off`: the list with conversations switched.
pub fn list_threads(base: &MailboxName, keep: &[(&'static str, String)], on: Threads) -> String {
    list(base, keep, ("threads", on.as_str()))
}

fn list(base: &MailboxName, keep: &[(&'static str, String)], extra: (&str, &str)) -> String {
    let pairs = keep.iter().map(|(k, v)| (*k, v.as_str()));
    with_query(&mailbox(base), pairs.chain([extra]))
}

/// The list URL being answered with `?select=` set (or removed), the rest of its query
/// kept in order: the "select the whole page" switch, and where actions come back to.
pub fn here_selecting(uri: &Uri, select: Option<Select>) -> String {
    here_with(uri, "select", select.map(Select::as_str))
}

/// The URL being answered with `key` set to `value` (or removed), the rest of its query kept
/// in order.
fn here_with(uri: &Uri, key: &str, value: Option<&str>) -> String {
    let kept: Vec<(String, String)> = form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .filter(|(k, _)| k != key)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let pairs = kept.iter().map(|(k, v)| (k.as_str(), v.as_str()));
    with_query(uri.path(), pairs.chain(value.map(|v| (key, v))))
}

codes! {
    /// `?view=` of a message page: the plain-text alternative, or (anything else) the
    /// formatted one.
    pub enum Alternative {
        Plain = "plain",
        #[serde(other)]
        Formatted = "html",
    }
}

/// The URLs of one message: its page and what the page loads or links to.
#[derive(Clone, Debug)]
pub struct MessageLinks {
    /// `/mail/{mailbox}/{uid}`.
    page: String,
}

impl MessageLinks {
    pub fn new(mailbox: &MailboxName, uid: u32) -> Self {
        MessageLinks::in_folder(mailbox.as_str(), uid)
    }

    /// For a decoded name from the folder list (a search result's folder).
    pub fn in_folder(name: &str, uid: u32) -> Self {
        MessageLinks {
            page: format!("{}/{uid}", folder(name)),
        }
    }

    pub fn of(message: &MessageRef) -> Self {
        MessageLinks::new(message.mailbox(), message.uid())
    }

    /// `/mail/{mailbox}/{uid}`.
    pub fn page(&self) -> String {
        self.page.clone()
    }

    /// The page showing one alternative, with remote content loaded or not.
    pub fn shown(&self, view: Alternative, remote: bool) -> String {
        let view = (view == Alternative::Plain).then_some(("view", Alternative::Plain.as_str()));
        let remote = remote.then_some(("remote", "1"));
        with_query(&self.page, view.into_iter().chain(remote))
    }

    /// `…/remote`: where "always for this sender" posts.
    pub fn trust_sender(&self) -> String {
        format!("{}/remote", self.page)
    }

    /// `…/raw`: the source as text.
    pub fn raw(&self) -> String {
        format!("{}/raw", self.page)
    }

    /// `…/raw?download=1`: the source as an `.eml` download.
    pub fn download(&self) -> String {
        with_query(&self.raw(), [("download", "1")])
    }

    /// `…/body?part=P[&remote=1]`: an HTML part's sanitised document, for the iframe.
    pub fn body(&self, part: &PartPath, remote: bool) -> String {
        let part = part.to_string();
        let remote = remote.then_some(("remote", "1"));
        with_query(
            &format!("{}/body", self.page),
            [("part", part.as_str())].into_iter().chain(remote),
        )
    }

    /// `…/part/P`: one MIME part, as an attachment.
    pub fn part(&self, part: &PartPath) -> String {
        format!("{}/part/{part}", self.page)
    }

    /// `…/part/P?inline=1`: one part shown in the page (an image, a preview).
    pub fn inline_part(&self, part: &PartPath) -> String {
        with_query(&self.part(part), [("inline", "1")])
    }

    /// `…/part/P?inline=1&t=TOKEN`: an inline part for the sandboxed iframe, whose requests
    /// carry no cookie.
    pub fn inline_part_with_token(&self, part: &PartPath, token: &str) -> String {
        with_query(&self.part(part), [("inline", "1"), ("t", token)])
    }
}

/// `/compose`: a new message.
pub fn compose() -> String {
    "/compose".to_owned()
}

/// `/compose?reply=…`.
pub fn reply(message: &MessageRef) -> String {
    answering("reply", message, false)
}

/// `/compose?reply_all=…`.
pub fn reply_all(message: &MessageRef) -> String {
    answering("reply_all", message, false)
}

/// `/compose?forward=…[&attach=1]`: inline, or with the original attached whole.
pub fn forward(message: &MessageRef, attached: bool) -> String {
    answering("forward", message, attached)
}

fn answering(key: &str, message: &MessageRef, attached: bool) -> String {
    let address = MessageAddress::from(message).to_string();
    let attach = attached.then_some(("attach", "1"));
    with_query(
        "/compose",
        [(key, address.as_str())].into_iter().chain(attach),
    )
}

/// `/compose?draft=UID`: resume the draft with that UID in the Drafts folder.
pub fn draft(uid: u32) -> String {
    with_query("/compose", [("draft", uid.to_string().as_str())])
}

/// `/folders`: folder management.
pub fn folders() -> String {
    "/folders".to_owned()
}

/// `/folders?rename={name}#rename`: the rename form for one folder, scrolled to.
pub fn rename_folder(name: &str) -> String {
    format!("{}#rename", with_query("/folders", [("rename", name)]))
}

/// `/settings`.
pub fn settings() -> String {
    "/settings".to_owned()
}

/// `/login`.
pub fn login() -> String {
    "/login".to_owned()
}

/// `/login?signed_out=1`: the sign-in page saying the person signed out.
pub fn signed_out() -> String {
    with_query("/login", [("signed_out", "1")])
}

/// `/login?expired=1`: the sign-in page saying the session ended.
pub fn expired() -> String {
    with_query("/login", [("expired", "1")])
}

/// `/lang/{code}?next={here}`: switch the interface's language and come back.
pub fn language(code: &str, here: &str) -> String {
    with_query(&format!("/lang/{code}"), [("next", here)])
}

/// A message as a query value names it: [`MessageRef`]'s text form (UIDVALIDITY, UID,
/// mailbox), or — as links written before the reference existed, and tests, still do —
/// `{mailbox}/{uid}` without a UIDVALIDITY. The text form never holds `/` (its mailbox is
/// percent-encoded), so the two cannot be mistaken for each other.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageAddress {
    mailbox: MailboxName,
    uid: u32,
    /// `None` for the older form, which cannot tell a renumbered mailbox.
    uid_validity: Option<u32>,
}

impl MessageAddress {
    pub fn mailbox(&self) -> &MailboxName {
        &self.mailbox
    }

    pub fn uid(&self) -> u32 {
        self.uid
    }

    /// Whether `found` (the message opened at this mailbox and UID) is the one addressed:
    /// the mailbox has not been renumbered since the link was written.
    pub fn names(&self, found: &MessageRef) -> bool {
        self.uid_validity
            .is_none_or(|validity| validity == found.uid_validity())
    }
}

impl From<&MessageRef> for MessageAddress {
    fn from(message: &MessageRef) -> Self {
        MessageAddress {
            mailbox: message.mailbox().clone(),
            uid: message.uid(),
            uid_validity: Some(message.uid_validity()),
        }
    }
}

/// Writes the text form of the reference (the older form is only read).
impl fmt::Display for MessageAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.uid_validity {
            Some(validity) => {
                let message = MessageRef::new(self.mailbox.clone(), validity, self.uid);
                write!(f, "{message}")
            }
            None => write!(f, "{}/{}", self.mailbox.as_str(), self.uid),
        }
    }
}

/// Reads either form, refusing as the message URL does: a name that cannot be a mailbox is
/// "no such folder", a UID that is not a positive number "no such message", anything else a
/// bad request.
impl FromStr for MessageAddress {
    type Err = AppError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if let Some((mailbox, uid)) = text.rsplit_once('/') {
            let path = super::extract::MessagePath::parse(mailbox, uid)?;
            return Ok(MessageAddress {
                mailbox: path.mailbox,
                uid: path.uid,
                uid_validity: None,
            });
        }
        MessageRef::parse(text)
            .map(|message| MessageAddress::from(&message))
            .ok_or_else(|| AppError::BadRequest("expected {mailbox}/{uid}".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(text: &str) -> MailboxName {
        MailboxName::parse(text).unwrap()
    }

    /// The query value of `key` in `url`, decoded as axum's `Query` decodes it.
    fn query_value(url: &str, key: &str) -> String {
        let query = url.split_once('?').unwrap().1;
        form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == key)
            .unwrap()
            .1
            .into_owned()
    }

    #[test]
    fn a_mailbox_is_one_segment_whatever_its_name() {
        for (decoded, encoded) in [
            ("INBOX", "/mail/INBOX"),
            ("Projects/Rust", "/mail/Projects%2FRust"),
            ("Big plans", "/mail/Big%20plans"),
            ("100%", "/mail/100%25"),
            ("#tag", "/mail/%23tag"),
            ("Why?", "/mail/Why%3F"),
            ("a-b.c_d~e", "/mail/a-b.c_d~e"),
            ("Работа", "/mail/%D0%A0%D0%B0%D0%B1%D0%BE%D1%82%D0%B0"),
        ] {
            assert_eq!(mailbox(&name(decoded)), encoded, "{decoded}");
            assert_eq!(folder(decoded), encoded, "{decoded}");
        }
        assert_eq!(inbox(), "/mail/INBOX");
        assert_eq!(actions(&name("A/B")), "/mail/A%2FB/actions");
    }

    #[test]
    fn a_segment_decodes_back_to_the_name() {
        for decoded in ["Projects/Rust", "a b%c#d?e", "Отчёты/Квартал"] {
            let url = folder(decoded);
            let segment = url.strip_prefix("/mail/").unwrap();
            assert!(!segment.contains(['/', ' ', '#', '?']), "{url}");
            let back = percent_encoding::percent_decode_str(segment)
                .decode_utf8()
                .unwrap();
            assert_eq!(back, decoded);
        }
    }

    #[test]
    fn list_links_keep_the_search_and_encode_it() {
        let keep = vec![("q", "отчёт & план".to_owned()), ("in", "all".to_owned())];
        assert_eq!(
            list_page(&name("INBOX"), &keep, 2),
            "/mail/INBOX?q=%D0%BE%D1%82%D1%87%D1%91%D1%82+%26+%D0%BF%D0%BB%D0%B0%D0%BD&in=all&page=2"
        );
        assert_eq!(list_page(&name("A/B"), &[], 7), "/mail/A%2FB?page=7");
        assert_eq!(
            list_threads(&name("INBOX"), &[], Threads::Off),
            "/mail/INBOX?threads=off"
        );
        assert_eq!(
            list_threads(&name("INBOX"), &[("q", "x".into())], Threads::On),
            "/mail/INBOX?q=x&threads=on"
        );
    }

    #[test]
    fn selecting_changes_one_parameter_and_keeps_the_rest() {
        let uri: Uri = "/mail/Projects%2FRust?page=3&sort=from".parse().unwrap();
        assert_eq!(
            here_selecting(&uri, Some(Select::Page)),
            "/mail/Projects%2FRust?page=3&sort=from&select=page"
        );
        let selected: Uri = "/mail/INBOX?select=page".parse().unwrap();
        assert_eq!(here_selecting(&selected, None), "/mail/INBOX");
    }

    #[test]
    fn a_message_has_one_url_for_each_thing_it_shows() {
        let m = MessageLinks::new(&name("Projects/Rust"), 42);
        let part = PartPath::parse("1.2").unwrap();
        assert_eq!(m.page(), "/mail/Projects%2FRust/42");
        assert_eq!(m.shown(Alternative::Formatted, false), m.page());
        assert_eq!(
            m.shown(Alternative::Formatted, true),
            "/mail/Projects%2FRust/42?remote=1"
        );
        assert_eq!(
            m.shown(Alternative::Plain, false),
            "/mail/Projects%2FRust/42?view=plain"
        );
        assert_eq!(
            m.shown(Alternative::Plain, true),
            "/mail/Projects%2FRust/42?view=plain&remote=1"
        );
        assert_eq!(m.trust_sender(), "/mail/Projects%2FRust/42/remote");
        assert_eq!(m.raw(), "/mail/Projects%2FRust/42/raw");
        assert_eq!(m.download(), "/mail/Projects%2FRust/42/raw?download=1");
        assert_eq!(
            m.body(&part, false),
            "/mail/Projects%2FRust/42/body?part=1.2"
        );
        assert_eq!(
            m.body(&part, true),
            "/mail/Projects%2FRust/42/body?part=1.2&remote=1"
        );
        assert_eq!(m.part(&part), "/mail/Projects%2FRust/42/part/1.2");
        assert_eq!(
            m.inline_part(&part),
            "/mail/Projects%2FRust/42/part/1.2?inline=1"
        );
        assert_eq!(
            m.inline_part_with_token(&part, "a-b_c"),
            "/mail/Projects%2FRust/42/part/1.2?inline=1&t=a-b_c"
        );
        let r = MessageRef::new(name("Работа"), 7, 9);
        assert_eq!(
            MessageLinks::of(&r).page(),
            "/mail/%D0%A0%D0%B0%D0%B1%D0%BE%D1%82%D0%B0/9"
        );
    }

    #[test]
    fn the_other_pages_have_fixed_urls() {
        assert_eq!(compose(), "/compose");
        assert_eq!(draft(17), "/compose?draft=17");
        assert_eq!(folders(), "/folders");
        assert_eq!(rename_folder("Old14"), "/folders?rename=Old14#rename");
        assert_eq!(
            rename_folder("A/B c#?"),
            "/folders?rename=A%2FB+c%23%3F#rename"
        );
        assert_eq!(settings(), "/settings");
        assert_eq!(login(), "/login");
        assert_eq!(signed_out(), "/login?signed_out=1");
        assert_eq!(expired(), "/login?expired=1");
        assert_eq!(
            language("ru", "/mail/INBOX?page=2"),
            "/lang/ru?next=%2Fmail%2FINBOX%3Fpage%3D2"
        );
    }

    #[test]
    fn answering_writes_the_reference_and_reads_it_back() {
        for r in [
            MessageRef::new(name("INBOX"), 1, 1),
            MessageRef::new(name("Projects/Rust"), 1712345, 42),
            MessageRef::new(name("a b%c#d?e&f=g+h"), 3, 5),
            MessageRef::new(name("Отчёты/Квартал"), u32::MAX, u32::MAX),
        ] {
            let links = [
                (reply(&r), "reply"),
                (reply_all(&r), "reply_all"),
                (forward(&r, false), "forward"),
                (forward(&r, true), "forward"),
            ];
            for (url, key) in links {
                assert!(url.starts_with(&format!("/compose?{key}=")), "{url}");
                let value = query_value(&url, key);
                assert_eq!(value, r.to_string(), "the text form drafts carry");
                let back: MessageAddress = value.parse().unwrap();
                assert_eq!(back, MessageAddress::from(&r));
                assert!(back.names(&r));
            }
        }
        let r = MessageRef::new(name("Projects/Rust"), 1712345, 42);
        assert_eq!(reply(&r), "/compose?reply=1712345+42+Projects%252FRust");
        assert_eq!(
            forward(&r, true),
            "/compose?forward=1712345+42+Projects%252FRust&attach=1"
        );
    }

    #[test]
    fn the_older_mailbox_and_uid_form_is_still_read() {
        let old: MessageAddress = "Projects/Rust/42".parse().unwrap();
        assert_eq!(old.mailbox(), &name("Projects/Rust"));
        assert_eq!(old.uid(), 42);
        assert!(old.names(&MessageRef::new(name("Projects/Rust"), 99, 42)));
        let inbox: MessageAddress = "INBOX/7".parse().unwrap();
        assert_eq!((inbox.mailbox().as_str(), inbox.uid()), ("INBOX", 7));
    }

    #[test]
    fn a_renumbered_mailbox_no_longer_names_the_message() {
        let r = MessageRef::new(name("INBOX"), 5, 7);
        let address = MessageAddress::from(&r);
        assert!(!address.names(&MessageRef::new(name("INBOX"), 6, 7)));
    }

    #[test]
    fn malformed_addresses_are_refused_as_the_message_url_refuses_them() {
        assert!(matches!(
            "INBOX/0".parse::<MessageAddress>(),
            Err(AppError::MessageNotFound)
        ));
        assert!(matches!(
            "INBOX/x".parse::<MessageAddress>(),
            Err(AppError::MessageNotFound)
        ));
        assert!(matches!(
            "/5".parse::<MessageAddress>(),
            Err(AppError::MailboxNotFound(_))
        ));
        for bad in ["", "INBOX", "1 0 INBOX", "x 1 INBOX"] {
            assert!(
                matches!(bad.parse::<MessageAddress>(), Err(AppError::BadRequest(_))),
                "{bad}"
            );
        }
    }
}
