//! CSS from mail: `<style>` sheets, `style` attributes and the `<body>` tag's colours. cssparser
//! tokenises; everything kept is written back out by this module, token by token, from
//! allowlists (properties, value tokens, functions, selector tokens, at-rules). Nothing of the
//! input is copied through unread, so the output cannot hold a `<` (and so never `</style` or
//! `<!--`), a URL the policy refused, `expression()`, `behavior`, `-moz-binding` or `@import`,
//! whatever escapes the input used.
//!
//! Why no crate: ammonia's `filter_style_properties` checks `style` attributes by property
//! name only (values, `url()` included, pass through) and cannot clean style sheets for want
//! of selector sanitising; cssparser tokenises and decides nothing. No maintained crate
//! cleans CSS by allowlist.

mod allow;
mod body;
mod declarations;
mod loads;
mod rules;
#[cfg(test)]
mod tests;
mod write;

use std::borrow::Cow;

use cssparser::{ParseError, Parser, StyleSheetParser};

use self::declarations::{Block, declarations};
use self::rules::Sheet;
use super::url::{Target, classify};

pub(super) use self::body::{BodyAttributes, body_rule};
pub(super) use self::loads::for_each_url;

/// What CSS may load: the same rules as the markup's images.
pub(super) struct UrlPolicy<'p> {
    /// http(s) images, backgrounds and fonts are allowed.
    pub remote: bool,
    /// Resolves a Content-ID to the URL of its part; `None` drops the reference.
    pub cid: &'p dyn Fn(&str) -> Option<String>,
}

/// How deep `@media` may nest and functions may nest inside values; deeper is dropped, so
/// hostile nesting cannot exhaust the stack (cssparser stops at 75 levels on its own too).
const MAX_DEPTH: u8 = 8;

type Error = ParseError<()>;

fn invalid() -> Error {
    ParseError::custom(())
}

/// Cleans a `style` attribute: `prop:value;prop:value`, empty when nothing survives.
pub(super) fn clean_declarations(css: &str, policy: &UrlPolicy) -> String {
    let mut parser = Parser::new(css);
    declarations(&mut parser, policy, Block::Style)
}

/// Cleans a style sheet, appending its rules to `out`. IDs in selectors get `id_prefix`, as
/// ammonia gives it to `id` attributes, so the rules still match.
pub(super) fn clean_stylesheet(css: &str, policy: &UrlPolicy, id_prefix: &str, out: &mut String) {
    let mut parser = Parser::new(css);
    let mut sheet = Sheet {
        policy,
        id_prefix,
        out,
        depth: 0,
    };
    for _ in StyleSheetParser::new(&mut parser, &mut sheet) {}
}

/// The URL an image may load from, or `None`.
fn image_url(raw: &str, policy: &UrlPolicy) -> Option<String> {
    match classify(raw) {
        Target::Cid(id) => (policy.cid)(&id),
        Target::DataImage(url) => Some(url.into()),
        Target::Remote(url) if policy.remote => Some(url.into()),
        _ => None,
    }
}

/// Lower-cases an ASCII name, without allocating when it already is.
fn lower(name: &str) -> Cow<'_, str> {
    if name.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(name.to_ascii_lowercase())
    } else {
        Cow::Borrowed(name)
    }
}

/// Units are letters only (`px`, `em`, `%` is a separate token); anything escaped is refused.
fn is_plain_unit(unit: &str) -> bool {
    !unit.is_empty() && unit.bytes().all(|b| b.is_ascii_alphabetic())
}
