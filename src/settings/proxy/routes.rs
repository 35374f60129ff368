//! The proxy routing policy, as curl users know it: which proxy a target
//! goes through (the `proxy=` option, else `https_proxy`/`http_proxy`/
//! `all_proxy`, with `no_proxy` exceptions), or why it goes straight.
//! `transport::proxy` holds the connector that goes through the proxy.

use std::net::IpAddr;

use super::{ProxyChoice, ProxyUrl};
use crate::error::Result;
use crate::secret::{Secret, basic_credential};
use crate::settings::Settings;

/// A proxy in effect, and where it came from (`proxy=` or a variable).
#[derive(Debug, Clone)]
pub(crate) struct Proxy {
    pub url: ProxyUrl,
    pub source: String,
    /// `Basic ...` for `Proxy-Authorization`, if credentials are given.
    authorization: Option<Secret>,
}

impl Proxy {
    /// `Basic ...` for `Proxy-Authorization`, if credentials are given.
    pub fn authorization(&self) -> Option<&Secret> {
        self.authorization.as_ref()
    }

    fn new(url: ProxyUrl, source: String) -> Proxy {
        let authorization = url.username.as_ref().map(|user| {
            let credential = basic_credential(user, url.password.as_ref());
            Secret::new(format!("Basic {}", credential.expose()))
        });
        Proxy {
            url,
            source,
            authorization,
        }
    }
}

/// The proxies of a client: one for https targets, one for http targets,
/// and the `no_proxy` exceptions.
#[derive(Debug, Clone, Default)]
pub(crate) struct Routes {
    https: Option<Proxy>,
    http: Option<Proxy>,
    no_proxy: Vec<String>,
    no_proxy_source: String,
}

/// How a request to one host goes out.
#[derive(Debug)]
pub(crate) enum Route<'a> {
    /// Straight to the host, and why.
    Direct(String),
    /// Through this proxy.
    Via(&'a Proxy),
}

impl Routes {
    /// The routes `settings` and the environment (read now, as curl reads
    /// it) call for. `proxy=` wins over the environment; `proxy=none`
    /// ignores it.
    pub fn of(settings: &Settings) -> Result<Routes> {
        Routes::with_env(settings, |name| std::env::var(name).ok())
    }

    /// [`Routes::of`] with the environment read through `env` (the unit
    /// tests give their own).
    pub fn with_env(settings: &Settings, env: impl Fn(&str) -> Option<String>) -> Result<Routes> {
        match settings.proxy() {
            Some(ProxyChoice::None) => return Ok(Routes::default()),
            Some(ProxyChoice::Http(url)) => {
                let proxy = Proxy::new(url.clone(), "the proxy option".into());
                return Ok(Routes {
                    https: Some(proxy.clone()),
                    http: Some(proxy),
                    ..Routes::default()
                });
            }
            None => {}
        }
        // curl's order: the scheme's own variable (lower case first; the
        // upper-case HTTP_PROXY never, as a CGI server sets it from a
        // request header), then all_proxy.
        let pick = |names: &[&'static str]| -> Result<Option<Proxy>> {
            for name in names {
                if let Some(value) = env(name).filter(|v| !v.trim().is_empty()) {
                    let url = ProxyUrl::parse(value.trim(), name)?;
                    return Ok(Some(Proxy::new(url, format!("${name}"))));
                }
            }
            Ok(None)
        };
        let https = pick(&["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"])?;
        let http = pick(&["http_proxy", "all_proxy", "ALL_PROXY"])?;
        let (no_proxy, no_proxy_source) = ["no_proxy", "NO_PROXY"]
            .iter()
            .find_map(|name| env(name).map(|v| (v, format!("${name}"))))
            .unwrap_or_default();
        Ok(Routes {
            https,
            http,
            no_proxy: no_proxy
                .split(',')
                .map(|e| e.trim().to_ascii_lowercase())
                .filter(|e| !e.is_empty())
                .collect(),
            no_proxy_source,
        })
    }

    /// Whether a proxy is configured for any target.
    pub fn configured(&self) -> bool {
        self.https.is_some() || self.http.is_some()
    }

    /// The route to `host` (a name or an IP address, IPv6 with or without
    /// brackets) over https or http.
    pub fn route(&self, https: bool, host: &str) -> Route<'_> {
        let Some(proxy) = self.proxy(https) else {
            return Route::Direct("no proxy is set".into());
        };
        match self.exception(host) {
            Some(entry) => Route::Direct(format!("{} lists {entry}", self.no_proxy_source)),
            None => Route::Via(proxy),
        }
    }

    /// The proxy in front of `host` over https or http, if any: [`route`]
    /// without the reason, and without an allocation when no proxy is set
    /// (the connector and the resolver ask on every request).
    ///
    /// [`route`]: Routes::route
    pub fn proxy_for(&self, https: bool, host: &str) -> Option<&Proxy> {
        let proxy = self.proxy(https)?;
        self.exception(host).is_none().then_some(proxy)
    }

    /// The proxy for requests of this scheme, before `no_proxy`.
    pub fn proxy(&self, https: bool) -> Option<&Proxy> {
        let proxy = if https { &self.https } else { &self.http };
        proxy.as_ref()
    }

    /// The `no_proxy` entry that exempts `host`, if one does.
    fn exception(&self, host: &str) -> Option<&String> {
        let host = host.trim_matches(['[', ']']).to_ascii_lowercase();
        self.no_proxy.iter().find(|entry| excepts(entry, &host))
    }
}

/// Whether a `no_proxy` entry exempts `host`, as curl reads it: `*`; a
/// domain and its subdomains (a leading dot or not); an IP address; a
/// CIDR range. A port on the entry is ignored.
fn excepts(entry: &str, host: &str) -> bool {
    if entry == "*" {
        return true;
    }
    if let Some((net, bits)) = entry.split_once('/') {
        let (Ok(net), Ok(bits), Ok(ip)) = (
            net.trim_matches(['[', ']']).parse::<IpAddr>(),
            bits.parse::<u32>(),
            host.parse::<IpAddr>(),
        ) else {
            return false;
        };
        return in_range(ip, net, bits);
    }
    let entry = entry.trim_matches(['[', ']']);
    if let (Ok(a), Ok(b)) = (entry.parse::<IpAddr>(), host.parse::<IpAddr>()) {
        return a == b;
    }
    // A port is not part of the match.
    let entry = match entry.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => entry,
    };
    let domain = entry.trim_start_matches('.');
    host == domain || host.ends_with(&format!(".{domain}"))
}

fn in_range(ip: IpAddr, net: IpAddr, bits: u32) -> bool {
    match (ip, net) {
        (IpAddr::V4(ip), IpAddr::V4(net)) if bits <= 32 => {
            let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
            u32::from(ip) & mask == u32::from(net) & mask
        }
        (IpAddr::V6(ip), IpAddr::V6(net)) if bits <= 128 => {
            let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
            u128::from(ip) & mask == u128::from(net) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn routes(env: &[(&str, &str)], uri: &str) -> Routes {
        let settings = Settings::from_uri(uri).unwrap();
        Routes::with_env(&settings, |name| {
            env.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        })
        .unwrap()
    }

    fn via(routes: &Routes, https: bool, host: &str) -> Option<String> {
        match routes.route(https, host) {
            Route::Via(p) => Some(format!("{} {}", p.url, p.source)),
            Route::Direct(_) => None,
        }
    }

    #[test]
    fn variables_as_curl_reads_them() {
        let r = routes(
            &[
                ("https_proxy", "http://a:3128"),
                ("HTTPS_PROXY", "http://b:3128"),
                ("HTTP_PROXY", "http://cgi:1"),
                ("ALL_PROXY", "c:8080"),
            ],
            "https://db",
        );
        assert_eq!(
            via(&r, true, "db").as_deref(),
            Some("http://a:3128 $https_proxy")
        );
        // Upper-case HTTP_PROXY is never read (httpoxy); all_proxy is.
        assert_eq!(
            via(&r, false, "db").as_deref(),
            Some("http://c:8080 $ALL_PROXY")
        );
        let r = routes(&[("HTTPS_PROXY", "b")], "https://db");
        assert_eq!(
            via(&r, true, "db").as_deref(),
            Some("http://b:1080 $HTTPS_PROXY")
        );
        assert_eq!(via(&r, false, "db"), None);
        // The option wins; none ignores the environment.
        let r = routes(
            &[("https_proxy", "a:1")],
            "https://db/?proxy=http://u:p@o:2",
        );
        assert_eq!(
            via(&r, true, "db").as_deref(),
            Some("http://u:***@o:2 the proxy option")
        );
        let r = routes(&[("https_proxy", "a:1")], "https://db/?proxy=none");
        assert_eq!(via(&r, true, "db"), None);
    }

    #[test]
    fn no_proxy_as_curl_reads_it() {
        let r = routes(
            &[
                ("https_proxy", "p:1"),
                (
                    "no_proxy",
                    " .internal, example.com ,10.0.0.0/8, 192.168.1.7, [::1], fd00::/8, db:9200",
                ),
            ],
            "https://db",
        );
        for host in [
            "a.internal",
            "internal",
            "example.com",
            "x.example.com",
            "10.2.3.4",
            "192.168.1.7",
            "::1",
            "[::1]",
            "fd00::5",
            "db",
        ] {
            assert_eq!(via(&r, true, host), None, "{host} bypasses");
        }
        for host in [
            "notexample.com",
            "11.0.0.1",
            "192.168.1.8",
            "fe80::1",
            "internal.net",
        ] {
            assert!(
                via(&r, true, host).is_some(),
                "{host} goes through the proxy"
            );
        }
        let all = routes(&[("https_proxy", "p:1"), ("NO_PROXY", "*")], "https://db");
        assert_eq!(via(&all, true, "anything"), None);
    }

    #[test]
    fn malformed_variables_name_themselves() {
        let settings = Settings::from_uri("https://db").unwrap();
        let e = Routes::with_env(&settings, |n| {
            (n == "https_proxy").then(|| "socks5://u:pw@s:1".into())
        })
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("https_proxy=socks5://u:***@s:1") && e.contains("SOCKS"),
            "{e}"
        );
    }
}
