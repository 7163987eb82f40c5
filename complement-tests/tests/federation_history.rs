//! History and delivery across downtime (see `complement_tests::federation`):
//! a late joiner scrolls back to the room's creation, a stopped peer catches
//! up on what it missed, and Plexus's send queue survives a restart. `a`
//! hosts the room (alice), `b` is the remote side (bob).

use complement_tests::federation::rooms::numbered_texts;
use complement_tests::federation::wait::{poll_until, DELIVERY_TIMEOUT};
use std::time::{Duration, Instant};

use complement_tests::federation::{FederatedServer, Federation, Kind};
use complement_tests::federation_scenario;
use complement_tests::json;
use complement_tests::rooms::message_bodies;

/// A room with 200 messages, joined later: bob scrolls back to its creation.
async fn history_backfilled_to_creation(a: Kind, b: Kind) {
    let fed = Federation::start(a, b).await;
    let alice = fed.a.register_user("alice").await;
    let bob = fed.b.register_user("bob").await;
    let shared = json!({"type": "m.room.history_visibility", "state_key": "",
                        "content": {"history_visibility": "shared"}});
    let room = alice
        .create_room(json!({"preset": "public_chat", "initial_state": [shared]}))
        .await;
    let history = numbered_texts("old", 200);
    alice.send_texts(&room, &history).await;
    let joined = bob.join_via(&room, fed.a.server_name()).await;
    assert_eq!(joined.status, 200, "bob's join: {joined:?}");
    let what = format!("{} scrolls back to the creation of {room}", bob.user_id);
    let (bob, room, history) = (&bob, &room, &history);
    poll_until(&what, DELIVERY_TIMEOUT, || async move {
        let events = bob.all_messages(room, 20).await;
        let bodies = message_bodies(&events);
        let first = events.first().map(|e| e["type"].clone());
        if first == Some(json!("m.room.create")) && &bodies == history {
            Ok(())
        } else {
            Err(format!("first event {first:?}, {} messages", bodies.len()))
        }
    })
    .await;
}

federation_scenario!(
    history_backfilled_to_creation,
    [plexus_to_synapse, synapse_to_plexus, plexus_to_plexus]
);

/// `b` is stopped, alice sends 20 messages, `b` comes back: bob gets all 20
/// in order.
async fn peer_down_then_catches_up(a: Kind, b: Kind) {
    let mut fed = Federation::start(a, b).await;
    let (alice, bob, room) = fed.public_room_with_remote_member().await;
    fed.b.stop();
    let sent = numbered_texts("while down", 20);
    alice.send_texts(&room, &sent).await;
    fed.b.restart().await;
    let bodies = bob.wait_for_bodies(&room, &sent).await;
    assert_eq!(bodies, sent, "exactly the 20, in order");
}

federation_scenario!(
    peer_down_then_catches_up,
    [plexus_to_synapse, synapse_to_plexus, plexus_to_plexus]
);

/// Plexus (`a`) is restarted while its queue to a stopped `b` holds 20
/// messages; both come back and bob gets all 20 in order.
async fn plexus_restart_with_queue_pending(a: Kind, b: Kind) {
    let mut fed = Federation::start(a, b).await;
    let (alice, bob, room) = fed.public_room_with_remote_member().await;
    fed.b.stop();
    let sent = numbered_texts("queued", 20);
    alice.send_texts(&room, &sent).await;
    fed.a.stop();
    fed.b.restart().await;
    fed.a.restart().await;
    let bodies = bob.wait_for_bodies(&room, &sent).await;
    assert_eq!(bodies, sent, "exactly the 20, in order");
}

federation_scenario!(
    plexus_restart_with_queue_pending,
    [plexus_to_synapse, plexus_to_plexus]
);

/// With one peer (Synapse) stopped, a second peer (Plexus) still gets
/// alice's messages promptly: a dead destination never holds up the
/// others. The stopped peer catches up once it is back.
#[tokio::test]
async fn dead_peer_does_not_delay_the_others() {
    let mut fed = Federation::start(Kind::Plexus, Kind::Synapse).await;
    let third_cert = fed.pki.issue();
    let third = FederatedServer::start(Kind::Plexus, &third_cert, &fed.pki.ca_file()).await;
    let (alice, bob, room) = fed.public_room_with_remote_member().await;
    let carol = third.register_user("carol").await;
    let joined = carol.join_via(&room, fed.a.server_name()).await;
    assert_eq!(joined.status, 200, "carol's join: {joined:?}");
    alice
        .wait_for_membership(&room, &carol.user_id, "join")
        .await;
    fed.b.stop();
    let sent = numbered_texts("one peer down", 5);
    let started = Instant::now();
    alice.send_texts(&room, &sent).await;
    carol.wait_for_bodies(&room, &sent).await;
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(5),
        "the live peer waited {took:?}"
    );
    fed.b.restart().await;
    bob.wait_for_bodies(&room, &sent).await;
}

/// Like the restart above, but Plexus crashes (SIGKILL) right after the
/// sends were acknowledged: the queue was on disk before each answer.
async fn plexus_crash_with_queue_pending(a: Kind, b: Kind) {
    let mut fed = Federation::start(a, b).await;
    let (alice, bob, room) = fed.public_room_with_remote_member().await;
    fed.b.stop();
    let sent = numbered_texts("crash", 20);
    alice.send_texts(&room, &sent).await;
    fed.a.kill9();
    fed.b.restart().await;
    fed.a.restart().await;
    let bodies = bob.wait_for_bodies(&room, &sent).await;
    assert_eq!(bodies, sent, "exactly the 20, in order");
}

federation_scenario!(
    plexus_crash_with_queue_pending,
    [plexus_to_synapse, plexus_to_plexus]
);

/// `b` misses 60 messages (more than one transaction of 50, more than one
/// `/get_missing_events` round if the sender only sends the newest): bob
/// still reads all 60 and the next message, in order.
async fn peer_down_long_gap(a: Kind, b: Kind) {
    let mut fed = Federation::start(a, b).await;
    let (alice, bob, room) = fed.public_room_with_remote_member().await;
    fed.b.stop();
    let sent = numbered_texts("long gap", 60);
    alice.send_texts(&room, &sent).await;
    fed.b.restart().await;
    alice.send_text(&room, "after the gap").await;
    let mut expected = sent.clone();
    expected.push("after the gap".to_owned());
    let bodies = bob.wait_for_bodies(&room, &expected).await;
    assert_eq!(bodies, expected, "all 60 and the last, in order");
}

federation_scenario!(peer_down_long_gap, [plexus_to_synapse, synapse_to_plexus]);

/// Plexus (`a`) cannot reach `b` while alice sends more messages than a
/// queue may hold: the queue is cut to the room's newest event (the log
/// says so), and once `b` is back bob still reads all of them and the next
/// one, in order — the gap filled through `/get_missing_events`,
/// `/state_ids` and `/backfill`.
async fn peer_down_past_the_backlog_limit(a: Kind, b: Kind) {
    let mut fed = Federation::start(a, b).await;
    let (alice, bob, room) = fed.public_room_with_remote_member().await;
    fed.b.stop();
    let sent = numbered_texts("past the limit", 130);
    alice.send_texts(&room, &sent).await;
    poll_until("a cuts its backlog for b", DELIVERY_TIMEOUT, || async {
        let log = fed.a.log_tail(2000);
        match log.contains("backlog cut") {
            true => Ok(()),
            false => Err("no compaction logged yet".to_owned()),
        }
    })
    .await;
    fed.b.restart().await;
    alice.send_text(&room, "after the cut").await;
    let mut expected = sent.clone();
    expected.push("after the cut".to_owned());
    let bodies = bob.wait_for_bodies(&room, &expected).await;
    assert_eq!(bodies, expected, "all 130 and the last, in order");
}

federation_scenario!(
    peer_down_past_the_backlog_limit,
    [plexus_to_synapse, plexus_to_plexus]
);
