//! Every endpoint, one file each, grouped by the spec's sections. Each
//! group's `routes` function registers its endpoints.

mod account;
mod account_data;
mod backup;
mod dehydrated_device;
mod device;
mod directory;
mod discovery;
mod ephemeral;
mod events;
mod filter;
mod keys;
mod media;
mod membership;
mod message;
mod presence;
mod profile;
mod push;
mod relations;
mod room;
mod search;
mod session;
mod state;
mod sync;
mod thirdparty;
mod to_device;

use axum::Router;

use crate::AppState;

pub fn register(router: Router<AppState>) -> Router<AppState> {
    let router = discovery::routes(router);
    let router = account::routes(router);
    let router = session::routes(router);
    let router = room::routes(router);
    let router = membership::routes(router);
    let router = message::routes(router);
    let router = state::routes(router);
    let router = events::routes(router);
    let router = relations::routes(router);
    let router = search::routes(router);
    let router = ephemeral::routes(router);
    let router = directory::routes(router);
    let router = account_data::routes(router);
    let router = presence::routes(router);
    let router = profile::routes(router);
    let router = filter::routes(router);
    let router = device::routes(router);
    let router = media::routes(router);
    let router = push::routes(router);
    let router = thirdparty::routes(router);
    let router = keys::routes(router);
    let router = to_device::routes(router);
    let router = backup::routes(router);
    let router = dehydrated_device::routes(router);
    sync::routes(router)
}
