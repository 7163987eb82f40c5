//! Server discovery ("Resolving server names" in the server-server spec): which
//! host and port to connect to for a server name, which `Host` header and TLS
//! name to use. The network (`.well-known` and SRV) sits behind
//! [`DiscoveryBackend`] so the decision table can be tested with a stub.

mod backend;
#[cfg(test)]
mod tests;

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::Mutex,
    time::{Duration, Instant},
};

pub use backend::{DiscoveryBackend, NetworkBackend, SrvRecord, WellKnownAnswer};

/// Port when neither the name, `.well-known` nor SRV gives one.
pub const DEFAULT_PORT: u16 = 8448;
/// `.well-known` answers without cache headers are kept this long.
const WELL_KNOWN_DEFAULT_TTL: Duration = Duration::from_secs(24 * 3600);
/// Upper bound for any `.well-known` cache period.
const WELL_KNOWN_MAX_TTL: Duration = Duration::from_secs(48 * 3600);
/// A missing or invalid `.well-known` is remembered this long.
const WELL_KNOWN_ERROR_TTL: Duration = Duration::from_secs(3600);

/// Where to send requests for a server name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Destination {
    /// Host in the URL: the TLS name (IP literal or hostname, IPv6 without brackets).
    pub host: String,
    pub port: u16,
    /// Host to resolve and connect to instead of `host` (an SRV target).
    pub connect_to: Option<String>,
    /// Value of the `Host` header.
    pub host_header: String,
}

impl Destination {
    /// `https://host:port`, IPv6 literals in brackets.
    pub fn base_url(&self) -> String {
        match self.host.parse::<IpAddr>() {
            Ok(IpAddr::V6(ip)) => format!("https://[{ip}]:{}", self.port),
            _ => format!("https://{}:{}", self.host, self.port),
        }
    }

    fn direct(host: &str, port: u16, host_header: String) -> Destination {
        Destination {
            host: host.to_owned(),
            port,
            connect_to: None,
            host_header,
        }
    }
}

/// A server name that cannot be resolved.
#[derive(Debug, thiserror::Error)]
#[error("invalid server name {0:?}")]
pub struct InvalidServerName(pub String);

/// Resolves server names, caching `.well-known` answers.
pub struct Discovery<B> {
    backend: B,
    well_known: Mutex<HashMap<String, (Instant, Option<String>)>>,
}

impl<B: DiscoveryBackend> Discovery<B> {
    pub fn new(backend: B) -> Self {
        Discovery {
            backend,
            well_known: Mutex::new(HashMap::new()),
        }
    }

    /// Steps 1–6 of the spec's resolution, in order.
    pub async fn resolve(&self, server_name: &str) -> Result<Destination, InvalidServerName> {
        let (host, port) = split_host_port(server_name)?;
        if host.parse::<IpAddr>().is_ok() || port.is_some() {
            let port = port.unwrap_or(DEFAULT_PORT);
            return Ok(Destination::direct(&host, port, server_name.to_owned()));
        }
        if let Some(delegated) = self.well_known(&host).await {
            if let Ok((d_host, d_port)) = split_host_port(&delegated) {
                return Ok(self.resolve_delegated(&delegated, d_host, d_port).await);
            }
        }
        Ok(self
            .resolve_srv(&host)
            .await
            .unwrap_or_else(|| Destination::direct(&host, DEFAULT_PORT, host.clone())))
    }

    /// Step 3: the `.well-known` named `delegated`.
    async fn resolve_delegated(
        &self,
        delegated: &str,
        host: String,
        port: Option<u16>,
    ) -> Destination {
        if host.parse::<IpAddr>().is_ok() || port.is_some() {
            let port = port.unwrap_or(DEFAULT_PORT);
            return Destination::direct(&host, port, delegated.to_owned());
        }
        self.resolve_srv(&host)
            .await
            .unwrap_or_else(|| Destination::direct(&host, DEFAULT_PORT, host.clone()))
    }

    /// `_matrix-fed._tcp.<host>`, then the deprecated `_matrix._tcp.<host>`.
    async fn resolve_srv(&self, host: &str) -> Option<Destination> {
        for service in ["_matrix-fed._tcp", "_matrix._tcp"] {
            let records = self.backend.srv(&format!("{service}.{host}")).await;
            if let Some(best) = pick_srv(records) {
                return Some(Destination {
                    host: host.to_owned(),
                    port: best.port,
                    connect_to: Some(best.target),
                    host_header: host.to_owned(),
                });
            }
        }
        None
    }

    /// The delegated server name from `https://<host>/.well-known/matrix/server`, cached.
    async fn well_known(&self, host: &str) -> Option<String> {
        if let Some((expires, answer)) = self.lock().get(host) {
            if *expires > Instant::now() {
                return answer.clone();
            }
        }
        let answer = self.backend.well_known(host).await;
        let ttl = match (&answer.delegated, answer.max_age) {
            (None, _) => WELL_KNOWN_ERROR_TTL,
            (Some(_), Some(max_age)) => max_age.min(WELL_KNOWN_MAX_TTL),
            (Some(_), None) => WELL_KNOWN_DEFAULT_TTL,
        };
        let expires = Instant::now() + ttl;
        self.lock()
            .insert(host.to_owned(), (expires, answer.delegated.clone()));
        answer.delegated
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Instant, Option<String>)>> {
        self.well_known.lock().expect("well-known cache poisoned")
    }
}

/// Lowest priority, then highest weight; a target of `.` means "no service".
fn pick_srv(records: Vec<SrvRecord>) -> Option<SrvRecord> {
    records
        .into_iter()
        .filter(|record| record.target != "." && !record.target.is_empty())
        .min_by_key(|record| (record.priority, std::cmp::Reverse(record.weight)))
}

/// Splits `host[:port]`, with IPv6 literals in brackets; the host comes back without them.
pub fn split_host_port(name: &str) -> Result<(String, Option<u16>), InvalidServerName> {
    let invalid = || InvalidServerName(name.to_owned());
    let (host, port) = if let Some(rest) = name.strip_prefix('[') {
        let (ip, after) = rest.split_once(']').ok_or_else(invalid)?;
        ip.parse::<std::net::Ipv6Addr>().map_err(|_| invalid())?;
        match after {
            "" => (ip, None),
            _ => (ip, Some(after.strip_prefix(':').ok_or_else(invalid)?)),
        }
    } else {
        match name.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (name, None),
        }
    };
    let port = port
        .map(|p| {
            p.parse::<u16>()
                .ok()
                .filter(|p| *p != 0)
                .ok_or_else(invalid)
        })
        .transpose()?;
    let host_ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | ':'));
    if !host_ok {
        return Err(invalid());
    }
    Ok((host.to_ascii_lowercase(), port))
}
