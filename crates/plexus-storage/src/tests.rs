use super::*;

struct Rooms;
impl Table for Rooms {
    const NAME: &'static str = "rooms";
    type Key = (String, u64);
    type Value = Json<String>;
}

struct Counters;
impl Table for Counters {
    const NAME: &'static str = "counters";
    type Key = String;
    type Value = u64;
}

fn open(dir: &std::path::Path) -> Db {
    Db::open(dir, &[Rooms::NAME, Counters::NAME], DbOptions::default()).unwrap()
}

#[test]
fn key_encoding_preserves_order() {
    let mut keys = vec![
        ("b".to_string(), 1u64),
        ("a\0b".to_string(), 9),
        ("a".to_string(), 300),
        ("a".to_string(), 2),
        ("ab".to_string(), 0),
        (String::new(), u64::MAX),
    ];
    let mut encoded: Vec<Vec<u8>> = keys.iter().map(KeyCodec::encode).collect();
    keys.sort();
    encoded.sort();
    let decoded: Vec<(String, u64)> = encoded
        .iter()
        .map(|e| KeyCodec::decode(e).unwrap())
        .collect();
    assert_eq!(decoded, keys);
}

#[test]
fn truncated_or_trailing_bytes_do_not_decode() {
    let mut bytes = ("abc".to_string(), 5u64).encode();
    bytes.push(1);
    assert!(<(String, u64)>::decode(&bytes).is_none());
    assert!(<(String, u64)>::decode(&bytes[..bytes.len() - 3]).is_none());
}

#[test]
fn scans_stay_inside_their_prefix_in_both_directions() {
    let dir = tempfile::tempdir().unwrap();
    let db = open(dir.path());
    for (room, n) in [("!a", 1), ("!a", 2), ("!a", 10), ("!ab", 1), ("!b", 5)] {
        db.put::<Rooms>(&(room.into(), n), &Json(format!("{room}/{n}")))
            .unwrap();
    }
    let forward: Vec<u64> = db
        .scan::<Rooms, _>(&"!a".to_string(), Direction::Forward)
        .unwrap()
        .map(|r| r.unwrap().0 .1)
        .collect();
    assert_eq!(forward, vec![1, 2, 10]);
    let backward: Vec<u64> = db
        .scan::<Rooms, _>(&"!a".to_string(), Direction::Backward)
        .unwrap()
        .map(|r| r.unwrap().0 .1)
        .collect();
    assert_eq!(backward, vec![10, 2, 1]);
    let start = ("!a".to_string(), 2u64).encode();
    let from: Vec<u64> = db
        .scan_from::<Rooms, _>(&"!a".to_string(), Some(&start), Direction::Backward)
        .unwrap()
        .map(|r| r.unwrap().0 .1)
        .collect();
    assert_eq!(from, vec![2, 1]);
}

#[test]
fn batch_is_atomic_and_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let db = open(dir.path());
        let mut batch = db.batch();
        batch
            .put::<Rooms>(&("!r".into(), 7), &Json("x".into()))
            .unwrap();
        batch.put::<Counters>(&"stream".into(), &7).unwrap();
        db.write(batch).unwrap();
        let mut unwritten = db.batch();
        unwritten.put::<Counters>(&"stream".into(), &8).unwrap();
        drop(unwritten);
    }
    let db = open(dir.path());
    assert_eq!(db.get::<Counters>(&"stream".into()).unwrap(), Some(7));
    assert_eq!(db.last_key::<Rooms>().unwrap(), Some(("!r".into(), 7)));
}

#[test]
fn table_outside_the_catalogue_is_an_error() {
    struct Stray;
    impl Table for Stray {
        const NAME: &'static str = "stray";
        type Key = String;
        type Value = ();
    }
    let dir = tempfile::tempdir().unwrap();
    let db = open(dir.path());
    assert!(matches!(
        db.get::<Stray>(&"k".into()),
        Err(StorageError::UnknownTable("stray"))
    ));
}
