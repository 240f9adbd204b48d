//! The front door, before any handler: requests that change something must come from
//! Posta's own pages (`Origin`, else `Referer`), and what the proxy in front says about the
//! connection (HTTPS, the client's address) is believed only with `--trust-proxy`.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use axum::http::{Method, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::config::Config;
use crate::error::AppError;
use crate::state::AppState;

/// Two years, the usual preload value.
const HSTS: &str = "max-age=63072000";

/// Whether the person reached Posta over HTTPS.
pub fn is_https(config: &Config, headers: &HeaderMap) -> bool {
    config.secure_cookies
        || (config.trust_proxy
            && first_value(headers, "x-forwarded-proto")
                .is_some_and(|p| p.eq_ignore_ascii_case("https")))
}

/// The client's address: the proxy's last hop with `--trust-proxy`, else the peer's.
pub fn client_ip(config: &Config, headers: &HeaderMap, peer: Option<IpAddr>) -> Option<IpAddr> {
    if config.trust_proxy
        && let Some(ip) = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .next_back()
            .and_then(|ip| ip.trim().parse().ok())
    {
        return Some(ip);
    }
    peer
}

fn first_value<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get(name)?
        .to_str()
        .ok()?
        .split(',')
        .next()
        .map(str::trim)
}

/// `scheme://host[:port]` of a URL, as browsers write `Origin`.
fn origin_of(url: &str) -> Option<String> {
    let uri: Uri = url.parse().ok()?;
    Some(format!("{}://{}", uri.scheme_str()?, uri.authority()?).to_ascii_lowercase())
}

/// Whether a state-changing request comes from this site.
///
/// Browsers say so in `Sec-Fetch-Site`, which they set themselves and pages cannot forge.
/// `Origin` must match too when it names a site; it is `null` on Posta's own forms, since
/// `Referrer-Policy: no-referrer` makes browsers hide it. Older browsers without
/// `Sec-Fetch-Site` send a real `Origin` (or a `Referer`); a client with none of these is not
/// a browser a forged page could drive, and the CSRF token alone guards, as it does
/// everywhere anyway.
fn same_origin(config: &Config, headers: &HeaderMap) -> bool {
    let host = config
        .trust_proxy
        .then(|| first_value(headers, "x-forwarded-host"))
        .flatten()
        .or_else(|| headers.get(header::HOST)?.to_str().ok());
    let Some(host) = host else {
        return false;
    };
    let scheme = if is_https(config, headers) {
        "https"
    } else {
        "http"
    };
    let expected = format!("{scheme}://{host}").to_ascii_lowercase();
    let text = |name| {
        headers
            .get(name)
            .map(|v: &HeaderValue| v.to_str().unwrap_or("?"))
    };
    let origin = text(header::ORIGIN).map(str::to_ascii_lowercase);
    let origin_ok = |o: &str| o == expected;
    match text(HeaderName::from_static("sec-fetch-site")) {
        Some(site) => {
            site.eq_ignore_ascii_case("same-origin")
                && origin
                    .as_deref()
                    .is_none_or(|o| o == "null" || origin_ok(o))
        }
        None => match origin {
            Some(o) => origin_ok(&o),
            None => match text(header::REFERER) {
                Some(referer) => origin_of(referer).is_some_and(|o| origin_ok(&o)),
                None => true,
            },
        },
    }
}

/// Refuses state-changing requests from other sites, and notes the client's address.
pub async fn check_origin(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let config = &state.config;
    let changes = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if changes && !same_origin(config, request.headers()) {
        tracing::warn!(
            origin = ?request.headers().get(header::ORIGIN),
            path = request.uri().path(),
            "refused a request from another origin"
        );
        return AppError::ForeignOrigin.into_response();
    }
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let client = ClientIp(client_ip(config, request.headers(), peer));
    request.extensions_mut().insert(client);
    next.run(request).await
}

/// Over HTTPS: HSTS, and `Secure` on every cookie. Wraps the session layer, so it sees the
/// session cookie too.
pub async fn https_only(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let https = is_https(&state.config, request.headers());
    let mut response = next.run(request).await;
    if https {
        secure_cookies(response.headers_mut());
        response.headers_mut().insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    response
}

/// The address a request came from, as [`check_origin`] determined it.
#[derive(Clone, Copy, Debug)]
pub struct ClientIp(pub Option<IpAddr>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<ClientIp>()
            .copied()
            .unwrap_or(ClientIp(None)))
    }
}

/// Adds `Secure` to every cookie a response sets (session, sign-in token, language).
fn secure_cookies(headers: &mut HeaderMap) {
    let cookies: Vec<HeaderValue> = headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|value| {
            let text = value.to_str().unwrap_or_default();
            let secure = text
                .split(';')
                .any(|attr| attr.trim().eq_ignore_ascii_case("secure"));
            if secure || text.is_empty() {
                value.clone()
            } else {
                HeaderValue::from_str(&format!("{text}; Secure")).unwrap_or_else(|_| value.clone())
            }
        })
        .collect();
    headers.remove(header::SET_COOKIE);
    for cookie in cookies {
        headers.append(header::SET_COOKIE, cookie);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(trust_proxy: bool) -> Config {
        let mut config = Config::defaults();
        config.trust_proxy = trust_proxy;
        config
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(*name, HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    #[test]
    fn only_this_sites_origin_may_change_anything() {
        let c = config(false);
        let host = ("host", "mail.example.org");
        let ok = headers(&[host, ("origin", "http://mail.example.org")]);
        assert!(same_origin(&c, &ok));
        for forged in [
            "http://evil.example",
            "null",
            "https://mail.example.org",
            "http://mail.example.org.evil.example",
        ] {
            assert!(
                !same_origin(&c, &headers(&[host, ("origin", forged)])),
                "{forged}"
            );
        }
        let by_referer = headers(&[host, ("referer", "http://mail.example.org/mail/INBOX?x=1")]);
        assert!(same_origin(&c, &by_referer));
        let foreign_referer = headers(&[host, ("referer", "http://evil.example/mail.example.org")]);
        assert!(!same_origin(&c, &foreign_referer));
        assert!(
            same_origin(&c, &headers(&[host])),
            "no Origin, no Referer: the token decides"
        );
    }

    #[test]
    fn browsers_fetch_metadata_decides_and_a_hidden_origin_is_fine() {
        let c = config(false);
        let host = ("host", "mail.example.org");
        let own = headers(&[host, ("sec-fetch-site", "same-origin"), ("origin", "null")]);
        assert!(
            same_origin(&c, &own),
            "no-referrer pages post with Origin: null"
        );
        for site in ["cross-site", "same-site", "none"] {
            let h = headers(&[host, ("sec-fetch-site", site), ("origin", "null")]);
            assert!(!same_origin(&c, &h), "{site}");
        }
        let lying = headers(&[
            host,
            ("sec-fetch-site", "same-origin"),
            ("origin", "http://evil.example"),
        ]);
        assert!(!same_origin(&c, &lying));
    }

    #[test]
    fn forwarded_headers_count_only_behind_a_trusted_proxy() {
        let h = headers(&[
            ("host", "posta:8080"),
            ("x-forwarded-proto", "https"),
            ("x-forwarded-host", "mail.example.org"),
            ("x-forwarded-for", "203.0.113.9, 198.51.100.7"),
            ("origin", "https://mail.example.org"),
        ]);
        let peer = Some("10.0.0.2".parse().unwrap());
        assert!(!is_https(&config(false), &h));
        assert!(is_https(&config(true), &h));
        assert!(!same_origin(&config(false), &h));
        assert!(same_origin(&config(true), &h));
        assert_eq!(client_ip(&config(false), &h, peer), peer);
        assert_eq!(
            client_ip(&config(true), &h, peer),
            Some("198.51.100.7".parse().unwrap()),
            "the hop the proxy itself saw, not what the client claimed"
        );
    }

    #[test]
    fn https_responses_mark_every_cookie_secure_once() {
        let mut h = headers(&[
            (
                "set-cookie",
                "posta_session=abc; HttpOnly; SameSite=Strict; Path=/",
            ),
            ("set-cookie", "posta_lang=ru; Path=/; Secure"),
        ]);
        secure_cookies(&mut h);
        let cookies: Vec<&str> = h
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap())
            .collect();
        assert_eq!(
            cookies,
            [
                "posta_session=abc; HttpOnly; SameSite=Strict; Path=/; Secure",
                "posta_lang=ru; Path=/; Secure"
            ]
        );
    }
}
