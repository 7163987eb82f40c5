//! Queries between servers that need no shared room (see
//! `complement_tests::federation`): a user of `b` resolves an alias of `a`,
//! lists `a`'s public rooms, and queries and claims the E2EE keys of a user
//! of `a`, all through `b`'s client API. `a` serves, `b` asks.
//!
//! Device keys carry real ed25519 signatures (`ed25519-dalek`) over
//! canonical JSON, as in `e2ee_keys.rs`.

use complement_tests::canonical::{b64, canonical};
use complement_tests::encode::{path_segment, query_value};
use complement_tests::federation::{Federation, Kind};
use complement_tests::federation_scenario;
use complement_tests::{json, Client, Value};
use ed25519_dalek::{Signer, SigningKey};

const V3: &str = "/_matrix/client/v3";

/// The device's signing key (one device per test server).
fn device_key() -> SigningKey {
    SigningKey::from_bytes(&[7; 32])
}

/// `value` signed by `client`'s device key.
fn signed(client: &Client, mut value: Value) -> Value {
    let signature = b64(&device_key().sign(canonical(&value).as_bytes()).to_bytes());
    let key_id = format!("ed25519:{}", client.device_id);
    value["signatures"] = json!({ &client.user_id: { key_id: signature } });
    value
}

/// Device keys of `client`'s device, self-signed.
fn device_keys(client: &Client) -> Value {
    let device = &client.device_id;
    let keys = json!({
        "user_id": client.user_id,
        "device_id": device,
        "algorithms": ["m.olm.v1.curve25519-aes-sha2", "m.megolm.v1.aes-sha2"],
        "keys": {
            format!("curve25519:{device}"): "Y3VydmUyNTUxOS1wdWJsaWM",
            format!("ed25519:{device}"): b64(&device_key().verifying_key().to_bytes()),
        },
    });
    signed(client, keys)
}

/// A room of alice's on `a`, published, under `#<name>:<a>`; returns its ID and alias.
async fn published_room(fed: &Federation, alice: &Client, name: &str) -> (String, String) {
    let room = alice
        .create_room(json!({"preset": "public_chat", "name": name, "room_alias_name": name}))
        .await;
    let visibility = format!("{V3}/directory/list/room/{}", path_segment(&room));
    alice
        .put(&visibility, &json!({"visibility": "public"}))
        .await
        .ok();
    (room, format!("#{name}:{}", fed.a.server_name()))
}

async fn alias_and_public_rooms(a: Kind, b: Kind) {
    let fed = Federation::start(a, b).await;
    let alice = fed.a.register_user("alice").await;
    let bob = fed.b.register_user("bob").await;
    let (room, alias) = published_room(&fed, &alice, "hall").await;
    let path = format!("{V3}/directory/room/{}", path_segment(&alias));
    let body = bob.get(&path).await.ok();
    assert_eq!(body["room_id"], room.as_str(), "{body}");
    let servers = body["servers"].as_array().expect("servers");
    assert!(servers.contains(&json!(fed.a.server_name())), "{body}");
    let missing = format!("#nope:{}", fed.a.server_name());
    let path = format!("{V3}/directory/room/{}", path_segment(&missing));
    bob.get(&path).await.assert_error(404, "M_NOT_FOUND");

    {
        // b's client API asks a's /publicRooms.
        let path = format!(
            "{V3}/publicRooms?server={}",
            query_value(fed.a.server_name())
        );
        let body = bob.get(&path).await.ok();
        let chunk = body["chunk"].as_array().expect("chunk");
        assert!(
            chunk.iter().any(|r| r["room_id"] == room.as_str()),
            "{body}"
        );
    }
}

federation_scenario!(
    alias_and_public_rooms,
    [plexus_to_synapse, synapse_to_plexus, plexus_to_plexus]
);

async fn keys_of_a_remote_user(a: Kind, b: Kind) {
    let fed = Federation::start(a, b).await;
    let alice = fed.a.register_user("alice").await;
    let bob = fed.b.register_user("bob").await;
    let upload = json!({
        "device_keys": device_keys(&alice),
        "one_time_keys": {"signed_curve25519:AAAAAQ": signed(&alice, json!({"key": "b25lLXRpbWU"}))},
    });
    alice.post(&format!("{V3}/keys/upload"), &upload).await.ok();

    let query = json!({"device_keys": {&alice.user_id: []}});
    let answer = bob.post(&format!("{V3}/keys/query"), &query).await.ok();
    let device = &answer["device_keys"][&alice.user_id][&alice.device_id];
    assert_eq!(device["keys"], upload["device_keys"]["keys"], "{answer}");
    let failures = answer["failures"].as_object().map_or(0, |f| f.len());
    assert_eq!(failures, 0, "{answer}");

    let claim = json!({"one_time_keys": {&alice.user_id: {&alice.device_id: "signed_curve25519"}}});
    let answer = bob.post(&format!("{V3}/keys/claim"), &claim).await.ok();
    let keys = &answer["one_time_keys"][&alice.user_id][&alice.device_id];
    assert_eq!(
        keys["signed_curve25519:AAAAAQ"]["key"], "b25lLXRpbWU",
        "{answer}"
    );
}

federation_scenario!(
    keys_of_a_remote_user,
    [plexus_to_synapse, synapse_to_plexus, plexus_to_plexus]
);

/// Bob on `b` reads alice's profile on `a` (whole, and each field alone).
async fn remote_profile_fields(a: Kind, b: Kind) {
    let fed = Federation::start(a, b).await;
    let alice = fed.a.register_user("alice").await;
    let bob = fed.b.register_user("bob").await;
    let profile = format!("{V3}/profile/{}", path_segment(&alice.user_id));
    let name = json!({"displayname": "Alice A"});
    alice
        .put(&format!("{profile}/displayname"), &name)
        .await
        .ok();
    let body = bob.get(&profile).await.ok();
    assert_eq!(body["displayname"], "Alice A", "{body}");
    let body = bob.get(&format!("{profile}/displayname")).await.ok();
    assert_eq!(body["displayname"], "Alice A", "{body}");
    let nobody = format!("{V3}/profile/{}", path_segment(&fed.a.user_id("nobody")));
    assert_eq!(bob.get(&nobody).await.status, 404);
}

federation_scenario!(remote_profile_fields, [synapse_to_plexus, plexus_to_plexus]);

/// Bob on `b` joins alice's space on `a` and reads its hierarchy: the child
/// room, which only `a` is in, comes from `a`'s federation `/hierarchy`.
async fn space_hierarchy_across_servers(a: Kind, b: Kind) {
    let fed = Federation::start(a, b).await;
    let alice = fed.a.register_user("alice").await;
    let bob = fed.b.register_user("bob").await;
    let space = alice
        .create_room(json!({"preset": "public_chat", "name": "Space",
                            "creation_content": {"type": "m.space"}}))
        .await;
    let child = alice
        .create_room(json!({"preset": "public_chat", "name": "Child"}))
        .await;
    let via = json!({"via": [fed.a.server_name()]});
    alice.put_state(&space, "m.space.child", &child, &via).await;
    let joined = bob.join_via(&space, fed.a.server_name()).await;
    assert_eq!(joined.status, 200, "bob's join: {joined:?}");
    let path = format!(
        "/_matrix/client/v1/rooms/{}/hierarchy",
        path_segment(&space)
    );
    let body = bob.get(&path).await.ok();
    let rooms = body["rooms"].as_array().expect("rooms");
    let child_entry = rooms.iter().find(|r| r["room_id"] == child.as_str());
    let child_entry = child_entry.unwrap_or_else(|| panic!("no child in {body}"));
    assert_eq!(child_entry["name"], "Child", "{body}");
}

federation_scenario!(
    space_hierarchy_across_servers,
    [plexus_to_synapse, synapse_to_plexus, plexus_to_plexus]
);

/// Bob on `b`, in no room of `a`, previews alice's rooms on `a` by ID with
/// `via` (`/v1/room_summary`, answered from `a`'s federation `/hierarchy`):
/// the public room's name, topic and join rule; the private room is 404.
async fn room_summary_of_a_remote_room(a: Kind, b: Kind) {
    let fed = Federation::start(a, b).await;
    let alice = fed.a.register_user("alice").await;
    let bob = fed.b.register_user("bob").await;
    let public = alice
        .create_room(json!({"preset": "public_chat", "name": "Open", "topic": "all welcome"}))
        .await;
    let private = alice
        .create_room(json!({"preset": "private_chat", "name": "Closed"}))
        .await;
    let summary = |room: &str| {
        format!(
            "/_matrix/client/v1/room_summary/{}?via={}",
            path_segment(room),
            query_value(fed.a.server_name())
        )
    };
    let open = bob.get(&summary(&public)).await;
    assert_eq!(open.status, 200, "{open:?}");
    assert_eq!(open.body["room_id"], public.as_str());
    assert_eq!(open.body["name"], "Open", "{:?}", open.body);
    assert_eq!(open.body["topic"], "all welcome");
    assert_eq!(open.body["join_rule"], "public");
    assert_eq!(open.body["num_joined_members"], 1);
    assert_eq!(open.body["membership"], "leave");
    let closed = bob.get(&summary(&private)).await;
    assert_eq!(closed.status, 404, "{closed:?}");
    assert_eq!(closed.body["errcode"], "M_NOT_FOUND");
}

federation_scenario!(
    room_summary_of_a_remote_room,
    [plexus_to_synapse, synapse_to_plexus, plexus_to_plexus]
);
