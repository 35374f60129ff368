//! [`SettingsBuilder`]: a URI with keyword options layered over it, checked
//! across fields and resolved into [`Settings`] with defaults filled in.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::duration;
use crate::error::{Error, Result};
use crate::options::{self, Layer, Slot};
use crate::secret::Secret;
use crate::settings::{
    CaCerts, CertReqs, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_BODY_SIZE, DEFAULT_POOL_IDLE_TIMEOUT,
    DEFAULT_POOL_SIZE, DEFAULT_READ_TIMEOUT, DEFAULT_RETRY_INTERVAL, DEFAULT_TIMEOUT, Host,
    HostOrder, Settings,
};
use crate::uri;

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
#[must_use = "a builder does nothing until build() is called"]
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
    /// The budget of a whole call: connect, send, wait and read the whole
    /// answer, moving on to other hosts included. Defaults to 30 s. Zero
    /// is an error.
    pub fn timeout(self, d: Duration) -> Self {
        self.option("timeout", &duration::format(d))
    }
    /// The longest silence allowed while waiting for the server: each read
    /// from the socket. Defaults to 30 s. Zero is an error.
    pub fn read_timeout(self, d: Duration) -> Self {
        self.option("read_timeout", &duration::format(d))
    }
    /// How long an idle keep-alive connection is kept for reuse. Defaults
    /// to 4 s, below the 5 s after which many servers close idle
    /// connections. Zero is an error (use `pool_size(0)` for no pooling).
    pub fn pool_idle_timeout(self, d: Duration) -> Self {
        self.option("pool_idle_timeout", &duration::format(d))
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
    /// The largest body `Response::bytes`, `text` and `json` read into
    /// memory. Defaults to 1 GiB. Zero is an error.
    pub fn max_body_size(self, bytes: u64) -> Self {
        self.option("max_body_size", &bytes.to_string())
    }

    /// Parses the URI, layers the keyword options over it, checks the
    /// result and fills in defaults.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for a URI, option or combination of options that cannot be used: the
    /// message names it, its value (secrets masked) and the accepted forms.
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
    weak_sslmode(&l)?;
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
        read_timeout: l.read_timeout.map_or(DEFAULT_READ_TIMEOUT, |s| s.value),
        pool_idle_timeout: l
            .pool_idle_timeout
            .map_or(DEFAULT_POOL_IDLE_TIMEOUT, |s| s.value),
        retry_interval: l.retry_interval.map_or(DEFAULT_RETRY_INTERVAL, |s| s.value),
        pool_size: l.pool_size.map_or(DEFAULT_POOL_SIZE, |s| s.value),
        host_order: l.host_order.map_or(HostOrder::RoundRobin, |s| s.value),
        max_retries: l.max_retries.map(|s| s.value),
        max_body_size: l.max_body_size.map_or(DEFAULT_MAX_BODY_SIZE, |s| s.value),
    })
}

/// libpq's refusals of weak modes, where our fields would otherwise read
/// them as something weaker than what the user named:
/// - `sslmode=require` with `sslrootcert=system`: `require` verifies only
///   with a CA file, and `system` is not "no CA file given": the user
///   asked for the public roots and would get no verification at all;
/// - `sslmode=verify-ca` against the system's public roots (named, or by
///   default): the chain without the host name lets any publicly issued
///   certificate, for any name, pass.
fn weak_sslmode(l: &Layer) -> Result<()> {
    let Some(Slot { value: mode, from }) = &l.sslmode else {
        return Ok(());
    };
    let ca = l.ca_certs.as_ref();
    let system = ca.is_none_or(|s| s.value == CaCerts::System);
    let named_system = ca.filter(|s| s.value == CaCerts::System);
    if mode == "require" && l.cert_reqs.is_none() {
        if let Some(ca) = named_system {
            return Err(Error::config(
                options::key_of(from),
                format!(
                    "weak {from} may not be used with {} (use sslmode=verify-full): require verifies the server only against a CA file, so with the system trust store it would verify nothing",
                    ca.from
                ),
            ));
        }
    }
    // The host-name check off by this sslmode, not by a later keyword.
    let no_name_check = l
        .match_hostname
        .as_ref()
        .is_some_and(|s| !s.value && s.from == *from);
    if mode == "verify-ca" && system && no_name_check {
        let roots = named_system.map_or_else(
            || "no CA file (so the system trust store)".to_string(),
            |s| s.from.clone(),
        );
        return Err(Error::config(
            options::key_of(from),
            format!(
                "weak {from} may not be used with {roots}: it checks the chain but not the host name, so any publicly issued certificate for any name would pass; use sslmode=verify-full, or name your own CA with sslrootcert=FILE"
            ),
        ));
    }
    Ok(())
}

impl SettingsBuilder {
    /// Builds the settings and a [`crate::Client`] for them.
    pub fn build_client(self) -> Result<crate::Client> {
        crate::Client::from_settings(self.build()?)
    }
}
