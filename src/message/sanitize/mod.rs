//! HTML mail made safe to show: the markup through ammonia's allowlist (`markup`), the CSS
//! through our own (`css`), every URL through one policy (`url`), and the whole served to the
//! sandboxed iframe as one document. The output must be safe even inside Posta's own origin: the iframe's
//! sandbox and CSP are further layers, not the reason this is safe.
//!
//! Every rewrite happens inside the sanitiser, in ammonia's attribute filter, which runs after
//! its allowlist and scheme checks; nothing may edit the HTML afterwards (Roundcube's
//! CVE-2024-42009 came from exactly that). A first tokenizer pass (`scan`) gathers what that
//! filter cannot see: `<style>` sheets, `<body>` colours, `cid:` references, remote counts.
//!
//! Remote content (http and https images, backgrounds, CSS images and fonts) is left out until
//! the person asks for it, and counted, so the page can offer to load it.

mod css;
mod markup;
mod scan;
#[cfg(test)]
mod tests;
mod url;

use self::css::UrlPolicy;

/// How a message's HTML is cleaned.
pub struct Policy<'a> {
    /// The person asked to load remote content (images, CSS, fonts) for this message.
    pub remote: bool,
    /// Maps a `cid:` reference (the Content-ID without `cid:` and angle brackets, already
    /// percent-decoded) to the URL of that inline part; None drops the reference.
    pub cid: &'a dyn Fn(&str) -> Option<String>,
}

/// The cleaned message, ready to be put into the iframe document.
pub struct Cleaned {
    /// Sanitised body markup (ammonia's output, untouched afterwards).
    pub body: String,
    /// Sanitised CSS from the message's <style> elements (may be empty).
    pub css: String,
    /// How many remote resources (img src/srcset, background attributes, poster, CSS url(),
    /// @import, @font-face src, link stylesheets…) were left out because `remote` is false.
    /// 0 when remote is true.
    pub remote_blocked: usize,
}

/// Given to every `id` (by ammonia) and every `#id` selector (by `css`), so a message's ids
/// cannot collide with anything of Posta's.
const ID_PREFIX: &str = "posta-";

/// Posta's own few rules, ahead of the message's: text wraps, images never overflow.
const BASE_CSS: &str = "body{margin:0;padding:8px;overflow-wrap:break-word;word-wrap:break-word}\
img{max-width:100%!important;height:auto}pre{white-space:pre-wrap}\n";

/// Cleans a message's HTML for the iframe.
pub fn clean(html: &str, policy: &Policy) -> Cleaned {
    let scan = scan::scan(html, !policy.remote);
    let cids = scan
        .cids
        .iter()
        .map(|id| (id.clone(), (policy.cid)(id)))
        .collect();
    let body = markup::clean(html, policy.remote, cids);

    let url_policy = UrlPolicy {
        remote: policy.remote,
        cid: policy.cid,
    };
    let mut css = String::new();
    css::body_rule(&scan.body, &url_policy, &mut css);
    for sheet in &scan.styles {
        css::clean_stylesheet(sheet, &url_policy, ID_PREFIX, &mut css);
    }
    Cleaned {
        body,
        css,
        remote_blocked: if policy.remote { 0 } else { scan.remote },
    }
}

/// The whole document served to the iframe: `<!DOCTYPE html><html><head><meta charset="utf-8">
/// <meta name="referrer" content="no-referrer"><base target="_blank"><style>{css}</style>
/// </head><body>{body}</body></html>`, with Posta's own few rules ahead of the message's CSS.
pub fn document(cleaned: &Cleaned) -> String {
    // `clean` never writes a `<` into CSS. Fields are public, though, so a hand-made `Cleaned`
    // that could close the style element loses its CSS rather than open a hole.
    let css = if cleaned.css.contains('<') {
        ""
    } else {
        cleaned.css.as_str()
    };
    let mut out = String::with_capacity(cleaned.body.len() + css.len() + 400);
    out.push_str(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\">\
         <meta name=\"referrer\" content=\"no-referrer\"><base target=\"_blank\"><style>",
    );
    out.push_str(BASE_CSS);
    out.push_str(css);
    out.push_str("</style></head><body>");
    out.push_str(&cleaned.body);
    out.push_str("</body></html>");
    out
}
