//! A client: one IMAP connection that is there when needed. It is opened at sign-in (or on
//! first use), reused by every command, re-opened transparently once when the server turns
//! out to have dropped it, and closed after a while without use — by whoever sweeps idle
//! connections, which must never wait behind a command in progress. Every IMAP operation goes
//! through [`Client::run`].
//!
//! A client knows nothing of who uses it or for how long a person stays signed in (that is
//! the account session's business); a person may hold several, e.g. one for commands and one
//! that IDLEs.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex as SyncMutex};
use std::time::{Duration, Instant};

use async_imap::error::Error as ImapError;
use futures::future::BoxFuture;
use tokio::sync::Mutex;

use super::connect::{Connector, LoginError};
use super::connection::Connection;
use super::framing::Exceeded;
use super::purpose::Purpose;
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
    /// The server did not finish the command within the connector's timeout; the
    /// connection was dropped, since its state is unknown.
    #[error("the IMAP server did not answer within {0:?}")]
    Timeout(Duration),
    /// The server sent more than Posta accepts in answer to the command (see
    /// [`super::purpose`]); the connection was dropped, and the command not tried again.
    #[error(transparent)]
    Exceeded(Exceeded),
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
    /// A command saw the selected mailbox change (see [`Client::take_changed`]).
    changed: AtomicBool,
}

impl Client {
    /// A client that opens its connection on first use.
    pub fn new(credentials: Arc<Credentials>, connector: Connector) -> Self {
        Client {
            credentials,
            connector,
            connection: Mutex::new(None),
            last_used: SyncMutex::new(Instant::now()),
            changed: AtomicBool::new(false),
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
            // The connection is owned by this call while a command is under way and goes
            // back only once the command has finished: if the call is dropped halfway (the
            // browser went away, a request timed out), the half-finished connection is
            // dropped with it, so its late answer can never be read as the next command's.
            let mut connection = match guard.take() {
                Some(connection) => connection,
                None => {
                    reopened = true;
                    Connection::open(&self.credentials, &self.connector).await?
                }
            };
            connection.absorb_unsolicited();
            // Whatever the last operation expected, this one starts from the default caps.
            connection.expect(Purpose::Command);
            let limit = self.connector.timeout;
            let Ok(outcome) = tokio::time::timeout(limit, op(&mut connection)).await else {
                // Half a command may still be on its way: the connection cannot be trusted.
                tracing::warn!(user = %self.credentials.email, ?limit, "IMAP command timed out; connection dropped");
                return Err(MailError::Timeout(limit));
            };
            if let Some(exceeded) = outcome.as_ref().err().and_then(exceeded) {
                // Trying again would only let the server do it again.
                self.touch();
                return Err(MailError::Exceeded(exceeded.clone()));
            }
            match outcome {
                Err(e) if is_connection_lost(&e) && !reopened => {
                    tracing::info!(user = %self.credentials.email, error = %e, "IMAP connection lost; reconnecting");
                }
                result => {
                    if !result.as_ref().is_err_and(is_connection_lost) {
                        *guard = Some(connection);
                    }
                    self.note_changes(guard.as_mut(), reopened);
                    self.touch();
                    return result.map_err(MailError::from);
                }
            }
        }
    }

    /// Remembers whether the selected mailbox changed (what the command provoked included),
    /// or may have: a re-opened connection cannot tell what happened while it was away.
    fn note_changes(&self, connection: Option<&mut Connection>, reopened: bool) {
        let changed = match connection {
            Some(connection) => {
                connection.absorb_unsolicited();
                connection.take_changed()
            }
            None => false,
        };
        if changed || reopened {
            self.changed.store(true, Ordering::Relaxed);
        }
    }

    /// Whether a command saw the selected mailbox change since this was last asked: what
    /// was remembered of folder counts is stale.
    pub fn take_changed(&self) -> bool {
        self.changed.swap(false, Ordering::Relaxed)
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

/// The cap a failed command ran into, if that is why it failed.
fn exceeded(e: &ImapError) -> Option<&Exceeded> {
    match e {
        ImapError::Io(io) => Exceeded::in_io(io),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    use tokio::net::TcpListener;

    use super::*;
    use crate::imap::fake_server::scripted_login;

    /// A connection to a server that accepts the login, then answers every command with
    /// `then`, or never (`None`: every command hangs, as on a stuck server).
    async fn connection_answering(then: Option<&'static str>) -> Connection {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (socket, _) = listener.accept().await.unwrap();
            let (read, mut write) = socket.into_split();
            write
                .write_all(b"* OK scripted IMAP ready\r\n")
                .await
                .unwrap();
            let mut lines = BufReader::new(read).lines();
            if let Ok(Some(line)) = lines.next_line().await {
                let tag = line.split(' ').next().unwrap_or("a").to_owned();
                let login = format!("{tag} OK in\r\n");
                write.write_all(login.as_bytes()).await.unwrap();
            }
            while let Ok(Some(_)) = lines.next_line().await {
                if let Some(answer) = then
                    && write.write_all(answer.as_bytes()).await.is_err()
                {
                    return;
                }
            }
        });
        Connection::scripted(address).await
    }

    async fn stuck_connection() -> Connection {
        connection_answering(None).await
    }

    /// A NOOP sent on `client`'s stuck connection, left hanging there (its task).
    async fn hanging_command(
        client: &Arc<Client>,
    ) -> tokio::task::JoinHandle<Result<(), MailError>> {
        let busy = client.clone();
        let command = tokio::spawn(async move {
            busy.run(|imap| Box::pin(async move { imap.session.noop().await }))
                .await
        });
        // Let the command take the connection and go out on the stuck server.
        tokio::time::sleep(Duration::from_millis(100)).await;
        command
    }

    fn client(connection: Connection) -> Client {
        let (credentials, connector) = scripted_login(Duration::from_secs(1));
        Client::with_connection(Arc::new(credentials), connector, connection)
    }

    #[tokio::test]
    async fn a_command_the_server_never_answers_times_out_and_drops_the_connection() {
        let client = client(stuck_connection().await);

        // Without the client's own timeout, this would wait forever.
        let outcome = tokio::time::timeout(
            Duration::from_secs(10),
            client.run(|imap| Box::pin(async move { imap.session.noop().await })),
        )
        .await
        .expect("run gave up by itself");

        assert!(matches!(outcome, Err(MailError::Timeout(_))), "{outcome:?}");
        assert!(
            client.take_if_idle(Duration::ZERO).is_none(),
            "the stuck connection is gone"
        );
    }

    #[tokio::test]
    async fn an_answer_over_a_cap_drops_the_connection_and_is_not_tried_again() {
        let boast = "* 1 FETCH (BODY[] {524288000}\r\n";
        let client = client(connection_answering(Some(boast)).await);

        let outcome = client
            .run(|imap| Box::pin(async move { imap.session.noop().await }))
            .await;

        // A second try would have had to log in again, at an address that takes no one.
        let Err(MailError::Exceeded(exceeded)) = outcome else {
            panic!("{outcome:?}");
        };
        assert_eq!(exceeded.size, 524_288_000);
        assert!(
            client.take_if_idle(Duration::ZERO).is_none(),
            "the connection is gone"
        );
    }

    #[tokio::test]
    async fn a_command_dropped_halfway_takes_its_connection_with_it() {
        let client = Arc::new(client(stuck_connection().await));
        let command = hanging_command(&client).await;
        // Give up on it, as hyper does when the browser goes away: its answer could still
        // arrive and be read as the next command's.
        command.abort();
        let _ = command.await;
        assert!(
            client.take_if_idle(Duration::ZERO).is_none(),
            "the half-used connection was dropped, not kept for the next command"
        );
    }

    #[tokio::test]
    async fn an_idle_connection_is_taken_out_only_once_it_has_been_idle() {
        let client = client(stuck_connection().await);
        assert!(client.take_if_idle(Duration::from_secs(60)).is_none());
        let taken = client.take_if_idle(Duration::ZERO);
        assert!(taken.is_some());
        assert!(
            client.take_if_idle(Duration::ZERO).is_none(),
            "nothing is left to close"
        );
    }

    #[tokio::test]
    async fn closing_idle_connections_never_waits_for_a_command_in_progress() {
        let client = Arc::new(client(stuck_connection().await));
        let command = hanging_command(&client).await;
        assert!(
            client.take_if_idle(Duration::ZERO).is_none(),
            "returned at once, taking nothing"
        );
        command.abort();
    }
}
