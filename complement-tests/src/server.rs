//! [`TestServer`]: one `plexus serve` process on a free loopback port with
//! its own temporary data directory, killed when dropped.
//!
//! The process gets a clean environment as far as `PLEXUS_*` goes (the
//! server rejects unknown `PLEXUS_*` variables, and `PLEXUS_BIN` is one):
//! only the variables built from [`ServerOptions`] are set.

use std::fs::File;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crate::binary::plexus_binary;

/// How long a start may take before the test fails.
pub const START_TIMEOUT: Duration = Duration::from_secs(20);
/// How long a graceful stop may take before the test fails.
pub const STOP_TIMEOUT: Duration = Duration::from_secs(20);

/// The registration mode the server runs with.
#[derive(Clone, Debug)]
pub enum Registration {
    Open,
    Token(String),
    Closed,
}

/// Settings for [`TestServer::start`].
#[derive(Clone, Debug)]
pub struct ServerOptions {
    pub registration: Registration,
    pub rate_limits: bool,
    /// Additional `PLEXUS_*` variables (`("PLEXUS_FSYNC", "true")`).
    pub extra_env: Vec<(String, String)>,
}

impl Default for ServerOptions {
    fn default() -> Self {
        Self {
            registration: Registration::Open,
            rate_limits: false,
            extra_env: Vec::new(),
        }
    }
}

impl ServerOptions {
    pub fn registration(registration: Registration) -> Self {
        Self {
            registration,
            ..Self::default()
        }
    }
}

/// A running (or stopped, between `stop` and `restart`) server.
pub struct TestServer {
    options: ServerOptions,
    root: tempfile::TempDir,
    port: u16,
    child: Option<Child>,
}

impl TestServer {
    /// Starts a server with `options` and waits until `/versions` answers.
    pub async fn start(options: ServerOptions) -> TestServer {
        let root = tempfile::Builder::new()
            .prefix("plexus-ct-")
            .tempdir()
            .expect("temp dir");
        std::fs::write(root.path().join("config.toml"), "").expect("write config");
        std::fs::create_dir(root.path().join("data")).expect("create data dir");
        let mut server = TestServer {
            options,
            root,
            port: free_port(),
            child: None,
        };
        server.spawn_and_wait().await;
        server
    }

    /// Starts a server with the defaults (open registration, no rate limits).
    pub async fn start_default() -> TestServer {
        Self::start(ServerOptions::default()).await
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// An anonymous [`Client`](crate::Client) for this server.
    pub fn client(&self) -> crate::Client {
        crate::Client::new(&self.base_url())
    }

    pub fn server_name(&self) -> &'static str {
        "localhost"
    }

    pub fn data_dir(&self) -> PathBuf {
        self.root.path().join("data")
    }

    fn config_path(&self) -> PathBuf {
        self.root.path().join("config.toml")
    }

    fn log_path(&self) -> PathBuf {
        self.root.path().join("server.log")
    }

    /// The server's standard error so far (for failure messages).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    /// A `Command` for the plexus binary with this server's environment.
    pub fn command(&self) -> Command {
        let mut command = Command::new(plexus_binary());
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("PLEXUS_") {
                command.env_remove(key);
            }
        }
        command.arg("--config").arg(self.config_path());
        command.envs(self.env());
        command
    }

    fn env(&self) -> Vec<(String, String)> {
        let mut env = vec![
            ("PLEXUS_SERVER_NAME".into(), self.server_name().into()),
            (
                "PLEXUS_CLIENT_LISTEN".into(),
                format!("127.0.0.1:{}", self.port),
            ),
            (
                "PLEXUS_DATA_DIR".into(),
                self.data_dir().display().to_string(),
            ),
            ("PLEXUS_LOG_LEVEL".into(), "warn".into()),
            (
                "PLEXUS_RATE_LIMITS".into(),
                if self.options.rate_limits {
                    "on"
                } else {
                    "off"
                }
                .into(),
            ),
        ];
        let mode = match &self.options.registration {
            Registration::Open => "open",
            Registration::Closed => "closed",
            Registration::Token(token) => {
                env.push(("PLEXUS_REGISTRATION_TOKEN".into(), token.clone()));
                "token"
            }
        };
        env.push(("PLEXUS_REGISTRATION".into(), mode.into()));
        env.extend(self.options.extra_env.iter().cloned());
        env
    }

    async fn spawn_and_wait(&mut self) {
        assert!(self.child.is_none(), "server already running");
        let log = File::options()
            .create(true)
            .append(true)
            .open(self.log_path())
            .expect("log file");
        let mut command = self.command();
        die_with_parent(&mut command);
        let child = command
            .arg("serve")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("spawning {:?}: {e}", plexus_binary()));
        self.child = Some(child);
        self.wait_ready().await;
    }

    async fn wait_ready(&mut self) {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()
            .expect("http");
        let url = format!("{}/_matrix/client/versions", self.base_url());
        let deadline = Instant::now() + START_TIMEOUT;
        while Instant::now() < deadline {
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                self.child = None;
                panic!(
                    "plexus exited during start ({status}); log:\n{}",
                    self.log()
                );
            }
            if let Ok(response) = http.get(&url).send().await {
                if response.status() == 200 {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "plexus not ready within {START_TIMEOUT:?}; log:\n{}",
            self.log()
        );
    }

    /// Stops gracefully (SIGTERM) and waits for the exit; panics after
    /// [`STOP_TIMEOUT`].
    pub fn stop(&mut self) -> ExitStatus {
        match self.stop_within(STOP_TIMEOUT) {
            Some(status) => status,
            None => panic!(
                "plexus did not exit within {STOP_TIMEOUT:?} of SIGTERM; log:\n{}",
                self.log()
            ),
        }
    }

    /// Sends SIGTERM and waits up to `limit`. `None`: still running then, so
    /// it was SIGKILLed instead.
    pub fn stop_within(&mut self, limit: Duration) -> Option<ExitStatus> {
        let mut child = self.child.take().expect("server not running");
        signal(&child, libc::SIGTERM);
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Some(status) = child.try_wait().expect("try_wait") {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
        None
    }

    /// Kills the process with SIGKILL (a crash) and reaps it.
    pub fn kill9(&mut self) {
        let mut child = self.child.take().expect("server not running");
        signal(&child, libc::SIGKILL);
        child.wait().expect("wait after SIGKILL");
    }

    /// Starts the server again on the same port and data directory (after
    /// `stop` or `kill9`; a running server is stopped first).
    pub async fn restart(&mut self) {
        if self.child.is_some() {
            self.stop();
        }
        self.spawn_and_wait().await;
    }

    pub fn is_running(&self) -> bool {
        self.child.is_some()
    }

    pub fn root(&self) -> &Path {
        self.root.path()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The server gets SIGKILL if the test thread that spawned it dies without
/// running `Drop` (the test binary killed by a timeout), so no orphan keeps
/// running. The thread is the test's own, which outlives its servers.
fn die_with_parent(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: prctl is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        command.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

fn signal(child: &Child, signal: libc::c_int) {
    let pid = libc::pid_t::try_from(child.id()).expect("pid fits pid_t");
    // SAFETY: kill(2) with a pid we spawned and have not reaped yet.
    let rc = unsafe { libc::kill(pid, signal) };
    assert_eq!(rc, 0, "kill({pid}, {signal}) failed");
}

/// A loopback port that was free a moment ago.
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local addr").port()
}
