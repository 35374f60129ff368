//! [`SettingsBuilder`]: a URI with keyword options layered over it, checked
//! across fields and resolved into [`Settings`] with defaults filled in.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::secret::Secret;
use crate::settings::duration;
use crate::settings::options::{self, Layer, Slot, check};
use crate::settings::uri;
use crate::settings::{CaCerts, CertReqs, Fingerprint, HostOrder, Settings, TlsVersion};

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
    /// Hosts given with `host()`: they replace the URI's.
    hosts: Vec<(String, u16)>,
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
    /// A host to connect to, by name (DNS name, IPv4 or IPv6 address
    /// without brackets) and port; call it once per host. Hosts given so
    /// replace the URI's; without a URI they are the whole list (TLS on,
    /// unless `ssl(false)`; base path `/`).
    ///
    /// ```
    /// use std::time::Duration;
    /// let s = httpdb::Settings::builder()
    ///     .host("db1", 4200)
    ///     .host("::1", 4200)
    ///     .timeout(Duration::from_secs(5))
    ///     .build()?;
    /// assert_eq!(s.to_uri(), "https://db1:4200,[::1]:4200/?timeout=5s");
    /// # Ok::<(), httpdb::Error>(())
    /// ```
    pub fn host(mut self, name: impl Into<String>, port: u16) -> Self {
        self.hosts.push((name.into(), port));
        self
    }

    /// The connection URI. Required unless hosts are given with
    /// [`host`](SettingsBuilder::host).
    pub fn uri(mut self, uri: impl Into<String>) -> Self {
        self.uri = Some(uri.into());
        self
    }

    /// Any option of the vocabulary by name (canonical or alias), with its
    /// value as text, exactly as it would be written in a URI (but not
    /// percent-encoded).
    pub fn option(mut self, key: &str, value: &str) -> Self {
        if self.error.is_none()
            && let Err(e) = self.keywords.apply(key, value)
        {
            self.fail(e);
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
        if self.error.is_none()
            && let Err(e) = options::set(pick(&mut self.keywords), value, shown)
        {
            self.fail(e);
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
    /// The oldest TLS version to offer. Defaults to TLS 1.2.
    pub fn ssl_min_protocol_version(self, v: TlsVersion) -> Self {
        self.set(
            |l| &mut l.min_tls,
            v,
            format!("ssl_min_protocol_version={v}"),
        )
    }
    /// The newest TLS version to offer. Defaults to TLS 1.3.
    pub fn ssl_max_protocol_version(self, v: TlsVersion) -> Self {
        self.set(
            |l| &mut l.max_tls,
            v,
            format!("ssl_max_protocol_version={v}"),
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
            CaCerts::Pem(text) if !text.trim_start().starts_with("-----BEGIN") => {
                let mut this = self;
                if this.error.is_none() {
                    this.fail(options::settings_error(
                        "ssl_ca_certs",
                        text,
                        " (CaCerts::Pem holds no PEM text)",
                    ));
                }
                return this;
            }
            CaCerts::Pem(_) => "ssl_ca_certs=(PEM text)".to_string(),
        };
        self.set(|l| &mut l.ca_certs, ca, shown)
    }
    /// A PEM file of certificate revocation lists (libpq's `sslcrl`,
    /// pymongo's `tlsCRLFile`): every certificate of the server's chain is
    /// checked against them, and one whose issuer has no CRL there fails.
    /// Defaults to none.
    pub fn ssl_crl_file(self, path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        if path.as_os_str().is_empty() {
            return self.option("ssl_crl_file", "");
        }
        let shown = format!("ssl_crl_file={}", path.display());
        self.set(|l| &mut l.crl_file, path, shown)
    }
    /// A directory of PEM CRL files (libpq's `sslcrldir`), read as
    /// [`ssl_crl_file`](SettingsBuilder::ssl_crl_file). Defaults to none.
    pub fn ssl_crl_dir(self, path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        if path.as_os_str().is_empty() {
            return self.option("ssl_crl_dir", "");
        }
        let shown = format!("ssl_crl_dir={}", path.display());
        self.set(|l| &mut l.crl_dir, path, shown)
    }
    /// Pins the SHA-256 fingerprint of the server's certificate, or of a
    /// CA certificate the server sends (which the server's certificate
    /// must then chain to). Checked in addition to the chain, and alone
    /// under `CERT_NONE`. Defaults to none.
    pub fn ssl_assert_fingerprint(self, fingerprint: Fingerprint) -> Self {
        let shown = format!("ssl_assert_fingerprint={fingerprint}");
        self.set(|l| &mut l.fingerprint, fingerprint, shown)
    }
    /// The DNS name or IP address the server's certificate must hold
    /// instead of the host's, for hosts reached by an address the
    /// certificate does not name. Defaults to the host's own name.
    pub fn ssl_assert_hostname(self, name: &str) -> Self {
        self.option("ssl_assert_hostname", name)
    }
    /// Whether the host name is sent in the handshake (SNI; libpq's
    /// `sslsni`). Defaults to true.
    pub fn ssl_sni(self, on: bool) -> Self {
        self.set(|l| &mut l.sni, on, format!("ssl_sni={on}"))
    }
    /// An Elasticsearch API key: the encoded credential, or `id:key`
    /// (encoded here), sent as `Authorization: ApiKey ...`. Defaults to none.
    pub fn api_key(self, key: impl Into<Secret>) -> Self {
        let key: Secret = key.into();
        self.option("api_key", key.expose())
    }
    /// The application name sent first in `User-Agent` (pymongo's
    /// `appname`, libpq's `application_name`). Defaults to none.
    pub fn app_name(self, name: &str) -> Self {
        self.option("app_name", name)
    }
    /// A header every request carries unless it sets its own of that
    /// name; call it once per header. A value whose name says it holds a
    /// credential (`X-Api-Key`, `X-ClickHouse-Key`...) is masked like the
    /// password. Defaults to none.
    ///
    /// ```
    /// let s = httpdb::Settings::builder()
    ///     .uri("https://db:8443")
    ///     .header("X-ClickHouse-User", "app")
    ///     .build()?;
    /// assert_eq!(s.headers().len(), 1);
    /// # Ok::<(), httpdb::Error>(())
    /// ```
    pub fn header(self, name: &str, value: impl Into<Secret>) -> Self {
        let value: Secret = value.into();
        self.option(&format!("header.{name}"), value.expose())
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
        let shown = format!("username={user}");
        let checked = check::non_empty("username", &user).map(str::to_string);
        self.checked(|l| &mut l.username, checked, shown)
    }
    /// The password for basic auth. Defaults to the URI's.
    pub fn password(self, password: impl Into<Secret>) -> Self {
        self.set(|l| &mut l.password, password.into(), "password=***".into())
    }
    /// A bearer token sent as `Authorization: Bearer`. Defaults to none.
    pub fn token(self, token: impl Into<Secret>) -> Self {
        let token = token.into();
        let checked = check::non_empty("token", token.expose()).map(|_| token.clone());
        self.checked(|l| &mut l.token, checked, "token=***".into())
    }
    /// The connect timeout. Defaults to 10 s. Zero is an error.
    pub fn connect_timeout(self, d: Duration) -> Self {
        self.timeout_field(|l| &mut l.connect_timeout, "connect_timeout", d)
    }
    /// The budget of a whole call: connect, send, wait and read the whole
    /// answer, moving on to other hosts included. Defaults to 30 s. Zero
    /// is an error.
    pub fn timeout(self, d: Duration) -> Self {
        self.timeout_field(|l| &mut l.timeout, "timeout", d)
    }
    /// The longest silence allowed while waiting for the server: each read
    /// from the socket. Defaults to 30 s. Zero is an error.
    pub fn read_timeout(self, d: Duration) -> Self {
        self.timeout_field(|l| &mut l.read_timeout, "read_timeout", d)
    }
    /// How long an idle keep-alive connection is kept for reuse. Defaults
    /// to 4 s, below the 5 s after which many servers close idle
    /// connections. Zero is an error (use `pool_size(0)` for no pooling).
    pub fn pool_idle_timeout(self, d: Duration) -> Self {
        self.timeout_field(|l| &mut l.pool_idle_timeout, "pool_idle_timeout", d)
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
        let checked = check::count("pool_size", n, options::MAX_POOL_SIZE);
        self.checked(|l| &mut l.pool_size, checked, format!("pool_size={n}"))
    }
    /// The statuses after which an idempotent request moves on to the
    /// next host (elasticsearch-py's `retry_on_status`). Defaults to 502,
    /// 503 and 504.
    pub fn retry_on_status(self, statuses: &[u16]) -> Self {
        let list: Vec<String> = statuses.iter().map(u16::to_string).collect();
        self.option("retry_on_status", &list.join(","))
    }
    /// Whether an idempotent request that timed out after it was sent
    /// moves on. Defaults to true.
    pub fn retry_on_timeout(self, on: bool) -> Self {
        self.set(
            |l| &mut l.retry_on_timeout,
            on,
            format!("retry_on_timeout={on}"),
        )
    }
    /// The wait before the first move to another host, doubled for each
    /// next one. Defaults to zero.
    pub fn retry_backoff(self, d: Duration) -> Self {
        self.set(
            |l| &mut l.retry_backoff,
            d,
            format!("retry_backoff={}", duration::format(d)),
        )
    }
    /// The longest wait between two moves. Defaults to 30 s.
    pub fn retry_backoff_max(self, d: Duration) -> Self {
        self.set(
            |l| &mut l.retry_backoff_max,
            d,
            format!("retry_backoff_max={}", duration::format(d)),
        )
    }
    /// How many redirects a request follows. Defaults to 0: none.
    pub fn max_redirects(self, n: usize) -> Self {
        let checked = check::count("max_redirects", n, options::MAX_REDIRECTS);
        self.checked(
            |l| &mut l.max_redirects,
            checked,
            format!("max_redirects={n}"),
        )
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
        let checked = check::count("max_retries", n, options::MAX_RETRIES);
        self.checked(|l| &mut l.max_retries, checked, format!("max_retries={n}"))
    }
    /// The largest body `Response::bytes`, `text` and `json` read into
    /// memory. Defaults to 1 GiB. Zero is an error.
    pub fn max_body_size(self, bytes: u64) -> Self {
        let checked = check::size("max_body_size", bytes);
        self.checked(
            |l| &mut l.max_body_size,
            checked,
            format!("max_body_size={bytes}"),
        )
    }

    /// A timeout field, checked as a typed value.
    fn timeout_field(
        self,
        pick: impl FnOnce(&mut Layer) -> &mut Option<Slot<Duration>>,
        key: &str,
        d: Duration,
    ) -> Self {
        let shown = format!("{key}={}", duration::format(d));
        self.checked(pick, check::timeout(key, d), shown)
    }

    /// Sets a field to a value its typed check passed, or records the
    /// check's error for `build`.
    fn checked<T: PartialEq>(
        mut self,
        pick: impl FnOnce(&mut Layer) -> &mut Option<Slot<T>>,
        value: Result<T>,
        shown: String,
    ) -> Self {
        match value {
            Ok(value) => self.set(pick, value, shown),
            Err(e) => {
                if self.error.is_none() {
                    self.fail(e);
                }
                self
            }
        }
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
        let typed = self
            .hosts
            .iter()
            .map(|(name, port)| uri::typed_host(name, *port))
            .collect::<Result<Vec<_>>>()?;
        let mut parsed = match self.uri {
            Some(text) => uri::parse(&text)?,
            None if !typed.is_empty() => {
                // TLS on, as an https URI would say, unless ssl(false).
                let https = !matches!(self.keywords.tls, Some(Slot { value: false, .. }));
                let mut layer = Layer::default();
                if https {
                    options::set(&mut layer.tls, true, "https://".into())?;
                }
                uri::Parsed {
                    https,
                    hosts: Vec::new(),
                    path: "/".into(),
                    layer,
                }
            }
            None => {
                return Err(Error::config(
                    "uri",
                    "no connection URI was given; pass one (e.g. https://localhost:4200), set HTTPDB_URL, or name hosts with host(name, port)",
                ));
            }
        };
        if !typed.is_empty() {
            parsed.hosts = typed;
        }
        super::resolve::resolve(parsed, self.keywords)
    }
}

impl SettingsBuilder {
    /// Builds the settings and a [`crate::Client`] for them.
    ///
    /// # Errors
    ///
    /// As [`SettingsBuilder::build`] and [`crate::Client::from_settings`].
    pub fn build_client(self) -> Result<crate::Client> {
        crate::Client::from_settings(self.build()?)
    }
}
