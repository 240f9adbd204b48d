//! The folder list: every mailbox the server LISTs, names decoded from modified UTF-7,
//! special-use roles recognised (by attribute, else by the usual localized names), unread
//! counts and subscriptions, ordered as a tree with the Inbox and role folders first; and
//! the folder for a role, created when the account has none.

use std::collections::{BTreeMap, HashMap, HashSet};

use async_imap::error::Error as ImapError;
use async_imap::imap_proto::{MailboxListData, NameAttribute, StatusAttribute};
use async_imap::types::UnsolicitedResponse;
use futures::TryStreamExt;

use super::MailboxName;
use super::actions::create_folder;
use super::connection::Connection;
use super::utf7;

/// What a folder is for, from RFC 6154 SPECIAL-USE or its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Inbox,
    Drafts,
    Sent,
    Archive,
    Junk,
    Trash,
}

impl Role {
    /// Names servers without SPECIAL-USE commonly give these folders (Mail.ru, Yandex,
    /// Outlook, Thunderbird defaults), compared case-insensitively.
    fn from_name(name: &str) -> Option<Role> {
        let lower = name.to_lowercase();
        let role = match lower.as_str() {
            "sent"
            | "sent items"
            | "sent messages"
            | "sent mail"
            | "отправленные"
            | "исходящие" => Role::Sent,
            "drafts" | "draft" | "черновики" => Role::Drafts,
            "trash" | "deleted" | "deleted items" | "deleted messages" | "bin" | "корзина"
            | "удаленные" | "удалённые" => Role::Trash,
            "junk" | "spam" | "junk e-mail" | "junk email" | "bulk mail" | "спам" => Role::Junk,
            "archive" | "archives" | "all mail" | "архив" => Role::Archive,
            _ => return None,
        };
        Some(role)
    }
}

/// Parents whose children are named like top-level role folders: `INBOX/Sent` (Courier,
/// Cyrus) and `[Gmail]/Sent Mail` (Gmail and Google Workspace, when they are reached
/// without SPECIAL-USE).
fn role_parent(parent: &str) -> bool {
    parent.eq_ignore_ascii_case("INBOX")
        || parent.eq_ignore_ascii_case("[Gmail]")
        || parent.eq_ignore_ascii_case("[Google Mail]")
}

/// One folder as shown in the sidebar.
#[derive(Clone, Debug)]
pub struct Folder {
    /// Decoded full name, e.g. `Projects/Rust` or `Работа`; what URLs carry.
    pub name: String,
    /// Last path segment, for display.
    pub leaf: String,
    /// Nesting depth (0 for top level).
    pub depth: usize,
    pub role: Option<Role>,
    /// False for `\Noselect` containers and parents the server did not list.
    pub selectable: bool,
    /// False for parents the server did not list, added only to keep the tree whole: there
    /// is no mailbox of that name to rename or delete.
    pub listed: bool,
    /// In the server's subscription list (LSUB): the sidebar shows only these (plus the
    /// Inbox and role folders), as other mail programs do.
    pub subscribed: bool,
    pub unseen: Option<u32>,
    pub total: Option<u32>,
}

/// All folders in display order, plus the hierarchy delimiter.
#[derive(Clone, Debug, Default)]
pub struct FolderList {
    pub folders: Vec<Folder>,
    pub delimiter: Option<String>,
}

impl FolderList {
    pub fn find(&self, name: &str) -> Option<&Folder> {
        self.folders.iter().find(|f| f.name == name)
    }

    pub fn by_role(&self, role: Role) -> Option<&Folder> {
        self.folders.iter().find(|f| f.role == Some(role))
    }

    /// The folders the sidebar shows, in display order: subscribed ones, the Inbox, role
    /// folders and `current` (so the open folder is never missing), with their parents so
    /// the tree stays whole.
    pub fn sidebar<'a>(&'a self, current: &str) -> impl Iterator<Item = &'a Folder> + 'a {
        let wanted: Vec<&str> = self
            .folders
            .iter()
            .filter(|f| f.subscribed || f.role.is_some() || f.name == current)
            .map(|f| f.name.as_str())
            .collect();
        let delimiter = self.delimiter.clone();
        self.folders.iter().filter(move |f| {
            wanted.iter().any(|w| {
                *w == f.name
                    || delimiter.as_deref().is_some_and(|d| {
                        w.strip_prefix(f.name.as_str())
                            .is_some_and(|rest| rest.starts_with(d))
                    })
            })
        })
    }

    /// Of `names`, the one in the language of the account's other role folders.
    pub fn name_for_new(&self, names: NewFolderName) -> &'static str {
        let cyrillic = |c: char| ('\u{0400}'..='\u{04FF}').contains(&c);
        let russian = self
            .folders
            .iter()
            .any(|f| f.role.is_some() && f.leaf.chars().any(cyrillic));
        if russian {
            names.russian
        } else {
            names.english
        }
    }

    /// Folders below `name` (children, grandchildren…), in display order.
    pub fn descendants<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a Folder> + 'a {
        let prefix = self.delimiter.as_deref().map(|d| format!("{name}{d}"));
        self.folders
            .iter()
            .filter(move |f| prefix.as_deref().is_some_and(|p| f.name.starts_with(p)))
    }
}

/// What a role folder Posta creates is called, in the two languages accounts' folders come
/// in here: Russian beside other Russian role folders («Отправленные»), English otherwise.
/// The words are the interface's (from `i18n`); this layer only chooses between them.
#[derive(Clone, Copy, Debug)]
pub struct NewFolderName {
    pub english: &'static str,
    pub russian: &'static str,
}

/// The folder mail with a role goes to.
#[derive(Clone, Debug)]
pub enum RoleFolder {
    /// The account's own folder for the role.
    Found(Folder),
    /// A folder made for the role just now, or one of its name that was there unrecognised.
    Made(MailboxName),
}

impl RoleFolder {
    /// The name to give IMAP commands.
    pub fn wire(&self) -> String {
        match self {
            RoleFolder::Found(folder) => MailboxName::parse(&folder.name)
                .map(|n| n.wire())
                .unwrap_or_else(|| folder.name.clone()),
            RoleFolder::Made(name) => name.wire(),
        }
    }
}

/// The account's folder for `role`, else one created (and subscribed) under `names`, in the
/// language of the account's other role folders. A folder of that name may exist without
/// being recognised (another language's role folders, say): it is used rather than failing
/// to create it.
pub async fn role_folder(
    imap: &mut Connection,
    folders: &FolderList,
    role: Role,
    names: NewFolderName,
) -> Result<RoleFolder, ImapError> {
    if let Some(folder) = folders.by_role(role) {
        return Ok(RoleFolder::Found(folder.clone()));
    }
    let name = folders.name_for_new(names);
    let mailbox = MailboxName::parse(name)
        .ok_or_else(|| ImapError::Bad(format!("“{name}” cannot be a folder name")))?;
    if folders.find(name).is_none() {
        create_folder(imap, &mailbox.wire()).await?;
    }
    Ok(RoleFolder::Made(mailbox))
}

/// A folder as LISTed, before ordering.
struct Listed {
    wire: String,
    delimiter: Option<String>,
    attributes: Vec<NameAttribute<'static>>,
    subscribed: bool,
}

/// LISTs every folder with its counts and subscriptions: one round trip on servers with
/// LIST-EXTENDED and LIST-STATUS (Dovecot, Cyrus; Gmail has not), else a STATUS per
/// selectable folder and an LSUB.
pub async fn list(imap: &mut Connection) -> Result<FolderList, ImapError> {
    let extended = imap.caps.has("LIST-EXTENDED");
    let list_status = imap.caps.has("LIST-STATUS");
    let special_use = imap.caps.has("SPECIAL-USE") && extended;
    let returns: Vec<&str> = [
        extended.then_some("SUBSCRIBED"),
        special_use.then_some("SPECIAL-USE"),
        list_status.then_some("STATUS (MESSAGES UNSEEN)"),
    ]
    .into_iter()
    .flatten()
    .collect();
    let pattern = if returns.is_empty() {
        "\"*\"".to_owned()
    } else {
        format!("\"*\" RETURN ({})", returns.join(" "))
    };
    let mut listed: Vec<Listed> = imap
        .session
        .list(Some(""), Some(&pattern))
        .await?
        .map_ok(|n| Listed {
            wire: n.name().to_owned(),
            delimiter: n.delimiter().map(str::to_owned),
            subscribed: n.attributes().iter().any(is_subscribed_attribute),
            attributes: n
                .attributes()
                .iter()
                .map(|a| a.clone().into_owned())
                .collect(),
        })
        .try_collect()
        .await?;

    let mut counts: HashMap<String, (Option<u32>, Option<u32>)> = HashMap::new();
    if list_status {
        while let Ok(response) = imap.session.unsolicited_responses.try_recv() {
            if let UnsolicitedResponse::Status {
                mailbox,
                attributes,
            } = response
            {
                counts.insert(mailbox, status_counts(&attributes));
            } else {
                // News of the selected mailbox that came with the list.
                imap.note_unsolicited(&response);
            }
        }
    } else {
        for l in listed.iter().filter(|l| is_selectable(&l.attributes)) {
            // A NO leaves this folder's counts unknown instead of failing the whole list:
            // another mail program may have deleted it since the LIST, or the person may
            // see it without the right to read it.
            match imap.session.status(&l.wire, "(MESSAGES UNSEEN)").await {
                Ok(status) => {
                    counts.insert(l.wire.clone(), (status.unseen, Some(status.exists)));
                }
                Err(ImapError::No(said)) => {
                    tracing::debug!(mailbox = %l.wire, said = %said.trim(), "no counts");
                }
                Err(e) => return Err(e),
            }
        }
    }
    if !extended {
        // LSUB may name mailboxes that no longer exist; only listed ones are marked.
        let subscribed: HashSet<String> = imap
            .session
            .lsub(Some(""), Some("*"))
            .await?
            .map_ok(|n| n.name().to_owned())
            .try_collect()
            .await?;
        for l in &mut listed {
            l.subscribed = subscribed.contains(&l.wire);
        }
    }
    Ok(arrange(listed, &counts))
}

/// The folder list a server's LIST answers make, as [`list`] builds it from them: for the
/// fuzz target (`imap::fuzz`), which has the answers without a server.
pub(super) fn from_listed<'a>(
    answers: impl IntoIterator<Item = &'a MailboxListData<'a>>,
) -> FolderList {
    let listed = answers
        .into_iter()
        .map(|l| Listed {
            wire: l.name.to_string(),
            delimiter: l.delimiter.as_deref().map(str::to_owned),
            subscribed: l.name_attributes.iter().any(is_subscribed_attribute),
            attributes: l
                .name_attributes
                .iter()
                .map(|a| a.clone().into_owned())
                .collect(),
        })
        .collect();
    arrange(listed, &HashMap::new())
}

/// `\Subscribed`, which LIST-EXTENDED servers add when asked to `RETURN (SUBSCRIBED)`.
fn is_subscribed_attribute(attribute: &NameAttribute) -> bool {
    matches!(attribute, NameAttribute::Extension(e) if e.eq_ignore_ascii_case("\\Subscribed"))
}

fn status_counts(attributes: &[StatusAttribute]) -> (Option<u32>, Option<u32>) {
    let mut unseen = None;
    let mut total = None;
    for a in attributes {
        match a {
            StatusAttribute::Unseen(n) => unseen = Some(*n),
            StatusAttribute::Messages(n) => total = Some(*n),
            _ => {}
        }
    }
    (unseen, total)
}

fn is_selectable(attributes: &[NameAttribute]) -> bool {
    !attributes.iter().any(|a| match a {
        NameAttribute::NoSelect => true,
        NameAttribute::Extension(e) => e.eq_ignore_ascii_case("\\NonExistent"),
        _ => false,
    })
}

fn role_from_attributes(attributes: &[NameAttribute]) -> Option<Role> {
    attributes.iter().find_map(|a| match a {
        NameAttribute::Sent => Some(Role::Sent),
        NameAttribute::Drafts => Some(Role::Drafts),
        NameAttribute::Trash => Some(Role::Trash),
        NameAttribute::Junk => Some(Role::Junk),
        NameAttribute::Archive => Some(Role::Archive),
        NameAttribute::Extension(e) if e.eq_ignore_ascii_case("\\Spam") => Some(Role::Junk),
        _ => None,
    })
}

/// Builds the display order: Inbox, then role folders in a fixed order, then the rest by
/// name; children right after their parent. Parents the server did not list are added as
/// unselectable so the tree stays whole.
fn arrange(
    listed: Vec<Listed>,
    counts: &HashMap<String, (Option<u32>, Option<u32>)>,
) -> FolderList {
    let delimiter = listed.iter().find_map(|l| l.delimiter.clone());
    let delim = delimiter.clone().unwrap_or_else(|| "/".to_owned());
    let roles = roles(&listed, &delim);
    let mut root = Node::default();
    for l in &listed {
        let (unseen, total) = counts.get(&l.wire).copied().unwrap_or((None, None));
        root.insert(
            l,
            &delim,
            Counted {
                role: roles.get(&l.wire).copied(),
                unseen,
                total,
            },
        );
    }
    let mut folders = Vec::new();
    root.walk(&mut folders);
    FolderList { folders, delimiter }
}

/// The role of each listed folder, by wire name. Roles by attribute win; names only fill
/// roles no attribute claimed, and only for top-level folders or direct children of the
/// parents servers put them under.
fn roles(listed: &[Listed], delim: &str) -> HashMap<String, Role> {
    let mut roles: HashMap<String, Role> = HashMap::new();
    for l in listed {
        if l.wire.eq_ignore_ascii_case("INBOX") {
            roles.insert(l.wire.clone(), Role::Inbox);
        } else if let Some(r) = role_from_attributes(&l.attributes)
            && !roles.values().any(|&taken| taken == r)
        {
            roles.insert(l.wire.clone(), r);
        }
    }
    for l in listed {
        let decoded = utf7::decode(&l.wire);
        let leaf = decoded.rsplit(delim).next().unwrap_or(&decoded);
        let shallow = !decoded.contains(delim)
            || decoded
                .split_once(delim)
                .is_some_and(|(p, rest)| role_parent(p) && !rest.contains(delim));
        if let Some(r) = Role::from_name(leaf).filter(|_| shallow)
            && !roles.contains_key(&l.wire)
            && !roles.values().any(|&taken| taken == r)
        {
            roles.insert(l.wire.clone(), r);
        }
    }
    roles
}

/// What is known of a listed folder besides its name.
struct Counted {
    role: Option<Role>,
    unseen: Option<u32>,
    total: Option<u32>,
}

/// Folders nest this many levels at most: the rest of a deeper name is the last level's
/// leaf (`a/b/…/x/y/z` shows `x/y/z` there), so the folder keeps its name and stays usable.
/// Real hierarchies stay under ten levels; a server's name of a hundred thousand levels
/// would otherwise make a tree walked and dropped recursively, once per level, and a path
/// string per level, each as long as the levels above it.
const MAX_DEPTH: usize = 32;

/// The folder tree, keyed by path segment; ordering happens when walking it.
#[derive(Default)]
struct Node {
    folder: Option<Folder>,
    children: BTreeMap<String, Node>,
}

impl Node {
    /// Adds a listed folder, and the parents on its way the server did not list.
    fn insert(&mut self, l: &Listed, delim: &str, counted: Counted) {
        let name = if l.wire.eq_ignore_ascii_case("INBOX") {
            "INBOX".to_owned()
        } else {
            utf7::decode(&l.wire)
        };
        let segments: Vec<&str> = name.splitn(MAX_DEPTH, delim).collect();
        let mut node = self;
        for (depth, segment) in segments.iter().enumerate() {
            node = node.children.entry(segment.to_string()).or_default();
            let path = segments[..=depth].join(delim);
            if depth + 1 == segments.len() {
                node.folder = Some(Folder {
                    name: path,
                    leaf: segment.to_string(),
                    depth,
                    role: counted.role,
                    selectable: is_selectable(&l.attributes),
                    listed: true,
                    subscribed: l.subscribed,
                    unseen: counted.unseen,
                    total: counted.total,
                });
            } else if node.folder.is_none() {
                node.folder = Some(Folder {
                    name: path,
                    leaf: segment.to_string(),
                    depth,
                    role: None,
                    selectable: false,
                    listed: false,
                    subscribed: false,
                    unseen: None,
                    total: None,
                });
            }
        }
    }

    /// Inbox and role folders in their fixed order, then everything else by name.
    fn walk(self, out: &mut Vec<Folder>) {
        let mut children: Vec<Node> = self.children.into_values().collect();
        children.sort_by_cached_key(|c| {
            let f = c.folder.as_ref().expect("every node has a folder");
            (f.role.map_or(u8::MAX, |r| r as u8), f.leaf.to_lowercase())
        });
        for mut child in children {
            out.extend(child.folder.take());
            child.walk(out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(wire: &str, attributes: Vec<NameAttribute<'static>>) -> Listed {
        Listed {
            wire: wire.to_owned(),
            delimiter: Some("/".to_owned()),
            attributes,
            subscribed: false,
        }
    }

    fn names(list: &FolderList) -> Vec<(String, usize, Option<Role>)> {
        list.folders
            .iter()
            .map(|f| (f.name.clone(), f.depth, f.role))
            .collect()
    }

    #[test]
    fn inbox_and_roles_come_first_then_a_nested_tree() {
        let list = arrange(
            vec![
                listed("Zeta", vec![]),
                listed("&BCAEMAQxBD4EQgQw-", vec![]),
                listed("Trash", vec![NameAttribute::Trash]),
                listed("Projects/Rust", vec![]),
                listed("INBOX", vec![]),
                listed("Sent", vec![NameAttribute::Sent]),
                listed("Projects", vec![]),
            ],
            &HashMap::new(),
        );
        assert_eq!(
            names(&list),
            vec![
                ("INBOX".into(), 0, Some(Role::Inbox)),
                ("Sent".into(), 0, Some(Role::Sent)),
                ("Trash".into(), 0, Some(Role::Trash)),
                ("Projects".into(), 0, None),
                ("Projects/Rust".into(), 1, None),
                ("Zeta".into(), 0, None),
                ("Работа".into(), 0, None),
            ]
        );
    }

    #[test]
    fn localized_names_give_roles_when_the_server_has_no_special_use() {
        let list = arrange(
            vec![
                listed("INBOX", vec![]),
                listed("&BB4EQgQ,BEAEMAQyBDsENQQ9BD0ESwQ1-", vec![]),
                listed("&BBoEPgRABDcEOAQ9BDA-", vec![]),
                listed("&BCEEPwQwBDw-", vec![]),
            ],
            &HashMap::new(),
        );
        let roles: Vec<_> = list
            .folders
            .iter()
            .map(|f| (f.leaf.as_str(), f.role))
            .collect();
        assert!(roles.contains(&("Отправленные", Some(Role::Sent))));
        assert!(roles.contains(&("Корзина", Some(Role::Trash))));
        assert!(roles.contains(&("Спам", Some(Role::Junk))));
    }

    #[test]
    fn gmail_and_courier_role_folders_are_found_below_their_parents() {
        let list = arrange(
            vec![
                listed("INBOX", vec![]),
                listed("[Gmail]/Sent Mail", vec![]),
                listed("[Gmail]/Spam", vec![]),
                listed("[Gmail]/All Mail", vec![]),
                listed("INBOX/Trash", vec![]),
                listed("&BBgEQQRFBD4ENARPBEkEOAQ1-", vec![]),
                listed("Projects/Sent", vec![]),
            ],
            &HashMap::new(),
        );
        assert_eq!(list.by_role(Role::Sent).unwrap().name, "[Gmail]/Sent Mail");
        assert_eq!(list.by_role(Role::Junk).unwrap().name, "[Gmail]/Spam");
        assert_eq!(
            list.by_role(Role::Archive).unwrap().name,
            "[Gmail]/All Mail"
        );
        assert_eq!(list.by_role(Role::Trash).unwrap().name, "INBOX/Trash");
        // A project's own "Sent" subfolder is not the account's Sent folder.
        assert!(list.find("Projects/Sent").unwrap().role.is_none());
    }

    #[test]
    fn an_attribute_beats_a_name_for_the_same_role() {
        let list = arrange(
            vec![
                listed("Sent", vec![]),
                listed("Sent Mail", vec![NameAttribute::Sent]),
            ],
            &HashMap::new(),
        );
        assert_eq!(list.by_role(Role::Sent).unwrap().name, "Sent Mail");
    }

    #[test]
    fn missing_parents_are_added_as_unselectable() {
        let list = arrange(vec![listed("A/B/C", vec![])], &HashMap::new());
        let shown: Vec<_> = list
            .folders
            .iter()
            .map(|f| (f.name.as_str(), f.depth, f.selectable))
            .collect();
        assert_eq!(
            shown,
            vec![("A", 0, false), ("A/B", 1, false), ("A/B/C", 2, true)]
        );
    }

    #[test]
    fn the_sidebar_shows_subscribed_role_and_open_folders_with_their_parents() {
        let mut subscribed = listed("Projects/Rust/Async", vec![]);
        subscribed.subscribed = true;
        let list = arrange(
            vec![
                listed("INBOX", vec![]),
                listed("Trash", vec![NameAttribute::Trash]),
                listed("Projects", vec![]),
                listed("Projects/Rust", vec![]),
                subscribed,
                listed("Projects/Go", vec![]),
                listed("Hidden", vec![]),
                listed("Open", vec![]),
            ],
            &HashMap::new(),
        );

        let shown: Vec<&str> = list.sidebar("Open").map(|f| f.name.as_str()).collect();

        assert_eq!(
            shown,
            [
                "INBOX",
                "Trash",
                "Open",
                "Projects",
                "Projects/Rust",
                "Projects/Rust/Async"
            ]
        );
    }

    #[test]
    fn a_new_role_folder_takes_the_language_of_the_other_role_folders() {
        let names = NewFolderName {
            english: "Junk",
            russian: "Спам",
        };
        let english = arrange(
            vec![
                listed("INBOX", vec![]),
                listed("Sent", vec![NameAttribute::Sent]),
                listed("Проекты", vec![]),
            ],
            &HashMap::new(),
        );
        let russian = arrange(
            vec![
                listed("INBOX", vec![]),
                listed(&utf7::encode("Отправленные"), vec![]),
            ],
            &HashMap::new(),
        );
        assert_eq!(english.name_for_new(names), "Junk");
        assert_eq!(russian.name_for_new(names), "Спам");
    }

    /// A name of a hundred thousand levels (`a/a/a/…`) makes a tree of [`MAX_DEPTH`]
    /// levels, built, walked and dropped on a tokio worker's stack, and the folder at the
    /// bottom keeps its whole name.
    #[test]
    fn a_name_nested_a_hundred_thousand_deep_stops_at_the_limit_and_keeps_its_name() {
        let deep = vec!["a"; 100_000].join("/");
        let wire = deep.clone();
        let list = crate::message::on_a_worker_stack(move || {
            arrange(vec![listed(&wire, vec![])], &HashMap::new())
        });
        assert_eq!(list.folders.len(), MAX_DEPTH);
        let bottom = list.folders.last().unwrap();
        assert_eq!(bottom.depth, MAX_DEPTH - 1);
        assert_eq!(bottom.name, deep);
        assert!(bottom.listed && bottom.selectable);
        assert_eq!(bottom.leaf.len(), deep.len() - 2 * (MAX_DEPTH - 1));
    }

    #[test]
    fn counts_are_attached_by_wire_name() {
        let mut counts = HashMap::new();
        counts.insert("INBOX".to_owned(), (Some(3), Some(10)));
        let list = arrange(vec![listed("INBOX", vec![])], &counts);
        assert_eq!(list.folders[0].unseen, Some(3));
        assert_eq!(list.folders[0].total, Some(10));
    }
}
