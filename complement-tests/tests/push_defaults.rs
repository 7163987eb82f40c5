//! The spec's server-default push rules (mentions, DMs, encrypted rooms) as
//! `/pushrules/` serves them, rule placement with `before`/`after` over
//! HTTP, and intentional mentions highlighting in `/sync`.

use complement_tests::rooms::next_txn_id;
use complement_tests::{json, Client, TestServer, Value};

const RULES: &str = "/_matrix/client/v3/pushrules/global";

fn rule_ids(rules: &Value, kind: &str) -> Vec<String> {
    rules["global"][kind]
        .as_array()
        .unwrap_or_else(|| panic!("no {kind} rules: {rules}"))
        .iter()
        .map(|r| r["rule_id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn default_rules_are_the_specs() {
    let server = TestServer::start_default().await;
    let alice = server.client().register("alice").await;
    let rules = alice.get("/_matrix/client/v3/pushrules/").await.ok();
    let overrides = [
        ".m.rule.master",
        ".m.rule.suppress_notices",
        ".m.rule.invite_for_me",
        ".m.rule.member_event",
        ".m.rule.is_user_mention",
        ".m.rule.is_room_mention",
        ".m.rule.tombstone",
        ".m.rule.reaction",
        ".m.rule.room.server_acl",
        ".m.rule.suppress_edits",
    ];
    assert_eq!(rule_ids(&rules, "override"), overrides);
    let underrides = [
        ".m.rule.call",
        ".m.rule.encrypted_room_one_to_one",
        ".m.rule.room_one_to_one",
        ".m.rule.message",
        ".m.rule.encrypted",
    ];
    assert_eq!(rule_ids(&rules, "underride"), underrides);
    let mention = alice
        .get(&format!("{RULES}/override/.m.rule.is_user_mention"))
        .await
        .ok();
    assert_eq!(
        mention["conditions"][0]["key"],
        "content.m\\.mentions.user_ids"
    );
    assert_eq!(mention["conditions"][0]["value"], alice.user_id.as_str());
}

#[tokio::test]
async fn rules_are_placed_with_before_and_after() {
    let server = TestServer::start_default().await;
    let alice = server.client().register("alice").await;
    let add = |id: &'static str, query: &'static str| {
        let alice = alice.clone();
        async move {
            let path = format!("{RULES}/content/{id}{query}");
            let rule = json!({"pattern": id, "actions": ["notify"]});
            alice.put(&path, &rule).await
        }
    };
    add("first", "").await.ok();
    add("last", "?after=first").await.ok();
    add("middle", "?before=last").await.ok();
    add("top", "?before=first").await.ok();
    let rules = alice.get("/_matrix/client/v3/pushrules/").await.ok();
    assert_eq!(
        rule_ids(&rules, "content"),
        ["top", "first", "middle", "last"]
    );
    // The spec: an unknown `before`/`after` rule is a 400.
    let lost = add("lost", "?after=nonexistent").await;
    assert_eq!(lost.status, 400, "{lost:?}");
}

/// The room's `unread_notifications` in a fresh `/sync`.
async fn unread(client: &Client, room: &str) -> Value {
    let sync = client.sync(None, 0, None).await;
    sync["rooms"]["join"][room]["unread_notifications"].clone()
}

#[tokio::test]
async fn mentions_highlight_and_dm_messages_notify() {
    let server = TestServer::start_default().await;
    let alice = server.client().register("alice").await;
    let bob = server.client().register("bob").await;
    let room = alice
        .create_room(json!({"preset": "trusted_private_chat", "is_direct": true}))
        .await;
    alice.invite(&room, &bob.user_id).await;
    bob.join(&room).await;
    bob.send_text(&room, "plain").await;
    let counts = unread(&alice, &room).await;
    assert_eq!(
        counts["notification_count"], 1,
        "one-to-one message: {counts}"
    );
    assert_eq!(counts["highlight_count"], 0);

    let mention =
        json!({"msgtype": "m.text", "body": "hey", "m.mentions": {"user_ids": [alice.user_id]}});
    bob.send_raw(&room, "m.room.message", &next_txn_id(), &mention)
        .await
        .ok();
    let counts = unread(&alice, &room).await;
    assert_eq!(counts["highlight_count"], 1, "user mention: {counts}");

    let encrypted = json!({"algorithm": "m.megolm.v1.aes-sha2", "ciphertext": "x",
        "sender_key": "k", "session_id": "s", "device_id": "D"});
    bob.send_raw(&room, "m.room.encrypted", &next_txn_id(), &encrypted)
        .await
        .ok();
    let counts = unread(&alice, &room).await;
    assert_eq!(
        counts["notification_count"], 3,
        "encrypted one-to-one: {counts}"
    );
}
