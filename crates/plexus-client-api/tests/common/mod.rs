//! The in-process test harness shared by the API tests: a fresh server in a
//! temporary data directory per test, called through `tower::ServiceExt::oneshot`
//! (no sockets), with registration open and rate limits off.
//!
//! Each test binary uses only part of this module, hence the `dead_code` allowance.
#![allow(dead_code)]

use axum::{body::Body, Router};
use http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use plexus_core::config::{RegistrationMode, Switch};
use plexus_core::Config;
use plexus_service::Services;
use serde_json::{json, Value};
use tower::ServiceExt;

pub const PASSWORD: &str = "correct horse battery";

/// A server of its own: the router and the data directory it lives in.
pub struct TestServer {
    router: Router,
    _data_dir: tempfile::TempDir,
}

/// A registered user and its session.
#[derive(Clone, Debug)]
pub struct User {
    pub user_id: String,
    pub device_id: String,
    pub token: String,
}

/// An answer: status and JSON body (`Null` when the body is not JSON).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
}

impl Reply {
    /// The body of a 200 answer; panics with the body otherwise.
    #[track_caller]
    pub fn ok(self) -> Value {
        assert_eq!(
            self.status,
            StatusCode::OK,
            "unexpected answer: {}",
            self.body
        );
        self.body
    }

    /// Asserts a Matrix error with this status and errcode; returns the body.
    #[track_caller]
    pub fn error(self, status: u16, errcode: &str) -> Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected answer: {}",
            self.body
        );
        assert_eq!(
            self.body["errcode"], errcode,
            "unexpected body: {}",
            self.body
        );
        self.body
    }
}

/// Percent-encodes one path segment (user and room IDs carry `@ : ! $ #`).
pub fn seg(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `/_matrix/client/v3` + `rest`.
pub fn v3(rest: &str) -> String {
    format!("/_matrix/client/v3{rest}")
}

impl TestServer {
    pub fn new() -> TestServer {
        Self::with_services().0
    }

    /// A server and its services, for set-ups HTTP cannot do (e.g. a server admin account).
    pub fn with_services() -> (TestServer, std::sync::Arc<Services>) {
        let data_dir = tempfile::tempdir().expect("temporary data dir");
        let config = Config {
            data_dir: data_dir.path().to_path_buf(),
            registration: RegistrationMode::Open,
            rate_limits: Switch::Off,
            ..Config::default()
        };
        let services = Services::open(config).expect("services open");
        let server = TestServer {
            router: plexus_client_api::router(services.clone()),
            _data_dir: data_dir,
        };
        (server, services)
    }

    /// One request; `body` is sent as JSON when given.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Reply {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(token) = token {
            request = request.header(http::header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let body = match body {
            Some(json) => {
                request = request.header(http::header::CONTENT_TYPE, "application/json");
                Body::from(json.to_string())
            }
            None => Body::empty(),
        };
        let response = self
            .router
            .clone()
            .oneshot(request.body(body).expect("request"))
            .await
            .expect("infallible");
        let status = response.status();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply { status, body }
    }

    pub async fn get(&self, user: &User, path: &str) -> Reply {
        self.call(Method::GET, path, Some(&user.token), None).await
    }

    pub async fn put(&self, user: &User, path: &str, body: &Value) -> Reply {
        self.call(Method::PUT, path, Some(&user.token), Some(body))
            .await
    }

    pub async fn post(&self, user: &User, path: &str, body: &Value) -> Reply {
        self.call(Method::POST, path, Some(&user.token), Some(body))
            .await
    }

    pub async fn delete(&self, user: &User, path: &str, body: Option<&Value>) -> Reply {
        self.call(Method::DELETE, path, Some(&user.token), body)
            .await
    }

    /// Registers `localpart` with [`PASSWORD`] through the `m.login.dummy` UIA exchange.
    pub async fn register(&self, localpart: &str) -> User {
        let mut body = json!({ "username": localpart, "password": PASSWORD });
        let challenge = self
            .call(Method::POST, &v3("/register"), None, Some(&body))
            .await;
        assert_eq!(
            challenge.status,
            StatusCode::UNAUTHORIZED,
            "{}",
            challenge.body
        );
        body["auth"] = json!({ "type": "m.login.dummy", "session": challenge.body["session"] });
        let done = self
            .call(Method::POST, &v3("/register"), None, Some(&body))
            .await
            .ok();
        User {
            user_id: done["user_id"].as_str().expect("user_id").to_owned(),
            device_id: done["device_id"].as_str().expect("device_id").to_owned(),
            token: done["access_token"]
                .as_str()
                .expect("access_token")
                .to_owned(),
        }
    }

    /// A new session (device) of an existing user, by password login.
    pub async fn login(&self, user: &User) -> User {
        let body = json!({
            "type": "m.login.password",
            "identifier": { "type": "m.id.user", "user": user.user_id },
            "password": PASSWORD,
        });
        let done = self
            .call(Method::POST, &v3("/login"), None, Some(&body))
            .await
            .ok();
        User {
            user_id: user.user_id.clone(),
            device_id: done["device_id"].as_str().expect("device_id").to_owned(),
            token: done["access_token"]
                .as_str()
                .expect("access_token")
                .to_owned(),
        }
    }

    /// Creates a room with the given `/createRoom` body; returns its ID.
    pub async fn create_room(&self, user: &User, body: Value) -> String {
        let created = self.post(user, &v3("/createRoom"), &body).await.ok();
        created["room_id"].as_str().expect("room_id").to_owned()
    }

    pub async fn join(&self, user: &User, room_id: &str) {
        self.post(user, &v3(&format!("/join/{}", seg(room_id))), &json!({}))
            .await
            .ok();
    }
}
