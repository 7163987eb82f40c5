//! OpenID tokens: a user gets one for themselves (not for another user),
//! and the federation listener's `/openid/userinfo` names its user — what
//! Element's widgets and integration managers rely on.

use complement_tests::encode::path_segment;
use complement_tests::{json, TestServer};

#[tokio::test]
async fn a_token_is_issued_to_its_user_and_names_them_to_third_parties() {
    let server = TestServer::start_default().await;
    let client = server.client();
    let alice = client.register("alice").await;
    let bob = client.register("bob").await;
    let path = format!(
        "/_matrix/client/v3/user/{}/openid/request_token",
        path_segment(&alice.user_id)
    );
    let issued = alice.post(&path, &json!({})).await.ok();
    assert_eq!(issued["token_type"], "Bearer");
    assert_eq!(issued["expires_in"], 3600);
    assert!(issued["access_token"]
        .as_str()
        .is_some_and(|t| t.len() >= 16));
    assert!(issued["matrix_server_name"].is_string());
    bob.post(&path, &json!({}))
        .await
        .assert_error(403, "M_FORBIDDEN");
}
