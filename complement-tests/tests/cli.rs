//! The binary's command line: `plexus user create` and `plexus user
//! reset-password`, both offline and against a running server (through the
//! admin socket), and `plexus serve` refusing a bad configuration.

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

/// Runs `plexus serve` with `env` on a stopped server's data dir; it must
/// exit with an error (not start serving) and say why on stderr.
fn assert_serve_refuses(server: &TestServer, env: &[(&str, &str)], expected_in_stderr: &str) {
    let limit = std::time::Duration::from_secs(10);
    let output = server.try_run_cli(&["serve"], env, "", limit);
    let output = output
        .unwrap_or_else(|| panic!("serve started (still running after {limit:?}) with {env:?}"));
    let stderr = String::from_utf8_lossy(&output.stderr).to_lowercase();
    assert!(
        !output.status.success(),
        "serve exited successfully with {env:?}"
    );
    assert!(
        stderr.contains(expected_in_stderr),
        "stderr does not mention {expected_in_stderr:?}: {stderr}"
    );
}

#[tokio::test]
async fn token_mode_without_token_refuses_to_start() {
    let mut server = TestServer::start_default().await;
    server.stop();
    assert_serve_refuses(
        &server,
        &[("PLEXUS_REGISTRATION", "token")],
        "registration_token",
    );
}

#[tokio::test]
async fn unknown_plexus_variable_refuses_to_start() {
    let mut server = TestServer::start_default().await;
    server.stop();
    assert_serve_refuses(
        &server,
        &[("PLEXUS_REGISTRATON", "open")],
        "plexus_registraton",
    );
}

#[tokio::test]
async fn registration_token_validity() {
    let options = ServerOptions::registration(Registration::Token("valid-token".into()));
    let server = TestServer::start(options).await;
    let anon = server.client();
    let path = "/_matrix/client/v1/register/m.login.registration_token/validity?token=";
    assert_eq!(
        anon.get(&format!("{path}valid-token")).await.ok()["valid"],
        true
    );
    assert_eq!(anon.get(&format!("{path}other")).await.ok()["valid"], false);
}

#[tokio::test]
async fn changed_server_name_refuses_to_start() {
    let mut server = TestServer::start_default().await;
    server.client().register("alice").await;
    server.stop();
    assert_serve_refuses(
        &server,
        &[("PLEXUS_SERVER_NAME", "other.example")],
        "server_name",
    );
}
