//! Federation basics that need no room: servers fetch each other's signing
//! keys over TLS with certificate checks on (directly and through a notary)
//! and answer signed queries. Each runs for Plexus with Synapse and with
//! another Plexus (see `complement_tests::federation`).

use complement_tests::federation::{FederatedServer, Federation, Kind};
use complement_tests::federation_scenario;
use complement_tests::{json, Value};

/// `notary` fetches `server`'s keys over TLS and answers for them, co-signed.
async fn assert_notary_answers(
    fed: &Federation,
    notary: &FederatedServer,
    server: &FederatedServer,
) {
    let http = fed.https_client();
    let own: Value = http
        .get(format!("{}/_matrix/key/v2/server", server.federation_url()))
        .send()
        .await
        .expect("own key document")
        .json()
        .await
        .expect("key JSON");
    // Naming the key ID makes Synapse fetch on a cache miss (for "all keys"
    // it answers only from its cache).
    let key_id = own["verify_keys"]
        .as_object()
        .and_then(|keys| keys.keys().next().cloned())
        .expect("a verify key");
    let criteria = json!({"minimum_valid_until_ts": 0});
    let query = json!({"server_keys": {server.server_name(): {key_id: criteria}}});
    let answer: Value = http
        .post(format!("{}/_matrix/key/v2/query", notary.federation_url()))
        .json(&query)
        .send()
        .await
        .expect("notary query")
        .json()
        .await
        .expect("notary JSON");
    let keys = &answer["server_keys"][0];
    assert_eq!(keys["server_name"], server.server_name(), "{answer}");
    assert_eq!(keys["verify_keys"], own["verify_keys"], "{answer}");
    let signatures = &keys["signatures"];
    assert!(signatures[server.server_name()].is_object(), "{answer}");
    assert!(signatures[notary.server_name()].is_object(), "{answer}");
}

async fn keys_fetched_both_ways(a: Kind, b: Kind) {
    let fed = Federation::start(a, b).await;
    assert_notary_answers(&fed, &fed.a, &fed.b).await;
    assert_notary_answers(&fed, &fed.b, &fed.a).await;
}

federation_scenario!(
    keys_fetched_both_ways,
    [plexus_to_synapse, plexus_to_plexus]
);

/// A user of `b` reads the profile of a user of `a` through `b`'s client API
/// (`b` sends a signed `/query/profile`; `a` verifies it with `b`'s key).
async fn remote_profile_read(a: Kind, b: Kind) {
    let fed = Federation::start(a, b).await;
    let alice = fed.a.register_user("alice").await;
    let profile = format!("/_matrix/client/v3/profile/{}", encode(&alice.user_id));
    alice
        .put(
            &format!("{profile}/displayname"),
            &json!({"displayname": "Alice A"}),
        )
        .await
        .ok();
    let bob = fed.b.register_user("bob").await;
    let body = bob.get(&profile).await.ok();
    assert_eq!(body["displayname"], "Alice A", "{body}");
}

federation_scenario!(remote_profile_read, [plexus_to_synapse]);

fn encode(raw: &str) -> String {
    complement_tests::encode::path_segment(raw)
}
