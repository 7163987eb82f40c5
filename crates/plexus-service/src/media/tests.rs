//! Media domain tests on a real database: upload, dedup across uploads,
//! the `/create` pair, the quota, and lookups that must fail.

use plexus_core::{config::Switch, Config};
use ruma::{OwnedUserId, UserId};

use super::*;
use crate::ServiceError;

fn services(dir: &std::path::Path, quota: u64) -> std::sync::Arc<Services> {
    let mut config = Config {
        data_dir: dir.to_owned(),
        rate_limits: Switch::Off,
        ..Config::default()
    };
    config.media.user_quota_bytes = quota;
    config.media.max_upload_bytes = 1000;
    Services::open(config).unwrap()
}

fn alice() -> OwnedUserId {
    UserId::parse("@alice:localhost").unwrap()
}

async fn upload(
    s: &Services,
    user: &UserId,
    bytes: &[u8],
    pending: Option<&str>,
) -> crate::Result<String> {
    let mut file = s.begin_upload(user, None)?;
    for chunk in bytes.chunks(7) {
        file.write(chunk).await?;
    }
    let meta = NewMedia {
        content_type: Some("text/plain".into()),
        filename: Some("a.txt".into()),
    };
    s.finish_upload(user, file, meta, pending).await
}

#[tokio::test]
async fn uploads_round_trip_and_identical_bytes_share_one_file() {
    let dir = tempfile::tempdir().unwrap();
    let s = services(dir.path(), 1 << 20);
    let a = upload(&s, &alice(), b"hello world", None).await.unwrap();
    let b = upload(&s, &alice(), b"hello world", None).await.unwrap();
    assert_ne!(a, b);
    assert!(is_local_id(&a));
    let fa = s.media_file("localhost", &a, 0).await.unwrap();
    let fb = s.media_file("localhost", &b, 0).await.unwrap();
    assert_eq!(fa.path, fb.path);
    assert_eq!(std::fs::read(&fa.path).unwrap(), b"hello world");
    assert_eq!(
        (fa.content_type.as_str(), fa.filename.as_deref(), fa.size),
        ("text/plain", Some("a.txt"), 11)
    );
    assert_eq!(s.media_usage(&alice()).unwrap(), 22);
}

#[tokio::test]
async fn oversize_and_over_quota_uploads_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let s = services(dir.path(), 1500);
    assert!(matches!(
        s.begin_upload(&alice(), Some(1001)),
        Err(ServiceError::TooLarge(_))
    ));
    let err = upload(&s, &alice(), &[1; 1001], None).await.unwrap_err();
    assert!(matches!(err, ServiceError::TooLarge(_)), "{err:?}");
    upload(&s, &alice(), &[1; 1000], None).await.unwrap();
    let err = upload(&s, &alice(), &[2; 600], None).await.unwrap_err();
    assert!(matches!(err, ServiceError::Forbidden(_)), "{err:?}");
    assert_eq!(s.media_usage(&alice()).unwrap(), 1000);
}

#[tokio::test]
async fn created_ids_take_one_upload_from_their_creator_only() {
    let dir = tempfile::tempdir().unwrap();
    let s = services(dir.path(), 1 << 20);
    let (id, expires) = s.create_media_id(&alice()).await.unwrap();
    assert!(expires > plexus_core::time::now_millis());
    let err = s.media_file("localhost", &id, 0).await.unwrap_err();
    assert!(matches!(err, ServiceError::NotYetUploaded(_)), "{err:?}");
    let bob = UserId::parse("@bob:localhost").unwrap();
    assert!(matches!(
        upload(&s, &bob, b"x", Some(&id)).await,
        Err(ServiceError::Forbidden(_))
    ));
    assert_eq!(upload(&s, &alice(), b"first", Some(&id)).await.unwrap(), id);
    let err = upload(&s, &alice(), b"second", Some(&id))
        .await
        .unwrap_err();
    assert!(
        matches!(err, ServiceError::CannotOverwriteMedia(_)),
        "{err:?}"
    );
    let file = s.media_file("localhost", &id, 0).await.unwrap();
    assert_eq!(std::fs::read(file.path).unwrap(), b"first");
}

#[tokio::test]
async fn unknown_remote_and_malformed_ids_are_not_found() {
    let dir = tempfile::tempdir().unwrap();
    let s = services(dir.path(), 1 << 20);
    let id = upload(&s, &alice(), b"data", None).await.unwrap();
    for (server, media_id) in [
        ("other.example", id.as_str()),
        ("localhost", "../../db"),
        ("localhost", "AAAAAAAAAAAAAAAAAAAAAAAA"),
    ] {
        let err = s.media_file(server, media_id, 0).await.unwrap_err();
        assert!(
            matches!(err, ServiceError::NotFound(_)),
            "{server} {media_id}: {err:?}"
        );
    }
}

#[tokio::test]
async fn concurrent_uploads_to_one_created_id_store_exactly_one() {
    let dir = tempfile::tempdir().unwrap();
    let s = services(dir.path(), 1 << 20);
    let (id, _) = s.create_media_id(&alice()).await.unwrap();
    let tasks: Vec<_> = (0..4u8)
        .map(|i| {
            let (s, id) = (s.clone(), id.clone());
            tokio::spawn(async move { upload(&s, &alice(), &[i; 10], Some(&id)).await })
        })
        .collect();
    let mut stored = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => stored += 1,
            Err(ServiceError::CannotOverwriteMedia(_)) => {}
            Err(other) => panic!("{other:?}"),
        }
    }
    assert_eq!(stored, 1);
    assert_eq!(
        s.media_usage(&alice()).unwrap(),
        10,
        "only the stored upload counts"
    );
}

#[test]
fn media_keys_load_from_the_file_and_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.toml");
    std::fs::write(&path, "[media]\nmax_upload_bytes = 1234\n").unwrap();
    let vars = [
        ("PLEXUS_MEDIA_USER_QUOTA_BYTES", "99"),
        ("PLEXUS_MEDIA_LEGACY_UNAUTHENTICATED", "true"),
    ];
    let vars = vars.iter().map(|(k, v)| (k.to_string(), v.to_string()));
    let config = Config::load(Some(&path), vars).unwrap();
    assert_eq!(config.media.max_upload_bytes, 1234);
    assert_eq!(config.media.user_quota_bytes, 99);
    assert!(config.media.legacy_unauthenticated);
    let defaults = Config::default().media;
    assert_eq!(
        (defaults.max_upload_bytes, defaults.user_quota_bytes),
        (50 << 20, 1 << 30)
    );
    assert!(!defaults.legacy_unauthenticated);
}

#[tokio::test]
async fn created_ids_are_capped_per_user_and_expired_ones_dropped() {
    use crate::tables::{MediaPending, MediaPendingByUser};
    let dir = tempfile::tempdir().unwrap();
    let s = services(dir.path(), 1 << 20);
    // An expired ID left from yesterday: dropped by the next create, no longer uploadable.
    let stale = "StaleStaleStaleStale0000".to_owned();
    let record = PendingMediaRecord {
        creator: alice().to_string(),
        created_ts: 1,
        expires_ts: 2,
    };
    s.db.put::<MediaPending>(&stale, &plexus_storage::Json(record))
        .unwrap();
    s.db.put::<MediaPendingByUser>(&(alice().to_string(), stale.clone()), &2)
        .unwrap();
    assert!(matches!(
        upload(&s, &alice(), b"late", Some(&stale)).await,
        Err(ServiceError::NotFound(_))
    ));

    for _ in 0..MAX_PENDING_PER_USER {
        s.create_media_id(&alice()).await.unwrap();
    }
    assert!(
        !s.db.contains::<MediaPending>(&stale).unwrap(),
        "expired ID not dropped"
    );
    let err = s.create_media_id(&alice()).await.unwrap_err();
    assert!(
        matches!(err, ServiceError::LimitExceeded { retry_after_ms } if retry_after_ms > 0),
        "{err:?}"
    );
    // Another user has a budget of its own; an upload frees a slot.
    let bob = UserId::parse("@bob:localhost").unwrap();
    let (id, _) = s.create_media_id(&bob).await.unwrap();
    upload(&s, &bob, b"x", Some(&id)).await.unwrap();
    assert!(s
        .db
        .scan::<MediaPendingByUser, _>(&(bob.to_string(),), crate::Direction::Forward)
        .unwrap()
        .next()
        .is_none());
}
