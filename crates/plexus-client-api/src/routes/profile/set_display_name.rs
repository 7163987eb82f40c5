//! `PUT /_matrix/client/v3/profile/{userId}/displayname`: only one's own;
//! the new name is also written into the member event of every joined room.

use plexus_service::profile::ProfileField;
use ruma::api::client::profile::set_display_name::v3 as endpoint;

use super::field_from_body;
use crate::{routes::account_data::ensure_own_user, AppState, Result, Ruma};

pub async fn set_display_name(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let user = request.user()?;
    ensure_own_user(user, &request.body.user_id)?;
    let displayname = field_from_body(request.json.as_ref(), "displayname")?;
    state
        .set_profile_field(&user.user_id, ProfileField::DisplayName, displayname)
        .await?;
    Ok(endpoint::Response::new())
}
