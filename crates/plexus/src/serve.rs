//! `plexus serve`: open the data directory, bind the client listener, run
//! until SIGTERM/SIGINT, then stop accepting, finish in-flight requests and
//! flush the database.

use std::net::SocketAddr;

use anyhow::Context;
use plexus_core::Config;
use plexus_service::Services;
use tokio::signal::unix::{signal, SignalKind};

pub async fn run(config: Config) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let listen = config.client_listen;
    let services = Services::open(config).context("opening the data directory")?;
    let admin = crate::admin_socket::spawn(services.clone())?;
    let app = plexus_client_api::router(services.clone());
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("binding the client API to {listen}"))?;
    tracing::info!(
        server_name = %services.server_name(),
        %listen,
        startup_ms = started.elapsed().as_millis() as u64,
        "Plexus is listening"
    );
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    admin.abort();
    services.shutdown()?;
    crate::admin_socket::remove(&services);
    tracing::info!("stopped cleanly");
    Ok(())
}

async fn shutdown_signal() {
    let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
    let mut int = signal(SignalKind::interrupt()).expect("SIGINT handler");
    tokio::select! {
        _ = term.recv() => tracing::info!("SIGTERM: shutting down"),
        _ = int.recv() => tracing::info!("SIGINT: shutting down"),
    }
}
