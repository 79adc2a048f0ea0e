//! The client's address as the server believes it: the socket peer, or
//! what a trusted proxy says in `X-Forwarded-For`. One resolver for every
//! use: the location guard (through the restaurant's trusted proxies) and
//! the login limits (through the deployment's).

use std::net::{IpAddr, SocketAddr};

use axum::http::HeaderMap;
use ipnet::IpNet;

/// The client's address: the socket peer, or — only when the peer is a
/// trusted proxy — the rightmost `X-Forwarded-For` entry that is not itself a
/// trusted proxy. `None` when a trusted proxy sent an unreadable header, or
/// none naming an untrusted client: an unknown client is never taken for a
/// local one.
pub fn client_ip(peer: SocketAddr, headers: &HeaderMap, trusted: &[IpNet]) -> Option<IpAddr> {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|n| n.contains(ip));
    let mut client = peer.ip().to_canonical();
    if !is_trusted(&client) {
        return Some(client);
    }
    let mut hops = Vec::new();
    for value in headers.get_all("x-forwarded-for") {
        let text = value.to_str().ok()?;
        hops.extend(
            text.split(',')
                .map(str::trim)
                .filter(|h| !h.is_empty())
                .map(str::to_owned),
        );
    }
    for hop in hops.iter().rev() {
        client = parse_hop(hop)?.to_canonical();
        if !is_trusted(&client) {
            return Some(client);
        }
    }
    // Only trusted proxies (or no header at all): nobody to vouch for.
    None
}

/// `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1` or `[2001:db8::1]:5678`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().expect("ip"))
    }

    #[test]
    fn forwarded_for_is_believed_only_through_trusted_proxies() {
        let trusted: Vec<IpNet> = vec!["10.0.0.2/32".parse().expect("net")];
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", "192.168.1.20".parse().expect("header"));
        let untrusted_peer: SocketAddr = "203.0.113.9:5000".parse().expect("addr");
        assert_eq!(
            client_ip(untrusted_peer, &h, &trusted),
            ip("203.0.113.9"),
            "forged header ignored"
        );
        let proxy: SocketAddr = "10.0.0.2:5000".parse().expect("addr");
        assert_eq!(client_ip(proxy, &h, &trusted), ip("192.168.1.20"));
        // A client cannot prepend a fake hop: the rightmost untrusted one wins.
        h.insert(
            "x-forwarded-for",
            "192.168.1.20, 203.0.113.9".parse().expect("header"),
        );
        assert_eq!(client_ip(proxy, &h, &trusted), ip("203.0.113.9"));
        h.insert("x-forwarded-for", "garbage".parse().expect("header"));
        assert_eq!(
            client_ip(proxy, &HeaderMap::new(), &trusted),
            None,
            "the proxy itself is no client"
        );
        assert_eq!(client_ip(proxy, &h, &trusted), None);
        let mapped: SocketAddr = "[::ffff:192.168.1.20]:80".parse().expect("addr");
        assert_eq!(
            client_ip(mapped, &HeaderMap::new(), &trusted),
            ip("192.168.1.20")
        );
    }
}
