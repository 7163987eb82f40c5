use crate::{tests::fixture, users::NewDevice, ServiceError};

#[tokio::test]
async fn user_names_are_validated_and_unique() {
    let f = fixture().await;
    let s = &f.services;
    assert!(matches!(
        s.user_id_for("Alice"),
        Err(ServiceError::InvalidUsername(_))
    ));
    assert!(matches!(
        s.user_id_for("a b"),
        Err(ServiceError::InvalidUsername(_))
    ));
    assert!(matches!(
        s.user_id_for(&"a".repeat(260)),
        Err(ServiceError::InvalidUsername(_))
    ));
    s.create_user("alice", Some("password123"), false)
        .await
        .unwrap();
    let err = s
        .create_user("alice", Some("password123"), false)
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::UserInUse(_)), "{err:?}");
    let err = s
        .create_user("bob", Some("short"), false)
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::WeakPassword(_)), "{err:?}");
}

#[tokio::test]
async fn passwords_are_hashed_and_checked() {
    let f = fixture().await;
    let s = &f.services;
    let alice = s
        .create_user("alice", Some("password123"), false)
        .await
        .unwrap();
    let stored = s.user(&alice).unwrap().unwrap().password_hash.unwrap();
    assert!(stored.starts_with("$argon2id$"), "{stored}");
    s.check_password(&alice, "password123").await.unwrap();
    assert!(matches!(
        s.check_password(&alice, "wrong-pass").await,
        Err(ServiceError::Forbidden(_))
    ));
}

#[tokio::test]
async fn tokens_die_with_their_device_and_refresh_rotates_them() {
    let f = fixture().await;
    let s = &f.services;
    let alice = s
        .create_user("alice", Some("password123"), false)
        .await
        .unwrap();
    let phone = s
        .login(
            &alice,
            NewDevice {
                refreshable: true,
                ..Default::default()
            },
        )
        .unwrap();
    let laptop = s.login(&alice, NewDevice::default()).unwrap();
    assert_eq!(
        s.authenticate(&phone.access_token).unwrap().device_id,
        phone.device_id
    );
    let refreshed = s.refresh(phone.refresh_token.as_deref().unwrap()).unwrap();
    assert!(matches!(
        s.authenticate(&phone.access_token),
        Err(ServiceError::UnknownToken { .. })
    ));
    assert!(
        s.refresh(phone.refresh_token.as_deref().unwrap()).is_err(),
        "old refresh token is spent"
    );
    assert_eq!(
        s.authenticate(&refreshed.access_token).unwrap().device_id,
        phone.device_id
    );
    s.delete_device(&alice, &laptop.device_id).unwrap();
    assert!(matches!(
        s.authenticate(&laptop.access_token),
        Err(ServiceError::UnknownToken { .. })
    ));
    assert_eq!(s.devices(&alice).unwrap().len(), 1);
}

#[tokio::test]
async fn deactivated_accounts_cannot_log_in() {
    let f = fixture().await;
    let s = &f.services;
    let alice = s
        .create_user("alice", Some("password123"), false)
        .await
        .unwrap();
    let session = s.login(&alice, NewDevice::default()).unwrap();
    s.deactivate(&alice).unwrap();
    assert!(s.authenticate(&session.access_token).is_err());
    assert!(s.check_password(&alice, "password123").await.is_err());
}
