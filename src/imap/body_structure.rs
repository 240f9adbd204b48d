//! From the server's words to Posta's own types: a FETCH's BODYSTRUCTURE becomes a
//! [`Part`] tree numbered as IMAP numbers parts, and ENVELOPE addresses become names and
//! addresses. This is the one place that reads `imap_proto`'s structure types, so `message`
//! (which plans what a person sees from the tree) never learns what IMAP is.

use async_imap::imap_proto::{self, BodyStructure};

use crate::message::headers::{Person, decode_words};
use crate::message::structure::{Body, Envelope, Part, PartPath};
use crate::message::transfer::Encoding;

/// Builds the tree from a BODYSTRUCTURE, numbering parts as IMAP does: a single-part
/// message is part 1; children of a multipart are 1, 2, … below it; the body of an
/// encapsulated message at `P` is `P.1` when single-part, or numbered from `P` when
/// multipart.
///
/// The tree is at most [`PartPath::MAX_DEPTH`] levels deep: a multipart or forwarded message
/// at that depth becomes a leaf, offered for download whole. The vendored imap-proto already
/// refuses deeper answers, but the walks over the tree in `message::structure` recurse once
/// per level, so the tree is bounded where it is made rather than by whichever parser read
/// it; parts that deep have no part number Posta accepts anyway.
pub fn to_part(structure: &BodyStructure<'_>) -> Part {
    match structure {
        BodyStructure::Multipart { .. } => convert(structure, PartPath::default(), 0),
        _ => convert(structure, PartPath::default().child(1), 0),
    }
}

/// `(display name, address)` of an ENVELOPE address, names RFC 2047-decoded.
pub fn address_parts(a: &imap_proto::Address<'_>) -> (String, String) {
    let name = a.name.as_deref().map(decode_words).unwrap_or_default();
    let mailbox = a.mailbox.as_deref().map(String::from_utf8_lossy);
    let host = a.host.as_deref().map(String::from_utf8_lossy);
    let address = match (mailbox, host) {
        (Some(m), Some(h)) => format!("{m}@{h}"),
        (Some(m), None) => m.into_owned(),
        _ => String::new(),
    };
    (name, address)
}

fn lower(s: &str) -> String {
    s.trim().to_ascii_lowercase()
}

fn raw_params(params: &imap_proto::BodyParams<'_>) -> Vec<(Vec<u8>, Vec<u8>)> {
    params
        .iter()
        .flatten()
        .map(|(k, v)| (k.as_bytes().to_vec(), v.as_bytes().to_vec()))
        .collect()
}

fn convert(structure: &BodyStructure<'_>, path: PartPath, depth: usize) -> Part {
    let (common, single) = match structure {
        BodyStructure::Basic { common, other, .. }
        | BodyStructure::Text { common, other, .. }
        | BodyStructure::Message { common, other, .. } => (common, Some(other)),
        BodyStructure::Multipart { common, .. } => (common, None),
    };
    let mime = format!("{}/{}", lower(&common.ty.ty), lower(&common.ty.subtype));
    let body = match structure {
        BodyStructure::Basic { .. } | BodyStructure::Text { .. } => Body::Leaf,
        _ if depth >= PartPath::MAX_DEPTH => Body::Leaf,
        BodyStructure::Multipart { bodies, .. } => Body::Multipart(
            bodies
                .iter()
                .zip(1..)
                .map(|(child, n)| convert(child, path.child(n), depth + 1))
                .collect(),
        ),
        BodyStructure::Message { envelope, body, .. } => {
            let inner_path = if matches!(**body, BodyStructure::Multipart { .. }) {
                path.clone()
            } else {
                path.child(1)
            };
            Body::Message {
                envelope: Box::new(envelope_of(envelope)),
                inner: Box::new(convert(body, inner_path, depth + 1)),
            }
        }
    };
    Part {
        path,
        mime,
        params: raw_params(&common.ty.params),
        disposition: common.disposition.as_ref().map(|d| lower(&d.ty)),
        disposition_params: common
            .disposition
            .as_ref()
            .map(|d| raw_params(&d.params))
            .unwrap_or_default(),
        content_id: single
            .and_then(|s| s.id.as_deref())
            .map(|id| {
                id.trim()
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_owned()
            })
            .filter(|id| !id.is_empty()),
        encoding: single.map_or(Encoding::Identity, |s| encoding_of(&s.transfer_encoding)),
        octets: single.map_or(0, |s| s.octets),
        body,
    }
}

fn encoding_of(encoding: &imap_proto::ContentEncoding<'_>) -> Encoding {
    use imap_proto::ContentEncoding as E;
    match encoding {
        E::Base64 => Encoding::Base64,
        E::QuotedPrintable => Encoding::QuotedPrintable,
        E::SevenBit | E::EightBit | E::Binary => Encoding::Identity,
        E::Other(name) => Encoding::parse(name),
    }
}

fn envelope_of(e: &imap_proto::Envelope<'_>) -> Envelope {
    let people = |list: &Option<Vec<imap_proto::Address<'_>>>| -> Vec<Person> {
        list.iter()
            .flatten()
            .map(address_parts)
            .filter(|(name, address)| !name.is_empty() || !address.is_empty())
            .map(|(name, address)| Person { name, address })
            .collect()
    };
    Envelope {
        subject: e.subject.as_deref().map(decode_words).unwrap_or_default(),
        from: people(&e.from),
        to: people(&e.to),
        cc: people(&e.cc),
        date: e
            .date
            .as_deref()
            .map(|d| String::from_utf8_lossy(d).trim().to_owned()),
    }
}

#[cfg(test)]
mod tests;
