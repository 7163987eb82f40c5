//! `POST /_matrix/client/v3/createRoom`.

use plexus_service::rooms::{CreateRoom, Preset};
use ruma::api::client::{
    room::create_room::v3::{self as endpoint, RoomPreset},
    room::Visibility,
};
use serde_json::{Map, Value};

use crate::{AppState, Error, Result, Ruma};

pub async fn create_room(
    state: AppState,
    request: Ruma<endpoint::Request>,
) -> Result<endpoint::Response> {
    let user = request.user()?.clone();
    let body = &request.body;
    let json = request.json.clone().unwrap_or_default();
    let object = |key: &str| -> Result<Option<Map<String, Value>>> {
        match json.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Object(map)) => Ok(Some(map.clone())),
            Some(_) => Err(Error::BadJson(format!("`{key}` must be an object"))),
        }
    };
    let preset = body.preset.as_ref().map(|p| match p {
        RoomPreset::PublicChat => Preset::PublicChat,
        RoomPreset::TrustedPrivateChat => Preset::TrustedPrivateChat,
        _ => Preset::PrivateChat,
    });
    let room_id = state
        .create_room(
            &user.user_id,
            CreateRoom {
                preset,
                public: body.visibility == Visibility::Public,
                name: body.name.clone(),
                topic: body.topic.clone(),
                invite: body.invite.clone(),
                is_direct: body.is_direct,
                room_alias_name: body.room_alias_name.clone(),
                power_level_content_override: object("power_level_content_override")?,
                room_version: body.room_version.clone(),
                creation_content: object("creation_content")?,
                initial_state: initial_state(&json)?,
            },
        )
        .await?;
    Ok(endpoint::Response::new(room_id))
}

fn initial_state(json: &Value) -> Result<Vec<(String, String, Value)>> {
    let Some(events) = json.get("initial_state").and_then(Value::as_array) else {
        return Ok(vec![]);
    };
    events
        .iter()
        .map(|event| {
            let kind = event.get("type").and_then(Value::as_str);
            let content = event.get("content").filter(|c| c.is_object());
            match (kind, content) {
                (Some(kind), Some(content)) => Ok((
                    kind.to_owned(),
                    event
                        .get("state_key")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_owned(),
                    content.clone(),
                )),
                _ => Err(Error::BadJson(
                    "initial_state events need `type` and `content`".into(),
                )),
            }
        })
        .collect()
}
