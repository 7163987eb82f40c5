//! Integration test of the federation scenarios' measuring loops: `fed-latency` with
//! the ceiling server as both "origin" and "peer" (it does not federate, but the
//! receiver then sees the sender's messages in its `/sync` like a federated peer
//! would), and the loopback guard applied to `--peer-url`.

use plexus_load::ceiling;
use plexus_load::cli::Common;
use plexus_load::runner;
use plexus_load::scenarios::federation::FedScenario;
use plexus_load::scenarios::Scenario;
use std::time::Duration;

fn common(url: String) -> Common {
    Common {
        url,
        allow_non_loopback: false,
        time_limit: 60,
        json: None,
        pid: None,
        label: "ceiling-fed-test".into(),
        concurrency: 4,
        quiet: true,
    }
}

fn latency(peer_url: String, messages: usize) -> Scenario {
    Scenario::Federation {
        scenario: FedScenario::Latency {
            peer_url,
            messages,
            warmup: 2,
            gap: Duration::from_millis(1),
            per_message_timeout: Duration::from_secs(5),
        },
        allow_non_loopback: false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fed_latency_measures_every_message() {
    let (addr, server) = ceiling::spawn_local().await.unwrap();
    let url = format!("http://{addr}");
    let r = runner::run(&common(url.clone()), latency(url, 12))
        .await
        .unwrap();
    assert_eq!(r.errors, 0, "errors: {:?}", r.error_samples);
    assert_eq!(r.get("delivered"), Some(12.0));
    assert_eq!(r.get("lost"), Some(0.0));
    let (p50, p99) = (
        r.get("delivery_ms_p50").unwrap(),
        r.get("delivery_ms_p99").unwrap(),
    );
    assert!(
        p50 > 0.0 && p50 <= p99 && p99 < 5_000.0,
        "p50 {p50} p99 {p99}"
    );
    assert!(r.get("remote_join_ms").is_some());
    server.abort();
}

#[tokio::test]
async fn fed_latency_refuses_a_non_loopback_peer() {
    let (addr, server) = ceiling::spawn_local().await.unwrap();
    let outcome = runner::run(
        &common(format!("http://{addr}")),
        latency("http://10.0.0.1:8008".into(), 1),
    )
    .await;
    let err = outcome.expect_err("a non-loopback peer must be refused");
    assert!(err.to_string().contains("non-loopback"), "{err:#}");
    server.abort();
}
