//! [`TestPki`]: a throw-away certificate authority and one certificate per
//! federating server, written as PEM files to a temporary directory.
//!
//! Every server of a test trusts the CA (Plexus through `ca_file`, Synapse
//! through `federation_custom_ca_list`), so certificate checks stay on.

use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, Certificate, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};

/// PEM files of one server: certificate chain and private key (PKCS#8).
#[derive(Clone, Debug)]
pub struct ServerCert {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// The test CA (its key kept in memory) and the directory its files live in.
pub struct TestPki {
    dir: tempfile::TempDir,
    ca_cert: Certificate,
    ca_key: KeyPair,
    issued: usize,
}

impl TestPki {
    /// A new CA, written to `ca.pem` in a fresh temporary directory.
    pub fn new() -> TestPki {
        let dir = tempfile::Builder::new()
            .prefix("plexus-pki-")
            .tempdir()
            .expect("temp dir");
        let ca_key = KeyPair::generate().expect("CA key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        // Explicit usages: OpenSSL (Synapse's side) checks them strictly.
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        params
            .distinguished_name
            .push(DnType::CommonName, "Plexus federation test CA");
        let ca_cert = params.self_signed(&ca_key).expect("self-sign CA");
        std::fs::write(dir.path().join("ca.pem"), ca_cert.pem()).expect("write ca.pem");
        TestPki {
            dir,
            ca_cert,
            ca_key,
            issued: 0,
        }
    }

    /// The CA certificate (PEM) every server trusts.
    pub fn ca_file(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// A new certificate for `127.0.0.1` and `localhost`, signed by the CA.
    pub fn issue(&mut self) -> ServerCert {
        self.issued += 1;
        let key = KeyPair::generate().expect("server key");
        let mut params =
            CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
                .expect("server params");
        params
            .distinguished_name
            .push(DnType::CommonName, "127.0.0.1");
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        params.extended_key_usages = vec![
            ExtendedKeyUsagePurpose::ServerAuth,
            ExtendedKeyUsagePurpose::ClientAuth,
        ];
        params.use_authority_key_identifier_extension = true;
        let cert = params
            .signed_by(&key, &self.ca_cert, &self.ca_key)
            .expect("sign server certificate");
        let paths = ServerCert {
            cert: self.dir.path().join(format!("server{}.pem", self.issued)),
            key: self.dir.path().join(format!("server{}.key", self.issued)),
        };
        std::fs::write(&paths.cert, cert.pem()).expect("write certificate");
        std::fs::write(&paths.key, key.serialize_pem()).expect("write key");
        paths
    }
}

impl Default for TestPki {
    fn default() -> Self {
        Self::new()
    }
}
