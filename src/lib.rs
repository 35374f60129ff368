//! httpdb: a blocking driver for databases and services that speak HTTP(S),
//! whose whole connection comes from one URI.
//!
//! ```
//! let settings: httpdb::Settings =
//!     "https://admin:pw@db1:4200,db2:4200/?ssl_cert_reqs=CERT_REQUIRED&tlsCAFile=/etc/db/ca.pem"
//!         .parse()?;
//! assert_eq!(settings.hosts().len(), 2);
//! # Ok::<(), httpdb::Error>(())
//! ```
//!
//! The user guide follows: it is README.md, included here whole (so its
//! Rust examples are compiled as doctests and cannot drift from the code).
//!
#![doc = include_str!("../README.md")]
#![warn(missing_docs)]
// Sockets, TLS and PEM all go through safe APIs (socket2, rustls, std).
#![forbid(unsafe_code)]
// `Settings::to_json` is one `json!` document of every field.
#![recursion_limit = "256"]

pub mod attempt;
pub mod check;
mod client;
pub mod discovery;
mod error;
mod escape;
mod secret;
mod server_info;
mod settings;
mod small_file;
mod tls;
mod transport;
mod units;

pub use check::{Report, check};
pub use client::{
    Client, ClientBuilder, Lines, LiveHost, Method, READS, ReadEndpoint, Replay, Request, Response,
    status_text,
};
pub use error::{Attempt, Attempts, BoxError, Error, Result, TimeoutPhase, TlsErrorKind};
/// The rustls version httpdb runs on, for [`Client::tls_config`].
pub use rustls;
pub use secret::Secret;
pub use server_info::ServerInfo;
pub use settings::builder::SettingsBuilder;
pub use settings::options::names::is_secret_header;
pub use settings::{
    CaCerts, CertReqs, DEFAULT_CONNECT_TIMEOUT, DEFAULT_DISCOVER_INTERVAL,
    DEFAULT_DISCOVER_MIN_DELAY, DEFAULT_DISCOVER_TIMEOUT, DEFAULT_MAX_BODY_SIZE,
    DEFAULT_POOL_IDLE_TIMEOUT, DEFAULT_POOL_SIZE, DEFAULT_READ_TIMEOUT, DEFAULT_RETRY_BACKOFF_MAX,
    DEFAULT_RETRY_INTERVAL, DEFAULT_RETRY_ON_STATUS, DEFAULT_TCP_KEEPALIVE_TIME, DEFAULT_TIMEOUT,
    Fingerprint, Host, HostOrder, Product, ProxyChoice, ProxyRoute, ProxyScheme, ProxyUrl,
    Settings, Source, TlsVersion,
};
/// The ureq version httpdb runs on, for [`Client::agent`] and
/// [`Settings::agent`].
pub use ureq;
