//! What every handler shares: configuration, the account sessions and the browser records
//! that follow them, the connectors (TLS roots built once), discovery, SMTP and the sign-in
//! throttle. Its own module so that `routes` can name it without importing `app`, which
//! imports `routes`.

use std::sync::Arc;

use anyhow::Context;
use axum::extract::FromRef;

use crate::account::{AccountSessions, Capacity, Limits};
use crate::config::Config;
use crate::discovery::{Discoverer, DiscoveryConfig};
use crate::imap::Connector;
use crate::smtp::Smtp;
use crate::throttle::SignInThrottle;
use crate::web_session::MemoryRecords;

/// Everything handlers share. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    /// Live account sessions, one per signed-in person; the one authority on how long a
    /// sign-in lasts.
    pub mail: AccountSessions,
    /// Browser sessions' records (who is signed in, CSRF token, notices), kept while their
    /// account sessions live.
    pub records: MemoryRecords,
    /// For servers the operator configured: trusted, no address policy.
    pub trusted: Connector,
    /// For servers a person typed or discovery found: private addresses refused unless the
    /// operator allows them.
    pub public: Connector,
    /// Finds servers from an email address when none is fixed or typed.
    pub discoverer: Discoverer,
    /// Sends mail through the accounts' SMTP servers.
    pub smtp: Smtp,
    /// Failed sign-ins, by account and by address.
    pub throttle: Arc<SignInThrottle>,
}

impl FromRef<AppState> for AccountSessions {
    fn from_ref(state: &AppState) -> Self {
        state.mail.clone()
    }
}

impl AppState {
    pub fn new(config: Config) -> anyhow::Result<Self> {
        config.check().map_err(anyhow::Error::msg)?;
        let extra_ca_pem = match &config.tls_ca {
            Some(path) => Some(
                std::fs::read(path)
                    .with_context(|| format!("reading --tls-ca {}", path.display()))?,
            ),
            None => None,
        };
        let extra_ca = match (&extra_ca_pem, &config.tls_ca) {
            (Some(pem), Some(path)) => Some(
                native_tls::Certificate::from_pem(pem)
                    .with_context(|| format!("parsing --tls-ca {}", path.display()))?,
            ),
            _ => None,
        };
        let mut tls = native_tls::TlsConnector::builder();
        if let Some(ca) = &extra_ca {
            tls.add_root_certificate(ca.clone());
        }
        let discoverer = Discoverer::new(
            DiscoveryConfig {
                allow_private: config.allow_private_upstreams,
                ..DiscoveryConfig::default()
            },
            tls.build()
                .context("building the TLS connector for discovery")?,
        )
        .context("setting up server discovery")?;
        let trusted = Connector {
            extra_ca,
            timeout: config.imap_timeout,
            refuse_private: false,
        };
        let public = Connector {
            refuse_private: !config.allow_private_upstreams,
            ..trusted.clone()
        };
        let smtp = Smtp {
            extra_ca_pem,
            timeout: config.smtp_timeout,
        };
        let limits = Limits {
            idle: config.session_idle_timeout,
            lifetime: config.session_lifetime,
        };
        let capacity = Capacity {
            sessions: usize::try_from(config.max_sessions).unwrap_or(usize::MAX),
            upload_memory: config.max_upload_memory,
        };
        let sessions = AccountSessions::bounded(limits, capacity);
        Ok(AppState {
            smtp,
            throttle: Arc::new(SignInThrottle::new(config.sign_in_limit)),
            config: Arc::new(config),
            records: MemoryRecords::new(sessions.clone()),
            mail: sessions,
            trusted,
            public,
            discoverer,
        })
    }
}
