//! Errors of the domain layer. Each variant names a Matrix failure kind;
//! `plexus-client-api::error` is the one place that maps them to errcodes
//! and HTTP statuses.

use plexus_storage::StorageError;

pub type Result<T, E = ServiceError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    BadJson(String),
    #[error("{0}")]
    InvalidParam(String),
    #[error("{0}")]
    MissingParam(String),
    #[error("unknown or expired access token")]
    UnknownToken { soft_logout: bool },
    #[error("{0}")]
    UserInUse(String),
    #[error("{0}")]
    InvalidUsername(String),
    #[error("{0}")]
    WeakPassword(String),
    #[error("{0}")]
    Exclusive(String),
    #[error("{0}")]
    RoomInUse(String),
    #[error("{0}")]
    TooLarge(String),
    #[error("too many requests")]
    LimitExceeded { retry_after_ms: u64 },
    #[error("{0}")]
    UnsupportedRoomVersion(String),
    /// Keys sent to a backup version that is no longer the current one.
    #[error("that backup version is not the current one")]
    WrongRoomKeysVersion { current_version: Option<String> },
    #[error("{0}")]
    InvalidRoomState(String),
    #[error("{0}")]
    Unrecognized(String),
    /// A sliding sync `pos` the connection does not hold (any more).
    #[error("{0}")]
    UnknownPos(String),
    /// An alias in `m.room.canonical_alias` that does not point to the room.
    #[error("{0}")]
    BadAlias(String),
    /// A second upload to a media ID from `/create`.
    #[error("{0}")]
    CannotOverwriteMedia(String),
    /// A `/create`d media ID whose upload has not arrived in time.
    #[error("{0}")]
    NotYetUploaded(String),
    /// The media exists but no thumbnail can be made of it.
    #[error("{0}")]
    CannotThumbnail(String),
    /// User-interactive authentication must continue; carries the session.
    /// Boxed so that every `Result` stays small (clippy's `result_large_err`).
    #[error("additional authentication is required")]
    UiaRequired(Box<crate::uia::UiaChallenge>),
    /// Another server could not do what was asked (unreachable, refused, or
    /// federation is off).
    #[error("{0}")]
    Remote(String),
    #[error("storage: {0}")]
    Storage(#[from] StorageError),
    #[error("internal error: {0}")]
    Internal(String),
}

impl ServiceError {
    pub fn forbidden(msg: impl Into<String>) -> Self {
        Self::Forbidden(msg.into())
    }
    pub fn not_found(msg: impl Into<String>) -> Self {
        Self::NotFound(msg.into())
    }
    pub fn invalid(msg: impl Into<String>) -> Self {
        Self::InvalidParam(msg.into())
    }
    pub fn internal(msg: impl std::fmt::Display) -> Self {
        Self::Internal(msg.to_string())
    }
}

impl From<plexus_core::PduError> for ServiceError {
    fn from(e: plexus_core::PduError) -> Self {
        match e {
            plexus_core::PduError::TooLarge => {
                Self::TooLarge("event is larger than 65536 bytes".into())
            }
            other => Self::BadJson(other.to_string()),
        }
    }
}
