//! Name resolution: ureq's resolver behind a short-lived cache, with a
//! failed lookup reported as "does not resolve" (a connect failure) rather
//! than a bare I/O error.
//!
//! ureq resolves the host of every request, pooled connection or not, and
//! with a resolve timeout it does so in a new thread: without the cache
//! that lookup was a third of a keep-alive request's cost.
//!
//! `localhost` and `*.localhost` are the loopback addresses without asking
//! the system (RFC 6761, section 6.3), as curl has done since 7.78: no
//! lookup thread, no file read, and never an answer from DNS for a name
//! that must stay on this machine.

use std::collections::HashMap;
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

use super::proxy::Routes;

/// How long a successful lookup is reused. Short, so that a changed DNS
/// record is seen within seconds; a failed lookup is never cached.
pub(crate) const LOOKUP_TTL: Duration = Duration::from_secs(5);

/// [`DefaultResolver`] with successful lookups cached for [`LOOKUP_TTL`]
/// and failures as `NotFound` I/O errors.
#[derive(Debug, Default)]
pub(crate) struct HostResolver {
    inner: DefaultResolver,
    cache: Mutex<HashMap<String, (Instant, ResolvedSocketAddrs)>>,
    /// A target that goes through a proxy is not resolved here: the proxy
    /// resolves it (the way out may be the only one that can).
    routes: Arc<Routes>,
}

impl Resolver for HostResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        if self.routes.proxied_uri(uri).is_some() {
            return Ok(self.inner.empty());
        }
        if let Some(addrs) = self.loopback(uri, config) {
            return Ok(addrs);
        }
        let key = uri.authority().map(|a| a.as_str()).unwrap_or_default();
        if let Some((at, addrs)) = self.lock().get(key)
            && at.elapsed() < LOOKUP_TTL
        {
            return Ok(addrs.clone());
        }
        let addrs = self
            .inner
            .resolve(uri, config, timeout)
            .map_err(|e| match e {
                ureq::Error::Io(e) => ureq::Error::Io(io::Error::new(
                    io::ErrorKind::NotFound,
                    format!("the host name does not resolve ({e})"),
                )),
                other => other,
            })?;
        self.lock()
            .insert(key.to_string(), (Instant::now(), addrs.clone()));
        Ok(addrs)
    }
}

impl HostResolver {
    pub fn new(routes: Arc<Routes>) -> HostResolver {
        HostResolver {
            routes,
            ..HostResolver::default()
        }
    }

    /// 127.0.0.1 and ::1 (as far as `config`'s IP family allows) for
    /// `localhost` and `*.localhost`, with or without a final dot.
    fn loopback(&self, uri: &Uri, config: &Config) -> Option<ResolvedSocketAddrs> {
        let host = uri.host()?;
        let host = host.strip_suffix('.').unwrap_or(host).as_bytes();
        const NAME: &[u8] = b"localhost";
        let local = host.len() >= NAME.len()
            && host[host.len() - NAME.len()..].eq_ignore_ascii_case(NAME)
            && (host.len() == NAME.len() || host[host.len() - NAME.len() - 1] == b'.');
        if !local {
            return None;
        }
        let port = uri.port_u16().or_else(|| match uri.scheme_str()? {
            "https" => Some(443),
            "http" => Some(80),
            _ => None,
        })?;
        let both = [
            SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
            SocketAddr::from((Ipv6Addr::LOCALHOST, port)),
        ];
        let mut addrs = self.inner.empty();
        for addr in config.ip_family().keep_wanted(both.into_iter()) {
            addrs.push(addr);
        }
        (!addrs.is_empty()).then_some(addrs)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Instant, ResolvedSocketAddrs)>> {
        self.cache.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caches_lookups_and_reports_failures_as_not_found() {
        let resolver = HostResolver::default();
        let config = Config::default();
        let uri: Uri = "https://127.0.0.1:4200/".parse().unwrap();
        let first = resolver
            .resolve(&uri, &config, NextTimeout::default())
            .unwrap();
        assert!(!first.is_empty());
        assert_eq!(resolver.lock().len(), 1);
        let again = resolver
            .resolve(&uri, &config, NextTimeout::default())
            .unwrap();
        assert_eq!(first, again);

        let bad: Uri = "https://no-such-host.invalid:1/".parse().unwrap();
        match resolver.resolve(&bad, &config, NextTimeout::default()) {
            Err(ureq::Error::Io(e)) => assert_eq!(e.kind(), io::ErrorKind::NotFound),
            Err(ureq::Error::HostNotFound) => {}
            other => panic!("{other:?}"),
        }
        assert_eq!(resolver.lock().len(), 1, "a failed lookup is not cached");
    }

    #[test]
    fn localhost_names_are_loopback_without_a_lookup() {
        let resolver = HostResolver::default();
        let config = Config::default();
        let loopback = |port| {
            vec![
                SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
                SocketAddr::from((Ipv6Addr::LOCALHOST, port)),
            ]
        };
        for (uri, port) in [
            ("https://localhost:4200/", 4200),
            ("https://LocalHost./", 443),
            ("http://db.localhost/", 80),
            ("http://a.b.LOCALHOST.:9200/", 9200),
        ] {
            let uri: Uri = uri.parse().unwrap();
            let addrs = resolver
                .resolve(&uri, &config, NextTimeout::default())
                .unwrap();
            assert_eq!(addrs.to_vec(), loopback(port), "{uri}");
        }
        assert!(resolver.lock().is_empty(), "nothing was looked up");
        for other in [
            "https://notlocalhost/",
            "https://localhost.example.com/",
            "https://127.0.0.2/",
        ] {
            let uri: Uri = other.parse().unwrap();
            assert!(resolver.loopback(&uri, &config).is_none(), "{other}");
        }
        let v4: Config = Config::builder()
            .ip_family(ureq::config::IpFamily::Ipv4Only)
            .build();
        let uri: Uri = "https://localhost:1/".parse().unwrap();
        assert_eq!(
            resolver.loopback(&uri, &v4).unwrap().to_vec(),
            vec![SocketAddr::from((Ipv4Addr::LOCALHOST, 1))]
        );
    }
}
