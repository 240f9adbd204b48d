//! UTF-7 (RFC 2152), which encoding_rs leaves out because the Web banned it, but which old
//! Outlook and some mobile clients still send. Mail needs only decoding.
//!
//! Why not mail-parser's decoder (0.11, reachable as `decoders::charsets::map::
//! charset_decoder(b"utf-7")`): it loses text the RFC says is there. It drops the character
//! that implicitly ends a base64 run (RFC 2152's own `A+ImIDkQ.` loses its `.`), keeps `+-`
//! as `+-` instead of the plus sign it stands for, and drops a trailing `+` and a base64 run
//! that reaches the end of the input. The tests below pin each of these.

/// Decodes UTF-7. Anything ill-formed is kept or replaced rather than rejected: a stray `+`
/// stays a `+`, an unpaired surrogate becomes U+FFFD, and so does a non-ASCII byte.
pub(super) fn decode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        i += 1;
        if byte != b'+' {
            out.push(if byte.is_ascii() {
                char::from(byte)
            } else {
                '\u{FFFD}'
            });
            continue;
        }
        let start = i;
        let mut bits: u32 = 0;
        let mut count = 0;
        let mut units = Vec::new();
        while let Some(value) = bytes.get(i).and_then(|&b| sextet(b)) {
            bits = (bits << 6) | u32::from(value);
            count += 6;
            if count >= 16 {
                count -= 16;
                units.push((bits >> count) as u16);
                bits &= (1 << count) - 1;
            }
            i += 1;
        }
        let explicit_end = bytes.get(i) == Some(&b'-');
        if i == start && !explicit_end {
            out.push('+');
            continue;
        }
        if i == start {
            out.push('+'); // "+-" is the escaped plus sign.
        }
        out.extend(char::decode_utf16(units).map(|c| c.unwrap_or('\u{FFFD}')));
        if explicit_end {
            i += 1;
        }
    }
    out
}

/// The standard base64 alphabet, without padding (RFC 2152 forbids it).
fn sextet(byte: u8) -> Option<u8> {
    match byte {
        b'A'..=b'Z' => Some(byte - b'A'),
        b'a'..=b'z' => Some(byte - b'a' + 26),
        b'0'..=b'9' => Some(byte - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rfc_2152_examples_decode() {
        assert_eq!(decode(b"A+ImIDkQ."), "A\u{2262}\u{391}.");
        assert_eq!(decode(b"Hi Mom -+Jjo--!"), "Hi Mom -\u{263A}-!");
        assert_eq!(decode(b"+ZeVnLIqe-"), "日本語");
    }

    #[test]
    fn plus_minus_is_a_plus_sign() {
        assert_eq!(decode(b"1 +- 1 = 2"), "1 + 1 = 2");
    }

    #[test]
    fn a_stray_plus_is_kept() {
        assert_eq!(decode(b"a + b"), "a + b");
        assert_eq!(decode(b"end+"), "end+");
    }

    #[test]
    fn a_base64_run_may_end_with_the_input() {
        assert_eq!(decode(b"+ZeVnLIqe"), "日本語");
    }

    #[test]
    fn surrogate_pairs_join_and_strays_are_replaced() {
        // U+1F600 is D83D DE00.
        assert_eq!(decode(b"+2D3eAA-"), "\u{1F600}");
        assert_eq!(decode(b"+2D0-x"), "\u{FFFD}x");
    }
}
