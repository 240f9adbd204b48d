//! Modified UTF-7 (RFC 3501 §5.1.3), the encoding IMAP uses for mailbox names:
//! «Работа» travels as `&BCAEMAQxBD4EQgQw-`.
//!
//! Why no crate: the base64 crate already in the tree has the alphabet (`IMAP_MUTF7`, used
//! below); what is left (shifting in and out of `&…-`, and keeping a malformed name exactly as
//! sent so it still round-trips) is a few lines that no extra dependency would save.

use base64::Engine;
use base64::alphabet::IMAP_MUTF7;
use base64::engine::general_purpose::{GeneralPurpose, NO_PAD};

const B64: GeneralPurpose = GeneralPurpose::new(&IMAP_MUTF7, NO_PAD);

/// Decodes a mailbox name as the server sent it. Malformed sequences are kept as they are,
/// so a server's odd name still shows and still round-trips.
pub fn decode(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut rest = name;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let Some(dash) = after.find('-') else {
            out.push_str(&rest[amp..]);
            return out;
        };
        let chunk = &after[..dash];
        if chunk.is_empty() {
            out.push('&');
        } else {
            match decode_chunk(chunk) {
                Some(text) => out.push_str(&text),
                None => out.push_str(&rest[amp..amp + 2 + dash]),
            }
        }
        rest = &after[dash + 1..];
    }
    out.push_str(rest);
    out
}

fn decode_chunk(chunk: &str) -> Option<String> {
    let bytes = B64.decode(chunk).ok()?;
    if bytes.len() % 2 != 0 {
        return None;
    }
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|p| u16::from_be_bytes([p[0], p[1]]))
        .collect();
    String::from_utf16(&units).ok()
}

/// Encodes a mailbox name for the wire.
pub fn encode(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut pending: Vec<u16> = Vec::new();
    let flush = |pending: &mut Vec<u16>, out: &mut String| {
        if pending.is_empty() {
            return;
        }
        let bytes: Vec<u8> = pending.iter().flat_map(|u| u.to_be_bytes()).collect();
        out.push('&');
        out.push_str(&B64.encode(bytes));
        out.push('-');
        pending.clear();
    };
    for c in name.chars() {
        if (' '..='~').contains(&c) {
            flush(&mut pending, &mut out);
            if c == '&' {
                out.push_str("&-");
            } else {
                out.push(c);
            }
        } else {
            let mut buf = [0u16; 2];
            pending.extend_from_slice(c.encode_utf16(&mut buf));
        }
    }
    flush(&mut pending, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cyrillic_names_decode() {
        assert_eq!(decode("&BCAEMAQxBD4EQgQw-"), "Работа");
        assert_eq!(decode("&BBAEQARFBDgEMg-/2024"), "Архив/2024");
    }

    #[test]
    fn ampersand_round_trips() {
        assert_eq!(decode("R&-D"), "R&D");
        assert_eq!(encode("R&D"), "R&-D");
    }

    #[test]
    fn encoding_is_the_inverse_of_decoding() {
        for name in [
            "INBOX",
            "Работа",
            "Projects/Rust",
            "Архив/2024",
            "日本語 メール",
            "a&b/Ü",
        ] {
            assert_eq!(decode(&encode(name)), name, "{name}");
        }
        assert_eq!(encode("Работа"), "&BCAEMAQxBD4EQgQw-");
    }

    #[test]
    fn malformed_names_are_kept() {
        assert_eq!(decode("broken&AAA"), "broken&AAA");
        assert_eq!(decode("odd&!!!-name"), "odd&!!!-name");
    }
}
