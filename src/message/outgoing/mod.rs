//! Writing mail: address fields as people type them, replies and forwards (subjects,
//! recipients, quoting, threading headers), HTML mail as text for quoting, and building the
//! MIME message. Plain functions, no HTTP, no IMAP, no SMTP.

pub mod addresses;
pub mod build;
pub mod html_text;
pub mod reply;

use mail_parser::{HeaderValue, MessageParser};

use super::headers;
use reply::Original;

/// What a reply or forward needs of a message, from its header block and its text.
pub fn original(header: &[u8], text: String) -> Original {
    let head = headers::parse(header);
    let parsed = MessageParser::default().parse_headers(header);
    let ids = |value: Option<&HeaderValue>| -> Vec<String> {
        match value {
            Some(HeaderValue::Text(id)) => vec![format!("<{id}>")],
            Some(HeaderValue::TextList(ids)) => ids.iter().map(|id| format!("<{id}>")).collect(),
            _ => Vec::new(),
        }
    };
    let (message_id, references, reply_to) = match &parsed {
        Some(m) => (
            m.message_id().map(|id| format!("<{id}>")),
            ids(Some(m.references())),
            headers::people(m.reply_to()),
        ),
        None => (None, Vec::new(), Vec::new()),
    };
    Original {
        from: head.from,
        reply_to,
        to: head.to,
        cc: head.cc,
        subject: head.subject,
        date: head.date,
        message_id,
        references,
        text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threading_headers_and_reply_to_are_read() {
        let o = original(
            b"From: Bob <bob@x.org>\r\nReply-To: list@x.org\r\nMessage-ID: <m3@x.org>\r\nReferences: <m1@x.org>\r\n <m2@x.org>\r\nSubject: Re: Lunch\r\n\r\n",
            "text".into(),
        );
        assert_eq!(o.message_id.as_deref(), Some("<m3@x.org>"));
        assert_eq!(o.references, vec!["<m1@x.org>", "<m2@x.org>"]);
        assert_eq!(o.reply_to[0].address, "list@x.org");
        assert_eq!(o.from[0].name, "Bob");
        assert_eq!(
            reply::references(&o),
            vec!["<m1@x.org>", "<m2@x.org>", "<m3@x.org>"]
        );
    }
}
