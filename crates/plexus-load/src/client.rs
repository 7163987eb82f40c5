//! A minimal Matrix client-server API client: just the endpoints the scenarios use.

use anyhow::{anyhow, bail, Context, Result};
use reqwest::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::Duration;
use url::Url;

pub mod federation;
pub mod sliding;

/// An authenticated user.
#[derive(Debug, Clone)]
pub struct Session {
    /// Full Matrix user ID.
    pub user_id: String,
    /// Access token sent as a bearer token.
    pub token: String,
}

/// A homeserver reached over HTTP.
#[derive(Clone)]
pub struct Matrix {
    http: reqwest::Client,
    base: Url,
}

/// The parts of a /sync response the scenarios look at.
#[derive(Debug, Deserialize)]
pub struct SyncResponse {
    /// Token for the next incremental sync.
    pub next_batch: String,
    /// Rooms section.
    #[serde(default)]
    pub rooms: SyncRooms,
}

/// `rooms` of a /sync response.
#[derive(Debug, Default, Deserialize)]
pub struct SyncRooms {
    /// Joined rooms by ID.
    #[serde(default)]
    pub join: HashMap<String, JoinedRoom>,
}

/// One joined room of a /sync response.
#[derive(Debug, Default, Deserialize)]
pub struct JoinedRoom {
    /// Timeline section.
    #[serde(default)]
    pub timeline: Timeline,
}

/// A room timeline.
#[derive(Debug, Default, Deserialize)]
pub struct Timeline {
    /// Events, oldest first.
    #[serde(default)]
    pub events: Vec<TimelineEvent>,
}

/// A timeline event (only the fields the scenarios need).
#[derive(Debug, Deserialize)]
pub struct TimelineEvent {
    /// Sender user ID.
    #[serde(default)]
    pub sender: String,
    /// Event type.
    #[serde(rename = "type", default)]
    pub kind: String,
    /// Event content.
    #[serde(default)]
    pub content: Value,
}

impl TimelineEvent {
    /// The `body` of the content, if it is a string.
    pub fn body(&self) -> Option<&str> {
        self.content.get("body").and_then(Value::as_str)
    }
}

impl Matrix {
    /// A client for the server at `base` (e.g. `http://127.0.0.1:8008`).
    pub fn new(base: Url) -> Result<Matrix> {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(1024)
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(120))
            .build()?;
        Ok(Matrix { http, base })
    }

    /// The base URL.
    pub fn base(&self) -> &Url {
        &self.base
    }

    fn url(&self, version: &str, segments: &[&str]) -> Url {
        let mut url = self.base.clone();
        {
            let mut path = url.path_segments_mut().expect("http URL has a path");
            path.pop_if_empty().extend(["_matrix", "client", version]);
            path.extend(segments);
        }
        url
    }

    async fn call(
        &self,
        method: Method,
        url: Url,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Result<(StatusCode, Value)> {
        let mut req = self.http.request(method, url);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = req.send().await?;
        let status = resp.status();
        let bytes = resp.bytes().await?;
        let value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or(Value::Null)
        };
        Ok((status, value))
    }

    async fn ok(
        &self,
        method: Method,
        url: Url,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Result<Value> {
        let what = format!("{method} {}", url.path());
        let (status, value) = self.call(method, url, token, body).await?;
        if !status.is_success() {
            bail!("{what}: HTTP {status}: {}", snippet(&value));
        }
        Ok(value)
    }

    /// GET /_matrix/client/versions.
    pub async fn versions(&self) -> Result<Value> {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .expect("http URL has a path")
            .pop_if_empty()
            .extend(["_matrix", "client", "versions"]);
        self.ok(Method::GET, url, None, None).await
    }

    /// Registers `username` with the m.login.dummy user-interactive auth flow.
    pub async fn register(&self, username: &str, password: &str) -> Result<Session> {
        let url = self.url("v3", &["register"]);
        let mut body = json!({
            "username": username,
            "password": password,
            "initial_device_display_name": "plexus-load",
            "inhibit_login": false,
        });
        let (status, value) = self
            .call(Method::POST, url.clone(), None, Some(&body))
            .await?;
        let value = match status {
            s if s.is_success() => value,
            StatusCode::UNAUTHORIZED => {
                let session = value.get("session").cloned().unwrap_or(Value::Null);
                body["auth"] = json!({ "type": "m.login.dummy", "session": session });
                self.ok(Method::POST, url, None, Some(&body)).await?
            }
            s => bail!("POST register: HTTP {s}: {}", snippet(&value)),
        };
        session_from(&value)
    }

    /// Logs in with a password, creating a new device.
    pub async fn login(&self, username: &str, password: &str) -> Result<Session> {
        let body = json!({
            "type": "m.login.password",
            "identifier": { "type": "m.id.user", "user": username },
            "password": password,
            "initial_device_display_name": "plexus-load",
        });
        let value = self
            .ok(Method::POST, self.url("v3", &["login"]), None, Some(&body))
            .await?;
        session_from(&value)
    }

    /// Creates a room and returns its ID.
    pub async fn create_room(&self, s: &Session, body: &Value) -> Result<String> {
        let url = self.url("v3", &["createRoom"]);
        let v = self
            .ok(Method::POST, url, Some(&s.token), Some(body))
            .await?;
        str_field(&v, "room_id")
    }

    /// Joins a room by ID or alias and returns the room ID.
    pub async fn join(&self, s: &Session, room: &str) -> Result<String> {
        let url = self.url("v3", &["join", room]);
        let v = self
            .ok(Method::POST, url, Some(&s.token), Some(&json!({})))
            .await?;
        str_field(&v, "room_id")
    }

    /// Sends an m.room.message text event and returns its event ID.
    pub async fn send_text(
        &self,
        s: &Session,
        room: &str,
        txn: &str,
        body: &str,
    ) -> Result<String> {
        let url = self.url("v3", &["rooms", room, "send", "m.room.message", txn]);
        let content = json!({ "msgtype": "m.text", "body": body });
        let v = self
            .ok(Method::PUT, url, Some(&s.token), Some(&content))
            .await?;
        str_field(&v, "event_id")
    }

    /// GET /sync and returns the raw body (so callers can time the full download).
    pub async fn sync_raw(
        &self,
        s: &Session,
        since: Option<&str>,
        timeout_ms: u64,
        filter: Option<&str>,
    ) -> Result<bytes::Bytes> {
        let mut url = self.url("v3", &["sync"]);
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("timeout", &timeout_ms.to_string());
            if let Some(since) = since {
                q.append_pair("since", since);
            }
            if let Some(f) = filter {
                q.append_pair("filter", f);
            }
        }
        let resp = self.http.get(url).bearer_auth(&s.token).send().await?;
        let status = resp.status();
        let bytes = resp.bytes().await?;
        if !status.is_success() {
            let v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            bail!("GET sync: HTTP {status}: {}", snippet(&v));
        }
        Ok(bytes)
    }

    /// GET /sync, parsed.
    pub async fn sync(
        &self,
        s: &Session,
        since: Option<&str>,
        timeout_ms: u64,
        filter: Option<&str>,
    ) -> Result<SyncResponse> {
        let bytes = self.sync_raw(s, since, timeout_ms, filter).await?;
        serde_json::from_slice(&bytes).context("parsing /sync response")
    }
}

fn session_from(v: &Value) -> Result<Session> {
    Ok(Session {
        user_id: str_field(v, "user_id")?,
        token: str_field(v, "access_token")?,
    })
}

fn str_field(v: &Value, name: &str) -> Result<String> {
    v.get(name)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| anyhow!("response has no {name}: {}", snippet(v)))
}

fn snippet(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 200 {
        format!("{}…", s.chars().take(200).collect::<String>())
    } else {
        s
    }
}
