//! The option vocabulary: every name a URI, a keyword or a CLI flag may use,
//! its aliases from other drivers, and the parser that turns its value into
//! fields of a [`Layer`].
//!
//! Beside it: `apply` (the funnel into a layer), `given` (the text
//! parsers), `check` (the typed checks, shared with the typed setters) and
//! `names` (which option a key is, and errors naming it).
//!
//! [`OPTIONS`] is the one table; adding an alias is one line there. It is
//! one piece, longer than the other files, because it is read as a table:
//! every name with its meaning, side by side.

use std::time::Duration;

use base64::Engine;

mod apply;
pub(crate) mod check;
pub(crate) mod given;
pub(crate) mod names;

use crate::error::{Error, Result};
use crate::secret::Secret;
use crate::settings::credential_files::Netrc;
use crate::settings::duration;
use crate::settings::layer::set;
use crate::settings::options::given::Given;
use crate::settings::{CaCerts, CertReqs, HostOrder, Layer, Product, ProxyChoice, ProxyUrl};

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
    pub apply: fn(&mut Layer, &Given) -> Result<()>,
}

const BOOL: &str = "true/false, 1/0, yes/no or on/off";
const KEEPALIVE_TIME: &str =
    "a number of seconds (60) or a duration such as 90s; 0 for the system's default";
const MILLIS: &str = "a number of milliseconds greater than 0 (1500, 1500.5)";
/// CA certificates as `ssl_ca_certs` and `proxy_ssl_ca_certs` take them:
/// `system`, PEM text, or the path of a PEM file.
fn ca_certs(g: &Given<'_>) -> Result<CaCerts> {
    Ok(if g.value.eq_ignore_ascii_case("system") {
        CaCerts::System
    } else if is_pem(g.value) {
        CaCerts::Pem(g.value.trim().to_string())
    } else {
        CaCerts::File(g.path()?)
    })
}

/// An Elasticsearch API key as `Authorization: ApiKey` sends it: the
/// encoded form as given, or `id:key` encoded.
pub(crate) fn encode_api_key(key: &str) -> std::result::Result<String, &'static str> {
    match key.split_once(':') {
        Some((id, k)) if !id.is_empty() && !k.is_empty() => {
            Ok(base64::engine::general_purpose::STANDARD.encode(key))
        }
        Some(_) => Err(" (an empty id or key around ':')"),
        None => Ok(key.to_string()),
    }
}

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
        apply: |l, g| set(&mut l.ssl_ca_certs, ca_certs(g)?, g.shown()),
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
    // crate-python's switch to allow TLS older than 1.2: false, its
    // default, is what httpdb does; true cannot be honoured.
    OptionSpec {
        names: &["ssl_relax_minimum_version"],
        canonical: "ssl_min_protocol_version",
        accepts: "false (crate-python's default: TLS 1.2 at least); true is refused",
        secret: false,
        apply: |_, g| match g.boolean()? {
            false => Ok(()),
            true => Err(Error::config(
                g.key,
                format!(
                    "option \"{}\" (crate-python) is not honoured by httpdb: httpdb speaks TLS 1.2 and 1.3 only (rustls); there is nothing older to relax to",
                    g.key
                ),
            )),
        },
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
    // A secret in a file (Docker and Kubernetes secrets): the file is read
    // now, and again by a client when it changes.
    OptionSpec {
        names: &["password_file"],
        canonical: "password",
        accepts: "the path of a file holding the password (one trailing line break dropped)",
        secret: false,
        apply: |l, g| {
            set(
                &mut l.password,
                Some(Secret::from_file(g.key, g.value)?),
                g.shown(),
            )
        },
    },
    OptionSpec {
        names: &["token_file"],
        canonical: "token",
        accepts: "the path of a file holding the bearer token (one trailing line break dropped)",
        secret: false,
        apply: |l, g| {
            set(
                &mut l.token,
                Some(Secret::from_file(g.key, g.value)?),
                g.shown(),
            )
        },
    },
    OptionSpec {
        names: &["api_key_file"],
        canonical: "api_key",
        accepts: "the path of a file holding the Elasticsearch API key, encoded or as id:key",
        secret: false,
        apply: |l, g| {
            let file = Secret::from_file(g.key, g.value)?;
            let encoded = encode_api_key(file.expose()).map_err(|why| g.bad(why))?;
            set(&mut l.api_key, Some(file.with_text(encoded)), g.shown())
        },
    },
    OptionSpec {
        names: &["ssl_pem_passphrase_file"],
        canonical: "ssl_pem_passphrase",
        accepts: "the path of a file holding the key's passphrase (one trailing line break dropped)",
        secret: false,
        apply: |l, g| {
            set(
                &mut l.ssl_pem_passphrase,
                Some(Secret::from_file(g.key, g.value)?),
                g.shown(),
            )
        },
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
            let encoded = encode_api_key(g.non_empty()?).map_err(|why| g.bad(why))?;
            set(&mut l.api_key, Some(Secret::new(encoded)), g.shown())
        },
    },
    OptionSpec {
        names: &["passfile"],
        canonical: "passfile",
        accepts: "the path of a password file in libpq's .pgpass format (hostname:port:database:username:password lines), read for the credentials when the URI gives none",
        secret: false,
        apply: |l, g| set(&mut l.passfile, g.path()?, g.shown()),
    },
    OptionSpec {
        names: &["netrc"],
        canonical: "netrc",
        accepts: "true (read .netrc, as curl's --netrc; a missing file is an error), optional (as --netrc-optional) or false (the default)",
        secret: false,
        apply: |l, g| {
            let mode = match g.value.to_ascii_lowercase().as_str() {
                "optional" => Some(Netrc::Optional),
                "required" => Some(Netrc::Required),
                _ => g.boolean()?.then_some(Netrc::Required),
            };
            set(&mut l.netrc, mode, g.shown())
        },
    },
    OptionSpec {
        names: &["netrc_file"],
        canonical: "netrc_file",
        accepts: "the path of a .netrc file to read, as curl's --netrc-file (it turns netrc on)",
        secret: false,
        apply: |l, g| set(&mut l.netrc_file, g.path()?, g.shown()),
    },
    OptionSpec {
        names: &["service"],
        canonical: "service",
        accepts: "the name of a section of the service file ([name] in service.conf)",
        secret: false,
        apply: |l, g| set(&mut l.service, check::service(g.key, g.value)?, g.shown()),
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
    // elastic-transport: its selectors by name (a class cannot be named).
    OptionSpec {
        names: &["node_selector_class"],
        canonical: "host_order",
        accepts: "round_robin or random, elastic-transport's selector names (a Python class cannot be named here)",
        secret: false,
        apply: |l, g| {
            let order = match g.value.to_ascii_lowercase().as_str() {
                "round_robin" => HostOrder::RoundRobin,
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
        accepts: "a comma-separated list of HTTP statuses from 400 to 599 (default 429,502,503,504), or empty for none",
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
    // elastic-transport's sniffing switches, the ClickHouse Java client's
    // `auto_discovery`: each turns on the one discovery httpdb has, which
    // asks on the first request, every interval and after a failure.
    OptionSpec {
        names: &[
            "discover",
            "sniff_on_start",
            "sniff_on_node_failure",
            "sniff_before_requests",
            "auto_discovery",
        ],
        canonical: "discover",
        accepts: BOOL,
        secret: false,
        apply: |l, g| set(&mut l.discover, g.boolean()?, g.shown()),
    },
    // etcd's `AutoSyncInterval`: a positive interval turns syncing on.
    OptionSpec {
        names: &["discover_interval", "auto_sync_interval"],
        canonical: "discover_interval",
        accepts: duration::FORMS,
        secret: false,
        apply: |l, g| {
            let every = g.duration()?;
            if g.key.eq_ignore_ascii_case("auto_sync_interval") && !every.is_zero() {
                set(&mut l.discover, true, g.shown())?;
            }
            set(&mut l.discover_interval, every, g.shown())
        },
    },
    OptionSpec {
        names: &["discover_min_delay", "min_delay_between_sniffing"],
        canonical: "discover_min_delay",
        accepts: duration::FORMS,
        secret: false,
        apply: |l, g| set(&mut l.discover_min_delay, g.duration()?, g.shown()),
    },
    OptionSpec {
        names: &["discover_timeout", "sniff_timeout"],
        canonical: "discover_timeout",
        accepts: duration::FORMS,
        secret: false,
        apply: |l, g| set(&mut l.discover_timeout, g.duration()?, g.shown()),
    },
    OptionSpec {
        names: &["discover_cluster"],
        canonical: "discover_cluster",
        accepts: "the name of a ClickHouse cluster, as system.clusters lists it",
        secret: false,
        apply: |l, g| {
            set(
                &mut l.discover_cluster,
                Some(g.non_empty()?.to_string()),
                g.shown(),
            )
        },
    },
    OptionSpec {
        names: &["timings"],
        canonical: "timings",
        accepts: BOOL,
        secret: false,
        apply: |l, g| set(&mut l.timings, g.boolean()?, g.shown()),
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
        accepts: "a proxy as [http|https|socks5|socks5h]://[user:password@]host:port (port 1080 if not given, 443 for https), or none to ignore the proxy environment variables",
        secret: true,
        apply: |l, g| {
            let choice = if g.value.eq_ignore_ascii_case("none") {
                ProxyChoice::None
            } else {
                ProxyChoice::Proxy(ProxyUrl::parse(g.value, g.key)?)
            };
            set(&mut l.proxy, Some(choice), g.shown())
        },
    },
    OptionSpec {
        names: &["no_proxy", "noproxy"],
        canonical: "no_proxy",
        accepts: "the hosts that bypass the proxy, comma-separated, as curl's --noproxy: names (and their subdomains), IP addresses, CIDR ranges, or * for all",
        secret: false,
        apply: |l, g| {
            set(
                &mut l.no_proxy,
                Some(check::no_proxy(g.key, g.value)?),
                g.shown(),
            )
        },
    },
    OptionSpec {
        names: &["proxy_ssl_ca_certs", "proxy_cacert"],
        canonical: "proxy_ssl_ca_certs",
        accepts: "for an https:// proxy: a path to a PEM file of CA certificates, `system` for the OS trust store, or the PEM text itself",
        secret: false,
        apply: |l, g| set(&mut l.proxy_ssl_ca_certs, ca_certs(g)?, g.shown()),
    },
    OptionSpec {
        names: &["max_redirects"],
        canonical: "max_redirects",
        accepts: "a whole number from 0 (redirects are not followed, the default) to 50",
        secret: false,
        apply: |l, g| set(&mut l.max_redirects, g.count(MAX_REDIRECTS)?, g.shown()),
    },
    OptionSpec {
        names: &["retry_reads", "retryReads"],
        canonical: "retry_reads",
        accepts: BOOL,
        secret: false,
        apply: |l, g| set(&mut l.retry_reads, g.boolean()?, g.shown()),
    },
    OptionSpec {
        names: &["product"],
        canonical: "product",
        accepts: "cratedb, elasticsearch, opensearch, couchdb, etcd, clickhouse, influxdb, prometheus or couchbase_analytics",
        secret: false,
        apply: |l, g| {
            let product = Product::from_name(g.value).ok_or_else(|| g.bad(""))?;
            set(&mut l.product, Some(product), g.shown())
        },
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::options::names::lookup;
    use crate::units::format_size;

    #[test]
    fn no_refused_name_is_an_option() {
        for known in crate::settings::unsupported::UNSUPPORTED {
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
        table.extend([
            "ssl",
            "sslmode",
            "params",
            "headers",
            "service",
            "passfile",
            "netrc",
            "netrc_file",
        ]);
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
        let readme = include_str!("../../../README.md");
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
}
