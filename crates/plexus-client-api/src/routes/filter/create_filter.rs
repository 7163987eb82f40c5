//! `POST /_matrix/client/v3/user/{userId}/filter`.

use plexus_service::ServiceError;
use ruma::api::client::filter::create_filter::v3 as endpoint;
use serde_json::Value;

use crate::{routes::account_data::ensure_own_user, AppState, Result, Ruma};

pub async fn create_filter(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let user = request.user()?;
    ensure_own_user(user, &request.body.user_id)?;
    // Keep the filter as the client wrote it (ruma has checked its shape):
    // a later GET returns it, and /sync reads fields ruma may not model.
    let filter = match &request.json {
        Some(json @ Value::Object(_)) => json.clone(),
        _ => serde_json::to_value(&request.body.filter).map_err(ServiceError::internal)?,
    };
    let filter_id = state.create_filter(&user.user_id, filter)?;
    Ok(endpoint::Response::new(filter_id))
}
