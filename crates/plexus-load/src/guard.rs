//! The loopback guard: load is only ever sent to this machine unless the operator
//! explicitly allows otherwise with `--allow-non-loopback`.

use anyhow::{bail, Context, Result};
use std::net::{IpAddr, SocketAddr};
use url::Url;

/// Whether an IP address is a loopback address (127.0.0.0/8 or ::1, also as
/// IPv4-mapped IPv6).
pub fn is_loopback_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

/// Whether a URL's host is loopback: `localhost` (and `*.localhost`), 127.0.0.0/8 or `[::1]`.
pub fn is_loopback_url(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            d == "localhost" || d.ends_with(".localhost")
        }
        Some(url::Host::Ipv4(v4)) => is_loopback_ip(IpAddr::V4(v4)),
        Some(url::Host::Ipv6(v6)) => is_loopback_ip(IpAddr::V6(v6)),
        None => false,
    }
}

/// Parses a base URL and refuses non-loopback targets unless `allow_non_loopback`.
pub fn check_target(base: &str, allow_non_loopback: bool) -> Result<Url> {
    let url = Url::parse(base).with_context(|| format!("invalid base URL {base:?}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        bail!("base URL must be http or https, got {:?}", url.scheme());
    }
    if !allow_non_loopback && !is_loopback_url(&url) {
        bail!(
            "refusing non-loopback target {}: only 127.0.0.0/8, ::1 and localhost are allowed \
             (pass --allow-non-loopback to override)",
            url.host_str().unwrap_or("?")
        );
    }
    Ok(url)
}

/// Refuses to listen on a non-loopback socket address unless allowed.
pub fn check_listen(addr: SocketAddr, allow_non_loopback: bool) -> Result<()> {
    if !allow_non_loopback && !is_loopback_ip(addr.ip()) {
        bail!("refusing to listen on non-loopback address {addr} (pass --allow-non-loopback)");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_loopback_targets() {
        for t in [
            "http://127.0.0.1:8008",
            "http://127.1.2.3/",
            "http://localhost:8008",
            "http://LOCALHOST.",
            "https://[::1]:8448",
            "http://[::ffff:127.0.0.1]:80",
        ] {
            assert!(check_target(t, false).is_ok(), "{t} should be accepted");
        }
    }

    #[test]
    fn refuses_others_unless_allowed() {
        for t in [
            "http://10.0.0.1:8008",
            "https://example.org",
            "http://192.168.1.1",
            "http://[2001:db8::1]",
            "http://localhost.example.org",
            "http://0.0.0.0:8008",
        ] {
            assert!(check_target(t, false).is_err(), "{t} should be refused");
            assert!(check_target(t, true).is_ok(), "{t} allowed with the flag");
        }
        assert!(check_target("ftp://127.0.0.1", false).is_err());
        assert!(check_target("not a url", true).is_err());
    }

    #[test]
    fn listen_guard() {
        assert!(check_listen("127.0.0.1:0".parse().unwrap(), false).is_ok());
        assert!(check_listen("[::1]:0".parse().unwrap(), false).is_ok());
        assert!(check_listen("0.0.0.0:0".parse().unwrap(), false).is_err());
        assert!(check_listen("0.0.0.0:0".parse().unwrap(), true).is_ok());
    }
}
