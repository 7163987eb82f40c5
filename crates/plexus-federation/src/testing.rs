//! Test helpers: a TLS server on loopback with a certificate for 127.0.0.1
//! issued by a CA made on the spot (rcgen), serving any axum router.

pub mod pair;

use std::path::PathBuf;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};

/// A peer on `127.0.0.1:<port>` (its server name) speaking https.
pub struct TlsPeer {
    dir: tempfile::TempDir,
    pub name: String,
}

impl TlsPeer {
    pub async fn start(app: axum::Router) -> TlsPeer {
        let dir = tempfile::tempdir().unwrap();
        write_pki(&dir);
        let tls =
            crate::tls::server_config(&dir.path().join("cert.pem"), &dir.path().join("key.pem"))
                .unwrap();
        let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let name = format!("127.0.0.1:{}", tcp.local_addr().unwrap().port());
        let listener = crate::tls::TlsListener::new(tcp, tls).unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        TlsPeer { dir, name }
    }

    /// The CA certificate (PEM) that issued the peer's certificate.
    pub fn ca(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }
}

pub(crate) fn write_pki(dir: &tempfile::TempDir) {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "plexus-federation test CA");
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .unwrap()
        .signed_by(&key, &ca_cert, &ca_key)
        .unwrap();
    std::fs::write(dir.path().join("ca.pem"), ca_cert.pem()).unwrap();
    std::fs::write(dir.path().join("cert.pem"), cert.pem()).unwrap();
    std::fs::write(dir.path().join("key.pem"), key.serialize_pem()).unwrap();
}
