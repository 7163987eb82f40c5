//! The network side of discovery: SRV lookups (hickory) and fetching
//! `/.well-known/matrix/server` (through the deny-list-filtered HTTP client),
//! behind a trait so tests can stub them.

use std::{future::Future, time::Duration};

use hickory_resolver::{name_server::TokioConnectionProvider, TokioResolver};
use serde::Deserialize;

/// One SRV record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SrvRecord {
    pub priority: u16,
    pub weight: u16,
    pub port: u16,
    /// Target host, without the trailing dot.
    pub target: String,
}

/// What `/.well-known/matrix/server` said.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WellKnownAnswer {
    /// `m.server`, when the file exists and is valid.
    pub delegated: Option<String>,
    /// From `Cache-Control: max-age`, when given.
    pub max_age: Option<Duration>,
}

/// DNS and `.well-known` for [`super::Discovery`].
pub trait DiscoveryBackend: Send + Sync {
    /// SRV records of `name` (e.g. `_matrix-fed._tcp.example.org`); empty when none.
    fn srv(&self, name: &str) -> impl Future<Output = Vec<SrvRecord>> + Send;
    /// `https://<host>/.well-known/matrix/server`.
    fn well_known(&self, host: &str) -> impl Future<Output = WellKnownAnswer> + Send;
}

/// The real backend: the system's DNS configuration and an HTTP client.
pub struct NetworkBackend {
    dns: Option<TokioResolver>,
    http: reqwest::Client,
    max_bytes: usize,
}

#[derive(Deserialize)]
struct WellKnownBody {
    #[serde(rename = "m.server")]
    server: String,
}

impl NetworkBackend {
    /// `http` must follow redirects and apply the deny list; SRV lookups are
    /// skipped when the system has no usable DNS configuration.
    pub fn new(http: reqwest::Client) -> Self {
        let dns = TokioResolver::builder(TokioConnectionProvider::default())
            .map(|builder| builder.build())
            .map_err(|e| tracing::warn!("no DNS configuration, SRV lookups disabled: {e}"))
            .ok();
        NetworkBackend {
            dns,
            http,
            max_bytes: 64 * 1024,
        }
    }

    async fn fetch_well_known(&self, host: &str) -> Option<WellKnownAnswer> {
        let url = format!("https://{host}/.well-known/matrix/server");
        let response = self.http.get(url).send().await.ok()?;
        if !response.status().is_success() {
            return None;
        }
        let max_age = response
            .headers()
            .get(http::header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_max_age);
        let body = response.bytes().await.ok()?;
        if body.len() > self.max_bytes {
            return None;
        }
        let parsed: WellKnownBody = serde_json::from_slice(&body).ok()?;
        Some(WellKnownAnswer {
            delegated: Some(parsed.server),
            max_age,
        })
    }
}

impl DiscoveryBackend for NetworkBackend {
    async fn srv(&self, name: &str) -> Vec<SrvRecord> {
        let Some(dns) = &self.dns else {
            return Vec::new();
        };
        let Ok(lookup) = dns.srv_lookup(format!("{name}.")).await else {
            return Vec::new();
        };
        lookup
            .iter()
            .map(|srv| SrvRecord {
                priority: srv.priority(),
                weight: srv.weight(),
                port: srv.port(),
                target: srv.target().to_utf8().trim_end_matches('.').to_owned(),
            })
            .collect()
    }

    async fn well_known(&self, host: &str) -> WellKnownAnswer {
        self.fetch_well_known(host).await.unwrap_or_default()
    }
}

/// `max-age=N` of a `Cache-Control` header (`no-store`/`no-cache` count as 0).
pub fn parse_max_age(header: &str) -> Option<Duration> {
    header.split(',').map(str::trim).find_map(|directive| {
        let lower = directive.to_ascii_lowercase();
        if lower == "no-store" || lower == "no-cache" {
            return Some(Duration::ZERO);
        }
        let seconds = lower
            .strip_prefix("max-age=")?
            .trim_matches('"')
            .parse()
            .ok()?;
        Some(Duration::from_secs(seconds))
    })
}
