//! Rooms of a space hierarchy that this server is not in: the walk asks the
//! servers the parent's `m.space.child` names (federation `/hierarchy`, via
//! [`crate::remote::Remote::room_summary`]), shows the answer if the user
//! may preview the room by its join rule, and descends through the
//! `children_state` it lists. Each request asks about a bounded number of
//! such rooms, so one page cannot fan out without end.

use ruma::RoomId;
use serde_json::Value;

use super::{valid_order, via_servers, ChildLink, Pending, Reached};
use crate::{Result, Services};

/// Rooms asked of other servers per hierarchy request.
pub(super) const MAX_REMOTE_ROOMS: usize = 20;

impl Services {
    /// The remote room `next` names, if one of its servers shows it and
    /// `user` may preview it, with its children in the spec's order.
    pub(super) async fn reach_remote(
        &self,
        next: &Pending,
        user: &ruma::UserId,
        suggested_only: bool,
        budget: &mut usize,
    ) -> Result<Option<(Reached, Vec<ChildLink>)>> {
        if next.via.is_empty() || *budget == 0 {
            return Ok(None);
        }
        *budget -= 1;
        let Ok(remote) = self.remote() else {
            return Ok(None);
        };
        let Ok(Some(entry)) = remote.room_summary(&next.room_id, &next.via).await else {
            return Ok(None);
        };
        if !self.may_preview_remote(&entry, Some(user))? {
            return Ok(None);
        }
        let links = remote_children(&entry, suggested_only);
        Ok(Some((Reached::Remote(entry), links)))
    }
}

/// The children a remote entry's `children_state` lists with a `via`, in
/// the spec's order (`order`, then timestamp, then room ID).
fn remote_children(entry: &Value, suggested_only: bool) -> Vec<ChildLink> {
    let mut children: Vec<&Value> = entry["children_state"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|child| child["type"] == "m.space.child")
        .filter(|child| !via_servers(&child["content"]).is_empty())
        .filter(|child| !suggested_only || child["content"]["suggested"] == true)
        .collect();
    children.sort_by_cached_key(|child| {
        let order = valid_order(&child["content"]);
        (
            order.is_none(),
            order,
            child["origin_server_ts"].as_u64(),
            child["state_key"].as_str().map(str::to_owned),
        )
    });
    children
        .into_iter()
        .filter_map(|child| {
            let room_id = RoomId::parse(child["state_key"].as_str()?).ok()?;
            Some((room_id, via_servers(&child["content"])))
        })
        .collect()
}
