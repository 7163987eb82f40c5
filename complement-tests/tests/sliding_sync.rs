//! Simplified sliding sync (MSC4186) against the real binary: list
//! ordering, ranges and counts, every list filter, `required_state` forms,
//! the delta rule, `prev_batch` for `/messages`, invites, subscriptions,
//! connections, `M_UNKNOWN_POS`, long-polling and each extension.

use std::time::{Duration, Instant};

use complement_tests::encode::{path_segment, query_value};
use complement_tests::rooms::{next_txn_id, room_path};
use complement_tests::{json, ApiResponse, Client, TestServer, Value};

const PATH: &str = "/_matrix/client/unstable/org.matrix.simplified_msc3575/sync";
const V3: &str = "/_matrix/client/v3";

async fn sliding_raw(
    client: &Client,
    body: &Value,
    pos: Option<&str>,
    timeout_ms: u64,
) -> ApiResponse {
    let mut path = format!("{PATH}?timeout={timeout_ms}");
    if let Some(pos) = pos {
        path.push_str(&format!("&pos={}", query_value(pos)));
    }
    let request = client
        .builder(reqwest::Method::POST, &path)
        .json(body)
        .timeout(Duration::from_millis(timeout_ms) + Duration::from_secs(30));
    client
        .try_send(request)
        .await
        .expect("sliding sync request")
}

async fn sliding(client: &Client, body: &Value, pos: Option<&str>) -> Value {
    sliding_raw(client, body, pos, 0).await.ok()
}

fn pos(response: &Value) -> String {
    response["pos"].as_str().expect("pos").to_owned()
}

fn list(ranges: Value, required_state: Value, timeline_limit: u64) -> Value {
    json!({ "lists": { "all": {
        "ranges": ranges, "required_state": required_state, "timeline_limit": timeline_limit
    } } })
}

fn room_ids(response: &Value) -> Vec<String> {
    let mut rooms: Vec<String> = response["rooms"]
        .as_object()
        .map(|r| r.keys().cloned().collect())
        .unwrap_or_default();
    rooms.sort();
    rooms
}

fn sorted(mut rooms: Vec<String>) -> Vec<String> {
    rooms.sort();
    rooms
}

fn state_keys(room: &Value, kind: &str) -> Vec<String> {
    let mut keys: Vec<String> = room["required_state"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["type"] == kind)
        .filter_map(|e| e["state_key"].as_str().map(str::to_owned))
        .collect();
    keys.sort();
    keys
}

async fn named_room(client: &Client, name: &str) -> String {
    client
        .create_room(json!({ "name": name, "preset": "public_chat" }))
        .await
}

#[tokio::test]
async fn versions_advertise_simplified_sliding_sync() {
    let server = TestServer::start_default().await;
    let versions = server.client().get("/_matrix/client/versions").await.ok();
    assert_eq!(
        versions["unstable_features"]["org.matrix.simplified_msc3575"],
        true
    );
}

#[tokio::test]
async fn rooms_are_ordered_by_bump_stamp_counted_and_cut_to_ranges() {
    let server = TestServer::start_default().await;
    let alice = server.client().register("alice").await;
    let old = named_room(&alice, "old").await;
    let middle = named_room(&alice, "middle").await;
    let newest = named_room(&alice, "newest").await;
    alice.send_text(&old, "bumped").await;
    let first = sliding(&alice, &list(json!([[0, 0]]), json!([]), 1), None).await;
    assert_eq!(first["lists"]["all"]["count"], 3);
    assert_eq!(
        room_ids(&first),
        vec![old.clone()],
        "the message bumps the oldest room"
    );
    assert!(first["lists"]["all"].get("ops").is_none());
    let entry = &first["rooms"][&old];
    assert_eq!(entry["initial"], true);
    assert_eq!(entry["name"], "old");
    assert_eq!(entry["joined_count"], 1);
    assert_eq!(entry["timeline"][0]["content"]["body"], "bumped");
    let wider = sliding(
        &alice,
        &list(json!([[0, 2]]), json!([]), 1),
        Some(&pos(&first)),
    )
    .await;
    assert_eq!(
        room_ids(&wider),
        sorted(vec![middle.clone(), newest.clone()]),
        "only the new ones"
    );
    let stamp = |r: &str| wider["rooms"][r]["bump_stamp"].as_u64().unwrap();
    assert!(stamp(&newest) > stamp(&middle));
}

#[tokio::test]
async fn list_filters_select_their_rooms() {
    let server = TestServer::start_default().await;
    let alice = server.client().register("alice").await;
    let bob = server.client().register("bob").await;
    let plain = named_room(&alice, "plain").await;
    let dm = alice
        .create_room(json!({ "is_direct": true, "invite": [bob.user_id] }))
        .await;
    let direct = json!({ bob.user_id.clone(): [dm.clone()] });
    let path = format!(
        "{V3}/user/{}/account_data/m.direct",
        path_segment(&alice.user_id)
    );
    alice.put(&path, &direct).await.ok();
    let encrypted = alice
        .create_room(json!({ "initial_state": [{
            "type": "m.room.encryption", "state_key": "",
            "content": { "algorithm": "m.megolm.v1.aes-sha2" }
        }] }))
        .await;
    let space = alice
        .create_room(json!({ "creation_content": { "type": "m.space" } }))
        .await;
    let via = json!({ "via": [server.server_name()] });
    alice.put_state(&space, "m.space.child", &plain, &via).await;
    let invited = bob.create_room(json!({})).await;
    bob.invite(&invited, &alice.user_id).await;
    let tag_path = format!(
        "{V3}/user/{}/rooms/{}/tags/m.favourite",
        path_segment(&alice.user_id),
        path_segment(&encrypted)
    );
    alice.put(&tag_path, &json!({})).await.ok();
    let cases = [
        (json!({ "is_dm": true }), vec![dm.clone()]),
        (json!({ "is_invite": true }), vec![invited.clone()]),
        (json!({ "is_encrypted": true }), vec![encrypted.clone()]),
        (json!({ "room_types": ["m.space"] }), vec![space.clone()]),
        (
            json!({ "room_types": [null] }),
            vec![
                plain.clone(),
                dm.clone(),
                encrypted.clone(),
                invited.clone(),
            ],
        ),
        (json!({ "spaces": [space.clone()] }), vec![plain.clone()]),
        (json!({ "tags": ["m.favourite"] }), vec![encrypted.clone()]),
        (
            json!({ "not_room_types": ["m.space"], "not_tags": ["m.favourite"], "is_dm": false, "is_invite": false }),
            vec![plain.clone()],
        ),
    ];
    for (filters, expected) in cases {
        let body = json!({ "lists": { "f": { "ranges": [[0, 20]], "timeline_limit": 0, "filters": filters } } });
        let response = sliding(&alice, &body, None).await;
        assert_eq!(
            room_ids(&response),
            sorted(expected.clone()),
            "filters {filters}"
        );
        assert_eq!(
            response["lists"]["f"]["count"],
            expected.len(),
            "filters {filters}"
        );
    }
}

#[tokio::test]
async fn required_state_forms_select_their_entries() {
    let server = TestServer::start_default().await;
    let alice = server.client().register("alice").await;
    let bob = server.client().register("bob").await;
    let carol = server.client().register("carol").await;
    let room = named_room(&alice, "forms").await;
    bob.join(&room).await;
    carol.join(&room).await;
    bob.send_text(&room, "bob speaks").await;
    let ask = |required: Value| list(json!([[0, 0]]), required, 1);
    let lazy = sliding(&alice, &ask(json!([["m.room.member", "$LAZY"]])), None).await;
    assert_eq!(
        state_keys(&lazy["rooms"][&room], "m.room.member"),
        vec![bob.user_id.clone()]
    );
    let me = sliding(&alice, &ask(json!([["m.room.member", "$ME"]])), None).await;
    assert_eq!(
        state_keys(&me["rooms"][&room], "m.room.member"),
        vec![alice.user_id.clone()]
    );
    let members = sliding(&alice, &ask(json!([["m.room.member", "*"]])), None).await;
    assert_eq!(
        state_keys(&members["rooms"][&room], "m.room.member").len(),
        3
    );
    let all = sliding(&alice, &ask(json!([["*", "*"]])), None).await;
    let entry = &all["rooms"][&room];
    for kind in [
        "m.room.create",
        "m.room.name",
        "m.room.join_rules",
        "m.room.power_levels",
    ] {
        assert_eq!(state_keys(entry, kind), vec![String::new()], "{kind}");
    }
    let exact = sliding(&alice, &ask(json!([["m.room.name", ""]])), None).await;
    let names = exact["rooms"][&room]["required_state"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(names, 1);
}

#[tokio::test]
async fn a_room_is_only_sent_again_with_what_changed() {
    let server = TestServer::start_default().await;
    let alice = server.client().register("alice").await;
    let room = named_room(&alice, "before").await;
    let body = list(
        json!([[0, 9]]),
        json!([["m.room.name", ""], ["m.room.topic", ""]]),
        5,
    );
    let first = sliding(&alice, &body, None).await;
    assert_eq!(
        state_keys(&first["rooms"][&room], "m.room.name"),
        vec![String::new()]
    );
    let quiet = sliding(&alice, &body, Some(&pos(&first))).await;
    assert!(
        room_ids(&quiet).is_empty(),
        "unchanged room re-sent: {quiet}"
    );
    alice.send_text(&room, "hello").await;
    let message = sliding(&alice, &body, Some(&pos(&quiet))).await;
    let entry = &message["rooms"][&room];
    assert!(entry.get("initial").is_none(), "{entry}");
    assert_eq!(
        entry["required_state"],
        json!([]),
        "state unchanged: {entry}"
    );
    assert_eq!(entry["timeline"].as_array().unwrap().len(), 1);
    assert_eq!(entry["num_live"], 1);
    alice
        .put_state(&room, "m.room.name", "", &json!({ "name": "after" }))
        .await;
    let renamed = sliding(&alice, &body, Some(&pos(&message))).await;
    let entry = &renamed["rooms"][&room];
    assert_eq!(entry["name"], "after");
    assert_eq!(
        entry["required_state"].as_array().unwrap().len(),
        1,
        "{entry}"
    );
    assert_eq!(entry["required_state"][0]["content"]["name"], "after");
}

#[tokio::test]
async fn prev_batch_pages_back_through_messages() {
    let server = TestServer::start_default().await;
    let alice = server.client().register("alice").await;
    let room = named_room(&alice, "history").await;
    for body in ["one", "two", "three"] {
        alice.send_text(&room, body).await;
    }
    let response = sliding(&alice, &list(json!([[0, 0]]), json!([]), 1), None).await;
    let entry = &response["rooms"][&room];
    assert_eq!(entry["limited"], true);
    assert_eq!(entry["timeline"][0]["content"]["body"], "three");
    let prev_batch = entry["prev_batch"].as_str().expect("prev_batch");
    let path = room_path(
        &room,
        &format!("messages?dir=b&limit=2&from={}", query_value(prev_batch)),
    );
    let page = alice.get(&path).await.ok();
    let bodies: Vec<&Value> = page["chunk"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| &e["content"]["body"])
        .collect();
    assert_eq!(bodies, vec![&json!("two"), &json!("one")], "{page}");
}

#[tokio::test]
async fn an_invite_carries_its_state_and_the_join_sends_the_room_whole() {
    let server = TestServer::start_default().await;
    let alice = server.client().register("alice").await;
    let bob = server.client().register("bob").await;
    let room = named_room(&alice, "party").await;
    alice.invite(&room, &bob.user_id).await;
    let body = list(json!([[0, 9]]), json!([["m.room.name", ""]]), 3);
    let invited = sliding(&bob, &body, None).await;
    let entry = &invited["rooms"][&room];
    let stripped = entry["invite_state"].as_array().expect("invite_state");
    assert!(stripped
        .iter()
        .any(|e| e["type"] == "m.room.name" && e["content"]["name"] == "party"));
    assert_eq!(entry["name"], "party");
    bob.join(&room).await;
    let joined = sliding(&bob, &body, Some(&pos(&invited))).await;
    let entry = &joined["rooms"][&room];
    assert_eq!(entry["initial"], true, "{entry}");
    assert!(entry.get("invite_state").is_none());
    assert_eq!(state_keys(entry, "m.room.name"), vec![String::new()]);
}

#[tokio::test]
async fn room_subscriptions_add_rooms_and_stop_when_dropped() {
    let server = TestServer::start_default().await;
    let alice = server.client().register("alice").await;
    let quiet = named_room(&alice, "quiet").await;
    let loud = named_room(&alice, "loud").await;
    alice.send_text(&loud, "bump").await;
    let mut body = list(json!([[0, 0]]), json!([]), 1);
    body["room_subscriptions"] = json!({ quiet.clone(): { "timeline_limit": 5, "required_state": [["m.room.create", ""]] } });
    let first = sliding(&alice, &body, None).await;
    assert_eq!(room_ids(&first), sorted(vec![quiet.clone(), loud.clone()]));
    assert_eq!(
        state_keys(&first["rooms"][&quiet], "m.room.create"),
        vec![String::new()]
    );
    let unsubscribed = list(json!([[0, 0]]), json!([]), 1);
    alice.send_text(&quiet, "now louder").await;
    let second = sliding(&alice, &unsubscribed, Some(&pos(&first))).await;
    assert_eq!(room_ids(&second), vec![quiet.clone()], "bumped into range");
    alice.send_text(&loud, "again").await;
    let mut third = sliding(&alice, &unsubscribed, Some(&pos(&second))).await;
    assert_eq!(room_ids(&third), vec![loud.clone()]);
    alice.send_text(&quiet, "unwatched?").await;
    let only_range = list(json!([[0, 0]]), json!([]), 1);
    alice.send_text(&loud, "top").await;
    third = sliding(&alice, &only_range, Some(&pos(&third))).await;
    assert_eq!(
        room_ids(&third),
        vec![loud],
        "the dropped subscription is not sent"
    );
}

#[tokio::test]
async fn unknown_positions_and_separate_connections() {
    let server = TestServer::start_default().await;
    let alice = server.client().register("alice").await;
    named_room(&alice, "r").await;
    let body = list(json!([[0, 9]]), json!([]), 1);
    sliding_raw(&alice, &body, Some("abc_12345"), 0)
        .await
        .assert_error(400, "M_UNKNOWN_POS");
    sliding_raw(&alice, &body, Some("garbage"), 0)
        .await
        .assert_error(400, "M_UNKNOWN_POS");
    let mut first_conn = body.clone();
    first_conn["conn_id"] = json!("one");
    let mut second_conn = body.clone();
    second_conn["conn_id"] = json!("two");
    let one = sliding(&alice, &first_conn, None).await;
    let two = sliding(&alice, &second_conn, None).await;
    assert_eq!(
        room_ids(&two).len(),
        1,
        "a second connection starts from scratch"
    );
    let again = sliding(&alice, &first_conn, Some(&pos(&one))).await;
    assert!(room_ids(&again).is_empty());
    sliding_raw(&alice, &second_conn, Some(&pos(&one)), 0)
        .await
        .assert_error(400, "M_UNKNOWN_POS");
    let restart = sliding(&alice, &first_conn, None).await;
    assert_eq!(room_ids(&restart).len(), 1);
    sliding_raw(&alice, &first_conn, Some(&pos(&one)), 0)
        .await
        .assert_error(400, "M_UNKNOWN_POS");
}

#[tokio::test]
async fn long_polls_wake_on_a_new_message_and_time_out_otherwise() {
    let server = TestServer::start_default().await;
    let alice = server.client().register("alice").await;
    let room = named_room(&alice, "poll").await;
    let body = list(json!([[0, 9]]), json!([]), 3);
    let first = sliding(&alice, &body, None).await;
    let started = Instant::now();
    let idle = sliding_raw(&alice, &body, Some(&pos(&first)), 600)
        .await
        .ok();
    assert!(
        started.elapsed() >= Duration::from_millis(500),
        "returned early: {idle}"
    );
    assert!(room_ids(&idle).is_empty());
    let sender = alice.clone();
    let target = room.clone();
    let send = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        sender.send_text(&target, "wake up").await;
    });
    let started = Instant::now();
    let woken = sliding_raw(&alice, &body, Some(&pos(&idle)), 10_000)
        .await
        .ok();
    send.await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(8), "did not wake");
    assert_eq!(
        woken["rooms"][&room]["timeline"][0]["content"]["body"],
        "wake up"
    );
}

#[tokio::test]
async fn to_device_and_e2ee_extensions() {
    let server = TestServer::start_default().await;
    let alice = server.client().register("alice").await;
    let bob = server.client().register("bob").await;
    let upload = json!({ "one_time_keys": { "signed_curve25519:AAAA": { "key": "one" } } });
    alice.post(&format!("{V3}/keys/upload"), &upload).await.ok();
    let message =
        json!({ "messages": { alice.user_id.clone(): { alice.device_id.clone(): { "n": 1 } } } });
    let path = format!("{V3}/sendToDevice/org.example.ping/{}", next_txn_id());
    bob.put(&path, &message).await.ok();
    let body =
        json!({ "extensions": { "to_device": { "enabled": true }, "e2ee": { "enabled": true } } });
    let first = sliding(&alice, &body, None).await;
    let extensions = &first["extensions"];
    assert_eq!(
        extensions["to_device"]["events"][0]["content"]["n"], 1,
        "{extensions}"
    );
    assert_eq!(
        extensions["e2ee"]["device_one_time_keys_count"]["signed_curve25519"],
        1
    );
    // A new connection learns to refetch its own user's devices.
    assert_eq!(
        extensions["e2ee"]["device_lists"]["changed"],
        json!([alice.user_id])
    );
    let since = extensions["to_device"]["next_batch"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = json!({ "extensions": { "to_device": { "enabled": true, "since": since }, "e2ee": { "enabled": true } } });
    let second = sliding(&alice, &body, Some(&pos(&first))).await;
    assert_eq!(
        second["extensions"]["to_device"]["events"],
        json!([]),
        "acknowledged messages come back"
    );
    let fresh = json!({ "extensions": { "to_device": { "enabled": true } } });
    let again = sliding(&alice, &fresh, None).await;
    assert_eq!(
        again["extensions"]["to_device"]["events"],
        json!([]),
        "not deleted"
    );
}

#[tokio::test]
async fn account_data_receipts_and_typing_follow_their_scope() {
    let server = TestServer::start_default().await;
    let alice = server.client().register("alice").await;
    let bob = server.client().register("bob").await;
    let room = named_room(&alice, "scoped").await;
    bob.join(&room).await;
    let event = bob.send_text(&room, "read me").await;
    bob.post(
        &room_path(&room, &format!("receipt/m.read/{}", path_segment(&event))),
        &json!({}),
    )
    .await
    .ok();
    let typing = room_path(&room, &format!("typing/{}", path_segment(&bob.user_id)));
    bob.put(&typing, &json!({ "typing": true, "timeout": 20000 }))
        .await
        .ok();
    let data_path = format!(
        "{V3}/user/{}/rooms/{}/account_data/org.example.room",
        path_segment(&alice.user_id),
        path_segment(&room)
    );
    alice.put(&data_path, &json!({ "k": 1 })).await.ok();
    let global_path = format!(
        "{V3}/user/{}/account_data/org.example.global",
        path_segment(&alice.user_id)
    );
    alice.put(&global_path, &json!({ "g": 1 })).await.ok();
    let on = json!({ "enabled": true });
    let mut body = list(json!([[0, 9]]), json!([]), 1);
    body["extensions"] = json!({ "account_data": on, "receipts": on, "typing": on });
    let first = sliding(&alice, &body, None).await;
    let ext = &first["extensions"];
    assert!(ext["account_data"]["global"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["type"] == "org.example.global"));
    assert_eq!(
        ext["account_data"]["rooms"][&room][0]["content"]["k"], 1,
        "{ext}"
    );
    assert!(
        ext["receipts"]["rooms"][&room]["content"][&event]["m.read"][&bob.user_id].is_object(),
        "{ext}"
    );
    assert_eq!(
        ext["typing"]["rooms"][&room]["content"]["user_ids"],
        json!([bob.user_id])
    );
    let scoped_off = json!({ "enabled": true, "lists": [], "rooms": [] });
    let mut narrowed = list(json!([[0, 9]]), json!([]), 1);
    narrowed["conn_id"] = json!("narrow");
    narrowed["extensions"] =
        json!({ "account_data": scoped_off, "receipts": scoped_off, "typing": scoped_off });
    let none = sliding(&alice, &narrowed, None).await;
    let ext = &none["extensions"];
    assert_eq!(ext["account_data"]["rooms"], json!({}), "{ext}");
    assert_eq!(ext["receipts"]["rooms"], json!({}));
    assert_eq!(ext["typing"]["rooms"], json!({}));
    bob.put(&typing, &json!({ "typing": false })).await.ok();
    let stopped = sliding(&alice, &body, Some(&pos(&first))).await;
    assert_eq!(
        stopped["extensions"]["typing"]["rooms"][&room]["content"]["user_ids"],
        json!([])
    );
    assert_eq!(
        stopped["extensions"]["receipts"]["rooms"],
        json!({}),
        "receipt already sent"
    );
    assert_eq!(stopped["extensions"]["account_data"]["rooms"], json!({}));
}

#[tokio::test]
async fn a_widened_required_state_sends_only_the_new_entries() {
    let server = TestServer::start_default().await;
    let alice = server.client().register("alice").await;
    let room = alice
        .create_room(json!({ "name": "wide", "topic": "about" }))
        .await;
    let narrow = list(json!([[0, 0]]), json!([["m.room.name", ""]]), 1);
    let first = sliding(&alice, &narrow, None).await;
    let wide = list(
        json!([[0, 0]]),
        json!([["m.room.name", ""], ["m.room.topic", ""]]),
        1,
    );
    let second = sliding(&alice, &wide, Some(&pos(&first))).await;
    let entry = &second["rooms"][&room];
    assert!(entry.get("initial").is_none(), "{entry}");
    let kinds: Vec<&Value> = entry["required_state"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["type"])
        .collect();
    assert_eq!(kinds, vec![&json!("m.room.topic")], "{entry}");
}

#[tokio::test]
async fn a_larger_timeline_limit_expands_the_timeline() {
    let server = TestServer::start_default().await;
    let alice = server.client().register("alice").await;
    let room = named_room(&alice, "expand").await;
    for body in ["a", "b", "c"] {
        alice.send_text(&room, body).await;
    }
    let small = list(json!([[0, 0]]), json!([]), 1);
    let first = sliding(&alice, &small, None).await;
    assert_eq!(
        first["rooms"][&room]["timeline"].as_array().unwrap().len(),
        1
    );
    let mut subscribed = small.clone();
    subscribed["room_subscriptions"] = json!({ room.clone(): { "timeline_limit": 3 } });
    let second = sliding(&alice, &subscribed, Some(&pos(&first))).await;
    let entry = &second["rooms"][&room];
    assert_eq!(entry["unstable_expanded_timeline"], true, "{entry}");
    // Re-sent history is a fresh window for the client, never live events.
    assert_eq!(entry["limited"], true, "{entry}");
    let bodies: Vec<&Value> = entry["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["content"]["body"])
        .collect();
    assert_eq!(bodies, vec![&json!("a"), &json!("b"), &json!("c")]);
}

#[tokio::test]
async fn a_left_room_is_sent_once_with_the_leave() {
    let server = TestServer::start_default().await;
    let alice = server.client().register("alice").await;
    let bob = server.client().register("bob").await;
    let room = named_room(&alice, "exit").await;
    bob.join(&room).await;
    let body = list(json!([[0, 9]]), json!([]), 5);
    let first = sliding(&bob, &body, None).await;
    assert_eq!(room_ids(&first), vec![room.clone()]);
    bob.leave(&room).await;
    alice
        .put_state(
            &room,
            "m.room.name",
            "",
            &json!({ "name": "renamed later" }),
        )
        .await;
    let left = sliding(&bob, &body, Some(&pos(&first))).await;
    assert_eq!(
        left["rooms"][&room]["name"], "exit",
        "the name as bob left it"
    );
    assert!(left["rooms"][&room].get("joined_count").is_none());
    let timeline = left["rooms"][&room]["timeline"]
        .as_array()
        .expect("timeline");
    let last = timeline.last().unwrap();
    assert_eq!(
        (&last["type"], &last["content"]["membership"]),
        (&json!("m.room.member"), &json!("leave"))
    );
    let after = sliding(&bob, &body, Some(&pos(&left))).await;
    assert!(room_ids(&after).is_empty(), "{after}");
    assert_eq!(after["lists"]["all"]["count"], 0);
}

#[tokio::test]
async fn unnamed_rooms_get_heroes_and_counts() {
    let server = TestServer::start_default().await;
    let alice = server.client().register("alice").await;
    let bob = server.client().register("bob").await;
    let profile = format!("{V3}/profile/{}/displayname", path_segment(&bob.user_id));
    bob.put(&profile, &json!({ "displayname": "Bob" }))
        .await
        .ok();
    let room = alice.create_room(json!({ "preset": "public_chat" })).await;
    bob.join(&room).await;
    let response = sliding(&alice, &list(json!([[0, 0]]), json!([]), 1), None).await;
    let entry = &response["rooms"][&room];
    assert!(entry.get("name").is_none(), "{entry}");
    assert_eq!(
        entry["heroes"],
        json!([{ "user_id": bob.user_id, "displayname": "Bob" }])
    );
    assert_eq!(entry["joined_count"], 2);
    assert_eq!(entry["invited_count"], 0);
}

#[tokio::test]
async fn notification_counts_rise_with_messages_and_fall_with_a_receipt() {
    let server = TestServer::start_default().await;
    let alice = server.client().register("alice").await;
    let bob = server.client().register("bob").await;
    let room = named_room(&alice, "counts").await;
    bob.join(&room).await;
    let body = list(json!([[0, 0]]), json!([]), 1);
    let first = sliding(&alice, &body, None).await;
    let event = bob.send_text(&room, "ping").await;
    let unread = sliding(&alice, &body, Some(&pos(&first))).await;
    assert_eq!(unread["rooms"][&room]["notification_count"], 1, "{unread}");
    let receipt = room_path(&room, &format!("receipt/m.read/{}", path_segment(&event)));
    alice.post(&receipt, &json!({})).await.ok();
    let read = sliding(&alice, &body, Some(&pos(&unread))).await;
    let entry = &read["rooms"][&room];
    assert_eq!(entry["notification_count"], 0, "{read}");
    assert_eq!(entry["timeline"], json!([]));
}

#[tokio::test]
async fn long_polls_ignore_changes_the_connection_does_not_see() {
    let server = TestServer::start_default().await;
    let alice = server.client().register("alice").await;
    let outside = named_room(&alice, "not encrypted").await;
    let body = json!({ "lists": { "secret": {
        "ranges": [[0, 9]], "timeline_limit": 1, "filters": { "is_encrypted": true }
    } } });
    let first = sliding(&alice, &body, None).await;
    let sender = alice.clone();
    let send = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        sender.send_text(&outside, "unseen").await;
    });
    let started = Instant::now();
    let answer = sliding_raw(&alice, &body, Some(&pos(&first)), 1500)
        .await
        .ok();
    send.await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(1400),
        "woke for a room outside every list: {answer}"
    );
    assert!(room_ids(&answer).is_empty());
    assert_eq!(pos(&answer), pos(&first));
}

#[tokio::test]
async fn a_rejected_invite_sends_only_the_leave() {
    let server = TestServer::start_default().await;
    let alice = server.client().register("alice").await;
    let bob = server.client().register("bob").await;
    let room = named_room(&alice, "declined").await;
    alice.invite(&room, &bob.user_id).await;
    let body = list(json!([[0, 9]]), json!([["*", "*"]]), 5);
    let invited = sliding(&bob, &body, None).await;
    assert!(invited["rooms"][&room]["invite_state"].is_array());
    alice.send_text(&room, "private chatter").await;
    bob.leave(&room).await;
    let rejected = sliding(&bob, &body, Some(&pos(&invited))).await;
    let entry = &rejected["rooms"][&room];
    assert_eq!(entry["required_state"], json!([]), "{entry}");
    let timeline = entry["timeline"].as_array().unwrap();
    assert_eq!(timeline.len(), 1, "{entry}");
    assert_eq!(timeline[0]["content"]["membership"], "leave");
}

#[tokio::test]
async fn a_new_bump_stamp_is_sent_even_without_a_timeline() {
    let server = TestServer::start_default().await;
    let alice = server.client().register("alice").await;
    let room = named_room(&alice, "bumped").await;
    let body = list(json!([[0, 9]]), json!([]), 0);
    let first = sliding(&alice, &body, None).await;
    let before = first["rooms"][&room]["bump_stamp"].as_u64().unwrap();
    alice.send_text(&room, "bump").await;
    let second = sliding(&alice, &body, Some(&pos(&first))).await;
    let entry = &second["rooms"][&room];
    assert!(entry["bump_stamp"].as_u64().unwrap() > before, "{second}");
    assert_eq!(entry["timeline"], json!([]));
}

#[tokio::test]
async fn lazy_members_arrive_with_their_first_message_only() {
    let server = TestServer::start_default().await;
    let alice = server.client().register("alice").await;
    let bob = server.client().register("bob").await;
    let carol = server.client().register("carol").await;
    let room = named_room(&alice, "lazy").await;
    let body = list(json!([[0, 0]]), json!([["m.room.member", "$LAZY"]]), 1);
    let first = sliding(&alice, &body, None).await;
    bob.join(&room).await;
    carol.join(&room).await;
    carol.send_text(&room, "carol here").await;
    let second = sliding(&alice, &body, Some(&pos(&first))).await;
    let members = state_keys(&second["rooms"][&room], "m.room.member");
    assert_eq!(
        members,
        vec![carol.user_id.clone()],
        "bob is not in the timeline"
    );
    carol.send_text(&room, "again").await;
    let third = sliding(&alice, &body, Some(&pos(&second))).await;
    let entry = &third["rooms"][&room];
    assert_eq!(
        entry["required_state"],
        json!([]),
        "carol was already sent: {entry}"
    );
}

#[tokio::test]
async fn a_knock_carries_knock_state() {
    let server = TestServer::start_default().await;
    let alice = server.client().register("alice").await;
    let bob = server.client().register("bob").await;
    let room = alice
        .create_room(json!({
            "name": "door",
            "room_version": "10",
            "initial_state": [{ "type": "m.room.join_rules", "state_key": "", "content": { "join_rule": "knock" } }]
        }))
        .await;
    bob.post(&format!("{V3}/knock/{}", path_segment(&room)), &json!({}))
        .await
        .ok();
    let response = sliding(&bob, &list(json!([[0, 9]]), json!([]), 1), None).await;
    let entry = &response["rooms"][&room];
    let stripped = entry["knock_state"].as_array().expect("knock_state");
    assert!(
        stripped.iter().any(|e| e["type"] == "m.room.join_rules"),
        "{entry}"
    );
    assert_eq!(entry["name"], "door");
}

#[tokio::test]
async fn a_new_room_gets_receipts_on_its_timeline_and_the_users_own() {
    let server = TestServer::start_default().await;
    let alice = server.client().register("alice").await;
    let bob = server.client().register("bob").await;
    let room = named_room(&alice, "receipts").await;
    bob.join(&room).await;
    let old = bob.send_text(&room, "old").await;
    let read = |event: &str| room_path(&room, &format!("receipt/m.read/{}", path_segment(event)));
    bob.post(&read(&old), &json!({})).await.ok();
    alice.post(&read(&old), &json!({})).await.ok();
    let carol = server.client().register("carol").await;
    carol.join(&room).await;
    let newest = alice.send_text(&room, "newest").await;
    carol.post(&read(&newest), &json!({})).await.ok();
    let mut body = list(json!([[0, 0]]), json!([]), 1);
    body["extensions"] = json!({ "receipts": { "enabled": true } });
    let response = sliding(&alice, &body, None).await;
    let content = &response["extensions"]["receipts"]["rooms"][&room]["content"];
    let readers = |event: &str| -> Vec<String> {
        let mut users: Vec<String> = content[event]["m.read"]
            .as_object()
            .map(|u| u.keys().cloned().collect())
            .unwrap_or_default();
        users.sort();
        users
    };
    assert_eq!(readers(&old), vec![alice.user_id.clone()], "{content}");
    assert_eq!(readers(&newest), vec![carol.user_id.clone()], "{content}");
}
