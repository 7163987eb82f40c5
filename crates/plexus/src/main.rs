//! The `plexus` binary: `plexus serve` runs the homeserver; `plexus user …`
//! manages accounts in the data directory, directly when the server is
//! stopped and through its admin socket while it runs.

mod admin_socket;
mod allocator;
mod logging;
mod serve;
mod user_cmd;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "plexus", version, about = "A Matrix homeserver")]
struct Cli {
    /// Configuration file (TOML); every key can be overridden by PLEXUS_<KEY>.
    #[arg(long, short, global = true, env = "PLEXUS_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the homeserver.
    Serve,
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account.
    Create {
        /// The localpart (`alice` for `@alice:server`).
        name: String,
        /// Make the user a server administrator.
        #[arg(long)]
        admin: bool,
        /// Read the password from standard input instead of prompting.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a new password for an account.
    ResetPassword {
        name: String,
        #[arg(long)]
        password_stdin: bool,
    },
}

fn main() -> anyhow::Result<()> {
    allocator::tune();
    let cli = Cli::parse();
    let config = plexus_core::Config::load(cli.config.as_deref(), std::env::vars())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    match cli.command {
        Command::Serve => {
            logging::init(&config)?;
            runtime.block_on(serve::run(config))
        }
        Command::User(UserCommand::Create {
            name,
            admin,
            password_stdin,
        }) => {
            let password = user_cmd::read_password(password_stdin)?;
            runtime.block_on(user_cmd::run(
                config,
                user_cmd::Request::Create {
                    name,
                    admin,
                    password,
                },
            ))
        }
        Command::User(UserCommand::ResetPassword {
            name,
            password_stdin,
        }) => {
            let password = user_cmd::read_password(password_stdin)?;
            runtime.block_on(user_cmd::run(
                config,
                user_cmd::Request::ResetPassword { name, password },
            ))
        }
    }
}
