//! `POST /_matrix/client/unstable/org.matrix.simplified_msc3575/sync`
//! (simplified sliding sync, MSC4186). ruma types it only behind a feature
//! we do not build, so the body is read as JSON into the service's request.

use std::{collections::HashMap, time::Duration};

use axum::{
    extract::{Query, State},
    Json,
};
use bytes::Bytes;
use plexus_service::sliding_sync::{SlidingSyncParams, SlidingSyncRequest};
use serde_json::Value;

use crate::{AppState, Auth, Error, Result};

pub const PATH: &str = "/_matrix/client/unstable/org.matrix.simplified_msc3575/sync";

pub async fn sliding_sync(
    State(state): State<AppState>,
    Auth(user): Auth,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Result<Json<Value>> {
    let timeout = match query.get("timeout") {
        Some(ms) => Duration::from_millis(
            ms.parse()
                .map_err(|_| Error::invalid("timeout must be a number of milliseconds"))?,
        ),
        None => Duration::ZERO,
    };
    let params = SlidingSyncParams {
        pos: query.get("pos").cloned(),
        timeout,
        set_presence: query.get("set_presence").cloned(),
        body: parse_body(&body)?,
    };
    let response = state
        .sliding_sync(&user.user_id, &user.device_id, params)
        .await?;
    Ok(Json(response))
}

fn parse_body(body: &Bytes) -> Result<SlidingSyncRequest> {
    if body.is_empty() {
        return Ok(SlidingSyncRequest::default());
    }
    let value: Value = serde_json::from_slice(body).map_err(|e| Error::NotJson(e.to_string()))?;
    serde_json::from_value(value).map_err(|e| Error::BadJson(e.to_string()))
}
