//! Dehydrated devices (MSC3814, unstable prefix `org.matrix.msc3814.v1`).
//! ruma types this only behind a feature we do not build, so these are
//! plain axum handlers with the [`Auth`](crate::Auth) extractor.

mod device;
mod events;

use axum::{
    routing::{get, post},
    Router,
};
use bytes::Bytes;
use serde_json::Value;

use crate::{AppState, Error, Result};

const BASE: &str = "/_matrix/client/unstable/org.matrix.msc3814.v1/dehydrated_device";

pub fn routes(router: Router<AppState>) -> Router<AppState> {
    router
        .route(
            BASE,
            get(device::get_device)
                .put(device::put_device)
                .delete(device::delete_device),
        )
        .route(
            &format!("{BASE}/{{device_id}}/events"),
            post(events::device_events),
        )
}

/// A request body as a JSON object (`{}` when empty).
fn json_body(body: &Bytes) -> Result<Value> {
    if body.is_empty() {
        return Ok(Value::Object(Default::default()));
    }
    let value: Value = serde_json::from_slice(body).map_err(|e| Error::NotJson(e.to_string()))?;
    if value.is_object() {
        Ok(value)
    } else {
        Err(Error::BadJson("body must be a JSON object".into()))
    }
}
