//! `POST /_matrix/client/v3/rooms/{roomId}/upgrade`.

use plexus_service::rooms::upgrade::UpgradeRoom;
use ruma::api::client::room::upgrade_room::v3 as endpoint;

use crate::{AppState, Result, Ruma};

pub async fn upgrade_room(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let user = request.user()?.user_id.clone();
    let body = request.body;
    let upgrade = UpgradeRoom {
        new_version: body.new_version,
        additional_creators: body.additional_creators,
    };
    let replacement = state.upgrade_room(&body.room_id, &user, upgrade).await?;
    Ok(endpoint::Response::new(replacement))
}
