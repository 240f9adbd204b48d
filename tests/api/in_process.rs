//! Posta without a socket and without the mail stack, for pages that need no mail server:
//! the router `posta::app::app` builds, answering one request at a time through
//! `tower::ServiceExt::oneshot`. Requests are built with reqwest as over HTTP, so a test
//! reads the same either way, and carry the cookies earlier answers set, as a browser's do.
//!
//! Nothing here touches [`crate::helpers::stack`]: `cargo test --test api -- pages::` runs
//! without Dovecot or Postfix.

use std::net::SocketAddr;
use std::sync::{Arc, LazyLock};

use axum::extract::ConnectInfo;
use axum::http::HeaderValue;
use axum::http::header::{ACCEPT, COOKIE, HOST, SET_COOKIE};
use posta::app::AppState;
use posta::config::Config;
use posta::upstream::{Security, Upstream};
use reqwest::cookie::{CookieStore, Jar};
use tower::ServiceExt;

use crate::helpers::{Page, User};

/// Where the in-process Posta looks for mail: a closed port on loopback, so a test here that
/// reached for a mail server by mistake is told it could not connect, and never finds the
/// stack.
pub fn config() -> Config {
    let nowhere = Upstream::new("127.0.0.1", 1, Security::Tls);
    let mut config = Config::defaults();
    config.imap = Some(nowhere.clone());
    config.smtp = Some(nowhere);
    config
}

/// Only builds requests, so one serves every test (making one loads the system's roots).
static CLIENT: LazyLock<reqwest::Client> = LazyLock::new(reqwest::Client::new);

/// Posta's router with the in-process [`config`].
pub fn app() -> InProcessApp {
    app_with(config())
}

pub fn app_with(config: Config) -> InProcessApp {
    app_over(AppState::new(config).expect("building Posta's state"))
}

/// Posta's router over `state`, which the test keeps to look inside.
pub fn app_over(state: AppState) -> InProcessApp {
    InProcessApp {
        address: "http://posta.test".to_owned(),
        client: CLIENT.clone(),
        router: posta::app::app(state),
        cookies: Arc::default(),
        peer: SocketAddr::from(([127, 0, 0, 1], 40000)),
    }
}

/// The router and a browser's memory of it, with the methods of [`crate::helpers::TestApp`]
/// that make sense without a mail server.
pub struct InProcessApp {
    /// What requests name: their `Host`, and the `Origin` of Posta's own pages.
    pub address: String,
    /// Builds requests (see [`InProcessApp::send`]); never sends one.
    pub client: reqwest::Client,
    router: axum::Router,
    /// Cookies the answers set, sent back as a browser would.
    cookies: Arc<Jar>,
    /// The client address the router sees, as `axum::serve` would report it.
    peer: SocketAddr,
}

impl InProcessApp {
    /// Answers a request the test built with `client`, as Posta behind a socket would: with
    /// the `Host`, `Accept` and cookies reqwest's client adds, and the peer address.
    pub async fn send(&self, request: reqwest::RequestBuilder) -> Page {
        let request = request.build().expect("a request the test built");
        let url = request.url().clone();
        let mut request =
            axum::http::Request::try_from(request).expect("an HTTP request from reqwest's");
        let host = match (url.host_str(), url.port()) {
            (Some(host), Some(port)) => format!("{host}:{port}"),
            (host, None) => host.unwrap_or_default().to_owned(),
            (None, Some(_)) => unreachable!("a port without a host"),
        };
        let headers = request.headers_mut();
        headers
            .entry(HOST)
            .or_insert(HeaderValue::from_str(&host).expect("a host header"));
        headers
            .entry(ACCEPT)
            .or_insert(HeaderValue::from_static("*/*"));
        if !headers.contains_key(COOKIE)
            && let Some(cookies) = self.cookies.cookies(&url)
        {
            headers.insert(COOKIE, cookies);
        }
        request.extensions_mut().insert(ConnectInfo(self.peer));

        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("the router answers every request");

        self.cookies
            .set_cookies(&mut response.headers().get_all(SET_COOKIE).iter(), &url);
        let (parts, body) = response.into_parts();
        let body = axum::body::to_bytes(body, usize::MAX)
            .await
            .expect("reading the body");
        Page {
            status: parts.status,
            headers: parts.headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    }

    pub async fn get(&self, path: &str) -> Page {
        self.send(self.client.get(format!("{}{path}", self.address)))
            .await
    }

    /// The `Cookie` header this browser would send to `path`.
    pub fn cookies_for(&self, path: &str) -> String {
        let url = format!("{}{path}", self.address).parse().expect("a URL");
        (self.cookies.cookies(&url))
            .map(|v| v.to_str().expect("ASCII cookies").to_owned())
            .unwrap_or_default()
    }

    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Page {
        let mut request = self.client.get(format!("{}{path}", self.address));
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        self.send(request).await
    }

    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> Page {
        self.send(
            self.client
                .post(format!("{}{path}", self.address))
                .form(form),
        )
        .await
    }

    /// Posts a multipart form (see [`crate::helpers::multipart`]).
    pub async fn post_multipart(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &str, &[u8])],
    ) -> Page {
        self.send(
            self.client
                .post(format!("{}{path}", self.address))
                .multipart(crate::helpers::multipart(fields, files)),
        )
        .await
    }

    /// Opens the login page and submits it with `fields` (plus its CSRF token).
    pub async fn post_login(&self, fields: &[(&str, &str)]) -> Page {
        let form = self.get("/login").await;
        let csrf = form.csrf();
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_form("/login", &all).await
    }

    pub async fn login(&self, user: User) -> Page {
        let (email, password) = (user.email(), user.password());
        self.post_login(&[("email", &email), ("password", &password)])
            .await
    }
}
