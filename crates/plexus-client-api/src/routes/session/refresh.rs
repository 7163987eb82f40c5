//! `POST /_matrix/client/v3/refresh`.

use ruma::api::client::session::refresh_token::v3 as endpoint;

use crate::{AppState, Result, Ruma};

pub async fn refresh(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let session = state.refresh(&request.body.refresh_token)?;
    let mut response = endpoint::Response::new(session.access_token);
    response.refresh_token = session.refresh_token;
    response.expires_in_ms = session.expires_in_ms.map(std::time::Duration::from_millis);
    Ok(response)
}
