//! Domain tests: the append pipeline, state groups, history visibility,
//! stream ordering and /sync, on a real database in a temp dir.

use std::time::Duration;

use plexus_core::{config::Switch, Config};
use ruma::{OwnedRoomId, OwnedUserId, RoomVersionId};
use serde_json::{json, Value};

use crate::{
    events::{NewEvent, Txn, TxnEndpoint},
    rooms::{CreateRoom, Preset},
    sync::SyncParams,
    timeline::{PageRequest, Viewer},
    Direction, ServiceError, Services,
};

pub(crate) struct Fixture {
    pub services: std::sync::Arc<Services>,
    _dir: tempfile::TempDir,
}

pub(crate) async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        data_dir: dir.path().to_owned(),
        rate_limits: Switch::Off,
        ..Config::default()
    };
    Fixture {
        services: Services::open(config).unwrap(),
        _dir: dir,
    }
}

/// The bodies of the messages `user` reads paging back from `from`.
fn bodies_back(
    f: &Fixture,
    user: &OwnedUserId,
    room_id: &OwnedRoomId,
    from: u64,
    limit: usize,
) -> Vec<Value> {
    let viewer = Viewer { user, device: None };
    let page = PageRequest {
        from,
        to: None,
        direction: Direction::Backward,
        limit,
    };
    let page = f
        .services
        .messages(viewer, room_id, page, &Default::default())
        .unwrap();
    page.chunk
        .iter()
        .map(|e| e["content"]["body"].clone())
        .collect()
}

/// A user with a password, for domain tests anywhere in the crate.
pub(crate) async fn user(s: &Services, name: &str) -> OwnedUserId {
    s.create_user(name, Some("password123"), false)
        .await
        .unwrap()
}

/// alice's public room (version 12) that bob has joined.
async fn alice_and_bob_in_a_room(f: &Fixture) -> (OwnedUserId, OwnedUserId, OwnedRoomId) {
    let (alice, bob) = (
        user(&f.services, "alice").await,
        user(&f.services, "bob").await,
    );
    let room_id = room(&f.services, &alice, Preset::PublicChat, RoomVersionId::V12).await;
    f.services
        .join_room(&room_id, &bob, None, &[])
        .await
        .unwrap();
    (alice, bob, room_id)
}

async fn room(
    s: &Services,
    creator: &OwnedUserId,
    preset: Preset,
    version: RoomVersionId,
) -> OwnedRoomId {
    let req = CreateRoom {
        preset: Some(preset),
        room_version: Some(version),
        ..Default::default()
    };
    s.create_room(creator, req).await.unwrap()
}

fn text(body: &str) -> NewEvent {
    NewEvent::message(
        "m.room.message",
        json!({ "msgtype": "m.text", "body": body }),
    )
}

#[tokio::test]
async fn every_supported_room_version_can_be_created_and_used() {
    let f = fixture().await;
    let alice = user(&f.services, "alice").await;
    for version in [RoomVersionId::V10, RoomVersionId::V11, RoomVersionId::V12] {
        let room_id = room(&f.services, &alice, Preset::PrivateChat, version.clone()).await;
        let pdu = f
            .services
            .append_event(&room_id, &alice, text("hi"))
            .await
            .unwrap();
        assert_eq!(pdu.room_id, room_id, "{version}");
        let create = f
            .services
            .current_state_event(&room_id, "m.room.create", "")
            .unwrap()
            .unwrap();
        assert_eq!(
            create.content_str("room_version").as_deref(),
            Some(version.as_str())
        );
    }
}

#[tokio::test]
async fn non_members_cannot_send_and_invite_only_rooms_refuse_joins() {
    let f = fixture().await;
    let (alice, bob) = (
        user(&f.services, "alice").await,
        user(&f.services, "bob").await,
    );
    let room_id = room(&f.services, &alice, Preset::PrivateChat, RoomVersionId::V12).await;
    let err = f
        .services
        .append_event(&room_id, &bob, text("let me in"))
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::Forbidden(_)), "{err:?}");
    let err = f
        .services
        .join_room(&room_id, &bob, None, &[])
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::Forbidden(_)), "{err:?}");
    f.services
        .invite(&room_id, &alice, &bob, None, false)
        .await
        .unwrap();
    f.services
        .join_room(&room_id, &bob, None, &[])
        .await
        .unwrap();
    f.services
        .append_event(&room_id, &bob, text("thanks"))
        .await
        .unwrap();
}

#[tokio::test]
async fn state_at_each_event_is_kept() {
    let f = fixture().await;
    let alice = user(&f.services, "alice").await;
    let room_id = room(&f.services, &alice, Preset::PrivateChat, RoomVersionId::V11).await;
    let mut topics = Vec::new();
    for n in 0..100 {
        let topic = NewEvent::state("m.room.topic", "", json!({ "topic": format!("t{n}") }));
        let pdu = f
            .services
            .append_event(&room_id, &alice, topic)
            .await
            .unwrap();
        topics.push(pdu.event_id.to_string());
    }
    // Past the delta-chain limit, groups are rebuilt from snapshots; every one must still be right.
    for (n, event_id) in topics.iter().enumerate() {
        let meta = f.services.event_meta(event_id).unwrap().unwrap();
        let at = f
            .services
            .state_event_in_group(meta.state_after, "m.room.topic", "")
            .unwrap()
            .unwrap();
        assert_eq!(at.content_str("topic"), Some(format!("t{n}")));
        let creator = f
            .services
            .state_event_in_group(meta.state_after, "m.room.member", alice.as_str())
            .unwrap();
        assert!(creator.is_some());
    }
}

#[tokio::test]
async fn joined_history_visibility_hides_earlier_messages() {
    let f = fixture().await;
    let (alice, bob) = (
        user(&f.services, "alice").await,
        user(&f.services, "bob").await,
    );
    let room_id = room(&f.services, &alice, Preset::PublicChat, RoomVersionId::V12).await;
    let hv = NewEvent::state(
        "m.room.history_visibility",
        "",
        json!({ "history_visibility": "joined" }),
    );
    f.services.append_event(&room_id, &alice, hv).await.unwrap();
    let secret = f
        .services
        .append_event(&room_id, &alice, text("before bob"))
        .await
        .unwrap();
    f.services
        .join_room(&room_id, &bob, None, &[])
        .await
        .unwrap();
    let after = f
        .services
        .append_event(&room_id, &alice, text("after bob"))
        .await
        .unwrap();
    assert!(f
        .services
        .visible_event(&bob, secret.event_id.as_str())
        .unwrap()
        .is_none());
    assert!(f
        .services
        .visible_event(&bob, after.event_id.as_str())
        .unwrap()
        .is_some());
    let bodies = bodies_back(&f, &bob, &room_id, f.services.stream.current(), 50);
    let messages: Vec<&Value> = bodies.iter().filter(|b| !b.is_null()).collect();
    assert_eq!(messages, vec!["after bob"]);
}

#[tokio::test]
async fn transaction_ids_make_sends_idempotent_per_device() {
    let f = fixture().await;
    let alice = user(&f.services, "alice").await;
    let room_id = room(&f.services, &alice, Preset::PrivateChat, RoomVersionId::V12).await;
    let send = Txn::new("DEV", "t1", TxnEndpoint::Send);
    let mut event = text("once");
    event.txn = Some(send.clone());
    let pdu = f
        .services
        .append_event(&room_id, &alice, event)
        .await
        .unwrap();
    assert_eq!(
        f.services.event_for_txn(&alice, &send).unwrap(),
        Some(pdu.event_id.clone())
    );
    let other_device = Txn::new("OTHER", "t1", TxnEndpoint::Send);
    assert_eq!(
        f.services.event_for_txn(&alice, &other_device).unwrap(),
        None
    );
    // The same ID on another endpoint is another request (spec: txn IDs are scoped per endpoint).
    let redact = Txn::new("DEV", "t1", TxnEndpoint::Redact);
    assert_eq!(f.services.event_for_txn(&alice, &redact).unwrap(), None);
}

fn sync_params(since: Option<u64>, timeout_ms: u64) -> SyncParams {
    SyncParams {
        since,
        timeout: Duration::from_millis(timeout_ms),
        ..Default::default()
    }
}

fn token(response: &Value) -> u64 {
    crate::sync::parse_token(response["next_batch"].as_str().unwrap()).unwrap()
}

#[tokio::test]
async fn incremental_sync_wakes_on_a_new_message_and_carries_only_it() {
    let f = fixture().await;
    let (alice, bob, room_id) = alice_and_bob_in_a_room(&f).await;
    let initial = f
        .services
        .sync(&bob, "B", sync_params(None, 0))
        .await
        .unwrap();
    assert!(initial["rooms"]["join"][room_id.as_str()].is_object());
    let since = token(&initial);
    let waiter = {
        let services = f.services.clone();
        let bob = bob.clone();
        tokio::spawn(async move {
            services
                .sync(&bob, "B", sync_params(Some(since), 10_000))
                .await
                .unwrap()
        })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = std::time::Instant::now();
    f.services
        .append_event(&room_id, &alice, text("ping"))
        .await
        .unwrap();
    let response = tokio::time::timeout(Duration::from_secs(5), waiter)
        .await
        .unwrap()
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "woke after {:?}",
        started.elapsed()
    );
    let events = response["rooms"]["join"][room_id.as_str()]["timeline"]["events"]
        .as_array()
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["content"]["body"], "ping");
    assert!(token(&response) > since);
}

#[tokio::test]
async fn sync_marks_a_gap_as_limited_and_sends_the_state_delta() {
    let f = fixture().await;
    let (alice, bob, room_id) = alice_and_bob_in_a_room(&f).await;
    let since = token(
        &f.services
            .sync(&bob, "B", sync_params(None, 0))
            .await
            .unwrap(),
    );
    let topic = NewEvent::state("m.room.topic", "", json!({ "topic": "changed in the gap" }));
    f.services
        .append_event(&room_id, &alice, topic)
        .await
        .unwrap();
    for n in 0..15 {
        f.services
            .append_event(&room_id, &alice, text(&format!("m{n}")))
            .await
            .unwrap();
    }
    let response = f
        .services
        .sync(&bob, "B", sync_params(Some(since), 0))
        .await
        .unwrap();
    let joined = &response["rooms"]["join"][room_id.as_str()];
    assert_eq!(joined["timeline"]["limited"], true);
    assert_eq!(joined["timeline"]["events"].as_array().unwrap().len(), 10);
    let state = joined["state"]["events"].as_array().unwrap();
    assert!(
        state
            .iter()
            .any(|e| e["content"]["topic"] == "changed in the gap"),
        "{state:?}"
    );
    let prev_batch =
        crate::sync::parse_token(joined["timeline"]["prev_batch"].as_str().unwrap()).unwrap();
    assert_eq!(bodies_back(&f, &bob, &room_id, prev_batch, 5)[0], "m4");
}

#[tokio::test]
async fn redacted_events_lose_their_content() {
    let f = fixture().await;
    let alice = user(&f.services, "alice").await;
    let room_id = room(&f.services, &alice, Preset::PrivateChat, RoomVersionId::V11).await;
    let pdu = f
        .services
        .append_event(&room_id, &alice, text("oops"))
        .await
        .unwrap();
    let redaction = NewEvent::message("m.room.redaction", json!({ "redacts": pdu.event_id }));
    f.services
        .append_event(&room_id, &alice, redaction)
        .await
        .unwrap();
    let viewer = Viewer {
        user: &alice,
        device: None,
    };
    let shown = f
        .services
        .room_event(viewer, &room_id, pdu.event_id.as_str())
        .unwrap();
    assert_eq!(shown["content"], json!({}));
    assert!(shown["unsigned"]["redacted_because"].is_object());
}

#[tokio::test]
async fn everything_survives_reopening_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        data_dir: dir.path().to_owned(),
        ..Config::default()
    };
    let (room_id, event_id, alice) = {
        let s = Services::open(config.clone()).unwrap();
        let alice = user(&s, "alice").await;
        let room_id = room(&s, &alice, Preset::PrivateChat, RoomVersionId::V12).await;
        let pdu = s
            .append_event(&room_id, &alice, text("persisted"))
            .await
            .unwrap();
        s.shutdown().unwrap();
        (room_id, pdu.event_id.to_string(), alice)
    };
    let s = Services::open(config).unwrap();
    let viewer = Viewer {
        user: &alice,
        device: None,
    };
    assert_eq!(
        s.room_event(viewer, &room_id, &event_id).unwrap()["content"]["body"],
        "persisted"
    );
    let next = s
        .append_event(&room_id, &alice, text("after restart"))
        .await
        .unwrap();
    assert_eq!(
        next.prev_events,
        vec![ruma::EventId::parse(&event_id).unwrap()]
    );
}

#[tokio::test]
async fn knocking_shows_in_sync_and_an_invite_answers_it() {
    let f = fixture().await;
    let (alice, bob) = (
        user(&f.services, "alice").await,
        user(&f.services, "bob").await,
    );
    let room_id = room(&f.services, &alice, Preset::PrivateChat, RoomVersionId::V12).await;
    let err = f
        .services
        .knock(&room_id, &bob, None, &[])
        .await
        .unwrap_err();
    assert!(
        matches!(err, ServiceError::Forbidden(_)),
        "invite-only rooms refuse knocks: {err:?}"
    );
    let rule = NewEvent::state("m.room.join_rules", "", json!({ "join_rule": "knock" }));
    f.services
        .append_event(&room_id, &alice, rule)
        .await
        .unwrap();
    f.services
        .knock(&room_id, &bob, Some("let me in".into()), &[])
        .await
        .unwrap();
    let response = f
        .services
        .sync(&bob, "B", sync_params(None, 0))
        .await
        .unwrap();
    let knock_state = response["rooms"]["knock"][room_id.as_str()]["knock_state"]["events"]
        .as_array()
        .unwrap();
    assert!(knock_state.iter().any(|e| e["type"] == "m.room.join_rules"));
    f.services
        .invite(&room_id, &alice, &bob, None, false)
        .await
        .unwrap();
    f.services
        .join_room(&room_id, &bob, None, &[])
        .await
        .unwrap();
    assert!(f.services.is_joined(&room_id, &bob).unwrap());
}

#[tokio::test]
async fn identical_v12_create_events_still_get_distinct_rooms() {
    let f = fixture().await;
    let alice = user(&f.services, "alice").await;
    let content = json!({ "room_version": "12" });
    let mut rooms = std::collections::HashSet::new();
    for _ in 0..20 {
        let pdu = f
            .services
            .create_room_event(&alice, &RoomVersionId::V12, content.clone())
            .await
            .unwrap();
        assert!(
            rooms.insert(pdu.room_id.clone()),
            "room ID {} handed out twice",
            pdu.room_id
        );
    }
}

#[tokio::test]
async fn overlong_types_and_state_keys_are_refused() {
    let f = fixture().await;
    let alice = user(&f.services, "alice").await;
    let room_id = room(&f.services, &alice, Preset::PrivateChat, RoomVersionId::V12).await;
    let long_type = NewEvent::message(&"t".repeat(256), json!({}));
    assert!(matches!(
        f.services.append_event(&room_id, &alice, long_type).await,
        Err(ServiceError::TooLarge(_))
    ));
    let long_key = NewEvent::state("org.example.s", &"k".repeat(256), json!({}));
    assert!(matches!(
        f.services.append_event(&room_id, &alice, long_key).await,
        Err(ServiceError::TooLarge(_))
    ));
}

#[tokio::test]
async fn closing_the_stream_ends_long_polls_at_once() {
    let f = fixture().await;
    let alice = user(&f.services, "alice").await;
    let since = token(
        &f.services
            .sync(&alice, "A", sync_params(None, 0))
            .await
            .unwrap(),
    );
    let poll = {
        let services = f.services.clone();
        let alice = alice.clone();
        tokio::spawn(async move {
            services
                .sync(&alice, "A", sync_params(Some(since), 30_000))
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    f.services.stream.close();
    let response = tokio::time::timeout(Duration::from_secs(2), poll)
        .await
        .expect("long-poll kept waiting");
    assert!(response.unwrap().is_ok());
}

#[tokio::test]
async fn restricted_rooms_admit_members_of_allowed_rooms_only() {
    let f = fixture().await;
    let [alice, bob, carol] = [
        user(&f.services, "alice").await,
        user(&f.services, "bob").await,
        user(&f.services, "carol").await,
    ];
    let space = room(&f.services, &alice, Preset::PublicChat, RoomVersionId::V12).await;
    let room_id = room(&f.services, &alice, Preset::PrivateChat, RoomVersionId::V10).await;
    let rule = json!({ "join_rule": "restricted", "allow": [{ "type": "m.room_membership", "room_id": space }] });
    f.services
        .append_event(
            &room_id,
            &alice,
            NewEvent::state("m.room.join_rules", "", rule),
        )
        .await
        .unwrap();
    f.services.join_room(&space, &bob, None, &[]).await.unwrap();
    f.services
        .join_room(&room_id, &bob, None, &[])
        .await
        .unwrap();
    let join = f
        .services
        .current_state_event(&room_id, "m.room.member", bob.as_str())
        .unwrap()
        .unwrap();
    assert_eq!(
        join.content_str("join_authorised_via_users_server")
            .as_deref(),
        Some(alice.as_str())
    );
    assert!(matches!(
        f.services.join_room(&room_id, &carol, None, &[]).await,
        Err(ServiceError::Forbidden(_))
    ));
}

#[tokio::test]
async fn ignored_users_messages_and_invites_are_not_delivered() {
    let f = fixture().await;
    let (alice, bob, room_id) = alice_and_bob_in_a_room(&f).await;
    let ignore = json!({ "ignored_users": { alice.as_str(): {} } });
    f.services
        .set_global_account_data(&bob, "m.ignored_user_list", ignore)
        .unwrap();
    f.services
        .append_event(&room_id, &alice, text("unwanted"))
        .await
        .unwrap();
    let other = room(&f.services, &alice, Preset::PrivateChat, RoomVersionId::V12).await;
    f.services
        .invite(&other, &alice, &bob, None, false)
        .await
        .unwrap();
    let response = f
        .services
        .sync(&bob, "B", sync_params(None, 0))
        .await
        .unwrap();
    let events = response["rooms"]["join"][room_id.as_str()]["timeline"]["events"]
        .as_array()
        .unwrap();
    assert!(!events.iter().any(|e| e["content"]["body"] == "unwanted"));
    assert!(
        events.iter().any(|e| e["type"] == "m.room.member"),
        "state events still arrive"
    );
    assert!(
        response["rooms"]["invite"].get(other.as_str()).is_none(),
        "invite from an ignored user delivered"
    );
    let bodies = bodies_back(&f, &bob, &room_id, f.services.stream.current(), 50);
    assert!(!bodies.iter().any(|b| b == "unwanted"));
}

#[tokio::test]
async fn unread_counts_grow_incrementally_and_reset_at_the_receipt() {
    let f = fixture().await;
    let (alice, bob, room_id) = alice_and_bob_in_a_room(&f).await;
    let counts = |response: &Value| {
        response["rooms"]["join"][room_id.as_str()]["unread_notifications"]["notification_count"]
            .clone()
    };
    let mut since = token(
        &f.services
            .sync(&bob, "B", sync_params(None, 0))
            .await
            .unwrap(),
    );
    let mut last = None;
    for expected in 1..=3 {
        last = Some(
            f.services
                .append_event(&room_id, &alice, text("ping"))
                .await
                .unwrap(),
        );
        let response = f
            .services
            .sync(&bob, "B", sync_params(Some(since), 0))
            .await
            .unwrap();
        assert_eq!(counts(&response), json!(expected));
        since = token(&response);
    }
    let read = last.unwrap().event_id.to_string();
    f.services
        .set_receipt(&room_id, &bob, "m.read", &read, None)
        .unwrap();
    f.services
        .append_event(&room_id, &alice, text("after the receipt"))
        .await
        .unwrap();
    let response = f
        .services
        .sync(&bob, "B", sync_params(Some(since), 0))
        .await
        .unwrap();
    assert_eq!(counts(&response), json!(1));
}

#[tokio::test]
async fn a_long_poll_wakes_when_a_typing_notice_expires() {
    let f = fixture().await;
    let (alice, bob, room_id) = alice_and_bob_in_a_room(&f).await;
    f.services
        .set_typing(&room_id, &alice, Some(Duration::from_millis(300)))
        .unwrap();
    let since = token(
        &f.services
            .sync(&bob, "B", sync_params(None, 0))
            .await
            .unwrap(),
    );
    let started = std::time::Instant::now();
    let response = f
        .services
        .sync(&bob, "B", sync_params(Some(since), 10_000))
        .await
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "woke after {:?}",
        started.elapsed()
    );
    let ephemeral = &response["rooms"]["join"][room_id.as_str()]["ephemeral"]["events"];
    let typing = ephemeral
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "m.typing")
        .unwrap();
    assert_eq!(typing["content"]["user_ids"], json!([]));
}
