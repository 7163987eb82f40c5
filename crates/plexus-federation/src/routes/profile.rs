//! `GET /_matrix/federation/v1/query/profile?user_id=…[&field=…]`: a local
//! user's display name and avatar for another server (authenticated).

use std::sync::Arc;

use axum::{
    extract::{Query, State},
    Json,
};
use ruma::UserId;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::{error::Result, Federation, FederationAuth, FederationError};

#[derive(Deserialize)]
pub struct ProfileQuery {
    user_id: String,
    field: Option<String>,
}

pub async fn query_profile(
    State(federation): State<Arc<Federation>>,
    Query(query): Query<ProfileQuery>,
    _auth: FederationAuth,
) -> Result<Json<Value>> {
    let user = <&UserId>::try_from(query.user_id.as_str())
        .map_err(|_| FederationError::InvalidParam("user_id is not a user ID".into()))?;
    if user.server_name() != federation.services.server_name() {
        return Err(FederationError::InvalidParam(
            "user_id is not a user of this server".into(),
        ));
    }
    let (displayname, avatar_url) = federation.services.profile(user)?;
    let mut profile = Map::new();
    let wanted = |name: &str| query.field.as_deref().is_none_or(|field| field == name);
    if let Some(name) = displayname.filter(|_| wanted("displayname")) {
        profile.insert("displayname".into(), name.into());
    }
    if let Some(url) = avatar_url.filter(|_| wanted("avatar_url")) {
        profile.insert("avatar_url".into(), url.into());
    }
    Ok(Json(Value::Object(profile)))
}
