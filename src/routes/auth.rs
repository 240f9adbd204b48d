//! Signing in and out: the login form, connecting to the person's IMAP server with their
//! password, and tearing everything down again at sign-out.

use std::borrow::Cow;
use std::net::IpAddr;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use serde::Deserialize;

use super::form::codes;
use super::guard::ClientIp;
use super::{assets, links, render};
use crate::credentials::{Credentials, EmailAddress, Password};
use crate::discovery::{DiscoveryError, ProbeError, ProviderHint, preset_for};
use crate::error::AppError;
use crate::i18n::{LANG_COOKIE, Lang, Strings};
use crate::imap::{Connection, Connector, LoginError};
use crate::state::AppState;
use crate::throttle::TryLater;
use crate::token::{random_token, same_secret};
use crate::upstream::{Security, Upstream};
use crate::web_session::{CurrentUser, SignedIn, TypedSession, safe_next};

/// Cookie carrying the sign-in form's CSRF token (double submit: the form must echo it).
const LOGIN_CSRF_COOKIE: &str = "posta_login_csrf";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(show_home))
        .route("/login", get(show_login).post(sign_in))
        .route("/logout", post(sign_out))
        .route("/session", get(time_left).post(stay_signed_in))
        .route("/lang/{code}", get(choose_language))
}

#[derive(askama::Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    t: &'static Strings,
    css: &'static str,
    csrf: &'a str,
    next: &'a str,
    email: &'a str,
    error: Option<&'a str>,
    server_said: Option<&'a str>,
    hint: Option<&'static str>,
    notice: Option<&'static str>,
    /// Whether people may choose a server (no fixed upstream configured).
    advanced: bool,
    open_advanced: bool,
    imap_host: &'a str,
    imap_port: &'a str,
    imap_security: SecurityChoice,
}

#[derive(Deserialize, Default)]
struct LoginQuery {
    next: Option<String>,
    signed_out: Option<String>,
    expired: Option<String>,
}

async fn show_home(session: TypedSession) -> Redirect {
    if session.signed_in().await.is_some() {
        Redirect::to(&links::inbox())
    } else {
        Redirect::to(&links::login())
    }
}

async fn show_login(
    State(state): State<AppState>,
    session: TypedSession,
    lang: Lang,
    jar: CookieJar,
    Query(query): Query<LoginQuery>,
) -> Response {
    let next = safe_next(query.next.as_deref());
    if let Some(who) = session.signed_in().await
        && state.mail.get(&who.key).is_some()
    {
        return Redirect::to(&next).into_response();
    }
    let t = lang.strings();
    let notice = if query.signed_out.is_some() {
        Some(t.signed_out)
    } else if query.expired.is_some() {
        Some(t.session_ended)
    } else {
        None
    };
    let csrf = random_token();
    let page = LoginPage {
        t,
        css: assets::css_url(),
        csrf: &csrf,
        next: &next,
        email: "",
        error: None,
        server_said: None,
        hint: None,
        notice,
        advanced: state.config.imap.is_none(),
        open_advanced: false,
        imap_host: "",
        imap_port: "",
        imap_security: SecurityChoice::Tls,
    };
    (jar.add(login_csrf_cookie(csrf.clone())), render(&page)).into_response()
}

/// The sign-in form's token cookie, for `/login` only, gone with the browser.
fn login_csrf_cookie(token: String) -> Cookie<'static> {
    Cookie::build((LOGIN_CSRF_COOKIE, token))
        .path("/login")
        .http_only(true)
        .same_site(SameSite::Strict)
        .build()
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    imap_host: String,
    #[serde(default)]
    imap_port: String,
    #[serde(default)]
    imap_security: SecurityChoice,
    #[serde(default)]
    next: String,
}

/// The typed password is wiped from memory with the form (the session keeps its own copy in
/// a [`Password`], wiped the same way).
impl Drop for LoginForm {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.password);
    }
}

codes! {
    /// How to reach a server typed under "Server settings": TLS from the start, or
    /// STARTTLS (anything else is taken as TLS).
    #[derive(Default)]
    pub enum SecurityChoice {
        StartTls = "starttls",
        #[default]
        #[serde(other)]
        Tls = "tls",
    }
}

/// Why the form is shown again, and with what status.
struct Refusal {
    status: StatusCode,
    message: Cow<'static, str>,
    /// The mail server's own words, when it gave any.
    server_said: Option<String>,
    /// What the provider asks of people before a password works (app passwords, IMAP on).
    hint: Option<&'static str>,
    /// When to ask again, for a refusal after too many attempts (`Retry-After`).
    retry_after: Option<TryLater>,
}

impl Refusal {
    fn new(status: StatusCode, message: &'static str) -> Self {
        Refusal {
            status,
            message: Cow::Borrowed(message),
            server_said: None,
            hint: None,
            retry_after: None,
        }
    }

    /// Too many attempts lately: says, in words, when to try again.
    fn try_later(t: &'static Strings, later: TryLater) -> Self {
        Refusal {
            message: Cow::Owned((t.err_too_many_sign_ins)(later.minutes())),
            retry_after: Some(later),
            ..Refusal::new(StatusCode::TOO_MANY_REQUESTS, "")
        }
    }
}

/// The servers to use for this sign-in and how to reach them.
struct Chosen<'s> {
    imap: Upstream,
    smtp: Option<Upstream>,
    /// Login name when it is not the address itself (from autoconfig).
    login: Option<String>,
    hint: Option<ProviderHint>,
    connector: &'s Connector,
}

async fn sign_in(
    State(state): State<AppState>,
    session: TypedSession,
    lang: Lang,
    ClientIp(client): ClientIp,
    jar: CookieJar,
    Form(form): Form<LoginForm>,
) -> Response {
    let t = lang.strings();
    match try_sign_in(&state, &session, t, client, &jar, &form).await {
        Ok(()) => {
            let expire = Cookie::build(LOGIN_CSRF_COOKIE).path("/login");
            (
                jar.remove(expire),
                Redirect::to(&safe_next(Some(&form.next))),
            )
                .into_response()
        }
        Err(refusal) => form_again(&state, t, jar, &form, refusal),
    }
}

/// The sign-in form again, with what was typed (but the password) and why it failed.
fn form_again(
    state: &AppState,
    t: &'static Strings,
    jar: CookieJar,
    form: &LoginForm,
    refusal: Refusal,
) -> Response {
    let csrf = (jar.get(LOGIN_CSRF_COOKIE))
        .map(|c| c.value().to_owned())
        .filter(|c| !c.is_empty());
    // Without the cookie there is nothing to echo: give the form a new token pair.
    let (csrf, jar) = match csrf {
        Some(c) => (c, jar),
        None => {
            let c = random_token();
            let jar = jar.add(login_csrf_cookie(c.clone()));
            (c, jar)
        }
    };
    let page = LoginPage {
        t,
        css: assets::css_url(),
        csrf: &csrf,
        next: &safe_next(Some(&form.next)),
        email: form.email.trim(),
        error: Some(&refusal.message),
        server_said: refusal.server_said.as_deref(),
        hint: refusal.hint,
        notice: None,
        advanced: state.config.imap.is_none(),
        open_advanced: !form.imap_host.trim().is_empty(),
        imap_host: form.imap_host.trim(),
        imap_port: form.imap_port.trim(),
        imap_security: form.imap_security,
    };
    let mut response = (refusal.status, jar, render(&page)).into_response();
    if let Some(later) = refusal.retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(later.seconds()));
    }
    response
}

async fn try_sign_in(
    state: &AppState,
    session: &TypedSession,
    t: &'static Strings,
    client: Option<IpAddr>,
    jar: &CookieJar,
    form: &LoginForm,
) -> Result<(), Refusal> {
    let email = check_form(state, t, client, jar, form)?;
    // Refused before any server is asked; `start_sessions` checks again, for sign-ins
    // finishing together.
    if !state.mail.has_room() {
        return Err(too_many_sessions(t));
    }
    let chosen = choose_server(state, t, form, &email).await?;
    // Reserved before the password leaves, so that attempts in flight count too.
    let attempt = state
        .throttle
        .reserve(email.as_str(), &chosen.imap.host, client)
        .map_err(|later| {
            tracing::warn!(user = %email, client = ?client, "sign-in refused: too many attempts");
            Refusal::try_later(t, later)
        })?;
    let connector = chosen.connector;
    let hint = chosen.hint.map(|h| h.text(t.lang));
    let account = Credentials {
        login: chosen.login.unwrap_or_else(|| email.as_str().to_owned()),
        email,
        password: Password::new(form.password.clone()),
        imap: chosen.imap,
        smtp: chosen.smtp,
    };
    let connection = match Connection::open(&account, connector).await {
        Ok(connection) => connection,
        Err(e) => {
            // Only a refused password counts; any other failure judged none.
            if matches!(e, LoginError::WrongPassword(_)) {
                attempt.failed();
            }
            return Err(refuse_login(t, e, hint));
        }
    };
    attempt.succeeded();
    tracing::info!(user = %account.email, server = %account.imap, "signed in");
    start_sessions(state, session, t, account, connector, connection).await
}

/// What must hold before any server is asked: the form's token, an address, a password,
/// and not too many failures lately (so Posta cannot be used to hammer a server). This
/// early look spares a locked account the work of finding its server; the attempt itself
/// is reserved once the server is known ([`try_sign_in`]).
fn check_form(
    state: &AppState,
    t: &'static Strings,
    client: Option<IpAddr>,
    jar: &CookieJar,
    form: &LoginForm,
) -> Result<EmailAddress, Refusal> {
    let cookie = jar
        .get(LOGIN_CSRF_COOKIE)
        .map(Cookie::value)
        .unwrap_or_default();
    if cookie.is_empty() || !same_secret(cookie.as_bytes(), form.csrf.as_bytes()) {
        return Err(Refusal::new(StatusCode::FORBIDDEN, t.err_form_expired));
    }
    let email = EmailAddress::parse(&form.email)
        .ok_or_else(|| Refusal::new(StatusCode::BAD_REQUEST, t.login_bad_email))?;
    if form.password.is_empty() {
        return Err(Refusal::new(StatusCode::BAD_REQUEST, t.login_no_password));
    }
    if let Err(later) = state.throttle.check(email.as_str(), client) {
        tracing::warn!(user = %email, client = ?client, "sign-in refused: too many failures");
        return Err(Refusal::try_later(t, later));
    }
    Ok(email)
}

/// Keeps the signed-in account session and records the sign-in in the browser session
/// (under a fresh id); if that cannot be saved, the account session is closed again. A
/// browser that was signed in already (as anyone) has that earlier account session ended,
/// so its IMAP connection and password do not linger unreachable.
async fn start_sessions(
    state: &AppState,
    session: &TypedSession,
    t: &'static Strings,
    account: Credentials,
    connector: &Connector,
    connection: Connection,
) -> Result<(), Refusal> {
    let email = account.email.to_string();
    let earlier = session.signed_in().await;
    let key = (state.mail.start(account, connector.clone(), connection))
        .map_err(|_| too_many_sessions(t))?;
    let who = SignedIn {
        key: key.clone(),
        email,
        csrf: random_token(),
    };
    if let Err(e) = session.sign_in(&who).await {
        state.mail.end(&key);
        tracing::error!(error = %e, "saving the session at sign-in");
        return Err(Refusal::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            t.err_internal,
        ));
    }
    if let Some(earlier) = earlier {
        state.mail.end(&earlier.key);
    }
    Ok(())
}

/// As many people are signed in as `--max-sessions` allows.
fn too_many_sessions(t: &'static Strings) -> Refusal {
    tracing::warn!("sign-in refused: as many sessions as --max-sessions allows");
    Refusal::new(StatusCode::SERVICE_UNAVAILABLE, t.login_too_many_sessions)
}

/// The operator's fixed server, else the one typed under "Server settings", else what
/// discovery finds for the address.
async fn choose_server<'s>(
    state: &'s AppState,
    t: &'static Strings,
    form: &LoginForm,
    email: &EmailAddress,
) -> Result<Chosen<'s>, Refusal> {
    let preset_hint = preset_for(email.domain()).and_then(|p| p.hint);
    if let Some(fixed) = &state.config.imap {
        return Ok(Chosen {
            imap: fixed.clone(),
            smtp: state.config.smtp.clone(),
            login: None,
            hint: preset_hint,
            connector: &state.trusted,
        });
    }
    let host = form.imap_host.trim();
    if host.is_empty() {
        return discover(state, t, email).await;
    }
    let security = match form.imap_security {
        SecurityChoice::StartTls => Security::StartTls,
        SecurityChoice::Tls => Security::Tls,
    };
    let port = match form.imap_port.trim() {
        "" if security == Security::Tls => 993,
        "" => 143,
        p => p
            .parse::<u16>()
            .ok()
            .filter(|&p| p > 0)
            .ok_or_else(|| Refusal::new(StatusCode::BAD_REQUEST, t.login_bad_port))?,
    };
    let valid_host = host
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    if !valid_host {
        return Err(Refusal::new(StatusCode::BAD_REQUEST, t.login_unreachable));
    }
    let host = host.trim_start_matches('[').trim_end_matches(']');
    Ok(Chosen {
        imap: Upstream::new(host, port, security),
        smtp: state.config.smtp.clone(),
        login: None,
        hint: preset_hint,
        connector: &state.public,
    })
}

async fn discover<'s>(
    state: &'s AppState,
    t: &'static Strings,
    email: &EmailAddress,
) -> Result<Chosen<'s>, Refusal> {
    match state.discoverer.discover(email.as_str()).await {
        Ok(found) => {
            tracing::info!(domain = email.domain(), server = %found.imap.upstream, source = ?found.source, "discovered");
            Ok(Chosen {
                imap: found.imap.upstream,
                smtp: state.config.smtp.clone().or(found.smtp.map(|s| s.upstream)),
                login: found.username,
                hint: found.hint,
                connector: &state.public,
            })
        }
        Err(e) => {
            tracing::info!(domain = email.domain(), error = %e, "discovery failed");
            let (status, message, hint) = match &e {
                DiscoveryError::InvalidAddress(_) => {
                    (StatusCode::BAD_REQUEST, t.login_bad_email, None)
                }
                DiscoveryError::NoImap { hint, .. } => {
                    (StatusCode::BAD_GATEWAY, t.login_no_server, *hint)
                }
                DiscoveryError::NotFound { .. } => {
                    (StatusCode::BAD_GATEWAY, t.login_no_server, None)
                }
                DiscoveryError::Refused { .. } => {
                    (StatusCode::FORBIDDEN, t.login_refused_host, None)
                }
                DiscoveryError::Unreachable {
                    cause: ProbeError::Tls(_),
                    ..
                } => (StatusCode::BAD_GATEWAY, t.login_tls, None),
                DiscoveryError::Unreachable { .. } => {
                    (StatusCode::BAD_GATEWAY, t.login_unreachable, None)
                }
            };
            Err(Refusal {
                hint: hint.map(|h| h.text(t.lang)),
                ..Refusal::new(status, message)
            })
        }
    }
}

fn refuse_login(t: &'static Strings, error: LoginError, hint: Option<&'static str>) -> Refusal {
    tracing::info!(error = %error, "sign-in refused");
    let (status, message) = match &error {
        LoginError::WrongPassword(_) => (StatusCode::UNAUTHORIZED, t.login_wrong_password),
        LoginError::LoginDisabled(_) => (StatusCode::UNAUTHORIZED, t.login_disabled),
        LoginError::Unreachable(_) => (StatusCode::BAD_GATEWAY, t.login_unreachable),
        LoginError::Timeout => (StatusCode::GATEWAY_TIMEOUT, t.login_timeout),
        LoginError::TlsName(_) => (StatusCode::BAD_GATEWAY, t.login_tls_name),
        LoginError::Tls(_) => (StatusCode::BAD_GATEWAY, t.login_tls),
        LoginError::NoStartTls => (StatusCode::BAD_GATEWAY, t.login_no_starttls),
        LoginError::Refused(_) => (StatusCode::FORBIDDEN, t.login_refused_host),
        LoginError::Protocol(_) => (StatusCode::BAD_GATEWAY, t.login_protocol),
        LoginError::Exceeded(_) => (StatusCode::BAD_GATEWAY, t.err_upstream_too_much),
    };
    let about_password = matches!(
        error,
        LoginError::WrongPassword(_) | LoginError::LoginDisabled(_)
    );
    Refusal {
        server_said: error.server_text().map(str::to_owned),
        hint: hint.filter(|_| about_password),
        ..Refusal::new(status, message)
    }
}

#[derive(Deserialize)]
struct LogoutForm {
    #[serde(default)]
    csrf: String,
}

async fn sign_out(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<LogoutForm>,
) -> Result<Response, AppError> {
    user.check_csrf(&form.csrf)?;
    if let Some(mail) = state.mail.remove(&user.who.key) {
        mail.close().await;
    }
    user.session.sign_out().await;
    tracing::info!(user = %user.who.email, "signed out");
    Ok((
        [("clear-site-data", "\"cache\", \"cookies\", \"storage\"")],
        Redirect::to(&links::signed_out()),
    )
        .into_response())
}

/// `GET /session`: seconds until this session ends (plain text), for the page that warns before an idle
/// sign-out. Asking does not count as activity, or an open tab would keep a kiosk signed in.
async fn time_left(State(state): State<AppState>, session: TypedSession) -> Response {
    let left = match session.signed_in().await {
        Some(who) => state.mail.time_left(&who.key),
        None => None,
    };
    match left {
        Some(left) => seconds_up(left).to_string().into_response(),
        None => (StatusCode::UNAUTHORIZED, "0").into_response(),
    }
}

/// `POST /session` ("Stay signed in"): the request itself is the activity.
async fn stay_signed_in(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<LogoutForm>,
) -> Result<Response, AppError> {
    user.check_csrf(&form.csrf)?;
    let left = state.mail.time_left(&user.who.key).unwrap_or_default();
    Ok(seconds_up(left).to_string().into_response())
}

/// Whole seconds, rounded up: a page told "0" goes to sign in, and must not arrive while the
/// session is still alive (signing in again would count as activity and bounce it back).
pub fn seconds_up(d: std::time::Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

#[derive(Deserialize)]
struct LangQuery {
    next: Option<String>,
}

async fn choose_language(
    Path(code): Path<String>,
    Query(query): Query<LangQuery>,
    jar: CookieJar,
) -> Result<Response, AppError> {
    let lang = Lang::from_code(&code).ok_or(AppError::NotFound)?;
    let next = safe_next(query.next.as_deref());
    // `Secure` is added over HTTPS by the front door (routes::guard), as on every cookie.
    let cookie = Cookie::build((LANG_COOKIE, lang.code()))
        .path("/")
        .max_age(time::Duration::days(365))
        .same_site(SameSite::Lax);
    Ok((jar.add(cookie), Redirect::to(&next)).into_response())
}
