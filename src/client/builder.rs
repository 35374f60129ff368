//! [`ClientBuilder`]: settings (a URI, keyword options, typed setters) and
//! then a [`Client`] for them.

use std::path::PathBuf;
use std::time::Duration;

use super::Client;
use crate::error::Result;
use crate::secret::Secret;
use crate::settings::builder::SettingsBuilder;
use crate::settings::{CaCerts, CertReqs, Fingerprint, HostOrder, TlsVersion};

/// Builds a [`Client`]: the same setters as [`SettingsBuilder`], and
/// [`build`](ClientBuilder::build) gives the client.
///
/// ```no_run
/// use std::time::Duration;
/// let client = httpdb::Client::builder()
///     .uri("https://db1:4200,db2:4200")
///     .option("tlsCAFile", "/etc/db/ca.pem")
///     .timeout(Duration::from_secs(5))
///     .build()?;
/// # Ok::<(), httpdb::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
#[must_use = "a builder does nothing until build() is called"]
pub struct ClientBuilder {
    settings: SettingsBuilder,
}

/// Setters that pass straight through to [`SettingsBuilder`]'s.
macro_rules! forward {
    ($($(#[$doc:meta])* $name:ident($($arg:ident: $ty:ty),*);)*) => {
        $(
            $(#[$doc])*
            pub fn $name(self, $($arg: $ty),*) -> Self {
                ClientBuilder { settings: self.settings.$name($($arg),*) }
            }
        )*
    };
}

impl ClientBuilder {
    forward! {
        /// The connection URI. See [`SettingsBuilder::uri`].
        uri(uri: impl Into<String>);
        /// Any option of the vocabulary by name. See [`SettingsBuilder::option`].
        option(key: &str, value: &str);
        /// See [`SettingsBuilder::ssl`].
        ssl(on: bool);
        /// See [`SettingsBuilder::ssl_cert_reqs`].
        ssl_cert_reqs(reqs: CertReqs);
        /// See [`SettingsBuilder::ssl_match_hostname`].
        ssl_match_hostname(on: bool);
        /// See [`SettingsBuilder::ssl_min_protocol_version`].
        ssl_min_protocol_version(v: TlsVersion);
        /// See [`SettingsBuilder::ssl_max_protocol_version`].
        ssl_max_protocol_version(v: TlsVersion);
        /// See [`SettingsBuilder::ssl_ca_certs`].
        ssl_ca_certs(ca: CaCerts);
        /// See [`SettingsBuilder::ssl_crl_file`].
        ssl_crl_file(path: impl Into<PathBuf>);
        /// See [`SettingsBuilder::ssl_crl_dir`].
        ssl_crl_dir(path: impl Into<PathBuf>);
        /// See [`SettingsBuilder::ssl_assert_fingerprint`].
        ssl_assert_fingerprint(fingerprint: Fingerprint);
        /// See [`SettingsBuilder::ssl_assert_hostname`].
        ssl_assert_hostname(name: &str);
        /// See [`SettingsBuilder::ssl_sni`].
        ssl_sni(on: bool);
        /// See [`SettingsBuilder::ssl_certfile`].
        ssl_certfile(path: impl Into<PathBuf>);
        /// See [`SettingsBuilder::ssl_keyfile`].
        ssl_keyfile(path: impl Into<PathBuf>);
        /// See [`SettingsBuilder::ssl_pem_passphrase`].
        ssl_pem_passphrase(passphrase: impl Into<Secret>);
        /// See [`SettingsBuilder::api_key`].
        api_key(key: impl Into<Secret>);
        /// See [`SettingsBuilder::app_name`].
        app_name(name: &str);
        /// See [`SettingsBuilder::header`].
        header(name: &str, value: impl Into<Secret>);
        /// See [`SettingsBuilder::username`].
        username(user: impl Into<String>);
        /// See [`SettingsBuilder::password`].
        password(password: impl Into<Secret>);
        /// See [`SettingsBuilder::token`].
        token(token: impl Into<Secret>);
        /// See [`SettingsBuilder::connect_timeout`].
        connect_timeout(d: Duration);
        /// See [`SettingsBuilder::timeout`].
        timeout(d: Duration);
        /// See [`SettingsBuilder::read_timeout`].
        read_timeout(d: Duration);
        /// See [`SettingsBuilder::pool_idle_timeout`].
        pool_idle_timeout(d: Duration);
        /// See [`SettingsBuilder::retry_interval`].
        retry_interval(d: Duration);
        /// See [`SettingsBuilder::pool_size`].
        pool_size(n: usize);
        /// See [`SettingsBuilder::host_order`].
        host_order(order: HostOrder);
        /// See [`SettingsBuilder::retry_on_status`].
        retry_on_status(statuses: &[u16]);
        /// See [`SettingsBuilder::retry_on_timeout`].
        retry_on_timeout(on: bool);
        /// See [`SettingsBuilder::retry_backoff`].
        retry_backoff(d: Duration);
        /// See [`SettingsBuilder::retry_backoff_max`].
        retry_backoff_max(d: Duration);
        /// See [`SettingsBuilder::max_redirects`].
        max_redirects(n: usize);
        /// See [`SettingsBuilder::max_retries`].
        max_retries(n: usize);
        /// See [`SettingsBuilder::max_body_size`].
        max_body_size(bytes: u64);
    }

    /// Builds the settings, then the client: reads the CA, certificate and
    /// key files now, once; nothing is sent until the first request.
    ///
    /// # Errors
    ///
    /// [`crate::Error::Config`] for a bad URI, option or file, naming it.
    pub fn build(self) -> Result<Client> {
        Client::from_settings(self.settings.build()?)
    }
}
