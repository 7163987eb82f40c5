//! `POST /_matrix/client/v3/register`: UIA with `m.login.dummy` (open) or
//! `m.login.registration_token` (token); guests are refused.

use plexus_core::config::RegistrationMode;
use plexus_service::{
    ratelimit::Action,
    uia::{DUMMY, REGISTRATION_TOKEN},
    users::NewDevice,
};
use ruma::api::client::account::register::{v3 as endpoint, RegistrationKind};

use crate::{AppState, Error, Result, Ruma};

pub async fn register(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let body = &request.body;
    if body.kind == RegistrationKind::Guest {
        return Err(Error::forbidden(
            "guest access is not enabled on this server",
        ));
    }
    let flow: &[&str] = match state.config.registration {
        RegistrationMode::Open => &[DUMMY],
        RegistrationMode::Token => &[REGISTRATION_TOKEN],
        RegistrationMode::Closed => {
            return Err(Error::forbidden("registration is closed on this server"))
        }
    };
    let localpart = match &body.username {
        Some(name) => name.to_lowercase(),
        None => plexus_service::users::random_string(12).to_lowercase(),
    };
    // Check the name before UIA, so clients learn of a taken name at once.
    state.check_username_available(&localpart)?;
    if let Some(password) = &body.password {
        state.check_password_policy(password)?;
    }
    let auth = request.json.as_ref().and_then(|j| j.get("auth"));
    state.uia_check(&[flow], auth, None).await?;
    state.rate_limiter.check(
        Action::Register,
        request.client_ip.as_deref().unwrap_or("unknown"),
    )?;
    let user_id = state
        .create_user(&localpart, body.password.as_deref(), false)
        .await?;
    if body.inhibit_login {
        let mut response = endpoint::Response::new(user_id);
        response.device_id = None;
        return Ok(response);
    }
    let session = state.login(
        &user_id,
        NewDevice {
            device_id: body.device_id.as_ref().map(|d| d.to_string()),
            display_name: body.initial_device_display_name.clone(),
            refreshable: body.refresh_token,
        },
    )?;
    let mut response = endpoint::Response::new(user_id);
    response.access_token = Some(session.access_token);
    response.device_id = Some(session.device_id.into());
    response.refresh_token = session.refresh_token;
    response.expires_in = session.expires_in_ms.map(std::time::Duration::from_millis);
    Ok(response)
}
