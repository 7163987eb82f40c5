//! The checks on receipt of a PDU, between two in-process servers: `b`
//! holds a room that `a` joined; events built on `b` are handed to `a`'s
//! pipeline as `b` would send them, intact or tampered with.

use plexus_core::{pdu::PduTemplate, time::now_millis, Pdu};
use plexus_service::{events::NewEvent, Services};
use ruma::{CanonicalJsonObject, CanonicalJsonValue, OwnedRoomId, OwnedServerName, OwnedUserId};
use serde_json::json;

use super::{receive_pdu, PduRejection};
use crate::testing::pair::{pair, Pair};

struct Joined {
    pair: Pair,
    room: OwnedRoomId,
    bob: OwnedUserId,
    alice: OwnedUserId,
}

impl Joined {
    fn b_name(&self) -> OwnedServerName {
        self.pair.b.name.as_str().try_into().unwrap()
    }

    async fn message_on_b(&self, body: &str) -> Pdu {
        let event = NewEvent::message("m.room.message", json!({"msgtype": "m.text", "body": body}));
        let pdu = self
            .pair
            .b
            .services()
            .append_event(&self.room, &self.bob, event)
            .await
            .unwrap();
        (*pdu).clone()
    }

    async fn deliver(&self, json: CanonicalJsonObject) -> Result<ruma::OwnedEventId, PduRejection> {
        receive_pdu(&self.pair.a.federation, &self.b_name(), json)
            .await
            .map_err(|(_, why)| why)
    }

    fn a(&self) -> &Services {
        self.pair.a.services()
    }
}

/// `alice` on `a` joins `bob`'s public room on `b`.
async fn joined() -> Joined {
    let pair = pair().await;
    let bob = pair.b.user("bob").await;
    let room = pair.b.public_room(&bob).await;
    let alice = pair.a.user("alice").await;
    let via: OwnedServerName = pair.b.name.as_str().try_into().unwrap();
    pair.a
        .services()
        .join_room(&room, &alice, None, &[via])
        .await
        .unwrap();
    Joined {
        pair,
        room,
        bob,
        alice,
    }
}

fn in_timeline(services: &Services, pdu: &Pdu) -> bool {
    services
        .event_meta(pdu.event_id.as_str())
        .unwrap()
        .is_some_and(|meta| meta.stream != 0 && !meta.rejected && !meta.soft_failed)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remote_join_stores_the_room_state_on_both_sides() {
    let j = joined().await;
    assert!(j.a().is_joined(&j.room, &j.alice).unwrap());
    assert!(
        j.a().is_joined(&j.room, &j.bob).unwrap(),
        "state from send_join"
    );
    assert!(j.pair.b.services().is_joined(&j.room, &j.alice).unwrap());
    let name = j
        .a()
        .current_state_event(&j.room, "m.room.create", "")
        .unwrap();
    assert!(
        name.is_some(),
        "the create event is part of the stored state"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_intact_event_is_accepted_into_the_timeline() {
    let j = joined().await;
    let message = j.message_on_b("hello").await;
    j.deliver(message.json.clone()).await.unwrap();
    assert!(in_timeline(j.a(), &message));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_content_hash_mismatch_keeps_the_event_redacted() {
    let j = joined().await;
    let message = j.message_on_b("original").await;
    let mut json = message.json.clone();
    let Some(CanonicalJsonValue::Object(content)) = json.get_mut("content") else {
        panic!("no content");
    };
    content.insert("body".into(), CanonicalJsonValue::String("tampered".into()));
    j.deliver(json).await.unwrap();
    let stored = j.a().pdu(message.event_id.as_str()).unwrap().unwrap();
    assert_eq!(stored.content_value(), json!({}), "stored redacted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_signature_is_refused_and_nothing_is_stored() {
    let j = joined().await;
    let message = j.message_on_b("hello").await;
    let mut json = message.json.clone();
    json.insert(
        "origin_server_ts".into(),
        CanonicalJsonValue::Integer(1u32.into()),
    );
    let result = j.deliver(json).await;
    assert!(
        matches!(result, Err(PduRejection::Signature(_))),
        "{result:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_failing_the_auth_rules_is_stored_as_rejected() {
    let j = joined().await;
    let last = j.message_on_b("before").await;
    j.deliver(last.json.clone()).await.unwrap();
    let mallory: OwnedUserId = format!("@mallory:{}", j.pair.b.name).try_into().unwrap();
    let power = j
        .a()
        .current_state_event(&j.room, "m.room.power_levels", "")
        .unwrap()
        .unwrap();
    let rules = plexus_service::events::rules_for("12").unwrap();
    let forged = PduTemplate {
        room_id: Some(j.room.clone()),
        sender: mallory,
        kind: "m.room.message".into(),
        content: json!({"msgtype": "m.text", "body": "not a member"}),
        state_key: None,
        prev_events: vec![last.event_id.clone()],
        auth_events: vec![power.event_id.clone()],
        depth: last.depth + 1,
        origin_server_ts: now_millis(),
    }
    .sign(&rules, &j.pair.b.services().key)
    .unwrap();
    let result = j.deliver(forged.json.clone()).await;
    assert!(matches!(result, Err(PduRejection::Auth(_))), "{result:?}");
    let meta = j.a().event_meta(forged.event_id.as_str()).unwrap().unwrap();
    assert!(meta.rejected);
    assert!(!in_timeline(j.a(), &forged));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_prev_events_are_fetched_before_the_new_event() {
    let j = joined().await;
    let first = j.message_on_b("one").await;
    let second = j.message_on_b("two").await;
    let third = j.message_on_b("three").await;
    j.deliver(third.json.clone()).await.unwrap();
    for pdu in [&first, &second, &third] {
        assert!(
            in_timeline(j.a(), pdu),
            "{} is in the timeline",
            pdu.event_id
        );
    }
    let order = |pdu: &Pdu| {
        j.a()
            .event_meta(pdu.event_id.as_str())
            .unwrap()
            .unwrap()
            .stream
    };
    assert!(order(&first) < order(&second) && order(&second) < order(&third));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gap_of_many_events_is_filled_over_several_rounds() {
    let j = joined().await;
    let mut sent = Vec::new();
    for n in 0..120 {
        sent.push(j.message_on_b(&format!("gap {n}")).await);
    }
    j.deliver(sent[119].json.clone()).await.unwrap();
    let streams: Vec<u64> = sent
        .iter()
        .map(|pdu| {
            let meta = j.a().event_meta(pdu.event_id.as_str()).unwrap();
            assert!(
                in_timeline(j.a(), pdu),
                "{} is in the timeline",
                pdu.event_id
            );
            meta.unwrap().stream
        })
        .collect();
    assert!(streams.windows(2).all(|w| w[0] < w[1]), "in order");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_allowed_before_but_not_by_the_current_state_is_soft_failed() {
    let j = joined().await;
    let b = j.pair.b.services();
    let eve = j.pair.b.user("eve").await;
    b.join_room(&j.room, &eve, None, &[]).await.unwrap();
    let eve_joined = b.member_event_of(&j.room, &eve);
    j.deliver(eve_joined.json.clone()).await.unwrap();
    let ban = b
        .set_membership(&j.room, &j.bob, &eve, "ban", None)
        .await
        .map(|_| b.member_event_of(&j.room, &eve))
        .unwrap();
    j.deliver(ban.json.clone()).await.unwrap();
    // eve's message forks from before the ban: allowed there, not now.
    let power = b
        .current_state_event(&j.room, "m.room.power_levels", "")
        .unwrap()
        .unwrap();
    let rules = plexus_service::events::rules_for("12").unwrap();
    let late = PduTemplate {
        room_id: Some(j.room.clone()),
        sender: eve.clone(),
        kind: "m.room.message".into(),
        content: json!({"msgtype": "m.text", "body": "sent before I saw the ban"}),
        state_key: None,
        prev_events: vec![eve_joined.event_id.clone()],
        auth_events: vec![power.event_id.clone(), eve_joined.event_id.clone()],
        depth: eve_joined.depth + 1,
        origin_server_ts: now_millis(),
    }
    .sign(&rules, &b.key)
    .unwrap();
    j.deliver(late.json.clone()).await.unwrap();
    let meta = j.a().event_meta(late.event_id.as_str()).unwrap().unwrap();
    assert!(meta.soft_failed && !meta.rejected, "{meta:?}");
    assert!(!in_timeline(j.a(), &late));
    let room = j.a().room_record(&j.room).unwrap().unwrap();
    assert!(!room
        .forward_extremities
        .contains(&late.event_id.to_string()));
}

trait MemberEvent {
    fn member_event_of(&self, room: &ruma::RoomId, user: &ruma::UserId) -> Pdu;
}

impl MemberEvent for Services {
    fn member_event_of(&self, room: &ruma::RoomId, user: &ruma::UserId) -> Pdu {
        let pdu = self
            .current_state_event(room, "m.room.member", user.as_str())
            .unwrap()
            .unwrap();
        (*pdu).clone()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeated_transaction_is_answered_from_storage_without_reprocessing() {
    let j = joined().await;
    let message = j.message_on_b("once").await;
    let pdu = serde_json::to_value(CanonicalJsonValue::Object(message.json.clone())).unwrap();
    let client = &j.pair.b.federation.client;
    let a = &j.pair.a.name;
    let send = |txn: &'static str, pdus: Vec<serde_json::Value>| {
        let body = json!({"origin": j.pair.b.name, "origin_server_ts": now_millis(), "pdus": pdus});
        async move {
            let path = format!("/_matrix/federation/v1/send/{txn}");
            client
                .send(a, http::Method::PUT, &path, Some(&body))
                .await
                .unwrap()
        }
    };
    let first = send("t1", vec![pdu]).await;
    let expected = json!({"pdus": {message.event_id.to_string(): {}}});
    assert_eq!(first, expected);
    // The same ID with other content gets the stored answer: nothing is reprocessed.
    assert_eq!(send("t1", vec![]).await, expected);
    assert_eq!(send("t2", vec![]).await, json!({"pdus": {}}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_state_on_two_servers_is_resolved_and_the_next_event_merges_the_fork() {
    let j = joined().await;
    let rename = |user: &OwnedUserId, name: &str| {
        NewEvent::state(
            "m.room.member",
            user.as_str(),
            json!({"membership": "join", "displayname": name}),
        )
    };
    let a_side = j
        .a()
        .append_event(&j.room, &j.alice, rename(&j.alice, "Alice 2"))
        .await
        .unwrap();
    let b = j.pair.b.services();
    let b_side = b
        .append_event(&j.room, &j.bob, rename(&j.bob, "Bob 2"))
        .await
        .unwrap();
    j.deliver(b_side.json.clone()).await.unwrap();
    let room = j.a().room_record(&j.room).unwrap().unwrap();
    let mut tips = room.forward_extremities.clone();
    tips.sort();
    let mut expected = vec![a_side.event_id.to_string(), b_side.event_id.to_string()];
    expected.sort();
    assert_eq!(tips, expected, "both sides of the fork are extremities");
    let name = |user: &OwnedUserId| {
        j.a()
            .member_event_of(&j.room, user)
            .content_str("displayname")
    };
    assert_eq!(name(&j.alice).as_deref(), Some("Alice 2"));
    assert_eq!(
        name(&j.bob).as_deref(),
        Some("Bob 2"),
        "resolved, not overwritten"
    );
    let next = j
        .a()
        .append_event(
            &j.room,
            &j.alice,
            NewEvent::message("m.room.message", json!({"body": "merge"})),
        )
        .await
        .unwrap();
    assert_eq!(next.prev_events.len(), 2, "the next event cites both sides");
}
