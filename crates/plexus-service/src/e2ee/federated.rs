//! `/keys/query` and `/keys/claim` across servers: this server's users are
//! answered locally; the users of each other server are asked of that server
//! through [`crate::remote::Remote`], all servers at once, each bounded by
//! the request's timeout. A server that fails or does not answer in time is
//! listed in `failures` and left out.

use std::{collections::BTreeMap, sync::Arc, time::Duration};

use ruma::{OwnedServerName, UserId};
use serde_json::{json, Map, Value};

use crate::{remote::Remote, Result, ServiceError, Services};

/// How long other servers get when the client gives no `timeout`.
pub const DEFAULT_REMOTE_TIMEOUT: Duration = Duration::from_secs(10);

/// Users of the request by their server: `{user: …}` per server.
type PerServer = BTreeMap<OwnedServerName, Map<String, Value>>;

/// Which remote call to make for each server.
#[derive(Clone, Copy)]
enum KeyRequest {
    Query,
    Claim,
}

impl Services {
    /// `/keys/query` for local and remote users.
    pub async fn query_keys_federated(
        &self,
        requester: &UserId,
        device_keys: &Value,
        timeout: Duration,
    ) -> Result<Value> {
        let (local, remote) = self.split_by_server(device_keys, "device_keys")?;
        let mut answer = self.query_keys(requester, &Value::Object(local))?;
        let fields = ["device_keys", "master_keys", "self_signing_keys"];
        let results = self.ask_servers(remote, KeyRequest::Query, timeout).await;
        merge_remote(&mut answer, results, &fields);
        Ok(answer)
    }

    /// `/keys/claim` for local and remote users.
    pub async fn claim_keys_federated(
        &self,
        one_time_keys: &Value,
        timeout: Duration,
    ) -> Result<Value> {
        let (local, remote) = self.split_by_server(one_time_keys, "one_time_keys")?;
        let claimed = self.claim_keys(&Value::Object(local)).await?;
        let mut answer = json!({ "one_time_keys": claimed, "failures": {} });
        let results = self.ask_servers(remote, KeyRequest::Claim, timeout).await;
        merge_remote(&mut answer, results, &["one_time_keys"]);
        Ok(answer)
    }

    /// The request's `{user: …}` entries: this server's, and the others' per server.
    fn split_by_server(
        &self,
        request: &Value,
        field: &str,
    ) -> Result<(Map<String, Value>, PerServer)> {
        let users = request
            .as_object()
            .ok_or_else(|| ServiceError::BadJson(format!("{field} must be an object")))?;
        let mut local = Map::new();
        let mut remote = PerServer::new();
        for (user, value) in users {
            let Ok(user_id) = UserId::parse(user.as_str()) else {
                continue;
            };
            if self.is_local_server(user_id.server_name()) {
                local.insert(user.clone(), value.clone());
            } else {
                let server = user_id.server_name().to_owned();
                remote
                    .entry(server)
                    .or_default()
                    .insert(user.clone(), value.clone());
            }
        }
        Ok((local, remote))
    }

    /// Asks every server at once; each answer or failure, by server.
    async fn ask_servers(
        &self,
        requests: PerServer,
        kind: KeyRequest,
        timeout: Duration,
    ) -> Vec<(OwnedServerName, Result<Value>)> {
        if requests.is_empty() {
            return Vec::new();
        }
        let remote = match self.remote() {
            Ok(remote) => remote,
            Err(e) => {
                let message = e.to_string();
                return requests
                    .into_keys()
                    .map(|server| (server, Err(ServiceError::Remote(message.clone()))))
                    .collect();
            }
        };
        let mut tasks = tokio::task::JoinSet::new();
        for (server, users) in requests {
            let remote = remote.clone();
            tasks.spawn(async move {
                let call = ask_one(remote, &server, kind, Value::Object(users));
                let result = match tokio::time::timeout(timeout, call).await {
                    Ok(result) => result,
                    Err(_) => Err(ServiceError::Remote(format!(
                        "{server} did not answer in time"
                    ))),
                };
                (server, result)
            });
        }
        let mut results = Vec::new();
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok(result) => results.push(result),
                Err(e) => tracing::warn!("key request task failed: {e}"),
            }
        }
        results
    }
}

async fn ask_one(
    remote: Arc<dyn Remote>,
    server: &ruma::ServerName,
    kind: KeyRequest,
    users: Value,
) -> Result<Value> {
    match kind {
        KeyRequest::Query => remote.query_keys(server, users).await,
        KeyRequest::Claim => remote.claim_keys(server, users).await,
    }
}

/// Adds each server's `fields` to the answer, or the server to `failures`.
fn merge_remote(
    answer: &mut Value,
    results: Vec<(OwnedServerName, Result<Value>)>,
    fields: &[&str],
) {
    for (server, result) in results {
        match result {
            Ok(remote) => {
                for field in fields {
                    let Some(users) = remote.get(*field).and_then(Value::as_object) else {
                        continue;
                    };
                    if !answer[*field].is_object() {
                        answer[*field] = json!({});
                    }
                    for (user, value) in users {
                        answer[*field][user] = value.clone();
                    }
                }
            }
            Err(e) => {
                tracing::debug!(%server, "key request failed: {e}");
                if !answer["failures"].is_object() {
                    answer["failures"] = json!({});
                }
                answer["failures"][server.as_str()] =
                    json!({ "status": 503, "message": e.to_string() });
            }
        }
    }
}

#[cfg(test)]
mod tests;
