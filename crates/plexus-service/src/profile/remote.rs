//! Profiles of any user: this server's from its database, another server's
//! asked of that server (`/query/profile`) through [`crate::remote::Remote`].

use ruma::UserId;
use serde_json::Value;

use crate::{Result, Services};

impl Services {
    /// (displayname, avatar_url) of a local or remote user; `field` narrows
    /// what a remote server is asked for.
    pub async fn profile_anywhere(
        &self,
        user: &UserId,
        field: Option<&str>,
    ) -> Result<(Option<String>, Option<String>)> {
        if self.is_local_server(user.server_name()) {
            return self.profile(user);
        }
        let answer = self.remote()?.profile(user, field).await?;
        let text = |key: &str| answer.get(key).and_then(Value::as_str).map(str::to_owned);
        Ok((text("displayname"), text("avatar_url")))
    }
}

#[cfg(test)]
mod tests;
