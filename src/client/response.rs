//! [`Response`]: the status and headers of an answer, and its body read as
//! it arrives.

use std::fmt;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::sync::OnceLock;
use std::time::Duration;

use serde::de::DeserializeOwned;
use ureq::http::HeaderMap;

use super::Client;
use super::attempt_error;
use super::record::Raw;
use crate::error::{Attempt, Attempts, Error, Result};
use crate::transport::deadline::Deadline;
use crate::transport::wire::Wire;

/// A status code with its standard reason phrase: `404 Not Found`, or just
/// `599` for a code that has none.
///
/// ```
/// assert_eq!(httpdb::status_text(503), "503 Service Unavailable");
/// ```
pub fn status_text(status: u16) -> String {
    match ureq::http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
    {
        Some(reason) => format!("{status} {reason}"),
        None => status.to_string(),
    }
}

/// An HTTP answer: its status and headers, which the failover rules have
/// already seen, and its body, read as it arrives.
///
/// Read the body whole with [`bytes`](Response::bytes),
/// [`text`](Response::text) or [`json`](Response::json): these stop at
/// `max_body_size` (checked against `Content-Length` before reading) and
/// finish within the call's `timeout`. Or stream it, in constant memory and
/// for as long as the server sends: `Response` implements [`Read`],
/// [`copy_to`](Response::copy_to) writes it anywhere, and
/// [`lines`](Response::lines) yields each line of an NDJSON answer or a
/// continuous feed as soon as it is complete. A streamed read waits at
/// most `read_timeout` for the next bytes; `timeout` does not cut it.
///
/// Once a body is being read nothing is sent again: a failure mid-body is
/// an [`Error::Incomplete`] that says how many bytes had arrived.
///
/// ```no_run
/// let client = httpdb::Client::from_env("HTTPDB_URL")?;
/// let mut file = std::fs::File::create("backup.bin")?;
/// let bytes = client.get("/_snapshot/backup/file")?.copy_to(&mut file)?;
/// for change in client.get("/db/_changes?feed=continuous&heartbeat=1000")?.lines() {
///     println!("{}", change?);
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Response {
    pub(crate) host: String,
    pub(crate) status: u16,
    pub(crate) version: &'static str,
    pub(crate) headers: HeaderMap,
    body: Option<ureq::BodyReader<'static>>,
    received: u64,
    /// The last bytes of a ClickHouse answer, watched for the exception
    /// ClickHouse writes at the end of a 200 when a query fails midway.
    tail: Option<Vec<u8>>,
    /// When the call that sent the request must be over: bounds the
    /// whole-body reads, not the streamed ones.
    deadline: Deadline,
    client: Client,
    /// The attempts of the call that got this answer, once told.
    attempts: OnceLock<Attempts>,
    /// The call's one attempt as recorded, until it is first looked at.
    last: Option<Raw>,
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("host", &self.host)
            .field("status", &self.status)
            .field("version", &self.version)
            .field("headers", &self.headers)
            .field("received", &self.received)
            .finish_non_exhaustive()
    }
}

impl Response {
    pub(crate) fn new(
        client: Client,
        host: String,
        response: ureq::http::Response<ureq::Body>,
        deadline: Deadline,
    ) -> Response {
        let (parts, body) = response.into_parts();
        let clickhouse = parts.status.is_success()
            && parts
                .headers
                .keys()
                .any(|name| name.as_str().starts_with("x-clickhouse-"));
        Response {
            tail: clickhouse.then(Vec::new),
            host,
            status: parts.status.as_u16(),
            version: version_name(parts.version),
            headers: parts.headers,
            body: Some(body.into_with_config().limit(u64::MAX).reader()),
            received: 0,
            deadline,
            client,
            attempts: OnceLock::new(),
            last: None,
        }
    }

    /// Keeps the record of the call that got this answer: the attempts
    /// told so far, and the last as recorded.
    pub(crate) fn pending(
        &mut self,
        mut earlier: Vec<Attempt>,
        last: Option<Raw>,
        redirects: usize,
        total: Option<Duration>,
    ) {
        match last {
            // The common case, told only if looked at: its one attempt
            // holds the call's redirects and time.
            Some(mut raw) if earlier.is_empty() => {
                raw.ended_call(total);
                self.last = Some(raw);
            }
            last => {
                if let Some(raw) = last {
                    earlier.push(raw.told(self.host.clone(), &self.client.inner.scrubber));
                }
                self.attempts = OnceLock::from(Attempts::new(earlier, redirects, total));
            }
        }
    }

    /// The attempts, out of this answer and into an error about it.
    fn attempts_out(&mut self) -> Attempts {
        self.attempts();
        self.attempts.take().unwrap_or_default()
    }

    /// The status code.
    pub fn status(&self) -> u16 {
        self.status
    }
    /// The attempts of the call that got this answer: the hosts tried, on
    /// which connection, why each moved on, and how long each phase took
    /// (see [`crate::attempt`]). The last is this answer's. After a
    /// failed read of the body they move into its error.
    pub fn attempts(&self) -> &Attempts {
        self.attempts.get_or_init(|| match &self.last {
            Some(raw) => {
                let (total, redirects) = raw.call();
                let told = raw.told(self.host.clone(), &self.client.inner.scrubber);
                Attempts::new(vec![told], redirects, total)
            }
            None => Attempts::default(),
        })
    }
    /// `host:port` of the server that answered.
    pub fn host(&self) -> &str {
        &self.host
    }
    /// The HTTP version of the status line, such as `HTTP/1.1`.
    pub fn version(&self) -> &str {
        self.version
    }
    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }
    /// The first value of header `name`, if it is present and is text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    /// Where a redirect (3xx) points: the `Location` header, as sent.
    /// Redirects are not followed; this says where the answer went.
    pub fn location(&self) -> Option<&str> {
        self.header("location")
    }
    /// The body's length as the server announced it (`Content-Length`).
    pub fn content_length(&self) -> Option<u64> {
        self.headers
            .get(ureq::http::header::CONTENT_LENGTH)?
            .to_str()
            .ok()?
            .trim()
            .parse()
            .ok()
    }
    /// Bytes of the body read so far.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// The whole body, exactly as received. At most `max_body_size` bytes:
    /// a longer body is an [`Error::TooLarge`], told from `Content-Length`
    /// before anything is read when the server sends one. Finishes within
    /// the call's `timeout`.
    ///
    /// # Errors
    ///
    /// [`Error::TooLarge`] beyond `max_body_size`; [`Error::Incomplete`]
    /// when the body breaks off (a reset, a timeout), holding the cause.
    pub fn bytes(mut self) -> Result<Vec<u8>> {
        let limit = self.client.inner.settings.max_body_size();
        match self.bytes_within(limit)? {
            Some(body) => Ok(body),
            None => Err(self.too_large(self.content_length().filter(|n| *n > limit))),
        }
    }

    /// The whole body if it is at most `cap` bytes, else `None` (told from
    /// `Content-Length` before anything is read when the server sends
    /// one); read within the call's `timeout`.
    pub(crate) fn bytes_within(&mut self, cap: u64) -> Result<Option<Vec<u8>>> {
        let length = self.content_length();
        if length.is_some_and(|n| n > cap) {
            return Ok(None);
        }
        let _deadline = self.deadline.enter();
        // Sized from Content-Length (up to 1 MiB, whatever a server
        // claims), so a typical answer is read without regrowing.
        let hint = length.unwrap_or(0).min(1 << 20) as usize;
        let mut body = Vec::with_capacity(hint);
        let read = (&mut *self)
            .take(cap.saturating_add(1))
            .read_to_end(&mut body);
        if let Err(e) = read {
            return Err(self.error_of(e));
        }
        Ok((body.len() as u64 <= cap).then_some(body))
    }

    /// The whole body as text (invalid UTF-8 replaced), as [`bytes`](Response::bytes) reads it.
    ///
    /// # Errors
    ///
    /// As [`bytes`](Response::bytes).
    pub fn text(self) -> Result<String> {
        let bytes = self.bytes()?;
        Ok(match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        })
    }

    /// The whole body decoded from JSON, as [`bytes`](Response::bytes) reads it.
    ///
    /// # Errors
    ///
    /// As [`bytes`](Response::bytes); [`Error::Decode`] when it is not
    /// the JSON asked for.
    pub fn json<T: DeserializeOwned>(mut self) -> Result<T> {
        let host = self.host.clone();
        let attempts = self.attempts_out();
        let bytes = self.bytes()?;
        serde_json::from_slice(&bytes).map_err(|source| Error::Decode {
            host,
            source,
            attempts,
        })
    }

    /// Streams the rest of the body into `out` as it arrives, in constant
    /// memory; returns how many bytes were written. Each read waits at most
    /// `read_timeout`; there is no limit on the total size or time.
    ///
    /// # Errors
    ///
    /// [`Error::Incomplete`] when the body breaks off; [`Error::Write`]
    /// when `out` fails.
    pub fn copy_to<W: Write + ?Sized>(&mut self, out: &mut W) -> Result<u64> {
        let mut buf = vec![0u8; 64 * 1024];
        let mut written = 0u64;
        loop {
            let n = match self.read(&mut buf) {
                Ok(0) => return Ok(written),
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(self.error_of(e)),
            };
            out.write_all(&buf[..n])
                .map_err(|source| Error::Write { source })?;
            written += n as u64;
        }
    }

    /// The body's lines, each yielded as soon as it is complete (without
    /// its line break): NDJSON, CouchDB's `_changes?feed=continuous`, an
    /// etcd watch. Runs as long as the server sends; each wait is bounded
    /// by `read_timeout`, so a feed with heartbeats lives on.
    pub fn lines(self) -> Lines {
        Lines {
            reader: BufReader::new(self),
        }
    }

    /// The [`Error::Status`] for this answer if its status is 4xx or 5xx:
    /// the start of its body (read within the call's `timeout`), with the
    /// client's credentials masked.
    pub(crate) fn status_error(&mut self) -> Option<Error> {
        if self.status < 400 {
            return None;
        }
        const SHOWN: usize = 1024;
        let mut start = Vec::with_capacity(SHOWN + 1);
        {
            let _deadline = self.deadline.enter();
            // The body is only there to explain the status: a failure to
            // read it leaves the explanation shorter.
            let _ = (&mut *self).take(SHOWN as u64 + 1).read_to_end(&mut start);
        }
        let cut = start.len() > SHOWN;
        start.truncate(SHOWN);
        let mut body = self
            .client
            .inner
            .scrubber
            .scrub(String::from_utf8_lossy(&start).trim_end());
        if cut {
            body.push_str("...");
        }
        let hint = (self.status == 400 && (body.contains("No required SSL certificate was sent") || body.contains("The SSL certificate error")))
            .then(|| "the server wanted a valid client certificate: pass one signed by a CA it trusts with ssl_certfile (and ssl_keyfile)".to_string())
            .or_else(|| (self.status == 401).then(|| "check username/password or token".to_string()));
        Some(Error::Status {
            host: self.host.clone(),
            status: self.status,
            body,
            hint,
            attempts: Default::default(),
        })
    }

    fn too_large(&mut self, length: Option<u64>) -> Error {
        Error::TooLarge {
            host: self.host.clone(),
            limit: self.client.inner.settings.max_body_size(),
            length,
            attempts: self.attempts_out(),
        }
    }

    /// Our error inside an I/O error from `read` (see [`Read for
    /// Response`](#impl-Read-for-Response)), or one made for it.
    fn error_of(&mut self, error: io::Error) -> Error {
        if !error.get_ref().is_some_and(|e| e.is::<Error>()) {
            return self.incomplete(error);
        }
        let kind = error.kind();
        match error.into_inner().map(|e| e.downcast::<Error>()) {
            Some(Ok(ours)) => ours.with_attempts(self.attempts_out()),
            Some(Err(other)) => self.incomplete(io::Error::new(kind, other)),
            None => self.incomplete(kind.into()),
        }
    }

    /// A failure while reading the body, told with how much had arrived.
    fn incomplete(&mut self, error: io::Error) -> Error {
        let inner = &*self.client.inner;
        let cause = match error.into_inner().map(|e| e.downcast::<ureq::Error>()) {
            Some(Ok(ureq)) => *ureq,
            Some(Err(other)) => ureq::Error::Io(io::Error::other(other)),
            None => ureq::Error::Io(io::ErrorKind::UnexpectedEof.into()),
        };
        let wire = Wire {
            opened: false,
            sent: 1,
            received: self.received.max(1),
        };
        let error = attempt_error::classify(cause, &self.host, &inner.settings, wire)
            .scrubbed(&inner.scrubber);
        Error::Incomplete {
            host: self.host.clone(),
            received: self.received,
            expected: self.content_length(),
            error: Box::new(error),
            attempts: self.attempts_out(),
        }
    }
}

impl Read for Response {
    /// Reads the body as it arrives. A failure is an I/O error of the same
    /// kind carrying an [`Error::Incomplete`] (get it back with
    /// `io::Error::into_inner` and `downcast`).
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let Some(body) = self.body.as_mut() else {
            return Ok(0);
        };
        match body.read(buf) {
            Ok(0) => {
                self.body = None;
                match self
                    .tail
                    .take()
                    .and_then(|tail| clickhouse_exception(&tail))
                {
                    Some(message) => Err(io::Error::other(Error::Aborted {
                        host: self.host.clone(),
                        received: self.received,
                        message: self.client.inner.scrubber.scrub(&message),
                    })),
                    None => Ok(0),
                }
            }
            Ok(n) => {
                self.received += n as u64;
                if let Some(tail) = &mut self.tail {
                    // Only what can end up in the last TAIL bytes is
                    // copied: a read is often 64 KiB.
                    let new = &buf[n.saturating_sub(TAIL)..n];
                    let excess = (tail.len() + new.len()).saturating_sub(TAIL);
                    tail.drain(..excess);
                    tail.extend_from_slice(new);
                }
                Ok(n)
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Err(e),
            Err(e) => {
                self.body = None;
                let kind = e.kind();
                Err(io::Error::new(kind, self.incomplete(e)))
            }
        }
    }
}

/// How much of a ClickHouse answer's end is kept to look for an exception.
const TAIL: usize = 2048;

/// The exception ClickHouse wrote as the last line of an answer whose
/// status was already 200: `Code: 395, e.displayText() = DB::Exception:
/// ...` (18.x), `Code: 395. DB::Exception: ...` (later versions).
fn clickhouse_exception(tail: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(tail);
    let last = text.trim_end().lines().last()?;
    let rest = last.strip_prefix("Code: ")?;
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    (digits > 0 && last.contains("DB::Exception")).then(|| last.trim().to_string())
}

/// The most of an unread body that dropping a [`Response`] reads, so that
/// its connection goes back to the pool.
const DRAIN_ON_DROP: u64 = 64 * 1024;

impl Drop for Response {
    /// A body left unread closes its connection; a short rest (by
    /// `Content-Length`, at most 64 KiB) is read first, within the call's
    /// `timeout`, so that `client.delete(path)?` keeps its keep-alive
    /// connection.
    fn drop(&mut self) {
        let Some(length) = self.content_length() else {
            return;
        };
        if self.body.is_none() || length.saturating_sub(self.received) > DRAIN_ON_DROP {
            return;
        }
        let _deadline = self.deadline.enter();
        let _ = io::copy(&mut (&mut *self).take(DRAIN_ON_DROP), &mut io::sink());
    }
}

/// The lines of a [`Response`]: see [`Response::lines`].
pub struct Lines {
    reader: BufReader<Response>,
}

impl fmt::Debug for Lines {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Lines").field(self.reader.get_ref()).finish()
    }
}

impl Iterator for Lines {
    type Item = Result<String>;

    fn next(&mut self) -> Option<Result<String>> {
        let mut line = Vec::new();
        match self.reader.read_until(b'\n', &mut line) {
            Ok(0) => None,
            Ok(_) => {
                if line.last() == Some(&b'\n') {
                    line.pop();
                    if line.last() == Some(&b'\r') {
                        line.pop();
                    }
                }
                Some(Ok(String::from_utf8_lossy(&line).into_owned()))
            }
            Err(e) => Some(Err(self.reader.get_mut().error_of(e))),
        }
    }
}

fn version_name(version: ureq::http::Version) -> &'static str {
    match version {
        ureq::http::Version::HTTP_09 => "HTTP/0.9",
        ureq::http::Version::HTTP_10 => "HTTP/1.0",
        ureq::http::Version::HTTP_2 => "HTTP/2.0",
        ureq::http::Version::HTTP_3 => "HTTP/3.0",
        _ => "HTTP/1.1",
    }
}

#[cfg(test)]
mod tests {
    use super::clickhouse_exception;

    #[test]
    fn the_exception_at_the_end_of_an_answer() {
        let old = b"262143\t0\nCode: 395, e.displayText() = DB::Exception: Value passed to 'throwIf' function is non zero, e.what() = DB::Exception\n";
        assert!(
            clickhouse_exception(old)
                .unwrap()
                .starts_with("Code: 395, e.displayText()")
        );
        let new = b"1\n2\nCode: 395. DB::Exception: Value passed to 'throwIf' function is non-zero. (FUNCTION_THROW_IF_VALUE_IS_NON_ZERO) (version 24.3.1.1)\n";
        assert!(clickhouse_exception(new).is_some());
        for fine in [
            &b"1\n2\n"[..],
            b"Code: x DB::Exception",
            b"",
            b"Code: 12 but nothing",
        ] {
            assert_eq!(clickhouse_exception(fine), None);
        }
    }
}
