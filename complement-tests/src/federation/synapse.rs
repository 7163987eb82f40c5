//! [`SynapseServer`]: a Synapse (the reference homeserver) from the tests'
//! own virtualenv, with SQLite in a temporary directory, the client API on
//! plain HTTP and the federation API on TLS, killed when dropped.

mod config;
mod install;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub use config::SynapseLayout;
pub use install::{synapse_python, SYNAPSE_VERSION};

use crate::federation::process::{die_with_parent, free_port, log_tail, signal};
use crate::federation::tls::ServerCert;
use crate::Client;

/// How long Synapse may take to answer `/versions` after spawning.
pub const SYNAPSE_START_TIMEOUT: Duration = Duration::from_secs(60);
/// Starts tried with fresh ports before giving up.
const START_ATTEMPTS: usize = 3;
/// How long a SIGTERM may take before SIGKILL.
const SYNAPSE_STOP_TIMEOUT: Duration = Duration::from_secs(15);

/// One Synapse process (or a stopped one, between `stop` and `restart`).
pub struct SynapseServer {
    root: tempfile::TempDir,
    server_name: String,
    client_port: u16,
    child: Option<Child>,
}

impl SynapseServer {
    /// Writes a config for a fresh instance and starts it. A port taken
    /// by someone else between choosing it and Synapse binding it (Python
    /// needs seconds to get there) makes Synapse exit: then it is tried
    /// again with new ports, up to three times.
    pub async fn start(cert: &ServerCert, ca_file: &Path) -> SynapseServer {
        let python = synapse_python();
        let mut failures = Vec::new();
        for _ in 0..START_ATTEMPTS {
            let mut server = Self::configure(cert, ca_file);
            match server.spawn_and_wait(&python).await {
                Ok(()) => return server,
                Err(failure) => failures.push(failure),
            }
        }
        panic!("synapse did not start:\n{}", failures.join("\n\n"));
    }

    /// A fresh directory with a config on newly chosen free ports.
    fn configure(cert: &ServerCert, ca_file: &Path) -> SynapseServer {
        let root = tempfile::Builder::new()
            .prefix("synapse-ct-")
            .tempdir()
            .expect("temp dir");
        let federation_port = free_port();
        let server_name = format!("127.0.0.1:{federation_port}");
        let client_port = free_port();
        SynapseLayout {
            dir: root.path(),
            server_name: &server_name,
            client_port,
            federation_port,
            cert,
            ca_file,
        }
        .write();
        SynapseServer {
            root,
            server_name,
            client_port,
            child: None,
        }
    }

    pub fn server_name(&self) -> &str {
        &self.server_name
    }

    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.client_port)
    }

    pub fn client(&self) -> Client {
        Client::new(&self.base_url())
    }

    pub fn dir(&self) -> &Path {
        self.root.path()
    }

    fn log_path(&self) -> PathBuf {
        self.root.path().join("homeserver.log")
    }

    /// The last `lines` lines of Synapse's log and of its stdout/stderr.
    pub fn log_tail(&self, lines: usize) -> String {
        format!(
            "{}\n--- stdout/stderr ---\n{}",
            log_tail(&self.log_path(), lines),
            log_tail(&self.root.path().join("stdout.log"), 20)
        )
    }

    async fn spawn_and_wait(&mut self, python: &Path) -> Result<(), String> {
        assert!(self.child.is_none(), "synapse already running");
        let out = File::options()
            .create(true)
            .append(true)
            .open(self.root.path().join("stdout.log"))
            .expect("stdout log");
        let mut command = Command::new(python);
        command
            .args(["-m", "synapse.app.homeserver", "-c"])
            .arg(self.root.path().join("homeserver.yaml"))
            .current_dir(self.root.path())
            .stdin(Stdio::null())
            .stdout(out.try_clone().expect("stdout log"))
            .stderr(out);
        die_with_parent(&mut command);
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("spawning synapse: {e}"));
        self.child = Some(child);
        self.wait_ready().await
    }

    /// Waits until this instance (its server name, not just anything on
    /// the port) answers on the client port. `Err` when the process exits.
    async fn wait_ready(&mut self) -> Result<(), String> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()
            .expect("http");
        let url = format!("{}/_matrix/key/v2/server", self.base_url());
        let deadline = Instant::now() + SYNAPSE_START_TIMEOUT;
        while Instant::now() < deadline {
            if let Some(child) = self.child.as_mut() {
                if let Some(status) = child.try_wait().expect("try_wait") {
                    self.child = None;
                    let log = self.log_tail(40);
                    return Err(format!("synapse exited during start ({status}):\n{log}"));
                }
            }
            if let Ok(response) = http.get(&url).send().await {
                let body: serde_json::Value = response.json().await.unwrap_or_default();
                if body["server_name"] == self.server_name.as_str() {
                    return Ok(());
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "synapse not ready within {SYNAPSE_START_TIMEOUT:?}:\n{}",
            self.log_tail(40)
        );
    }

    /// SIGTERM, then SIGKILL if it has not exited within 15 s.
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        signal(&child, libc::SIGTERM);
        let deadline = Instant::now() + SYNAPSE_STOP_TIMEOUT;
        while Instant::now() < deadline {
            if child.try_wait().expect("try_wait").is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
    }

    /// SIGKILL (a crash) and reap.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            signal(&child, libc::SIGKILL);
            let _ = child.wait();
        }
    }

    /// Starts the same instance again (same ports, database and keys).
    pub async fn restart(&mut self) {
        self.stop();
        let python = synapse_python();
        if let Err(failure) = self.spawn_and_wait(&python).await {
            panic!("synapse did not restart: {failure}");
        }
    }

    pub fn is_running(&self) -> bool {
        self.child.is_some()
    }

    /// Synapse's signing key as `(key ID, 32-byte ed25519 seed)`: the tests
    /// wrote it, so they can sign requests and events as this server.
    pub fn signing_key(&self) -> (String, [u8; 32]) {
        use base64::Engine;
        let text = std::fs::read_to_string(self.root.path().join("signing.key"))
            .expect("read signing.key");
        let mut parts = text.split_whitespace();
        let (algorithm, version, seed) = (parts.next(), parts.next(), parts.next());
        let seed = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(seed.expect("seed"))
            .expect("base64 seed");
        let key_id = format!("{}:{}", algorithm.expect("alg"), version.expect("version"));
        (key_id, seed.try_into().expect("32-byte seed"))
    }
}

impl Drop for SynapseServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
