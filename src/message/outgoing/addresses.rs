//! Address fields as people type them: `Ivan <ivan@x.ru>, "Doe, Jane" <jane@x.org>; bob@x`.
//! Lists split on commas and semicolons outside quotes and angle brackets; each entry is a
//! bare address or a name with one in `<…>`, quoted or not, in any script. Anything that is not
//! an address is reported as typed, so the page can say which one.

use lettre::Address;
use lettre::message::Mailbox;

use crate::message::headers::Person;

/// The most recipients one field takes: far above any real message, far below abuse.
pub const MAX_RECIPIENTS: usize = 500;

/// Why a field was refused: the entries that are not addresses, as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldError {
    NotAddresses(Vec<String>),
    TooMany,
}

/// Parses one field into mailboxes; an empty field is an empty list.
pub fn parse_list(field: &str) -> Result<Vec<Mailbox>, FieldError> {
    let entries = split_list(field);
    if entries.len() > MAX_RECIPIENTS {
        return Err(FieldError::TooMany);
    }
    let mut good = Vec::new();
    let mut bad = Vec::new();
    for entry in entries {
        match parse_one(&entry) {
            Some(mailbox) => good.push(mailbox),
            None => bad.push(entry),
        }
    }
    if bad.is_empty() {
        Ok(good)
    } else {
        Err(FieldError::NotAddresses(bad))
    }
}

/// Splits a field into trimmed, non-empty entries at `,` and `;` that are not inside a
/// quoted name or an angle-bracketed address.
pub fn split_list(field: &str) -> Vec<String> {
    let mut entries = Vec::new();
    let mut current = String::new();
    let (mut quoted, mut angle, mut escaped) = (false, false, false);
    for c in field.chars() {
        if escaped {
            current.push(c);
            escaped = false;
            continue;
        }
        match c {
            '\\' if quoted => {
                escaped = true;
                current.push(c);
            }
            '"' if !angle => {
                quoted = !quoted;
                current.push(c);
            }
            '<' if !quoted => {
                angle = true;
                current.push(c);
            }
            '>' if !quoted => {
                angle = false;
                current.push(c);
            }
            ',' | ';' if !quoted && !angle => {
                entries.push(std::mem::take(&mut current));
            }
            '\r' | '\n' | '\t' => current.push(' '),
            c => current.push(c),
        }
    }
    entries.push(current);
    entries
        .into_iter()
        .map(|e| e.trim().to_owned())
        .filter(|e| !e.is_empty())
        .collect()
}

/// One entry: `addr`, `<addr>`, `Name <addr>` or `"Name" <addr>`.
fn parse_one(entry: &str) -> Option<Mailbox> {
    let entry = entry.trim();
    let (name, address) = match entry.rfind('<') {
        Some(open) if entry.ends_with('>') => (
            unquote(entry[..open].trim()),
            entry[open + 1..entry.len() - 1].trim(),
        ),
        _ => (String::new(), entry),
    };
    let address = parse_address(address)?;
    let name = name.trim();
    Some(Mailbox::new(
        (!name.is_empty()).then(|| name.to_owned()),
        address,
    ))
}

/// An address with one `@`, no spaces or control characters, and a domain lettre (and so
/// the SMTP server) accepts — IDN domains included.
pub fn parse_address(text: &str) -> Option<Address> {
    let (user, domain) = text.rsplit_once('@')?;
    let plain = |s: &str| {
        !s.is_empty()
            && !s.chars().any(|c| {
                c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"' | ',' | ';')
            })
    };
    if !plain(user) || !plain(domain) || text.len() > 254 {
        return None;
    }
    Address::new(user, domain).ok()
}

/// A name without its surrounding quotes, backslash escapes undone; control characters
/// become spaces so no name can carry a line break into a header.
fn unquote(name: &str) -> String {
    let inner = name
        .strip_prefix('"')
        .and_then(|n| n.strip_suffix('"'))
        .unwrap_or(name);
    let mut out = String::with_capacity(inner.len());
    let mut escaped = false;
    for c in inner.chars() {
        match c {
            '\\' if !escaped => escaped = true,
            c if c.is_control() => {
                out.push(' ');
                escaped = false;
            }
            c => {
                out.push(c);
                escaped = false;
            }
        }
    }
    out
}

/// People as a field's text: names with characters that would split or confuse a list are
/// quoted, so the text parses back into the same people.
pub fn format_list<'a>(people: impl IntoIterator<Item = &'a Person>) -> String {
    people
        .into_iter()
        .filter(|p| !p.address.is_empty())
        .map(format_person)
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn format_person(person: &Person) -> String {
    let name = person.name.trim();
    if name.is_empty() || name == person.address {
        return person.address.clone();
    }
    let needs_quotes = name.chars().any(|c| {
        matches!(
            c,
            ',' | ';' | '<' | '>' | '"' | '@' | '(' | ')' | ':' | '\\' | '.' | '[' | ']'
        )
    });
    if needs_quotes {
        let escaped = name.replace('\\', "\\\\").replace('"', "\\\"");
        format!("\"{escaped}\" <{}>", person.address)
    } else {
        format!("{name} <{}>", person.address)
    }
}

/// A mailbox as a [`Person`].
pub fn person(mailbox: &Mailbox) -> Person {
    Person {
        name: mailbox.name.clone().unwrap_or_default(),
        address: mailbox.email.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(list: &[Mailbox]) -> Vec<(String, String)> {
        list.iter()
            .map(|m| (m.name.clone().unwrap_or_default(), m.email.to_string()))
            .collect()
    }

    #[test]
    fn names_with_commas_quotes_and_cyrillic_parse() {
        let list = parse_list(
            r#"Иван Петров <ivan@example.ru>, "Doe, Jane" <jane@x.org>; bob@x.org, "Say \"hi\"" <q@x.org>"#,
        )
        .unwrap();
        assert_eq!(
            shown(&list),
            vec![
                ("Иван Петров".into(), "ivan@example.ru".into()),
                ("Doe, Jane".into(), "jane@x.org".into()),
                (String::new(), "bob@x.org".into()),
                ("Say \"hi\"".into(), "q@x.org".into()),
            ]
        );
    }

    #[test]
    fn idn_domains_and_bare_brackets_parse() {
        let list = parse_list("<почта@пример.рф>").unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].email.domain(), "пример.рф");
    }

    #[test]
    fn empty_fields_and_stray_separators_give_nothing() {
        assert_eq!(parse_list("").unwrap(), vec![]);
        assert_eq!(parse_list(" , ;; ").unwrap(), vec![]);
    }

    #[test]
    fn what_is_not_an_address_is_reported_as_typed() {
        assert_eq!(
            parse_list("good@x.org, not an address, Bob <bob@>, a@b c"),
            Err(FieldError::NotAddresses(vec![
                "not an address".into(),
                "Bob <bob@>".into(),
                "a@b c".into()
            ]))
        );
    }

    #[test]
    fn line_breaks_cannot_reach_a_header() {
        let list = parse_list("\"Evil\r\nBcc: victim@x.org\" <a@x.org>").unwrap();
        assert_eq!(list[0].name.as_deref(), Some("Evil  Bcc: victim@x.org"));
        assert!(parse_list("a@x.org\r\nBcc: victim@x.org").is_err());
    }

    #[test]
    fn formatting_quotes_what_would_split_and_parses_back() {
        let people = [
            Person {
                name: "Doe, Jane".into(),
                address: "jane@x.org".into(),
            },
            Person {
                name: "Иван".into(),
                address: "ivan@x.ru".into(),
            },
            Person {
                name: String::new(),
                address: "bob@x.org".into(),
            },
        ];
        let text = format_list(&people);
        assert_eq!(
            text,
            "\"Doe, Jane\" <jane@x.org>, Иван <ivan@x.ru>, bob@x.org"
        );
        let back: Vec<Person> = parse_list(&text).unwrap().iter().map(person).collect();
        assert_eq!(back, people);
    }
}
