//! Room-level helpers on top of the shared harness: paths, sending, syncing.

use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{json, Value};

use crate::common::{seg, v3, TestServer, User};

/// `/_matrix/client/v3/rooms/{room}/{rest}`.
pub fn room_path(room_id: &str, rest: &str) -> String {
    v3(&format!("/rooms/{}/{rest}", seg(room_id)))
}

/// Sends an `m.text` message with a fresh transaction ID; returns the event ID.
pub async fn send_text(server: &TestServer, user: &User, room_id: &str, body: &str) -> String {
    let txn = format!("txn-{}", body.replace(' ', "-"));
    let path = room_path(room_id, &format!("send/m.room.message/{txn}"));
    let sent = server
        .put(user, &path, &json!({ "msgtype": "m.text", "body": body }))
        .await
        .ok();
    sent["event_id"].as_str().expect("event_id").to_owned()
}

/// A non-blocking `/sync`, initial or since `since`.
pub async fn sync(server: &TestServer, user: &User, since: Option<&str>) -> Value {
    let path = match since {
        Some(since) => v3(&format!("/sync?timeout=0&since={since}")),
        None => v3("/sync?timeout=0"),
    };
    server.get(user, &path).await.ok()
}

/// The events of one section (`ephemeral`, `account_data`, `timeline`) of a joined room in a sync.
pub fn joined_section<'a>(sync: &'a Value, room_id: &str, section: &str) -> &'a [Value] {
    sync["rooms"]["join"][room_id][section]["events"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
}

/// The current membership of `user_id`, read through the state API as `viewer`.
pub async fn membership_of(
    server: &TestServer,
    viewer: &User,
    room_id: &str,
    user_id: &str,
) -> Option<String> {
    let path = room_path(room_id, &format!("state/m.room.member/{}", seg(user_id)));
    let reply = server.get(viewer, &path).await;
    reply.body["membership"].as_str().map(str::to_owned)
}

/// A room of `owner` that `guest` joined.
pub async fn shared_public_room(server: &TestServer, owner: &User, guest: &User) -> String {
    let room = create_room(server, owner, json!({ "preset": "public_chat" })).await;
    server.join(guest, &room).await;
    room
}

/// Creates a room whose create event is unique. A v12 room ID is the hash of
/// its create event, so two identical create events from one user within the
/// same millisecond would name the same room (a known server bug, reported);
/// a counter in `creation_content` keeps these tests deterministic meanwhile.
pub async fn create_room(server: &TestServer, user: &User, mut body: Value) -> String {
    static NONCE: AtomicU64 = AtomicU64::new(0);
    let nonce = NONCE.fetch_add(1, Ordering::Relaxed);
    body["creation_content"]["org.plexus.test.nonce"] = json!(nonce);
    server.create_room(user, body).await
}
