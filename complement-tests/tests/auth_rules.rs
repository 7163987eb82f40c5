//! Authorization through room state: power levels, restricted and knock
//! join rules, and membership list filters.

use complement_tests::rooms::room_path;
use complement_tests::{json, Client, TestServer};

async fn users<const N: usize>(server: &TestServer, names: [&str; N]) -> [Client; N] {
    let anon = server.client();
    let mut clients = Vec::new();
    for name in names {
        clients.push(anon.register(name).await);
    }
    match <[Client; N]>::try_from(clients) {
        Ok(clients) => clients,
        Err(_) => unreachable!("one client per name"),
    }
}

#[tokio::test]
async fn raised_power_level_grants_state_changes() {
    let server = TestServer::start_default().await;
    let [alice, bob] = users(&server, ["alice", "bob"]).await;
    let room = alice.create_room(json!({"preset": "public_chat"})).await;
    bob.join(&room).await;
    let name_path = room_path(&room, "state/m.room.name/");
    bob.put(&name_path, &json!({"name": "bob's"}))
        .await
        .assert_error(403, "M_FORBIDDEN");
    let mut levels = alice.get_state(&room, "m.room.power_levels", "").await.ok();
    levels["users"][&bob.user_id] = json!(50);
    alice
        .put_state(&room, "m.room.power_levels", "", &levels)
        .await;
    bob.put(&name_path, &json!({"name": "bob's"})).await.ok();
    assert_eq!(
        alice.get_state(&room, "m.room.name", "").await.ok()["name"],
        "bob's"
    );
    let response = bob
        .membership(&room, "kick", json!({"user_id": alice.user_id}))
        .await;
    response.assert_error(403, "M_FORBIDDEN");
}

#[tokio::test]
async fn restricted_room_admits_members_of_the_allowed_room() {
    let server = TestServer::start_default().await;
    let [alice, bob, carol] = users(&server, ["alice", "bob", "carol"]).await;
    let space = alice.create_room(json!({"preset": "public_chat"})).await;
    let rule = json!({
        "join_rule": "restricted",
        "allow": [{"type": "m.room_membership", "room_id": space}],
    });
    let body = json!({
        "preset": "private_chat",
        "initial_state": [{"type": "m.room.join_rules", "state_key": "", "content": rule}],
    });
    let room = alice.create_room(body).await;
    bob.join(&space).await;
    assert_eq!(bob.join(&room).await, room);
    carol.join_raw(&room).await.assert_error(403, "M_FORBIDDEN");
}

#[tokio::test]
async fn knock_then_invite() {
    let server = TestServer::start_default().await;
    let [alice, bob] = users(&server, ["alice", "bob"]).await;
    let body = json!({
        "preset": "private_chat",
        "initial_state": [{"type": "m.room.join_rules", "state_key": "", "content": {"join_rule": "knock"}}],
    });
    let room = alice.create_room(body).await;
    let path = format!(
        "/_matrix/client/v3/knock/{}",
        complement_tests::encode::path_segment(&room)
    );
    bob.post(&path, &json!({"reason": "let me in"})).await.ok();
    assert_eq!(
        alice.membership_of(&room, &bob.user_id).await.as_deref(),
        Some("knock")
    );
    alice.invite(&room, &bob.user_id).await;
    bob.join(&room).await;
    assert_eq!(
        alice.membership_of(&room, &bob.user_id).await.as_deref(),
        Some("join")
    );
}

#[tokio::test]
async fn members_can_be_filtered_by_membership() {
    let server = TestServer::start_default().await;
    let [alice, bob, carol] = users(&server, ["alice", "bob", "carol"]).await;
    let room = alice.create_room(json!({"preset": "public_chat"})).await;
    bob.join(&room).await;
    alice.invite(&room, &carol.user_id).await;
    let ids = |body: &serde_json::Value| {
        let mut ids: Vec<String> = body["chunk"]
            .as_array()
            .expect("chunk")
            .iter()
            .filter_map(|e| e["state_key"].as_str().map(str::to_owned))
            .collect();
        ids.sort();
        ids
    };
    let joined = alice
        .get(&room_path(&room, "members?membership=join"))
        .await
        .ok();
    assert_eq!(ids(&joined), [alice.user_id.clone(), bob.user_id.clone()]);
    let not_joined = alice
        .get(&room_path(&room, "members?not_membership=join"))
        .await
        .ok();
    assert_eq!(ids(&not_joined), vec![carol.user_id.clone()]);
}

#[tokio::test]
async fn rejoined_room_returns_to_join_section() {
    let server = TestServer::start_default().await;
    let [alice, bob] = users(&server, ["alice", "bob"]).await;
    let room = alice
        .create_room(json!({"preset": "public_chat", "name": "Again"}))
        .await;
    bob.join(&room).await;
    bob.leave(&room).await;
    let since = bob.sync(None, 0, None).await["next_batch"]
        .as_str()
        .expect("next_batch")
        .to_owned();
    alice.send_text(&room, "while bob was away").await;
    bob.join(&room).await;
    let key = room.clone();
    let limit = std::time::Duration::from_secs(10);
    let (joined, _) = bob
        .sync_until(Some(&since), limit, |body| {
            body["rooms"]["join"].get(&key).cloned()
        })
        .await;
    let mut events = joined["state"]["events"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    events.extend(
        joined["timeline"]["events"]
            .as_array()
            .cloned()
            .unwrap_or_default(),
    );
    assert!(
        events.iter().any(|e| e["type"] == "m.room.name"),
        "rejoined room without state: {joined}"
    );
    let own = events.iter().any(|e| {
        e["type"] == "m.room.member"
            && e["state_key"] == bob.user_id.as_str()
            && e["content"]["membership"] == "join"
    });
    assert!(own, "rejoin without bob's join event: {joined}");
}
