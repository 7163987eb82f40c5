//! A remote user's profile comes from their server; a local user's never
//! leaves the database.

use std::sync::Arc;

use ruma::{OwnedUserId, UserId};
use serde_json::{json, Value};

use crate::tests::user;
use crate::{remote::Remote, tests::fixture, Result, ServiceError};

struct FakeRemote;

#[async_trait::async_trait]
impl Remote for FakeRemote {
    async fn profile(&self, user: &UserId, field: Option<&str>) -> Result<Value> {
        match (user.localpart(), field) {
            ("bob", None) => Ok(json!({"displayname": "Bob", "avatar_url": "mxc://r/b"})),
            ("bob", Some("displayname")) => Ok(json!({"displayname": "Bob"})),
            _ => Err(ServiceError::not_found("profile not found")),
        }
    }
}

#[tokio::test]
async fn remote_profiles_are_asked_of_the_users_server() {
    let f = fixture().await;
    let s = &f.services;
    let remote: Arc<dyn Remote> = Arc::new(FakeRemote);
    s.install_remote(Arc::downgrade(&remote));
    let bob: OwnedUserId = "@bob:remote.example".try_into().unwrap();
    let profile = s.profile_anywhere(&bob, None).await.unwrap();
    assert_eq!(profile, (Some("Bob".into()), Some("mxc://r/b".into())));
    let name = s.profile_anywhere(&bob, Some("displayname")).await.unwrap();
    assert_eq!(name, (Some("Bob".into()), None));
    let nobody: OwnedUserId = "@nobody:remote.example".try_into().unwrap();
    let err = s.profile_anywhere(&nobody, None).await.unwrap_err();
    assert!(matches!(err, ServiceError::NotFound(_)), "{err:?}");

    let alice = user(s, "alice").await;
    assert_eq!(
        s.profile_anywhere(&alice, None).await.unwrap(),
        s.profile(&alice).unwrap()
    );
}

#[tokio::test]
async fn without_federation_a_remote_profile_is_a_remote_error() {
    let f = fixture().await;
    let bob: OwnedUserId = "@bob:remote.example".try_into().unwrap();
    let err = f.services.profile_anywhere(&bob, None).await.unwrap_err();
    assert!(matches!(err, ServiceError::Remote(_)), "{err:?}");
}
