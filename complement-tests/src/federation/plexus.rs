//! [`FederatedPlexus`]: the real `plexus` binary with federation on, named
//! `127.0.0.1:<federation port>`, serving the federation API over TLS with a
//! certificate from the test CA and trusting only that CA (plus the web
//! roots) for its own outbound requests — certificate checks stay on.

use crate::federation::process::free_port;
use crate::federation::tls::ServerCert;
use crate::{Client, ServerOptions, TestServer};

/// A federating Plexus; the wrapped [`TestServer`] owns the process.
pub struct FederatedPlexus {
    pub server: TestServer,
    server_name: String,
}

impl FederatedPlexus {
    /// Starts a Plexus that federates on a free loopback port.
    pub async fn start(cert: &ServerCert, ca_file: &std::path::Path) -> FederatedPlexus {
        let federation_port = free_port();
        let server_name = format!("127.0.0.1:{federation_port}");
        let path = |p: &std::path::Path| p.display().to_string();
        let env = [
            // Later entries override the harness's `localhost` and `warn`.
            ("PLEXUS_SERVER_NAME", server_name.clone()),
            (
                "PLEXUS_LOG_LEVEL",
                "info,plexus_federation=debug".to_owned(),
            ),
            ("PLEXUS_FEDERATION_ENABLED", "true".to_owned()),
            ("PLEXUS_FEDERATION_LISTEN", server_name.clone()),
            ("PLEXUS_FEDERATION_TLS_CERT", path(&cert.cert)),
            ("PLEXUS_FEDERATION_TLS_KEY", path(&cert.key)),
            ("PLEXUS_FEDERATION_CA_FILE", path(ca_file)),
            ("PLEXUS_FEDERATION_VERIFY_TLS", "true".to_owned()),
            ("PLEXUS_FEDERATION_IP_RANGE_DENYLIST", String::new()),
        ];
        let options = ServerOptions {
            extra_env: env.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
            ..ServerOptions::default()
        };
        FederatedPlexus {
            server: TestServer::start(options).await,
            server_name,
        }
    }

    pub fn server_name(&self) -> &str {
        &self.server_name
    }

    /// `https://127.0.0.1:<federation port>`.
    pub fn federation_url(&self) -> String {
        format!("https://{}", self.server_name)
    }

    pub fn client(&self) -> Client {
        self.server.client()
    }
}
