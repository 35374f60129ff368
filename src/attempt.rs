//! What a call did, attempt by attempt: the hosts it tried, on which
//! connection, how far each got, why it moved on, and how long each phase
//! took. Every [`Response`](crate::Response) and every
//! [`Error`](crate::Error) that ended a call carries its
//! [`Attempts`](crate::Attempts), a list of [`Attempt`](crate::Attempt)s
//! whose parts this module holds.
//!
//! ```no_run
//! let client = httpdb::Client::from_env("HTTPDB_URL")?;
//! let response = client.request(httpdb::Method::GET, "/").timings(true).send()?;
//! for attempt in response.attempts().iter() {
//!     println!(
//!         "{} {:?} {:?} first byte after {:?}{}",
//!         attempt.host,
//!         attempt.connection,
//!         attempt.reached,
//!         attempt.timings.and_then(|t| t.first_byte),
//!         attempt.error.as_ref().map(|e| format!(": {e}")).unwrap_or_default(),
//!     );
//! }
//! println!("{} retries, {} redirects, {:?} in all",
//!     response.attempts().retries(), response.attempts().redirects(), response.attempts().total());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Timings are read from the clock only when asked for (the `timings`
//! option, or [`Request::timings`](crate::Request::timings)); the rest is
//! always there. A successful call's list is put together when it is
//! first looked at: until then nothing is allocated for it.
//!
//! Nothing here holds a secret: hosts are `host:port`, errors are scrubbed
//! as every error is, and the heads kept for
//! [`Request::keep_heads`](crate::Request::keep_heads) have their
//! credentials masked.

use std::time::Duration;

/// When an attempt began, and when each of its phases ended, measured from
/// the attempt's start (as curl's `time_*` are from the transfer's): each
/// is at least the one before it. `None` for a phase the attempt did not go through: a pooled
/// connection has no connect and no handshake.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Timings {
    /// When the attempt began, after the call's start.
    pub began: Duration,
    /// The host name was resolved (curl's `time_namelookup`).
    pub name_lookup: Option<Duration>,
    /// The TCP connection was made (`time_connect`).
    pub connect: Option<Duration>,
    /// The TLS handshake was done (`time_appconnect`).
    pub tls_handshake: Option<Duration>,
    /// The last byte of the request was handed to the socket.
    pub request_sent: Option<Duration>,
    /// The first byte of the answer arrived (`time_starttransfer`).
    pub first_byte: Option<Duration>,
    /// The attempt ended: its answer's head arrived, or it failed.
    pub total: Duration,
}

/// The connection an attempt used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Connection {
    /// Opened for this attempt.
    New,
    /// Taken from the pool, opened by an earlier request.
    Pooled,
    /// None was had: the name did not resolve, the connect or the
    /// handshake failed.
    None,
}

/// How far an attempt got, in the order the phases happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Phase {
    /// Nothing finished: the name lookup failed or ran out of time.
    Started,
    /// The host name was resolved.
    Resolved,
    /// The TCP connection (through any proxy) was made.
    Connected,
    /// The TLS handshake was done.
    Secured,
    /// Bytes of the request went out.
    Sent,
    /// The answer's status and headers arrived.
    Answered,
}

/// The TLS session of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct TlsInfo {
    /// `TLSv1.3` or `TLSv1.2`.
    pub version: &'static str,
    /// As IANA names it, such as `TLS13_AES_256_GCM_SHA384`.
    pub cipher_suite: &'static str,
}

/// The heads of one attempt, as they went over the wire, credentials
/// masked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Heads {
    /// The request line and header fields, each line ending in CRLF, and
    /// the empty line.
    pub request: String,
    /// The request head's length as written: what of
    /// [`Attempt::sent`](crate::Attempt::sent) was not body (the masked text may be shorter).
    pub request_length: u64,
    /// The answers' heads: interim (1xx) ones first, then the final one.
    pub responses: Vec<String>,
}

/// A TLS session as the handshake left it: told as a [`TlsInfo`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Session {
    pub version: rustls::ProtocolVersion,
    pub suite: rustls::CipherSuite,
}

impl Session {
    pub(crate) fn info(self) -> TlsInfo {
        TlsInfo {
            version: match self.version {
                rustls::ProtocolVersion::TLSv1_3 => "TLSv1.3",
                rustls::ProtocolVersion::TLSv1_2 => "TLSv1.2",
                _ => "TLS",
            },
            cipher_suite: self.suite.as_str().unwrap_or("unknown"),
        }
    }
}
