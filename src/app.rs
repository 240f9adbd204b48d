//! Building the application: the router with its layers, and the listener.

use anyhow::Context;
use axum::Router;
use tokio::net::TcpListener;

use crate::config::Config;
use crate::http_server::{self, Limits};
use crate::routes;
pub use crate::state::AppState;
use crate::web_session;

/// The whole HTTP application, without a socket (tests may drive it directly).
pub fn app(state: AppState) -> Router {
    let sessions = web_session::layer(state.records.clone(), state.config.secure_cookies);
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

    /// The state handlers will share (tests look inside it: sessions, held upload bytes).
    pub fn state(&self) -> AppState {
        self.state.clone()
    }

    /// Serves until ctrl-c / SIGTERM, with the one sweeper ending sessions past their limits
    /// and closing idle IMAP connections in the background. Browser connections are bounded
    /// as [`http_server`] says.
    pub async fn run_until_stopped(self) {
        let Application { listener, state } = self;
        let sweeper = tokio::spawn(state.mail.clone().sweep(state.config.imap_idle_timeout));
        let limits = Limits::of(&state.config);
        http_server::serve(listener, app(state), limits, shutdown_signal()).await;
        sweeper.abort();
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
