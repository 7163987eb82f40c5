//! The matching rules of `m.room.server_acl`.

use serde_json::json;

use super::{acl_allows, glob_matches, host_without_port};

#[test]
fn globs_match_star_question_mark_and_ignore_case() {
    assert!(glob_matches("*", "anything.org"));
    assert!(glob_matches("*.evil.com", "a.b.evil.com"));
    assert!(!glob_matches("*.evil.com", "evil.com"));
    assert!(glob_matches("evil.co?", "evil.com"));
    assert!(!glob_matches("evil.co?", "evil.co"));
    assert!(glob_matches("EVIL.com", "evil.COM"));
    assert!(glob_matches("a*b*c", "aXXbYYc"));
    assert!(!glob_matches("a*b*c", "aXXbYY"));
    assert!(glob_matches("", ""));
    assert!(!glob_matches("", "x"));
}

#[test]
fn ports_are_stripped_before_matching() {
    assert_eq!(host_without_port("evil.com:8448"), "evil.com");
    assert_eq!(host_without_port("evil.com"), "evil.com");
    assert_eq!(host_without_port("[::1]:8448"), "[::1]");
    assert_eq!(host_without_port("1.2.3.4:80"), "1.2.3.4");
    let acl = json!({"allow": ["*"], "deny": ["evil.com"]});
    assert!(!acl_allows(&acl, "evil.com:1234"));
    assert!(acl_allows(&acl, "good.com:1234"));
}

#[test]
fn deny_wins_over_allow_and_unlisted_servers_are_denied() {
    let acl = json!({"allow": ["*.example.org", "friend.net"], "deny": ["bad.example.org"]});
    assert!(acl_allows(&acl, "a.example.org"));
    assert!(acl_allows(&acl, "friend.net"));
    assert!(!acl_allows(&acl, "bad.example.org"));
    assert!(!acl_allows(&acl, "stranger.com"));
}

#[test]
fn missing_allow_denies_everyone() {
    assert!(!acl_allows(&json!({}), "example.org"));
    assert!(!acl_allows(&json!({"deny": []}), "example.org"));
}

#[test]
fn ip_literals_are_denied_only_when_allow_ip_literals_is_false() {
    let open = json!({"allow": ["*"]});
    assert!(acl_allows(&open, "1.2.3.4"));
    assert!(acl_allows(&open, "[::1]:8448"));
    let strict = json!({"allow": ["*"], "allow_ip_literals": false});
    assert!(!acl_allows(&strict, "1.2.3.4:8448"));
    assert!(!acl_allows(&strict, "[2001:db8::1]"));
    assert!(acl_allows(&strict, "example.org"));
    // Not a boolean: the default (true) applies.
    let odd = json!({"allow": ["*"], "allow_ip_literals": "no"});
    assert!(acl_allows(&odd, "1.2.3.4"));
}
