//! The response of every download and thumbnail: the file streamed from
//! disk, with the safety headers. Only a short allow-list of types is shown
//! `inline`; anything else is an `attachment`, and the sandboxing CSP keeps
//! even a stored HTML page from running script on this origin.

use axum::{
    body::Body,
    http::{header, HeaderValue},
    response::Response,
};
use plexus_service::media::MediaFile;
use tokio_util::io::ReaderStream;

use crate::{Error, Result};

pub const CONTENT_SECURITY_POLICY: &str = "sandbox; default-src 'none'; script-src 'none'; \
     plugin-types application/pdf; style-src 'unsafe-inline'; object-src 'self';";

/// Read size of the download stream.
const CHUNK: usize = 256 * 1024;

/// Types a browser may show in place.
fn is_inline_safe(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    matches!(
        essence.as_str(),
        "image/jpeg"
            | "image/png"
            | "image/gif"
            | "image/webp"
            | "video/mp4"
            | "video/webm"
            | "text/plain"
    ) || essence.starts_with("audio/")
}

/// `inline` or `attachment`, with the file name per RFC 6266: a plain
/// quoted `filename` when it is simple ASCII, else `filename*=utf-8''…`.
pub fn content_disposition(content_type: &str, filename: Option<&str>) -> String {
    let kind = if is_inline_safe(content_type) {
        "inline"
    } else {
        "attachment"
    };
    let Some(name) = filename.filter(|n| !n.is_empty()) else {
        return kind.to_owned();
    };
    let simple = name
        .bytes()
        .all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\');
    if simple {
        format!("{kind}; filename=\"{name}\"")
    } else {
        format!("{kind}; filename*=utf-8''{}", percent_encode(name))
    }
}

/// RFC 5987 `attr-char`s pass; every other byte is `%XX`.
fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len() * 3);
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Streams `file` with its type, length and the safety headers.
pub async fn stream_file(file: MediaFile, filename: Option<&str>) -> Result<Response> {
    let handle = tokio::fs::File::open(&file.path).await.map_err(|e| {
        Error::Service(plexus_service::ServiceError::internal(format!(
            "open media: {e}"
        )))
    })?;
    let content_type = HeaderValue::from_str(&file.content_type)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    let disposition = HeaderValue::from_str(&content_disposition(&file.content_type, filename))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    let mut response = Response::new(Body::from_stream(ReaderStream::with_capacity(
        handle, CHUNK,
    )));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, content_type);
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(file.size));
    headers.insert(header::CONTENT_DISPOSITION, disposition);
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("cross-origin"),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_allow_listed_types_are_inline() {
        for t in [
            "image/png",
            "image/jpeg",
            "image/gif",
            "image/webp",
            "video/mp4",
            "video/webm",
            "audio/ogg",
            "text/plain; charset=utf-8",
            "IMAGE/PNG",
        ] {
            assert_eq!(content_disposition(t, None), "inline", "{t}");
        }
        for t in [
            "text/html",
            "image/svg+xml",
            "application/javascript",
            "application/pdf",
            "text/xml",
            "",
            "video/quicktime",
        ] {
            assert_eq!(content_disposition(t, None), "attachment", "{t}");
        }
    }

    #[test]
    fn file_names_are_quoted_or_rfc_6266_encoded() {
        assert_eq!(
            content_disposition("image/png", Some("cat.png")),
            "inline; filename=\"cat.png\""
        );
        assert_eq!(
            content_disposition("text/html", Some("a\"b.html")),
            "attachment; filename*=utf-8''a%22b.html"
        );
        assert_eq!(
            content_disposition("text/plain", Some("é t.txt")),
            "inline; filename*=utf-8''%C3%A9%20t.txt"
        );
        assert_eq!(
            content_disposition("text/plain", Some("x\r\nSet-Cookie: a")),
            "inline; filename*=utf-8''x%0D%0ASet-Cookie%3A%20a"
        );
    }
}
