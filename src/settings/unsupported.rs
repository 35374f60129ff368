//! Option names of the peer drivers (pymongo, libpq, crate-python,
//! elasticsearch-py, the Couchbase SDKs) that httpdb knows but does not
//! honour, each with the reason in httpdb's terms. A URI that carries one
//! gets that reason, never "unknown option", and never a "did you mean"
//! that points at an option with another meaning (`tlsCRLFile` is not
//! `tlsCAFile`, `minPoolSize` is not `maxPoolSize`).

/// One known name: the peer it comes from, and why httpdb does not take it.
pub(crate) struct Unsupported {
    pub name: &'static str,
    pub peer: &'static str,
    pub reason: &'static str,
}

macro_rules! unsupported {
    ($($name:literal, $peer:literal, $reason:expr;)*) => {
        &[$(Unsupported { name: $name, peer: $peer, reason: $reason }),*]
    };
}

/// Every known name that is refused, with its reason.
pub(crate) const UNSUPPORTED: &[Unsupported] = unsupported! {
    "tlsDisableOCSPEndpointCheck", "pymongo", "httpdb never queries OCSP responders, so there is nothing to turn off; remove the option";
    "serverSelectionTimeoutMS", "pymongo", "httpdb selects no server: connect_timeout bounds each connect and timeout the whole call, failover included";
    "minPoolSize", "pymongo", "httpdb keeps no minimum of idle connections; pool_size (maxPoolSize) is the most it keeps";
    "maxConnecting", "pymongo", "httpdb opens connections as requests need them; it has no limit on connections being opened";
    "waitQueueTimeoutMS", "pymongo", "requests never wait for a pooled connection: a new one is opened";
    "retryWrites", "pymongo", "httpdb never resends a write; see README, \"Clusters and failover\"";
    "maxAdaptiveRetries", "pymongo", "httpdb has no adaptive retries: max_retries bounds the moves to other hosts";
    "enableOverloadRetargeting", "pymongo", "httpdb moves idempotent requests on after a 502, 503 or 504 answer; there is nothing to switch";
    "sslcertmode", "libpq", "httpdb offers the client certificate of ssl_certfile whenever the server asks, which is libpq's default (allow); leave sslcertmode out, or leave ssl_certfile out for disable";
    "sslcompression", "libpq", "TLS compression is insecure (CRIME) and rustls never does it";
    "dead_node_backoff_factor", "elasticsearch-py", "a dead host is skipped for retry_interval, without growing backoff";
    "max_dead_node_backoff", "elasticsearch-py", "a dead host is skipped for retry_interval, without growing backoff";
    "security.trust_only_capella", "Couchbase", "Capella's root certificate is bundled by the Couchbase SDKs, not by httpdb; pass it with ssl_ca_certs";
    // pymongo
    "authMechanism", "pymongo", "a MongoDB authentication setting with no HTTP counterpart; httpdb sends Basic auth (user:password@ in the URI) or a bearer token (token=...)";
    "authMechanismProperties", "pymongo", "a MongoDB authentication setting with no HTTP counterpart; httpdb sends Basic auth (user:password@ in the URI) or a bearer token (token=...)";
    "authSource", "pymongo", "a MongoDB setting with no HTTP counterpart; httpdb sends user:password@ from the URI as Basic auth";
    "directConnection", "pymongo", "a MongoDB topology setting with no HTTP counterpart; httpdb talks to exactly the hosts in the URI";
    "heartbeatFrequencyMS", "pymongo", "httpdb does not monitor servers in the background; a failed host is skipped for retry_interval";
    "journal", "pymongo", "a MongoDB write concern with no HTTP counterpart; httpdb speaks HTTP to the server";
    "loadBalanced", "pymongo", "a MongoDB setting with no HTTP counterpart; behind a load balancer, give its address as the URI's only host";
    "localThresholdMS", "pymongo", "httpdb does not choose hosts by latency; host_order chooses round_robin or ordered";
    "maxStalenessSeconds", "pymongo", "a MongoDB read preference with no HTTP counterpart; httpdb speaks HTTP to the server";
    "readConcernLevel", "pymongo", "a MongoDB read concern with no HTTP counterpart; httpdb speaks HTTP to the server";
    "readPreference", "pymongo", "a MongoDB setting with no HTTP counterpart; httpdb knows no replica roles: host_order chooses round_robin or ordered";
    "readPreferenceTags", "pymongo", "a MongoDB setting with no HTTP counterpart; httpdb knows no replica roles: host_order chooses round_robin or ordered";
    "replicaSet", "pymongo", "a MongoDB setting with no HTTP counterpart; list the members in the URI's authority: https://host1:port,host2:port";
    "w", "pymongo", "a MongoDB write concern with no HTTP counterpart; httpdb speaks HTTP to the server";
    "wTimeoutMS", "pymongo", "a MongoDB write-concern timeout with no HTTP counterpart; timeout bounds the whole call";
    "srvServiceName", "pymongo", "httpdb does not look up DNS SRV records (mongodb+srv://): list every host in the URI";
    "srvMaxHosts", "pymongo", "httpdb does not look up DNS SRV records (mongodb+srv://): list every host in the URI";
    "srvAllowedHostsSuffix", "pymongo", "httpdb does not look up DNS SRV records (mongodb+srv://): list every host in the URI";
    "serverMonitoringMode", "pymongo", "httpdb does not monitor servers in the background; a failed host is skipped for retry_interval";
    "connect", "pymongo", "httpdb always connects on demand, at the first request; there is nothing to switch";
    "fsync", "pymongo", "a MongoDB write concern with no HTTP counterpart; httpdb speaks HTTP to the server";
    "tz_aware", "pymongo", "a BSON decoding setting with no HTTP counterpart; httpdb hands back the body as the server sent it (bytes, text or JSON)";
    "unicode_decode_error_handler", "pymongo", "a BSON decoding setting with no HTTP counterpart; httpdb hands back the body as the server sent it (bytes, text or JSON)";
    "uuidRepresentation", "pymongo", "a BSON decoding setting with no HTTP counterpart; httpdb hands back the body as the server sent it (bytes, text or JSON)";
    "waitQueueMultiple", "pymongo", "requests never wait for a pooled connection: a new one is opened";
    "datetime_conversion", "pymongo", "a BSON decoding setting with no HTTP counterpart; httpdb hands back the body as the server sent it (bytes, text or JSON)";
    "document_class", "pymongo", "a Python object cannot be given in a URI; httpdb hands back the body as the server sent it (bytes, text or JSON)";
    "type_registry", "pymongo", "a Python object cannot be given in a URI; httpdb decodes no BSON: it hands back the body as the server sent it";
    "read_preference", "pymongo", "a Python object cannot be given in a URI; httpdb knows no replica roles: host_order chooses round_robin or ordered";
    "event_listeners", "pymongo", "a Python object cannot be given in a URI; httpdb reports attempts and moves to other hosts through the log facade";
    "tzinfo", "pymongo", "a Python object cannot be given in a URI; httpdb decodes no BSON datetimes: it hands back the body as the server sent it";
    "server_selector", "pymongo", "a Python object cannot be given in a URI; host_order chooses round_robin or ordered";
    "auto_encryption_opts", "pymongo", "a Python object cannot be given in a URI; MongoDB client-side field-level encryption has no httpdb counterpart";
    "authOIDCAllowedHosts", "pymongo", "httpdb does not fetch tokens: pass a ready token with token=...";
    "max_adaptive_retries", "pymongo", "httpdb has no adaptive retries: max_retries bounds the moves to other hosts";
    "enable_overload_retargeting", "pymongo", "httpdb moves idempotent requests on after a 502, 503 or 504 answer; there is nothing to switch";
    "srv_host_validator", "pymongo", "a Python object cannot be given in a URI; httpdb does not look up DNS SRV records (mongodb+srv://): list every host in the URI";
    "driver", "pymongo", "a Python object cannot be given in a URI; app_name puts your application's name first in User-Agent";
    "server_api", "pymongo", "a Python object cannot be given in a URI; MongoDB's Stable API has no HTTP counterpart";
    // libpq
    "require_auth", "libpq", "httpdb negotiates no authentication method: it sends what it is given (user:password@ as Basic auth, token=, api_key=)";
    "channel_binding", "libpq", "a PostgreSQL (SCRAM) setting with no HTTP counterpart; httpdb speaks HTTP to the server";
    "dbname", "libpq", "a PostgreSQL setting with no HTTP counterpart; a database the server exposes over HTTP goes in the request path or the URI's base path";
    "host", "libpq, elasticsearch-py", "hosts and ports go in the URI's authority: https://host1:port,host2:port";
    "hostaddr", "libpq", "httpdb resolves host names itself; to skip DNS, write the IP address as the host (ssl_assert_hostname=NAME checks the certificate for NAME)";
    "port", "libpq, elasticsearch-py", "hosts and ports go in the URI's authority: https://host1:port,host2:port";
    "client_encoding", "libpq", "a PostgreSQL setting with no HTTP counterpart; httpdb sends and returns bodies as bytes";
    "options", "libpq", "a PostgreSQL setting with no HTTP counterpart; httpdb speaks HTTP to the server";
    "sslnegotiation", "libpq", "HTTPS always starts with the TLS handshake (what libpq calls direct); there is nothing to choose";
    "sslkeylogfile", "libpq", "httpdb writes no TLS key log";
    "requirepeer", "libpq", "a Unix-socket peer check with no HTTP counterpart; httpdb connects over TCP";
    "min_protocol_version", "libpq", "the PostgreSQL wire-protocol version has no HTTP counterpart; the oldest TLS version is ssl_min_protocol_version";
    "max_protocol_version", "libpq", "the PostgreSQL wire-protocol version has no HTTP counterpart; the newest TLS version is ssl_max_protocol_version";
    "gssencmode", "libpq", "a PostgreSQL setting with no HTTP counterpart; httpdb encrypts with TLS only (https://)";
    "krbsrvname", "libpq", "httpdb has no Kerberos (GSSAPI) authentication; use Basic auth (user:password@ in the URI) or a bearer token (token=...)";
    "gsslib", "libpq", "httpdb has no Kerberos (GSSAPI) authentication; use Basic auth (user:password@ in the URI) or a bearer token (token=...)";
    "gssdelegation", "libpq", "httpdb has no Kerberos (GSSAPI) authentication; use Basic auth (user:password@ in the URI) or a bearer token (token=...)";
    "replication", "libpq", "a PostgreSQL setting with no HTTP counterpart; httpdb speaks HTTP to the server";
    "target_session_attrs", "libpq", "httpdb does not tell primaries from standbys; host_order=ordered tries the hosts in the URI's order";
    "oauth_issuer", "libpq", "httpdb does not fetch tokens: pass a ready token with token=...";
    "oauth_client_id", "libpq", "httpdb does not fetch tokens: pass a ready token with token=...";
    "oauth_client_secret", "libpq", "httpdb does not fetch tokens: pass a ready token with token=...";
    "oauth_scope", "libpq", "httpdb does not fetch tokens: pass a ready token with token=...";
    // crate-python
    "servers", "crate-python", "hosts and ports go in the URI's authority: https://host1:port,host2:port";
    "error_trace", "crate-python", "httpdb adds no query parameters of its own; add error_trace=true to the request's own query (Request::query)";
    "converter", "crate-python", "a Python object cannot be given in a URI; httpdb hands back the body as the server sent it (bytes, text or JSON)";
    "time_zone", "crate-python", "httpdb converts no result values: it hands back the body as the server sent it (bytes, text or JSON)";
    // elasticsearch-py
    "hosts", "elasticsearch-py", "hosts and ports go in the URI's authority: https://host1:port,host2:port";
    "cloud_id", "elasticsearch-py", "httpdb does not decode Elastic Cloud IDs: write the deployment's https endpoint (shown in the Cloud console) as the URI";
    "server_mode", "elasticsearch-py", "httpdb speaks the same HTTP to Elasticsearch stack and serverless; there is nothing to switch";
    "ssl_context", "elasticsearch-py", "a Python object cannot be given in a URI; set TLS with the ssl_* options (ssl_ca_certs, ssl_certfile, ssl_min_protocol_version, ...)";
    "transport_class", "elasticsearch-py", "a Python object cannot be given in a URI; httpdb has one transport";
    "node_class", "elasticsearch-py", "httpdb has one HTTP engine (ureq over rustls); there is no backend to choose";
    "node_pool_class", "elasticsearch-py", "a Python object cannot be given in a URI; host_order chooses round_robin or ordered, and a dead host is skipped for retry_interval";
    "serializer", "elasticsearch-py", "a Python object cannot be given in a URI; httpdb sends the body as given and hands it back as the server sent it (bytes, text or JSON)";
    "serializers", "elasticsearch-py", "a Python object cannot be given in a URI; httpdb sends the body as given and hands it back as the server sent it (bytes, text or JSON)";
    "default_mimetype", "elasticsearch-py", "httpdb sets no default Content-Type; set it per request, or for every request with header.Content-Type=application/json";
    "sniffed_node_callback", "elasticsearch-py", "a Python object cannot be given in a URI; httpdb reports what discovery found in `httpdb check` and `Client::discover`";
    "meta_header", "elasticsearch-py", "httpdb sends no X-Elastic-Client-Meta header; there is nothing to turn off";
    "scheme", "elasticsearch-py", "the scheme is the URI's own: https:// for TLS, http:// for plain text";
    "path_prefix", "elasticsearch-py", "the base path goes in the URI's path: https://host:port/prefix";
    "sniff_callback", "elasticsearch-py", "a Python object cannot be given in a URI; httpdb reports what discovery found in `httpdb check` and `Client::discover`";
    // Couchbase
    "timeout.handle_request_timeout", "Couchbase", "httpdb has no server-async query handles; timeout bounds each whole call and read_timeout each silence";
    "deserializer", "Couchbase", "a Python object cannot be given in a URI; httpdb hands back the body as the server sent it (bytes, text or JSON)";
};

/// The known, refused name `key` (case-insensitive), if it is one.
pub(crate) fn lookup(key: &str) -> Option<&'static Unsupported> {
    UNSUPPORTED
        .iter()
        .find(|u| u.name.eq_ignore_ascii_case(key))
}
