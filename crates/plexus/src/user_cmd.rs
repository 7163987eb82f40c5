//! `plexus user create` / `reset-password`: open the data directory
//! directly when no server holds it, otherwise ask the running server.

use std::io::Read;

use anyhow::{bail, Context};
use plexus_core::Config;
use plexus_service::Services;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
pub enum Request {
    Create {
        name: String,
        admin: bool,
        password: String,
    },
    ResetPassword {
        name: String,
        password: String,
    },
}

pub fn read_password(from_stdin: bool) -> anyhow::Result<String> {
    let password = if from_stdin {
        let mut input = String::new();
        std::io::stdin().read_to_string(&mut input)?;
        input.trim_end_matches(['\n', '\r']).to_owned()
    } else {
        let first = rpassword::prompt_password("Password: ")?;
        let second = rpassword::prompt_password("Again: ")?;
        if first != second {
            bail!("the passwords differ");
        }
        first
    };
    if password.is_empty() {
        bail!("empty password");
    }
    Ok(password)
}

pub async fn run(config: Config, request: Request) -> anyhow::Result<()> {
    let socket = config.data_dir.join("admin.sock");
    let message = match Services::open(config) {
        Ok(services) => {
            let result = apply(&services, request).await;
            services.shutdown()?;
            result?
        }
        Err(open_error) if socket.exists() => {
            let reply = crate::admin_socket::send(socket, &request)
                .await
                .with_context(|| format!("the database is in use ({open_error}) and the running server did not answer"))?;
            if !reply.ok {
                bail!(reply.message);
            }
            reply.message
        }
        Err(e) => return Err(e).context("opening the data directory"),
    };
    println!("{message}");
    Ok(())
}

pub async fn apply(services: &Services, request: Request) -> anyhow::Result<String> {
    match request {
        Request::Create {
            name,
            admin,
            password,
        } => {
            let user_id = services
                .create_user(&name.to_lowercase(), Some(&password), admin)
                .await?;
            Ok(format!(
                "created {user_id}{}",
                if admin { " (admin)" } else { "" }
            ))
        }
        Request::ResetPassword { name, password } => {
            let user_id = services.resolve_login_user(&name)?;
            services
                .set_password(&user_id, &password, true, None)
                .await?;
            Ok(format!(
                "password of {user_id} reset; its devices were logged out"
            ))
        }
    }
}
