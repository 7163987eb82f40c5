//! The error policy of the federation API in one place: every failure of a
//! federation or key endpoint becomes `{"errcode", "error"}` with the status
//! the spec gives. Errors of the layers below (keys, outbound client,
//! discovery, storage, domain) are mapped here and nowhere else.

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use plexus_service::ServiceError;
use plexus_storage::StorageError;
use serde_json::json;

use crate::{client::ClientError, keys::KeyError};

pub type Result<T, E = FederationError> = std::result::Result<T, E>;

/// A failure answered to another server.
#[derive(Debug, thiserror::Error)]
pub enum FederationError {
    /// Missing, malformed or invalid `X-Matrix` authentication.
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("request body is not valid JSON: {0}")]
    NotJson(String),
    #[error("{0}")]
    BadJson(String),
    #[error("{0}")]
    InvalidParam(String),
    #[error("missing query parameter: {0}")]
    MissingParam(String),
    /// An unknown or expired token (OpenID).
    #[error("{0}")]
    UnknownToken(String),
    #[error("{0}")]
    TooLarge(String),
    #[error("unrecognized request")]
    Unrecognized,
    /// The room's version is not among those the requesting server supports.
    #[error("the room version {0} is not supported by the requesting server")]
    IncompatibleRoomVersion(String),
    #[error(transparent)]
    Keys(#[from] KeyError),
    #[error(transparent)]
    Remote(#[from] ClientError),
    #[error(transparent)]
    Service(#[from] ServiceError),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl FederationError {
    /// (status, errcode) of the error.
    fn code(&self) -> (StatusCode, &'static str) {
        use FederationError as E;
        match self {
            E::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "M_UNAUTHORIZED"),
            E::Forbidden(_) => (StatusCode::FORBIDDEN, "M_FORBIDDEN"),
            E::NotFound(_) => (StatusCode::NOT_FOUND, "M_NOT_FOUND"),
            E::NotJson(_) => (StatusCode::BAD_REQUEST, "M_NOT_JSON"),
            E::BadJson(_) => (StatusCode::BAD_REQUEST, "M_BAD_JSON"),
            E::InvalidParam(_) => (StatusCode::BAD_REQUEST, "M_INVALID_PARAM"),
            E::MissingParam(_) => (StatusCode::BAD_REQUEST, "M_MISSING_PARAM"),
            E::UnknownToken(_) => (StatusCode::UNAUTHORIZED, "M_UNKNOWN_TOKEN"),
            E::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "M_TOO_LARGE"),
            E::Unrecognized => (StatusCode::NOT_FOUND, "M_UNRECOGNIZED"),
            E::IncompatibleRoomVersion(_) => {
                (StatusCode::BAD_REQUEST, "M_INCOMPATIBLE_ROOM_VERSION")
            }
            E::Keys(KeyError::NotFound { .. }) => (StatusCode::NOT_FOUND, "M_NOT_FOUND"),
            E::Keys(KeyError::Storage(_)) => (StatusCode::INTERNAL_SERVER_ERROR, "M_UNKNOWN"),
            E::Keys(_) => (StatusCode::UNAUTHORIZED, "M_UNAUTHORIZED"),
            E::Remote(_) => (StatusCode::BAD_GATEWAY, "M_UNKNOWN"),
            E::Service(error) => service_code(error),
            E::Storage(_) => (StatusCode::INTERNAL_SERVER_ERROR, "M_UNKNOWN"),
        }
    }
}

fn service_code(error: &ServiceError) -> (StatusCode, &'static str) {
    match error {
        ServiceError::Forbidden(_) => (StatusCode::FORBIDDEN, "M_FORBIDDEN"),
        ServiceError::NotFound(_) => (StatusCode::NOT_FOUND, "M_NOT_FOUND"),
        ServiceError::BadJson(_) => (StatusCode::BAD_REQUEST, "M_BAD_JSON"),
        ServiceError::InvalidParam(_) => (StatusCode::BAD_REQUEST, "M_INVALID_PARAM"),
        ServiceError::MissingParam(_) => (StatusCode::BAD_REQUEST, "M_MISSING_PARAM"),
        ServiceError::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "M_TOO_LARGE"),
        ServiceError::UnsupportedRoomVersion(_) => {
            (StatusCode::BAD_REQUEST, "M_UNSUPPORTED_ROOM_VERSION")
        }
        ServiceError::Remote(_) => (StatusCode::BAD_GATEWAY, "M_UNKNOWN"),
        _ => (StatusCode::INTERNAL_SERVER_ERROR, "M_UNKNOWN"),
    }
}

impl IntoResponse for FederationError {
    fn into_response(self) -> Response {
        let (status, errcode) = self.code();
        if status.is_server_error() {
            tracing::error!(error = %self, "federation request failed");
        } else {
            tracing::debug!(error = %self, errcode, "federation request refused");
        }
        let mut body = json!({"errcode": errcode, "error": self.to_string()});
        if let FederationError::IncompatibleRoomVersion(version) = &self {
            body["room_version"] = json!(version);
        }
        (status, Json(body)).into_response()
    }
}
