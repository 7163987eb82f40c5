//! Display names and avatars, propagated to the member event of every
//! room the user has joined. Other servers' users: [`remote`].

mod remote;

use plexus_storage::Json;
use ruma::UserId;
use serde_json::json;

use crate::{events::NewEvent, tables::Users, Result, ServiceError, Services};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProfileField {
    DisplayName,
    AvatarUrl,
}

impl ProfileField {
    pub fn key(self) -> &'static str {
        match self {
            ProfileField::DisplayName => "displayname",
            ProfileField::AvatarUrl => "avatar_url",
        }
    }
}

impl Services {
    pub fn profile(&self, user: &UserId) -> Result<(Option<String>, Option<String>)> {
        let record = self
            .user(user)?
            .filter(|r| !r.deactivated)
            .ok_or_else(|| ServiceError::not_found("profile not found"))?;
        Ok((record.displayname, record.avatar_url))
    }

    /// Sets one field and updates the user's member event in each joined room.
    pub async fn set_profile_field(
        &self,
        user: &UserId,
        field: ProfileField,
        value: Option<String>,
    ) -> Result<()> {
        if value
            .as_ref()
            .is_some_and(|v| v.len() > 256 && field == ProfileField::DisplayName)
        {
            return Err(ServiceError::invalid("display name is too long"));
        }
        let mut record = self
            .user(user)?
            .ok_or_else(|| ServiceError::not_found("no such user"))?;
        match field {
            ProfileField::DisplayName => record.displayname = value.clone(),
            ProfileField::AvatarUrl => record.avatar_url = value.clone(),
        }
        self.db.put::<Users>(&user.to_string(), &Json(record))?;
        for room in self.joined_rooms(user)? {
            let Ok(room_id) = ruma::RoomId::parse(&room) else {
                continue;
            };
            let Some(current) =
                self.current_state_event(&room_id, "m.room.member", user.as_str())?
            else {
                continue;
            };
            let mut content = current.content_value();
            match &value {
                Some(v) => content[field.key()] = json!(v),
                None => {
                    content.as_object_mut().map(|o| o.remove(field.key()));
                }
            }
            let event = NewEvent::state("m.room.member", user.as_str(), content);
            if let Err(e) = self.append_event(&room_id, user, event).await {
                tracing::warn!(%room_id, %user, "profile update not propagated: {e}");
            }
        }
        Ok(())
    }
}
