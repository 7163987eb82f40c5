//! `GET /_matrix/federation/v1/openid/userinfo?access_token=`: whom an
//! OpenID token (issued by the client API's
//! `/user/{userId}/openid/request_token`) names: `{"sub": user ID}`, or 401
//! `M_UNKNOWN_TOKEN` for an unknown or expired token. No `X-Matrix`
//! authentication: the token is the credential.

use std::sync::Arc;

use axum::{
    extract::{Query, State},
    Json,
};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::{error::Result, Federation, FederationError};

#[derive(Deserialize)]
pub struct UserInfoQuery {
    access_token: Option<String>,
}

pub async fn userinfo(
    State(federation): State<Arc<Federation>>,
    Query(query): Query<UserInfoQuery>,
) -> Result<Json<Value>> {
    let token = query
        .access_token
        .ok_or_else(|| FederationError::MissingParam("access_token".into()))?;
    match federation.services.openid_token_user(&token)? {
        Some(user) => Ok(Json(json!({ "sub": user }))),
        None => Err(FederationError::UnknownToken(
            "unknown or expired OpenID token".into(),
        )),
    }
}
