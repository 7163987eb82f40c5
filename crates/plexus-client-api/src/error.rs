//! The error policy of the client API, in one place: every failure becomes
//! `{"errcode": "M_…", "error": "…"}` with the status the spec gives.
//! Domain errors (`ServiceError`) are mapped here and nowhere else.

use axum::{
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use plexus_service::ServiceError;
use serde_json::{json, Value};

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A client-API failure.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Service(#[from] ServiceError),
    #[error("missing access token")]
    MissingToken,
    #[error("request body is not valid JSON: {0}")]
    NotJson(String),
    #[error("{0}")]
    BadJson(String),
    #[error("{0}")]
    TooLarge(String),
    /// Account data the server manages itself (`m.fully_read`, `m.push_rules`):
    /// the spec answers 405 with `M_BAD_JSON`.
    #[error("{0}")]
    ServerManaged(String),
    #[error("unrecognized request")]
    UnrecognizedPath,
    #[error("method not allowed on this endpoint")]
    UnrecognizedMethod,
    /// 400 `M_UNKNOWN`: a request the spec answers with no more specific code
    /// (e.g. an unknown login type).
    #[error("{0}")]
    BadRequest(String),
    /// The resource already exists where the spec answers 409 (e.g. a taken room alias).
    #[error("{0}")]
    Conflict(String),
    /// A second identical annotation (same sender, event type and key) of an event.
    #[error("you already sent this annotation")]
    DuplicateAnnotation,
}

impl Error {
    pub fn forbidden(msg: impl Into<String>) -> Self {
        ServiceError::Forbidden(msg.into()).into()
    }
    pub fn not_found(msg: impl Into<String>) -> Self {
        ServiceError::NotFound(msg.into()).into()
    }
    pub fn invalid(msg: impl Into<String>) -> Self {
        ServiceError::InvalidParam(msg.into()).into()
    }

    /// (status, errcode) of the error.
    fn code(&self) -> (StatusCode, &'static str) {
        use ServiceError as S;
        match self {
            Error::MissingToken => (StatusCode::UNAUTHORIZED, "M_MISSING_TOKEN"),
            Error::NotJson(_) => (StatusCode::BAD_REQUEST, "M_NOT_JSON"),
            Error::BadJson(_) => (StatusCode::BAD_REQUEST, "M_BAD_JSON"),
            Error::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "M_TOO_LARGE"),
            Error::ServerManaged(_) => (StatusCode::METHOD_NOT_ALLOWED, "M_BAD_JSON"),
            Error::UnrecognizedPath => (StatusCode::NOT_FOUND, "M_UNRECOGNIZED"),
            Error::UnrecognizedMethod => (StatusCode::METHOD_NOT_ALLOWED, "M_UNRECOGNIZED"),
            Error::BadRequest(_) => (StatusCode::BAD_REQUEST, "M_UNKNOWN"),
            Error::Conflict(_) => (StatusCode::CONFLICT, "M_UNKNOWN"),
            Error::DuplicateAnnotation => (StatusCode::BAD_REQUEST, "M_DUPLICATE_ANNOTATION"),
            Error::Service(e) => match e {
                S::Forbidden(_) => (StatusCode::FORBIDDEN, "M_FORBIDDEN"),
                S::NotFound(_) => (StatusCode::NOT_FOUND, "M_NOT_FOUND"),
                S::BadJson(_) => (StatusCode::BAD_REQUEST, "M_BAD_JSON"),
                S::InvalidParam(_) => (StatusCode::BAD_REQUEST, "M_INVALID_PARAM"),
                S::MissingParam(_) => (StatusCode::BAD_REQUEST, "M_MISSING_PARAM"),
                S::UnknownToken { .. } => (StatusCode::UNAUTHORIZED, "M_UNKNOWN_TOKEN"),
                S::UserInUse(_) => (StatusCode::BAD_REQUEST, "M_USER_IN_USE"),
                S::InvalidUsername(_) => (StatusCode::BAD_REQUEST, "M_INVALID_USERNAME"),
                S::WeakPassword(_) => (StatusCode::BAD_REQUEST, "M_WEAK_PASSWORD"),
                S::Exclusive(_) => (StatusCode::BAD_REQUEST, "M_EXCLUSIVE"),
                S::RoomInUse(_) => (StatusCode::BAD_REQUEST, "M_ROOM_IN_USE"),
                S::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "M_TOO_LARGE"),
                S::LimitExceeded { .. } => (StatusCode::TOO_MANY_REQUESTS, "M_LIMIT_EXCEEDED"),
                S::UnsupportedRoomVersion(_) => {
                    (StatusCode::BAD_REQUEST, "M_UNSUPPORTED_ROOM_VERSION")
                }
                S::WrongRoomKeysVersion { .. } => {
                    (StatusCode::FORBIDDEN, "M_WRONG_ROOM_KEYS_VERSION")
                }
                S::InvalidRoomState(_) => (StatusCode::BAD_REQUEST, "M_INVALID_ROOM_STATE"),
                S::Unrecognized(_) => (StatusCode::NOT_FOUND, "M_UNRECOGNIZED"),
                S::UnknownPos(_) => (StatusCode::BAD_REQUEST, "M_UNKNOWN_POS"),
                S::BadAlias(_) => (StatusCode::BAD_REQUEST, "M_BAD_ALIAS"),
                S::CannotOverwriteMedia(_) => (StatusCode::CONFLICT, "M_CANNOT_OVERWRITE_MEDIA"),
                S::NotYetUploaded(_) => (StatusCode::GATEWAY_TIMEOUT, "M_NOT_YET_UPLOADED"),
                S::CannotThumbnail(_) => (StatusCode::BAD_REQUEST, "M_UNKNOWN"),
                S::UiaRequired(_) => (StatusCode::UNAUTHORIZED, "M_FORBIDDEN"),
                S::Remote(_) => (StatusCode::BAD_GATEWAY, "M_UNKNOWN"),
                S::Storage(_) | S::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "M_UNKNOWN"),
            },
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let (status, errcode) = self.code();
        let body = match &self {
            Error::Service(ServiceError::UiaRequired(challenge)) => {
                let mut body = json!({
                    "flows": challenge.flows.iter().map(|f| json!({ "stages": f })).collect::<Vec<_>>(),
                    "params": challenge.params,
                    "session": challenge.session,
                });
                if !challenge.completed.is_empty() {
                    body["completed"] = json!(challenge.completed);
                }
                if let Some((code, msg)) = &challenge.error {
                    body["errcode"] = json!(code);
                    body["error"] = json!(msg);
                }
                body
            }
            Error::Service(e @ (ServiceError::Storage(_) | ServiceError::Internal(_))) => {
                tracing::error!("internal error: {e}");
                json!({ "errcode": errcode, "error": "internal server error" })
            }
            other => {
                let mut body = json!({ "errcode": errcode, "error": other.to_string() });
                add_details(other, &mut body);
                body
            }
        };
        let mut response = (status, Json(body)).into_response();
        if let Error::Service(ServiceError::LimitExceeded { retry_after_ms }) = self {
            let secs = retry_after_ms.div_ceil(1000).to_string();
            if let Ok(value) = HeaderValue::from_str(&secs) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
        }
        response
    }
}

fn add_details(error: &Error, body: &mut Value) {
    match error {
        Error::Service(ServiceError::LimitExceeded { retry_after_ms }) => {
            body["retry_after_ms"] = json!(retry_after_ms);
        }
        Error::Service(ServiceError::UnknownToken { soft_logout }) => {
            body["soft_logout"] = json!(soft_logout);
        }
        Error::Service(ServiceError::WrongRoomKeysVersion {
            current_version: Some(version),
        }) => {
            body["current_version"] = json!(version);
        }
        _ => {}
    }
}
