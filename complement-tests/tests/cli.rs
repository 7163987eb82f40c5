//! `plexus user create` and `plexus user reset-password`, both offline and
//! against a running server (through the admin socket).

use complement_tests::{Registration, ServerOptions, TestServer, PASSWORD};

const WHOAMI: &str = "/_matrix/client/v3/account/whoami";

#[track_caller]
fn assert_success(output: &std::process::Output) {
    assert!(
        output.status.success(),
        "plexus user failed ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test]
async fn create_user_while_running_then_login() {
    let server = TestServer::start(ServerOptions::registration(Registration::Closed)).await;
    assert_success(&server.cli_create_user("carol", PASSWORD, false));
    let carol = server.client().login("carol", PASSWORD).await;
    assert_eq!(carol.whoami().await, "@carol:localhost");
    let again = server.cli_create_user("carol", PASSWORD, false);
    assert!(
        !again.status.success(),
        "creating an existing user must fail"
    );
}

#[tokio::test]
async fn create_user_offline_then_login() {
    let mut server = TestServer::start(ServerOptions::registration(Registration::Closed)).await;
    server.stop();
    assert_success(&server.cli_create_user("dave", PASSWORD, true));
    server.restart().await;
    let dave = server.client().login("dave", PASSWORD).await;
    assert_eq!(dave.whoami().await, "@dave:localhost");
}

#[tokio::test]
async fn create_user_rejects_bad_input() {
    let server = TestServer::start_default().await;
    assert!(!server
        .cli_create_user("Not Valid", PASSWORD, false)
        .status
        .success());
    assert!(!server
        .cli_create_user("shorty", "abc", false)
        .status
        .success());
    server
        .client()
        .login_raw("shorty", "abc")
        .await
        .assert_error(403, "M_FORBIDDEN");
}

#[tokio::test]
async fn reset_password_while_running() {
    let server = TestServer::start_default().await;
    let anon = server.client();
    let alice = anon.register("alice").await;
    assert_success(&server.cli_reset_password("alice", "a brand new password"));
    alice.get(WHOAMI).await.assert_error(401, "M_UNKNOWN_TOKEN");
    anon.login_raw("alice", PASSWORD)
        .await
        .assert_error(403, "M_FORBIDDEN");
    let session = anon.login("alice", "a brand new password").await;
    assert_eq!(session.whoami().await, "@alice:localhost");
}

#[tokio::test]
async fn reset_password_offline() {
    let mut server = TestServer::start_default().await;
    let anon = server.client();
    anon.register("alice").await;
    server.stop();
    assert_success(&server.cli_reset_password("alice", "offline new password"));
    server.restart().await;
    anon.login_raw("alice", PASSWORD)
        .await
        .assert_error(403, "M_FORBIDDEN");
    anon.login("alice", "offline new password").await;
}

#[tokio::test]
async fn reset_password_of_unknown_user_fails() {
    let server = TestServer::start_default().await;
    assert!(!server
        .cli_reset_password("nobody", PASSWORD)
        .status
        .success());
}
