//! The outbound client: finds the destination ([`crate::discovery`]), signs
//! every request with `X-Matrix`, speaks https through rustls (built-in web
//! roots plus `federation.ca_file`; `verify_tls = false` for tests), applies the
//! IP deny list after DNS resolution, a whole-request timeout and a
//! response-size limit.

pub mod denylist;
pub mod dns;

use std::{net::IpAddr, sync::Arc, time::Duration};

use http::Method;
use plexus_core::config::FederationConfig;
use plexus_service::Services;
use serde_json::Value;

use crate::{
    discovery::{Destination, Discovery, InvalidServerName, NetworkBackend},
    xmatrix::sign::{SignatureError, SignedRequest},
};
use denylist::IpDenyList;
use dns::FilteringResolver;

/// Why an outbound request failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("configuration: {0}")]
    Config(String),
    #[error(transparent)]
    InvalidServerName(#[from] InvalidServerName),
    #[error("{0} is in the IP range deny list")]
    Denied(String),
    #[error("request to {destination} failed: {message}")]
    Transport {
        destination: String,
        message: String,
    },
    #[error("{destination} answered {status}: {body}")]
    Status {
        destination: String,
        status: u16,
        body: Value,
    },
    #[error("response from {0} exceeds the size limit")]
    TooLarge(String),
    #[error("response from {0} is not JSON")]
    NotJson(String),
    #[error("federation is disabled")]
    Disabled,
    #[error(transparent)]
    Signature(#[from] SignatureError),
}

/// Sends (signed) requests to other servers.
pub struct FederationClient {
    services: Arc<Services>,
    http: reqwest::Client,
    resolver: FilteringResolver,
    deny: Arc<IpDenyList>,
    discovery: Discovery<NetworkBackend>,
    max_response_bytes: u64,
}

impl FederationClient {
    /// Builds the client from `services.config.federation`.
    pub fn new(services: Arc<Services>) -> Result<Self, ClientError> {
        let config = &services.config.federation;
        let deny =
            Arc::new(IpDenyList::parse(&config.ip_range_denylist).map_err(ClientError::Config)?);
        let resolver = FilteringResolver::new(deny.clone());
        let http = http_client(config, &resolver, reqwest::redirect::Policy::none())?;
        let well_known_http = http_client(config, &resolver, safe_redirects(deny.clone()))?;
        Ok(FederationClient {
            max_response_bytes: config.max_response_bytes,
            discovery: Discovery::new(NetworkBackend::new(well_known_http)),
            services,
            http,
            resolver,
            deny,
        })
    }

    /// Where requests for `server` go (after `.well-known` and SRV).
    pub async fn destination(&self, server: &str) -> Result<Destination, ClientError> {
        let destination = self.discovery.resolve(server).await?;
        if let Ok(ip) = destination.host.parse::<IpAddr>() {
            if self.deny.is_denied(ip) {
                return Err(ClientError::Denied(ip.to_string()));
            }
        }
        self.resolver
            .set_target(&destination.host, destination.connect_to.as_deref());
        Ok(destination)
    }

    /// Sends a request signed with our key to `server` (a server name, before delegation).
    /// `path` starts with `/_matrix/`, includes the query and is already percent-encoded:
    /// it is signed exactly as sent. Returns the JSON body of a 2xx answer,
    /// [`ClientError::Status`] (with the peer's JSON error) otherwise.
    pub async fn send(
        &self,
        server: &str,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, ClientError> {
        self.request(server, method, path, body, true).await
    }

    /// Like [`FederationClient::send`], without the `Authorization` header (key API).
    pub async fn send_unsigned(
        &self,
        server: &str,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, ClientError> {
        self.request(server, method, path, body, false).await
    }

    async fn request(
        &self,
        server: &str,
        method: Method,
        path: &str,
        body: Option<&Value>,
        signed: bool,
    ) -> Result<Value, ClientError> {
        if !self.services.config.federation.enabled {
            return Err(ClientError::Disabled);
        }
        let destination = self.destination(server).await?;
        let url = format!("{}{path}", destination.base_url());
        let mut request = self
            .http
            .request(method.clone(), url)
            .header(http::header::HOST, &destination.host_header);
        if let Some(body) = body {
            request = request.json(body);
        }
        if signed {
            let signed = SignedRequest {
                method: method.as_str(),
                uri: path,
                origin: self.services.server_name().as_str(),
                destination: server,
                content: body,
            };
            request = request.header(
                http::header::AUTHORIZATION,
                signed.authorization(&self.services.key)?,
            );
        }
        let response = request.send().await.map_err(|e| transport(server, e))?;
        self.read_json(server, response).await
    }

    /// The body as JSON, refusing bodies over the size limit (before and while reading).
    async fn read_json(
        &self,
        server: &str,
        mut response: reqwest::Response,
    ) -> Result<Value, ClientError> {
        let too_large = || ClientError::TooLarge(server.to_owned());
        if response
            .content_length()
            .is_some_and(|len| len > self.max_response_bytes)
        {
            return Err(too_large());
        }
        let status = response.status();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| transport(server, e))? {
            if (body.len() + chunk.len()) as u64 > self.max_response_bytes {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        let json: Option<Value> = serde_json::from_slice(&body).ok();
        if !status.is_success() {
            return Err(ClientError::Status {
                destination: server.to_owned(),
                status: status.as_u16(),
                body: json.unwrap_or(Value::Null),
            });
        }
        json.ok_or_else(|| ClientError::NotJson(server.to_owned()))
    }
}

fn transport(server: &str, error: reqwest::Error) -> ClientError {
    let mut message = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(inner) = source {
        message.push_str(&format!(": {inner}"));
        source = inner.source();
    }
    ClientError::Transport {
        destination: server.to_owned(),
        message,
    }
}

/// Up to five redirects (for `.well-known`), never to an IP literal in the deny list
/// (names are filtered by the resolver, literals never reach it).
fn safe_redirects(deny: Arc<IpDenyList>) -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(move |attempt| {
        let denied = match attempt.url().host() {
            Some(url::Host::Ipv4(ip)) => deny.is_denied(IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => deny.is_denied(IpAddr::V6(ip)),
            _ => false,
        };
        if denied {
            attempt.error("redirect to an address in the IP range deny list")
        } else if attempt.previous().len() >= 5 {
            attempt.error("too many redirects")
        } else {
            attempt.follow()
        }
    })
}

/// A reqwest client with rustls, the deny-list resolver, timeouts and the configured trust.
pub(crate) fn http_client(
    config: &FederationConfig,
    resolver: &FilteringResolver,
    redirects: reqwest::redirect::Policy,
) -> Result<reqwest::Client, ClientError> {
    let mut builder = reqwest::Client::builder()
        .use_rustls_tls()
        .dns_resolver(Arc::new(resolver.clone()))
        .redirect(redirects)
        .timeout(Duration::from_secs(config.request_timeout_secs))
        .connect_timeout(Duration::from_secs(config.request_timeout_secs.min(10)))
        .user_agent(concat!("Plexus/", env!("CARGO_PKG_VERSION")))
        .danger_accept_invalid_certs(!config.verify_tls);
    if let Some(path) = &config.ca_file {
        let pem = std::fs::read(path).map_err(|e| {
            ClientError::Config(format!("federation.ca_file {}: {e}", path.display()))
        })?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
            ClientError::Config(format!("federation.ca_file {}: {e}", path.display()))
        })?;
        for cert in certs {
            builder = builder.add_root_certificate(cert);
        }
    }
    builder
        .build()
        .map_err(|e| ClientError::Config(format!("federation HTTP client: {e}")))
}

#[cfg(test)]
mod tests;
