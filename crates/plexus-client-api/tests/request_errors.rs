//! How malformed requests are answered: identifiers and query parameters
//! that do not parse are `M_INVALID_PARAM`, a body of the wrong shape is
//! `M_BAD_JSON`, a body that is not JSON is `M_NOT_JSON`.

mod common;

use common::{v3, TestServer};
use serde_json::json;

#[tokio::test]
async fn malformed_identifiers_and_queries_are_invalid_params() {
    let server = TestServer::new();
    let alice = server.register("alice").await;
    server
        .get(&alice, &v3("/rooms/notaroom/state"))
        .await
        .error(400, "M_INVALID_PARAM");
    server
        .get(&alice, &v3("/directory/room/badalias"))
        .await
        .error(400, "M_INVALID_PARAM");
    let room = server.create_room(&alice, json!({})).await;
    let path = v3(&format!(
        "/rooms/{}/messages?dir=sideways",
        common::seg(&room)
    ));
    server
        .get(&alice, &path)
        .await
        .error(400, "M_INVALID_PARAM");
}

#[tokio::test]
async fn bodies_of_the_wrong_shape_are_bad_json() {
    let server = TestServer::new();
    let alice = server.register("alice").await;
    server
        .post(&alice, &v3("/createRoom"), &json!({ "name": 5 }))
        .await
        .error(400, "M_BAD_JSON");
}
