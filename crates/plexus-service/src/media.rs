//! The media repository: uploads (direct, and the `/create` + upload pair),
//! downloads and thumbnails of local media.
//!
//! File bytes live in the content store under `<data_dir>/media/`, named by
//! SHA-256; metadata lives in the `media*` tables. Every upload writes its
//! metadata rows (media row, usage, pending row removed) in one batch, after
//! the bytes are durable under their content name. Remote media (another
//! server name) is looked up behind [`Services::media_record`], where a
//! federation fetch will plug in.

mod id;
mod incoming;
mod pending;
mod serve;
mod store;
pub mod thumbnail;
mod upload;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use id::{is_local_id, MEDIA_ID_LEN};
pub use incoming::IncomingFile;
pub use pending::MAX_PENDING_PER_USER;
pub use serve::ThumbnailRequest;
pub use store::{ContentStore, StoredContent};
pub use thumbnail::Method;
pub use upload::NewMedia;

use crate::Services;

/// How long an ID from `/create` may wait for its upload.
pub const PENDING_LIFETIME_MS: u64 = 24 * 60 * 60 * 1000;

/// Content type of uploads that name none.
pub const DEFAULT_CONTENT_TYPE: &str = "application/octet-stream";

/// A local upload (table `media`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaRecord {
    /// Name of the bytes in the content store.
    pub sha256: String,
    pub content_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
    pub size: u64,
    pub uploader: String,
    pub created_ts: u64,
}

/// An ID handed out by `/create`, not yet uploaded (table `media_pending`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingMediaRecord {
    pub creator: String,
    pub created_ts: u64,
    pub expires_ts: u64,
}

/// A stored thumbnail (table `media_thumbnails`); when the original already
/// fits, it names the original's content.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThumbnailRecord {
    pub sha256: String,
    pub content_type: String,
    pub size: u64,
}

/// A file ready to be served: where it is and what it is.
#[derive(Clone, Debug)]
pub struct MediaFile {
    pub path: PathBuf,
    pub content_type: String,
    pub filename: Option<String>,
    pub size: u64,
}

impl Services {
    /// The content store under this server's data directory.
    pub fn media_store(&self) -> ContentStore {
        ContentStore::new(self.config.data_dir.join("media"))
    }

    /// Largest accepted upload, as advertised in `m.upload.size`.
    pub fn media_upload_limit(&self) -> u64 {
        self.config.media.max_upload_bytes
    }
}

#[cfg(test)]
mod tests;
