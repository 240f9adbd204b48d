//! A first, quick look at the raw mail, before ammonia parses it, for what ammonia's callbacks
//! cannot see: the text of `<style>` elements (ammonia drops them), the `<body>` tag's colours
//! (ammonia parses mail as a fragment, where `<body>` tags vanish), every `cid:` reference (the
//! attribute filter must be `'static`, so it cannot call the caller's resolver and gets a
//! ready map instead), and how many remote loads the markup asks for.
//!
//! This is a tokenizer, not a tree builder, and it decides nothing about safety: whatever it
//! gathers is cleaned on its own, and ammonia cleans the markup regardless. It follows the HTML
//! standard's tokenizer states (tags, attributes with character references, comments, bogus
//! comments, raw text after `<style>`, `<script>`, `<noscript>`, `<textarea>`…) byte by byte,
//! at memchr speed: html5ever's own tokenizer, run a second time, cost as much as a third of
//! ammonia's whole parse. A test checks it against html5ever's. Where it can still differ from
//! the tree builder (inside SVG and MathML, escaped `<!--` script text), the cost is a style
//! sheet read or missed and a count off by one, never something unsafe.

#[cfg(test)]
mod tests;
mod tokenizer;

use std::collections::HashSet;

use self::tokenizer::{Attribute, Tokenizer};
use super::css::{self, BodyAttributes};
use super::url::{Target, classify, srcset_urls};

/// What the first look found.
#[derive(Default, Debug, PartialEq)]
pub(super) struct Scan {
    /// The text of every `<style>` element, in document order.
    pub styles: Vec<String>,
    /// The first `<body>` tag's colours and background.
    pub body: BodyAttributes,
    /// Every Content-ID referenced by an image, a background attribute or a style attribute.
    pub cids: HashSet<String>,
    /// Remote URLs in places that load images, media, CSS or fonts: image and media sources,
    /// `srcset`s, backgrounds, posters, `<link rel=stylesheet>`, SVG image `href`s, `url()` and
    /// `@import` in style attributes and `<style>` elements. Counted only when asked to.
    pub remote: usize,
}

/// Reads `html` once. Remote loads are counted only when `count_remote` is set.
pub(super) fn scan(html: &str, count_remote: bool) -> Scan {
    let mut found = Found::new(count_remote);
    Tokenizer::new(html).run(&mut found);
    found.scan
}

/// `<link rel>` values that make the browser fetch the `href`.
const LOADING_RELS: [&str; 6] = [
    "apple-touch-icon",
    "icon",
    "modulepreload",
    "prefetch",
    "preload",
    "stylesheet",
];

/// Elements whose `src` is an image or media file. (`<image>` is what the tree builder turns
/// into `<img>` outside SVG.) Scripts, frames and plugins are not counted: they are never
/// loaded, consent or not, so they are no remote *content* to offer.
const MEDIA: [&str; 7] = ["audio", "image", "img", "input", "source", "track", "video"];

/// How an attribute can make the browser load something.
enum Loads {
    Url,
    Srcset,
    Style,
    Nothing,
}

fn loads(element: &str, attribute: &str, loading_link: bool) -> Loads {
    match attribute {
        "src" if MEDIA.contains(&element) => Loads::Url,
        "lowsrc" | "dynsrc" if element == "img" => Loads::Url,
        "poster" | "background" => Loads::Url,
        "srcset" | "imagesrcset" => Loads::Srcset,
        "style" => Loads::Style,
        "href" | "xlink:href" if matches!(element, "image" | "use" | "feimage") => Loads::Url,
        "href" if loading_link => Loads::Url,
        _ => Loads::Nothing,
    }
}

/// What the tokens add up to.
struct Found {
    count_remote: bool,
    scan: Scan,
    seen_body: bool,
}

impl Found {
    fn new(count_remote: bool) -> Self {
        Found {
            count_remote,
            scan: Scan::default(),
            seen_body: false,
        }
    }

    fn start_tag(&mut self, element: &str, attributes: &[Attribute]) {
        if element == "body" && !self.seen_body {
            self.seen_body = true;
            self.body(attributes);
        }
        let loading_link = element == "link"
            && attributes.iter().any(|(name, value)| {
                name == "rel"
                    && value
                        .split_ascii_whitespace()
                        .any(|rel| LOADING_RELS.iter().any(|l| rel.eq_ignore_ascii_case(l)))
            });
        for (name, value) in attributes {
            match loads(element, name, loading_link) {
                Loads::Url => self.url(value),
                Loads::Srcset => {
                    // One for the srcset, however many candidates it offers: the browser
                    // loads one.
                    if self.count_remote
                        && srcset_urls(value).any(|u| matches!(classify(u), Target::Remote(_)))
                    {
                        self.scan.remote += 1;
                    }
                }
                // No `(`, no `url(`: most style attributes need no second look.
                Loads::Style if value.contains('(') => {
                    css::for_each_url(value, &mut |u| self.url(u));
                }
                Loads::Style | Loads::Nothing => {}
            }
        }
    }

    fn body(&mut self, attributes: &[Attribute]) {
        let body = &mut self.scan.body;
        for (name, value) in attributes {
            let value = Some(value.to_string());
            match &**name {
                "bgcolor" => body.bgcolor = value,
                "text" => body.text = value,
                "background" => body.background = value,
                "style" => body.style = value,
                _ => {}
            }
        }
    }

    /// One URL in a loading position.
    fn url(&mut self, url: &str) {
        match classify(url) {
            Target::Remote(_) if self.count_remote => self.scan.remote += 1,
            Target::Cid(id) => {
                self.scan.cids.insert(id);
            }
            _ => {}
        }
    }

    fn style(&mut self, sheet: &str) {
        if self.count_remote {
            css::for_each_url(sheet, &mut |u| {
                if matches!(classify(u), Target::Remote(_)) {
                    self.scan.remote += 1;
                }
            });
        }
        self.scan.styles.push(sheet.to_owned());
    }
}
