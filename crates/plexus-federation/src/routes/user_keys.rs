//! E2EE for other servers, about this server's users only:
//! `GET /_matrix/federation/v1/user/devices/{userId}` (the device list with
//! keys, display names and cross-signing keys), `POST /user/keys/query` and
//! `POST /user/keys/claim`. User-signing keys never leave the server. The
//! device list's `stream_id` is that of the last `m.device_list_update` sent.

use std::sync::Arc;

use axum::{
    extract::{Path, State},
    Json,
};
use plexus_service::{tables::FederationDeviceListIds, Services};
use ruma::{OwnedUserId, ServerName, UserId};
use serde_json::{json, Map, Value};

use crate::{error::Result, Federation, FederationAuth, FederationError};

pub async fn user_devices(
    State(federation): State<Arc<Federation>>,
    Path(user_id): Path<String>,
    auth: FederationAuth,
) -> Result<Json<Value>> {
    let services = &federation.services;
    let user = local_user(services, &user_id)?;
    // The ID of the last `m.device_list_update` sent for the user, read before
    // the devices: any later change comes with a higher ID the receiver applies.
    let stream_id = services
        .db
        .get::<FederationDeviceListIds>(&user.to_string())?
        .unwrap_or(0);
    let requester = requester_of(&auth.origin)?;
    let keys = services.query_keys(&requester, &json!({ user.as_str(): [] }))?;
    let mut devices = Vec::new();
    for device in services.devices(&user)? {
        let mut entry = json!({ "device_id": device.device_id });
        if let Some(keys) = keys["device_keys"][user.as_str()].get(&device.device_id) {
            entry["keys"] = keys.clone();
        }
        if let Some(name) = device.display_name {
            entry["device_display_name"] = json!(name);
        }
        devices.push(entry);
    }
    let mut answer = json!({
        "user_id": user,
        "stream_id": stream_id,
        "devices": devices,
    });
    for (field, from) in [
        ("master_key", "master_keys"),
        ("self_signing_key", "self_signing_keys"),
    ] {
        if let Some(key) = keys[from].get(user.as_str()) {
            answer[field] = key.clone();
        }
    }
    Ok(Json(answer))
}

pub async fn query_keys(
    State(federation): State<Arc<Federation>>,
    auth: FederationAuth,
) -> Result<Json<Value>> {
    let services = &federation.services;
    let body: Value = auth.body()?;
    let wanted = local_users_only(services, body.get("device_keys"))?;
    let requester = requester_of(&auth.origin)?;
    let mut answer = services.query_keys(&requester, &Value::Object(wanted))?;
    if let Some(object) = answer.as_object_mut() {
        object.remove("user_signing_keys");
        object.remove("failures");
    }
    Ok(Json(answer))
}

pub async fn claim_keys(
    State(federation): State<Arc<Federation>>,
    auth: FederationAuth,
) -> Result<Json<Value>> {
    let services = &federation.services;
    let body: Value = auth.body()?;
    let wanted = local_users_only(services, body.get("one_time_keys"))?;
    let claimed = services.claim_keys(&Value::Object(wanted)).await?;
    Ok(Json(json!({ "one_time_keys": claimed })))
}

/// The entries of a `{user: …}` map that name users of this server.
fn local_users_only(services: &Services, map: Option<&Value>) -> Result<Map<String, Value>> {
    let Some(map) = map.and_then(Value::as_object) else {
        return Err(FederationError::BadJson(
            "expected an object of users".into(),
        ));
    };
    Ok(map
        .iter()
        .filter(|(user, _)| {
            UserId::parse(user.as_str()).is_ok_and(|u| services.is_local_server(u.server_name()))
        })
        .map(|(user, value)| (user.clone(), value.clone()))
        .collect())
}

fn local_user(services: &Services, user_id: &str) -> Result<OwnedUserId> {
    let user = UserId::parse(user_id)
        .map_err(|_| FederationError::InvalidParam("not a user ID".into()))?;
    if !services.is_local_server(user.server_name()) {
        return Err(FederationError::InvalidParam(
            "not a user of this server".into(),
        ));
    }
    Ok(user)
}

/// Whom signatures are shown to: a user of no account on the requesting
/// server, so only the key owners' own signatures (and no user-signing key) go out.
fn requester_of(origin: &ServerName) -> Result<OwnedUserId> {
    UserId::parse(format!("@_federation_:{origin}"))
        .map_err(|_| FederationError::InvalidParam("origin is not a server name".into()))
}

#[cfg(test)]
mod tests;
