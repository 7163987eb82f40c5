//! Server configuration: the TOML file, overridden key by key from
//! `PLEXUS_*` environment variables (see docs/configuration.md).

mod env;
mod federation;
#[cfg(test)]
mod tests;

use std::{net::SocketAddr, path::PathBuf};

use ruma::{OwnedServerName, RoomVersionId};
use serde::{Deserialize, Serialize};

pub use federation::{FederationConfig, DEFAULT_IP_RANGE_DENYLIST};

/// A configuration that could not be read or is invalid.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

/// Who may create accounts through the client API.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RegistrationMode {
    /// Anyone may register.
    Open,
    /// Registration needs `registration_token`.
    Token,
    /// Only `plexus user create` makes accounts.
    #[default]
    Closed,
}

/// A switch written as `on` / `off`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Switch {
    #[default]
    On,
    Off,
}

/// Log line format.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Human,
    Json,
}

/// The whole configuration. Every field has a default so that a minimal
/// file (or none but environment variables) works.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// The server name in user IDs (`@alice:server_name`). Never change it after first start.
    pub server_name: OwnedServerName,
    /// host:port of the client-server API listener.
    pub client_listen: SocketAddr,
    /// Directory holding the database, the signing key and media.
    pub data_dir: PathBuf,
    pub registration: RegistrationMode,
    /// Required when `registration = "token"`.
    pub registration_token: Option<String>,
    /// Rate limiting of logins, registrations, messages and joins.
    pub rate_limits: Switch,
    /// Version of rooms created without an explicit `room_version`.
    pub default_room_version: RoomVersionId,
    /// Fsync the write-ahead log on every write (power-loss durability).
    pub fsync: bool,
    /// Largest accepted request body in bytes (media uploads excepted).
    pub max_request_bytes: usize,
    pub password_min_length: usize,
    pub log_format: LogFormat,
    /// `tracing` filter directive, e.g. `info` or `plexus=debug,info`.
    pub log_level: String,
    /// Public base URL advertised in `/.well-known/matrix/client`.
    pub public_base_url: Option<String>,
    pub limits: RateLimits,
    /// The media repository (`[media]`).
    pub media: MediaConfig,
    /// The server-server API (`[federation]`).
    pub federation: FederationConfig,
}

/// Limits and switches of the media repository.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct MediaConfig {
    /// Largest accepted upload in bytes; larger ones get 413 `M_TOO_LARGE`.
    pub max_upload_bytes: u64,
    /// Total bytes one user may upload; past it uploads get 403 `M_FORBIDDEN`.
    pub user_quota_bytes: u64,
    /// Serve the deprecated unauthenticated `/_matrix/media/v3/download|thumbnail|config`.
    pub legacy_unauthenticated: bool,
}

impl Default for MediaConfig {
    fn default() -> Self {
        MediaConfig {
            max_upload_bytes: 50 * 1024 * 1024,
            user_quota_bytes: 1024 * 1024 * 1024,
            legacy_unauthenticated: false,
        }
    }
}

/// Sustained rates and bursts for the rate limiter.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimits {
    pub login_per_second: f64,
    pub login_burst: u32,
    pub register_per_second: f64,
    pub register_burst: u32,
    pub message_per_second: f64,
    pub message_burst: u32,
    pub join_per_second: f64,
    pub join_burst: u32,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            login_per_second: 0.2,
            login_burst: 5,
            register_per_second: 0.1,
            register_burst: 5,
            message_per_second: 5.0,
            message_burst: 20,
            join_per_second: 0.5,
            join_burst: 10,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            server_name: "localhost".try_into().expect("valid server name"),
            client_listen: ([127, 0, 0, 1], 8008).into(),
            data_dir: PathBuf::from("./data"),
            registration: RegistrationMode::Closed,
            registration_token: None,
            rate_limits: Switch::On,
            default_room_version: RoomVersionId::V12,
            fsync: false,
            max_request_bytes: 1024 * 1024,
            password_min_length: 8,
            log_format: LogFormat::Human,
            log_level: "info".into(),
            public_base_url: None,
            limits: RateLimits::default(),
            media: MediaConfig::default(),
            federation: FederationConfig::default(),
        }
    }
}

impl Config {
    /// Reads `path` (if given), applies `PLEXUS_*` overrides from `vars`, validates.
    pub fn load(
        path: Option<&std::path::Path>,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let text = match path {
            Some(path) => std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                path: path.to_owned(),
                source,
            })?,
            None => String::new(),
        };
        let mut table: toml::Table =
            toml::from_str(&text).map_err(|e| ConfigError::Invalid(e.to_string()))?;
        env::apply_overrides(&mut table, vars)?;
        let config: Config = table
            .try_into()
            .map_err(|e: toml::de::Error| ConfigError::Invalid(e.to_string()))?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if self.registration == RegistrationMode::Token
            && self.registration_token.as_deref().unwrap_or("").is_empty()
        {
            return Err(ConfigError::Invalid(
                "registration = \"token\" needs a non-empty registration_token".into(),
            ));
        }
        if !matches!(
            self.default_room_version,
            RoomVersionId::V10 | RoomVersionId::V11 | RoomVersionId::V12
        ) {
            return Err(ConfigError::Invalid(
                "default_room_version must be 10, 11 or 12".into(),
            ));
        }
        self.federation.validate().map_err(ConfigError::Invalid)?;
        Ok(())
    }

    /// The base URL clients should use, for `.well-known`.
    pub fn base_url(&self) -> String {
        self.public_base_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.client_listen))
    }
}
