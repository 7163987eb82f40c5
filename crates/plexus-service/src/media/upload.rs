//! Uploads: [`Services::begin_upload`] opens a streamed file, [`Services::finish_upload`] checks the quota, makes the
//! bytes durable and writes the metadata rows in one batch.

use std::time::Duration;

use plexus_core::time::now_millis;
use plexus_storage::Json;
use ruma::UserId;

use super::{id, incoming::too_large, IncomingFile, MediaRecord, DEFAULT_CONTENT_TYPE};
use crate::{
    tables::{Media, MediaPending, MediaPendingByUser, MediaUsage},
    Result, ServiceError, Services,
};

/// Stale temp files (a crash mid-upload) older than this are swept.
const TEMP_FILE_MAX_AGE: Duration = Duration::from_secs(24 * 60 * 60);

/// What the uploader says about the file.
#[derive(Clone, Debug, Default)]
pub struct NewMedia {
    pub content_type: Option<String>,
    pub filename: Option<String>,
}

impl Services {
    /// Opens an upload. `announced` (the Content-Length, when sent) lets an
    /// oversize or over-quota upload be refused before its body is read.
    pub fn begin_upload(&self, user: &UserId, announced: Option<u64>) -> Result<IncomingFile> {
        let limit = self.media_upload_limit();
        if let Some(length) = announced {
            if length > limit {
                return Err(too_large(limit));
            }
            self.check_quota(user, length)?;
        }
        let store = self.media_store();
        if let Err(e) = store.sweep_temp(TEMP_FILE_MAX_AGE) {
            tracing::warn!("cannot sweep media temp files: {e}");
        }
        IncomingFile::new(store, limit)
    }

    /// Stores a fully received upload under a new ID, or under `pending_id`
    /// from `/create`. Returns the media ID.
    pub async fn finish_upload(
        &self,
        user: &UserId,
        file: IncomingFile,
        meta: NewMedia,
        pending_id: Option<&str>,
    ) -> Result<String> {
        let complete = file.complete().await?;
        // Serialize one user's uploads, so the quota check and the usage update
        // (and the "already uploaded" check) see each other.
        let lock = self.media_user_lock(user);
        let _guard = lock.lock().await;
        if let Some(media_id) = pending_id {
            self.check_pending_upload(user, media_id)?;
        }
        let used = self.check_quota(user, complete.size())?;
        let stored = complete.commit().await?;
        let media_id = pending_id.map(str::to_owned).unwrap_or_else(id::generate);
        let record = MediaRecord {
            sha256: stored.sha256,
            content_type: meta
                .content_type
                .unwrap_or_else(|| DEFAULT_CONTENT_TYPE.to_owned()),
            filename: meta.filename,
            size: stored.size,
            uploader: user.to_string(),
            created_ts: now_millis(),
        };
        let mut batch = self.db.batch();
        batch.put::<Media>(&media_id, &Json(record))?;
        if pending_id.is_some() {
            batch.delete::<MediaPending>(&media_id)?;
            batch.delete::<MediaPendingByUser>(&(user.to_string(), media_id.clone()))?;
        }
        batch.put::<MediaUsage>(&user.to_string(), &(used + stored.size))?;
        self.db.write(batch)?;
        Ok(media_id)
    }

    /// Bytes the user has uploaded so far.
    pub fn media_usage(&self, user: &UserId) -> Result<u64> {
        Ok(self.db.get::<MediaUsage>(&user.to_string())?.unwrap_or(0))
    }

    /// Refuses an upload of `size` more bytes past the quota; returns the current usage.
    fn check_quota(&self, user: &UserId, size: u64) -> Result<u64> {
        let used = self.media_usage(user)?;
        let quota = self.config.media.user_quota_bytes;
        if used.saturating_add(size) > quota {
            return Err(ServiceError::forbidden(format!(
                "media quota exceeded: {used} of {quota} bytes used, this upload needs {size} more"
            )));
        }
        Ok(used)
    }
}
