//! The option table: every option of [`Settings`](crate::Settings) declared
//! once, with its type, its default, its getter, its typed setter and how
//! the canonical URI and `httpdb config` show it.
//!
//! `options_table!(callback)` hands the rows to a macro that turns them into
//! code: `declare_settings!` (settings/declare.rs) makes the fields of
//! `Settings` and of a `Layer`, the merge of layers, the defaults, the
//! getters, the typed setters of `SettingsBuilder`, the URI, the JSON,
//! `Debug` and the list of secrets; `forward_setters!` (client/builder.rs)
//! makes `ClientBuilder`'s setters. The names an option answers to (its
//! aliases from the peers) and the parsing of its text are the vocabulary
//! in settings/options.rs, one `OptionSpec` per name group; the README's
//! option table is checked against the vocabulary by a test.
//!
//! A row:
//!
//! ```text
//! /// The getter's and setter's doc, ending with "Defaults to ...".
//! name: Type = default
//!     [, [tls]]                          a TLS-only option: an error without TLS
//!     [, get KIND -> ReturnType]         copy | borrow | as_ref | as_deref; none: written by hand
//!     [, set(arg: ArgType) => value]     value: Result<Type>, the typed check; none: written by hand
//!     , uri auto | skip | (|s: &Settings, secrets: bool| -> Option<String>)
//!     , json auto | skip | (|s: &Settings| -> serde_json::Value);
//! ```
//!
//! `auto` writes `name=value` in the URI when the value is not the default,
//! and `name` (with `_ms` for durations) in the JSON, through
//! `OptionValue` (settings/value.rs). The field is named after the
//! canonical option; resolve.rs sets by hand only the fields that depend on
//! each other (`ssl_cert_reqs`, `ssl_match_hostname`, `ssl_assert_hostname`,
//! `app_name`).
//!
//! Adding an option is a row here, an `OptionSpec` for its names in
//! options.rs, and a line in the README's table.

/// Calls `$callback! { rows }` with every row of the table, in the order the
/// canonical URI writes them.
macro_rules! options_table {
    ($callback:ident) => {
        $callback! {
            /// How much the server's certificate is checked. Defaults to
            /// `CERT_REQUIRED`.
            ssl_cert_reqs: crate::settings::CertReqs = crate::settings::CertReqs::Required,
                [tls],
                get copy -> crate::settings::CertReqs,
                set(reqs: crate::settings::CertReqs) => Ok(reqs),
                uri auto, json auto;
            /// Whether the certificate must name the host. Defaults to true;
            /// always false under `CERT_NONE`.
            ssl_match_hostname: bool = true,
                [tls],
                get copy -> bool,
                set(on: bool) => Ok(on),
                uri (|s: &crate::settings::Settings, _: bool| {
                    (s.ssl_cert_reqs.verifies() && !s.ssl_match_hostname).then(|| "false".to_string())
                }),
                json auto;
            /// The trusted CAs. Defaults to [`CaCerts::System`](crate::CaCerts::System).
            ssl_ca_certs: crate::settings::CaCerts = crate::settings::CaCerts::System,
                [tls],
                get borrow -> &crate::settings::CaCerts,
                uri auto, json auto;
            /// The DNS name or IP address the server's certificate must hold
            /// instead of the host's, for hosts reached by an address the
            /// certificate does not name. Defaults to none: the host's own
            /// name.
            ssl_assert_hostname: Option<String> = None,
                [tls],
                get as_deref -> Option<&str>,
                uri auto, json auto;
            /// The pinned SHA-256 fingerprint: of the server's certificate,
            /// or of a CA certificate the server sends (which the server's
            /// certificate must then chain to). Checked in addition to the
            /// chain, and alone under `CERT_NONE`. Defaults to none.
            ssl_assert_fingerprint: Option<crate::settings::Fingerprint> = None,
                [tls],
                get as_ref -> Option<&crate::settings::Fingerprint>,
                set(fingerprint: crate::settings::Fingerprint) => Ok(Some(fingerprint)),
                uri auto, json auto;
            /// A PEM file of certificate revocation lists (libpq's `sslcrl`,
            /// pymongo's `tlsCRLFile`): every certificate of the server's
            /// chain is checked against them, and one whose issuer has no
            /// CRL there fails. Defaults to none.
            ssl_crl_file: Option<std::path::PathBuf> = None,
                [tls],
                get as_deref -> Option<&std::path::Path>,
                set(path: impl Into<std::path::PathBuf>) => crate::settings::options::check::path("ssl_crl_file", path.into()),
                uri auto, json auto;
            /// A directory of PEM CRL files (libpq's `sslcrldir`), read as
            /// `ssl_crl_file`. Defaults to none.
            ssl_crl_dir: Option<std::path::PathBuf> = None,
                [tls],
                get as_deref -> Option<&std::path::Path>,
                set(path: impl Into<std::path::PathBuf>) => crate::settings::options::check::path("ssl_crl_dir", path.into()),
                uri auto, json auto;
            /// Whether the host name is sent in the TLS handshake (SNI;
            /// libpq's `sslsni`). Defaults to true; IP addresses are never
            /// sent.
            ssl_sni: bool = true,
                [tls],
                get copy -> bool,
                set(on: bool) => Ok(on),
                uri auto, json auto;
            /// The client certificate: a PEM chain, a combined PEM, or a
            /// PKCS#12 bundle. Defaults to none.
            ssl_certfile: Option<std::path::PathBuf> = None,
                [tls],
                get as_deref -> Option<&std::path::Path>,
                set(path: impl Into<std::path::PathBuf>) => crate::settings::options::check::path("ssl_certfile", path.into()),
                uri auto, json auto;
            /// The client key, when it is not in `ssl_certfile`. Defaults to
            /// none.
            ssl_keyfile: Option<std::path::PathBuf> = None,
                [tls],
                get as_deref -> Option<&std::path::Path>,
                set(path: impl Into<std::path::PathBuf>) => crate::settings::options::check::path("ssl_keyfile", path.into()),
                uri auto, json auto;
            /// The passphrase of an encrypted key or PKCS#12 bundle. Defaults
            /// to none.
            ssl_pem_passphrase: Option<crate::Secret> = None,
                [tls],
                get as_ref -> Option<&crate::Secret>,
                set(passphrase: impl Into<crate::Secret>) => Ok(Some(passphrase.into())),
                uri auto, json auto;
            /// The oldest TLS version offered. Defaults to TLS 1.2.
            ssl_min_protocol_version: crate::settings::TlsVersion = crate::settings::TlsVersion::Tls12,
                [tls],
                get copy -> crate::settings::TlsVersion,
                set(v: crate::settings::TlsVersion) => Ok(v),
                uri auto, json auto;
            /// The newest TLS version offered. Defaults to TLS 1.3.
            ssl_max_protocol_version: crate::settings::TlsVersion = crate::settings::TlsVersion::Tls13,
                [tls],
                get copy -> crate::settings::TlsVersion,
                set(v: crate::settings::TlsVersion) => Ok(v),
                uri auto, json auto;
            /// The user name for basic auth. Defaults to the URI's.
            username: Option<String> = None,
                get as_deref -> Option<&str>,
                set(user: impl Into<String>) => {
                    let user: String = user.into();
                    crate::settings::options::check::non_empty("username", &user).map(|u| Some(u.to_string()))
                },
                uri skip, json auto;
            /// The password for basic auth. Defaults to the URI's.
            password: Option<crate::Secret> = None,
                get as_ref -> Option<&crate::Secret>,
                set(password: impl Into<crate::Secret>) => Ok(Some(password.into())),
                // With a user name it is written in the URI's userinfo.
                uri (|s: &crate::settings::Settings, secrets: bool| {
                    use crate::settings::value::OptionValue;
                    s.username.is_none().then(|| s.password.as_ref().map(|p| p.text(secrets))).flatten()
                }),
                json auto;
            /// The bearer token, sent as `Authorization: Bearer`. Defaults to
            /// none.
            token: Option<crate::Secret> = None,
                get as_ref -> Option<&crate::Secret>,
                set(token: impl Into<crate::Secret>) => crate::settings::options::check::non_empty_secret("token", token.into()).map(Some),
                uri auto, json auto;
            /// The Elasticsearch API key, encoded as `Authorization: ApiKey`
            /// sends it. Defaults to none.
            api_key: Option<crate::Secret> = None,
                get as_ref -> Option<&crate::Secret>,
                uri auto, json auto;
            /// The application name sent first in `User-Agent`
            /// (`myapp httpdb/0.1.0`; pymongo's `appname`, libpq's
            /// `application_name`). Defaults to none.
            app_name: Option<String> = None,
                get as_deref -> Option<&str>,
                uri auto, json auto;
            /// Limit for resolving, connecting and the TLS handshake.
            /// Defaults to 10 s. Zero is an error.
            connect_timeout: std::time::Duration = crate::settings::DEFAULT_CONNECT_TIMEOUT,
                get copy -> std::time::Duration,
                set(d: std::time::Duration) => crate::settings::options::check::timeout("connect_timeout", d),
                uri auto, json auto;
            /// The budget of a whole call: connect, send, wait and read the
            /// whole answer, moving on to other hosts included. Defaults to
            /// 30 s. Zero is an error.
            timeout: std::time::Duration = crate::settings::DEFAULT_TIMEOUT,
                get copy -> std::time::Duration,
                set(d: std::time::Duration) => crate::settings::options::check::timeout("timeout", d),
                uri auto, json auto;
            /// The longest silence allowed while waiting for the server: each
            /// read from the socket. Defaults to 30 s. Zero is an error.
            read_timeout: std::time::Duration = crate::settings::DEFAULT_READ_TIMEOUT,
                get copy -> std::time::Duration,
                set(d: std::time::Duration) => crate::settings::options::check::timeout("read_timeout", d),
                uri auto, json auto;
            /// How long an idle keep-alive connection is kept for reuse.
            /// Defaults to 4 s, below the 5 s after which many servers close
            /// idle connections. Zero is an error (`pool_size(0)` turns
            /// pooling off).
            pool_idle_timeout: std::time::Duration = crate::settings::DEFAULT_POOL_IDLE_TIMEOUT,
                get copy -> std::time::Duration,
                set(d: std::time::Duration) => crate::settings::options::check::timeout("pool_idle_timeout", d),
                uri auto, json auto;
            /// How long a failed host is skipped. Defaults to 30 s.
            retry_interval: std::time::Duration = crate::settings::DEFAULT_RETRY_INTERVAL,
                get copy -> std::time::Duration,
                set(d: std::time::Duration) => Ok(d),
                uri auto, json auto;
            /// Idle keep-alive connections kept per host; 0 turns pooling
            /// off. Defaults to 8.
            pool_size: usize = crate::settings::DEFAULT_POOL_SIZE,
                get copy -> usize,
                set(n: usize) => crate::settings::options::check::count("pool_size", n, crate::settings::options::MAX_POOL_SIZE),
                uri auto, json auto;
            /// The proxy the `proxy=` option names, `ProxyChoice::None` for
            /// `proxy=none`; `None` when not given: then the environment
            /// decides (`https_proxy`, `http_proxy`, `all_proxy`,
            /// `no_proxy`, as curl reads them), when the client is built.
            proxy: Option<crate::settings::ProxyChoice> = None,
                get as_ref -> Option<&crate::settings::ProxyChoice>,
                uri auto, json auto;
            /// The hosts that bypass the proxy, as curl's `--noproxy` and
            /// `$no_proxy` list them: names (with their subdomains), IP
            /// addresses, CIDR ranges, `*` for all. Given, it replaces
            /// `$no_proxy`/`$NO_PROXY`; it applies to the `proxy=` option as
            /// well as to the environment's proxies. Defaults to none (the
            /// environment's list).
            no_proxy: Option<String> = None,
                get as_deref -> Option<&str>,
                uri auto, json auto;
            /// The CAs an `https://` proxy's certificate is checked
            /// against (curl's `--proxy-cacert`): the database's
            /// `ssl_ca_certs` are for the database alone. Defaults to
            /// [`CaCerts::System`](crate::CaCerts::System).
            proxy_ssl_ca_certs: crate::settings::CaCerts = crate::settings::CaCerts::System,
                get borrow -> &crate::settings::CaCerts,
                uri auto, json auto;
            /// How many redirects a request follows; 0, the default, follows
            /// none (the 3xx is the answer, with
            /// [`Response::location`](crate::Response::location)). Followed
            /// redirects never go from https to http, drop credentials when
            /// the scheme, host or port changes, and turn a POST into a GET
            /// after 301, 302 and 303, as curl does.
            max_redirects: usize = 0,
                get copy -> usize,
                set(n: usize) => crate::settings::options::check::count("max_redirects", n, crate::settings::options::MAX_REDIRECTS),
                uri auto, json auto;
            /// Whether turning verification off (`CERT_NONE`) is logged as a
            /// warning (elasticsearch-py's `ssl_show_warn`); when false it is
            /// logged at debug level. Defaults to true.
            ssl_show_warn: bool = true,
                get copy -> bool,
                set(on: bool) => Ok(on),
                uri auto, json auto;
            /// Whether TCP keep-alive probes are sent on idle connections, so
            /// that a peer that vanished is noticed (libpq's `keepalives`,
            /// crate-python's `socket_keepalive`). Defaults to true.
            tcp_keepalive: bool = true,
                get copy -> bool,
                set(on: bool) => Ok(on),
                uri auto, json auto;
            /// The silence after which the first keep-alive probe is sent;
            /// `None` for the system's default. Defaults to 60 s, as curl.
            tcp_keepalive_idle: Option<std::time::Duration> = Some(crate::settings::DEFAULT_TCP_KEEPALIVE_TIME),
                get copy -> Option<std::time::Duration>,
                set(d: Option<std::time::Duration>) => Ok(d.filter(|d| !d.is_zero())),
                uri auto, json auto;
            /// The time between keep-alive probes; `None` for the system's
            /// default. Defaults to 60 s, as curl.
            tcp_keepalive_interval: Option<std::time::Duration> = Some(crate::settings::DEFAULT_TCP_KEEPALIVE_TIME),
                get copy -> Option<std::time::Duration>,
                set(d: Option<std::time::Duration>) => Ok(d.filter(|d| !d.is_zero())),
                uri auto, json auto;
            /// How many unanswered probes drop the connection; `None` for the
            /// system's default. Defaults to `None`.
            tcp_keepalive_count: Option<u32> = None,
                get copy -> Option<u32>,
                uri auto, json auto;
            /// How long sent data may stay unacknowledged before the
            /// connection is dropped (`TCP_USER_TIMEOUT`, Linux only); `None`
            /// for the system's default. Defaults to `None`.
            tcp_user_timeout: Option<std::time::Duration> = None,
                get copy -> Option<std::time::Duration>,
                set(d: Option<std::time::Duration>) => Ok(d.filter(|d| !d.is_zero())),
                uri auto, json auto;
            /// Whether request bodies are gzip-compressed, and from which
            /// size (`Some(0)`: every non-empty body); when on, answers are
            /// asked for in gzip too. Answers sent in gzip are always
            /// decoded. Defaults to off.
            compress: Option<u64> = None,
                get copy -> Option<u64>,
                uri (|s: &crate::settings::Settings, _: bool| {
                    s.compress.map(|min| if min == 0 { "true".to_string() } else { crate::units::format_size(min) })
                }),
                json (|s: &crate::settings::Settings| s.compress.is_some().into());
            /// Whether answers are asked for in gzip (curl's `--compressed`).
            compressed: bool = false,
                uri auto,
                json (|s: &crate::settings::Settings| s.compressed().into());
            /// The gzip level of compressed request bodies, 0 to 9. Defaults
            /// to 6.
            compress_level: u32 = 6,
                get copy -> u32,
                uri auto, json auto;
            /// The statuses after which an idempotent request moves on to the
            /// next host (a request that is not idempotent never does;
            /// elasticsearch-py's `retry_on_status`). Defaults to 502, 503
            /// and 504.
            retry_on_status: Vec<u16> = crate::settings::DEFAULT_RETRY_ON_STATUS.to_vec(),
                get borrow -> &[u16],
                uri auto, json auto;
            /// Whether an idempotent request that timed out after it was sent
            /// moves on to the next host. Defaults to true. A connect timeout
            /// always moves on: nothing was sent.
            retry_on_timeout: bool = true,
                get copy -> bool,
                set(on: bool) => Ok(on),
                uri auto, json auto;
            /// Whether each attempt of a call records when its phases ended
            /// (name lookup, connect, TLS handshake, request sent, first
            /// byte) in [`crate::attempt::Timings`]. Defaults to false:
            /// reading the clock at each phase costs about 1.4 % of a
            /// keep-alive request; a request can ask with
            /// [`crate::Request::timings`].
            timings: bool = false,
                get copy -> bool,
                set(on: bool) => Ok(on),
                uri auto, json auto;
            /// The wait before the first move to another host, doubled before
            /// each next one up to `retry_backoff_max`, each drawn between
            /// half and all of it. Defaults to zero: no wait.
            retry_backoff: std::time::Duration = std::time::Duration::ZERO,
                get copy -> std::time::Duration,
                set(d: std::time::Duration) => Ok(d),
                uri auto, json auto;
            /// The longest wait between two moves. Defaults to 30 s.
            retry_backoff_max: std::time::Duration = crate::settings::DEFAULT_RETRY_BACKOFF_MAX,
                get copy -> std::time::Duration,
                set(d: std::time::Duration) => Ok(d),
                uri auto, json auto;
            /// The order hosts are tried in. Defaults to round robin.
            host_order: crate::settings::HostOrder = crate::settings::HostOrder::RoundRobin,
                get copy -> crate::settings::HostOrder,
                set(order: crate::settings::HostOrder) => Ok(order),
                uri auto, json auto;
            /// How many times a request may be sent again after its first
            /// try, over the hosts in turn. Defaults to one try per host, and
            /// at least 2 retries.
            max_retries: Option<usize> = None,
                set(n: usize) => crate::settings::options::check::count("max_retries", n, crate::settings::options::MAX_RETRIES).map(Some),
                uri auto,
                json (|s: &crate::settings::Settings| s.max_retries().into());
            /// Whether a POST that the server's own API defines as a read
            /// (etcd's `kv/range`, Elasticsearch's `_search`, CouchDB's
            /// `_find`, Prometheus' `query`: `src/client/reads.rs`) may be sent
            /// again like a GET (pymongo's `retryReads`). Defaults to true;
            /// false leaves the method rule, `Request::idempotent` and the
            /// `Idempotency-Key` header.
            retry_reads: bool = true,
                get copy -> bool,
                set(on: bool) => Ok(on),
                uri auto, json auto;
            /// The database or service behind the URI, when the path alone
            /// does not tell: it makes its product-specific POST reads known
            /// (Elasticsearch's `_sql`) and lets a request marked idempotent
            /// use the server's switch that refuses writes (ClickHouse's
            /// `readonly`). Defaults to none, until `server_info` finds it out.
            product: Option<crate::settings::Product> = None,
                get copy -> Option<crate::settings::Product>,
                set(product: crate::settings::Product) => Ok(Some(product)),
                uri auto, json auto;
            /// Whether the client asks the cluster for its members and uses
            /// them as its hosts, the URI's hosts kept as seeds to fall back
            /// on (README, "The cluster from one seed"): on the first
            /// request, every `discover_interval`, and after a host fails.
            /// Defaults to false.
            discover: bool = false,
                get copy -> bool,
                set(on: bool) => Ok(on),
                uri auto, json auto;
            /// How often the members are asked for again. Defaults to 30 s.
            discover_interval: std::time::Duration = crate::settings::DEFAULT_DISCOVER_INTERVAL,
                get copy -> std::time::Duration,
                set(d: std::time::Duration) => Ok(d),
                uri auto, json auto;
            /// The least time between two discoveries, those after a host
            /// failed included. Defaults to 10 s, as elastic-transport's
            /// `min_delay_between_sniffing`.
            discover_min_delay: std::time::Duration = crate::settings::DEFAULT_DISCOVER_MIN_DELAY,
                get copy -> std::time::Duration,
                set(d: std::time::Duration) => Ok(d),
                uri auto, json auto;
            /// How long one discovery may take: at most half of what is
            /// left of the call it runs before. Defaults to 2 s.
            discover_timeout: std::time::Duration = crate::settings::DEFAULT_DISCOVER_TIMEOUT,
                get copy -> std::time::Duration,
                set(d: std::time::Duration) => Ok(d),
                uri auto, json auto;
            /// The ClickHouse cluster (of `system.clusters`) whose replicas
            /// discovery uses. Defaults to none.
            discover_cluster: Option<String> = None,
                get as_deref -> Option<&str>,
                uri auto, json auto;
            /// The largest body read whole into memory by `Response::bytes`,
            /// `text` and `json` (streamed reads have no limit). Defaults to
            /// 1 GiB. Zero is an error.
            max_body_size: u64 = crate::settings::DEFAULT_MAX_BODY_SIZE,
                get copy -> u64,
                set(bytes: u64) => crate::settings::options::check::size("max_body_size", bytes),
                uri auto, json auto;
        }
    };
}

pub(crate) use options_table;
