//! The HTTP side of push notifications: POSTs each notification the domain
//! builds (`plexus_service::push::gateway`) to the pusher's gateway URL
//! (`…/_matrix/push/v1/notify`). The same protections as federation
//! requests apply, since the URL is a user's choice: the IP range deny list
//! (names through the filtering resolver, IP literals checked here), no
//! redirects, timeouts and a bounded answer. Built from the federation
//! configuration but independent of federation being enabled.

use std::{net::IpAddr, sync::Arc};

use plexus_core::config::FederationConfig;
use plexus_service::push::gateway::PushGateway;
use serde_json::Value;

use crate::client::{denylist::IpDenyList, dns::FilteringResolver, http_client, ClientError};

/// Most bytes read of a gateway's answer (it only lists rejected pushkeys).
const MAX_ANSWER_BYTES: usize = 64 * 1024;

pub struct HttpPushGateway {
    http: reqwest::Client,
    deny: Arc<IpDenyList>,
}

impl HttpPushGateway {
    pub fn new(config: &FederationConfig) -> Result<Self, ClientError> {
        let deny =
            Arc::new(IpDenyList::parse(&config.ip_range_denylist).map_err(ClientError::Config)?);
        let resolver = FilteringResolver::new(deny.clone());
        let http = http_client(config, &resolver, reqwest::redirect::Policy::none())?;
        Ok(HttpPushGateway { http, deny })
    }

    /// The URL, if it is http(s) and not an IP literal in the deny list.
    fn checked_url(&self, url: &str) -> Result<url::Url, String> {
        let url = url::Url::parse(url).map_err(|e| format!("bad push gateway URL: {e}"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!(
                "push gateway URL scheme {} not allowed",
                url.scheme()
            ));
        }
        let denied = match url.host() {
            Some(url::Host::Ipv4(ip)) => self.deny.is_denied(IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => self.deny.is_denied(IpAddr::V6(ip)),
            Some(url::Host::Domain(_)) => false,
            None => true,
        };
        match denied {
            true => Err("push gateway address is in the IP range deny list".into()),
            false => Ok(url),
        }
    }
}

#[async_trait::async_trait]
impl PushGateway for HttpPushGateway {
    async fn notify(&self, url: &str, body: &Value) -> Result<Vec<String>, String> {
        let url = self.checked_url(url)?;
        let response = self
            .http
            .post(url)
            .json(body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("push gateway answered {status}"));
        }
        let mut response = response;
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| e.to_string())? {
            if bytes.len() + chunk.len() > MAX_ANSWER_BYTES {
                return Err("push gateway answer too large".into());
            }
            bytes.extend_from_slice(&chunk);
        }
        // An answer that is not JSON rejects nothing.
        let answer: Value = serde_json::from_slice(&bytes).unwrap_or_default();
        Ok(answer["rejected"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|key| key.as_str().map(str::to_owned))
            .collect())
    }
}
