//! The interface's words in English and Russian. Every page gets a `&'static Strings`, so a
//! missing translation is a compile error rather than a blank on screen.

use axum::extract::FromRequestParts;
use axum::http::header::ACCEPT_LANGUAGE;
use axum::http::request::Parts;
use std::convert::Infallible;

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
        let chosen = crate::session::cookie_value(headers, LANG_COOKIE).and_then(Lang::from_code);
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
    pub err_form_expired: &'static str,
    pub err_internal: &'static str,
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
    pub session_ended: &'static str,
    pub signed_out: &'static str,
    /// Short month names, January first.
    pub months: [&'static str; 12],
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
    err_form_expired: "The form was open too long or came from elsewhere. Please try again.",
    err_internal: "Posta hit an internal error. It has been logged.",
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
    session_ended: "Your session has ended. Please sign in again.",
    signed_out: "You have signed out. Nothing of your mail is kept on this computer.",
    months: [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ],
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
    err_form_expired: "Форма была открыта слишком долго или пришла с другого сайта. Попробуйте ещё раз.",
    err_internal: "Внутренняя ошибка Posta. Она записана в журнал.",
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
    session_ended: "Сеанс завершён. Войдите снова.",
    signed_out: "Вы вышли. На этом компьютере не осталось ничего из вашей почты.",
    months: [
        "янв", "фев", "мар", "апр", "мая", "июн", "июл", "авг", "сен", "окт", "ноя", "дек",
    ],
};

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderMap, HeaderValue};

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
