//! `POST /_matrix/client/v3/account/deactivate` (UIA with the password).

use plexus_service::uia::PASSWORD;
use ruma::api::client::account::{deactivate::v3 as endpoint, ThirdPartyIdRemovalStatus};

use crate::{AppState, Result, Ruma};

pub async fn deactivate(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let user = request.user()?.clone();
    let auth = request.json.as_ref().and_then(|j| j.get("auth"));
    state
        .uia_check(&[&[PASSWORD]], auth, Some(&user.user_id))
        .await?;
    for room in state.joined_rooms(&user.user_id)? {
        if let Ok(room_id) = ruma::RoomId::parse(&room) {
            let _ = state
                .set_membership(&room_id, &user.user_id, &user.user_id, "leave", None)
                .await;
        }
    }
    state.deactivate(&user.user_id)?;
    Ok(endpoint::Response::new(
        ThirdPartyIdRemovalStatus::NoSupport,
    ))
}
