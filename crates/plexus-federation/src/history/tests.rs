//! The read endpoints in process, called by a fake `remote.example` whose
//! user bob is in the room, and by `stranger.example`, which has no member:
//! `/event`, `/state`, `/state_ids`, `/event_auth`, `/backfill`,
//! `/get_missing_events`, `/timestamp_to_event`, history visibility and ACLs.

use std::sync::Arc;

use plexus_core::Pdu;
use plexus_service::{
    events::NewEvent,
    rooms::{CreateRoom, Preset},
    Services,
};
use ruma::{OwnedRoomId, OwnedUserId, UserId};
use serde_json::{json, Value};

use crate::test_origin::{enc, trusted_key, Harness, ORIGIN};

struct Room {
    id: OwnedRoomId,
    alice: OwnedUserId,
    messages: Vec<Arc<Pdu>>,
}

async fn append(s: &Services, room: &OwnedRoomId, sender: &UserId, event: NewEvent) -> Arc<Pdu> {
    s.append_event(room, sender, event).await.unwrap()
}

async fn say(s: &Services, room: &OwnedRoomId, sender: &UserId, body: &str) -> Arc<Pdu> {
    let content = json!({"msgtype": "m.text", "body": body});
    append(
        s,
        room,
        sender,
        NewEvent::message("m.room.message", content),
    )
    .await
}

/// A public room of alice's with `visibility`, bob of remote.example joined,
/// then messages m0, m1, m2.
async fn room(h: &Harness, visibility: &str) -> Room {
    let s = &h.services;
    let alice = s
        .create_user("alice", Some("password123"), false)
        .await
        .unwrap();
    let request = CreateRoom {
        preset: Some(Preset::PublicChat),
        ..Default::default()
    };
    let id = s.create_room(&alice, request).await.unwrap();
    let content = json!({"history_visibility": visibility});
    append(
        s,
        &id,
        &alice,
        NewEvent::state("m.room.history_visibility", "", content),
    )
    .await;
    let bob: OwnedUserId = format!("@bob:{ORIGIN}").try_into().unwrap();
    let join = NewEvent::state("m.room.member", bob.as_str(), json!({"membership": "join"}));
    append(s, &id, &bob, join).await;
    let mut messages = Vec::new();
    for i in 0..3 {
        messages.push(say(s, &id, &alice, &format!("m{i}")).await);
    }
    Room {
        id,
        alice,
        messages,
    }
}

fn ids(values: &Value) -> Vec<String> {
    values
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

fn bodies(pdus: &Value) -> Vec<String> {
    pdus.as_array()
        .unwrap()
        .iter()
        .map(|p| p["content"]["body"].as_str().unwrap_or("").to_owned())
        .collect()
}

#[tokio::test]
async fn event_is_served_in_federation_format_to_servers_that_may_see_it() {
    let h = Harness::new();
    let room = room(&h, "joined").await;
    let m1 = &room.messages[1];
    let uri = format!("/_matrix/federation/v1/event/{}", enc(m1.event_id.as_str()));
    let (status, body) = h.call("GET", &uri, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["origin"], "localhost");
    assert!(body["origin_server_ts"].as_u64().unwrap() > 0);
    let served = &body["pdus"][0];
    assert_eq!(
        served,
        &Value::from(ruma::CanonicalJsonValue::Object(m1.json.clone()))
    );
    assert!(
        served.get("event_id").is_none(),
        "v12 PDUs carry no event_id"
    );

    let stranger = trusted_key(&h.services, "stranger.example");
    let (status, body) = h.call_as(&stranger, "GET", &uri, None).await;
    assert_eq!(
        (status, body["errcode"].as_str()),
        (403, Some("M_FORBIDDEN"))
    );
    let (status, _) = h
        .call("GET", "/_matrix/federation/v1/event/%24nope", None)
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_redacted_event_is_served_redacted() {
    let h = Harness::new();
    let room = room(&h, "shared").await;
    let target = &room.messages[0];
    let redaction = NewEvent::message("m.room.redaction", json!({"redacts": target.event_id}));
    append(&h.services, &room.id, &room.alice, redaction).await;
    let uri = format!(
        "/_matrix/federation/v1/event/{}",
        enc(target.event_id.as_str())
    );
    let (status, body) = h.call("GET", &uri, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["pdus"][0]["content"], json!({}));
    assert_eq!(body["pdus"][0]["sender"], room.alice.as_str());
}

#[tokio::test]
async fn state_and_state_ids_give_the_state_before_the_event_and_its_auth_chain() {
    let h = Harness::new();
    let room = room(&h, "shared").await;
    let m0 = &room.messages[0];
    let query = format!(
        "{}?event_id={}",
        enc(room.id.as_str()),
        enc(m0.event_id.as_str())
    );
    let (status, body) = h
        .call(
            "GET",
            &format!("/_matrix/federation/v1/state_ids/{query}"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let state = h.services.state_events_in_group(
        h.services
            .event_meta(m0.event_id.as_str())
            .unwrap()
            .unwrap()
            .state_before,
    );
    let mut expected: Vec<String> = state
        .unwrap()
        .iter()
        .map(|e| e.event_id.to_string())
        .collect();
    let mut pdu_ids = ids(&body["pdu_ids"]);
    expected.sort();
    pdu_ids.sort();
    assert_eq!(pdu_ids, expected);
    let bob_join = h
        .services
        .current_state_event(&room.id, "m.room.member", &format!("@bob:{ORIGIN}"))
        .unwrap()
        .unwrap();
    assert!(pdu_ids.contains(&bob_join.event_id.to_string()));
    let chain = ids(&body["auth_chain_ids"]);
    let create = h
        .services
        .current_state_event(&room.id, "m.room.create", "")
        .unwrap()
        .unwrap();
    assert!(chain.contains(&create.event_id.to_string()));

    let (status, full) = h
        .call(
            "GET",
            &format!("/_matrix/federation/v1/state/{query}"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{full}");
    assert_eq!(full["pdus"].as_array().unwrap().len(), pdu_ids.len());
    assert_eq!(full["auth_chain"].as_array().unwrap().len(), chain.len());

    let stranger = trusted_key(&h.services, "stranger.example");
    let uri = format!("/_matrix/federation/v1/state/{query}");
    let (status, _) = h.call_as(&stranger, "GET", &uri, None).await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn event_auth_is_the_transitive_auth_chain() {
    let h = Harness::new();
    let room = room(&h, "shared").await;
    let m2 = &room.messages[2];
    let uri = format!(
        "/_matrix/federation/v1/event_auth/{}/{}",
        enc(room.id.as_str()),
        enc(m2.event_id.as_str())
    );
    let (status, body) = h.call("GET", &uri, None).await;
    assert_eq!(status, 200, "{body}");
    let chain = body["auth_chain"].as_array().unwrap();
    let mut types: Vec<&str> = chain.iter().map(|e| e["type"].as_str().unwrap()).collect();
    types.sort();
    // Alice's message: her join, the power levels, and (implied in v12) the create event;
    // the power levels' own auth events are those same events, so nothing more.
    assert_eq!(
        types,
        ["m.room.create", "m.room.member", "m.room.power_levels"]
    );
    assert_eq!(
        chain.iter().find(|e| e["type"] == "m.room.member").unwrap()["state_key"],
        room.alice.as_str()
    );
}

#[tokio::test]
async fn backfill_walks_back_newest_first_up_to_the_limit() {
    let h = Harness::new();
    let room = room(&h, "shared").await;
    let m2 = &room.messages[2];
    let uri = format!(
        "/_matrix/federation/v1/backfill/{}?v={}&limit=2",
        enc(room.id.as_str()),
        enc(m2.event_id.as_str())
    );
    let (status, body) = h.call("GET", &uri, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["origin"], "localhost");
    assert_eq!(bodies(&body["pdus"]), ["m2", "m1"]);
    let (status, body) = h
        .call("GET", &uri.replace("limit=2", "limit=100"), None)
        .await;
    assert_eq!(status, 200);
    let all = body["pdus"].as_array().unwrap();
    assert_eq!(all.last().unwrap()["type"], "m.room.create");
}

#[tokio::test]
async fn backfill_leaves_out_what_the_server_may_not_see() {
    let h = Harness::new();
    let room = room(&h, "joined").await;
    let uri = format!(
        "/_matrix/federation/v1/backfill/{}?v={}&limit=100",
        enc(room.id.as_str()),
        enc(room.messages[2].event_id.as_str())
    );
    let stranger = trusted_key(&h.services, "stranger.example");
    let (status, body) = h.call_as(&stranger, "GET", &uri, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["pdus"], json!([]));
    let (_, body) = h.call("GET", &uri, None).await;
    let seen = bodies(&body["pdus"]);
    assert_eq!(&seen[..3], ["m2", "m1", "m0"]);
}

#[tokio::test]
async fn get_missing_events_fills_the_gap_oldest_first() {
    let h = Harness::new();
    let room = room(&h, "shared").await;
    let s = &h.services;
    let m3 = say(s, &room.id, &room.alice, "m3").await;
    let uri = format!(
        "/_matrix/federation/v1/get_missing_events/{}",
        enc(room.id.as_str())
    );
    let request = json!({
        "earliest_events": [room.messages[0].event_id],
        "latest_events": [m3.event_id],
        "limit": 10,
    });
    let (status, body) = h.call("POST", &uri, Some(request)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(bodies(&body["events"]), ["m1", "m2"]);
    let request = json!({
        "earliest_events": [],
        "latest_events": [m3.event_id],
        "limit": 1,
    });
    let (_, body) = h.call("POST", &uri, Some(request)).await;
    assert_eq!(bodies(&body["events"]), ["m2"]);
}

#[tokio::test]
async fn timestamp_to_event_finds_the_closest_event_in_each_direction() {
    let h = Harness::new();
    let room = room(&h, "shared").await;
    let last = &room.messages[2];
    let base = format!(
        "/_matrix/federation/v1/timestamp_to_event/{}",
        enc(room.id.as_str())
    );
    let uri = format!("{base}?ts={}&dir=b", last.origin_server_ts + 60_000);
    let (status, body) = h.call("GET", &uri, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["event_id"], last.event_id.as_str());
    assert_eq!(body["origin_server_ts"], last.origin_server_ts);
    let uri = format!("{base}?ts={}&dir=f", last.origin_server_ts + 60_000);
    let (status, _) = h.call("GET", &uri, None).await;
    assert_eq!(status, 404);
    let (status, _) = h.call("GET", &format!("{base}?ts=0&dir=x"), None).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn a_server_denied_by_the_acl_gets_403_everywhere() {
    let h = Harness::new();
    let room = room(&h, "shared").await;
    let acl = json!({"allow": ["*"], "deny": ["*.example"]});
    append(
        &h.services,
        &room.id,
        &room.alice,
        NewEvent::state("m.room.server_acl", "", acl),
    )
    .await;
    let room_id = enc(room.id.as_str());
    let m1 = enc(room.messages[1].event_id.as_str());
    let uris = [
        format!("/_matrix/federation/v1/event/{m1}"),
        format!("/_matrix/federation/v1/state_ids/{room_id}?event_id={m1}"),
        format!("/_matrix/federation/v1/event_auth/{room_id}/{m1}"),
        format!("/_matrix/federation/v1/backfill/{room_id}?v={m1}&limit=5"),
        format!("/_matrix/federation/v1/timestamp_to_event/{room_id}?ts=0&dir=f"),
    ];
    for uri in uris {
        let (status, body) = h.call("GET", &uri, None).await;
        assert_eq!(
            (status, body["errcode"].as_str()),
            (403, Some("M_FORBIDDEN")),
            "{uri}"
        );
    }
}
