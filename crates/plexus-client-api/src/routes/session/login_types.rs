//! `GET /_matrix/client/v3/login`.

use ruma::api::client::session::get_login_types::v3::{
    self as endpoint, LoginType, PasswordLoginType,
};

use crate::{AppState, Result, Ruma};

pub async fn login_types(_: AppState, _: Ruma<endpoint::Request>) -> Result<endpoint::Response> {
    Ok(endpoint::Response::new(vec![LoginType::Password(
        PasswordLoginType::new(),
    )]))
}
