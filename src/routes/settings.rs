//! `GET, POST /settings`: the name and signature used in mail written during this session,
//! kept in the session store (not on the mail server, not in the browser).

use axum::extract::Query;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;

use super::chrome::{Chrome, chrome};
use super::{links, render};
use crate::error::AppError;
use crate::i18n::{ComposeStrings, Lang};
use crate::state::AppState;
use crate::web_session::{CurrentUser, Identity};

pub fn router() -> Router<AppState> {
    Router::new().route("/settings", get(show_settings).post(save_settings))
}

#[derive(askama::Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    chrome: Chrome,
    c: &'static ComposeStrings,
    identity: Identity,
}

#[derive(Deserialize, Default)]
struct NoQuery {}

async fn show_settings(
    user: CurrentUser,
    lang: Lang,
    Query(_): Query<NoQuery>,
) -> Result<Response, AppError> {
    let chrome = chrome(&user, lang, "", &links::settings()).await?;
    Ok(render(&SettingsPage {
        c: chrome.t.compose,
        identity: user.session.identity().await,
        chrome,
    }))
}

#[derive(Deserialize)]
struct SettingsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    signature: String,
}

/// At most `max` characters of `text`.
fn cut(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

async fn save_settings(
    user: CurrentUser,
    lang: Lang,
    Form(form): Form<SettingsForm>,
) -> Result<Response, AppError> {
    user.check_csrf(&form.csrf)?;
    let identity = Identity {
        display_name: cut(
            &crate::message::outgoing::build::one_line(&form.display_name),
            Identity::MAX_NAME,
        ),
        signature: cut(
            form.signature.replace("\r\n", "\n").trim_end(),
            Identity::MAX_SIGNATURE,
        ),
    };
    user.session.set_identity(&identity).await?;
    user.session
        .set_notice(lang.strings().compose.settings_saved)
        .await?;
    Ok(Redirect::to(&links::settings()).into_response())
}
