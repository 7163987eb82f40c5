//! The federation router: the key API, `/version`, the queries served so far,
//! and 404 `M_UNRECOGNIZED` for everything else. Later endpoints (joins, invites,
//! transactions) add a file under `routes/` and a line here; authenticated ones
//! take a [`crate::FederationAuth`].

mod backfill;
mod directory;
mod event;
mod hierarchy;
mod keys;
mod openid;
mod profile;
mod public_rooms;
mod send;
mod state;
mod timestamp;
mod user_keys;
mod version;

use std::sync::Arc;

use axum::{
    routing::{get, post, put},
    Router,
};

use crate::{error::FederationError, membership, Federation};

/// All routes, with the federation as state.
pub fn routes(federation: Arc<Federation>) -> Router {
    Router::new()
        .route("/_matrix/key/v2/server", get(keys::server))
        .route("/_matrix/key/v2/server/{key_id}", get(keys::server))
        .route("/_matrix/key/v2/query/{server_name}", get(keys::query_one))
        .route("/_matrix/key/v2/query", post(keys::query_batch))
        .route("/_matrix/federation/v1/version", get(version::version))
        .route(
            "/_matrix/federation/v1/query/profile",
            get(profile::query_profile),
        )
        .route(
            "/_matrix/federation/v1/send/{txn_id}",
            put(send::send_transaction),
        )
        .route(
            "/_matrix/federation/v1/make_join/{room_id}/{user_id}",
            get(membership::make::make_join),
        )
        .route(
            "/_matrix/federation/v1/make_leave/{room_id}/{user_id}",
            get(membership::make::make_leave),
        )
        .route(
            "/_matrix/federation/v1/make_knock/{room_id}/{user_id}",
            get(membership::make::make_knock),
        )
        .route(
            "/_matrix/federation/v1/send_join/{room_id}/{event_id}",
            put(membership::send::send_join_v1),
        )
        .route(
            "/_matrix/federation/v2/send_join/{room_id}/{event_id}",
            put(membership::send::send_join_v2),
        )
        .route(
            "/_matrix/federation/v1/send_leave/{room_id}/{event_id}",
            put(membership::send::send_leave_v1),
        )
        .route(
            "/_matrix/federation/v2/send_leave/{room_id}/{event_id}",
            put(membership::send::send_leave_v2),
        )
        .route(
            "/_matrix/federation/v1/send_knock/{room_id}/{event_id}",
            put(membership::send::send_knock),
        )
        .route(
            "/_matrix/federation/v2/invite/{room_id}/{event_id}",
            put(membership::invite::invite_v2),
        )
        .route("/_matrix/federation/v1/event/{event_id}", get(event::event))
        .route(
            "/_matrix/federation/v1/event_auth/{room_id}/{event_id}",
            get(event::event_auth),
        )
        .route("/_matrix/federation/v1/state/{room_id}", get(state::state))
        .route(
            "/_matrix/federation/v1/state_ids/{room_id}",
            get(state::state_ids),
        )
        .route(
            "/_matrix/federation/v1/backfill/{room_id}",
            get(backfill::backfill),
        )
        .route(
            "/_matrix/federation/v1/get_missing_events/{room_id}",
            post(backfill::get_missing_events),
        )
        .route(
            "/_matrix/federation/v1/timestamp_to_event/{room_id}",
            get(timestamp::timestamp_to_event),
        )
        .route(
            "/_matrix/federation/v1/query/directory",
            get(directory::query_directory),
        )
        .route(
            "/_matrix/federation/v1/publicRooms",
            get(public_rooms::get_public_rooms).post(public_rooms::post_public_rooms),
        )
        .route(
            "/_matrix/federation/v1/openid/userinfo",
            get(openid::userinfo),
        )
        .route(
            "/_matrix/federation/v1/hierarchy/{room_id}",
            get(hierarchy::hierarchy),
        )
        .route(
            "/_matrix/federation/v1/user/devices/{user_id}",
            get(user_keys::user_devices),
        )
        .route(
            "/_matrix/federation/v1/user/keys/query",
            post(user_keys::query_keys),
        )
        .route(
            "/_matrix/federation/v1/user/keys/claim",
            post(user_keys::claim_keys),
        )
        .fallback(unrecognized)
        .with_state(federation)
}

async fn unrecognized() -> FederationError {
    FederationError::Unrecognized
}
