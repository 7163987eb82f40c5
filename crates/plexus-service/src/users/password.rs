//! argon2id password hashing, run on the blocking pool because each hash
//! deliberately costs tens of milliseconds of CPU and 19 MiB of memory
//! (argon2's recommended parameters). [`PasswordSlots`] bounds how many run
//! at once, so a burst of logins cannot multiply that memory.

use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Argon2,
};
use tokio::sync::Semaphore;

use crate::{Result, ServiceError};

/// Concurrent hashes allowed: one per core is all the CPU can use anyway.
pub struct PasswordSlots(Semaphore);

impl Default for PasswordSlots {
    fn default() -> Self {
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        PasswordSlots(Semaphore::new(cores))
    }
}

impl PasswordSlots {
    pub async fn hash(&self, password: &str) -> Result<String> {
        let _slot = self.0.acquire().await.map_err(ServiceError::internal)?;
        let password = password.to_owned();
        tokio::task::spawn_blocking(move || {
            let salt = SaltString::generate(&mut OsRng);
            Argon2::default()
                .hash_password(password.as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(ServiceError::internal)
        })
        .await
        .map_err(ServiceError::internal)?
    }

    pub async fn verify(&self, password: &str, hash: &str) -> Result<bool> {
        let _slot = self.0.acquire().await.map_err(ServiceError::internal)?;
        let (password, hash) = (password.to_owned(), hash.to_owned());
        tokio::task::spawn_blocking(move || {
            let parsed = PasswordHash::new(&hash).map_err(ServiceError::internal)?;
            Ok(Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok())
        })
        .await
        .map_err(ServiceError::internal)?
    }
}
