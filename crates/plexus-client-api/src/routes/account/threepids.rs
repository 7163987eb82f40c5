//! `GET /_matrix/client/v3/account/3pid`: Plexus binds no e-mail or phone numbers.

use ruma::api::client::account::get_3pids::v3 as endpoint;

use crate::{AppState, Result, Ruma};

pub async fn threepids(
    _: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    request.user()?;
    Ok(endpoint::Response::new(vec![]))
}
