//! The proxy routing policy, as curl users know it: which proxy a target
//! goes through (the `proxy=` option, else `https_proxy`/`http_proxy`/
//! `all_proxy`, with `no_proxy` exceptions), or why it goes straight.
//! `transport::proxy` holds the connector that goes through the proxy.

use std::net::IpAddr;

use super::{ProxyChoice, ProxyUrl};
use crate::error::Result;
use crate::secret::Secret;
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

    /// Its password, and the base64 of `user:password` that
    /// `Proxy-Authorization: Basic` carries: what to mask in what it
    /// answers.
    pub fn secrets(&self) -> Vec<Secret> {
        let url = &self.url;
        url.password
            .iter()
            .cloned()
            .chain(url.basic_credential())
            .collect()
    }

    fn new(url: ProxyUrl, source: String) -> Proxy {
        let authorization = url
            .basic_credential()
            .map(|credential| Secret::new(format!("Basic {}", credential.expose())));
        Proxy {
            url,
            source,
            authorization,
        }
    }
}

/// The proxies of a client: one for https targets, one for http targets,
/// and the `no_proxy` exceptions. A proxy variable that cannot be read is
/// kept as its reason: it fails the requests that would go through it, and
/// no others.
#[derive(Debug, Clone, Default)]
pub(crate) struct Routes {
    https: Option<std::result::Result<Proxy, String>>,
    http: Option<std::result::Result<Proxy, String>>,
    /// The `no_proxy` list as given, read entry by entry as curl reads it.
    no_proxy: String,
    no_proxy_source: String,
}

/// How a request to one host goes out.
#[derive(Debug)]
pub(crate) enum Route<'a> {
    /// Straight to the host, and why.
    Direct(String),
    /// Through this proxy.
    Via(&'a Proxy),
    /// Through a proxy that cannot be used, and why.
    Unusable(&'a str),
}

impl Routes {
    /// The routes `settings` and the environment (read now, as curl reads
    /// it) call for. `proxy=` wins over the environment; `proxy=none`
    /// ignores it. `no_proxy=` wins over `$no_proxy`; either applies to
    /// `proxy=` too, as curl applies `NO_PROXY` to `--proxy`.
    pub fn of(settings: &Settings) -> Result<Routes> {
        Routes::with_env(settings, |name| std::env::var(name).ok())
    }

    /// [`Routes::of`] with the environment read through `env` (the unit
    /// tests give their own).
    pub fn with_env(settings: &Settings, env: impl Fn(&str) -> Option<String>) -> Result<Routes> {
        let (no_proxy, no_proxy_source) = match settings.no_proxy() {
            Some(list) => (list.to_string(), "no_proxy=".to_string()),
            None => ["no_proxy", "NO_PROXY"]
                .iter()
                .find_map(|name| env(name).map(|v| (v, format!("${name}"))))
                .unwrap_or_default(),
        };
        let routes = |https, http| Routes {
            https,
            http,
            no_proxy: no_proxy.clone(),
            no_proxy_source: no_proxy_source.clone(),
        };
        match settings.proxy() {
            Some(ProxyChoice::None) => return Ok(Routes::default()),
            Some(ProxyChoice::Proxy(url)) => {
                let proxy = Proxy::new(url.clone(), "the proxy option".into());
                return Ok(routes(Some(Ok(proxy.clone())), Some(Ok(proxy))));
            }
            None => {}
        }
        // curl's order: the scheme's own variable (lower case first; the
        // upper-case HTTP_PROXY never, as a CGI server sets it from a
        // request header), then all_proxy.
        let pick = |names: &[&'static str]| {
            names.iter().find_map(|name| {
                let value = env(name).filter(|v| !v.trim().is_empty())?;
                Some(
                    ProxyUrl::parse(value.trim(), name)
                        .map(|url| Proxy::new(url, format!("${name}")))
                        .map_err(|e| e.to_string()),
                )
            })
        };
        let https = pick(&["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"]);
        let http = pick(&["http_proxy", "all_proxy", "ALL_PROXY"]);
        Ok(routes(https, http))
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
        if let Some(entry) = self.exception(host) {
            return Route::Direct(format!("{} lists {entry}", self.no_proxy_source));
        }
        match proxy {
            Ok(proxy) => Route::Via(proxy),
            Err(why) => Route::Unusable(why),
        }
    }

    /// The proxy in front of `host` over https or http, if any: [`route`]
    /// without the reason, and without an allocation when no proxy is set
    /// (the connector and the resolver ask on every request).
    ///
    /// [`route`]: Routes::route
    pub fn proxy_for(&self, https: bool, host: &str) -> Option<std::result::Result<&Proxy, &str>> {
        let proxy = self.proxy(https)?;
        if self.exception(host).is_some() {
            return None;
        }
        Some(proxy.as_ref().map_err(String::as_str))
    }

    /// The proxy for requests of this scheme, before `no_proxy`.
    fn proxy(&self, https: bool) -> Option<&std::result::Result<Proxy, String>> {
        let proxy = if https { &self.https } else { &self.http };
        proxy.as_ref()
    }

    /// The credentials of the proxies in effect, as a proxy or a server
    /// may echo them: each password, and the base64 of `user:password`
    /// that `Proxy-Authorization: Basic` carries.
    pub fn secrets(&self) -> Vec<Secret> {
        let mut out: Vec<Secret> = Vec::new();
        for secret in [&self.https, &self.http]
            .into_iter()
            .flatten()
            .flatten()
            .flat_map(Proxy::secrets)
        {
            if !out.contains(&secret) {
                out.push(secret);
            }
        }
        out
    }

    /// Whether an `https://` proxy is among them (it needs a TLS
    /// configuration of its own).
    pub fn any_https_proxy(&self) -> bool {
        [&self.https, &self.http].into_iter().any(|p| {
            matches!(p, Some(Ok(proxy)) if proxy.url.scheme == crate::settings::ProxyScheme::Https)
        })
    }

    /// Whether a proxy is set for requests of this scheme.
    pub fn has_proxy(&self, https: bool) -> bool {
        self.proxy(https).is_some()
    }

    /// The `no_proxy` entry that exempts `host`, if one does.
    fn exception(&self, host: &str) -> Option<&str> {
        no_proxy_match(&self.no_proxy, host)
    }
}

/// The entry of a `no_proxy` list that exempts `host`, as curl 8.21 reads
/// the list (`proxy_check_noproxy` in lib/proxy.c, formerly lib/noproxy.c;
/// its unit test 1614 runs here as `tests/it/curl_no_proxy.rs`):
///
/// - the whole list `*` (and only that) exempts every host;
/// - entries are separated by commas, with blanks (space, tab) around
///   them; blanks alone do not separate: the list ends at the first entry
///   followed by something other than a comma;
/// - a host name matches an entry that is the name or a domain it is in
///   (`example.com` and `.example.com` both match `www.example.com`, not
///   `nexample.com`), case aside, one trailing dot ignored on either;
/// - an IP address matches an entry that is the same address or a CIDR
///   range holding it (`10.0.0.0/8`, `fd00::/8`), of its own family, the
///   entry written without brackets; `/0` means the address itself;
/// - an entry with a port (`example.com:8080`, `[::1]:80`) matches
///   nothing, whatever the request's port.
pub(crate) fn no_proxy_match<'l>(list: &'l str, host: &str) -> Option<&'l str> {
    if list == "*" {
        return Some(list);
    }
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    let ip = bare.parse::<IpAddr>().ok();
    let name = host.strip_suffix('.').unwrap_or(host);
    let blank = [' ', '\t'];
    let mut rest = list;
    loop {
        rest = rest.trim_start_matches(blank);
        let end = rest.find([' ', '\t', ',']).unwrap_or(rest.len());
        let (entry, after) = rest.split_at(end);
        let matched = match ip {
            Some(ip) => ip_excepts(entry, ip),
            None => name_excepts(entry, name),
        };
        if !entry.is_empty() && matched {
            return Some(entry);
        }
        // Not a comma: the list ends here, as in curl.
        let next = after.trim_start_matches(blank).strip_prefix(',')?;
        rest = next.trim_start_matches(',');
    }
}

/// Whether `entry` is the host name `name` (its trailing dot gone) or a
/// domain it is in.
fn name_excepts(entry: &str, name: &str) -> bool {
    let entry = entry.strip_suffix('.').unwrap_or(entry);
    let domain = entry.strip_prefix('.').unwrap_or(entry);
    if domain.is_empty()
        || domain.len() > name.len()
        || !name.is_char_boundary(name.len() - domain.len())
    {
        return false;
    }
    let cut = name.len() - domain.len();
    name[cut..].eq_ignore_ascii_case(domain) && (cut == 0 || name.as_bytes()[cut - 1] == b'.')
}

/// Whether `entry` (`address[/bits]`, no brackets) holds the address `ip`.
fn ip_excepts(entry: &str, ip: IpAddr) -> bool {
    // curl copies the entry into 128 bytes: a longer one never matches.
    if entry.len() >= 128 {
        return false;
    }
    let (net, bits) = match entry.split_once('/') {
        Some((net, bits)) if !bits.is_empty() && bits.bytes().all(|b| b.is_ascii_digit()) => {
            match bits.parse::<u32>() {
                Ok(bits) => (net, Some(bits)),
                Err(_) => return false,
            }
        }
        Some(_) => return false,
        None => (entry, None),
    };
    let Ok(net) = net.parse::<IpAddr>() else {
        return false;
    };
    let full = if ip.is_ipv4() { 32 } else { 128 };
    match bits.filter(|b| *b != 0) {
        None => ip == net,
        Some(bits) => bits <= full && in_range(ip, net, bits),
    }
}

/// Whether `ip` is in the range of `bits` leading bits of `net`.
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
            Route::Direct(_) | Route::Unusable(_) => None,
        }
    }

    #[test]
    fn the_credentials_of_every_proxy_in_effect_are_secrets() {
        let shown = |r: &Routes| -> Vec<String> {
            r.secrets().iter().map(|s| s.expose().to_string()).collect()
        };
        // base64 of a:pw-a, b:pw-b, s:pw-s, u: (a user without a password).
        let r = routes(
            &[
                ("https_proxy", "http://a:pw-a@p1:3128"),
                ("all_proxy", "socks5://s:pw-s@p2:1080"),
            ],
            "https://db",
        );
        assert_eq!(shown(&r), ["pw-a", "YTpwdy1h", "pw-s", "czpwdy1z"]);
        let r = routes(&[("http_proxy", "http://b:pw-b@p:3128")], "http://db");
        assert_eq!(shown(&r), ["pw-b", "Yjpwdy1i"]);
        let r = routes(&[("https_proxy", "http://u@p:3128")], "https://db");
        assert_eq!(shown(&r), ["dTo="]);
        // An unusable variable is not a route: its reason is masked instead.
        let r = routes(&[("https_proxy", "http://u:se-cret")], "https://db");
        assert!(shown(&r).is_empty());
        match r.route(true, "db") {
            Route::Unusable(why) => assert!(!why.contains("cret"), "{why}"),
            other => panic!("{other:?}"),
        }
        // proxy= stands for both routes, and counts once.
        let r = routes(&[], "https://db/?proxy=http://a:pw-a@p1:3128");
        assert_eq!(shown(&r), ["pw-a", "YTpwdy1h"]);
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
                    " .internal, example.com ,10.0.0.0/8, 192.168.1.7, ::1, fd00::/8, db:9200, [fd00::1]",
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
            "example.com.",
        ] {
            assert_eq!(via(&r, true, host), None, "{host} bypasses");
        }
        for host in [
            // An entry with a port matches nothing, as in curl.
            "db",
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
    fn no_proxy_covers_the_proxy_option_and_the_option_covers_the_environment() {
        let r = routes(&[("no_proxy", "db")], "https://db/?proxy=http://o:2");
        assert_eq!(via(&r, true, "db"), None, "$no_proxy applies to proxy=");
        assert!(via(&r, true, "other").is_some());
        let r = routes(
            &[("https_proxy", "p:1"), ("no_proxy", "db")],
            "https://db/?no_proxy=other.internal",
        );
        assert!(
            via(&r, true, "db").is_some(),
            "no_proxy= replaces $no_proxy"
        );
        assert_eq!(via(&r, true, "x.other.internal"), None);
        assert!(
            matches!(r.route(true, "x.other.internal"), Route::Direct(why) if why == "no_proxy= lists other.internal")
        );
    }

    #[test]
    fn a_variable_that_cannot_be_read_fails_only_its_own_requests() {
        let r = routes(
            &[
                ("https_proxy", "socks4://u:pw@s:1"),
                ("no_proxy", "skip.me"),
            ],
            "https://db",
        );
        match r.route(true, "db") {
            Route::Unusable(why) => assert!(
                why.contains("https_proxy=socks4://u:***@s:1") && why.contains("SOCKS4"),
                "{why}"
            ),
            other => panic!("{other:?}"),
        }
        assert!(
            matches!(r.route(false, "db"), Route::Direct(_)),
            "http goes straight"
        );
        assert!(matches!(r.route(true, "skip.me"), Route::Direct(_)));
    }
}
