//! Integration test: runs the `chat`, `register`, `rooms` and `initial-sync` scenarios
//! against the in-process ceiling server on a free loopback port.

use plexus_load::ceiling;
use plexus_load::cli::Common;
use plexus_load::runner;
use plexus_load::scenarios::Scenario;
use std::time::Duration;

fn common(url: String, json: Option<std::path::PathBuf>) -> Common {
    Common {
        url,
        allow_non_loopback: false,
        time_limit: 60,
        json,
        pid: Some(std::process::id()),
        label: "ceiling-test".into(),
        concurrency: 4,
        quiet: true,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_against_ceiling() {
    let (addr, server) = ceiling::spawn_local().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("chat.json");
    let scenario = Scenario::Chat {
        users: 4,
        messages: 5,
        drain: Duration::from_secs(10),
    };
    let r = runner::run(
        &common(format!("http://{addr}"), Some(json.clone())),
        scenario,
    )
    .await
    .unwrap();
    assert_eq!(r.errors, 0, "errors: {:?}", r.error_samples);
    assert_eq!(r.get("messages_sent"), Some(20.0));
    assert_eq!(r.get("deliveries_expected"), Some(60.0));
    assert_eq!(r.get("deliveries_received"), Some(60.0));
    assert!(r.get("messages_per_s").unwrap() > 0.0);
    assert!(r.get("fanout_ms_p99").is_some() && r.get("send_ms_p50").is_some());
    assert!(r.process.as_ref().unwrap().peak_rss_kib > 0);
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
    assert_eq!(written["scenario"], "chat");
    server.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_against_ceiling() {
    let (addr, server) = ceiling::spawn_local().await.unwrap();
    let r = runner::run(
        &common(format!("http://{addr}"), None),
        Scenario::Register { users: 12 },
    )
    .await
    .unwrap();
    assert_eq!(r.errors, 0, "errors: {:?}", r.error_samples);
    assert_eq!(r.get("register_ok"), Some(12.0));
    assert_eq!(r.get("login_ok"), Some(12.0));
    assert!(r.get("register_ms_p99").is_some() && r.get("login_per_s").unwrap() > 0.0);
    server.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rooms_and_initial_sync_against_ceiling() {
    let (addr, server) = ceiling::spawn_local().await.unwrap();
    let url = format!("http://{addr}");
    let r = runner::run(
        &common(url.clone(), None),
        Scenario::Rooms {
            rooms: 5,
            joiners: 2,
        },
    )
    .await
    .unwrap();
    assert_eq!(
        (r.errors, r.get("create_ok"), r.get("join_ok")),
        (0, Some(5.0), Some(10.0))
    );
    let s = Scenario::InitialSync {
        rooms: 6,
        members: 3,
        events: 25,
    };
    let r = runner::run(&common(url, None), s).await.unwrap();
    assert_eq!(r.errors, 0, "errors: {:?}", r.error_samples);
    assert_eq!(r.get("initial_sync_rooms"), Some(6.0));
    assert!(r.get("incremental_sync_ms").is_some());
    server.abort();
}

#[tokio::test]
async fn refuses_non_loopback_target() {
    let err = runner::run(
        &common("http://10.0.0.1:8008".into(), None),
        Scenario::Register { users: 1 },
    )
    .await;
    assert!(err.unwrap_err().to_string().contains("non-loopback"));
}
