//! `GET /_matrix/client/v3/publicRooms` (no authentication).

use ruma::api::client::directory::get_public_rooms::v3 as endpoint;

use super::public_rooms_page::{public_rooms_page, PublicRoomsQuery};
use crate::{AppState, Result, Ruma};

pub async fn public_rooms(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let body = &request.body;
    let query = PublicRoomsQuery {
        server: body.server.as_deref(),
        limit: body.limit,
        since: body.since.as_deref(),
        search_term: None,
        room_types: &[],
    };
    let page = public_rooms_page(&state, query).await?;
    let mut response = endpoint::Response::new(page.chunk);
    response.next_batch = page.next_batch;
    response.prev_batch = page.prev_batch;
    response.total_room_count_estimate = page.total_room_count_estimate;
    Ok(response)
}
