//! The markup side of the sanitiser: what ammonia keeps, and the attribute filter that decides
//! every URL (links, images, backgrounds) and every `style` attribute during its one pass.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use ammonia::{Builder, UrlRelative};

use super::ID_PREFIX;
use super::css::{self, UrlPolicy};
use super::url::{Target, classify};

/// Elements kept. Layout and text as newsletters build them; nothing that runs, embeds, submits,
/// or switches the parser into another namespace or into raw text.
pub(super) const TAGS: &[&str] = &[
    "a",
    "abbr",
    "address",
    "article",
    "aside",
    "b",
    "bdi",
    "big",
    "blockquote",
    "br",
    "caption",
    "center",
    "cite",
    "code",
    "col",
    "colgroup",
    "dd",
    "del",
    "dfn",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "font",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "main",
    "mark",
    "nav",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "samp",
    "section",
    "small",
    "span",
    "strike",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "tt",
    "u",
    "ul",
    "var",
    "wbr",
];

/// Elements removed with everything inside them. The rest of the unlisted elements (`form`,
/// `button`, `video`, `object`, `picture`…) lose only their tags; their text and fallback
/// content stay and are cleaned like everything else.
pub(super) const DROPPED_WITH_CONTENT: &[&str] = &[
    "datalist", "frame", "frameset", "iframe", "math", "noembed", "noframes", "noscript", "script",
    "select", "style", "svg", "template", "textarea", "title",
];

/// Attributes any kept element may have. `style` is filtered by `css`; `id` is prefixed.
pub(super) const GENERIC_ATTRIBUTES: [&str; 6] = ["class", "dir", "id", "lang", "style", "title"];

/// Table cells, header or data, take the same presentational attributes.
const TABLE_CELL: &[&str] = &[
    "align",
    "background",
    "bgcolor",
    "colspan",
    "height",
    "nowrap",
    "rowspan",
    "valign",
    "width",
];

/// Attributes particular elements may have: the presentational ones newsletters lay out with.
pub(super) const TAG_ATTRIBUTES: &[(&str, &[&str])] = &[
    ("a", &["href"]),
    (
        "img",
        &[
            "align", "alt", "border", "height", "hspace", "src", "vspace", "width",
        ],
    ),
    (
        "table",
        &[
            "align",
            "background",
            "bgcolor",
            "border",
            "cellpadding",
            "cellspacing",
            "height",
            "width",
        ],
    ),
    ("thead", &["align", "bgcolor", "valign"]),
    ("tbody", &["align", "bgcolor", "valign"]),
    ("tfoot", &["align", "bgcolor", "valign"]),
    (
        "tr",
        &["align", "background", "bgcolor", "height", "valign"],
    ),
    ("td", TABLE_CELL),
    ("th", TABLE_CELL),
    ("col", &["align", "span", "valign", "width"]),
    ("colgroup", &["align", "span", "valign", "width"]),
    ("caption", &["align"]),
    ("font", &["color", "face", "size"]),
    ("div", &["align"]),
    ("p", &["align"]),
    ("center", &["align"]),
    ("h1", &["align"]),
    ("h2", &["align"]),
    ("h3", &["align"]),
    ("h4", &["align"]),
    ("h5", &["align"]),
    ("h6", &["align"]),
    ("hr", &["align", "color", "noshade", "size", "width"]),
    ("ol", &["reversed", "start", "type"]),
    ("ul", &["type"]),
    ("li", &["type", "value"]),
];

/// Cleans `html` through ammonia. `cids` holds every `cid:` reference the first look found,
/// already resolved, because the filter cannot call the caller's resolver.
pub(super) fn clean(html: &str, remote: bool, cids: HashMap<String, Option<String>>) -> String {
    let filter = Filter {
        remote,
        cids,
        styles: Mutex::default(),
    };
    serialise(&builder(filter).clean(html), html.len())
}

/// Ammonia's output as a string: written once into a buffer of about the right size
/// (`to_string` would write it, check it, then copy it through a formatter).
fn serialise(document: &ammonia::Document, size_hint: usize) -> String {
    let mut out = Vec::with_capacity(size_hint);
    document
        .write_to(&mut out)
        .expect("writing to a Vec cannot fail");
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

fn builder(filter: Filter) -> Builder<'static> {
    let mut builder = Builder::empty();
    builder
        .tags(TAGS.iter().copied().collect())
        .clean_content_tags(DROPPED_WITH_CONTENT.iter().copied().collect())
        .generic_attributes(GENERIC_ATTRIBUTES.into_iter().collect())
        .tag_attributes(
            TAG_ATTRIBUTES
                .iter()
                .map(|&(tag, attributes)| (tag, attributes.iter().copied().collect::<HashSet<_>>()))
                .collect::<HashMap<_, _>>(),
        )
        // A first gate only: the filter below decides every URL on its own. Relative URLs pass
        // this gate so that the filter can see (and refuse) them, and so that the part URLs
        // `cid:` references become, relative to Posta, are not thrown away after it.
        .url_schemes(["http", "https", "mailto", "cid", "data"].into())
        .url_relative(UrlRelative::PassThrough)
        .link_rel(Some("noopener noreferrer"))
        .set_tag_attribute_value("a", "target", "_blank")
        .id_prefix(Some(ID_PREFIX))
        .strip_comments(true)
        .attribute_filter(move |element, attribute, value| filter.apply(element, attribute, value));
    builder
}

/// The per-message half of the policy, owned, because ammonia wants a `'static` filter.
struct Filter {
    remote: bool,
    /// Every `cid:` reference the scan found, already resolved.
    cids: HashMap<String, Option<String>>,
    /// Style attributes already cleaned: newsletters repeat the same few thousands of times.
    /// (A `Mutex` because ammonia wants the filter `Sync`; it calls it from one thread.)
    styles: Mutex<HashMap<String, Option<String>>>,
}

impl Filter {
    fn apply<'v>(&self, element: &str, attribute: &str, value: &'v str) -> Option<Cow<'v, str>> {
        match (element, attribute) {
            ("a", "href") => link(value).map(Cow::Owned),
            ("img", "src") | (_, "background") => self.image(value).map(Cow::Owned),
            (_, "style") => self.style(value).map(Cow::Owned),
            _ => Some(Cow::Borrowed(value)),
        }
    }

    fn style(&self, value: &str) -> Option<String> {
        let mut styles = self.styles.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(cleaned) = styles.get(value) {
            return cleaned.clone();
        }
        let cleaned = css::clean_declarations(
            value,
            &UrlPolicy {
                remote: self.remote,
                cid: &|id| self.cid(id),
            },
        );
        let cleaned = (!cleaned.is_empty()).then_some(cleaned);
        styles.insert(value.to_owned(), cleaned.clone());
        cleaned
    }

    fn cid(&self, id: &str) -> Option<String> {
        self.cids.get(id).cloned().flatten()
    }

    /// Where an image may load from: its inline part, a data URL, or (with consent) the web.
    fn image(&self, value: &str) -> Option<String> {
        match classify(value) {
            Target::Cid(id) => self.cid(&id),
            Target::DataImage(url) => Some(url.into()),
            Target::Remote(url) if self.remote => Some(url.into()),
            _ => None,
        }
    }
}

/// Where a link may lead: the web (protocol-relative links made https) or a mail address.
/// Relative and fragment links would lead into Posta itself, so they go.
fn link(value: &str) -> Option<String> {
    match classify(value) {
        Target::Remote(url) | Target::Mailto(url) => Some(url.into()),
        _ => None,
    }
}
