//! The decision table of server discovery against a stub backend.

use std::{
    collections::HashMap,
    sync::atomic::{AtomicUsize, Ordering},
    time::Duration,
};

use super::{backend::parse_max_age, *};

#[derive(Default)]
struct Stub {
    srv: HashMap<String, Vec<SrvRecord>>,
    well_known: HashMap<String, WellKnownAnswer>,
    well_known_calls: AtomicUsize,
}

impl Stub {
    fn srv(mut self, name: &str, port: u16, target: &str) -> Self {
        let record = SrvRecord {
            priority: 10,
            weight: 5,
            port,
            target: target.into(),
        };
        self.srv.entry(name.into()).or_default().push(record);
        self
    }

    fn delegate(mut self, host: &str, to: &str, max_age: Option<u64>) -> Self {
        let answer = WellKnownAnswer {
            delegated: Some(to.into()),
            max_age: max_age.map(Duration::from_secs),
        };
        self.well_known.insert(host.into(), answer);
        self
    }
}

impl DiscoveryBackend for Stub {
    async fn srv(&self, name: &str) -> Vec<SrvRecord> {
        self.srv.get(name).cloned().unwrap_or_default()
    }

    async fn well_known(&self, host: &str) -> WellKnownAnswer {
        self.well_known_calls.fetch_add(1, Ordering::SeqCst);
        self.well_known.get(host).cloned().unwrap_or_default()
    }
}

fn dest(host: &str, port: u16, connect_to: Option<&str>, host_header: &str) -> Destination {
    Destination {
        host: host.into(),
        port,
        connect_to: connect_to.map(Into::into),
        host_header: host_header.into(),
    }
}

async fn resolve(stub: Stub, name: &str) -> Destination {
    Discovery::new(stub).resolve(name).await.unwrap()
}

#[tokio::test]
async fn ip_literals_and_explicit_ports_connect_directly() {
    // Even with .well-known and SRV present, steps 1 and 2 win.
    let stub = || {
        Stub::default()
            .delegate("example.org", "other.org", None)
            .srv("_matrix-fed._tcp.example.org", 1, "srv.example.org")
    };
    assert_eq!(
        resolve(stub(), "1.2.3.4").await,
        dest("1.2.3.4", 8448, None, "1.2.3.4")
    );
    assert_eq!(
        resolve(stub(), "1.2.3.4:8491").await,
        dest("1.2.3.4", 8491, None, "1.2.3.4:8491")
    );
    assert_eq!(
        resolve(stub(), "[::1]:9000").await,
        dest("::1", 9000, None, "[::1]:9000")
    );
    assert_eq!(
        resolve(stub(), "[::1]").await,
        dest("::1", 8448, None, "[::1]")
    );
    assert_eq!(
        resolve(stub(), "example.org:8000").await,
        dest("example.org", 8000, None, "example.org:8000")
    );
}

#[tokio::test]
async fn well_known_delegation_to_ip_port_or_srv() {
    let to_ip = Stub::default().delegate("example.org", "5.6.7.8", None);
    assert_eq!(
        resolve(to_ip, "example.org").await,
        dest("5.6.7.8", 8448, None, "5.6.7.8")
    );
    let to_port = Stub::default().delegate("example.org", "matrix.example.org:443", None);
    assert_eq!(
        resolve(to_port, "example.org").await,
        dest("matrix.example.org", 443, None, "matrix.example.org:443")
    );
    let to_srv = Stub::default()
        .delegate("example.org", "matrix.example.org", None)
        .srv(
            "_matrix-fed._tcp.matrix.example.org",
            8449,
            "fed.example.net",
        );
    assert_eq!(
        resolve(to_srv, "example.org").await,
        dest(
            "matrix.example.org",
            8449,
            Some("fed.example.net"),
            "matrix.example.org"
        )
    );
    let deprecated = Stub::default()
        .delegate("example.org", "matrix.example.org", None)
        .srv("_matrix._tcp.matrix.example.org", 8450, "old.example.net");
    assert_eq!(
        resolve(deprecated, "example.org").await,
        dest(
            "matrix.example.org",
            8450,
            Some("old.example.net"),
            "matrix.example.org"
        )
    );
    let plain = Stub::default().delegate("example.org", "matrix.example.org", None);
    assert_eq!(
        resolve(plain, "example.org").await,
        dest("matrix.example.org", 8448, None, "matrix.example.org")
    );
}

#[tokio::test]
async fn without_well_known_srv_then_port_8448() {
    let srv = Stub::default().srv("_matrix-fed._tcp.example.org", 8443, "fed.example.org");
    assert_eq!(
        resolve(srv, "example.org").await,
        dest("example.org", 8443, Some("fed.example.org"), "example.org")
    );
    let both = Stub::default()
        .srv("_matrix._tcp.example.org", 1111, "old.example.org")
        .srv("_matrix-fed._tcp.example.org", 2222, "new.example.org");
    assert_eq!(resolve(both, "example.org").await.port, 2222);
    let nothing = Stub::default();
    assert_eq!(
        resolve(nothing, "Example.org").await,
        dest("example.org", 8448, None, "example.org")
    );
}

#[tokio::test]
async fn srv_prefers_low_priority_then_high_weight_and_skips_dot() {
    let mut stub = Stub::default();
    let records = vec![
        SrvRecord {
            priority: 20,
            weight: 100,
            port: 1,
            target: "a".into(),
        },
        SrvRecord {
            priority: 10,
            weight: 1,
            port: 2,
            target: "b".into(),
        },
        SrvRecord {
            priority: 10,
            weight: 50,
            port: 3,
            target: "c".into(),
        },
        SrvRecord {
            priority: 0,
            weight: 0,
            port: 4,
            target: ".".into(),
        },
    ];
    stub.srv
        .insert("_matrix-fed._tcp.example.org".into(), records);
    assert_eq!(resolve(stub, "example.org").await.port, 3);
}

#[tokio::test]
async fn well_known_answers_are_cached_until_they_expire() {
    let discovery = Discovery::new(Stub::default().delegate("example.org", "m.example.org", None));
    discovery.resolve("example.org").await.unwrap();
    discovery.resolve("example.org").await.unwrap();
    discovery.resolve("absent.org").await.unwrap();
    discovery.resolve("absent.org").await.unwrap();
    assert_eq!(discovery.backend.well_known_calls.load(Ordering::SeqCst), 2);
    let no_cache =
        Discovery::new(Stub::default().delegate("example.org", "m.example.org", Some(0)));
    no_cache.resolve("example.org").await.unwrap();
    no_cache.resolve("example.org").await.unwrap();
    assert_eq!(no_cache.backend.well_known_calls.load(Ordering::SeqCst), 2);
}

#[test]
fn invalid_names_and_cache_control() {
    for bad in [
        "",
        "a b",
        "host:0",
        "host:99999",
        "[::1",
        "[nope]:1",
        "host:",
    ] {
        assert!(split_host_port(bad).is_err(), "{bad}");
    }
    assert_eq!(
        parse_max_age("public, max-age=3600"),
        Some(Duration::from_secs(3600))
    );
    assert_eq!(parse_max_age("no-store"), Some(Duration::ZERO));
    assert_eq!(parse_max_age("public"), None);
}

#[test]
fn base_urls_bracket_ipv6() {
    assert_eq!(dest("::1", 8448, None, "").base_url(), "https://[::1]:8448");
    assert_eq!(dest("a.org", 443, None, "").base_url(), "https://a.org:443");
}
