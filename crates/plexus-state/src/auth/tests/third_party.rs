//! Rule 5.4.1: third-party invites, with real ed25519 signatures.

use ruma::{
    canonical_json::CanonicalJsonValue,
    serde::{base64::Standard, Base64},
    signatures::{sign_json, Ed25519KeyPair},
};
use serde_json::{json, Value};

use super::*;

/// A fresh identity server key: (key pair, unpadded base64 public key).
fn identity_server_key() -> (Ed25519KeyPair, String) {
    let document = Ed25519KeyPair::generate();
    let key_pair = Ed25519KeyPair::from_der(&document, "0".to_owned()).expect("valid key");
    let public = Base64::<Standard>::new(key_pair.public_key().to_vec()).encode();
    (key_pair, public)
}

/// `content.third_party_invite` for `mxid`, signed by `key_pair`.
fn signed_invite(key_pair: &Ed25519KeyPair, mxid: &str, token: &str) -> Value {
    let signed = json!({ "mxid": mxid, "token": token, "sender": "@alice:example.org" });
    let CanonicalJsonValue::Object(mut object) = CanonicalJsonValue::try_from(signed).unwrap()
    else {
        unreachable!()
    };
    sign_json("id.example.org", key_pair, &mut object).expect("signing works");
    json!({ "display_name": "carol", "signed": CanonicalJsonValue::Object(object) })
}

fn third_party_room(version: &RoomVersionId, public_key: &str) -> TestRoom {
    let mut room = TestRoom::public(version, json!({}));
    let content = json!({
        "display_name": "carol",
        "key_validity_url": "https://id.example.org/isvalid",
        "public_key": "bm90IHRoZSByaWdodCBrZXk",
        "public_keys": [{ "public_key": public_key }],
    });
    room.send_ok(NewEvent::state(
        &user("alice"),
        "m.room.third_party_invite",
        "tok",
        content,
    ));
    room
}

fn invite(sender: &UserId, target: &str, third_party_invite: Value) -> NewEvent<'static> {
    let sender: &'static UserId = Box::leak(Box::new(sender.to_owned()));
    let target: &'static str = Box::leak(target.to_owned().into_boxed_str());
    let content = json!({ "membership": "invite", "third_party_invite": third_party_invite });
    NewEvent::state(sender, "m.room.member", target, content)
}

use ruma::RoomVersionId;

#[test]
fn rule_5_4_1_7_valid_signature_from_listed_key_allows() {
    for version in all_versions() {
        let (key_pair, public) = identity_server_key();
        let mut room = third_party_room(&version, &public);
        let carol = user("carol");
        let tpi = signed_invite(&key_pair, carol.as_str(), "tok");
        room.check(invite(&user("alice"), carol.as_str(), tpi))
            .expect("valid 3pid invite");
    }
}

#[test]
fn rule_5_4_1_8_signature_from_unknown_key_rejects() {
    for version in all_versions() {
        let (_, public) = identity_server_key();
        let (other_key_pair, _) = identity_server_key();
        let mut room = third_party_room(&version, &public);
        let carol = user("carol");
        let tpi = signed_invite(&other_key_pair, carol.as_str(), "tok");
        let result = room.check(invite(&user("alice"), carol.as_str(), tpi));
        assert_rejected_by(
            result,
            |e| matches!(e, AuthError::ThirdPartyInvite(_)),
            &version,
        );
    }
}

#[test]
fn rule_5_4_1_2_to_6_structure_token_and_sender_checks() {
    let version = RoomVersionId::V11;
    let (key_pair, public) = identity_server_key();
    let mut room = third_party_room(&version, &public);
    let (alice, bob, carol) = (user("alice"), user("bob"), user("carol"));
    let is_3pid = |e: &AuthError| matches!(e, AuthError::ThirdPartyInvite(_));
    // 5.4.1.2: no `signed`.
    let result = room.check(invite(
        &alice,
        carol.as_str(),
        json!({ "display_name": "c" }),
    ));
    assert_rejected_by(result, is_3pid, &version);
    // 5.4.1.4: mxid is not the state key.
    let tpi = signed_invite(&key_pair, user("dave").as_str(), "tok");
    assert_rejected_by(
        room.check(invite(&alice, carol.as_str(), tpi)),
        is_3pid,
        &version,
    );
    // 5.4.1.5: no m.room.third_party_invite for the token.
    let tpi = signed_invite(&key_pair, carol.as_str(), "other-token");
    assert_rejected_by(
        room.check(invite(&alice, carol.as_str(), tpi)),
        is_3pid,
        &version,
    );
    // 5.4.1.6: bob did not issue the third-party invite.
    let tpi = signed_invite(&key_pair, carol.as_str(), "tok");
    assert_rejected_by(
        room.check(invite(&bob, carol.as_str(), tpi)),
        is_3pid,
        &version,
    );
    // 5.4.1.1: the target is banned.
    room.send_ok(NewEvent::member(&alice, carol.as_str(), "ban"));
    let tpi = signed_invite(&key_pair, carol.as_str(), "tok");
    assert_rejected_by(
        room.check(invite(&alice, carol.as_str(), tpi)),
        is_3pid,
        &version,
    );
}
