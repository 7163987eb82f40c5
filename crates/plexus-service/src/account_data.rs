//! Global and per-room account data, including `m.tag` (the tags API) and
//! `m.fully_read` (read markers).

use plexus_storage::{Direction, Json};
use ruma::{RoomId, UserId};
use serde_json::Value;

use crate::{records::AccountDataRecord, tables::AccountData, Result, ServiceError, Services};

impl Services {
    pub fn set_global_account_data(&self, user: &UserId, kind: &str, content: Value) -> Result<()> {
        self.put_account_data(user, "", kind, content)
    }

    pub fn set_room_account_data(
        &self,
        user: &UserId,
        room_id: &RoomId,
        kind: &str,
        content: Value,
    ) -> Result<()> {
        self.put_account_data(user, room_id.as_str(), kind, content)
    }

    fn put_account_data(
        &self,
        user: &UserId,
        room: &str,
        kind: &str,
        content: Value,
    ) -> Result<()> {
        if !content.is_object() {
            return Err(ServiceError::BadJson(
                "account data content must be an object".into(),
            ));
        }
        let slot = self.stream.allocate(&self.db)?;
        let key = (user.to_string(), room.to_owned(), kind.to_owned());
        self.db.put::<AccountData>(
            &key,
            &Json(AccountDataRecord {
                content,
                stream: slot.position(),
            }),
        )?;
        Ok(())
    }

    pub fn account_data(&self, user: &UserId, room: Option<&RoomId>, kind: &str) -> Result<Value> {
        let key = (
            user.to_string(),
            room.map(|r| r.to_string()).unwrap_or_default(),
            kind.to_owned(),
        );
        self.db
            .get::<AccountData>(&key)?
            .map(|j| j.0.content)
            .ok_or_else(|| ServiceError::not_found("no account data of that type"))
    }

    /// Account data changed after `since`: (room or "", type, content).
    pub fn account_data_since(
        &self,
        user: &UserId,
        since: u64,
    ) -> Result<Vec<(String, String, Value)>> {
        let mut out = Vec::new();
        for row in self
            .db
            .scan::<AccountData, _>(&(user.to_string(),), Direction::Forward)?
        {
            let ((_, room, kind), Json(record)) = row?;
            if record.stream > since {
                out.push((room, kind, record.content));
            }
        }
        Ok(out)
    }

    /// Users in the user's `m.ignored_user_list`: their messages and invites
    /// are not delivered to the user (their state events still are).
    pub fn ignored_users(&self, user: &UserId) -> Result<std::collections::HashSet<String>> {
        let list = self
            .account_data(user, None, "m.ignored_user_list")
            .unwrap_or_default();
        Ok(list
            .get("ignored_users")
            .and_then(Value::as_object)
            .map(|users| users.keys().cloned().collect())
            .unwrap_or_default())
    }

    /// `m.tag` of a room (empty tags when unset).
    pub fn room_tags(&self, user: &UserId, room_id: &RoomId) -> Result<Value> {
        Ok(self
            .account_data(user, Some(room_id), "m.tag")
            .unwrap_or_else(|_| serde_json::json!({ "tags": {} })))
    }

    pub fn set_room_tag(
        &self,
        user: &UserId,
        room_id: &RoomId,
        tag: &str,
        info: Option<Value>,
    ) -> Result<()> {
        let _guard = self.user_row_lock.lock().expect("user row lock poisoned");
        let mut tags = self.room_tags(user, room_id)?;
        let map = tags
            .get_mut("tags")
            .and_then(Value::as_object_mut)
            .ok_or_else(|| ServiceError::internal("m.tag without tags"))?;
        match info {
            Some(info) => map.insert(tag.to_owned(), info),
            None => map.remove(tag),
        };
        self.set_room_account_data(user, room_id, "m.tag", tags)
    }
}
