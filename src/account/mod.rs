//! The account session layer: one per signed-in person, between the browser session above
//! (which only names it by key) and the IMAP connections below (which know nothing of it).
//!
//! # Layout
//! - [`session`]: [`AccountSession`] — credentials, the command [`Client`](crate::imap::Client),
//!   caches behind methods, inline-image tokens, compositions.
//! - [`sessions`]: [`AccountSessions`], the registry by key and by public id, and the one
//!   sweeper.
//! - [`limits`]: [`Limits`], the one rule for how long a sign-in lasts.
//! - [`caches`]: structures, sanitised documents, folders, suggestions: moka caches all
//!   sessions share, each entry under its session's id.
//! - [`inline_tokens`]: HMAC tokens for the message iframe's inline images.
//! - [`compositions`]: messages being written, with their uploads.
//! - [`upload_memory`]: [`UploadMemory`], the budget every composition's files draw on
//!   together, given back by the files themselves as they go.
//!
//! # How much it holds
//! [`Capacity`] bounds what all sessions hold together: at most so many sessions (a sign-in
//! beyond them is refused, [`AccountSessions::start`]) and at most so many bytes of files in
//! compositions ([`UploadMemory`]); each session keeps at most a few compositions
//! ([`compositions::PER_SESSION`]). An ended session gives its compositions' bytes back at
//! once, in [`AccountSessions::remove`], the one way every session ends.
//!
//! # How long a session lasts
//! [`Limits`] (idle timeout, lifetime) are enforced here and nowhere else: each request asks
//! [`AccountSessions::get`], which ends a session past its limits on the spot, and one
//! sweeper task ([`AccountSessions::sweep`]) ends the rest and closes idle connections,
//! never awaiting a session (its closes are spawned: a LOGOUT to a hung server must not stall
//! the sweep for everyone else). An
//! ended session is remembered for one more idle timeout (so a browser coming back is told
//! its session ended), then forgotten. The browser's session record keeps no clock: it is
//! saved only while the account session it names is live and dropped when the registry
//! forgets it (the record store follows [`AccountSessions::on_forget`]), so a browser closed
//! without signing out leaves nothing behind. The session cookie carries no date and dies
//! with the browser.

pub mod caches;
pub mod compositions;
pub mod inline_tokens;
pub mod limits;
pub mod session;
pub mod sessions;
pub mod upload_memory;

pub use caches::{Document, DocumentKey};
pub use compositions::{Answering, Attached, Composition, Compositions, Fields, LeftOut, Origin};
pub use limits::Limits;
pub use session::AccountSession;
pub use sessions::{AccountSessions, Capacity, SessionKey, TooManySessions};
pub use upload_memory::{Attachable, HeldUpload, NoRoom, UploadMemory};
