//! [`Client`]: a thin client-server API client over reqwest — raw requests
//! that return status + JSON, plus account helpers (register with the
//! `m.login.dummy` UIA dance, login, whoami, logout).

use std::time::Duration;

use reqwest::Method;
use serde_json::{json, Value};

use crate::PASSWORD;

/// Time limit of an ordinary request (long-poll syncs add their timeout).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Status, headers and JSON body (`Value::Null` when the body is not JSON).
#[derive(Debug)]
pub struct ApiResponse {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl ApiResponse {
    /// The `errcode` of an error body, or `""`.
    pub fn errcode(&self) -> &str {
        self.body["errcode"].as_str().unwrap_or("")
    }

    /// Panics unless the status is `status` and the errcode `errcode`.
    #[track_caller]
    pub fn assert_error(&self, status: u16, errcode: &str) {
        assert_eq!(
            (self.status, self.errcode()),
            (status, errcode),
            "unexpected answer: {self:?}"
        );
    }

    /// Panics unless the status is 200; returns the body.
    #[track_caller]
    pub fn ok(self) -> Value {
        assert_eq!(self.status, 200, "expected 200, got {self:?}");
        self.body
    }
}

/// A client for one server, with or without an access token.
#[derive(Clone, Debug)]
pub struct Client {
    pub http: reqwest::Client,
    pub base_url: String,
    pub access_token: Option<String>,
    pub user_id: String,
    pub device_id: String,
}

impl Client {
    /// An anonymous client for `base_url`.
    pub fn new(base_url: &str) -> Client {
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .build()
            .expect("build http client");
        Client {
            http,
            base_url: base_url.to_owned(),
            access_token: None,
            user_id: String::new(),
            device_id: String::new(),
        }
    }

    /// A request builder for `path` (below the base URL), with the token.
    pub fn builder(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base_url));
        if let Some(token) = &self.access_token {
            request = request.bearer_auth(token);
        }
        request
    }

    /// Sends a built request; transport errors are returned.
    pub async fn try_send(&self, request: reqwest::RequestBuilder) -> reqwest::Result<ApiResponse> {
        let response = request.send().await?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await?;
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Ok(ApiResponse {
            status,
            headers,
            body,
        })
    }

    /// A JSON request (`body` may be `None`); transport errors panic.
    pub async fn request(&self, method: Method, path: &str, body: Option<&Value>) -> ApiResponse {
        let mut request = self.builder(method.clone(), path);
        if let Some(body) = body {
            request = request.json(body);
        }
        self.try_send(request)
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
    }

    pub async fn get(&self, path: &str) -> ApiResponse {
        self.request(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> ApiResponse {
        self.request(Method::POST, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> ApiResponse {
        self.request(Method::PUT, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> ApiResponse {
        self.request(Method::DELETE, path, None).await
    }

    /// A client for the same server with another session.
    fn with_session(&self, body: &Value) -> Client {
        let mut client = Client::new(&self.base_url);
        client.access_token = body["access_token"].as_str().map(str::to_owned);
        client.user_id = body["user_id"].as_str().unwrap_or_default().to_owned();
        client.device_id = body["device_id"].as_str().unwrap_or_default().to_owned();
        client
    }

    /// `POST /register` with the given body and, when the server asks for
    /// UIA, a second attempt with `auth` (its `session` filled in).
    pub async fn register_raw(&self, body: Value, auth: Value) -> ApiResponse {
        let path = "/_matrix/client/v3/register";
        let first = self.post(path, &body).await;
        if first.status != 401 || first.body.get("session").is_none() {
            return first;
        }
        let mut auth = auth;
        auth["session"] = first.body["session"].clone();
        let mut body = body;
        body["auth"] = auth;
        self.post(path, &body).await
    }

    /// Registers `username` with `password` (`m.login.dummy`); panics on failure.
    pub async fn register_with(&self, username: &str, password: &str) -> Client {
        let body = json!({"username": username, "password": password});
        let response = self
            .register_raw(body, json!({"type": "m.login.dummy"}))
            .await;
        let body = response.ok();
        assert!(
            body["access_token"].is_string(),
            "no access_token in {body}"
        );
        self.with_session(&body)
    }

    /// Registers `username` with [`PASSWORD`].
    pub async fn register(&self, username: &str) -> Client {
        self.register_with(username, PASSWORD).await
    }

    /// `POST /login` with an `m.id.user` identifier; returns the raw answer.
    pub async fn login_raw(&self, user: &str, password: &str) -> ApiResponse {
        let body = json!({
            "type": "m.login.password",
            "identifier": {"type": "m.id.user", "user": user},
            "password": password,
        });
        self.post("/_matrix/client/v3/login", &body).await
    }

    /// Logs in; panics on failure.
    pub async fn login(&self, user: &str, password: &str) -> Client {
        let body = self.login_raw(user, password).await.ok();
        self.with_session(&body)
    }

    /// `GET /account/whoami`'s `user_id`; panics on failure.
    pub async fn whoami(&self) -> String {
        let body = self.get("/_matrix/client/v3/account/whoami").await.ok();
        body["user_id"].as_str().expect("whoami user_id").to_owned()
    }

    /// `@localpart:localhost`.
    pub fn user_id_for(localpart: &str) -> String {
        format!("@{localpart}:localhost")
    }
}
