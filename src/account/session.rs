//! One person's account session: who they are to their servers, the IMAP client their
//! commands go through, what is remembered between pages, and the messages they are writing.

use std::sync::Arc;
use std::time::Duration;

use async_imap::error::Error as ImapError;
use futures::future::BoxFuture;

use super::caches::{Caches, Document, DocumentKey};
use super::compositions::Compositions;
use super::inline_tokens::InlineTokens;
use super::limits::{Activity, Limits};
use super::upload_memory::UploadMemory;
use crate::credentials::Credentials;
use crate::imap::folders::FolderList;
use crate::imap::reading::{self, Opened};
use crate::imap::{Client, Connection, Connector, MailError, MailboxName, MessageRef};
use crate::message::structure::{Part, PartPath, Prefer};

pub struct AccountSession {
    /// Who logs in and sends mail, shared with the clients that re-open connections.
    credentials: Arc<Credentials>,
    /// The connection pages' commands go through. (A connection that IDLEs for live mail
    /// would be a second client beside it.)
    commands: Client,
    /// When the person signed in and last did something: what [`Limits`] measure.
    activity: Activity,
    /// This session's view of the caches all sessions share (structures, documents,
    /// folders, suggestions), behind the methods below.
    caches: Caches,
    /// Signs the URLs of inline images (see [`super::inline_tokens`]).
    inline: InlineTokens,
    /// Messages being written, with their uploaded attachments.
    compositions: Compositions,
}

impl AccountSession {
    /// A session over the connection that proved the password at sign-in (see
    /// [`AccountSessions::start`](super::AccountSessions::start)).
    pub(super) fn new(
        credentials: Credentials,
        connector: Connector,
        connection: Connection,
        caches: Caches,
        memory: UploadMemory,
    ) -> Self {
        let credentials = Arc::new(credentials);
        Self::with_client(
            Client::with_connection(credentials.clone(), connector, connection),
            credentials,
            caches,
            memory,
        )
    }

    fn with_client(
        commands: Client,
        credentials: Arc<Credentials>,
        caches: Caches,
        memory: UploadMemory,
    ) -> Self {
        AccountSession {
            commands,
            credentials,
            activity: Activity::new(),
            caches,
            inline: InlineTokens::new(),
            compositions: Compositions::new(memory),
        }
    }

    /// A session whose connection opens on first use (tests of what needs no server).
    #[cfg(test)]
    pub(super) fn unconnected(
        credentials: Credentials,
        caches: Caches,
        memory: UploadMemory,
    ) -> Self {
        let credentials = Arc::new(credentials);
        let connector = Connector {
            extra_ca: None,
            timeout: Duration::from_secs(1),
            refuse_private: true,
        };
        Self::with_client(
            Client::new(credentials.clone(), connector),
            credentials,
            caches,
            memory,
        )
    }

    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// How this session reaches its servers: whether the address policy applies to them.
    pub fn connector(&self) -> &Connector {
        self.commands.connector()
    }

    /// Runs `op` on the command connection (see [`Client::run`]); counts as activity. When
    /// the server reported changes to the selected folder meanwhile (new mail, expunges,
    /// flags set elsewhere), the folder counts remembered are forgotten.
    pub async fn run<T>(
        &self,
        op: impl for<'c> Fn(&'c mut Connection) -> BoxFuture<'c, Result<T, ImapError>>,
    ) -> Result<T, MailError> {
        self.activity.touch();
        let result = self.commands.run(op).await;
        if self.commands.take_changed() {
            self.caches.forget_folders();
        }
        self.activity.touch();
        result
    }

    /// Fetches what showing message `uid` of `mailbox` needs (its structure from the cache
    /// when known) and marks it read. `Ok(None)`: no such message.
    pub async fn open_message(
        &self,
        mailbox: &MailboxName,
        uid: u32,
        prefer: Prefer,
    ) -> Result<Option<Opened>, MailError> {
        self.run(|imap| {
            let (structures, mailbox) = (self.caches.clone(), mailbox.clone());
            Box::pin(async move { reading::open(imap, &structures, &mailbox, uid, prefer).await })
        })
        .await
    }

    /// The structure of message `uid` of `mailbox`, from the cache or the server, with the
    /// reference that names it.
    pub async fn structure(
        &self,
        mailbox: &MailboxName,
        uid: u32,
    ) -> Result<Option<(MessageRef, Arc<Part>)>, MailError> {
        self.run(|imap| {
            let (structures, mailbox) = (self.caches.clone(), mailbox.clone());
            Box::pin(async move { reading::structure_of(imap, &structures, &mailbox, uid).await })
        })
        .await
    }

    /// A sanitised document made earlier, if still remembered.
    pub fn document(&self, key: &DocumentKey) -> Option<Arc<Document>> {
        self.caches.document(key)
    }

    pub fn keep_document(&self, key: DocumentKey, document: Arc<Document>) {
        self.caches.keep_document(key, document);
    }

    /// The folder list, if fetched within the last half minute and nothing changed since.
    pub fn cached_folders(&self) -> Option<Arc<FolderList>> {
        self.caches.folders()
    }

    pub fn cache_folders(&self, list: Arc<FolderList>) {
        self.caches.keep_folders(list);
    }

    /// Forgets the folder counts, after something changed them (a message read, moved…).
    pub fn invalidate_folders(&self) {
        self.caches.forget_folders();
    }

    /// The address suggestions, if made within the last few minutes.
    pub fn cached_suggestions(&self) -> Option<Arc<Vec<String>>> {
        self.caches.suggestions()
    }

    pub fn cache_suggestions(&self, list: Arc<Vec<String>>) {
        self.caches.keep_suggestions(list);
    }

    /// The token that lets the message iframe load `part` of message `uid` in `mailbox`.
    pub fn inline_token(&self, mailbox: &MailboxName, uid: u32, part: &PartPath) -> String {
        self.inline.token(mailbox, uid, part)
    }

    pub(super) fn inline_tokens(&self) -> &InlineTokens {
        &self.inline
    }

    /// Messages being written in this session.
    pub fn compositions(&self) -> &Compositions {
        &self.compositions
    }

    /// How long this session has under `limits`, without counting as activity.
    pub(super) fn time_left(&self, limits: &Limits) -> Option<Duration> {
        self.activity.time_left(limits)
    }

    /// Counts now as activity.
    pub(super) fn touch(&self) {
        self.activity.touch();
    }

    /// Connections unused for `idle` that no command holds, taken out to be logged out.
    pub(super) fn idle_connections(&self, idle: Duration) -> Vec<Connection> {
        self.commands.take_if_idle(idle).into_iter().collect()
    }

    /// What an ended session lets go of at once: the cache entries that are cheap to find
    /// (the rest age out) and its compositions, whose files give their bytes back.
    pub(super) fn forget(&self) {
        self.caches.forget();
        self.compositions.clear();
    }

    /// Ends every connection (sign-out or expiry), after any command in progress.
    pub async fn close(&self) {
        self.commands.close().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::caches::SharedCaches;
    use crate::imap::fake_server::{fake_server, scripted_login};
    use crate::imap::sync::sync;

    /// A session over a server whose INBOX gets a message before every NOOP.
    async fn session_with_growing_inbox() -> AccountSession {
        let (connection, _) = fake_server(|tag, command| {
            let untagged = match command {
                c if c.starts_with("SELECT") => "* 10 EXISTS\r\n* OK [UIDVALIDITY 7] v\r\n",
                "NOOP" => "* 11 EXISTS\r\n",
                _ => "",
            };
            format!("{untagged}{tag} OK done\r\n")
        })
        .await;
        let (credentials, connector) = scripted_login(Duration::from_secs(5));
        let shared = Arc::new(SharedCaches::new(Duration::from_secs(60)));
        AccountSession::new(
            credentials,
            connector,
            connection,
            Caches::new(1, shared),
            UploadMemory::new(1 << 20),
        )
    }

    async fn sync_inbox(session: &AccountSession) -> u32 {
        session
            .run(|imap| Box::pin(sync(imap, "INBOX")))
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn folder_counts_are_forgotten_when_a_sync_reports_new_mail() {
        let session = session_with_growing_inbox().await;
        assert_eq!(sync_inbox(&session).await, 10);
        session.cache_folders(Arc::new(FolderList::default()));

        assert_eq!(sync_inbox(&session).await, 11);

        assert!(session.cached_folders().is_none(), "the counts were stale");
    }

    #[tokio::test]
    async fn folder_counts_stay_while_nothing_changes() {
        let session = session_with_growing_inbox().await;
        session.cache_folders(Arc::new(FolderList::default()));

        // A first SELECT reports nothing new about a folder already counted.
        sync_inbox(&session).await;

        assert!(session.cached_folders().is_some());
    }
}
