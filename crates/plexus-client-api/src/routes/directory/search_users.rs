//! `POST /_matrix/client/v3/user_directory/search`: users who share a room
//! with the searcher or sit in a public room.

use ruma::api::client::user_directory::search_users::v3 as endpoint;

use crate::{AppState, Error, Result, Ruma};

/// The most results one search returns, whatever the client asks.
const MAX_LIMIT: usize = 1000;

pub async fn search_users(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let user = request.user()?;
    let body = &request.body;
    let limit = usize::try_from(u64::from(body.limit))
        .unwrap_or(MAX_LIMIT)
        .min(MAX_LIMIT);
    let (results, limited) = state.search_users(&user.user_id, &body.search_term, limit)?;
    let results = results
        .into_iter()
        .map(|entry| serde_json::from_value(entry).map_err(|e| Error::BadJson(e.to_string())))
        .collect::<Result<_>>()?;
    Ok(endpoint::Response::new(results, limited))
}
