use nom::{
    branch::alt,
    bytes::streaming::{tag, tag_no_case},
    character::streaming::char,
    combinator::{map, opt},
    multi::many0,
    sequence::{delimited, preceded},
    IResult, Parser,
};
use std::borrow::Cow;

use crate::core::*;
use crate::rfc3501::AttributeValue;

pub fn section_part(i: &[u8]) -> IResult<&[u8], Vec<u32>> {
    let (i, (part, mut rest)) = (number, many0(preceded(char('.'), number))).parse(i)?;
    rest.insert(0, part);
    Ok((i, rest))
}

pub fn section_msgtext(i: &[u8]) -> IResult<&[u8], MessageSection> {
    alt((
        map(
            (
                tag_no_case("HEADER.FIELDS"),
                opt(tag_no_case(".NOT")),
                tag(" "),
                parenthesized_list(astring),
            ),
            |_| MessageSection::Header,
        ),
        map(tag_no_case("HEADER"), |_| MessageSection::Header),
        map(tag_no_case("TEXT"), |_| MessageSection::Text),
    ))
    .parse(i)
}

#[derive(Debug, Eq, PartialEq)]
pub enum MessageSection {
    Header,
    Mime,
    Text,
}

impl MessageSection {
    pub fn parse(i: &[u8]) -> IResult<&[u8], Self> {
        alt((
            section_msgtext,
            map(tag_no_case("MIME"), |_| MessageSection::Mime),
        ))
        .parse(i)
    }
}

#[derive(Debug, Eq, PartialEq)]
pub enum SectionPath {
    Full(MessageSection),
    Part(Vec<u32>, Option<MessageSection>),
}

impl SectionPath {
    pub fn parse(i: &[u8]) -> IResult<&[u8], Self> {
        alt((
            map(section_msgtext, SectionPath::Full),
            map(
                (
                    section_part,
                    opt(preceded(char('.'), MessageSection::parse)),
                ),
                |(part, text)| SectionPath::Part(part, text),
            ),
        ))
        .parse(i)
    }
}

/// `literal8 = "~{" number64 "}" CRLF *OCTET` (RFC 3516): a literal that may hold NUL.
fn literal8(input: &[u8]) -> IResult<&[u8], &[u8]> {
    let (remaining, (_, count, _, _)) = (tag("~{"), number, tag("}"), tag("\r\n")).parse(input)?;
    nom::bytes::streaming::take(count)(remaining)
}

pub fn section(i: &[u8]) -> IResult<&[u8], Option<SectionPath>> {
    delimited(char('['), opt(SectionPath::parse), char(']')).parse(i)
}

// Posta's patch (see vendor/README.md): `BINARY[section]<origin>` (RFC 3516) is read like
// `BODY[section]<origin>`, its data already decoded by the server, and may come as a
// literal8 (`~{n}`) when it holds NUL bytes. Callers that ask for BINARY read it with the
// same section lookup as BODY; nobody asks for both of one section in one command.
pub fn msg_att_body_section(i: &[u8]) -> IResult<&[u8], AttributeValue<'_>> {
    map(
        (
            alt((tag_no_case("BODY"), tag_no_case("BINARY"))),
            section,
            opt(delimited(char('<'), number, char('>'))),
            tag(" "),
            alt((nstring, map(literal8, Some))),
        ),
        |(_, section, index, _, data)| AttributeValue::BodySection {
            section,
            index,
            data: data.map(Cow::Borrowed),
        },
    )
    .parse(i)
}

#[cfg(test)]
mod posta_binary_tests {
    use super::*;

    #[test]
    fn binary_sections_read_like_body_sections() {
        let (rest, attr) = msg_att_body_section(b"BINARY[2]<0> {3}\r\nabc)").unwrap();
        assert_eq!(rest, b")");
        assert_eq!(
            attr,
            AttributeValue::BodySection {
                section: Some(SectionPath::Part(vec![2], None)),
                index: Some(0),
                data: Some(Cow::Borrowed(b"abc")),
            }
        );
    }

    #[test]
    fn a_literal8_may_hold_nul_bytes() {
        let (_, attr) = msg_att_body_section(b"BINARY[1.2] ~{3}\r\na\0c)").unwrap();
        assert!(matches!(
            attr,
            AttributeValue::BodySection { data: Some(ref d), .. } if d.as_ref() == b"a\0c"
        ));
    }

    #[test]
    fn an_incomplete_binary_literal_asks_for_more() {
        assert!(matches!(
            msg_att_body_section(b"BINARY[2]<0> {10}\r\nabc"),
            Err(nom::Err::Incomplete(_))
        ));
    }
}
