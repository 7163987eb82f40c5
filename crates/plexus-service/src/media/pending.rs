//! IDs handed out by `POST /media/v1/create` ahead of their upload: at most
//! [`MAX_PENDING_PER_USER`] live per user, each expiring after
//! [`PENDING_LIFETIME_MS`], and uploadable once, by their creator only.

use std::sync::Arc;

use plexus_core::time::now_millis;
use plexus_storage::{Direction, Json};
use ruma::UserId;

use super::{id, is_local_id, PendingMediaRecord, PENDING_LIFETIME_MS};
use crate::{
    tables::{Media, MediaPending, MediaPendingByUser},
    Result, ServiceError, Services,
};

/// Live `/create`d IDs one user may hold; more get 429 `M_LIMIT_EXCEEDED`.
pub const MAX_PENDING_PER_USER: usize = 50;

impl Services {
    /// The lock that serializes one user's media writes (creates, uploads,
    /// quota). The room lock map is the keyed lock at hand; no room ID
    /// starts with this prefix.
    pub(super) fn media_user_lock(&self, user: &UserId) -> Arc<tokio::sync::Mutex<()>> {
        self.room_lock(&format!("media-user:{user}"))
    }

    /// `POST /media/v1/create`: a media ID the user may upload to later.
    /// Returns the ID and when it expires (ms since the epoch). Expired IDs
    /// of the user are dropped on the way.
    pub async fn create_media_id(&self, user: &UserId) -> Result<(String, u64)> {
        let lock = self.media_user_lock(user);
        let _guard = lock.lock().await;
        let now = now_millis();
        let owner = user.to_string();
        let mut batch = self.db.batch();
        let (mut live, mut soonest) = (0, u64::MAX);
        for row in self
            .db
            .scan::<MediaPendingByUser, _>(&(owner.clone(),), Direction::Forward)?
        {
            let ((_, media_id), expires_ts) = row?;
            if expires_ts < now {
                batch.delete::<MediaPending>(&media_id)?;
                batch.delete::<MediaPendingByUser>(&(owner.clone(), media_id))?;
            } else {
                live += 1;
                soonest = soonest.min(expires_ts);
            }
        }
        if live >= MAX_PENDING_PER_USER {
            self.db.write(batch)?;
            let retry_after_ms = soonest.saturating_sub(now);
            return Err(ServiceError::LimitExceeded { retry_after_ms });
        }
        let media_id = id::generate();
        let expires_ts = now + PENDING_LIFETIME_MS;
        let record = PendingMediaRecord {
            creator: owner.clone(),
            created_ts: now,
            expires_ts,
        };
        batch.put::<MediaPending>(&media_id, &Json(record))?;
        batch.put::<MediaPendingByUser>(&(owner, media_id.clone()), &expires_ts)?;
        self.db.write(batch)?;
        Ok((media_id, expires_ts))
    }

    /// Checks that `user` may upload to the `/create`d ID now.
    pub fn check_pending_upload(&self, user: &UserId, media_id: &str) -> Result<()> {
        if !is_local_id(media_id) {
            return Err(ServiceError::not_found("unknown media ID"));
        }
        if self.db.contains::<Media>(&media_id.to_owned())? {
            return Err(ServiceError::CannotOverwriteMedia(
                "this media has already been uploaded".into(),
            ));
        }
        let Some(Json(pending)) = self.db.get::<MediaPending>(&media_id.to_owned())? else {
            return Err(ServiceError::not_found("unknown media ID"));
        };
        if pending.creator != user.as_str() {
            return Err(ServiceError::forbidden(
                "only the creator of a media ID may upload to it",
            ));
        }
        if pending.expires_ts < now_millis() {
            return Err(ServiceError::not_found("this media ID has expired"));
        }
        Ok(())
    }
}
