//! One logged-in IMAP connection and what Posta knows about its state (capabilities, the
//! mailbox it has SELECTed). Opening, re-opening and closing it on time is the job of a
//! [`Client`](super::Client); the operations in the sibling modules take a `&mut Connection`.

use std::time::Duration;

use async_imap::Session;

use super::connect::{Capabilities, Connector, LoginError};
use super::purpose::Purpose;
use super::stream::MailStream;
use crate::credentials::Credentials;

/// How long a polite LOGOUT may take before the connection is simply dropped.
const LOGOUT_TIMEOUT: Duration = Duration::from_secs(2);

/// The mailbox a connection has SELECTed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selected {
    /// Wire name (modified UTF-7).
    pub name: String,
    /// UIDs are only meaningful together with this; cached structures are keyed by it.
    pub uid_validity: u32,
}

/// A logged-in IMAP connection and what we know about its state.
pub struct Connection {
    pub session: Session<MailStream>,
    pub caps: Capabilities,
    /// The mailbox currently SELECTed, so reading a message after listing its folder does
    /// not SELECT again.
    pub selected: Option<Selected>,
}

impl Connection {
    /// Logs in to the person's IMAP server: at sign-in, and whenever a client re-opens.
    pub async fn open(
        credentials: &Credentials,
        connector: &Connector,
    ) -> Result<Connection, LoginError> {
        let (session, caps) = connector
            .login(
                &credentials.imap,
                &credentials.login,
                credentials.password.expose(),
            )
            .await?;
        tracing::debug!(user = %credentials.email, server = %credentials.imap, "IMAP connection opened");
        Ok(Connection {
            session,
            caps,
            selected: None,
        })
    }

    /// The next command's responses are for `purpose`, and held to its caps (see
    /// [`super::purpose`]): call it just before sending the command it is for. Every other
    /// command gets [`Purpose::Command`]'s.
    pub fn expect(&mut self, purpose: Purpose) {
        self.session.get_mut().expect(purpose);
    }

    /// Unilateral responses (EXISTS, EXPUNGE, …) queue up in a channel; drop the stale ones
    /// before a command so whatever the command provokes can be read afterwards.
    pub(super) fn drain_unsolicited(&mut self) {
        while self.session.unsolicited_responses.try_recv().is_ok() {}
    }

    /// A polite LOGOUT, but never one that lets a stuck server hold the caller up.
    pub async fn logout(mut self) {
        let _ = tokio::time::timeout(LOGOUT_TIMEOUT, self.session.logout()).await;
    }

    /// A plain-text connection logged in to a scripted test server at `address` (which must
    /// greet, then answer the LOGIN), for unit tests of what goes on the wire.
    #[cfg(test)]
    pub(crate) async fn scripted(address: std::net::SocketAddr) -> Connection {
        let tcp = tokio::net::TcpStream::connect(address).await.unwrap();
        let mut client = async_imap::Client::new(MailStream::plain(tcp));
        client.read_response().await.unwrap().unwrap();
        let session = client
            .login("user", "pass")
            .await
            .map_err(|(e, _)| e)
            .unwrap();
        Connection {
            session,
            caps: Capabilities::default(),
            selected: None,
        }
    }
}
