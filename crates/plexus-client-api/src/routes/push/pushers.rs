//! `GET /_matrix/client/v3/pushers`: none yet (push gateways are a later issue).

use ruma::api::client::push::get_pushers::v3 as endpoint;

use crate::{AppState, Result, Ruma};

pub async fn pushers(_: AppState, request: Ruma<endpoint::Request>) -> Result<endpoint::Response> {
    request.user()?;
    Ok(endpoint::Response::new(vec![]))
}
