//! The one error type of the crate.

use std::fmt;
use std::time::Duration;

use std::net::SocketAddr;
use std::ops::Deref;

use crate::attempt::{Connection, Heads, Phase, Timings, TlsInfo};

/// Shorthand for `Result<T, httpdb::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The source of a lower-level error kept in the chain.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// `$then` with `$field` bound to the `attempts` of the variants that
/// carry the call's attempts, `$else` for the others: the one list of them.
macro_rules! attempts_field {
    ($error:expr, $field:ident => $then:expr, _ => $else:expr) => {
        match $error {
            Error::Tls {
                attempts: $field, ..
            }
            | Error::Connect {
                attempts: $field, ..
            }
            | Error::Timeout {
                attempts: $field, ..
            }
            | Error::Status {
                attempts: $field, ..
            }
            | Error::Protocol {
                attempts: $field, ..
            }
            | Error::Decode {
                attempts: $field, ..
            }
            | Error::NoHost { attempts: $field }
            | Error::Incomplete {
                attempts: $field, ..
            }
            | Error::TooLarge {
                attempts: $field, ..
            }
            | Error::Proxy {
                attempts: $field, ..
            }
            | Error::Redirect {
                attempts: $field, ..
            }
            | Error::Body {
                attempts: $field, ..
            } => $then,
            _ => $else,
        }
    };
}

/// Everything that can go wrong, from a malformed URI to a server's answer.
///
/// No variant ever contains a password, token or key passphrase: values of
/// secret options are shown as `***`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The URI, an option, or a file named by an option cannot be used.
    ///
    /// `option` names the option as the user wrote it (or `uri`, `host`,
    /// `port`); the message says what is wrong, the value (secrets masked) and
    /// the accepted forms.
    #[error("{message}")]
    Config {
        /// The option, or the part of the URI, that is wrong.
        option: String,
        /// A sentence a user can act on.
        message: String,
        /// The underlying error, such as the I/O error of a missing file.
        #[source]
        source: Option<BoxError>,
    },

    /// The TLS handshake with `host` failed, or the server rejected us.
    #[error("{}", tls_message(*kind, host, detail, hint))]
    Tls {
        /// `host:port` of the server.
        host: String,
        /// What failed.
        kind: TlsErrorKind,
        /// What rustls or the server said.
        detail: String,
        /// What to change.
        hint: String,
        /// The rustls error, when there is one.
        #[source]
        source: Option<BoxError>,
        /// The attempts of the call this error ended ([`Error::attempts`]).
        attempts: Attempts,
    },

    /// No TCP connection to `host` could be made (refused, unreachable, the
    /// name does not resolve), or it broke before the request was written.
    #[error("cannot connect to {host}: {source}")]
    Connect {
        /// `host:port` of the server.
        host: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
        /// The attempts of the call this error ended ([`Error::attempts`]).
        attempts: Attempts,
    },

    /// `host` did not answer in time, or took no byte of a streamed body
    /// for `read_timeout`.
    #[error("timed out {phase} {host} after {}{}", crate::units::duration::format(*after), phase.consequence())]
    Timeout {
        /// `host:port` of the server.
        host: String,
        /// What was under way.
        phase: TimeoutPhase,
        /// The limit that ran out.
        after: Duration,
        /// The attempts of the call this error ended ([`Error::attempts`]).
        attempts: Attempts,
    },

    /// The server answered with an HTTP error status (4xx or 5xx).
    #[error("HTTP {status} from {host}: {body}{}", hint.as_deref().map(|h| format!(" ({h})")).unwrap_or_default())]
    Status {
        /// `host:port` of the server.
        host: String,
        /// The status code.
        status: u16,
        /// The start of the response body (at most 1 KiB, lossily decoded).
        body: String,
        /// What the status most likely means, when we can tell.
        hint: Option<String>,
        /// The attempts of the call this error ended ([`Error::attempts`]).
        attempts: Attempts,
    },

    /// The server broke the protocol: it closed mid-response, or answered
    /// with something that is not HTTP.
    #[error("bad response from {host}: {message}")]
    Protocol {
        /// `host:port` of the server.
        host: String,
        /// What was wrong.
        message: String,
        /// The underlying error.
        #[source]
        source: Option<BoxError>,
        /// The attempts of the call this error ended ([`Error::attempts`]).
        attempts: Attempts,
    },

    /// The response body is not the JSON that was asked for.
    #[error("cannot decode the JSON answer of {host}: {source}")]
    Decode {
        /// `host:port` of the server.
        host: String,
        /// The decoding error.
        #[source]
        source: serde_json::Error,
        /// The attempts of the call this error ended ([`Error::attempts`]).
        attempts: Attempts,
    },

    /// Every host was tried and each failed; `attempts` says how, in order.
    #[error("no host available: {}", ByHost(attempts))]
    NoHost {
        /// Every attempt of the call, each with why it failed.
        attempts: Attempts,
    },

    /// The body of an answer broke off after its status and headers had
    /// arrived (a reset, a server that closed early, a read timeout). The
    /// request is not sent again: the answer was being read.
    #[error("{error}; the answer's body broke off after {received} bytes{}", expected.map(|n| format!(" of {n}")).unwrap_or_default())]
    Incomplete {
        /// `host:port` of the server.
        host: String,
        /// Body bytes that had arrived.
        received: u64,
        /// The length the server announced (`Content-Length`), if any.
        expected: Option<u64>,
        /// What broke: a [`Error::Timeout`], [`Error::Protocol`] or [`Error::Tls`].
        #[source]
        error: Box<Error>,
        /// The attempts of the call this error ended ([`Error::attempts`]).
        attempts: Attempts,
    },

    /// An answer's body is larger than `max_body_size` allows to read into
    /// memory. Nothing was retried and no host is blamed: stream it instead.
    #[error("the answer from {host} is {}, more than max_body_size={} allows in memory; raise max_body_size, or read it as a stream (Response implements Read and copy_to; the CLI streams)", length.map(|n| format!("{n} bytes")).unwrap_or_else(|| "larger".into()), crate::units::format_size(*limit))]
    TooLarge {
        /// `host:port` of the server.
        host: String,
        /// The `max_body_size` in force.
        limit: u64,
        /// The length the server announced, if it did.
        length: Option<u64>,
        /// The attempts of the call this error ended ([`Error::attempts`]).
        attempts: Attempts,
    },

    /// Writing an answer out (`Response::copy_to`) failed.
    #[error("cannot write the answer out: {source}")]
    Write {
        /// The I/O error of the writer.
        #[source]
        source: std::io::Error,
    },

    /// The server reported, at the end of an answer whose status said
    /// success, that it failed midway: ClickHouse writes its exception
    /// after the rows it had sent. What arrived before is not the whole
    /// result.
    #[error(
        "{host} aborted its answer after {received} bytes: {message} (the answer is incomplete; with ClickHouse, the setting wait_end_of_query=1 makes such a failure an HTTP error before any row)"
    )]
    Aborted {
        /// The host that answered.
        host: String,
        /// Bytes of the body received, the exception included.
        received: u64,
        /// The server's own words.
        message: String,
    },

    /// The proxy between httpdb and `host` failed before the request went
    /// out: it could not be reached, refused the tunnel (403, 407) or
    /// closed it. The database host is not to blame and is not marked
    /// dead.
    #[error("cannot reach {host} through the {message}")]
    Proxy {
        /// The database host the request was for.
        host: String,
        /// Which proxy (and where it was configured), and what it did.
        message: String,
        /// The attempts of the call this error ended ([`Error::attempts`]).
        attempts: Attempts,
    },

    /// A redirect that `max_redirects` allows following was not followed:
    /// too many hops, a move from https to http, or a body that cannot be
    /// sent again.
    #[error("redirect from {from} to {to} not followed: {reason}")]
    Redirect {
        /// The URL that answered with the redirect (credentials never shown).
        from: String,
        /// Its `Location`, resolved.
        to: String,
        /// Why, and what to change.
        reason: String,
        /// The attempts of the call this error ended ([`Error::attempts`]).
        attempts: Attempts,
    },

    /// Reading a request body from a file or standard input failed.
    #[error("cannot read the request body from {what}: {source}")]
    Body {
        /// Where the body came from.
        what: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
        /// The attempts of the call this error ended ([`Error::attempts`]).
        attempts: Attempts,
    },
}

/// What a TLS failure was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TlsErrorKind {
    /// The server's chain does not lead to a trusted CA.
    UnknownIssuer,
    /// The server's certificate has expired or is not valid yet.
    Expired,
    /// The server's certificate does not name the host we connected to.
    NotValidForName,
    /// The server's certificate is invalid otherwise (bad signature, wrong usage...).
    BadCertificate,
    /// The server's certificate, or a CA certificate in its chain, is
    /// revoked by the configured CRLs (`ssl_crl_file`, `ssl_crl_dir`).
    Revoked,
    /// No certificate the server sent has the pinned fingerprint
    /// (`ssl_assert_fingerprint`).
    PinMismatch,
    /// The server asked for a client certificate and none was configured.
    ClientCertRequired,
    /// The server rejected the client certificate we sent.
    ClientCertRejected,
    /// The handshake failed for another reason (protocol, alert, cipher).
    Handshake,
    /// After the handshake, the server's TLS records were broken: a corrupt
    /// record, a plaintext alert, an alert that is not about certificates.
    Record,
}

impl TlsErrorKind {
    /// True for the kinds where the server's certificate failed verification.
    pub fn is_verification(self) -> bool {
        matches!(
            self,
            Self::UnknownIssuer
                | Self::Expired
                | Self::NotValidForName
                | Self::BadCertificate
                | Self::Revoked
                | Self::PinMismatch
        )
    }
}

impl fmt::Display for TlsErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::UnknownIssuer => "unknown issuer",
            Self::Expired => "certificate expired or not yet valid",
            Self::NotValidForName => "certificate not valid for the host name",
            Self::BadCertificate => "bad certificate",
            Self::Revoked => "certificate revoked",
            Self::PinMismatch => "certificate fingerprint does not match the pin",
            Self::ClientCertRequired => "client certificate required",
            Self::ClientCertRejected => "client certificate rejected",
            Self::Handshake => "handshake failed",
            Self::Record => "TLS record error after the request was sent",
        })
    }
}

/// What was under way when a timeout ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeoutPhase {
    /// Resolving the name, the TCP connect and the TLS handshake.
    Connect,
    /// Sending the request or waiting for and reading the response: the
    /// whole call's `timeout` ran out.
    Response,
    /// No byte came for `read_timeout`.
    Read,
    /// A streamed request body (a file, a reader) went out, and the server
    /// took none of it for `read_timeout`. `sent` bytes of the request had
    /// been handed to the connection: the server may have stored part of
    /// them.
    Send {
        /// Bytes of the request (head and body) handed to the connection.
        sent: u64,
    },
}

impl fmt::Display for TimeoutPhase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Connect => "connecting to",
            Self::Response => "waiting for",
            Self::Read => "with no data from",
            Self::Send { .. } => "sending the request body to",
        })
    }
}

impl TimeoutPhase {
    /// What the timeout may have left behind, for messages.
    fn consequence(&self) -> String {
        match self {
            Self::Send { sent } => format!(
                " without the server taking any of the body: {sent} bytes of the request had been sent, and the server may have stored part of them (ClickHouse inserts in blocks; an insert_deduplication_token makes a retried load safe)"
            ),
            _ => String::new(),
        }
    }
}

fn tls_message(kind: TlsErrorKind, host: &str, detail: &str, hint: &str) -> String {
    let lead = if kind.is_verification() {
        "certificate verify failed: "
    } else {
        "TLS error: "
    };
    format!("{lead}{kind} ({host}: {detail}); {hint}")
}

/// Each host tried, once, with its last error.
struct ByHost<'a>(&'a Attempts);

impl fmt::Display for ByHost<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hosts = self.0.last_per_host();
        if hosts.is_empty() {
            return f.write_str("no host was tried");
        }
        for (i, (host, error)) in hosts.into_iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{host}: {}", Cause(error))?;
        }
        Ok(())
    }
}

/// An attempt's error without repeating the host it names.
pub(crate) struct Cause<'a>(pub &'a Error);

impl fmt::Display for Cause<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Error::Connect { source, .. } => write!(f, "{}", crate::error::io_cause(source)),
            Error::Timeout { phase, after, .. } => match phase {
                TimeoutPhase::Connect => {
                    write!(
                        f,
                        "connect timed out after {}",
                        crate::units::duration::format(*after)
                    )
                }
                TimeoutPhase::Read => {
                    write!(f, "no data for {}", crate::units::duration::format(*after))
                }
                TimeoutPhase::Send { sent } => write!(
                    f,
                    "took none of the body for {} after {sent} bytes",
                    crate::units::duration::format(*after)
                ),
                _ => write!(
                    f,
                    "timed out after {}",
                    crate::units::duration::format(*after)
                ),
            },
            Error::Status { status, .. } => write!(f, "HTTP {status}"),
            other => write!(f, "{other}"),
        }
    }
}

/// A short, lower-case cause for an I/O error ("connection refused").
pub(crate) fn io_cause(error: &std::io::Error) -> String {
    use std::io::ErrorKind::*;
    match error.kind() {
        ConnectionRefused => "connection refused".into(),
        ConnectionReset => "connection reset".into(),
        ConnectionAborted => "connection aborted".into(),
        NotConnected => "not connected".into(),
        UnexpectedEof => "connection closed by the server".into(),
        _ => error.to_string(),
    }
}

impl Error {
    /// A configuration error with where its value came from appended
    /// (`(in the URI)`, `(a keyword option)`), unless it says so already.
    pub(crate) fn given_in(self, source: &str) -> Error {
        match self {
            Error::Config {
                option,
                message,
                source: cause,
            } if !message.contains(source) => Error::Config {
                option,
                message: format!("{message} ({source})"),
                source: cause,
            },
            other => other,
        }
    }

    /// The errors this one stands for: the attempt's error of each host for
    /// [`Error::NoHost`], the cause of an [`Error::Incomplete`], itself
    /// otherwise.
    fn each(&self) -> Box<dyn Iterator<Item = &Error> + '_> {
        match self {
            Error::NoHost { attempts } => Box::new(
                attempts
                    .last_per_host()
                    .into_iter()
                    .flat_map(|(_, e)| e.each()),
            ),
            Error::Incomplete { error, .. } => error.each(),
            other => Box::new(std::iter::once(other)),
        }
    }

    /// True when a time limit ran out: every host's, when every host was
    /// tried.
    ///
    /// ```
    /// let error = httpdb::Error::Timeout {
    ///     host: "db1:4200".into(),
    ///     phase: httpdb::TimeoutPhase::Response,
    ///     after: std::time::Duration::from_secs(30),
    ///     attempts: httpdb::Attempts::default(),
    /// };
    /// assert!(error.is_timeout() && !error.is_connect());
    /// ```
    pub fn is_timeout(&self) -> bool {
        self.all(|e| matches!(e, Error::Timeout { .. }))
    }

    /// True when no connection could be made (refused, unreachable, the
    /// name does not resolve): every host's, when every host was tried.
    pub fn is_connect(&self) -> bool {
        self.all(|e| matches!(e, Error::Connect { .. } | Error::Proxy { .. }))
    }

    /// True when TLS failed (a certificate, the handshake, a broken
    /// record), for every host tried.
    pub fn is_tls(&self) -> bool {
        self.all(|e| matches!(e, Error::Tls { .. }))
    }

    /// True when the server answered with an HTTP error status.
    pub fn is_status(&self) -> bool {
        self.status().is_some()
    }

    /// The HTTP error status the server answered with, if that is what
    /// this error is (the last host's, when several were tried).
    pub fn status(&self) -> Option<u16> {
        self.each()
            .filter_map(|e| match e {
                Error::Status { status, .. } => Some(*status),
                _ => None,
            })
            .last()
    }

    /// The kind of TLS failure, if TLS failed (the first host's, when
    /// several were tried).
    pub fn tls_kind(&self) -> Option<TlsErrorKind> {
        self.each().find_map(|e| match e {
            Error::Tls { kind, .. } => Some(*kind),
            _ => None,
        })
    }

    /// `host:port` of the server the error is about: the last one tried.
    pub fn host(&self) -> Option<&str> {
        self.each()
            .filter_map(|e| match e {
                Error::Tls { host, .. }
                | Error::Connect { host, .. }
                | Error::Timeout { host, .. }
                | Error::Status { host, .. }
                | Error::Protocol { host, .. }
                | Error::Decode { host, .. }
                | Error::TooLarge { host, .. }
                | Error::Incomplete { host, .. } => Some(host.as_str()),
                _ => None,
            })
            .last()
    }

    fn all(&self, test: impl Fn(&Error) -> bool) -> bool {
        let mut any = false;
        for e in self.each() {
            if !test(e) {
                return false;
            }
            any = true;
        }
        any
    }

    /// This error with the client's credentials masked in the text that
    /// came from the server.
    pub(crate) fn scrubbed(self, scrubber: &crate::secret::Scrubber) -> Self {
        match self {
            Error::Protocol {
                host,
                message,
                source,
                attempts,
            } => Error::Protocol {
                host,
                message: scrubber.scrub(&message),
                // The source may quote the server too: keep only our text.
                source: source.filter(|_| scrubber.scrub(&message) == message),
                attempts,
            },
            other => other,
        }
    }

    /// The attempts of the call this error ended: each host tried, on
    /// which connection, how far it got, why it moved on, and how long each
    /// phase took. Empty for an error that ended no call (a bad URI, a
    /// writer that failed). The attempt whose error is this one has no
    /// `error` of its own in the list.
    ///
    /// ```no_run
    /// let client = httpdb::Client::from_env("HTTPDB_URL")?;
    /// if let Err(e) = client.get("/") {
    ///     for attempt in e.attempts().iter() {
    ///         eprintln!("{} reached {:?}: {:?}", attempt.host, attempt.reached, attempt.error);
    ///     }
    /// }
    /// # Ok::<(), httpdb::Error>(())
    /// ```
    pub fn attempts(&self) -> &Attempts {
        attempts_field!(self, attempts => attempts, _ => &NO_ATTEMPTS)
    }

    /// This error with `call`, the attempts of the call it ended, kept in
    /// it where it has room for them.
    pub(crate) fn with_attempts(mut self, call: Attempts) -> Self {
        self.keep_attempts(call);
        self
    }

    /// Keeps `call`, the attempts of the call this error ended, where it
    /// has room for them.
    pub(crate) fn keep_attempts(&mut self, call: Attempts) {
        attempts_field!(self, attempts => *attempts = call, _ => {});
    }

    /// Shorthand for a [`Error::Config`] without a source.
    pub(crate) fn config(option: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Config {
            option: option.into(),
            message: message.into(),
            source: None,
        }
    }
}

// ------------------------------------------------------ the call's record
//
// Here rather than in `attempt`: an attempt holds its error, and an error
// the call's attempts.

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
static NO_ATTEMPTS: Attempts = Attempts(None);

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
        last_failed_per_host(self)
            .into_iter()
            .filter_map(|i| Some((self[i].host.as_str(), self[i].error.as_ref()?)))
            .collect()
    }
}

/// Where in `list` each host's last failed attempt is, the hosts in the
/// order they were first tried.
pub(crate) fn last_failed_per_host(list: &[Attempt]) -> Vec<usize> {
    let mut at: Vec<usize> = Vec::new();
    for (i, attempt) in list.iter().enumerate() {
        if attempt.error.is_none() {
            continue;
        }
        match at.iter_mut().find(|j| list[**j].host == attempt.host) {
            Some(j) => *j = i,
            None => at.push(i),
        }
    }
    at
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
