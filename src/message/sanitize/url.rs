//! What a URL found in mail points at, read the way a browser reads it. Every URL decision of
//! the sanitiser (links, images, backgrounds, CSS `url()`) and every count of remote loads
//! starts here, so they cannot disagree.

use std::sync::LazyLock;

use percent_encoding::percent_decode_str;
use url::Url;

/// Where a URL in a message would take the browser.
#[derive(Debug)]
pub(super) enum Target {
    /// http or https on another host, including protocol-relative `//host/…` and `\\host`,
    /// which a browser resolves against the iframe's own https URL. Normalised by the WHATWG
    /// parser, so tabs, newlines and odd spellings are gone.
    Remote(Url),
    /// A `cid:` reference to an inline part: the Content-ID, percent-decoded, without `<>`.
    Cid(String),
    /// `data:image/png|gif|jpeg|webp`: an image carried in the message itself.
    DataImage(Url),
    /// `mailto:`.
    Mailto(Url),
    /// Anything else: other schemes (`javascript:`, `data:text/html`, `file:`…), relative URLs
    /// (which would resolve against Posta's own origin), garbage.
    Other,
}

/// A stand-in for "the page the mail is shown in" to resolve relative URLs against; a URL that
/// still points at this host after resolving was relative to Posta, not remote.
static BASE: LazyLock<Url> =
    LazyLock::new(|| Url::parse("https://posta.invalid/").expect("a valid base URL"));

const DATA_IMAGES: [&str; 4] = ["image/png", "image/gif", "image/jpeg", "image/webp"];

/// Classifies one URL as written in an attribute or a CSS `url()` (entities and CSS escapes
/// already undone by the parsers).
pub(super) fn classify(raw: &str) -> Target {
    match Url::parse(raw) {
        Ok(url) => match url.scheme() {
            "http" | "https" if url.host().is_some() => Target::Remote(url),
            "cid" => cid(raw).map_or(Target::Other, Target::Cid),
            "mailto" => Target::Mailto(url),
            "data" if is_data_image(url.path()) => Target::DataImage(url),
            _ => Target::Other,
        },
        Err(url::ParseError::RelativeUrlWithoutBase) => match BASE.join(raw) {
            Ok(url) if url.host() != BASE.host() && matches!(url.scheme(), "https") => {
                Target::Remote(url)
            }
            _ => Target::Other,
        },
        Err(_) => Target::Other,
    }
}

/// The Content-ID of a `cid:` URL. The URL parser has vouched for the scheme; this strips it
/// the same way (outer C0 controls and spaces, inner tabs and newlines) and decodes the rest.
fn cid(raw: &str) -> Option<String> {
    let trimmed = raw.trim_matches(|c: char| c <= ' ');
    let compact: String = trimmed
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let rest = compact.get(4..)?;
    let id = percent_decode_str(rest).decode_utf8_lossy();
    let id = id.trim();
    let id = id
        .strip_prefix('<')
        .and_then(|i| i.strip_suffix('>'))
        .unwrap_or(id);
    (!id.is_empty()).then(|| id.to_owned())
}

/// `image/png;base64,…` and friends, but never `image/svg+xml` (SVG is a document that can
/// carry script) nor anything that is not an image.
fn is_data_image(path: &str) -> bool {
    DATA_IMAGES.iter().any(|kind| {
        path.get(..kind.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(kind))
            && matches!(path.as_bytes().get(kind.len()), Some(b';' | b','))
    })
}

/// The URLs of a `srcset` attribute (descriptors skipped), after the HTML standard's
/// candidate-splitting rules, so that a comma inside a URL does not split it.
pub(super) fn srcset_urls(srcset: &str) -> impl Iterator<Item = &str> {
    let mut rest = srcset;
    std::iter::from_fn(move || {
        rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == ',');
        if rest.is_empty() {
            return None;
        }
        let end = rest
            .find(|c: char| c.is_ascii_whitespace())
            .unwrap_or(rest.len());
        let (url, after) = rest.split_at(end);
        let trimmed = url.trim_end_matches(',');
        if trimmed.len() < url.len() {
            // A URL ending in commas has no descriptors.
            rest = after;
        } else {
            // Skip the descriptors up to the next comma outside parentheses.
            let mut depth = 0usize;
            let mut cut = after.len();
            for (i, c) in after.char_indices() {
                match c {
                    '(' => depth += 1,
                    ')' => depth = depth.saturating_sub(1),
                    ',' if depth == 0 => {
                        cut = i + 1;
                        break;
                    }
                    _ => {}
                }
            }
            rest = &after[cut..];
        }
        Some(trimmed)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_and_protocol_relative_urls_are_remote() {
        for url in [
            "http://example.org/a.png",
            "HTTPS://EXAMPLE.ORG",
            " https://example.org/ ",
            "//example.org/pixel.gif",
            "\\\\example.org/pixel.gif",
            "/\\example.org/pixel.gif",
            "http:example.org",
        ] {
            assert!(matches!(classify(url), Target::Remote(_)), "{url}");
        }
    }

    #[test]
    fn protocol_relative_urls_become_https() {
        let Target::Remote(url) = classify("//example.org/x") else {
            panic!("not remote")
        };
        assert_eq!(url.as_str(), "https://example.org/x");
    }

    #[test]
    fn relative_urls_are_neither_remote_nor_allowed() {
        for url in ["a.png", "/mail/INBOX/1", "?x=1", "#top", "", "  "] {
            assert!(matches!(classify(url), Target::Other), "{url:?}");
        }
    }

    #[test]
    fn script_urls_are_other_however_they_are_spelt() {
        for url in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "jav\tascript:alert(1)",
            "\u{1}javascript:alert(1)",
            " java\nscript:alert(1)",
            "vbscript:msgbox(1)",
            "data:text/html,<script>alert(1)</script>",
            "data:image/svg+xml,<svg onload=alert(1)>",
            "data:image/pngx,AAAA",
            "file:///etc/passwd",
        ] {
            assert!(matches!(classify(url), Target::Other), "{url:?}");
        }
    }

    #[test]
    fn cid_references_are_decoded() {
        for (url, id) in [
            ("cid:logo@example.org", "logo@example.org"),
            ("CID:logo%40example.org", "logo@example.org"),
            (" cid:%3Clogo@x%3E ", "logo@x"),
            ("ci\td:part1", "part1"),
        ] {
            match classify(url) {
                Target::Cid(got) => assert_eq!(got, id, "{url:?}"),
                other => panic!("{url:?} gave {other:?}"),
            }
        }
        assert!(matches!(classify("cid:"), Target::Other));
    }

    #[test]
    fn only_raster_data_images_pass() {
        assert!(matches!(
            classify("data:image/png;base64,iVBORw0KGgo="),
            Target::DataImage(_)
        ));
        assert!(matches!(
            classify("data:IMAGE/GIF,GIF89a"),
            Target::DataImage(_)
        ));
        assert!(matches!(
            classify("data:image/webp;base64,UklG"),
            Target::DataImage(_)
        ));
    }

    #[test]
    fn srcset_candidates_split_like_a_browser() {
        let urls: Vec<_> =
            srcset_urls(" a.png 1x, http://x/b,c.png 2x ,d.png,, e.png (w) 3x").collect();
        assert_eq!(urls, ["a.png", "http://x/b,c.png", "d.png", "e.png"]);
        assert_eq!(srcset_urls("").count(), 0);
    }
}
