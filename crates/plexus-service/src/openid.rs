//! OpenID tokens: a user asks for one (`/user/{userId}/openid/request_token`)
//! and hands it to a third party (a widget, an integration manager), which
//! asks this server over federation whom it names (`/openid/userinfo`). The
//! token proves only the user ID, for an hour.

use plexus_core::time::now_millis;
use plexus_storage::Json;
use ruma::{OwnedUserId, UserId};
use serde::{Deserialize, Serialize};

use crate::{tables::OpenIdTokens, users::random_string, Result, Services};

/// How long an OpenID token is valid, in seconds (Synapse also uses an hour).
pub const OPENID_TOKEN_LIFETIME_SECS: u64 = 3600;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OpenIdTokenRecord {
    pub user_id: String,
    pub expires_at: u64,
}

impl Services {
    /// A new OpenID token for `user`; returns it with its lifetime in seconds.
    pub fn issue_openid_token(&self, user: &UserId) -> Result<(String, u64)> {
        let token = random_string(32);
        let record = OpenIdTokenRecord {
            user_id: user.to_string(),
            expires_at: now_millis() + OPENID_TOKEN_LIFETIME_SECS * 1000,
        };
        self.db.put::<OpenIdTokens>(&token, &Json(record))?;
        Ok((token, OPENID_TOKEN_LIFETIME_SECS))
    }

    /// The user an unexpired OpenID token names.
    pub fn openid_token_user(&self, token: &str) -> Result<Option<OwnedUserId>> {
        let Some(Json(record)) = self.db.get::<OpenIdTokens>(&token.to_owned())? else {
            return Ok(None);
        };
        if record.expires_at <= now_millis() {
            let mut batch = self.db.batch();
            batch.delete::<OpenIdTokens>(&token.to_owned())?;
            self.db.write(batch)?;
            return Ok(None);
        }
        Ok(UserId::parse(&record.user_id).ok())
    }
}

#[cfg(test)]
mod tests;
