use super::*;

fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
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
        vars(&[("PLEXUS_REGISTRATION", "token"), ("PLEXUS_REGISTRATION_TOKEN", "s3cret")]),
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
