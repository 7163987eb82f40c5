//! The ceiling's in-memory state: users, tokens, rooms and one global event stream.

use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};
use tokio::sync::watch;

/// Server name used in every ID.
pub const SERVER_NAME: &str = "localhost";

/// The whole server state.
pub struct Ceiling {
    /// Data behind one lock; every critical section is short.
    pub data: Mutex<Data>,
    /// Latest stream position; /sync long-polls wait on it.
    pub stream: watch::Sender<usize>,
}

impl Default for Ceiling {
    fn default() -> Self {
        Ceiling {
            data: Mutex::new(Data::default()),
            stream: watch::channel(0).0,
        }
    }
}

/// A room: members and positions of its events in the global stream.
#[derive(Default)]
pub struct Room {
    /// Joined users.
    pub members: HashSet<String>,
    /// Stream positions of this room's events.
    pub events: Vec<usize>,
}

/// One stored event.
pub struct Stored {
    /// Room it belongs to.
    pub room_id: String,
    /// The event as served.
    pub json: Value,
}

/// Mutable state.
#[derive(Default)]
pub struct Data {
    /// Passwords by user ID.
    pub users: HashMap<String, String>,
    /// User ID by access token.
    pub tokens: HashMap<String, String>,
    /// Rooms by ID.
    pub rooms: HashMap<String, Room>,
    /// Rooms of each user.
    pub user_rooms: HashMap<String, HashSet<String>>,
    /// The global event stream.
    pub events: Vec<Stored>,
    /// Event IDs by (token, transaction ID), for idempotent sends.
    pub txns: HashMap<(String, String), String>,
    /// Counter for IDs and tokens.
    pub counter: u64,
}

impl Data {
    /// A fresh unique number.
    pub fn next(&mut self) -> u64 {
        self.counter += 1;
        self.counter
    }

    /// Appends an event to `room_id` and returns its event ID. The room must exist.
    pub fn append(
        &mut self,
        room_id: &str,
        sender: &str,
        kind: &str,
        state_key: Option<&str>,
        content: Value,
    ) -> String {
        let event_id = format!("$e{}", self.next());
        let mut ev = json!({
            "event_id": event_id,
            "room_id": room_id,
            "sender": sender,
            "type": kind,
            "content": content,
            "origin_server_ts": now_ms(),
        });
        if let Some(k) = state_key {
            ev["state_key"] = json!(k);
        }
        let pos = self.events.len();
        self.events.push(Stored {
            room_id: room_id.to_owned(),
            json: ev,
        });
        if let Some(room) = self.rooms.get_mut(room_id) {
            room.events.push(pos);
        }
        event_id
    }

    /// Adds `user` to `room_id` with a join event, unless already a member.
    pub fn join(&mut self, room_id: &str, user: &str) {
        let Some(room) = self.rooms.get_mut(room_id) else {
            return;
        };
        if room.members.insert(user.to_owned()) {
            self.user_rooms
                .entry(user.to_owned())
                .or_default()
                .insert(room_id.to_owned());
            self.append(
                room_id,
                user,
                "m.room.member",
                Some(user),
                json!({ "membership": "join" }),
            );
        }
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}
