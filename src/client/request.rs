//! [`Request`]: a request being prepared: method, path, headers and body.

use std::fmt;
use std::fs::File;
use std::io::Read;
use std::time::Duration;

use percent_encoding::utf8_percent_encode;
use serde::Serialize;
use ureq::http::{HeaderName, HeaderValue, Method};

use super::payload::{Payload, Shared};
use super::{Client, Response};
use crate::error::{Error, Result};

pub(super) use crate::escape::QUERY_PAIR;

/// A request being prepared; send it with [`Request::send`].
///
/// ```no_run
/// let client = httpdb::Client::from_env("HTTPDB_URL")?;
/// let file = std::fs::File::open("rows.ndjson")?;
/// let answer = client
///     .request(httpdb::Method::POST, "/?query=INSERT%20INTO%20t%20FORMAT%20JSONEachRow")
///     .body_file(file)
///     .send()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
#[must_use = "a request is sent by send()"]
pub struct Request<'c> {
    pub(super) client: &'c Client,
    pub(super) method: Method,
    pub(super) path: String,
    pub(super) headers: Vec<(HeaderName, HeaderValue)>,
    pub(super) payload: Payload,
    /// Set `Content-Type: application/json` unless a header sets one.
    pub(super) json: bool,
    /// This call's budget, instead of the settings' `timeout`.
    pub(super) timeout: Option<Duration>,
    /// A mistake found while building, reported by `send`.
    pub(super) invalid: Option<Error>,
    /// The caller's word on whether the request may be sent twice.
    pub(super) replay: Option<bool>,
    /// Keep each attempt's heads in its [`Attempt`](crate::Attempt).
    pub(super) keep_heads: bool,
    /// Time each attempt's phases, whatever the `timings` option says.
    pub(super) timings: Option<bool>,
    error_for_status: bool,
}

impl<'c> Request<'c> {
    pub(super) fn new(client: &'c Client, method: Method, path: &str) -> Self {
        Request {
            client,
            method,
            path: path.to_string(),
            headers: Vec::new(),
            payload: Payload::Empty,
            json: false,
            timeout: None,
            invalid: None,
            replay: None,
            keep_heads: false,
            timings: None,
            error_for_status: true,
        }
    }

    /// Adds a header, from anything that converts to a header name and
    /// value (`&str`, `String`, `HeaderName`...). An `Authorization` header
    /// replaces the URI's credentials for this request, a `Host` header
    /// the one httpdb writes. A name or value that is not valid, and a
    /// header that frames the message or manages the connection
    /// (`Content-Length`, `Transfer-Encoding`, `Connection`, `Keep-Alive`,
    /// `TE`, `Trailer`, `Upgrade`, `Expect`), which httpdb writes itself,
    /// are reported by [`send`](Request::send), naming the header but never
    /// showing its value.
    pub fn header<K, V>(mut self, name: K, value: V) -> Self
    where
        HeaderName: TryFrom<K>,
        <HeaderName as TryFrom<K>>::Error: fmt::Display,
        HeaderValue: TryFrom<V>,
    {
        match HeaderName::try_from(name) {
            Ok(name) if crate::settings::options::check::framing_header(name.as_str()) => {
                self.fail(format!(
                    "header {name} is written by httpdb itself (the framing of the body and the connection follow from what is sent); leave it out: the body's length is sent as it is"
                ))
            }
            Ok(name) => match HeaderValue::try_from(value) {
                Ok(value) => self.headers.push((name, value)),
                Err(_) => self.fail(format!(
                    "the value of header {name} is not a valid header value (a control character or line break)"
                )),
            },
            Err(e) => self.fail(format!("invalid header name: {e}")),
        }
        self
    }

    /// Appends `name=value` to the path's query string, percent-encoded.
    ///
    /// ```no_run
    /// let client = httpdb::Client::from_env("HTTPDB_URL")?;
    /// let rows = client
    ///     .request(httpdb::Method::POST, "/")
    ///     .query("query", "SELECT 1 FORMAT JSON")
    ///     .query("database", "analytics")
    ///     .send()?
    ///     .text()?;
    /// # Ok::<(), httpdb::Error>(())
    /// ```
    pub fn query(mut self, name: &str, value: &str) -> Self {
        self.path
            .push(if self.path.contains('?') { '&' } else { '?' });
        self.path
            .extend(utf8_percent_encode(name, QUERY_PAIR).chain(["="]));
        self.path.extend(utf8_percent_encode(value, QUERY_PAIR));
        self
    }

    /// This call's whole budget (connect, send, the answer's head and a
    /// whole-body read, failover included), instead of the settings'
    /// `timeout`.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Keeps the heads of each attempt as they went over the wire, with
    /// their credentials masked, in [`Attempt::heads`](crate::Attempt::heads):
    /// what `httpdb -v` prints. Off by default: it copies each head.
    ///
    /// ```no_run
    /// let client = httpdb::Client::from_env("HTTPDB_URL")?;
    /// let response = client.request(httpdb::Method::GET, "/").keep_heads(true).send()?;
    /// let heads = response.attempts().last().and_then(|a| a.heads.as_ref()).unwrap();
    /// assert!(heads.request.starts_with("GET / HTTP/1.1\r\n"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn keep_heads(mut self, keep: bool) -> Self {
        self.keep_heads = keep;
        self
    }

    /// Records when each attempt's phases end (name lookup, connect, TLS
    /// handshake, request sent, first byte) in
    /// [`Attempt::timings`](crate::Attempt::timings), whatever the
    /// `timings` option says.
    ///
    /// ```no_run
    /// let client = httpdb::Client::from_env("HTTPDB_URL")?;
    /// let response = client.request(httpdb::Method::GET, "/").timings(true).send()?;
    /// let first_byte = response.attempts().last().and_then(|a| a.timings?.first_byte);
    /// println!("first byte after {first_byte:?}");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn timings(mut self, on: bool) -> Self {
        self.timings = Some(on);
        self
    }

    fn fail(&mut self, message: String) {
        if self.invalid.is_none() {
            self.invalid = Some(Error::config(
                "request",
                format!("cannot send {} {}: {message}", self.method, self.path),
            ));
        }
    }

    /// Sets a body held in memory, sent with `Content-Length`.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.payload = Payload::Bytes(body.into());
        self
    }

    /// Sets a file as the body, streamed from its start and sent with its
    /// length. Failover may send it again from its start where the rules
    /// allow (README, "Clusters and failover"). For a pipe, a device or
    /// anything that is not a regular file, use [`body_reader`](Request::body_reader).
    pub fn body_file(mut self, file: File) -> Self {
        self.payload = Payload::File(file);
        self
    }

    /// Sets a reader as the body, streamed as it reads
    /// (`Transfer-Encoding: chunked`), in constant memory. It is sent to
    /// another host only while none of it has been read.
    pub fn body_reader(mut self, reader: impl Read + Send + 'static) -> Self {
        self.payload = Payload::Reader(Shared::new(reader));
        self
    }

    /// Sets `value` as a JSON body, with `Content-Type: application/json`
    /// unless a header sets another. A value that cannot be encoded is
    /// reported by [`send`](Request::send).
    pub fn json<B: Serialize + ?Sized>(mut self, value: &B) -> Self {
        match serde_json::to_vec(value) {
            Ok(body) => {
                self.json = true;
                self.body(body)
            }
            Err(e) => {
                if self.invalid.is_none() {
                    self.invalid = Some(Error::config(
                        "body",
                        format!("cannot encode the request body as JSON: {e}"),
                    ));
                }
                self
            }
        }
    }

    /// Whether a 4xx or 5xx answer is an [`Error::Status`]. Defaults to
    /// true; with false it is returned as a [`Response`].
    pub fn error_for_status(mut self, on: bool) -> Self {
        self.error_for_status = on;
        self
    }

    /// Says whether this request may be sent twice with the effect of
    /// once, overriding what its method says: `true` for a read sent as a
    /// POST that the known reads do not list (a query API of your own), so
    /// that it may go to another host, or again to the same one, after a
    /// failure; `false` for a GET with a side effect, so that it never is.
    /// Defaults to the rule of [`Client::replay_rule`]: the method, a read
    /// the server's API defines, an `Idempotency-Key` header.
    ///
    /// Where the server has a switch that refuses writes, a request marked
    /// `true` goes with it (ClickHouse's `readonly=2` with
    /// `product=clickhouse`), so that a wrong mark is refused by the server
    /// rather than applied twice.
    ///
    /// ```no_run
    /// let client = httpdb::Client::from_env("HTTPDB_URL")?;
    /// let rows = client
    ///     .request(httpdb::Method::POST, "/?default_format=JSON")
    ///     .body("SELECT count() FROM events")
    ///     .idempotent(true)
    ///     .send()?
    ///     .text()?;
    /// # Ok::<(), httpdb::Error>(())
    /// ```
    pub fn idempotent(mut self, yes: bool) -> Self {
        self.replay = Some(yes);
        self
    }

    /// The answer's status as an error, when the request asked for that
    /// ([`Request::error_for_status`]).
    pub(super) fn finish(&self, response: &mut Response) -> Result<()> {
        if !self.error_for_status {
            return Ok(());
        }
        match response.status_error() {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }
}
