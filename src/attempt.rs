//! What a call did, attempt by attempt: the hosts it tried, on which
//! connection, how far each got, why it moved on, and how long each phase
//! took. Every [`Response`](crate::Response) and every [`Error`] that ended
//! a call carries its [`Attempts`].
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

use std::fmt;
use std::net::SocketAddr;
use std::ops::Deref;
use std::time::{Duration, Instant};

use crate::Error;
use crate::secret::Scrubber;
use crate::transport::wire::{Facts, RawHeads, Times, Wire};

/// The attempts of one call, in the order they were made, with the call's
/// totals. Derefs to the slice of [`Attempt`]s.
///
/// ```
/// let attempts = httpdb::Attempts::default();
/// assert!(attempts.is_empty());
/// assert_eq!((attempts.retries(), attempts.redirects()), (0, 0));
/// ```
#[derive(Default)]
pub struct Attempts(Option<Box<Record>>);

struct Record {
    list: Vec<Attempt>,
    redirects: usize,
    total: Option<Duration>,
}

/// No attempts: what [`Error::attempts`] returns for an error that did not
/// end a call.
pub(crate) static NONE: Attempts = Attempts(None);

impl Attempts {
    pub(crate) fn new(list: Vec<Attempt>, redirects: usize, total: Option<Duration>) -> Attempts {
        Attempts(Some(Box::new(Record {
            list,
            redirects,
            total,
        })))
    }

    /// Tries beyond the first of each request: moves to another host and
    /// resends on a new connection (curl's `num_retries`).
    pub fn retries(&self) -> usize {
        self.len().saturating_sub(self.redirects() + 1)
    }

    /// Redirects followed.
    pub fn redirects(&self) -> usize {
        self.0.as_ref().map_or(0, |r| r.redirects)
    }

    /// New connections opened (curl's `num_connects`).
    pub fn connects(&self) -> usize {
        self.iter()
            .filter(|a| a.connection == Connection::New)
            .count()
    }

    /// From the call's start until its answer's head arrived, or it
    /// failed (reading the body comes after); when timings were asked for.
    pub fn total(&self) -> Option<Duration> {
        self.0.as_ref().and_then(|r| r.total)
    }

    /// The attempts' errors, each host once with its last error, in the
    /// order the hosts were first tried.
    pub(crate) fn last_per_host(&self) -> Vec<(&str, &Error)> {
        let mut out: Vec<(&str, &Error)> = Vec::new();
        for attempt in self.iter() {
            let Some(error) = &attempt.error else {
                continue;
            };
            match out.iter_mut().find(|(h, _)| *h == attempt.host) {
                Some(entry) => entry.1 = error,
                None => out.push((&attempt.host, error)),
            }
        }
        out
    }
}

impl fmt::Debug for Attempts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("[]");
        }
        f.debug_struct("Attempts")
            .field("list", &&**self)
            .field("redirects", &self.redirects())
            .field("total", &self.total())
            .finish()
    }
}

impl Deref for Attempts {
    type Target = [Attempt];

    fn deref(&self) -> &[Attempt] {
        self.0.as_ref().map_or(&[], |r| &r.list)
    }
}

impl<'a> IntoIterator for &'a Attempts {
    type Item = &'a Attempt;
    type IntoIter = std::slice::Iter<'a, Attempt>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// One attempt of a call: one request on one connection to one host.
#[derive(Debug)]
#[non_exhaustive]
pub struct Attempt {
    /// `host:port` the request went to, as the URI (or a redirect) names
    /// it.
    pub host: String,
    /// The address connected to (a proxy's, when one was used); `None` when
    /// no TCP connection was made.
    pub address: Option<SocketAddr>,
    /// Whether the request went on a new connection or a pooled one.
    pub connection: Connection,
    /// How far the attempt got.
    pub reached: Phase,
    /// The status of the answer, when one came.
    pub status: Option<u16>,
    /// Why the call moved on from this attempt. `None` for the attempt
    /// whose answer the call returned, and for the attempt whose error is
    /// the [`Error`] that holds this list.
    pub error: Option<Error>,
    /// Redirects followed before this attempt: 0 for the request as sent.
    pub redirect: usize,
    /// When the attempt began and each of its phases ended, when timings
    /// were asked for (the `timings` option, [`Request::timings`](crate::Request::timings)).
    pub timings: Option<Timings>,
    /// HTTP bytes written (heads included, before TLS) until the answer's
    /// head arrived or the attempt failed.
    pub sent: u64,
    /// HTTP bytes received (heads included, after TLS) until then.
    pub received: u64,
    /// The TLS session, for https.
    pub tls: Option<TlsInfo>,
    /// The request's head as written, and the heads of the answers to it
    /// (interim ones first), with credentials masked; kept only when asked
    /// for ([`Request::keep_heads`](crate::Request::keep_heads)).
    pub heads: Option<Heads>,
}

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
    /// [`Attempt::sent`] was not body (the masked text may be shorter).
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
    fn info(self) -> TlsInfo {
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

/// An attempt as the transport recorded it, kept as it is until it is
/// looked at: a successful call allocates nothing for its record, and
/// the answer that carries it grows by little.
#[derive(Debug)]
pub(crate) struct Raw {
    wire: Wire,
    facts: Facts,
    timed: Option<Box<Timed>>,
    heads: Option<Box<RawHeads>>,
    status: Option<u16>,
    redirect: u32,
}

/// The times of an attempt.
#[derive(Debug)]
struct Timed {
    times: Times,
    /// When it began after the call's start, and ended after it began.
    began: Duration,
    total: Duration,
    /// The whole call's, for the call's last attempt.
    call: Option<Duration>,
}

impl Raw {
    /// The attempt that just ended on this thread, after `redirect`
    /// redirects, with the answer's `status` if one came; `call` is when
    /// the call began, when timings are kept.
    pub(crate) fn taken(status: Option<u16>, redirect: usize, call: Option<Instant>) -> Raw {
        let wire = crate::transport::wire::take();
        let (facts, times, heads) = crate::transport::wire::facts();
        let timed = times.zip(call).map(|(times, call)| {
            Box::new(Timed {
                times,
                began: times.started.saturating_duration_since(call),
                total: times.started.elapsed(),
                call: None,
            })
        });
        Raw {
            wire,
            facts,
            timed,
            heads,
            status,
            redirect: u32::try_from(redirect).unwrap_or(u32::MAX),
        }
    }

    /// The call this attempt was the last of took `total`.
    pub(crate) fn ended_call(&mut self, total: Option<Duration>) {
        if let Some(timed) = &mut self.timed {
            timed.call = total;
        }
    }

    /// The call's time and redirects, for the call's last attempt.
    pub(crate) fn call(&self) -> (Option<Duration>, usize) {
        (
            self.timed.as_ref().and_then(|t| t.call),
            self.redirect as usize,
        )
    }

    /// What the wire saw: for the failover rules.
    pub(crate) fn wire(&self) -> Wire {
        self.wire
    }

    /// The attempt, told: on `host`, its secrets masked by `scrubber`.
    pub(crate) fn told(&self, host: String, scrubber: &Scrubber) -> Attempt {
        let Raw {
            wire,
            facts,
            timed,
            heads,
            status,
            redirect,
        } = self;
        let (wire, facts, status) = (*wire, *facts, *status);
        let timings = timed.as_deref().map(|timed| {
            let Timed {
                times,
                began,
                total,
                ..
            } = *timed;
            let since = |at: Option<Instant>| Some(at?.saturating_duration_since(times.started));
            Timings {
                began,
                name_lookup: since(times.resolved),
                connect: since(times.connected),
                tls_handshake: since(times.secured),
                request_sent: since(times.written),
                first_byte: since(times.first_byte),
                total,
            }
        });
        let connection = if wire.opened {
            Connection::New
        } else if wire.sent > 0 {
            Connection::Pooled
        } else {
            Connection::None
        };
        let reached = if status.is_some() {
            Phase::Answered
        } else if wire.sent > 0 {
            Phase::Sent
        } else {
            facts.reached
        };
        Attempt {
            host,
            address: facts.address,
            connection,
            reached,
            status,
            error: None,
            redirect: *redirect as usize,
            timings,
            sent: wire.sent,
            received: wire.received,
            tls: facts
                .tls
                .filter(|_| connection != Connection::None)
                .map(Session::info),
            heads: heads.as_deref().map(|raw| Heads {
                request: masked_head(&raw.request, scrubber),
                request_length: raw.request.len() as u64,
                responses: raw
                    .responses
                    .iter()
                    .map(|h| masked_head(h, scrubber))
                    .collect(),
            }),
        }
    }
}

/// A head as text, each line ending in CRLF: the credentials of
/// `Authorization` and `Proxy-Authorization` masked after their scheme,
/// and the client's secrets masked wherever else they appear.
fn masked_head(raw: &[u8], scrubber: &Scrubber) -> String {
    let text = String::from_utf8_lossy(raw);
    let mut out = String::with_capacity(text.len());
    for line in text.split_terminator("\r\n") {
        let masked = match line.split_once(':') {
            Some((name, value))
                if name.eq_ignore_ascii_case("authorization")
                    || name.eq_ignore_ascii_case("proxy-authorization") =>
            {
                let scheme = value.split_whitespace().next().unwrap_or_default();
                format!("{name}: {scheme} ***")
            }
            _ => scrubber.scrub(line),
        };
        out.push_str(&masked);
        out.push_str("\r\n");
    }
    out
}
