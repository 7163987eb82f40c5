use plexus_core::Config;

use crate::Services;

#[tokio::test]
async fn a_token_names_its_user_and_an_unknown_one_nobody() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        data_dir: dir.path().to_owned(),
        ..Config::default()
    };
    let services = Services::open(config).unwrap();
    let alice = services.create_user("alice", None, false).await.unwrap();
    let (token, lifetime) = services.issue_openid_token(&alice).unwrap();
    assert_eq!(lifetime, 3600);
    assert_eq!(services.openid_token_user(&token).unwrap(), Some(alice));
    assert_eq!(services.openid_token_user("not-a-token").unwrap(), None);
}
