//! `GET /_matrix/client/versions`.

use std::collections::BTreeMap;

use ruma::api::client::discovery::get_supported_versions as endpoint;

use crate::{AppState, Result, Ruma};

/// Spec versions whose client API Plexus implements.
const VERSIONS: &[&str] = &[
    "r0.6.1", "v1.1", "v1.2", "v1.3", "v1.4", "v1.5", "v1.6", "v1.7", "v1.8", "v1.9", "v1.10",
    "v1.11", "v1.12",
];

pub async fn versions(_: AppState, _: Ruma<endpoint::Request>) -> Result<endpoint::Response> {
    let mut response = endpoint::Response::new(VERSIONS.iter().map(|v| v.to_string()).collect());
    response.unstable_features = BTreeMap::from([
        ("org.matrix.msc3827.stable".to_owned(), true),
        // Dehydrated devices (routes/keys, unstable paths).
        ("org.matrix.msc3814".to_owned(), true),
        // Simplified sliding sync (routes/sync/sliding.rs).
        ("org.matrix.simplified_msc3575".to_owned(), true),
        // Room summaries (routes/room/summary.rs).
        ("im.nheko.summary".to_owned(), true),
    ]);
    Ok(response)
}
