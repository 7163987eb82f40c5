//! `GET /_matrix/client/v3/user/{userId}/filter/{filterId}`: 404 for unknown IDs.

use plexus_service::ServiceError;
use ruma::api::client::filter::{get_filter::v3 as endpoint, FilterDefinition};

use crate::{routes::account_data::ensure_own_user, AppState, Result, Ruma};

pub async fn get_filter(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let user = request.user()?;
    ensure_own_user(user, &request.body.user_id)?;
    let stored = state.filter(&user.user_id, &request.body.filter_id)?;
    let filter: FilterDefinition = serde_json::from_value(stored)
        .map_err(|e| ServiceError::internal(format!("stored filter is malformed: {e}")))?;
    Ok(endpoint::Response::new(filter))
}
