//! `POST /_matrix/client/v3/account/password` (UIA with the old password).

use plexus_service::uia::PASSWORD;
use ruma::api::client::account::change_password::v3 as endpoint;

use crate::{AppState, Result, Ruma};

pub async fn change_password(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let user = request.user()?.clone();
    state.check_password_policy(&request.body.new_password)?;
    let auth = request.json.as_ref().and_then(|j| j.get("auth"));
    state
        .uia_check(&[&[PASSWORD]], auth, Some(&user.user_id))
        .await?;
    state
        .set_password(
            &user.user_id,
            &request.body.new_password,
            request.body.logout_devices,
            Some(&user.device_id),
        )
        .await?;
    Ok(endpoint::Response::new())
}
