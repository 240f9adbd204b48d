//! The CSS cleaner on its own.

use super::allow::{FUNCTIONS, PROPERTIES, SELECTOR_FUNCTIONS};
use super::body::legacy_colour;
use super::write::write_ident;
use super::*;

fn no_cid(_: &str) -> Option<String> {
    None
}

fn part(id: &str) -> Option<String> {
    (id == "logo@x").then(|| "/mail/INBOX/7/part/2".to_owned())
}

const OFFLINE: UrlPolicy = UrlPolicy {
    remote: false,
    cid: &part,
};
const ONLINE: UrlPolicy = UrlPolicy {
    remote: true,
    cid: &no_cid,
};

fn sheet(css: &str, policy: &UrlPolicy) -> String {
    let mut out = String::new();
    clean_stylesheet(css, policy, "posta-", &mut out);
    out
}

fn urls(css: &str) -> Vec<String> {
    let mut found = Vec::new();
    for_each_url(css, &mut |u| found.push(u.to_owned()));
    found
}

#[test]
fn the_property_lists_are_sorted_for_binary_search() {
    assert!(PROPERTIES.is_sorted());
    assert!(FUNCTIONS.is_sorted());
    assert!(SELECTOR_FUNCTIONS.is_sorted());
}

#[test]
fn ordinary_declarations_survive_normalised() {
    let out = clean_declarations(
        "color: #333; font: 14px/1.5 'Helvetica Neue', Arial, sans-serif; \
         padding: 0 10px !important; width: calc(100% - 20px)",
        &OFFLINE,
    );
    assert_eq!(
        out,
        "color:#333;font:14px/1.5 \"Helvetica Neue\",Arial,sans-serif;\
         padding:0 10px!important;width:calc(100% - 20px)"
    );
}

#[test]
fn unknown_and_dangerous_properties_are_dropped() {
    let out = clean_declarations(
        "behavior: url(x.htc); -moz-binding: url(http://x/b.xml#x); color: red; \
         width: expression(alert(1)); position: fixed; z-index: 99; --x: 1; \
         transform: scale(9); cursor: url(http://x/c.cur), auto",
        &ONLINE,
    );
    assert_eq!(out, "color:red");
}

#[test]
fn display_and_position_take_only_known_keywords() {
    let out = clean_declarations(
        "display: inline-block; position: relative; display: -webkit-box; position: sticky",
        &OFFLINE,
    );
    assert_eq!(out, "display:inline-block;position:relative");
}

#[test]
fn escapes_do_not_smuggle_functions_or_urls() {
    let out = clean_declarations(
        "width: expr\\65 ssion(alert(1)); background: u\\72l(http://x/a.png) red; \
         color: \\3c /style\\3e",
        &OFFLINE,
    );
    assert_eq!(out, "background:none red;color:\\3c /style\\3e ");
}

#[test]
fn remote_urls_become_none_until_allowed() {
    let css = "background: #fff url('http://x/bg.png') no-repeat";
    assert_eq!(
        clean_declarations(css, &OFFLINE),
        "background:#fff none no-repeat"
    );
    assert_eq!(
        clean_declarations(css, &ONLINE),
        "background:#fff url(\"http://x/bg.png\") no-repeat"
    );
}

#[test]
fn cid_and_data_images_in_css_are_kept() {
    assert_eq!(
        clean_declarations("background-image: url(cid:logo@x)", &OFFLINE),
        "background-image:url(\"/mail/INBOX/7/part/2\")"
    );
    assert_eq!(
        clean_declarations("background-image: url(cid:unknown)", &OFFLINE),
        "background-image:none"
    );
    assert_eq!(
        clean_declarations(
            "list-style-image: url(data:image/png;base64,AAAA)",
            &OFFLINE
        ),
        "list-style-image:url(\"data:image/png;base64,AAAA\")"
    );
    assert_eq!(
        clean_declarations("background: url('javascript:alert(1)') red", &ONLINE),
        "background:none red"
    );
    // Unquoted, the parenthesis makes a bad URL, which spoils the declaration.
    assert_eq!(
        clean_declarations("background: url(javascript:alert(1)) red", &ONLINE),
        ""
    );
}

#[test]
fn urls_outside_image_properties_spoil_the_declaration() {
    assert_eq!(
        clean_declarations("color: url(http://x); width: 1px", &ONLINE),
        "width:1px"
    );
}

#[test]
fn style_rules_and_media_blocks_are_kept() {
    let css = "<!-- body { margin: 0 } .btn a:hover, td[class=\"x\"] > p { color: red } \
               @media only screen and (max-width: 600px) { .col { width: 100% !important } \
               #main { display: block } } -->";
    assert_eq!(
        sheet(css, &OFFLINE),
        "body{margin:0}\n.btn a:hover,td[class=\"x\"] > p{color:red}\n\
         @media only screen and (max-width:600px){\n.col{width:100%!important}\n\
         #posta-main{display:block}\n}\n"
    );
}

#[test]
fn imports_charsets_and_unknown_at_rules_are_dropped() {
    let css = "@charset \"utf-8\"; @import url(http://x/a.css); @import 'b.css' screen; \
               @namespace svg url(http://www.w3.org/2000/svg); \
               @keyframes spin { from { color: red } } @supports (display: grid) { p { color: red } } \
               @-moz-document url-prefix() { p { color: red } } p { color: blue }";
    assert_eq!(sheet(css, &ONLINE), "p{color:blue}\n");
}

#[test]
fn escaped_at_rules_are_not_at_rules() {
    let css = "\\40 import url(http://x/a.css); p { color: blue } q { color: red }";
    assert_eq!(sheet(css, &ONLINE), "q{color:red}\n");
}

#[test]
fn font_faces_need_remote_content_and_then_keep_remote_sources_only() {
    let css = "@font-face { font-family: 'Brand'; src: url(https://x/b.woff2) format('woff2'), \
               local('Brand') } p { font-family: Brand }";
    assert_eq!(sheet(css, &OFFLINE), "p{font-family:Brand}\n");
    assert_eq!(
        sheet(css, &ONLINE),
        "@font-face{font-family:\"Brand\";src:url(\"https://x/b.woff2\") \
         format(\"woff2\"),local(\"Brand\")}\np{font-family:Brand}\n"
    );
    assert_eq!(
        sheet(
            "@font-face { font-family: x; src: url(data:font/woff2,AA) }",
            &ONLINE
        ),
        ""
    );
}

#[test]
fn the_output_never_closes_the_style_element() {
    let css = "p { font-family: '</style><script>alert(1)</script>' } \
               a[title='</style>'] { color: red } </style><img src=x onerror=alert(1)> { color: red } \
               p:not(</style>) { color: red } @media (400px < width) { p { color: red } }";
    let out = sheet(css, &ONLINE);
    assert!(!out.contains('<'), "{out}");
    assert_eq!(
        out,
        "p{font-family:\"\\3c /style\\3e \\3c script\\3e alert(1)\\3c /script\\3e \"}\n\
         a[title=\"\\3c /style\\3e \"]{color:red}\n"
    );
}

#[test]
fn selectors_with_urls_or_blocks_are_dropped() {
    let css = "a:url(http://x) { color: red } p { color: blue }";
    assert_eq!(sheet(css, &ONLINE), "p{color:blue}\n");
}

#[test]
fn deep_nesting_is_dropped_not_recursed() {
    let deep = format!(
        "{}p{{color:red}}{}",
        "@media screen{".repeat(200),
        "}".repeat(200)
    );
    assert_eq!(sheet(&deep, &ONLINE), "");
    let calc = format!("width:{}1px{}", "calc(".repeat(100), ")".repeat(100));
    assert_eq!(clean_declarations(&calc, &ONLINE), "");
}

#[test]
fn every_loading_url_is_found() {
    let css = "@import 'http://x/1.css'; @import url(http://x/2.css); \
               @namespace url(http://www.w3.org/1999/xhtml); \
               @media screen { p { background: u\\72l(http://x/3.png) } } \
               q { background-image: -webkit-image-set('http://x/4.png' 1x); \
               behavior: url( \"http://x/5.htc\" ) } \
               @font-face { src: url(http://x/6.woff) }";
    assert_eq!(
        urls(css),
        [
            "http://x/1.css",
            "http://x/2.css",
            "http://x/3.png",
            "http://x/4.png",
            "http://x/5.htc",
            "http://x/6.woff"
        ]
    );
}

#[test]
fn identifiers_are_escaped_so_they_read_back_the_same() {
    let mut out = String::new();
    write_ident("1a<b c", &mut out);
    assert_eq!(out, "\\31 a\\3c b\\20 c");
    out.clear();
    write_ident("-2x", &mut out);
    assert_eq!(out, "-\\32 x");
}

#[test]
fn legacy_body_colours_read_like_browsers_read_them() {
    assert_eq!(legacy_colour("ffffff").as_deref(), Some("#ffffff"));
    assert_eq!(legacy_colour("#ABC").as_deref(), Some("#ABC"));
    assert_eq!(legacy_colour("White").as_deref(), Some("White"));
    assert_eq!(legacy_colour("red;}x{").as_deref(), None);
}
