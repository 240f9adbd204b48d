//! Style sheets: style rules (selectors written out as given, `#id`s prefixed) and `@media`
//! blocks, plus `@font-face` once remote content is allowed. Every other at-rule is dropped.

use std::fmt::Write;

use cssparser::{
    AtRuleParser, CowRcStr, Parser, ParserState, QualifiedRuleParser, StyleSheetParser, ToCss,
    Token,
};

use super::allow::SELECTOR_FUNCTIONS;
use super::declarations::{Block, declarations};
use super::write::{next_spaced, write_ident, write_name, write_space, write_string};
use super::{Error, MAX_DEPTH, UrlPolicy, invalid, is_plain_unit};

/// One style sheet (or the inside of an `@media` block) being written to `out`.
pub(super) struct Sheet<'a, 'p> {
    pub policy: &'a UrlPolicy<'p>,
    pub id_prefix: &'a str,
    pub out: &'a mut String,
    pub depth: u8,
}

impl<'i> QualifiedRuleParser<'i> for Sheet<'_, '_> {
    type Prelude = String;
    type QualifiedRule = ();
    type Error = ();

    fn parse_prelude(&mut self, input: &mut Parser<'i>) -> Result<String, Error> {
        let mut selector = String::new();
        selector_tokens(input, self.id_prefix, &mut selector, 0)?;
        if selector.is_empty() {
            return Err(invalid());
        }
        Ok(selector)
    }

    fn parse_block(
        &mut self,
        selector: String,
        _start: &ParserState,
        input: &mut Parser<'i>,
    ) -> Result<(), Error> {
        let decls = declarations(input, self.policy, Block::Style);
        if !decls.is_empty() {
            let _ = writeln!(self.out, "{selector}{{{decls}}}");
        }
        Ok(())
    }
}

/// The at-rules kept: `@media` (its query written out by us) and, with remote content
/// allowed, `@font-face`.
pub(super) enum AtRule {
    Media(String),
    FontFace,
}

impl<'i> AtRuleParser<'i> for Sheet<'_, '_> {
    type Prelude = AtRule;
    type AtRule = ();
    type Error = ();

    fn parse_prelude(
        &mut self,
        name: CowRcStr<'i>,
        input: &mut Parser<'i>,
    ) -> Result<AtRule, Error> {
        if name.eq_ignore_ascii_case("media") && self.depth < MAX_DEPTH {
            let mut query = String::new();
            media_tokens(input, &mut query, 0)?;
            Ok(AtRule::Media(query))
        } else if name.eq_ignore_ascii_case("font-face") && self.policy.remote {
            Ok(AtRule::FontFace)
        } else {
            // @import, @charset, @namespace, @keyframes, @supports, @page, @-moz-document…
            Err(invalid())
        }
    }

    fn parse_block(
        &mut self,
        rule: AtRule,
        _start: &ParserState,
        input: &mut Parser<'i>,
    ) -> Result<(), Error> {
        match rule {
            AtRule::Media(query) => {
                let mut inner = String::new();
                let mut sheet = Sheet {
                    policy: self.policy,
                    id_prefix: self.id_prefix,
                    out: &mut inner,
                    depth: self.depth + 1,
                };
                for _ in StyleSheetParser::new(input, &mut sheet) {}
                if !inner.is_empty() {
                    let _ = writeln!(self.out, "@media {query}{{\n{inner}}}");
                }
            }
            AtRule::FontFace => {
                let decls = declarations(input, self.policy, Block::FontFace);
                if decls.contains("src:") {
                    let _ = writeln!(self.out, "@font-face{{{decls}}}");
                }
            }
        }
        Ok(())
    }
}

/// Writes a selector as written, except `#id`, which gets the id prefix. Attribute selectors,
/// pseudo-classes and the common pseudo-class functions pass; anything unusual (`url`, `{`,
/// `@`, a `<`) drops the rule.
fn selector_tokens<'i>(
    input: &mut Parser<'i>,
    id_prefix: &str,
    out: &mut String,
    depth: u8,
) -> Result<(), Error> {
    if depth > MAX_DEPTH {
        return Err(invalid());
    }
    while let Some((space, token)) = next_spaced(input) {
        if space {
            write_space(out, 0, &token);
        }
        match token {
            Token::Ident(ident) => write_ident(&ident, out),
            Token::IDHash(id) => {
                out.push('#');
                if !id.starts_with(id_prefix) {
                    out.push_str(id_prefix);
                }
                write_name(&id, out);
            }
            Token::Delim(c @ ('.' | '*' | '>' | '+' | '~' | '|' | '=')) => out.push(c),
            Token::Delim('-') if depth > 0 => out.push('-'),
            Token::Colon => out.push(':'),
            Token::Comma => out.push(','),
            Token::IncludeMatch => out.push_str("~="),
            Token::DashMatch => out.push_str("|="),
            Token::PrefixMatch => out.push_str("^="),
            Token::SuffixMatch => out.push_str("$="),
            Token::SubstringMatch => out.push_str("*="),
            Token::QuotedString(s) if depth > 0 => write_string(&s, out),
            Token::Number { .. } if depth > 0 => {
                let _ = token.to_css(out);
            }
            Token::Dimension { ref unit, .. } if depth > 0 && is_plain_unit(unit) => {
                let _ = token.to_css(out);
            }
            Token::SquareBracketBlock => {
                out.push('[');
                input.parse_nested_block(|inner| {
                    selector_tokens(inner, id_prefix, out, depth + 1)
                })?;
                out.push(']');
            }
            Token::Function(name)
                if SELECTOR_FUNCTIONS
                    .binary_search(&name.to_ascii_lowercase().as_str())
                    .is_ok() =>
            {
                write_ident(&name.to_ascii_lowercase(), out);
                out.push('(');
                input.parse_nested_block(|inner| {
                    selector_tokens(inner, id_prefix, out, depth + 1)
                })?;
                out.push(')');
            }
            _ => return Err(invalid()),
        }
    }
    Ok(())
}

/// Writes a media query list: `screen and (max-width:600px)`, `only screen`, `(min-resolution:
/// 2dppx)`, `(aspect-ratio: 16/9)`. Range syntax with `<` is refused (the output never holds a
/// `<`); `>` and `=` pass.
fn media_tokens<'i>(input: &mut Parser<'i>, out: &mut String, depth: u8) -> Result<(), Error> {
    if depth > MAX_DEPTH {
        return Err(invalid());
    }
    while let Some((space, token)) = next_spaced(input) {
        if space && !out.ends_with(':') {
            write_space(out, 0, &token);
        }
        match token {
            Token::Ident(ident) => write_ident(&ident, out),
            Token::Number { .. } | Token::Percentage { .. } => {
                let _ = token.to_css(out);
            }
            Token::Dimension { ref unit, .. } if is_plain_unit(unit) => {
                let _ = token.to_css(out);
            }
            Token::Colon => out.push(':'),
            Token::Comma => out.push(','),
            Token::Delim(c @ ('/' | '>' | '=')) => out.push(c),
            Token::ParenthesisBlock => {
                out.push('(');
                input.parse_nested_block(|inner| media_tokens(inner, out, depth + 1))?;
                out.push(')');
            }
            _ => return Err(invalid()),
        }
    }
    Ok(())
}
