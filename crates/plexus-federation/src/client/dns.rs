//! The DNS resolver handed to reqwest: resolves a host (or the SRV target
//! discovery chose for it) and drops every address in the IP deny list, so the
//! list applies after DNS resolution and a name cannot smuggle in an internal address.

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{Arc, RwLock},
};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use super::denylist::IpDenyList;

/// Resolves through the system resolver, filtered by the deny list.
#[derive(Clone)]
pub struct FilteringResolver {
    deny: Arc<IpDenyList>,
    /// host in the URL → host to resolve instead (an SRV target).
    targets: Arc<RwLock<HashMap<String, String>>>,
}

/// Every address of a name was denied (or it had none).
#[derive(Debug, thiserror::Error)]
#[error("no allowed address for {0} (IP range deny list)")]
pub struct AllAddressesDenied(pub String);

impl FilteringResolver {
    pub fn new(deny: Arc<IpDenyList>) -> Self {
        FilteringResolver {
            deny,
            targets: Arc::default(),
        }
    }

    /// Makes connections to `host` go to `target` (discovery found an SRV record).
    pub fn set_target(&self, host: &str, target: Option<&str>) {
        let mut targets = self.targets.write().expect("resolver targets poisoned");
        match target {
            Some(target) if target != host => targets.insert(host.to_owned(), target.to_owned()),
            _ => targets.remove(host),
        };
    }

    fn target_of(&self, host: &str) -> String {
        let targets = self.targets.read().expect("resolver targets poisoned");
        targets
            .get(host)
            .cloned()
            .unwrap_or_else(|| host.to_owned())
    }

    /// The allowed addresses of `host` (port 0: the caller sets the port).
    pub async fn lookup(&self, host: &str) -> Result<Vec<SocketAddr>, std::io::Error> {
        let target = self.target_of(host);
        let addrs: Vec<SocketAddr> = tokio::net::lookup_host((target.as_str(), 0))
            .await?
            .filter(|addr| !self.deny.is_denied(addr.ip()))
            .collect();
        if addrs.is_empty() {
            return Err(std::io::Error::other(AllAddressesDenied(host.to_owned())));
        }
        Ok(addrs)
    }
}

impl Resolve for FilteringResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let this = self.clone();
        Box::pin(async move {
            let addrs = this.lookup(name.as_str()).await?;
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolver(ranges: &[&str]) -> FilteringResolver {
        let ranges: Vec<String> = ranges.iter().map(|r| r.to_string()).collect();
        FilteringResolver::new(Arc::new(IpDenyList::parse(&ranges).unwrap()))
    }

    #[tokio::test]
    async fn denied_ranges_are_refused_after_resolution() {
        let resolver = resolver(&["127.0.0.0/8", "::1/128"]);
        let err = resolver.lookup("localhost").await.unwrap_err();
        assert!(err.to_string().contains("deny list"), "{err}");
        assert!(resolver.lookup("127.0.0.1").await.is_err());
    }

    #[tokio::test]
    async fn loopback_is_allowed_when_the_list_is_empty() {
        let resolver = resolver(&[]);
        let addrs = resolver.lookup("127.0.0.1").await.unwrap();
        assert_eq!(addrs[0].ip().to_string(), "127.0.0.1");
    }

    #[tokio::test]
    async fn an_srv_target_is_resolved_and_filtered_in_place_of_the_host() {
        let resolver = resolver(&["10.0.0.0/8"]);
        resolver.set_target("chat.example", Some("127.0.0.1"));
        let addrs = resolver.lookup("chat.example").await.unwrap();
        assert_eq!(addrs[0].ip().to_string(), "127.0.0.1");
        resolver.set_target("chat.example", Some("10.0.0.7"));
        assert!(resolver.lookup("chat.example").await.is_err());
    }
}
