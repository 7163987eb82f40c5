//! The ceiling: a deliberately trivial Matrix-shaped server that answers the endpoints
//! the scenarios use with the same HTTP and JSON work as a homeserver, but keeps
//! everything in memory and checks almost nothing. What the scenarios measure against
//! it is (roughly) the most this machine and this load tool can do, so every other
//! figure can be read as a fraction of that limit.

mod handlers;
mod store;
mod sync;

use anyhow::Result;
use axum::routing::{get, post, put};
use axum::Router;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub use store::Ceiling;

/// The ceiling's router.
pub fn router(state: Arc<Ceiling>) -> Router {
    let c = "/_matrix/client/v3";
    Router::new()
        .route("/_matrix/client/versions", get(handlers::versions))
        .route(&format!("{c}/register"), post(handlers::register))
        .route(&format!("{c}/login"), post(handlers::login))
        .route(&format!("{c}/createRoom"), post(handlers::create_room))
        .route(&format!("{c}/join/{{room}}"), post(handlers::join))
        .route(&format!("{c}/rooms/{{room}}/join"), post(handlers::join))
        .route(
            &format!("{c}/rooms/{{room}}/send/{{kind}}/{{txn}}"),
            put(handlers::send),
        )
        .route(&format!("{c}/user/{{user}}/filter"), post(handlers::filter))
        .route(&format!("{c}/sync"), get(sync::sync))
        .with_state(state)
}

/// Serves the ceiling on `listener` until `stop` completes.
pub async fn serve(
    listener: TcpListener,
    stop: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let app = router(Arc::new(Ceiling::default()));
    axum::serve(listener, app)
        .with_graceful_shutdown(stop)
        .await?;
    Ok(())
}

/// Starts the ceiling on a free port of 127.0.0.1 in the current runtime; for tests.
/// The server stops when the returned task is aborted or the runtime ends.
pub async fn spawn_local() -> Result<(SocketAddr, JoinHandle<Result<()>>)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let task = tokio::spawn(serve(listener, std::future::pending()));
    Ok((addr, task))
}
