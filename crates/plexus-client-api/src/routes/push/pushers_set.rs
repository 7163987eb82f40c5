//! `POST /_matrix/client/v3/pushers/set`: creates, replaces or (with
//! `kind: null`) deletes a pusher. An HTTP pusher's URL must end in
//! `/_matrix/push/v1/notify` (else 400 `M_INVALID_PARAM`); notifications
//! reach it through `plexus_service::push::gateway`.

use ruma::api::client::push::set_pusher::v3::{self as endpoint, PusherAction};

use crate::{AppState, Error, Result, Ruma};

pub async fn set_pusher(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let user = request.user()?.user_id.clone();
    match request.body.action {
        PusherAction::Post(data) => {
            let pusher =
                serde_json::to_value(&data.pusher).map_err(|e| Error::BadJson(e.to_string()))?;
            state.set_pusher(&user, pusher, data.append)?;
        }
        PusherAction::Delete(ids) => state.delete_pusher(&user, &ids.app_id, &ids.pushkey)?,
        _ => return Err(Error::BadJson("unknown pusher action".into())),
    }
    Ok(endpoint::Response::new())
}
