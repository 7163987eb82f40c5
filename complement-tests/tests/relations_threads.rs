//! Relations and threads over HTTP: bundled aggregations (`m.thread`,
//! `m.replace`, `m.reference`) on `/event`, `/messages`, `/context`,
//! `/relations` and `/sync`; `/threads` with `include` and paging;
//! `/relations` with `recurse` and its filters.

use complement_tests::encode::path_segment;
use complement_tests::rooms::{next_txn_id, room_path};
use complement_tests::{json, Client, TestServer, Value};

/// Sends an event; returns its ID.
async fn send(client: &Client, room: &str, kind: &str, content: Value) -> String {
    let body = client
        .send_raw(room, kind, &next_txn_id(), &content)
        .await
        .ok();
    body["event_id"].as_str().expect("event_id").to_owned()
}

async fn thread_reply(client: &Client, room: &str, root: &str, body: &str) -> String {
    let content = json!({"msgtype": "m.text", "body": body,
        "m.relates_to": {"rel_type": "m.thread", "event_id": root}});
    send(client, room, "m.room.message", content).await
}

/// alice's public room with bob in it.
async fn shared_room(server: &TestServer) -> (Client, Client, String) {
    let alice = server.client().register("alice").await;
    let bob = server.client().register("bob").await;
    let room = alice.create_room(json!({"preset": "public_chat"})).await;
    bob.join(&room).await;
    (alice, bob, room)
}

/// `/_matrix/client/v1/rooms/{room}/…` (threads and relations are v1 only).
fn v1(room: &str, rest: &str) -> String {
    room_path(room, rest).replace("/client/v3/", "/client/v1/")
}

fn find<'a>(events: &'a [Value], id: &str) -> &'a Value {
    events
        .iter()
        .find(|e| e["event_id"] == id)
        .unwrap_or_else(|| panic!("{id} not in {events:?}"))
}

#[tokio::test]
async fn aggregations_appear_wherever_events_are_served() {
    let server = TestServer::start_default().await;
    let (alice, bob, room) = shared_room(&server).await;
    let root = alice.send_text(&room, "root").await;
    thread_reply(&bob, &room, &root, "one").await;
    let latest = thread_reply(&bob, &room, &root, "two").await;
    let edit = json!({"msgtype": "m.text", "body": "* root!",
        "m.new_content": {"msgtype": "m.text", "body": "root!"},
        "m.relates_to": {"rel_type": "m.replace", "event_id": root}});
    let edit_id = send(&alice, &room, "m.room.message", edit).await;
    let reference = json!({"msgtype": "m.text", "body": "see",
        "m.relates_to": {"rel_type": "m.reference", "event_id": root}});
    let reference_id = send(&bob, &room, "m.room.message", reference).await;
    let reaction =
        json!({"m.relates_to": {"rel_type": "m.annotation", "event_id": root, "key": "👍"}});
    send(&bob, &room, "m.reaction", reaction).await;

    let check = |event: &Value, place: &str| {
        let relations = &event["unsigned"]["m.relations"];
        assert_eq!(relations["m.thread"]["count"], 2, "{place}: {event}");
        assert_eq!(
            relations["m.thread"]["latest_event"]["event_id"],
            latest.as_str(),
            "{place}"
        );
        assert_eq!(
            relations["m.thread"]["current_user_participated"], true,
            "{place}"
        );
        assert_eq!(
            relations["m.replace"]["event_id"],
            edit_id.as_str(),
            "{place}"
        );
        assert_eq!(
            relations["m.reference"]["chunk"],
            json!([{"event_id": reference_id}]),
            "{place}"
        );
        assert!(
            relations.get("m.annotation").is_none(),
            "{place}: annotations are not aggregated"
        );
        assert_eq!(
            event["content"]["body"], "root",
            "{place}: original content kept"
        );
    };
    let event = alice
        .get(&room_path(&room, &format!("event/{}", path_segment(&root))))
        .await
        .ok();
    check(&event, "/event");
    let messages = alice.all_messages(&room, 5).await;
    check(find(&messages, &root), "/messages");
    let context = alice
        .get(&room_path(
            &room,
            &format!("context/{}?limit=4", path_segment(&root)),
        ))
        .await
        .ok();
    check(&context["event"], "/context");
    let sync = alice
        .sync(None, 0, Some(r#"{"room":{"timeline":{"limit":20}}}"#))
        .await;
    let timeline = sync["rooms"]["join"][&room]["timeline"]["events"]
        .as_array()
        .unwrap()
        .clone();
    check(find(&timeline, &root), "/sync");
}

#[tokio::test]
async fn threads_are_listed_newest_activity_first() {
    let server = TestServer::start_default().await;
    let (alice, bob, room) = shared_room(&server).await;
    let older = alice.send_text(&room, "older root").await;
    let newer = bob.send_text(&room, "newer root").await;
    thread_reply(&bob, &room, &newer, "reply").await;
    thread_reply(&alice, &room, &older, "bump").await;

    let threads = |query: &'static str| {
        let alice = alice.clone();
        let path = v1(&room, &format!("threads{query}"));
        async move { alice.get(&path).await.ok() }
    };
    let all = threads("").await;
    let ids: Vec<_> = all["chunk"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event_id"].clone())
        .collect();
    assert_eq!(ids, [json!(older), json!(newer)], "{all}");
    assert!(all["chunk"][0]["unsigned"]["m.relations"]["m.thread"].is_object());
    assert!(all.get("next_batch").is_none());

    let page = threads("?limit=1").await;
    assert_eq!(page["chunk"][0]["event_id"], older.as_str());
    let from = page["next_batch"].as_str().expect("next_batch").to_owned();
    let path = v1(
        &room,
        &format!("threads?limit=1&from={}", path_segment(&from)),
    );
    let rest = alice.get(&path).await.ok();
    assert_eq!(rest["chunk"][0]["event_id"], newer.as_str());

    let carol = server.client().register("carol").await;
    carol.join(&room).await;
    thread_reply(&carol, &room, &newer, "me too").await;
    let mine = carol
        .get(&v1(&room, "threads?include=participated"))
        .await
        .ok();
    let ids: Vec<_> = mine["chunk"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event_id"].clone())
        .collect();
    assert_eq!(ids, [json!(newer)], "{mine}");
}

#[tokio::test]
async fn relations_recurse_through_matching_events_only() {
    let server = TestServer::start_default().await;
    let (alice, bob, room) = shared_room(&server).await;
    let root = alice.send_text(&room, "root").await;
    let reply = thread_reply(&bob, &room, &root, "reply").await;
    let on_reply =
        json!({"m.relates_to": {"rel_type": "m.annotation", "event_id": reply, "key": "a"}});
    let reaction = send(&alice, &room, "m.reaction", on_reply).await;
    let relations = |rest: String| {
        let alice = alice.clone();
        let path = v1(&room, &format!("relations/{}{rest}", path_segment(&root)));
        async move { alice.get(&path).await.ok() }
    };
    let direct = relations(String::new()).await;
    assert_eq!(direct["chunk"].as_array().unwrap().len(), 1, "{direct}");
    let deep = relations("?recurse=true".into()).await;
    let ids: Vec<_> = deep["chunk"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event_id"].clone())
        .collect();
    assert!(
        ids.contains(&json!(reaction)) && ids.contains(&json!(reply)),
        "{deep}"
    );
    assert!(deep["recursion_depth"].as_u64().unwrap() >= 2, "{deep}");
    let filtered = relations("/m.annotation?recurse=true".into()).await;
    assert_eq!(
        filtered["chunk"],
        json!([]),
        "only reachable through an m.thread event: {filtered}"
    );
}

/// `unread_notifications` and `unread_thread_notifications` of a room in one `/sync`.
async fn counts(client: &Client, room: &str, threads: bool) -> (Value, Value) {
    let filter =
        json!({"room": {"timeline": {"limit": 1, "unread_thread_notifications": threads}}});
    let sync = client.sync(None, 0, Some(&filter.to_string())).await;
    let joined = &sync["rooms"]["join"][room];
    (
        joined["unread_notifications"].clone(),
        joined["unread_thread_notifications"].clone(),
    )
}

#[tokio::test]
async fn threaded_receipts_and_per_thread_notification_counts() {
    let server = TestServer::start_default().await;
    let (alice, bob, room) = shared_room(&server).await;
    let root = bob.send_text(&room, "root").await;
    let reply = thread_reply(&bob, &room, &root, "in thread").await;

    let (whole, threads) = counts(&alice, &room, false).await;
    assert_eq!(whole["notification_count"], 2, "{whole}");
    assert!(threads.is_null(), "only on request: {threads}");
    let (main, threads) = counts(&alice, &room, true).await;
    assert_eq!(main["notification_count"], 1, "the main timeline: {main}");
    assert_eq!(threads[&root]["notification_count"], 1, "{threads}");

    let receipt =
        |event: &str| room_path(&room, &format!("receipt/m.read/{}", path_segment(event)));
    alice
        .post(&receipt(&reply), &json!({"thread_id": root}))
        .await
        .ok();
    let (main, threads) = counts(&alice, &room, true).await;
    assert_eq!(
        main["notification_count"], 1,
        "a thread receipt leaves main unread: {main}"
    );
    assert!(threads.get(&root).is_none(), "{threads}");
    alice
        .post(&receipt(&root), &json!({"thread_id": "main"}))
        .await
        .ok();
    let (main, _) = counts(&alice, &room, true).await;
    assert_eq!(main["notification_count"], 0, "{main}");

    let sync = alice.sync(None, 0, None).await;
    let receipts = sync["rooms"]["join"][&room]["ephemeral"]["events"].to_string();
    assert!(
        receipts.contains(&format!(r#""thread_id":"{root}""#)),
        "{receipts}"
    );
    alice
        .post(&receipt(&root), &json!({"thread_id": ""}))
        .await
        .assert_error(400, "M_INVALID_PARAM");
}

#[tokio::test]
async fn a_thread_cannot_start_from_an_event_with_a_relation() {
    let server = TestServer::start_default().await;
    let (alice, bob, room) = shared_room(&server).await;
    let root = alice.send_text(&room, "root").await;
    let reply = thread_reply(&bob, &room, &root, "reply").await;
    let content = json!({"msgtype": "m.text", "body": "nested",
        "m.relates_to": {"rel_type": "m.thread", "event_id": reply}});
    alice
        .send_raw(&room, "m.room.message", &next_txn_id(), &content)
        .await
        .assert_error(400, "M_UNKNOWN");
}

#[tokio::test]
async fn a_duplicate_annotation_is_refused_until_the_first_is_redacted() {
    let server = TestServer::start_default().await;
    let (alice, bob, room) = shared_room(&server).await;
    let target = alice.send_text(&room, "react").await;
    let reaction =
        json!({"m.relates_to": {"rel_type": "m.annotation", "event_id": target, "key": "👍"}});
    let first = send(&bob, &room, "m.reaction", reaction.clone()).await;
    bob.send_raw(&room, "m.reaction", &next_txn_id(), &reaction)
        .await
        .assert_error(400, "M_DUPLICATE_ANNOTATION");
    send(&alice, &room, "m.reaction", reaction.clone()).await;
    let redact = format!("redact/{}/{}", path_segment(&first), next_txn_id());
    bob.put(&room_path(&room, &redact), &json!({})).await.ok();
    send(&bob, &room, "m.reaction", reaction).await;
}
