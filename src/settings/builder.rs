//! [`SettingsBuilder`]: a URI with keyword options layered over it, checked
//! across fields and resolved into [`Settings`] with defaults filled in.

use std::fmt;

use crate::error::{Error, Result};
use crate::secret::Secret;
use crate::settings::credential_files::{self, Netrc};
use crate::settings::layer::{self, Slot, Source};
use crate::settings::options::check;
use crate::settings::uri;
use crate::settings::value::OptionValue;
use crate::settings::{CaCerts, Layer, Settings};

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
        } = e.given_in("a keyword option")
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
            && let Err(e) = layer::set(pick(&mut self.keywords), value, shown)
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
                    this.fail(check::settings_error(
                        "ssl_ca_certs",
                        text,
                        " (CaCerts::Pem holds no PEM text)",
                    ));
                }
                return this;
            }
            CaCerts::Pem(_) => "ssl_ca_certs=(PEM text)".to_string(),
        };
        self.set(|l| &mut l.ssl_ca_certs, ca, shown)
    }
    /// The DNS name or IP address the server's certificate must hold
    /// instead of the host's, for hosts reached by an address the
    /// certificate does not name. Defaults to the host's own name.
    pub fn ssl_assert_hostname(self, name: &str) -> Self {
        self.option("ssl_assert_hostname", name)
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
    /// The statuses after which an idempotent request moves on to the
    /// next host (elasticsearch-py's `retry_on_status`). Defaults to 502,
    /// 503 and 504.
    pub fn retry_on_status(self, statuses: &[u16]) -> Self {
        let list: Vec<String> = statuses.iter().map(u16::to_string).collect();
        self.option("retry_on_status", &list.join(","))
    }

    /// Sets a field to a value its typed check passed, shown in conflict
    /// messages as `key=value` (secrets masked), or records the check's
    /// error for `build`.
    pub(super) fn checked<T: PartialEq + OptionValue>(
        mut self,
        pick: impl FnOnce(&mut Layer) -> &mut Option<Slot<T>>,
        value: Result<T>,
        key: &str,
    ) -> Self {
        match value {
            Ok(value) => {
                let shown = format!("{key}={}", value.text(false));
                self.set(pick, value, shown)
            }
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
        let mut keywords = self.keywords;
        keywords.stamp(&Source::Keyword);
        let typed = self
            .hosts
            .iter()
            .map(|(name, port)| uri::typed_host(name, *port))
            .collect::<Result<Vec<_>>>()?;
        let mut parsed = self.uri.as_deref().map(uri::parse).transpose()?;
        if let Some(parsed) = &mut parsed {
            parsed.layer.stamp(&Source::Uri);
        }
        // A named connection: its options are the defaults below the URI's,
        // and its uri= line is the URI when none is given.
        let name = keywords
            .service
            .as_ref()
            .or(parsed.as_ref().and_then(|p| p.layer.service.as_ref()))
            .map(|slot| slot.value.clone());
        let service = name.as_deref().map(super::service::load).transpose()?;
        let mut hosts_from = if typed.is_empty() {
            Source::Uri
        } else {
            Source::Keyword
        };
        let mut below = Layer::default();
        if let Some(service) = service {
            if let Some((text, source)) = service.uri {
                let mut from_service = uri::parse(&text).map_err(|e| match e {
                    Error::Config {
                        option, message, ..
                    } => Error::config(
                        option,
                        format!("{source}: uri={}: {message}", uri::mask(&text)),
                    ),
                    other => other,
                })?;
                from_service.layer.stamp(&source);
                below = from_service.layer.clone();
                if parsed.is_none() {
                    if typed.is_empty() {
                        hosts_from = source;
                    }
                    from_service.layer = Layer::default();
                    parsed = Some(from_service);
                }
            }
            below = below.overlaid_by(service.layer);
        }
        let mut parsed = match parsed {
            Some(parsed) => parsed,
            None if !typed.is_empty() => {
                // TLS on, as an https URI would say, unless ssl(false).
                let https = !matches!(keywords.tls, Some(Slot { value: false, .. }));
                let mut layer = Layer::default();
                if https {
                    layer::set(&mut layer.tls, true, "https://".into())?;
                }
                layer.stamp(&Source::Keyword);
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
                    "no connection URI was given; pass one (e.g. https://localhost:4200), set HTTPDB_URL, name hosts with host(name, port), or name a service whose section has a uri= line",
                ));
            }
        };
        if !typed.is_empty() {
            parsed.hosts = typed;
        }
        parsed.layer = under(below, parsed.layer);
        let lookups = Lookups {
            passfile: keywords.passfile.clone().or(parsed.layer.passfile.clone()),
            netrc: keywords.netrc.clone().or(parsed.layer.netrc.clone()),
            netrc_file: keywords
                .netrc_file
                .clone()
                .or(parsed.layer.netrc_file.clone()),
        };
        let mut settings = super::resolve::resolve(parsed, keywords)?;
        settings
            .provenance
            .0
            .insert(0, ("hosts".into(), hosts_from));
        lookups.fill(&mut settings)?;
        Ok(settings)
    }
}

/// The credential files to look in, for settings that give no credentials
/// of their own.
struct Lookups {
    passfile: Option<Slot<std::path::PathBuf>>,
    netrc: Option<Slot<Option<Netrc>>>,
    netrc_file: Option<Slot<std::path::PathBuf>>,
}

impl Lookups {
    /// The user name and password from the password file or `.netrc`, when
    /// `settings` have no password, token or API key.
    fn fill(self, settings: &mut Settings) -> Result<()> {
        if settings.password.is_some() || settings.token.is_some() || settings.api_key.is_some() {
            return Ok(());
        }
        let user = settings.username.clone();
        let database = settings.path.trim_start_matches('/').to_string();
        let mut found = None;
        if let Some(file) = &self.passfile {
            found = credential_files::passfile(
                &file.value,
                &settings.hosts,
                &database,
                user.as_deref(),
            )?
            .map(|entry| (entry, file.value.clone()));
        }
        let mode = match (&self.netrc, &self.netrc_file) {
            (Some(Slot { value, .. }), _) => *value,
            (None, Some(_)) => Some(Netrc::Required),
            (None, None) => None,
        };
        if found.is_none()
            && let Some(mode) = mode
        {
            let given = self.netrc_file.as_ref().map(|s| s.value.as_path());
            let Some(path) = credential_files::netrc_path(given) else {
                return Err(Error::config(
                    "netrc",
                    "netrc: no .netrc to read: HOME and NETRC are not set; give netrc_file=PATH",
                ));
            };
            found = credential_files::netrc(&path, mode, &settings.hosts, user.as_deref())?
                .map(|entry| (entry, path));
        }
        let Some(((entry, password), file)) = found else {
            return Ok(());
        };
        let source = Source::File {
            file,
            line: entry.line,
        };
        let sources = &mut settings.provenance.0;
        if settings.username.is_none() {
            // An entry without a user: an empty one, as curl sends it
            // (`Basic` of `:password`).
            settings.username = Some(entry.user.unwrap_or_default());
            sources.retain(|(name, _)| name != "username");
            sources.push(("username".into(), source.clone()));
        }
        settings.password = Some(password);
        sources.retain(|(name, _)| name != "password");
        sources.push(("password".into(), source));
        Ok(())
    }
}

/// `top` over the service's layer `below`: a credential of `top` (a
/// password, a token, an API key) replaces all of `below`'s, as a keyword
/// one replaces the URI's.
fn under(mut below: Layer, top: Layer) -> Layer {
    if top.password.is_some() || top.token.is_some() || top.api_key.is_some() {
        below.password = None;
        below.token = None;
        below.api_key = None;
    }
    below.overlaid_by(top)
}
