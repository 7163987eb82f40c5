//! `/.well-known/matrix/client` and `/.well-known/matrix/server`, answered
//! as plain JSON so a reverse proxy can pass them through.

use axum::{extract::State, routing::get, Json, Router};
use serde_json::{json, Value};

use crate::AppState;

pub fn routes(router: Router<AppState>) -> Router<AppState> {
    router
        .route("/.well-known/matrix/client", get(client))
        .route("/.well-known/matrix/server", get(server))
}

async fn client(State(state): State<AppState>) -> Json<Value> {
    Json(json!({ "m.homeserver": { "base_url": state.config.base_url() } }))
}

async fn server(State(state): State<AppState>) -> Json<Value> {
    Json(json!({ "m.server": state.server_name().as_str() }))
}
