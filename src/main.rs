//! `posta`: parse configuration, set up logging, serve.

use clap::Parser;
use posta::app::Application;
use posta::config::Config;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("POSTA_LOG")
                .unwrap_or_else(|_| "posta=info,tower_http=warn".into()),
        )
        .init();
    let config = Config::parse();
    let app = Application::build(config.clone()).await?;
    tracing::info!(
        "Posta serving on http://{}:{}",
        config.listen.ip(),
        app.port()
    );
    app.run_until_stopped().await;
    Ok(())
}
