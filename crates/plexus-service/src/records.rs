//! Row types of the catalogue. Stored as JSON: new optional fields get
//! `#[serde(default)]` so older rows still read.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct UserRecord {
    /// argon2id PHC string; `None` for accounts that cannot log in with a password.
    pub password_hash: Option<String>,
    #[serde(default)]
    pub displayname: Option<String>,
    #[serde(default)]
    pub avatar_url: Option<String>,
    #[serde(default)]
    pub admin: bool,
    #[serde(default)]
    pub deactivated: bool,
    pub created_ts: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TokenRecord {
    pub user_id: String,
    pub device_id: String,
    /// Expiry of an access token issued with a refresh token.
    #[serde(default)]
    pub expires_at: Option<u64>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct DeviceRecord {
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub last_seen_ts: Option<u64>,
    #[serde(default)]
    pub last_seen_ip: Option<String>,
    /// The device's current access token, revoked when the device is deleted.
    pub access_token: String,
    #[serde(default)]
    pub refresh_token: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EventMetaRecord {
    pub room_id: String,
    /// Position in the global stream; 0 for outliers (events not in the timeline).
    pub stream: u64,
    /// State group before the event.
    pub state_before: u64,
    /// State group after the event (equal to `state_before` for non-state events).
    pub state_after: u64,
    #[serde(default)]
    pub rejected: bool,
    #[serde(default)]
    pub soft_failed: bool,
    /// Set when a redaction of this event was accepted.
    #[serde(default)]
    pub redacted_by: Option<String>,
    /// (device ID, txn ID) of the local send, echoed to that device in `unsigned`.
    #[serde(default)]
    pub txn: Option<(String, String)>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RoomRecord {
    pub version: String,
    pub forward_extremities: Vec<String>,
    pub depth: u64,
    /// State group of the current state.
    pub state_group: u64,
    /// Stream position of the latest event.
    pub last_stream: u64,
}

/// A state snapshot stored as a delta on its parent; `parent: None` is a full snapshot.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct StateGroupRecord {
    pub parent: Option<u64>,
    /// Length of the delta chain down to a full snapshot.
    pub chain: u32,
    /// (short state key, short event ID) set or replaced against the parent.
    pub set: Vec<(u64, u64)>,
    /// Short state keys removed against the parent.
    #[serde(default)]
    pub removed: Vec<u64>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MembershipRecord {
    pub membership: String,
    pub event_id: String,
    pub stream: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AliasRecord {
    pub room_id: String,
    pub creator: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AccountDataRecord {
    pub content: serde_json::Value,
    pub stream: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ReceiptRecord {
    pub event_id: String,
    pub ts: u64,
    pub stream: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PresenceRecord {
    pub presence: String,
    #[serde(default)]
    pub status_msg: Option<String>,
    pub last_active_ts: u64,
    pub stream: u64,
}

/// A device's fallback key: handed out when one-time keys run out, reused until replaced.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FallbackKeyRecord {
    pub key_id: String,
    pub key: serde_json::Value,
    /// Claimed at least once since upload.
    #[serde(default)]
    pub used: bool,
}

/// A server-side key backup version; deleted versions keep their number reserved.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BackupVersionRecord {
    pub algorithm: String,
    pub auth_data: serde_json::Value,
    /// Bumped on every change to the backed-up keys.
    pub etag: u64,
    #[serde(default)]
    pub deleted: bool,
}
