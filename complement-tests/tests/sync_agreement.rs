//! Classic `/v3/sync` and simplified sliding sync (MSC4186) read the same
//! stores and must show a user the same world: the same joined rooms and
//! invites, the same timelines (events, order, `limited`), the same current
//! state, unread counts, room names and account data — on the first sync
//! and on an incremental one.

use std::collections::{BTreeMap, BTreeSet};

use complement_tests::encode::path_segment;
use complement_tests::rooms::{next_txn_id, room_path};
use complement_tests::{json, Client, TestServer, Value};

const SLIDING: &str = "/_matrix/client/unstable/org.matrix.simplified_msc3575/sync";
const TIMELINE_LIMIT: u32 = 6;

/// Every room, whole state, the same timeline limit as the classic filter.
fn sliding_body() -> Value {
    json!({
        "lists": { "all": {
            "required_state": [["*", "*"]],
            "timeline_limit": TIMELINE_LIMIT,
        } },
        "extensions": { "account_data": { "enabled": true } },
    })
}

async fn sliding(client: &Client, pos: Option<&str>) -> Value {
    let mut path = format!("{SLIDING}?timeout=0");
    if let Some(pos) = pos {
        path.push_str(&format!("&pos={pos}"));
    }
    client.post(&path, &sliding_body()).await.ok()
}

async fn classic(client: &Client, since: Option<&str>) -> Value {
    let filter = Client::timeline_limit_filter(TIMELINE_LIMIT);
    client.sync(since, 0, Some(&filter)).await
}

fn ids(events: &Value) -> Vec<String> {
    events
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["event_id"].as_str().map(str::to_owned))
        .collect()
}

fn keys(object: &Value) -> BTreeSet<String> {
    object
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

/// (type, state_key) → event ID of the state events in `events`.
fn state_map(events: &[&Value]) -> BTreeMap<(String, String), String> {
    events
        .iter()
        .filter_map(|e| {
            let key = e["state_key"].as_str()?;
            let id = e["event_id"].as_str()?;
            Some((
                (e["type"].as_str()?.to_owned(), key.to_owned()),
                id.to_owned(),
            ))
        })
        .collect()
}

/// The current state classic sync gives: its `state` (before the
/// timeline) overlaid with the timeline's state events in order.
fn classic_current_state(room: &Value) -> BTreeMap<(String, String), String> {
    let section = |name: &str| -> Vec<&Value> {
        room[name]["events"]
            .as_array()
            .map(|a| a.iter().collect())
            .unwrap_or_default()
    };
    let mut state = state_map(&section("state"));
    state.extend(state_map(&section("timeline")));
    state
}

fn by_type(events: &Value) -> BTreeMap<String, Value> {
    events
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| Some((e["type"].as_str()?.to_owned(), e["content"].clone())))
        .collect()
}

/// Rooms in every condition a user meets: named and unnamed, relations,
/// a receipt, a pending invite, a room left, room and global account data.
struct World {
    alice: Client,
    bob: Client,
    chat: String,
    invite: String,
    left: String,
}

async fn build_world(server: &TestServer) -> World {
    let alice = server.client().register("alice").await;
    let bob = server.client().register("bob").await;
    let carol = server.client().register("carol").await;
    let chat = alice
        .create_room(json!({ "name": "chat", "preset": "public_chat" }))
        .await;
    bob.join(&chat).await;
    let mut sent = Vec::new();
    for i in 0..8 {
        let sender = if i % 2 == 0 { &alice } else { &bob };
        sent.push(sender.send_text(&chat, &format!("message {i}")).await);
    }
    relate(&bob, &chat, &sent[7]).await;
    // alice has read half: the counts are neither zero nor everything.
    let receipt = room_path(&chat, &format!("receipt/m.read/{}", path_segment(&sent[4])));
    alice.post(&receipt, &json!({})).await.ok();
    let dm = bob
        .create_room(json!({ "is_direct": true, "invite": [alice.user_id] }))
        .await;
    alice.join(&dm).await;
    bob.send_text(&dm, "hi alice").await;
    let invite = carol.create_room(json!({ "name": "carol's" })).await;
    carol.invite(&invite, &alice.user_id).await;
    let left = alice.create_room(json!({ "name": "gone" })).await;
    alice.leave(&left).await;
    alice
        .put(
            &alice.user_path("account_data/org.example.global"),
            &json!({ "g": 1 }),
        )
        .await
        .ok();
    let room_data = format!("rooms/{}/account_data/m.tag", path_segment(&chat));
    alice
        .put(
            &alice.user_path(&room_data),
            &json!({ "tags": { "m.favourite": {} } }),
        )
        .await
        .ok();
    World {
        alice,
        bob,
        chat,
        invite,
        left,
    }
}

/// bob reacts to `event` and replies to it in a thread.
async fn relate(bob: &Client, room: &str, event: &str) {
    let react = json!({ "m.relates_to": {
        "rel_type": "m.annotation", "event_id": event, "key": "👍" } });
    let path = room_path(room, &format!("send/m.reaction/{}", next_txn_id()));
    bob.put(&path, &react).await.ok();
    let reply = json!({ "msgtype": "m.text", "body": "in thread", "m.relates_to": {
        "rel_type": "m.thread", "event_id": event } });
    let path = room_path(room, &format!("send/m.room.message/{}", next_txn_id()));
    bob.put(&path, &reply).await.ok();
}

/// Asserts that one joined room looks the same in both responses.
fn assert_room_agrees(room_id: &str, classic_room: &Value, sliding_room: &Value) {
    let context = format!("room {room_id}\nclassic: {classic_room}\nsliding: {sliding_room}");
    assert_eq!(
        ids(&classic_room["timeline"]["events"]),
        ids(&sliding_room["timeline"]),
        "timeline events, {context}"
    );
    assert_eq!(
        classic_room["timeline"]["limited"]
            .as_bool()
            .unwrap_or(false),
        sliding_room["limited"].as_bool().unwrap_or(false),
        "limited, {context}"
    );
    let sliding_state: Vec<&Value> = sliding_room["required_state"]
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    assert_eq!(
        classic_current_state(classic_room),
        state_map(&sliding_state),
        "current state, {context}"
    );
    let unread = &classic_room["unread_notifications"];
    for count in ["notification_count", "highlight_count"] {
        assert_eq!(
            unread[count].as_u64().unwrap_or(0),
            sliding_room[count].as_u64().unwrap_or(0),
            "{count}, {context}"
        );
    }
}

#[tokio::test]
async fn classic_and_sliding_sync_show_the_same_rooms_timelines_state_and_data() {
    let server = TestServer::start_default().await;
    let world = build_world(&server).await;
    let alice = &world.alice;
    let old = classic(alice, None).await;
    let new = sliding(alice, None).await;

    let joined = keys(&old["rooms"]["join"]);
    let invited = keys(&old["rooms"]["invite"]);
    let sliding_rooms = new["rooms"].as_object().expect("rooms");
    let sliding_with = |invite: bool| -> BTreeSet<String> {
        sliding_rooms
            .iter()
            .filter(|(_, room)| room.get("invite_state").is_some() == invite)
            .map(|(id, _)| id.clone())
            .collect()
    };
    let (sliding_joined, sliding_invited) = (sliding_with(false), sliding_with(true));
    assert_eq!(joined, sliding_joined, "joined rooms");
    assert_eq!(invited, sliding_invited, "invites");
    assert!(invited.contains(&world.invite));
    assert!(joined.contains(&world.chat));
    assert!(!joined.contains(&world.left) && !sliding_rooms.contains_key(&world.left));

    for room_id in &joined {
        assert_room_agrees(
            room_id,
            &old["rooms"]["join"][room_id],
            &new["rooms"][room_id],
        );
    }
    // The comparison covers something: a cut timeline, unread messages,
    // whole state.
    let chat = &old["rooms"]["join"][&world.chat];
    assert_eq!(chat["timeline"]["limited"], true, "{chat}");
    assert!(chat["unread_notifications"]["notification_count"].as_u64() > Some(0));
    assert!(classic_current_state(chat).len() >= 6, "{chat}");
    let name = &new["rooms"][&world.chat]["name"];
    assert_eq!(name, "chat");
    let invite_types =
        |events: &Value| -> BTreeSet<String> { by_type(events).into_keys().collect() };
    assert_eq!(
        invite_types(&old["rooms"]["invite"][&world.invite]["invite_state"]["events"]),
        invite_types(&new["rooms"][&world.invite]["invite_state"]),
        "invite state"
    );
    assert_eq!(
        by_type(&old["account_data"]["events"]),
        by_type(&new["extensions"]["account_data"]["global"]),
        "global account data"
    );
    assert_eq!(
        by_type(&old["rooms"]["join"][&world.chat]["account_data"]["events"]),
        by_type(&new["extensions"]["account_data"]["rooms"][&world.chat]),
        "room account data"
    );

    // One more message each way: both incremental answers carry just it.
    let latest = world
        .bob
        .send_text(&world.chat, "after the first sync")
        .await;
    let since = old["next_batch"].as_str().expect("next_batch");
    let old_next = classic(alice, Some(since)).await;
    let new_next = sliding(alice, new["pos"].as_str()).await;
    assert_eq!(
        ids(&old_next["rooms"]["join"][&world.chat]["timeline"]["events"]),
        vec![latest.clone()]
    );
    assert_eq!(
        ids(&new_next["rooms"][&world.chat]["timeline"]),
        vec![latest]
    );
    assert_eq!(
        keys(&old_next["rooms"]["join"]),
        keys(&new_next["rooms"]),
        "rooms with news"
    );
}
