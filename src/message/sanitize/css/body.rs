//! The `<body>` tag's presentational attributes, which ammonia never sees (it parses mail as a
//! fragment), as one `body{…}` rule. The scan fills [`BodyAttributes`] and this module cleans
//! them, so the scan depends on CSS and CSS on nothing of the scan.

use super::write::write_string;
use super::{UrlPolicy, clean_declarations, image_url};

/// The presentational attributes of `<body>` that Posta turns into a `body{…}` rule.
#[derive(Default, Debug, PartialEq)]
pub(in crate::message::sanitize) struct BodyAttributes {
    pub bgcolor: Option<String>,
    pub text: Option<String>,
    pub background: Option<String>,
    pub style: Option<String>,
}

/// The colours and background of a `<body>` tag as a `body{…}` rule appended to `out`.
pub(in crate::message::sanitize) fn body_rule(
    body: &BodyAttributes,
    policy: &UrlPolicy,
    out: &mut String,
) {
    let mut decls = String::new();
    let mut add = |decl: &str| {
        if !decl.is_empty() {
            if !decls.is_empty() {
                decls.push(';');
            }
            decls.push_str(decl);
        }
    };
    if let Some(colour) = body.bgcolor.as_deref().and_then(legacy_colour) {
        add(&format!("background-color:{colour}"));
    }
    if let Some(colour) = body.text.as_deref().and_then(legacy_colour) {
        add(&format!("color:{colour}"));
    }
    if let Some(url) = body
        .background
        .as_deref()
        .and_then(|u| image_url(u, policy))
    {
        let mut decl = String::from("background-image:url(");
        write_string(&url, &mut decl);
        decl.push(')');
        add(&decl);
    }
    if let Some(style) = &body.style {
        add(&clean_declarations(style, policy));
    }
    if !decls.is_empty() {
        out.push_str("body{");
        out.push_str(&decls);
        out.push_str("}\n");
    }
}

/// `bgcolor="#fff"`, `bgcolor="ffffff"` (as old mail writes it) or a colour name, as CSS.
pub(super) fn legacy_colour(value: &str) -> Option<String> {
    let value = value.trim();
    let hex = value.strip_prefix('#').unwrap_or(value);
    if matches!(hex.len(), 3 | 6) && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        Some(format!("#{hex}"))
    } else if !value.is_empty() && value.bytes().all(|b| b.is_ascii_alphabetic()) {
        Some(value.to_owned())
    } else {
        None
    }
}
