//! `POST /_matrix/client/v3/login` with `m.login.password`; the identifier
//! may be `m.id.user` or the legacy top-level `user`.

use plexus_service::{ratelimit::Action, users::NewDevice};
use ruma::api::client::{
    session::login::v3::{self as endpoint, LoginInfo},
    uiaa::UserIdentifier,
};

use crate::{AppState, Error, Result, Ruma};

pub async fn login(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    state.rate_limiter.check(
        Action::Login,
        request.client_ip.as_deref().unwrap_or("unknown"),
    )?;
    let LoginInfo::Password(info) = &request.body.login_info else {
        return Err(Error::BadRequest(
            "unsupported login type; use m.login.password".into(),
        ));
    };
    let name = match &info.identifier {
        Some(UserIdentifier::Matrix(id)) => id.user.clone(),
        Some(_) => return Err(Error::forbidden("only user identifiers are supported")),
        None => request
            .json
            .as_ref()
            .and_then(|j| j.get("user"))
            .and_then(|u| u.as_str())
            .map(str::to_owned)
            .ok_or_else(|| Error::BadJson("missing identifier".into()))?,
    };
    let user_id = state.resolve_login_user(&name)?;
    state.check_password(&user_id, &info.password).await?;
    let session = state.login(
        &user_id,
        NewDevice {
            device_id: request.body.device_id.as_ref().map(|d| d.to_string()),
            display_name: request.body.initial_device_display_name.clone(),
            refreshable: request.body.refresh_token,
        },
    )?;
    let mut response =
        endpoint::Response::new(user_id, session.access_token, session.device_id.into());
    response.refresh_token = session.refresh_token;
    response.expires_in = session.expires_in_ms.map(std::time::Duration::from_millis);
    Ok(response)
}
