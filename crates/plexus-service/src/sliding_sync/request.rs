//! The parsed body of a simplified sliding sync request (MSC4186). Nothing
//! in it is sticky: every request carries its whole configuration, so a
//! list or subscription missing from a request is no longer wanted.

use std::{collections::BTreeMap, time::Duration};

use serde::Deserialize;

/// Query parameters and body of one request.
#[derive(Clone, Debug, Default)]
pub struct SlidingSyncParams {
    pub pos: Option<String>,
    pub timeout: Duration,
    pub set_presence: Option<String>,
    pub body: SlidingSyncRequest,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct SlidingSyncRequest {
    pub conn_id: Option<String>,
    pub txn_id: Option<String>,
    pub lists: BTreeMap<String, ListRequest>,
    pub room_subscriptions: BTreeMap<String, RoomConfig>,
    pub extensions: ExtensionsRequest,
}

/// What to send for each room: state entries and timeline length.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct RoomConfig {
    pub required_state: Vec<(String, String)>,
    pub timeline_limit: usize,
}

impl RoomConfig {
    /// The union of two configurations (a room in several lists and subscribed).
    pub fn merge(&mut self, other: &RoomConfig) {
        self.timeline_limit = self.timeline_limit.max(other.timeline_limit);
        for entry in &other.required_state {
            if !self.required_state.contains(entry) {
                self.required_state.push(entry.clone());
            }
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListRequest {
    /// Inclusive index ranges into the sorted, filtered room list; absent
    /// means the whole list.
    pub ranges: Option<Vec<(u64, u64)>>,
    #[serde(flatten)]
    pub room: RoomConfig,
    pub filters: ListFilters,
}

/// All present filters must hold; an absent filter does not filter.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListFilters {
    pub is_dm: Option<bool>,
    pub is_encrypted: Option<bool>,
    pub is_invite: Option<bool>,
    /// Create-event `type`s; `null` stands for rooms without a type.
    pub room_types: Vec<Option<String>>,
    pub not_room_types: Vec<Option<String>>,
    /// Space room IDs whose `m.space.child` rooms are wanted.
    pub spaces: Vec<String>,
    pub tags: Vec<String>,
    pub not_tags: Vec<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ExtensionsRequest {
    pub to_device: ToDeviceRequest,
    pub e2ee: Toggle,
    pub account_data: ScopedExtension,
    pub receipts: ScopedExtension,
    pub typing: ScopedExtension,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Toggle {
    pub enabled: Option<bool>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ToDeviceRequest {
    pub enabled: Option<bool>,
    pub limit: Option<usize>,
    pub since: Option<String>,
}

/// An extension applied to some of the rooms the response covers.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ScopedExtension {
    pub enabled: Option<bool>,
    /// List names; absent means every list, `"*"` too.
    pub lists: Option<Vec<String>>,
    /// Room IDs; absent means every subscribed room, `"*"` too.
    pub rooms: Option<Vec<String>>,
}
