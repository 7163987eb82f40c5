//! `GET /_matrix/client/v3/capabilities`.

use std::collections::BTreeMap;

use ruma::{
    api::client::discovery::get_capabilities::v3::{
        self as endpoint, Capabilities, RoomVersionStability, RoomVersionsCapability,
    },
    RoomVersionId,
};

use crate::{AppState, Result, Ruma};

pub async fn capabilities(
    state: AppState,
    _: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let stable = [
        RoomVersionId::V1,
        RoomVersionId::V2,
        RoomVersionId::V3,
        RoomVersionId::V4,
        RoomVersionId::V5,
        RoomVersionId::V6,
        RoomVersionId::V7,
        RoomVersionId::V8,
        RoomVersionId::V9,
        RoomVersionId::V10,
        RoomVersionId::V11,
        RoomVersionId::V12,
    ];
    let available: BTreeMap<RoomVersionId, RoomVersionStability> = stable
        .into_iter()
        .map(|v| (v, RoomVersionStability::Stable))
        .collect();
    let mut capabilities = Capabilities::new();
    capabilities.room_versions =
        RoomVersionsCapability::new(state.config.default_room_version.clone(), available);
    Ok(endpoint::Response::new(capabilities))
}
