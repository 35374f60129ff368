//! [`ClientBuilder`]: settings (a URI, keyword options, typed setters) and
//! then a [`Client`] for them.

use super::Client;
use crate::error::Result;
use crate::secret::Secret;
use crate::settings::CaCerts;
use crate::settings::builder::SettingsBuilder;

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

/// The typed setters of the option table (settings/table.rs), each passing
/// through to [`SettingsBuilder`]'s of the same name.
macro_rules! forward_setters {
    ($(
        $(#[$doc:meta])*
        $name:ident: $ty:ty = $default:expr
        $(, [$tls:ident])?
        $(, get $get:ident -> $out:ty)?
        $(, set($arg:ident: $argty:ty) => $conv:expr)?
        , uri $uri:tt
        , json $json:tt;
    )*) => {
        impl ClientBuilder {
            $($(
                #[doc = concat!("See [`SettingsBuilder::", stringify!($name), "`].")]
                pub fn $name(self, $arg: $argty) -> Self {
                    ClientBuilder { settings: self.settings.$name($arg) }
                }
            )?)*
        }
    };
}

crate::settings::table::options_table!(forward_setters);

impl ClientBuilder {
    forward! {
        /// The connection URI. See [`SettingsBuilder::uri`].
        uri(uri: impl Into<String>);
        /// Any option of the vocabulary by name. See [`SettingsBuilder::option`].
        option(key: &str, value: &str);
        /// See [`SettingsBuilder::ssl`].
        ssl(on: bool);
        /// See [`SettingsBuilder::ssl_ca_certs`].
        ssl_ca_certs(ca: CaCerts);
        /// See [`SettingsBuilder::ssl_assert_hostname`].
        ssl_assert_hostname(name: &str);
        /// See [`SettingsBuilder::api_key`].
        api_key(key: impl Into<Secret>);
        /// See [`SettingsBuilder::app_name`].
        app_name(name: &str);
        /// See [`SettingsBuilder::header`].
        header(name: &str, value: impl Into<Secret>);
        /// See [`SettingsBuilder::retry_on_status`].
        retry_on_status(statuses: &[u16]);
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

impl SettingsBuilder {
    /// Builds the settings and a [`Client`] for them.
    ///
    /// # Errors
    ///
    /// As [`SettingsBuilder::build`] and [`Client::from_settings`].
    pub fn build_client(self) -> Result<Client> {
        Client::from_settings(self.build()?)
    }
}
