//! The value types of [`super::Settings`]: how much a certificate is
//! checked, where trusted CAs come from, host order, hosts.

use std::fmt;
use std::path::PathBuf;

/// How much the server's certificate is checked (Python's `ssl_cert_reqs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CertReqs {
    /// No verification at all: any certificate is accepted. Handshake
    /// signatures are still checked.
    None,
    /// As in Python's `ssl` module in client mode: the same as
    /// [`CertReqs::Required`]. A client cannot make verification optional.
    Optional,
    /// Full verification of the chain (and, with `ssl_match_hostname`, the name).
    Required,
}

impl CertReqs {
    /// `Required` when `verify` is true, else `None`.
    pub fn verify(verify: bool) -> Self {
        if verify {
            CertReqs::Required
        } else {
            CertReqs::None
        }
    }

    /// The name as written in a URI: `CERT_NONE`, `CERT_OPTIONAL`, `CERT_REQUIRED`.
    pub fn as_str(self) -> &'static str {
        match self {
            CertReqs::None => "CERT_NONE",
            CertReqs::Optional => "CERT_OPTIONAL",
            CertReqs::Required => "CERT_REQUIRED",
        }
    }

    /// True unless this is [`CertReqs::None`].
    pub fn verifies(self) -> bool {
        self != CertReqs::None
    }
}

impl fmt::Display for CertReqs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where trusted CA certificates come from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CaCerts {
    /// The operating system's trust store (honouring `SSL_CERT_FILE` and
    /// `SSL_CERT_DIR`), or Mozilla's roots when that store is empty.
    System,
    /// Exactly the certificates in this PEM file, and nothing else.
    File(PathBuf),
    /// Exactly the certificates in this PEM text (Couchbase's
    /// `security.trust_only_pem_str`), for containers that pass CAs in
    /// environment variables rather than files.
    Pem(String),
}

/// In which order hosts are tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HostOrder {
    /// Spread requests over the live hosts in turn.
    RoundRobin,
    /// Always start with the first live host in URI order.
    Ordered,
    /// Each request tries the live hosts in a random order (libpq's
    /// `load_balance_hosts=random`).
    Random,
}

impl HostOrder {
    /// The name as written in a URI: `round_robin` or `ordered`.
    pub fn as_str(self) -> &'static str {
        match self {
            HostOrder::RoundRobin => "round_robin",
            HostOrder::Ordered => "ordered",
            HostOrder::Random => "random",
        }
    }
}

/// The database or service behind the URI, when the user names it
/// (`product=`) or `server_info` found it out: it decides which POST
/// endpoints are known reads, and the switches that make a request unable
/// to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Product {
    /// CrateDB.
    CrateDb,
    /// Elasticsearch.
    Elasticsearch,
    /// OpenSearch.
    OpenSearch,
    /// CouchDB, and pouchdb-server, which speaks its API.
    CouchDb,
    /// etcd's JSON gateway.
    Etcd,
    /// ClickHouse's HTTP interface.
    ClickHouse,
    /// InfluxDB 1.x.
    InfluxDb,
    /// Prometheus' HTTP API.
    Prometheus,
    /// Couchbase's Analytics service.
    CouchbaseAnalytics,
}

impl Product {
    /// Every product, in the order of the README.
    pub const ALL: &[Product] = &[
        Product::CrateDb,
        Product::Elasticsearch,
        Product::OpenSearch,
        Product::CouchDb,
        Product::Etcd,
        Product::ClickHouse,
        Product::InfluxDb,
        Product::Prometheus,
        Product::CouchbaseAnalytics,
    ];

    /// The name as written in a URI (`product=clickhouse`).
    pub fn as_str(self) -> &'static str {
        match self {
            Product::CrateDb => "cratedb",
            Product::Elasticsearch => "elasticsearch",
            Product::OpenSearch => "opensearch",
            Product::CouchDb => "couchdb",
            Product::Etcd => "etcd",
            Product::ClickHouse => "clickhouse",
            Product::InfluxDb => "influxdb",
            Product::Prometheus => "prometheus",
            Product::CouchbaseAnalytics => "couchbase_analytics",
        }
    }

    /// The product of a name, as a URI writes it or as `server_info`
    /// reports it (`CouchDB`, `pouchdb-server`), in any case.
    pub fn from_name(name: &str) -> Option<Product> {
        let name = name.to_ascii_lowercase();
        let name = match name.as_str() {
            "pouchdb-server" => "couchdb",
            "couchbase-analytics" | "analytics" => "couchbase_analytics",
            other => other,
        };
        Product::ALL.iter().copied().find(|p| p.as_str() == name)
    }
}

impl fmt::Display for Product {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One server: a name (DNS name, IPv4 or IPv6 address without brackets) and a port.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Host {
    /// The name or address.
    pub name: String,
    /// The TCP port.
    pub port: u16,
}

impl Host {
    /// A host by name (DNS name, or IP address without brackets) and port.
    ///
    /// ```
    /// let h = httpdb::Host::new("::1", 4200);
    /// assert_eq!(h.to_string(), "[::1]:4200");
    /// ```
    pub fn new(name: impl Into<String>, port: u16) -> Host {
        Host {
            name: name.into(),
            port,
        }
    }
}

impl fmt::Display for Host {
    /// `name:port`, with IPv6 addresses in brackets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.name.contains(':') {
            write!(f, "[{}]:{}", self.name, self.port)
        } else {
            write!(f, "{}:{}", self.name, self.port)
        }
    }
}

/// A TLS protocol version httpdb speaks (rustls speaks no older one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum TlsVersion {
    /// TLS 1.2.
    Tls12,
    /// TLS 1.3.
    Tls13,
}

impl TlsVersion {
    /// `TLSv1.2` or `TLSv1.3`, as libpq writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            TlsVersion::Tls12 => "TLSv1.2",
            TlsVersion::Tls13 => "TLSv1.3",
        }
    }
}

impl fmt::Display for TlsVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The SHA-256 fingerprint of a certificate, for pinning
/// (`ssl_assert_fingerprint`).
///
/// Parsed from 64 hex digits, with or without colons, in any case; shown
/// as upper-case pairs joined by colons, as `openssl x509 -fingerprint`
/// and Elasticsearch print it.
///
/// ```
/// let f: httpdb::Fingerprint = "ab".repeat(32).parse()?;
/// assert!(f.to_string().starts_with("AB:AB:"));
/// # Ok::<(), httpdb::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint(pub [u8; 32]);

impl Fingerprint {
    /// The fingerprint of a DER-encoded certificate.
    pub fn of(der: &[u8]) -> Fingerprint {
        let digest = ring::digest::digest(&ring::digest::SHA256, der);
        let mut bytes = [0u8; 32];
        bytes.copy_from_slice(digest.as_ref());
        Fingerprint(bytes)
    }
}

impl std::str::FromStr for Fingerprint {
    type Err = crate::Error;

    /// 64 hex digits, colons (or spaces) between pairs allowed.
    fn from_str(text: &str) -> crate::Result<Fingerprint> {
        let digits: Vec<u8> = text.bytes().filter(|b| !matches!(b, b':' | b' ')).collect();
        let why = match digits.len() {
            _ if !digits.iter().all(u8::is_ascii_hexdigit) => " (not hex digits)",
            64 => "",
            32 => " (an MD5 fingerprint; only SHA-256 is accepted)",
            40 => " (a SHA-1 fingerprint; only SHA-256 is accepted)",
            _ => " (not 64 hex digits)",
        };
        if !why.is_empty() {
            return Err(crate::settings::options::check::settings_error(
                "ssl_assert_fingerprint",
                text,
                why,
            ));
        }
        let mut bytes = [0u8; 32];
        for (byte, pair) in bytes.iter_mut().zip(digits.chunks(2)) {
            let hex = std::str::from_utf8(pair).unwrap_or("00");
            *byte = u8::from_str_radix(hex, 16).unwrap_or(0);
        }
        Ok(Fingerprint(bytes))
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, byte) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(":")?;
            }
            write!(f, "{byte:02X}")?;
        }
        Ok(())
    }
}
