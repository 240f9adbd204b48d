//! Message headers for display: RFC 2047 encoded words decoded in any charset mail-parser
//! knows, addresses split into name and address, dates kept as the sender wrote them.

use mail_parser::{Address, MessageParser};

/// A person in a From/To/Cc header.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Person {
    pub name: String,
    pub address: String,
}

impl Person {
    /// The name if there is one, else the address.
    pub fn label(&self) -> &str {
        if self.name.trim().is_empty() {
            &self.address
        } else {
            &self.name
        }
    }
}

/// The headers a message page shows.
#[derive(Clone, Debug, Default)]
pub struct Headers {
    pub from: Vec<Person>,
    pub to: Vec<Person>,
    pub cc: Vec<Person>,
    pub subject: String,
    /// RFC 822 form, e.g. `Mon, 01 Jan 2024 01:00:00 +0000`.
    pub date: Option<String>,
}

/// Parses a header block.
pub fn parse(block: &[u8]) -> Headers {
    let Some(message) = MessageParser::default().parse_headers(block) else {
        return Headers::default();
    };
    Headers {
        from: people(message.from()),
        to: people(message.to()),
        cc: people(message.cc()),
        subject: message.subject().unwrap_or_default().to_owned(),
        date: message.date().map(|d| d.to_rfc822()),
    }
}

/// The people of an address header as mail-parser read it.
pub fn people(address: Option<&Address<'_>>) -> Vec<Person> {
    address
        .map(|a| {
            a.iter()
                .map(|addr| Person {
                    name: addr.name().unwrap_or_default().to_owned(),
                    address: addr.address().unwrap_or_default().to_owned(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Decodes header text that may hold RFC 2047 encoded words (as ENVELOPE returns it).
pub fn decode_words(raw: &[u8]) -> String {
    if !raw.windows(2).any(|w| w == b"=?") {
        return String::from_utf8_lossy(raw).into_owned();
    }
    let mut block = Vec::with_capacity(raw.len() + 16);
    block.extend_from_slice(b"Subject: ");
    block.extend(
        raw.iter()
            .map(|&b| if b == b'\r' || b == b'\n' { b' ' } else { b }),
    );
    block.extend_from_slice(b"\r\n\r\n");
    MessageParser::default()
        .parse_headers(&block)
        .and_then(|m| m.subject().map(str::to_owned))
        .unwrap_or_else(|| String::from_utf8_lossy(raw).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_words_decode_in_their_charset() {
        assert_eq!(decode_words(b"=?UTF-8?B?0J/RgNC40LLQtdGC?="), "Привет");
        // «Привет» in KOI8-R, Q-encoded.
        assert_eq!(decode_words(b"=?koi8-r?Q?=F0=D2=C9=D7=C5=D4?="), "Привет");
        assert_eq!(decode_words(b"=?windows-1251?B?z/Do4uXy?="), "Привет");
    }

    #[test]
    fn encoded_words_in_east_asian_charsets_decode() {
        assert_eq!(
            decode_words(b"=?Shift_JIS?B?k/qWe4zqgsyDgYFbg4s=?="),
            "日本語のメール"
        );
        assert_eq!(decode_words(b"=?gb2312?B?1tDOxNPKvP4=?="), "中文邮件");
        assert_eq!(decode_words(b"=?big5?B?wWPF6aSkpOU=?="), "繁體中文");
    }

    #[test]
    fn plain_text_passes_through() {
        assert_eq!(decode_words(b"Message 00042"), "Message 00042");
    }

    #[test]
    fn a_header_block_gives_people_subject_and_date() {
        let h = parse(
            b"From: =?UTF-8?B?0JjQstCw0L0=?= <ivan@example.ru>\r\nTo: a@x.org, \"B\" <b@x.org>\r\nCc: c@x.org\r\nSubject: Hi\r\nDate: Mon, 1 Jan 2024 01:00:00 +0000\r\n\r\n",
        );
        assert_eq!(
            h.from,
            vec![Person {
                name: "Иван".into(),
                address: "ivan@example.ru".into()
            }]
        );
        assert_eq!(h.to.len(), 2);
        assert_eq!(h.to[1].label(), "B");
        assert_eq!(h.cc[0].label(), "c@x.org");
        assert_eq!(h.subject, "Hi");
        assert!(h.date.unwrap().contains("2024"));
    }
}
