//! Black-box check of the federation listener: the real `plexus` binary with
//! federation enabled and TLS from a CA made here (rcgen). It publishes a key
//! document whose signature verifies with the key it publishes, accepts a request
//! signed by a fake remote server (whose keys it fetches over TLS, trusting the
//! CA through `ca_file`) and answers 401 `M_UNAUTHORIZED` to unsigned, forged or
//! misaddressed ones. Needs the binary: `cargo build -p plexus`.

use std::{net::TcpListener as StdListener, path::Path, time::Duration};

use complement_tests::{ServerOptions, TestServer};
use plexus_core::pdu::SigningKey;
use plexus_federation::xmatrix::sign::SignedRequest;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
use ruma::{
    signatures::{sign_json, to_canonical_json_string_for_signing, verify_canonical_json_bytes},
    CanonicalJsonObject, SigningKeyAlgorithm,
};
use serde_json::{json, Value};

/// A CA and a server certificate for 127.0.0.1 / localhost, written as PEM files.
struct Pki {
    dir: tempfile::TempDir,
}

impl Pki {
    fn new() -> Pki {
        let dir = tempfile::tempdir().unwrap();
        let ca_key = KeyPair::generate().unwrap();
        let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(DnType::CommonName, "Plexus test CA");
        let ca_cert = ca.self_signed(&ca_key).unwrap();
        let leaf_key = KeyPair::generate().unwrap();
        let leaf = CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .unwrap()
            .signed_by(&leaf_key, &ca_cert, &ca_key)
            .unwrap();
        std::fs::write(dir.path().join("ca.pem"), ca_cert.pem()).unwrap();
        std::fs::write(dir.path().join("cert.pem"), leaf.pem()).unwrap();
        std::fs::write(dir.path().join("key.pem"), leaf_key.serialize_pem()).unwrap();
        Pki { dir }
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    /// An https client that trusts only the test CA (besides the web roots).
    fn client(&self) -> reqwest::Client {
        let ca =
            reqwest::Certificate::from_pem(&std::fs::read(self.path("ca.pem")).unwrap()).unwrap();
        reqwest::Client::builder()
            .add_root_certificate(ca)
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap()
    }
}

fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A fake remote server on loopback that publishes its key over TLS.
async fn spawn_remote(pki: &Pki) -> (String, SigningKey) {
    let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let name = format!("127.0.0.1:{}", tcp.local_addr().unwrap().port());
    let key = SigningKey::from_pkcs8(
        name.as_str().try_into().unwrap(),
        &SigningKey::generate_pkcs8(),
        "remote1",
    )
    .unwrap();
    let document = signed(
        &name,
        &key,
        json!({
            "server_name": name,
            "valid_until_ts": plexus_core::time::now_millis() + 3_600_000,
            "verify_keys": {key.key_id(): {"key": key.public_key_base64()}},
            "old_verify_keys": {},
        }),
    );
    let app = axum::Router::new().route(
        "/_matrix/key/v2/server",
        axum::routing::get(move || async move { axum::Json(document) }),
    );
    let tls = plexus_federation::tls::server_config(
        Path::new(&pki.path("cert.pem")),
        Path::new(&pki.path("key.pem")),
    )
    .unwrap();
    let listener = plexus_federation::tls::TlsListener::new(tcp, tls).unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (name, key)
}

fn signed(server: &str, key: &SigningKey, value: Value) -> Value {
    let mut object: CanonicalJsonObject = serde_json::from_value(value).unwrap();
    sign_json(server, &key.key_pair, &mut object).unwrap();
    serde_json::to_value(object).unwrap()
}

/// Checks `server`'s signature on `document` with the key `document` itself publishes.
fn assert_self_signed(document: &Value, server: &str) {
    let (key_id, key) = document["verify_keys"]
        .as_object()
        .unwrap()
        .iter()
        .next()
        .unwrap();
    let public = plexus_signature_bytes(key["key"].as_str().unwrap());
    assert_signed_by(document, server, key_id, &public);
}

fn assert_signed_by(document: &Value, server: &str, key_id: &str, public: &[u8]) {
    let sig = document["signatures"][server][key_id]
        .as_str()
        .unwrap_or_else(|| panic!("no {server} sig"));
    let object: CanonicalJsonObject = serde_json::from_value(document.clone()).unwrap();
    let canonical = to_canonical_json_string_for_signing(&object).unwrap();
    verify_canonical_json_bytes(
        &SigningKeyAlgorithm::Ed25519,
        public,
        &plexus_signature_bytes(sig),
        canonical.as_bytes(),
    )
    .unwrap_or_else(|e| panic!("signature of {server} with {key_id} does not verify: {e}"));
}

fn plexus_signature_bytes(b64: &str) -> Vec<u8> {
    ruma::serde::Base64::<ruma::serde::base64::Standard, Vec<u8>>::parse(b64)
        .unwrap()
        .into_inner()
}

async fn start_plexus(pki: &Pki) -> (TestServer, String) {
    let port = free_port();
    let env = [
        ("PLEXUS_FEDERATION_ENABLED", "true".to_owned()),
        ("PLEXUS_FEDERATION_LISTEN", format!("127.0.0.1:{port}")),
        ("PLEXUS_FEDERATION_TLS_CERT", pki.path("cert.pem")),
        ("PLEXUS_FEDERATION_TLS_KEY", pki.path("key.pem")),
        ("PLEXUS_FEDERATION_CA_FILE", pki.path("ca.pem")),
        ("PLEXUS_FEDERATION_IP_RANGE_DENYLIST", String::new()),
    ];
    let options = ServerOptions {
        extra_env: env.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
        ..ServerOptions::default()
    };
    (
        TestServer::start(options).await,
        format!("https://127.0.0.1:{port}"),
    )
}

#[tokio::test]
async fn key_document_over_tls_is_signed_with_the_published_key() {
    let pki = Pki::new();
    let (server, base) = start_plexus(&pki).await;
    let http = pki.client();
    let document: Value = http
        .get(format!("{base}/_matrix/key/v2/server"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(document["server_name"], server.server_name());
    assert!(document["valid_until_ts"].as_u64().unwrap() > plexus_core::time::now_millis());
    assert!(document["old_verify_keys"].is_object());
    assert_self_signed(&document, server.server_name());

    let version: Value = http
        .get(format!("{base}/_matrix/federation/v1/version"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(version["server"]["name"], "Plexus");
    let unknown = http
        .get(format!("{base}/_matrix/federation/v1/nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    assert_eq!(
        unknown.json::<Value>().await.unwrap()["errcode"],
        "M_UNRECOGNIZED"
    );
}

#[tokio::test]
async fn signed_requests_are_accepted_and_bad_ones_get_401() {
    let pki = Pki::new();
    let (server, base) = start_plexus(&pki).await;
    let (remote, remote_key) = spawn_remote(&pki).await;
    let alice = server.client().register("alice").await;
    alice
        .put(
            "/_matrix/client/v3/profile/@alice:localhost/displayname",
            &json!({"displayname": "Alice"}),
        )
        .await
        .ok();
    let http = pki.client();
    let uri = "/_matrix/federation/v1/query/profile?user_id=%40alice%3Alocalhost";
    let send = |authorization: Option<String>| {
        let mut request = http.get(format!("{base}{uri}"));
        if let Some(value) = authorization {
            request = request.header("Authorization", value);
        }
        async move {
            let response = request.send().await.unwrap();
            (
                response.status().as_u16(),
                response.json::<Value>().await.unwrap(),
            )
        }
    };
    let request = |destination: &'static str| SignedRequest {
        method: "GET",
        uri,
        origin: &remote,
        destination,
        content: None,
    };

    let (status, body) = send(Some(
        request("localhost").authorization(&remote_key).unwrap(),
    ))
    .await;
    assert_eq!(
        (status, &body["displayname"]),
        (200, &json!("Alice")),
        "{body}"
    );

    let (status, body) = send(None).await;
    assert_eq!(
        (status, body["errcode"].as_str()),
        (401, Some("M_UNAUTHORIZED")),
        "{body}"
    );

    let forger = SigningKey::from_pkcs8(
        remote.as_str().try_into().unwrap(),
        &SigningKey::generate_pkcs8(),
        "remote1",
    )
    .unwrap();
    let (status, body) = send(Some(request("localhost").authorization(&forger).unwrap())).await;
    assert_eq!(
        (status, body["errcode"].as_str()),
        (401, Some("M_UNAUTHORIZED")),
        "{body}"
    );

    let (status, body) = send(Some(
        request("elsewhere.example")
            .authorization(&remote_key)
            .unwrap(),
    ))
    .await;
    assert_eq!(
        (status, body["errcode"].as_str()),
        (401, Some("M_UNAUTHORIZED")),
        "{body}"
    );

    // As a notary, Plexus now answers for the remote's keys, co-signed.
    let answer: Value = http
        .get(format!("{base}/_matrix/key/v2/query/{remote}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let response = &answer["server_keys"][0];
    assert_self_signed(response, &remote);
    let ours: Value = http
        .get(format!("{base}/_matrix/key/v2/server"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let (our_key_id, our_key) = ours["verify_keys"]
        .as_object()
        .unwrap()
        .iter()
        .next()
        .unwrap();
    let our_public = plexus_signature_bytes(our_key["key"].as_str().unwrap());
    assert_signed_by(response, server.server_name(), our_key_id, &our_public);
}
