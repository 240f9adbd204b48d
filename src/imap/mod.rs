//! Talking to IMAP servers: connecting and logging in, a [`Client`] that keeps one
//! connection open and re-opens it, and the small operations pages need (folders and changes
//! to them, a page of a mailbox, one message, writing mail). The connection layer: no HTTP,
//! no sessions — an account session holds one client for commands, and may hold more.

pub mod actions;
pub mod body_structure;
pub mod client;
pub mod command;
pub mod connect;
pub mod connection;
#[cfg(test)]
pub(crate) mod fake_server;
pub mod folder_changes;
pub mod folder_name;
pub mod folders;
pub mod framing;
pub mod fuzz;
pub mod listing;
pub mod mailbox_name;
pub mod message_ref;
pub mod purpose;
pub mod reading;
pub mod refusal;
pub mod search;
pub mod selected;
pub mod sort;
pub mod stream;
pub mod sync;
pub mod threads;
pub mod uid_set;
pub mod utf7;
pub mod view;
pub mod writing;

pub use client::{Client, MailError};
pub use connect::{Capabilities, Connector, LoginError};
pub use connection::Connection;
pub use framing::Exceeded;
pub use mailbox_name::MailboxName;
pub use message_ref::MessageRef;
pub use purpose::Purpose;
pub use refusal::refusal_text;
pub use selected::Selected;
