//! `homeserver.yaml` for a test Synapse, written as JSON (YAML is a superset
//! of JSON, so no YAML library is needed), plus its logging config and an
//! ed25519 signing key.
//!
//! Each setting below is one Synapse needs to federate on loopback with
//! certificate checks on (see `../shared/peers/README.md` for how each was
//! found): an IP-literal server name with an explicit port, TLS on the
//! federation listener, the test CA in `federation_custom_ca_list`, empty
//! IP blacklists, no notary, open registration, and rate limits out of reach.

use std::path::{Path, PathBuf};

use base64::Engine;
use serde_json::{json, Value};

use crate::federation::tls::ServerCert;

/// What one Synapse instance is: where it lives and what it listens on.
pub struct SynapseLayout<'a> {
    pub dir: &'a Path,
    pub server_name: &'a str,
    pub client_port: u16,
    pub federation_port: u16,
    pub cert: &'a ServerCert,
    pub ca_file: &'a Path,
}

impl SynapseLayout<'_> {
    pub fn config_path(&self) -> PathBuf {
        self.dir.join("homeserver.yaml")
    }

    pub fn log_path(&self) -> PathBuf {
        self.dir.join("homeserver.log")
    }

    /// Writes the config, the logging config and the signing key.
    pub fn write(&self) {
        std::fs::create_dir_all(self.dir.join("media_store")).expect("media dir");
        write_json(&self.dir.join("log.config"), &self.log_config());
        std::fs::write(self.dir.join("signing.key"), signing_key()).expect("signing key");
        write_json(&self.config_path(), &self.homeserver_config());
    }

    fn homeserver_config(&self) -> Value {
        let path = |name: &str| self.dir.join(name).display().to_string();
        let mut config = json!({
            "server_name": self.server_name,
            "pid_file": path("homeserver.pid"),
            "public_baseurl": format!("http://127.0.0.1:{}/", self.client_port),
            "listeners": self.listeners(),
            "tls_certificate_path": self.cert.cert.display().to_string(),
            "tls_private_key_path": self.cert.key.display().to_string(),
            "database": {"name": "sqlite3", "args": {"database": path("homeserver.db")}},
            "log_config": path("log.config"),
            "media_store_path": path("media_store"),
            "signing_key_path": path("signing.key"),
            "macaroon_secret_key": random_hex(32),
            "form_secret": random_hex(32),
            "report_stats": false,
            // Registration hashes passwords: the minimum cost keeps it fast.
            "bcrypt_rounds": 4,
            "enable_metrics": false,
            "enable_registration": true,
            "enable_registration_without_verification": true,
            "room_list_publication_rules": [{"action": "allow"}],
            "trusted_key_servers": [],
            "suppress_key_server_warning": true,
            "federation_verify_certificates": true,
            "federation_custom_ca_list": [self.ca_file.display().to_string()],
            "federation_ip_range_blacklist": [],
            "ip_range_blacklist": [],
            "ip_range_whitelist": ["127.0.0.0/8", "::1/128"],
            "serve_server_wellknown": false,
            "url_preview_enabled": false,
            "allow_public_rooms_over_federation": true,
            // A stopped peer is retried within seconds, not Synapse's 10 min.
            "federation": {
                "client_timeout": "20s",
                "max_short_retry_delay": "1s",
                "max_long_retry_delay": "2s",
                "destination_min_retry_interval": "1s",
                "destination_retry_multiplier": 1.5,
                "destination_max_retry_interval": "3s",
            },
        });
        let object = config.as_object_mut().expect("object");
        object.extend(rate_limits_off());
        config
    }

    fn listeners(&self) -> Value {
        json!([
            {"port": self.client_port, "bind_addresses": ["127.0.0.1"], "type": "http",
             "tls": false, "x_forwarded": false,
             // `keys` too: the harness reads the server name there to know
             // that the process answering on this port is this Synapse.
             "resources": [{"names": ["client", "keys"], "compress": false}]},
            {"port": self.federation_port, "bind_addresses": ["127.0.0.1"], "type": "http",
             "tls": true,
             "resources": [{"names": ["federation", "keys"], "compress": false}]},
        ])
    }

    fn log_config(&self) -> Value {
        json!({
            "version": 1,
            "formatters": {"plain": {"format": "%(asctime)s %(name)s %(levelname)s %(message)s"}},
            "handlers": {"file": {"class": "logging.FileHandler", "formatter": "plain",
                                  "filename": self.log_path().display().to_string()}},
            "loggers": {"synapse.storage.SQL": {"level": "WARNING"},
                        "synapse.access": {"level": "INFO"}},
            "root": {"level": "INFO", "handlers": ["file"]},
            "disable_existing_loggers": false,
        })
    }
}

/// Every `rc_*` limit Synapse has, set far above anything a test does.
fn rate_limits_off() -> serde_json::Map<String, Value> {
    let high = json!({"per_second": 100000, "burst_count": 100000});
    let limits = json!({
        "rc_message": high,
        "rc_registration": high,
        "rc_registration_token_validity": high,
        "rc_login": {"address": high, "account": high, "failed_attempts": high},
        "rc_admin_redaction": high,
        "rc_joins": {"local": high, "remote": high},
        "rc_joins_per_room": high,
        "rc_key_requests": high,
        "rc_3pid_validation": high,
        "rc_invites": {"per_room": high, "per_user": high, "per_issuer": high},
        "rc_third_party_invite": high,
        "rc_media_create": high,
        "rc_presence": {"per_user": high},
        "rc_delayed_event_mgmt": high,
        "rc_room_creation": high,
        "rc_reports": high,
        "rc_user_directory": high,
        "rc_profile": high,
        "rc_federation": {"window_size": 1000, "sleep_limit": 100000, "sleep_delay": 1,
                          "reject_limit": 100000, "concurrent": 10000},
    });
    match limits {
        Value::Object(map) => map,
        _ => unreachable!("json! object"),
    }
}

fn write_json(path: &Path, value: &Value) {
    let text = serde_json::to_string_pretty(value).expect("serialize");
    std::fs::write(path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

/// Synapse's signing key file: `ed25519 <version> <unpadded base64 seed>`.
fn signing_key() -> String {
    let seed = random_bytes(32);
    let encoded = base64::engine::general_purpose::STANDARD_NO_PAD.encode(seed);
    format!("ed25519 a_test {encoded}\n")
}

fn random_hex(len: usize) -> String {
    random_bytes(len)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn random_bytes(len: usize) -> Vec<u8> {
    use std::io::Read;
    let mut bytes = vec![0; len];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .expect("read /dev/urandom");
    bytes
}
