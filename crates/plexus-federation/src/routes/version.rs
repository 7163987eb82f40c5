//! `GET /_matrix/federation/v1/version` (no authentication).

use axum::Json;
use serde_json::{json, Value};

pub async fn version() -> Json<Value> {
    Json(json!({"server": {"name": "Plexus", "version": env!("CARGO_PKG_VERSION")}}))
}
