//! Accounts, passwords, access and refresh tokens, devices.

mod devices;
mod password;
#[cfg(test)]
mod tests;

use plexus_core::time::now_millis;
use ruma::{OwnedUserId, UserId};

pub use devices::DeviceInfo;
pub use password::PasswordSlots;

use crate::{
    records::{DeviceRecord, TokenRecord, UserRecord},
    tables::{AccessTokens, Devices, RefreshTokens, Users},
    Result, ServiceError, Services,
};
use plexus_storage::Json;

/// Lifetime of an access token issued together with a refresh token.
const REFRESHABLE_TOKEN_LIFETIME_MS: u64 = 60 * 60 * 1000;

/// What a login or registration hands back to the client.
#[derive(Clone, Debug)]
pub struct Session {
    pub user_id: OwnedUserId,
    pub device_id: String,
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub expires_in_ms: Option<u64>,
}

/// Who made an authenticated request.
#[derive(Clone, Debug)]
pub struct Requester {
    pub user_id: OwnedUserId,
    pub device_id: String,
    pub admin: bool,
}

/// Options for a new device session.
#[derive(Clone, Debug, Default)]
pub struct NewDevice {
    pub device_id: Option<String>,
    pub display_name: Option<String>,
    pub refreshable: bool,
}

pub fn random_string(len: usize) -> String {
    use rand::Rng;
    rand::thread_rng()
        .sample_iter(&rand::distributions::Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

impl Services {
    /// `@localpart:server_name` after checking the localpart grammar.
    pub fn user_id_for(&self, localpart: &str) -> Result<OwnedUserId> {
        let valid = !localpart.is_empty()
            && localpart
                .bytes()
                .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'.' | b'_' | b'=' | b'-' | b'/' | b'+'));
        if !valid {
            return Err(ServiceError::InvalidUsername(
                "user names may contain only a-z, 0-9, and . _ = - / +".into(),
            ));
        }
        let user_id = UserId::parse(format!("@{localpart}:{}", self.server_name()))
            .map_err(|e| ServiceError::InvalidUsername(e.to_string()))?;
        if user_id.as_str().len() > 255 {
            return Err(ServiceError::InvalidUsername(
                "user ID is longer than 255 bytes".into(),
            ));
        }
        Ok(user_id)
    }

    /// Checks that a localpart is valid and free.
    pub fn check_username_available(&self, localpart: &str) -> Result<OwnedUserId> {
        let user_id = self.user_id_for(localpart)?;
        if self.db.contains::<Users>(&user_id.to_string())? {
            return Err(ServiceError::UserInUse("that user name is taken".into()));
        }
        Ok(user_id)
    }

    pub fn user(&self, user_id: &UserId) -> Result<Option<UserRecord>> {
        Ok(self.db.get::<Users>(&user_id.to_string())?.map(|j| j.0))
    }

    pub fn user_exists(&self, user_id: &UserId) -> Result<bool> {
        Ok(self.db.contains::<Users>(&user_id.to_string())?)
    }

    /// Creates an account (registration or `plexus user create`).
    pub async fn create_user(
        &self,
        localpart: &str,
        password: Option<&str>,
        admin: bool,
    ) -> Result<OwnedUserId> {
        let user_id = self.check_username_available(localpart)?;
        let password_hash = match password {
            Some(password) => {
                self.check_password_policy(password)?;
                Some(self.password_slots.hash(password).await?)
            }
            None => None,
        };
        let record = UserRecord {
            password_hash,
            displayname: Some(localpart.to_owned()),
            admin,
            created_ts: now_millis(),
            ..Default::default()
        };
        self.db.put::<Users>(&user_id.to_string(), &Json(record))?;
        Ok(user_id)
    }

    pub fn check_password_policy(&self, password: &str) -> Result<()> {
        if password.chars().count() < self.config.password_min_length {
            return Err(ServiceError::WeakPassword(format!(
                "password must be at least {} characters",
                self.config.password_min_length
            )));
        }
        Ok(())
    }

    /// Sets a new password; optionally logs out every device but `keep_device`.
    pub async fn set_password(
        &self,
        user_id: &UserId,
        password: &str,
        logout_devices: bool,
        keep_device: Option<&str>,
    ) -> Result<()> {
        self.check_password_policy(password)?;
        let mut record = self
            .user(user_id)?
            .ok_or_else(|| ServiceError::not_found("no such user"))?;
        record.password_hash = Some(self.password_slots.hash(password).await?);
        self.db.put::<Users>(&user_id.to_string(), &Json(record))?;
        if logout_devices {
            for device in self.devices(user_id)? {
                if Some(device.device_id.as_str()) != keep_device {
                    self.delete_device(user_id, &device.device_id)?;
                }
            }
        }
        Ok(())
    }

    /// Checks a password login and returns the user.
    pub async fn check_password(&self, user_id: &UserId, password: &str) -> Result<()> {
        let forbidden = || ServiceError::forbidden("invalid user name or password");
        let record = self.user(user_id)?.ok_or_else(forbidden)?;
        if record.deactivated {
            return Err(ServiceError::forbidden("this account has been deactivated"));
        }
        let hash = record.password_hash.ok_or_else(forbidden)?;
        if self.password_slots.verify(password, &hash).await? {
            Ok(())
        } else {
            Err(forbidden())
        }
    }

    /// Opens a session on a (new or existing) device.
    pub fn login(&self, user_id: &UserId, device: NewDevice) -> Result<Session> {
        let device_id = device
            .device_id
            .unwrap_or_else(|| random_string(10).to_uppercase());
        let access_token = random_string(32);
        let refresh_token = device.refreshable.then(|| random_string(32));
        let expires_at = device
            .refreshable
            .then(|| now_millis() + REFRESHABLE_TOKEN_LIFETIME_MS);
        let key = (user_id.to_string(), device_id.clone());
        let old = self.db.get::<Devices>(&key)?.map(|j| j.0);
        let mut batch = self.db.batch();
        if let Some(old) = &old {
            batch.delete::<AccessTokens>(&old.access_token)?;
            if let Some(refresh) = &old.refresh_token {
                batch.delete::<RefreshTokens>(refresh)?;
            }
        }
        let record = DeviceRecord {
            display_name: device.display_name.or(old.and_then(|o| o.display_name)),
            last_seen_ts: Some(now_millis()),
            access_token: access_token.clone(),
            refresh_token: refresh_token.clone(),
            ..Default::default()
        };
        let owner = TokenRecord {
            user_id: user_id.to_string(),
            device_id: device_id.clone(),
            expires_at,
        };
        batch.put::<Devices>(&key, &Json(record))?;
        batch.put::<AccessTokens>(&access_token, &Json(owner.clone()))?;
        if let Some(refresh) = &refresh_token {
            batch.put::<RefreshTokens>(
                refresh,
                &Json(TokenRecord {
                    expires_at: None,
                    ..owner
                }),
            )?;
        }
        self.db.write(batch)?;
        Ok(Session {
            user_id: user_id.to_owned(),
            device_id,
            access_token,
            refresh_token,
            expires_in_ms: expires_at.map(|_| REFRESHABLE_TOKEN_LIFETIME_MS),
        })
    }

    /// Resolves an access token.
    pub fn authenticate(&self, token: &str) -> Result<Requester> {
        let owner = self
            .db
            .get::<AccessTokens>(&token.to_owned())?
            .ok_or(ServiceError::UnknownToken { soft_logout: false })?
            .0;
        if owner.expires_at.is_some_and(|at| at <= now_millis()) {
            return Err(ServiceError::UnknownToken { soft_logout: true });
        }
        let user_id = UserId::parse(&owner.user_id).map_err(ServiceError::internal)?;
        let record = self
            .user(&user_id)?
            .ok_or(ServiceError::UnknownToken { soft_logout: false })?;
        if record.deactivated {
            return Err(ServiceError::UnknownToken { soft_logout: false });
        }
        Ok(Requester {
            user_id,
            device_id: owner.device_id,
            admin: record.admin,
        })
    }

    /// Exchanges a refresh token for a new pair; the old pair stops working.
    pub fn refresh(&self, refresh_token: &str) -> Result<Session> {
        let owner = self
            .db
            .get::<RefreshTokens>(&refresh_token.to_owned())?
            .ok_or(ServiceError::UnknownToken { soft_logout: false })?
            .0;
        let user_id = UserId::parse(&owner.user_id).map_err(ServiceError::internal)?;
        self.login(
            &user_id,
            NewDevice {
                device_id: Some(owner.device_id),
                display_name: None,
                refreshable: true,
            },
        )
    }

    /// Marks the account deactivated and removes every device.
    pub fn deactivate(&self, user_id: &UserId) -> Result<()> {
        for device in self.devices(user_id)? {
            self.delete_device(user_id, &device.device_id)?;
        }
        let mut record = self
            .user(user_id)?
            .ok_or_else(|| ServiceError::not_found("no such user"))?;
        record.deactivated = true;
        record.password_hash = None;
        self.db.put::<Users>(&user_id.to_string(), &Json(record))?;
        Ok(())
    }
}
