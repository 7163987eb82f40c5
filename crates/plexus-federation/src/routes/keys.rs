//! The key API: `GET /_matrix/key/v2/server` (our signed key document) and the
//! notary endpoints `GET /_matrix/key/v2/query/{serverName}` and
//! `POST /_matrix/key/v2/query` (no authentication).

use std::{collections::BTreeMap, sync::Arc};

use axum::{
    extract::{Path, Query, State},
    Json,
};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::{error::Result, keys::notary, Federation, FederationError};

pub async fn server(State(federation): State<Arc<Federation>>) -> Result<Json<Value>> {
    Ok(Json(crate::keys::own::server_keys(&federation.services)?))
}

#[derive(Deserialize)]
pub struct MinimumValid {
    minimum_valid_until_ts: Option<u64>,
}

pub async fn query_one(
    State(federation): State<Arc<Federation>>,
    Path(server_name): Path<String>,
    Query(query): Query<MinimumValid>,
) -> Result<Json<Value>> {
    let responses =
        notary::query(&federation.keys, &server_name, query.minimum_valid_until_ts).await?;
    Ok(Json(json!({"server_keys": responses})))
}

/// `{"server_keys": {server: {key_id: {"minimum_valid_until_ts": …}}}}`.
#[derive(Deserialize)]
pub struct BatchQuery {
    server_keys: BTreeMap<String, BTreeMap<String, MinimumValid>>,
}

pub async fn query_batch(
    State(federation): State<Arc<Federation>>,
    body: axum::body::Bytes,
) -> Result<Json<Value>> {
    let query: BatchQuery =
        serde_json::from_slice(&body).map_err(|e| FederationError::BadJson(e.to_string()))?;
    let mut all = Vec::new();
    for (server, criteria) in &query.server_keys {
        let minimum = criteria
            .values()
            .filter_map(|c| c.minimum_valid_until_ts)
            .max();
        all.extend(notary::query(&federation.keys, server, minimum).await?);
    }
    Ok(Json(json!({"server_keys": all})))
}
