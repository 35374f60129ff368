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
    "retryReads", "pymongo", "idempotent requests always move on to another host as the failover rules say (README, \"Clusters and failover\"); there is nothing to switch";
    "retryWrites", "pymongo", "httpdb never resends a write; see README, \"Clusters and failover\"";
    "maxAdaptiveRetries", "pymongo", "httpdb has no adaptive retries: max_retries bounds the moves to other hosts";
    "enableOverloadRetargeting", "pymongo", "httpdb moves idempotent requests on after a 502, 503 or 504 answer; there is nothing to switch";
    "compressors", "pymongo", "compression is not supported yet";
    "zlibCompressionLevel", "pymongo", "compression is not supported yet";
    "sslcertmode", "libpq", "a configured client certificate is always offered (ssl_certfile); sslcertmode is not supported yet";
    "sslcompression", "libpq", "TLS compression is insecure (CRIME) and rustls never does it";
    "keepalives", "libpq", "TCP keep-alive settings are not supported yet";
    "keepalives_idle", "libpq", "TCP keep-alive settings are not supported yet";
    "keepalives_interval", "libpq", "TCP keep-alive settings are not supported yet";
    "keepalives_count", "libpq", "TCP keep-alive settings are not supported yet";
    "tcp_user_timeout", "libpq", "TCP user timeouts are not supported yet; read_timeout bounds each silence";
    "load_balance_hosts", "libpq", "httpdb orders hosts with host_order (round_robin or ordered), not at random";
    "ssl_relax_minimum_version", "crate-python", "httpdb speaks TLS 1.2 and 1.3 only (rustls); there is nothing older to relax to";
    "backoff_factor", "crate-python", "httpdb does not wait between moves to other hosts; a backoff is not supported yet";
    "socket_keepalive", "crate-python", "TCP keep-alive settings are not supported yet";
    "socket_tcp_keepidle", "crate-python", "TCP keep-alive settings are not supported yet";
    "socket_tcp_keepintvl", "crate-python", "TCP keep-alive settings are not supported yet";
    "socket_tcp_keepcnt", "crate-python", "TCP keep-alive settings are not supported yet";
    "compress", "crate-python", "compression is not supported yet";
    "ssl_show_warn", "elasticsearch-py", "httpdb's warnings go through the log facade; filter them there";
    "http_compress", "elasticsearch-py", "compression is not supported yet";
    "retry_on_status", "elasticsearch-py", "which statuses move on is fixed (502, 503, 504, idempotent requests only); not configurable yet";
    "retry_on_timeout", "elasticsearch-py", "whether a timeout moves on is fixed (idempotent requests only); not configurable yet";
    "retry_backoff_base", "elasticsearch-py", "httpdb does not wait between moves to other hosts; a backoff is not supported yet";
    "retry_backoff_cap", "elasticsearch-py", "httpdb does not wait between moves to other hosts; a backoff is not supported yet";
    "dead_node_backoff_factor", "elasticsearch-py", "a dead host is skipped for retry_interval, without growing backoff";
    "max_dead_node_backoff", "elasticsearch-py", "a dead host is skipped for retry_interval, without growing backoff";
    "randomize_nodes_in_pool", "elasticsearch-py", "httpdb orders hosts with host_order (round_robin or ordered), not at random";
    "node_selector_class", "elasticsearch-py", "a Python class cannot be named here; host_order chooses round_robin or ordered";
    "security.trust_only_capella", "Couchbase", "Capella's root certificate is bundled by the Couchbase SDKs, not by httpdb; pass it with ssl_ca_certs";
};

/// The known, refused name `key` (case-insensitive), if it is one.
pub(crate) fn lookup(key: &str) -> Option<&'static Unsupported> {
    UNSUPPORTED
        .iter()
        .find(|u| u.name.eq_ignore_ascii_case(key))
}
