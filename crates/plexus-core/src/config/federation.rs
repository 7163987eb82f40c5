//! The `[federation]` table: the federation listener (with its own TLS), outbound
//! requests to other servers (TLS trust, IP deny list, timeouts, size limits) and
//! the notaries trusted for other servers' keys.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Address ranges federation never connects to unless the operator says otherwise:
/// loopback, private, carrier-grade NAT, link-local, unspecified, unique-local and
/// documentation ranges, in IPv4 and IPv6.
pub const DEFAULT_IP_RANGE_DENYLIST: &[&str] = &[
    "127.0.0.0/8",
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "100.64.0.0/10",
    "169.254.0.0/16",
    "0.0.0.0/8",
    "192.0.0.0/24",
    "192.0.2.0/24",
    "198.18.0.0/15",
    "198.51.100.0/24",
    "203.0.113.0/24",
    "224.0.0.0/4",
    "::1/128",
    "::/128",
    "fe80::/10",
    "fc00::/7",
    "2001:db8::/32",
    "ff00::/8",
];

/// Settings of the server-server API.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct FederationConfig {
    /// Start the federation (and key API) listener and allow outbound federation.
    pub enabled: bool,
    /// host:port of the federation listener.
    pub listen: String,
    /// PEM certificate chain; with `tls_key`, the listener serves TLS itself.
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of `tls_cert`.
    pub tls_key: Option<PathBuf>,
    /// An extra CA (PEM) trusted for outbound requests, beside the built-in roots.
    pub ca_file: Option<PathBuf>,
    /// Check other servers' certificates (turn off only for tests).
    pub verify_tls: bool,
    /// CIDR ranges outbound requests never reach, checked after DNS resolution.
    /// Empty allows every address.
    pub ip_range_denylist: Vec<String>,
    /// Notary servers asked for keys a server cannot give directly.
    pub trusted_key_servers: Vec<String>,
    /// Whole-request timeout of outbound requests, in seconds.
    pub request_timeout_secs: u64,
    /// Largest accepted response body of an outbound request, in bytes.
    pub max_response_bytes: u64,
    /// First delay before resending a failed transaction to a server, in
    /// milliseconds; it doubles with each further failure.
    pub retry_base_ms: u64,
    /// Longest delay between two attempts to send to a server, in seconds.
    pub retry_max_secs: u64,
}

impl Default for FederationConfig {
    fn default() -> Self {
        FederationConfig {
            enabled: false,
            listen: "127.0.0.1:8448".into(),
            tls_cert: None,
            tls_key: None,
            ca_file: None,
            verify_tls: true,
            ip_range_denylist: DEFAULT_IP_RANGE_DENYLIST
                .iter()
                .map(|range| (*range).to_owned())
                .collect(),
            trusted_key_servers: Vec::new(),
            request_timeout_secs: 30,
            max_response_bytes: 50 * 1024 * 1024,
            retry_base_ms: 500,
            retry_max_secs: 600,
        }
    }
}

impl FederationConfig {
    /// Both TLS files, when the listener should serve TLS itself.
    pub fn tls_files(&self) -> Option<(&PathBuf, &PathBuf)> {
        self.tls_cert.as_ref().zip(self.tls_key.as_ref())
    }

    /// Refuses half a TLS setup.
    pub(super) fn validate(&self) -> Result<(), String> {
        if self.tls_cert.is_some() != self.tls_key.is_some() {
            return Err("federation.tls_cert and federation.tls_key go together".into());
        }
        Ok(())
    }
}
