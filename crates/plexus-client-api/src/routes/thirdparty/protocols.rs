//! `GET /_matrix/client/v3/thirdparty/protocols`.

use ruma::api::client::thirdparty::get_protocols::v3 as endpoint;

use crate::{AppState, Result, Ruma};

pub async fn protocols(
    _: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    request.user()?;
    Ok(endpoint::Response::new(Default::default()))
}
