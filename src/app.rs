//! Building the application: shared state, the router with its layers, and the listener.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::extract::FromRef;
use tokio::net::TcpListener;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use crate::config::Config;
use crate::discovery::{Discoverer, DiscoveryConfig};
use crate::imap::mail_session::Limits;
use crate::imap::{Connector, MailSessions};
use crate::routes;
use crate::session_store::MemoryRecords;
use crate::throttle::SignInThrottle;

/// Everything handlers share. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    /// Live mail sessions, one per signed-in browser session.
    pub mail: MailSessions,
    /// Browser sessions' records (who is signed in, CSRF token, notices).
    pub records: MemoryRecords,
    /// For servers the operator configured: trusted, no address policy.
    pub trusted: Connector,
    /// For servers a person typed or discovery found: private addresses refused unless the
    /// operator allows them.
    pub public: Connector,
    /// Finds servers from an email address when none is fixed or typed.
    pub discoverer: Discoverer,
    /// Failed sign-ins, by account and by address.
    pub throttle: Arc<SignInThrottle>,
}

impl FromRef<AppState> for MailSessions {
    fn from_ref(state: &AppState) -> Self {
        state.mail.clone()
    }
}

impl AppState {
    pub fn new(config: Config) -> anyhow::Result<Self> {
        let extra_ca = match &config.tls_ca {
            Some(path) => {
                let pem = std::fs::read(path)
                    .with_context(|| format!("reading --tls-ca {}", path.display()))?;
                Some(
                    native_tls::Certificate::from_pem(&pem)
                        .with_context(|| format!("parsing --tls-ca {}", path.display()))?,
                )
            }
            None => None,
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
            timeout: Duration::from_secs(20),
            refuse_private: false,
        };
        let public = Connector {
            refuse_private: !config.allow_private_upstreams,
            ..trusted.clone()
        };
        let limits = Limits {
            idle: config.session_idle_timeout,
            lifetime: config.session_lifetime,
        };
        Ok(AppState {
            throttle: Arc::new(SignInThrottle::new(config.sign_in_limit)),
            config: Arc::new(config),
            mail: MailSessions::new(limits),
            records: MemoryRecords::new(limits),
            trusted,
            public,
            discoverer,
        })
    }
}

/// The whole HTTP application, without a socket (tests may drive it directly).
pub fn app(state: AppState) -> Router {
    let config = &state.config;
    // No expiry on the cookie: it dies with the browser. The store enforces the limits.
    let sessions = SessionManagerLayer::new(state.records.clone())
        .with_name("posta_session")
        .with_http_only(true)
        .with_same_site(SameSite::Strict)
        .with_secure(config.secure_cookies)
        .with_expiry(Expiry::OnSessionEnd);
    let https = axum::middleware::from_fn_with_state(state.clone(), routes::guard::https_only);
    routes::router(state).layer(sessions).layer(https)
}

/// A bound, not yet serving, Posta.
pub struct Application {
    listener: TcpListener,
    state: AppState,
}

impl Application {
    /// Binds the listener (port 0 picks a free port) and prepares the state.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("binding {}", config.listen))?;
        let state = AppState::new(config)?;
        Ok(Application { listener, state })
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    /// Serves until ctrl-c / SIGTERM, closing idle IMAP connections in the background.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let Application { listener, state } = self;
        let reaper = tokio::spawn(state.mail.clone().reap(state.config.imap_idle_timeout));
        let records = state.records.clone();
        let pruner = tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(60));
            loop {
                tick.tick().await;
                records.prune();
            }
        });
        let service = app(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
        let result = axum::serve(listener, service)
            .with_graceful_shutdown(shutdown_signal())
            .await;
        reaper.abort();
        pruner.abort();
        result
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
