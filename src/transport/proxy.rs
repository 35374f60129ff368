//! Proxies, as curl users know them: which proxy a target goes through
//! (the `proxy=` option, else `https_proxy`/`http_proxy`/`all_proxy`, with
//! `no_proxy` exceptions), and the connector that goes through it:
//! HTTPS in a `CONNECT` tunnel, with httpdb's own TLS end to end inside;
//! plain HTTP as absolute-form requests.
//!
//! The connector is the first of the chain, so the `Wire` facts of an
//! attempt start when the tunnel is up: a proxy that refuses, answers 407
//! or closes has seen nothing of the request, and blames no database host.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

use ureq::http::Uri;
use ureq::unversioned::resolver::Resolver;
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, Either, NextTimeout, Transport,
};

use super::tcp::{SocketOptions, TcpTransport};
use super::wire::clamp;
use crate::error::{Error, Result};
use crate::secret::{Secret, basic_credential};
use crate::settings::{ProxyChoice, ProxyUrl, Settings};

/// A proxy in effect, and where it came from (`proxy=` or a variable).
#[derive(Debug, Clone)]
pub(crate) struct Proxy {
    pub url: ProxyUrl,
    pub source: String,
    /// `Basic ...` for `Proxy-Authorization`, if credentials are given.
    authorization: Option<Secret>,
}

impl Proxy {
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

    /// The `CONNECT` request for `target` (`host:port`), with the proxy's
    /// credentials.
    pub fn connect_request(proxy: &Proxy, target: &str) -> String {
        let mut head = format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n");
        if let Some(auth) = &proxy.authorization {
            head.push_str(&format!("Proxy-Authorization: {}\r\n", auth.expose()));
        }
        head.push_str("\r\n");
        head
    }

    /// What to change after a proxy answered `status` to `CONNECT`.
    pub fn connect_hint(proxy: &Proxy, status: u16) -> &'static str {
        match status {
            // 407 is the proxy's own; tinyproxy answers a CONNECT 401.
            401 | 407 if proxy.authorization.is_some() => {
                "; the proxy refused the user and password given"
            }
            401 | 407 => {
                "; give the proxy's user and password: proxy=http://user:password@host:port"
            }
            403 => {
                "; the proxy does not allow this host or port (a proxy often allows CONNECT to port 443 only)"
            }
            _ => "",
        }
    }

    /// The route to `host` (a name or an IP address, IPv6 with or without
    /// brackets) over https or http.
    pub fn route(&self, https: bool, host: &str) -> Route<'_> {
        let proxy = if https { &self.https } else { &self.http };
        let Some(proxy) = proxy else {
            return Route::Direct("no proxy is set".into());
        };
        let host = host.trim_matches(['[', ']']).to_ascii_lowercase();
        match self.no_proxy.iter().find(|entry| excepts(entry, &host)) {
            Some(entry) => Route::Direct(format!("{} lists {entry}", self.no_proxy_source)),
            None => Route::Via(proxy),
        }
    }

    /// The proxy in front of a request URI, if any. On every request
    /// (the resolver asks), so without an allocation when no proxy is set.
    pub fn proxied_uri(&self, uri: &Uri) -> Option<&Proxy> {
        let https = uri.scheme_str() == Some("https");
        let proxy = if https { &self.https } else { &self.http };
        let proxy = proxy.as_ref()?;
        let host = uri.host().unwrap_or_default();
        let host = host.trim_matches(['[', ']']).to_ascii_lowercase();
        (!self.no_proxy.iter().any(|entry| excepts(entry, &host))).then_some(proxy)
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

/// The first connector: for a target that goes through a proxy, connects
/// to the proxy and opens the way (a `CONNECT` tunnel for https, absolute
/// form for http); for any other, nothing (the next connector connects).
#[derive(Debug)]
pub(crate) struct ProxyConnector {
    pub routes: Arc<Routes>,
    pub options: SocketOptions,
}

/// A proxy that failed an attempt: which proxy, and what it did. The
/// connector returns it as `ureq::Error::Io` (ureq's
/// `ConnectProxyFailed` carries only text), and [`failure`] finds it there
/// by its type.
#[derive(Debug)]
pub(crate) struct ProxyFailure {
    /// `host:port`.
    proxy: String,
    /// Where the proxy was configured: `the proxy option`, `$https_proxy`.
    source: String,
    /// What it did: `answered 403 Forbidden to CONNECT db:443; ...`.
    what: String,
}

impl fmt::Display for ProxyFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "proxy {} ({}): {}", self.proxy, self.source, self.what)
    }
}

impl std::error::Error for ProxyFailure {}

impl<In: Transport> Connector<In> for ProxyConnector {
    type Out = Either<In, Either<TcpTransport, AbsoluteForm>>;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<In>,
    ) -> std::result::Result<Option<Self::Out>, ureq::Error> {
        if let Some(transport) = chained {
            return Ok(Some(Either::A(transport)));
        }
        let Some(proxy) = self.routes.proxied_uri(details.uri) else {
            return Ok(None);
        };
        let name = proxy.url.authority();
        let failed = |what: String| {
            ureq::Error::Io(std::io::Error::other(ProxyFailure {
                proxy: name.clone(),
                source: proxy.source.clone(),
                what,
            }))
        };
        let budget = clamp(details.timeout)?;
        let proxy_uri: Uri = format!("http://{name}/")
            .parse()
            .map_err(|_| failed("not a usable host".into()))?;
        // Not through our resolver, which leaves proxied names alone.
        let addrs = ureq::unversioned::resolver::DefaultResolver::default()
            .resolve(&proxy_uri, details.config, budget)
            .map_err(|e| failed(format!("does not resolve ({e})")))?;
        let mut transport = TcpTransport::open(&addrs, budget, details.config, &self.options)
            .map_err(|e| match e {
                ureq::Error::Timeout(t) => ureq::Error::Timeout(t),
                e => failed(format!("cannot connect: {e}")),
            })?;
        let target = details
            .uri
            .authority()
            .map(|a| {
                a.as_str()
                    .rsplit('@')
                    .next()
                    .unwrap_or_default()
                    .to_string()
            })
            .unwrap_or_default();
        let target = match details.uri.port_u16() {
            Some(_) => target,
            None => format!("{target}:{}", super::port_of(details.uri)),
        };
        if details.uri.scheme_str() != Some("https") {
            log::debug!("http://{target} through proxy {name} ({})", proxy.source);
            return Ok(Some(Either::B(Either::B(AbsoluteForm {
                inner: transport,
                prefix: format!("http://{target}"),
                authorization: proxy.authorization.clone(),
                at_request: true,
            }))));
        }
        let head = Routes::connect_request(proxy, &target);
        write_all(&mut transport, head.as_bytes(), budget)
            .map_err(|e| failed(format!("the CONNECT request could not be sent: {e}")))?;
        let (status, reason) = read_head(&mut transport, budget).map_err(|e| match e {
            HeadError::Timeout(t) => ureq::Error::Timeout(t),
            HeadError::Closed => failed(format!(
                "closed the connection instead of answering CONNECT {target}"
            )),
            HeadError::Bad(what) => failed(format!("answered CONNECT {target} with {what}")),
        })?;
        if status != 200 {
            let hint = Routes::connect_hint(proxy, status);
            return Err(failed(format!(
                "answered {status} {reason} to CONNECT {target}{hint}"
            )));
        }
        log::debug!(
            "https://{target}: tunnel through proxy {name} ({})",
            proxy.source
        );
        Ok(Some(Either::B(Either::A(transport))))
    }
}

fn write_all(
    transport: &mut TcpTransport,
    bytes: &[u8],
    timeout: NextTimeout,
) -> std::result::Result<(), ureq::Error> {
    for chunk in bytes.chunks(transport.buffers().output().len().max(1)) {
        transport.buffers().output()[..chunk.len()].copy_from_slice(chunk);
        transport.transmit_output(chunk.len(), timeout)?;
    }
    Ok(())
}

enum HeadError {
    Timeout(ureq::Timeout),
    Closed,
    Bad(String),
}

/// Reads the proxy's answer head (consumed from the input; anything after
/// it stays for the next reader) and returns its status and reason.
fn read_head(
    transport: &mut TcpTransport,
    timeout: NextTimeout,
) -> std::result::Result<(u16, String), HeadError> {
    loop {
        let input = transport.buffers().input();
        if let Some(end) = input.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&input[..end]).into_owned();
            transport.buffers().input_consume(end + 4);
            let line = head.lines().next().unwrap_or_default();
            let mut parts = line.splitn(3, ' ');
            let version = parts.next().unwrap_or_default();
            let status = parts.next().and_then(|s| s.parse::<u16>().ok());
            return match (version.starts_with("HTTP/1."), status) {
                (true, Some(status)) => Ok((status, parts.next().unwrap_or_default().to_string())),
                _ => Err(HeadError::Bad(format!(
                    "something that is not HTTP ({:?})",
                    crate::secret::Scrubber::default().scrub(line)
                ))),
            };
        }
        if input.len() > 16 * 1024 {
            return Err(HeadError::Bad("a head larger than 16 KiB".into()));
        }
        match transport.await_input(timeout) {
            Ok(true) => {}
            Ok(false) => return Err(HeadError::Closed),
            Err(ureq::Error::Timeout(t)) => return Err(HeadError::Timeout(t)),
            Err(_) => return Err(HeadError::Closed),
        }
    }
}

/// Plain http through a proxy: each request line is written in absolute
/// form (`GET http://host:port/path HTTP/1.1`), with the proxy's
/// credentials, since ureq writes the origin form only.
pub(crate) struct AbsoluteForm {
    inner: TcpTransport,
    prefix: String,
    authorization: Option<Secret>,
    /// The next bytes written start a request.
    at_request: bool,
}

impl std::fmt::Debug for AbsoluteForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AbsoluteForm")
            .field("to", &self.prefix)
            .field("inner", &self.inner)
            .finish()
    }
}

impl Transport for AbsoluteForm {
    fn buffers(&mut self) -> &mut dyn Buffers {
        self.inner.buffers()
    }

    fn transmit_output(
        &mut self,
        amount: usize,
        timeout: NextTimeout,
    ) -> std::result::Result<(), ureq::Error> {
        if !std::mem::take(&mut self.at_request) {
            return self.inner.transmit_output(amount, timeout);
        }
        let output = self.inner.buffers().output()[..amount].to_vec();
        // `METHOD /path HTTP/1.1\r\n`: the target becomes absolute.
        let rewritten = match output.iter().position(|&b| b == b' ') {
            Some(space) if output.get(space + 1) == Some(&b'/') => {
                let line_end = output
                    .windows(2)
                    .position(|w| w == b"\r\n")
                    .map_or(output.len(), |i| i + 2);
                let mut bytes = Vec::with_capacity(amount + self.prefix.len() + 64);
                bytes.extend_from_slice(&output[..=space]);
                bytes.extend_from_slice(self.prefix.as_bytes());
                bytes.extend_from_slice(&output[space + 1..line_end]);
                if let Some(auth) = &self.authorization {
                    bytes.extend_from_slice(b"Proxy-Authorization: ");
                    bytes.extend_from_slice(auth.expose().as_bytes());
                    bytes.extend_from_slice(b"\r\n");
                }
                bytes.extend_from_slice(&output[line_end..]);
                bytes
            }
            _ => output,
        };
        write_all(&mut self.inner, &rewritten, timeout)
    }

    fn await_input(&mut self, timeout: NextTimeout) -> std::result::Result<bool, ureq::Error> {
        // An answer is being read: what is written next is a new request.
        self.at_request = true;
        self.inner.await_input(timeout)
    }

    /// Never reused: proxies close plain-http connections after an answer
    /// without saying so (tinyproxy does), and a write must not be sent
    /// into a connection the proxy has closed. A new connection to the
    /// proxy costs little next to the request.
    fn is_open(&mut self) -> bool {
        false
    }
}

/// The proxy failure `error` is, if it is one: its `Display` names the
/// proxy and what it did.
pub(crate) fn failure(error: &ureq::Error) -> Option<&ProxyFailure> {
    match error {
        ureq::Error::Io(e) => e.get_ref()?.downcast_ref::<ProxyFailure>(),
        _ => None,
    }
}

/// Checks the proxy settings of `settings` and the environment now, so
/// that a malformed variable is an error when the client is built.
pub(crate) fn routes(settings: &Settings) -> Result<Arc<Routes>> {
    Routes::of(settings).map(Arc::new).map_err(|e| match e {
        Error::Config {
            option, message, ..
        } => Error::config(option, message),
        other => other,
    })
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
