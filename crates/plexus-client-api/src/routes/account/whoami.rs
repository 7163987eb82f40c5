//! `GET /_matrix/client/v3/account/whoami`.

use ruma::api::client::account::whoami::v3 as endpoint;

use crate::{AppState, Result, Ruma};

pub async fn whoami(_: AppState, request: Ruma<endpoint::Request>) -> Result<endpoint::Response> {
    let user = request.user()?;
    let mut response = endpoint::Response::new(user.user_id.clone(), false);
    response.device_id = Some(user.device_id.as_str().into());
    Ok(response)
}
