//! Profiles: anyone reads a display name and avatar; only their owner sets them.

mod get_avatar_url;
mod get_display_name;
mod get_profile;
mod set_avatar_url;
mod set_display_name;

use axum::Router;
use plexus_service::ServiceError;
use serde_json::Value;

use crate::{router::RouterExt, AppState, Result};

pub fn routes(router: Router<AppState>) -> Router<AppState> {
    router
        .ruma(get_profile::get_profile)
        .ruma(get_display_name::get_display_name)
        .ruma(set_display_name::set_display_name)
        .ruma(get_avatar_url::get_avatar_url)
        .ruma(set_avatar_url::set_avatar_url)
}

/// The new value of `key` in a PUT body: the key must be present (400
/// `M_MISSING_PARAM`); `null` and `""` clear the field. ruma has already
/// checked that a present value is a string.
fn field_from_body(json: Option<&Value>, key: &str) -> Result<Option<String>> {
    match json.and_then(|body| body.get(key)) {
        None => Err(ServiceError::MissingParam(format!("the body has no {key}")).into()),
        Some(Value::String(value)) if !value.is_empty() => Ok(Some(value.clone())),
        Some(_) => Ok(None),
    }
}
