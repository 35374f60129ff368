//! [`Request`]: a request being prepared: method, path, headers and body.

use std::fs::File;
use std::io::Read;

use serde::Serialize;
use ureq::http::Method;

use super::payload::{Payload, Shared};
use super::{Client, Response};
use crate::error::{Error, Result};

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
pub struct Request<'c> {
    client: &'c Client,
    pub(super) method: Method,
    pub(super) path: String,
    pub(super) headers: Vec<(String, String)>,
    pub(super) payload: Payload,
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
            error_for_status: true,
        }
    }

    /// Adds a header. An `Authorization` header replaces the URI's
    /// credentials for this request.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
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

    /// Sets `value` as a JSON body, with `Content-Type: application/json`.
    pub fn json<B: Serialize + ?Sized>(self, value: &B) -> Result<Self> {
        let body = serde_json::to_vec(value).map_err(|e| {
            Error::config(
                "body",
                format!("cannot encode the request body as JSON: {e}"),
            )
        })?;
        Ok(self.header("content-type", "application/json").body(body))
    }

    /// Whether a 4xx or 5xx answer is an [`Error::Status`]. Defaults to
    /// true; with false it is returned as a [`Response`].
    pub fn error_for_status(mut self, on: bool) -> Self {
        self.error_for_status = on;
        self
    }

    /// Sends the request, moving on to other hosts as the failover rules
    /// allow (README, "Clusters and failover"), and returns once the
    /// answer's status and headers are in; read the body from the
    /// [`Response`].
    pub fn send(mut self) -> Result<Response> {
        self.client.send(&mut self)
    }

    pub(super) fn finish(&self, mut response: Response) -> Result<Response> {
        if !self.error_for_status {
            return Ok(response);
        }
        match response.status_error() {
            Some(error) => Err(error),
            None => Ok(response),
        }
    }
}
