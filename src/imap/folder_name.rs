//! Names for new and renamed folders: what a person typed (plus the parent they chose) turned
//! into a full mailbox name, or the reason it cannot be one.
//!
//! Quoting is async-imap's: `CREATE`, `RENAME`, `DELETE`, `SUBSCRIBE` and `UNSUBSCRIBE` send
//! the name as a quoted string, escaping `\` and `"` (and refusing CR and LF, which never
//! get that far: they are control characters, refused here). The wire form is modified
//! UTF-7, so it is printable ASCII and `{5}` inside the quotes is just text. So `a"b`,
//! `x\y` and `{5}` are fine names; what is refused is what would make trouble in a mailbox
//! list rather than on the wire:
//! - `%` and `*`, LIST wildcards: such a folder cannot be listed on its own;
//! - the hierarchy delimiter: it would make subfolders nobody asked for (`v1.2` on a server
//!   whose delimiter is `.`); the parent is chosen from the list instead;
//! - spaces at either end, which no one sees in a folder list but everyone must type;
//! - control characters.

use super::MailboxName;
use super::folders::FolderList;

/// Longest full name accepted, in characters: far above any real folder, far below the
/// limits of servers and of the URLs that carry the name.
pub const MAX_CHARS: usize = 200;

/// Why a typed name cannot become a folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NameProblem {
    Empty,
    /// Longer than [`MAX_CHARS`], parent included.
    TooLong,
    /// Spaces before or after the name.
    EdgeSpaces,
    ControlCharacter,
    /// `%` or `*`.
    Wildcard(char),
    /// Holds the server's hierarchy delimiter.
    Delimiter(String),
    /// A folder of that name exists (INBOX in any case).
    Exists(String),
}

/// Builds the full name for `typed` under `parent` (decoded; empty for the top level), with
/// the server's hierarchy `delimiter` (`None` on a flat server, where there are no parents).
pub fn full_name(
    typed: &str,
    parent: &str,
    delimiter: Option<&str>,
) -> Result<MailboxName, NameProblem> {
    if typed.trim().is_empty() {
        return Err(NameProblem::Empty);
    }
    if typed.trim() != typed {
        return Err(NameProblem::EdgeSpaces);
    }
    if typed.chars().any(char::is_control) {
        return Err(NameProblem::ControlCharacter);
    }
    if let Some(c) = typed.chars().find(|c| matches!(c, '%' | '*')) {
        return Err(NameProblem::Wildcard(c));
    }
    let full = match delimiter {
        Some(d) if typed.contains(d) => return Err(NameProblem::Delimiter(d.to_owned())),
        Some(d) if !parent.is_empty() => format!("{parent}{d}{typed}"),
        _ => typed.to_owned(),
    };
    if full.chars().count() > MAX_CHARS {
        return Err(NameProblem::TooLong);
    }
    MailboxName::parse(&full).ok_or(NameProblem::ControlCharacter)
}

/// Refuses `name` if a folder of that name exists. Only INBOX is case-insensitive (RFC 3501);
/// containers the server lists as `\Noselect` do not count, since creating one of them makes
/// it a real folder on servers that allow it and the server says no otherwise.
pub fn check_free(list: &FolderList, name: &MailboxName) -> Result<(), NameProblem> {
    let taken = name.as_str() == "INBOX"
        || list
            .folders
            .iter()
            .any(|f| f.listed && f.selectable && f.name == name.as_str());
    if taken {
        Err(NameProblem::Exists(name.as_str().to_owned()))
    } else {
        Ok(())
    }
}

/// Whether `name` is `folder` itself or below it: where a folder cannot be moved.
pub fn is_within(name: &str, folder: &str, delimiter: Option<&str>) -> bool {
    name == folder
        || delimiter.is_some_and(|d| {
            name.strip_prefix(folder)
                .is_some_and(|rest| rest.starts_with(d))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::imap::folders::Folder;

    fn folder(name: &str, selectable: bool) -> Folder {
        Folder {
            name: name.to_owned(),
            leaf: name.rsplit('/').next().unwrap().to_owned(),
            depth: name.matches('/').count(),
            role: None,
            selectable,
            listed: true,
            subscribed: true,
            unseen: None,
            total: None,
        }
    }

    fn list(folders: Vec<Folder>) -> FolderList {
        FolderList {
            folders,
            delimiter: Some("/".to_owned()),
        }
    }

    #[test]
    fn a_typed_name_goes_under_its_parent_with_the_servers_delimiter() {
        let name = full_name("Отчёты", "Проекты", Some("/")).unwrap();
        let dotted = full_name("Reports", "INBOX", Some(".")).unwrap();

        assert_eq!(name.as_str(), "Проекты/Отчёты");
        assert_eq!(
            name.wire(),
            "&BB8EQAQ+BDUEOgRCBEs-/&BB4EQgRHBFEEQgRL-",
            "each level is modified UTF-7, the delimiter stays as it is"
        );
        assert_eq!(dotted.as_str(), "INBOX.Reports");
    }

    #[test]
    fn the_delimiter_inside_a_typed_name_is_refused() {
        assert_eq!(
            full_name("Reports/2025", "", Some("/")),
            Err(NameProblem::Delimiter("/".into()))
        );
        assert_eq!(
            full_name("v1.2", "Projects", Some(".")),
            Err(NameProblem::Delimiter(".".into()))
        );
    }

    #[test]
    fn spaces_at_either_end_are_refused_and_inside_are_fine() {
        for typed in [" Travel", "Travel ", "Travel\u{a0}"] {
            assert_eq!(
                full_name(typed, "", Some("/")),
                Err(NameProblem::EdgeSpaces),
                "{typed:?}"
            );
        }
        assert_eq!(
            full_name("Travel 2025", "", Some("/")).unwrap().as_str(),
            "Travel 2025"
        );
    }

    #[test]
    fn empty_and_blank_names_are_refused() {
        assert_eq!(full_name("", "", Some("/")), Err(NameProblem::Empty));
        assert_eq!(
            full_name("   ", "Projects", Some("/")),
            Err(NameProblem::Empty)
        );
    }

    #[test]
    fn names_with_control_characters_are_refused() {
        for typed in [
            "Tab\there",
            "Line\nbreak",
            "CR\rhere",
            "Nul\0",
            "Next\u{85}line",
        ] {
            assert_eq!(
                full_name(typed, "", Some("/")),
                Err(NameProblem::ControlCharacter),
                "{typed:?}"
            );
        }
    }

    #[test]
    fn wildcards_are_refused_by_name() {
        assert_eq!(
            full_name("100%", "", Some("/")),
            Err(NameProblem::Wildcard('%'))
        );
        assert_eq!(
            full_name("Star*", "", Some("/")),
            Err(NameProblem::Wildcard('*'))
        );
    }

    #[test]
    fn quotes_backslashes_braces_and_other_punctuation_are_fine() {
        for typed in [
            "a\"b",
            "x\\y",
            "{5}",
            "R&D",
            "Q1 (draft) [old] #1 ~ok",
            "Café · Ünïcode",
        ] {
            assert_eq!(
                full_name(typed, "", Some("/")).unwrap().as_str(),
                typed,
                "{typed}"
            );
        }
    }

    #[test]
    fn on_a_flat_server_a_slash_is_just_a_character() {
        assert_eq!(full_name("A/B", "", None).unwrap().as_str(), "A/B");
    }

    #[test]
    fn two_hundred_characters_are_the_most_including_the_parent() {
        let exactly = "я".repeat(MAX_CHARS);
        let leaf = "x".repeat(MAX_CHARS - "Projects/".len() + 1);

        assert!(full_name(&exactly, "", Some("/")).is_ok());
        assert_eq!(
            full_name(&format!("{exactly}я"), "", Some("/")),
            Err(NameProblem::TooLong)
        );
        assert_eq!(
            full_name(&leaf, "Projects", Some("/")),
            Err(NameProblem::TooLong)
        );
    }

    #[test]
    fn an_existing_name_is_taken_and_inbox_in_any_case() {
        let folders = list(vec![folder("INBOX", true), folder("Работа", true)]);

        for typed in ["Работа", "inbox", "Inbox", "INBOX"] {
            let name = full_name(typed, "", Some("/")).unwrap();
            assert!(
                matches!(check_free(&folders, &name), Err(NameProblem::Exists(_))),
                "{typed}"
            );
        }
        let other_case = full_name("работа", "", Some("/")).unwrap();
        assert_eq!(check_free(&folders, &other_case), Ok(()));
    }

    #[test]
    fn a_noselect_container_does_not_take_its_name() {
        let folders = list(vec![folder("Проекты", false)]);
        let name = full_name("Проекты", "", Some("/")).unwrap();

        assert_eq!(check_free(&folders, &name), Ok(()));
    }

    #[test]
    fn a_folder_is_within_itself_and_its_subfolders_only() {
        assert!(is_within("Projects", "Projects", Some("/")));
        assert!(is_within("Projects/Rust", "Projects", Some("/")));
        assert!(!is_within("Projects2", "Projects", Some("/")));
        assert!(!is_within("Archive", "Projects", Some("/")));
    }
}
