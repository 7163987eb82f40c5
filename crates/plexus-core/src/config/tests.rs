use super::*;

fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn environment_overrides_file_values_with_their_types() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.toml");
    std::fs::write(&path, "server_name = \"file.example\"\nfsync = false\n").unwrap();
    let config = Config::load(
        Some(&path),
        vars(&[
            ("PLEXUS_SERVER_NAME", "env.example"),
            ("PLEXUS_CLIENT_LISTEN", "127.0.0.1:9999"),
            ("PLEXUS_FSYNC", "true"),
            ("PLEXUS_REGISTRATION", "open"),
            ("PLEXUS_RATE_LIMITS", "off"),
            ("PLEXUS_LIMITS_LOGIN_BURST", "7"),
            ("HOME", "/ignored"),
        ]),
    )
    .unwrap();
    assert_eq!(config.server_name.as_str(), "env.example");
    assert_eq!(config.client_listen.port(), 9999);
    assert!(config.fsync);
    assert_eq!(config.registration, RegistrationMode::Open);
    assert_eq!(config.rate_limits, Switch::Off);
    assert_eq!(config.limits.login_burst, 7);
}

#[test]
fn token_registration_without_token_is_refused() {
    let err = Config::load(None, vars(&[("PLEXUS_REGISTRATION", "token")])).unwrap_err();
    assert!(err.to_string().contains("registration_token"), "{err}");
    let ok = Config::load(
        None,
        vars(&[
            ("PLEXUS_REGISTRATION", "token"),
            ("PLEXUS_REGISTRATION_TOKEN", "s3cret"),
        ]),
    )
    .unwrap();
    assert_eq!(ok.registration_token.as_deref(), Some("s3cret"));
}

#[test]
fn unknown_variable_and_unknown_key_are_errors() {
    assert!(Config::load(None, vars(&[("PLEXUS_NO_SUCH_KEY", "1")])).is_err());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.toml");
    std::fs::write(&path, "sever_name = \"typo\"\n").unwrap();
    assert!(Config::load(Some(&path), vec![]).is_err());
}

#[test]
fn example_config_parses() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/example.toml");
    let config = Config::load(Some(&path), vec![]).unwrap();
    assert_eq!(config.default_room_version, RoomVersionId::V12);
}

#[test]
fn federation_keys_from_environment_with_comma_separated_lists() {
    let config = Config::load(
        None,
        vars(&[
            ("PLEXUS_FEDERATION_ENABLED", "true"),
            ("PLEXUS_FEDERATION_LISTEN", "127.0.0.1:8491"),
            ("PLEXUS_FEDERATION_TLS_CERT", "/tmp/cert.pem"),
            ("PLEXUS_FEDERATION_TLS_KEY", "/tmp/key.pem"),
            ("PLEXUS_FEDERATION_CA_FILE", "/tmp/ca.pem"),
            ("PLEXUS_FEDERATION_VERIFY_TLS", "false"),
            (
                "PLEXUS_FEDERATION_IP_RANGE_DENYLIST",
                "10.0.0.0/8, 192.168.0.0/16",
            ),
            ("PLEXUS_FEDERATION_TRUSTED_KEY_SERVERS", "notary.example"),
        ]),
    )
    .unwrap();
    let federation = &config.federation;
    assert!(federation.enabled);
    assert_eq!(federation.listen, "127.0.0.1:8491");
    assert!(federation.tls_files().is_some());
    assert_eq!(
        federation.ca_file.as_deref(),
        Some(std::path::Path::new("/tmp/ca.pem"))
    );
    assert!(!federation.verify_tls);
    assert_eq!(
        federation.ip_range_denylist,
        ["10.0.0.0/8", "192.168.0.0/16"]
    );
    assert_eq!(federation.trusted_key_servers, ["notary.example"]);
}

#[test]
fn empty_federation_denylist_from_environment_allows_all() {
    let config = Config::load(None, vars(&[("PLEXUS_FEDERATION_IP_RANGE_DENYLIST", "")])).unwrap();
    assert!(config.federation.ip_range_denylist.is_empty());
    let defaults = Config::load(None, vars(&[])).unwrap();
    assert!(defaults
        .federation
        .ip_range_denylist
        .contains(&"127.0.0.0/8".to_owned()));
    assert!(!defaults.federation.enabled);
}

#[test]
fn half_a_federation_tls_setup_is_refused() {
    let result = Config::load(
        None,
        vars(&[("PLEXUS_FEDERATION_TLS_CERT", "/tmp/cert.pem")]),
    );
    assert!(result.is_err());
}
