use std::collections::HashSet;

use ruma::{OwnedRoomId, OwnedUserId};

use crate::{
    rooms::{CreateRoom, Preset},
    tests::{fixture, user, Fixture},
};

/// alice's public room (named or not) that bob, carol and dave joined in turn;
/// returns the room and dave's join event.
async fn room_with_four(
    f: &Fixture,
    name: Option<&str>,
) -> (OwnedRoomId, Vec<OwnedUserId>, String) {
    let s = &f.services;
    let mut members = Vec::new();
    for name in ["alice", "bob", "carol", "dave"] {
        members.push(user(s, name).await);
    }
    let request = CreateRoom {
        preset: Some(Preset::PublicChat),
        name: name.map(str::to_owned),
        ..Default::default()
    };
    let room_id = s.create_room(&members[0], request).await.unwrap();
    for member in &members[1..] {
        s.join_room(&room_id, member, None, &[]).await.unwrap();
    }
    let dave_join = s
        .membership(&room_id, &members[3])
        .unwrap()
        .unwrap()
        .event_id;
    (room_id, members, dave_join)
}

fn member_keys(state: &[std::sync::Arc<plexus_core::Pdu>]) -> HashSet<String> {
    state
        .iter()
        .filter(|pdu| pdu.kind.to_string() == "m.room.member")
        .filter_map(|pdu| pdu.state_key.clone())
        .collect()
}

#[tokio::test]
async fn the_full_answer_has_every_member_and_the_chain_of_everything() {
    let f = fixture().await;
    let (_, _, dave_join) = room_with_four(&f, Some("named")).await;
    let (state, auth_chain) = f.services.state_and_auth_chain(&dave_join).unwrap();
    assert_eq!(
        member_keys(&state).len(),
        3,
        "alice, bob, carol before dave"
    );
    let chain: HashSet<_> = auth_chain.iter().map(|p| p.event_id.clone()).collect();
    assert!(auth_chain[0].kind.to_string() == "m.room.create");
    // The creator's join authorises everything after it.
    assert!(state
        .iter()
        .any(|p| p.kind.to_string() == "m.room.member" && chain.contains(&p.event_id)));
}

#[tokio::test]
async fn omitting_members_of_a_named_room_leaves_none_and_no_state_in_the_chain() {
    let f = fixture().await;
    let (_, members, dave_join) = room_with_four(&f, Some("named")).await;
    let (state, auth_chain) = f
        .services
        .state_and_auth_chain_without_members(&dave_join, &members[3])
        .unwrap();
    assert!(member_keys(&state).is_empty());
    assert!(state.iter().any(|p| p.kind.to_string() == "m.room.name"));
    let in_state: HashSet<_> = state.iter().map(|p| p.event_id.clone()).collect();
    assert!(auth_chain.iter().all(|p| !in_state.contains(&p.event_id)));
    // The power levels' own authorisation (the creator's join) stays.
    assert!(auth_chain
        .iter()
        .any(|p| p.kind.to_string() == "m.room.member"
            && p.state_key.as_deref() == Some(members[0].as_str())));
}

#[tokio::test]
async fn omitting_members_of_an_unnamed_room_keeps_the_heroes() {
    let f = fixture().await;
    let (room_id, members, dave_join) = room_with_four(&f, None).await;
    let (state, _) = f
        .services
        .state_and_auth_chain_without_members(&dave_join, &members[3])
        .unwrap();
    let heroes: HashSet<String> = f
        .services
        .room_hero_ids(&room_id, &members[3])
        .unwrap()
        .into_iter()
        .collect();
    let expected: HashSet<String> = members[..3].iter().map(ToString::to_string).collect();
    assert_eq!(heroes, expected);
    assert_eq!(member_keys(&state), expected);
}
