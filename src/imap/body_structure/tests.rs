//! The structure tree and the view plan, from BODYSTRUCTUREs written as servers send them.

use async_imap::imap_proto::{AttributeValue, Response};

use super::*;
use crate::message::structure::{Block, Prefer, TextKind, has_attachments, plan, texts};

/// Parses the BODYSTRUCTURE of a FETCH response line and builds Posta's tree.
fn tree(body: &str) -> Part {
    let line = format!("* 1 FETCH (BODYSTRUCTURE {body})\r\n");
    let (_, response) = Response::parse(line.as_bytes()).expect("valid FETCH response");
    match response {
        Response::Fetch(_, attrs) => attrs
            .iter()
            .find_map(|a| match a {
                AttributeValue::BodyStructure(b) => Some(to_part(b)),
                _ => None,
            })
            .expect("has a BODYSTRUCTURE"),
        other => panic!("not a FETCH: {other:?}"),
    }
}

fn path(p: &str) -> PartPath {
    PartPath::parse(p).unwrap()
}

const PLAIN: &str = r#"("text" "plain" ("charset" "utf-8") NIL NIL "7bit" 12 1 NIL NIL NIL NIL)"#;
const HTML: &str =
    r#"("text" "html" ("charset" "utf-8") NIL NIL "quoted-printable" 30 1 NIL NIL NIL NIL)"#;
const PDF: &str = r#"("application" "pdf" ("name" "r.pdf") NIL NIL "base64" 7800 NIL ("attachment" ("filename" "report.pdf")) NIL NIL)"#;
const LOGO: &str =
    r#"("image" "png" ("name" "logo.png") "<logo@x>" NIL "base64" 780 NIL ("inline" NIL) NIL NIL)"#;
const ENVELOPE: &str = r#"("Mon, 1 Jan 2024 00:00:00 +0000" "=?UTF-8?B?0J/RgNC40LLQtdGC?=" (("Ann" NIL "ann" "x.org")) (("Ann" NIL "ann" "x.org")) (("Ann" NIL "ann" "x.org")) (("Bob" NIL "bob" "y.org")) NIL NIL NIL "<id@x>")"#;

fn alternative(a: &str, b: &str) -> String {
    format!(r#"({a}{b} "alternative" ("boundary" "b") NIL NIL NIL)"#)
}

fn mixed(parts: &[&str]) -> String {
    format!(
        r#"({} "mixed" ("boundary" "m") NIL NIL NIL)"#,
        parts.concat()
    )
}

fn text(path_: &str, kind: TextKind) -> Block {
    Block::Text {
        path: path(path_),
        kind,
    }
}

#[test]
fn a_single_part_message_is_part_one() {
    let t = tree(PLAIN);
    assert_eq!(t.path, path("1"));
    assert_eq!(
        plan(&t, Prefer::Html).blocks,
        vec![text("1", TextKind::Plain)]
    );
}

#[test]
fn alternative_shows_html_by_default_and_plain_on_request() {
    let t = tree(&alternative(PLAIN, HTML));
    let html = plan(&t, Prefer::Html);
    assert_eq!(html.blocks, vec![text("2", TextKind::Html)]);
    assert!(html.has_alternative);
    assert_eq!(
        plan(&t, Prefer::Plain).blocks,
        vec![text("1", TextKind::Plain)]
    );
}

#[test]
fn related_html_with_inline_images_counts_as_the_html_alternative() {
    let related = format!(r#"({HTML}{LOGO} "related" ("boundary" "r") NIL NIL NIL)"#);
    let t = tree(&mixed(&[&alternative(PLAIN, &related), PDF]));
    let view = plan(&t, Prefer::Html);
    assert_eq!(view.blocks, vec![text("1.2.1", TextKind::Html)]);
    assert_eq!(
        view.attachments.len(),
        1,
        "the inline logo is not an attachment"
    );
    assert_eq!(view.attachments[0].path, path("2"));
    assert_eq!(view.attachments[0].name, "report.pdf");
    assert_eq!(view.attachments[0].size, 5700);
    assert_eq!(t.by_content_id("logo@x").unwrap().path, path("1.2.2"));
}

#[test]
fn a_forwarded_message_is_shown_inside_with_its_own_parts() {
    let inner = mixed(&[PLAIN, PDF]);
    let forwarded = format!(
        r#"("message" "rfc822" NIL NIL NIL "7bit" 9000 {ENVELOPE} {inner} 80 NIL NIL NIL NIL)"#
    );
    let t = tree(&mixed(&[PLAIN, &forwarded]));
    let view = plan(&t, Prefer::Html);
    assert_eq!(view.blocks[0], text("1", TextKind::Plain));
    let Block::Message {
        path: p,
        envelope,
        view: inner,
    } = &view.blocks[1]
    else {
        panic!("{:?}", view.blocks)
    };
    assert_eq!(p, &path("2"));
    assert_eq!(envelope.subject, "Привет");
    assert_eq!(envelope.from[0].name, "Ann");
    assert_eq!(envelope.to[0].address, "bob@y.org");
    assert_eq!(inner.blocks, vec![text("2.1", TextKind::Plain)]);
    assert_eq!(inner.attachments[0].path, path("2.2"));
    assert_eq!(view.attachments[0].name, "Привет.eml");
    assert_eq!(texts(&view).len(), 2);
}

#[test]
fn a_forwarded_single_part_message_has_its_text_at_p_1() {
    let forwarded = format!(
        r#"("message" "rfc822" NIL NIL NIL "7bit" 900 {ENVELOPE} {PLAIN} 8 NIL NIL NIL NIL)"#
    );
    let t = tree(&mixed(&[PLAIN, &forwarded]));
    let view = plan(&t, Prefer::Html);
    let Block::Message { view: inner, .. } = &view.blocks[1] else {
        panic!()
    };
    assert_eq!(inner.blocks, vec![text("2.1", TextKind::Plain)]);
}

#[test]
fn signed_mail_shows_its_content_and_lists_the_signature() {
    let sig = r#"("application" "pgp-signature" ("name" "signature.asc") NIL NIL "7bit" 300 NIL ("attachment" NIL) NIL NIL)"#;
    let t = tree(&format!(
        r#"({PLAIN}{sig} "signed" ("micalg" "pgp-sha256" "protocol" "application/pgp-signature") NIL NIL NIL)"#
    ));
    let view = plan(&t, Prefer::Html);
    assert!(view.signed);
    assert_eq!(view.blocks, vec![text("1", TextKind::Plain)]);
    assert!(view.attachments[0].signature);
    assert!(!has_attachments(&t), "a signature alone is no paper clip");
}

#[test]
fn encrypted_mail_says_so_and_offers_its_parts() {
    let control = r#"("application" "pgp-encrypted" NIL NIL NIL "7bit" 12 NIL NIL NIL NIL)"#;
    let data = r#"("application" "octet-stream" ("name" "encrypted.asc") NIL NIL "7bit" 900 NIL ("inline" ("filename" "encrypted.asc")) NIL NIL)"#;
    let t = tree(&format!(
        r#"({control}{data} "encrypted" ("protocol" "application/pgp-encrypted") NIL NIL NIL)"#
    ));
    let view = plan(&t, Prefer::Html);
    assert_eq!(view.blocks, vec![Block::Encrypted]);
    assert_eq!(view.attachments.len(), 2);
    assert_eq!(view.attachments[1].name, "encrypted.asc");
}

#[test]
fn smime_encrypted_data_is_encrypted_and_smime_signed_data_is_signed() {
    let enveloped = r#"("application" "pkcs7-mime" ("smime-type" "enveloped-data" "name" "smime.p7m") NIL NIL "base64" 900 NIL ("attachment" ("filename" "smime.p7m")) NIL NIL)"#;
    let view = plan(&tree(enveloped), Prefer::Html);
    assert_eq!(view.blocks, vec![Block::Encrypted]);
    let signed = enveloped.replace("enveloped-data", "signed-data");
    let view = plan(&tree(&signed), Prefer::Html);
    assert!(view.signed);
    assert!(view.blocks.is_empty());
}

#[test]
fn calendar_invites_and_text_attachments_are_offered_not_shown() {
    let ics = r#"("text" "calendar" ("charset" "utf-8" "method" "REQUEST") NIL NIL "7bit" 500 10 NIL NIL NIL NIL)"#;
    let notes = r#"("text" "plain" ("charset" "utf-8") NIL NIL "7bit" 12 1 NIL ("attachment" ("filename" "notes.txt")) NIL NIL)"#;
    let view = plan(&tree(&mixed(&[PLAIN, ics, notes])), Prefer::Html);
    assert_eq!(view.blocks, vec![text("1", TextKind::Plain)]);
    let names: Vec<&str> = view.attachments.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["part-2.ics", "notes.txt"]);
}

#[test]
fn an_inline_image_between_texts_is_shown_in_place() {
    let photo = r#"("image" "jpeg" ("name" "photo.jpg") NIL NIL "base64" 7800 NIL ("inline" ("filename" "photo.jpg")) NIL NIL)"#;
    let view = plan(&tree(&mixed(&[PLAIN, photo, PLAIN])), Prefer::Html);
    assert_eq!(
        view.blocks,
        vec![
            text("1", TextKind::Plain),
            Block::Image { path: path("2") },
            text("3", TextKind::Plain)
        ]
    );
    assert!(view.attachments[0].previewable, "and can still be saved");
}

#[test]
fn svg_is_never_previewable() {
    let svg =
        r#"("image" "svg+xml" ("name" "x.svg") NIL NIL "base64" 780 NIL ("inline" NIL) NIL NIL)"#;
    let view = plan(&tree(&mixed(&[PLAIN, svg])), Prefer::Html);
    assert_eq!(view.blocks.len(), 1);
    assert!(!view.attachments[0].previewable);
}

#[test]
fn rfc2231_file_names_are_decoded() {
    let part = r#"("application" "pdf" NIL NIL NIL "base64" 780 NIL ("attachment" ("filename*" "utf-8''%D0%9E%D1%82%D1%87%D1%91%D1%82.pdf")) NIL NIL)"#;
    let view = plan(&tree(&mixed(&[PLAIN, part])), Prefer::Html);
    assert_eq!(view.attachments[0].name, "Отчёт.pdf");
}

#[test]
fn find_reaches_every_numbered_part() {
    let related = format!(r#"({HTML}{LOGO} "related" ("boundary" "r") NIL NIL NIL)"#);
    let t = tree(&mixed(&[&alternative(PLAIN, &related), PDF]));
    assert_eq!(t.find(&path("1.2.2")).unwrap().mime, "image/png");
    assert_eq!(t.find(&path("2")).unwrap().encoding, Encoding::Base64);
    assert!(t.find(&path("3")).is_none());
}

/// `levels` multiparts, one inside the other, around `leaf`: deeper than imap-proto reads,
/// made by hand.
fn wrapped<'a>(leaf: BodyStructure<'a>, levels: usize) -> BodyStructure<'a> {
    use async_imap::imap_proto::{BodyContentCommon, ContentType};
    let mut body = leaf;
    for _ in 0..levels {
        body = BodyStructure::Multipart {
            common: BodyContentCommon {
                ty: ContentType {
                    ty: "multipart".into(),
                    subtype: "mixed".into(),
                    params: None,
                },
                disposition: None,
                language: None,
                location: None,
            },
            bodies: vec![body],
            extension: None,
        };
    }
    body
}

/// How deep a tree goes, counted without recursion.
fn depth(part: &Part) -> usize {
    let mut deepest = 0;
    let mut pending = vec![(part, 1)];
    while let Some((p, d)) = pending.pop() {
        deepest = deepest.max(d);
        match &p.body {
            Body::Leaf => {}
            Body::Multipart(children) => pending.extend(children.iter().map(|c| (c, d + 1))),
            Body::Message { inner, .. } => pending.push((inner, d + 1)),
        }
    }
    deepest
}

/// A structure deeper than Posta keeps (here two hundred multiparts, which the vendored
/// imap-proto would refuse to read, so they are made by hand) is cut where part numbers
/// end: the multipart there is offered for download whole.
#[test]
fn a_structure_deeper_than_part_numbers_go_is_cut_there_and_offered_whole() {
    let line = format!("* 1 FETCH (BODYSTRUCTURE {PLAIN})\r\n");
    let (_, response) = Response::parse(line.as_bytes()).unwrap();
    let Response::Fetch(_, mut attributes) = response else {
        panic!("a FETCH")
    };
    let Some(AttributeValue::BodyStructure(leaf)) = attributes.pop() else {
        panic!("a BODYSTRUCTURE")
    };
    let deep = wrapped(leaf, 200);
    let t = to_part(&deep);
    assert_eq!(depth(&t), PartPath::MAX_DEPTH + 1);
    let view = plan(&t, Prefer::Html);
    assert!(view.blocks.is_empty());
    assert_eq!(view.attachments.len(), 1);
    let cut = &view.attachments[0];
    assert_eq!(cut.path.numbers().len(), PartPath::MAX_DEPTH);
    assert_eq!(cut.mime, "multipart/mixed");
    // Its part number is one Posta accepts in a URL.
    assert_eq!(
        PartPath::parse(&cut.path.to_string()),
        Some(cut.path.clone())
    );
}

/// Structures as deep as imap-proto reads are kept whole.
#[test]
fn the_deepest_structure_imap_proto_reads_is_kept_whole() {
    let mut body = PLAIN.to_owned();
    for _ in 0..31 {
        body = mixed(&[&body]);
    }
    let t = tree(&body);
    assert_eq!(depth(&t), 32);
    let view = plan(&t, Prefer::Html);
    assert_eq!(
        view.blocks,
        vec![text(&vec!["1"; 31].join("."), TextKind::Plain)]
    );
}

/// A server's BODYSTRUCTURE nested a hundred thousand deep is refused by the parser, on the
/// stack of a tokio worker, without overflowing it.
#[test]
fn a_bodystructure_nested_a_hundred_thousand_deep_is_refused_on_a_worker_stack() {
    let depth = 100_000;
    let mut line = "* 1 FETCH (BODYSTRUCTURE ".to_owned();
    line.push_str(&"(".repeat(depth));
    line.push_str(r#""text" "plain" NIL NIL NIL "7bit" 5 1)"#);
    line.push_str(&r#" "mixed")"#.repeat(depth - 1));
    line.push_str(")\r\n");
    let read = crate::message::on_a_worker_stack(move || {
        (
            Response::parse(line.as_bytes()).is_ok(),
            crate::imap::fuzz::responses(line.as_bytes()),
        )
    });
    assert_eq!(read, (false, 0));
}
