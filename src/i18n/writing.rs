//! The words of writing mail — the compose form, replies and forwards, sending failures,
//! the identity settings — in English and Russian.

/// Every phrase of the compose, reply, forward and settings pages.
pub struct ComposeStrings {
    pub write: &'static str,
    pub new_message: &'static str,
    pub reply: &'static str,
    pub reply_all: &'static str,
    pub forward: &'static str,
    pub forward_attached: &'static str,
    pub draft: &'static str,
    pub bcc: &'static str,
    pub body: &'static str,
    pub attach: &'static str,
    /// "Files up to 25 MB in all."
    pub attach_limit: fn(&str) -> String,
    pub attached: &'static str,
    pub keep_attachment: &'static str,
    pub send: &'static str,
    pub save_draft: &'static str,
    pub discard: &'static str,
    pub sent: &'static str,
    pub draft_saved: &'static str,
    pub discarded: &'static str,
    pub discarded_draft_kept: &'static str,
    /// "On 1 Jan 2024, Bob <bob@x.org> wrote:" from the date and the sender.
    pub attribution: fn(&str, &str) -> String,
    pub forwarded_title: &'static str,
    /// "Which address is that? not an address" for a field's bad entries.
    pub bad_addresses: fn(&str) -> String,
    pub too_many_recipients: &'static str,
    pub no_recipients: &'static str,
    pub too_large: fn(&str) -> String,
    /// The server holds as many attachments as it may: the new file was not attached.
    pub no_room: &'static str,
    /// The form was not one the page sends: nothing was done, files not kept.
    pub form_altered: &'static str,
    pub send_auth: &'static str,
    pub send_recipient: &'static str,
    pub send_too_large: &'static str,
    pub send_refused: &'static str,
    pub send_later: &'static str,
    pub send_timeout: &'static str,
    pub send_tls: &'static str,
    pub send_unreachable: &'static str,
    pub send_no_server: &'static str,
    pub send_policy: &'static str,
    /// Sending paused after refused passwords, from the minutes to wait.
    pub send_throttled: fn(u64) -> String,
    pub server_said: &'static str,
    pub nothing_lost: &'static str,
    pub sent_not_saved: &'static str,
    pub draft_failed: &'static str,
    pub settings: &'static str,
    pub settings_lead: &'static str,
    pub display_name: &'static str,
    pub signature: &'static str,
    pub save: &'static str,
    pub settings_saved: &'static str,
}

pub static EN: ComposeStrings = ComposeStrings {
    write: "Write",
    new_message: "New message",
    reply: "Reply",
    reply_all: "Reply all",
    forward: "Forward",
    forward_attached: "Forward as attachment",
    draft: "Draft",
    bcc: "Bcc",
    body: "Message",
    attach: "Attach files",
    attach_limit: |limit| format!("Up to {limit} in all."),
    attached: "Attached",
    keep_attachment: "keep",
    send: "Send",
    save_draft: "Save draft",
    discard: "Discard",
    sent: "Message sent.",
    draft_saved: "Draft saved.",
    discarded: "Message discarded.",
    discarded_draft_kept: "Message discarded. The draft saved earlier is still in Drafts.",
    attribution: |date, who| {
        if date.is_empty() {
            format!("{who} wrote:")
        } else {
            format!("On {date}, {who} wrote:")
        }
    },
    forwarded_title: "Forwarded message",
    bad_addresses: |bad| format!("This is not an email address: {bad}"),
    too_many_recipients: "Too many addresses in one field.",
    no_recipients: "Add at least one recipient.",
    too_large: |limit| {
        format!(
            "The attachments are too large: together they may weigh at most {limit}. The file that went over was not attached."
        )
    },
    no_room: "The server is holding too many attachments right now, so the file was not attached. Try again in a few minutes, or attach a smaller file. Everything else you typed is still here.",
    form_altered: "This form arrived altered or incomplete, so nothing was sent or saved, and the files chosen with it were not kept. What you typed is below: choose the files again, then press Send or Save draft.",
    send_auth: "The mail server refused to send with your password. It may want an app password, or sending may be switched off for this mailbox.",
    send_recipient: "The mail server refused an address. Check the recipients.",
    send_too_large: "The mail server refused the message as too large. Remove or shrink an attachment.",
    send_refused: "The mail server refused the message (for example, its spam filter). Its reason is below.",
    send_later: "The mail server cannot take the message right now. Try again in a few minutes.",
    send_timeout: "The mail server did not answer in time. The message was probably not sent; try again.",
    send_tls: "The outgoing mail server's certificate could not be verified, so nothing was sent.",
    send_unreachable: "Could not connect to the outgoing mail server.",
    send_no_server: "No outgoing mail server that Posta can trust is known for this mailbox (none was found, or the one found does not belong to the provider of your incoming mail), so mail cannot be sent from here. Reading mail works as usual.",
    send_policy: "The outgoing mail server's address is not allowed on this gateway.",
    send_throttled: |minutes| {
        let unit = if minutes == 1 { "minute" } else { "minutes" };
        format!(
            "The mail server has refused this mailbox's password too often lately, so for safety Posta is not trying it again for now. Please try to send in {minutes} {unit}."
        )
    },
    server_said: "The server said:",
    nothing_lost: "Nothing was sent. Everything you wrote and attached is still here; you can also save it as a draft.",
    sent_not_saved: "Message sent, but it could not be saved to the Sent folder.",
    draft_failed: "The draft could not be saved: the mail server refused it.",
    settings: "Settings",
    settings_lead: "Your name and signature for this session: they go into every message you write until you sign out.",
    display_name: "Your name",
    signature: "Signature",
    save: "Save",
    settings_saved: "Settings saved.",
};

pub static RU: ComposeStrings = ComposeStrings {
    write: "Написать",
    new_message: "Новое письмо",
    reply: "Ответить",
    reply_all: "Ответить всем",
    forward: "Переслать",
    forward_attached: "Переслать вложением",
    draft: "Черновик",
    bcc: "Скрытая копия",
    body: "Текст письма",
    attach: "Прикрепить файлы",
    attach_limit: |limit| format!("Всего не больше {limit}."),
    attached: "Вложения",
    keep_attachment: "оставить",
    send: "Отправить",
    save_draft: "Сохранить черновик",
    discard: "Удалить",
    sent: "Письмо отправлено.",
    draft_saved: "Черновик сохранён.",
    discarded: "Письмо удалено.",
    discarded_draft_kept: "Письмо удалено. Черновик, сохранённый раньше, остался в «Черновиках».",
    attribution: |date, who| {
        if date.is_empty() {
            format!("{who} написал(а):")
        } else {
            format!("{date}, {who} написал(а):")
        }
    },
    forwarded_title: "Пересланное сообщение",
    bad_addresses: |bad| format!("Это не адрес электронной почты: {bad}"),
    too_many_recipients: "Слишком много адресов в одном поле.",
    no_recipients: "Укажите хотя бы одного получателя.",
    too_large: |limit| {
        format!(
            "Вложения слишком велики: вместе они могут весить не больше {limit}. Файл, на котором предел был превышен, не прикреплён."
        )
    },
    no_room: "Сервер сейчас хранит слишком много вложений, поэтому файл не прикреплён. Попробуйте через несколько минут или прикрепите файл поменьше. Всё остальное, что вы написали, осталось здесь.",
    form_altered: "Форма пришла изменённой или неполной, поэтому ничего не отправлено и не сохранено, а выбранные файлы не прикреплены. Написанное вами — ниже: выберите файлы снова и нажмите «Отправить» или «Сохранить черновик».",
    send_auth: "Почтовый сервер не дал отправить письмо с вашим паролем. Возможно, нужен пароль приложения или отправка отключена для этого ящика.",
    send_recipient: "Почтовый сервер отклонил адрес. Проверьте получателей.",
    send_too_large: "Почтовый сервер отклонил письмо как слишком большое. Уберите или уменьшите вложение.",
    send_refused: "Почтовый сервер отклонил письмо (например, его спам-фильтр). Причина — ниже.",
    send_later: "Почтовый сервер сейчас не может принять письмо. Попробуйте через несколько минут.",
    send_timeout: "Почтовый сервер не ответил вовремя. Скорее всего, письмо не отправлено; попробуйте ещё раз.",
    send_tls: "Не удалось проверить сертификат сервера исходящей почты, поэтому ничего не отправлено.",
    send_unreachable: "Не удалось подключиться к серверу исходящей почты.",
    send_no_server: "Для этого ящика не известен сервер исходящей почты, которому Posta может доверять (его не нашлось, или найденный принадлежит не тому провайдеру, что сервер входящей почты), поэтому отправлять письма отсюда нельзя. Читать почту можно как обычно.",
    send_policy: "Адрес сервера исходящей почты не разрешён на этом шлюзе.",
    send_throttled: |minutes| {
        let unit = super::ru_plural(minutes as usize, "минуту", "минуты", "минут");
        format!(
            "Почтовый сервер слишком часто отклонял пароль этого ящика, поэтому ради безопасности Posta пока не пробует его снова. Попробуйте отправить через {minutes} {unit}."
        )
    },
    server_said: "Ответ сервера:",
    nothing_lost: "Ничего не отправлено. Всё, что вы написали и прикрепили, осталось здесь; можно и сохранить это как черновик.",
    sent_not_saved: "Письмо отправлено, но сохранить его в папку «Отправленные» не удалось.",
    draft_failed: "Не удалось сохранить черновик: почтовый сервер его не принял.",
    settings: "Настройки",
    settings_lead: "Ваше имя и подпись на этот сеанс: они попадут в каждое письмо, пока вы не выйдете.",
    display_name: "Ваше имя",
    signature: "Подпись",
    save: "Сохранить",
    settings_saved: "Настройки сохранены.",
};
