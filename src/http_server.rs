//! Serving HTTP/1.1 on the listener, bounded against clients that are slow or many (slowloris):
//!
//! - **Header-read timeout** (`--header-read-timeout`): hyper closes a connection whose request
//!   head has not arrived whole within it, counted from the first moment hyper waits for a
//!   head, so a client that trickles a header line every few seconds gains nothing, and a
//!   kept-alive connection that sits idle between requests is closed after as long.
//! - **A cap on open connections** (`--max-connections`): each connection holds a permit of a
//!   semaphore for as long as it lives, and the accept loop takes a permit *before* it accepts.
//!   When all are taken, new connections are not accepted: they wait in the kernel's accept
//!   queue, costing Posta nothing, and are accepted in arrival order as soon as a connection
//!   closes — which the header-read timeout guarantees of every idle or stalled one. The
//!   alternative, accepting and closing at once, was rejected: a person's browser (or a
//!   monitor's `/healthz`) arriving during a flood would get an error at once and then race the
//!   attacker's reconnects for each freed slot, whereas in the queue it is served within about
//!   one header-read timeout of arriving.
//! - **A bound on a request head's size** ([`MAX_HEADER_SIZE`]), so a connection's read buffer,
//!   and so the memory a full house of connections holds, stays small.
//!
//! The request timeout for pages lives with the routes (`routes::time_limit`).
//!
//! Why not `axum::serve`: it gives hyper no timer, so hyper's header-read timeout never runs,
//! and it has no connection cap. The loop below is axum's own, with those two added; the
//! timeouts are hyper's, graceful shutdown is hyper-util's, and nothing here times anything by
//! hand. Only HTTP/1.1 is served (as before): browsers speak HTTP/2 only over TLS, which a
//! reverse proxy in front of Posta terminates.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::{Service, ServiceExt};

use crate::config::Config;

/// The largest request head (request line and headers) Posta reads. A browser's, cookies
/// included, is a few kilobytes; past this hyper answers 431 and closes. It bounds each
/// connection's read buffer, which would otherwise grow to hyper's default of about 400 KiB.
pub const MAX_HEADER_SIZE: usize = 32 * 1024;

/// How long to wait before accepting again after the system refused (most often: out of
/// file descriptors), as `axum::serve` and hyper's old server did.
const ACCEPT_BACKOFF: Duration = Duration::from_secs(1);

/// The bounds on browser connections, from the configuration.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// A request head must arrive whole within this; an idle kept-alive connection closes
    /// after as long.
    pub header_read_timeout: Duration,
    /// Connections open at once, at most; more wait in the kernel's accept queue.
    pub max_connections: usize,
}

impl Limits {
    pub fn of(config: &Config) -> Self {
        Limits {
            header_read_timeout: config.header_read_timeout,
            max_connections: usize::try_from(config.max_connections).unwrap_or(usize::MAX),
        }
    }
}

/// Serves `router` on `listener` until `shutdown` completes; then stops accepting and waits
/// for the connections open to finish what they are doing (an idle one closes at once, a
/// half-sent request within the header-read timeout, a download when it is done).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) {
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_header_size(MAX_HEADER_SIZE)
        .keep_alive(true);
    let mut make_service = router.into_make_service_with_connect_info::<SocketAddr>();
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let mut shutdown = pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    refused(e).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // The router, with the peer's address for `ConnectInfo`.
        let service = match ServiceExt::<SocketAddr>::ready(&mut make_service).await {
            Ok(ready) => ready.call(peer).await,
            Err(never) => match never {},
        };
        let service = match service {
            Ok(service) => TowerToHyperService::new(service),
            Err(never) => match never {},
        };
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                // A client that hung up, sent garbage or ran out of time: nothing to act on.
                tracing::debug!(%peer, error = %e, "HTTP connection ended");
            }
            drop(slot);
        });
    }
    // Connections still queued in the kernel are refused from here on.
    drop(listener);
    graceful.shutdown().await;
}

/// Waits out an `accept` the system refused, unless it was only one connection that failed.
async fn refused(error: io::Error) {
    if matches!(
        error.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    ) {
        return;
    }
    tracing::error!(%error, "cannot accept connections; retrying in a second");
    tokio::time::sleep(ACCEPT_BACKOFF).await;
}
