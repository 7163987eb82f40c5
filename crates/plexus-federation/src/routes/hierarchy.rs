//! `GET /_matrix/federation/v1/hierarchy/{roomId}?suggested_only=`: a space
//! and its direct children as the requesting server may see them (no paging).

use std::sync::Arc;

use axum::{
    extract::{Path, Query, State},
    Json,
};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::{acl::readable_room, error::Result, Federation, FederationAuth};

#[derive(Deserialize)]
pub struct HierarchyQuery {
    #[serde(default)]
    suggested_only: bool,
}

pub async fn hierarchy(
    State(federation): State<Arc<Federation>>,
    Path(room_id): Path<String>,
    Query(query): Query<HierarchyQuery>,
    auth: FederationAuth,
) -> Result<Json<Value>> {
    let services = &federation.services;
    let room_id = readable_room(services, &room_id, &auth.origin)?;
    let tree = services.server_space_hierarchy(&room_id, &auth.origin, query.suggested_only)?;
    Ok(Json(json!({
        "room": tree.room,
        "children": tree.children,
        "inaccessible_children": tree.inaccessible_children,
    })))
}
