//! One logged-in IMAP connection and what Posta knows about its state (capabilities, the
//! mailbox it has SELECTed). Opening, re-opening and closing it on time is the job of a
//! [`Client`](super::Client); the operations in the sibling modules take a `&mut Connection`.

use std::time::Duration;

use async_imap::Session;
use async_imap::imap_proto::{MailboxDatum, Response};
use async_imap::types::UnsolicitedResponse;

use super::connect::{Capabilities, Connector, LoginError};
use super::purpose::Purpose;
use super::selected::{Change, Selected};
use super::stream::MailStream;
use crate::credentials::Credentials;

/// How long a polite LOGOUT may take before the connection is simply dropped.
const LOGOUT_TIMEOUT: Duration = Duration::from_secs(2);

/// A logged-in IMAP connection and what we know about its state.
pub struct Connection {
    pub session: Session<MailStream>,
    pub caps: Capabilities,
    /// The mailbox currently SELECTed, kept current by what the server reports (see
    /// [`super::sync`]), so neither a list page nor reading a message SELECTs it again.
    pub selected: Option<Selected>,
    /// The server reported a change to the selected mailbox (or the view of it was lost)
    /// since [`Connection::take_changed`] was last asked: what was remembered of the
    /// folder's counts is stale.
    pub(super) changed: bool,
    /// QRESYNC (RFC 7162) is ENABLEd: expunges come as one VANISHED line per batch, and
    /// FETCH answers carry MODSEQ.
    pub(super) qresync: bool,
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
            changed: false,
            qresync: false,
        })
    }

    /// The next command's responses are for `purpose`, and held to its caps (see
    /// [`super::purpose`]): call it just before sending the command it is for. Every other
    /// command gets [`Purpose::Command`]'s.
    pub fn expect(&mut self, purpose: Purpose) {
        self.session.get_mut().expect(purpose);
    }

    /// Applies a response the server sent about the selected mailbox to the view of it.
    pub(super) fn note(&mut self, response: &Response<'_>) -> Option<Change> {
        let change = self.selected.as_mut()?.apply(response);
        self.changed |= change.is_some();
        change
    }

    /// Applies one of the unilateral responses async-imap queued while a command ran.
    pub(super) fn note_unsolicited(&mut self, response: &UnsolicitedResponse) -> Option<Change> {
        match response {
            UnsolicitedResponse::Exists(n) => {
                self.note(&Response::MailboxData(MailboxDatum::Exists(*n)))
            }
            UnsolicitedResponse::Expunge(n) => self.note(&Response::Expunge(*n)),
            UnsolicitedResponse::Other(data) => self.note(data.parsed()),
            _ => None,
        }
    }

    /// Applies the unilateral responses (EXISTS, EXPUNGE, FETCH FLAGS…) queued since the
    /// last look, in order. async-imap queues at most 100 and drops the rest: with the queue
    /// full, some may be lost, so the view is marked stale and the next sync SELECTs afresh.
    /// Whether new messages arrived.
    pub(super) fn absorb_unsolicited(&mut self) -> bool {
        let full = self.session.unsolicited_responses.is_full();
        let mut arrived = false;
        while let Ok(response) = self.session.unsolicited_responses.try_recv() {
            arrived |= self.note_unsolicited(&response) == Some(Change::Arrived);
        }
        if full && let Some(selected) = &mut self.selected {
            tracing::debug!("unilateral responses overflowed; the folder will be selected afresh");
            selected.stale = true;
            self.changed = true;
        }
        arrived
    }

    /// Whether the selected mailbox changed since this was last asked.
    pub fn take_changed(&mut self) -> bool {
        std::mem::take(&mut self.changed)
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
            changed: false,
            qresync: false,
        }
    }
}
