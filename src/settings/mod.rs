//! [`Settings`]: the normalized, validated connection settings, their
//! defaults, and their canonical URI. The flow, one file a step:
//! `uri` (the grammar: raw parts) → `options` (the vocabulary: each name's
//! parser into a layer of fields) → `resolve` (layers, precedence,
//! cross-field checks, defaults) → [`Settings`]; `builder` is the API over
//! it, `types` the value types, `duration` the duration grammar.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

pub(crate) mod builder;
pub(crate) mod duration;
pub(crate) mod options;
pub(crate) mod proxy;
mod resolve;
mod types;
mod unsupported;
pub(crate) mod uri;

use crate::error::{Error, Result};
use crate::secret::Secret;
use builder::SettingsBuilder;
pub use proxy::{ProxyChoice, ProxyRoute, ProxyUrl};
pub use types::{CaCerts, CertReqs, Fingerprint, Host, HostOrder, TlsVersion};

/// Default connect timeout (name resolution, TCP connect and TLS handshake).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default budget of a whole call (connect, send, receive, failover).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default of `read_timeout`: the longest silence allowed between bytes.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// Default of `pool_idle_timeout`: below the 5 s after which Node-based
/// servers (and many others) close an idle keep-alive connection, so that
/// the client stops reusing a connection before the server drops it.
pub const DEFAULT_POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(4);
/// Default time a failed host is skipped before it is tried again.
pub const DEFAULT_RETRY_INTERVAL: Duration = Duration::from_secs(30);
/// Default of `max_body_size`: the largest body that `bytes()`, `text()`
/// and `json()` read into memory (streamed reads have no limit).
pub const DEFAULT_MAX_BODY_SIZE: u64 = 1 << 30;
/// Default of `retry_on_status`: the statuses of a gateway or a server
/// that cannot answer now, after which an idempotent request moves on.
pub const DEFAULT_RETRY_ON_STATUS: &[u16] = &[502, 503, 504];
/// Default of `retry_backoff_max`: the longest wait between two moves.
pub const DEFAULT_RETRY_BACKOFF_MAX: Duration = Duration::from_secs(30);
/// Default of `tcp_keepalive_idle` and `tcp_keepalive_interval`, as curl
/// probes an idle connection: after a minute of silence, every minute.
pub const DEFAULT_TCP_KEEPALIVE_TIME: Duration = Duration::from_secs(60);
/// Default number of idle keep-alive connections kept per host.
pub const DEFAULT_POOL_SIZE: usize = 8;

/// The whole connection, normalized: hosts, TLS, credentials, timeouts.
///
/// Built from a connection URI with keyword options on top; every value is
/// validated and every default filled in. `Debug` and `Display` never show
/// the password, token or key passphrase.
///
/// ```
/// use httpdb::{CertReqs, Settings};
/// let s = Settings::from_uri("https://admin:pw@db1:4200,db2/?verify_certs=false").unwrap();
/// assert_eq!(s.hosts().len(), 2);
/// assert_eq!(s.hosts()[1].port, 443);
/// assert_eq!(s.ssl_cert_reqs(), CertReqs::None);
/// assert_eq!(s.to_uri(), "https://admin:***@db1:4200,db2:443/?ssl_cert_reqs=CERT_NONE");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Settings {
    pub(crate) hosts: Vec<Host>,
    pub(crate) tls: bool,
    pub(crate) path: String,
    pub(crate) cert_reqs: CertReqs,
    pub(crate) match_hostname: bool,
    pub(crate) ca_certs: CaCerts,
    pub(crate) certfile: Option<PathBuf>,
    pub(crate) keyfile: Option<PathBuf>,
    pub(crate) passphrase: Option<Secret>,
    pub(crate) username: Option<String>,
    pub(crate) password: Option<Secret>,
    pub(crate) token: Option<Secret>,
    pub(crate) connect_timeout: Duration,
    pub(crate) timeout: Duration,
    pub(crate) read_timeout: Duration,
    pub(crate) pool_idle_timeout: Duration,
    pub(crate) retry_interval: Duration,
    pub(crate) pool_size: usize,
    pub(crate) host_order: HostOrder,
    pub(crate) max_retries: Option<usize>,
    pub(crate) max_body_size: u64,
    pub(crate) min_tls: TlsVersion,
    pub(crate) max_tls: TlsVersion,
    pub(crate) crl_file: Option<PathBuf>,
    pub(crate) crl_dir: Option<PathBuf>,
    pub(crate) fingerprint: Option<Fingerprint>,
    pub(crate) server_name: Option<String>,
    pub(crate) sni: bool,
    pub(crate) api_key: Option<Secret>,
    pub(crate) app_name: Option<String>,
    pub(crate) headers: Vec<(String, Secret)>,
    pub(crate) params: Vec<(String, Secret)>,
    pub(crate) max_redirects: usize,
    pub(crate) proxy: Option<ProxyChoice>,
    pub(crate) show_warn: bool,
    pub(crate) keepalive: bool,
    pub(crate) keepalive_idle: Option<Duration>,
    pub(crate) keepalive_interval: Option<Duration>,
    pub(crate) keepalive_count: Option<u32>,
    pub(crate) user_timeout: Option<Duration>,
    pub(crate) compress: Option<u64>,
    pub(crate) compress_level: u32,
    pub(crate) compressed: bool,
    pub(crate) retry_on_status: Vec<u16>,
    pub(crate) retry_on_timeout: bool,
    pub(crate) retry_backoff: Duration,
    pub(crate) retry_backoff_max: Duration,
}

impl std::str::FromStr for Settings {
    type Err = Error;

    /// Parses a connection URI, as [`Settings::from_uri`].
    ///
    /// ```
    /// let s: httpdb::Settings = "https://db1:4200,db2:4200".parse()?;
    /// assert_eq!(s.hosts().len(), 2);
    /// # Ok::<(), httpdb::Error>(())
    /// ```
    fn from_str(uri: &str) -> Result<Settings> {
        Settings::from_uri(uri)
    }
}

impl TryFrom<&str> for Settings {
    type Error = Error;

    fn try_from(uri: &str) -> Result<Settings> {
        Settings::from_uri(uri)
    }
}

impl TryFrom<String> for Settings {
    type Error = Error;

    fn try_from(uri: String) -> Result<Settings> {
        Settings::from_uri(&uri)
    }
}

impl Settings {
    /// Parses a connection URI.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for a URI, option or file that cannot be used: the
    /// message names it, its value (secrets masked) and the accepted forms.
    pub fn from_uri(uri: &str) -> Result<Settings> {
        Settings::builder().uri(uri).build()
    }

    /// Parses the connection URI held in the environment variable `var`.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for a URI, option or file that cannot be used: the
    /// message names it, its value (secrets masked) and the accepted forms.
    /// A variable that is not set is an [`Error::Config`] naming it.
    pub fn from_env(var: &str) -> Result<Settings> {
        Settings::builder().uri(env_uri(var)?).build()
    }

    /// A builder: a URI plus keyword options that override it.
    pub fn builder() -> SettingsBuilder {
        SettingsBuilder::default()
    }

    /// The hosts, in URI order.
    pub fn hosts(&self) -> &[Host] {
        &self.hosts
    }
    /// Whether connections use TLS.
    pub fn tls(&self) -> bool {
        self.tls
    }
    /// The base path every request path is relative to (`/` or `/db`).
    pub fn path(&self) -> &str {
        &self.path
    }
    /// How much the server's certificate is checked. Defaults to `CERT_REQUIRED`.
    pub fn ssl_cert_reqs(&self) -> CertReqs {
        self.cert_reqs
    }
    /// Whether the certificate must name the host. Defaults to true; always
    /// false under `CERT_NONE`.
    pub fn ssl_match_hostname(&self) -> bool {
        self.match_hostname
    }
    /// The trusted CAs. Defaults to [`CaCerts::System`].
    pub fn ssl_ca_certs(&self) -> &CaCerts {
        &self.ca_certs
    }
    /// The client certificate (PEM chain, combined PEM, or PKCS#12).
    pub fn ssl_certfile(&self) -> Option<&Path> {
        self.certfile.as_deref()
    }
    /// The client key, when it is not in [`Settings::ssl_certfile`].
    pub fn ssl_keyfile(&self) -> Option<&Path> {
        self.keyfile.as_deref()
    }
    /// The passphrase of an encrypted key or PKCS#12 bundle.
    pub fn ssl_pem_passphrase(&self) -> Option<&Secret> {
        self.passphrase.as_ref()
    }
    /// The user name for basic auth.
    pub fn username(&self) -> Option<&str> {
        self.username.as_deref()
    }
    /// The password for basic auth.
    pub fn password(&self) -> Option<&Secret> {
        self.password.as_ref()
    }
    /// The bearer token.
    pub fn token(&self) -> Option<&Secret> {
        self.token.as_ref()
    }
    /// Limit for resolving, connecting and the TLS handshake. Defaults to 10 s.
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }
    /// The budget of a whole call: connect, send, wait and read the whole
    /// answer, failover included. Defaults to 30 s.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }
    /// The longest silence allowed on a socket read. Defaults to 30 s.
    pub fn read_timeout(&self) -> Duration {
        self.read_timeout
    }
    /// How long an idle keep-alive connection is kept for reuse. Defaults
    /// to 4 s.
    pub fn pool_idle_timeout(&self) -> Duration {
        self.pool_idle_timeout
    }
    /// How long a failed host is skipped. Defaults to 30 s.
    pub fn retry_interval(&self) -> Duration {
        self.retry_interval
    }
    /// Idle keep-alive connections kept per host. Defaults to 8.
    pub fn pool_size(&self) -> usize {
        self.pool_size
    }
    /// The order hosts are tried in. Defaults to round robin.
    pub fn host_order(&self) -> HostOrder {
        self.host_order
    }
    /// How many times a request may move on to another host. Defaults to
    /// the number of hosts.
    pub fn max_retries(&self) -> usize {
        self.max_retries.unwrap_or(self.hosts.len())
    }
    /// The oldest TLS version offered. Defaults to TLS 1.2.
    pub fn ssl_min_protocol_version(&self) -> TlsVersion {
        self.min_tls
    }
    /// The newest TLS version offered. Defaults to TLS 1.3.
    pub fn ssl_max_protocol_version(&self) -> TlsVersion {
        self.max_tls
    }
    /// The largest body read whole into memory by `Response::bytes`,
    /// `text` and `json`. Defaults to 1 GiB.
    pub fn max_body_size(&self) -> u64 {
        self.max_body_size
    }
    /// A PEM file of certificate revocation lists the server's chain is
    /// checked against. Defaults to none.
    pub fn ssl_crl_file(&self) -> Option<&Path> {
        self.crl_file.as_deref()
    }
    /// A directory of PEM CRL files the server's chain is checked
    /// against. Defaults to none.
    pub fn ssl_crl_dir(&self) -> Option<&Path> {
        self.crl_dir.as_deref()
    }
    /// The pinned SHA-256 fingerprint: of the server's certificate, or of
    /// a CA certificate in the chain it sends. Defaults to none.
    pub fn ssl_assert_fingerprint(&self) -> Option<&Fingerprint> {
        self.fingerprint.as_ref()
    }
    /// The name the certificate must hold instead of the host's. Defaults
    /// to none: the host's own name.
    pub fn ssl_assert_hostname(&self) -> Option<&str> {
        self.server_name.as_deref()
    }
    /// Whether the host name is sent in the TLS handshake (SNI). Defaults
    /// to true; IP addresses are never sent.
    pub fn ssl_sni(&self) -> bool {
        self.sni
    }
    /// How many redirects a request follows; 0, the default, follows none
    /// (the 3xx is the answer, with [`crate::Response::location`]).
    /// Followed redirects never go from https to http, drop credentials
    /// when the scheme, host or port changes, and turn a POST into a GET
    /// after 301, 302 and 303, as curl does.
    pub fn max_redirects(&self) -> usize {
        self.max_redirects
    }
    /// The proxy the `proxy=` option names, `ProxyChoice::None` for
    /// `proxy=none`; `None` when not given: then the environment decides
    /// (`https_proxy`, `http_proxy`, `all_proxy`, `no_proxy`, as curl
    /// reads them), when the client is built.
    pub fn proxy(&self) -> Option<&ProxyChoice> {
        self.proxy.as_ref()
    }
    /// How requests to each host go out, as the `proxy` option and the
    /// environment (read now, as a client built now would read it) say.
    ///
    /// ```
    /// let s = httpdb::Settings::from_uri("https://db:4200/?proxy=http://u:pw@proxy:3128")?;
    /// let routes = s.proxy_routes()?;
    /// assert_eq!(routes[0].proxy.as_deref(), Some("http://u:***@proxy:3128 (from the proxy option)"));
    /// # Ok::<(), httpdb::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for a proxy variable that cannot be read, naming it.
    pub fn proxy_routes(&self) -> Result<Vec<ProxyRoute>> {
        let routes = proxy::Routes::of(self)?;
        Ok(self
            .hosts
            .iter()
            .map(|host| {
                let (proxy, direct_because) = match routes.route(self.tls, &host.name) {
                    proxy::Route::Via(p) => (Some(format!("{} (from {})", p.url, p.source)), None),
                    proxy::Route::Direct(why) => (None, Some(why)),
                };
                ProxyRoute {
                    host: host.to_string(),
                    proxy,
                    direct_because,
                }
            })
            .collect())
    }
    /// Whether turning verification off (`CERT_NONE`) is logged as a
    /// warning (elasticsearch-py's `ssl_show_warn`); when false it is
    /// logged at debug level. Defaults to true.
    pub fn ssl_show_warn(&self) -> bool {
        self.show_warn
    }
    /// Whether TCP keep-alive probes are sent on idle connections, so that
    /// a peer that vanished is noticed (libpq's `keepalives`,
    /// crate-python's `socket_keepalive`). Defaults to true.
    pub fn tcp_keepalive(&self) -> bool {
        self.keepalive
    }
    /// The silence after which the first probe is sent; `None` for the
    /// system's default. Defaults to 60 s, as curl.
    pub fn tcp_keepalive_idle(&self) -> Option<Duration> {
        self.keepalive_idle
    }
    /// The time between probes; `None` for the system's default. Defaults
    /// to 60 s, as curl.
    pub fn tcp_keepalive_interval(&self) -> Option<Duration> {
        self.keepalive_interval
    }
    /// How many unanswered probes drop the connection; `None` for the
    /// system's default. Defaults to `None`.
    pub fn tcp_keepalive_count(&self) -> Option<u32> {
        self.keepalive_count
    }
    /// How long sent data may stay unacknowledged before the connection
    /// is dropped (`TCP_USER_TIMEOUT`, Linux only); `None` for the
    /// system's default. Defaults to `None`.
    pub fn tcp_user_timeout(&self) -> Option<Duration> {
        self.user_timeout
    }
    /// Whether request bodies are gzip-compressed, and from which size
    /// (`Some(0)`: every non-empty body); when on, answers are asked for
    /// in gzip too. Answers sent in gzip are always decoded. Defaults to
    /// off.
    pub fn compress(&self) -> Option<u64> {
        self.compress
    }
    /// Whether answers are asked for in gzip (`Accept-Encoding: gzip`, as
    /// curl's `--compressed`); true as well when `compress` is on. Gzip
    /// answers are decoded either way. Defaults to false in the library;
    /// the CLI turns it on.
    pub fn compressed(&self) -> bool {
        self.compressed || self.compress.is_some()
    }
    /// The gzip level of compressed request bodies, 0 to 9. Defaults to 6.
    pub fn compress_level(&self) -> u32 {
        self.compress_level
    }
    /// The statuses after which an idempotent request moves on to the next
    /// host (a request that is not idempotent never does). Defaults to
    /// 502, 503 and 504.
    pub fn retry_on_status(&self) -> &[u16] {
        &self.retry_on_status
    }
    /// Whether an idempotent request that timed out after it was sent
    /// moves on to the next host. Defaults to true. A connect timeout
    /// always moves on: nothing was sent.
    pub fn retry_on_timeout(&self) -> bool {
        self.retry_on_timeout
    }
    /// The wait before the first move to another host, doubled before
    /// each next one up to [`retry_backoff_max`](Settings::retry_backoff_max),
    /// each drawn between half and all of it. Defaults to zero: no wait.
    pub fn retry_backoff(&self) -> Duration {
        self.retry_backoff
    }
    /// The longest wait between two moves. Defaults to 30 s.
    pub fn retry_backoff_max(&self) -> Duration {
        self.retry_backoff_max
    }
    /// The Elasticsearch API key, encoded as `Authorization: ApiKey` sends
    /// it. Defaults to none.
    pub fn api_key(&self) -> Option<&Secret> {
        self.api_key.as_ref()
    }
    /// The application name sent first in `User-Agent`
    /// (`myapp httpdb/0.1.0`). Defaults to none.
    pub fn app_name(&self) -> Option<&str> {
        self.app_name.as_deref()
    }
    /// The headers every request carries unless it sets its own of the
    /// same name. Values are [`Secret`]s, shown as `***` where the name
    /// says they hold a credential. Defaults to none.
    ///
    /// ```
    /// let s = httpdb::Settings::from_uri("https://h/?header.X-ClickHouse-User=app&header.X-ClickHouse-Key=pw")?;
    /// assert_eq!(s.headers()[0].0, "X-ClickHouse-User");
    /// assert_eq!(s.headers()[0].1.expose(), "app");
    /// assert_eq!(s.to_uri(), "https://h:443/?header.X-ClickHouse-User=app&header.X-ClickHouse-Key=***");
    /// # Ok::<(), httpdb::Error>(())
    /// ```
    pub fn headers(&self) -> &[(String, Secret)] {
        &self.headers
    }
    /// The query parameters every request carries unless its own query
    /// sets one of the same name (`param.database=analytics`; ClickHouse's
    /// `database` and InfluxDB's `db` as they are). Values are [`Secret`]s,
    /// shown as `***` for credentials (InfluxDB's `p`, names holding
    /// `password`, `key`, `token`...). Defaults to none.
    ///
    /// ```
    /// let s = httpdb::Settings::from_uri("http://h:8086/?db=metrics&param.u=app&param.p=pw")?;
    /// assert_eq!(s.params()[0].0, "db");
    /// assert_eq!(s.to_uri(), "http://h:8086/?param.db=metrics&param.u=app&param.p=***");
    /// # Ok::<(), httpdb::Error>(())
    /// ```
    pub fn params(&self) -> &[(String, Secret)] {
        &self.params
    }

    /// A plain ureq agent with these settings' TLS (our rustls
    /// configuration and verifiers), timeouts (`connect_timeout`,
    /// `read_timeout`), pool and resolver, for code that already speaks
    /// ureq. What a [`crate::Client`] adds on top is not in it: failover,
    /// the base path, the credentials, the whole-call deadline.
    ///
    /// ```no_run
    /// let settings: httpdb::Settings = std::env::var("HTTPDB_URL")?.parse()?;
    /// let agent: httpdb::ureq::Agent = settings.agent()?;
    /// let body = agent.get("https://db1:4200/").call()?.body_mut().read_to_string()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when a CA, certificate or key file cannot be used.
    pub fn agent(&self) -> Result<ureq::Agent> {
        crate::transport::agent(self, crate::tls::client_config(self)?)
    }

    /// The canonical URI of these settings, secrets shown as `***`.
    /// Options at their defaults are left out.
    pub fn to_uri(&self) -> String {
        self.write_uri(false)
    }

    /// The canonical URI with the real secrets: it parses back to equal
    /// settings. Never log it.
    pub fn to_uri_with_secrets(&self) -> String {
        self.write_uri(true)
    }

    fn write_uri(&self, secrets: bool) -> String {
        let show = |s: &Secret| {
            if secrets {
                s.expose().to_string()
            } else {
                "***".to_string()
            }
        };
        let mut out = String::from(if self.tls { "https://" } else { "http://" });
        if let Some(user) = &self.username {
            out.push_str(&utf8_percent_encode(user, USERINFO).to_string());
            if let Some(pw) = &self.password {
                out.push(':');
                out.push_str(&utf8_percent_encode(&show(pw), USERINFO).to_string());
            }
            out.push('@');
        }
        let hosts: Vec<String> = self.hosts.iter().map(Host::to_string).collect();
        out.push_str(&hosts.join(","));
        out.push_str(&self.path);
        let mut query: Vec<(&str, String)> = Vec::new();
        if self.tls {
            if self.cert_reqs != CertReqs::Required {
                query.push(("ssl_cert_reqs", self.cert_reqs.as_str().into()));
            }
            if self.cert_reqs.verifies() && !self.match_hostname {
                query.push(("ssl_match_hostname", "false".into()));
            }
            match &self.ca_certs {
                CaCerts::System => {}
                CaCerts::File(path) => query.push(("ssl_ca_certs", path.to_string_lossy().into())),
                CaCerts::Pem(text) => query.push(("ssl_ca_certs", text.clone())),
            }
            if let Some(name) = &self.server_name {
                query.push(("ssl_assert_hostname", name.clone()));
            }
            if let Some(f) = &self.fingerprint {
                query.push(("ssl_assert_fingerprint", f.to_string()));
            }
            if let Some(path) = &self.crl_file {
                query.push(("ssl_crl_file", path.to_string_lossy().into()));
            }
            if let Some(path) = &self.crl_dir {
                query.push(("ssl_crl_dir", path.to_string_lossy().into()));
            }
            if !self.sni {
                query.push(("ssl_sni", "false".into()));
            }
            if let Some(path) = &self.certfile {
                query.push(("ssl_certfile", path.to_string_lossy().into()));
            }
            if let Some(path) = &self.keyfile {
                query.push(("ssl_keyfile", path.to_string_lossy().into()));
            }
            if let Some(p) = &self.passphrase {
                query.push(("ssl_pem_passphrase", show(p)));
            }
            if self.min_tls != TlsVersion::Tls12 {
                query.push(("ssl_min_protocol_version", self.min_tls.as_str().into()));
            }
            if self.max_tls != TlsVersion::Tls13 {
                query.push(("ssl_max_protocol_version", self.max_tls.as_str().into()));
            }
        }
        if self.username.is_none()
            && let Some(pw) = &self.password
        {
            query.push(("password", show(pw)));
        }
        if let Some(token) = &self.token {
            query.push(("token", show(token)));
        }
        if let Some(key) = &self.api_key {
            query.push(("api_key", show(key)));
        }
        if let Some(name) = &self.app_name {
            query.push(("app_name", name.clone()));
        }
        let header_keys: Vec<String> = self
            .headers
            .iter()
            .map(|(name, _)| format!("header.{name}"))
            .collect();
        let param_keys: Vec<String> = self
            .params
            .iter()
            .map(|(name, _)| format!("param.{name}"))
            .collect();
        for ((name, value), key) in self.params.iter().zip(&param_keys) {
            let value = if secrets {
                value.expose()
            } else {
                shown_param(name, value)
            };
            query.push((key, value.to_string()));
        }
        for ((name, value), key) in self.headers.iter().zip(&header_keys) {
            let value = if secrets {
                value.expose()
            } else {
                shown_header(name, value)
            };
            query.push((key, value.to_string()));
        }
        let durations = [
            (
                "connect_timeout",
                self.connect_timeout,
                DEFAULT_CONNECT_TIMEOUT,
            ),
            ("timeout", self.timeout, DEFAULT_TIMEOUT),
            ("read_timeout", self.read_timeout, DEFAULT_READ_TIMEOUT),
            (
                "pool_idle_timeout",
                self.pool_idle_timeout,
                DEFAULT_POOL_IDLE_TIMEOUT,
            ),
            (
                "retry_interval",
                self.retry_interval,
                DEFAULT_RETRY_INTERVAL,
            ),
        ];
        for (key, value, default) in durations {
            if value != default {
                query.push((key, duration::format(value)));
            }
        }
        if self.pool_size != DEFAULT_POOL_SIZE {
            query.push(("pool_size", self.pool_size.to_string()));
        }
        let system = |d: Option<Duration>| d.map_or_else(|| "0".to_string(), duration::format);
        match &self.proxy {
            None => {}
            Some(ProxyChoice::None) => query.push(("proxy", "none".into())),
            Some(ProxyChoice::Http(url)) => query.push((
                "proxy",
                if secrets {
                    url.with_secrets()
                } else {
                    url.to_string()
                },
            )),
        }
        if self.max_redirects != 0 {
            query.push(("max_redirects", self.max_redirects.to_string()));
        }
        if !self.show_warn {
            query.push(("ssl_show_warn", "false".into()));
        }
        if !self.keepalive {
            query.push(("tcp_keepalive", "false".into()));
        }
        if self.keepalive_idle != Some(DEFAULT_TCP_KEEPALIVE_TIME) {
            query.push(("tcp_keepalive_idle", system(self.keepalive_idle)));
        }
        if self.keepalive_interval != Some(DEFAULT_TCP_KEEPALIVE_TIME) {
            query.push(("tcp_keepalive_interval", system(self.keepalive_interval)));
        }
        if let Some(n) = self.keepalive_count {
            query.push(("tcp_keepalive_count", n.to_string()));
        }
        if let Some(d) = self.user_timeout {
            query.push(("tcp_user_timeout", duration::format(d)));
        }
        match self.compress {
            None => {}
            Some(0) => query.push(("compress", "true".into())),
            Some(min) => query.push(("compress", options::format_size(min))),
        }
        if self.compressed {
            query.push(("compressed", "true".into()));
        }
        if self.compress_level != 6 {
            query.push(("compress_level", self.compress_level.to_string()));
        }
        if self.retry_on_status != DEFAULT_RETRY_ON_STATUS {
            let list: Vec<String> = self.retry_on_status.iter().map(u16::to_string).collect();
            query.push(("retry_on_status", list.join(",")));
        }
        if !self.retry_on_timeout {
            query.push(("retry_on_timeout", "false".into()));
        }
        if !self.retry_backoff.is_zero() {
            query.push(("retry_backoff", duration::format(self.retry_backoff)));
        }
        if self.retry_backoff_max != DEFAULT_RETRY_BACKOFF_MAX {
            query.push((
                "retry_backoff_max",
                duration::format(self.retry_backoff_max),
            ));
        }
        if self.host_order != HostOrder::RoundRobin {
            query.push(("host_order", self.host_order.as_str().into()));
        }
        if let Some(n) = self.max_retries {
            query.push(("max_retries", n.to_string()));
        }
        if self.max_body_size != DEFAULT_MAX_BODY_SIZE {
            query.push(("max_body_size", options::format_size(self.max_body_size)));
        }
        for (i, (key, value)) in query.iter().enumerate() {
            out.push(if i == 0 { '?' } else { '&' });
            out.push_str(key);
            out.push('=');
            out.push_str(&utf8_percent_encode(value, QUERY_VALUE).to_string());
        }
        out
    }

    /// The resolved settings as the JSON document `httpdb config` prints,
    /// secrets as `"***"`.
    pub fn to_json(&self) -> serde_json::Value {
        let path = |p: &Option<PathBuf>| p.as_ref().map(|p| p.to_string_lossy().into_owned());
        let masked = |s: &Option<Secret>| s.as_ref().map(|_| "***");
        serde_json::json!({
            "hosts": self.hosts.iter().map(Host::to_string).collect::<Vec<_>>(),
            // Internationalised names as written, beside their xn-- form.
            "hosts_unicode": self.hosts.iter().map(|h| {
                let (name, _) = idna::domain_to_unicode(&h.name);
                Host::new(name, h.port).to_string()
            }).collect::<Vec<_>>(),
            "tls": self.tls,
            "path": self.path,
            "ssl_cert_reqs": self.cert_reqs.as_str(),
            "ssl_match_hostname": self.match_hostname,
            "ssl_ca_certs": match &self.ca_certs {
                CaCerts::System => "system".to_string(),
                CaCerts::File(p) => p.to_string_lossy().into_owned(),
                CaCerts::Pem(text) => text.clone(),
            },
            "ssl_crl_file": path(&self.crl_file),
            "ssl_crl_dir": path(&self.crl_dir),
            "ssl_assert_fingerprint": self.fingerprint.map(|f| f.to_string()),
            "ssl_assert_hostname": self.server_name,
            "ssl_sni": self.sni,
            "ssl_certfile": path(&self.certfile),
            "ssl_keyfile": path(&self.keyfile),
            "username": self.username,
            "password": masked(&self.password),
            "token": masked(&self.token),
            "api_key": masked(&self.api_key),
            "app_name": self.app_name,
            "params": self.params.iter()
                .map(|(name, value)| (name.clone(), shown_param(name, value).into()))
                .collect::<serde_json::Map<_, _>>(),
            "headers": self.headers.iter()
                .map(|(name, value)| (name.clone(), shown_header(name, value).into()))
                .collect::<serde_json::Map<_, _>>(),
            "ssl_pem_passphrase": masked(&self.passphrase),
            "connect_timeout_ms": millis(self.connect_timeout),
            "timeout_ms": millis(self.timeout),
            "read_timeout_ms": millis(self.read_timeout),
            "pool_idle_timeout_ms": millis(self.pool_idle_timeout),
            "retry_interval_ms": millis(self.retry_interval),
            "pool_size": self.pool_size,
            "host_order": self.host_order.as_str(),
            "max_retries": self.max_retries(),
            "max_redirects": self.max_redirects,
            "proxy": match &self.proxy {
                None => serde_json::Value::Null,
                Some(ProxyChoice::None) => "none".into(),
                Some(ProxyChoice::Http(url)) => url.to_string().into(),
            },
            "ssl_show_warn": self.show_warn,
            "tcp_keepalive": self.keepalive,
            "tcp_keepalive_idle_ms": self.keepalive_idle.map(millis),
            "tcp_keepalive_interval_ms": self.keepalive_interval.map(millis),
            "tcp_keepalive_count": self.keepalive_count,
            "tcp_user_timeout_ms": self.user_timeout.map(millis),
            "compress": self.compress.is_some(),
            "compress_min_size": self.compress,
            "compress_level": self.compress_level,
            "compressed": self.compressed(),
            "retry_on_status": self.retry_on_status,
            "retry_on_timeout": self.retry_on_timeout,
            "retry_backoff_ms": millis(self.retry_backoff),
            "retry_backoff_max_ms": millis(self.retry_backoff_max),
            "max_body_size": self.max_body_size,
            "ssl_min_protocol_version": self.min_tls.as_str(),
            "ssl_max_protocol_version": self.max_tls.as_str(),
            "uri": self.to_uri(),
        })
    }
}

/// A default query parameter's value as shown: `***` for a credential.
fn shown_param<'a>(name: &str, value: &'a Secret) -> &'a str {
    if options::is_secret_param(name) {
        "***"
    } else {
        value.expose()
    }
}

/// A default header's value as shown: `***` for a credential.
fn shown_header<'a>(name: &str, value: &'a Secret) -> &'a str {
    if options::is_secret_header(name) {
        "***"
    } else {
        value.expose()
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// The port of a host written without one: 443 with TLS, 80 without.
pub(crate) fn default_port(tls: bool) -> u16 {
    if tls { 443 } else { 80 }
}

/// Reads the connection URI from the environment variable `var`.
pub(crate) fn env_uri(var: &str) -> Result<String> {
    std::env::var(var).map_err(|e| {
        let why = match e {
            std::env::VarError::NotPresent => "is not set",
            std::env::VarError::NotUnicode(_) => "is not valid UTF-8",
        };
        Error::config(var, format!("environment variable {var} {why}; set it to a connection URI such as https://localhost:4200"))
    })
}

/// Characters escaped in option values.
pub(crate) const QUERY_VALUE: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'%')
    .add(b'&')
    .add(b'=')
    .add(b'#')
    .add(b'"')
    .add(b'<')
    .add(b'>')
    .add(b'\\')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// Characters escaped in user names and passwords: those of option values
/// and the ones that delimit the authority.
const USERINFO: &AsciiSet = &QUERY_VALUE
    .add(b'@')
    .add(b':')
    .add(b'/')
    .add(b'?')
    .add(b'[')
    .add(b']')
    .add(b',');

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("hosts", &self.hosts)
            .field("tls", &self.tls)
            .field("path", &self.path)
            .field("ssl_cert_reqs", &self.cert_reqs)
            .field("ssl_match_hostname", &self.match_hostname)
            .field("ssl_ca_certs", &self.ca_certs)
            .field("ssl_certfile", &self.certfile)
            .field("ssl_keyfile", &self.keyfile)
            .field("ssl_pem_passphrase", &self.passphrase)
            .field("username", &self.username)
            .field("password", &self.password)
            .field("token", &self.token)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("read_timeout", &self.read_timeout)
            .field("pool_idle_timeout", &self.pool_idle_timeout)
            .field("retry_interval", &self.retry_interval)
            .field("pool_size", &self.pool_size)
            .field("host_order", &self.host_order)
            .field("max_body_size", &self.max_body_size)
            .field("min_tls", &self.min_tls)
            .field("max_tls", &self.max_tls)
            .field("ssl_crl_file", &self.crl_file)
            .field("ssl_crl_dir", &self.crl_dir)
            .field("ssl_assert_fingerprint", &self.fingerprint)
            .field("ssl_assert_hostname", &self.server_name)
            .field("ssl_sni", &self.sni)
            .field("api_key", &self.api_key)
            .field("app_name", &self.app_name)
            .field(
                "params",
                &self
                    .params
                    .iter()
                    .map(|(name, value)| format!("{name}={}", shown_param(name, value)))
                    .collect::<Vec<_>>(),
            )
            .field(
                "headers",
                &self
                    .headers
                    .iter()
                    .map(|(name, value)| format!("{name}: {}", shown_header(name, value)))
                    .collect::<Vec<_>>(),
            )
            .field("max_retries", &self.max_retries())
            .field("max_redirects", &self.max_redirects)
            .field("proxy", &self.proxy)
            .field("ssl_show_warn", &self.show_warn)
            .field("tcp_keepalive", &self.keepalive)
            .field("tcp_keepalive_idle", &self.keepalive_idle)
            .field("tcp_keepalive_interval", &self.keepalive_interval)
            .field("tcp_keepalive_count", &self.keepalive_count)
            .field("tcp_user_timeout", &self.user_timeout)
            .field("compress", &self.compress)
            .field("compress_level", &self.compress_level)
            .field("compressed", &self.compressed)
            .field("retry_on_status", &self.retry_on_status)
            .field("retry_on_timeout", &self.retry_on_timeout)
            .field("retry_backoff", &self.retry_backoff)
            .field("retry_backoff_max", &self.retry_backoff_max)
            .finish()
    }
}

impl fmt::Display for Settings {
    /// The canonical URI with secrets redacted.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_uri())
    }
}
