//! Turning raw mail into something safe to show: transfer and charset decoding of part
//! bodies, MIME parameters and download names, header decoding, plain text to HTML, and
//! HTML sanitising. Plain functions, no HTTP and no IMAP, each tested on its own.

pub mod charset;
pub mod headers;
pub mod params;
pub mod sanitize;
pub mod text;
pub mod transfer;

use mail_parser::MessageParser;

use crate::imap::reading::TextKind;

/// Decodes a fetched MIME entity (headers + content) into text: transfer encoding undone
/// and charset converted to UTF-8. A lying or unknown charset still yields readable text.
pub fn decode_entity(kind: TextKind, entity: &[u8]) -> String {
    let Some(message) = MessageParser::default().parse(entity) else {
        return String::from_utf8_lossy(entity).into_owned();
    };
    let text = match kind {
        TextKind::Plain => message.body_text(0),
        TextKind::Html => message.body_html(0),
    };
    text.map(|t| t.into_owned()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn koi8r_quoted_printable_becomes_utf8() {
        // «Привет» in KOI8-R is F0 D2 C9 D7 C5 D4.
        let entity = b"Content-Type: text/plain; charset=koi8-r\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=F0=D2=C9=D7=C5=D4\r\n";
        assert_eq!(decode_entity(TextKind::Plain, entity).trim(), "Привет");
    }

    #[test]
    fn windows_1251_base64_becomes_utf8() {
        // «Привет» in windows-1251 is CF F0 E8 E2 E5 F2, base64 "z/Do4uXy".
        let entity = b"Content-Type: text/plain; charset=windows-1251\r\nContent-Transfer-Encoding: base64\r\n\r\nz/Do4uXy\r\n";
        assert_eq!(decode_entity(TextKind::Plain, entity).trim(), "Привет");
    }

    #[test]
    fn an_unknown_charset_still_shows_text() {
        let entity = b"Content-Type: text/plain; charset=x-no-such\r\n\r\nHello there\r\n";
        assert!(decode_entity(TextKind::Plain, entity).contains("Hello there"));
    }
}
