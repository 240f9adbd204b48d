//! HTML mail through ammonia's allowlist. Scripts, event handlers, forms, frames, `javascript:`
//! URLs and the rest are gone; links open in a new tab without a referrer. Nothing may edit
//! the HTML after this has run.

use std::collections::HashSet;

/// Sanitises an HTML body for display.
pub fn clean(html: &str) -> String {
    ammonia::Builder::default()
        .url_schemes(HashSet::from(["http", "https", "mailto"]))
        .link_rel(Some("noopener noreferrer"))
        .set_tag_attribute_value("a", "target", "_blank")
        .rm_tags(["img"])
        .clean(html)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_and_handlers_are_removed() {
        let out = clean("<p onclick=\"alert(3)\">Hello from HTML</p><script>alert(1)</script>");
        assert!(out.contains("Hello from HTML"));
        assert!(!out.contains("script") && !out.contains("onclick") && !out.contains("alert"));
    }

    #[test]
    fn javascript_links_lose_their_href() {
        let out = clean("<a href=\"javascript:alert(2)\">click</a>");
        assert!(!out.contains("javascript"), "{out}");
        assert!(out.contains("click"));
    }

    #[test]
    fn remote_images_are_dropped_until_the_sandboxed_viewer_exists() {
        let out = clean("<img src=\"http://127.0.0.1:9/tracker.gif\">text");
        assert!(!out.contains("tracker"), "{out}");
    }

    #[test]
    fn links_get_safe_rel_and_target() {
        let out = clean("<a href=\"https://example.org\">x</a>");
        assert!(out.contains("rel=\"noopener noreferrer\""));
        assert!(out.contains("target=\"_blank\""));
    }
}
