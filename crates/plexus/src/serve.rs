//! `plexus serve`: open the data directory, bind the client listener (and the
//! federation listener when `federation.enabled`), run until SIGTERM/SIGINT,
//! then stop accepting, finish in-flight requests and flush the database.

use std::{net::SocketAddr, sync::Arc};

use anyhow::Context;
use plexus_core::Config;
use plexus_service::Services;
use tokio::{
    signal::unix::{signal, SignalKind},
    sync::watch,
    task::JoinHandle,
};

pub async fn run(config: Config) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let listen = config.client_listen;
    let services = Services::open(config).context("opening the data directory")?;
    let admin = crate::admin_socket::spawn(services.clone())?;
    let (stop, stopping) = watch::channel(false);
    let federation = spawn_federation(&services, stopping.clone()).await?;
    let gateway =
        plexus_federation::push_gateway::HttpPushGateway::new(&services.config.federation)
            .context("setting up the push gateway client")?;
    let pusher = services.start_push_notifier(Arc::new(gateway), stopping.clone());
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
    let closing = services.clone();
    tokio::spawn(async move {
        shutdown_signal().await;
        let _ = stop.send(true);
        closing.stream.close();
    });
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(stopped(stopping))
    .await?;
    if let Some(federation) = federation {
        federation.await?.context("federation listener")?;
    }
    admin.abort();
    pusher.abort();
    services.shutdown()?;
    crate::admin_socket::remove(&services);
    tracing::info!("stopped cleanly");
    Ok(())
}

/// Starts the federation and key API listener (TLS when `tls_cert`/`tls_key` are set).
async fn spawn_federation(
    services: &Arc<Services>,
    stopping: watch::Receiver<bool>,
) -> anyhow::Result<Option<JoinHandle<std::io::Result<()>>>> {
    let config = &services.config.federation;
    if !config.enabled {
        return Ok(None);
    }
    let federation =
        plexus_federation::Federation::new(services.clone()).context("setting up federation")?;
    let remote: Arc<dyn plexus_service::remote::Remote> = federation.clone();
    services.install_remote(Arc::downgrade(&remote));
    // The send queue's sender stops with the listeners; what it has not sent stays queued.
    federation.sender.start(stopping.clone());
    let app = plexus_federation::router_for(federation);
    let tcp = tokio::net::TcpListener::bind(&config.listen)
        .await
        .with_context(|| format!("binding the federation listener to {}", config.listen))?;
    let task = match config.tls_files() {
        Some((cert, key)) => {
            let tls = plexus_federation::tls::server_config(cert, key)?;
            let listener = plexus_federation::tls::TlsListener::new(tcp, tls)?;
            let server = axum::serve(listener, app).with_graceful_shutdown(stopped(stopping));
            tokio::spawn(async move { server.await })
        }
        None => {
            let app = app.into_make_service_with_connect_info::<SocketAddr>();
            let server = axum::serve(tcp, app).with_graceful_shutdown(stopped(stopping));
            tokio::spawn(async move { server.await })
        }
    };
    tracing::info!(listen = %config.listen, tls = config.tls_files().is_some(), "federation is listening");
    Ok(Some(task))
}

/// Resolves once the shutdown signal has been seen.
async fn stopped(mut stopping: watch::Receiver<bool>) {
    let _ = stopping.wait_for(|stop| *stop).await;
}

async fn shutdown_signal() {
    let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
    let mut int = signal(SignalKind::interrupt()).expect("SIGINT handler");
    tokio::select! {
        _ = term.recv() => tracing::info!("SIGTERM: shutting down"),
        _ = int.recv() => tracing::info!("SIGINT: shutting down"),
    }
}
