//! User-interactive authentication: sessions and the stages Plexus offers
//! (`m.login.dummy`, `m.login.registration_token`, `m.login.password`).

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use ruma::UserId;
use serde_json::{json, Value};

use crate::{users::random_string, Result, ServiceError, Services};

const SESSION_LIFETIME: Duration = Duration::from_secs(30 * 60);
const MAX_SESSIONS: usize = 10_000;

pub const DUMMY: &str = "m.login.dummy";
pub const PASSWORD: &str = "m.login.password";
pub const REGISTRATION_TOKEN: &str = "m.login.registration_token";

/// The 401 body of an unfinished UIA exchange.
#[derive(Clone, Debug)]
pub struct UiaChallenge {
    pub flows: Vec<Vec<String>>,
    pub params: Value,
    pub session: String,
    pub completed: Vec<String>,
    /// (errcode, message) when the last stage failed.
    pub error: Option<(String, String)>,
}

#[derive(Default)]
pub struct UiaSessions {
    sessions: Mutex<HashMap<String, (Instant, Vec<String>)>>,
}

impl UiaSessions {
    fn completed(&self, session: &str) -> Option<Vec<String>> {
        let sessions = self.sessions.lock().expect("uia lock poisoned");
        sessions
            .get(session)
            .filter(|(at, _)| at.elapsed() < SESSION_LIFETIME)
            .map(|(_, done)| done.clone())
    }

    fn store(&self, session: &str, completed: Vec<String>) {
        let mut sessions = self.sessions.lock().expect("uia lock poisoned");
        if sessions.len() >= MAX_SESSIONS {
            sessions.retain(|_, (at, _)| at.elapsed() < SESSION_LIFETIME);
        }
        sessions.insert(session.to_owned(), (Instant::now(), completed));
    }

    fn finish(&self, session: &str) {
        self.sessions
            .lock()
            .expect("uia lock poisoned")
            .remove(session);
    }
}

impl Services {
    /// Advances UIA with the request's `auth` dict. `Ok` once one of `flows` is
    /// complete; otherwise `ServiceError::UiaRequired` with the challenge.
    /// `user` is whom `m.login.password` must authenticate.
    pub async fn uia_check(
        &self,
        flows: &[&[&str]],
        auth: Option<&Value>,
        user: Option<&UserId>,
    ) -> Result<()> {
        let challenge = |session: String, completed: Vec<String>, error: Option<(&str, String)>| {
            ServiceError::UiaRequired(Box::new(UiaChallenge {
                flows: flows
                    .iter()
                    .map(|f| f.iter().map(|s| s.to_string()).collect())
                    .collect(),
                params: json!({}),
                session,
                completed,
                error: error.map(|(c, m)| (c.to_owned(), m)),
            }))
        };
        let Some(auth) = auth.filter(|a| a.is_object()) else {
            let session = random_string(24);
            self.uia.store(&session, vec![]);
            return Err(challenge(session, vec![], None));
        };
        let session = match auth.get("session").and_then(Value::as_str) {
            Some(s) => s.to_owned(),
            None => random_string(24),
        };
        let mut completed = self.uia.completed(&session).unwrap_or_default();
        if let Some(stage) = auth.get("type").and_then(Value::as_str) {
            if !flows.iter().any(|f| f.contains(&stage)) {
                return Err(challenge(
                    session,
                    completed,
                    Some(("M_UNRECOGNIZED", format!("stage {stage} is not offered"))),
                ));
            }
            if let Err(e) = self.run_stage(stage, auth, user).await {
                self.uia.store(&session, completed.clone());
                return Err(challenge(
                    session,
                    completed,
                    Some(("M_FORBIDDEN", e.to_string())),
                ));
            }
            if !completed.iter().any(|c| c == stage) {
                completed.push(stage.to_owned());
            }
        }
        if flows
            .iter()
            .any(|f| f.iter().all(|s| completed.iter().any(|c| c == s)))
        {
            self.uia.finish(&session);
            return Ok(());
        }
        self.uia.store(&session, completed.clone());
        Err(challenge(session, completed, None))
    }

    async fn run_stage(&self, stage: &str, auth: &Value, user: Option<&UserId>) -> Result<()> {
        match stage {
            DUMMY => Ok(()),
            REGISTRATION_TOKEN => {
                let given = auth.get("token").and_then(Value::as_str);
                if given.is_some() && given == self.config.registration_token.as_deref() {
                    Ok(())
                } else {
                    Err(ServiceError::forbidden("invalid registration token"))
                }
            }
            PASSWORD => {
                let user =
                    user.ok_or_else(|| ServiceError::forbidden("no user to authenticate"))?;
                let named = auth
                    .pointer("/identifier/user")
                    .or_else(|| auth.get("user"))
                    .and_then(Value::as_str);
                if let Some(named) = named {
                    let named_id = self.resolve_login_user(named)?;
                    if named_id != user {
                        return Err(ServiceError::forbidden("the password is for another user"));
                    }
                }
                let password = auth.get("password").and_then(Value::as_str).unwrap_or("");
                self.check_password(user, password).await
            }
            other => Err(ServiceError::forbidden(format!("unknown stage {other}"))),
        }
    }

    /// A login identifier (`alice` or `@alice:server`) as a local user ID.
    pub fn resolve_login_user(&self, name: &str) -> Result<ruma::OwnedUserId> {
        if name.starts_with('@') {
            let user_id = UserId::parse(name)
                .map_err(|_| ServiceError::forbidden("invalid user name or password"))?;
            if user_id.server_name() != self.server_name() {
                return Err(ServiceError::forbidden("invalid user name or password"));
            }
            Ok(user_id)
        } else {
            self.user_id_for(&name.to_lowercase())
                .map_err(|_| ServiceError::forbidden("invalid user name or password"))
        }
    }
}
