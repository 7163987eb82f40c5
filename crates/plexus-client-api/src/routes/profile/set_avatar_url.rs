//! `PUT /_matrix/client/v3/profile/{userId}/avatar_url`: only one's own; the
//! value must be an `mxc://` URI (or empty, which clears the avatar).

use plexus_service::profile::ProfileField;
use ruma::{api::client::profile::set_avatar_url::v3 as endpoint, MxcUri};

use super::field_from_body;
use crate::{routes::account_data::ensure_own_user, AppState, Error, Result, Ruma};

pub async fn set_avatar_url(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let user = request.user()?;
    ensure_own_user(user, &request.body.user_id)?;
    let avatar_url = field_from_body(request.json.as_ref(), "avatar_url")?;
    if let Some(url) = &avatar_url {
        if !<&MxcUri>::from(url.as_str()).is_valid() {
            return Err(Error::invalid("avatar_url must be an mxc:// URI"));
        }
    }
    state
        .set_profile_field(&user.user_id, ProfileField::AvatarUrl, avatar_url)
        .await?;
    Ok(endpoint::Response::new())
}
