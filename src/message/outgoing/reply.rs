//! Answering and passing on a message: subjects that do not pile up prefixes, who a reply
//! goes to, the quoted original with its attribution line, the forwarded header block, and
//! the threading headers (`In-Reply-To`, `References`).

use crate::message::headers::Person;

/// Prefixes mail programs put before a subject for replies and forwards, in the languages
/// Posta's people write in (compared case-insensitively, with or without a count: `Re[2]:`).
const PREFIXES: [&str; 12] = [
    "re",
    "fwd",
    "fw",
    "aw",
    "wg",
    "sv",
    "vs",
    "tr",
    "отв",
    "пересл",
    "ответ",
    "rv",
];

/// The subject without any leading reply or forward prefixes: `Re: RE: Fwd: Отв: x` → `x`.
pub fn base_subject(subject: &str) -> &str {
    let mut rest = subject.trim();
    loop {
        let Some((head, tail)) = rest.split_once(':') else {
            return rest;
        };
        let word = head.trim();
        // `Re[2]` and `Re(2)` count as `Re`.
        let word = word
            .split_once(['[', '('])
            .filter(|(_, n)| {
                n.trim_end_matches([']', ')'])
                    .chars()
                    .all(|c| c.is_ascii_digit())
            })
            .map_or(word, |(w, _)| w);
        if PREFIXES.iter().any(|p| word.to_lowercase() == *p) {
            rest = tail.trim_start();
        } else {
            return rest;
        }
    }
}

/// `Re: ` and the subject without older prefixes.
pub fn reply_subject(subject: &str) -> String {
    format!("Re: {}", base_subject(subject))
}

/// `Fwd: ` and the subject without older prefixes.
pub fn forward_subject(subject: &str) -> String {
    format!("Fwd: {}", base_subject(subject))
}

/// What a reply needs to know of the original.
#[derive(Clone, Debug, Default)]
pub struct Original {
    pub from: Vec<Person>,
    pub reply_to: Vec<Person>,
    pub to: Vec<Person>,
    pub cc: Vec<Person>,
    pub subject: String,
    /// As the sender wrote it, for the attribution line.
    pub date: Option<String>,
    /// With angle brackets, e.g. `<abc@x.org>`.
    pub message_id: Option<String>,
    pub references: Vec<String>,
    /// The text to quote (plain text, or HTML turned into text).
    pub text: String,
}

/// Who a reply goes to: `Reply-To` if set, else `From`. Reply-all adds every other `To` and
/// `Cc`, without the person's own address and without anyone twice.
pub fn recipients(original: &Original, all: bool, own: &str) -> (Vec<Person>, Vec<Person>) {
    let author = if original.reply_to.is_empty() {
        &original.from
    } else {
        &original.reply_to
    };
    let mut seen: Vec<String> = Vec::new();
    let take = |seen: &mut Vec<String>, people: &[Person]| -> Vec<Person> {
        people
            .iter()
            .filter(|p| !p.address.is_empty())
            .filter(|p| {
                let key = p.address.to_lowercase();
                if seen.contains(&key) {
                    return false;
                }
                seen.push(key);
                true
            })
            .cloned()
            .collect()
    };
    let own_key = own.to_lowercase();
    let mut to = take(&mut seen, author);
    if !all {
        return (to, Vec::new());
    }
    // One's own address stays out of a reply-all — unless replying to oneself is all there is.
    seen.push(own_key.clone());
    let mut more = take(&mut seen, &original.to);
    to.append(&mut more);
    let cc = take(&mut seen, &original.cc);
    if to.len() > 1 {
        to.retain(|p| p.address.to_lowercase() != own_key);
    }
    (to, cc)
}

/// `On Mon, 1 Jan 2024 10:00 +0000, Ivan <ivan@x.ru> wrote:` in the interface's language.
pub fn attribution(original: &Original, template: fn(&str, &str) -> String) -> String {
    let who = original
        .from
        .first()
        .map(super::addresses::format_person)
        .unwrap_or_default();
    template(original.date.as_deref().unwrap_or(""), &who)
}

/// The original's text with `> ` before each line (`>` alone on empty lines, and no space
/// between nested markers, as mail programs do).
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for line in text.trim_end().lines() {
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            out.push_str(">\n");
        } else if line.starts_with('>') {
            out.push('>');
            out.push_str(line);
            out.push('\n');
        } else {
            out.push_str("> ");
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// The `References` of a reply: the original's, then its own Message-ID; the oldest and the
/// newest kept when very long (RFC 5322 §3.6.4 allows trimming the middle).
pub fn references(original: &Original) -> Vec<String> {
    let mut refs: Vec<String> = original
        .references
        .iter()
        .filter_map(|r| message_id(r))
        .collect();
    if let Some(id) = original.message_id.as_deref().and_then(message_id) {
        refs.push(id);
    }
    if refs.len() > 20 {
        let tail = refs.split_off(refs.len() - 19);
        refs.truncate(1);
        refs.extend(tail);
    }
    refs
}

/// A Message-ID in angle brackets, or `None` for anything that is not one — so nothing a
/// message says can put a line break or a second header into a reply.
pub fn message_id(text: &str) -> Option<String> {
    let inner = text.trim().trim_start_matches('<').trim_end_matches('>');
    let ok = !inner.is_empty()
        && inner.len() <= 250
        && inner.contains('@')
        && inner
            .chars()
            .all(|c| c.is_ascii_graphic() && !matches!(c, '<' | '>' | '"' | '\\'));
    ok.then(|| format!("<{inner}>"))
}

/// The block that opens an inline forward: the original's headers, then its text.
pub fn forward_block(original: &Original, labels: &ForwardLabels) -> String {
    let people = |list: &[Person]| super::addresses::format_list(list);
    let mut out = format!("-------- {} --------\n", labels.title);
    out.push_str(&format!("{}: {}\n", labels.subject, original.subject));
    if let Some(date) = &original.date {
        out.push_str(&format!("{}: {date}\n", labels.date));
    }
    out.push_str(&format!("{}: {}\n", labels.from, people(&original.from)));
    if !original.to.is_empty() {
        out.push_str(&format!("{}: {}\n", labels.to, people(&original.to)));
    }
    if !original.cc.is_empty() {
        out.push_str(&format!("{}: {}\n", labels.cc, people(&original.cc)));
    }
    out.push('\n');
    out.push_str(original.text.trim_end());
    out.push('\n');
    out
}

/// The words of the forwarded header block, in the interface's language.
pub struct ForwardLabels {
    pub title: &'static str,
    pub subject: &'static str,
    pub date: &'static str,
    pub from: &'static str,
    pub to: &'static str,
    pub cc: &'static str,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(name: &str, address: &str) -> Person {
        Person {
            name: name.into(),
            address: address.into(),
        }
    }

    #[test]
    fn prefixes_do_not_pile_up() {
        assert_eq!(reply_subject("Lunch"), "Re: Lunch");
        assert_eq!(reply_subject("Re: Lunch"), "Re: Lunch");
        assert_eq!(reply_subject("RE: re: Re[3]: Lunch"), "Re: Lunch");
        assert_eq!(reply_subject("Fwd: Re: Lunch"), "Re: Lunch");
        assert_eq!(reply_subject("Отв: Обед"), "Re: Обед");
        assert_eq!(forward_subject("FW: Re: Lunch"), "Fwd: Lunch");
        assert_eq!(forward_subject(""), "Fwd: ");
        // A colon that is not after a prefix stays.
        assert_eq!(reply_subject("Agenda: Monday"), "Re: Agenda: Monday");
    }

    #[test]
    fn reply_goes_to_reply_to_else_from() {
        let mut original = Original {
            from: vec![p("Bob", "bob@x.org")],
            to: vec![p("", "me@x.org"), p("Carol", "carol@x.org")],
            cc: vec![p("", "dave@x.org")],
            ..Original::default()
        };
        assert_eq!(recipients(&original, false, "me@x.org").0, original.from);
        original.reply_to = vec![p("", "list@x.org")];
        assert_eq!(
            recipients(&original, false, "me@x.org").0,
            vec![p("", "list@x.org")]
        );
    }

    #[test]
    fn reply_all_leaves_out_oneself_and_duplicates() {
        let original = Original {
            from: vec![p("Bob", "bob@x.org")],
            to: vec![
                p("", "ME@x.org"),
                p("Carol", "carol@x.org"),
                p("", "bob@x.org"),
            ],
            cc: vec![
                p("", "dave@x.org"),
                p("", "carol@x.org"),
                p("Me", "me@x.org"),
            ],
            ..Original::default()
        };
        let (to, cc) = recipients(&original, true, "me@x.org");
        assert_eq!(to, vec![p("Bob", "bob@x.org"), p("Carol", "carol@x.org")]);
        assert_eq!(cc, vec![p("", "dave@x.org")]);
    }

    #[test]
    fn replying_to_ones_own_message_goes_to_its_recipients() {
        let original = Original {
            from: vec![p("", "me@x.org")],
            to: vec![p("", "bob@x.org")],
            ..Original::default()
        };
        let (to, _) = recipients(&original, true, "me@x.org");
        assert_eq!(to, vec![p("", "bob@x.org")]);
    }

    #[test]
    fn quoting_marks_every_line() {
        assert_eq!(quote("Hi\n\n> old\nbye\n\n"), "> Hi\n>\n>> old\n> bye\n");
    }

    #[test]
    fn references_chain_and_refuse_junk() {
        let original = Original {
            message_id: Some("<c@x>".into()),
            references: vec!["<a@x>".into(), "junk".into(), "<b@x>\r\nBcc: e@x".into()],
            ..Original::default()
        };
        assert_eq!(references(&original), vec!["<a@x>", "<c@x>"]);
        assert_eq!(message_id("<b@x>"), Some("<b@x>".into()));
        assert_eq!(message_id("b@x"), Some("<b@x>".into()));
    }

    #[test]
    fn long_reference_chains_keep_the_first_and_the_latest() {
        let original = Original {
            message_id: Some("<last@x>".into()),
            references: (0..40).map(|i| format!("<{i}@x>")).collect(),
            ..Original::default()
        };
        let refs = references(&original);
        assert_eq!(refs.len(), 20);
        assert_eq!(refs[0], "<0@x>");
        assert_eq!(refs[19], "<last@x>");
        assert_eq!(refs[18], "<39@x>");
    }
}
