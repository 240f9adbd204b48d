//! Reading every kind of real mail, against the corpus in scripts/seed_corpus.py: charsets,
//! format=flowed, HTML in the sandboxed iframe with remote content held back, cid images,
//! attachments streamed with safe headers, forwarded, signed and encrypted mail, the source,
//! and a 10 MB message that opens without its attachment crossing the wire.

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::helpers::{
    Page, TestApp, User, new_client, spawn_app, spawn_app_with, stack, test_config,
};

/// A signed-in corpus reader.
async fn reader() -> TestApp {
    let app = spawn_app().await;
    app.sign_in(User::Corpus).await;
    app
}

/// The message URL (`/mail/INBOX/<uid>`) of the corpus message with this subject.
async fn href_of(app: &TestApp, subject: &str) -> String {
    let inbox = app.get("/mail/INBOX").await;
    inbox
        .attrs("td.subject a", "href")
        .into_iter()
        .zip(inbox.texts("td.subject a"))
        .find(|(_, s)| s == subject)
        .map(|(href, _)| href)
        .unwrap_or_else(|| panic!("no message {subject:?} in the corpus INBOX"))
}

async fn open(app: &TestApp, subject: &str) -> (String, Page) {
    let href = href_of(app, subject).await;
    let page = app.get(&href).await;
    assert_eq!(page.status, StatusCode::OK, "{subject}: {}", page.body);
    (href, page)
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> &'h str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

#[tokio::test]
async fn mail_in_every_common_charset_reads_as_written() {
    let app = reader().await;
    let cases = [
        (
            "windows-1251",
            "Съешь же ещё этих мягких французских булок",
            "Пётр Чайковский",
        ),
        (
            "ISO-8859-5",
            "Съешь же ещё этих мягких французских булок",
            "Анна Ахматова",
        ),
        (
            "CP866",
            "Съешь же ещё этих мягких французских булок",
            "Дмитрий Менделеев",
        ),
        (
            "KOI8-R",
            "Съешь же ещё этих мягких французских булок",
            "Лев Толстой",
        ),
        ("ISO-8859-1", "Größe, Ärger und Façade", "Jürgen Weiß"),
        ("GB2312", "我能吞下玻璃而不伤身体", "王小明"),
        ("Shift_JIS", "私はガラスを食べられます", "山田太郎"),
        ("ISO-2022-JP", "私はガラスを食べられます", "鈴木一郎"),
        ("Big5", "我能吞下玻璃而不傷身體", "陳大文"),
    ];
    for (label, text, name) in cases {
        let (_, page) = open(&app, &format!("Charset {label}")).await;
        let body = page.texts(".body.plain").concat();
        assert!(body.contains(text), "{label}: {body}");
        let from = page.texts("dd.from").concat();
        assert!(from.contains(name), "{label}: {from}");
    }
}

#[tokio::test]
async fn unknown_lying_and_missing_charsets_still_read_as_russian() {
    let app = reader().await;
    for subject in [
        "Charset unknown label",
        "Charset lying UTF-8",
        "Charset missing",
    ] {
        let (_, page) = open(&app, subject).await;
        let body = page.texts(".body.plain").concat();
        assert!(
            body.contains("Съешь же ещё этих мягких французских булок"),
            "{subject}: {body}"
        );
        assert!(!body.contains('\u{fffd}'), "{subject}: {body}");
    }
}

#[tokio::test]
async fn format_flowed_paragraphs_are_joined_and_quotes_stay_quotes() {
    let app = reader().await;
    let (_, page) = open(&app, "Flowed text").await;

    let body = page.texts(".body.plain").concat();
    assert!(
        body.contains("wrapped by the sender's mail client at seventy-odd characters, so each soft break ends in a space."),
        "{body}"
    );
    let quotes = page.texts(".body.plain blockquote");
    assert_eq!(
        quotes,
        vec!["A quoted paragraph that was also wrapped softly by the client."]
    );
    assert!(body.contains(">This line is space-stuffed"), "{body}");

    let (_, page) = open(&app, "Flowed delsp").await;
    assert!(
        page.texts(".body.plain")
            .concat()
            .contains("日本語の文章は空白なしで続きます。")
    );
}

#[tokio::test]
async fn plain_text_that_looks_like_html_stays_text() {
    let app = reader().await;
    let (_, page) = open(&app, "Plain text that looks like HTML").await;
    assert!(page.body.contains("&lt;b&gt;not bold&lt;/b&gt;"));
    assert!(page.body.contains("&lt;script&gt;"));
    assert!(!page.body.contains("<script>alert"));
}

#[tokio::test]
async fn html_mail_is_shown_in_a_sandboxed_frame_without_remote_content() {
    let app = reader().await;
    let (href, page) = open(&app, "Newsletter with remote content").await;

    let frames = page.attrs("iframe.body.html", "src");
    assert_eq!(frames, vec![format!("{href}/body?part=2")]);
    assert_eq!(
        page.attrs("iframe.body.html", "sandbox"),
        vec!["allow-popups allow-popups-to-escape-sandbox"]
    );
    assert!(!page.texts(".remote-banner a.show-remote").is_empty());
    assert!(!page.body.contains("tracker.posta.test"));
    let csp = header(&page.headers, "content-security-policy");
    assert!(csp.contains("frame-src 'self'"), "{csp}");

    let body = app.get(&frames[0]).await;
    assert_eq!(body.status, StatusCode::OK);
    let csp = header(&body.headers, "content-security-policy");
    assert!(csp.contains("img-src 'self' data:;"), "{csp}");
    assert!(csp.contains("sandbox allow-popups"), "{csp}");
    assert!(!csp.contains("script-src"), "{csp}");
    assert_eq!(header(&body.headers, "x-frame-options"), "SAMEORIGIN");
    assert!(body.body.contains("This week in Rust"));
    assert!(body.body.contains("<table"), "newsletter layout survives");
    assert!(
        !body.body.contains("tracker.posta.test"),
        "no remote URL reaches the document before consent: {}",
        body.body
    );
}

#[tokio::test]
async fn asking_for_remote_content_loads_it_for_that_message() {
    let app = reader().await;
    let href = href_of(&app, "Newsletter with remote content").await;

    let page = app.get(&format!("{href}?remote=1")).await;

    let frames = page.attrs("iframe.body.html", "src");
    assert_eq!(frames, vec![format!("{href}/body?part=2&remote=1")]);
    assert!(page.texts(".remote-banner.shown").len() == 1);
    let body = app.get(&frames[0]).await;
    assert!(body.body.contains("http://tracker.posta.test/r/hero.png"));
    assert!(
        header(&body.headers, "content-security-policy")
            .contains("img-src 'self' data: http: https:")
    );
    // Without the parameter, the next view holds it back again.
    let again = app.get(&href).await;
    assert_eq!(
        again.attrs("iframe.body.html", "src"),
        vec![format!("{href}/body?part=2")]
    );
}

#[tokio::test]
async fn always_showing_remote_content_for_a_sender_lasts_the_session() {
    let app = reader().await;
    let href = href_of(&app, "Newsletter with remote content").await;
    let page = app.get(&href).await;
    let csrf = page.csrf();
    let sender = page.attrs("form.trust-sender input[name=sender]", "value");
    assert_eq!(sender, vec!["newsletter@rust-weekly.example"]);

    let trusted = app
        .post_form(
            &format!("{href}/remote"),
            &[("csrf", &csrf), ("sender", &sender[0])],
        )
        .await;

    assert_eq!(trusted.status, StatusCode::SEE_OTHER);
    assert_eq!(trusted.location(), href);
    let page = app.get(&href).await;
    assert_eq!(
        page.attrs("iframe.body.html", "src"),
        vec![format!("{href}/body?part=2&remote=1")]
    );
    let forged = app
        .post_form(
            &format!("{href}/remote"),
            &[("csrf", "nope"), ("sender", "x@y.z")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_plain_alternative_is_one_click_away() {
    let app = reader().await;
    let (href, page) = open(&app, "Newsletter with remote content").await;
    assert_eq!(
        page.attrs("a.switch-view", "href"),
        vec![format!("{href}?view=plain")]
    );

    let plain = app.get(&format!("{href}?view=plain")).await;

    assert!(
        plain
            .texts(".body.plain")
            .concat()
            .contains("Rust Weekly #500")
    );
    assert!(plain.attrs("iframe", "src").is_empty());
}

#[tokio::test]
async fn cid_images_point_at_posta_with_a_token_that_opens_only_that_part() {
    let app = reader().await;
    let (href, page) = open(&app, "Inline image by cid").await;
    let frame = page.attrs("iframe.body.html", "src").remove(0);
    let document = app.get(&frame).await;
    let html = scraper::Html::parse_document(&document.body);
    let img = scraper::Selector::parse("img").unwrap();
    let srcs: Vec<&str> = html
        .select(&img)
        .filter_map(|i| i.value().attr("src"))
        .collect();
    assert_eq!(srcs.len(), 1, "the missing cid has no source: {srcs:?}");
    let src = srcs[0];
    assert!(
        src.starts_with(&format!("{href}/part/2?inline=1&t=")),
        "{src}"
    );

    // The sandboxed frame's request carries no cookie: the token alone must open the part.
    let anonymous = TestApp {
        address: app.address.clone(),
        client: new_client(),
    };
    let (status, headers, bytes) = anonymous.get_bytes(src).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&headers, "content-type"), "image/png");
    assert!(bytes.starts_with(b"\x89PNG"));

    let tampered = src.replace("&t=", "&t=x");
    assert_eq!(
        anonymous.get_bytes(&tampered).await.0,
        StatusCode::NOT_FOUND
    );
    let other_part = src.replace("/part/2?", "/part/1?");
    assert_eq!(
        anonymous.get_bytes(&other_part).await.0,
        StatusCode::NOT_FOUND
    );
    let no_token = src.split("&t=").next().unwrap();
    assert_eq!(anonymous.get_bytes(no_token).await.0, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn attachments_are_listed_with_their_real_names() {
    let app = reader().await;
    let (href, page) = open(&app, "Attachments of every kind").await;

    let names = page.texts(".attachments-section a.download");
    assert_eq!(
        names,
        vec![
            "report.pdf",
            "photo.png",
            "part-4.ics",
            "Отчёт за квартал.pdf",
            "Протокол совещания.txt",
            "Договор.docx",
            "Счёт №5.xls",
        ]
    );
    let previews = page.attrs(".attachments-section a.preview", "href");
    assert_eq!(previews, vec![format!("{href}/part/3?inline=1")]);
    assert!(
        page.texts(".body.plain")
            .concat()
            .contains("Five attachments follow.")
    );
}

#[tokio::test]
async fn attachments_download_decoded_and_can_never_run_in_posta() {
    let app = reader().await;
    let href = href_of(&app, "Attachments of every kind").await;

    let (status, headers, bytes) = app.get_bytes(&format!("{href}/part/5")).await;

    assert_eq!(status, StatusCode::OK);
    assert!(
        bytes.starts_with(b"%PDF-1.4"),
        "{:?}",
        &bytes[..20.min(bytes.len())]
    );
    assert_eq!(header(&headers, "content-type"), "application/pdf");
    let disposition = header(&headers, "content-disposition");
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert!(
        disposition.contains("filename*=UTF-8''%D0%9E%D1%82%D1%87%D1%91%D1%82"),
        "{disposition}"
    );
    assert_eq!(header(&headers, "x-content-type-options"), "nosniff");
    assert!(header(&headers, "content-security-policy").starts_with("sandbox"));
    assert_eq!(header(&headers, "cache-control"), "no-store");

    let (_, headers, bytes) = app.get_bytes(&format!("{href}/part/3?inline=1")).await;
    assert_eq!(header(&headers, "content-type"), "image/png");
    assert!(header(&headers, "content-disposition").starts_with("inline;"));
    assert!(bytes.starts_with(b"\x89PNG"));
}

#[tokio::test]
async fn pages_are_compressed_and_attachments_are_not() {
    let app = reader().await;
    let href = href_of(&app, "Attachments of every kind").await;
    let gzip = [("accept-encoding", "gzip")];

    let page = app.get_with(&href, &gzip).await;
    let pdf = app.get_with(&format!("{href}/part/5"), &gzip).await;
    let png = app
        .get_with(&format!("{href}/part/3?inline=1"), &gzip)
        .await;

    assert_eq!(header(&page.headers, "content-encoding"), "gzip");
    assert_eq!(header(&pdf.headers, "content-encoding"), "");
    assert_eq!(header(&png.headers, "content-encoding"), "");
}

#[tokio::test]
async fn html_and_svg_attachments_only_ever_download() {
    let app = reader().await;
    let href = href_of(&app, "Dangerous attachments").await;
    for part in ["2", "3"] {
        for query in ["", "?inline=1"] {
            let (status, headers, _) = app.get_bytes(&format!("{href}/part/{part}{query}")).await;
            assert_eq!(status, StatusCode::OK);
            let disposition = header(&headers, "content-disposition");
            assert!(
                disposition.starts_with("attachment;"),
                "{part}{query}: {disposition}"
            );
            assert!(header(&headers, "content-security-policy").starts_with("sandbox"));
            assert_eq!(header(&headers, "x-content-type-options"), "nosniff");
        }
    }
}

#[tokio::test]
async fn a_forwarded_message_is_shown_inside_with_its_own_parts() {
    let app = reader().await;
    let (href, page) = open(&app, "Forwarded message").await;

    assert!(
        page.texts(".body.plain")
            .concat()
            .contains("See the message below.")
    );
    assert_eq!(page.texts(".forwarded dd.subject"), vec!["Исходное письмо"]);
    assert!(
        page.texts(".forwarded dd.from")
            .concat()
            .contains("Original Sender")
    );
    assert_eq!(
        page.attrs(".forwarded iframe.body.html", "src"),
        vec![format!("{href}/body?part=2.1.2")]
    );
    assert_eq!(page.texts(".forwarded a.download"), vec!["notes.txt"]);
    assert_eq!(
        page.texts(".attachments-section a.download"),
        vec!["Исходное письмо.eml"]
    );
    let inner = app.get(&format!("{href}/body?part=2.1.2")).await;
    assert!(inner.body.contains("<b>original</b>"), "{}", inner.body);
    let (_, _, notes) = app.get_bytes(&format!("{href}/part/2.2")).await;
    assert_eq!(notes, b"inner notes\n");
}

#[tokio::test]
async fn signed_and_encrypted_mail_is_called_what_it_is() {
    let app = reader().await;
    let (_, signed) = open(&app, "Signed with PGP").await;
    assert_eq!(signed.texts(".notice.signed").len(), 1);
    assert!(
        signed
            .texts(".body.plain")
            .concat()
            .contains("This text is signed.")
    );
    assert_eq!(
        signed.texts(".attachment.signature a.download"),
        vec!["signature.asc"]
    );

    let (_, encrypted) = open(&app, "Encrypted with PGP").await;
    assert_eq!(encrypted.texts(".notice.encrypted").len(), 1);
    assert!(
        encrypted
            .texts(".attachments-section a.download")
            .contains(&"encrypted.asc".to_owned())
    );

    let (_, smime) = open(&app, "Signed with S/MIME").await;
    assert_eq!(smime.texts(".notice.signed").len(), 1);
    assert_eq!(
        smime.texts(".attachment.signature a.download"),
        vec!["smime.p7s"]
    );
}

#[tokio::test]
async fn the_source_is_shown_as_text_and_saved_as_eml() {
    let app = reader().await;
    let href = href_of(&app, "Forwarded message").await;

    let (status, headers, bytes) = app.get_bytes(&format!("{href}/raw")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        header(&headers, "content-type"),
        "text/plain; charset=utf-8"
    );
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains("Subject: Forwarded message"), "{text}");
    assert!(text.contains("Content-Type: message/rfc822"));

    let (_, headers, eml) = app.get_bytes(&format!("{href}/raw?download=1")).await;
    assert_eq!(header(&headers, "content-type"), "message/rfc822");
    assert!(header(&headers, "content-disposition").starts_with("attachment;"));
    assert_eq!(eml, bytes);
    let page = app.get(&href).await;
    assert!(
        page.texts(".all-headers pre")
            .concat()
            .contains("Message-ID: <corpus-")
    );
}

#[tokio::test]
async fn hostile_html_reaches_the_frame_with_nothing_active_left() {
    let app = reader().await;
    let inbox = app.get("/mail/INBOX").await;
    let hostile: Vec<(String, String)> = inbox
        .attrs("td.subject a", "href")
        .into_iter()
        .zip(inbox.texts("td.subject a"))
        .filter(|(_, s)| s.starts_with("Hostile "))
        .collect();
    assert_eq!(hostile.len(), 7);

    for (href, subject) in hostile {
        let page = app.get(&href).await;
        let frame = page.attrs("iframe.body.html", "src").remove(0);
        let document = app.get(&frame).await.body.to_lowercase();
        for forbidden in [
            "<script",
            "<iframe",
            "<object",
            "<embed",
            "<applet",
            "<frame",
            "<meta http-equiv",
            "<base href",
            "<form",
            "<button",
            "<input",
            "<link",
            "<svg",
            "<math",
            "expression(",
            "behavior:",
            "-moz-binding",
            "/x/",
            "tracker.posta.test",
        ] {
            assert!(
                !document.contains(forbidden),
                "{subject}: {forbidden} in\n{document}"
            );
        }
        // Attributes as a browser parses them: no handlers, no script URLs anywhere.
        let parsed = scraper::Html::parse_document(&document);
        for element in parsed.root_element().descendent_elements() {
            for (name, value) in element.value().attrs() {
                let value: String = value.chars().filter(|c| !c.is_whitespace()).collect();
                assert!(!name.starts_with("on"), "{subject}: {name}={value}");
                for scheme in ["javascript:", "vbscript:", "data:text"] {
                    assert!(!value.contains(scheme), "{subject}: {name}={value}");
                }
            }
        }
        if subject.contains("every remote loader") {
            assert_eq!(
                page.texts(".remote-banner a.show-remote").len(),
                1,
                "{subject}"
            );
        }
    }
}

#[tokio::test]
async fn a_10_mb_message_opens_without_its_attachment_and_downloads_whole() {
    let app = spawn_app().await;
    app.sign_in(User::BigMail).await;
    let href = href_of(&app, "Big message with 10 MB attachment").await;
    let before = stack().bytes_sent(User::BigMail).len();

    let page = app.get(&href).await;
    assert!(
        page.texts(".body.plain")
            .concat()
            .contains("A ten megabyte file is attached.")
    );
    assert_eq!(
        page.texts(".attachments-section a.download"),
        vec!["big.bin"]
    );
    app.logout().await;

    let sent = crate::helpers::eventually_value(std::time::Duration::from_secs(5), || {
        let all = stack().bytes_sent(User::BigMail);
        (all.len() > before).then(|| all[before..].to_vec())
    })
    .await
    .expect("Dovecot logged the session's end");
    let total: u64 = sent.iter().sum();
    assert!(
        total < 200_000,
        "Dovecot sent {total} bytes to open the message"
    );

    // Dovecot speaks BINARY: the server decodes the base64.
    app.sign_in(User::BigMail).await;
    let (status, headers, bytes) = app.get_bytes(&format!("{href}/part/2")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&headers, "content-type"), "application/octet-stream");
    assert_eq!(bytes.len(), 10 * 1024 * 1024);
    let expected = expected_big_attachment_sha256();
    assert_eq!(sha256_hex(&bytes), expected);

    // A server without BINARY sends base64, which Posta decodes as it streams.
    let mut config = test_config();
    config.imap = Some(stack().imaps_basic());
    let basic = spawn_app_with(config).await;
    basic.sign_in(User::BigMail).await;
    let (status, _, bytes) = basic.get_bytes(&format!("{href}/part/2")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(sha256_hex(&bytes), expected);
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The seed's own digest of big.bin, computed by the seeder's Python.
fn expected_big_attachment_sha256() -> String {
    let scripts = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts");
    let output = std::process::Command::new("python3")
        .current_dir(&scripts)
        .args([
            "-c",
            "import hashlib, seed_corpus; \
             print(hashlib.sha256(seed_corpus.big_attachment()).hexdigest())",
        ])
        .output()
        .expect("python3");
    assert!(output.status.success());
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}
