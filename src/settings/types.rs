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
}

/// In which order hosts are tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HostOrder {
    /// Spread requests over the live hosts in turn.
    RoundRobin,
    /// Always start with the first live host in URI order.
    Ordered,
}

impl HostOrder {
    /// The name as written in a URI: `round_robin` or `ordered`.
    pub fn as_str(self) -> &'static str {
        match self {
            HostOrder::RoundRobin => "round_robin",
            HostOrder::Ordered => "ordered",
        }
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
