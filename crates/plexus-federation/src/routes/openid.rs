//! `GET /_matrix/federation/v1/openid/userinfo?access_token=`: whom an
//! OpenID token names. The client API issues no OpenID tokens yet
//! (`/user/{userId}/openid/request_token` is not served), so every token is
//! unknown: 401 `M_UNKNOWN_TOKEN`, as the spec answers for a bad token.
//! No `X-Matrix` authentication: the token is the credential.

use axum::extract::Query;
use serde::Deserialize;

use crate::FederationError;

#[derive(Deserialize)]
pub struct UserInfoQuery {
    access_token: Option<String>,
}

pub async fn userinfo(Query(query): Query<UserInfoQuery>) -> FederationError {
    match query.access_token {
        None => FederationError::MissingParam("access_token".into()),
        Some(_) => FederationError::UnknownToken("unknown or expired OpenID token".into()),
    }
}
