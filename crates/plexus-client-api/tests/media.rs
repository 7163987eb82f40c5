//! API tests of the media repository through the whole router: uploads
//! (direct and `/create` + `PUT`), downloads byte for byte up to 50 MiB,
//! thumbnails, the safety headers, authentication, limits, the legacy
//! switch, and media surviving a re-open of the data directory.

#[path = "media/harness.rs"]
mod harness;

use std::time::Instant;

use axum::body::Body;
use http::{header, Method};
use serde_json::json;

use harness::*;

#[tokio::test]
async fn small_upload_round_trips_with_safety_headers() {
    let server = Server::new();
    let alice = server.register("alice").await;
    let id = server
        .upload_ok(&alice, "hello, media", "text/plain", "hello.txt")
        .await;

    let response = server.get(Some(&alice), &download_uri(&id)).await;
    assert_ok(&response);
    assert_safety_headers(&response);
    assert_eq!(header(&response, "content-type"), "text/plain");
    assert_eq!(header(&response, "content-length"), "12");
    assert_eq!(
        header(&response, "content-disposition"),
        "inline; filename=\"hello.txt\""
    );
    assert_eq!(bytes_of(response).await, "hello, media");

    // The file name in the path wins; the bytes are the same.
    let response = server
        .get(
            Some(&alice),
            &format!("{}/other%20name.txt", download_uri(&id)),
        )
        .await;
    assert_eq!(
        header(&response, "content-disposition"),
        "inline; filename=\"other name.txt\""
    );
    assert_eq!(bytes_of(response).await, "hello, media");
}

#[tokio::test]
async fn unsafe_types_are_attachments_under_a_sandbox() {
    let server = Server::new();
    let alice = server.register("alice").await;
    let html = "<script>alert(1)</script>";
    let id = server.upload_ok(&alice, html, "text/html", "x.html").await;
    let response = server.get(Some(&alice), &download_uri(&id)).await;
    assert_safety_headers(&response);
    assert_eq!(
        header(&response, "content-disposition"),
        "attachment; filename=\"x.html\""
    );
    assert_eq!(bytes_of(response).await, html);
}

#[tokio::test]
async fn fifty_megabytes_round_trip_byte_for_byte() {
    let server = Server::new();
    let alice = server.register("alice").await;
    let data = noise(50 * 1024 * 1024);
    let stream =
        tokio_util::io::ReaderStream::with_capacity(std::io::Cursor::new(data.clone()), 64 * 1024);

    let started = Instant::now();
    let id = server
        .upload_ok(
            &alice,
            Body::from_stream(stream),
            "application/octet-stream",
            "big.bin",
        )
        .await;
    let upload = started.elapsed();

    let started = Instant::now();
    let response = server.get(Some(&alice), &download_uri(&id)).await;
    assert_ok(&response);
    assert_eq!(
        header(&response, "content-disposition"),
        "attachment; filename=\"big.bin\""
    );
    let body = bytes_of(response).await;
    let download = started.elapsed();
    assert!(body == data, "downloaded bytes differ from the upload");
    let mib = data.len() as f64 / (1024.0 * 1024.0);
    println!(
        "media 50 MiB: upload {:.0} ms ({:.0} MiB/s), download {:.0} ms ({:.0} MiB/s)",
        upload.as_secs_f64() * 1000.0,
        mib / upload.as_secs_f64(),
        download.as_secs_f64() * 1000.0,
        mib / download.as_secs_f64()
    );
}

#[tokio::test]
async fn thumbnails_have_the_rounded_dimensions_and_the_headers() {
    let server = Server::new();
    let alice = server.register("alice").await;
    let id = server
        .upload_ok(&alice, png(1000, 500), "image/png", "cat.png")
        .await;
    let base = format!("/_matrix/client/v1/media/thumbnail/localhost/{id}");
    for (query, expected) in [
        ("width=96&height=96&method=crop", (96, 96)),
        ("width=20&height=20&method=crop", (32, 32)),
        ("width=300&height=200&method=scale", (320, 160)),
        ("width=700&height=500", (800, 400)),
    ] {
        for _ in 0..2 {
            // The second request is served from the stored thumbnail.
            let response = server.get(Some(&alice), &format!("{base}?{query}")).await;
            assert_ok(&response);
            assert_safety_headers(&response);
            assert_eq!(header(&response, "content-type"), "image/png");
            assert_eq!(header(&response, "content-disposition"), "inline");
            assert_eq!(dimensions(&bytes_of(response).await), expected, "{query}");
        }
    }
    // Never upscaled: a small image comes back as it is.
    let small = server
        .upload_ok(&alice, png(20, 10), "image/png", "small.png")
        .await;
    let uri = format!("/_matrix/client/v1/media/thumbnail/localhost/{small}?width=640&height=480");
    assert_eq!(
        dimensions(&bytes_of(server.get(Some(&alice), &uri).await).await),
        (20, 10)
    );
    // Text cannot be thumbnailed.
    let text = server
        .upload_ok(&alice, "text", "text/plain", "t.txt")
        .await;
    let uri = format!("/_matrix/client/v1/media/thumbnail/localhost/{text}?width=32&height=32");
    assert_error(server.get(Some(&alice), &uri).await, 400, "M_UNKNOWN").await;
}

#[tokio::test]
async fn every_media_endpoint_refuses_a_missing_token() {
    let server = Server::new();
    let alice = server.register("alice").await;
    let id = server
        .upload_ok(&alice, "secret", "text/plain", "s.txt")
        .await;
    for uri in [
        download_uri(&id),
        format!("{}/s.txt", download_uri(&id)),
        format!("/_matrix/client/v1/media/thumbnail/localhost/{id}?width=32&height=32"),
        "/_matrix/client/v1/media/config".to_owned(),
    ] {
        assert_error(server.get(None, &uri).await, 401, "M_MISSING_TOKEN").await;
    }
    let upload = request(Method::POST, "/_matrix/media/v3/upload", None)
        .body(Body::from("x"))
        .unwrap();
    assert_error(server.send(upload).await, 401, "M_MISSING_TOKEN").await;
    let create = request(Method::POST, "/_matrix/media/v1/create", None)
        .body(Body::empty())
        .unwrap();
    assert_error(server.send(create).await, 401, "M_MISSING_TOKEN").await;
    assert_error(
        server.get(Some("nonsense"), &download_uri(&id)).await,
        401,
        "M_UNKNOWN_TOKEN",
    )
    .await;
}

#[tokio::test]
async fn legacy_endpoints_answer_only_when_enabled() {
    let server = Server::new();
    let alice = server.register("alice").await;
    let id = server
        .upload_ok(&alice, "old client", "text/plain", "o.txt")
        .await;
    let legacy = format!("/_matrix/media/v3/download/localhost/{id}");
    assert_error(server.get(None, &legacy).await, 404, "M_NOT_FOUND").await;
    assert_error(server.get(Some(&alice), &legacy).await, 404, "M_NOT_FOUND").await;

    let server = Server::with(|c| c.media.legacy_unauthenticated = true);
    let alice = server.register("alice").await;
    let id = server
        .upload_ok(&alice, "old client", "text/plain", "o.txt")
        .await;
    let response = server
        .get(None, &format!("/_matrix/media/r0/download/localhost/{id}"))
        .await;
    assert_ok(&response);
    assert_safety_headers(&response);
    assert_eq!(bytes_of(response).await, "old client");
    let png_id = server
        .upload_ok(&alice, png(200, 200), "image/png", "p.png")
        .await;
    let uri =
        format!("/_matrix/media/v3/thumbnail/localhost/{png_id}?width=32&height=32&method=crop");
    assert_eq!(
        dimensions(&bytes_of(server.get(None, &uri).await).await),
        (32, 32)
    );
}

#[tokio::test]
async fn oversize_uploads_get_413_and_the_limit_is_advertised() {
    let server = Server::with(|c| c.media.max_upload_bytes = 1000);
    let alice = server.register("alice").await;
    let config = json_ok(
        server
            .get(Some(&alice), "/_matrix/client/v1/media/config")
            .await,
    )
    .await;
    assert_eq!(config, json!({ "m.upload.size": 1000 }));
    // Announced by Content-Length, refused before the body is read ...
    assert_error(
        server
            .upload(&alice, vec![0u8; 1001], "application/octet-stream", "x")
            .await,
        413,
        "M_TOO_LARGE",
    )
    .await;
    // ... and streamed without a length, refused as the bytes pass the limit.
    let stream =
        tokio_util::io::ReaderStream::with_capacity(std::io::Cursor::new(vec![0u8; 5000]), 100);
    let response = server
        .upload(
            &alice,
            Body::from_stream(stream),
            "application/octet-stream",
            "x",
        )
        .await;
    assert_error(response, 413, "M_TOO_LARGE").await;
    server
        .upload_ok(&alice, vec![0u8; 1000], "application/octet-stream", "x")
        .await;
    // Nothing of the refused uploads stays behind.
    let temp = std::fs::read_dir(server.dir.path().join("media/tmp"))
        .unwrap()
        .count();
    assert_eq!(temp, 0);
}

#[tokio::test]
async fn the_quota_refuses_uploads_past_it() {
    let server = Server::with(|c| c.media.user_quota_bytes = 100);
    let alice = server.register("alice").await;
    server
        .upload_ok(&alice, vec![1u8; 80], "application/octet-stream", "a")
        .await;
    assert_error(
        server
            .upload(&alice, vec![2u8; 30], "application/octet-stream", "b")
            .await,
        403,
        "M_FORBIDDEN",
    )
    .await;
    let bob = server.register("bob").await;
    server
        .upload_ok(&bob, vec![2u8; 30], "application/octet-stream", "b")
        .await;
}

#[tokio::test]
async fn create_then_upload_once_by_the_creator() {
    let server = Server::new();
    let alice = server.register("alice").await;
    let bob = server.register("bob").await;
    let create = request(Method::POST, "/_matrix/media/v1/create", Some(&alice))
        .body(Body::empty())
        .unwrap();
    let created = json_ok(server.send(create).await).await;
    assert!(created["unused_expires_at"].as_u64().is_some(), "{created}");
    let id = created["content_uri"]
        .as_str()
        .unwrap()
        .strip_prefix("mxc://localhost/")
        .unwrap()
        .to_owned();

    let not_yet = server
        .get(Some(&alice), &format!("{}?timeout_ms=0", download_uri(&id)))
        .await;
    assert_error(not_yet, 504, "M_NOT_YET_UPLOADED").await;
    let put = |token: &str, body: &'static str| {
        let uri = format!("/_matrix/media/v3/upload/localhost/{id}?filename=late.txt");
        request(Method::PUT, &uri, Some(token))
            .header(header::CONTENT_TYPE, "text/plain")
            .body(Body::from(body))
            .unwrap()
    };
    assert_error(server.send(put(&bob, "bob's")).await, 403, "M_FORBIDDEN").await;
    assert_eq!(
        json_ok(server.send(put(&alice, "arrived")).await).await,
        json!({})
    );
    assert_error(
        server.send(put(&alice, "again")).await,
        409,
        "M_CANNOT_OVERWRITE_MEDIA",
    )
    .await;

    let response = server.get(Some(&bob), &download_uri(&id)).await;
    assert_eq!(
        header(&response, "content-disposition"),
        "inline; filename=\"late.txt\""
    );
    assert_eq!(bytes_of(response).await, "arrived");
}

#[tokio::test]
async fn unknown_remote_and_malformed_media_are_not_found() {
    let server = Server::new();
    let alice = server.register("alice").await;
    let id = server.upload_ok(&alice, "x", "text/plain", "x").await;
    for uri in [
        format!("/_matrix/client/v1/media/download/other.example/{id}"),
        download_uri("AAAAAAAAAAAAAAAAAAAAAAAA"),
        download_uri("..%2F..%2Fdb"),
        download_uri("abc"),
    ] {
        assert_error(server.get(Some(&alice), &uri).await, 404, "M_NOT_FOUND").await;
    }
}

#[tokio::test]
async fn media_survives_reopening_the_data_directory() {
    let server = Server::new();
    let alice = server.register("alice").await;
    let data = noise(300_000);
    let id = server
        .upload_ok(&alice, data.clone(), "application/octet-stream", "keep.bin")
        .await;
    let image = server
        .upload_ok(&alice, png(640, 640), "image/png", "p.png")
        .await;
    let thumb_uri = format!(
        "/_matrix/client/v1/media/thumbnail/localhost/{image}?width=96&height=96&method=crop"
    );
    let thumb = bytes_of(server.get(Some(&alice), &thumb_uri).await).await;

    let server = server.reopen();
    let response = server.get(Some(&alice), &download_uri(&id)).await;
    assert_ok(&response);
    assert_eq!(
        header(&response, "content-disposition"),
        "attachment; filename=\"keep.bin\""
    );
    assert!(bytes_of(response).await == data);
    assert_eq!(
        bytes_of(server.get(Some(&alice), &thumb_uri).await).await,
        thumb
    );
}
