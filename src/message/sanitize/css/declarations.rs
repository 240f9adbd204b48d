//! Declaration blocks: a `style` attribute, a style rule's body, an `@font-face`. Each
//! declaration is checked against the allowlists and written out token by token.

use cssparser::{
    AtRuleParser, CowRcStr, DeclarationParser, Parser, ParserState, QualifiedRuleParser,
    RuleBodyItemParser, RuleBodyParser, ToCss, Token,
};

use super::allow::{
    DISPLAYS, FONT_DESCRIPTORS, FUNCTIONS, IMAGE_PROPERTIES, POSITIONS, PROPERTIES,
};
use super::write::{next_spaced, write_ident, write_name, write_space, write_string};
use super::{Error, MAX_DEPTH, UrlPolicy, image_url, invalid, is_plain_unit, lower};
use crate::message::sanitize::url::{Target, classify};

/// Where a declaration block sits, which decides what it may hold.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Block {
    Style,
    FontFace,
}

/// Cleans the declarations of one block (or attribute) into `prop:value;…`.
pub(super) fn declarations(input: &mut Parser, policy: &UrlPolicy, block: Block) -> String {
    let mut decls = Declarations {
        policy,
        block,
        out: String::new(),
    };
    for _ in RuleBodyParser::new(input, &mut decls) {}
    decls.out
}

struct Declarations<'a, 'p> {
    policy: &'a UrlPolicy<'p>,
    block: Block,
    out: String,
}

impl<'i> DeclarationParser<'i> for Declarations<'_, '_> {
    type Declaration = ();
    type Error = ();

    fn parse_value(
        &mut self,
        name: CowRcStr<'i>,
        input: &mut Parser<'i>,
        _start: &ParserState,
    ) -> Result<(), Error> {
        let name = lower(&name);
        let allowed = match self.block {
            Block::Style => PROPERTIES.binary_search(&&*name).is_ok(),
            Block::FontFace => FONT_DESCRIPTORS.contains(&&*name),
        };
        if !allowed {
            return Err(invalid());
        }
        // Written straight into the block's text, and taken back if refused.
        let mark = self.out.len();
        if !self.out.is_empty() {
            self.out.push(';');
        }
        self.out.push_str(&name);
        self.out.push(':');
        let start = self.out.len();
        let mut value = Value {
            policy: self.policy,
            property: &name,
            block: self.block,
            out: &mut self.out,
            start,
        };
        let written = value.tokens(input, 0);
        let value = &self.out[start..];
        if written.is_err()
            || value.is_empty()
            || value == "!important"
            || !keyword_allowed(&name, value)
        {
            self.out.truncate(mark);
            return Err(invalid());
        }
        Ok(())
    }
}

/// `display` and `position` take only the values in their lists.
fn keyword_allowed(property: &str, value: &str) -> bool {
    let keyword = value.trim_end_matches("!important");
    match property {
        "display" => DISPLAYS.contains(&keyword),
        "position" => POSITIONS.contains(&keyword),
        _ => true,
    }
}

impl<'i> AtRuleParser<'i> for Declarations<'_, '_> {
    type Prelude = ();
    type AtRule = ();
    type Error = ();
}

impl<'i> QualifiedRuleParser<'i> for Declarations<'_, '_> {
    type Prelude = ();
    type QualifiedRule = ();
    type Error = ();
}

impl<'i> RuleBodyItemParser<'i, (), ()> for Declarations<'_, '_> {
    fn parse_declarations(&self) -> bool {
        true
    }

    fn parse_qualified(&self) -> bool {
        false
    }
}

/// One declaration's value being written out.
struct Value<'a, 'p> {
    policy: &'a UrlPolicy<'p>,
    property: &'a str,
    block: Block,
    out: &'a mut String,
    /// Where in `out` the value starts.
    start: usize,
}

impl Value<'_, '_> {
    /// Writes every token of `input`, or fails on the first one not allowed.
    fn tokens<'i>(&mut self, input: &mut Parser<'i>, depth: u8) -> Result<(), Error> {
        if depth > MAX_DEPTH {
            return Err(invalid());
        }
        while let Some((space, token)) = next_spaced(input) {
            if space {
                write_space(self.out, self.start, &token);
            }
            match token {
                Token::Ident(ident) => write_ident(&ident, self.out),
                Token::Hash(name) | Token::IDHash(name) => {
                    self.out.push('#');
                    write_name(&name, self.out);
                }
                Token::QuotedString(s) => write_string(&s, self.out),
                Token::Number { .. } | Token::Percentage { .. } => {
                    let _ = token.to_css(self.out);
                }
                Token::Dimension { ref unit, .. } if is_plain_unit(unit) => {
                    let _ = token.to_css(self.out);
                }
                Token::Comma => self.out.push(','),
                Token::Delim(c @ ('/' | '+' | '-' | '*')) => self.out.push(c),
                Token::Delim('!') if depth == 0 => {
                    input.expect_ident_matching("important")?;
                    input.expect_exhausted()?;
                    self.out.push_str("!important");
                }
                Token::UnquotedUrl(url) => self.url(&url)?,
                Token::Function(name) if name.eq_ignore_ascii_case("url") => {
                    let url = input.parse_nested_block(|inner| {
                        let url = inner.expect_string_cloned()?;
                        inner.expect_exhausted()?;
                        Ok(url)
                    })?;
                    self.url(&url)?;
                }
                Token::Function(name) if self.function_allowed(&name) => {
                    write_ident(&lower(&name), self.out);
                    self.out.push('(');
                    input.parse_nested_block(|inner| self.tokens(inner, depth + 1))?;
                    self.out.push(')');
                }
                Token::ParenthesisBlock => {
                    self.out.push('(');
                    input.parse_nested_block(|inner| self.tokens(inner, depth + 1))?;
                    self.out.push(')');
                }
                _ => return Err(invalid()),
            }
        }
        Ok(())
    }

    fn function_allowed(&self, name: &str) -> bool {
        let allowed: &[&str] = match self.block {
            Block::Style => FUNCTIONS,
            Block::FontFace => &["format", "local", "tech"],
        };
        allowed.iter().any(|f| f.eq_ignore_ascii_case(name))
    }

    /// Writes `url("…")` when the policy allows it, `none` in image properties when it does
    /// not; anywhere else a refused URL spoils the whole declaration.
    fn url(&mut self, raw: &str) -> Result<(), Error> {
        let allowed = match self.block {
            Block::Style if IMAGE_PROPERTIES.contains(&self.property) => {
                image_url(raw, self.policy)
            }
            Block::FontFace if self.property == "src" => match classify(raw) {
                Target::Remote(url) if self.policy.remote => Some(url.into()),
                _ => return Err(invalid()),
            },
            _ => return Err(invalid()),
        };
        match allowed {
            Some(url) => {
                self.out.push_str("url(");
                write_string(&url, self.out);
                self.out.push(')');
            }
            None => self.out.push_str("none"),
        }
        Ok(())
    }
}
