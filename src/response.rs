//! [`Response`]: a server's whole answer, read into memory.

use serde::de::DeserializeOwned;
use ureq::http::HeaderMap;

use crate::error::{Error, Result};
use crate::secret::Scrubber;

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

/// An HTTP response: status, headers and the whole body.
#[derive(Debug, Clone)]
pub struct Response {
    pub(crate) host: String,
    pub(crate) status: u16,
    pub(crate) version: &'static str,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
}

impl Response {
    /// The status code.
    pub fn status(&self) -> u16 {
        self.status
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
    /// The body, exactly as received.
    pub fn body(&self) -> &[u8] {
        &self.body
    }
    /// The body, taken out of the response.
    pub fn into_body(self) -> Vec<u8> {
        self.body
    }
    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    /// The body decoded from JSON.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_slice(&self.body).map_err(|source| Error::Decode {
            host: self.host.clone(),
            source,
        })
    }

    /// The [`Error::Status`] for this response if its status is 4xx or 5xx,
    /// its body with the client's credentials masked.
    pub(crate) fn status_error(&self, scrubber: &Scrubber) -> Option<Error> {
        if self.status < 400 {
            return None;
        }
        const SHOWN: usize = 1024;
        let mut body = scrubber
            .scrub(String::from_utf8_lossy(&self.body[..self.body.len().min(SHOWN)]).trim_end());
        if self.body.len() > SHOWN {
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
        })
    }
}
