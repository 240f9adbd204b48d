//! What the compose form's two buttons do. *Send*: check the addresses, build the message,
//! submit it over SMTP, then file a copy in Sent (unless the provider does), mark the
//! original \Answered or $Forwarded and remove the draft it came from. *Save draft*: APPEND
//! to Drafts with \Draft \Seen, replacing the previous version. Nothing is lost on failure:
//! the form comes back from the composition, which still holds everything.

use std::time::SystemTime;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use lettre::message::Mailbox;

use super::page::{FieldProblems, Problem, show};
use super::sources::{FIELD_HEADERS, ORIGIN_HEADER};
use crate::account::{Answering, Composition, Fields};
use crate::discovery::saves_sent_itself;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::imap::actions::{self, UidSet};
use crate::imap::folders::Role;
use crate::imap::{MailboxName, writing};
use crate::message::outgoing::addresses::{parse_address, parse_list};
use crate::message::outgoing::build::{Built, Outgoing, build, new_message_id};
use crate::routes::chrome::{folder_list, role_folder};
use crate::routes::links;
use crate::smtp::{SendError, Submission};
use crate::state::AppState;
use crate::web_session::CurrentUser;

/// From: the signed-in address, with the name set for this session.
async fn sender(user: &CurrentUser) -> Result<Mailbox, AppError> {
    let identity = user.session.identity().await;
    let address = parse_address(user.mail.credentials().email.as_str()).ok_or_else(|| {
        AppError::Internal(anyhow::anyhow!(
            "the signed-in address is not one lettre takes"
        ))
    })?;
    let name = crate::message::outgoing::build::one_line(&identity.display_name);
    Ok(Mailbox::new((!name.is_empty()).then_some(name), address))
}

fn field<'a>(fields: &'a Fields, name: &str) -> &'a str {
    match name {
        "to" => &fields.to,
        "cc" => &fields.cc,
        _ => &fields.bcc,
    }
}

fn outgoing(from: Mailbox, composition: &Composition) -> Outgoing {
    Outgoing {
        from,
        to: Vec::new(),
        cc: Vec::new(),
        bcc: Vec::new(),
        subject: composition.fields.subject.clone(),
        body: composition.fields.body.clone(),
        in_reply_to: composition.in_reply_to.clone(),
        references: composition.references.clone(),
        attachments: composition.uploads(),
        draft_headers: Vec::new(),
    }
}

fn built(user: &CurrentUser, outgoing: &Outgoing) -> Result<Built, AppError> {
    let id = new_message_id(user.mail.credentials().email.domain());
    build(outgoing, &id, SystemTime::now()).map_err(AppError::Internal)
}

/// The wire name of the folder for `role`, created if the account has none.
async fn folder_for(user: &CurrentUser, lang: Lang, role: Role) -> Result<String, AppError> {
    let folders = folder_list(user).await?;
    Ok(role_folder(user, &folders, role, lang.strings())
        .await?
        .wire)
}

/// Removes draft `uid` from Drafts, if it is still there; a failure only leaves it behind.
async fn remove_draft(user: &CurrentUser, drafts: &str, uid: u32) {
    let result = user
        .mail
        .run(|imap| {
            let drafts = drafts.to_owned();
            Box::pin(async move {
                Ok(actions::delete_forever(imap, &drafts, None, &UidSet::single(uid)).await)
            })
        })
        .await;
    if !matches!(result, Ok(Ok(()))) {
        tracing::warn!(uid, "could not remove the previous version of a draft");
    }
}

/// *Save draft*: the composition as it is, addresses that do not parse kept as typed.
pub async fn save_draft(
    user: &CurrentUser,
    lang: Lang,
    limit: u64,
    id: &str,
) -> Result<Response, AppError> {
    let store = user.mail.compositions();
    let mut composition = store.get(id).unwrap_or_default();
    let built = built(user, &draft(sender(user).await?, &composition))?;
    let drafts = folder_for(user, lang, Role::Drafts).await?;
    let appended = user
        .mail
        .run(|imap| {
            let (drafts, copy, message_id) =
                (drafts.clone(), built.copy.clone(), built.message_id.clone());
            Box::pin(async move {
                writing::append(imap, &drafts, "(\\Draft \\Seen)", &copy, &message_id).await
            })
        })
        .await;
    let uid = match appended {
        Ok(uid) => uid,
        Err(e) => {
            tracing::warn!(error = %e, "saving a draft");
            let problem = Problem::DraftFailed;
            return show(user, lang, limit, id, problem, StatusCode::BAD_GATEWAY).await;
        }
    };
    if let Some(old) = composition.draft_uid {
        remove_draft(user, &drafts, old).await;
    }
    user.mail.invalidate_folders();
    composition.draft_uid = uid;
    store.put(id, composition);
    user.session
        .set_notice(lang.strings().compose.draft_saved)
        .await?;
    match uid {
        Some(uid) => Ok(Redirect::to(&links::draft(uid)).into_response()),
        // Saved, but the server would not say where: the form stays as it is.
        None => show(user, lang, limit, id, Problem::None, StatusCode::OK).await,
    }
}

/// The draft of `composition`: address fields that parse as addresses, the others kept
/// as typed in Posta's own headers, with the message it answers.
fn draft(from: Mailbox, composition: &Composition) -> Outgoing {
    let mut outgoing = outgoing(from, composition);
    for (name, header) in FIELD_HEADERS {
        let text = field(&composition.fields, name);
        match parse_list(text) {
            Ok(list) => match name {
                "to" => outgoing.to = list,
                "cc" => outgoing.cc = list,
                _ => outgoing.bcc = list,
            },
            Err(_) => outgoing.draft_headers.push((header, text.to_owned())),
        }
    }
    if let Some(origin) = &composition.origin {
        outgoing
            .draft_headers
            .push((ORIGIN_HEADER, origin.to_header()));
    }
    outgoing
}

/// *Send*.
pub async fn send(
    state: &AppState,
    user: &CurrentUser,
    lang: Lang,
    id: &str,
) -> Result<Response, AppError> {
    let limit = state.config.max_attachment_size;
    let store = user.mail.compositions();
    let composition = store.get(id).unwrap_or_default();
    let outgoing = match addressed(sender(user).await?, &composition) {
        Ok(outgoing) => outgoing,
        Err(problems) => {
            let problem = Problem::Fields(problems);
            return show(user, lang, limit, id, problem, StatusCode::BAD_REQUEST).await;
        }
    };
    let built = built(user, &outgoing)?;
    if let Err((problem, status)) = submit(state, user, &built).await {
        return show(user, lang, limit, id, problem, status).await;
    }
    tracing::info!(user = %user.mail.credentials().email, "message sent");
    let notice = after_sending(user, lang, &composition, &built).await?;
    store.finish(id);
    user.mail.invalidate_folders();
    user.session.set_notice(notice).await?;
    Ok(super::back_from_compose(composition.origin.as_ref()))
}

/// The message to send, or what is wrong with its address fields (or that it has no
/// recipient at all).
fn addressed(from: Mailbox, composition: &Composition) -> Result<Outgoing, FieldProblems> {
    let mut problems = FieldProblems::default();
    let mut outgoing = outgoing(from, composition);
    let fields = &composition.fields;
    match parse_list(&fields.to) {
        Ok(list) => outgoing.to = list,
        Err(e) => problems.to = Some(e),
    }
    match parse_list(&fields.cc) {
        Ok(list) => outgoing.cc = list,
        Err(e) => problems.cc = Some(e),
    }
    match parse_list(&fields.bcc) {
        Ok(list) => outgoing.bcc = list,
        Err(e) => problems.bcc = Some(e),
    }
    problems.no_recipients = !problems.any()
        && outgoing.to.is_empty()
        && outgoing.cc.is_empty()
        && outgoing.bcc.is_empty();
    if problems.any() {
        Err(problems)
    } else {
        Ok(outgoing)
    }
}

/// Hands the message to the account's SMTP server; else what the page says and its status.
/// Authenticating is an attempt of the account's password at that server, counted like a
/// sign-in: reserved first, kept when the server refuses the password, given back otherwise.
async fn submit(
    state: &AppState,
    user: &CurrentUser,
    built: &Built,
) -> Result<(), (Problem, StatusCode)> {
    let account = user.mail.credentials();
    let (Some(server), Some(envelope)) = (&account.smtp, &built.envelope) else {
        return Err((Problem::Send(SendError::NoServer), StatusCode::BAD_GATEWAY));
    };
    let attempt = (state.throttle)
        .reserve(account.email.as_str(), &server.host, None)
        .map_err(|later| {
            tracing::warn!(user = %account.email, "sending refused: too many refused passwords");
            (Problem::TryLater(later), StatusCode::TOO_MANY_REQUESTS)
        })?;
    let submission = Submission {
        server,
        refuse_private: user.mail.connector().refuse_private,
        login: &account.login,
        password: account.password.expose(),
    };
    let error = match state.smtp.submit(&submission, envelope, &built.wire).await {
        Ok(()) => {
            attempt.succeeded();
            return Ok(());
        }
        Err(error) => error,
    };
    if let SendError::PasswordRefused(_) = error {
        attempt.failed();
    }
    tracing::info!(user = %account.email, error = %error, "SMTP refused a message");
    let status = match error {
        SendError::Timeout => StatusCode::GATEWAY_TIMEOUT,
        _ => StatusCode::BAD_GATEWAY,
    };
    Err((Problem::Send(error), status))
}

/// What follows a sent message: its copy filed in Sent (unless the provider does that),
/// the original marked answered or forwarded, the draft it was removed. Says what the
/// notice should, which differs when the copy could not be filed.
async fn after_sending(
    user: &CurrentUser,
    lang: Lang,
    composition: &Composition,
    built: &Built,
) -> Result<&'static str, AppError> {
    let c = lang.strings().compose;
    let mut notice = c.sent;
    let server = &user.mail.credentials().imap.host;
    if !saves_sent_itself(server) && !file_in_sent(user, lang, built).await {
        notice = c.sent_not_saved;
    }
    if let Some(origin) = &composition.origin {
        mark_original(user, origin).await;
    }
    if let Some(old) = composition.draft_uid {
        match folder_list(user)
            .await?
            .by_role(Role::Drafts)
            .and_then(|f| MailboxName::parse(&f.name))
        {
            Some(drafts) => remove_draft(user, &drafts.wire(), old).await,
            None => tracing::warn!("the draft just sent has no Drafts folder to leave"),
        }
    }
    Ok(notice)
}

/// APPENDs the sent copy (with Bcc) to Sent, read; says whether it worked.
async fn file_in_sent(user: &CurrentUser, lang: Lang, built: &Built) -> bool {
    let sent = match folder_for(user, lang, Role::Sent).await {
        Ok(sent) => sent,
        Err(e) => {
            tracing::warn!(error = %e, "finding or creating the Sent folder");
            return false;
        }
    };
    let result = user
        .mail
        .run(|imap| {
            let (sent, copy, message_id) =
                (sent.clone(), built.copy.clone(), built.message_id.clone());
            Box::pin(
                async move { writing::append(imap, &sent, "(\\Seen)", &copy, &message_id).await },
            )
        })
        .await;
    match result {
        Ok(_) => true,
        Err(e) => {
            tracing::warn!(error = %e, "filing the sent message");
            false
        }
    }
}

/// \Answered for a reply, $Forwarded for a forward; only while the UID still names it.
async fn mark_original(user: &CurrentUser, origin: &crate::account::Origin) {
    let flag = match origin.kind {
        Answering::Reply => "\\Answered",
        Answering::Forward => "$Forwarded",
    };
    let result = user
        .mail
        .run(|imap| {
            let message = origin.message.clone();
            Box::pin(async move { writing::mark(imap, &message, flag).await })
        })
        .await;
    if let Err(e) = result {
        tracing::warn!(error = %e, "marking the original");
    }
}
