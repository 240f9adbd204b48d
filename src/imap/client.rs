//! A client: one IMAP connection that is there when needed. It is opened at sign-in (or on
//! first use), reused by every command, re-opened transparently once when the server turns
//! out to have dropped it, and closed after a while without use — by whoever sweeps idle
//! connections, which must never wait behind a command in progress. Every IMAP operation goes
//! through [`Client::run`].
//!
//! A client knows nothing of who uses it or for how long a person stays signed in (that is
//! the account session's business); a person may hold several, e.g. one for commands and one
//! that IDLEs.

use std::sync::{Arc, Mutex as SyncMutex};
use std::time::{Duration, Instant};

use async_imap::error::Error as ImapError;
use futures::future::BoxFuture;
use tokio::sync::Mutex;

use super::connect::{Connector, LoginError};
use super::connection::Connection;
use crate::credentials::Credentials;

/// Why a mail operation failed after Posta did what it could (including one reconnect).
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// Re-opening the connection failed, e.g. the password was changed meanwhile.
    #[error("could not log in again")]
    Login(#[from] LoginError),
    /// The server refused or broke the command.
    #[error("IMAP command failed")]
    Imap(#[from] ImapError),
}

/// One reconnecting IMAP connection.
pub struct Client {
    /// Who logs in, and where: kept to re-open the connection.
    credentials: Arc<Credentials>,
    /// How to reach the server (TLS roots, timeouts, address policy).
    connector: Connector,
    /// `None` before first use, after an idle close, or after the connection was lost. The
    /// lock is held for a whole command, so commands on one connection never interleave.
    connection: Mutex<Option<Connection>>,
    /// When a command last ran: drives the idle close.
    last_used: SyncMutex<Instant>,
}

impl Client {
    /// A client that opens its connection on first use.
    pub fn new(credentials: Arc<Credentials>, connector: Connector) -> Self {
        Client {
            credentials,
            connector,
            connection: Mutex::new(None),
            last_used: SyncMutex::new(Instant::now()),
        }
    }

    /// A client over a connection already open (the one that proved the password at sign-in).
    pub fn with_connection(
        credentials: Arc<Credentials>,
        connector: Connector,
        connection: Connection,
    ) -> Self {
        Client {
            connection: Mutex::new(Some(connection)),
            ..Client::new(credentials, connector)
        }
    }

    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// How this client reaches its server: whether the address policy applies to it.
    pub fn connector(&self) -> &Connector {
        &self.connector
    }

    /// Runs `op` on the connection, opening it first if needed. When the connection turns
    /// out to be dead (the server dropped it, a NAT forgot it), it is re-opened and `op` is
    /// tried once more; IMAP-level refusals are returned as they are.
    pub async fn run<T>(
        &self,
        op: impl for<'c> Fn(&'c mut Connection) -> BoxFuture<'c, Result<T, ImapError>>,
    ) -> Result<T, MailError> {
        self.touch();
        let mut guard = self.connection.lock().await;
        let mut reopened = false;
        loop {
            if guard.is_none() {
                *guard = Some(Connection::open(&self.credentials, &self.connector).await?);
                reopened = true;
            }
            let connection = guard.as_mut().expect("connection opened above");
            connection.drain_unsolicited();
            match op(connection).await {
                Err(e) if is_connection_lost(&e) && !reopened => {
                    tracing::info!(user = %self.credentials.email, error = %e, "IMAP connection lost; reconnecting");
                    *guard = None;
                }
                result => {
                    if result.as_ref().is_err_and(is_connection_lost) {
                        *guard = None;
                    }
                    self.touch();
                    return result.map_err(MailError::from);
                }
            }
        }
    }

    fn touch(&self) {
        *self.last_used.lock().expect("clock poisoned") = Instant::now();
    }

    /// How long since a command last ran.
    pub fn idle_for(&self) -> Duration {
        self.last_used.lock().expect("clock poisoned").elapsed()
    }

    /// Takes the connection out if it has not been used for `idle` and no command holds it
    /// right now; never waits. The caller logs it out (see [`Connection::logout`]) wherever a
    /// slow server cannot hold anyone up.
    pub fn take_if_idle(&self, idle: Duration) -> Option<Connection> {
        if self.idle_for() < idle {
            return None;
        }
        let connection = self.connection.try_lock().ok()?.take()?;
        tracing::debug!(user = %self.credentials.email, "closing an idle IMAP connection");
        Some(connection)
    }

    /// Closes the connection if it has been idle for `idle` and nobody is using it right
    /// now. Returns whether one was closed.
    pub async fn close_if_idle(&self, idle: Duration) -> bool {
        match self.take_if_idle(idle) {
            Some(connection) => {
                connection.logout().await;
                true
            }
            None => false,
        }
    }

    /// Ends the connection for good (sign-out or expiry), after any command in progress.
    pub async fn close(&self) {
        let connection = self.connection.lock().await.take();
        if let Some(connection) = connection {
            connection.logout().await;
        }
    }
}

fn is_connection_lost(e: &ImapError) -> bool {
    matches!(e, ImapError::Io(_) | ImapError::ConnectionLost)
}
