//! Building the MIME message with lettre: UTF-8 text in quoted-printable, an HTML alternative
//! made from the text (escaped, links and quotes kept), attachments in base64 with RFC 2231
//! names, a forwarded original as `message/rfc822`, RFC 2047 headers, Message-ID and Date.
//! Every header value comes from a parsed type or is stripped of control characters, so no
//! field can start a header of its own.

use std::time::SystemTime;

use lettre::address::Envelope;
use lettre::message::header::{
    self, ContentTransferEncoding, ContentType, HeaderName, HeaderValue,
};
use lettre::message::{Attachment, Body, Mailbox, MultiPart, SinglePart};

/// A file that goes with the message.
#[derive(Clone, Debug)]
pub struct Upload {
    pub name: String,
    /// `type/subtype` as the browser (or the original message) said; checked when building.
    pub mime: String,
    pub bytes: bytes::Bytes,
}

impl Upload {
    pub fn is_message(&self) -> bool {
        self.mime.eq_ignore_ascii_case("message/rfc822")
    }
}

/// Everything a message is made of.
#[derive(Clone, Debug)]
pub struct Outgoing {
    pub from: Mailbox,
    pub to: Vec<Mailbox>,
    pub cc: Vec<Mailbox>,
    pub bcc: Vec<Mailbox>,
    pub subject: String,
    pub body: String,
    /// Message-IDs with angle brackets, checked by [`super::reply::message_id`].
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    pub attachments: Vec<Upload>,
    /// Extra headers only drafts carry (what Posta needs to resume them), name and value.
    pub draft_headers: Vec<(&'static str, String)>,
}

/// A message ready to go: the bytes for SMTP (no `Bcc`), the bytes for Sent and Drafts
/// (with `Bcc`, so the sender still sees whom they copied), and the SMTP envelope.
pub struct Built {
    pub wire: Vec<u8>,
    pub copy: Vec<u8>,
    /// `None` when the message has no recipients (a draft).
    pub envelope: Option<Envelope>,
    pub message_id: String,
}

/// A fresh Message-ID under the sender's domain: `<random@domain>`.
pub fn new_message_id(domain: &str) -> String {
    let token = crate::token::random_token();
    let domain = if domain.is_empty() || !domain.is_ascii() {
        "posta.invalid"
    } else {
        domain
    };
    format!("<{}@{domain}>", &token[..24])
}

/// Removes what must never reach a header: line breaks and other control characters.
pub fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_owned()
}

/// Builds the message.
pub fn build(outgoing: &Outgoing, message_id: &str, date: SystemTime) -> anyhow::Result<Built> {
    let mut builder = lettre::Message::builder()
        .from(outgoing.from.clone())
        .subject(one_line(&outgoing.subject))
        .date(date)
        .message_id(Some(message_id.to_owned()))
        .user_agent("Posta".to_owned())
        .keep_bcc();
    for m in &outgoing.to {
        builder = builder.to(m.clone());
    }
    for m in &outgoing.cc {
        builder = builder.cc(m.clone());
    }
    for m in &outgoing.bcc {
        builder = builder.bcc(m.clone());
    }
    if let Some(id) = &outgoing.in_reply_to {
        builder = builder.in_reply_to(id.clone());
    }
    if !outgoing.references.is_empty() {
        builder = builder.references(outgoing.references.join(" "));
    }
    for (name, value) in &outgoing.draft_headers {
        builder = builder.raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str(name),
            one_line(value),
        ));
    }
    let recipients = outgoing.to.len() + outgoing.cc.len() + outgoing.bcc.len();
    let envelope = if recipients == 0 {
        // lettre insists on an envelope; a draft never travels, so it is addressed to its writer.
        let from = outgoing.from.email.clone();
        let envelope = Envelope::new(Some(from.clone()), vec![from])?;
        builder = builder.envelope(envelope);
        None
    } else {
        Some(())
    };

    let text = body_text(&outgoing.body);
    let alternative = MultiPart::alternative()
        .singlepart(
            SinglePart::builder().header(ContentType::TEXT_PLAIN).body(
                Body::new_with_encoding(text.clone(), ContentTransferEncoding::QuotedPrintable)
                    .map_err(|_| anyhow::anyhow!("quoted-printable refused the text"))?,
            ),
        )
        .singlepart(
            SinglePart::builder().header(ContentType::TEXT_HTML).body(
                Body::new_with_encoding(html_of(&text), ContentTransferEncoding::QuotedPrintable)
                    .map_err(|_| anyhow::anyhow!("quoted-printable refused the text"))?,
            ),
        );
    let mut message = if outgoing.attachments.is_empty() {
        builder.multipart(alternative)?
    } else {
        let mut mixed = MultiPart::mixed().multipart(alternative);
        for upload in &outgoing.attachments {
            mixed = mixed.singlepart(attachment_part(upload));
        }
        builder.multipart(mixed)?
    };
    let copy = message.formatted();
    let envelope = envelope.map(|()| message.envelope().clone());
    message.headers_mut().remove::<header::Bcc>();
    Ok(Built {
        wire: message.formatted(),
        copy,
        envelope,
        message_id: message_id.to_owned(),
    })
}

/// The body as sent: line ends normalised (lettre writes CRLF), trailing blank lines dropped.
fn body_text(body: &str) -> String {
    let text = body.replace("\r\n", "\n").replace('\r', "\n");
    let mut text = text.trim_end_matches('\n').to_owned();
    text.push('\n');
    text
}

/// The HTML alternative: the text escaped, links made clickable, quotes set off — the
/// same rendering the reading page gives plain text.
pub fn html_of(text: &str) -> String {
    format!(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"></head>\n<body><div style=\"white-space: pre-wrap; font-family: sans-serif\">{}</div></body></html>\n",
        crate::message::text::to_html(text)
    )
}

fn attachment_part(upload: &Upload) -> SinglePart {
    if upload.is_message() {
        // RFC 2046 §5.2.1: message/rfc822 is never base64; 8bit carries any original.
        let encoding = if upload.bytes.is_ascii() {
            ContentTransferEncoding::SevenBit
        } else {
            ContentTransferEncoding::EightBit
        };
        let name = one_line(&upload.name);
        return SinglePart::builder()
            .header(ContentType::parse("message/rfc822").expect("a valid type"))
            .header(header::ContentDisposition::attachment(&name))
            .body(Body::dangerous_pre_encoded(crlf(&upload.bytes), encoding));
    }
    let mime = ContentType::parse(&upload.mime)
        .ok()
        .filter(|_| upload.mime.is_ascii() && !upload.mime.contains(char::is_control))
        .unwrap_or_else(|| ContentType::parse("application/octet-stream").expect("a valid type"));
    Attachment::new(one_line(&upload.name)).body(
        Body::new_with_encoding(upload.bytes.to_vec(), ContentTransferEncoding::Base64)
            .expect("base64 carries anything"),
        mime,
    )
}

/// An embedded message with CRLF line ends, whatever the original had.
fn crlf(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 40);
    let mut previous = 0u8;
    for &b in bytes {
        if b == b'\n' && previous != b'\r' {
            out.push(b'\r');
        }
        out.push(b);
        previous = b;
    }
    if !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::compose::addresses::parse_list;
    use mail_parser::{MessageParser, MimeHeaders};

    fn outgoing() -> Outgoing {
        Outgoing {
            from: "Алиса Тестова <alice@posta.test>".parse().unwrap(),
            to: parse_list("\"Doe, Jane\" <jane@x.org>, bob@x.org").unwrap(),
            cc: parse_list("Иван <ivan@x.ru>").unwrap(),
            bcc: parse_list("secret@x.org").unwrap(),
            subject: "Привет, Bob\r\nBcc: evil@x.org".into(),
            body: "Строка один\r\n-- \r\nAlice\r\n".into(),
            in_reply_to: Some("<a@x>".into()),
            references: vec!["<0@x>".into(), "<a@x>".into()],
            attachments: vec![Upload {
                name: "отчёт \"Q1\".pdf".into(),
                mime: "application/pdf".into(),
                bytes: bytes::Bytes::from_static(b"%PDF-1.4 \x00\xff"),
            }],
            draft_headers: Vec::new(),
        }
    }

    #[test]
    fn a_message_reads_back_as_written() {
        let built = build(&outgoing(), "<id1@posta.test>", SystemTime::now()).unwrap();
        let parsed = MessageParser::default().parse(&built.wire).unwrap();
        assert_eq!(parsed.subject(), Some("Привет, Bob  Bcc: evil@x.org"));
        assert_eq!(parsed.message_id(), Some("id1@posta.test"));
        let from = parsed.from().unwrap().first().unwrap();
        assert_eq!(from.name(), Some("Алиса Тестова"));
        let to: Vec<_> = parsed.to().unwrap().iter().map(|a| a.name()).collect();
        assert_eq!(to, vec![Some("Doe, Jane"), None]);
        assert_eq!(
            parsed.body_text(0).unwrap(),
            "Строка один\r\n-- \r\nAlice\r\n"
        );
        assert!(parsed.body_html(0).unwrap().contains("Строка один"));
        let attachment = parsed.attachment(0).unwrap();
        assert_eq!(attachment.attachment_name(), Some("отчёт \"Q1\".pdf"));
        assert_eq!(attachment.contents(), b"%PDF-1.4 \x00\xff");
        assert_eq!(parsed.in_reply_to().as_text(), Some("a@x"));
    }

    #[test]
    fn bcc_is_in_the_envelope_and_the_copy_but_not_on_the_wire() {
        let built = build(&outgoing(), "<id2@posta.test>", SystemTime::now()).unwrap();
        let wire = String::from_utf8_lossy(&built.wire);
        let copy = String::from_utf8_lossy(&built.copy);
        assert!(!wire.contains("secret@x.org"));
        assert!(copy.contains("Bcc: secret@x.org"));
        let to: Vec<String> = built
            .envelope
            .unwrap()
            .to()
            .iter()
            .map(|a| a.to_string())
            .collect();
        assert!(to.contains(&"secret@x.org".to_owned()));
        assert_eq!(to.len(), 4);
    }

    #[test]
    fn no_header_line_comes_from_a_field() {
        let built = build(&outgoing(), "<id3@posta.test>", SystemTime::now()).unwrap();
        let wire = String::from_utf8_lossy(&built.wire);
        assert!(!wire.lines().any(|l| l.starts_with("Bcc:")));
        // Only the builder's own header names start lines of the header block.
        let head = wire.split("\r\n\r\n").next().unwrap();
        for line in head.lines().filter(|l| !l.starts_with([' ', '\t'])) {
            let name = line.split(':').next().unwrap();
            assert!(
                [
                    "From",
                    "Subject",
                    "Date",
                    "Message-ID",
                    "User-Agent",
                    "To",
                    "Cc",
                    "In-Reply-To",
                    "References",
                    "MIME-Version",
                    "Content-Type"
                ]
                .contains(&name),
                "unexpected header {name}"
            );
        }
    }

    #[test]
    fn a_forwarded_original_travels_as_message_rfc822() {
        let mut o = outgoing();
        o.attachments = vec![Upload {
            name: "Lunch.eml".into(),
            mime: "message/rfc822".into(),
            bytes: bytes::Bytes::from_static(b"Subject: Lunch\nFrom: b@x.org\n\nSee you\n"),
        }];
        let built = build(&o, "<id4@posta.test>", SystemTime::now()).unwrap();
        let parsed = MessageParser::default().parse(&built.wire).unwrap();
        let inner = parsed.attachment(0).unwrap().message().unwrap();
        assert_eq!(inner.subject(), Some("Lunch"));
        assert_eq!(inner.body_text(0).unwrap().trim(), "See you");
    }

    #[test]
    fn a_draft_without_recipients_builds() {
        let mut o = outgoing();
        o.to.clear();
        o.cc.clear();
        o.bcc.clear();
        o.draft_headers = vec![("X-Posta-Origin", "reply INBOX 7\r\nX: y".into())];
        let built = build(&o, "<id5@posta.test>", SystemTime::now()).unwrap();
        assert!(built.envelope.is_none());
        assert!(
            String::from_utf8_lossy(&built.copy).contains("X-Posta-Origin: reply INBOX 7  X: y")
        );
    }
}
