//! Bundled aggregations: threads, edits, references; annotations left out;
//! ignored, redacted and invalid children not counted; `/threads`.

use ruma::{OwnedRoomId, OwnedUserId, RoomVersionId};
use serde_json::{json, Value};

use crate::tests::user;
use crate::{
    events::NewEvent,
    relations::{NewRelation, RelationRefusal, ThreadsQuery},
    rooms::{CreateRoom, Preset},
    tests::fixture,
    timeline::Viewer,
    Services,
};

/// A public room of alice's that bob has joined.
async fn shared_room(s: &Services, alice: &OwnedUserId, bob: &OwnedUserId) -> OwnedRoomId {
    let req = CreateRoom {
        preset: Some(Preset::PublicChat),
        room_version: Some(RoomVersionId::V11),
        ..Default::default()
    };
    let room = s.create_room(alice, req).await.unwrap();
    s.join_room(&room, bob, None, &[]).await.unwrap();
    room
}

/// alice's public room (v11) that bob has joined.
async fn alice_and_bob(s: &Services) -> (OwnedUserId, OwnedUserId, OwnedRoomId) {
    let (alice, bob) = (user(s, "alice").await, user(s, "bob").await);
    let room = shared_room(s, &alice, &bob).await;
    (alice, bob, room)
}

/// A reply in the thread of `root`.
async fn thread_reply(s: &Services, room: &OwnedRoomId, who: &OwnedUserId, root: &str) -> String {
    related(
        s,
        room,
        who,
        json!({"rel_type": "m.thread", "event_id": root}),
        json!({}),
    )
    .await
}

async fn send(s: &Services, room: &OwnedRoomId, who: &OwnedUserId, kind: &str, c: Value) -> String {
    let event = NewEvent::message(kind, c);
    s.append_event(room, who, event)
        .await
        .unwrap()
        .event_id
        .to_string()
}

async fn text(s: &Services, room: &OwnedRoomId, who: &OwnedUserId, body: &str) -> String {
    send(
        s,
        room,
        who,
        "m.room.message",
        json!({"msgtype": "m.text", "body": body}),
    )
    .await
}

async fn related(
    s: &Services,
    room: &OwnedRoomId,
    who: &OwnedUserId,
    rel: Value,
    extra: Value,
) -> String {
    let mut content = json!({"msgtype": "m.text", "body": "x", "m.relates_to": rel});
    content
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    send(s, room, who, "m.room.message", content).await
}

fn view<'a>(user: &'a OwnedUserId) -> Viewer<'a> {
    Viewer { user, device: None }
}

fn relations_of(s: &Services, viewer: &OwnedUserId, room: &OwnedRoomId, id: &str) -> Value {
    let event = s.room_event(view(viewer), room, id).unwrap();
    event["unsigned"]["m.relations"].clone()
}

#[tokio::test]
async fn thread_summary_counts_replies_and_participation() {
    let f = fixture().await;
    let s = &f.services;
    let (alice, bob, carol) = (
        user(s, "alice").await,
        user(s, "bob").await,
        user(s, "carol").await,
    );
    let room = shared_room(s, &alice, &bob).await;
    s.join_room(&room, &carol, None, &[]).await.unwrap();
    let root = text(s, &room, &alice, "root").await;
    let thread = json!({"rel_type": "m.thread", "event_id": root});
    related(s, &room, &bob, thread.clone(), json!({})).await;
    let last = related(s, &room, &bob, thread.clone(), json!({})).await;
    let reaction = json!({"rel_type": "m.annotation", "event_id": last, "key": "👍"});
    send(
        s,
        &room,
        &alice,
        "m.reaction",
        json!({"m.relates_to": reaction}),
    )
    .await;

    let summary = &relations_of(s, &carol, &room, &root)["m.thread"];
    assert_eq!(summary["count"], 2);
    assert_eq!(summary["latest_event"]["event_id"], last.as_str());
    assert_eq!(summary["current_user_participated"], false);
    assert_eq!(
        relations_of(s, &alice, &room, &root)["m.thread"]["current_user_participated"],
        true,
        "root sender"
    );
    assert_eq!(
        relations_of(s, &bob, &room, &root)["m.thread"]["current_user_participated"],
        true,
        "replier"
    );
    assert!(
        relations_of(s, &alice, &room, &last)["m.annotation"].is_null(),
        "annotations are not aggregated"
    );

    // Carol ignores bob: his replies leave her aggregation.
    let ignore = json!({"ignored_users": {bob.as_str(): {}}});
    s.set_global_account_data(&carol, "m.ignored_user_list", ignore)
        .unwrap();
    assert!(relations_of(s, &carol, &room, &root)["m.thread"].is_null());
    assert_eq!(
        relations_of(s, &alice, &room, &root)["m.thread"]["count"],
        2
    );
}

#[tokio::test]
async fn latest_valid_edit_is_bundled_and_dropped_on_redaction() {
    let f = fixture().await;
    let s = &f.services;
    let (alice, bob, room) = alice_and_bob(s).await;
    let original = text(s, &room, &alice, "v1").await;
    let replace = json!({"rel_type": "m.replace", "event_id": original});
    let new_content = json!({"m.new_content": {"msgtype": "m.text", "body": "v2"}});
    let mut valid = vec![];
    for _ in 0..2 {
        valid.push(related(s, &room, &alice, replace.clone(), new_content.clone()).await);
    }
    let by_bob = related(s, &room, &bob, replace.clone(), new_content.clone()).await;
    let without_new_content = related(s, &room, &alice, replace.clone(), json!({})).await;

    let bundled = relations_of(s, &bob, &room, &original)["m.replace"].clone();
    let chosen = bundled["event_id"].as_str().unwrap().to_owned();
    assert_ne!(chosen, by_bob, "another sender's edit is invalid");
    assert_ne!(chosen, without_new_content, "an edit needs m.new_content");
    let newest = valid
        .iter()
        .map(|id| {
            let e = s.room_event(view(&alice), &room, id).unwrap();
            (e["origin_server_ts"].as_u64().unwrap(), id.clone())
        })
        .max()
        .unwrap();
    assert_eq!(
        chosen, newest.1,
        "most recent by origin_server_ts, then event ID"
    );
    assert_eq!(bundled["content"]["m.new_content"]["body"], "v2");
    let original_event = s.room_event(view(&bob), &room, &original).unwrap();
    assert_eq!(
        original_event["content"]["body"], "v1",
        "content is left intact"
    );

    send(
        s,
        &room,
        &alice,
        "m.room.redaction",
        json!({"redacts": original}),
    )
    .await;
    assert!(relations_of(s, &bob, &room, &original)["m.replace"].is_null());
}

#[tokio::test]
async fn references_list_event_ids_and_redacted_children_drop_out() {
    let f = fixture().await;
    let s = &f.services;
    let (alice, bob, room) = alice_and_bob(s).await;
    let target = text(s, &room, &alice, "poll").await;
    let reference = json!({"rel_type": "m.reference", "event_id": target});
    let one = related(s, &room, &bob, reference.clone(), json!({})).await;
    let two = related(s, &room, &alice, reference.clone(), json!({})).await;
    let chunk = relations_of(s, &alice, &room, &target)["m.reference"]["chunk"].clone();
    assert_eq!(chunk, json!([{"event_id": one}, {"event_id": two}]));

    send(s, &room, &bob, "m.room.redaction", json!({"redacts": one})).await;
    let chunk = relations_of(s, &alice, &room, &target)["m.reference"]["chunk"].clone();
    assert_eq!(chunk, json!([{"event_id": two}]));
}

#[tokio::test]
async fn threads_are_listed_by_latest_reply_and_filtered_by_participation() {
    let f = fixture().await;
    let s = &f.services;
    let (alice, bob, room) = alice_and_bob(s).await;
    let first = text(s, &room, &alice, "first root").await;
    let second = text(s, &room, &bob, "second root").await;
    text(s, &room, &alice, "not a thread").await;
    let in_thread = |root: &str| json!({"rel_type": "m.thread", "event_id": root});
    related(s, &room, &bob, in_thread(&second), json!({})).await;
    let reply = related(s, &room, &bob, in_thread(&first), json!({})).await;

    let all = ThreadsQuery {
        participated_only: false,
        from: None,
        limit: 10,
    };
    let page = s.threads(view(&alice), &room, all).unwrap();
    let ids: Vec<_> = page.chunk.iter().map(|e| e["event_id"].clone()).collect();
    assert_eq!(ids, [json!(first), json!(second)], "latest reply first");
    assert_eq!(
        page.chunk[0]["unsigned"]["m.relations"]["m.thread"]["latest_event"]["event_id"],
        reply.as_str()
    );
    assert!(page.next_batch.is_none());

    let participated = ThreadsQuery {
        participated_only: true,
        ..all
    };
    let mine = s.threads(view(&alice), &room, participated).unwrap();
    assert_eq!(mine.chunk.len(), 1);
    assert_eq!(mine.chunk[0]["event_id"], first.as_str());

    let one = ThreadsQuery { limit: 1, ..all };
    let page1 = s.threads(view(&alice), &room, one).unwrap();
    assert_eq!(page1.chunk[0]["event_id"], first.as_str());
    let page2 = s
        .threads(
            view(&alice),
            &room,
            ThreadsQuery {
                from: page1.next_batch,
                ..one
            },
        )
        .unwrap();
    assert_eq!(page2.chunk.len(), 1);
    assert_eq!(page2.chunk[0]["event_id"], second.as_str());
    assert!(page2.next_batch.is_none());

    // Alice ignores bob: his root (with her reply) comes back redacted.
    related(s, &room, &alice, in_thread(&second), json!({})).await;
    let ignore = json!({"ignored_users": {bob.as_str(): {}}});
    s.set_global_account_data(&alice, "m.ignored_user_list", ignore)
        .unwrap();
    let page = s.threads(view(&alice), &room, all).unwrap();
    let second_root = page
        .chunk
        .iter()
        .find(|e| e["event_id"] == second.as_str())
        .expect("the thread alice replied to is listed");
    assert_eq!(
        second_root["content"],
        json!({}),
        "an ignored user's root is redacted"
    );
    assert_eq!(
        second_root["unsigned"]["m.relations"]["m.thread"]["count"],
        1
    );

    let carol = user(s, "carol").await;
    assert!(
        s.threads(view(&carol), &room, all).is_err(),
        "outsiders cannot list a shared-history room's threads"
    );
}

#[tokio::test]
async fn thread_of_follows_relations_to_the_root() {
    let f = fixture().await;
    let s = &f.services;
    let (alice, bob, room) = alice_and_bob(s).await;
    let root = text(s, &room, &alice, "root").await;
    let reply = thread_reply(s, &room, &bob, &root).await;
    let reaction = json!({"rel_type": "m.annotation", "event_id": reply, "key": "a"});
    let reaction = send(
        s,
        &room,
        &alice,
        "m.reaction",
        json!({"m.relates_to": reaction}),
    )
    .await;
    let thread = |id: &str| s.thread_of(&s.pdu(id).unwrap().unwrap()).unwrap();
    assert_eq!(thread(&reply), Some(root.clone()));
    assert_eq!(thread(&reaction), Some(root.clone()));
    assert_eq!(thread(&root), None, "a thread root is in the main timeline");
}

#[tokio::test]
async fn threads_cannot_start_from_related_events() {
    let f = fixture().await;
    let s = &f.services;
    let (alice, bob, room) = alice_and_bob(s).await;
    let root = text(s, &room, &alice, "root").await;
    let reply = thread_reply(s, &room, &bob, &root).await;
    let on = |parent: &str| json!({"m.relates_to": {"rel_type": "m.thread", "event_id": parent}});
    let check = |content: &Value| {
        let event = NewRelation {
            room_id: &room,
            sender: &alice,
            kind: "m.room.message",
            content,
        };
        s.refused_relation(&event).unwrap()
    };
    assert!(check(&on(&root)).is_none());
    assert!(matches!(
        check(&on(&reply)),
        Some(RelationRefusal::ThreadFromRelated(_))
    ));
    assert!(check(&json!({"body": "plain"})).is_none());
}

#[tokio::test]
async fn an_annotation_cannot_be_sent_twice_until_redacted() {
    let f = fixture().await;
    let s = &f.services;
    let (alice, bob, room) = alice_and_bob(s).await;
    let target = text(s, &room, &alice, "react to me").await;
    let content =
        json!({"m.relates_to": {"rel_type": "m.annotation", "event_id": target, "key": "👍"}});
    let check = |sender: &OwnedUserId| {
        let event = NewRelation {
            room_id: &room,
            sender,
            kind: "m.reaction",
            content: &content,
        };
        s.refused_relation(&event).unwrap()
    };
    assert_eq!(check(&bob), None);
    let first = send(s, &room, &bob, "m.reaction", content.clone()).await;
    assert_eq!(check(&bob), Some(RelationRefusal::DuplicateAnnotation));
    assert_eq!(
        check(&alice),
        None,
        "another user's identical annotation is fine"
    );
    send(
        s,
        &room,
        &bob,
        "m.room.redaction",
        json!({"redacts": first}),
    )
    .await;
    assert_eq!(
        check(&bob),
        None,
        "allowed again once the first is redacted"
    );
}
