//! Posta: a fast, safe, server-rendered webmail gateway for any IMAP mailbox.
//!
//! # Layout
//! From the top layer down; each module imports only modules listed below it (the README's
//! Layout section says the same).
//! - [`app`]: `fn app() -> Router` with its layers, and `Application` (listener, sweeper).
//! - [`http_server`]: serving HTTP/1.1 bounded against slow and many clients: header-read
//!   timeout, connection cap, graceful shutdown.
//! - [`routes`]: HTTP. One module per feature, each a `router()`; typed forms and queries,
//!   view models, and `routes::links`, which writes every URL.
//! - [`state`]: `AppState`, what every handler shares.
//! - [`web_session`]: the typed browser session, its record store, the `CurrentUser`
//!   extractor, CSRF.
//! - [`error`]: the one error type; people see a sentence in their language, logs the chain.
//! - [`account`]: the account session of each signed-in person (its IMAP client, caches,
//!   inline-image tokens, messages being written), the registry, and the one session-lifetime
//!   rule with its one sweeper.
//! - [`imap`]: the connection layer: connecting and logging in, a reconnecting client,
//!   folders, list pages, reading, actions, the typed message reference. No HTTP, no sessions.
//! - [`smtp`]: sending a built message through the account's submission server.
//! - [`discovery`]: finding servers from an address (presets, autoconfig, SRV, guesses).
//! - [`message`]: pure: MIME structure, charsets, transfer encodings, headers, plain text to
//!   HTML, HTML sanitising, building outgoing mail. No IMAP types, no I/O.
//! - [`net_policy`]: which hosts may be reached; keeps a public gateway off private networks.
//! - [`credentials`]: who is signed in: address, password, login and servers.
//! - [`config`]: flags and `POSTA_*` environment variables.
//! - [`upstream`]: where mail lives: server URLs with their transport security.
//! - [`throttle`]: password attempts (signing in and sending), by account and by client.
//! - [`token`]: random tokens and constant-time comparison.
//! - [`i18n`]: the interface's words in English and Russian.

pub mod account;
pub mod app;
pub mod config;
pub mod credentials;
pub mod discovery;
pub mod error;
pub mod http_server;
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
