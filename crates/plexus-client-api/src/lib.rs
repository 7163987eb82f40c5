//! The client-server API (`/_matrix/client`, discovery under `/.well-known`).
//!
//! Handlers are typed on both ends by ruma: `async fn x(State, Ruma<x::v3::Request>)
//! -> Result<x::v3::Response>`. The [`Ruma`] extractor authenticates and
//! parses; [`error`] is the one place where domain errors become Matrix
//! errors. Handlers reach storage only through `plexus-service`.

pub mod error;
mod extract;
pub mod json;
mod router;
mod routes;

use std::sync::Arc;

use plexus_service::Services;

pub use error::{Error, Result};
pub use extract::{Auth, Ruma};

/// Shared state of every handler.
pub type AppState = Arc<Services>;

/// The complete client API router, with CORS and the fallbacks that answer
/// unknown paths and methods with `M_UNRECOGNIZED`.
pub fn router(services: AppState) -> axum::Router {
    router::build(services)
}
