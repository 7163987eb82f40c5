//! Accounts: registration, availability, whoami, password, deactivation,
//! OpenID tokens.

mod available;
mod change_password;
mod deactivate;
mod openid_token;
mod register;
mod threepids;
mod token_validity;
mod whoami;

use axum::Router;

use crate::{router::RouterExt, AppState};

pub fn routes(router: Router<AppState>) -> Router<AppState> {
    router
        .ruma(register::register)
        .ruma(available::available)
        .ruma(whoami::whoami)
        .ruma(change_password::change_password)
        .ruma(deactivate::deactivate)
        .ruma(token_validity::token_validity)
        .ruma(threepids::threepids)
        .ruma(openid_token::request_openid_token)
}
