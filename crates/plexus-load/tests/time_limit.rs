//! Integration test: `--time-limit` bounds a scenario even when the server never answers
//! or the work would take far longer.

use plexus_load::ceiling;
use plexus_load::cli::Common;
use plexus_load::runner;
use plexus_load::scenarios::Scenario;
use std::time::{Duration, Instant};

fn common(url: String) -> Common {
    Common {
        url,
        allow_non_loopback: false,
        time_limit: 1,
        json: None,
        pid: None,
        label: "time-limit".into(),
        concurrency: 2,
        quiet: true,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_server_is_abandoned_at_the_deadline() {
    // Accepts connections and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = listener.accept().await {
            held.push(sock);
        }
    });
    let start = Instant::now();
    let r = runner::run(
        &common(format!("http://{addr}")),
        Scenario::Register { users: 3 },
    )
    .await
    .unwrap();
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "took {:?}",
        start.elapsed()
    );
    assert!(r.timed_out);
    assert_eq!(r.get("register_ok"), Some(0.0));
    hold.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_chat_is_cut_short() {
    let (addr, server) = ceiling::spawn_local().await.unwrap();
    let start = Instant::now();
    let s = Scenario::Chat {
        users: 3,
        messages: 10_000,
        drain: Duration::from_secs(30),
    };
    let r = runner::run(&common(format!("http://{addr}")), s)
        .await
        .unwrap();
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "took {:?}",
        start.elapsed()
    );
    assert!(r.timed_out);
    assert!(r.get("messages_sent").unwrap() < 30_000.0);
    server.abort();
}
