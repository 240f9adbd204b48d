//! Plain text to HTML: everything is escaped first, then web and mail links become
//! clickable, and `>` quoted lines become nested quotes. The output is safe to mark `|safe`.
//! Also undoing format=flowed (RFC 3676), which must happen before quotes are nested.
//!
//! Why not the `linkify` crate: tried in its place (0.11, every test here passed), it leaves
//! links under non-ASCII top-level domains as text (`https://пример.рф/`: it wants two ASCII
//! letters after the last dot), and hosts with `_`, and it cuts `mailto:` links before their
//! `?subject=`. Posta's readers write in Russian; the tests below pin those cases.

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
    render(text.lines().map(quote_level))
}

/// Renders a format=flowed body as HTML: paragraphs joined, quote depth taken from the
/// flowed structure (so a space-stuffed `>` stays text, as RFC 3676 means it).
pub fn flowed_to_html(text: &str, delsp: bool) -> String {
    let lines = unflow_lines(text, delsp);
    render(lines.iter().map(|(depth, line)| (*depth, line.as_str())))
}

/// Quotes nest this deep at most when shown: deeper `>` levels show at this one. Replies to
/// replies rarely pass five; a sender's line of a hundred thousand `>` would otherwise open
/// as many `<blockquote>`s, which the browser lays out at a cost growing with their depth.
const MAX_QUOTE_DEPTH: usize = 8;

/// Lines with their quote depth, as HTML: nested `<blockquote>`s (at most
/// [`MAX_QUOTE_DEPTH`]), each line escaped and linkified.
fn render<'a>(lines: impl Iterator<Item = (usize, &'a str)>) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for (level, rest) in lines {
        let level = level.min(MAX_QUOTE_DEPTH);
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
            Some(r) if level < MAX_QUOTE_DEPTH => {
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

/// Undoes format=flowed: joins soft-broken lines (ending in a space) of the same quote
/// depth, removes space-stuffing, honours DelSp=yes, leaves the signature separator "-- "
/// alone. Output lines keep their ">" quote prefixes ("> " form) so `to_html` can nest them.
pub fn unflow(text: &str, delsp: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for (depth, line) in unflow_lines(text, delsp) {
        for _ in 0..depth {
            out.push_str("> ");
        }
        if depth > 0 && line.is_empty() {
            out.pop();
        }
        out.push_str(&line);
        out.push('\n');
    }
    if !text.ends_with('\n') {
        out.pop();
    }
    out
}

/// The logical lines of a format=flowed body, each with its quote depth: soft breaks joined
/// within one depth, space-stuffing removed, DelSp honoured, "-- " kept as it is.
pub fn unflow_lines(text: &str, delsp: bool) -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = Vec::new();
    // Quote depth of the paragraph whose last line was flowed, awaiting its continuation.
    let mut open: Option<usize> = None;
    let body = text.strip_suffix('\n').unwrap_or(text);
    for line in body.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let depth = line.bytes().take_while(|&b| b == b'>').count();
        let content = &line[depth..];
        let content = content.strip_prefix(' ').unwrap_or(content);
        // "-- " ends in a space but is never flowed, and it starts the signature even after
        // a flowed line, or the signature would be glued to the last sentence.
        let signature = content == "-- ";
        let flowed = !signature && content.ends_with(' ');
        // RFC 3676 §4.5: a flowed line followed by another quote depth counts as fixed.
        if open.is_some_and(|d| d != depth || signature) {
            open = None;
        }
        if open.is_none() {
            out.push((depth, String::new()));
        }
        let current = &mut out.last_mut().expect("a line was just pushed").1;
        match content.strip_suffix(' ') {
            Some(kept) if flowed && delsp => current.push_str(kept),
            _ => current.push_str(content),
        }
        open = flowed.then_some(depth);
    }
    out
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
    fn links_under_cyrillic_domains_are_made() {
        let html = to_html("Сайт: https://пример.рф/путь, почта mailto:info@почта.рф");
        assert!(
            html.contains(">https://пример.рф/путь</a>, почта <a href=\"mailto:info@почта.рф\""),
            "{html}"
        );
    }

    #[test]
    fn mailto_links_keep_their_query_and_other_schemes_stay_text() {
        let html = to_html("mailto:bob@x.org?subject=Hi ftp://x.org/f bob@x.org");
        assert!(
            html.contains(">mailto:bob@x.org?subject=Hi</a> ftp://x.org/f bob@x.org\n"),
            "{html}"
        );
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
    fn flowed_paragraphs_from_rfc_3676_are_joined() {
        // The shape of RFC 3676's examples: soft breaks end in a space, hard ones do not.
        let flowed = "`Take some more tea,' the March Hare said to Alice, very \r\n\
                      earnestly.\r\n\
                      \r\n\
                      `I've had nothing yet,' Alice replied in an offended tone, `so I \r\n\
                      can't take more.'\r\n";
        assert_eq!(
            unflow(flowed, false),
            "`Take some more tea,' the March Hare said to Alice, very earnestly.\n\
             \n\
             `I've had nothing yet,' Alice replied in an offended tone, `so I can't take more.'\n"
        );
    }

    #[test]
    fn fixed_lines_stay_as_they_are() {
        let text = "Line one\nLine two\n\nLast";
        assert_eq!(unflow(text, false), text);
    }

    #[test]
    fn delsp_removes_the_soft_break_space() {
        assert_eq!(
            unflow("日本語の \nテキストです。\n", true),
            "日本語のテキストです。\n"
        );
        assert_eq!(unflow("split wo \nrd\n", true), "split word\n");
    }

    #[test]
    fn quoted_flowed_paragraphs_join_within_their_depth() {
        let flowed = ">> Deeply quoted text that \n>> goes on.\n> Shallower text \n> too.\nMy answer \nhere.\n";
        assert_eq!(
            unflow(flowed, false),
            "> > Deeply quoted text that goes on.\n> Shallower text too.\nMy answer here.\n"
        );
    }

    #[test]
    fn a_flowed_line_before_a_change_of_depth_is_fixed() {
        assert_eq!(
            unflow("> quoted soft \nunquoted\n", false),
            "> quoted soft \nunquoted\n"
        );
    }

    #[test]
    fn the_signature_separator_is_left_alone() {
        assert_eq!(
            unflow("Bye \n-- \nAlice \nLiddell\n", false),
            "Bye \n-- \nAlice Liddell\n"
        );
        assert_eq!(unflow("> -- \n> Bob\n", true), "> -- \n> Bob\n");
    }

    #[test]
    fn space_stuffing_is_removed() {
        assert_eq!(
            unflow("  indented\n From here\n >not a quote\n", false),
            " indented\nFrom here\n>not a quote\n"
        );
    }

    #[test]
    fn empty_quoted_lines_keep_their_depth() {
        assert_eq!(unflow(">\n>>\n> a\n", false), ">\n> >\n> a\n");
    }

    #[test]
    fn unflowed_quotes_nest_in_html() {
        let html = to_html(&unflow(">> deep \n>> line\n> shallow\n", false));
        assert_eq!(
            html,
            "<blockquote><blockquote>deep line\n</blockquote>shallow\n</blockquote>"
        );
    }

    #[test]
    fn sizes_read_like_people_write_them() {
        assert_eq!(human_size(512), "512 B");
        assert_eq!(human_size(14 * 1024), "14 KB");
        assert_eq!(human_size(3_355_443), "3.2 MB");
    }
}
