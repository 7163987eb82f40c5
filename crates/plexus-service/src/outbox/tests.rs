//! The send queue: ordering, limits, acknowledgement, persistence across a
//! reopen, the room server set and which servers a local event is queued for.

use plexus_core::{config::Switch, Config, Pdu};
use ruma::{OwnedEventId, OwnedServerName};
use serde_json::json;

use super::{OutboxItem, MAX_EDUS, MAX_PDUS};
use crate::tests::user;
use crate::{events::NewEvent, rooms::CreateRoom, Services};

fn config(dir: &std::path::Path) -> Config {
    Config {
        data_dir: dir.to_owned(),
        rate_limits: Switch::Off,
        ..Config::default()
    }
}

fn pdu_item(n: usize) -> OutboxItem {
    OutboxItem::Pdu {
        event_id: format!("$event{n}"),
    }
}

fn edu_item(n: usize) -> OutboxItem {
    OutboxItem::Edu {
        edu: json!({ "edu_type": "m.typing", "content": { "n": n } }),
    }
}

fn enqueue(s: &Services, destination: &str, items: &[OutboxItem]) {
    let mut batch = s.db.batch();
    for item in items {
        s.outbox_enqueue(&mut batch, [destination], item).unwrap();
    }
    s.db.write(batch).unwrap();
}

#[test]
fn items_come_back_in_order_and_survive_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let first_txn = {
        let s = Services::open(config(dir.path())).unwrap();
        enqueue(&s, "a.example", &[pdu_item(1), edu_item(2), pdu_item(3)]);
        enqueue(&s, "b.example", &[pdu_item(9)]);
        let txn = s.outbox_peek("a.example").unwrap();
        assert_eq!(txn.pdus, vec!["$event1", "$event3"]);
        assert_eq!(txn.edus[0]["content"]["n"], 2);
        assert!(txn.seqs.windows(2).all(|w| w[0] < w[1]));
        txn.txn_id()
    };
    let s = Services::open(config(dir.path())).unwrap();
    assert_eq!(
        s.outbox_destinations().unwrap(),
        vec!["a.example", "b.example"]
    );
    let txn = s.outbox_peek("a.example").unwrap();
    assert_eq!(txn.pdus, vec!["$event1", "$event3"]);
    assert_eq!(txn.txn_id(), first_txn, "a retry keeps its transaction ID");
    // Sequence numbers are not reused after a restart.
    enqueue(&s, "a.example", &[pdu_item(4)]);
    let after = s.outbox_peek("a.example").unwrap();
    assert!(after.seqs[3] > txn.seqs[2]);
    assert_ne!(after.txn_id(), first_txn);
}

#[test]
fn ack_removes_exactly_the_delivered_items() {
    let dir = tempfile::tempdir().unwrap();
    let s = Services::open(config(dir.path())).unwrap();
    enqueue(&s, "a.example", &[pdu_item(1), pdu_item(2)]);
    let txn = s.outbox_peek("a.example").unwrap();
    enqueue(&s, "a.example", &[pdu_item(3)]);
    s.outbox_ack("a.example", &txn.seqs).unwrap();
    assert_eq!(s.outbox_peek("a.example").unwrap().pdus, vec!["$event3"]);
    let rest = s.outbox_peek("a.example").unwrap();
    s.outbox_ack("a.example", &rest.seqs).unwrap();
    assert!(s.outbox_peek("a.example").unwrap().is_empty());
    assert!(s.outbox_destinations().unwrap().is_empty());
}

#[test]
fn a_transaction_holds_at_most_50_pdus_and_100_edus() {
    let dir = tempfile::tempdir().unwrap();
    let s = Services::open(config(dir.path())).unwrap();
    let items: Vec<_> = (0..60).map(pdu_item).collect();
    enqueue(&s, "a.example", &items);
    let txn = s.outbox_peek("a.example").unwrap();
    assert_eq!((txn.pdus.len(), txn.edus.len()), (MAX_PDUS, 0));
    s.outbox_ack("a.example", &txn.seqs).unwrap();
    let txn = s.outbox_peek("a.example").unwrap();
    assert_eq!(txn.pdus.len(), 10);
    s.outbox_ack("a.example", &txn.seqs).unwrap();

    let items: Vec<_> = (0..150).map(edu_item).chain([pdu_item(1)]).collect();
    enqueue(&s, "a.example", &items);
    let txn = s.outbox_peek("a.example").unwrap();
    assert_eq!((txn.pdus.len(), txn.edus.len()), (0, MAX_EDUS));
    assert_eq!(txn.edus[99]["content"]["n"], 99, "a prefix, in order");
}

#[test]
fn nothing_is_queued_for_ourselves() {
    let dir = tempfile::tempdir().unwrap();
    let s = Services::open(config(dir.path())).unwrap();
    enqueue(&s, "localhost", &[pdu_item(1)]);
    assert!(s.outbox_destinations().unwrap().is_empty());
}

/// A membership event of `user` in `room_id` (unsigned: only indexed here).
fn member_pdu(room_id: &str, user: &str, membership: &str, n: u32) -> Pdu {
    let json = json!({
        "room_id": room_id, "sender": user, "type": "m.room.member", "state_key": user,
        "content": { "membership": membership }, "origin_server_ts": 1, "depth": 1,
        "prev_events": [], "auth_events": [],
    });
    let json = serde_json::from_value(json).unwrap();
    let id = OwnedEventId::try_from(format!("$member{n}")).unwrap();
    Pdu::from_json(id, json).unwrap()
}

fn index(s: &Services, pdu: &Pdu) {
    let mut batch = s.db.batch();
    s.index_room_server(&mut batch, pdu).unwrap();
    s.db.write(batch).unwrap();
}

fn names(servers: Vec<OwnedServerName>) -> Vec<String> {
    servers.into_iter().map(|s| s.to_string()).collect()
}

#[test]
fn room_servers_follow_remote_memberships() {
    let dir = tempfile::tempdir().unwrap();
    let s = Services::open(config(dir.path())).unwrap();
    let room = "!r:localhost";
    index(&s, &member_pdu(room, "@a:one.example", "join", 1));
    index(&s, &member_pdu(room, "@b:one.example", "join", 2));
    index(&s, &member_pdu(room, "@c:two.example", "join", 3));
    index(&s, &member_pdu(room, "@me:localhost", "join", 4));
    index(
        &s,
        &member_pdu("!other:localhost", "@d:three.example", "join", 5),
    );
    assert_eq!(
        names(s.room_servers(room).unwrap()),
        ["one.example", "two.example"]
    );
    index(&s, &member_pdu(room, "@a:one.example", "leave", 6));
    assert_eq!(
        names(s.room_servers(room).unwrap()),
        ["one.example", "two.example"]
    );
    index(&s, &member_pdu(room, "@b:one.example", "ban", 7));
    assert_eq!(names(s.room_servers(room).unwrap()), ["two.example"]);
    let two = OwnedServerName::try_from("two.example").unwrap();
    assert!(s.room_has_server(room, &two).unwrap());
    assert!(!s.room_has_server("!other:localhost", &two).unwrap());
}

#[tokio::test]
async fn a_local_event_is_queued_for_the_rooms_remote_servers_with_its_write() {
    let dir = tempfile::tempdir().unwrap();
    let s = Services::open(config(dir.path())).unwrap();
    let alice = user(&s, "alice").await;
    let room_id = s.create_room(&alice, CreateRoom::default()).await.unwrap();
    assert!(
        s.outbox_destinations().unwrap().is_empty(),
        "no remote server yet"
    );
    index(
        &s,
        &member_pdu(room_id.as_str(), "@bob:remote.example", "join", 1),
    );
    let message = NewEvent::message(
        "m.room.message",
        json!({ "msgtype": "m.text", "body": "hi" }),
    );
    let pdu = s.append_event(&room_id, &alice, message).await.unwrap();
    assert_eq!(s.outbox_destinations().unwrap(), ["remote.example"]);
    let txn = s.outbox_peek("remote.example").unwrap();
    assert_eq!(txn.pdus, vec![pdu.event_id.to_string()]);
}

/// The EDU types queued for `destination`, in order.
fn queued_edu_types(s: &Services, destination: &str) -> Vec<String> {
    let txn = s.outbox_peek(destination).unwrap();
    txn.edus
        .iter()
        .map(|edu| edu["edu_type"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn local_changes_queue_edus_for_the_servers_sharing_a_room() {
    let dir = tempfile::tempdir().unwrap();
    let s = Services::open(config(dir.path())).unwrap();
    let alice = user(&s, "alice").await;
    let room_id = s.create_room(&alice, CreateRoom::default()).await.unwrap();
    let message = NewEvent::message(
        "m.room.message",
        json!({ "msgtype": "m.text", "body": "hi" }),
    );
    let event = s.append_event(&room_id, &alice, message).await.unwrap();
    s.set_typing(&room_id, &alice, Some(std::time::Duration::from_secs(5)))
        .unwrap();
    assert!(
        s.outbox_destinations().unwrap().is_empty(),
        "no remote server yet"
    );

    index(
        &s,
        &member_pdu(room_id.as_str(), "@bob:remote.example", "join", 1),
    );
    s.set_typing(&room_id, &alice, None).unwrap();
    s.set_receipt(&room_id, &alice, "m.read", event.event_id.as_str(), None)
        .unwrap();
    s.set_receipt(
        &room_id,
        &alice,
        "m.read.private",
        event.event_id.as_str(),
        None,
    )
    .unwrap();
    s.set_presence(&alice, "unavailable", None).unwrap();
    let messages =
        json!({ "@bob:remote.example": { "DEV": { "k": 1 } }, alice.as_str(): { "*": {} } });
    let send = crate::e2ee::to_device::ToDeviceSend {
        event_type: "m.room.encrypted",
        txn_id: "t1",
        messages: &messages,
    };
    s.send_to_device(&alice, "DEVICE", send).await.unwrap();
    assert_eq!(
        queued_edu_types(&s, "remote.example"),
        ["m.typing", "m.receipt", "m.presence", "m.direct_to_device"],
        "the private receipt stays here"
    );
    let edus = s.outbox_peek("remote.example").unwrap().edus;
    assert_eq!(edus[0]["content"]["typing"], false);
    let read = &edus[1]["content"][room_id.as_str()]["m.read"][alice.as_str()];
    assert_eq!(read["event_ids"], json!([event.event_id]));
    assert_eq!(edus[2]["content"]["push"][0]["user_id"], alice.as_str());
    let to_device = &edus[3]["content"];
    assert_eq!(
        to_device["messages"],
        json!({ "@bob:remote.example": { "DEV": { "k": 1 } } })
    );
    assert!(to_device["message_id"]
        .as_str()
        .is_some_and(|id| !id.is_empty()));
}

#[test]
fn an_enqueued_item_not_yet_read_counts_as_in_flight() {
    let dir = tempfile::tempdir().unwrap();
    let s = Services::open(config(dir.path())).unwrap();
    assert!(!s.outbox.maybe_in_flight("a.example"));
    let mut batch = s.db.batch();
    s.outbox_enqueue(&mut batch, ["a.example"], &pdu_item(1))
        .unwrap();
    assert_eq!(s.outbox.take_woken(), ["a.example"]);
    // The write has not landed: the queue looks empty, but the item is coming.
    assert!(s.outbox_peek("a.example").unwrap().is_empty());
    assert!(s.outbox.maybe_in_flight("a.example"));
    s.db.write(batch).unwrap();
    let txn = s.outbox_peek("a.example").unwrap();
    s.outbox.observed("a.example", &txn.seqs);
    assert!(!s.outbox.maybe_in_flight("a.example"));
}

#[tokio::test]
async fn a_deleted_device_is_announced_to_the_servers_sharing_a_room() {
    let dir = tempfile::tempdir().unwrap();
    let s = Services::open(config(dir.path())).unwrap();
    let alice = user(&s, "alice").await;
    let room_id = s.create_room(&alice, CreateRoom::default()).await.unwrap();
    index(
        &s,
        &member_pdu(room_id.as_str(), "@bob:remote.example", "join", 1),
    );
    for _ in 0..2 {
        let device = crate::users::NewDevice {
            device_id: Some("PHONE".into()),
            display_name: None,
            refreshable: false,
        };
        s.login(&alice, device).unwrap();
        s.delete_device(&alice, "PHONE").unwrap();
    }
    let edus = s.outbox_peek("remote.example").unwrap().edus;
    assert_eq!(edus.len(), 2, "{edus:?}");
    let (first, second) = (&edus[0]["content"], &edus[1]["content"]);
    assert_eq!(edus[0]["edu_type"], "m.device_list_update");
    assert_eq!(
        (&first["device_id"], &first["deleted"]),
        (&json!("PHONE"), &json!(true))
    );
    assert_eq!(first["prev_id"], json!([]));
    assert_eq!(second["prev_id"], json!([first["stream_id"]]));
    assert!(second["stream_id"].as_u64() > first["stream_id"].as_u64());
}

#[test]
fn room_servers_are_built_once_from_existing_memberships() {
    use crate::{records::MembershipRecord, tables::RoomMembers};
    let dir = tempfile::tempdir().unwrap();
    let s = Services::open(config(dir.path())).unwrap();
    let member = |membership: &str| {
        plexus_storage::Json(MembershipRecord {
            membership: membership.into(),
            event_id: "$m".into(),
            stream: 1,
        })
    };
    let rows = [
        ("@a:one.example", "join"),
        ("@b:two.example", "leave"),
        ("@me:localhost", "join"),
    ];
    for (user, membership) in rows {
        let key = ("!r:localhost".to_owned(), user.to_owned());
        s.db.put::<RoomMembers>(&key, &member(membership)).unwrap();
    }
    s.index_room_servers_once().unwrap();
    assert_eq!(
        names(s.room_servers("!r:localhost").unwrap()),
        ["one.example"]
    );
    // Only once: later changes come from the membership events themselves.
    index(
        &s,
        &member_pdu("!r:localhost", "@a:one.example", "leave", 1),
    );
    s.index_room_servers_once().unwrap();
    assert!(s.room_servers("!r:localhost").unwrap().is_empty());
}

#[test]
fn old_inbound_to_device_ids_are_pruned() {
    use crate::tables::FederationToDeviceIds;
    let dir = tempfile::tempdir().unwrap();
    let s = Services::open(config(dir.path())).unwrap();
    let now = plexus_core::time::now_millis();
    let old = now - super::inbound::TO_DEVICE_ID_RETENTION_MS - 1;
    let key = |id: &str| ("remote.example".to_owned(), id.to_owned());
    s.db.put::<FederationToDeviceIds>(&key("old"), &old)
        .unwrap();
    s.db.put::<FederationToDeviceIds>(&key("new"), &now)
        .unwrap();
    assert_eq!(s.prune_remote_to_device_ids().unwrap(), 1);
    assert!(!s.db.contains::<FederationToDeviceIds>(&key("old")).unwrap());
    assert!(s.db.contains::<FederationToDeviceIds>(&key("new")).unwrap());
}

#[tokio::test]
async fn a_long_backlog_keeps_the_newest_pdu_per_room_and_the_lasting_edus() {
    let dir = tempfile::tempdir().unwrap();
    let s = Services::open(config(dir.path())).unwrap();
    let alice = s.create_user("alice", None, false).await.unwrap();
    let mut newest = Vec::new();
    let mut items = Vec::new();
    for _ in 0..2 {
        let room = s.create_room(&alice, CreateRoom::default()).await.unwrap();
        for n in 0..super::MAX_BACKLOG_PDUS {
            let content = json!({ "msgtype": "m.text", "body": format!("{n}") });
            let event = NewEvent::message("m.room.message", content);
            let id = s
                .append_event(&room, &alice, event)
                .await
                .unwrap()
                .event_id
                .to_string();
            items.push(OutboxItem::Pdu {
                event_id: id.clone(),
            });
            if n + 1 == super::MAX_BACKLOG_PDUS {
                newest.push(id);
            }
        }
        items.push(edu_item(0)); // typing: dropped
        items.push(OutboxItem::Edu {
            edu: json!({ "edu_type": "m.direct_to_device", "content": { "messages": {} } }),
        });
    }
    enqueue(&s, "dead.example", &items[..super::MAX_BACKLOG_PDUS]);
    assert_eq!(
        s.outbox_compact("dead.example").unwrap(),
        0,
        "short queues stay whole"
    );
    enqueue(&s, "dead.example", &items[super::MAX_BACKLOG_PDUS..]);
    let dropped = s.outbox_compact("dead.example").unwrap();
    assert_eq!(dropped, 2 * super::MAX_BACKLOG_PDUS - 2 + 2);
    let txn = s.outbox_peek("dead.example").unwrap();
    assert_eq!(txn.pdus, newest, "the newest event of each room, in order");
    assert_eq!(
        queued_edu_types(&s, "dead.example"),
        vec!["m.direct_to_device"; 2]
    );
}
