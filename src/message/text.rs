//! Plain text to HTML: everything is escaped first, then web and mail links become
//! clickable, and `>` quoted lines become nested quotes. The output is safe to mark `|safe`.

use std::fmt::Write;

/// Escapes text for HTML content and attribute values.
pub fn escape(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// Renders a plain-text body as HTML.
pub fn to_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let mut depth = 0;
    for line in text.lines() {
        let (level, rest) = quote_level(line);
        while depth < level {
            out.push_str("<blockquote>");
            depth += 1;
        }
        while depth > level {
            out.push_str("</blockquote>");
            depth -= 1;
        }
        linkify(rest, &mut out);
        out.push('\n');
    }
    for _ in 0..depth {
        out.push_str("</blockquote>");
    }
    out
}

/// `"> > hi"` → `(2, "hi")`.
fn quote_level(line: &str) -> (usize, &str) {
    let mut level = 0;
    let mut rest = line;
    loop {
        let trimmed = rest.trim_start_matches(' ');
        match trimmed.strip_prefix('>') {
            Some(r) if level < 8 => {
                level += 1;
                rest = r.strip_prefix(' ').unwrap_or(r);
            }
            _ => return (level, if level == 0 { line } else { rest }),
        }
    }
}

const SCHEMES: [&str; 3] = ["https://", "http://", "mailto:"];

/// Escapes `line`, turning http(s) and mailto URLs into links.
fn linkify(line: &str, out: &mut String) {
    let mut rest = line;
    while let Some((start, scheme)) = find_scheme(rest) {
        let candidate = &rest[start..];
        let end = candidate
            .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '`'))
            .unwrap_or(candidate.len());
        let url = trim_url(&candidate[..end]);
        if url.len() <= scheme.len() {
            escape(&rest[..start + scheme.len()], out);
            rest = &rest[start + scheme.len()..];
            continue;
        }
        escape(&rest[..start], out);
        out.push_str("<a href=\"");
        escape(url, out);
        out.push_str("\" rel=\"noopener noreferrer\" target=\"_blank\">");
        escape(url, out);
        out.push_str("</a>");
        rest = &rest[start + url.len()..];
    }
    escape(rest, out);
}

fn find_scheme(text: &str) -> Option<(usize, &'static str)> {
    SCHEMES
        .iter()
        .filter_map(|s| {
            text.char_indices()
                .map(|(i, _)| i)
                .find(|&i| {
                    text[i..]
                        .get(..s.len())
                        .is_some_and(|p| p.eq_ignore_ascii_case(s))
                        && (i == 0 || !text[..i].ends_with(|c: char| c.is_alphanumeric()))
                })
                .map(|i| (i, *s))
        })
        .min_by_key(|(i, _)| *i)
}

/// Drops trailing punctuation that ends a sentence rather than the URL; keeps a closing
/// parenthesis when the URL opened one (Wikipedia links).
fn trim_url(url: &str) -> &str {
    let mut url = url;
    loop {
        let Some(last) = url.chars().last() else {
            return url;
        };
        let strip = match last {
            '.' | ',' | ';' | ':' | '!' | '?' | '\'' | ']' | '}' => true,
            ')' => url.matches('(').count() < url.matches(')').count(),
            _ => false,
        };
        if !strip {
            return url;
        }
        url = &url[..url.len() - last.len_utf8()];
    }
}

/// Human size: `512 B`, `14 KB`, `3.2 MB`.
pub fn human_size(bytes: u64) -> String {
    let mut s = String::new();
    if bytes < 1024 {
        let _ = write!(s, "{bytes} B");
    } else if bytes < 1024 * 1024 {
        let _ = write!(s, "{} KB", bytes.div_ceil(1024));
    } else {
        let _ = write!(s, "{:.1} MB", bytes as f64 / (1024.0 * 1024.0));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_text_is_escaped() {
        assert_eq!(
            to_html("<script>alert('x')</script> & co"),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co\n"
        );
    }

    #[test]
    fn urls_become_links_without_trailing_punctuation() {
        let html = to_html("See https://example.org/n/42. Thanks");
        assert!(html.contains(
            "<a href=\"https://example.org/n/42\" rel=\"noopener noreferrer\" target=\"_blank\">https://example.org/n/42</a>. Thanks"
        ), "{html}");
    }

    #[test]
    fn a_url_cannot_break_out_of_its_attribute() {
        let html = to_html("http://x.org/\"onmouseover=alert(1)");
        assert!(!html.contains("\"onmouseover"), "{html}");
    }

    #[test]
    fn javascript_urls_stay_text() {
        assert_eq!(to_html("javascript:alert(1)"), "javascript:alert(1)\n");
    }

    #[test]
    fn parentheses_in_urls_are_balanced() {
        let html = to_html("(see https://en.wikipedia.org/wiki/Rust_(language))");
        assert!(
            html.contains(">https://en.wikipedia.org/wiki/Rust_(language)</a>)"),
            "{html}"
        );
    }

    #[test]
    fn quoted_lines_nest() {
        assert_eq!(
            to_html("hi\n> a\n> > b\nbye"),
            "hi\n<blockquote>a\n<blockquote>b\n</blockquote></blockquote>bye\n"
        );
    }

    #[test]
    fn sizes_read_like_people_write_them() {
        assert_eq!(human_size(512), "512 B");
        assert_eq!(human_size(14 * 1024), "14 KB");
        assert_eq!(human_size(3_355_443), "3.2 MB");
    }
}
