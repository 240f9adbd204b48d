//! Content-Transfer-Encoding: undoing base64 and quoted-printable on part bodies that arrive
//! in arbitrary chunks. Both decoders are hand-written state machines so that a chunk may end
//! anywhere — inside a `=XX` escape, between CR and LF, mid-quantum — and memory stays bounded
//! by the chunk, not the part. Like real mail clients they forgive rather than fail.
//!
//! Why no crate: mail-parser and `quoted_printable` decode a whole body held in memory, and
//! the base64 crate's streaming reader is strict (it stops at the stray characters and broken
//! quanta real mail has), while attachments stream here in 1 MB chunks and must still open.

/// How a part's body is encoded for transport.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// 7bit, 8bit, binary, and anything we do not know: the bytes are the content.
    Identity,
    Base64,
    QuotedPrintable,
}

impl Encoding {
    /// Reads a Content-Transfer-Encoding value. Unknown values (x-uuencode, typos) mean
    /// identity: showing the raw bytes beats showing nothing.
    pub fn parse(value: &str) -> Encoding {
        // Some mailers add a stray `;` or quotes; the token before them is what they meant.
        let token = value
            .trim()
            .split([';', ' ', '\t'])
            .next()
            .unwrap_or_default()
            .trim_matches('"');
        if token.eq_ignore_ascii_case("base64") {
            Encoding::Base64
        } else if token.eq_ignore_ascii_case("quoted-printable") {
            Encoding::QuotedPrintable
        } else {
            Encoding::Identity
        }
    }
}

/// Incremental decoder: input arrives in arbitrary chunks (e.g. 256 KiB slices of an IMAP
/// literal split at any byte, even inside a "=XX" escape, a CRLF, or a base64 quantum);
/// output must be identical to decoding the whole at once.
#[derive(Debug)]
pub struct Decoder {
    state: State,
}

#[derive(Debug)]
enum State {
    Identity,
    Base64(Base64),
    QuotedPrintable(QuotedPrintable),
}

impl Decoder {
    pub fn new(encoding: Encoding) -> Decoder {
        let state = match encoding {
            Encoding::Identity => State::Identity,
            Encoding::Base64 => State::Base64(Base64::default()),
            Encoding::QuotedPrintable => State::QuotedPrintable(QuotedPrintable::default()),
        };
        Decoder { state }
    }

    /// Decodes the next chunk, appending what it can to `out`; bytes whose meaning depends
    /// on what follows are held until the next call.
    pub fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) {
        match &mut self.state {
            State::Identity => out.extend_from_slice(input),
            State::Base64(b) => b.feed(input, out),
            State::QuotedPrintable(q) => q.feed(input, out),
        }
    }

    /// Ends the input, appending whatever the held bytes turn out to mean.
    pub fn finish(self, out: &mut Vec<u8>) {
        match self.state {
            State::Identity => {}
            State::Base64(b) => b.finish(out),
            State::QuotedPrintable(q) => q.finish(out),
        }
    }
}

/// Decodes a whole body at once.
pub fn decode_all(encoding: Encoding, input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(match encoding {
        Encoding::Base64 => input.len() / 4 * 3 + 3,
        _ => input.len(),
    });
    let mut decoder = Decoder::new(encoding);
    decoder.feed(input, &mut out);
    decoder.finish(&mut out);
    out
}

/// Base64 state: the sextets of the quantum in progress.
///
/// Line breaks, spaces and any byte outside the alphabet are skipped, as Thunderbird and
/// Python do. `=` closes the current quantum (emitting its whole bytes) and decoding carries
/// on afterwards, so bodies made of several separately padded blocks — some mailers encode
/// line by line — still decode completely.
#[derive(Debug, Default)]
struct Base64 {
    /// Sextets collected so far, packed high to low.
    bits: u32,
    /// How many sextets `bits` holds (0..=3).
    count: u8,
}

impl Base64 {
    fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) {
        for &byte in input {
            let value = SEXTET[byte as usize];
            if value < 64 {
                self.bits = (self.bits << 6) | u32::from(value);
                self.count += 1;
                if self.count == 4 {
                    let [_, a, b, c] = self.bits.to_be_bytes();
                    out.extend_from_slice(&[a, b, c]);
                    self.bits = 0;
                    self.count = 0;
                }
            } else if byte == b'=' {
                self.close(out);
            }
        }
    }

    /// Emits the whole bytes of a short quantum; a lone sextet holds none and is dropped.
    fn close(&mut self, out: &mut Vec<u8>) {
        match self.count {
            2 => out.push((self.bits >> 4) as u8),
            3 => {
                let v = self.bits >> 2;
                out.extend_from_slice(&[(v >> 8) as u8, v as u8]);
            }
            _ => {}
        }
        self.bits = 0;
        self.count = 0;
    }

    /// Missing padding is common (and harmless): the end of input closes the quantum.
    fn finish(mut self, out: &mut Vec<u8>) {
        self.close(out);
    }
}

/// The alphabet's values; 255 marks bytes to skip.
const SEXTET: [u8; 256] = {
    let mut table = [255u8; 256];
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut i = 0;
    while i < 64 {
        table[alphabet[i] as usize] = i as u8;
        i += 1;
    }
    table
};

/// Whitespace held back longer than this is let through even if a line end follows. It
/// bounds memory on a body that is one endless run of spaces; real mail never gets near it.
const MAX_HELD: usize = 1024;

/// Quoted-printable state.
///
/// RFC 2045 says whitespace at the end of a line was added in transport and must go, so
/// spaces and tabs are held until we see whether a line end or more text follows. Malformed
/// escapes (`=G1`, `= x`) are kept literally, as most clients do, rather than dropped.
#[derive(Debug, Default)]
struct QuotedPrintable {
    /// Where we are inside an escape or line ending.
    step: Step,
    /// Spaces and tabs not yet known to be trailing (after `=` in `Step::EqualsSpace`).
    held: Vec<u8>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Step {
    #[default]
    Text,
    /// Saw CR in text; a LF makes it a line end.
    Cr,
    /// Saw `=`.
    Equals,
    /// Saw `=` and one hex digit (its value).
    Hex(u8),
    /// Saw `=` then whitespace: a soft line break if the line ends here.
    EqualsSpace,
    /// Saw `=` (and maybe whitespace) then CR.
    EqualsCr,
}

impl QuotedPrintable {
    fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) {
        let mut rest = input;
        while let Some((&byte, tail)) = rest.split_first() {
            if self.step == Step::Text && self.held.is_empty() {
                // Fast path: copy the run of ordinary bytes in one go.
                let run = rest
                    .iter()
                    .position(|b| matches!(b, b'=' | b' ' | b'\t' | b'\r' | b'\n'))
                    .unwrap_or(rest.len());
                if run > 0 {
                    out.extend_from_slice(&rest[..run]);
                    rest = &rest[run..];
                    continue;
                }
            }
            self.step_on(byte, out);
            rest = tail;
        }
    }

    fn step_on(&mut self, byte: u8, out: &mut Vec<u8>) {
        match self.step {
            Step::Text => match byte {
                b' ' | b'\t' => self.hold(byte, out),
                b'\r' => self.step = Step::Cr,
                b'\n' => {
                    self.held.clear();
                    out.push(b'\n');
                }
                b'=' => {
                    out.append(&mut self.held);
                    self.step = Step::Equals;
                }
                _ => {
                    out.append(&mut self.held);
                    out.push(byte);
                }
            },
            Step::Cr => {
                self.step = Step::Text;
                if byte == b'\n' {
                    self.held.clear();
                    out.extend_from_slice(b"\r\n");
                } else {
                    // A bare CR is text, and so is the whitespace before it.
                    out.append(&mut self.held);
                    out.push(b'\r');
                    self.step_on(byte, out);
                }
            }
            Step::Equals => match byte {
                b'\n' => self.step = Step::Text,
                b'\r' => self.step = Step::EqualsCr,
                b' ' | b'\t' => {
                    self.held.push(byte);
                    self.step = Step::EqualsSpace;
                }
                _ => match hex(byte) {
                    Some(high) => self.step = Step::Hex(high),
                    None => self.literal(byte, out),
                },
            },
            Step::Hex(high) => match hex(byte) {
                Some(low) => {
                    out.push(high << 4 | low);
                    self.step = Step::Text;
                }
                None => {
                    out.extend_from_slice(&[b'=', HEX_DIGITS[usize::from(high)]]);
                    self.step = Step::Text;
                    self.step_on(byte, out);
                }
            },
            Step::EqualsSpace => match byte {
                b' ' | b'\t' if self.held.len() < MAX_HELD => self.held.push(byte),
                b'\n' => {
                    self.held.clear();
                    self.step = Step::Text;
                }
                b'\r' => self.step = Step::EqualsCr,
                _ => self.literal(byte, out),
            },
            Step::EqualsCr => {
                if byte == b'\n' {
                    self.held.clear();
                    self.step = Step::Text;
                } else {
                    self.literal(b'\r', out);
                    self.step_on(byte, out);
                }
            }
        }
    }

    /// The `=` (and whatever was held after it) turned out not to be an escape: keep it as
    /// text and read `byte` afresh.
    fn literal(&mut self, byte: u8, out: &mut Vec<u8>) {
        out.push(b'=');
        out.append(&mut self.held);
        self.step = Step::Text;
        self.step_on(byte, out);
    }

    fn hold(&mut self, byte: u8, out: &mut Vec<u8>) {
        if self.held.len() >= MAX_HELD {
            out.append(&mut self.held);
        }
        self.held.push(byte);
    }

    fn finish(self, out: &mut Vec<u8>) {
        match self.step {
            // Whitespace at the very end trails the last line, so it goes too.
            Step::Text => {}
            Step::Cr => {
                out.extend_from_slice(&self.held);
                out.push(b'\r');
            }
            // A final `=` is a soft line break with nothing after it (a common last line).
            Step::Equals | Step::EqualsSpace | Step::EqualsCr => {}
            Step::Hex(high) => out.extend_from_slice(&[b'=', HEX_DIGITS[usize::from(high)]]),
        }
    }
}

const HEX_DIGITS: &[u8; 16] = b"0123456789ABCDEF";

/// Lowercase is not allowed by RFC 2045 but is sent anyway, so it is accepted.
fn hex(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transfer_encoding_names_are_read_loosely() {
        assert_eq!(Encoding::parse("BASE64"), Encoding::Base64);
        assert_eq!(Encoding::parse("  base64\r\n"), Encoding::Base64);
        assert_eq!(
            Encoding::parse("\"Quoted-Printable\""),
            Encoding::QuotedPrintable
        );
        assert_eq!(
            Encoding::parse("quoted-printable;"),
            Encoding::QuotedPrintable
        );
        assert_eq!(Encoding::parse("7bit"), Encoding::Identity);
        assert_eq!(Encoding::parse("8BIT"), Encoding::Identity);
        assert_eq!(Encoding::parse("binary"), Encoding::Identity);
        assert_eq!(Encoding::parse("x-uuencode"), Encoding::Identity);
        assert_eq!(Encoding::parse(""), Encoding::Identity);
    }

    #[test]
    fn identity_passes_bytes_through() {
        assert_eq!(
            decode_all(Encoding::Identity, b"a=20b \r\n\xff"),
            b"a=20b \r\n\xff"
        );
    }

    #[test]
    fn base64_skips_line_breaks_and_junk() {
        let input = b"0J/RgNC4\r\n0LLQtdGC\n  !!*~\x00";
        assert_eq!(decode_all(Encoding::Base64, input), "Привет".as_bytes());
    }

    #[test]
    fn base64_without_padding_still_decodes_the_tail() {
        assert_eq!(decode_all(Encoding::Base64, b"YWJjZA"), b"abcd");
        assert_eq!(decode_all(Encoding::Base64, b"YWJjZGU"), b"abcde");
    }

    #[test]
    fn base64_padding_ends_a_block_and_the_next_block_decodes_too() {
        assert_eq!(decode_all(Encoding::Base64, b"YWJjZA==\r\n"), b"abcd");
        assert_eq!(decode_all(Encoding::Base64, b"YQ==\r\nYg==\r\n"), b"ab");
        assert_eq!(decode_all(Encoding::Base64, b"YWI=YWI="), b"abab");
    }

    #[test]
    fn base64_drops_a_lone_trailing_sextet() {
        assert_eq!(decode_all(Encoding::Base64, b"YWJjZ"), b"abc");
        assert_eq!(decode_all(Encoding::Base64, b"YWJjZ==="), b"abc");
    }

    #[test]
    fn base64_round_trips_every_byte_value() {
        use base64::Engine;
        let bytes: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
        let encoded = base64::engine::general_purpose::STANDARD.encode(&bytes);
        let wrapped: Vec<u8> = encoded
            .as_bytes()
            .chunks(76)
            .flat_map(|line| line.iter().copied().chain(*b"\r\n"))
            .collect();
        assert_eq!(decode_all(Encoding::Base64, &wrapped), bytes);
    }

    #[test]
    fn quoted_printable_decodes_escapes_in_either_case() {
        assert_eq!(
            decode_all(Encoding::QuotedPrintable, b"=D0=9F=d1=80=D0=B8 a=3Db"),
            "При a=b".as_bytes()
        );
    }

    #[test]
    fn quoted_printable_soft_breaks_join_lines() {
        assert_eq!(
            decode_all(Encoding::QuotedPrintable, b"long li=\r\nne and=\nmore\r\n"),
            b"long line andmore\r\n"
        );
    }

    #[test]
    fn quoted_printable_soft_breaks_forgive_whitespace_after_the_equals() {
        assert_eq!(
            decode_all(Encoding::QuotedPrintable, b"a= \t\r\nb=  \nc"),
            b"abc"
        );
    }

    #[test]
    fn quoted_printable_strips_whitespace_before_line_ends() {
        assert_eq!(
            decode_all(
                Encoding::QuotedPrintable,
                b"one \t \r\ntwo  \nthree=20 \r\nend  "
            ),
            b"one\r\ntwo\nthree \r\nend"
        );
    }

    #[test]
    fn quoted_printable_keeps_inner_whitespace() {
        assert_eq!(
            decode_all(Encoding::QuotedPrintable, b"a  b\tc"),
            b"a  b\tc"
        );
    }

    #[test]
    fn quoted_printable_keeps_malformed_escapes_literally() {
        assert_eq!(
            decode_all(Encoding::QuotedPrintable, b"100% =G1 =4 x ==41 = y"),
            b"100% =G1 =4 x =A = y"
        );
        assert_eq!(decode_all(Encoding::QuotedPrintable, b"tail=4"), b"tail=4");
        assert_eq!(decode_all(Encoding::QuotedPrintable, b"a=\rb"), b"a=\rb");
    }

    #[test]
    fn quoted_printable_treats_a_final_equals_as_a_soft_break() {
        assert_eq!(decode_all(Encoding::QuotedPrintable, b"end="), b"end");
        assert_eq!(decode_all(Encoding::QuotedPrintable, b"end= "), b"end");
    }

    #[test]
    fn quoted_printable_keeps_bare_carriage_returns() {
        assert_eq!(
            decode_all(Encoding::QuotedPrintable, b"a \rb\r"),
            b"a \rb\r"
        );
    }

    #[test]
    fn endless_whitespace_is_not_held_without_bound() {
        let mut decoder = Decoder::new(Encoding::QuotedPrintable);
        let mut out = Vec::new();
        decoder.feed(&vec![b' '; 10 * MAX_HELD], &mut out);
        assert!(out.len() >= 9 * MAX_HELD);
        decoder.finish(&mut out);
        assert!(out.len() < 10 * MAX_HELD);
    }

    /// Inputs that exercise every state of both decoders.
    fn tricky_inputs() -> Vec<(Encoding, Vec<u8>)> {
        vec![
            (
                Encoding::Base64,
                b"0J/RgNC4\r\n0LLQtdGC\r\nYQ==\r\nYg=\nYWJjZ".to_vec(),
            ),
            (Encoding::Base64, b" Y W J j\tZ A = = !YWJ".to_vec()),
            (
                Encoding::QuotedPrintable,
                b"=D0=9F=d1=80 \t\r\nsoft=\r\nbreak= \r\nx=\ny  \n=G1==41=4\r\r\n= z=\r=".to_vec(),
            ),
            (
                Encoding::QuotedPrintable,
                b"a \r b  \t\r\n\r\n=20 \r\n=".to_vec(),
            ),
            (Encoding::Identity, b"any\r\n=bytes".to_vec()),
        ]
    }

    #[test]
    fn splitting_the_input_at_any_byte_changes_nothing() {
        for (encoding, input) in tricky_inputs() {
            let whole = decode_all(encoding, &input);
            for i in 0..=input.len() {
                for j in i..=input.len() {
                    let mut decoder = Decoder::new(encoding);
                    let mut out = Vec::new();
                    decoder.feed(&input[..i], &mut out);
                    decoder.feed(&input[i..j], &mut out);
                    decoder.feed(&input[j..], &mut out);
                    decoder.finish(&mut out);
                    assert_eq!(out, whole, "{encoding:?} split at {i} and {j}");
                }
            }
        }
    }

    #[test]
    fn feeding_one_byte_at_a_time_changes_nothing() {
        for (encoding, input) in tricky_inputs() {
            let mut decoder = Decoder::new(encoding);
            let mut out = Vec::new();
            for byte in &input {
                decoder.feed(std::slice::from_ref(byte), &mut out);
            }
            decoder.finish(&mut out);
            assert_eq!(out, decode_all(encoding, &input), "{encoding:?}");
        }
    }
}
