//! Downloads and thumbnails: finding a media row (local now; remote later,
//! behind [`Services::media_record`]), waiting a little for `/create`d IDs
//! whose upload is still coming, and rendering thumbnails once per size.

use std::time::Duration;

use plexus_core::time::now_millis;
use plexus_storage::Json;

use super::{
    is_local_id,
    thumbnail::{self, Method, Outcome},
    MediaFile, MediaRecord, ThumbnailRecord,
};
use crate::{
    tables::{Media, MediaPending, MediaThumbnails},
    Result, ServiceError, Services,
};

/// How often a download waiting for a pending upload looks again.
const PENDING_POLL: Duration = Duration::from_millis(100);

/// Longest wait for a pending upload a client may ask for.
const MAX_WAIT_MS: u64 = 120_000;

/// A thumbnail request as the client made it (rounded up here).
#[derive(Clone, Copy, Debug)]
pub struct ThumbnailRequest {
    pub width: u32,
    pub height: u32,
    pub method: Method,
    pub animated: bool,
}

impl Services {
    /// The media row of `mxc://server_name/media_id`. For a `/create`d ID not
    /// yet uploaded, waits up to `wait_ms`, then answers `NotYetUploaded`.
    pub async fn media_record(
        &self,
        server_name: &str,
        media_id: &str,
        wait_ms: u64,
    ) -> Result<MediaRecord> {
        if server_name != self.server_name().as_str() {
            return self.remote_media_record(server_name, media_id).await;
        }
        if !is_local_id(media_id) {
            return Err(ServiceError::not_found("unknown media"));
        }
        let key = media_id.to_owned();
        let deadline = now_millis() + wait_ms.min(MAX_WAIT_MS);
        loop {
            if let Some(Json(record)) = self.db.get::<Media>(&key)? {
                return Ok(record);
            }
            match self.db.get::<MediaPending>(&key)? {
                Some(Json(pending)) if pending.expires_ts >= now_millis() => {}
                _ => return Err(ServiceError::not_found("unknown media")),
            }
            if now_millis() >= deadline {
                return Err(ServiceError::NotYetUploaded(
                    "the media has not been uploaded yet".into(),
                ));
            }
            tokio::time::sleep(PENDING_POLL).await;
        }
    }

    /// Media of other servers comes over federation, which is not there yet.
    async fn remote_media_record(
        &self,
        _server_name: &str,
        _media_id: &str,
    ) -> Result<MediaRecord> {
        Err(ServiceError::not_found(
            "remote media is not available on this server",
        ))
    }

    /// The file of a media ID, for download.
    pub async fn media_file(
        &self,
        server_name: &str,
        media_id: &str,
        wait_ms: u64,
    ) -> Result<MediaFile> {
        let record = self.media_record(server_name, media_id, wait_ms).await?;
        let path = self.content_path(&record.sha256)?;
        Ok(MediaFile {
            path,
            content_type: record.content_type,
            filename: record.filename,
            size: record.size,
        })
    }

    /// A thumbnail of a media ID, rendered on first request and stored.
    pub async fn media_thumbnail(
        &self,
        server_name: &str,
        media_id: &str,
        request: ThumbnailRequest,
        wait_ms: u64,
    ) -> Result<MediaFile> {
        if request.width == 0 || request.height == 0 {
            return Err(ServiceError::invalid("width and height must be positive"));
        }
        let record = self.media_record(server_name, media_id, wait_ms).await?;
        if !thumbnail::is_thumbnailable(&record.content_type) {
            return Err(ServiceError::CannotThumbnail(format!(
                "cannot thumbnail {}",
                record.content_type
            )));
        }
        let size = thumbnail::round_up(request.width, request.height, request.method);
        let label = match request.animated {
            true => format!("{}/animated", size.method.as_str()),
            false => size.method.as_str().to_owned(),
        };
        let key = (
            media_id.to_owned(),
            label,
            u64::from(size.width),
            u64::from(size.height),
        );
        let thumb = match self.db.get::<MediaThumbnails>(&key)? {
            Some(Json(thumb)) => thumb,
            None => {
                let thumb = self
                    .render_thumbnail(&record, size, request.animated)
                    .await?;
                self.db.put::<MediaThumbnails>(&key, &Json(thumb.clone()))?;
                thumb
            }
        };
        let path = self.content_path(&thumb.sha256)?;
        Ok(MediaFile {
            path,
            content_type: thumb.content_type,
            filename: None,
            size: thumb.size,
        })
    }

    /// Decodes, resizes and stores on the blocking pool.
    async fn render_thumbnail(
        &self,
        record: &MediaRecord,
        size: thumbnail::Size,
        animated: bool,
    ) -> Result<ThumbnailRecord> {
        let store = self.media_store();
        let path = self.content_path(&record.sha256)?;
        let original = record.clone();
        let job = move || -> Result<ThumbnailRecord> {
            let bytes = std::fs::read(&path)
                .map_err(|e| ServiceError::internal(format!("read media: {e}")))?;
            let outcome = thumbnail::render(&bytes, &original.content_type, size, animated)
                .map_err(|e| ServiceError::CannotThumbnail(e.to_string()))?;
            Ok(match outcome {
                Outcome::Original => ThumbnailRecord {
                    sha256: original.sha256,
                    content_type: original.content_type,
                    size: original.size,
                },
                Outcome::Rendered(rendered) => {
                    let stored = store
                        .put_bytes(&rendered.bytes)
                        .map_err(|e| ServiceError::internal(format!("store thumbnail: {e}")))?;
                    ThumbnailRecord {
                        sha256: stored.sha256,
                        content_type: rendered.content_type.into(),
                        size: stored.size,
                    }
                }
            })
        };
        tokio::task::spawn_blocking(job)
            .await
            .map_err(ServiceError::internal)?
    }

    fn content_path(&self, sha256: &str) -> Result<std::path::PathBuf> {
        self.media_store().path_of(sha256).ok_or_else(|| {
            ServiceError::internal(format!("media row names invalid content {sha256:?}"))
        })
    }
}
