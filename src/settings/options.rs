//! The option vocabulary: every name a URI, a keyword or a CLI flag may use,
//! its aliases from other drivers, and the parser that turns its value into
//! fields of a [`Layer`].
//!
//! [`OPTIONS`] is the one table; adding an alias is one line there.

use std::path::PathBuf;
use std::time::Duration;

use base64::Engine;

use crate::error::{Error, Result};
use crate::secret::Secret;
use crate::settings::duration::{self, DurationError};
use crate::settings::{CaCerts, CertReqs, HostOrder, Layer, ProxyChoice, ProxyUrl, TlsVersion};

/// One field as set by one source, with the option that set it as the user
/// wrote it (`tlsCAFile=/ca.pem`, `password=***`), for conflict messages.
#[derive(Clone, Debug)]
pub(crate) struct Slot<T> {
    pub value: T,
    pub from: String,
}

/// Sets `slot` unless this source already set it to something else, which
/// is a conflict naming both options.
pub(crate) fn set<T: PartialEq>(slot: &mut Option<Slot<T>>, value: T, from: String) -> Result<()> {
    match slot {
        // The scheme is not an option to drop: say what to change.
        Some(old) if old.value != value && old.from == "https://" => Err(Error::config(
            key_of(&from),
            format!(
                "conflicting options: {from} contradicts the URI's https:// scheme: an https URI never goes out as plain http; use an http:// URI for plain text"
            ),
        )),
        Some(old) if old.value != value => Err(Error::config(
            key_of(&from),
            format!(
                "conflicting options: {} and {} contradict each other; keep one of them",
                old.from, from
            ),
        )),
        Some(_) => Ok(()),
        None => {
            *slot = Some(Slot { value, from });
            Ok(())
        }
    }
}

pub(crate) fn key_of(shown: &str) -> String {
    shown.split('=').next().unwrap_or(shown).to_string()
}

/// The default headers of two layers: a header of `top` replaces the one
/// of the same name (case-insensitively) below it.
pub(crate) fn merged_headers(
    below: Vec<Slot<(String, Secret)>>,
    top: Vec<Slot<(String, Secret)>>,
) -> Vec<Slot<(String, Secret)>> {
    let mut merged: Vec<_> = below
        .into_iter()
        .filter(|h| {
            !top.iter()
                .any(|t| t.value.0.eq_ignore_ascii_case(&h.value.0))
        })
        .collect();
    merged.extend(top);
    merged
}

/// The default query parameters of two layers: a parameter of `top`
/// replaces the one of the same name below it.
pub(crate) fn merged_params(
    below: Vec<Slot<(String, Secret)>>,
    top: Vec<Slot<(String, Secret)>>,
) -> Vec<Slot<(String, Secret)>> {
    let mut merged: Vec<_> = below
        .into_iter()
        .filter(|p| !top.iter().any(|t| t.value.0 == p.value.0))
        .collect();
    merged.extend(top);
    merged
}

impl Layer {
    /// Adds the default header `name: value`; the same name again with
    /// another value is a conflict.
    fn header(&mut self, name: &str, value: &str, from: String) -> Result<()> {
        let (name, value) = check::header(&from, name, value)?;
        let mut slot = self
            .headers
            .iter()
            .position(|h| h.value.0.eq_ignore_ascii_case(&name))
            .map(|i| self.headers.remove(i));
        set(&mut slot, (name, Secret::new(value)), from)?;
        self.headers.extend(slot);
        Ok(())
    }

    /// Adds the default query parameter `name=value`; the same name again
    /// with another value is a conflict.
    fn param(&mut self, name: &str, value: &str, from: String) -> Result<()> {
        if name.is_empty() || name.contains(['&', '=', '#', '?']) {
            return Err(Error::config(
                key_of(&from),
                format!(
                    "{from}: \"{name}\" cannot be a query parameter name; write param.NAME=VALUE"
                ),
            ));
        }
        let mut slot = self
            .params
            .iter()
            .position(|p| p.value.0 == name)
            .map(|i| self.params.remove(i));
        set(&mut slot, (name.to_string(), Secret::new(value)), from)?;
        self.params.extend(slot);
        Ok(())
    }

    /// Applies `key=value` through the vocabulary: the one funnel for URI
    /// options, keyword options and CLI flags.
    pub fn apply(&mut self, key: &str, value: &str) -> Result<()> {
        if key.trim().is_empty() {
            return Err(empty_name(key));
        }
        if let Some(name) = header_option(key) {
            let from = if is_secret_header(name) {
                format!("{key}=***")
            } else {
                format!("{key}={value}")
            };
            return self.header(name, value, from);
        }
        if let Some(name) = param_option(key) {
            let from = if is_secret_param(name) {
                format!("{key}=***")
            } else {
                format!("{key}={value}")
            };
            return self.param(name, value, from);
        }
        let spec = lookup(key).ok_or_else(|| not_an_option(key))?;
        let given = Given {
            key,
            value,
            secret: spec.secret,
        };
        (spec.apply)(self, &given)
    }
}

/// One row of the vocabulary.
pub(crate) struct OptionSpec {
    /// The names this row answers to, matched case-insensitively.
    pub names: &'static [&'static str],
    /// The canonical option whose field this row sets.
    pub canonical: &'static str,
    /// The accepted forms of the value, for messages and the README.
    pub accepts: &'static str,
    /// The value is a secret and is shown as `***`.
    pub secret: bool,
    apply: fn(&mut Layer, &Given) -> Result<()>,
}

const BOOL: &str = "true/false, 1/0, yes/no or on/off";
const KEEPALIVE_TIME: &str =
    "a number of seconds (60) or a duration such as 90s; 0 for the system's default";
const MILLIS: &str = "a number of milliseconds greater than 0 (1500, 1500.5)";
const TLS_VERSIONS: &str = "TLSv1.2 or TLSv1.3 (also written 1.2, TLSv1_2)";
/// The largest `pool_size`.
pub(crate) const MAX_POOL_SIZE: usize = 10_000;
/// The largest `max_redirects` (curl's default bound under `-L`).
pub(crate) const MAX_REDIRECTS: usize = 50;
/// The largest `max_retries`.
pub(crate) const MAX_RETRIES: usize = 100;

/// Every option httpdb understands. Rows with the same `canonical` set the
/// same field with different value semantics (an inverted boolean, a number
/// of milliseconds).
pub(crate) const OPTIONS: &[OptionSpec] = &[
    OptionSpec {
        names: &["ssl", "tls", "use_ssl"],
        canonical: "ssl",
        accepts: BOOL,
        secret: false,
        apply: |l, g| set(&mut l.tls, g.boolean()?, g.shown()),
    },
    OptionSpec {
        names: &["ssl_cert_reqs"],
        canonical: "ssl_cert_reqs",
        accepts: "CERT_NONE, CERT_OPTIONAL or CERT_REQUIRED",
        secret: false,
        apply: |l, g| set(&mut l.ssl_cert_reqs, g.cert_reqs()?, g.shown()),
    },
    OptionSpec {
        names: &["verify_ssl_cert", "verify_certs"],
        canonical: "ssl_cert_reqs",
        accepts: BOOL,
        secret: false,
        apply: |l, g| {
            set(
                &mut l.ssl_cert_reqs,
                CertReqs::verify(g.boolean()?),
                g.shown(),
            )
        },
    },
    OptionSpec {
        names: &[
            "tlsAllowInvalidCertificates",
            "security.disable_server_certificate_verification",
        ],
        canonical: "ssl_cert_reqs",
        accepts: BOOL,
        secret: false,
        apply: |l, g| {
            set(
                &mut l.ssl_cert_reqs,
                CertReqs::verify(!g.boolean()?),
                g.shown(),
            )
        },
    },
    OptionSpec {
        names: &["tlsInsecure"],
        canonical: "ssl_cert_reqs",
        accepts: BOOL,
        secret: false,
        apply: |l, g| {
            let insecure = g.boolean()?;
            set(&mut l.ssl_cert_reqs, CertReqs::verify(!insecure), g.shown())?;
            set(&mut l.ssl_match_hostname, !insecure, g.shown())
        },
    },
    OptionSpec {
        names: &["ssl_match_hostname"],
        canonical: "ssl_match_hostname",
        accepts: BOOL,
        secret: false,
        apply: |l, g| set(&mut l.ssl_match_hostname, g.boolean()?, g.shown()),
    },
    // elasticsearch-py: a name to check instead of the host's, or a boolean.
    OptionSpec {
        names: &["ssl_assert_hostname"],
        canonical: "ssl_assert_hostname",
        accepts: "a DNS name or IP address the certificate must hold instead of the host's (for hosts reached by IP address), or true/false as ssl_match_hostname",
        secret: false,
        apply: |l, g| match g.boolean() {
            Ok(check) => set(&mut l.ssl_match_hostname, check, g.shown()),
            Err(_) => {
                set(
                    &mut l.ssl_assert_hostname,
                    Some(g.server_name()?),
                    g.shown(),
                )?;
                set(&mut l.ssl_match_hostname, true, g.shown())
            }
        },
    },
    OptionSpec {
        names: &["ssl_sni", "sslsni"],
        canonical: "ssl_sni",
        accepts: BOOL,
        secret: false,
        apply: |l, g| set(&mut l.ssl_sni, g.boolean()?, g.shown()),
    },
    OptionSpec {
        names: &["ssl_assert_fingerprint"],
        canonical: "ssl_assert_fingerprint",
        accepts: "the SHA-256 fingerprint of the server's certificate or of a CA certificate the server sends: 64 hex digits, colons optional, any case",
        secret: false,
        apply: |l, g| {
            set(
                &mut l.ssl_assert_fingerprint,
                Some(g.value.parse()?),
                g.shown(),
            )
        },
    },
    OptionSpec {
        names: &["ssl_crl_file", "tlsCRLFile", "sslcrl"],
        canonical: "ssl_crl_file",
        accepts: "a path to a PEM file of certificate revocation lists (-----BEGIN X509 CRL-----)",
        secret: false,
        apply: |l, g| set(&mut l.ssl_crl_file, Some(g.path()?), g.shown()),
    },
    OptionSpec {
        names: &["ssl_crl_dir", "sslcrldir"],
        canonical: "ssl_crl_dir",
        accepts: "a path to a directory of PEM CRL files (as `openssl rehash` leaves them)",
        secret: false,
        apply: |l, g| set(&mut l.ssl_crl_dir, Some(g.path()?), g.shown()),
    },
    OptionSpec {
        names: &["tlsAllowInvalidHostnames"],
        canonical: "ssl_match_hostname",
        accepts: BOOL,
        secret: false,
        apply: |l, g| set(&mut l.ssl_match_hostname, !g.boolean()?, g.shown()),
    },
    OptionSpec {
        names: &[
            "ssl_ca_certs",
            "ca_cert",
            "ca_certs",
            "tlsCAFile",
            "sslrootcert",
            "security.trust_only_pem_file",
        ],
        canonical: "ssl_ca_certs",
        accepts: "a path to a PEM file of CA certificates, `system` for the OS trust store, or the PEM text itself (-----BEGIN CERTIFICATE-----...)",
        secret: false,
        apply: |l, g| {
            let ca = if g.value.eq_ignore_ascii_case("system") {
                CaCerts::System
            } else if is_pem(g.value) {
                CaCerts::Pem(g.value.trim().to_string())
            } else {
                CaCerts::File(g.path()?)
            };
            set(&mut l.ssl_ca_certs, ca, g.shown())
        },
    },
    // Couchbase: the CA certificates as PEM text.
    OptionSpec {
        names: &[
            "security.trust_only_pem_str",
            "security.trust_only_certificates",
        ],
        canonical: "ssl_ca_certs",
        accepts: "the PEM text of one or more CA certificates (-----BEGIN CERTIFICATE-----...)",
        secret: false,
        apply: |l, g| {
            if !is_pem(g.value) {
                return Err(g.bad(" (not PEM text)"));
            }
            set(
                &mut l.ssl_ca_certs,
                CaCerts::Pem(g.value.trim().to_string()),
                g.shown(),
            )
        },
    },
    OptionSpec {
        names: &[
            "ssl_certfile",
            "cert_file",
            "client_cert",
            "tlsCertificateKeyFile",
            "sslcert",
            "cert_path",
        ],
        canonical: "ssl_certfile",
        accepts: "a path to a PEM file (certificate chain, optionally with its key) or a PKCS#12 bundle (.p12/.pfx)",
        secret: false,
        apply: |l, g| set(&mut l.ssl_certfile, Some(g.path()?), g.shown()),
    },
    OptionSpec {
        names: &[
            "ssl_keyfile",
            "key_file",
            "client_key",
            "sslkey",
            "key_path",
        ],
        canonical: "ssl_keyfile",
        accepts: "a path to a PEM private key (PKCS#8, PKCS#1 or SEC1)",
        secret: false,
        apply: |l, g| set(&mut l.ssl_keyfile, Some(g.path()?), g.shown()),
    },
    OptionSpec {
        names: &[
            "ssl_pem_passphrase",
            "tlsCertificateKeyFilePassword",
            "sslpassword",
            "cert_password",
        ],
        canonical: "ssl_pem_passphrase",
        accepts: "the passphrase of an encrypted key or PKCS#12 bundle",
        secret: true,
        apply: |l, g| {
            set(
                &mut l.ssl_pem_passphrase,
                Some(Secret::new(g.value)),
                g.shown(),
            )
        },
    },
    OptionSpec {
        names: &["ssl_min_protocol_version", "ssl_version"],
        canonical: "ssl_min_protocol_version",
        accepts: TLS_VERSIONS,
        secret: false,
        apply: |l, g| set(&mut l.ssl_min_protocol_version, g.tls_version()?, g.shown()),
    },
    OptionSpec {
        names: &["ssl_max_protocol_version"],
        canonical: "ssl_max_protocol_version",
        accepts: TLS_VERSIONS,
        secret: false,
        apply: |l, g| set(&mut l.ssl_max_protocol_version, g.tls_version()?, g.shown()),
    },
    OptionSpec {
        names: &["sslmode"],
        canonical: "sslmode",
        accepts: "disable, require, verify-ca or verify-full",
        secret: false,
        apply: sslmode,
    },
    OptionSpec {
        names: &["connect_timeout", "timeout.connect_timeout"],
        canonical: "connect_timeout",
        accepts: duration::FORMS,
        secret: false,
        apply: |l, g| set(&mut l.connect_timeout, g.timeout()?, g.shown()),
    },
    OptionSpec {
        names: &["connectTimeoutMS"],
        canonical: "connect_timeout",
        accepts: MILLIS,
        secret: false,
        apply: |l, g| set(&mut l.connect_timeout, g.millis()?, g.shown()),
    },
    OptionSpec {
        names: &["timeout", "timeout.query_timeout", "request_timeout"],
        canonical: "timeout",
        accepts: duration::FORMS,
        secret: false,
        apply: |l, g| set(&mut l.timeout, g.timeout()?, g.shown()),
    },
    // pymongo's timeoutMS bounds the whole operation (CSOT).
    OptionSpec {
        names: &["timeoutMS"],
        canonical: "timeout",
        accepts: MILLIS,
        secret: false,
        apply: |l, g| set(&mut l.timeout, g.millis()?, g.shown()),
    },
    OptionSpec {
        names: &["read_timeout"],
        canonical: "read_timeout",
        accepts: duration::FORMS,
        secret: false,
        apply: |l, g| set(&mut l.read_timeout, g.timeout()?, g.shown()),
    },
    // pymongo's socketTimeoutMS bounds each socket operation, not the call.
    OptionSpec {
        names: &["socketTimeoutMS"],
        canonical: "read_timeout",
        accepts: MILLIS,
        secret: false,
        apply: |l, g| set(&mut l.read_timeout, g.millis()?, g.shown()),
    },
    OptionSpec {
        names: &["username", "user"],
        canonical: "username",
        accepts: "a user name",
        secret: false,
        apply: |l, g| set(&mut l.username, Some(g.non_empty()?.to_string()), g.shown()),
    },
    // elasticsearch-py's basic_auth / http_auth: "user:password".
    OptionSpec {
        names: &["basic_auth", "http_auth"],
        canonical: "username",
        accepts: "user:password",
        secret: true,
        apply: |l, g| {
            let (user, password) = g
                .value
                .split_once(':')
                .filter(|(user, _)| !user.is_empty())
                .ok_or_else(|| g.bad(" (no user name before ':')"))?;
            set(&mut l.username, Some(user.to_string()), g.shown())?;
            set(&mut l.password, Some(Secret::new(password)), g.shown())
        },
    },
    OptionSpec {
        names: &["password"],
        canonical: "password",
        accepts: "a password",
        secret: true,
        apply: |l, g| set(&mut l.password, Some(Secret::new(g.value)), g.shown()),
    },
    OptionSpec {
        names: &["token", "jwt", "jwt_token", "bearer_auth"],
        canonical: "token",
        accepts: "a bearer token (JWT)",
        secret: true,
        apply: |l, g| {
            set(
                &mut l.token,
                Some(g.non_empty().map(Secret::new)?),
                g.shown(),
            )
        },
    },
    // elasticsearch-py's api_key: the encoded credential, or `id:key`.
    OptionSpec {
        names: &["api_key"],
        canonical: "api_key",
        accepts: "an Elasticsearch API key: the encoded form (base64 of id:key) or id:key",
        secret: true,
        apply: |l, g| {
            let key = g.non_empty()?;
            let encoded = match key.split_once(':') {
                Some((id, k)) if !id.is_empty() && !k.is_empty() => {
                    base64::engine::general_purpose::STANDARD.encode(key)
                }
                Some(_) => return Err(g.bad(" (an empty id or key around ':')")),
                None => key.to_string(),
            };
            set(&mut l.api_key, Some(Secret::new(encoded)), g.shown())
        },
    },
    OptionSpec {
        names: &["app_name", "appname", "application_name"],
        canonical: "app_name",
        accepts: "a name of up to 128 printable ASCII characters, sent first in User-Agent",
        secret: false,
        apply: |l, g| {
            set(
                &mut l.app_name,
                Some(check::app_name(g.key, g.value)?),
                g.shown(),
            )
        },
    },
    OptionSpec {
        names: &["fallback_application_name"],
        canonical: "app_name",
        accepts: "a name of up to 128 printable ASCII characters, used when no app_name is given",
        secret: false,
        apply: |l, g| {
            let name = check::app_name(g.key, g.value)?;
            set(&mut l.fallback_app_name, name, g.shown())
        },
    },
    // The databases' own parameters for the database, which no peer's name
    // means otherwise: ClickHouse's `database`, InfluxDB's `db`.
    OptionSpec {
        names: &["database"],
        canonical: "params",
        accepts: "a ClickHouse database, sent as the query parameter database=",
        secret: false,
        apply: |l, g| l.param("database", g.non_empty()?, g.shown()),
    },
    OptionSpec {
        names: &["db"],
        canonical: "params",
        accepts: "an InfluxDB database, sent as the query parameter db=",
        secret: false,
        apply: |l, g| l.param("db", g.non_empty()?, g.shown()),
    },
    // Headers of one meaning under the peers' names.
    OptionSpec {
        names: &["opaque_id"],
        canonical: "headers",
        accepts: "a request identifier, sent as X-Opaque-Id",
        secret: false,
        apply: |l, g| l.header("X-Opaque-Id", g.non_empty()?, g.shown()),
    },
    OptionSpec {
        names: &["schema"],
        canonical: "headers",
        accepts: "a CrateDB schema name, sent as Default-Schema",
        secret: false,
        apply: |l, g| l.header("Default-Schema", g.non_empty()?, g.shown()),
    },
    // elasticsearch-py's headers: a dict; here `Name: value` lines.
    OptionSpec {
        names: &["headers"],
        canonical: "headers",
        accepts: "`Name: value` lines separated by line breaks (%0A in a URI); or one header per option as header.NAME=VALUE",
        secret: true,
        apply: |l, g| {
            for line in g.value.split('\n').map(|l| l.trim_end_matches('\r')) {
                if line.trim().is_empty() {
                    continue;
                }
                let (name, value) = line
                    .split_once(':')
                    .ok_or_else(|| g.bad(" (a line without ':')"))?;
                l.header(name.trim(), value.trim(), format!("{}=***", g.key))?;
            }
            Ok(())
        },
    },
    OptionSpec {
        names: &["retry_interval"],
        canonical: "retry_interval",
        accepts: duration::FORMS,
        secret: false,
        apply: |l, g| set(&mut l.retry_interval, g.duration()?, g.shown()),
    },
    // pymongo: 0 is "no limit", not "no pooling".
    OptionSpec {
        names: &["maxPoolSize"],
        canonical: "pool_size",
        accepts: "a whole number from 0 to 10000 (0: no limit, as pymongo reads it, so 10000)",
        secret: false,
        apply: |l, g| {
            let n = match g.count(MAX_POOL_SIZE)? {
                0 => MAX_POOL_SIZE,
                n => n,
            };
            set(&mut l.pool_size, n, g.shown())
        },
    },
    OptionSpec {
        names: &["pool_size", "connections_per_node"],
        canonical: "pool_size",
        accepts: "a whole number from 0 to 10000 (0 turns keep-alive pooling off)",
        secret: false,
        apply: |l, g| set(&mut l.pool_size, g.count(MAX_POOL_SIZE)?, g.shown()),
    },
    OptionSpec {
        names: &["pool_idle_timeout"],
        canonical: "pool_idle_timeout",
        accepts: duration::FORMS,
        secret: false,
        apply: |l, g| set(&mut l.pool_idle_timeout, g.timeout()?, g.shown()),
    },
    OptionSpec {
        names: &["maxIdleTimeMS"],
        canonical: "pool_idle_timeout",
        accepts: MILLIS,
        secret: false,
        apply: |l, g| set(&mut l.pool_idle_timeout, g.millis()?, g.shown()),
    },
    OptionSpec {
        names: &["host_order"],
        canonical: "host_order",
        accepts: "round_robin, ordered or random",
        secret: false,
        apply: |l, g| set(&mut l.host_order, g.host_order()?, g.shown()),
    },
    // libpq: `disable` tries the hosts in order, `random` in random order.
    OptionSpec {
        names: &["load_balance_hosts"],
        canonical: "host_order",
        accepts: "disable or random",
        secret: false,
        apply: |l, g| {
            let order = match g.value.to_ascii_lowercase().as_str() {
                "disable" => HostOrder::Ordered,
                "random" => HostOrder::Random,
                _ => return Err(g.bad("")),
            };
            set(&mut l.host_order, order, g.shown())
        },
    },
    // elasticsearch-py: shuffle the hosts (true, its default) or keep them.
    OptionSpec {
        names: &["randomize_nodes_in_pool"],
        canonical: "host_order",
        accepts: BOOL,
        secret: false,
        apply: |l, g| {
            let order = if g.boolean()? {
                HostOrder::Random
            } else {
                HostOrder::RoundRobin
            };
            set(&mut l.host_order, order, g.shown())
        },
    },
    // elasticsearch-py: the warning that verification is off.
    OptionSpec {
        names: &["ssl_show_warn"],
        canonical: "ssl_show_warn",
        accepts: BOOL,
        secret: false,
        apply: |l, g| set(&mut l.ssl_show_warn, g.boolean()?, g.shown()),
    },
    OptionSpec {
        names: &["tcp_keepalive", "keepalives", "socket_keepalive"],
        canonical: "tcp_keepalive",
        accepts: BOOL,
        secret: false,
        apply: |l, g| set(&mut l.tcp_keepalive, g.boolean()?, g.shown()),
    },
    OptionSpec {
        names: &[
            "tcp_keepalive_idle",
            "keepalives_idle",
            "socket_tcp_keepidle",
        ],
        canonical: "tcp_keepalive_idle",
        accepts: KEEPALIVE_TIME,
        secret: false,
        apply: |l, g| set(&mut l.tcp_keepalive_idle, g.system_duration()?, g.shown()),
    },
    OptionSpec {
        names: &[
            "tcp_keepalive_interval",
            "keepalives_interval",
            "socket_tcp_keepintvl",
        ],
        canonical: "tcp_keepalive_interval",
        accepts: KEEPALIVE_TIME,
        secret: false,
        apply: |l, g| {
            set(
                &mut l.tcp_keepalive_interval,
                g.system_duration()?,
                g.shown(),
            )
        },
    },
    OptionSpec {
        names: &[
            "tcp_keepalive_count",
            "keepalives_count",
            "socket_tcp_keepcnt",
        ],
        canonical: "tcp_keepalive_count",
        accepts: "a whole number of unanswered probes, 1 to 127; 0 for the system's default",
        secret: false,
        apply: |l, g| {
            let count = match g.count(127)? {
                0 => None,
                n => Some(n as u32),
            };
            set(&mut l.tcp_keepalive_count, count, g.shown())
        },
    },
    // libpq: milliseconds, 0 for the system's default.
    OptionSpec {
        names: &["tcp_user_timeout"],
        canonical: "tcp_user_timeout",
        accepts: "a number of milliseconds (as libpq reads it) or a duration such as 30s: how long sent data may stay unacknowledged before the connection is dropped (Linux); 0 for the system's default",
        secret: false,
        apply: |l, g| {
            let value = if !g.value.is_empty() && g.value.bytes().all(|b| b.is_ascii_digit()) {
                Duration::from_millis(g.value.parse().map_err(|_| g.bad(" (too large)"))?)
            } else {
                g.duration()?
            };
            set(
                &mut l.tcp_user_timeout,
                (!value.is_zero()).then_some(value),
                g.shown(),
            )
        },
    },
    // crate-python: true, or the smallest body size to compress.
    OptionSpec {
        names: &["compress"],
        canonical: "compress",
        accepts: "true/false, or the smallest request body to compress as a size (1024, 8KiB); on: request bodies are sent gzip-compressed and answers asked for in gzip",
        secret: false,
        apply: |l, g| {
            let min = match g.boolean() {
                Ok(on) => on.then_some(0),
                Err(_) => Some(g.size_or_zero()?),
            };
            set(&mut l.compress, min, g.shown())
        },
    },
    OptionSpec {
        names: &["http_compress"],
        canonical: "compress",
        accepts: BOOL,
        secret: false,
        apply: |l, g| set(&mut l.compress, g.boolean()?.then_some(0), g.shown()),
    },
    // pymongo: the compressors to offer, in order; those it cannot use are
    // dropped with a warning, as pymongo drops them.
    OptionSpec {
        names: &["compressors"],
        canonical: "compress",
        accepts: "a comma-separated list of compressors: zlib compresses (as gzip over HTTP); snappy and zstd are ignored with a warning, as pymongo ignores those it cannot use",
        secret: false,
        apply: |l, g| {
            let mut on = false;
            for name in g.value.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                if name.eq_ignore_ascii_case("zlib") {
                    on = true;
                } else {
                    log::warn!(
                        "{}: {name} is not supported by httpdb (zlib is, as gzip); ignored, as pymongo ignores a compressor it cannot use",
                        g.shown()
                    );
                }
            }
            set(&mut l.compress, on.then_some(0), g.shown())
        },
    },
    OptionSpec {
        names: &["compressed"],
        canonical: "compressed",
        accepts: BOOL,
        secret: false,
        apply: |l, g| set(&mut l.compressed, g.boolean()?, g.shown()),
    },
    OptionSpec {
        names: &["compress_level", "zlibCompressionLevel"],
        canonical: "compress_level",
        accepts: "a gzip level from 0 (none) to 9 (smallest), or -1 for the default (6)",
        secret: false,
        apply: |l, g| {
            let level = match g.value.trim() {
                "-1" => 6,
                v => match v.parse::<u32>() {
                    Ok(n @ 0..=9) => n,
                    _ => return Err(g.bad("")),
                },
            };
            set(&mut l.compress_level, level, g.shown())
        },
    },
    OptionSpec {
        names: &["retry_on_status"],
        canonical: "retry_on_status",
        accepts: "a comma-separated list of HTTP statuses from 400 to 599 (default 502,503,504), or empty for none",
        secret: false,
        apply: |l, g| set(&mut l.retry_on_status, g.statuses()?, g.shown()),
    },
    OptionSpec {
        names: &["retry_on_timeout"],
        canonical: "retry_on_timeout",
        accepts: BOOL,
        secret: false,
        apply: |l, g| set(&mut l.retry_on_timeout, g.boolean()?, g.shown()),
    },
    OptionSpec {
        names: &["retry_backoff", "backoff_factor"],
        canonical: "retry_backoff",
        accepts: duration::FORMS,
        secret: false,
        apply: |l, g| set(&mut l.retry_backoff, g.duration()?, g.shown()),
    },
    // elastic-transport sleeps min(cap, base * 2^(attempt-1)) from attempt
    // 0: its first wait is half its base.
    OptionSpec {
        names: &["retry_backoff_base"],
        canonical: "retry_backoff",
        accepts: "a number of seconds (0.5); the first wait is half of it, as elastic-transport waits",
        secret: false,
        apply: |l, g| set(&mut l.retry_backoff, g.duration()? / 2, g.shown()),
    },
    OptionSpec {
        names: &["retry_backoff_max", "retry_backoff_cap"],
        canonical: "retry_backoff_max",
        accepts: duration::FORMS,
        secret: false,
        apply: |l, g| set(&mut l.retry_backoff_max, g.duration()?, g.shown()),
    },
    OptionSpec {
        names: &["max_retries"],
        canonical: "max_retries",
        accepts: "a whole number from 0 to 100",
        secret: false,
        apply: |l, g| set(&mut l.max_retries, Some(g.count(MAX_RETRIES)?), g.shown()),
    },
    OptionSpec {
        names: &["proxy"],
        canonical: "proxy",
        accepts: "an HTTP proxy as http://[user:password@]host:port (port 1080 if not given), or none to ignore the proxy environment variables",
        secret: true,
        apply: |l, g| {
            let choice = if g.value.eq_ignore_ascii_case("none") {
                ProxyChoice::None
            } else {
                ProxyChoice::Http(ProxyUrl::parse(g.value, g.key)?)
            };
            set(&mut l.proxy, Some(choice), g.shown())
        },
    },
    OptionSpec {
        names: &["max_redirects"],
        canonical: "max_redirects",
        accepts: "a whole number from 0 (redirects are not followed, the default) to 50",
        secret: false,
        apply: |l, g| set(&mut l.max_redirects, g.count(MAX_REDIRECTS)?, g.shown()),
    },
    OptionSpec {
        names: &["max_body_size"],
        canonical: "max_body_size",
        accepts: SIZE_FORMS,
        secret: false,
        apply: |l, g| set(&mut l.max_body_size, g.size()?, g.shown()),
    },
];

const SIZE_FORMS: &str =
    "a number of bytes greater than 0, optionally with KiB, MiB or GiB (65536, 512MiB, 1GiB)";

fn sslmode(l: &mut Layer, g: &Given) -> Result<()> {
    let from = g.shown();
    let mode = g.value.to_ascii_lowercase();
    if matches!(
        mode.as_str(),
        "disable" | "require" | "verify-ca" | "verify-full"
    ) {
        set(&mut l.sslmode, mode.clone(), from.clone())?;
    }
    match mode.as_str() {
        "disable" => set(&mut l.tls, false, from),
        "require" => {
            set(&mut l.tls, true, from.clone())?;
            set(&mut l.sslmode_require, true, from)
        }
        "verify-ca" => {
            set(&mut l.tls, true, from.clone())?;
            set(&mut l.ssl_cert_reqs, CertReqs::Required, from.clone())?;
            set(&mut l.ssl_match_hostname, false, from)
        }
        "verify-full" => {
            set(&mut l.tls, true, from.clone())?;
            set(&mut l.ssl_cert_reqs, CertReqs::Required, from.clone())?;
            set(&mut l.ssl_match_hostname, true, from)
        }
        "prefer" | "allow" => Err(Error::config(
            g.key,
            format!(
                "{from} is not supported: httpdb never falls back to plain text; use sslmode=require (TLS, verified when a CA file is given), sslmode=verify-full, or sslmode=disable"
            ),
        )),
        _ => Err(g.bad("")),
    }
}

/// True when `value` is PEM text rather than a path.
fn is_pem(value: &str) -> bool {
    value.trim_start().starts_with("-----BEGIN")
}

/// Finds the row for `key`, case-insensitively.
pub(crate) fn lookup(key: &str) -> Option<&'static OptionSpec> {
    OPTIONS
        .iter()
        .find(|spec| spec.names.iter().any(|n| n.eq_ignore_ascii_case(key)))
}

/// True when `key` names a secret option, whose value must be masked.
pub(crate) fn is_secret(key: &str) -> bool {
    if let Some(name) = header_option(key) {
        return is_secret_header(name);
    }
    if let Some(name) = param_option(key) {
        return is_secret_param(name);
    }
    lookup(key).is_some_and(|spec| spec.secret)
}

/// The parameter name of a `param.NAME` option.
pub(crate) fn param_option(key: &str) -> Option<&str> {
    key.get(..6)
        .filter(|p| p.eq_ignore_ascii_case("param."))
        .map(|_| &key[6..])
}

/// True for a query parameter whose value is a credential: InfluxDB's
/// `p`, `password`, and the names of [`is_secret_header`].
pub(crate) fn is_secret_param(name: &str) -> bool {
    name == "p" || is_secret_header(name)
}

/// The header name of a `header.NAME` option.
pub(crate) fn header_option(key: &str) -> Option<&str> {
    key.get(..7)
        .filter(|p| p.eq_ignore_ascii_case("header."))
        .map(|_| &key[7..])
}

/// True for a header whose value is a credential, masked like the
/// password: `Authorization`, `Proxy-Authorization`, `Cookie`, and any
/// name holding `key`, `token`, `secret`, `password`, `auth`, `session` or
/// `credential` (`X-ClickHouse-Key`, `X-Api-Key`, `X-Auth-Token`).
pub(crate) fn is_secret_header(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name == "cookie"
        || [
            "key",
            "token",
            "secret",
            "password",
            "auth",
            "session",
            "credential",
        ]
        .iter()
        .any(|word| name.contains(word))
}

/// The error for an option written without `=VALUE`: the accepted values
/// of a known option, or the unknown-option error with its suggestion.
pub(crate) fn no_value(key: &str) -> Error {
    match lookup(key) {
        _ if key.trim().is_empty() => empty_name(key),
        Some(spec) => Error::config(
            key,
            format!(
                "option \"{key}\" has no value; write {key}=VALUE, where VALUE is {}",
                spec.accepts
            ),
        ),
        None => not_an_option(key),
    }
}

/// The error for a name that is not an option: the reason, for a peer's
/// name httpdb knows but does not honour; else the unknown-option error.
fn not_an_option(key: &str) -> Error {
    match super::unsupported::lookup(key) {
        Some(known) => Error::config(
            key,
            format!(
                "option \"{key}\" ({}) is not honoured by httpdb: {}",
                known.peer, known.reason
            ),
        ),
        None => unknown(key),
    }
}

fn empty_name(key: &str) -> Error {
    let blank = if key.is_empty() {
        ""
    } else {
        " (only white space)"
    };
    Error::config(
        "option name",
        format!(
            "the option name is empty{blank}; write name=value, e.g. ssl_ca_certs=/etc/db/ca.pem (see the option table in README.md)"
        ),
    )
}

fn unknown(key: &str) -> Error {
    let hint = match closest(key) {
        // A typo of a name httpdb knows but refuses: say so, rather than
        // send the user to an option with another meaning.
        Some(name) => match super::unsupported::lookup(name) {
            Some(known) => format!(
                "; did you mean \"{name}\"? ({} ; not honoured by httpdb: {})",
                known.peer, known.reason
            ),
            None => format!("; did you mean \"{name}\"?"),
        },
        None => "; see the option table in README.md".into(),
    };
    Error::config(key, format!("unknown option \"{key}\"{hint}"))
}

/// The known name nearest to `key`, if it is near enough to be a typo: an
/// option, or a peer's name that is refused with a reason.
fn closest(key: &str) -> Option<&'static str> {
    let key = key.to_ascii_lowercase();
    OPTIONS
        .iter()
        .flat_map(|spec| spec.names.iter().copied())
        .chain(super::unsupported::UNSUPPORTED.iter().map(|u| u.name))
        .map(|name| (edit_distance(&key, &name.to_ascii_lowercase()), name))
        .filter(|(d, name)| *d <= (name.len() / 3).max(2) && *d < name.len())
        .min_by_key(|(d, _)| *d)
        .map(|(_, name)| name)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// The typed checks: where a value is valid or not, whether it came as text
/// (a URI, a keyword, a flag) or as a typed setter's argument. The text
/// parsers below parse, then call these; the typed setters call them
/// directly and never go through text.
pub(crate) mod check {
    use std::path::PathBuf;
    use std::time::Duration;

    use super::settings_error;
    use crate::error::{Error, Result};
    use crate::secret::Secret;
    use crate::settings::duration;

    /// The longest `app_name`, as pymongo limits `appname`.
    const MAX_APP_NAME: usize = 128;

    /// Headers httpdb writes itself: a default of the user's would break
    /// the framing or the connection handling.
    const OWN_HEADERS: &[&str] = &[
        "host",
        "content-length",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "te",
        "trailer",
        "upgrade",
        "expect",
    ];

    /// A default header, checked: a valid name httpdb does not write
    /// itself, and a value of printable ASCII.
    pub fn header(from: &str, name: &str, value: &str) -> Result<(String, String)> {
        let bad = |why: String| {
            Error::config(
                super::key_of(from),
                format!(
                    "{from}: {why}; write header.NAME=VALUE with an HTTP header name and a value of printable ASCII"
                ),
            )
        };
        if ureq::http::HeaderName::from_bytes(name.as_bytes()).is_err() {
            return Err(bad(format!("\"{name}\" is not a valid header name")));
        }
        if OWN_HEADERS.iter().any(|own| own.eq_ignore_ascii_case(name)) {
            return Err(bad(format!(
                "{name} is written by httpdb itself and cannot be a default header"
            )));
        }
        if !value
            .bytes()
            .all(|b| b == b'\t' || (b' '..=b'~').contains(&b))
        {
            return Err(bad(format!(
                "the value of {name} holds a character that cannot go into a header (a control character or a non-ASCII letter)"
            )));
        }
        Ok((name.to_string(), value.trim().to_string()))
    }

    pub fn app_name(key: &str, name: &str) -> Result<String> {
        let why = if name.trim().is_empty() {
            " (empty)"
        } else if name.len() > MAX_APP_NAME {
            " (longer than 128 characters)"
        } else if !name.bytes().all(|b| (b' '..=b'~').contains(&b)) {
            " (not printable ASCII)"
        } else {
            return Ok(name.trim().to_string());
        };
        Err(settings_error(key, name, why))
    }

    /// A timeout: anything but zero.
    pub fn timeout(key: &str, d: Duration) -> Result<Duration> {
        match d {
            Duration::ZERO => Err(settings_error(
                key,
                &duration::format(d),
                " (a timeout must be greater than 0)",
            )),
            d => Ok(d),
        }
    }

    /// A count up to `max`.
    pub fn count(key: &str, n: usize, max: usize) -> Result<usize> {
        if n <= max {
            Ok(n)
        } else {
            Err(settings_error(key, &n.to_string(), " (too large)"))
        }
    }

    /// A size in bytes: anything but zero.
    pub fn size(key: &str, n: u64) -> Result<u64> {
        if n == 0 {
            Err(settings_error(key, "0", " (must be greater than 0)"))
        } else {
            Ok(n)
        }
    }

    /// A value that must not be empty (a user name, a token).
    pub fn non_empty<'a>(key: &str, value: &'a str) -> Result<&'a str> {
        if value.is_empty() {
            Err(settings_error(key, "", " (empty)"))
        } else {
            Ok(value)
        }
    }

    /// A secret that must not be empty (a token).
    pub fn non_empty_secret(key: &str, value: Secret) -> Result<Secret> {
        non_empty(key, value.expose())?;
        Ok(value)
    }

    /// A path to a file or directory: anything but empty.
    pub fn path(key: &str, path: PathBuf) -> Result<Option<PathBuf>> {
        if path.as_os_str().is_empty() {
            Err(settings_error(key, "", " (empty)"))
        } else {
            Ok(Some(path))
        }
    }
}

/// The error for `key` given `value` (shown as `***` for a secret), with
/// why and the accepted forms: the one wording of every bad value.
pub(crate) fn settings_error(key: &str, value: &str, why: &str) -> Error {
    let spec = lookup(key);
    let secret = spec.is_some_and(|s| s.secret);
    // An empty value gives nothing away.
    let value = if secret && !value.is_empty() {
        "***"
    } else {
        value
    };
    let canonical = spec.map_or(key, |s| s.canonical);
    let alias = if key.eq_ignore_ascii_case(canonical) {
        String::new()
    } else {
        format!(" (which sets {canonical})")
    };
    let accepts = spec.map_or("see the option table in README.md", |s| s.accepts);
    Error::config(
        key,
        format!("invalid value \"{value}\" for option \"{key}\"{alias}{why}; accepted: {accepts}"),
    )
}

/// An option as given: the key as written and its decoded value.
struct Given<'a> {
    key: &'a str,
    value: &'a str,
    secret: bool,
}

impl Given<'_> {
    /// `key=value` as it may be shown: the value masked for secrets.
    fn shown(&self) -> String {
        if self.secret {
            format!("{}=***", self.key)
        } else {
            format!("{}={}", self.key, self.value)
        }
    }

    fn bad(&self, why: &str) -> Error {
        settings_error(self.key, self.value, why)
    }

    fn boolean(&self) -> Result<bool> {
        match self.value.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Ok(true),
            "false" | "0" | "no" | "off" => Ok(false),
            _ => Err(self.bad("")),
        }
    }

    fn cert_reqs(&self) -> Result<CertReqs> {
        let v = self.value.to_ascii_uppercase();
        match v.strip_prefix("CERT_").unwrap_or(&v) {
            "NONE" => Ok(CertReqs::None),
            "OPTIONAL" => Ok(CertReqs::Optional),
            "REQUIRED" => Ok(CertReqs::Required),
            _ => Err(self.bad("")),
        }
    }

    fn non_empty(&self) -> Result<&str> {
        check::non_empty(self.key, self.value).map_err(|_| self.bad(" (empty)"))
    }

    fn path(&self) -> Result<PathBuf> {
        self.non_empty().map(PathBuf::from)
    }

    fn duration(&self) -> Result<Duration> {
        duration::parse(self.value).map_err(|e| {
            self.bad(match e {
                DurationError::Negative => " (negative)",
                DurationError::Overflow => " (too large)",
                DurationError::Malformed => "",
            })
        })
    }

    fn timeout(&self) -> Result<Duration> {
        // The message shows the value as written, not as re-formatted.
        check::timeout(self.key, self.duration()?)
            .map_err(|_| self.bad(" (a timeout must be greater than 0)"))
    }

    /// A whole or fractional number of milliseconds greater than 0, as
    /// pymongo takes its `*MS` options (`1500.5`).
    fn millis(&self) -> Result<Duration> {
        if self.value.starts_with('-') {
            return Err(self.bad(" (negative)"));
        }
        let (whole, fraction) = self.value.split_once('.').unwrap_or((self.value, ""));
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !digits(whole) || !digits(fraction) {
            return Err(self.bad(""));
        }
        // Nanoseconds: the fraction's first six digits.
        let micro: u64 = format!("{fraction:0<6}")[..6].parse().unwrap_or(0);
        match whole.parse::<u64>() {
            Ok(0) if micro == 0 => Err(self.bad(
                " (0 means no timeout to pymongo; httpdb always bounds a call: give a limit)",
            )),
            Ok(ms) => Duration::from_millis(ms)
                .checked_add(Duration::from_nanos(micro))
                .ok_or_else(|| self.bad(" (too large)")),
            Err(_) => Err(self.bad(" (too large)")),
        }
    }

    fn count(&self, max: usize) -> Result<usize> {
        if self.value.is_empty() || !self.value.bytes().all(|b| b.is_ascii_digit()) {
            return Err(self.bad(""));
        }
        match self.value.parse::<usize>() {
            Ok(n) => check::count(self.key, n, max).map_err(|_| self.bad(" (too large)")),
            _ => Err(self.bad(" (too large)")),
        }
    }

    fn size(&self) -> Result<u64> {
        let value = self.value.trim();
        let digits = value.bytes().take_while(u8::is_ascii_digit).count();
        let (number, unit) = value.split_at(digits);
        let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
            "" | "b" => 1,
            "k" | "kib" => 1 << 10,
            "m" | "mib" => 1 << 20,
            "g" | "gib" => 1 << 30,
            _ => return Err(self.bad("")),
        };
        match number.parse::<u64>().ok().map(|n| n.checked_mul(factor)) {
            Some(Some(n)) => {
                check::size(self.key, n).map_err(|_| self.bad(" (must be greater than 0)"))
            }
            Some(None) => Err(self.bad(" (too large)")),
            None => Err(self.bad("")),
        }
    }

    /// A duration whose zero means "the system's default" (libpq's
    /// keep-alive settings).
    fn system_duration(&self) -> Result<Option<Duration>> {
        let d = self.duration()?;
        if d.is_zero() {
            return Ok(None);
        }
        if d < Duration::from_secs(1) {
            return Err(self.bad(" (TCP counts keep-alive times in whole seconds)"));
        }
        Ok(Some(d))
    }

    /// A size as [`Given::size`] reads it, or `0`.
    fn size_or_zero(&self) -> Result<u64> {
        if self.value.trim() == "0" {
            return Ok(0);
        }
        self.size()
    }

    fn tls_version(&self) -> Result<TlsVersion> {
        let v = self.value.to_ascii_lowercase().replace('_', ".");
        match v.strip_prefix("tlsv").unwrap_or(&v) {
            "1.2" => Ok(TlsVersion::Tls12),
            "1.3" => Ok(TlsVersion::Tls13),
            "1" | "1.0" | "1.1" => {
                Err(self.bad(" (TLS 1.0 and 1.1 are insecure and rustls does not speak them)"))
            }
            _ => Err(self.bad("")),
        }
    }

    /// A comma-separated list of statuses from 400 to 599; empty for none.
    fn statuses(&self) -> Result<Vec<u16>> {
        let mut statuses = Vec::new();
        for part in self
            .value
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            match part.parse::<u16>() {
                Ok(status @ 400..=599) => statuses.push(status),
                _ => return Err(self.bad(&format!(" ({part} is not a status from 400 to 599)"))),
            }
        }
        statuses.sort_unstable();
        statuses.dedup();
        Ok(statuses)
    }

    /// A DNS name or IP address (IPv6 without brackets), as rustls takes it.
    fn server_name(&self) -> Result<String> {
        let name = self.value.trim_matches(['[', ']']);
        rustls::pki_types::ServerName::try_from(name)
            .map(|_| name.to_string())
            .map_err(|_| self.bad(" (not a DNS name or IP address)"))
    }

    fn host_order(&self) -> Result<HostOrder> {
        match self.value.to_ascii_lowercase().as_str() {
            "round_robin" | "roundrobin" | "round-robin" => Ok(HostOrder::RoundRobin),
            "ordered" => Ok(HostOrder::Ordered),
            "random" => Ok(HostOrder::Random),
            _ => Err(self.bad("")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::format_size;

    #[test]
    fn no_refused_name_is_an_option() {
        for known in super::super::unsupported::UNSUPPORTED {
            assert!(lookup(known.name).is_none(), "{} is both", known.name);
        }
    }

    /// Every option of the table has names in the vocabulary, and every
    /// name sets an option of the table or one of the four the URI's
    /// grammar and resolution handle themselves.
    #[test]
    fn the_vocabulary_covers_the_option_table() {
        use std::collections::BTreeSet;
        let canonical: BTreeSet<&str> = OPTIONS.iter().map(|o| o.canonical).collect();
        let mut table: BTreeSet<&str> = crate::Settings::OPTIONS.iter().copied().collect();
        table.extend(["ssl", "sslmode", "params", "headers"]);
        assert_eq!(canonical, table);
    }

    /// Every name whose value is a secret puts it in `Settings::secrets`,
    /// which the scrubbers and the CLI's safety net mask: no list of
    /// secrets to keep in step by hand.
    #[test]
    fn every_secret_option_is_among_the_secrets() {
        let value = |name: &str| match name {
            "basic_auth" | "http_auth" => "user:s3cret-value",
            "proxy" => "http://user:s3cret-value@proxy:3128",
            "headers" => "X-Api-Key: s3cret-value",
            _ => "s3cret-value",
        };
        for spec in OPTIONS.iter().filter(|o| o.secret) {
            for name in spec.names {
                let mut builder = crate::Settings::builder()
                    .uri("https://db:4200")
                    .option(name, value(name));
                if spec.canonical == "ssl_pem_passphrase" {
                    builder = builder.option("ssl_certfile", "/c.pem");
                }
                let settings = builder.build().unwrap();
                let secrets: Vec<String> = settings
                    .secrets()
                    .iter()
                    .map(|s| s.expose().to_string())
                    .collect();
                assert!(
                    secrets.iter().any(|s| s.contains("s3cret-value")
                        || base64::engine::general_purpose::STANDARD
                            .decode(s)
                            .is_ok_and(|d| String::from_utf8_lossy(&d).contains("s3cret-value"))),
                    "{name}: {secrets:?}"
                );
            }
        }
    }

    #[test]
    fn every_name_is_unique() {
        let mut names: Vec<String> = OPTIONS
            .iter()
            .flat_map(|s| s.names.iter().map(|n| n.to_ascii_lowercase()))
            .collect();
        let count = names.len();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), count);
    }

    /// The README's option table lists every name in the row of its
    /// canonical option, so the documentation cannot drift from the table.
    #[test]
    fn readme_table_matches_the_vocabulary() {
        let readme = include_str!("../../README.md");
        for spec in OPTIONS {
            let row = readme
                .lines()
                .find(|l| l.starts_with(&format!("| `{}` |", spec.canonical)))
                .unwrap_or_else(|| panic!("README has no table row for `{}`", spec.canonical));
            for name in spec.names {
                assert!(
                    row.contains(&format!("`{name}`")),
                    "README row `{}` lacks `{name}`",
                    spec.canonical
                );
            }
        }
    }

    #[test]
    fn suggestions() {
        assert_eq!(closest("ssl_ca_cert"), Some("ssl_ca_certs"));
        assert_eq!(closest("tlscafil"), Some("tlsCAFile"));
        assert_eq!(closest("connect_timout"), Some("connect_timeout"));
        assert_eq!(closest("zzzzzzzz"), None);
    }

    #[test]
    fn sizes_read_back() {
        for n in [1, 1000, 1 << 10, 3 << 20, 1 << 30, (1 << 30) + 1] {
            let mut l = Layer::default();
            l.apply("max_body_size", &format_size(n)).unwrap();
            assert_eq!(l.max_body_size.unwrap().value, n);
        }
        assert_eq!(format_size(1 << 30), "1GiB");
        let mut l = Layer::default();
        l.apply("max_body_size", "512 MiB").unwrap();
        assert_eq!(l.max_body_size.unwrap().value, 512 << 20);
        for bad in ["", "0", "1TB", "MiB", "-1", "99999999999999GiB"] {
            assert!(
                Layer::default().apply("max_body_size", bad).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }
}
