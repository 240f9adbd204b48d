//! Bytes in a declared charset to UTF-8. Mail labels are often missing, misspelt, or wrong,
//! so the label is read through the WHATWG table plus the aliases real mailers use, and
//! where it cannot be trusted (none, unknown, ASCII with 8-bit bytes, UTF-8 that is not)
//! Mozilla's detector guesses. A guess beats a page of U+FFFD.

mod utf7;

use chardetng::{EncodingDetector, Iso2022JpDetection, Utf8Detection};
use encoding_rs::{
    BIG5, EUC_JP, EUC_KR, Encoding, GB18030, GBK, IBM866, ISO_2022_JP, KOI8_R, KOI8_U, MACINTOSH,
    REPLACEMENT, SHIFT_JIS, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_874, WINDOWS_1252, X_MAC_CYRILLIC,
    X_USER_DEFINED,
};

/// Decodes `bytes` declared as `declared` (a MIME charset label, may be None, unknown, or
/// lying). Never fails; never returns an error page's worth of U+FFFD when a better guess
/// exists.
pub fn decode(bytes: &[u8], declared: Option<&str>) -> String {
    // A byte order mark outranks the label, as it does in browsers: it is the stronger
    // evidence, and leaving it in would show a stray character.
    if let Some((encoding, bom)) = Encoding::for_bom(bytes) {
        return with(encoding, &bytes[bom..]);
    }
    match declared.and_then(charset) {
        Some(Charset::Known(encoding)) if encoding == UTF_8 => match std::str::from_utf8(bytes) {
            Ok(text) => text.to_owned(),
            Err(_) => guess(bytes),
        },
        Some(Charset::Known(encoding)) => with(encoding, bytes),
        Some(Charset::Utf7) if bytes.is_ascii() => utf7::decode(bytes),
        // A 7-bit label on 8-bit bytes is a lie, and no label tells nothing; on plain
        // ASCII the guess costs one validity check.
        Some(Charset::Ascii | Charset::Utf7) | None => guess(bytes),
    }
}

/// What a label tells us.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Charset {
    Known(&'static Encoding),
    /// US-ASCII and its many names. WHATWG maps them to windows-1252, but in mail 8-bit
    /// bytes under an ASCII label mean the sender did not know the charset.
    Ascii,
    Utf7,
}

/// Reads a charset label. `None` means unknown or not worth trusting.
fn charset(raw: &str) -> Option<Charset> {
    let label = raw
        .trim()
        .trim_matches(['"', '\''])
        .trim()
        .to_ascii_lowercase();
    let known = |encoding| Some(Charset::Known(encoding));
    match label.as_str() {
        "utf-7" | "utf7" | "unicode-1-1-utf-7" | "x-unicode-1-1-utf-7" | "csunicode11utf7" => {
            return Some(Charset::Utf7);
        }
        "us-ascii" | "ascii" | "us" | "ansi_x3.4-1968" | "ansi_x3.4-1986" | "iso646-us"
        | "iso-ir-6" | "iso_646.irv:1991" | "csascii" | "cp367" | "ibm367" | "646" => {
            return Some(Charset::Ascii);
        }
        "koi8r" => return known(KOI8_R),
        "koi8u" | "koi8-ru" => return known(KOI8_U),
        "ks_c_5601" | "ksc5601" | "ksc_5601" => return known(EUC_KR),
        "mac-cyrillic" | "maccyrillic" | "x-mac-ukrainian" => return known(X_MAC_CYRILLIC),
        "iso-2022-jp-1" | "iso-2022-jp-2" | "iso-2022-jp-3" => return known(ISO_2022_JP),
        _ => {}
    }
    let encoding = Encoding::for_label(label.as_bytes())
        .or_else(|| Encoding::for_label(label.replace('_', "-").as_bytes()))
        .or_else(|| code_page(&label))?;
    // The WHATWG "replacement" encoding turns a whole body into one U+FFFD, and
    // x-user-defined into private-use characters; in mail both mean "we do not know".
    if encoding == REPLACEMENT || encoding == X_USER_DEFINED {
        return None;
    }
    known(encoding)
}

/// Names built from a Windows or IBM code page number: cp1251, win-1251, x-cp1251,
/// windows1251, cp-866, ms936, …
fn code_page(label: &str) -> Option<&'static Encoding> {
    let label = label.strip_prefix("x-").unwrap_or(label);
    let digits = ["windows", "win", "cp", "ms", "ibm"]
        .iter()
        .find_map(|prefix| label.strip_prefix(prefix))?
        .trim_start_matches(['-', '_']);
    let number: u32 = digits.parse().ok()?;
    match number {
        1250..=1258 => Encoding::for_label(format!("windows-{number}").as_bytes()),
        28592..=28599 | 28603..=28606 => {
            Encoding::for_label(format!("iso-8859-{}", number - 28590).as_bytes())
        }
        28591 => Some(WINDOWS_1252),
        866 => Some(IBM866),
        874 => Some(WINDOWS_874),
        932 => Some(SHIFT_JIS),
        936 => Some(GBK),
        949 => Some(EUC_KR),
        950 => Some(BIG5),
        1200 => Some(UTF_16LE),
        1201 => Some(UTF_16BE),
        10000 => Some(MACINTOSH),
        10007 | 10017 => Some(X_MAC_CYRILLIC),
        20866 => Some(KOI8_R),
        21866 => Some(KOI8_U),
        20932 | 51932 => Some(EUC_JP),
        50220..=50222 => Some(ISO_2022_JP),
        54936 => Some(GB18030),
        65001 => Some(UTF_8),
        _ => None,
    }
}

/// Decodes in a chosen encoding. The BOM, if any, was dealt with already.
fn with(encoding: &'static Encoding, bytes: &[u8]) -> String {
    encoding.decode_without_bom_handling(bytes).0.into_owned()
}

/// Decodes bytes whose label cannot be trusted.
fn guess(bytes: &[u8]) -> String {
    const ESC: u8 = 0x1B;
    if let Ok(text) = std::str::from_utf8(bytes) {
        // ISO-2022-JP is 7-bit, hence valid UTF-8; its escapes give it away.
        if !bytes.contains(&ESC) {
            return text.to_owned();
        }
    }
    // UTF-8 with a stray byte or a cut-off last character is still UTF-8; a detector, which
    // needs valid UTF-8 to say so, would pick a legacy charset and garble every letter.
    if damaged_utf8(bytes) {
        return String::from_utf8_lossy(bytes).into_owned();
    }
    // Mail may be ISO-2022-JP (it cannot run scripts, the reason browsers refuse it).
    let mut detector = EncodingDetector::new(Iso2022JpDetection::Allow);
    detector.feed(bytes, true);
    with(detector.guess(None, Utf8Detection::Allow), bytes)
}

/// Whether `bytes` are UTF-8 with some damage: broken sequences exist but valid multi-byte
/// characters outnumber them four to one. Text in a legacy charset forms valid UTF-8 only
/// by accident, a few times a page at most.
fn damaged_utf8(bytes: &[u8]) -> bool {
    let (mut valid, mut broken) = (0usize, 0usize);
    let mut rest = bytes;
    loop {
        match std::str::from_utf8(rest) {
            Ok(text) => {
                valid += text.chars().filter(|c| !c.is_ascii()).count();
                break;
            }
            Err(error) => {
                let good = error.valid_up_to();
                valid += std::str::from_utf8(&rest[..good])
                    .map_or(0, |text| text.chars().filter(|c| !c.is_ascii()).count());
                broken += 1;
                let skip = error.error_len().unwrap_or(rest.len() - good);
                rest = &rest[good + skip..];
            }
        }
    }
    broken > 0 && valid >= 4 * broken
}

#[cfg(test)]
mod tests {
    use super::*;

    const RUSSIAN: &str = "Съешь же ещё этих мягких французских булок, да выпей же чаю. \
                           В чащах юга жил бы цитрус? Да, но фальшивый экземпляр!";

    fn encode(encoding: &'static Encoding, text: &str) -> Vec<u8> {
        let (bytes, _, unmappable) = encoding.encode(text);
        assert!(!unmappable, "{} cannot encode the sample", encoding.name());
        bytes.into_owned()
    }

    #[test]
    fn utf8_decodes_as_utf8() {
        assert_eq!(decode(RUSSIAN.as_bytes(), Some("UTF-8")), RUSSIAN);
        assert_eq!(decode(RUSSIAN.as_bytes(), Some("utf8")), RUSSIAN);
    }

    #[test]
    fn a_leading_bom_is_stripped() {
        let bytes = [b"\xEF\xBB\xBF".as_slice(), "Привет".as_bytes()].concat();
        assert_eq!(decode(&bytes, Some("utf-8")), "Привет");
        assert_eq!(decode(&bytes, Some("windows-1251")), "Привет");
        assert_eq!(decode(b"\xFF\xFEh\x00i\x00", None), "hi");
    }

    #[test]
    fn single_byte_cyrillic_charsets_decode_by_their_labels() {
        for (label, encoding) in [
            ("koi8-r", KOI8_R),
            ("KOI8R", KOI8_R),
            ("windows-1251", encoding_rs::WINDOWS_1251),
            ("cp1251", encoding_rs::WINDOWS_1251),
            ("win-1251", encoding_rs::WINDOWS_1251),
            ("x-cp1251", encoding_rs::WINDOWS_1251),
            ("iso-8859-5", encoding_rs::ISO_8859_5),
            ("cp866", IBM866),
            ("ibm866", IBM866),
            ("cp-866", IBM866),
            ("x-mac-cyrillic", X_MAC_CYRILLIC),
        ] {
            let bytes = encode(encoding, RUSSIAN);
            assert_eq!(decode(&bytes, Some(label)), RUSSIAN, "{label}");
        }
    }

    #[test]
    fn a_cyrillic_label_is_trusted_over_the_detector() {
        // Short KOI8-R text reads as plausible windows-1251 too; the label decides.
        let bytes = encode(KOI8_R, "Привет");
        assert_eq!(decode(&bytes, Some("koi8-r")), "Привет");
    }

    #[test]
    fn iso_8859_1_is_read_as_windows_1252() {
        assert_eq!(
            decode(b"caf\xE9 \x80 5", Some("ISO-8859-1")),
            "café € 5",
            "0x80 is the euro sign in what senders actually mean"
        );
        assert_eq!(decode(b"na\xefve", Some("latin1")), "naïve");
    }

    #[test]
    fn east_asian_charsets_decode_by_their_labels() {
        let chinese = "简体中文测试，这是一封邮件。";
        let japanese = "日本語のメールです。テスト、ありがとう。";
        let korean = "한국어 메일입니다.";
        let traditional = "繁體中文郵件測試。";
        for (label, encoding, text) in [
            ("gb2312", GBK, chinese),
            ("GBK", GBK, chinese),
            ("Shift_JIS", SHIFT_JIS, japanese),
            ("x-sjis", SHIFT_JIS, japanese),
            ("EUC-JP", EUC_JP, japanese),
            ("ISO-2022-JP", ISO_2022_JP, japanese),
            ("ks_c_5601-1987", EUC_KR, korean),
            ("Big5", BIG5, traditional),
        ] {
            let bytes = encode(encoding, text);
            assert_eq!(decode(&bytes, Some(label)), text, "{label}");
        }
    }

    #[test]
    fn iso_2022_jp_is_7_bit_and_still_decoded() {
        let bytes = encode(ISO_2022_JP, "日本語");
        assert!(bytes.is_ascii());
        assert_eq!(decode(&bytes, Some("iso-2022-jp")), "日本語");
        let text = "日本語のメールです。テスト、ありがとうございます。";
        assert_eq!(decode(&encode(ISO_2022_JP, text), None), text);
    }

    #[test]
    fn utf7_is_decoded_by_hand() {
        assert_eq!(
            decode(b"Hi Mom -+Jjo--!", Some("utf-7")),
            "Hi Mom -\u{263A}-!"
        );
        assert_eq!(
            decode(b"+BB8EQAQ4BDIENQRC-, +ZeVnLIqe-", Some("unicode-1-1-utf-7")),
            "Привет, 日本語"
        );
    }

    #[test]
    fn an_unknown_label_falls_back_to_detection() {
        let bytes = encode(encoding_rs::WINDOWS_1251, RUSSIAN);
        assert_eq!(decode(&bytes, Some("x-klingon")), RUSSIAN);
        assert_eq!(decode(&bytes, Some("x-user-defined")), RUSSIAN);
        assert_eq!(decode(&bytes, Some("")), RUSSIAN);
    }

    #[test]
    fn a_utf8_label_on_windows_1251_bytes_is_overruled() {
        let bytes = encode(encoding_rs::WINDOWS_1251, RUSSIAN);
        assert_eq!(decode(&bytes, Some("utf-8")), RUSSIAN);
    }

    #[test]
    fn an_ascii_label_on_8_bit_bytes_is_overruled() {
        let bytes = encode(encoding_rs::WINDOWS_1251, RUSSIAN);
        assert_eq!(decode(&bytes, Some("us-ascii")), RUSSIAN);
        assert_eq!(decode(&bytes, Some("ANSI_X3.4-1968")), RUSSIAN);
        assert_eq!(decode(b"plain", Some("us-ascii")), "plain");
    }

    #[test]
    fn koi8r_without_a_label_is_detected() {
        let bytes = encode(KOI8_R, RUSSIAN);
        assert_eq!(decode(&bytes, None), RUSSIAN);
    }

    #[test]
    fn shift_jis_without_a_label_is_detected() {
        let text = "日本語のメールです。テスト、ありがとうございます。";
        assert_eq!(decode(&encode(SHIFT_JIS, text), None), text);
    }

    #[test]
    fn utf8_with_a_stray_byte_stays_utf8() {
        let bytes = [RUSSIAN.as_bytes(), b"\xFF", "конец".as_bytes(), b"\xD0"].concat();
        let text = decode(&bytes, Some("utf-8"));
        assert!(text.starts_with(RUSSIAN), "{text}");
        assert!(text.contains("\u{FFFD}конец"), "{text}");
    }

    #[test]
    fn labels_that_mean_nothing_in_mail_do_not_blank_the_text() {
        // WHATWG maps these to the "replacement" encoding: one U+FFFD for the whole body.
        assert_eq!(decode(b"Hello", Some("iso-2022-kr")), "Hello");
        assert_eq!(decode(b"Hello", Some("hz-gb-2312")), "Hello");
    }

    #[test]
    fn code_page_names_map_to_encodings() {
        assert_eq!(
            charset("windows1251"),
            Some(Charset::Known(encoding_rs::WINDOWS_1251))
        );
        assert_eq!(charset("ms936"), Some(Charset::Known(GBK)));
        assert_eq!(charset("cp20866"), Some(Charset::Known(KOI8_R)));
        assert_eq!(charset("CP65001"), Some(Charset::Known(UTF_8)));
        assert_eq!(
            charset("\"iso_8859_5\""),
            Some(Charset::Known(encoding_rs::ISO_8859_5))
        );
        assert_eq!(charset("cp437"), None);
        assert_eq!(charset("cp"), None);
    }
}
