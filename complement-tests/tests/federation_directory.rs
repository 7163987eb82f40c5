//! Browsing another server's room directory: bob@b lists `a`'s public
//! rooms (`/publicRooms?server=a`, GET and POST with a search term) and
//! finds the room alice published there.

use complement_tests::encode::query_value;
use complement_tests::federation::wait::{poll_until, DELIVERY_TIMEOUT};
use complement_tests::federation::{Federation, Kind};
use complement_tests::{federation_scenario, json, Value};

fn names(body: &Value) -> Vec<String> {
    body["chunk"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|room| room["name"].as_str().map(str::to_owned))
        .collect()
}

async fn remote_directory_lists_published_rooms(a: Kind, b: Kind) {
    let fed = Federation::start(a, b).await;
    let alice = fed.a.register_user("alice").await;
    let bob = fed.b.register_user("bob").await;
    alice
        .create_room(
            json!({"preset": "public_chat", "visibility": "public", "name": "Plexus lounge"}),
        )
        .await;
    alice
        .create_room(json!({"preset": "public_chat", "visibility": "public", "name": "Gardening"}))
        .await;
    let server = query_value(fed.a.server_name());
    let get = format!("/_matrix/client/v3/publicRooms?server={server}");
    poll_until("a's rooms listed through b", DELIVERY_TIMEOUT, || async {
        let listed = names(&bob.get(&get).await.ok());
        if listed.len() == 2 {
            Ok(())
        } else {
            Err(format!("{listed:?}"))
        }
    })
    .await;
    let post = format!("/_matrix/client/v3/publicRooms?server={server}");
    let found = bob
        .post(&post, &json!({"filter": {"generic_search_term": "lounge"}}))
        .await
        .ok();
    assert_eq!(names(&found), ["Plexus lounge"]);
}

federation_scenario!(
    remote_directory_lists_published_rooms,
    [plexus_to_synapse, synapse_to_plexus, plexus_to_plexus]
);
