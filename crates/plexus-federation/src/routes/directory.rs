//! `GET /_matrix/federation/v1/query/directory?room_alias=`: one of this
//! server's aliases resolved for another server, with the servers in the room.

use std::sync::Arc;

use axum::{
    extract::{Query, State},
    Json,
};
use ruma::RoomAliasId;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::{acl::check_server_acl, error::Result, Federation, FederationAuth, FederationError};

#[derive(Deserialize)]
pub struct AliasQuery {
    room_alias: String,
}

pub async fn query_directory(
    State(federation): State<Arc<Federation>>,
    Query(query): Query<AliasQuery>,
    auth: FederationAuth,
) -> Result<Json<Value>> {
    let services = &federation.services;
    let alias = RoomAliasId::parse(&query.room_alias)
        .map_err(|_| FederationError::InvalidParam("room_alias is not a room alias".into()))?;
    if !services.is_local_server(alias.server_name()) {
        return Err(FederationError::NotFound(
            "not an alias of this server".into(),
        ));
    }
    let room_id = services
        .resolve_alias(alias.as_str())?
        .ok_or_else(|| FederationError::NotFound("no such room alias".into()))?;
    check_server_acl(services, &room_id, &auth.origin)?;
    let mut servers = services.servers_in_room(&room_id)?;
    if servers.is_empty() {
        servers.push(services.server_name().to_owned());
    }
    Ok(Json(json!({ "room_id": room_id, "servers": servers })))
}

#[cfg(test)]
mod tests;
