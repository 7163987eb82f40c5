//! tracing set-up: human-readable lines by default, JSON on request.

use plexus_core::{config::LogFormat, Config};
use tracing_subscriber::EnvFilter;

pub fn init(config: &Config) -> anyhow::Result<()> {
    let filter =
        EnvFilter::try_from_env("PLEXUS_LOG").or_else(|_| EnvFilter::try_new(&config.log_level))?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match config.log_format {
        LogFormat::Human => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
    Ok(())
}
