//! [`Settings`]: the normalized, validated connection settings, their
//! defaults, and their canonical URI. The flow, one file a step:
//! `uri` (the grammar: raw parts) → `options` (the vocabulary: each name's
//! parser into a layer of fields) → `resolve` (layers, precedence,
//! cross-field checks, defaults) → [`Settings`]; `builder` is the API over
//! it, `types` the value types. `table` declares every option once (its
//! field, default, getter, setter and how it is shown); `declare` turns the
//! table into the code here, `value` shows each type of value. Nothing in
//! settings/ knows TLS, sockets or the client: they read `Settings`.

use std::fmt;
use std::time::Duration;

use percent_encoding::{AsciiSet, utf8_percent_encode};

use crate::escape::QUERY_VALUE;

pub(crate) mod builder;
pub(crate) mod credential_files;
mod declare;
pub(crate) mod layer;
pub(crate) mod options;
pub(crate) mod proxy;
mod resolve;
pub(crate) mod service;
pub(crate) mod table;
mod types;
mod unsupported;
pub(crate) mod uri;
pub(crate) mod value;

use crate::error::{Error, Result};
use crate::secret::Secret;
pub(crate) use crate::units::duration;
use builder::SettingsBuilder;
use declare::declare_settings;
pub use layer::Source;
pub use proxy::{ProxyChoice, ProxyRoute, ProxyScheme, ProxyUrl};
use table::options_table;
pub use types::{CaCerts, CertReqs, Fingerprint, Host, HostOrder, Product, TlsVersion};
use value::OptionValue;

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
/// Default of `discover_interval`: how often discovery asks again.
pub const DEFAULT_DISCOVER_INTERVAL: Duration = Duration::from_secs(30);
/// Default of `discover_min_delay`: the least time between two
/// discoveries (elastic-transport's `min_delay_between_sniffing`).
pub const DEFAULT_DISCOVER_MIN_DELAY: Duration = Duration::from_secs(10);
/// Default of `discover_timeout`: how long one discovery may take.
pub const DEFAULT_DISCOVER_TIMEOUT: Duration = Duration::from_secs(2);
/// Default of `max_body_size`: the largest body that `bytes()`, `text()`
/// and `json()` read into memory (streamed reads have no limit).
pub const DEFAULT_MAX_BODY_SIZE: u64 = 1 << 30;
/// Default of `retry_on_status`: the statuses of a gateway or a server
/// that cannot answer now, after which an idempotent request moves on.
pub const DEFAULT_RETRY_ON_STATUS: &[u16] = &[429, 502, 503, 504];
/// Default of `retry_backoff_max`: the longest wait between two moves.
pub const DEFAULT_RETRY_BACKOFF_MAX: Duration = Duration::from_secs(30);
/// Default of `tcp_keepalive_idle` and `tcp_keepalive_interval`, as curl
/// probes an idle connection: after a minute of silence, every minute.
pub const DEFAULT_TCP_KEEPALIVE_TIME: Duration = Duration::from_secs(60);
/// The fewest retries `max_retries` defaults to, whatever the number of
/// hosts: a one-host URI (a load balancer, a proxy, a cloud endpoint) is
/// tried 3 times.
pub const DEFAULT_MIN_RETRIES: usize = 2;
/// Default number of idle keep-alive connections kept per host: as many
/// as 32 threads sending at once leave behind. A thread that finds no idle
/// connection opens one (a TLS handshake), and one given back to a full
/// pool is closed; with 8, 32 threads over three hosts opened a new
/// connection for one request in 36 (`benches/threads.sh`). Idle ones are
/// closed after `pool_idle_timeout`, so a client that never sends from
/// many threads at once never holds as many.
pub const DEFAULT_POOL_SIZE: usize = 32;

options_table!(declare_settings);

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

    /// Parses the connection URI held in the environment variable `var`,
    /// or, when it is not set, in the file that `{var}_FILE` names (the
    /// `*_FILE` convention of the official database images, for a URI in a
    /// mounted secret).
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for a URI, option or file that cannot be used: the
    /// message names it, its value (secrets masked) and the accepted forms.
    /// A variable that is not set is an [`Error::Config`] naming it, and so
    /// are both variables set at once.
    pub fn from_env(var: &str) -> Result<Settings> {
        Settings::builder().uri(env_uri(var)?).build()
    }

    /// The connection URI held in the environment variable `var`, or in
    /// the file `{var}_FILE` names, as [`Settings::from_env`] reads it: for
    /// callers that put options of their own on top.
    ///
    /// ```
    /// // SAFETY of the example: no other thread reads the environment.
    /// unsafe { std::env::set_var("DOC_DB_URL", "https://db:4200") };
    /// let uri = httpdb::Settings::uri_from_env("DOC_DB_URL")?;
    /// let s = httpdb::Settings::builder().uri(uri.expose()).option("timeout", "5s").build()?;
    /// assert_eq!(s.to_uri(), "https://db:4200/?timeout=5s");
    /// # Ok::<(), httpdb::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Settings::from_env`], for the variables and the file.
    pub fn uri_from_env(var: &str) -> Result<Secret> {
        env_uri(var).map(Secret::new)
    }

    /// A builder: a URI plus keyword options that override it.
    pub fn builder() -> SettingsBuilder {
        SettingsBuilder::default()
    }

    /// Where each option came from, by canonical name (`hosts` first;
    /// default headers and parameters as `header.NAME`, `param.NAME`): the
    /// URI, a keyword option (the CLI's flags), or a line of a service file.
    /// Options not listed have their default. A secret read from a file
    /// also says which ([`Secret::file`]).
    ///
    /// ```
    /// use httpdb::{Settings, Source};
    /// let s = Settings::builder().uri("https://db/?timeout=5s").option("pool_size", "2").build()?;
    /// let sources = s.sources();
    /// assert!(sources.contains(&("timeout".to_string(), Source::Uri)));
    /// assert!(sources.contains(&("pool_size".to_string(), Source::Keyword)));
    /// assert!(!sources.iter().any(|(name, _)| name == "read_timeout"));
    /// # Ok::<(), httpdb::Error>(())
    /// ```
    pub fn sources(&self) -> &[(String, Source)] {
        &self.provenance.0
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
    /// How many times a request may be sent again after its first try,
    /// over the other hosts first and back to the first (the only one of
    /// a one-host URI), when the failover rules allow it at all. Defaults
    /// to one try per host, and at least 2 retries: 3 tries with one or two
    /// hosts (elastic-transport retries 3 times).
    pub fn max_retries(&self) -> usize {
        self.max_retries_over(self.hosts.len())
    }

    /// [`Settings::max_retries`] over a list of `hosts` hosts: the list
    /// discovery installed, when it did.
    pub(crate) fn max_retries_over(&self, hosts: usize) -> usize {
        self.max_retries
            .unwrap_or(hosts.saturating_sub(1).max(DEFAULT_MIN_RETRIES))
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
    /// None today: a proxy variable that cannot be read is told per host
    /// ([`ProxyRoute::unusable`]), failing only the hosts that would use it.
    pub fn proxy_routes(&self) -> Result<Vec<ProxyRoute>> {
        let routes = proxy::Routes::of(self)?;
        Ok(self
            .hosts
            .iter()
            .map(|host| {
                let (proxy, direct_because, unusable) = match routes.route(self.tls, &host.name) {
                    proxy::Route::Via(p) => {
                        (Some(format!("{} (from {})", p.url, p.source)), None, None)
                    }
                    proxy::Route::Direct(why) => (None, Some(why), None),
                    proxy::Route::Unusable(why) => (None, None, Some(why.to_string())),
                };
                ProxyRoute {
                    host: host.to_string(),
                    proxy,
                    direct_because,
                    unusable,
                }
            })
            .collect())
    }
    /// Whether answers are asked for in gzip (`Accept-Encoding: gzip`, as
    /// curl's `--compressed`); true as well when `compress` is on. Gzip
    /// answers are decoded either way. Defaults to false in the library;
    /// the CLI turns it on.
    pub fn compressed(&self) -> bool {
        self.compressed || self.compress.is_some()
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

    /// Every secret these settings hold, as text that must never be
    /// printed: the password, the token, the API key, the key passphrase,
    /// the proxy's password, the default headers and parameters that hold
    /// a credential, the base64 of `user:password` that
    /// `Authorization: Basic` and `Proxy-Authorization: Basic` carry, and
    /// an API key's `id:key` and key (it goes as their base64).
    /// Empty ones are left out. For masking text that may quote them, such
    /// as a server's echo of a request. The proxies of the environment
    /// (`https_proxy`...) are not settings: [`crate::Client::secrets`]
    /// has theirs too.
    ///
    /// ```
    /// let s = httpdb::Settings::from_uri("https://admin:pw@db/?proxy=http://u:proxypw@proxy:3128")?;
    /// let secrets: Vec<String> = s.secrets().iter().map(|s| s.expose().to_string()).collect();
    /// assert_eq!(secrets, ["pw", "proxypw", "YWRtaW46cHc=", "dTpwcm94eXB3"]);
    /// # Ok::<(), httpdb::Error>(())
    /// ```
    pub fn secrets(&self) -> Vec<Secret> {
        let mut out: Vec<Secret> = self.held_secrets().into_iter().cloned().collect();
        if let Some(user) = &self.username {
            out.push(crate::secret::basic_credential(
                user,
                self.password.as_ref(),
            ));
        }
        // An API key goes as the base64 of `id:key`; a server that decodes
        // it may quote the key.
        if let Some(key) = self.api_key() {
            use base64::Engine;
            if let Some(pair) = base64::engine::general_purpose::STANDARD
                .decode(key.expose())
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .filter(|pair| pair.contains(':'))
            {
                let pair = Secret::new(pair);
                if let Some((_, key)) = pair.expose().split_once(':') {
                    out.push(Secret::new(key));
                }
                out.push(pair);
            }
        }
        if let Some(ProxyChoice::Proxy(proxy)) = self.proxy() {
            out.extend(proxy.basic_credential());
        }
        out.retain(|s| !s.expose().is_empty());
        out
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
        let mut out = String::from(if self.tls { "https://" } else { "http://" });
        if let Some(user) = &self.username {
            out.push_str(&utf8_percent_encode(user, USERINFO).to_string());
            if let Some(pw) = &self.password {
                out.push(':');
                out.push_str(&utf8_percent_encode(&pw.text(secrets), USERINFO).to_string());
            }
            out.push('@');
        }
        let hosts: Vec<String> = self.hosts.iter().map(Host::to_string).collect();
        out.push_str(&hosts.join(","));
        out.push_str(&self.path);
        let mut query: Vec<(&str, String)> = Vec::new();
        self.options_query(secrets, &mut query);
        let shown = |value: &Secret, masked: &str| {
            if secrets {
                value.expose().to_string()
            } else {
                masked.to_string()
            }
        };
        let params: Vec<(String, String)> = self
            .params
            .iter()
            .map(|(name, value)| {
                (
                    format!("param.{name}"),
                    shown(value, shown_param(name, value)),
                )
            })
            .collect();
        let headers: Vec<(String, String)> = self
            .headers
            .iter()
            .map(|(name, value)| {
                (
                    format!("header.{name}"),
                    shown(value, shown_header(name, value)),
                )
            })
            .collect();
        let all = query
            .iter()
            .map(|(key, value)| (*key, value.as_str()))
            .chain(
                params
                    .iter()
                    .chain(&headers)
                    .map(|(k, v)| (k.as_str(), v.as_str())),
            );
        for (i, (key, value)) in all.enumerate() {
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
        let mut map = serde_json::Map::new();
        map.insert(
            "hosts".into(),
            self.hosts
                .iter()
                .map(Host::to_string)
                .collect::<Vec<_>>()
                .into(),
        );
        // Internationalised names as written, beside their xn-- form.
        map.insert(
            "hosts_unicode".into(),
            self.hosts
                .iter()
                .map(|h| {
                    let (name, _) = idna::domain_to_unicode(&h.name);
                    Host::new(name, h.port).to_string()
                })
                .collect::<Vec<_>>()
                .into(),
        );
        map.insert("tls".into(), self.tls.into());
        map.insert("path".into(), self.path.clone().into());
        self.options_json(&mut map);
        map.insert("compress_min_size".into(), self.compress.json());
        map.insert(
            "params".into(),
            self.params
                .iter()
                .map(|(name, value)| (name.clone(), shown_param(name, value).into()))
                .collect::<serde_json::Map<_, _>>()
                .into(),
        );
        map.insert(
            "headers".into(),
            self.headers
                .iter()
                .map(|(name, value)| (name.clone(), shown_header(name, value).into()))
                .collect::<serde_json::Map<_, _>>()
                .into(),
        );
        map.insert("uri".into(), self.to_uri().into());
        serde_json::Value::Object(map)
    }

    /// The default parameters as `Debug` shows them, credentials masked.
    fn shown_params(&self) -> Vec<String> {
        self.params
            .iter()
            .map(|(name, value)| format!("{name}={}", shown_param(name, value)))
            .collect()
    }

    /// The default headers as `Debug` shows them, credentials masked.
    fn shown_headers(&self) -> Vec<String> {
        self.headers
            .iter()
            .map(|(name, value)| format!("{name}: {}", shown_header(name, value)))
            .collect()
    }
}

/// A default query parameter's value as shown: `***` for a credential.
fn shown_param<'a>(name: &str, value: &'a Secret) -> &'a str {
    if options::names::is_secret_param(name) {
        "***"
    } else {
        value.expose()
    }
}

/// A default header's value as shown: `***` for a credential.
fn shown_header<'a>(name: &str, value: &'a Secret) -> &'a str {
    if options::names::is_secret_header(name) {
        "***"
    } else {
        value.expose()
    }
}

/// The port of a host written without one: 443 with TLS, 80 without.
pub(crate) fn default_port(tls: bool) -> u16 {
    if tls { 443 } else { 80 }
}

/// Reads the connection URI from the environment variable `var`.
pub(crate) fn env_uri(var: &str) -> Result<String> {
    let file_var = format!("{var}_FILE");
    let direct = std::env::var_os(var).filter(|v| !v.is_empty());
    let file = std::env::var_os(&file_var).filter(|v| !v.is_empty());
    match (direct, file) {
        (Some(_), Some(_)) => Err(Error::config(
            var,
            format!("both {var} and {file_var} are set; keep one: {var} holds the connection URI, {file_var} the path of a file holding it"),
        )),
        // The convention of the official database images: the URI (with
        // its password) in a mounted secret file.
        (None, Some(path)) => {
            let uri = Secret::from_file(&file_var, std::path::Path::new(&path))?;
            Ok(uri.expose().trim().to_string())
        }
        _ => std::env::var(var).map_err(|e| {
            let why = match e {
                std::env::VarError::NotPresent => "is not set",
                std::env::VarError::NotUnicode(_) => "is not valid UTF-8",
            };
            Error::config(var, format!("environment variable {var} {why}; set it to a connection URI such as https://localhost:4200, or {file_var} to the path of a file holding one"))
        }),
    }
}

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

impl fmt::Display for Settings {
    /// The canonical URI with secrets redacted.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_uri())
    }
}
