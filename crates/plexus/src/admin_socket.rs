//! A Unix socket in the data directory through which `plexus user …`
//! reaches a running server (RocksDB admits one process at a time). Only
//! the owner of the data directory can connect (mode 0600).

use std::{os::unix::fs::PermissionsExt, path::PathBuf, sync::Arc};

use plexus_service::Services;
use serde::{Deserialize, Serialize};
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::{UnixListener, UnixStream},
    task::JoinHandle,
};

use crate::user_cmd::{self, Request};

#[derive(Serialize, Deserialize)]
pub struct Reply {
    pub ok: bool,
    pub message: String,
}

pub fn path(services: &Services) -> PathBuf {
    services.config.data_dir.join("admin.sock")
}

pub fn remove(services: &Services) {
    let _ = std::fs::remove_file(path(services));
}

pub fn spawn(services: Arc<Services>) -> anyhow::Result<JoinHandle<()>> {
    let socket = path(&services);
    let _ = std::fs::remove_file(&socket);
    let listener = UnixListener::bind(&socket)?;
    std::fs::set_permissions(&socket, std::fs::Permissions::from_mode(0o600))?;
    Ok(tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let services = services.clone();
            tokio::spawn(async move {
                if let Err(e) = handle(stream, services).await {
                    tracing::warn!("admin socket: {e}");
                }
            });
        }
    }))
}

async fn handle(stream: UnixStream, services: Arc<Services>) -> anyhow::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut line = String::new();
    BufReader::new(read).read_line(&mut line).await?;
    let reply = match serde_json::from_str::<Request>(&line) {
        Ok(request) => match user_cmd::apply(&services, request).await {
            Ok(message) => Reply { ok: true, message },
            Err(e) => Reply {
                ok: false,
                message: e.to_string(),
            },
        },
        Err(e) => Reply {
            ok: false,
            message: format!("bad request: {e}"),
        },
    };
    write
        .write_all(serde_json::to_string(&reply)?.as_bytes())
        .await?;
    write.write_all(b"\n").await?;
    Ok(())
}

/// Sends a request to a running server.
pub async fn send(socket: PathBuf, request: &Request) -> anyhow::Result<Reply> {
    let stream = UnixStream::connect(&socket).await?;
    let (read, mut write) = stream.into_split();
    write
        .write_all(serde_json::to_string(request)?.as_bytes())
        .await?;
    write.write_all(b"\n").await?;
    let mut line = String::new();
    BufReader::new(read).read_line(&mut line).await?;
    Ok(serde_json::from_str(&line)?)
}
