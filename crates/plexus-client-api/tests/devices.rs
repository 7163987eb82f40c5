//! Devices through the router: list, read, rename, and delete behind UIA
//! with the password (401 with flows without auth, M_FORBIDDEN for a wrong
//! password); a deleted device's token stops working.

mod common;

use common::{seg, v3, TestServer, User, PASSWORD};
use http::Method;
use serde_json::{json, Value};

fn device_path(device_id: &str) -> String {
    v3(&format!("/devices/{}", seg(device_id)))
}

fn password_auth(user: &User, password: &str, session: &Value) -> Value {
    json!({
        "type": "m.login.password",
        "identifier": { "type": "m.id.user", "user": user.user_id },
        "password": password,
        "session": session,
    })
}

#[tokio::test]
async fn list_get_and_rename() {
    let server = TestServer::new();
    let alice = server.register("alice").await;
    let phone = server.login(&alice).await;
    let listed = server.get(&alice, &v3("/devices")).await.ok();
    let ids: Vec<&str> = listed["devices"]
        .as_array()
        .expect("devices")
        .iter()
        .filter_map(|d| d["device_id"].as_str())
        .collect();
    assert!(
        ids.contains(&alice.device_id.as_str()) && ids.contains(&phone.device_id.as_str()),
        "{listed}"
    );
    let path = device_path(&phone.device_id);
    server
        .put(&alice, &path, &json!({ "display_name": "phone" }))
        .await
        .ok();
    let device = server.get(&alice, &path).await.ok();
    assert_eq!(device["device_id"], phone.device_id.as_str());
    assert_eq!(device["display_name"], "phone");
    // Without display_name the name stays.
    server.put(&alice, &path, &json!({})).await.ok();
    assert_eq!(
        server.get(&alice, &path).await.ok()["display_name"],
        "phone"
    );
}

#[tokio::test]
async fn unknown_or_foreign_device_is_not_found() {
    let server = TestServer::new();
    let alice = server.register("alice").await;
    let bob = server.register("bob").await;
    server
        .get(&alice, &device_path("NOSUCHDEVICE"))
        .await
        .error(404, "M_NOT_FOUND");
    server
        .get(&alice, &device_path(&bob.device_id))
        .await
        .error(404, "M_NOT_FOUND");
    let rename = server
        .put(
            &alice,
            &device_path(&bob.device_id),
            &json!({ "display_name": "mine" }),
        )
        .await;
    rename.error(404, "M_NOT_FOUND");
}

#[tokio::test]
async fn delete_device_needs_password_uia() {
    let server = TestServer::new();
    let alice = server.register("alice").await;
    let phone = server.login(&alice).await;
    let path = device_path(&phone.device_id);
    let challenge = server.delete(&alice, &path, None).await;
    assert_eq!(challenge.status.as_u16(), 401, "{}", challenge.body);
    assert_eq!(
        challenge.body["flows"],
        json!([{ "stages": ["m.login.password"] }])
    );
    let session = challenge.body["session"].clone();
    assert!(session.is_string(), "{}", challenge.body);
    let wrong = server
        .delete(
            &alice,
            &path,
            Some(&json!({ "auth": password_auth(&alice, "wrong password", &session) })),
        )
        .await;
    assert_eq!(wrong.status.as_u16(), 401, "{}", wrong.body);
    assert_eq!(wrong.body["errcode"], "M_FORBIDDEN");
    assert!(wrong.body["flows"].is_array(), "{}", wrong.body);
    server.get(&phone, &v3("/account/whoami")).await.ok();
    let body = json!({ "auth": password_auth(&alice, PASSWORD, &session) });
    server.delete(&alice, &path, Some(&body)).await.ok();
    server.get(&alice, &path).await.error(404, "M_NOT_FOUND");
    server
        .get(&phone, &v3("/account/whoami"))
        .await
        .error(401, "M_UNKNOWN_TOKEN");
}

#[tokio::test]
async fn delete_devices_in_bulk() {
    let server = TestServer::new();
    let alice = server.register("alice").await;
    let phone = server.login(&alice).await;
    let tablet = server.login(&alice).await;
    let devices = json!([phone.device_id, tablet.device_id, "ALREADYGONE"]);
    let challenge = server
        .post(
            &alice,
            &v3("/delete_devices"),
            &json!({ "devices": devices }),
        )
        .await;
    assert_eq!(challenge.status.as_u16(), 401, "{}", challenge.body);
    assert_eq!(
        challenge.body["flows"],
        json!([{ "stages": ["m.login.password"] }])
    );
    let auth = password_auth(&alice, PASSWORD, &challenge.body["session"]);
    server
        .post(
            &alice,
            &v3("/delete_devices"),
            &json!({ "devices": devices, "auth": auth }),
        )
        .await
        .ok();
    let listed = server.get(&alice, &v3("/devices")).await.ok();
    let ids: Vec<&str> = listed["devices"]
        .as_array()
        .expect("devices")
        .iter()
        .filter_map(|d| d["device_id"].as_str())
        .collect();
    assert_eq!(ids, [alice.device_id.as_str()]);
    let whoami = server
        .call(
            Method::GET,
            &v3("/account/whoami"),
            Some(&tablet.token),
            None,
        )
        .await;
    whoami.error(401, "M_UNKNOWN_TOKEN");
}

#[tokio::test]
async fn devices_need_a_token() {
    let server = TestServer::new();
    server
        .call(Method::GET, &v3("/devices"), None, None)
        .await
        .error(401, "M_MISSING_TOKEN");
}
