//! The interface's words in English and Russian. Every page gets a `&'static Strings`, so a
//! missing translation is a compile error rather than a blank on screen.

use axum::extract::FromRequestParts;
use axum::http::header::ACCEPT_LANGUAGE;
use axum::http::request::Parts;
use axum_extra::extract::cookie::CookieJar;
use std::convert::Infallible;

pub mod writing;
pub use writing::ComposeStrings;
mod folders;
pub use folders::{FolderStrings, RoleFolderNames};

/// Name of the cookie that remembers an explicit language choice.
pub const LANG_COOKIE: &str = "posta_lang";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    En,
    Ru,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ru => "ru",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        match code.get(..2)?.to_ascii_lowercase().as_str() {
            "en" => Some(Lang::En),
            "ru" | "uk" | "be" | "kk" => Some(Lang::Ru),
            _ => None,
        }
    }

    pub fn strings(self) -> &'static Strings {
        match self {
            Lang::En => &EN,
            Lang::Ru => &RU,
        }
    }

    /// The cookie if the person chose, else the first language the browser names that we speak.
    pub fn from_headers(headers: &axum::http::HeaderMap) -> Lang {
        let chosen = (CookieJar::from_headers(headers).get(LANG_COOKIE))
            .and_then(|cookie| Lang::from_code(cookie.value()));
        chosen
            .or_else(|| {
                headers
                    .get(ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| {
                        v.split(',')
                            .filter_map(|tag| Lang::from_code(tag.trim()))
                            .next()
                    })
            })
            .unwrap_or(Lang::En)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Lang::from_headers(&parts.headers))
    }
}

/// The names of the orders a message list can be in.
pub struct SortLabels {
    pub arrival_desc: &'static str,
    pub arrival_asc: &'static str,
    pub date_desc: &'static str,
    pub date_asc: &'static str,
    pub from_asc: &'static str,
    pub from_desc: &'static str,
    pub subject_asc: &'static str,
    pub subject_desc: &'static str,
    pub size_desc: &'static str,
    pub size_asc: &'static str,
}

/// Every phrase the interface shows.
pub struct Strings {
    pub lang: &'static str,
    pub other_lang: &'static str,
    pub other_lang_name: &'static str,
    pub sign_in: &'static str,
    pub sign_in_title: &'static str,
    pub sign_in_lead: &'static str,
    pub email: &'static str,
    pub password: &'static str,
    pub advanced: &'static str,
    pub advanced_hint: &'static str,
    pub imap_host: &'static str,
    pub imap_port: &'static str,
    pub security: &'static str,
    pub security_tls: &'static str,
    pub security_starttls: &'static str,
    pub sign_out: &'static str,
    pub folders: &'static str,
    pub inbox: &'static str,
    pub sent: &'static str,
    pub drafts: &'static str,
    pub trash: &'static str,
    pub junk: &'static str,
    pub archive: &'static str,
    pub from: &'static str,
    pub to: &'static str,
    pub cc: &'static str,
    pub date: &'static str,
    pub subject: &'static str,
    pub size: &'static str,
    pub no_subject: &'static str,
    pub unread: &'static str,
    pub flagged: &'static str,
    pub attachment: &'static str,
    pub empty_folder: &'static str,
    pub newer: &'static str,
    pub older: &'static str,
    pub newest: &'static str,
    pub oldest: &'static str,
    pub of: &'static str,
    pub page: &'static str,
    pub back_to: &'static str,
    pub no_text: &'static str,
    pub remote_blocked: &'static str,
    pub show_remote: &'static str,
    pub always_remote: &'static str,
    pub remote_shown: &'static str,
    pub attachments: &'static str,
    pub download: &'static str,
    pub preview: &'static str,
    pub show_plain: &'static str,
    pub show_html: &'static str,
    pub view_source: &'static str,
    pub save_eml: &'static str,
    pub all_headers: &'static str,
    pub forwarded: &'static str,
    pub encrypted_notice: &'static str,
    pub signed_notice: &'static str,
    pub signature_part: &'static str,
    pub truncated: &'static str,
    pub download_whole: &'static str,
    pub message_frame: &'static str,
    pub error_title: &'static str,
    pub go_home: &'static str,
    pub err_not_found: &'static str,
    pub err_mailbox_not_found: &'static str,
    pub err_message_not_found: &'static str,
    pub err_upstream: &'static str,
    pub err_upstream_too_much: &'static str,
    pub err_form_expired: &'static str,
    pub err_internal: &'static str,
    pub err_no_room: &'static str,
    pub err_bad_request: &'static str,
    pub login_wrong_password: &'static str,
    pub login_unreachable: &'static str,
    pub login_timeout: &'static str,
    pub login_tls: &'static str,
    pub login_tls_name: &'static str,
    pub login_no_starttls: &'static str,
    pub login_disabled: &'static str,
    pub login_bad_email: &'static str,
    pub login_no_password: &'static str,
    pub login_no_server: &'static str,
    pub login_refused_host: &'static str,
    pub login_bad_port: &'static str,
    pub login_protocol: &'static str,
    pub login_too_many_sessions: &'static str,
    pub session_ended: &'static str,
    pub err_foreign_origin: &'static str,
    pub err_too_large: &'static str,
    pub err_method: &'static str,
    pub err_too_slow: &'static str,
    /// "… try again in 14 minutes." from the minutes to wait.
    pub err_too_many_sign_ins: fn(u64) -> String,
    pub idle_warning: &'static str,
    pub stay_signed_in: &'static str,
    pub signed_out: &'static str,
    pub err_folder_changed: &'static str,
    pub notice_nothing_selected: &'static str,
    /// "3 messages updated." (`None`: the whole folder.)
    pub notice_flags: fn(Option<usize>) -> String,
    pub notice_moved: fn(Option<usize>, &str) -> String,
    pub notice_deleted_forever: fn(Option<usize>) -> String,
    pub notice_emptied: fn(&str) -> String,
    pub notice_already_there: fn(&str) -> String,
    pub confirm_delete_forever: fn(Option<usize>) -> String,
    pub confirm_empty: fn(&str) -> String,
    pub delete_forever: &'static str,
    pub empty_folder_button: &'static str,
    pub cannot_be_undone: &'static str,
    pub cancel: &'static str,
    pub act_read: &'static str,
    pub act_unread: &'static str,
    pub act_flag: &'static str,
    pub act_unflag: &'static str,
    pub act_delete: &'static str,
    pub act_move: &'static str,
    pub act_move_to: &'static str,
    pub act_spam: &'static str,
    pub act_notspam: &'static str,
    pub act_archive: &'static str,
    pub empty_trash: &'static str,
    pub empty_junk: &'static str,
    pub select_message: &'static str,
    pub select_page: &'static str,
    pub select_none: &'static str,
    pub notice_no_target: &'static str,
    /// "Select all 600 messages in this folder"
    pub select_folder: fn(u32) -> String,
    pub actions_label: &'static str,
    pub search: &'static str,
    pub search_placeholder: &'static str,
    pub search_in_folder: &'static str,
    pub search_in_all: &'static str,
    pub search_more: &'static str,
    pub search_text: &'static str,
    pub search_body: &'static str,
    pub search_since: &'static str,
    pub search_until: &'static str,
    pub search_date_hint: &'static str,
    pub search_unread: &'static str,
    pub search_flagged: &'static str,
    pub search_attachment: &'static str,
    pub search_clear: &'static str,
    pub search_nothing: &'static str,
    /// "12 messages found"
    pub search_found: fn(u32) -> String,
    /// The typed value that is not a date.
    pub search_bad_date: fn(&str) -> String,
    pub search_dates_reversed: &'static str,
    pub search_too_long: &'static str,
    pub folder: &'static str,
    pub sort: &'static str,
    pub sort_apply: &'static str,
    /// The sort menu's entries (the codes are `routes::list_query::SortOrder`'s).
    pub sort_labels: SortLabels,
    pub threads_on: &'static str,
    pub threads_off: &'static str,
    /// "4 messages in this conversation"
    pub thread_size: fn(u32) -> String,
    pub note_not_sorted: &'static str,
    pub note_threads_on_page: &'static str,
    /// How many of each folder's matches are listed at most.
    pub note_results_cut: fn(usize) -> String,
    /// Short month names, January first.
    pub months: [&'static str; 12],
    /// Writing mail: compose, reply, forward, settings.
    pub compose: &'static ComposeStrings,
    /// The folders page.
    pub folder_admin: &'static FolderStrings,
}

pub static EN: Strings = Strings {
    lang: "en",
    other_lang: "ru",
    other_lang_name: "Русский",
    sign_in: "Sign in",
    sign_in_title: "Sign in to your mail",
    sign_in_lead: "Use the address and password of any mailbox that offers IMAP.",
    email: "Email address",
    password: "Password",
    advanced: "Server settings",
    advanced_hint: "Leave empty to find the server automatically.",
    imap_host: "IMAP server",
    imap_port: "Port",
    security: "Security",
    security_tls: "TLS (usually port 993)",
    security_starttls: "STARTTLS (usually port 143)",
    sign_out: "Sign out",
    folders: "Folders",
    inbox: "Inbox",
    sent: "Sent",
    drafts: "Drafts",
    trash: "Trash",
    junk: "Spam",
    archive: "Archive",
    from: "From",
    to: "To",
    cc: "Cc",
    date: "Date",
    subject: "Subject",
    size: "Size",
    no_subject: "(no subject)",
    unread: "Unread",
    flagged: "Flagged",
    attachment: "Has attachments",
    empty_folder: "This folder is empty.",
    newer: "Newer",
    older: "Older",
    newest: "Newest",
    oldest: "Oldest",
    of: "of",
    page: "Page",
    back_to: "Back to",
    no_text: "This message has no text to show.",
    remote_blocked: "Remote images and styles in this message were blocked, so the sender cannot see that you opened it.",
    show_remote: "Show remote content",
    always_remote: "Always for this sender",
    remote_shown: "Remote content is shown for this message.",
    attachments: "Attachments",
    download: "Download",
    preview: "Preview",
    show_plain: "Show plain text",
    show_html: "Show formatted version",
    view_source: "View source",
    save_eml: "Save as .eml",
    all_headers: "All headers",
    forwarded: "Forwarded message",
    encrypted_notice: "This message is encrypted. Posta cannot decrypt it: save the encrypted part and open it in a mail program that holds your key.",
    signed_notice: "This message is signed. Posta shows the signature as an attachment but does not check it.",
    signature_part: "signature",
    truncated: "This text is very long; only its beginning is shown.",
    download_whole: "Download the whole text",
    message_frame: "Message text",
    error_title: "Something went wrong",
    go_home: "Go to your inbox",
    err_not_found: "There is no such page.",
    err_mailbox_not_found: "There is no such folder in this mailbox.",
    err_message_not_found: "This message is no longer in the folder. It may have been moved or deleted.",
    err_upstream: "The mail server did not answer as expected. Please try again in a moment.",
    err_upstream_too_much: "The mail server sent more than Posta accepts — far more than any real mailbox sends for this — so Posta stopped reading. Try again later; if it keeps happening, the server is misbehaving.",
    err_form_expired: "The form was open too long or came from elsewhere. Please try again.",
    err_internal: "Posta hit an internal error. It has been logged.",
    err_no_room: "The server is holding too many attachments right now, so this could not be opened with its files. Please try again in a few minutes.",
    err_bad_request: "The request was not understood.",
    login_wrong_password: "The mail server refused this address and password. Check them and try again.",
    login_unreachable: "Could not connect to the mail server. Check the server name and port, or try again later.",
    login_timeout: "The mail server took too long to answer.",
    login_tls: "The mail server's certificate could not be verified, so the connection was stopped to keep your password safe.",
    login_tls_name: "The mail server's certificate is for a different name than the server you asked for.",
    login_no_starttls: "The mail server does not offer STARTTLS, so your password would travel unencrypted. Use TLS on port 993 instead.",
    login_disabled: "The mail server does not allow signing in over this connection. IMAP access may be switched off in your mailbox settings.",
    login_bad_email: "Enter an email address such as name@example.org.",
    login_no_password: "Enter your password.",
    login_no_server: "Could not find the mail server for this address. Enter it under “Server settings”.",
    login_refused_host: "This server address is not allowed on this gateway.",
    login_bad_port: "The port must be a number from 1 to 65535.",
    login_protocol: "The server at that address does not speak IMAP as expected.",
    login_too_many_sessions: "Too many people are signed in to this server right now. Please try again in a few minutes.",
    session_ended: "Your session has ended. Please sign in again.",
    err_foreign_origin: "This form was sent from another website, so nothing was done. If it was you, go back to Posta and try again there.",
    err_too_large: "What was sent is too large for Posta to accept.",
    err_method: "This address cannot be used that way.",
    err_too_slow: "This took too long, perhaps because the mail server is slow right now. Please look again in a moment.",
    err_too_many_sign_ins: |minutes| {
        let unit = if minutes == 1 { "minute" } else { "minutes" };
        format!(
            "Too many failed sign-ins. For safety, signing in is paused: please try again in {minutes} {unit}."
        )
    },
    idle_warning: "Nothing has happened here for a while. For safety you will be signed out in",
    stay_signed_in: "Stay signed in",
    signed_out: "You have signed out. Nothing of your mail is kept on this computer.",
    err_folder_changed: "The folder changed since this page was shown (another mail program renumbered it), so nothing was done. Please look at it again.",
    notice_nothing_selected: "Select at least one message first.",
    notice_flags: en_flags,
    notice_moved: en_moved,
    notice_deleted_forever: en_deleted_forever,
    notice_emptied: |folder| format!("{folder} is empty now."),
    notice_already_there: |folder| format!("Already in {folder}."),
    confirm_delete_forever: en_confirm_delete,
    confirm_empty: |folder| format!("Delete everything in {folder} for good?"),
    delete_forever: "Delete for good",
    empty_folder_button: "Empty it",
    cannot_be_undone: "This cannot be undone.",
    cancel: "Cancel",
    act_read: "Mark read",
    act_unread: "Mark unread",
    act_flag: "Flag",
    act_unflag: "Unflag",
    act_delete: "Delete",
    act_move: "Move",
    act_move_to: "Move to…",
    act_spam: "Spam",
    act_notspam: "Not spam",
    act_archive: "Archive",
    empty_trash: "Empty Trash",
    empty_junk: "Empty Spam",
    select_message: "Select",
    select_page: "Select all on this page",
    select_none: "Clear the selection",
    notice_no_target: "Choose a folder to move the messages to.",
    select_folder: |n| format!("Select all {n} messages in this folder"),
    actions_label: "Actions",
    search: "Search",
    search_placeholder: "Search mail",
    search_in_folder: "This folder",
    search_in_all: "All folders",
    search_more: "More search options",
    search_text: "Anywhere",
    search_body: "Message text",
    search_since: "From date",
    search_until: "To date",
    search_date_hint: "e.g. 2024-03-15 or 15.03.2024",
    search_unread: "Unread only",
    search_flagged: "Flagged only",
    search_attachment: "With attachments",
    search_clear: "Clear search",
    search_nothing: "No messages match this search.",
    search_found: |n| match n {
        1 => "1 message found".to_owned(),
        n => format!("{n} messages found"),
    },
    search_bad_date: |typed| {
        format!("“{typed}” is not a date. Write it as 2024-03-15 or 15.03.2024.")
    },
    search_dates_reversed: "The “from” date is after the “to” date.",
    search_too_long: "The search text is too long: at most 200 characters a field.",
    folder: "Folder",
    sort: "Sort",
    sort_apply: "Sort",
    sort_labels: SortLabels {
        arrival_desc: "Arrived: newest first",
        arrival_asc: "Arrived: oldest first",
        date_desc: "Sent: newest first",
        date_asc: "Sent: oldest first",
        from_asc: "Sender: A to Z",
        from_desc: "Sender: Z to A",
        subject_asc: "Subject: A to Z",
        subject_desc: "Subject: Z to A",
        size_desc: "Size: largest first",
        size_asc: "Size: smallest first",
    },
    threads_on: "Group conversations",
    threads_off: "Show messages one by one",
    thread_size: |n| format!("{n} messages in this conversation"),
    note_not_sorted: "This mail server cannot sort, and there are too many messages to sort here, so they are shown newest first.",
    note_threads_on_page: "This mail server cannot group conversations, so replies are grouped within each page only.",
    note_results_cut: |n| {
        format!(
            "Some folders have more matches than can be shown; only the newest {n} of each are listed. Narrow the search to see the rest."
        )
    },
    months: [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ],
    compose: &writing::EN,
    folder_admin: &folders::EN,
};

pub static RU: Strings = Strings {
    lang: "ru",
    other_lang: "en",
    other_lang_name: "English",
    sign_in: "Войти",
    sign_in_title: "Вход в почту",
    sign_in_lead: "Подойдёт адрес и пароль любого почтового ящика с доступом по IMAP.",
    email: "Адрес почты",
    password: "Пароль",
    advanced: "Настройки сервера",
    advanced_hint: "Оставьте пустым, чтобы найти сервер автоматически.",
    imap_host: "Сервер IMAP",
    imap_port: "Порт",
    security: "Защита",
    security_tls: "TLS (обычно порт 993)",
    security_starttls: "STARTTLS (обычно порт 143)",
    sign_out: "Выйти",
    folders: "Папки",
    inbox: "Входящие",
    sent: "Отправленные",
    drafts: "Черновики",
    trash: "Корзина",
    junk: "Спам",
    archive: "Архив",
    from: "От",
    to: "Кому",
    cc: "Копия",
    date: "Дата",
    subject: "Тема",
    size: "Размер",
    no_subject: "(без темы)",
    unread: "Непрочитанное",
    flagged: "Помечено",
    attachment: "Есть вложения",
    empty_folder: "В этой папке нет писем.",
    newer: "Новее",
    older: "Старее",
    newest: "Самые новые",
    oldest: "Самые старые",
    of: "из",
    page: "Страница",
    back_to: "Назад в",
    no_text: "В этом письме нет текста.",
    remote_blocked: "Внешние картинки и стили в этом письме заблокированы, чтобы отправитель не узнал, что вы его открыли.",
    show_remote: "Показать внешнее содержимое",
    always_remote: "Всегда для этого отправителя",
    remote_shown: "Внешнее содержимое этого письма показано.",
    attachments: "Вложения",
    download: "Скачать",
    preview: "Просмотр",
    show_plain: "Показать простой текст",
    show_html: "Показать оформленную версию",
    view_source: "Исходный текст",
    save_eml: "Сохранить как .eml",
    all_headers: "Все заголовки",
    forwarded: "Пересланное письмо",
    encrypted_notice: "Это письмо зашифровано. Posta не может его расшифровать: сохраните зашифрованную часть и откройте её в почтовой программе с вашим ключом.",
    signed_notice: "Письмо подписано. Posta показывает подпись как вложение, но не проверяет её.",
    signature_part: "подпись",
    truncated: "Текст очень длинный; показано только начало.",
    download_whole: "Скачать весь текст",
    message_frame: "Текст письма",
    error_title: "Что-то пошло не так",
    go_home: "Во входящие",
    err_not_found: "Такой страницы нет.",
    err_mailbox_not_found: "В этом ящике нет такой папки.",
    err_message_not_found: "Этого письма больше нет в папке. Возможно, его переместили или удалили.",
    err_upstream: "Почтовый сервер ответил не так, как ожидалось. Попробуйте ещё раз чуть позже.",
    err_upstream_too_much: "Почтовый сервер прислал больше данных, чем принимает Posta, — намного больше, чем присылает для этого любой настоящий почтовый ящик, — и Posta прекратила чтение. Попробуйте позже; если это повторяется, сервер работает неправильно.",
    err_form_expired: "Форма была открыта слишком долго или пришла с другого сайта. Попробуйте ещё раз.",
    err_internal: "Внутренняя ошибка Posta. Она записана в журнал.",
    err_no_room: "Сервер сейчас хранит слишком много вложений, поэтому открыть это вместе с файлами не удалось. Попробуйте через несколько минут.",
    err_bad_request: "Запрос не понят.",
    login_wrong_password: "Почтовый сервер не принял этот адрес и пароль. Проверьте их и попробуйте снова.",
    login_unreachable: "Не удалось подключиться к почтовому серверу. Проверьте имя сервера и порт или попробуйте позже.",
    login_timeout: "Почтовый сервер слишком долго не отвечает.",
    login_tls: "Не удалось проверить сертификат почтового сервера, поэтому соединение прервано, чтобы не раскрыть пароль.",
    login_tls_name: "Сертификат почтового сервера выдан на другое имя, чем указанный сервер.",
    login_no_starttls: "Почтовый сервер не поддерживает STARTTLS, и пароль ушёл бы незашифрованным. Используйте TLS на порту 993.",
    login_disabled: "Почтовый сервер не разрешает вход через это соединение. Возможно, доступ по IMAP выключен в настройках ящика.",
    login_bad_email: "Введите адрес почты, например name@example.ru.",
    login_no_password: "Введите пароль.",
    login_no_server: "Не удалось найти почтовый сервер для этого адреса. Укажите его в «Настройках сервера».",
    login_refused_host: "Этот адрес сервера запрещён на этом шлюзе.",
    login_bad_port: "Порт должен быть числом от 1 до 65535.",
    login_protocol: "Сервер по этому адресу отвечает не по протоколу IMAP.",
    login_too_many_sessions: "Сейчас на этом сервере работает слишком много людей. Попробуйте войти через несколько минут.",
    session_ended: "Сеанс завершён. Войдите снова.",
    err_foreign_origin: "Форма отправлена с другого сайта, поэтому ничего не сделано. Если это были вы, вернитесь в Posta и повторите там.",
    err_too_large: "Отправленные данные слишком велики.",
    err_method: "Этот адрес так использовать нельзя.",
    err_too_slow: "Это заняло слишком много времени: возможно, почтовый сервер сейчас отвечает медленно. Посмотрите ещё раз чуть позже.",
    err_too_many_sign_ins: |minutes| {
        let unit = ru_plural(minutes as usize, "минуту", "минуты", "минут");
        format!(
            "Слишком много неудачных попыток входа. Ради безопасности вход приостановлен: попробуйте снова через {minutes} {unit}."
        )
    },
    idle_warning: "Вы давно ничего не делали. Ради безопасности сеанс завершится через",
    stay_signed_in: "Остаться в почте",
    signed_out: "Вы вышли. На этом компьютере не осталось ничего из вашей почты.",
    err_folder_changed: "Папка изменилась с тех пор, как страница была открыта (её перенумеровала другая почтовая программа), поэтому ничего не сделано. Откройте её заново.",
    notice_nothing_selected: "Сначала выберите хотя бы одно письмо.",
    notice_flags: ru_flags,
    notice_moved: ru_moved,
    notice_deleted_forever: ru_deleted_forever,
    notice_emptied: |folder| format!("Папка «{folder}» очищена."),
    notice_already_there: |folder| format!("Уже в папке «{folder}»."),
    confirm_delete_forever: ru_confirm_delete,
    confirm_empty: |folder| format!("Удалить всё из папки «{folder}» навсегда?"),
    delete_forever: "Удалить навсегда",
    empty_folder_button: "Очистить",
    cannot_be_undone: "Это нельзя отменить.",
    cancel: "Отмена",
    act_read: "Прочитано",
    act_unread: "Не прочитано",
    act_flag: "Пометить",
    act_unflag: "Снять пометку",
    act_delete: "Удалить",
    act_move: "Переместить",
    act_move_to: "Переместить в…",
    act_spam: "Спам",
    act_notspam: "Не спам",
    act_archive: "В архив",
    empty_trash: "Очистить корзину",
    empty_junk: "Очистить спам",
    select_message: "Выбрать",
    select_page: "Выбрать все на странице",
    select_none: "Снять выделение",
    notice_no_target: "Выберите папку, в которую переместить письма.",
    select_folder: |n| format!("Выбрать все письма в папке ({n})"),
    actions_label: "Действия",
    search: "Найти",
    search_placeholder: "Поиск в почте",
    search_in_folder: "В этой папке",
    search_in_all: "Во всех папках",
    search_more: "Другие условия поиска",
    search_text: "Везде",
    search_body: "Текст письма",
    search_since: "С даты",
    search_until: "По дату",
    search_date_hint: "например, 15.03.2024 или 2024-03-15",
    search_unread: "Только непрочитанные",
    search_flagged: "Только помеченные",
    search_attachment: "С вложениями",
    search_clear: "Сбросить поиск",
    search_nothing: "Писем по такому запросу нет.",
    search_found: |n| {
        format!(
            "Найдено {n} {}",
            ru_plural(n as usize, "письмо", "письма", "писем")
        )
    },
    search_bad_date: |typed| {
        format!("«{typed}» — не дата. Напишите её как 15.03.2024 или 2024-03-15.")
    },
    search_dates_reversed: "Дата «с» позже даты «по».",
    search_too_long: "Слишком длинный запрос: не больше 200 символов в поле.",
    folder: "Папка",
    sort: "Сортировка",
    sort_apply: "Упорядочить",
    sort_labels: SortLabels {
        arrival_desc: "Получено: сначала новые",
        arrival_asc: "Получено: сначала старые",
        date_desc: "Отправлено: сначала новые",
        date_asc: "Отправлено: сначала старые",
        from_asc: "Отправитель: от А до Я",
        from_desc: "Отправитель: от Я до А",
        subject_asc: "Тема: от А до Я",
        subject_desc: "Тема: от Я до А",
        size_desc: "Размер: сначала большие",
        size_asc: "Размер: сначала маленькие",
    },
    threads_on: "Группировать переписки",
    threads_off: "Показывать письма по одному",
    thread_size: |n| {
        format!(
            "{n} {} в переписке",
            ru_plural(n as usize, "письмо", "письма", "писем")
        )
    },
    note_not_sorted: "Почтовый сервер не умеет сортировать, а писем слишком много, чтобы упорядочить их здесь, поэтому сначала показаны новые.",
    note_threads_on_page: "Почтовый сервер не умеет группировать переписки, поэтому ответы сгруппированы только в пределах страницы.",
    note_results_cut: |n| {
        format!(
            "В некоторых папках найдено больше писем, чем можно показать: из каждой показаны {n} самых новых. Уточните запрос, чтобы увидеть остальные."
        )
    },
    months: [
        "янв", "фев", "мар", "апр", "мая", "июн", "июл", "авг", "сен", "окт", "ноя", "дек",
    ],
    compose: &writing::RU,
    folder_admin: &folders::RU,
};

/// "1 message", "3 messages"; `None` is the whole folder.
fn en_messages(n: Option<usize>) -> String {
    match n {
        Some(1) => "1 message".to_owned(),
        Some(n) => format!("{n} messages"),
        None => "All messages".to_owned(),
    }
}

fn en_flags(n: Option<usize>) -> String {
    format!("{} updated.", en_messages(n))
}

fn en_moved(n: Option<usize>, folder: &str) -> String {
    format!("{} moved to {folder}.", en_messages(n))
}

fn en_deleted_forever(n: Option<usize>) -> String {
    format!("{} deleted for good.", en_messages(n))
}

fn en_confirm_delete(n: Option<usize>) -> String {
    match n {
        Some(1) => "Delete this message for good?".to_owned(),
        _ => format!("Delete {} for good?", en_messages(n).to_lowercase()),
    }
}

/// Russian number agreement: 1 письмо, 2 письма, 5 писем, 21 письмо, 11 писем.
pub fn ru_plural(
    n: usize,
    one: &'static str,
    few: &'static str,
    many: &'static str,
) -> &'static str {
    match (n % 10, n % 100) {
        (1, h) if h != 11 => one,
        (2..=4, h) if !(12..=14).contains(&h) => few,
        _ => many,
    }
}

fn ru_messages(n: Option<usize>) -> String {
    match n {
        Some(n) => format!("{n} {}", ru_plural(n, "письмо", "письма", "писем")),
        None => "Все письма".to_owned(),
    }
}

/// Verb first, as Russian interfaces say it: «Перемещено 3 письма», «Удалено 5 писем» —
/// the neuter singular agrees with every count; the whole folder takes the plural.
fn ru_done(n: Option<usize>, verb: &str, verb_all: &str) -> String {
    match n {
        Some(_) => format!("{verb} {}", ru_messages(n)),
        None => format!("Все письма {verb_all}"),
    }
}

fn ru_flags(n: Option<usize>) -> String {
    format!("{}.", ru_done(n, "Изменено", "изменены"))
}

fn ru_moved(n: Option<usize>, folder: &str) -> String {
    format!(
        "{} в папку «{folder}».",
        ru_done(n, "Перемещено", "перемещены")
    )
}

fn ru_deleted_forever(n: Option<usize>) -> String {
    format!("{}.", ru_done(n, "Навсегда удалено", "удалены навсегда"))
}

fn ru_confirm_delete(n: Option<usize>) -> String {
    match n {
        Some(1) => "Удалить это письмо навсегда?".to_owned(),
        Some(n) => format!(
            "Удалить {n} {} навсегда?",
            ru_plural(n, "письмо", "письма", "писем")
        ),
        None => "Удалить все письма навсегда?".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderMap, HeaderValue};

    #[test]
    fn russian_counts_agree_with_their_nouns() {
        assert_eq!(
            ru_moved(Some(1), "Архив"),
            "Перемещено 1 письмо в папку «Архив»."
        );
        assert_eq!(
            ru_moved(Some(3), "Архив"),
            "Перемещено 3 письма в папку «Архив»."
        );
        assert_eq!(
            ru_moved(Some(11), "Архив"),
            "Перемещено 11 писем в папку «Архив»."
        );
        assert_eq!(
            ru_moved(Some(21), "Архив"),
            "Перемещено 21 письмо в папку «Архив»."
        );
        assert_eq!(
            ru_moved(None, "Архив"),
            "Все письма перемещены в папку «Архив»."
        );
        assert_eq!(ru_deleted_forever(Some(5)), "Навсегда удалено 5 писем.");
        assert_eq!(en_moved(Some(1), "Archive"), "1 message moved to Archive.");
        assert_eq!(en_moved(None, "Archive"), "All messages moved to Archive.");
    }

    #[test]
    fn waiting_minutes_agree_with_their_nouns() {
        let (en, ru) = (EN.err_too_many_sign_ins, RU.err_too_many_sign_ins);
        assert!(en(1).ends_with("try again in 1 minute."), "{}", en(1));
        assert!(en(15).ends_with("try again in 15 minutes."), "{}", en(15));
        assert!(ru(1).ends_with("через 1 минуту."), "{}", ru(1));
        assert!(ru(3).ends_with("через 3 минуты."), "{}", ru(3));
        assert!(ru(15).ends_with("через 15 минут."), "{}", ru(15));
        let (en, ru) = (EN.compose.send_throttled, RU.compose.send_throttled);
        assert!(en(2).ends_with("send in 2 minutes."), "{}", en(2));
        assert!(ru(21).ends_with("через 21 минуту."), "{}", ru(21));
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn accept_language_picks_russian() {
        let h = headers(&[("accept-language", "ru-RU,ru;q=0.9,en;q=0.8")]);
        assert_eq!(Lang::from_headers(&h), Lang::Ru);
    }

    #[test]
    fn the_cookie_beats_the_browser() {
        let h = headers(&[
            ("accept-language", "ru-RU"),
            ("cookie", "a=b; posta_lang=en"),
        ]);
        assert_eq!(Lang::from_headers(&h), Lang::En);
    }

    #[test]
    fn unknown_languages_fall_back_to_english() {
        let h = headers(&[("accept-language", "de-DE,fr")]);
        assert_eq!(Lang::from_headers(&h), Lang::En);
    }
}
