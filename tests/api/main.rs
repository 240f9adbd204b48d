//! Posta's integration tests: one binary, driving Posta over HTTP (and one headless
//! Chromium) against the real Dovecot + Postfix stack that `scripts/mailstack` runs on
//! loopback. Each test signs in as its own seeded user so tests can run in parallel.
//! Pages that need no mail server (`pages`) are answered by Posta's router in process
//! (`in_process`), without a socket and without starting the stack.
//!
//! Users: alice (10,000-message INBOX, read-only use), user01…user16 (120-message INBOX),
//! bob and carol (120 each; bob writes mail, carol receives it).
//! Tests that change state (flags, logins counted) take a userNN of their own; the table
//! of who uses whom lives in `helpers::User`.

mod browser;
mod capacity;
mod compose;
mod connection;
mod folder_admin;
mod folders;
mod helpers;
mod hostile;
mod http_limits;
mod imap_client;
mod in_process;
mod login;
mod mailbox;
mod message;
mod organise;
mod pages;
mod reading;
mod search;
mod security;
mod sessions;
mod sync;
mod throttle;
