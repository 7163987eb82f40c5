//! The Synapse the tests federate with: `matrix-synapse` from PyPI, pinned,
//! in a virtualenv owned by the tests (`$PLEXUS_SYNAPSE_VENV`, default
//! `$HOME/.cache/plexus/synapse-venv`), created once and reused.
//!
//! Test processes run in parallel (one per test file), so creation happens
//! under an exclusive `flock` on `<venv>.lock`; a marker file naming the
//! version is written last, so a half-made virtualenv is never used.

use std::fs::File;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The Synapse release the tests pin (what `pip` resolved on 2026-11-23).
pub const SYNAPSE_VERSION: &str = "1.163.2";
/// Bound on creating the virtualenv and installing Synapse into it.
const INSTALL_TIMEOUT: Duration = Duration::from_secs(600);

/// The virtualenv's python, installing Synapse first if needed.
pub fn synapse_python() -> PathBuf {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(ensure_installed).clone()
}

fn venv_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("PLEXUS_SYNAPSE_VENV") {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME").expect("HOME or PLEXUS_SYNAPSE_VENV must be set");
    PathBuf::from(home).join(".cache/plexus/synapse-venv")
}

fn ensure_installed() -> PathBuf {
    let venv = venv_dir();
    let marker = venv.join(format!(".plexus-synapse-{SYNAPSE_VERSION}"));
    let python = venv.join("bin/python");
    if marker.is_file() {
        return python;
    }
    let parent = venv.parent().expect("venv has a parent directory");
    std::fs::create_dir_all(parent).expect("create venv parent");
    let _lock = lock(&venv.with_extension("lock"));
    if !marker.is_file() {
        install(&venv);
        std::fs::write(&marker, SYNAPSE_VERSION).expect("write venv marker");
    }
    python
}

/// Holds an exclusive `flock` until dropped (closing the file releases it).
fn lock(path: &Path) -> File {
    let file = File::create(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let deadline = Instant::now() + INSTALL_TIMEOUT;
    loop {
        // SAFETY: flock on a descriptor we own.
        let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        if rc == 0 {
            return file;
        }
        assert!(
            Instant::now() < deadline,
            "another test process held {} for {INSTALL_TIMEOUT:?}",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn install(venv: &Path) {
    let started = Instant::now();
    eprintln!(
        "installing matrix-synapse {SYNAPSE_VERSION} into {}",
        venv.display()
    );
    if venv.exists() {
        std::fs::remove_dir_all(venv).expect("remove half-made venv");
    }
    run(Command::new("python3").arg("-m").arg("venv").arg(venv));
    run(Command::new(venv.join("bin/pip"))
        .args(["install", "--quiet", "--disable-pip-version-check"])
        .arg(format!("matrix-synapse=={SYNAPSE_VERSION}")));
    eprintln!(
        "installed Synapse in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

/// Runs `command` to completion within [`INSTALL_TIMEOUT`]; panics on failure.
fn run(command: &mut Command) {
    let description = format!("{command:?}");
    let mut child = command
        .stdin(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{description}: {e} (is python3-venv installed?)"));
    let deadline = Instant::now() + INSTALL_TIMEOUT;
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            assert!(status.success(), "{description} failed: {status}");
            return;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{description} took longer than {INSTALL_TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
