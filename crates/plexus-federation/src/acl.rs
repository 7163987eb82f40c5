//! Server access control lists (`m.room.server_acl`): which servers may take
//! part in a room at the federation level. Every endpoint that reads or
//! writes a room for another server calls [`check_server_acl`] with the
//! request's origin; a denied server gets 403 `M_FORBIDDEN`.
//!
//! Rules (spec, `m.room.server_acl`): no ACL event allows everyone; an IP
//! literal is denied when `allow_ip_literals` is `false`; then a `deny` match
//! denies, an `allow` match allows, anything else is denied. Globs (`*`, `?`)
//! match case-insensitively against the name without its port.

use plexus_service::Services;
use ruma::{RoomId, ServerName};
use serde_json::Value;

use crate::FederationError;

#[cfg(test)]
mod tests;

/// 403 `M_FORBIDDEN` unless the room's current ACL lets `origin` in.
pub fn check_server_acl(
    services: &Services,
    room_id: &RoomId,
    origin: &ServerName,
) -> Result<(), FederationError> {
    let Some(acl) = services.current_state_event(room_id, "m.room.server_acl", "")? else {
        return Ok(());
    };
    if acl_allows(&acl.content_value(), origin.as_str()) {
        Ok(())
    } else {
        Err(FederationError::Forbidden(format!(
            "server {origin} is denied by the room's server ACL"
        )))
    }
}

/// Whether the content of an `m.room.server_acl` event allows `server`.
pub fn acl_allows(content: &Value, server: &str) -> bool {
    let host = host_without_port(server);
    let allow_ip_literals = content
        .get("allow_ip_literals")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    if !allow_ip_literals && is_ip_literal(host) {
        return false;
    }
    let matches_any = |field: &str| {
        content
            .get(field)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .any(|pattern| glob_matches(pattern, host))
    };
    !matches_any("deny") && matches_any("allow")
}

/// The host part of a server name: `[::1]:8448` → `[::1]`, `a.org:80` → `a.org`.
fn host_without_port(server: &str) -> &str {
    if server.starts_with('[') {
        return match server.find(']') {
            Some(end) => &server[..=end],
            None => server,
        };
    }
    match server.rsplit_once(':') {
        Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host,
        _ => server,
    }
}

fn is_ip_literal(host: &str) -> bool {
    host.starts_with('[') || host.parse::<std::net::Ipv4Addr>().is_ok()
}

/// Case-insensitive glob match: `*` is any run of characters, `?` exactly one.
pub fn glob_matches(pattern: &str, text: &str) -> bool {
    let pattern: Vec<char> = pattern.to_lowercase().chars().collect();
    let text: Vec<char> = text.to_lowercase().chars().collect();
    // Iterative matcher with one backtrack point (the last `*`): linear-ish, no recursion.
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == '?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == '*' {
            star = Some((p, t));
            p += 1;
        } else if let Some((star_p, star_t)) = star {
            p = star_p + 1;
            t = star_t + 1;
            star = Some((star_p, star_t + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

/// The room named in a request path, once `origin` may read it: 400
/// `M_INVALID_PARAM` for a malformed ID, 404 for a room this server does
/// not know, 403 when the ACL denies `origin`.
pub fn readable_room(
    services: &Services,
    room_id: &str,
    origin: &ServerName,
) -> Result<ruma::OwnedRoomId, FederationError> {
    let room_id = RoomId::parse(room_id)
        .map_err(|_| FederationError::InvalidParam("not a room ID".into()))?;
    if !services.room_exists(&room_id)? {
        return Err(FederationError::NotFound(
            "this server does not know the room".into(),
        ));
    }
    check_server_acl(services, &room_id, origin)?;
    Ok(room_id)
}
