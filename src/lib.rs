//! httpdb: a blocking driver for databases and services that speak HTTP(S),
//! whose whole connection comes from one URI.
//!
//! ```
//! let settings = httpdb::Settings::from_uri(
//!     "https://admin:pw@db1:4200,db2:4200/?ssl_cert_reqs=CERT_REQUIRED&tlsCAFile=/etc/db/ca.pem",
//! )?;
//! assert_eq!(settings.hosts().len(), 2);
//! # Ok::<(), httpdb::Error>(())
//! ```
//!
//! # Logging
//!
//! httpdb logs through the `log` facade: retries at info level, each
//! attempt at debug. Its own records never hold a secret, and the
//! `Authorization` header is marked sensitive, so the engine's debug log
//! of request headers shows `Sensitive`. One exception to know about: at
//! **trace** level, the engine's `ureq_proto` target dumps the raw bytes of
//! every request, headers included. Do not enable trace for `ureq_proto`
//! where credentials matter (the `httpdb` CLI drops those records).
#![warn(missing_docs)]

mod builder;
pub mod check;
mod client;
mod duration;
mod error;
mod failure;
mod hosts;
mod options;
mod secret;
mod server_info;
mod settings;
mod tls;
mod transport;
mod uri;

pub use builder::SettingsBuilder;
pub use check::{Report, check};
pub use client::{Client, Lines, Method, Request, Response, status_text};
pub use error::{BoxError, Error, Result, TimeoutPhase, TlsErrorKind};
pub use secret::Secret;
pub use server_info::ServerInfo;
pub use settings::{
    CaCerts, CertReqs, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_BODY_SIZE, DEFAULT_POOL_IDLE_TIMEOUT,
    DEFAULT_POOL_SIZE, DEFAULT_READ_TIMEOUT, DEFAULT_RETRY_INTERVAL, DEFAULT_TIMEOUT, Host,
    HostOrder, Settings,
};
