//! Inbound EDUs: each applies only for users of the origin (and, for typing
//! and receipts, users joined to the room); to-device messages reach the
//! addressed or all (`*`) devices once per message ID; junk is ignored.

use std::sync::Arc;

use plexus_core::Config;
use plexus_service::{
    records::MembershipRecord,
    rooms::CreateRoom,
    tables::{RoomMembers, UserRooms},
    users::NewDevice,
    Services,
};
use plexus_storage::Json;
use ruma::{OwnedRoomId, OwnedUserId, ServerName, UserId};
use serde_json::{json, Value};

use super::apply_edu;
use crate::Federation;

struct Fixture {
    _dir: tempfile::TempDir,
    federation: Arc<Federation>,
    alice: OwnedUserId,
    bob: OwnedUserId,
    room: OwnedRoomId,
}

impl Fixture {
    fn services(&self) -> &Services {
        &self.federation.services
    }

    async fn apply(&self, origin: &str, edu_type: &str, content: Value) {
        let origin = <&ServerName>::try_from(origin).unwrap();
        let edu = json!({ "edu_type": edu_type, "content": content });
        apply_edu(&self.federation, origin, &edu).await;
    }
}

/// Alice (local, devices PHONE and LAPTOP) in a room that `@bob:remote.example` joined.
async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        data_dir: dir.path().to_owned(),
        ..Config::default()
    };
    let services = Services::open(config).unwrap();
    let alice = services.create_user("alice", None, false).await.unwrap();
    for device in ["PHONE", "LAPTOP"] {
        let device = NewDevice {
            device_id: Some(device.into()),
            display_name: None,
            refreshable: false,
        };
        services.login(&alice, device).unwrap();
    }
    let room = services
        .create_room(&alice, CreateRoom::default())
        .await
        .unwrap();
    let bob = UserId::parse("@bob:remote.example").unwrap();
    let joined = Json(MembershipRecord {
        membership: "join".into(),
        event_id: "$bobjoin".into(),
        stream: 0,
    });
    let key = (room.to_string(), bob.to_string());
    services.db.put::<RoomMembers>(&key, &joined).unwrap();
    let key = (bob.to_string(), room.to_string());
    services.db.put::<UserRooms>(&key, &joined).unwrap();
    Fixture {
        _dir: dir,
        federation: Federation::new(services).unwrap(),
        alice,
        bob,
        room,
    }
}

fn typing(f: &Fixture) -> Vec<String> {
    f.services().typing_users(f.room.as_str()).0
}

#[tokio::test]
async fn typing_needs_a_joined_user_of_the_origin() {
    let f = fixture().await;
    let edu =
        |user: &str, typing: bool| json!({ "room_id": f.room, "user_id": user, "typing": typing });
    f.apply("evil.example", "m.typing", edu("@bob:remote.example", true))
        .await;
    f.apply(
        "remote.example",
        "m.typing",
        edu("@carol:remote.example", true),
    )
    .await;
    assert!(typing(&f).is_empty(), "forged or not joined");
    f.apply(
        "remote.example",
        "m.typing",
        edu("@bob:remote.example", true),
    )
    .await;
    assert_eq!(typing(&f), vec![f.bob.to_string()]);
    f.apply(
        "remote.example",
        "m.typing",
        edu("@bob:remote.example", false),
    )
    .await;
    assert!(typing(&f).is_empty());
}

#[tokio::test]
async fn read_receipts_of_joined_users_of_the_origin_are_stored() {
    let f = fixture().await;
    let receipt = |user: &str| {
        json!({ f.room.as_str(): { "m.read": { user: {
            "event_ids": ["$read"], "data": { "ts": 1234 } } } } })
    };
    f.apply("evil.example", "m.receipt", receipt("@bob:remote.example"))
        .await;
    let seen = f
        .services()
        .receipts_since(f.room.as_str(), &f.alice, 0)
        .unwrap();
    assert!(seen.is_none(), "forged receipt stored: {seen:?}");
    f.apply(
        "remote.example",
        "m.receipt",
        receipt("@bob:remote.example"),
    )
    .await;
    let seen = f
        .services()
        .receipts_since(f.room.as_str(), &f.alice, 0)
        .unwrap()
        .unwrap();
    assert_eq!(
        seen["content"]["$read"]["m.read"][f.bob.as_str()]["ts"],
        1234
    );
}

#[tokio::test]
async fn presence_of_users_of_the_origin_is_stored() {
    let f = fixture().await;
    let push =
        json!({ "push": [{ "user_id": f.bob, "presence": "online", "last_active_ago": 5 }] });
    f.apply("evil.example", "m.presence", push.clone()).await;
    assert!(f.services().presence(&f.bob).unwrap().is_none());
    f.apply("remote.example", "m.presence", push).await;
    let record = f.services().presence(&f.bob).unwrap().unwrap();
    assert_eq!(record.presence, "online");
}

#[tokio::test]
async fn a_device_list_update_shows_in_the_sharing_users_device_lists() {
    let f = fixture().await;
    let since = f.services().stream.current();
    let update = json!({ "user_id": f.bob, "device_id": "X", "stream_id": 1, "prev_id": [], "deleted": false });
    f.apply("evil.example", "m.device_list_update", update.clone())
        .await;
    let current = f.services().stream.current();
    let changes = f
        .services()
        .device_list_changes(&f.alice, since, current)
        .unwrap();
    assert!(changes.changed.is_empty(), "forged: {changes:?}");
    f.apply("remote.example", "m.device_list_update", update)
        .await;
    let current = f.services().stream.current();
    let changes = f
        .services()
        .device_list_changes(&f.alice, since, current)
        .unwrap();
    assert_eq!(changes.changed, vec![f.bob.to_string()]);
    let since = current;
    f.apply(
        "remote.example",
        "m.signing_key_update",
        json!({ "user_id": f.bob }),
    )
    .await;
    let current = f.services().stream.current();
    let changes = f
        .services()
        .device_list_changes(&f.alice, since, current)
        .unwrap();
    assert_eq!(changes.changed, vec![f.bob.to_string()]);
}

fn to_device_count(f: &Fixture, device: &str) -> usize {
    let current = f.services().stream.current();
    let sync = f
        .services()
        .e2ee_sync(&f.alice, device, None, current)
        .unwrap();
    sync.to_device.len()
}

#[tokio::test]
async fn to_device_messages_reach_addressed_devices_once() {
    let f = fixture().await;
    let message = |id: &str, device: &str| {
        json!({ "sender": "@bob:remote.example", "type": "m.room_key_request", "message_id": id,
            "messages": { f.alice.as_str(): { device: { "body": id } } } })
    };
    f.apply("remote.example", "m.direct_to_device", message("m1", "*"))
        .await;
    f.apply("remote.example", "m.direct_to_device", message("m1", "*"))
        .await; // a resent transaction
    f.apply(
        "remote.example",
        "m.direct_to_device",
        message("m2", "PHONE"),
    )
    .await;
    f.apply("evil.example", "m.direct_to_device", message("m3", "*"))
        .await;
    assert_eq!(to_device_count(&f, "LAPTOP"), 1);
    assert_eq!(to_device_count(&f, "PHONE"), 2);
}

#[tokio::test]
async fn malformed_and_unknown_edus_are_ignored() {
    let f = fixture().await;
    let origin = <&ServerName>::try_from("remote.example").unwrap();
    for edu in [
        json!(null),
        json!("m.typing"),
        json!({ "edu_type": "m.unknown", "content": {} }),
        json!({ "edu_type": "m.typing", "content": { "room_id": 5, "user_id": [] } }),
        json!({ "edu_type": "m.receipt", "content": { "!x": { "m.read": 7 } } }),
        json!({ "edu_type": "m.presence", "content": { "push": {} } }),
        json!({ "edu_type": "m.direct_to_device", "content": { "messages": "x" } }),
        json!({ "edu_type": "m.device_list_update", "content": { "user_id": "not a user" } }),
    ] {
        apply_edu(&f.federation, origin, &edu).await;
    }
    assert!(typing(&f).is_empty());
}

#[tokio::test]
async fn a_server_denied_by_the_rooms_acl_cannot_type_there() {
    let f = fixture().await;
    let acl = plexus_service::events::NewEvent::state(
        "m.room.server_acl",
        "",
        json!({"allow": ["*"], "deny": ["remote.example"]}),
    );
    f.services()
        .append_event(&f.room, &f.alice, acl)
        .await
        .unwrap();
    let edu = json!({ "room_id": f.room, "user_id": "@bob:remote.example", "typing": true });
    f.apply("remote.example", "m.typing", edu).await;
    assert!(typing(&f).is_empty(), "denied by the ACL");
}
