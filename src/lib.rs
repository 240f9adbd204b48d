//! Posta: a fast, safe, server-rendered webmail gateway for any IMAP mailbox.
//!
//! # Layout
//! - [`config`]: flags and `POSTA_*` environment variables.
//! - [`app`]: the router with its layers, the listener.
//! - [`state`]: `AppState`, what every handler shares.
//! - [`routes`]: one module per feature (sign-in, mailbox list, message), each a `router()`.
//! - [`web_session`]: the typed browser session, its record store, the `CurrentUser`
//!   extractor, CSRF.
//! - [`account`]: the account session of each signed-in person (the IMAP client, caches,
//!   inline-image tokens, messages being written), the registry, and the one session-lifetime
//!   rule with its one sweeper.
//! - [`imap`]: connecting and logging in, a reconnecting client, folder list, mailbox pages,
//!   reading a message, the typed message reference.
//! - [`message`]: header decoding, plain text to HTML, HTML sanitising.
//! - [`discovery`]: finding servers from an address (presets, autoconfig, SRV, guesses).
//! - [`net_policy`]: which hosts may be reached; keeps a public gateway off private networks.
//! - [`smtp`]: sending a built message through the account's submission server.
//! - [`credentials`], [`upstream`]: who is signed in and where their mail lives.
//! - [`token`]: random tokens and constant-time comparison.
//! - [`throttle`]: failed sign-ins, by account and by address.
//! - [`error`], [`i18n`]: the one error type and the interface's words in English and Russian.

pub mod account;
pub mod app;
pub mod config;
pub mod credentials;
pub mod discovery;
pub mod error;
pub mod i18n;
pub mod imap;
pub mod message;
pub mod net_policy;
pub mod routes;
pub mod smtp;
pub mod state;
pub mod throttle;
pub mod token;
pub mod upstream;
pub mod web_session;
