//! `declare_settings!`: what the option table (settings/table.rs) becomes in
//! settings/: the fields of [`Settings`](crate::Settings) and of a `Layer`,
//! the merge of two layers, the defaults, the getters, the typed setters of
//! `SettingsBuilder`, the options of the canonical URI and of the JSON,
//! `Debug`, the TLS-only options and the list of secrets. Nothing here is
//! written per option: a row of the table is the whole declaration.
//!
//! The helpers take the optional parts of a row as bracketed lists, since
//! a row's doc comments cannot be repeated inside another optional part.

/// A getter, unless the row has none (it is written by hand).
macro_rules! getter {
    ([$($attr:tt)*] $name:ident []) => {};
    ([$($attr:tt)*] $name:ident [copy -> $out:ty]) => {
        $($attr)*
        pub fn $name(&self) -> $out {
            self.$name
        }
    };
    ([$($attr:tt)*] $name:ident [borrow -> $out:ty]) => {
        $($attr)*
        pub fn $name(&self) -> $out {
            &self.$name
        }
    };
    ([$($attr:tt)*] $name:ident [as_ref -> $out:ty]) => {
        $($attr)*
        pub fn $name(&self) -> $out {
            self.$name.as_ref()
        }
    };
    ([$($attr:tt)*] $name:ident [as_deref -> $out:ty]) => {
        $($attr)*
        pub fn $name(&self) -> $out {
            self.$name.as_deref()
        }
    };
}

/// A typed setter of `SettingsBuilder`, unless the row has none (it is
/// written by hand): the argument, checked as a typed value, never as text.
macro_rules! setter {
    ([$($attr:tt)*] $name:ident $ty:ty []) => {};
    ([$($attr:tt)*] $name:ident $ty:ty [$arg:ident: $argty:ty => $conv:expr]) => {
        $($attr)*
        pub fn $name(self, $arg: $argty) -> Self {
            let value: crate::error::Result<$ty> = $conv;
            self.checked(|l| &mut l.$name, value, stringify!($name))
        }
    };
}

/// The row's option in the canonical URI.
macro_rules! uri_option {
    ($s:tt, $secrets:ident, $query:ident, $name:ident, $default:expr, auto) => {
        if $s.$name != $default {
            $query.push((
                stringify!($name),
                crate::settings::value::OptionValue::text(&$s.$name, $secrets),
            ));
        }
    };
    ($s:tt, $secrets:ident, $query:ident, $name:ident, $default:expr, skip) => {};
    ($s:tt, $secrets:ident, $query:ident, $name:ident, $default:expr, $write:tt) => {
        if let Some(value) = ($write)($s, $secrets) {
            $query.push((stringify!($name), value));
        }
    };
}

/// The row's option in the JSON of `httpdb config`.
macro_rules! json_option {
    ($s:tt, $map:ident, $name:ident, $ty:ty, auto) => {
        $map.insert(
            format!(
                "{}{}",
                stringify!($name),
                <$ty as crate::settings::value::OptionValue>::JSON_SUFFIX
            ),
            crate::settings::value::OptionValue::json(&$s.$name),
        );
    };
    ($s:tt, $map:ident, $name:ident, $ty:ty, skip) => {};
    ($s:tt, $map:ident, $name:ident, $ty:ty, $show:tt) => {
        $map.insert(stringify!($name).to_string(), ($show)($s));
    };
}

/// Expands to its body: makes a row's optional flag drive a repetition.
macro_rules! when {
    ($flag:ident => $($body:tt)*) => {
        $($body)*
    };
}

/// The code of the whole table; see the module's doc.
macro_rules! declare_settings {
    ($(
        $(#[$doc:meta])*
        $name:ident: $ty:ty = $default:expr
        $(, [$tls:ident])?
        $(, get $get:ident -> $out:ty)?
        $(, set($arg:ident: $argty:ty) => $conv:expr)?
        , uri $uri:tt
        , json $json:tt;
    )*) => {
        /// The whole connection, normalized: hosts, TLS, credentials,
        /// timeouts.
        ///
        /// Built from a connection URI with keyword options on top; every
        /// value is validated and every default filled in. `Debug` and
        /// `Display` never show the password, token or key passphrase.
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
            pub(crate) hosts: Vec<crate::settings::Host>,
            pub(crate) tls: bool,
            pub(crate) path: String,
            pub(crate) headers: Vec<(String, crate::Secret)>,
            pub(crate) params: Vec<(String, crate::Secret)>,
            pub(crate) provenance: crate::settings::layer::Provenance,
            $(pub(crate) $name: $ty,)*
        }

        /// The fields one source (the URI, or the keyword options) sets.
        /// `None` means "this source says nothing"; defaults are filled in
        /// by [`Settings::from_layer`].
        #[derive(Clone, Debug, Default)]
        pub(crate) struct Layer {
            pub tls: Option<crate::settings::layer::Slot<bool>>,
            /// libpq's `sslmode=require`: verify only when a CA file is given.
            pub sslmode_require: Option<crate::settings::layer::Slot<bool>>,
            /// The `sslmode` value itself, so that a repeat with another
            /// value is a conflict even where the fields it sets agree.
            pub sslmode: Option<crate::settings::layer::Slot<String>>,
            /// libpq's `fallback_application_name`: the name when none is given.
            pub fallback_app_name: Option<crate::settings::layer::Slot<String>>,
            /// `service=NAME`: the section of the service file below the URI
            /// (settings/service.rs); where values came from, not a setting.
            pub service: Option<crate::settings::layer::Slot<String>>,
            /// libpq's `passfile`: where credentials are looked up
            /// (settings/credential_files.rs).
            pub passfile: Option<crate::settings::layer::Slot<std::path::PathBuf>>,
            /// curl's `--netrc`/`--netrc-optional`; `None` inside: off.
            pub netrc: Option<crate::settings::layer::Slot<Option<crate::settings::credential_files::Netrc>>>,
            /// curl's `--netrc-file`.
            pub netrc_file: Option<crate::settings::layer::Slot<std::path::PathBuf>>,
            /// Default query parameters, by name (unique).
            pub params: Vec<crate::settings::layer::Slot<(String, crate::Secret)>>,
            /// Default headers, by name (unique, case-insensitively).
            pub headers: Vec<crate::settings::layer::Slot<(String, crate::Secret)>>,
            $(pub $name: Option<crate::settings::layer::Slot<$ty>>,)*
        }

        impl Layer {
            /// This layer with every field that `top` sets replaced by `top`'s.
            pub fn overlaid_by(self, top: Layer) -> Layer {
                Layer {
                    headers: crate::settings::layer::merged_headers(self.headers, top.headers),
                    params: crate::settings::layer::merged_params(self.params, top.params),
                    tls: top.tls.or(self.tls),
                    sslmode_require: top.sslmode_require.or(self.sslmode_require),
                    sslmode: top.sslmode.or(self.sslmode),
                    fallback_app_name: top.fallback_app_name.or(self.fallback_app_name),
                    service: top.service.or(self.service),
                    passfile: top.passfile.or(self.passfile),
                    netrc: top.netrc.or(self.netrc),
                    netrc_file: top.netrc_file.or(self.netrc_file),
                    $($name: top.$name.or(self.$name),)*
                }
            }

            /// Gives every value of this layer that has no source yet
            /// `source`.
            pub fn stamp(&mut self, source: &crate::settings::layer::Source) {
                use crate::settings::layer::stamp;
                stamp(&mut self.tls, source);
                stamp(&mut self.sslmode_require, source);
                stamp(&mut self.sslmode, source);
                stamp(&mut self.fallback_app_name, source);
                stamp(&mut self.service, source);
                stamp(&mut self.passfile, source);
                stamp(&mut self.netrc, source);
                stamp(&mut self.netrc_file, source);
                for slot in self.params.iter_mut().chain(self.headers.iter_mut()) {
                    if slot.source.is_none() {
                        slot.source = Some(source.clone());
                    }
                }
                $(stamp(&mut self.$name, source);)*
            }

            /// Where each option this layer sets came from, by canonical
            /// name (default headers and parameters as `header.NAME` and
            /// `param.NAME`).
            pub fn sources(&self) -> Vec<(String, crate::settings::layer::Source)> {
                let mut out = Vec::new();
                $(if let Some(crate::settings::layer::Slot { source: Some(source), .. }) = &self.$name {
                    out.push((stringify!($name).to_string(), source.clone()));
                })*
                if let Some(crate::settings::layer::Slot { source: Some(source), .. }) = &self.service {
                    out.push(("service".to_string(), source.clone()));
                }
                for (prefix, slots) in [("header.", &self.headers), ("param.", &self.params)] {
                    for slot in slots {
                        if let Some(source) = &slot.source {
                            out.push((format!("{prefix}{}", slot.value.0), source.clone()));
                        }
                    }
                }
                out
            }

            /// The first TLS-only option this layer sets, as written.
            pub fn first_tls_option(&self) -> Option<&str> {
                $($(
                    crate::settings::declare::when!($tls => if let Some(slot) = &self.$name {
                        return Some(&slot.from);
                    });
                )?)*
                None
            }
        }

        impl Settings {
            /// The options of the table, by canonical name, in table order.
            #[cfg(test)]
            pub(crate) const OPTIONS: &[&str] = &[$(stringify!($name)),*];

            $(crate::settings::declare::getter! { [$(#[$doc])*] $name [$($get -> $out)?] })*

            /// Settings with what `l` sets and the defaults for the rest;
            /// the fields that depend on each other are set by resolve.rs.
            pub(crate) fn from_layer(
                l: &mut Layer,
                hosts: Vec<crate::settings::Host>,
                tls: bool,
                path: String,
            ) -> Settings {
                Settings {
                    provenance: crate::settings::layer::Provenance(l.sources()),
                    hosts,
                    tls,
                    path,
                    headers: std::mem::take(&mut l.headers).into_iter().map(|s| s.value).collect(),
                    params: std::mem::take(&mut l.params).into_iter().map(|s| s.value).collect(),
                    $($name: match l.$name.take() {
                        Some(slot) => slot.value,
                        None => $default,
                    },)*
                }
            }

            /// The options of the canonical URI that are not at their
            /// default, in table order.
            #[allow(clippy::partialeq_to_none)]
            fn options_query(&self, secrets: bool, query: &mut Vec<(&'static str, String)>) {
                $(crate::settings::declare::uri_option!(self, secrets, query, $name, $default, $uri);)*
            }

            /// The options of `httpdb config`'s JSON.
            fn options_json(&self, map: &mut serde_json::Map<String, serde_json::Value>) {
                $(crate::settings::declare::json_option!(self, map, $name, $ty, $json);)*
            }

            /// The secrets the options hold: each row's, through its value
            /// type, and the default headers and parameters whose names say
            /// they hold a credential.
            fn held_secrets(&self) -> Vec<&crate::Secret> {
                let mut out = Vec::new();
                $(crate::settings::value::OptionValue::secrets(&self.$name, &mut out);)*
                out.extend(
                    self.headers
                        .iter()
                        .filter(|(name, _)| crate::settings::options::names::is_secret_header(name))
                        .map(|(_, value)| value),
                );
                out.extend(
                    self.params
                        .iter()
                        .filter(|(name, _)| crate::settings::options::names::is_secret_param(name))
                        .map(|(_, value)| value),
                );
                out
            }
        }

        impl std::fmt::Debug for Settings {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                let mut d = f.debug_struct("Settings");
                d.field("hosts", &self.hosts)
                    .field("tls", &self.tls)
                    .field("path", &self.path);
                $(d.field(stringify!($name), &self.$name);)*
                d.field("params", &self.shown_params())
                    .field("headers", &self.shown_headers())
                    .finish()
            }
        }

        impl crate::settings::builder::SettingsBuilder {
            $(crate::settings::declare::setter! { [$(#[$doc])*] $name $ty [$($arg: $argty => $conv)?] })*
        }
    };
}

pub(crate) use {declare_settings, getter, json_option, setter, uri_option, when};
