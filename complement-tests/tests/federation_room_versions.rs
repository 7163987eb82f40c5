//! Every room version can be joined across servers: Synapse creates a
//! public room in each of versions 1–12 (event ID formats, redaction and
//! auth rules, state resolution v1/v2/v2.1 all differ), a Plexus user joins
//! it through Synapse, and a message goes each way. Then Synapse joins a
//! Plexus room of each version Plexus creates.

use complement_tests::encode::{path_segment as enc, query_value};
use complement_tests::federation::wait::{poll_until, DELIVERY_TIMEOUT};
use complement_tests::federation::{Federation, Kind};
use complement_tests::{json, Client};

const ALL_VERSIONS: [&str; 12] = [
    "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12",
];

async fn join_through(client: &Client, room: &str, server: &str) {
    let path = format!(
        "/_matrix/client/v3/join/{}?via={}",
        enc(room),
        query_value(server)
    );
    let joined = client.post(&path, &json!({})).await;
    assert_eq!(
        joined.status, 200,
        "join {room} through {server}: {joined:?}"
    );
}

async fn wait_for_body(client: &Client, room: &str, body: &str) {
    poll_until(&format!("{body:?} in {room}"), DELIVERY_TIMEOUT, || async {
        let bodies = client.message_bodies(room).await;
        if bodies.iter().any(|b| b == body) {
            Ok(())
        } else {
            Err(format!("bodies so far: {bodies:?}"))
        }
    })
    .await
}

/// `host` creates a room of `version`, `guest` joins through `host_name`,
/// and each sees the other's message.
async fn round_trip(host: &Client, host_name: &str, guest: &Client, version: &str) {
    let room = host
        .create_room(json!({"preset": "public_chat", "room_version": version}))
        .await;
    join_through(guest, &room, host_name).await;
    let from_host = format!("v{version}: from the room's server");
    host.send_text(&room, &from_host).await;
    wait_for_body(guest, &room, &from_host).await;
    let from_guest = format!("v{version}: from the joined server");
    guest.send_text(&room, &from_guest).await;
    wait_for_body(host, &room, &from_guest).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plexus_joins_synapse_rooms_of_every_version() {
    let fed = Federation::start(Kind::Synapse, Kind::Plexus).await;
    let alice = fed.a.register_user("alice").await;
    let bob = fed.b.register_user("bob").await;
    for version in ALL_VERSIONS {
        round_trip(&alice, fed.a.server_name(), &bob, version).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn synapse_joins_plexus_rooms_of_every_version() {
    let fed = Federation::start(Kind::Plexus, Kind::Synapse).await;
    let alice = fed.a.register_user("alice").await;
    let bob = fed.b.register_user("bob").await;
    for version in ALL_VERSIONS {
        round_trip(&alice, fed.a.server_name(), &bob, version).await;
    }
}
