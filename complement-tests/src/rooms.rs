//! Room helpers on [`Client`]: create, membership, send, state, messages.
//! Each asserts success (200) and returns the interesting field.

use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{json, Value};

use crate::encode::{path_segment as enc, query_value};
use crate::{ApiResponse, Client};

static TXN_COUNTER: AtomicU64 = AtomicU64::new(0);

/// A transaction ID unique within this test process.
pub fn next_txn_id() -> String {
    format!("ct{}", TXN_COUNTER.fetch_add(1, Ordering::Relaxed))
}

/// `/_matrix/client/v3/rooms/{room}/…`.
pub fn room_path(room_id: &str, rest: &str) -> String {
    format!("/_matrix/client/v3/rooms/{}/{rest}", enc(room_id))
}

impl Client {
    /// `POST /createRoom` with `body`; returns the room ID.
    pub async fn create_room(&self, body: Value) -> String {
        let body = self.post("/_matrix/client/v3/createRoom", &body).await.ok();
        body["room_id"].as_str().expect("room_id").to_owned()
    }

    /// `POST /join/{room_id_or_alias}`; raw.
    pub async fn join_raw(&self, room: &str) -> ApiResponse {
        self.post(
            &format!("/_matrix/client/v3/join/{}", enc(room)),
            &json!({}),
        )
        .await
    }

    /// Joins; returns the room ID.
    pub async fn join(&self, room: &str) -> String {
        let body = self.join_raw(room).await.ok();
        body["room_id"].as_str().expect("room_id").to_owned()
    }

    /// `POST /rooms/{room}/{action}` (`leave`, `invite`, `kick`, `ban`, `unban`,
    /// `forget`) with `body`; raw.
    pub async fn membership(&self, room_id: &str, action: &str, body: Value) -> ApiResponse {
        self.post(&room_path(room_id, action), &body).await
    }

    pub async fn leave(&self, room_id: &str) {
        self.membership(room_id, "leave", json!({})).await.ok();
    }

    pub async fn invite(&self, room_id: &str, user_id: &str) {
        self.membership(room_id, "invite", json!({"user_id": user_id}))
            .await
            .ok();
    }

    /// `PUT /rooms/{room}/send/{type}/{txn}`; raw.
    pub async fn send_raw(
        &self,
        room_id: &str,
        kind: &str,
        txn: &str,
        content: &Value,
    ) -> ApiResponse {
        let rest = format!("send/{}/{}", enc(kind), enc(txn));
        self.put(&room_path(room_id, &rest), content).await
    }

    /// Sends an `m.text` message; returns the event ID.
    pub async fn send_text(&self, room_id: &str, text: &str) -> String {
        let content = json!({"msgtype": "m.text", "body": text});
        let body = self
            .send_raw(room_id, "m.room.message", &next_txn_id(), &content)
            .await
            .ok();
        body["event_id"].as_str().expect("event_id").to_owned()
    }

    /// `PUT /rooms/{room}/state/{type}/{state_key}`; returns the event ID.
    pub async fn put_state(
        &self,
        room_id: &str,
        kind: &str,
        state_key: &str,
        content: &Value,
    ) -> String {
        let rest = format!("state/{}/{}", enc(kind), enc(state_key));
        let body = self.put(&room_path(room_id, &rest), content).await.ok();
        body["event_id"].as_str().expect("event_id").to_owned()
    }

    /// `GET /rooms/{room}/state/{type}/{state_key}`; raw.
    pub async fn get_state(&self, room_id: &str, kind: &str, state_key: &str) -> ApiResponse {
        let rest = format!("state/{}/{}", enc(kind), enc(state_key));
        self.get(&room_path(room_id, &rest)).await
    }

    /// `GET /rooms/{room}/messages`; raw.
    pub async fn messages_raw(
        &self,
        room_id: &str,
        dir: &str,
        from: Option<&str>,
        limit: u32,
    ) -> ApiResponse {
        let mut query = format!("messages?dir={dir}&limit={limit}");
        if let Some(from) = from {
            query.push_str(&format!("&from={}", query_value(from)));
        }
        self.get(&room_path(room_id, &query)).await
    }

    /// Every event of the room visible to this user, oldest first, by
    /// paginating backwards from the end (at most `max_pages` pages of 50).
    pub async fn all_messages(&self, room_id: &str, max_pages: usize) -> Vec<Value> {
        let mut events = Vec::new();
        let mut from: Option<String> = None;
        for _ in 0..max_pages {
            let body = self
                .messages_raw(room_id, "b", from.as_deref(), 50)
                .await
                .ok();
            let chunk = body["chunk"].as_array().cloned().unwrap_or_default();
            events.extend(chunk.iter().cloned());
            match body["end"].as_str() {
                Some(end) if !chunk.is_empty() => from = Some(end.to_owned()),
                _ => break,
            }
        }
        events.reverse();
        events
    }

    /// The bodies of the `m.room.message` events in `all_messages`.
    pub async fn message_bodies(&self, room_id: &str) -> Vec<String> {
        let events = self.all_messages(room_id, 200).await;
        message_bodies(&events)
    }

    /// `GET /joined_rooms`.
    pub async fn joined_rooms(&self) -> Vec<String> {
        let body = self.get("/_matrix/client/v3/joined_rooms").await.ok();
        let rooms = body["joined_rooms"].as_array().expect("joined_rooms");
        rooms
            .iter()
            .filter_map(|r| r.as_str().map(str::to_owned))
            .collect()
    }

    /// The `membership` of `user_id` in the room's current state, if any.
    pub async fn membership_of(&self, room_id: &str, user_id: &str) -> Option<String> {
        let response = self.get_state(room_id, "m.room.member", user_id).await;
        if response.status != 200 {
            return None;
        }
        response.body["membership"].as_str().map(str::to_owned)
    }
}

/// `content.body` of each `m.room.message` in `events`, in order.
pub fn message_bodies(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .filter(|e| e["type"] == "m.room.message")
        .filter_map(|e| e["content"]["body"].as_str().map(str::to_owned))
        .collect()
}
