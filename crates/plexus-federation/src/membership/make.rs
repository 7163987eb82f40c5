//! `GET /make_join`, `/make_leave`, `/make_knock`: a membership event
//! template for a user of the requesting server, built on our current state
//! and already allowed by the auth rules.

use std::sync::Arc;

use axum::{
    extract::{Path, RawQuery, State},
    Json,
};
use ruma::{OwnedRoomId, OwnedUserId};
use serde_json::{json, Value};

use super::template_json;
use crate::{error::Result, Federation, FederationAuth, FederationError};

pub async fn make_join(
    State(federation): State<Arc<Federation>>,
    Path((room_id, user_id)): Path<(OwnedRoomId, OwnedUserId)>,
    RawQuery(query): RawQuery,
    auth: FederationAuth,
) -> Result<Json<Value>> {
    let versions = requested_versions(query.as_deref(), &["1"]);
    make(&federation, &auth, &room_id, &user_id, "join", &versions).await
}

pub async fn make_knock(
    State(federation): State<Arc<Federation>>,
    Path((room_id, user_id)): Path<(OwnedRoomId, OwnedUserId)>,
    RawQuery(query): RawQuery,
    auth: FederationAuth,
) -> Result<Json<Value>> {
    let versions = requested_versions(query.as_deref(), &[]);
    make(&federation, &auth, &room_id, &user_id, "knock", &versions).await
}

pub async fn make_leave(
    State(federation): State<Arc<Federation>>,
    Path((room_id, user_id)): Path<(OwnedRoomId, OwnedUserId)>,
    auth: FederationAuth,
) -> Result<Json<Value>> {
    make(&federation, &auth, &room_id, &user_id, "leave", &[]).await
}

/// The `ver` query parameters; `default` when there are none.
fn requested_versions(query: Option<&str>, default: &[&str]) -> Vec<String> {
    let versions: Vec<String> = url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .filter(|(key, _)| key == "ver")
        .map(|(_, value)| value.into_owned())
        .collect();
    if versions.is_empty() {
        default.iter().map(|v| (*v).to_owned()).collect()
    } else {
        versions
    }
}

async fn make(
    federation: &Federation,
    auth: &FederationAuth,
    room_id: &OwnedRoomId,
    user_id: &OwnedUserId,
    membership: &str,
    versions: &[String],
) -> Result<Json<Value>> {
    if user_id.server_name() != auth.origin {
        return Err(FederationError::Forbidden(
            "the user does not belong to the requesting server".into(),
        ));
    }
    let services = &federation.services;
    if !services.room_exists(room_id)? || !services.has_local_member(room_id)? {
        return Err(FederationError::NotFound(
            "this server is not in that room".into(),
        ));
    }
    crate::acl::check_server_acl(services, room_id, &auth.origin)?;
    let (pdu, version) = services
        .membership_template(room_id, user_id, membership)
        .await?;
    // make_leave has no `ver`: the leaving server must already know the room.
    if membership != "leave" && !versions.contains(&version) {
        return Err(FederationError::IncompatibleRoomVersion(version));
    }
    Ok(Json(json!({
        "event": template_json(&pdu),
        "room_version": version,
    })))
}
