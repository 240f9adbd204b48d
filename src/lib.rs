//! Posta: a fast, safe, server-rendered webmail gateway for any IMAP mailbox.
//!
//! # Layout
//! - [`config`]: flags and `POSTA_*` environment variables.
//! - [`app`]: shared state, the router with its layers, the listener.
//! - [`routes`]: one module per feature (sign-in, mailbox list, message), each a `router()`.
//! - [`session`]: the typed browser session, the `CurrentUser` extractor, CSRF.
//! - [`imap`]: connecting and logging in, the one connection per session, folder list,
//!   mailbox pages and reading a message.
//! - [`message`]: header decoding, plain text to HTML, HTML sanitising.
//! - [`discovery`]: finding servers from an address (presets, autoconfig, SRV, guesses).
//! - [`net_policy`]: which hosts may be reached; keeps a public gateway off private networks.
//! - [`composing`]: messages being written, with their uploads, per session.
//! - [`smtp`]: sending a built message through the account's submission server.
//! - [`account`], [`upstream`]: who is signed in and where their mail lives.
//! - [`error`], [`i18n`]: the one error type and the interface's words in English and Russian.

pub mod account;
pub mod app;
pub mod composing;
pub mod config;
pub mod discovery;
pub mod error;
pub mod i18n;
pub mod imap;
pub mod message;
pub mod net_policy;
pub mod routes;
pub mod session;
pub mod session_store;
pub mod smtp;
pub mod throttle;
pub mod upstream;
