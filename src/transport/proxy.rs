//! The connector that goes through a proxy: through an HTTP or `https://`
//! proxy, HTTPS in a `CONNECT` tunnel and plain HTTP as absolute-form
//! requests; through a SOCKS5 proxy, any connection in a tunnel
//! ([`super::socks`]). httpdb's own TLS runs end to end inside. Which proxy a target goes through, if any, is the settings'
//! routing policy ([`Routes`]).
//!
//! The connector is the first of the chain, so the `Wire` facts of an
//! attempt start when the tunnel is up: a proxy that refuses, answers 407
//! or closes has seen nothing of the request, and blames no database host.

use std::fmt;
use std::sync::Arc;

use ureq::http::Uri;
use ureq::unversioned::resolver::Resolver;
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, Either, NextTimeout, Transport,
};

use super::handshake::{Budget, write_all};
use super::socks;
use super::tcp::{SocketOptions, TcpTransport};
use crate::error::{Error, Result};
use crate::secret::Secret;
use crate::settings::ProxyScheme;
use crate::settings::Settings;
use crate::settings::proxy::Proxy;
// The resolver leaves proxied names alone: it asks `proxied_uri` too.
pub(crate) use crate::settings::proxy::Routes;

impl Routes {
    /// The proxy in front of a request URI, if any, or why the proxy it is
    /// to go through cannot be used (the connector and the resolver ask on
    /// every request).
    pub fn proxied_uri(&self, uri: &Uri) -> Option<std::result::Result<&Proxy, &str>> {
        let https = uri.scheme_str() == Some("https");
        // Without a proxy for the scheme, the host is not even read.
        if !self.has_proxy(https) {
            return None;
        }
        self.proxy_for(https, uri.host().unwrap_or_default())
    }

    /// Whether the name in `uri` is for the proxy to resolve: behind an
    /// HTTP proxy or a `socks5h://` one, not behind `socks5://` (which is
    /// given an address) or none.
    pub fn resolved_by_proxy(&self, uri: &Uri) -> bool {
        match self.proxied_uri(uri) {
            Some(Ok(proxy)) => proxy.url.scheme != ProxyScheme::Socks5,
            Some(Err(_)) => true,
            None => false,
        }
    }
}

/// The `CONNECT` request for `target` (`host:port`), with the proxy's
/// credentials.
pub(crate) fn connect_request(proxy: &Proxy, target: &str) -> String {
    let mut head = format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n");
    if let Some(auth) = proxy.authorization() {
        head.push_str(&format!("Proxy-Authorization: {}\r\n", auth.expose()));
    }
    head.push_str("\r\n");
    head
}

/// What to change after a proxy answered `status` to `CONNECT`.
pub(crate) fn connect_hint(proxy: &Proxy, status: u16) -> &'static str {
    match status {
        // 407 is the proxy's own; tinyproxy answers a CONNECT 401.
        401 | 407 if proxy.authorization().is_some() => {
            "; the proxy refused the user and password given"
        }
        401 | 407 => "; give the proxy's user and password: proxy=http://user:password@host:port",
        403 => {
            "; the proxy does not allow this host or port (a proxy often allows CONNECT to port 443 only)"
        }
        _ => "",
    }
}

/// The first connector: for a target that goes through a proxy, connects
/// to the proxy (over TLS for an `https://` one) and opens the way: a
/// SOCKS5 tunnel, a `CONNECT` tunnel for https, absolute-form requests for
/// plain http. For any other target, nothing (the next connector
/// connects).
#[derive(Debug)]
pub(crate) struct ProxyConnector {
    pub routes: Arc<Routes>,
    pub options: SocketOptions,
    /// TLS to `https://` proxies; `None` when no such proxy is set.
    pub tls: Option<Arc<rustls::ClientConfig>>,
}

/// A proxy that failed an attempt: which proxy, and what it did. The
/// connector returns it as `ureq::Error::Io` (ureq's
/// `ConnectProxyFailed` carries only text), and [`failure`] finds it there
/// by its type.
#[derive(Debug)]
pub(crate) struct ProxyFailure {
    /// `scheme://host:port`.
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
    type Out = Either<In, Tunnel>;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<In>,
    ) -> std::result::Result<Option<Self::Out>, ureq::Error> {
        if let Some(transport) = chained {
            return Ok(Some(Either::A(transport)));
        }
        let proxy = match self.routes.proxied_uri(details.uri) {
            None => return Ok(None),
            Some(Ok(proxy)) => proxy,
            Some(Err(why)) => {
                return Err(ureq::Error::Io(std::io::Error::other(ProxyFailure {
                    proxy: "as configured".into(),
                    source: "the environment".into(),
                    what: format!("cannot be used: {why}"),
                })));
            }
        };
        let name = format!("{}://{}", proxy.url.scheme.as_str(), proxy.url.authority());
        let failed = |what: String| {
            ureq::Error::Io(std::io::Error::other(ProxyFailure {
                proxy: name.clone(),
                source: proxy.source.clone(),
                what,
            }))
        };
        let budget = Budget::of(details)?;
        let proxy_uri: Uri = format!("http://{}/", proxy.url.authority())
            .parse()
            .map_err(|_| failed("not a usable host".into()))?;
        // Not through our resolver, which leaves proxied names alone.
        let addrs = ureq::unversioned::resolver::DefaultResolver::default()
            .resolve(&proxy_uri, details.config, budget.left()?)
            .map_err(|e| failed(format!("does not resolve ({e})")))?;
        let tcp = TcpTransport::open(&addrs, budget.left()?, details.config, &self.options)
            .map_err(|e| match e {
                ureq::Error::Timeout(t) => ureq::Error::Timeout(t),
                e => failed(format!("cannot connect: {e}")),
            })?;
        // The agent's shutdown closes it, as it does a direct one.
        (details.register_shutdown)(tcp.shutdown_handle())?;
        let mut transport: Box<dyn Transport> = Box::new(tcp);
        if proxy.url.scheme == ProxyScheme::Https {
            let Some(config) = &self.tls else {
                return Err(failed("no TLS configuration for the proxy".into()));
            };
            transport = Box::new(
                super::tls_connector::handshake(config, &proxy.url.host, transport, details)
                    .map_err(|e| match e {
                        ureq::Error::Timeout(t) => ureq::Error::Timeout(t),
                        e => failed(format!(
                            "TLS to the proxy failed: {e} (the proxy's certificate is checked against proxy_ssl_ca_certs, the system's roots unless given)"
                        )),
                    })?,
            );
        }
        let host = details.uri.host().unwrap_or_default();
        let port = super::port_of(details.uri);
        let target = if host.contains(':') && !host.starts_with('[') {
            format!("[{host}]:{port}")
        } else {
            format!("{host}:{port}")
        };
        if proxy.url.scheme.is_socks() {
            let resolved;
            let to = match proxy.url.scheme {
                ProxyScheme::Socks5 => {
                    resolved = details
                        .addrs
                        .first()
                        .copied()
                        .ok_or_else(|| failed(format!("{target} resolves to no address")))?;
                    socks::Target::Address(resolved)
                }
                _ => socks::Target::Name(host, port),
            };
            let credentials = proxy
                .url
                .username
                .as_deref()
                .map(|user| (user, proxy.url.password.as_ref().map_or("", |p| p.expose())));
            socks::handshake(&mut *transport, &to, credentials, &budget).map_err(|e| match e {
                socks::Failed::Io(ureq::Error::Timeout(t)) => ureq::Error::Timeout(t),
                socks::Failed::Io(e) => failed(format!("broke off the SOCKS handshake: {e}")),
                socks::Failed::Proxy(what) => failed(what),
            })?;
            log::debug!("{target}: tunnel through proxy {name} ({})", proxy.source);
            return Ok(Some(Either::B(Tunnel::new(transport))));
        }
        if details.uri.scheme_str() != Some("https") {
            log::debug!("http://{target} through proxy {name} ({})", proxy.source);
            return Ok(Some(Either::B(Tunnel {
                inner: transport,
                absolute: Some(AbsoluteForm {
                    prefix: format!("http://{target}"),
                    authorization: proxy.authorization().cloned(),
                    at_request: true,
                }),
            })));
        }
        let head = connect_request(proxy, &target);
        write_all(&mut *transport, head.as_bytes(), &budget)
            .map_err(|e| failed(format!("the CONNECT request could not be sent: {e}")))?;
        let (status, reason) = read_head(&mut *transport, &budget).map_err(|e| match e {
            HeadError::Timeout(t) => ureq::Error::Timeout(t),
            HeadError::Closed => failed(format!(
                "closed the connection instead of answering CONNECT {target}"
            )),
            HeadError::Bad(what) => failed(format!("answered CONNECT {target} with {what}")),
        })?;
        if status != 200 {
            let hint = connect_hint(proxy, status);
            // A proxy may quote the credentials it was sent.
            let reason = crate::secret::Scrubber::new(proxy.secrets()).scrub(&reason);
            return Err(failed(format!(
                "answered {status} {reason} to CONNECT {target}{hint}"
            )));
        }
        log::debug!(
            "https://{target}: tunnel through proxy {name} ({})",
            proxy.source
        );
        Ok(Some(Either::B(Tunnel::new(transport))))
    }
}

enum HeadError {
    Timeout(ureq::Timeout),
    Closed,
    Bad(String),
}

/// Reads the proxy's answer head (consumed from the input; anything after
/// it stays for the next reader) and returns its status and reason.
fn read_head(
    transport: &mut dyn Transport,
    budget: &Budget,
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
        let timeout = budget
            .left()
            .map_err(|_| HeadError::Timeout(ureq::Timeout::Connect))?;
        match transport.await_input(timeout) {
            Ok(true) => {}
            Ok(false) => return Err(HeadError::Closed),
            Err(ureq::Error::Timeout(t)) => return Err(HeadError::Timeout(t)),
            Err(_) => return Err(HeadError::Closed),
        }
    }
}

/// The way through a proxy, as the next connectors see it: a tunnel to the
/// target (SOCKS, `CONNECT`) or, for plain http through an HTTP proxy, a
/// connection on which each request line is rewritten to absolute form.
/// Never TLS to the chain, even over TLS to an `https://` proxy: the
/// database's TLS is still to be laid over it.
pub(crate) struct Tunnel {
    inner: Box<dyn Transport>,
    absolute: Option<AbsoluteForm>,
}

/// Plain http through an HTTP proxy: each request line is written in
/// absolute form (`GET http://host:port/path HTTP/1.1`), with the proxy's
/// credentials, since ureq writes the origin form only.
struct AbsoluteForm {
    prefix: String,
    authorization: Option<Secret>,
    /// The next bytes written start a request.
    at_request: bool,
}

impl Tunnel {
    fn new(inner: Box<dyn Transport>) -> Tunnel {
        Tunnel {
            inner,
            absolute: None,
        }
    }
}

impl std::fmt::Debug for Tunnel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tunnel")
            .field(
                "absolute_form_to",
                &self.absolute.as_ref().map(|a| &a.prefix),
            )
            .field("inner", &self.inner)
            .finish()
    }
}

impl Transport for Tunnel {
    fn buffers(&mut self) -> &mut dyn Buffers {
        self.inner.buffers()
    }

    fn transmit_output(
        &mut self,
        amount: usize,
        timeout: NextTimeout,
    ) -> std::result::Result<(), ureq::Error> {
        let Some(absolute) = self.absolute.as_mut() else {
            return self.inner.transmit_output(amount, timeout);
        };
        if !std::mem::take(&mut absolute.at_request) {
            return self.inner.transmit_output(amount, timeout);
        }
        let output = self.inner.buffers().output()[..amount].to_vec();
        // `METHOD /path HTTP/1.1\r\n`: the target becomes absolute.
        let line_end = output
            .windows(2)
            .position(|w| w == b"\r\n")
            .map_or(output.len(), |i| i + 2);
        // Only a request line is rewritten (`METHOD /path HTTP/1.1`): not
        // a body written after a wait for `100 Continue`.
        let request_line = output[..line_end].ends_with(b" HTTP/1.1\r\n")
            || output[..line_end].ends_with(b" HTTP/1.0\r\n");
        let rewritten = match output.iter().position(|&b| b == b' ') {
            Some(space) if request_line && output.get(space + 1) == Some(&b'/') => {
                let mut bytes = Vec::with_capacity(amount + absolute.prefix.len() + 64);
                bytes.extend_from_slice(&output[..=space]);
                bytes.extend_from_slice(absolute.prefix.as_bytes());
                bytes.extend_from_slice(&output[space + 1..line_end]);
                if let Some(auth) = &absolute.authorization {
                    bytes.extend_from_slice(b"Proxy-Authorization: ");
                    bytes.extend_from_slice(auth.expose().as_bytes());
                    bytes.extend_from_slice(b"\r\n");
                }
                bytes.extend_from_slice(&output[line_end..]);
                bytes
            }
            _ => output,
        };
        write_all(&mut *self.inner, &rewritten, &Budget::from_timeout(timeout))
    }

    fn await_input(&mut self, timeout: NextTimeout) -> std::result::Result<bool, ureq::Error> {
        if let Some(absolute) = &mut self.absolute {
            // An answer is being read: what is written next is a new request.
            absolute.at_request = true;
        }
        self.inner.await_input(timeout)
    }

    /// A tunnel is open while its connection is. Absolute-form connections
    /// are never reused: proxies close plain-http connections after an
    /// answer without saying so (tinyproxy does), and a write must not be
    /// sent into a connection the proxy has closed. A new connection to
    /// the proxy costs little next to the request.
    fn is_open(&mut self) -> bool {
        self.absolute.is_none() && self.inner.is_open()
    }

    fn is_tls(&self) -> bool {
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
