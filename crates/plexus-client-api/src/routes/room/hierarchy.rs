//! `GET /_matrix/client/v1/rooms/{roomId}/hierarchy`: the space tree under
//! a room, one page at a time.

use plexus_service::spaces::HierarchyQuery;
use ruma::api::client::space::{get_hierarchy::v1 as endpoint, SpaceHierarchyRoomsChunk};

use crate::{AppState, Error, Result, Ruma};

pub async fn get_hierarchy(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let user = request.user()?.user_id.clone();
    let body = request.body;
    let query = HierarchyQuery {
        from: body.from,
        limit: body.limit.map(u64::from),
        max_depth: body.max_depth.map(u64::from),
        suggested_only: body.suggested_only,
    };
    let page = state.space_hierarchy(&body.room_id, &user, query).await?;
    let rooms = page
        .rooms
        .into_iter()
        .map(|room| serde_json::from_value(room).map_err(|e| Error::BadJson(e.to_string())))
        .collect::<Result<Vec<SpaceHierarchyRoomsChunk>>>()?;
    let mut response = endpoint::Response::new();
    response.rooms = rooms;
    response.next_batch = page.next_batch;
    Ok(response)
}
