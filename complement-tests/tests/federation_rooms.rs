//! Rooms shared across servers (see `complement_tests::federation`): each
//! scenario runs Plexus→Synapse, Synapse→Plexus and Plexus→Plexus; `a` hosts
//! the room (alice), `b` is the remote side (bob).

use complement_tests::encode::path_segment as enc;
use complement_tests::federation::wait::{poll_until, DELIVERY_TIMEOUT};
use complement_tests::federation::{Federation, Kind};
use complement_tests::federation_scenario;
use complement_tests::rooms::{next_txn_id, room_path};
use complement_tests::{json, Value};

/// Invite over federation, join by accepting it, messages both ways.
async fn invite_join_messages(a: Kind, b: Kind) {
    let fed = Federation::start(a, b).await;
    let alice = fed.a.register_user("alice").await;
    let bob = fed.b.register_user("bob").await;
    let room = alice.create_room(json!({"preset": "private_chat"})).await;
    alice.invite(&room, &bob.user_id).await;
    bob.wait_for_invite_within(&room, DELIVERY_TIMEOUT).await;
    let joined = bob.join_raw(&room).await;
    assert_eq!(joined.status, 200, "accepting the invite: {joined:?}");
    alice.wait_for_membership(&room, &bob.user_id, "join").await;
    alice.send_text(&room, "hello from a").await;
    bob.wait_for_bodies(&room, &["hello from a".to_owned()])
        .await;
    bob.send_text(&room, "hello from b").await;
    let both = ["hello from a".to_owned(), "hello from b".to_owned()];
    alice.wait_for_bodies(&room, &both).await;
    bob.wait_for_bodies(&room, &both).await;
}

federation_scenario!(
    invite_join_messages,
    [plexus_to_synapse, synapse_to_plexus, plexus_to_plexus]
);

/// A public room joined by its ID with `via`, then messages both ways.
async fn join_public_room_by_id_via(a: Kind, b: Kind) {
    let fed = Federation::start(a, b).await;
    let (alice, bob, room) = fed.public_room_with_remote_member().await;
    bob.send_text(&room, "bob here").await;
    alice.wait_for_bodies(&room, &["bob here".to_owned()]).await;
    alice.send_text(&room, "welcome").await;
    let both = ["bob here".to_owned(), "welcome".to_owned()];
    bob.wait_for_bodies(&room, &both).await;
}

federation_scenario!(
    join_public_room_by_id_via,
    [plexus_to_synapse, synapse_to_plexus, plexus_to_plexus]
);

/// bob@b joins `#lobby:a` (the alias resolved through `/query/directory`).
async fn join_by_alias(a: Kind, b: Kind) {
    let fed = Federation::start(a, b).await;
    let alice = fed.a.register_user("alice").await;
    let bob = fed.b.register_user("bob").await;
    let room = alice
        .create_room(json!({"preset": "public_chat", "room_alias_name": "lobby"}))
        .await;
    let alias = format!("#lobby:{}", fed.a.server_name());
    let joined = bob.join_raw(&alias).await;
    assert_eq!(joined.status, 200, "join by alias: {joined:?}");
    assert_eq!(joined.body["room_id"], room.as_str());
    alice.wait_for_membership(&room, &bob.user_id, "join").await;
}

federation_scenario!(
    join_by_alias,
    [plexus_to_synapse, synapse_to_plexus, plexus_to_plexus]
);

/// bob@b joins an unnamed public room of four members on `a`. A joiner may
/// ask for the state without membership events (`omit_members`, which
/// Synapse does): the heroes come at once, every other member later. Either
/// way bob ends up seeing all five members, and alice's `a` sees bob.
async fn joiner_learns_every_member(a: Kind, b: Kind) {
    let fed = Federation::start(a, b).await;
    let mut locals = vec![fed.a.register_user("alice").await];
    for name in ["carol", "dave", "erin"] {
        locals.push(fed.a.register_user(name).await);
    }
    let room = locals[0]
        .create_room(json!({"preset": "public_chat"}))
        .await;
    for member in &locals[1..] {
        member.join(&room).await;
    }
    let bob = fed.b.register_user("bob").await;
    let joined = bob.join_via(&room, fed.a.server_name()).await;
    assert_eq!(joined.status, 200, "bob's join: {joined:?}");
    let mut expected: Vec<String> = locals.iter().map(|c| c.user_id.clone()).collect();
    expected.push(bob.user_id.clone());
    expected.sort();
    let path = room_path(&room, "joined_members");
    poll_until("bob sees every member", DELIVERY_TIMEOUT, || async {
        let answer = bob.get(&path).await;
        let mut seen: Vec<String> = answer.body["joined"]
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        seen.sort();
        match seen == expected {
            true => Ok(()),
            false => Err(format!("{} {}", answer.status, answer.body)),
        }
    })
    .await;
    locals[0]
        .wait_for_membership(&room, &bob.user_id, "join")
        .await;
}

federation_scenario!(
    joiner_learns_every_member,
    [plexus_to_synapse, synapse_to_plexus, plexus_to_plexus]
);

/// Name and power levels set on `a` are seen on `b`; the topic bob sets
/// with his new power is seen on `a`.
async fn state_changes_seen_both_sides(a: Kind, b: Kind) {
    let fed = Federation::start(a, b).await;
    let (alice, bob, room) = fed.public_room_with_remote_member().await;
    let name = json!({"name": "Renamed"});
    alice.put_state(&room, "m.room.name", "", &name).await;
    bob.wait_for_state(&room, "m.room.name", "", "/name", &json!("Renamed"))
        .await;
    let mut levels = alice.get_state(&room, "m.room.power_levels", "").await.ok();
    levels["users"][&bob.user_id] = json!(50);
    alice
        .put_state(&room, "m.room.power_levels", "", &levels)
        .await;
    let bob_level = format!("/users/{}", bob.user_id);
    bob.wait_for_state(&room, "m.room.power_levels", "", &bob_level, &json!(50))
        .await;
    let topic = json!({"topic": "set by bob"});
    bob.put_state(&room, "m.room.topic", "", &topic).await;
    alice
        .wait_for_state(&room, "m.room.topic", "", "/topic", &json!("set by bob"))
        .await;
}

federation_scenario!(
    state_changes_seen_both_sides,
    [plexus_to_synapse, synapse_to_plexus, plexus_to_plexus]
);

/// bob@b leaves, rejoins, is kicked, rejoins and is banned; `a` sees each
/// change and bob's own `/sync` shows the kick and the ban.
async fn leave_kick_ban_remote_user(a: Kind, b: Kind) {
    let fed = Federation::start(a, b).await;
    let (alice, bob, room) = fed.public_room_with_remote_member().await;
    let via = fed.a.server_name();
    bob.leave(&room).await;
    alice
        .wait_for_membership(&room, &bob.user_id, "leave")
        .await;
    bob.join_via(&room, via).await.ok();
    alice.wait_for_membership(&room, &bob.user_id, "join").await;
    let since = bob.sync_position().await;
    let kick = json!({"user_id": bob.user_id, "reason": "out"});
    alice.membership(&room, "kick", kick).await.ok();
    bob.wait_for_own_departure(&room, "leave", &since).await;
    bob.join_via(&room, via).await.ok();
    alice.wait_for_membership(&room, &bob.user_id, "join").await;
    let since = bob.sync_position().await;
    let ban = json!({"user_id": bob.user_id, "reason": "gone"});
    alice.membership(&room, "ban", ban).await.ok();
    bob.wait_for_own_departure(&room, "ban", &since).await;
}

federation_scenario!(
    leave_kick_ban_remote_user,
    [plexus_to_synapse, synapse_to_plexus, plexus_to_plexus]
);

/// A banned bob@b trying to rejoin gets 403 `M_FORBIDDEN` from his server
/// (the resident server's refusal of `make_join`, passed on).
async fn banned_remote_user_cannot_rejoin(a: Kind, b: Kind) {
    let fed = Federation::start(a, b).await;
    let (alice, bob, room) = fed.public_room_with_remote_member().await;
    let since = bob.sync_position().await;
    let ban = json!({"user_id": bob.user_id, "reason": "gone"});
    alice.membership(&room, "ban", ban).await.ok();
    bob.wait_for_own_departure(&room, "ban", &since).await;
    let refused = bob.join_via(&room, fed.a.server_name()).await;
    refused.assert_error(403, "M_FORBIDDEN");
}

federation_scenario!(
    banned_remote_user_cannot_rejoin,
    [plexus_to_synapse, synapse_to_plexus, plexus_to_plexus]
);

/// Typing of bob@b reaches alice@a; alice's read receipt reaches bob.
async fn typing_and_receipts(a: Kind, b: Kind) {
    let fed = Federation::start(a, b).await;
    let (alice, bob, room) = fed.public_room_with_remote_member().await;
    let typing = format!("typing/{}", enc(&bob.user_id));
    let typing_body = json!({"typing": true, "timeout": 20000});
    bob.put(&room_path(&room, &typing), &typing_body).await.ok();
    let bob_id = bob.user_id.clone();
    alice
        .sync_until(None, DELIVERY_TIMEOUT, |body| {
            let typing = ephemeral(body, &room, "m.typing")?;
            let users = typing["content"]["user_ids"].as_array()?;
            users.contains(&json!(bob_id)).then_some(())
        })
        .await;
    let event = bob.send_text(&room, "read me").await;
    alice.wait_for_bodies(&room, &["read me".to_owned()]).await;
    let receipt = format!("receipt/m.read/{}", enc(&event));
    alice
        .post(&room_path(&room, &receipt), &json!({}))
        .await
        .ok();
    let alice_id = alice.user_id.clone();
    bob.sync_until(None, DELIVERY_TIMEOUT, |body| {
        let receipt = ephemeral(body, &room, "m.receipt")?;
        receipt["content"][&event]["m.read"]
            .get(&alice_id)
            .map(|_| ())
    })
    .await;
}

/// The ephemeral event of `kind` in joined room `room` of a sync response.
fn ephemeral(body: &Value, room: &str, kind: &str) -> Option<Value> {
    body["rooms"]["join"][room]["ephemeral"]["events"]
        .as_array()?
        .iter()
        .find(|e| e["type"] == kind)
        .cloned()
}

federation_scenario!(
    typing_and_receipts,
    [plexus_to_synapse, synapse_to_plexus, plexus_to_plexus]
);

/// Rooms of every version `a` offers (its `/capabilities`) are joined by
/// bob@b over federation and carry messages to him.
async fn every_room_version_joinable(a: Kind, b: Kind) {
    let fed = Federation::start(a, b).await;
    let alice = fed.a.register_user("alice").await;
    let bob = fed.b.register_user("bob").await;
    let capabilities = alice.get("/_matrix/client/v3/capabilities").await.ok();
    let available = &capabilities["capabilities"]["m.room_versions"]["available"];
    let mut versions: Vec<String> = available
        .as_object()
        .expect("available room versions")
        .iter()
        .filter(|(_, stability)| *stability == "stable")
        .map(|(version, _)| version.clone())
        .collect();
    versions.sort_by_key(|v| v.parse::<u32>().unwrap_or(u32::MAX));
    let all: Vec<String> = (1..=12).map(|v| v.to_string()).collect();
    assert!(
        all.iter().all(|v| versions.contains(v)),
        "{} offers only {versions:?}",
        fed.a.server_name()
    );
    let mut failures = Vec::new();
    for version in &versions {
        let body = json!({"preset": "public_chat", "room_version": version});
        let room = alice.create_room(body).await;
        let joined = bob.join_via(&room, fed.a.server_name()).await;
        if joined.status != 200 {
            failures.push(format!(
                "v{version}: join {} {}",
                joined.status, joined.body
            ));
            continue;
        }
        let text = format!("in v{version}");
        alice.send_text(&room, &text).await;
        bob.wait_for_bodies(&room, &[text]).await;
    }
    assert!(
        failures.is_empty(),
        "versions {versions:?}; failed: {failures:#?}"
    );
}

// With Synapse on either side: `federation_room_versions.rs`.
federation_scenario!(every_room_version_joinable, [plexus_to_plexus]);

/// Once `a`'s room denies `b` in `m.room.server_acl`, bob's messages from
/// `b` no longer reach alice (the ACL is enforced on `a`'s inbound
/// `/send`), while messages before the ACL did. ACLs match host names
/// without the port, so the entry is `127.0.0.1`: it names both servers,
/// but an ACL only judges requests from other servers.
async fn server_acl_blocks_denied_server(a: Kind, b: Kind) {
    let fed = Federation::start(a, b).await;
    let (alice, bob, room) = fed.public_room_with_remote_member().await;
    bob.send_text(&room, "before the ACL").await;
    alice
        .wait_for_bodies(&room, &["before the ACL".to_owned()])
        .await;
    let acl = json!({"allow": ["*"], "deny": ["127.0.0.1"], "allow_ip_literals": true});
    alice.put_state(&room, "m.room.server_acl", "", &acl).await;
    let denied = json!(["127.0.0.1"]);
    bob.wait_for_state(&room, "m.room.server_acl", "", "/deny", &denied)
        .await;
    bob.send_text(&room, "after the ACL").await;
    // Delivery normally takes well under a second; watch for three.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(3);
    while std::time::Instant::now() < deadline {
        let bodies = alice.message_bodies(&room).await;
        assert!(
            !bodies.contains(&"after the ACL".to_owned()),
            "a denied server's event reached alice: {bodies:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

federation_scenario!(
    server_acl_blocks_denied_server,
    [plexus_to_synapse, synapse_to_plexus, plexus_to_plexus]
);

/// bob@b redacts his own message; alice@a sees it redacted (no body).
async fn redaction_seen_remotely(a: Kind, b: Kind) {
    let fed = Federation::start(a, b).await;
    let (alice, bob, room) = fed.public_room_with_remote_member().await;
    let event = bob.send_text(&room, "regrettable").await;
    alice
        .wait_for_bodies(&room, &["regrettable".to_owned()])
        .await;
    let redact = format!("redact/{}/{}", enc(&event), next_txn_id());
    bob.put(&room_path(&room, &redact), &json!({"reason": "oops"}))
        .await
        .ok();
    let path = room_path(&room, &format!("event/{}", enc(&event)));
    let what = format!("{} sees {event} redacted", alice.user_id);
    let (alice, path) = (&alice, &path);
    poll_until(&what, DELIVERY_TIMEOUT, || async move {
        let seen = alice.get(path).await;
        if seen.status == 200 && seen.body["content"] == json!({}) {
            Ok(())
        } else {
            Err(format!("{} {}", seen.status, seen.body))
        }
    })
    .await;
}

federation_scenario!(
    redaction_seen_remotely,
    [plexus_to_synapse, synapse_to_plexus, plexus_to_plexus]
);

/// bob@b renames himself; alice@a sees the new name in his member event.
async fn displayname_change_reaches_remote_room(a: Kind, b: Kind) {
    let fed = Federation::start(a, b).await;
    let (alice, bob, room) = fed.public_room_with_remote_member().await;
    let path = format!(
        "/_matrix/client/v3/profile/{}/displayname",
        enc(&bob.user_id)
    );
    bob.put(&path, &json!({"displayname": "Bob B"})).await.ok();
    alice
        .wait_for_state(
            &room,
            "m.room.member",
            &bob.user_id,
            "/displayname",
            &json!("Bob B"),
        )
        .await;
}

federation_scenario!(
    displayname_change_reaches_remote_room,
    [plexus_to_synapse, synapse_to_plexus, plexus_to_plexus]
);
