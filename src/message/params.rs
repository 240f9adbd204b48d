//! MIME parameters as IMAP BODYSTRUCTURE hands them over — raw attribute/value pairs — and
//! the file names made from them: RFC 2231 continuations and charsets, the RFC 2047 words
//! Outlook and Mail.ru put where they do not belong, raw 8-bit values, and making the result
//! safe to offer as a download.
//!
//! Why no crate: mail-parser joins RFC 2231 continuations only while it parses a whole
//! `Content-Type` header, and the server hands over BODYSTRUCTURE's pairs already split;
//! no crate takes such pairs (nor forgives the RFC 2047 words found in them).

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use super::{charset, headers::decode_words};

/// The value of parameter `name` (e.g. "filename", "name", "charset") among `params`, with
/// RFC 2231 continuations (`name*0`, `name*1*`, …, in any order) joined and
/// `charset'lang'%XX` decoded, RFC 2047 encoded-words decoded (non-standard but ubiquitous:
/// Outlook, Mail.ru), and raw 8-bit values decoded as UTF-8 or, failing that, detected.
/// Case-insensitive on names.
pub fn param(params: &[(Vec<u8>, Vec<u8>)], name: &str) -> Option<String> {
    let mut plain = None;
    let mut extended = None;
    let mut sections: Vec<Section<'_>> = Vec::new();
    for (attribute, value) in params {
        let Some(rest) = strip_prefix_ignore_case(attribute.trim_ascii(), name.as_bytes()) else {
            continue;
        };
        match rest {
            b"" => {
                plain.get_or_insert(value.as_slice());
            }
            b"*" => {
                extended.get_or_insert(value.as_slice());
            }
            _ => {
                if let Some(section) = Section::parse(rest, value)
                    && !sections.iter().any(|s| s.number == section.number)
                {
                    sections.push(section);
                }
            }
        }
    }
    // RFC 2231 forms win over a plain value: senders add the plain one for old readers.
    let text = if !sections.is_empty() {
        joined(sections)
    } else if let Some(value) = extended {
        let (charset, encoded) = split_charset(unquote(value));
        to_text(&percent_decode(encoded), charset)
    } else {
        to_text(unquote(plain?), None)
    };
    Some(if text.contains("=?") {
        decode_words(text.as_bytes())
    } else {
        text
    })
}

/// One piece of an RFC 2231 continued value.
struct Section<'a> {
    number: u32,
    /// Whether the value is `%XX`-encoded (the attribute ends in `*`).
    encoded: bool,
    value: &'a [u8],
}

impl<'a> Section<'a> {
    /// Reads `*3` or `*3*` (what follows the parameter name) and its value.
    fn parse(rest: &[u8], value: &'a [u8]) -> Option<Section<'a>> {
        let rest = rest.strip_prefix(b"*")?;
        let (digits, encoded) = match rest.strip_suffix(b"*") {
            Some(digits) => (digits, true),
            None => (rest, false),
        };
        if digits.is_empty() || digits.len() > 4 || !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let number = std::str::from_utf8(digits).ok()?.parse().ok()?;
        Some(Section {
            number,
            encoded,
            value: unquote(value),
        })
    }
}

/// Joins continuation sections in numeric order. Only an encoded section 0 may name the
/// charset; the bytes are joined first and decoded once, since a character may straddle
/// two sections.
fn joined(mut sections: Vec<Section<'_>>) -> String {
    sections.sort_by_key(|s| s.number);
    let mut charset = None;
    let mut bytes = Vec::new();
    for section in &sections {
        if section.encoded {
            let value = if section.number == 0 {
                let (named, rest) = split_charset(section.value);
                charset = named;
                rest
            } else {
                section.value
            };
            bytes.extend(percent_decode(value));
        } else {
            bytes.extend_from_slice(section.value);
        }
    }
    to_text(&bytes, charset)
}

/// Splits `charset'language'value`. Without both quotes the whole is the value.
fn split_charset(value: &[u8]) -> (Option<&str>, &[u8]) {
    let mut parts = value.splitn(3, |&b| b == b'\'');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(charset), Some(_language), Some(rest)) => {
            let charset = std::str::from_utf8(charset).ok().filter(|c| !c.is_empty());
            (charset, rest)
        }
        _ => (None, value),
    }
}

/// Bytes to text in `charset`, or as UTF-8 if they are, or as detected.
fn to_text(bytes: &[u8], charset: Option<&str>) -> String {
    charset::decode(bytes, charset.or(Some("utf-8")))
}

/// `%XX` to bytes; a `%` not followed by two hex digits is kept.
fn percent_decode(value: &[u8]) -> Vec<u8> {
    percent_encoding::percent_decode(value).collect()
}

/// Servers hand values over unquoted, but quotes inside an RFC 2231 value slip through.
/// Spaces are kept: in a continuation they are part of the text.
fn unquote(value: &[u8]) -> &[u8] {
    value
        .strip_prefix(b"\"")
        .and_then(|v| v.strip_suffix(b"\""))
        .unwrap_or(value)
}

fn strip_prefix_ignore_case<'a>(text: &'a [u8], prefix: &[u8]) -> Option<&'a [u8]> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

/// Longest file name offered, in bytes; under every common file system's 255.
const MAX_NAME: usize = 200;

/// An extension longer than this is more likely part of the name.
const MAX_EXTENSION: usize = 16;

/// A file name safe to offer for download: no path separators, control chars, leading dots,
/// or reserved Windows names; at most 200 bytes keeping the extension; never empty
/// (`fallback` when nothing is left).
pub fn safe_filename(name: &str, fallback: &str) -> String {
    let cleaned = clean(name);
    if !cleaned.is_empty() {
        return cleaned;
    }
    // The fallback is ours, but it goes into a header too.
    let fallback = clean(fallback);
    if fallback.is_empty() {
        "attachment".to_owned()
    } else {
        fallback
    }
}

fn clean(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        let c = match c {
            // Separators become `_` rather than cutting the name down to its last part:
            // "Invoice 12/2024.pdf" is more common in mail than a sender's full path.
            '/' | '\\' | ':' | '<' | '>' | '"' | '|' | '?' | '*' => '_',
            c if c.is_whitespace() => ' ',
            // Bidi controls let "invoice\u{202E}fdp.exe" display as "invoiceexe.pdf".
            c if c.is_control() || is_bidi_control(c) => continue,
            c => c,
        };
        if c == ' ' && out.ends_with(' ') {
            continue;
        }
        out.push(c);
    }
    // Leading dots hide files on Unix; Windows drops trailing dots and spaces itself.
    let trimmed = out
        .trim_start_matches(['.', ' '])
        .trim_end_matches(['.', ' ']);
    let mut name = if is_reserved_on_windows(trimmed) {
        format!("_{trimmed}")
    } else {
        trimmed.to_owned()
    };
    if name.len() > MAX_NAME {
        name = shortened(&name);
    }
    name
}

/// Cuts the stem so the name fits in `MAX_NAME` bytes, keeping the extension.
fn shortened(name: &str) -> String {
    let (stem, extension) = match name.rfind('.') {
        Some(dot) if dot > 0 && name.len() - dot <= MAX_EXTENSION => name.split_at(dot),
        _ => (name, ""),
    };
    let mut end = MAX_NAME - extension.len();
    while !stem.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{extension}", stem[..end].trim_end_matches(['.', ' ']))
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// CON, NUL, COM1 and friends cannot be created on Windows, with any extension.
fn is_reserved_on_windows(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or_default().trim_end();
    let upper = stem.to_ascii_uppercase();
    match upper.as_str() {
        "CON" | "PRN" | "AUX" | "NUL" | "CONIN$" | "CONOUT$" => true,
        _ => {
            (upper.starts_with("COM") || upper.starts_with("LPT"))
                && upper.len() == 4
                && upper.as_bytes()[3].is_ascii_digit()
        }
    }
}

/// RFC 5987 `attr-char`: everything else is percent-encoded in `filename*`.
const ATTR_CHAR: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// Content-Disposition header value for a download: `attachment; filename="ascii-fallback";
/// filename*=UTF-8''percent-encoded` (RFC 6266/5987). `disposition` is "attachment" or
/// "inline".
///
/// The name goes through [`safe_filename`] here as well, so a caller cannot put a header
/// break or a path into the response by forgetting to.
pub fn content_disposition(disposition: &str, filename: &str) -> String {
    let kind = if disposition.trim().eq_ignore_ascii_case("inline") {
        "inline"
    } else {
        "attachment"
    };
    let name = safe_filename(filename, "attachment");
    format!(
        "{kind}; filename=\"{}\"; filename*=UTF-8''{}",
        ascii_fallback(&name),
        utf8_percent_encode(&name, ATTR_CHAR)
    )
}

/// For clients without RFC 5987: non-ASCII runs become one `_`. `%` goes too, since some
/// browsers percent-decode this form (RFC 6266 appendix D).
fn ascii_fallback(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut replacing = false;
    for c in name.chars() {
        if c == ' ' || (c.is_ascii_graphic() && !matches!(c, '"' | '\\' | '%')) {
            out.push(c);
            replacing = false;
        } else if !replacing {
            out.push('_');
            replacing = true;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &[u8])]) -> Vec<(Vec<u8>, Vec<u8>)> {
        pairs
            .iter()
            .map(|(a, v)| (a.as_bytes().to_vec(), v.to_vec()))
            .collect()
    }

    #[test]
    fn a_plain_parameter_is_found_whatever_its_case() {
        let p = params(&[("CHARSET", b"UTF-8"), ("Name", b"report.pdf")]);
        assert_eq!(param(&p, "charset").as_deref(), Some("UTF-8"));
        assert_eq!(param(&p, "NAME").as_deref(), Some("report.pdf"));
        assert_eq!(param(&p, "filename"), None);
    }

    #[test]
    fn a_longer_attribute_is_not_mistaken_for_the_name() {
        let p = params(&[("names", b"x"), ("name*x", b"y")]);
        assert_eq!(param(&p, "name"), None);
    }

    #[test]
    fn an_extended_value_is_percent_and_charset_decoded() {
        let p = params(&[(
            "filename*",
            b"UTF-8''%D0%9E%D1%82%D1%87%D1%91%D1%82 2024.pdf",
        )]);
        assert_eq!(param(&p, "filename").as_deref(), Some("Отчёт 2024.pdf"));
        let p = params(&[("filename*", b"koi8-r'ru'%F0%D2%C9%D7%C5%D4.txt")]);
        assert_eq!(param(&p, "filename").as_deref(), Some("Привет.txt"));
    }

    #[test]
    fn the_extended_value_wins_over_the_plain_one() {
        let p = params(&[
            ("filename", b"Otchet.pdf"),
            ("filename*", b"utf-8''%D0%9E.pdf"),
        ]);
        assert_eq!(param(&p, "filename").as_deref(), Some("О.pdf"));
    }

    #[test]
    fn continuations_join_in_numeric_order() {
        let p = params(&[
            ("filename*1*", b"%D1%91%D1%82"),
            ("FILENAME*10", b".pdf"),
            ("filename*0*", b"UTF-8'ru'%D0%9E%D1%82%D1%87"),
            ("filename*2", b" final"),
        ]);
        assert_eq!(param(&p, "filename").as_deref(), Some("Отчёт final.pdf"));
    }

    #[test]
    fn the_rfc_2231_mixed_example_decodes() {
        let p = params(&[
            ("title*0*", b"us-ascii'en'This%20is%20even%20more%20"),
            ("title*1*", b"%2A%2A%2Afun%2A%2A%2A%20"),
            ("title*2", b"isn't it!"),
        ]);
        assert_eq!(
            param(&p, "title").as_deref(),
            Some("This is even more ***fun*** isn't it!")
        );
    }

    #[test]
    fn a_character_split_across_sections_survives() {
        // «ё» is D1 91; the sender cut between its two bytes.
        let p = params(&[("name*0*", b"utf-8''%D1"), ("name*1*", b"%91")]);
        assert_eq!(param(&p, "name").as_deref(), Some("ё"));
    }

    #[test]
    fn encoded_words_in_values_are_decoded() {
        let p = params(&[("name", b"=?UTF-8?B?0J/RgNC40LLQtdGCLnBkZg==?=")]);
        assert_eq!(param(&p, "name").as_deref(), Some("Привет.pdf"));
        let p = params(&[(
            "filename",
            b"=?windows-1251?B?z/Do4uXy?= =?windows-1251?Q?=2Edoc?=",
        )]);
        assert_eq!(param(&p, "filename").as_deref(), Some("Привет.doc"));
    }

    #[test]
    fn an_encoded_word_split_across_continuations_is_decoded() {
        let p = params(&[
            ("filename*0", b"=?UTF-8?B?0J/RgNC40LLQ"),
            ("filename*1", b"tdGCLnBkZg==?="),
        ]);
        assert_eq!(param(&p, "filename").as_deref(), Some("Привет.pdf"));
    }

    #[test]
    fn raw_8_bit_values_are_read_as_utf8_or_detected() {
        let p = params(&[("name", "Отчёт.pdf".as_bytes())]);
        assert_eq!(param(&p, "name").as_deref(), Some("Отчёт.pdf"));
        let cp1251 = encoding_rs::WINDOWS_1251
            .encode("Отчёт о продажах за первый квартал.xlsx")
            .0;
        let p = params(&[("name", &cp1251)]);
        assert_eq!(
            param(&p, "name").as_deref(),
            Some("Отчёт о продажах за первый квартал.xlsx")
        );
    }

    #[test]
    fn path_separators_never_survive() {
        for name in ["../../etc/passwd", "C:\\Users\\me\\report.pdf", "a/b\\c:d"] {
            let safe = safe_filename(name, "file");
            assert!(!safe.contains(['/', '\\', ':']), "{safe}");
            assert!(!safe.starts_with('.'), "{safe}");
        }
        assert_eq!(
            safe_filename("Invoice 12/2024.pdf", "file"),
            "Invoice 12_2024.pdf"
        );
    }

    #[test]
    fn control_and_bidi_characters_are_removed() {
        assert_eq!(safe_filename("a\r\nb\0c.txt", "f"), "a bc.txt");
        assert_eq!(
            safe_filename("invoice\u{202E}fdp.exe", "f"),
            "invoicefdp.exe"
        );
    }

    #[test]
    fn leading_dots_and_trailing_dots_go() {
        assert_eq!(safe_filename(".htaccess", "f"), "htaccess");
        assert_eq!(safe_filename("  ..hidden.txt. ", "f"), "hidden.txt");
    }

    #[test]
    fn reserved_windows_names_are_prefixed() {
        assert_eq!(safe_filename("CON", "f"), "_CON");
        assert_eq!(safe_filename("nul.txt", "f"), "_nul.txt");
        assert_eq!(safe_filename("com1.tar.gz", "f"), "_com1.tar.gz");
        assert_eq!(safe_filename("console.txt", "f"), "console.txt");
        assert_eq!(safe_filename("com10.txt", "f"), "com10.txt");
    }

    #[test]
    fn long_names_are_cut_keeping_the_extension() {
        let name = format!("{}.pdf", "Отчёт".repeat(40));
        let safe = safe_filename(&name, "f");
        assert!(safe.len() <= MAX_NAME, "{}", safe.len());
        assert!(safe.ends_with(".pdf"), "{safe}");
        assert!(safe.starts_with("ОтчётОтчёт"), "{safe}");
    }

    #[test]
    fn nothing_left_means_the_fallback() {
        assert_eq!(safe_filename("", "attachment-2.bin"), "attachment-2.bin");
        assert_eq!(safe_filename("...", "part"), "part");
        assert_eq!(safe_filename("\u{0}\u{202E}", "part"), "part");
        assert_eq!(safe_filename("", ""), "attachment");
    }

    #[test]
    fn cleaning_twice_changes_nothing() {
        for name in ["../x", " .a. ", "CON.txt", "a\u{202E}b", &"я".repeat(150)] {
            let once = safe_filename(name, "f");
            assert_eq!(safe_filename(&once, "f"), once, "{name}");
        }
    }

    #[test]
    fn content_disposition_carries_both_name_forms() {
        assert_eq!(
            content_disposition("attachment", "Отчёт за май.pdf"),
            "attachment; filename=\"_ _ _.pdf\"; filename*=UTF-8''%D0%9E%D1%82%D1%87%D1%91%D1%82%20%D0%B7%D0%B0%20%D0%BC%D0%B0%D0%B9.pdf"
        );
        assert_eq!(
            content_disposition("INLINE", "photo 1.jpg"),
            "inline; filename=\"photo 1.jpg\"; filename*=UTF-8''photo%201.jpg"
        );
    }

    #[test]
    fn content_disposition_cannot_be_broken_out_of() {
        let header = content_disposition("inline\r\nSet-Cookie: x", "a\"b\r\nX-Evil: 1;%41.txt");
        assert!(header.starts_with("attachment; "), "{header}");
        assert!(!header.contains(['\r', '\n']), "{header}");
        let fallback = header.split('"').nth(1).unwrap();
        assert!(!fallback.contains('%'), "{header}");
        assert_eq!(header.matches('"').count(), 2, "{header}");
    }
}
