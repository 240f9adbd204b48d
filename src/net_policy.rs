//! The upstream policy: which network addresses Posta may connect to on a person's behalf.
//!
//! A public gateway that connects wherever a login form says would be a port scanner into its
//! own network. Every host that discovery finds, every host a person types in the advanced
//! form, and every IMAP or SMTP server a session connects to is resolved once with
//! [`resolve_allowed`], checked here, and then connected to by the checked address, so a DNS
//! answer cannot change between the check and the connection (DNS rebinding).
//!
//! This module sits below `imap`, `smtp` and `discovery`, which all import it; it imports none
//! of them.
//!
//! The address ranges are a hand-written table rather than a crate's: the standard library's
//! `IpAddr::is_global`, which would answer the question, is still unstable, and the table is
//! short. It follows the IANA special-purpose registries, judges the IPv4 address that mapped,
//! NAT64 and 6to4 IPv6 addresses carry, and every range in it is tested below.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

/// Why an address may not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// The host resolved to an address in a range that is not the public internet.
    #[error("{addr} is a {range} address, which this gateway does not connect to")]
    Refused {
        addr: IpAddr,
        /// Human name of the range, e.g. "loopback" or "private (RFC 1918)".
        range: &'static str,
    },
    /// The host resolved to no address at all.
    #[error("the host has no address")]
    NoAddress,
}

/// Why a host could not be turned into addresses that may be used.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    #[error("looking up {host}")]
    Lookup {
        host: String,
        #[source]
        source: std::io::Error,
    },
    #[error("looking up {host} took longer than {timeout:?}")]
    Timeout { host: String, timeout: Duration },
    #[error("{host} is not allowed")]
    Policy {
        host: String,
        #[source]
        source: PolicyError,
    },
}

/// Accepts the addresses only if every one of them is on the public internet, or if the
/// operator allows private networks.
///
/// All addresses must pass, not just one: a name answering with one public and one private
/// address would otherwise let the connection land on the private one.
pub fn check_host_allowed(addrs: &[IpAddr], allow_private: bool) -> Result<(), PolicyError> {
    if addrs.is_empty() {
        return Err(PolicyError::NoAddress);
    }
    if allow_private {
        return Ok(());
    }
    for &addr in addrs {
        if let Some(range) = refused_range(addr) {
            return Err(PolicyError::Refused { addr, range });
        }
    }
    Ok(())
}

/// Resolves `host` once (an IP literal resolves to itself), applies [`check_host_allowed`]
/// and returns the addresses to connect to. Use this for the "advanced" server a person types.
pub async fn resolve_allowed(
    host: &str,
    port: u16,
    allow_private: bool,
    timeout: Duration,
) -> Result<Vec<SocketAddr>, ResolveError> {
    let lookup = tokio::net::lookup_host((host, port));
    let addrs: Vec<SocketAddr> = match tokio::time::timeout(timeout, lookup).await {
        Ok(Ok(addrs)) => addrs.collect(),
        Ok(Err(source)) => {
            return Err(ResolveError::Lookup {
                host: host.to_owned(),
                source,
            });
        }
        Err(_) => {
            return Err(ResolveError::Timeout {
                host: host.to_owned(),
                timeout,
            });
        }
    };
    let ips: Vec<IpAddr> = addrs.iter().map(SocketAddr::ip).collect();
    check_host_allowed(&ips, allow_private).map_err(|source| ResolveError::Policy {
        host: host.to_owned(),
        source,
    })?;
    Ok(addrs)
}

/// Names the non-public range `addr` falls in, or `None` for a public address.
pub fn refused_range(addr: IpAddr) -> Option<&'static str> {
    match addr {
        IpAddr::V4(v4) => refused_v4(v4),
        IpAddr::V6(v6) => refused_v6(v6),
    }
}

fn refused_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    let range = match (a, b, c) {
        (0, _, _) => "unspecified (0.0.0.0/8)",
        (10, _, _) => "private (RFC 1918)",
        (100, 64..=127, _) => "shared carrier-grade NAT (100.64.0.0/10)",
        (127, _, _) => "loopback",
        (169, 254, _) => "link-local",
        (172, 16..=31, _) => "private (RFC 1918)",
        (192, 0, 0) => "IETF protocol assignment (192.0.0.0/24)",
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => "documentation",
        (192, 88, 99) => "6to4 relay anycast",
        (192, 168, _) => "private (RFC 1918)",
        (198, 18..=19, _) => "benchmarking (198.18.0.0/15)",
        (224..=239, _, _) => "multicast",
        (240..=255, _, _) => "reserved (240.0.0.0/4)",
        _ => return None,
    };
    Some(range)
}

fn refused_v6(ip: Ipv6Addr) -> Option<&'static str> {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return refused_v4(v4);
    }
    let s = ip.segments();
    let range = match s {
        [0, 0, 0, 0, 0, 0, 0, 0] => "unspecified",
        [0, 0, 0, 0, 0, 0, 0, 1] => "loopback",
        // Deprecated IPv4-compatible addresses (::a.b.c.d): nothing public lives there.
        [0, 0, 0, 0, 0, 0, _, _] => "IPv4-compatible (::/96)",
        // NAT64 well-known prefix: judge the IPv4 address it carries.
        [0x64, 0xff9b, 0, 0, 0, 0, hi, lo] => return refused_v4(embedded_v4(hi, lo)),
        [0x64, 0xff9b, 1, ..] => "local-use NAT64 (64:ff9b:1::/48)",
        [0x100, 0, 0, 0, ..] => "discard-only (100::/64)",
        [0x2001, 0x0db8, ..] => "documentation",
        // 6to4 carries an IPv4 address in its second and third groups.
        [0x2002, hi, lo, ..] => return refused_v4(embedded_v4(hi, lo)),
        [0x2001, 0x0000..=0x01ff, ..] => "IETF special-purpose (2001::/23)",
        [first, ..] if first & 0xfe00 == 0xfc00 => "unique local (fc00::/7)",
        [first, ..] if first & 0xffc0 == 0xfe80 => "link-local",
        [first, ..] if first & 0xffc0 == 0xfec0 => "site-local (fec0::/10)",
        [first, ..] if first & 0xff00 == 0xff00 => "multicast",
        _ => return None,
    };
    Some(range)
}

fn embedded_v4(hi: u16, lo: u16) -> Ipv4Addr {
    Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(ip: &str) -> bool {
        let ip: IpAddr = ip.parse().unwrap();
        check_host_allowed(&[ip], false).is_err()
    }

    #[test]
    fn every_non_public_ipv4_range_is_refused() {
        for ip in [
            "0.0.0.0",
            "0.1.2.3",
            "10.0.0.1",
            "10.255.255.255",
            "100.64.0.1",
            "100.127.255.254",
            "127.0.0.1",
            "127.8.8.8",
            "169.254.169.254",
            "172.16.0.1",
            "172.31.255.255",
            "192.0.0.8",
            "192.0.2.10",
            "192.88.99.1",
            "192.168.1.1",
            "198.18.0.1",
            "198.19.255.255",
            "198.51.100.7",
            "203.0.113.9",
            "224.0.0.251",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
        ] {
            assert!(refused(ip), "{ip} should be refused");
        }
    }

    #[test]
    fn every_non_public_ipv6_range_is_refused() {
        for ip in [
            "::",
            "::1",
            "::127.0.0.1",
            "::ffff:127.0.0.1",
            "::ffff:10.1.2.3",
            "::ffff:169.254.169.254",
            "64:ff9b::10.0.0.1",
            "64:ff9b:1::1",
            "100::1",
            "2001:db8::1",
            "2001::1",
            "2002:c0a8:0101::1",
            "fc00::1",
            "fd12:3456:789a::1",
            "fe80::1",
            "febf::1",
            "fec0::1",
            "ff02::1",
        ] {
            assert!(refused(ip), "{ip} should be refused");
        }
    }

    #[test]
    fn public_addresses_are_allowed() {
        for ip in [
            "1.1.1.1",
            "8.8.8.8",
            "94.100.180.70",
            "100.63.255.255",
            "100.128.0.1",
            "172.15.255.255",
            "172.32.0.1",
            "192.169.0.1",
            "223.255.255.255",
            "::ffff:8.8.8.8",
            "64:ff9b::8.8.8.8",
            "2002:0808:0808::1",
            "2a00:1450:4010:c0e::6c",
            "2606:4700:4700::1111",
        ] {
            assert!(!refused(ip), "{ip} should be allowed");
        }
    }

    #[test]
    fn one_private_address_among_public_ones_refuses_the_host() {
        let addrs: Vec<IpAddr> = vec!["8.8.8.8".parse().unwrap(), "10.0.0.1".parse().unwrap()];
        let err = check_host_allowed(&addrs, false).unwrap_err();
        assert_eq!(
            err,
            PolicyError::Refused {
                addr: "10.0.0.1".parse().unwrap(),
                range: "private (RFC 1918)"
            }
        );
    }

    #[test]
    fn the_operator_can_allow_private_networks() {
        let addrs: Vec<IpAddr> = vec!["127.0.0.1".parse().unwrap(), "fd00::1".parse().unwrap()];
        assert_eq!(check_host_allowed(&addrs, true), Ok(()));
    }

    #[test]
    fn a_host_without_addresses_is_refused_even_when_private_is_allowed() {
        assert_eq!(check_host_allowed(&[], true), Err(PolicyError::NoAddress));
    }

    #[test]
    fn the_refusal_names_the_range_in_words() {
        let err = check_host_allowed(&["127.0.0.1".parse().unwrap()], false).unwrap_err();
        assert_eq!(
            err.to_string(),
            "127.0.0.1 is a loopback address, which this gateway does not connect to"
        );
    }

    #[tokio::test]
    async fn resolving_an_ip_literal_applies_the_policy() {
        let refused = resolve_allowed("127.0.0.1", 993, false, Duration::from_secs(1)).await;
        assert!(matches!(refused, Err(ResolveError::Policy { .. })));

        let allowed = resolve_allowed("127.0.0.1", 993, true, Duration::from_secs(1))
            .await
            .unwrap();
        assert_eq!(allowed, vec!["127.0.0.1:993".parse().unwrap()]);
    }
}
