//! The words of the folders page (`/folders`): creating, renaming, deleting folders and
//! subscribing to them, in English and Russian.

use super::ru_plural;

/// Every phrase of the folders page.
pub struct FolderStrings {
    pub title: &'static str,
    /// The sidebar's link to this page.
    pub manage: &'static str,
    pub folder: &'static str,
    pub messages: &'static str,
    pub unread: &'static str,
    pub subscription: &'static str,
    pub subscribed: &'static str,
    pub not_subscribed: &'static str,
    pub subscribe: &'static str,
    /// Role folders show in the sidebar whatever their subscription: their state, said so.
    pub always_subscribed: &'static str,
    pub always_unsubscribed: &'static str,
    pub unsubscribe: &'static str,
    pub subscription_hint: &'static str,
    pub container: &'static str,
    pub special: &'static str,
    pub new_folder: &'static str,
    pub name: &'static str,
    pub inside: &'static str,
    pub top_level: &'static str,
    pub create: &'static str,
    pub rename_link: &'static str,
    /// "Rename or move “Projects”"
    pub rename_title: fn(&str) -> String,
    pub rename: &'static str,
    pub delete_link: &'static str,
    pub delete: &'static str,
    pub err_empty: &'static str,
    pub err_too_long: fn(usize) -> String,
    pub err_edge_spaces: &'static str,
    pub err_control: &'static str,
    pub err_wildcard: fn(char) -> String,
    pub err_delimiter: fn(&str) -> String,
    pub err_exists: fn(&str) -> String,
    pub err_special: fn(&str) -> String,
    pub err_holds_special: fn(&str) -> String,
    pub err_into_itself: &'static str,
    pub err_no_folder: &'static str,
    pub err_server: fn(&str) -> String,
    pub unchanged: &'static str,
    pub notice_created: fn(&str) -> String,
    pub notice_renamed: fn(&str, &str) -> String,
    pub notice_deleted: fn(&str) -> String,
    pub notice_subscribed: fn(&str) -> String,
    pub notice_unsubscribed: fn(&str) -> String,
    pub confirm_delete: fn(&str) -> String,
    /// "It holds 12 messages, which will be deleted with it."
    pub warn_messages: fn(u32) -> String,
    /// Subfolders, and the messages they hold.
    pub warn_subfolders: fn(usize, u32) -> String,
    /// What Posta names a role folder it has to create for an account whose other role
    /// folders are in this language.
    pub role_names: RoleFolderNames,
}

/// Names for new role folders, in one language.
pub struct RoleFolderNames {
    pub drafts: &'static str,
    pub sent: &'static str,
    pub archive: &'static str,
    pub junk: &'static str,
    pub trash: &'static str,
}

pub static EN: FolderStrings = FolderStrings {
    title: "Folders",
    manage: "Manage folders",
    folder: "Folder",
    messages: "Messages",
    unread: "Unread",
    subscription: "In the folder list",
    subscribed: "Shown",
    not_subscribed: "Hidden",
    subscribe: "Show",
    always_subscribed: "Always shown (subscribed)",
    always_unsubscribed: "Always shown (not subscribed)",
    unsubscribe: "Hide",
    subscription_hint: "The folder list at the side shows the folders you are subscribed to, as other mail programs do; Inbox and special folders always show.",
    container: "holds folders only",
    special: "special folder",
    new_folder: "New folder",
    name: "Name",
    inside: "Inside",
    top_level: "(top level)",
    create: "Create",
    rename_link: "Rename or move",
    rename_title: |folder| format!("Rename or move “{folder}”"),
    rename: "Save",
    delete_link: "Delete…",
    delete: "Delete folder",
    err_empty: "Enter a name for the folder.",
    err_too_long: |max| {
        format!(
            "The name is too long: at most {max} characters, counting the folders it is inside."
        )
    },
    err_edge_spaces: "The name may not start or end with a space.",
    err_control: "The name may not contain line breaks, tabs or other control characters.",
    err_wildcard: |c| format!("The name may not contain “{c}”: mail servers use it as a wildcard."),
    err_delimiter: |d| {
        format!(
            "The name may not contain “{d}”, which separates folders on this server. To put the folder inside another, choose that one under “Inside”."
        )
    },
    err_exists: |name| format!("There is already a folder called “{name}”."),
    err_special: |name| {
        format!(
            "“{name}” is a special folder (Inbox, Sent, Drafts, Trash, Spam or Archive): it cannot be renamed or deleted."
        )
    },
    err_holds_special: |name| {
        format!(
            "“{name}” holds a special folder (Sent, Drafts, Trash, Spam or Archive): it cannot be renamed or deleted."
        )
    },
    err_into_itself: "A folder cannot be moved into itself or into one of its subfolders.",
    err_no_folder: "There is no such folder any more. The list below is up to date.",
    err_server: |said| format!("The mail server refused: {said}"),
    unchanged: "Nothing changed: the folder already has that name and place.",
    notice_created: |name| format!("Folder “{name}” created."),
    notice_renamed: |old, new| format!("Folder “{old}” is now “{new}”."),
    notice_deleted: |name| format!("Folder “{name}” deleted."),
    notice_subscribed: |name| format!("“{name}” now shows in the folder list."),
    notice_unsubscribed: |name| {
        format!("“{name}” no longer shows in the folder list. It is still here, with its mail.")
    },
    confirm_delete: |name| format!("Delete the folder “{name}”?"),
    warn_messages: |n| match n {
        1 => "It holds 1 message, which will be deleted with it.".to_owned(),
        n => format!("It holds {n} messages, which will be deleted with it."),
    },
    warn_subfolders: en_subfolders,
    role_names: RoleFolderNames {
        drafts: "Drafts",
        sent: "Sent",
        archive: "Archive",
        junk: "Junk",
        trash: "Trash",
    },
};

pub static RU: FolderStrings = FolderStrings {
    title: "Папки",
    manage: "Настроить папки",
    folder: "Папка",
    messages: "Писем",
    unread: "Непрочитанных",
    subscription: "В списке папок",
    subscribed: "Показана",
    not_subscribed: "Скрыта",
    subscribe: "Показывать",
    always_subscribed: "Видна всегда (есть подписка)",
    always_unsubscribed: "Видна всегда (без подписки)",
    unsubscribe: "Скрыть",
    subscription_hint: "В списке папок сбоку показываются папки, на которые вы подписаны, как и в других почтовых программах; Входящие и служебные папки видны всегда.",
    container: "только для папок",
    special: "служебная папка",
    new_folder: "Новая папка",
    name: "Название",
    inside: "Внутри папки",
    top_level: "(верхний уровень)",
    create: "Создать",
    rename_link: "Переименовать или переместить",
    rename_title: |folder| format!("Переименовать или переместить «{folder}»"),
    rename: "Сохранить",
    delete_link: "Удалить…",
    delete: "Удалить папку",
    err_empty: "Введите название папки.",
    err_too_long: |max| {
        format!(
            "Название слишком длинное: не больше {max} символов вместе с названиями папок, в которых оно лежит."
        )
    },
    err_edge_spaces: "Название не может начинаться или заканчиваться пробелом.",
    err_control: "В названии не может быть переводов строки, табуляций и других управляющих символов.",
    err_wildcard: |c| {
        format!(
            "В названии не может быть «{c}»: почтовые серверы используют его как шаблон поиска."
        )
    },
    err_delimiter: |d| {
        format!(
            "В названии не может быть «{d}»: на этом сервере он разделяет папки. Чтобы положить папку в другую, выберите её в поле «Внутри папки»."
        )
    },
    err_exists: |name| format!("Папка «{name}» уже есть."),
    err_special: |name| {
        format!(
            "«{name}» — служебная папка (Входящие, Отправленные, Черновики, Корзина, Спам или Архив): её нельзя переименовать или удалить."
        )
    },
    err_holds_special: |name| {
        format!(
            "В папке «{name}» лежит служебная папка (Отправленные, Черновики, Корзина, Спам или Архив): её нельзя переименовать или удалить."
        )
    },
    err_into_itself: "Папку нельзя переместить в неё саму или в её вложенную папку.",
    err_no_folder: "Такой папки больше нет. Список ниже обновлён.",
    err_server: |said| format!("Почтовый сервер отказал: {said}"),
    unchanged: "Ничего не изменилось: у папки уже такое название и место.",
    notice_created: |name| format!("Папка «{name}» создана."),
    notice_renamed: |old, new| format!("Папка «{old}» теперь называется «{new}»."),
    notice_deleted: |name| format!("Папка «{name}» удалена."),
    notice_subscribed: |name| format!("Папка «{name}» теперь показывается в списке папок."),
    notice_unsubscribed: |name| {
        format!(
            "Папка «{name}» больше не показывается в списке папок. Она никуда не делась, письма в ней целы."
        )
    },
    confirm_delete: |name| format!("Удалить папку «{name}»?"),
    warn_messages: ru_messages,
    warn_subfolders: ru_subfolders,
    role_names: RoleFolderNames {
        drafts: "Черновики",
        sent: "Отправленные",
        archive: "Архив",
        junk: "Спам",
        trash: "Корзина",
    },
};

fn en_subfolders(folders: usize, messages: u32) -> String {
    let what = match folders {
        1 => "It has 1 subfolder".to_owned(),
        n => format!("It has {n} subfolders"),
    };
    match messages {
        0 => format!("{what}, which will be deleted too."),
        1 => format!("{what} (with 1 message), which will be deleted too."),
        m => format!("{what} (with {m} messages), which will be deleted too."),
    }
}

/// «Вместе с папкой будет удалено 1 письмо», «…будут удалены 3 письма», «…будет удалено 5
/// писем»: the verb agrees with the count as the noun does.
fn ru_messages(n: u32) -> String {
    let n = n as usize;
    let verb = ru_plural(n, "будет удалено", "будут удалены", "будет удалено");
    let noun = ru_plural(n, "письмо", "письма", "писем");
    format!("Вместе с папкой {verb} {n} {noun}.")
}

fn ru_subfolders(folders: usize, messages: u32) -> String {
    let noun = ru_plural(
        folders,
        "вложенная папка",
        "вложенные папки",
        "вложенных папок",
    );
    let inside = ru_plural(folders, "в ней", "в них", "в них");
    let too = ru_plural(
        folders,
        "она тоже будет удалена",
        "они тоже будут удалены",
        "они тоже будут удалены",
    );
    match messages as usize {
        0 => format!("Внутри {folders} {noun} — {too}."),
        m => {
            let letters = ru_plural(m, "письмо", "письма", "писем");
            format!("Внутри {folders} {noun} ({inside} {m} {letters}) — {too}.")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn russian_warnings_agree_with_their_counts() {
        assert_eq!(ru_messages(1), "Вместе с папкой будет удалено 1 письмо.");
        assert_eq!(ru_messages(3), "Вместе с папкой будут удалены 3 письма.");
        assert_eq!(ru_messages(12), "Вместе с папкой будет удалено 12 писем.");
        assert_eq!(ru_messages(21), "Вместе с папкой будет удалено 21 письмо.");
        assert_eq!(
            ru_subfolders(1, 5),
            "Внутри 1 вложенная папка (в ней 5 писем) — она тоже будет удалена."
        );
        assert_eq!(
            ru_subfolders(3, 0),
            "Внутри 3 вложенные папки — они тоже будут удалены."
        );
        assert_eq!(
            ru_subfolders(11, 22),
            "Внутри 11 вложенных папок (в них 22 письма) — они тоже будут удалены."
        );
    }

    #[test]
    fn english_warnings_count_too() {
        assert_eq!(
            (EN.warn_messages)(1),
            "It holds 1 message, which will be deleted with it."
        );
        assert_eq!(
            en_subfolders(2, 1),
            "It has 2 subfolders (with 1 message), which will be deleted too."
        );
        assert_eq!(
            en_subfolders(1, 0),
            "It has 1 subfolder, which will be deleted too."
        );
    }
}
