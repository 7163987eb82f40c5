//! Aliases of other servers are resolved by those servers; local aliases
//! name the servers in the room.

use std::sync::Arc;

use ruma::{OwnedRoomAliasId, OwnedServerName, RoomAliasId};

use crate::tests::user;
use crate::{
    remote::{Remote, RemoteAlias},
    rooms::{CreateRoom, Preset},
    tests::fixture,
    Result,
};

struct FakeRemote;

#[async_trait::async_trait]
impl Remote for FakeRemote {
    async fn resolve_alias(&self, alias: &RoomAliasId) -> Result<Option<RemoteAlias>> {
        Ok((alias.alias() == "known").then(|| RemoteAlias {
            room_id: "!room:remote.example".try_into().unwrap(),
            servers: vec!["remote.example".try_into().unwrap()],
        }))
    }
}

#[tokio::test]
async fn remote_aliases_are_resolved_by_their_server_local_ones_here() {
    let f = fixture().await;
    let s = &f.services;
    let remote: Arc<dyn Remote> = Arc::new(FakeRemote);
    s.install_remote(Arc::downgrade(&remote));
    let known: OwnedRoomAliasId = "#known:remote.example".try_into().unwrap();
    let (room_id, servers) = s.resolve_alias_anywhere(&known).await.unwrap().unwrap();
    assert_eq!(room_id.as_str(), "!room:remote.example");
    assert_eq!(
        servers,
        vec![OwnedServerName::try_from("remote.example").unwrap()]
    );
    let unknown: OwnedRoomAliasId = "#other:remote.example".try_into().unwrap();
    assert!(s.resolve_alias_anywhere(&unknown).await.unwrap().is_none());

    let alice = user(s, "alice").await;
    let request = CreateRoom {
        preset: Some(Preset::PublicChat),
        ..Default::default()
    };
    let local_room = s.create_room(&alice, request).await.unwrap();
    s.add_alias("#here:localhost", &local_room, &alice).unwrap();
    let here: OwnedRoomAliasId = "#here:localhost".try_into().unwrap();
    let (room_id, servers) = s.resolve_alias_anywhere(&here).await.unwrap().unwrap();
    assert_eq!(room_id, local_room);
    assert_eq!(servers, vec![s.server_name().to_owned()]);
}
