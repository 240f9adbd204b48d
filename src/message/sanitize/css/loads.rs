//! Every URL a piece of CSS would load, kept or not: what `remote_blocked` counts and where
//! `cid:` references are found.

use cssparser::{Parser, Token};

use super::Error;

/// Calls `found` with every URL the CSS would load: `url()` anywhere, `@import "…"` and the
/// strings of `image-set()`; not `@namespace`, which loads nothing. Used to count what was
/// blocked and to find `cid:` references, so it looks at everything, kept or not.
pub(in crate::message::sanitize) fn for_each_url(css: &str, found: &mut dyn FnMut(&str)) {
    let mut parser = Parser::new(css);
    walk(&mut parser, found, false);
}

fn walk(input: &mut Parser, found: &mut dyn FnMut(&str), strings_are_urls: bool) {
    let mut after_import = false;
    let mut in_namespace = false;
    while let Ok(token) = input.next() {
        let token = token.clone();
        let import = std::mem::take(&mut after_import);
        match token {
            Token::UnquotedUrl(url) if !in_namespace => found(&url),
            Token::QuotedString(s) if strings_are_urls || import => found(&s),
            Token::AtKeyword(name) => {
                after_import = name.eq_ignore_ascii_case("import");
                in_namespace = name.eq_ignore_ascii_case("namespace");
            }
            Token::Semicolon => in_namespace = false,
            Token::CurlyBracketBlock => {
                in_namespace = false;
                nested_walk(input, found, false);
            }
            Token::Function(name) if !in_namespace => {
                let url = name.eq_ignore_ascii_case("url");
                let set = name.eq_ignore_ascii_case("image-set")
                    || name.eq_ignore_ascii_case("-webkit-image-set");
                nested_walk(input, found, url || set);
            }
            Token::ParenthesisBlock | Token::SquareBracketBlock => nested_walk(input, found, false),
            _ => {}
        }
    }
}

/// Walks the block or function just opened. One recursion per level of nesting, bounded by
/// cssparser, which refuses to open blocks more than 75 deep (and skips what is inside them
/// without recursion); unlike the cleaning, which stops at `MAX_DEPTH`, this looks at
/// everything it may, to count what was blocked.
fn nested_walk(input: &mut Parser, found: &mut dyn FnMut(&str), strings_are_urls: bool) {
    let _ = input.parse_nested_block(|inner| -> Result<(), Error> {
        walk(inner, found, strings_are_urls);
        Ok(())
    });
}
