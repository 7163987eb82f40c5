//! Queries this server sends to others on behalf of its users: alias
//! resolution (`/query/directory`), profiles (`/query/profile`) and E2EE
//! keys (`/user/keys/query`, `/user/keys/claim`). Failures become
//! [`ServiceError::Remote`]; an answer that says "no such thing" (404)
//! becomes `None` or [`ServiceError::NotFound`].

use http::Method;
use plexus_service::{remote::RemoteAlias, Result, ServiceError};
use ruma::{OwnedRoomId, OwnedServerName, RoomAliasId, ServerName, UserId};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::{client::ClientError, Federation};

#[cfg(test)]
mod tests;

/// A query parameter value, percent-encoded.
fn enc(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// The alias's server resolves it; `None` when it does not know it.
pub async fn resolve_alias(
    federation: &Federation,
    alias: &RoomAliasId,
) -> Result<Option<RemoteAlias>> {
    let path = format!(
        "/_matrix/federation/v1/query/directory?room_alias={}",
        enc(alias.as_str())
    );
    let server = alias.server_name();
    let answer = match federation
        .client
        .send(server.as_str(), Method::GET, &path, None)
        .await
    {
        Ok(answer) => answer,
        Err(ClientError::Status { status: 404, .. }) => return Ok(None),
        Err(e) => return Err(remote_error(e)),
    };
    parse_alias(answer, server).map(Some)
}

/// `{room_id, servers}` of a directory answer; the alias's server goes
/// first when the answer names no server.
fn parse_alias(answer: Value, server: &ServerName) -> Result<RemoteAlias> {
    #[derive(Deserialize)]
    struct Answer {
        room_id: OwnedRoomId,
        #[serde(default)]
        servers: Vec<OwnedServerName>,
    }
    let Answer {
        room_id,
        mut servers,
    } = serde_json::from_value(answer)
        .map_err(|e| ServiceError::Remote(format!("bad directory answer from {server}: {e}")))?;
    if servers.is_empty() {
        servers.push(server.to_owned());
    }
    Ok(RemoteAlias { room_id, servers })
}

/// The user's server answers with their profile (or one field of it).
pub async fn profile(federation: &Federation, user: &UserId, field: Option<&str>) -> Result<Value> {
    let mut path = format!(
        "/_matrix/federation/v1/query/profile?user_id={}",
        enc(user.as_str())
    );
    if let Some(field) = field {
        path.push_str(&format!("&field={}", enc(field)));
    }
    let server = user.server_name().as_str();
    match federation
        .client
        .send(server, Method::GET, &path, None)
        .await
    {
        Ok(answer) if answer.is_object() => Ok(answer),
        Ok(_) => Err(ServiceError::Remote(format!(
            "bad profile answer from {server}"
        ))),
        Err(ClientError::Status { status: 404, .. }) => {
            Err(ServiceError::not_found("profile not found"))
        }
        Err(e) => Err(remote_error(e)),
    }
}

/// `POST /user/keys/query` on `server` with `{user: [device, …]}`.
pub async fn query_keys(
    federation: &Federation,
    server: &ServerName,
    device_keys: Value,
) -> Result<Value> {
    let body = json!({ "device_keys": device_keys });
    let path = "/_matrix/federation/v1/user/keys/query";
    let answer = federation
        .client
        .send(server.as_str(), Method::POST, path, Some(&body))
        .await
        .map_err(remote_error)?;
    keep_users_of(
        answer,
        server,
        &["device_keys", "master_keys", "self_signing_keys"],
    )
}

/// `POST /user/keys/claim` on `server` with `{user: {device: algorithm}}`.
pub async fn claim_keys(
    federation: &Federation,
    server: &ServerName,
    one_time_keys: Value,
) -> Result<Value> {
    let body = json!({ "one_time_keys": one_time_keys });
    let path = "/_matrix/federation/v1/user/keys/claim";
    let answer = federation
        .client
        .send(server.as_str(), Method::POST, path, Some(&body))
        .await
        .map_err(remote_error)?;
    keep_users_of(answer, server, &["one_time_keys"])
}

/// `POST /publicRooms` on `server`: its room directory, for a user browsing
/// another server's rooms.
pub async fn public_rooms(
    federation: &Federation,
    server: &ServerName,
    body: Value,
) -> Result<Value> {
    let answer = federation
        .client
        .send(
            server.as_str(),
            Method::POST,
            "/_matrix/federation/v1/publicRooms",
            Some(&body),
        )
        .await
        .map_err(remote_error)?;
    if !answer["chunk"].is_array() {
        return Err(ServiceError::Remote(format!(
            "bad publicRooms answer from {server}"
        )));
    }
    Ok(answer)
}

/// The answer's `fields`, each `{user: …}` kept only for users of `server`:
/// a server speaks for its own users only.
fn keep_users_of(answer: Value, server: &ServerName, fields: &[&str]) -> Result<Value> {
    if !answer.is_object() {
        return Err(ServiceError::Remote(format!(
            "bad keys answer from {server}"
        )));
    }
    let mut out = serde_json::Map::new();
    for field in fields {
        let users = answer
            .get(*field)
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter(|(user, value)| {
                value.is_object()
                    && UserId::parse(user.as_str()).is_ok_and(|u| u.server_name() == server)
            })
            .map(|(user, value)| (user.clone(), value.clone()))
            .collect();
        out.insert((*field).to_owned(), Value::Object(users));
    }
    Ok(Value::Object(out))
}

fn remote_error(error: ClientError) -> ServiceError {
    ServiceError::Remote(error.to_string())
}

/// Servers asked in turn for a remote room's summary.
const MAX_SUMMARY_SERVERS: usize = 3;

/// The `room` of `GET /hierarchy/{roomId}` on the first of `via` that
/// answers it: the summary of a room this server is not in (the answering
/// server shows only rooms this server could peek or join). `None` when
/// none of them does.
pub async fn hierarchy_room(
    federation: &Federation,
    room_id: &ruma::RoomId,
    via: &[OwnedServerName],
) -> Result<Option<Value>> {
    let path = format!(
        "/_matrix/federation/v1/hierarchy/{}?suggested_only=true",
        crate::pdu::fetch::encode(room_id.as_str())
    );
    for server in via.iter().take(MAX_SUMMARY_SERVERS) {
        match federation
            .client
            .send(server.as_str(), Method::GET, &path, None)
            .await
        {
            Ok(answer) if answer["room"]["room_id"] == room_id.as_str() => {
                return Ok(Some(answer["room"].clone()))
            }
            Ok(_) => tracing::debug!(%server, %room_id, "hierarchy answer for another room"),
            Err(e) => tracing::debug!(%server, %room_id, "hierarchy query failed: {e}"),
        }
    }
    Ok(None)
}
