//! `GET /_matrix/client/v3/notifications`: events of the user's joined rooms
//! their push rules notify for, newest first. `from` is the stream position
//! of the last event of the previous page.

use ruma::{
    api::client::push::get_notifications::v3::{self as endpoint, Notification},
    serde::Raw,
    MilliSecondsSinceUnixEpoch, RoomId, UInt,
};

use crate::{AppState, Error, Result, Ruma};

const DEFAULT_LIMIT: usize = 20;
const MAX_LIMIT: usize = 100;

pub async fn notifications(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let user = request.user()?.user_id.clone();
    let body = request.body;
    let from = match body.from.as_deref() {
        Some(token) => Some(
            token
                .parse::<u64>()
                .map_err(|_| Error::invalid("bad from token"))?,
        ),
        None => None,
    };
    let limit = body
        .limit
        .map_or(DEFAULT_LIMIT, |l| {
            usize::try_from(u64::from(l)).unwrap_or(MAX_LIMIT)
        })
        .clamp(1, MAX_LIMIT);
    let only_highlight = body.only.as_deref() == Some("highlight");
    let items = state.notifications(&user, from, limit, only_highlight)?;
    let next_token = (items.len() == limit)
        .then(|| items.last().map(|n| n.stream.to_string()))
        .flatten();
    let notifications = items
        .into_iter()
        .map(|n| {
            let event = Raw::new(&n.event)
                .map_err(|e| Error::BadJson(e.to_string()))?
                .cast_unchecked();
            let room_id = RoomId::parse(&n.room_id).map_err(|e| Error::BadJson(e.to_string()))?;
            let ts = MilliSecondsSinceUnixEpoch(UInt::try_from(n.ts).unwrap_or_default());
            Ok(Notification::new(n.actions, event, n.read, room_id, ts))
        })
        .collect::<Result<Vec<_>>>()?;
    let mut response = endpoint::Response::new(notifications);
    response.next_token = next_token;
    Ok(response)
}
