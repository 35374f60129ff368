//! Every option name of the five peer drivers, with a realistic value:
//! the settings each honoured name gives (compared with its canonical
//! form), and the reason each other name is refused with. No name may be
//! unknown. The names are those of pymongo 4.20, libpq of PostgreSQL 18,
//! crate-python 2.3, elasticsearch-py 9.5 / elastic-transport 9.4 and
//! couchbase-analytics 1.1, read from their sources.

use httpdb::Settings;

/// (peer, name, value as written in a URI, the canonical options it
/// equals; empty for a name that is refused).
const PEER_NAMES: &[(&str, &str, &str, &str)] = &[
    // pymongo
    ("pymongo", "appname", "orders-api", "app_name=orders-api"),
    ("pymongo", "authMechanism", "SCRAM-SHA-256", ""),
    (
        "pymongo",
        "authMechanismProperties",
        "SERVICE_NAME:mongodb,CANONICALIZE_HOST_NAME:true",
        "",
    ),
    ("pymongo", "authSource", "admin", ""),
    (
        "pymongo",
        "compressors",
        "zstd,snappy,zlib",
        "compress=true",
    ),
    (
        "pymongo",
        "connectTimeoutMS",
        "20000",
        "connect_timeout=20s",
    ),
    ("pymongo", "directConnection", "true", ""),
    ("pymongo", "heartbeatFrequencyMS", "10000", ""),
    ("pymongo", "journal", "true", ""),
    ("pymongo", "loadBalanced", "true", ""),
    ("pymongo", "localThresholdMS", "15", ""),
    ("pymongo", "maxConnecting", "2", ""),
    ("pymongo", "maxIdleTimeMS", "60000", "pool_idle_timeout=1m"),
    ("pymongo", "maxPoolSize", "100", "pool_size=100"),
    ("pymongo", "maxStalenessSeconds", "120", ""),
    ("pymongo", "readConcernLevel", "majority", ""),
    ("pymongo", "readPreference", "secondaryPreferred", ""),
    ("pymongo", "readPreferenceTags", "dc:ny,rack:1", ""),
    ("pymongo", "replicaSet", "rs0", ""),
    ("pymongo", "retryReads", "false", "retry_reads=false"),
    ("pymongo", "retryWrites", "true", ""),
    ("pymongo", "serverSelectionTimeoutMS", "30000", ""),
    ("pymongo", "socketTimeoutMS", "45000", "read_timeout=45s"),
    ("pymongo", "ssl", "true", "ssl=true"),
    ("pymongo", "tls", "true", "ssl=true"),
    (
        "pymongo",
        "tlsAllowInvalidCertificates",
        "true",
        "ssl_cert_reqs=CERT_NONE",
    ),
    (
        "pymongo",
        "tlsAllowInvalidHostnames",
        "true",
        "ssl_match_hostname=false",
    ),
    (
        "pymongo",
        "tlsCAFile",
        "/etc/ssl/mongo-ca.pem",
        "ssl_ca_certs=/etc/ssl/mongo-ca.pem",
    ),
    (
        "pymongo",
        "tlsCertificateKeyFile",
        "/etc/ssl/client.pem",
        "ssl_certfile=/etc/ssl/client.pem",
    ),
    (
        "pymongo",
        "tlsCertificateKeyFilePassword",
        "s3cr%2Bt",
        "ssl_pem_passphrase=s3cr%2Bt",
    ),
    (
        "pymongo",
        "tlsCRLFile",
        "/etc/ssl/mongo-crl.pem",
        "ssl_crl_file=/etc/ssl/mongo-crl.pem",
    ),
    ("pymongo", "tlsDisableOCSPEndpointCheck", "true", ""),
    ("pymongo", "tlsInsecure", "true", "ssl_cert_reqs=CERT_NONE"),
    ("pymongo", "w", "majority", ""),
    ("pymongo", "wTimeoutMS", "5000", ""),
    ("pymongo", "zlibCompressionLevel", "9", "compress_level=9"),
    ("pymongo", "srvServiceName", "mongodb", ""),
    ("pymongo", "srvMaxHosts", "3", ""),
    ("pymongo", "srvAllowedHostsSuffix", ".example.com", ""),
    ("pymongo", "timeoutMS", "10000", "timeout=10s"),
    ("pymongo", "serverMonitoringMode", "stream", ""),
    ("pymongo", "maxAdaptiveRetries", "2", ""),
    ("pymongo", "enableOverloadRetargeting", "true", ""),
    ("pymongo", "connect", "false", ""),
    ("pymongo", "fsync", "true", ""),
    ("pymongo", "minPoolSize", "10", ""),
    ("pymongo", "tz_aware", "true", ""),
    ("pymongo", "unicode_decode_error_handler", "replace", ""),
    ("pymongo", "uuidRepresentation", "standard", ""),
    ("pymongo", "waitQueueMultiple", "5", ""),
    ("pymongo", "waitQueueTimeoutMS", "10000", ""),
    ("pymongo", "datetime_conversion", "datetime_auto", ""),
    ("pymongo", "username", "app_user", "username=app_user"),
    ("pymongo", "password", "s3cr%2Ft", "password=s3cr%2Ft"),
    ("pymongo", "document_class", "bson.son.SON", ""),
    ("pymongo", "type_registry", "myapp.codecs.registry", ""),
    ("pymongo", "read_preference", "secondaryPreferred", ""),
    (
        "pymongo",
        "event_listeners",
        "myapp.monitoring.CommandLogger",
        "",
    ),
    ("pymongo", "tzinfo", "Europe/Berlin", ""),
    ("pymongo", "server_selector", "myapp.select_local", ""),
    ("pymongo", "auto_encryption_opts", "myapp.csfle.opts", ""),
    (
        "pymongo",
        "authOIDCAllowedHosts",
        "*.mongodb.net,localhost",
        "",
    ),
    ("pymongo", "max_adaptive_retries", "2", ""),
    ("pymongo", "enable_overload_retargeting", "true", ""),
    (
        "pymongo",
        "srv_host_validator",
        "myapp.validate_srv_host",
        "",
    ),
    ("pymongo", "driver", "orders-api", ""),
    ("pymongo", "server_api", "1", ""),
    // libpq
    ("libpq", "service", "appdb", "service=appdb"),
    ("libpq", "user", "app_user", "username=app_user"),
    ("libpq", "password", "s3cr%40t", "password=s3cr%40t"),
    ("libpq", "passfile", "/home/app/.pgpass", ""),
    ("libpq", "require_auth", "scram-sha-256", ""),
    ("libpq", "channel_binding", "require", ""),
    ("libpq", "connect_timeout", "5", "connect_timeout=5s"),
    ("libpq", "dbname", "appdb", ""),
    ("libpq", "host", "db1.example.com,db2.example.com", ""),
    ("libpq", "hostaddr", "10.0.0.5", ""),
    ("libpq", "port", "5432", ""),
    ("libpq", "client_encoding", "UTF8", ""),
    ("libpq", "options", "-c%20statement_timeout%3D5000", ""),
    (
        "libpq",
        "application_name",
        "orders-api",
        "app_name=orders-api",
    ),
    (
        "libpq",
        "fallback_application_name",
        "orders-api",
        "app_name=orders-api",
    ),
    ("libpq", "keepalives", "0", "tcp_keepalive=false"),
    ("libpq", "keepalives_idle", "30", "tcp_keepalive_idle=30s"),
    (
        "libpq",
        "keepalives_interval",
        "10",
        "tcp_keepalive_interval=10s",
    ),
    ("libpq", "keepalives_count", "5", "tcp_keepalive_count=5"),
    ("libpq", "tcp_user_timeout", "30000", "tcp_user_timeout=30s"),
    ("libpq", "sslmode", "require", "ssl_cert_reqs=CERT_NONE"),
    ("libpq", "sslnegotiation", "direct", ""),
    ("libpq", "sslcompression", "0", ""),
    (
        "libpq",
        "sslcert",
        "/home/app/.postgresql/postgresql.crt",
        "ssl_certfile=/home/app/.postgresql/postgresql.crt",
    ),
    (
        "libpq",
        "sslkey",
        "/home/app/.postgresql/postgresql.key",
        "ssl_keyfile=/home/app/.postgresql/postgresql.key",
    ),
    ("libpq", "sslcertmode", "require", ""),
    (
        "libpq",
        "sslpassword",
        "s3cr%40t",
        "ssl_pem_passphrase=s3cr%40t",
    ),
    (
        "libpq",
        "sslrootcert",
        "/etc/ssl/pg-root.crt",
        "ssl_ca_certs=/etc/ssl/pg-root.crt",
    ),
    (
        "libpq",
        "sslcrl",
        "/etc/ssl/pg-crl.pem",
        "ssl_crl_file=/etc/ssl/pg-crl.pem",
    ),
    (
        "libpq",
        "sslcrldir",
        "/etc/ssl/crl.d",
        "ssl_crl_dir=/etc/ssl/crl.d",
    ),
    ("libpq", "sslsni", "0", "ssl_sni=false"),
    ("libpq", "sslkeylogfile", "/tmp/pg-keys.log", ""),
    ("libpq", "requirepeer", "postgres", ""),
    (
        "libpq",
        "ssl_min_protocol_version",
        "TLSv1.3",
        "ssl_min_protocol_version=TLSv1.3",
    ),
    (
        "libpq",
        "ssl_max_protocol_version",
        "TLSv1.2",
        "ssl_max_protocol_version=TLSv1.2",
    ),
    ("libpq", "min_protocol_version", "3.2", ""),
    ("libpq", "max_protocol_version", "latest", ""),
    ("libpq", "gssencmode", "disable", ""),
    ("libpq", "krbsrvname", "postgres", ""),
    ("libpq", "gsslib", "gssapi", ""),
    ("libpq", "gssdelegation", "1", ""),
    ("libpq", "replication", "database", ""),
    ("libpq", "target_session_attrs", "read-write", ""),
    ("libpq", "load_balance_hosts", "random", "host_order=random"),
    ("libpq", "oauth_issuer", "https://auth.example.com", ""),
    ("libpq", "oauth_client_id", "pg-client", ""),
    ("libpq", "oauth_client_secret", "s3cr%40t", ""),
    ("libpq", "oauth_scope", "openid%20pg", ""),
    // crate-python
    ("crate-python", "servers", "https://crate1:4200", ""),
    ("crate-python", "timeout", "10", "timeout=10s"),
    (
        "crate-python",
        "backoff_factor",
        "0.1",
        "retry_backoff=100ms",
    ),
    (
        "crate-python",
        "verify_ssl_cert",
        "false",
        "ssl_cert_reqs=CERT_NONE",
    ),
    (
        "crate-python",
        "ca_cert",
        "/etc/ssl/crate-ca.pem",
        "ssl_ca_certs=/etc/ssl/crate-ca.pem",
    ),
    ("crate-python", "error_trace", "true", ""),
    (
        "crate-python",
        "cert_file",
        "/etc/ssl/client.crt",
        "ssl_certfile=/etc/ssl/client.crt",
    ),
    (
        "crate-python",
        "key_file",
        "/etc/ssl/client.key",
        "ssl_keyfile=/etc/ssl/client.key",
    ),
    ("crate-python", "ssl_relax_minimum_version", "true", ""),
    ("crate-python", "username", "crate", "username=crate"),
    ("crate-python", "password", "s3cr%40t", "password=s3cr%40t"),
    ("crate-python", "schema", "doc", "header.Default-Schema=doc"),
    ("crate-python", "pool_size", "10", "pool_size=10"),
    (
        "crate-python",
        "socket_keepalive",
        "false",
        "tcp_keepalive=false",
    ),
    (
        "crate-python",
        "socket_tcp_keepidle",
        "120",
        "tcp_keepalive_idle=2m",
    ),
    (
        "crate-python",
        "socket_tcp_keepintvl",
        "30",
        "tcp_keepalive_interval=30s",
    ),
    (
        "crate-python",
        "socket_tcp_keepcnt",
        "8",
        "tcp_keepalive_count=8",
    ),
    (
        "crate-python",
        "converter",
        "crate.client.converter.DefaultTypeConverter",
        "",
    ),
    ("crate-python", "time_zone", "%2B0530", ""),
    (
        "crate-python",
        "jwt_token",
        "eyJhbGciOiJSUzI1NiJ9.e30.sig",
        "token=eyJhbGciOiJSUzI1NiJ9.e30.sig",
    ),
    ("crate-python", "compress", "8192", "compress=8KiB"),
    // elasticsearch-py
    ("elasticsearch-py", "hosts", "https://es01:9200", ""),
    (
        "elasticsearch-py",
        "cloud_id",
        "prod:ZXUtd2VzdC0xLmF3cy5jbG91ZC5lcy5pbyRhYmMkZGVm",
        "",
    ),
    (
        "elasticsearch-py",
        "api_key",
        "VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw%3D%3D",
        "api_key=VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw%3D%3D",
    ),
    (
        "elasticsearch-py",
        "basic_auth",
        "elastic:s3cr3t",
        "username=elastic&password=s3cr3t",
    ),
    (
        "elasticsearch-py",
        "bearer_auth",
        "eyJhbGciOiJSUzI1NiJ9.e30.sig",
        "token=eyJhbGciOiJSUzI1NiJ9.e30.sig",
    ),
    (
        "elasticsearch-py",
        "opaque_id",
        "orders-api-42",
        "header.X-Opaque-Id=orders-api-42",
    ),
    ("elasticsearch-py", "server_mode", "serverless", ""),
    (
        "elasticsearch-py",
        "headers",
        "X-Team:%20data",
        "header.X-Team=data",
    ),
    (
        "elasticsearch-py",
        "connections_per_node",
        "10",
        "pool_size=10",
    ),
    ("elasticsearch-py", "http_compress", "true", "compress=true"),
    (
        "elasticsearch-py",
        "verify_certs",
        "false",
        "ssl_cert_reqs=CERT_NONE",
    ),
    (
        "elasticsearch-py",
        "ca_certs",
        "/etc/ssl/es-ca.pem",
        "ssl_ca_certs=/etc/ssl/es-ca.pem",
    ),
    (
        "elasticsearch-py",
        "client_cert",
        "/etc/ssl/client.crt",
        "ssl_certfile=/etc/ssl/client.crt",
    ),
    (
        "elasticsearch-py",
        "client_key",
        "/etc/ssl/client.key",
        "ssl_keyfile=/etc/ssl/client.key",
    ),
    (
        "elasticsearch-py",
        "ssl_assert_hostname",
        "es01.internal",
        "ssl_assert_hostname=es01.internal",
    ),
    (
        "elasticsearch-py",
        "ssl_assert_fingerprint",
        "8F:1C:3A:5B:7D:9E:0F:21:43:65:87:A9:CB:ED:10:32:54:76:98:BA:DC:FE:01:23:45:67:89:AB:CD:EF:12:D2",
        "ssl_assert_fingerprint=8F:1C:3A:5B:7D:9E:0F:21:43:65:87:A9:CB:ED:10:32:54:76:98:BA:DC:FE:01:23:45:67:89:AB:CD:EF:12:D2",
    ),
    (
        "elasticsearch-py",
        "ssl_version",
        "TLSv1_3",
        "ssl_min_protocol_version=TLSv1.3",
    ),
    ("elasticsearch-py", "ssl_context", "myapp.tls.context", ""),
    (
        "elasticsearch-py",
        "ssl_show_warn",
        "false",
        "ssl_show_warn=false",
    ),
    (
        "elasticsearch-py",
        "transport_class",
        "elastic_transport.Transport",
        "",
    ),
    ("elasticsearch-py", "request_timeout", "10", "timeout=10s"),
    ("elasticsearch-py", "node_class", "requests", ""),
    (
        "elasticsearch-py",
        "node_pool_class",
        "elastic_transport.NodePool",
        "",
    ),
    (
        "elasticsearch-py",
        "randomize_nodes_in_pool",
        "true",
        "host_order=random",
    ),
    (
        "elasticsearch-py",
        "node_selector_class",
        "random",
        "host_order=random",
    ),
    ("elasticsearch-py", "dead_node_backoff_factor", "1.0", ""),
    ("elasticsearch-py", "max_dead_node_backoff", "30", ""),
    (
        "elasticsearch-py",
        "serializer",
        "elastic_transport.JsonSerializer",
        "",
    ),
    (
        "elasticsearch-py",
        "serializers",
        "application/json:myapp.OrjsonSerializer",
        "",
    ),
    (
        "elasticsearch-py",
        "default_mimetype",
        "application/json",
        "",
    ),
    ("elasticsearch-py", "max_retries", "3", "max_retries=3"),
    (
        "elasticsearch-py",
        "retry_on_status",
        "429,503",
        "retry_on_status=429,503",
    ),
    (
        "elasticsearch-py",
        "retry_on_timeout",
        "false",
        "retry_on_timeout=false",
    ),
    (
        "elasticsearch-py",
        "retry_backoff_base",
        "0.5",
        "retry_backoff=250ms",
    ),
    (
        "elasticsearch-py",
        "retry_backoff_cap",
        "10",
        "retry_backoff_max=10s",
    ),
    (
        "elasticsearch-py",
        "sniff_on_start",
        "true",
        "discover=true",
    ),
    (
        "elasticsearch-py",
        "sniff_before_requests",
        "true",
        "discover=true",
    ),
    (
        "elasticsearch-py",
        "sniff_on_node_failure",
        "true",
        "discover=true",
    ),
    (
        "elasticsearch-py",
        "sniff_timeout",
        "0.5",
        "discover_timeout=500ms",
    ),
    (
        "elasticsearch-py",
        "min_delay_between_sniffing",
        "20",
        "discover_min_delay=20s",
    ),
    (
        "elasticsearch-py",
        "sniffed_node_callback",
        "myapp.filter_nodes",
        "",
    ),
    ("elasticsearch-py", "meta_header", "false", ""),
    (
        "elasticsearch-py",
        "http_auth",
        "elastic:s3cr3t",
        "username=elastic&password=s3cr3t",
    ),
    ("elasticsearch-py", "scheme", "https", ""),
    ("elasticsearch-py", "host", "es01", ""),
    ("elasticsearch-py", "port", "9200", ""),
    ("elasticsearch-py", "path_prefix", "/es", ""),
    ("elasticsearch-py", "sniff_callback", "myapp.sniff", ""),
    // couchbase
    ("couchbase", "security.trust_only_capella", "true", ""),
    (
        "couchbase",
        "security.trust_only_pem_file",
        "/etc/ssl/cb-ca.pem",
        "ssl_ca_certs=/etc/ssl/cb-ca.pem",
    ),
    (
        "couchbase",
        "security.trust_only_pem_str",
        "-----BEGIN%20CERTIFICATE-----%0AMIIBszCCAVmgAwIBAgIUfake%0A-----END%20CERTIFICATE-----%0A",
        "ssl_ca_certs=-----BEGIN%20CERTIFICATE-----%0AMIIBszCCAVmgAwIBAgIUfake%0A-----END%20CERTIFICATE-----%0A",
    ),
    (
        "couchbase",
        "security.trust_only_certificates",
        "-----BEGIN%20CERTIFICATE-----%0AMIIBtDCCAVqgAwIBAgIUfake%0A-----END%20CERTIFICATE-----%0A",
        "ssl_ca_certs=-----BEGIN%20CERTIFICATE-----%0AMIIBtDCCAVqgAwIBAgIUfake%0A-----END%20CERTIFICATE-----%0A",
    ),
    (
        "couchbase",
        "security.disable_server_certificate_verification",
        "true",
        "ssl_cert_reqs=CERT_NONE",
    ),
    (
        "couchbase",
        "timeout.connect_timeout",
        "2500ms",
        "connect_timeout=2.5s",
    ),
    ("couchbase", "timeout.query_timeout", "10m", "timeout=10m"),
    ("couchbase", "timeout.handle_request_timeout", "10s", ""),
    ("couchbase", "max_retries", "7", "max_retries=7"),
    (
        "couchbase",
        "username",
        "Administrator",
        "username=Administrator",
    ),
    ("couchbase", "password", "s3cr%40t", "password=s3cr%40t"),
    (
        "couchbase",
        "jwt_token",
        "eyJhbGciOiJSUzI1NiJ9.e30.sig",
        "token=eyJhbGciOiJSUzI1NiJ9.e30.sig",
    ),
    (
        "couchbase",
        "cert_path",
        "/etc/ssl/client.pem",
        "ssl_certfile=/etc/ssl/client.pem",
    ),
    (
        "couchbase",
        "key_path",
        "/etc/ssl/client.key",
        "ssl_keyfile=/etc/ssl/client.key",
    ),
    (
        "couchbase",
        "cert_password",
        "s3cr%40t",
        "ssl_pem_passphrase=s3cr%40t",
    ),
    (
        "couchbase",
        "deserializer",
        "couchbase_analytics.deserializer.DefaultJsonDeserializer",
        "",
    ),
];

/// The settings of `query` over a base URI; `context` carries what a
/// name needs beside it (a client key needs its certificate).
fn settings(base: &str, context: &str, query: &str) -> httpdb::Result<Settings> {
    Settings::from_uri(&format!("{base}{context}{query}"))
}

#[test]
fn every_peer_name_is_honoured_with_its_meaning_or_refused_with_a_reason() {
    let mut counts: Vec<(&str, usize, usize)> = Vec::new();
    let mut failures = Vec::new();
    for &(peer, name, value, expected) in PEER_NAMES {
        if counts.last().is_none_or(|(p, _, _)| *p != peer) {
            counts.push((peer, 0, 0));
        }
        let count = counts.last_mut().unwrap();
        let query = format!("{name}={value}");
        // A service is looked up in the service file: honoured, it says
        // which section it looked for (tests/it/config_sources.rs reads
        // one).
        // A password file that is not there gives nothing, as in libpq
        // (tests/it/config_sources.rs reads one).
        if name == "passfile" {
            count.1 += 1;
            if let Err(e) = Settings::from_uri(&format!("https://h/?{query}")) {
                failures.push(format!("{peer} {query}: {e}"));
            }
            continue;
        }
        if name == "service" {
            count.1 += 1;
            match Settings::from_uri(&format!("https://h/?{query}")) {
                Err(e) if e.to_string().contains(&format!("no section [{value}]")) => {}
                other => failures.push(format!("{peer} {query}: {other:?}")),
            }
            continue;
        }
        let base = if expected == "ssl=true" {
            "http://h/?"
        } else {
            "https://h/?"
        };
        let context =
            if expected.starts_with("ssl_keyfile") || expected.starts_with("ssl_pem_passphrase") {
                "ssl_certfile=/etc/ssl/client.pem&"
            } else {
                ""
            };
        let got = settings(base, context, &query);
        if expected.is_empty() {
            count.2 += 1;
            match got {
                Err(httpdb::Error::Config {
                    option, message, ..
                }) => {
                    let says = format!("option \"{name}\" ");
                    if option != name
                        || !message.contains(&says)
                        || !message.contains("is not honoured by httpdb: ")
                    {
                        failures.push(format!(
                            "{peer} {query}: refused without its reason: {message}"
                        ));
                    }
                    if message.contains("unknown option") {
                        failures.push(format!("{peer} {query}: unknown: {message}"));
                    }
                }
                Err(other) => failures.push(format!("{peer} {query}: {other}")),
                Ok(_) => failures.push(format!(
                    "{peer} {query}: accepted, but the table says refused"
                )),
            }
        } else {
            count.1 += 1;
            let want = settings(base, context, expected).expect(expected);
            match got {
                Ok(s) if s == want => {
                    // The name changes something: the value is not a default.
                    if s == settings(base, context, "").unwrap() {
                        failures.push(format!(
                            "{peer} {query}: no effect; pick a value that is not the default"
                        ));
                    }
                }
                Ok(s) => failures.push(format!(
                    "{peer} {query}: gives {} , not {expected}",
                    s.to_uri_with_secrets()
                )),
                Err(e) => failures.push(format!("{peer} {query}: {e}")),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} rows:\n{}",
        failures.len(),
        PEER_NAMES.len(),
        failures.join("\n")
    );
    // The counts the README and the closing note quote.
    let summary: Vec<String> = counts
        .iter()
        .map(|(peer, honoured, refused)| {
            format!("{peer}: {honoured} honoured, {refused} refused, 0 unknown")
        })
        .collect();
    println!("{}", summary.join("\n"));
    assert_eq!(PEER_NAMES.len(), 200);
}

/// Peers' value forms with the peer's meaning: crate-python's
/// `ssl_relax_minimum_version=false` (its default) is what httpdb does;
/// elasticsearch-py's `ssl_version` as Python's `ssl` names.
#[test]
fn peer_value_forms() {
    let base = Settings::from_uri("https://h/").unwrap();
    let relaxed = Settings::from_uri("https://h/?ssl_relax_minimum_version=false").unwrap();
    assert_eq!(relaxed, base);
    let error = Settings::from_uri("https://h/?ssl_relax_minimum_version=true").unwrap_err();
    assert!(
        error.to_string().contains("nothing older to relax to"),
        "{error}"
    );
    for (written, canonical) in [
        ("ssl.TLSVersion.TLSv1_3", "TLSv1.3"),
        ("TLSVersion.TLSv1_2", "TLSv1.2"),
        ("PROTOCOL_TLSv1_2", "TLSv1.2"),
        ("ssl.PROTOCOL_TLS_CLIENT", "TLSv1.2"),
        ("772", "TLSv1.3"),
        ("TLSVersion.MAXIMUM_SUPPORTED", "TLSv1.3"),
    ] {
        let got = Settings::from_uri(&format!("https://h/?ssl_version={written}")).unwrap();
        let want = Settings::from_uri(&format!("https://h/?ssl_min_protocol_version={canonical}"))
            .unwrap();
        assert_eq!(got, want, "{written}");
    }
    for refused in ["PROTOCOL_TLSv1_1", "TLSVersion.TLSv1", "PROTOCOL_SSLv23x"] {
        assert!(
            Settings::from_uri(&format!("https://h/?ssl_version={refused}")).is_err(),
            "{refused}"
        );
    }
}
