//! Space hierarchies (`GET /rooms/{roomId}/hierarchy`): a depth-first walk
//! of the `m.space.child` state events (with a non-empty `via`) from a root
//! room, listing each room the user may see as a public-rooms chunk plus its
//! stripped `children_state`.
//!
//! Rooms this server is not in are asked of the servers their parent's
//! `via` names (federation `/hierarchy`, see `remote.rs`); rooms the user
//! may not see are skipped and not descended into. The walk is
//! deterministic, so the `from` token is an offset into it, tagged with the
//! `max_depth` and `suggested_only` it was made with, and every page walks
//! again from the root.

mod federation;
mod remote;

pub use federation::ServerHierarchy;

use std::collections::HashSet;
use std::sync::Arc;

use plexus_core::Pdu;
use ruma::{OwnedRoomId, OwnedServerName, RoomId, ServerName, UserId};
use serde_json::{json, Value};

use crate::{Result, ServiceError, Services};

/// Rooms per page when the client does not say.
const DEFAULT_LIMIT: u64 = 50;
/// Most rooms per page.
const MAX_LIMIT: u64 = 100;
/// How deep the walk goes when the client does not say, and at most.
const MAX_DEPTH: u64 = 50;
/// Longest valid `order` of an `m.space.child` event.
const MAX_ORDER_LEN: usize = 50;

/// The query of a hierarchy request.
#[derive(Clone, Debug, Default)]
pub struct HierarchyQuery {
    pub from: Option<String>,
    pub limit: Option<u64>,
    pub max_depth: Option<u64>,
    pub suggested_only: bool,
}

/// One page of a space hierarchy.
#[derive(Clone, Debug, Default)]
pub struct HierarchyPage {
    /// Public-rooms chunks with `children_state`, in walk order.
    pub rooms: Vec<Value>,
    pub next_batch: Option<String>,
}

/// Where a page starts, and the walk parameters it belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Token {
    offset: usize,
    max_depth: u64,
    suggested_only: bool,
}

impl Token {
    fn encode(self) -> String {
        format!(
            "{}_{}_{}",
            self.offset,
            self.max_depth,
            u8::from(self.suggested_only)
        )
    }

    fn decode(token: &str) -> Option<Self> {
        let mut parts = token.split('_');
        let offset = parts.next()?.parse().ok()?;
        let max_depth = parts.next()?.parse().ok()?;
        let suggested_only = match parts.next()? {
            "0" => false,
            "1" => true,
            _ => return None,
        };
        parts.next().is_none().then_some(Token {
            offset,
            max_depth,
            suggested_only,
        })
    }
}

/// A room reached by the walk.
enum Reached {
    /// A room this server holds, with the child events it lists.
    Local {
        room_id: OwnedRoomId,
        children: Vec<Arc<Pdu>>,
    },
    /// A room known from another server's `/hierarchy` answer, as given.
    Remote(Value),
}

/// A child room to visit, with the servers its parent names for it.
type ChildLink = (OwnedRoomId, Vec<OwnedServerName>);

/// A room waiting on the walk's stack.
struct Pending {
    room_id: OwnedRoomId,
    depth: u64,
    via: Vec<OwnedServerName>,
}

impl Services {
    /// One page of the space tree under `root`, as `user` may see it.
    pub async fn space_hierarchy(
        &self,
        root: &RoomId,
        user: &UserId,
        query: HierarchyQuery,
    ) -> Result<HierarchyPage> {
        let limit = match query.limit {
            Some(0) => return Err(ServiceError::invalid("limit must be greater than zero")),
            Some(limit) => limit.min(MAX_LIMIT),
            None => DEFAULT_LIMIT,
        };
        let limit = usize::try_from(limit).map_err(ServiceError::internal)?;
        let max_depth = query.max_depth.unwrap_or(MAX_DEPTH).min(MAX_DEPTH);
        let start = Token {
            offset: 0,
            max_depth,
            suggested_only: query.suggested_only,
        };
        let start = match query.from.as_deref() {
            None => start,
            Some(from) => match Token::decode(from) {
                Some(token)
                    if Token {
                        offset: token.offset,
                        ..start
                    } == token =>
                {
                    token
                }
                Some(_) => {
                    return Err(ServiceError::invalid(
                        "suggested_only and max_depth cannot change on paginated requests",
                    ))
                }
                None => return Err(ServiceError::invalid("unknown pagination token")),
            },
        };
        if self.room_record(root)?.is_none() || !self.may_see_in_hierarchy(root, user)? {
            return Err(ServiceError::forbidden(
                "you are not allowed to view this room",
            ));
        }
        let wanted = start.offset.saturating_add(limit);
        let (reached, more) = self
            .walk_space(root, user, max_depth, query.suggested_only, wanted)
            .await?;
        let rooms = reached
            .into_iter()
            .skip(start.offset)
            .map(|room| match room {
                Reached::Local { room_id, children } => self.hierarchy_entry(&room_id, &children),
                Reached::Remote(entry) => Ok(entry),
            })
            .collect::<Result<Vec<_>>>()?;
        let next_batch = more.then(|| {
            Token {
                offset: wanted,
                ..start
            }
            .encode()
        });
        Ok(HierarchyPage { rooms, next_batch })
    }

    /// The first `wanted` visible rooms of the walk, and whether more follow.
    async fn walk_space(
        &self,
        root: &RoomId,
        user: &UserId,
        max_depth: u64,
        suggested_only: bool,
        wanted: usize,
    ) -> Result<(Vec<Reached>, bool)> {
        // Depth-first, as the endpoint's description in the spec says: a stack
        // whose top is the next child in the spec's child order.
        let root = Pending {
            room_id: root.to_owned(),
            depth: 0,
            via: Vec::new(),
        };
        let mut stack = vec![root];
        let mut seen = HashSet::new();
        let mut reached = Vec::new();
        let mut remote_budget = remote::MAX_REMOTE_ROOMS;
        while let Some(next) = stack.pop() {
            if !seen.insert(next.room_id.clone()) {
                continue;
            }
            let Some((room, children)) = self
                .reach(&next, user, suggested_only, &mut remote_budget)
                .await?
            else {
                continue;
            };
            if reached.len() == wanted {
                return Ok((reached, true));
            }
            if next.depth < max_depth {
                let children = children.into_iter().rev().map(|(room_id, via)| Pending {
                    room_id,
                    depth: next.depth + 1,
                    via,
                });
                stack.extend(children);
            }
            reached.push(room);
        }
        Ok((reached, false))
    }

    /// The room `next` names if `user` may see it, with its children in
    /// order: from this server's state, or else asked of the servers its
    /// parent names (see `remote.rs`).
    async fn reach(
        &self,
        next: &Pending,
        user: &UserId,
        suggested_only: bool,
        remote_budget: &mut usize,
    ) -> Result<Option<(Reached, Vec<ChildLink>)>> {
        if self.room_record(&next.room_id)?.is_none() {
            return self
                .reach_remote(next, user, suggested_only, remote_budget)
                .await;
        }
        if !self.may_see_in_hierarchy(&next.room_id, user)? {
            return Ok(None);
        }
        let children = self.space_children(&next.room_id, suggested_only)?;
        let links = children.iter().filter_map(|c| child_link(c)).collect();
        let room = Reached::Local {
            room_id: next.room_id.clone(),
            children,
        };
        Ok(Some((room, links)))
    }

    /// The valid `m.space.child` events of a space, in the spec's order
    /// (`order`, then timestamp, then room ID); none for other rooms.
    pub(crate) fn space_children(
        &self,
        room_id: &RoomId,
        suggested_only: bool,
    ) -> Result<Vec<Arc<Pdu>>> {
        let room_type = self
            .current_state_event(room_id, "m.room.create", "")?
            .and_then(|c| c.content_str("type"));
        if room_type.as_deref() != Some("m.space") {
            return Ok(Vec::new());
        }
        let Some(room) = self.room_record(room_id)? else {
            return Ok(Vec::new());
        };
        let mut children: Vec<_> = self
            .state_events_in_group(room.state_group)?
            .into_iter()
            .filter(|e| e.kind.to_string() == "m.space.child")
            .filter(|e| {
                e.state_key
                    .as_deref()
                    .is_some_and(|k| RoomId::parse(k).is_ok())
            })
            .filter(|e| {
                let content = e.content_value();
                let via = content
                    .get("via")
                    .and_then(Value::as_array)
                    .is_some_and(|v| !v.is_empty());
                via && (!suggested_only || content.get("suggested") == Some(&Value::Bool(true)))
            })
            .collect();
        children.sort_by_cached_key(|e| {
            let order = valid_order(&e.content_value());
            (
                order.is_none(),
                order,
                e.origin_server_ts,
                e.state_key.clone(),
            )
        });
        Ok(children)
    }

    /// Whether `user` may see a local room in a hierarchy: joined or invited,
    /// or the room is open to outsiders (see [`Services::hierarchy_openness`])
    /// or restricted to a room the user is joined to. Banned users see nothing.
    fn may_see_in_hierarchy(&self, room_id: &RoomId, user: &UserId) -> Result<bool> {
        match self.membership(room_id, user)?.map(|m| m.membership) {
            Some(m) if m == "join" || m == "invite" => return Ok(true),
            Some(m) if m == "ban" => return Ok(false),
            _ => {}
        }
        self.hierarchy_openness(room_id)?
            .admits(|room| self.is_joined(room, user))
    }

    /// How a room shows in a hierarchy to someone (a user or a server) not
    /// in it: public, knockable and world-readable rooms are open, restricted
    /// rooms open to members of their allowed rooms, the rest closed.
    pub(crate) fn hierarchy_openness(&self, room_id: &RoomId) -> Result<Openness> {
        let join_rules = self.current_state_event(room_id, "m.room.join_rules", "")?;
        let join_rule = join_rules.as_ref().and_then(|e| e.content_str("join_rule"));
        if matches!(
            join_rule.as_deref(),
            Some("public" | "knock" | "knock_restricted")
        ) {
            return Ok(Openness::Open);
        }
        let visibility = self.current_state_event(room_id, "m.room.history_visibility", "")?;
        if visibility
            .and_then(|e| e.content_str("history_visibility"))
            .as_deref()
            == Some("world_readable")
        {
            return Ok(Openness::Open);
        }
        if join_rule.as_deref() != Some("restricted") {
            return Ok(Openness::Closed);
        }
        Ok(Openness::RestrictedTo(allowed_room_ids(
            join_rules.as_deref(),
        )))
    }

    /// The hierarchy entry of a room: its public-rooms chunk, the room
    /// version, encryption and restricting rooms, and `children_state`.
    fn hierarchy_entry(&self, room_id: &RoomId, children: &[Arc<Pdu>]) -> Result<Value> {
        let mut entry = self.room_summary(room_id)?;
        if let Some(room) = self.room_record(room_id)? {
            entry["room_version"] = json!(room.version);
        }
        let encryption = self.current_state_event(room_id, "m.room.encryption", "")?;
        if let Some(algorithm) = encryption.and_then(|e| e.content_str("algorithm")) {
            entry["encryption"] = json!(algorithm);
        }
        if matches!(
            entry["join_rule"].as_str(),
            Some("restricted" | "knock_restricted")
        ) {
            let join_rules = self.current_state_event(room_id, "m.room.join_rules", "")?;
            entry["allowed_room_ids"] = json!(allowed_room_ids(join_rules.as_deref()));
        }
        let children_state: Vec<Value> = children
            .iter()
            .map(|child| {
                let mut stripped = child.to_stripped_state();
                stripped["origin_server_ts"] = json!(child.origin_server_ts);
                stripped
            })
            .collect();
        entry["children_state"] = json!(children_state);
        Ok(entry)
    }
}

/// The room an `m.space.child` event names and the servers it lists.
fn child_link(child: &Pdu) -> Option<ChildLink> {
    let room_id = RoomId::parse(child.state_key.as_deref()?).ok()?;
    let via = via_servers(&child.content_value());
    Some((room_id, via))
}

/// The valid server names in a child's `via`.
fn via_servers(content: &Value) -> Vec<OwnedServerName> {
    content["via"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|server| ServerName::parse(server.as_str()?).ok())
        .collect()
}

/// The `order` of an `m.space.child` content, if valid: a string of at most
/// 50 characters, each from `\x20` to `\x7E`.
fn valid_order(content: &Value) -> Option<String> {
    let order = content.get("order")?.as_str()?;
    let valid = order.len() <= MAX_ORDER_LEN && order.chars().all(|c| (' '..='~').contains(&c));
    valid.then(|| order.to_owned())
}

/// The rooms an `m.room_membership` condition of a join rule names.
/// See [`Services::hierarchy_openness`].
pub(crate) enum Openness {
    Open,
    /// Open to members of these rooms.
    RestrictedTo(Vec<OwnedRoomId>),
    Closed,
}

impl Openness {
    /// Whether someone for whom `is_member` answers room membership may see it.
    pub(crate) fn admits(self, mut is_member: impl FnMut(&RoomId) -> Result<bool>) -> Result<bool> {
        match self {
            Openness::Open => Ok(true),
            Openness::Closed => Ok(false),
            Openness::RestrictedTo(rooms) => {
                for room in &rooms {
                    if is_member(room)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
        }
    }
}

fn allowed_room_ids(join_rules: Option<&Pdu>) -> Vec<OwnedRoomId> {
    let Some(content) = join_rules.map(Pdu::content_value) else {
        return Vec::new();
    };
    let Some(allow) = content.get("allow").and_then(Value::as_array) else {
        return Vec::new();
    };
    allow
        .iter()
        .filter(|rule| rule.get("type").and_then(Value::as_str) == Some("m.room_membership"))
        .filter_map(|rule| RoomId::parse(rule.get("room_id")?.as_str()?).ok())
        .collect()
}

#[cfg(test)]
mod tests;
