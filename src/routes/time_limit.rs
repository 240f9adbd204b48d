//! The request timeout (`--request-timeout`): a page that is not ready in time is answered
//! with 503 and a page saying it took too long (the error-page layer writes it), rather than
//! leaving the browser waiting on a mail server that answers each command just within
//! `--imap-timeout`, or on anything else that is slow.
//!
//! It is tower-http's [`Timeout`], which times only what produces the response's head. So a
//! response whose body streams — an attachment or a message source fetched chunk by chunk, the
//! event stream — is exempt by construction: it starts in time and then flows as long as it
//! needs. 503 rather than 408: browsers take 408 to mean their kept-alive connection went stale
//! and silently send the request again, doubling the wait.
//!
//! The handler is not dropped when time runs out: it runs as a task of its own, which finishes
//! (each of its IMAP commands within `--imap-timeout`) and whose answer is then thrown away.
//! Dropping it could cut an IMAP command halfway, leaving that command's answer to arrive as
//! if it were the next one's — the person's following page could read it — and could leave an
//! action (a move of many messages) half done.
//!
//! Since the handler outlives the timeout, the request's body must not: it fails at the
//! deadline ([`UntilDeadline`]), so a form trickled in a byte at a time cannot keep its
//! connection once the 503 is out. This one wrapper is written here because tower-http's
//! [`TimeoutBody`] limits each pause in a body, not its whole time.
//!
//! Exempt as well: sending the compose form. Its upload may take minutes over a slow uplink
//! (25 MB at 1 Mbit/s: over three), and cutting it after the SMTP server took the message but
//! before it was filed in *Sent* would leave the person to send it twice. Its body must keep
//! arriving instead: no pause longer than the request timeout (tower-http's [`TimeoutBody`]),
//! and its SMTP and IMAP steps have their own timeouts.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use hyper::body::{Frame, SizeHint};
use tokio::time::Sleep;
use tower::ServiceExt;
use tower_http::timeout::{Timeout, TimeoutBody};
use tracing::Instrument;

use super::links;

/// The status of a request that ran out of time.
pub const TIMED_OUT: StatusCode = StatusCode::SERVICE_UNAVAILABLE;

/// Runs the request under the request timeout, or — for one that sends mail — with a limit
/// on each pause in its body.
pub async fn limit(State(limit): State<Duration>, request: Request, next: Next) -> Response {
    if sends_mail(&request) {
        let request = request.map(|body| Body::new(TimeoutBody::new(limit, body)));
        return next.run(request).await;
    }
    let (path, started) = (request.uri().path().to_owned(), Instant::now());
    let deadline = tokio::time::Instant::from_std(started) + limit;
    let detached = tower::service_fn(move |request: Request| {
        let request = request.map(|body| Body::new(UntilDeadline::new(body, deadline)));
        let handler = tokio::spawn(next.clone().run(request).in_current_span());
        async move {
            match handler.await {
                Ok(response) => Ok::<_, Infallible>(response),
                Err(failed) => match failed.try_into_panic() {
                    // A panic in the handler goes on as if it had not been moved to a task.
                    Ok(panic) => std::panic::resume_unwind(panic),
                    // Cancelled: the runtime is stopping.
                    Err(_) => Ok(TIMED_OUT.into_response()),
                },
            }
        }
    });
    let response = match Timeout::with_status_code(detached, TIMED_OUT, limit)
        .oneshot(request)
        .await
    {
        Ok(response) => response,
        Err(never) => match never {},
    };
    // The answer itself is bare; the error-page layer gives it words.
    if response.status() == TIMED_OUT && started.elapsed() >= limit {
        tracing::warn!(
            path,
            ?limit,
            "request ran out of time; its work goes on unseen"
        );
    }
    response
}

/// A POST of the compose form: the one request that carries uploads and sends mail.
fn sends_mail(request: &Request) -> bool {
    request.method() == Method::POST && request.uri().path() == links::compose()
}

/// A request body that fails once the request's deadline has passed.
struct UntilDeadline {
    body: Body,
    deadline: Pin<Box<Sleep>>,
}

impl UntilDeadline {
    fn new(body: Body, deadline: tokio::time::Instant) -> Self {
        UntilDeadline {
            body,
            deadline: Box::pin(tokio::time::sleep_until(deadline)),
        }
    }
}

impl hyper::body::Body for UntilDeadline {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        if !self.body.is_end_stream() && self.deadline.as_mut().poll(cx).is_ready() {
            let late = std::io::Error::new(std::io::ErrorKind::TimedOut, "request body too slow");
            return Poll::Ready(Some(Err(axum::Error::new(late))));
        }
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}
