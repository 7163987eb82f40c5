//! Receiving an upload body: streamed frame by frame into the content store
//! (never buffered whole), with the size limit enforced as bytes arrive.

use axum::{body::Body, extract::Request, http::HeaderMap};
use http_body_util::BodyExt;
use plexus_service::media::NewMedia;
use ruma::UserId;

use crate::{AppState, Error, Result};

/// Longest file name or content type kept.
const MAX_FIELD_LEN: usize = 255;

/// The content type (from the header) and file name (from the query).
pub fn new_media(headers: &HeaderMap, filename: Option<String>) -> Result<NewMedia> {
    let content_type = headers
        .get(http::header::CONTENT_TYPE)
        .map(|value| value.to_str().map(|v| v.trim().to_owned()))
        .transpose()
        .map_err(|_| Error::invalid("Content-Type is not visible ASCII"))?
        .filter(|value| !value.is_empty());
    if content_type
        .as_ref()
        .is_some_and(|v| v.len() > MAX_FIELD_LEN)
    {
        return Err(Error::invalid("Content-Type is too long"));
    }
    if let Some(name) = &filename {
        if name.chars().count() > MAX_FIELD_LEN || name.chars().any(char::is_control) {
            return Err(Error::invalid(
                "filename is too long or has control characters",
            ));
        }
    }
    Ok(NewMedia {
        content_type,
        filename: filename.filter(|n| !n.is_empty()),
    })
}

/// Streams the request body into a new media file; returns the media ID.
pub async fn receive(
    state: &AppState,
    user: &UserId,
    request: Request,
    meta: NewMedia,
    pending_id: Option<&str>,
) -> Result<String> {
    let announced = request
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let mut file = state.begin_upload(user, announced)?;
    let mut body: Body = request.into_body();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| Error::invalid(format!("upload interrupted: {e}")))?;
        if let Ok(data) = frame.into_data() {
            file.write(&data).await?;
        }
    }
    Ok(state.finish_upload(user, file, meta, pending_id).await?)
}
