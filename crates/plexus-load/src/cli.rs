//! Command-line interface definitions (clap).

use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::scenarios::federation::FedScenario;
use crate::scenarios::Scenario;

/// Load generator and benchmark harness for Matrix homeservers (client-server API only).
#[derive(Debug, Parser)]
#[command(name = "plexus-load", version, about)]
pub struct Cli {
    /// Scenario to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Options shared by every scenario.
#[derive(Debug, Clone, Args)]
pub struct Common {
    /// Base URL of the homeserver.
    #[arg(long, default_value = "http://127.0.0.1:8008")]
    pub url: String,
    /// Allow a target that is not 127.0.0.0/8, ::1 or localhost.
    #[arg(long)]
    pub allow_non_loopback: bool,
    /// Hard limit on the whole scenario, in seconds (setup included).
    #[arg(long, default_value_t = 120, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub time_limit: u64,
    /// Write the report as JSON to this file.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Sample RSS and CPU of this server process from /proc.
    #[arg(long)]
    pub pid: Option<u32>,
    /// Label recorded in the report (e.g. plexus, synapse, ceiling).
    #[arg(long, default_value = "")]
    pub label: String,
    /// Requests in flight at once during setup and rate phases.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u64).range(1..=256))]
    pub concurrency: u64,
    /// Do not print the human-readable table.
    #[arg(long)]
    pub quiet: bool,
}

/// The scenarios.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// N users in one room, each long-polling /sync while sending M messages.
    Chat {
        #[command(flatten)]
        common: Common,
        /// Number of users.
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(2..=1000))]
        users: u64,
        /// Messages each user sends.
        #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=10000))]
        messages: u64,
        /// Seconds to wait after the last send for deliveries to arrive.
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(0..=300))]
        drain_seconds: u64,
    },
    /// N sign-ups, then N logins.
    Register {
        #[command(flatten)]
        common: Common,
        /// Number of users.
        #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u64).range(1..=100000))]
        users: u64,
    },
    /// Cold filtered initial /sync of a user in R rooms of K members with T events each.
    InitialSync {
        #[command(flatten)]
        common: Common,
        /// Rooms the measured user is in.
        #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=5000))]
        rooms: u64,
        /// Members per room (the measured user included).
        #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=1000))]
        members: u64,
        /// Messages sent into each room.
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(0..=10000))]
        events: u64,
    },
    /// Element X's launch: first sliding sync response, then incremental, in R rooms.
    SlidingSync {
        #[command(flatten)]
        common: Common,
        /// Rooms the measured user is in.
        #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=5000))]
        rooms: u64,
        /// Members per room (the measured user included).
        #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u64).range(1..=1000))]
        members: u64,
        /// Messages sent into each room.
        #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(0..=10000))]
        events: u64,
        /// Repetitions of each measurement (a fresh connection each for the first response).
        #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=1000))]
        repeats: u64,
    },
    /// Room creation rate, then join rate.
    Rooms {
        #[command(flatten)]
        common: Common,
        /// Rooms to create.
        #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=10000))]
        rooms: u64,
        /// Users that each join every room.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=100))]
        joiners: u64,
    },
    /// Federation delivery latency: a user on --url sends, one on --peer-url receives in /sync.
    FedLatency {
        #[command(flatten)]
        common: Common,
        /// Client API base URL of the receiving server (federating with --url).
        #[arg(long)]
        peer_url: String,
        /// Measured messages, sent one at a time.
        #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u64).range(1..=100000))]
        messages: u64,
        /// Messages sent first and not measured.
        #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(0..=1000))]
        warmup: u64,
        /// Pause after each arrival before the next send, in milliseconds.
        #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u64).range(0..=60000))]
        gap_ms: u64,
        /// Seconds to wait for one message before counting it lost.
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=600))]
        per_message_timeout: u64,
    },
    /// Time for a user on each --peer-url to join a room of --members users on --url.
    FedJoin {
        #[command(flatten)]
        common: Common,
        /// Client API base URL of a joining server (repeat for several, measured in order).
        #[arg(long, required = true)]
        peer_url: Vec<String>,
        /// Members of the room on --url, its creator included.
        #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=100000))]
        members: u64,
    },
    /// Wait until a server answers /versions; print milliseconds since --since-unix-ns.
    WaitReady {
        /// Base URL of the homeserver.
        #[arg(long, default_value = "http://127.0.0.1:8008")]
        url: String,
        /// Allow a target that is not 127.0.0.0/8, ::1 or localhost.
        #[arg(long)]
        allow_non_loopback: bool,
        /// Start instant (e.g. `date +%s%N` just before starting the server).
        #[arg(long)]
        since_unix_ns: u128,
        /// Fail as soon as this process has exited.
        #[arg(long)]
        pid: Option<u32>,
        /// Give up after this many seconds.
        #[arg(long, default_value_t = 120, value_parser = clap::value_parser!(u64).range(1..=600))]
        timeout: u64,
    },
    /// Minimal in-memory server answering the scenarios' endpoints (the machine's ceiling).
    Ceiling {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8009")]
        listen: SocketAddr,
        /// Allow a non-loopback listen address.
        #[arg(long)]
        allow_non_loopback: bool,
        /// Stop by itself after this many seconds.
        #[arg(long, default_value_t = 3600, value_parser = clap::value_parser!(u64).range(1..=86400))]
        max_seconds: u64,
    },
}

impl Command {
    /// The scenario this command runs with its shared options, or the command itself
    /// when it is not a scenario (`ceiling`, `wait-ready`).
    pub fn into_scenario(self) -> Result<(Common, Scenario), Box<Command>> {
        let as_usize = |v: u64| v as usize;
        match self {
            Command::Chat {
                common,
                users,
                messages,
                drain_seconds,
            } => Ok((
                common,
                Scenario::Chat {
                    users: as_usize(users),
                    messages: as_usize(messages),
                    drain: Duration::from_secs(drain_seconds),
                },
            )),
            Command::Register { common, users } => Ok((
                common,
                Scenario::Register {
                    users: as_usize(users),
                },
            )),
            Command::InitialSync {
                common,
                rooms,
                members,
                events,
            } => Ok((
                common,
                Scenario::InitialSync {
                    rooms: as_usize(rooms),
                    members: as_usize(members),
                    events: as_usize(events),
                },
            )),
            Command::SlidingSync {
                common,
                rooms,
                members,
                events,
                repeats,
            } => Ok((
                common,
                Scenario::SlidingSync(crate::scenarios::sliding_sync::Plan {
                    rooms: as_usize(rooms),
                    members: as_usize(members),
                    events: as_usize(events),
                    repeats: as_usize(repeats),
                }),
            )),
            Command::Rooms {
                common,
                rooms,
                joiners,
            } => Ok((
                common,
                Scenario::Rooms {
                    rooms: as_usize(rooms),
                    joiners: as_usize(joiners),
                },
            )),
            Command::FedLatency {
                common,
                peer_url,
                messages,
                warmup,
                gap_ms,
                per_message_timeout,
            } => {
                let scenario = FedScenario::Latency {
                    peer_url,
                    messages: as_usize(messages),
                    warmup: as_usize(warmup),
                    gap: Duration::from_millis(gap_ms),
                    per_message_timeout: Duration::from_secs(per_message_timeout),
                };
                Ok(federation(common, scenario))
            }
            Command::FedJoin {
                common,
                peer_url,
                members,
            } => {
                let scenario = FedScenario::Join {
                    peer_urls: peer_url,
                    members: as_usize(members),
                };
                Ok(federation(common, scenario))
            }
            other => Err(Box::new(other)),
        }
    }
}

/// A federation scenario with the peers held to the same loopback rule as `--url`.
fn federation(common: Common, scenario: FedScenario) -> (Common, Scenario) {
    let allow_non_loopback = common.allow_non_loopback;
    (
        common,
        Scenario::Federation {
            scenario,
            allow_non_loopback,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_scenario_with_defaults() {
        let cli = Cli::try_parse_from(["plexus-load", "chat", "--users", "3"]).unwrap();
        let (common, scenario) = cli.command.into_scenario().unwrap();
        assert_eq!(common.url, "http://127.0.0.1:8008");
        assert_eq!(common.time_limit, 120);
        assert!(matches!(
            scenario,
            Scenario::Chat {
                users: 3,
                messages: 20,
                ..
            }
        ));
    }

    #[test]
    fn parses_the_federation_scenarios() {
        let cli = Cli::try_parse_from([
            "plexus-load",
            "fed-join",
            "--peer-url",
            "http://127.0.0.1:2",
            "--peer-url",
            "http://127.0.0.1:3",
            "--members",
            "10",
        ])
        .unwrap();
        let (_, scenario) = cli.command.into_scenario().unwrap();
        let Scenario::Federation {
            scenario: FedScenario::Join { peer_urls, members },
            ..
        } = scenario
        else {
            panic!("not fed-join: {scenario:?}");
        };
        assert_eq!((peer_urls.len(), members), (2, 10));
        assert!(Cli::try_parse_from(["plexus-load", "fed-join"]).is_err());
        let cli = Cli::try_parse_from([
            "plexus-load",
            "fed-latency",
            "--peer-url",
            "http://127.0.0.1:2",
        ])
        .unwrap();
        let (_, scenario) = cli.command.into_scenario().unwrap();
        assert!(matches!(
            scenario,
            Scenario::Federation {
                scenario: FedScenario::Latency {
                    messages: 200,
                    warmup: 5,
                    ..
                },
                ..
            }
        ));
    }

    #[test]
    fn rejects_out_of_range_counts() {
        assert!(Cli::try_parse_from(["plexus-load", "chat", "--users", "1"]).is_err());
        assert!(Cli::try_parse_from(["plexus-load", "register", "--time-limit", "0"]).is_err());
        let cli = Cli::try_parse_from(["plexus-load", "ceiling"]).unwrap();
        assert!(cli.command.into_scenario().is_err());
    }
}
