//! The catalogue: every table (RocksDB column family) Plexus stores, with
//! its key and value types. `ALL` is what `Db::open` receives; a table not
//! listed here cannot be opened.
//!
//! Keys are tuples encoded by `plexus_storage::KeyCodec`; the first tuple
//! element is the usual scan prefix.

use plexus_storage::{Json, Table};

use crate::records::*;

macro_rules! catalogue {
    ($($(#[$doc:meta])* $name:ident = $cf:literal: $key:ty => $value:ty;)+) => {
        $(
            $(#[$doc])*
            pub struct $name;
            impl Table for $name {
                const NAME: &'static str = $cf;
                type Key = $key;
                type Value = $value;
            }
        )+
        /// Every table name, for `Db::open`.
        pub const ALL: &[&str] = &[$($cf),+];
    };
}

catalogue! {
    /// user ID → account.
    Users = "users": String => Json<UserRecord>;
    /// access token → owner.
    AccessTokens = "access_tokens": String => Json<TokenRecord>;
    /// refresh token → owner.
    RefreshTokens = "refresh_tokens": String => Json<TokenRecord>;
    /// (user ID, device ID) → device.
    Devices = "devices": (String, String) => Json<DeviceRecord>;
    /// (user ID, device ID, transaction ID) → event ID, for idempotent sends.
    TxnIds = "txn_ids": (String, String, String) => String;
    /// event ID → signed PDU JSON, exactly as signed.
    Events = "events": String => Vec<u8>;
    /// event ID → where the event sits (room, stream position, state groups).
    EventMeta = "event_meta": String => Json<EventMetaRecord>;
    /// (room ID, stream position) → event ID: the room's timeline in order.
    RoomTimeline = "room_timeline": (String, u64) => String;
    /// stream position → (room ID, event ID): the global order /sync follows.
    StreamEvents = "stream_events": u64 => Json<(String, String)>;
    /// room ID → room record (version, forward extremities, current state group).
    Rooms = "rooms": String => Json<RoomRecord>;
    /// (event type, state key) → short numeric ID.
    ShortStateKeys = "short_state_keys": (String, String) => u64;
    /// short numeric ID → (event type, state key).
    ShortStateKeysRev = "short_state_keys_rev": u64 => Json<(String, String)>;
    /// event ID → short numeric ID.
    ShortEventIds = "short_event_ids": String => u64;
    /// short numeric ID → event ID.
    ShortEventIdsRev = "short_event_ids_rev": u64 => String;
    /// state group → delta against its parent (or a full snapshot).
    StateGroups = "state_groups": u64 => Json<StateGroupRecord>;
    /// (room ID, user ID) → current membership of that user.
    RoomMembers = "room_members": (String, String) => Json<MembershipRecord>;
    /// (user ID, room ID) → the same membership, indexed by user.
    UserRooms = "user_rooms": (String, String) => Json<MembershipRecord>;
    /// room alias → room.
    Aliases = "aliases": String => Json<AliasRecord>;
    /// (room ID, alias) → (), the aliases of a room.
    RoomAliases = "room_aliases": (String, String) => ();
    /// room ID → () for rooms published in the directory.
    PublicRooms = "public_rooms": String => ();
    /// (user ID, room ID or "", event type) → account data content.
    AccountData = "account_data": (String, String, String) => Json<AccountDataRecord>;
    /// (room ID, receipt type, user ID, thread ID or "") → receipt.
    Receipts = "receipts": (String, String, String, String) => Json<ReceiptRecord>;
    /// (user ID, app ID, pushkey) → pusher JSON, as set through `/pushers/set`.
    Pushers = "pushers": (String, String, String) => Json<serde_json::Value>;
    /// (user ID, filter ID) → filter JSON.
    Filters = "filters": (String, String) => Json<serde_json::Value>;
    /// user ID → presence.
    Presence = "presence": String => Json<PresenceRecord>;
    /// (origin server, transaction ID) → `{answer, at}`, so a repeated federation
    /// transaction is answered the same way without processing it again (kept a day).
    FederationTxns = "federation_txns": (String, String) => Json<serde_json::Value>;
    /// (user ID, room ID) → stripped room state sent with an invite from another server.
    InviteStates = "invite_states": (String, String) => Json<Vec<serde_json::Value>>;
    /// OpenID token → (user, expiry): proves a user ID to third parties.
    OpenIdTokens = "openid_tokens": String => Json<crate::openid::OpenIdTokenRecord>;
    /// (user ID, room ID) → () for rooms the user forgot.
    Forgotten = "forgotten": (String, String) => ();
    /// (user ID, device ID) → the device's signed identity keys, as uploaded.
    E2eDeviceKeys = "e2e_device_keys": (String, String) => Json<serde_json::Value>;
    /// (user ID, device ID, algorithm, key ID) → one unclaimed one-time key.
    E2eOneTimeKeys = "e2e_one_time_keys": (String, String, String, String) => Json<serde_json::Value>;
    /// (user ID, device ID, algorithm) → the device's fallback key of that algorithm.
    E2eFallbackKeys = "e2e_fallback_keys": (String, String, String) => Json<FallbackKeyRecord>;
    /// (user ID, "master" | "self_signing" | "user_signing") → cross-signing key JSON.
    E2eCrossSigningKeys = "e2e_cross_signing_keys": (String, String) => Json<serde_json::Value>;
    /// (target user, target key ID, signer user, signer key ID) → signature uploaded later.
    E2eKeySignatures = "e2e_key_signatures": (String, String, String, String) => String;
    /// stream position → user whose device or cross-signing keys changed there.
    E2eKeyChanges = "e2e_key_changes": u64 => String;
    /// (user ID, device ID, stream position) → pending to-device event {type, sender, content}.
    E2eToDevice = "e2e_to_device": (String, String, u64) => Json<serde_json::Value>;
    /// (sender user, sender device, txn ID) → () for idempotent `/sendToDevice`.
    E2eToDeviceTxns = "e2e_to_device_txns": (String, String, String) => ();
    /// (user ID, backup version) → key backup version.
    E2eBackupVersions = "e2e_backup_versions": (String, u64) => Json<BackupVersionRecord>;
    /// (user ID, backup version, room ID, session ID) → backed-up session key data.
    E2eBackupKeys = "e2e_backup_keys": (String, u64, String, String) => Json<serde_json::Value>;
    /// user ID → the user's dehydrated device (MSC3814): device ID and encrypted pickle.
    E2eDehydratedDevices = "e2e_dehydrated_devices": String => Json<crate::e2ee::dehydrated::DehydratedDeviceRecord>;
    /// media ID → a local upload (content hash, type, file name, size, uploader, time).
    Media = "media": String => Json<crate::media::MediaRecord>;
    /// media ID → an ID handed out by `/create` whose upload has not come yet.
    MediaPending = "media_pending": String => Json<crate::media::PendingMediaRecord>;
    /// (creator, media ID) → expiry of a `/create`d ID, to count and expire a user's IDs.
    MediaPendingByUser = "media_pending_by_user": (String, String) => u64;
    /// (media ID, method, width, height) → the thumbnail of that size.
    MediaThumbnails = "media_thumbnails": (String, String, u64, u64) => Json<crate::media::ThumbnailRecord>;
    /// user ID → bytes uploaded so far, for the quota.
    MediaUsage = "media_usage": String => u64;
    /// (server name, key ID) → the verified, signed `/_matrix/key/v2/server` response naming the key.
    FederationRemoteKeys = "federation_remote_keys": (String, String) => Json<serde_json::Value>;
    /// key ID → one of our own signing keys {key, expired_ts?}; retired ones go in `old_verify_keys`.
    FederationOwnKeys = "federation_own_keys": String => Json<serde_json::Value>;
    /// (destination server, sequence number) → a queued outbound PDU (event ID) or EDU.
    FederationOutbox = "federation_outbox": (String, u64) => Json<crate::outbox::OutboxItem>;
    /// (room ID, remote server, user ID) → () for each joined member of another server.
    FederationRoomServers = "federation_room_servers": (String, String, String) => ();
    /// local user ID → `stream_id` of the last `m.device_list_update` sent for the user.
    FederationDeviceListIds = "federation_device_list_ids": String => u64;
    /// (origin server, message ID) → arrival time of an inbound `m.direct_to_device` (dedupe).
    FederationToDeviceIds = "federation_to_device_ids": (String, String) => u64;
    /// (room ID, parent event ID, stream position) → (child event ID, rel_type) of an `m.relates_to`.
    RoomRelations = "room_relations": (String, String, u64) => Json<(String, String)>;
    /// (user ID, device ID, conn_id) → a sliding sync connection's sent-state positions.
    SlidingSyncConnections = "sliding_sync_connections": (String, String, String) => Json<crate::sliding_sync::ConnectionRecord>;
    /// room ID → stream position of the room's latest event of a type that bumps it in
    /// sliding sync lists, kept on append (absent: none since the table existed; scanned).
    RoomBumpStamps = "room_bump_stamps": String => u64;
    /// counter name → value (ID allocators, stream reservations).
    Counters = "counters": String => u64;
}
