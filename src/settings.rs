//! [`Settings`]: the normalized, validated connection settings, and the
//! builder that layers keyword options over a URI.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

use crate::duration;
use crate::error::{Error, Result};
use crate::options::{self, Layer, Slot};
use crate::secret::Secret;
use crate::uri;

/// Default connect timeout (name resolution, TCP connect and TLS handshake).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default timeout for sending a request and receiving its response.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default time a failed host is skipped before it is tried again.
pub const DEFAULT_RETRY_INTERVAL: Duration = Duration::from_secs(30);
/// Default number of idle keep-alive connections kept per host.
pub const DEFAULT_POOL_SIZE: usize = 8;

/// How much the server's certificate is checked (Python's `ssl_cert_reqs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CertReqs {
    /// No verification at all: any certificate is accepted. Handshake
    /// signatures are still checked.
    None,
    /// As in Python's `ssl` module in client mode: the same as
    /// [`CertReqs::Required`]. A client cannot make verification optional.
    Optional,
    /// Full verification of the chain (and, with `ssl_match_hostname`, the name).
    Required,
}

impl CertReqs {
    /// `Required` when `verify` is true, else `None`.
    pub fn verify(verify: bool) -> Self {
        if verify {
            CertReqs::Required
        } else {
            CertReqs::None
        }
    }

    /// The name as written in a URI: `CERT_NONE`, `CERT_OPTIONAL`, `CERT_REQUIRED`.
    pub fn as_str(self) -> &'static str {
        match self {
            CertReqs::None => "CERT_NONE",
            CertReqs::Optional => "CERT_OPTIONAL",
            CertReqs::Required => "CERT_REQUIRED",
        }
    }

    /// True unless this is [`CertReqs::None`].
    pub fn verifies(self) -> bool {
        self != CertReqs::None
    }
}

impl fmt::Display for CertReqs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where trusted CA certificates come from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CaCerts {
    /// The operating system's trust store (honouring `SSL_CERT_FILE` and
    /// `SSL_CERT_DIR`), or Mozilla's roots when that store is empty.
    System,
    /// Exactly the certificates in this PEM file, and nothing else.
    File(PathBuf),
}

/// In which order hosts are tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HostOrder {
    /// Spread requests over the live hosts in turn.
    RoundRobin,
    /// Always start with the first live host in URI order.
    Ordered,
}

impl HostOrder {
    /// The name as written in a URI: `round_robin` or `ordered`.
    pub fn as_str(self) -> &'static str {
        match self {
            HostOrder::RoundRobin => "round_robin",
            HostOrder::Ordered => "ordered",
        }
    }
}

/// One server: a name (DNS name, IPv4 or IPv6 address without brackets) and a port.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Host {
    /// The name or address.
    pub name: String,
    /// The TCP port.
    pub port: u16,
}

impl fmt::Display for Host {
    /// `name:port`, with IPv6 addresses in brackets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.name.contains(':') {
            write!(f, "[{}]:{}", self.name, self.port)
        } else {
            write!(f, "{}:{}", self.name, self.port)
        }
    }
}

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
    hosts: Vec<Host>,
    tls: bool,
    path: String,
    cert_reqs: CertReqs,
    match_hostname: bool,
    ca_certs: CaCerts,
    certfile: Option<PathBuf>,
    keyfile: Option<PathBuf>,
    passphrase: Option<Secret>,
    username: Option<String>,
    password: Option<Secret>,
    token: Option<Secret>,
    connect_timeout: Duration,
    timeout: Duration,
    retry_interval: Duration,
    pool_size: usize,
    host_order: HostOrder,
    max_retries: Option<usize>,
}

impl Settings {
    /// Parses a connection URI.
    pub fn from_uri(uri: &str) -> Result<Settings> {
        Settings::builder().uri(uri).build()
    }

    /// Parses the connection URI held in the environment variable `var`.
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
    /// Limit for sending a request and receiving its response. Defaults to 30 s.
    pub fn timeout(&self) -> Duration {
        self.timeout
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
            if let CaCerts::File(path) = &self.ca_certs {
                query.push(("ssl_ca_certs", path.to_string_lossy().into()));
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
        }
        if self.username.is_none() {
            if let Some(pw) = &self.password {
                query.push(("password", show(pw)));
            }
        }
        if let Some(token) = &self.token {
            query.push(("token", show(token)));
        }
        let durations = [
            (
                "connect_timeout",
                self.connect_timeout,
                DEFAULT_CONNECT_TIMEOUT,
            ),
            ("timeout", self.timeout, DEFAULT_TIMEOUT),
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
        if self.host_order != HostOrder::RoundRobin {
            query.push(("host_order", self.host_order.as_str().into()));
        }
        if let Some(n) = self.max_retries {
            query.push(("max_retries", n.to_string()));
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
            "tls": self.tls,
            "path": self.path,
            "ssl_cert_reqs": self.cert_reqs.as_str(),
            "ssl_match_hostname": self.match_hostname,
            "ssl_ca_certs": match &self.ca_certs {
                CaCerts::System => "system".to_string(),
                CaCerts::File(p) => p.to_string_lossy().into_owned(),
            },
            "ssl_certfile": path(&self.certfile),
            "ssl_keyfile": path(&self.keyfile),
            "username": self.username,
            "password": masked(&self.password),
            "token": masked(&self.token),
            "ssl_pem_passphrase": masked(&self.passphrase),
            "connect_timeout_ms": millis(self.connect_timeout),
            "timeout_ms": millis(self.timeout),
            "retry_interval_ms": millis(self.retry_interval),
            "pool_size": self.pool_size,
            "uri": self.to_uri(),
        })
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
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

/// Characters escaped in user names and passwords.
const USERINFO: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'%')
    .add(b'@')
    .add(b':')
    .add(b'/')
    .add(b'?')
    .add(b'#')
    .add(b'[')
    .add(b']')
    .add(b'&')
    .add(b'=')
    .add(b',')
    .add(b'"')
    .add(b'<')
    .add(b'>')
    .add(b'\\')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// Characters escaped in option values.
const QUERY_VALUE: &AsciiSet = &CONTROLS
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
            .field("retry_interval", &self.retry_interval)
            .field("pool_size", &self.pool_size)
            .field("host_order", &self.host_order)
            .field("max_retries", &self.max_retries())
            .finish()
    }
}

impl fmt::Display for Settings {
    /// The canonical URI with secrets redacted.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_uri())
    }
}

/// Builds [`Settings`] from a URI with keyword options on top.
///
/// Keyword options pass through the same parser and checks as URI options
/// and win over them. Every setter records its value; errors surface in
/// [`SettingsBuilder::build`].
///
/// ```
/// use httpdb::{CaCerts, Settings};
/// let s = Settings::builder()
///     .uri("https://db:4200/?ssl_ca_certs=/etc/db/ca.pem")
///     .option("tlsCAFile", "/tmp/other.pem")
///     .build()
///     .unwrap();
/// assert_eq!(s.ssl_ca_certs(), &CaCerts::File("/tmp/other.pem".into()));
/// ```
#[derive(Default, Clone)]
pub struct SettingsBuilder {
    uri: Option<String>,
    keywords: Layer,
    error: Option<String>,
    error_option: String,
}

impl fmt::Debug for SettingsBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SettingsBuilder")
            .field("uri", &self.uri.as_deref().map(uri::mask))
            .finish_non_exhaustive()
    }
}

impl SettingsBuilder {
    /// The connection URI. Required.
    pub fn uri(mut self, uri: impl Into<String>) -> Self {
        self.uri = Some(uri.into());
        self
    }

    /// Any option of the vocabulary by name (canonical or alias), with its
    /// value as text, exactly as it would be written in a URI (but not
    /// percent-encoded).
    pub fn option(mut self, key: &str, value: &str) -> Self {
        if self.error.is_none() {
            if let Err(e) = self.keywords.apply(key, value) {
                self.fail(e);
            }
        }
        self
    }

    fn fail(&mut self, e: Error) {
        if let Error::Config {
            option, message, ..
        } = e
        {
            self.error = Some(message);
            self.error_option = option;
        }
    }

    fn set<T: PartialEq>(
        mut self,
        pick: impl FnOnce(&mut Layer) -> &mut Option<Slot<T>>,
        value: T,
        shown: String,
    ) -> Self {
        if self.error.is_none() {
            if let Err(e) = options::set(pick(&mut self.keywords), value, shown) {
                self.fail(e);
            }
        }
        self
    }

    /// Turns TLS on or off. Defaults to on for `https://`, off for `http://`.
    /// Turning it off for an `https://` URI is an error.
    pub fn ssl(self, on: bool) -> Self {
        self.set(|l| &mut l.tls, on, format!("ssl={on}"))
    }
    /// How much the server's certificate is checked. Defaults to `CERT_REQUIRED`.
    pub fn ssl_cert_reqs(self, reqs: CertReqs) -> Self {
        self.set(|l| &mut l.cert_reqs, reqs, format!("ssl_cert_reqs={reqs}"))
    }
    /// Whether the certificate must name the host. Defaults to true.
    pub fn ssl_match_hostname(self, on: bool) -> Self {
        self.set(
            |l| &mut l.match_hostname,
            on,
            format!("ssl_match_hostname={on}"),
        )
    }
    /// The trusted CAs. Defaults to [`CaCerts::System`].
    pub fn ssl_ca_certs(self, ca: CaCerts) -> Self {
        if matches!(&ca, CaCerts::File(p) if p.as_os_str().is_empty()) {
            return self.option("ssl_ca_certs", "");
        }
        // As text, `system` is the OS store: a file of that name could not
        // be written back into a URI.
        if matches!(&ca, CaCerts::File(p) if p.to_str().is_some_and(|p| p.eq_ignore_ascii_case("system")))
        {
            let mut this = self;
            if this.error.is_some() {
                return this;
            }
            this.fail(Error::config(
                "ssl_ca_certs",
                "a CA file named \"system\" would read as the OS trust store (ssl_ca_certs=system); name it ./system",
            ));
            return this;
        }
        let shown = match &ca {
            CaCerts::System => "ssl_ca_certs=system".to_string(),
            CaCerts::File(p) => format!("ssl_ca_certs={}", p.display()),
        };
        self.set(|l| &mut l.ca_certs, ca, shown)
    }
    /// The client certificate file. Defaults to none.
    pub fn ssl_certfile(self, path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        if path.as_os_str().is_empty() {
            return self.option("ssl_certfile", "");
        }
        let shown = format!("ssl_certfile={}", path.display());
        self.set(|l| &mut l.certfile, path, shown)
    }
    /// The client key file. Defaults to none (the key is in the certificate file).
    pub fn ssl_keyfile(self, path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        if path.as_os_str().is_empty() {
            return self.option("ssl_keyfile", "");
        }
        let shown = format!("ssl_keyfile={}", path.display());
        self.set(|l| &mut l.keyfile, path, shown)
    }
    /// The passphrase of an encrypted key or PKCS#12 bundle. Defaults to none.
    pub fn ssl_pem_passphrase(self, passphrase: impl Into<Secret>) -> Self {
        self.set(
            |l| &mut l.passphrase,
            passphrase.into(),
            "ssl_pem_passphrase=***".into(),
        )
    }
    /// The user name for basic auth. Defaults to the URI's.
    pub fn username(self, user: impl Into<String>) -> Self {
        let user = user.into();
        if user.is_empty() {
            return self.option("username", "");
        }
        let shown = format!("username={user}");
        self.set(|l| &mut l.username, user, shown)
    }
    /// The password for basic auth. Defaults to the URI's.
    pub fn password(self, password: impl Into<Secret>) -> Self {
        self.set(|l| &mut l.password, password.into(), "password=***".into())
    }
    /// A bearer token sent as `Authorization: Bearer`. Defaults to none.
    pub fn token(self, token: impl Into<Secret>) -> Self {
        let token = token.into();
        if token.expose().is_empty() {
            return self.option("token", "");
        }
        self.set(|l| &mut l.token, token, "token=***".into())
    }
    /// The connect timeout. Defaults to 10 s. Zero is an error.
    pub fn connect_timeout(self, d: Duration) -> Self {
        self.option("connect_timeout", &duration::format(d))
    }
    /// The request timeout. Defaults to 30 s. Zero is an error.
    pub fn timeout(self, d: Duration) -> Self {
        self.option("timeout", &duration::format(d))
    }
    /// How long a failed host is skipped. Defaults to 30 s.
    pub fn retry_interval(self, d: Duration) -> Self {
        self.set(
            |l| &mut l.retry_interval,
            d,
            format!("retry_interval={}", duration::format(d)),
        )
    }
    /// Idle keep-alive connections per host. Defaults to 8.
    pub fn pool_size(self, n: usize) -> Self {
        self.option("pool_size", &n.to_string())
    }
    /// The order hosts are tried in. Defaults to round robin.
    pub fn host_order(self, order: HostOrder) -> Self {
        self.set(
            |l| &mut l.host_order,
            order,
            format!("host_order={}", order.as_str()),
        )
    }
    /// How many times a request may move on to another host. Defaults to
    /// the number of hosts.
    pub fn max_retries(self, n: usize) -> Self {
        self.option("max_retries", &n.to_string())
    }

    /// Parses the URI, layers the keyword options over it, checks the
    /// result and fills in defaults.
    pub fn build(self) -> Result<Settings> {
        if let Some(message) = self.error {
            return Err(Error::config(self.error_option, message));
        }
        let Some(text) = self.uri else {
            return Err(Error::config(
                "uri",
                "no connection URI was given; pass one (e.g. https://localhost:4200) or set HTTPDB_URL",
            ));
        };
        let parsed = uri::parse(&text)?;
        resolve(parsed, self.keywords)
    }
}

fn resolve(parsed: uri::Parsed, keywords: Layer) -> Result<Settings> {
    if parsed.https {
        if let Some(Slot { value: false, from }) = &keywords.tls {
            return Err(Error::config(
                options::key_of(from),
                format!(
                    "{from} contradicts the URI's https:// scheme: an https URI never goes out as plain http; use an http:// URI for plain text"
                ),
            ));
        }
    }
    let mut uri_layer = parsed.layer;
    // Across sources the keyword wins, also where fields interact: a keyword
    // sslmode=require states the whole verification mode, and a keyword that
    // turns verification off drops the URI's host-name check with it.
    if keywords.sslmode_require.is_some() && keywords.cert_reqs.is_none() {
        uri_layer.cert_reqs = None;
        if keywords.match_hostname.is_none() {
            uri_layer.match_hostname = None;
        }
    }
    if keywords
        .cert_reqs
        .as_ref()
        .is_some_and(|s| s.value == CertReqs::None)
        && keywords.match_hostname.is_none()
    {
        uri_layer.match_hostname = None;
    }
    // A token and a password both fill the Authorization header: the one
    // given as a keyword replaces the other from the URI.
    if keywords.token.is_some() && keywords.password.is_none() {
        uri_layer.password = None;
    }
    if keywords.password.is_some() && keywords.token.is_none() {
        uri_layer.token = None;
    }
    let l = uri_layer.overlaid_by(keywords);
    let tls = l.tls.as_ref().is_some_and(|s| s.value);
    if !tls {
        if let Some(option) = l.first_tls_option() {
            let why = match &l.tls {
                Some(Slot { from, .. }) => format!("{from} turns TLS off"),
                None => "the URI is http:// without ssl=true".into(),
            };
            return Err(Error::config(
                options::key_of(option),
                format!(
                    "{option} is a TLS option but TLS is off ({why}); use an https:// URI or ssl=true, or remove {option}"
                ),
            ));
        }
    }
    if let (Some(key), None) = (&l.keyfile, &l.certfile) {
        return Err(Error::config(
            options::key_of(&key.from),
            format!(
                "{} is given without ssl_certfile; a client key needs its certificate: add ssl_certfile=CERT.pem",
                key.from
            ),
        ));
    }
    if let (Some(p), None) = (&l.passphrase, &l.certfile) {
        return Err(Error::config(
            options::key_of(&p.from),
            format!(
                "{} is given without a client certificate or key; add ssl_certfile (and ssl_keyfile) or remove it",
                p.from
            ),
        ));
    }
    if let (Some(token), Some(password)) = (&l.token, &l.password) {
        return Err(Error::config(
            options::key_of(&token.from),
            format!(
                "conflicting options: {} and {} both set the Authorization header; use a token or a password, not both",
                token.from, password.from
            ),
        ));
    }
    let ca_certs = l.ca_certs.map(|s| s.value).unwrap_or(CaCerts::System);
    let cert_reqs = match (&l.cert_reqs, &l.sslmode_require) {
        (Some(s), _) => s.value,
        // libpq: `require` verifies the chain only when a CA file is given.
        (None, Some(_)) if ca_certs == CaCerts::System => CertReqs::None,
        _ => CertReqs::Required,
    };
    let match_hostname = match (&l.match_hostname, cert_reqs) {
        (Some(Slot { value: true, from }), CertReqs::None) => {
            let none_from = l.cert_reqs.as_ref().map_or("sslmode=require", |s| &s.from);
            return Err(Error::config(
                options::key_of(from),
                format!(
                    "conflicting options: {from} asks for a host-name check, but {none_from} turns verification off; keep one of them"
                ),
            ));
        }
        (_, CertReqs::None) => false,
        (Some(s), _) => s.value,
        (None, _) if l.sslmode_require.is_some() && l.cert_reqs.is_none() => false,
        (None, _) => true,
    };
    let default_port = if tls { 443 } else { 80 };
    let mut hosts: Vec<Host> = Vec::with_capacity(parsed.hosts.len());
    for (name, port) in parsed.hosts {
        let host = Host {
            name,
            port: port.unwrap_or(default_port),
        };
        // IPv6 addresses compare as addresses: [::1] is [0:0::1].
        let same = |other: &&Host| {
            other.port == host.port
                && (other.name == host.name
                    || matches!((other.name.parse::<std::net::Ipv6Addr>(), host.name.parse::<std::net::Ipv6Addr>()), (Ok(a), Ok(b)) if a == b))
        };
        if let Some(other) = hosts.iter().find(same) {
            let also = if other.name == host.name {
                String::new()
            } else {
                format!(", also as {other}")
            };
            return Err(Error::config(
                "host",
                format!(
                    "host {host} is listed twice{also} (a port left out is {default_port}); list each host once"
                ),
            ));
        }
        hosts.push(host);
    }
    Ok(Settings {
        hosts,
        tls,
        path: parsed.path,
        cert_reqs,
        match_hostname,
        ca_certs,
        certfile: l.certfile.map(|s| s.value),
        keyfile: l.keyfile.map(|s| s.value),
        passphrase: l.passphrase.map(|s| s.value),
        username: l.username.map(|s| s.value),
        password: l.password.map(|s| s.value),
        token: l.token.map(|s| s.value),
        connect_timeout: l
            .connect_timeout
            .map_or(DEFAULT_CONNECT_TIMEOUT, |s| s.value),
        timeout: l.timeout.map_or(DEFAULT_TIMEOUT, |s| s.value),
        retry_interval: l.retry_interval.map_or(DEFAULT_RETRY_INTERVAL, |s| s.value),
        pool_size: l.pool_size.map_or(DEFAULT_POOL_SIZE, |s| s.value),
        host_order: l.host_order.map_or(HostOrder::RoundRobin, |s| s.value),
        max_retries: l.max_retries.map(|s| s.value),
    })
}

impl SettingsBuilder {
    /// Builds the settings and a [`crate::Client`] for them.
    pub fn build_client(self) -> Result<crate::Client> {
        crate::Client::from_settings(self.build()?)
    }
}
