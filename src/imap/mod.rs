//! Talking to IMAP servers: connecting and logging in, the per-session connection, and the
//! small operations pages need (folders and changes to them, a page of a mailbox, one
//! message, writing mail).

pub mod actions;
pub mod body_structure;
pub mod cache;
pub mod command;
pub mod connect;
pub mod folder_changes;
pub mod folder_name;
pub mod folders;
pub mod fuzz;
pub mod listing;
pub mod mail_session;
pub mod mailbox_name;
pub mod reading;
pub mod refusal;
pub mod search;
pub mod sort;
pub mod stream;
pub mod threads;
pub mod utf7;
pub mod view;
pub mod writing;

pub use connect::{Capabilities, Connector, LoginError};
pub use mail_session::{Imap, MailError, MailSession, MailSessions};
pub use mailbox_name::MailboxName;
pub use refusal::refusal_text;
