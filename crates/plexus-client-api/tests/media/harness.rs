//! The harness of the media API tests: a server on a data directory that
//! can be re-opened, raw requests (upload bodies are bytes, not JSON), and
//! helpers to read answers and generate content.
#![allow(dead_code)]

use axum::{body::Body, Router};
use bytes::Bytes;
use http::{header, Method, Request, Response, StatusCode};
use http_body_util::BodyExt;
use plexus_core::{
    config::{RegistrationMode, Switch},
    Config,
};
use plexus_service::Services;
use serde_json::{json, Value};
use tower::ServiceExt;

pub const CSP: &str =
    "sandbox; default-src 'none'; script-src 'none'; plugin-types application/pdf; \
                   style-src 'unsafe-inline'; object-src 'self';";

/// A server on a data directory that outlives it, so it can be re-opened.
pub struct Server {
    pub router: Router,
    pub dir: tempfile::TempDir,
}

pub fn config(dir: &std::path::Path, tweak: impl FnOnce(&mut Config)) -> Config {
    let mut config = Config {
        data_dir: dir.to_owned(),
        registration: RegistrationMode::Open,
        rate_limits: Switch::Off,
        ..Config::default()
    };
    tweak(&mut config);
    config
}

impl Server {
    pub fn new() -> Server {
        Server::with(|_| {})
    }

    pub fn with(tweak: impl FnOnce(&mut Config)) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let services = Services::open(config(dir.path(), tweak)).unwrap();
        Server {
            router: plexus_client_api::router(services),
            dir,
        }
    }

    /// Closes the database and opens the same data directory again.
    pub fn reopen(self) -> Server {
        let Server { router, dir } = self;
        drop(router);
        let services = Services::open(config(dir.path(), |_| {})).unwrap();
        Server {
            router: plexus_client_api::router(services),
            dir,
        }
    }

    pub async fn send(&self, request: Request<Body>) -> Response<Body> {
        self.router.clone().oneshot(request).await.unwrap()
    }

    pub async fn register(&self, name: &str) -> String {
        let mut body = json!({ "username": name, "password": "correct horse battery" });
        let challenge = json_of(
            self.send(post_json("/_matrix/client/v3/register", &body))
                .await,
        )
        .await;
        body["auth"] = json!({ "type": "m.login.dummy", "session": challenge["session"] });
        let done = json_of(
            self.send(post_json("/_matrix/client/v3/register", &body))
                .await,
        )
        .await;
        done["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned()
    }

    pub async fn get(&self, token: Option<&str>, uri: &str) -> Response<Body> {
        self.send(
            request(Method::GET, uri, token)
                .body(Body::empty())
                .unwrap(),
        )
        .await
    }

    /// Uploads `bytes`; returns the response.
    pub async fn upload(
        &self,
        token: &str,
        bytes: impl Into<Body>,
        content_type: &str,
        filename: &str,
    ) -> Response<Body> {
        let uri = format!("/_matrix/media/v3/upload?filename={filename}");
        let req =
            request(Method::POST, &uri, Some(token)).header(header::CONTENT_TYPE, content_type);
        self.send(req.body(bytes.into()).unwrap()).await
    }

    /// Uploads and returns the media ID of the `mxc://localhost/<id>` URI.
    pub async fn upload_ok(
        &self,
        token: &str,
        bytes: impl Into<Body>,
        content_type: &str,
        filename: &str,
    ) -> String {
        let reply = json_ok(self.upload(token, bytes, content_type, filename).await).await;
        let uri = reply["content_uri"].as_str().expect("content_uri");
        uri.strip_prefix("mxc://localhost/")
            .expect("local mxc URI")
            .to_owned()
    }
}

pub fn request(method: Method, uri: &str, token: Option<&str>) -> http::request::Builder {
    let builder = Request::builder().method(method).uri(uri);
    match token {
        Some(token) => builder.header(header::AUTHORIZATION, format!("Bearer {token}")),
        None => builder,
    }
}

pub fn post_json(uri: &str, body: &Value) -> Request<Body> {
    let builder = request(Method::POST, uri, None).header(header::CONTENT_TYPE, "application/json");
    builder.body(Body::from(body.to_string())).unwrap()
}

pub async fn bytes_of(response: Response<Body>) -> Bytes {
    response.into_body().collect().await.unwrap().to_bytes()
}

pub async fn json_of(response: Response<Body>) -> Value {
    serde_json::from_slice(&bytes_of(response).await).unwrap_or(Value::Null)
}

#[track_caller]
pub fn assert_ok(response: &Response<Body>) {
    assert_eq!(response.status(), StatusCode::OK);
}

pub async fn json_ok(response: Response<Body>) -> Value {
    let status = response.status();
    let body = json_of(response).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

pub async fn assert_error(response: Response<Body>, status: u16, errcode: &str) {
    let actual = response.status().as_u16();
    let body = json_of(response).await;
    assert_eq!(
        (actual, body["errcode"].as_str()),
        (status, Some(errcode)),
        "{body}"
    );
}

pub fn download_uri(media_id: &str) -> String {
    format!("/_matrix/client/v1/media/download/localhost/{media_id}")
}

pub fn header<'a>(response: &'a Response<Body>, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or("")
}

#[track_caller]
pub fn assert_safety_headers(response: &Response<Body>) {
    assert_eq!(header(response, "content-security-policy"), CSP);
    assert_eq!(header(response, "x-content-type-options"), "nosniff");
    assert_eq!(
        header(response, "cross-origin-resource-policy"),
        "cross-origin"
    );
}

/// Deterministic noise, so a dropped or reordered block would be noticed.
pub fn noise(len: usize) -> Vec<u8> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

pub fn png(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([x as u8, y as u8, 99]));
    let mut out = std::io::Cursor::new(Vec::new());
    image.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

pub fn dimensions(bytes: &[u8]) -> (u32, u32) {
    let image = image::load_from_memory(bytes).unwrap();
    (image.width(), image.height())
}
