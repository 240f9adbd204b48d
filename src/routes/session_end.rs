//! Where a session the mail server ended becomes "sign in again". A handler that meets a
//! password the server no longer takes only returns [`AppError::SessionEnded`]; this layer
//! sees the mark on its response, ends the person's account session (closing its IMAP
//! connection) and their browser session, and sends them to `/login?expired=1`. Mapping
//! the error stays free of side effects, and the ending is done once, here.
//!
//! [`AppError::SessionEnded`]: crate::error::AppError::SessionEnded

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use tower_sessions::Session;

use super::links;
use crate::account::AccountSessions;
use crate::error::SessionEnded;
use crate::web_session::TypedSession;

pub async fn end_sessions(
    State(sessions): State<AccountSessions>,
    request: Request,
    next: Next,
) -> Response {
    // The browser session of this request, if the session layer gave it one.
    let browser = request.extensions().get::<Session>().cloned();
    let response = next.run(request).await;
    if response.extensions().get::<SessionEnded>().is_none() {
        return response;
    }
    if let Some(browser) = browser.map(TypedSession) {
        if let Some(who) = browser.signed_in().await {
            tracing::info!(user = %who.email, "the mail server refused the password; session ended");
            sessions.end(&who.key);
        }
        browser.sign_out().await;
    }
    Redirect::to(&links::expired()).into_response()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use axum::Router;
    use axum::body::Body;
    use axum::http::{Request, StatusCode, header};
    use axum::middleware;
    use axum::routing::get;
    use tower::Service;
    use tower_sessions::{MemoryStore, SessionManagerLayer};

    use super::*;
    use crate::account::Limits;
    use crate::error::AppError;
    use crate::web_session::SignedIn;

    /// A page that signs in, and one that meets a refused password.
    fn app() -> Router {
        let sessions = AccountSessions::new(Limits {
            idle: Duration::from_secs(60),
            lifetime: Duration::from_secs(600),
        });
        Router::new()
            .route(
                "/in",
                get(|session: TypedSession| async move {
                    let who = SignedIn {
                        key: "k".into(),
                        email: "a@b.c".into(),
                        csrf: "t".into(),
                    };
                    session.sign_in(&who).await
                }),
            )
            .route("/refused", get(|| async { AppError::SessionEnded }))
            .layer(middleware::from_fn_with_state(sessions, end_sessions))
            .layer(SessionManagerLayer::new(MemoryStore::default()))
    }

    async fn call(app: &mut Router, path: &str, cookie: Option<&str>) -> Response {
        std::future::poll_fn(|cx| Service::<Request<Body>>::poll_ready(app, cx))
            .await
            .unwrap();
        let mut request = Request::get(path);
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        app.call(request.body(Body::empty()).unwrap())
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn a_refused_password_signs_the_browser_out_and_asks_to_sign_in_again() {
        let mut app = app();
        let signed_in = call(&mut app, "/in", None).await;
        let cookie = signed_in.headers()[header::SET_COOKIE].to_str().unwrap();
        let cookie = cookie.split(';').next().unwrap().to_owned();

        let refused = call(&mut app, "/refused", Some(&cookie)).await;

        assert_eq!(refused.status(), StatusCode::SEE_OTHER);
        assert_eq!(refused.headers()[header::LOCATION], "/login?expired=1");
        let cleared = refused.headers()[header::SET_COOKIE].to_str().unwrap();
        assert!(cleared.contains("Max-Age=0"), "{cleared}");
    }

    #[tokio::test]
    async fn without_a_session_it_still_asks_to_sign_in() {
        let refused = call(&mut app(), "/refused", None).await;
        assert_eq!(refused.status(), StatusCode::SEE_OTHER);
        assert_eq!(refused.headers()[header::LOCATION], "/login?expired=1");
    }
}
