//! The ceiling's request handlers (everything but /sync).

use super::store::{Ceiling, SERVER_NAME};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use std::sync::Arc;

/// A Matrix-style error response.
pub struct ApiError(StatusCode, &'static str, String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(json!({ "errcode": self.1, "error": self.2 }))).into_response()
    }
}

/// Handler result.
pub type ApiResult = Result<Json<Value>, ApiError>;

fn bad(errcode: &'static str, msg: &str) -> ApiError {
    ApiError(StatusCode::BAD_REQUEST, errcode, msg.to_owned())
}

/// The user owning the request's bearer token.
pub fn auth(state: &Ceiling, headers: &HeaderMap) -> Result<String, ApiError> {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| {
            ApiError(
                StatusCode::UNAUTHORIZED,
                "M_MISSING_TOKEN",
                "no token".into(),
            )
        })?;
    let data = state.data.lock().expect("ceiling lock");
    data.tokens.get(token).cloned().ok_or_else(|| {
        ApiError(
            StatusCode::UNAUTHORIZED,
            "M_UNKNOWN_TOKEN",
            "unknown token".into(),
        )
    })
}

/// GET /_matrix/client/versions.
pub async fn versions() -> Json<Value> {
    Json(json!({ "versions": ["v1.11", "v1.12"], "unstable_features": {} }))
}

/// POST /register with the m.login.dummy flow (401 with a session first).
pub async fn register(State(st): State<Arc<Ceiling>>, Json(body): Json<Value>) -> Response {
    let mut data = st.data.lock().expect("ceiling lock");
    if body.get("auth").is_none() {
        let session = format!("s{}", data.next());
        let flows =
            json!({ "session": session, "flows": [{ "stages": ["m.login.dummy"] }], "params": {} });
        return (StatusCode::UNAUTHORIZED, Json(flows)).into_response();
    }
    let local = match body.get("username").and_then(Value::as_str) {
        Some(u) => u.to_owned(),
        None => format!("u{}", data.next()),
    };
    let user_id = format!("@{local}:{SERVER_NAME}");
    if data.users.contains_key(&user_id) {
        return bad("M_USER_IN_USE", "user exists").into_response();
    }
    let password = body
        .get("password")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    data.users.insert(user_id.clone(), password);
    let (token, device) = new_token(&mut data.counter);
    data.tokens.insert(token.clone(), user_id.clone());
    Json(json!({ "user_id": user_id, "access_token": token, "device_id": device })).into_response()
}

fn new_token(counter: &mut u64) -> (String, String) {
    *counter += 1;
    (format!("tok{counter}"), format!("DEV{counter}"))
}

/// POST /login with m.login.password.
pub async fn login(State(st): State<Arc<Ceiling>>, Json(body): Json<Value>) -> ApiResult {
    let user = body
        .pointer("/identifier/user")
        .or_else(|| body.get("user"))
        .and_then(Value::as_str)
        .ok_or_else(|| bad("M_BAD_JSON", "no user"))?;
    let user_id = if user.starts_with('@') {
        user.to_owned()
    } else {
        format!("@{user}:{SERVER_NAME}")
    };
    let password = body.get("password").and_then(Value::as_str).unwrap_or("");
    let mut data = st.data.lock().expect("ceiling lock");
    if data.users.get(&user_id).map(String::as_str) != Some(password) {
        return Err(ApiError(
            StatusCode::FORBIDDEN,
            "M_FORBIDDEN",
            "bad login".into(),
        ));
    }
    let (token, device) = new_token(&mut data.counter);
    data.tokens.insert(token.clone(), user_id.clone());
    Ok(Json(
        json!({ "user_id": user_id, "access_token": token, "device_id": device }),
    ))
}

/// POST /createRoom: a create event, the creator's join and an optional name.
pub async fn create_room(
    State(st): State<Arc<Ceiling>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> ApiResult {
    let user = auth(&st, &headers)?;
    let mut data = st.data.lock().expect("ceiling lock");
    let room_id = format!("!r{}:{SERVER_NAME}", data.next());
    data.rooms.insert(room_id.clone(), Default::default());
    data.append(
        &room_id,
        &user,
        "m.room.create",
        Some(""),
        json!({ "room_version": "12" }),
    );
    data.join(&room_id, &user);
    if let Some(name) = body.get("name").and_then(Value::as_str) {
        data.append(
            &room_id,
            &user,
            "m.room.name",
            Some(""),
            json!({ "name": name }),
        );
    }
    drop(data);
    notify(&st);
    Ok(Json(json!({ "room_id": room_id })))
}

/// POST /join/{room} and /rooms/{room}/join.
pub async fn join(
    State(st): State<Arc<Ceiling>>,
    headers: HeaderMap,
    Path(room): Path<String>,
) -> ApiResult {
    let user = auth(&st, &headers)?;
    let mut data = st.data.lock().expect("ceiling lock");
    if !data.rooms.contains_key(&room) {
        return Err(ApiError(
            StatusCode::NOT_FOUND,
            "M_NOT_FOUND",
            "no such room".into(),
        ));
    }
    data.join(&room, &user);
    drop(data);
    notify(&st);
    Ok(Json(json!({ "room_id": room })))
}

/// PUT /rooms/{room}/send/{type}/{txn}, idempotent per token and transaction ID.
pub async fn send(
    State(st): State<Arc<Ceiling>>,
    headers: HeaderMap,
    Path((room, kind, txn)): Path<(String, String, String)>,
    Json(content): Json<Value>,
) -> ApiResult {
    let user = auth(&st, &headers)?;
    let key = (bearer(&headers), txn);
    let mut data = st.data.lock().expect("ceiling lock");
    if let Some(id) = data.txns.get(&key) {
        return Ok(Json(json!({ "event_id": id })));
    }
    if !data
        .rooms
        .get(&room)
        .is_some_and(|r| r.members.contains(&user))
    {
        return Err(ApiError(
            StatusCode::FORBIDDEN,
            "M_FORBIDDEN",
            "not in room".into(),
        ));
    }
    let event_id = data.append(&room, &user, &kind, None, content);
    data.txns.insert(key, event_id.clone());
    drop(data);
    notify(&st);
    Ok(Json(json!({ "event_id": event_id })))
}

/// POST /user/{user}/filter: filters are accepted and ignored.
pub async fn filter(
    State(st): State<Arc<Ceiling>>,
    headers: HeaderMap,
    Json(_f): Json<Value>,
) -> ApiResult {
    auth(&st, &headers)?;
    Ok(Json(json!({ "filter_id": "0" })))
}

fn bearer(headers: &HeaderMap) -> String {
    let v = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    v.trim_start_matches("Bearer ").to_owned()
}

/// Wakes long-polling syncs with the new stream position.
fn notify(st: &Ceiling) {
    let pos = st.data.lock().expect("ceiling lock").events.len();
    st.stream.send_replace(pos);
}
