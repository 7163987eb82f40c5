//! The IP-range deny list of outbound federation, checked on every address a
//! name resolves to (and on IP literals), so federation cannot reach internal hosts.

use std::net::IpAddr;

use ipnet::IpNet;

/// Parsed `federation.ip_range_denylist`.
#[derive(Clone, Debug, Default)]
pub struct IpDenyList {
    ranges: Vec<IpNet>,
}

impl IpDenyList {
    /// Parses CIDRs (`10.0.0.0/8`) or single addresses (`10.0.0.1`).
    pub fn parse(ranges: &[String]) -> Result<IpDenyList, String> {
        let ranges = ranges
            .iter()
            .map(|range| {
                range
                    .parse::<IpNet>()
                    .or_else(|_| range.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("federation.ip_range_denylist: {range:?} is not a CIDR"))
            })
            .collect::<Result<_, _>>()?;
        Ok(IpDenyList { ranges })
    }

    /// Whether `ip` may not be connected to. IPv4-mapped IPv6 counts as IPv4.
    pub fn is_denied(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        self.ranges.iter().any(|range| range.contains(&ip))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plexus_core::config::DEFAULT_IP_RANGE_DENYLIST;

    fn defaults() -> IpDenyList {
        let ranges: Vec<String> = DEFAULT_IP_RANGE_DENYLIST
            .iter()
            .map(|r| r.to_string())
            .collect();
        IpDenyList::parse(&ranges).unwrap()
    }

    #[test]
    fn default_list_denies_private_loopback_and_link_local() {
        let list = defaults();
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
        ] {
            assert!(list.is_denied(ip.parse().unwrap()), "{ip} should be denied");
        }
        for ip in ["8.8.8.8", "172.32.0.1", "2a00:1450::1", "::ffff:1.1.1.1"] {
            assert!(
                !list.is_denied(ip.parse().unwrap()),
                "{ip} should be allowed"
            );
        }
    }

    #[test]
    fn empty_list_allows_loopback() {
        let list = IpDenyList::parse(&[]).unwrap();
        assert!(!list.is_denied("127.0.0.1".parse().unwrap()));
        assert!(!list.is_denied("::1".parse().unwrap()));
    }

    #[test]
    fn single_addresses_and_garbage() {
        let list = IpDenyList::parse(&["10.0.0.1".into()]).unwrap();
        assert!(list.is_denied("10.0.0.1".parse().unwrap()));
        assert!(!list.is_denied("10.0.0.2".parse().unwrap()));
        assert!(IpDenyList::parse(&["not a range".into()]).is_err());
    }
}
