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
