//! Who the client is behind proxies. Each proxy appends the address it saw to a header
//! (`X-Forwarded-For`, or RFC 7239 `Forwarded`); clients can write that header too, so only the
//! part added by proxies we trust (`FOTOBASE_TRUSTED_PROXIES`) is believed. Services read the
//! client from it; the gateway passes on a chain its services can believe.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request};
use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::config::{Config, ForwardedHeader};

const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

/// The proxies whose word about the client is believed, and the header they write it in.
#[derive(Debug, Clone, Default)]
pub struct Proxies {
    nets: Vec<ipnet::IpNet>,
    header: ForwardedHeader,
}

impl Proxies {
    /// From `trusted_proxies` (checked by `Config::validate`) and `forwarded_header`.
    pub fn new(config: &Config) -> Proxies {
        Proxies { nets: config.trusted_proxy_nets().unwrap_or_default(), header: config.forwarded_header }
    }

    pub fn is_empty(&self) -> bool {
        self.nets.is_empty()
    }

    fn trusts(&self, ip: &IpAddr) -> bool {
        self.nets.iter().any(|n| n.contains(ip))
    }

    /// The header the proxies write, and the one they do not (a client's, never believed).
    fn names(&self) -> (HeaderName, HeaderName) {
        match self.header {
            ForwardedHeader::XForwardedFor => (X_FORWARDED_FOR, header::FORWARDED),
            ForwardedHeader::Forwarded => (header::FORWARDED, X_FORWARDED_FOR),
        }
    }

    /// The client behind `peer`: walking back from `peer` through the header, the first hop that
    /// is not a trusted proxy (what comes before it was written by the client). `None` when `peer`
    /// is untrusted, every hop is trusted, or a hidden hop (`unknown`, an obfuscated name) ends the
    /// walk: then the peer stands for the client.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> Option<IpAddr> {
        if !self.trusts(&peer) {
            return None;
        }
        let (name, _) = self.names();
        let values = headers.get_all(name).iter().filter_map(|v| v.to_str().ok());
        let hops: Vec<Option<IpAddr>> = values
            .flat_map(|v| v.split(','))
            .map(|hop| match self.header {
                ForwardedHeader::XForwardedFor => hop.trim().parse().ok(),
                ForwardedHeader::Forwarded => forwarded_for(hop),
            })
            .collect();
        hops.into_iter().rev().map_while(|hop| hop).find(|ip| !self.trusts(ip))
    }

    /// Headers for the gateway's upstreams: `client` (the peer, which [`forwarded_client`] in
    /// front of the gateway already made the client its own trusted proxies name) alone, in the
    /// header the proxies write. Whatever else the caller wrote, in either header, is dropped: the
    /// services trust the gateway, so anything it passes on is believed.
    pub fn pass_on(&self, client: Option<IpAddr>, headers: &mut HeaderMap) {
        let (name, other) = self.names();
        headers.remove(&other);
        headers.remove(&name);
        let value = match (self.header, client) {
            (_, None) => return,
            (ForwardedHeader::XForwardedFor, Some(ip)) => ip.to_string(),
            (ForwardedHeader::Forwarded, Some(IpAddr::V4(ip))) => format!("for={ip}"),
            (ForwardedHeader::Forwarded, Some(IpAddr::V6(ip))) => format!("for=\"[{ip}]\""),
        };
        headers.insert(name, HeaderValue::from_str(&value).expect("an address is header text"));
    }
}

/// Middleware of the services: behind a trusted proxy, the forwarded client stands in for the
/// peer address everywhere after this layer (throttling, audit). From anyone else the header is
/// ignored: clients can write it.
pub async fn forwarded_client(proxies: Arc<Proxies>, mut req: Request, next: Next) -> Response {
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
    if let Some(peer) = peer
        && let Some(ip) = proxies.client(peer.ip(), req.headers())
    {
        req.extensions_mut().insert(ConnectInfo(SocketAddr::new(ip, peer.port())));
    }
    next.run(req).await
}

/// The address of one RFC 7239 `Forwarded` element's `for=` (`for=192.0.2.60`,
/// `for="192.0.2.43:47011"`, `for="[2001:db8:cafe::17]:4711"`); `None` for an obfuscated or
/// `unknown` node, or an element without `for`.
fn forwarded_for(element: &str) -> Option<IpAddr> {
    let value = element.split(';').find_map(|pair| {
        let (k, v) = pair.trim().split_once('=')?;
        k.trim().eq_ignore_ascii_case("for").then(|| v.trim().trim_matches('"'))
    })?;
    if let Some(rest) = value.strip_prefix('[') {
        return rest.split_once(']')?.0.parse().ok();
    }
    value.parse().ok().or_else(|| value.rsplit_once(':')?.0.parse::<std::net::Ipv4Addr>().ok().map(Into::into))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn proxies(nets: &[&str], header: ForwardedHeader) -> Proxies {
        Proxies { nets: nets.iter().map(|n| n.parse().unwrap()).collect(), header }
    }

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(HeaderName::from_bytes(k.as_bytes()).unwrap(), v.parse().unwrap());
        }
        h
    }

    #[test]
    fn forwarded_elements_name_their_client() {
        let some = |s: &str| Some(ip(s));
        assert_eq!(forwarded_for("for=192.0.2.60;proto=http;by=203.0.113.43"), some("192.0.2.60"));
        assert_eq!(forwarded_for(" proto=https; For=\"192.0.2.43:47011\""), some("192.0.2.43"));
        assert_eq!(forwarded_for("for=\"[2001:db8:cafe::17]:4711\""), some("2001:db8:cafe::17"));
        assert_eq!(forwarded_for("for=\"[2001:db8:cafe::17]\""), some("2001:db8:cafe::17"));
        for hidden in ["for=unknown", "for=_hidden", "by=203.0.113.43", "for=\"[::1\"", ""] {
            assert_eq!(forwarded_for(hidden), None, "{hidden}");
        }
    }

    /// The client is the last address before our own proxies; a chain from anyone else, or one
    /// whose nearest hops are hidden, names nobody.
    #[test]
    fn the_client_is_the_first_untrusted_hop_from_the_end() {
        let p = proxies(&["10.0.0.0/8"], ForwardedHeader::XForwardedFor);
        let xff = |v: &str| headers(&[("x-forwarded-for", v)]);
        assert_eq!(p.client(ip("10.0.0.2"), &xff("198.51.100.1, 203.0.113.9, 10.0.0.7")), Some(ip("203.0.113.9")));
        assert_eq!(p.client(ip("192.0.2.1"), &xff("203.0.113.9")), None, "the header of an untrusted peer");
        assert_eq!(p.client(ip("10.0.0.2"), &xff("203.0.113.9, unknown")), None);
        assert_eq!(p.client(ip("10.0.0.2"), &xff("10.0.0.9")), None);
        assert_eq!(p.client(ip("10.0.0.2"), &HeaderMap::new()), None);
        // The other header is a client's.
        assert_eq!(p.client(ip("10.0.0.2"), &headers(&[("forwarded", "for=203.0.113.9")])), None);
    }

    /// What the gateway sends on: the client alone, whatever the caller wrote in either header;
    /// the services find that client again.
    #[test]
    fn the_gateway_passes_on_the_client_alone() {
        let forged = [("x-forwarded-for", "198.51.100.1, 10.0.0.7"), ("forwarded", "for=198.51.100.2")];
        let passed = |p: &Proxies, client: Option<&str>| {
            let mut h = headers(&forged);
            p.pass_on(client.map(ip), &mut h);
            let text = |name: &str| {
                let values: Vec<_> = h.get_all(name).iter().map(|v| v.to_str().unwrap().to_owned()).collect();
                (!values.is_empty()).then(|| values.join(" | "))
            };
            (text("x-forwarded-for"), text("forwarded"), h)
        };
        let xff = proxies(&["10.0.0.0/8"], ForwardedHeader::XForwardedFor);
        let (x, f, h) = passed(&xff, Some("203.0.113.9"));
        assert_eq!((x.as_deref(), f), (Some("203.0.113.9"), None));
        assert_eq!(xff.client(ip("10.0.0.3"), &h), Some(ip("203.0.113.9")));
        let (x, f, _) = passed(&xff, None);
        assert_eq!((x, f), (None, None));

        let rfc = proxies(&["10.0.0.0/8"], ForwardedHeader::Forwarded);
        let (x, f, h) = passed(&rfc, Some("2001:db8::9"));
        assert_eq!((x, f.as_deref()), (None, Some("for=\"[2001:db8::9]\"")));
        assert_eq!(rfc.client(ip("10.0.0.3"), &h), Some(ip("2001:db8::9")));
        let (_, f, _) = passed(&rfc, Some("192.0.2.4"));
        assert_eq!(f.as_deref(), Some("for=192.0.2.4"));
    }
}
