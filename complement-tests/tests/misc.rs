//! Smaller features clients use: media upload/download, presence, tags,
//! room upgrades, forgetting rooms, server-side search, unknown aliases.

use std::time::Duration;

use complement_tests::encode::path_segment;
use complement_tests::rooms::room_path;
use complement_tests::{json, Client, Method, TestServer};

#[tokio::test]
async fn media_upload_and_authenticated_download() {
    let mut server = TestServer::start_default().await;
    let alice = server.client().register("alice").await;
    let bytes: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    let request = alice
        .builder(Method::POST, "/_matrix/media/v3/upload?filename=blob.bin")
        .header("content-type", "application/octet-stream")
        .body(bytes.clone());
    let uploaded = alice.try_send(request).await.expect("upload").ok();
    let uri = uploaded["content_uri"]
        .as_str()
        .expect("content_uri")
        .to_owned();
    let (server_name, media_id) = uri
        .trim_start_matches("mxc://")
        .split_once('/')
        .expect("mxc uri");
    let path = format!("/_matrix/client/v1/media/download/{server_name}/{media_id}");
    let download = || async {
        let response = alice
            .builder(Method::GET, &path)
            .send()
            .await
            .expect("download");
        assert_eq!(response.status(), 200);
        response.bytes().await.expect("body").to_vec()
    };
    assert_eq!(download().await, bytes);
    server.stop();
    server.restart().await;
    assert_eq!(download().await, bytes, "media lost across restart");
    server
        .client()
        .get(&path)
        .await
        .assert_error(401, "M_MISSING_TOKEN");
}

#[tokio::test]
async fn presence_round_trip() {
    let server = TestServer::start_default().await;
    let alice = server.client().register("alice").await;
    let path = format!(
        "/_matrix/client/v3/presence/{}/status",
        path_segment(&alice.user_id)
    );
    alice
        .put(
            &path,
            &json!({"presence": "unavailable", "status_msg": "lunch"}),
        )
        .await
        .ok();
    let status = alice.get(&path).await.ok();
    assert_eq!(status["presence"], "unavailable");
    assert_eq!(status["status_msg"], "lunch");
}

#[tokio::test]
async fn room_tags_round_trip_and_sync() {
    let server = TestServer::start_default().await;
    let alice = server.client().register("alice").await;
    let room = alice.create_room(json!({})).await;
    let tags = alice.user_path(&format!("rooms/{}/tags", path_segment(&room)));
    alice
        .put(&format!("{tags}/m.favourite"), &json!({"order": 0.5}))
        .await
        .ok();
    assert_eq!(
        alice.get(&tags).await.ok()["tags"]["m.favourite"]["order"],
        0.5
    );
    let (tag_event, _) = alice
        .sync_until(None, Duration::from_secs(10), |body| {
            let events = Client::joined_events(body, &room, "account_data");
            events.into_iter().find(|e| e["type"] == "m.tag").cloned()
        })
        .await;
    assert!(
        tag_event["content"]["tags"]["m.favourite"].is_object(),
        "{tag_event}"
    );
    alice.delete(&format!("{tags}/m.favourite")).await.ok();
    assert_eq!(alice.get(&tags).await.ok()["tags"], json!({}));
}

#[tokio::test]
async fn room_upgrade_links_old_and_new() {
    let server = TestServer::start_default().await;
    let alice = server.client().register("alice").await;
    let old = alice
        .create_room(json!({"room_version": "11", "name": "Old"}))
        .await;
    let answer = alice
        .post(&room_path(&old, "upgrade"), &json!({"new_version": "12"}))
        .await
        .ok();
    let new = answer["replacement_room"]
        .as_str()
        .expect("replacement_room")
        .to_owned();
    let tombstone = alice.get_state(&old, "m.room.tombstone", "").await.ok();
    assert_eq!(tombstone["replacement_room"], new.as_str());
    let create = alice.get_state(&new, "m.room.create", "").await.ok();
    assert_eq!(create["predecessor"]["room_id"], old.as_str(), "{create}");
    assert_eq!(create["room_version"], "12");
    assert_eq!(
        alice.get_state(&new, "m.room.name", "").await.ok()["name"],
        "Old"
    );
}

#[tokio::test]
async fn forget_after_leave() {
    let server = TestServer::start_default().await;
    let alice = server.client().register("alice").await;
    let room = alice.create_room(json!({})).await;
    let joined = alice.post(&room_path(&room, "forget"), &json!({})).await;
    assert_eq!(joined.status, 400, "forgetting a joined room: {joined:?}");
    alice.leave(&room).await;
    let include_leave = r#"{"room":{"include_leave":true}}"#;
    let before = alice.sync(None, 0, Some(include_leave)).await;
    assert!(
        before["rooms"]["leave"].get(&room).is_some(),
        "left room not listed with include_leave: {before}"
    );
    alice
        .post(&room_path(&room, "forget"), &json!({}))
        .await
        .ok();
    let body = alice.sync(None, 0, Some(include_leave)).await;
    assert!(
        body["rooms"]["leave"].get(&room).is_none(),
        "forgotten room still in sync: {body}"
    );
}

#[tokio::test]
async fn server_side_search_finds_messages() {
    let server = TestServer::start_default().await;
    let alice = server.client().register("alice").await;
    let room = alice.create_room(json!({})).await;
    alice.send_text(&room, "the quick brown fox").await;
    alice.send_text(&room, "lazy dogs sleep").await;
    let body = json!({"search_categories": {"room_events": {"search_term": "fox"}}});
    let found = alice.post("/_matrix/client/v3/search", &body).await.ok();
    let results = found["search_categories"]["room_events"]["results"]
        .as_array()
        .expect("results")
        .clone();
    assert_eq!(results.len(), 1, "{found}");
    assert_eq!(
        results[0]["result"]["content"]["body"],
        "the quick brown fox"
    );
}

#[tokio::test]
async fn joining_unknown_alias_is_not_found() {
    let server = TestServer::start_default().await;
    let alice = server.client().register("alice").await;
    alice
        .join_raw("#nowhere:localhost")
        .await
        .assert_error(404, "M_NOT_FOUND");
    alice
        .join_raw("!nosuchroom:localhost")
        .await
        .assert_error(404, "M_NOT_FOUND");
}

#[tokio::test]
async fn space_hierarchy_lists_children() {
    let server = TestServer::start_default().await;
    let alice = server.client().register("alice").await;
    let space = alice
        .create_room(json!({"preset": "public_chat", "name": "Space", "creation_content": {"type": "m.space"}}))
        .await;
    let child = alice
        .create_room(json!({"preset": "public_chat", "name": "Child"}))
        .await;
    alice
        .put_state(
            &space,
            "m.space.child",
            &child,
            &json!({"via": ["localhost"]}),
        )
        .await;
    let path = format!(
        "/_matrix/client/v1/rooms/{}/hierarchy",
        path_segment(&space)
    );
    let hierarchy = alice.get(&path).await.ok();
    let rooms = hierarchy["rooms"].as_array().expect("rooms");
    let ids: Vec<&str> = rooms.iter().filter_map(|r| r["room_id"].as_str()).collect();
    assert!(
        ids.contains(&space.as_str()) && ids.contains(&child.as_str()),
        "{hierarchy}"
    );
    let root = rooms
        .iter()
        .find(|r| r["room_id"] == space.as_str())
        .expect("root");
    assert_eq!(root["room_type"], "m.space");
}
