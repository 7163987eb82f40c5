//! Client calls the federation scenarios need: joining a room through a named
//! server (v12 room IDs carry no server, so a remote join needs one) and counting
//! a room's joined members as one server sees them.

use super::{str_field, Matrix, Session};
use anyhow::{anyhow, Result};
use reqwest::Method;
use serde_json::{json, Value};

impl Matrix {
    /// `POST /join/{room}?server_name=SERVER&via=SERVER`; returns the room ID.
    pub async fn join_via(&self, s: &Session, room: &str, server: &str) -> Result<String> {
        let mut url = self.url("v3", &["join", room]);
        url.query_pairs_mut()
            .append_pair("server_name", server)
            .append_pair("via", server);
        let v = self
            .ok(Method::POST, url, Some(&s.token), Some(&json!({})))
            .await?;
        str_field(&v, "room_id")
    }

    /// Number of users in `GET /rooms/{room}/joined_members`.
    pub async fn joined_member_count(&self, s: &Session, room: &str) -> Result<usize> {
        let url = self.url("v3", &["rooms", room, "joined_members"]);
        let v = self.ok(Method::GET, url, Some(&s.token), None).await?;
        v.get("joined")
            .and_then(Value::as_object)
            .map(|m| m.len())
            .ok_or_else(|| anyhow!("joined_members without `joined`"))
    }
}

/// The server name part of a user ID (`@alice:127.0.0.1:8448` → `127.0.0.1:8448`).
pub fn server_of(user_id: &str) -> Option<&str> {
    user_id.split_once(':').map(|(_, server)| server)
}

#[cfg(test)]
mod tests {
    use super::server_of;

    #[test]
    fn server_name_keeps_its_port() {
        assert_eq!(server_of("@a:127.0.0.1:8448"), Some("127.0.0.1:8448"));
        assert_eq!(server_of("@a:localhost"), Some("localhost"));
        assert_eq!(server_of("nocolon"), None);
    }
}
