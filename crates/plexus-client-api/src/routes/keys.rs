//! End-to-end encryption keys: device, one-time and fallback keys,
//! cross-signing keys and signatures, and device-list changes. Answers are
//! the JSON the keys service builds (the objects are signed client data,
//! passed through untouched).

mod changes;
mod claim;
mod query;
mod signatures_upload;
mod signing_upload;
mod upload;

use axum::Router;

use crate::{router::RouterJsonExt, AppState};

pub fn routes(router: Router<AppState>) -> Router<AppState> {
    router
        .ruma_json(upload::upload_keys)
        .ruma_json(query::query_keys)
        .ruma_json(claim::claim_keys)
        .ruma_json(changes::key_changes)
        .ruma_json(signing_upload::upload_signing_keys)
        .ruma_json(signatures_upload::upload_signatures)
}
