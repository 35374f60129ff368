//! Name resolution: the system's lookup behind a short-lived cache, with a
//! failed lookup reported as "does not resolve" (a connect failure) rather
//! than a bare I/O error, and given up when its timeout runs out.
//!
//! ureq resolves the host of every request, pooled connection or not, and
//! a lookup with a timeout runs on a helper thread (the system's
//! `getaddrinfo` cannot be interrupted): without the cache that lookup was
//! a third of a keep-alive request's cost. The timeout is ureq's resolve
//! timeout (`connect_timeout`) already cut to the call's deadline by
//! [`super::deadline::Bounded`], so a hung lookup holds a call no longer
//! than its `timeout`; the lookup given up on ends on its helper thread.
//!
//! An IP address needs no lookup, and here gets no thread (ureq starts
//! one for it too). `localhost` and `*.localhost` are the loopback
//! addresses without asking the system (RFC 6761, section 6.3), as curl
//! has done since 7.78: no lookup thread, no file read, and never an
//! answer from DNS for a name that must stay on this machine.

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

use super::deadline::ResolveWithin;
use super::proxy::Routes;

/// How long a successful lookup is reused. Short, so that a changed DNS
/// record is seen within seconds; a failed lookup is never cached.
pub(crate) const LOOKUP_TTL: Duration = Duration::from_secs(5);

/// How many addresses of one name are kept (ureq's `ResolvedSocketAddrs`
/// holds 16).
const MAX_ADDRS: usize = 16;

/// A blocking lookup of `host:port`.
pub(crate) type Lookup = fn(&str) -> io::Result<Vec<SocketAddr>>;

/// The system's lookup (`getaddrinfo` on Unix).
pub(crate) fn system_lookup(host_port: &str) -> io::Result<Vec<SocketAddr>> {
    Ok(host_port.to_socket_addrs()?.collect())
}

/// The system's lookup within the timeout ureq hands down, with
/// successful lookups cached for [`LOOKUP_TTL`] and failures as `NotFound`
/// I/O errors.
#[derive(Debug)]
pub(crate) struct HostResolver {
    lookup: Lookup,
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
        self.resolve_within(uri, config, &|| Ok(timeout))
    }
}

impl ResolveWithin for HostResolver {
    /// The addresses, with the moment they were had noted for the attempt
    /// under way.
    fn resolve_within(
        &self,
        uri: &Uri,
        config: &Config,
        bound: &dyn Fn() -> Result<NextTimeout, ureq::Error>,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let addrs = self.cached_or_looked_up(uri, config, bound)?;
        super::wire::reached(crate::attempt::Phase::Resolved, None, None);
        Ok(addrs)
    }
}

impl HostResolver {
    /// A proxied name (left to the proxy), a lookup made less than
    /// [`LOOKUP_TTL`] ago, or an address: at once; else a lookup within
    /// `bound()`.
    fn cached_or_looked_up(
        &self,
        uri: &Uri,
        config: &Config,
        bound: &dyn Fn() -> Result<NextTimeout, ureq::Error>,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        if self.routes.resolved_by_proxy(uri) {
            return Ok(self.empty());
        }
        let key = uri.authority().map(|a| a.as_str()).unwrap_or_default();
        if let Some((at, addrs)) = self.lock().get(key)
            && at.elapsed() < LOOKUP_TTL
        {
            return Ok(addrs.clone());
        }
        let addrs = match self.without_lookup(uri, config) {
            Some(addrs) => addrs,
            None => self.look_up(uri, config, bound()?)?,
        };
        self.lock()
            .insert(key.to_string(), (Instant::now(), addrs.clone()));
        Ok(addrs)
    }
}

impl HostResolver {
    /// A resolver that looks names up with `lookup` ([`system_lookup`]
    /// but in tests).
    pub fn new(routes: Arc<Routes>, lookup: Lookup) -> HostResolver {
        HostResolver {
            lookup,
            cache: Mutex::default(),
            routes,
        }
    }

    /// The addresses of the host of `uri` (as far as `config`'s IP family
    /// allows), looked up on a helper thread that is given up on when
    /// `timeout` runs out; on this thread when there is no timeout.
    fn look_up(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let host_port = format!("{}:{}", uri.host().unwrap_or_default(), super::port_of(uri));
        let found = if timeout.after.is_not_happening() {
            (self.lookup)(&host_port)
        } else {
            let lookup = self.lookup;
            let (tx, rx) = mpsc::sync_channel(1);
            std::thread::Builder::new()
                .name("httpdb-lookup".into())
                .spawn(move || tx.send(lookup(&host_port)))?;
            match rx.recv_timeout(*timeout.after) {
                Ok(found) => found,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    return Err(ureq::Error::Timeout(timeout.reason));
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => Err(io::Error::other(
                    "the lookup thread ended without an answer",
                )),
            }
        };
        let found = found.map_err(|e| {
            io::Error::new(
                io::ErrorKind::NotFound,
                format!("the host name does not resolve ({e})"),
            )
        })?;
        let mut addrs = self.empty();
        for addr in config
            .ip_family()
            .keep_wanted(found.into_iter())
            .take(MAX_ADDRS)
        {
            addrs.push(addr);
        }
        if addrs.is_empty() {
            return Err(ureq::Error::HostNotFound);
        }
        Ok(addrs)
    }

    /// The addresses of a host that needs no lookup (as far as `config`'s
    /// IP family allows), so no lookup thread either: an IP address is
    /// itself; `localhost` and `*.localhost` (with or without a final dot)
    /// are 127.0.0.1 and ::1.
    fn without_lookup(&self, uri: &Uri, config: &Config) -> Option<ResolvedSocketAddrs> {
        let host = uri.host()?;
        let port = super::port_of(uri);
        let literal = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        let found: &[IpAddr] = match literal.parse::<IpAddr>() {
            Ok(ip) => &[ip],
            Err(_) if is_localhost(host) => &[
                IpAddr::V4(Ipv4Addr::LOCALHOST),
                IpAddr::V6(Ipv6Addr::LOCALHOST),
            ],
            Err(_) => return None,
        };
        let mut addrs = self.empty();
        let all = found.iter().map(|ip| SocketAddr::new(*ip, port));
        for addr in config.ip_family().keep_wanted(all) {
            addrs.push(addr);
        }
        // None left: ureq's resolver says why, as for any other host.
        (!addrs.is_empty()).then_some(addrs)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Instant, ResolvedSocketAddrs)>> {
        self.cache.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// `localhost` or a name under it, with or without a final dot, in any case.
fn is_localhost(host: &str) -> bool {
    const NAME: &[u8] = b"localhost";
    let host = host.strip_suffix('.').unwrap_or(host).as_bytes();
    host.len() >= NAME.len()
        && host[host.len() - NAME.len()..].eq_ignore_ascii_case(NAME)
        && (host.len() == NAME.len() || host[host.len() - NAME.len() - 1] == b'.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caches_lookups_and_reports_failures_as_not_found() {
        let resolver = HostResolver::new(Arc::default(), system_lookup);
        let config = Config::default();
        let uri: Uri = "https://db.invalid:4200/".parse().unwrap();
        let mut cached = resolver.empty();
        cached.push("10.1.2.3:4200".parse().unwrap());
        let remember = |at| {
            resolver
                .lock()
                .insert("db.invalid:4200".into(), (at, cached.clone()))
        };
        remember(Instant::now());
        let again = resolver.resolve(&uri, &config, NextTimeout::default());
        assert_eq!(again.unwrap(), cached, "served from the cache");

        // Past its time the name is looked up again, and `.invalid` never
        // resolves (RFC 6761).
        remember(Instant::now() - LOOKUP_TTL - Duration::from_secs(1));
        match resolver.resolve(&uri, &config, NextTimeout::default()) {
            Err(ureq::Error::Io(e)) => assert_eq!(e.kind(), io::ErrorKind::NotFound),
            Err(ureq::Error::HostNotFound) => {}
            other => panic!("{other:?}"),
        }
        let bad: Uri = "https://no-such-host.invalid:1/".parse().unwrap();
        assert!(
            resolver
                .resolve(&bad, &config, NextTimeout::default())
                .is_err()
        );
        assert_eq!(resolver.lock().len(), 1, "a failed lookup is not cached");
    }

    fn hung(_: &str) -> io::Result<Vec<SocketAddr>> {
        std::thread::sleep(Duration::from_secs(30));
        Err(io::Error::other("a lookup that never answers"))
    }

    fn resolve_timeout(after: Duration) -> NextTimeout {
        NextTimeout {
            after: ureq::unversioned::transport::time::Duration::Exact(after),
            reason: ureq::Timeout::Resolve,
            per_read: None,
            per_write: None,
        }
    }

    /// A lookup that hangs is given up on when the resolve timeout runs
    /// out; and under a call's deadline, when that does (the agent's
    /// resolver is wrapped in `Bounded`), not after `connect_timeout`.
    #[test]
    fn a_hung_lookup_is_given_up_on_in_time() {
        use super::super::deadline::{Bounded, Deadline};
        let uri: Uri = "https://db.example:4200/".parse().unwrap();
        let config = Config::default();
        let resolver = Bounded(HostResolver::new(Arc::default(), hung));
        let started = Instant::now();
        let result = resolver.resolve(&uri, &config, resolve_timeout(Duration::from_millis(300)));
        assert!(
            matches!(result, Err(ureq::Error::Timeout(ureq::Timeout::Resolve))),
            "{result:?}"
        );
        let took = started.elapsed();
        assert!(
            took >= Duration::from_millis(300) && took < Duration::from_millis(1300),
            "{took:?}"
        );

        let _call = Deadline::after(Duration::from_millis(500)).enter();
        let started = Instant::now();
        let result = resolver.resolve(&uri, &config, resolve_timeout(Duration::from_secs(10)));
        assert!(
            matches!(result, Err(ureq::Error::Timeout(ureq::Timeout::Global))),
            "{result:?}"
        );
        let took = started.elapsed();
        assert!(
            took >= Duration::from_millis(450) && took < Duration::from_millis(1500),
            "{took:?}"
        );
    }

    #[test]
    fn a_lookup_keeps_the_wanted_family() {
        fn both(_: &str) -> io::Result<Vec<SocketAddr>> {
            Ok(vec![
                "[2001:db8::1]:4200".parse().unwrap(),
                "192.0.2.1:4200".parse().unwrap(),
            ])
        }
        fn none(_: &str) -> io::Result<Vec<SocketAddr>> {
            Ok(Vec::new())
        }
        let uri: Uri = "https://db.example:4200/".parse().unwrap();
        let v4_only: Config = Config::builder()
            .ip_family(ureq::config::IpFamily::Ipv4Only)
            .build();
        let found = HostResolver::new(Arc::default(), both)
            .resolve(&uri, &v4_only, resolve_timeout(Duration::from_secs(5)))
            .unwrap();
        assert_eq!(found.to_vec(), ["192.0.2.1:4200".parse().unwrap()]);
        let found = HostResolver::new(Arc::default(), both)
            .resolve(&uri, &Config::default(), NextTimeout::default())
            .unwrap();
        assert_eq!(found.len(), 2);
        let nothing = HostResolver::new(Arc::default(), none).resolve(
            &uri,
            &Config::default(),
            resolve_timeout(Duration::from_secs(5)),
        );
        assert!(
            matches!(nothing, Err(ureq::Error::HostNotFound)),
            "{nothing:?}"
        );
    }

    #[test]
    fn addresses_and_localhost_names_need_no_lookup() {
        let resolver = HostResolver::new(Arc::default(), system_lookup);
        let config = Config::default();
        let resolve = |uri: &str| {
            let uri: Uri = uri.parse().unwrap();
            resolver
                .resolve(&uri, &config, NextTimeout::default())
                .unwrap()
                .to_vec()
        };
        let v4 = |port| SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let v6 = |port| SocketAddr::from((Ipv6Addr::LOCALHOST, port));
        assert_eq!(resolve("https://localhost:4200/"), [v4(4200), v6(4200)]);
        assert_eq!(resolve("https://LocalHost./"), [v4(443), v6(443)]);
        assert_eq!(resolve("http://db.localhost/"), [v4(80), v6(80)]);
        assert_eq!(resolve("http://a.b.LOCALHOST.:9200/"), [v4(9200), v6(9200)]);
        assert_eq!(
            resolve("https://127.0.0.2:7/"),
            ["127.0.0.2:7".parse().unwrap()]
        );
        assert_eq!(resolve("https://[::1]:9/"), [v6(9)]);
        for other in ["https://notlocalhost/", "https://localhost.example.com/"] {
            let uri: Uri = other.parse().unwrap();
            assert!(resolver.without_lookup(&uri, &config).is_none(), "{other}");
        }
        let v4_only: Config = Config::builder()
            .ip_family(ureq::config::IpFamily::Ipv4Only)
            .build();
        let uri: Uri = "https://localhost:1/".parse().unwrap();
        let addrs = resolver.without_lookup(&uri, &v4_only).unwrap();
        assert_eq!(addrs.to_vec(), [v4(1)]);
        let uri: Uri = "https://[::1]:1/".parse().unwrap();
        assert!(resolver.without_lookup(&uri, &v4_only).is_none());
    }
}
