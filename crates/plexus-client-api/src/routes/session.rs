//! Sessions: login types, login, logout, token refresh.

mod login;
mod login_types;
mod logout;
mod logout_all;
mod refresh;

use axum::Router;

use crate::{router::RouterExt, AppState};

pub fn routes(router: Router<AppState>) -> Router<AppState> {
    router
        .ruma(login_types::login_types)
        .ruma(login::login)
        .ruma(logout::logout)
        .ruma(logout_all::logout_all)
        .ruma(refresh::refresh)
}
