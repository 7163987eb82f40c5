//! Federation harness: servers that federate with each other on loopback
//! over TLS, with certificate checks on.
//!
//! A scenario takes two [`FederatedServer`]s, whatever they run: the same
//! body covers Plexus→Synapse, Synapse→Plexus and Plexus→Plexus. Start a
//! pair with [`Federation::start`]; each server offers `server_name()`,
//! `client()` and `register_user(localpart)`. When a test panics, dropping a
//! server prints the tail of its log, so a failure shows both sides.
//!
//! - [`tls`]: the test CA and per-server certificates (rcgen).
//! - [`plexus`]: the `plexus` binary with federation enabled.
//! - [`synapse`]: Synapse from PyPI in the tests' own virtualenv.
//! - [`wait`]: bounded polling of a server until a condition holds.
//! - [`rooms`]: joining through a server, a room shared by `a` and `b`.

pub mod plexus;
pub mod process;
pub mod rooms;
pub mod synapse;
pub mod tls;
pub mod wait;

use crate::Client;
pub use plexus::FederatedPlexus;
pub use synapse::SynapseServer;
pub use tls::{ServerCert, TestPki};

/// Which homeserver implementation a [`FederatedServer`] runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Plexus,
    Synapse,
}

/// One federating homeserver of a test.
pub enum FederatedServer {
    Plexus(FederatedPlexus),
    Synapse(SynapseServer),
}

impl FederatedServer {
    /// Starts a server of `kind` with `cert`, trusting the CA in `ca_file`.
    pub async fn start(kind: Kind, cert: &ServerCert, ca_file: &std::path::Path) -> Self {
        match kind {
            Kind::Plexus => Self::Plexus(FederatedPlexus::start(cert, ca_file).await),
            Kind::Synapse => Self::Synapse(SynapseServer::start(cert, ca_file).await),
        }
    }

    pub fn kind(&self) -> Kind {
        match self {
            Self::Plexus(_) => Kind::Plexus,
            Self::Synapse(_) => Kind::Synapse,
        }
    }

    /// `127.0.0.1:<federation port>`: the name in its user and room IDs.
    pub fn server_name(&self) -> &str {
        match self {
            Self::Plexus(server) => server.server_name(),
            Self::Synapse(server) => server.server_name(),
        }
    }

    /// `https://127.0.0.1:<federation port>`.
    pub fn federation_url(&self) -> String {
        format!("https://{}", self.server_name())
    }

    /// An anonymous client-server API client.
    pub fn client(&self) -> Client {
        match self {
            Self::Plexus(server) => server.client(),
            Self::Synapse(server) => server.client(),
        }
    }

    /// Registers `localpart` (open registration) and returns its session.
    pub async fn register_user(&self, localpart: &str) -> Client {
        self.client().register(localpart).await
    }

    /// `@localpart:<server name>`.
    pub fn user_id(&self, localpart: &str) -> String {
        format!("@{localpart}:{}", self.server_name())
    }

    /// Stops the process gracefully (SIGTERM); `restart` brings it back.
    pub fn stop(&mut self) {
        match self {
            Self::Plexus(server) => {
                server.server.stop();
            }
            Self::Synapse(server) => server.stop(),
        }
    }

    /// Kills the process with SIGKILL (a crash); `restart` brings it back.
    pub fn kill9(&mut self) {
        match self {
            Self::Plexus(server) => server.server.kill9(),
            Self::Synapse(server) => server.kill9(),
        }
    }

    /// Starts it again on the same ports with the same data.
    pub async fn restart(&mut self) {
        match self {
            Self::Plexus(server) => server.server.restart().await,
            Self::Synapse(server) => server.restart().await,
        }
    }

    /// The last `lines` lines of its log.
    pub fn log_tail(&self, lines: usize) -> String {
        match self {
            Self::Plexus(server) => {
                let log = server.server.log();
                let all: Vec<&str> = log.lines().collect();
                all[all.len().saturating_sub(lines)..].join("\n")
            }
            Self::Synapse(server) => server.log_tail(lines),
        }
    }
}

impl Drop for FederatedServer {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "===== log of {:?} {} (last 80 lines) =====\n{}\n===== end of log =====",
                self.kind(),
                self.server_name(),
                self.log_tail(80)
            );
        }
    }
}

/// Two federating servers sharing one test CA. The CA's directory lives as
/// long as the pair, so restarted servers still find their certificates.
pub struct Federation {
    pub a: FederatedServer,
    pub b: FederatedServer,
    pub pki: TestPki,
}

impl Federation {
    /// Starts `a` and `b` side by side (Synapse's start dominates).
    pub async fn start(a: Kind, b: Kind) -> Federation {
        let mut pki = TestPki::new();
        let (cert_a, cert_b) = (pki.issue(), pki.issue());
        let ca_file = pki.ca_file();
        if a == Kind::Synapse || b == Kind::Synapse {
            // Install (once) before both servers race for the lock.
            synapse::synapse_python();
        }
        let (a, b) = tokio::join!(
            FederatedServer::start(a, &cert_a, &ca_file),
            FederatedServer::start(b, &cert_b, &ca_file)
        );
        Federation { a, b, pki }
    }

    /// An https client for federation URLs that trusts the test CA.
    pub fn https_client(&self) -> reqwest::Client {
        let pem = std::fs::read(self.pki.ca_file()).expect("read CA");
        let ca = reqwest::Certificate::from_pem(&pem).expect("parse CA");
        reqwest::Client::builder()
            .add_root_certificate(ca)
            .timeout(crate::client::REQUEST_TIMEOUT)
            .build()
            .expect("https client")
    }
}

impl Kind {
    /// `("plexus_to_synapse")` → `(Plexus, Synapse)`: the kinds a test named
    /// by [`federation_scenario!`](crate::federation_scenario) runs.
    pub fn pair(name: &str) -> (Kind, Kind) {
        let parse = |part: &str| match part {
            "plexus" => Kind::Plexus,
            "synapse" => Kind::Synapse,
            other => panic!("unknown server kind {other:?} in {name:?}"),
        };
        let (a, b) = name
            .split_once("_to_")
            .unwrap_or_else(|| panic!("{name:?} is not <kind>_to_<kind>"));
        (parse(a), parse(b))
    }
}

/// Runs one scenario `async fn scenario(a: Kind, b: Kind)` for each listed
/// pair, as one test per pair in a module named after the scenario:
/// `federation_scenario!(invite_and_join, [plexus_to_synapse, synapse_to_plexus]);`
/// makes `invite_and_join::plexus_to_synapse` etc. (`a` acts, `b` is the peer).
#[macro_export]
macro_rules! federation_scenario {
    ($scenario:ident, [$($pair:ident),+ $(,)?]) => {
        mod $scenario {
            $(
                #[tokio::test]
                async fn $pair() {
                    let (a, b) = $crate::federation::Kind::pair(stringify!($pair));
                    super::$scenario(a, b).await
                }
            )+
        }
    };
}
