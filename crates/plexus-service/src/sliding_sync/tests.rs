//! Sliding sync on a real database: lists (ordering, ranges, counts,
//! filters), `required_state` forms, the delta rule, unknown positions and
//! the to-device and account data extensions.

use std::time::Duration;

use ruma::{OwnedRoomId, OwnedUserId};
use serde_json::{json, Value};

use super::{SlidingSyncParams, SlidingSyncRequest};
use crate::tests::user;
use crate::{
    e2ee::to_device::ToDeviceSend, events::NewEvent, rooms::CreateRoom, tests::fixture,
    ServiceError, Services,
};

async fn named_room(s: &Services, creator: &OwnedUserId, name: &str) -> OwnedRoomId {
    let req = CreateRoom {
        name: Some(name.into()),
        ..Default::default()
    };
    s.create_room(creator, req).await.unwrap()
}

async fn say(s: &Services, room: &OwnedRoomId, sender: &OwnedUserId, body: &str) {
    let content = json!({ "msgtype": "m.text", "body": body });
    s.append_event(room, sender, NewEvent::message("m.room.message", content))
        .await
        .unwrap();
}

fn request(body: Value, pos: Option<&str>) -> SlidingSyncParams {
    SlidingSyncParams {
        pos: pos.map(str::to_owned),
        timeout: Duration::ZERO,
        set_presence: Some("offline".into()),
        body: serde_json::from_value::<SlidingSyncRequest>(body).unwrap(),
    }
}

async fn sync(s: &Services, user: &OwnedUserId, body: Value, pos: Option<&str>) -> Value {
    s.sliding_sync(user, "DEV", request(body, pos))
        .await
        .unwrap()
}

fn list(ranges: Value, required_state: Value, timeline_limit: u64) -> Value {
    json!({ "lists": { "all": {
        "ranges": ranges, "required_state": required_state, "timeline_limit": timeline_limit
    } } })
}

fn pos(response: &Value) -> String {
    response["pos"].as_str().unwrap().to_owned()
}

fn state_types(room: &Value) -> Vec<(String, String)> {
    let mut types: Vec<_> = room["required_state"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let kind = e["type"].as_str().unwrap().to_owned();
            (kind, e["state_key"].as_str().unwrap().to_owned())
        })
        .collect();
    types.sort();
    types
}

#[tokio::test]
async fn rooms_are_ordered_by_bump_stamp_and_cut_to_ranges() {
    let f = fixture().await;
    let s = &f.services;
    let alice = user(s, "alice").await;
    let first = named_room(s, &alice, "first").await;
    let second = named_room(s, &alice, "second").await;
    let third = named_room(s, &alice, "third").await;
    say(s, &first, &alice, "bump").await;
    let response = sync(s, &alice, list(json!([[0, 1]]), json!([]), 1), None).await;
    assert_eq!(response["lists"]["all"]["count"], 3);
    let rooms = response["rooms"].as_object().unwrap();
    assert_eq!(rooms.len(), 2, "{rooms:?}");
    assert!(rooms.contains_key(first.as_str()) && rooms.contains_key(third.as_str()));
    assert!(!rooms.contains_key(second.as_str()));
    let bump_first = rooms[first.as_str()]["bump_stamp"].as_u64().unwrap();
    let bump_third = rooms[third.as_str()]["bump_stamp"].as_u64().unwrap();
    assert!(bump_first > bump_third);
    assert_eq!(rooms[first.as_str()]["name"], "first");
    assert_eq!(rooms[first.as_str()]["initial"], true);
    assert_eq!(
        rooms[first.as_str()]["timeline"][0]["content"]["body"],
        "bump"
    );
}

#[tokio::test]
async fn an_unchanged_room_is_not_sent_again_and_a_new_message_sends_only_the_delta() {
    let f = fixture().await;
    let s = &f.services;
    let alice = user(s, "alice").await;
    let room = named_room(s, &alice, "delta").await;
    let body = list(json!([[0, 9]]), json!([["m.room.name", ""]]), 5);
    let first = sync(s, &alice, body.clone(), None).await;
    assert_eq!(
        state_types(&first["rooms"][room.as_str()]),
        vec![("m.room.name".into(), "".into())]
    );
    let again = sync(s, &alice, body.clone(), Some(&pos(&first))).await;
    assert_eq!(again["rooms"], json!({}), "nothing changed");
    assert_eq!(
        pos(&again),
        pos(&first),
        "an empty answer keeps the position"
    );
    say(s, &room, &alice, "news").await;
    let delta = sync(s, &alice, body, Some(&pos(&again))).await;
    let entry = &delta["rooms"][room.as_str()];
    assert_eq!(
        entry["required_state"],
        json!([]),
        "the name did not change"
    );
    assert!(entry.get("initial").is_none());
    assert_eq!(entry["timeline"].as_array().unwrap().len(), 1);
    assert_eq!(entry["timeline"][0]["content"]["body"], "news");
    assert_eq!(entry["num_live"], 1);
}

#[tokio::test]
async fn an_unknown_pos_is_refused_and_a_new_connection_forgets_old_positions() {
    let f = fixture().await;
    let s = &f.services;
    let alice = user(s, "alice").await;
    named_room(s, &alice, "r").await;
    let body = list(json!([[0, 9]]), json!([]), 1);
    let bogus = s
        .sliding_sync(&alice, "DEV", request(body.clone(), Some("nope_999")))
        .await;
    assert!(
        matches!(bogus, Err(ServiceError::UnknownPos(_))),
        "{bogus:?}"
    );
    let old = sync(s, &alice, body.clone(), None).await;
    let _fresh = sync(s, &alice, body.clone(), None).await;
    let stale = s
        .sliding_sync(&alice, "DEV", request(body, Some(&pos(&old))))
        .await;
    assert!(matches!(stale, Err(ServiceError::UnknownPos(_))));
}

#[tokio::test]
async fn a_stale_request_finishing_late_keeps_the_newer_pos() {
    let f = fixture().await;
    let s = &f.services;
    let alice = user(s, "alice").await;
    let room = named_room(s, &alice, "r").await;
    let body = list(json!([[0, 9]]), json!([]), 1);
    let first = pos(&sync(s, &alice, body.clone(), None).await);
    say(s, &room, &alice, "one").await;
    let moved_on = pos(&sync(s, &alice, body.clone(), Some(&first)).await);
    // The request the client abandoned, answered from `first` after it moved on.
    let _stale = sync(s, &alice, body.clone(), Some(&first)).await;
    say(s, &room, &alice, "two").await;
    let next = sync(s, &alice, body, Some(&moved_on)).await;
    assert_ne!(pos(&next), moved_on, "{next}");
}

#[tokio::test]
async fn required_state_wildcards_me_and_lazy_members() {
    let f = fixture().await;
    let s = &f.services;
    let alice = user(s, "alice").await;
    let bob = user(s, "bob").await;
    let carol = user(s, "carol").await;
    let room = named_room(s, &alice, "forms").await;
    for member in [&bob, &carol] {
        s.invite(&room, &alice, member, None, false).await.unwrap();
        s.join_room(&room, member, None, &[]).await.unwrap();
    }
    say(s, &room, &bob, "from bob").await;
    let lazy = json!([["m.room.member", "$LAZY"], ["m.room.member", "$ME"]]);
    let response = sync(s, &alice, list(json!([[0, 0]]), lazy, 1), None).await;
    let members: Vec<String> = state_types(&response["rooms"][room.as_str()])
        .into_iter()
        .map(|(_, key)| key)
        .collect();
    let mut expected = vec![alice.to_string(), bob.to_string()];
    expected.sort();
    assert_eq!(members, expected, "the sender and me, not carol");
    let all = json!([["m.room.member", "*"]]);
    let response = sync(s, &alice, list(json!([[0, 0]]), all, 1), None).await;
    assert_eq!(state_types(&response["rooms"][room.as_str()]).len(), 3);
    let everything = json!([["*", "*"]]);
    let response = sync(s, &alice, list(json!([[0, 0]]), everything, 1), None).await;
    let types = state_types(&response["rooms"][room.as_str()]);
    assert!(types.contains(&("m.room.create".into(), "".into())));
    assert!(types.contains(&("m.room.power_levels".into(), "".into())));
}

#[tokio::test]
async fn filters_select_invites_dms_encrypted_rooms_and_tags() {
    let f = fixture().await;
    let s = &f.services;
    let alice = user(s, "alice").await;
    let bob = user(s, "bob").await;
    let plain = named_room(s, &alice, "plain").await;
    let invited = named_room(s, &bob, "invite").await;
    s.invite(&invited, &bob, &alice, None, true).await.unwrap();
    let encrypted = named_room(s, &alice, "secret").await;
    let content = json!({ "algorithm": "m.megolm.v1.aes-sha2" });
    s.append_event(
        &encrypted,
        &alice,
        NewEvent::state("m.room.encryption", "", content),
    )
    .await
    .unwrap();
    s.set_room_tag(&alice, &plain, "m.favourite", Some(json!({})))
        .unwrap();
    let rooms_for = |filters: Value| {
        let body = json!({ "lists": { "l": { "ranges": [[0, 9]], "timeline_limit": 0, "filters": filters } } });
        let s = s.clone();
        let alice = alice.clone();
        async move {
            let response = sync(&s, &alice, body, None).await;
            let mut rooms: Vec<String> = response["rooms"]
                .as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect();
            rooms.sort();
            rooms
        }
    };
    assert_eq!(
        rooms_for(json!({ "is_invite": true })).await,
        vec![invited.to_string()]
    );
    assert_eq!(
        rooms_for(json!({ "is_dm": true })).await,
        vec![invited.to_string()]
    );
    assert_eq!(
        rooms_for(json!({ "is_encrypted": true })).await,
        vec![encrypted.to_string()]
    );
    assert_eq!(
        rooms_for(json!({ "tags": ["m.favourite"] })).await,
        vec![plain.to_string()]
    );
    let untagged = rooms_for(json!({ "not_tags": ["m.favourite"], "is_invite": false })).await;
    assert_eq!(untagged, vec![encrypted.to_string()]);
}

#[tokio::test]
async fn to_device_messages_follow_their_own_since_and_are_deleted_once_acknowledged() {
    let f = fixture().await;
    let s = &f.services;
    let alice = user(s, "alice").await;
    s.login(
        &alice,
        crate::users::NewDevice {
            device_id: Some("DEV".into()),
            display_name: None,
            refreshable: false,
        },
    )
    .unwrap();
    let messages = json!({ alice.as_str(): { "DEV": { "secret": 1 } } });
    let send = ToDeviceSend {
        event_type: "m.test",
        txn_id: "t1",
        messages: &messages,
    };
    s.send_to_device(&alice, "OTHER", send).await.unwrap();
    let body = json!({ "extensions": { "to_device": { "enabled": true } } });
    let first = sync(s, &alice, body, None).await;
    let to_device = &first["extensions"]["to_device"];
    assert_eq!(to_device["events"][0]["content"]["secret"], 1);
    let since = to_device["next_batch"].as_str().unwrap();
    let body = json!({ "extensions": { "to_device": { "enabled": true, "since": since } } });
    let second = sync(s, &alice, body.clone(), Some(&pos(&first))).await;
    assert_eq!(second["extensions"]["to_device"]["events"], json!([]));
    let replay = json!({ "extensions": { "to_device": { "enabled": true } } });
    let third = sync(s, &alice, replay, None).await;
    assert_eq!(
        third["extensions"]["to_device"]["events"],
        json!([]),
        "deleted"
    );
}

#[tokio::test]
async fn account_data_extension_sends_global_and_room_data_once() {
    let f = fixture().await;
    let s = &f.services;
    let alice = user(s, "alice").await;
    let room = named_room(s, &alice, "data").await;
    s.set_global_account_data(&alice, "org.example.global", json!({ "a": 1 }))
        .unwrap();
    s.set_room_account_data(&alice, &room, "org.example.room", json!({ "b": 2 }))
        .unwrap();
    let mut body = list(json!([[0, 9]]), json!([]), 0);
    body["extensions"] = json!({ "account_data": { "enabled": true } });
    let first = sync(s, &alice, body.clone(), None).await;
    let data = &first["extensions"]["account_data"];
    let global: Vec<&Value> = data["global"].as_array().unwrap().iter().collect();
    assert!(global.iter().any(|e| e["type"] == "org.example.global"));
    assert_eq!(data["rooms"][room.as_str()][0]["type"], "org.example.room");
    s.set_global_account_data(&alice, "org.example.global", json!({ "a": 2 }))
        .unwrap();
    let second = sync(s, &alice, body, Some(&pos(&first))).await;
    let data = &second["extensions"]["account_data"];
    assert_eq!(data["global"].as_array().unwrap().len(), 1);
    assert_eq!(data["global"][0]["content"]["a"], 2);
    assert_eq!(data["rooms"], json!({}), "room data was already sent");
}

#[test]
fn stored_positions_keep_each_required_state_once() {
    use super::{Position, RoomSent};
    let shared = vec![("m.room.name".to_owned(), String::new())];
    let mut position = Position::default();
    for room in ["!a:x", "!b:x", "!c:x"] {
        let sent = RoomSent {
            stream: 7,
            membership: "join".into(),
            required_state: shared.clone(),
            ..RoomSent::default()
        };
        position.rooms.insert(room.into(), sent);
    }
    let stored = serde_json::to_value(&position).unwrap();
    assert_eq!(stored["required_states"].as_array().unwrap().len(), 1);
    let back: Position = serde_json::from_value(stored).unwrap();
    assert_eq!(back.rooms, position.rooms);
}

#[test]
fn required_state_patterns_match_as_the_msc_says() {
    use super::required_state::RequiredState;
    use std::collections::BTreeSet;
    let pairs = |p: &[(&str, &str)]| -> Vec<(String, String)> {
        p.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    };
    let none = BTreeSet::new();
    let lazy: BTreeSet<String> = ["@bob:x".to_owned()].into();
    let me = RequiredState::new(&pairs(&[("m.room.member", "$ME")]), "@me:x");
    assert!(me.wants("m.room.member", "@me:x", &none));
    assert!(!me.wants("m.room.member", "@bob:x", &none));
    let any_key = RequiredState::new(&pairs(&[("m.space.child", "*")]), "@me:x");
    assert!(any_key.wants("m.space.child", "!r:x", &none));
    assert!(!any_key.wants("m.room.name", "", &none));
    assert!(any_key.exact_entries().is_none());
    let any_type = RequiredState::new(&pairs(&[("*", "")]), "@me:x");
    assert!(any_type.wants("m.room.topic", "", &none));
    assert!(!any_type.wants("m.room.member", "@me:x", &none));
    let lazy_only = RequiredState::new(&pairs(&[("m.room.member", "$LAZY")]), "@me:x");
    assert!(lazy_only.wants("m.room.member", "@bob:x", &lazy));
    assert!(!lazy_only.wants("m.room.member", "@carol:x", &lazy));
    assert_eq!(lazy_only.exact_entries(), Some(vec![]));
    assert!(RequiredState::new(&[], "@me:x").is_empty());
}

#[tokio::test]
async fn a_device_keeps_at_most_ten_connections() {
    let f = fixture().await;
    let s = &f.services;
    let alice = user(s, "alice").await;
    let mut positions = Vec::new();
    for n in 0..=super::MAX_CONNECTIONS_PER_DEVICE {
        let body = json!({ "conn_id": format!("c{n}") });
        positions.push(pos(&sync(s, &alice, body, None).await));
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let oldest = s
        .sliding_sync(
            &alice,
            "DEV",
            request(json!({ "conn_id": "c0" }), Some(&positions[0])),
        )
        .await;
    assert!(
        matches!(oldest, Err(ServiceError::UnknownPos(_))),
        "{oldest:?}"
    );
    let newest = json!({ "conn_id": "c10" });
    sync(s, &alice, newest, Some(&positions[10])).await;
}

#[tokio::test]
async fn a_list_without_ranges_covers_every_room() {
    let f = fixture().await;
    let s = &f.services;
    let alice = user(s, "alice").await;
    for name in ["a", "b", "c"] {
        named_room(s, &alice, name).await;
    }
    let body = json!({ "lists": { "all": { "timeline_limit": 0 } } });
    let response = sync(s, &alice, body, None).await;
    assert_eq!(response["rooms"].as_object().unwrap().len(), 3);
    let body = json!({ "lists": { "none": { "ranges": [], "timeline_limit": 0 } } });
    let response = sync(s, &alice, body, None).await;
    assert_eq!(response["rooms"], json!({}));
    assert_eq!(response["lists"]["none"]["count"], 3);
}

fn names(list: &[&str]) -> Option<Vec<String>> {
    Some(list.iter().map(|s| s.to_string()).collect())
}

#[test]
fn lists_and_rooms_select_the_rooms_an_extension_covers() {
    let lists: std::collections::BTreeMap<String, Vec<String>> =
        std::collections::BTreeMap::from([
            ("dms".to_owned(), vec!["!dm:x".to_owned()]),
            ("groups".to_owned(), vec!["!group:x".to_owned()]),
        ]);
    let subscribed: std::collections::BTreeSet<String> = ["!sub:x".to_owned()].into();
    use super::extensions::{scoped_rooms, ExtensionScope};
    let scope = ExtensionScope {
        lists: &lists,
        subscribed: &subscribed,
        initial: &std::collections::BTreeSet::new(),
        rooms: &serde_json::Map::new(),
    };
    let pick = |lists, rooms| -> Vec<String> {
        let ext = super::ScopedExtension {
            enabled: Some(true),
            lists,
            rooms,
        };
        scoped_rooms(&ext, &scope).into_iter().collect()
    };
    assert_eq!(pick(None, None), vec!["!dm:x", "!group:x", "!sub:x"]);
    assert_eq!(pick(names(&["dms"]), names(&[])), vec!["!dm:x"]);
    assert_eq!(pick(names(&[]), names(&["*"])), vec!["!sub:x"]);
    assert_eq!(pick(names(&["*"]), names(&[])), vec!["!dm:x", "!group:x"]);
    let explicit = pick(names(&[]), names(&["!group:x", "!elsewhere:x"]));
    assert_eq!(explicit, vec!["!group:x"], "only rooms the response covers");
}

#[tokio::test]
async fn deleting_a_device_drops_its_connections() {
    let f = fixture().await;
    let s = &f.services;
    let alice = user(s, "alice").await;
    let device = crate::users::NewDevice {
        device_id: Some("DEV".into()),
        display_name: None,
        refreshable: false,
    };
    s.login(&alice, device).unwrap();
    let first = sync(s, &alice, json!({}), None).await;
    s.delete_device(&alice, "DEV").unwrap();
    let key = (alice.to_string(), "DEV".to_owned(), String::new());
    let row =
        s.db.get::<crate::tables::SlidingSyncConnections>(&key)
            .unwrap();
    assert!(row.is_none());
    let after = s
        .sliding_sync(&alice, "DEV", request(json!({}), Some(&pos(&first))))
        .await;
    assert!(matches!(after, Err(ServiceError::UnknownPos(_))));
}

#[tokio::test]
async fn to_device_limit_pages_through_the_queue() {
    let f = fixture().await;
    let s = &f.services;
    let alice = user(s, "alice").await;
    let device = crate::users::NewDevice {
        device_id: Some("DEV".into()),
        display_name: None,
        refreshable: false,
    };
    s.login(&alice, device).unwrap();
    for n in 0..3 {
        let messages = json!({ alice.as_str(): { "DEV": { "n": n } } });
        let send = ToDeviceSend {
            event_type: "m.test",
            txn_id: &format!("t{n}"),
            messages: &messages,
        };
        s.send_to_device(&alice, "OTHER", send).await.unwrap();
    }
    let mut since: Option<String> = None;
    let mut seen = Vec::new();
    for _ in 0..3 {
        let body = json!({ "extensions": { "to_device": { "enabled": true, "limit": 2, "since": since } } });
        let response = sync(s, &alice, body, None).await;
        let to_device = &response["extensions"]["to_device"];
        for event in to_device["events"].as_array().unwrap() {
            seen.push(event["content"]["n"].as_u64().unwrap());
        }
        since = to_device["next_batch"].as_str().map(str::to_owned);
    }
    assert_eq!(seen, vec![0, 1, 2]);
}
