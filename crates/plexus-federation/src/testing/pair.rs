//! Two federating servers in one process, for tests of the room pipeline:
//! each has its own data directory, signing key and TLS listener on
//! loopback, and trusts the other through one test CA.

use std::sync::Arc;

use plexus_core::{config::FederationConfig, Config};
use plexus_service::{remote::Remote, rooms::CreateRoom, Services};
use ruma::{OwnedRoomId, OwnedUserId};

use crate::Federation;

/// One server of a [`pair`].
pub struct Node {
    pub federation: Arc<Federation>,
    pub name: String,
    _dir: tempfile::TempDir,
}

impl Node {
    pub fn services(&self) -> &Arc<Services> {
        &self.federation.services
    }

    pub async fn user(&self, localpart: &str) -> OwnedUserId {
        self.services()
            .create_user(localpart, None, false)
            .await
            .unwrap()
    }

    /// A public room created by `creator`, in the default room version.
    pub async fn public_room(&self, creator: &OwnedUserId) -> OwnedRoomId {
        let request = CreateRoom {
            public: true,
            ..CreateRoom::default()
        };
        self.services().create_room(creator, request).await.unwrap()
    }
}

/// Two servers, `a` and `b`, sharing one test CA.
pub struct Pair {
    pub a: Node,
    pub b: Node,
    _pki: tempfile::TempDir,
}

pub async fn pair() -> Pair {
    let pki = tempfile::tempdir().unwrap();
    super::write_pki(&pki);
    let a = node(&pki).await;
    let b = node(&pki).await;
    Pair { a, b, _pki: pki }
}

async fn node(pki: &tempfile::TempDir) -> Node {
    let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let name = format!("127.0.0.1:{}", tcp.local_addr().unwrap().port());
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        server_name: name.as_str().try_into().unwrap(),
        data_dir: dir.path().to_owned(),
        federation: FederationConfig {
            enabled: true,
            ca_file: Some(pki.path().join("ca.pem")),
            ip_range_denylist: vec![],
            request_timeout_secs: 10,
            ..FederationConfig::default()
        },
        ..Config::default()
    };
    let services = Services::open(config).unwrap();
    let federation = Federation::new(services.clone()).unwrap();
    let remote: Arc<dyn Remote> = federation.clone();
    services.install_remote(Arc::downgrade(&remote));
    let tls = crate::tls::server_config(&pki.path().join("cert.pem"), &pki.path().join("key.pem"))
        .unwrap();
    let listener = crate::tls::TlsListener::new(tcp, tls).unwrap();
    let app = crate::router_for(federation.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    Node {
        federation,
        name,
        _dir: dir,
    }
}
