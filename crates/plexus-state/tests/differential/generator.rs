//! A seeded generator of forked room DAGs: a linear room setup, then several forks in which
//! users of different power change membership, power levels, join rules and the topic, with
//! occasional merges.

use std::sync::Arc;

use plexus_state::{
    check_auth,
    fixture::{NewEvent, PlainEvent, RoomBuilder},
    StateMap,
};
use rand::{seq::SliceRandom, Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use ruma::{events::StateEventType, OwnedEventId, OwnedUserId, RoomVersionId, UserId};
use serde_json::{json, Value};

use crate::ruma_adapter::RumaEvent;

/// One branch of the DAG: its newest event and the state after it.
#[derive(Clone, Debug)]
pub struct Tip {
    pub head: OwnedEventId,
    pub state: StateMap<OwnedEventId>,
}

/// A generated room.
pub struct Case {
    pub seed: u64,
    pub room: RoomBuilder,
    pub tips: Vec<Tip>,
    pub rng: ChaCha8Rng,
    users: Vec<OwnedUserId>,
    clock: u64,
    /// Events on which plexus-state's `check_auth` and ruma's state-dependent auth rules
    /// disagreed.
    pub auth_disagreements: Vec<String>,
}

pub const VERSIONS: [RoomVersionId; 11] = [
    RoomVersionId::V2,
    RoomVersionId::V3,
    RoomVersionId::V4,
    RoomVersionId::V5,
    RoomVersionId::V6,
    RoomVersionId::V7,
    RoomVersionId::V8,
    RoomVersionId::V9,
    RoomVersionId::V10,
    RoomVersionId::V11,
    RoomVersionId::V12,
];

impl Case {
    /// The linear setup: create, creator join, power levels, public join rules, joins.
    pub fn setup(seed: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let version = VERSIONS.choose(&mut rng).expect("non-empty").clone();
        let users: Vec<OwnedUserId> = [
            "@alice:a.org",
            "@bob:a.org",
            "@carol:b.org",
            "@dave:b.org",
            "@erin:c.org",
        ]
        .iter()
        .map(|u| UserId::parse(*u).expect("valid"))
        .collect();
        let v12 = version == RoomVersionId::V12;
        let extra_creator = v12 && rng.gen_bool(0.25);
        let create_extra = if extra_creator {
            json!({ "additional_creators": [users[1]] })
        } else {
            json!({})
        };
        let room = RoomBuilder::new(&version, &users[0], create_extra);
        let state = room.initial_state();
        let tip = Tip {
            head: room.create_id.clone(),
            state,
        };
        let mut case = Case {
            seed,
            room,
            tips: vec![tip],
            rng,
            users,
            clock: 1,
            auth_disagreements: Vec::new(),
        };
        case.setup_events(v12, extra_creator);
        case
    }

    fn setup_events(&mut self, v12: bool, extra_creator: bool) {
        let [alice, bob, carol, dave, erin] = self.users.clone().try_into().expect("five users");
        self.must_add(0, NewEvent::member(&alice, alice.as_str(), "join"));
        let mut levels = serde_json::Map::new();
        if !v12 {
            levels.insert(alice.to_string(), json!(100));
        }
        if !extra_creator {
            levels.insert(
                bob.to_string(),
                json!(*[50, 100].choose(&mut self.rng).expect("x")),
            );
        }
        levels.insert(
            carol.to_string(),
            json!(*[0, 50].choose(&mut self.rng).expect("x")),
        );
        let pl = json!({ "users": levels, "state_default": 50, "kick": 50, "ban": 50 });
        self.must_add(0, NewEvent::state(&alice, "m.room.power_levels", "", pl));
        self.must_add(
            0,
            NewEvent::state(
                &alice,
                "m.room.join_rules",
                "",
                json!({"join_rule": "public"}),
            ),
        );
        for user in [&bob, &carol, &dave, &erin] {
            self.must_add(0, NewEvent::member(user, user.as_str(), "join"));
        }
    }

    fn must_add(&mut self, tip: usize, new: NewEvent<'_>) {
        assert!(self.try_add(tip, new), "setup event must pass auth");
    }

    /// Builds the event on `tip`; keeps it only if it passes auth against the tip's state.
    pub fn try_add(&mut self, tip: usize, new: NewEvent<'_>) -> bool {
        self.clock += self.rng.gen_range(0..2); // equal timestamps happen: exercise tie-breaks
        let head = self.tips[tip].head.clone();
        let new = new.after(&[head]).at(self.clock);
        let event = self.room.build(new, &self.tips[tip].state);
        let state = &self.tips[tip].state;
        let lookup = |k: &StateEventType, key: &str| {
            state
                .get(&(k.clone(), key.to_owned()))
                .and_then(|id| self.room.fetch(id))
        };
        // Now and then keep an unauthorised event anyway, as a buggy or malicious server's
        // view of state would, so the resolvers' own auth checks have something to reject.
        let forced = self.rng.gen_bool(0.03);
        let ours = check_auth(&self.room.rules.authorization, &event, lookup);
        let ruma_lookup = |k: &StateEventType, key: &str| lookup(k, key).map(RumaEvent);
        let theirs = ruma::state_res::check_state_dependent_auth_rules(
            &self.room.rules.authorization,
            RumaEvent(event.clone()),
            ruma_lookup,
        );
        if ours.is_ok() != theirs.is_ok() {
            self.auth_disagreements.push(format!(
                "{} {} {:?} by {} {}: plexus {ours:?} vs ruma {theirs:?}",
                event.event_id,
                event.event_type,
                event.state_key,
                event.sender,
                event.content.get()
            ));
        }
        if ours.is_err() && !forced {
            return false;
        }
        let tip = &mut self.tips[tip];
        tip.head = event.event_id.clone();
        if let Some(key) = &event.state_key {
            tip.state.insert(
                (event.event_type.to_string().into(), key.clone()),
                event.event_id.clone(),
            );
        }
        true
    }

    /// Forks `tip` into a new branch and returns its index.
    pub fn fork(&mut self, tip: usize) -> usize {
        self.tips.push(self.tips[tip].clone());
        self.tips.len() - 1
    }

    /// Adds one random event to `tip` (retrying a few times when the rules reject it).
    pub fn random_event(&mut self, tip: usize) {
        for _ in 0..4 {
            let sender = self.users.choose(&mut self.rng).expect("users").clone();
            let target = self.users.choose(&mut self.rng).expect("users").clone();
            let new = match self.rng.gen_range(0..10) {
                0 | 1 => topic_event(&sender, self.rng.gen()),
                2 | 3 => self.power_levels_event(tip, &sender, &target),
                4 => self.join_rules_event(&sender),
                _ => self.membership_event(&sender, &target),
            };
            if self.try_add(tip, new) {
                return;
            }
        }
    }

    fn power_levels_event<'a>(
        &mut self,
        tip: usize,
        sender: &'a UserId,
        target: &UserId,
    ) -> NewEvent<'a> {
        let current = self.content_of(tip, StateEventType::RoomPowerLevels, "");
        let mut content = current.unwrap_or_else(|| json!({}));
        let level = json!(*[0, 25, 50, 75, 100].choose(&mut self.rng).expect("x"));
        match self.rng.gen_range(0..5) {
            0 => content["kick"] = level,
            1 => content["ban"] = level,
            2 => content["events"] = json!({ "m.room.topic": level }),
            _ => {
                let users = content["users"].as_object_mut();
                if let Some(users) = users {
                    if self.rng.gen_bool(0.2) {
                        users.remove(target.as_str());
                    } else {
                        users.insert(target.to_string(), level);
                    }
                }
            }
        }
        NewEvent::state(sender, "m.room.power_levels", "", content)
    }

    fn join_rules_event<'a>(&mut self, sender: &'a UserId) -> NewEvent<'a> {
        let knocking = self.room.rules.authorization.knocking;
        let choices: &[&str] = if knocking {
            &["public", "invite", "knock"]
        } else {
            &["public", "invite"]
        };
        let rule = choices.choose(&mut self.rng).expect("x");
        NewEvent::state(
            sender,
            "m.room.join_rules",
            "",
            json!({ "join_rule": rule }),
        )
    }

    fn membership_event<'a>(&mut self, sender: &'a UserId, target: &UserId) -> NewEvent<'a> {
        let membership = *["join", "leave", "ban", "invite", "knock"]
            .choose(&mut self.rng)
            .expect("x");
        // Joins, knocks and leaves are usually by the user themselves.
        let target = if matches!(membership, "join" | "knock") || self.rng.gen_bool(0.3) {
            sender.as_str()
        } else {
            leak(target.as_str())
        };
        let mut new = NewEvent::member(sender, target, membership);
        // Restricted joins name an authorising user (who may or may not qualify).
        if membership == "join" && self.rng.gen_bool(0.5) {
            let authoriser = self.users.choose(&mut self.rng).expect("users");
            new.content["join_authorised_via_users_server"] = json!(authoriser);
        }
        new
    }

    fn content_of(&self, tip: usize, kind: StateEventType, key: &str) -> Option<Value> {
        let id = self.tips[tip].state.get(&(kind, key.to_owned()))?;
        let event: Arc<PlainEvent> = self.room.fetch(id)?;
        serde_json::from_str(event.content.get()).ok()
    }
}

fn topic_event(sender: &UserId, n: u8) -> NewEvent<'_> {
    NewEvent::state(
        sender,
        "m.room.topic",
        "",
        json!({ "topic": format!("topic {n}") }),
    )
}

/// The builder borrows state keys for the event's lifetime; user IDs are few and small, so
/// leaking them in a test binary is the simplest way to satisfy that.
fn leak(text: &str) -> &'static str {
    Box::leak(text.to_owned().into_boxed_str())
}
