//! The federation router: the key API, `/version`, the queries served so far,
//! and 404 `M_UNRECOGNIZED` for everything else. Later endpoints (joins, invites,
//! transactions) add a file under `routes/` and a line here; authenticated ones
//! take a [`crate::FederationAuth`].

mod keys;
mod profile;
mod version;

use std::sync::Arc;

use axum::{
    routing::{get, post},
    Router,
};

use crate::{error::FederationError, Federation};

/// All routes, with the federation as state.
pub fn routes(federation: Arc<Federation>) -> Router {
    Router::new()
        .route("/_matrix/key/v2/server", get(keys::server))
        .route("/_matrix/key/v2/server/{key_id}", get(keys::server))
        .route("/_matrix/key/v2/query/{server_name}", get(keys::query_one))
        .route("/_matrix/key/v2/query", post(keys::query_batch))
        .route("/_matrix/federation/v1/version", get(version::version))
        .route(
            "/_matrix/federation/v1/query/profile",
            get(profile::query_profile),
        )
        .fallback(unrecognized)
        .with_state(federation)
}

async fn unrecognized() -> FederationError {
    FederationError::Unrecognized
}
