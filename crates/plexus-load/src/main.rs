//! `plexus-load` binary entry point: parses the command line and dispatches.

use anyhow::Result;
use clap::Parser;
use plexus_load::cli::{Cli, Command};
use plexus_load::{ceiling, guard, ready, runner};
use std::time::Duration;

#[tokio::main]
async fn main() -> Result<()> {
    let command = match Cli::parse().command.into_scenario() {
        Ok((common, scenario)) => {
            let report = runner::run(&common, scenario).await?;
            if !common.quiet {
                print!("{}", report.table());
            }
            return Ok(());
        }
        Err(other) => other,
    };
    match *command {
        Command::Ceiling {
            listen,
            allow_non_loopback,
            max_seconds,
        } => {
            guard::check_listen(listen, allow_non_loopback)?;
            let listener = tokio::net::TcpListener::bind(listen).await?;
            eprintln!("ceiling listening on http://{}", listener.local_addr()?);
            let stop = tokio::time::sleep(Duration::from_secs(max_seconds));
            ceiling::serve(listener, stop).await
        }
        Command::WaitReady {
            url,
            allow_non_loopback,
            since_unix_ns,
            pid,
            timeout,
        } => {
            let base = guard::check_target(&url, allow_non_loopback)?;
            let timeout = Duration::from_secs(timeout);
            let took = ready::wait_ready(base, since_unix_ns, pid, timeout).await?;
            println!("{:.1}", took.as_secs_f64() * 1000.0);
            Ok(())
        }
        _ => unreachable!("scenarios were handled above"),
    }
}
