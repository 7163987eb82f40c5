//! `plexus-load` binary entry point: parses the command line and dispatches.

use anyhow::Result;
use clap::Parser;
use plexus_load::cli::{Cli, Command};
use plexus_load::scenarios::Scenario;
use plexus_load::{ceiling, guard, ready, runner};
use std::time::Duration;

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    let (common, scenario) = match cli.command {
        Command::Ceiling {
            listen,
            allow_non_loopback,
            max_seconds,
        } => {
            guard::check_listen(listen, allow_non_loopback)?;
            let listener = tokio::net::TcpListener::bind(listen).await?;
            eprintln!("ceiling listening on http://{}", listener.local_addr()?);
            let stop = tokio::time::sleep(Duration::from_secs(max_seconds));
            return ceiling::serve(listener, stop).await;
        }
        Command::WaitReady {
            url,
            allow_non_loopback,
            since_unix_ns,
            pid,
            timeout,
        } => {
            let base = guard::check_target(&url, allow_non_loopback)?;
            let took =
                ready::wait_ready(base, since_unix_ns, pid, Duration::from_secs(timeout)).await?;
            println!("{:.1}", took.as_secs_f64() * 1000.0);
            return Ok(());
        }
        Command::Chat {
            common,
            users,
            messages,
            drain_seconds,
        } => {
            let s = Scenario::Chat {
                users: users as usize,
                messages: messages as usize,
                drain: Duration::from_secs(drain_seconds),
            };
            (common, s)
        }
        Command::Register { common, users } => (
            common,
            Scenario::Register {
                users: users as usize,
            },
        ),
        Command::InitialSync {
            common,
            rooms,
            members,
            events,
        } => {
            let s = Scenario::InitialSync {
                rooms: rooms as usize,
                members: members as usize,
                events: events as usize,
            };
            (common, s)
        }
        Command::Rooms {
            common,
            rooms,
            joiners,
        } => (
            common,
            Scenario::Rooms {
                rooms: rooms as usize,
                joiners: joiners as usize,
            },
        ),
    };
    let report = runner::run(&common, scenario).await?;
    if !common.quiet {
        print!("{}", report.table());
    }
    Ok(())
}
