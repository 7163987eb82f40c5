//! `plexus user …` run against a [`TestServer`]'s configuration (offline or,
//! while the server runs, through its admin socket), with a time limit.

use std::io::Write;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use crate::TestServer;

/// How long one `plexus user` invocation may take.
pub const CLI_TIMEOUT: Duration = Duration::from_secs(30);

impl TestServer {
    /// `plexus user create NAME [--admin] --password-stdin`.
    pub fn cli_create_user(&self, name: &str, password: &str, admin: bool) -> Output {
        let mut args = vec!["user", "create", name, "--password-stdin"];
        if admin {
            args.push("--admin");
        }
        self.run_cli(&args, password)
    }

    /// `plexus user reset-password NAME --password-stdin`.
    pub fn cli_reset_password(&self, name: &str, password: &str) -> Output {
        self.run_cli(
            &["user", "reset-password", name, "--password-stdin"],
            password,
        )
    }

    /// Runs the binary with `args`, feeding `stdin`; killed after [`CLI_TIMEOUT`].
    pub fn run_cli(&self, args: &[&str], stdin: &str) -> Output {
        self.run_cli_with_env(args, &[], stdin)
    }

    /// [`run_cli`](Self::run_cli) with extra (overriding) environment variables.
    pub fn run_cli_with_env(&self, args: &[&str], env: &[(&str, &str)], stdin: &str) -> Output {
        self.try_run_cli(args, env, stdin, CLI_TIMEOUT)
            .unwrap_or_else(|| panic!("plexus {args:?} did not finish within {CLI_TIMEOUT:?}"))
    }

    /// Runs the binary; `None` if it was still running after `limit` (it is
    /// then killed).
    pub fn try_run_cli(
        &self,
        args: &[&str],
        env: &[(&str, &str)],
        stdin: &str,
        limit: Duration,
    ) -> Option<Output> {
        let mut child = self
            .command()
            .args(args)
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn plexus");
        {
            let mut pipe = child.stdin.take().expect("stdin pipe");
            pipe.write_all(stdin.as_bytes()).expect("write stdin");
        }
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if child.try_wait().expect("try_wait").is_some() {
                return Some(child.wait_with_output().expect("collect output"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
        None
    }
}
