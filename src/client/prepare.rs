//! What goes out: a [`Request`], where the redirects so far took it, and
//! the client's defaults, turned into the parts every attempt sends — the
//! path under the base path with the default parameters, the default
//! headers, the authorization, the body's compression — checked once,
//! before any host is tried, so that a malformed request blames no host.
//! Then, per attempt, the head of the ureq request for one host.

use ureq::http::uri::{Authority, PathAndQuery, Scheme};
use ureq::http::{HeaderMap, HeaderName, HeaderValue, Method, Uri, header};

use super::payload::Payload;
use super::request::{self, Request};
use crate::error::{Error, Result};
use crate::secret::{Secret, basic_credential};
use crate::settings::Settings;
use crate::settings::options::names::is_secret_header;

/// What the settings add to every request, built once with the client.
#[derive(Debug)]
pub(super) struct Defaults {
    /// The URI's base path without its trailing slash (`` or `/db`).
    base: String,
    /// Marked sensitive, so that ureq's debug log of the request headers
    /// shows `Sensitive` rather than the credentials.
    authorization: Option<HeaderValue>,
    /// The settings' default headers.
    pub headers: HeaderMap,
}

impl Defaults {
    /// The defaults of `settings`.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for a token, API key or default header that
    /// cannot go into an HTTP header.
    pub fn of(settings: &Settings) -> Result<Defaults> {
        Ok(Defaults {
            base: settings.path().trim_end_matches('/').to_string(),
            authorization: authorization(settings)?,
            headers: default_headers(settings)?,
        })
    }

    /// `path` (a request's own, relative to the URI) under the base path.
    pub fn under_base(&self, path: &str) -> String {
        join(&self.base, path)
    }
}

/// Where one host's requests go: the scheme and authority of their URL,
/// and the `Host` header they carry.
#[derive(Debug, Clone)]
pub(super) struct Endpoint {
    scheme: Scheme,
    authority: Authority,
    /// `host`, or `host:port` when the port is not the scheme's default:
    /// what ureq would write, built once rather than on every request.
    host: HeaderValue,
}

impl Endpoint {
    /// Whether it is reached over https.
    pub fn https(&self) -> bool {
        self.scheme == Scheme::HTTPS
    }

    /// The endpoint of `authority` over https or http.
    pub fn new(https: bool, authority: Authority) -> Result<Endpoint> {
        let scheme = if https { Scheme::HTTPS } else { Scheme::HTTP };
        let default = crate::settings::default_port(https);
        let host = match authority.port_u16() {
            Some(port) if port != default => format!("{}:{port}", authority.host()),
            _ => authority.host().to_string(),
        };
        let host = HeaderValue::from_str(&host).map_err(|e| {
            Error::config("host", format!("host {host} cannot be a Host header: {e}"))
        })?;
        Ok(Endpoint {
            scheme,
            authority,
            host,
        })
    }
}

/// Where a request goes after the redirects followed so far, as far as
/// what it sends depends on it.
pub(super) struct Route<'a> {
    pub method: &'a Method,
    /// `None`: the request's own path, under the base path; else the whole
    /// path-and-query a redirect named.
    pub path: Option<&'a str>,
    /// Whether the body (and the request's `Content-*` headers) still go:
    /// false once a redirect turned the request into a GET.
    pub body: bool,
    /// To a host a redirect named that is not one of the URI's: no
    /// credentials and no default parameters go there.
    pub foreign: bool,
}

/// The parts of a request that are the same for every attempt.
pub(super) struct Prepared {
    pub method: Method,
    pub path: PathAndQuery,
    pub headers: HeaderMap,
    /// A file or reader body is gzip-compressed on the fly, at this level.
    pub gzip: Option<flate2::Compression>,
}

impl Prepared {
    /// Adds the query parameter `name=value`, unless the query sets `name`
    /// itself.
    pub fn add_param(&mut self, name: &str, value: &str) -> Result<()> {
        let mut path = self.path.as_str().to_string();
        with_default_params(&mut path, [(name, value)]);
        self.path = PathAndQuery::try_from(path)
            .map_err(|e| Error::config("request", format!("cannot add {name}={value}: {e}")))?;
        Ok(())
    }
}

/// How the body goes after [`compress`]: as it was, compressed once (bytes
/// in memory), or compressed on the fly in each attempt.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Encoding {
    Identity,
    Gzipped,
    GzipOnTheFly(flate2::Compression),
}

/// Only the bytes beyond ASCII: the rest of a path is sent as written.
const NON_ASCII: &percent_encoding::AsciiSet = &percent_encoding::AsciiSet::EMPTY;

/// What every attempt of `request` on `route` sends.
pub(super) fn prepare(
    defaults: &Defaults,
    settings: &Settings,
    request: &Request<'_>,
    route: &Route<'_>,
) -> Result<Prepared> {
    let shown = route.path.unwrap_or(&request.path);
    let bad = |what: &str, e: &dyn std::fmt::Display| {
        Error::config(
            "request",
            format!("cannot send {} {shown}: {what}: {e}", route.method),
        )
    };
    let mut full = match route.path {
        Some(path) => checked_path(path)?.to_string(),
        None => defaults.under_base(checked_path(&request.path)?),
    };
    // The settings' default parameters, unless the request sets its own
    // of the same name; none to a host a redirect named.
    if !route.foreign {
        with_default_params(
            &mut full,
            settings
                .params()
                .iter()
                .map(|(name, value)| (name.as_str(), value.expose())),
        );
    }
    // A request target is ASCII (RFC 9112 §3.2): letters beyond it are
    // sent as their UTF-8 bytes percent-encoded (`/été` is `/%C3%A9t%C3%A9`),
    // as browsers and curl send them, never as raw bytes.
    if !full.is_ascii() {
        full = percent_encoding::utf8_percent_encode(&full, NON_ASCII).to_string();
    }
    let path = PathAndQuery::try_from(full).map_err(|e| {
        bad(
            "invalid path (percent-encode spaces and other special characters)",
            &e,
        )
    })?;
    // A host a redirect named that is not one of the URI's gets no
    // credential: neither the settings' nor the request's own.
    let credential = |name: &HeaderName| route.foreign && is_secret_header(name.as_str());
    let mut headers = defaults.headers.clone();
    if route.foreign {
        let names: Vec<_> = headers.keys().filter(|n| credential(n)).cloned().collect();
        for name in names {
            headers.remove(name);
        }
    } else if let Some(auth) = &defaults.authorization {
        headers.insert(header::AUTHORIZATION, auth.clone());
    }
    let own_headers = request
        .headers
        .iter()
        .filter(|(n, _)| !credential(n))
        .filter(|(n, _)| route.body || !n.as_str().starts_with("content-"));
    let mut own: Vec<&HeaderName> = Vec::new();
    for (name, value) in own_headers {
        let mut value = value.clone();
        if name == header::AUTHORIZATION {
            // The user's own credentials replace the URI's, never
            // travel beside them.
            value.set_sensitive(true);
        }
        // The request's own header replaces a default of that name;
        // repeats of the request's own are kept.
        if own.contains(&name) {
            headers.append(name, value);
        } else {
            own.push(name);
            headers.insert(name, value);
        }
    }
    if route.body && request.json && !headers.contains_key(header::CONTENT_TYPE) {
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
    }
    Ok(Prepared {
        method: route.method.clone(),
        path,
        headers,
        gzip: None,
    })
}

/// Compresses `payload` when the settings' `compress` says so and the
/// request (`headers`, as prepared) sets no `Content-Encoding` of its own:
/// bytes at once, here; a file or a reader on the fly, in each attempt.
pub(super) fn compress(
    settings: &Settings,
    headers: &HeaderMap,
    payload: &mut Payload,
) -> Result<Encoding> {
    let Some(min) = settings.compress() else {
        return Ok(Encoding::Identity);
    };
    if headers.contains_key(header::CONTENT_ENCODING) {
        return Ok(Encoding::Identity);
    }
    let size = match payload {
        Payload::Empty => return Ok(Encoding::Identity),
        Payload::Bytes(bytes) if bytes.is_empty() => return Ok(Encoding::Identity),
        Payload::Bytes(bytes) => bytes.len() as u64,
        Payload::File(file) => file.metadata().map_or(u64::MAX, |m| m.len()),
        Payload::Reader(_) => u64::MAX,
    };
    if size < min {
        return Ok(Encoding::Identity);
    }
    let level = flate2::Compression::new(settings.compress_level());
    let Payload::Bytes(bytes) = payload else {
        return Ok(Encoding::GzipOnTheFly(level));
    };
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), level);
    *bytes = std::io::Write::write_all(&mut encoder, bytes)
        .and_then(|()| encoder.finish())
        .map_err(|source| Error::Body {
            what: "the body, compressing it".into(),
            source,
            attempts: Default::default(),
        })?;
    Ok(Encoding::Gzipped)
}

impl Prepared {
    /// Sends the body as `encoding` says.
    pub fn encode(&mut self, encoding: Encoding) {
        if encoding == Encoding::Identity {
            return;
        }
        if let Encoding::GzipOnTheFly(level) = encoding {
            self.gzip = Some(level);
        }
        self.headers
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }

    /// The request to `to`, with `body`: method, URL, headers. Built in
    /// place, body included, rather than as a head then mapped: a request
    /// value is a few hundred bytes, copied at each move.
    #[inline]
    pub fn request<B>(
        &self,
        to: &Endpoint,
        body: B,
    ) -> std::result::Result<ureq::http::Request<B>, ureq::Error> {
        let mut parts = ureq::http::uri::Parts::default();
        parts.scheme = Some(to.scheme.clone());
        parts.authority = Some(to.authority.clone());
        parts.path_and_query = Some(self.path.clone());
        let uri = Uri::from_parts(parts).map_err(|e| ureq::Error::BadUri(e.to_string()))?;
        let mut headers = self.headers.clone();
        // Built once per host rather than by ureq on every request; a
        // request's (or the settings') own Host stays.
        headers
            .entry(header::HOST)
            .or_insert_with(|| to.host.clone());
        let mut http = ureq::http::Request::new(body);
        *http.method_mut() = self.method.clone();
        *http.uri_mut() = uri;
        *http.headers_mut() = headers;
        Ok(http)
    }
}

/// `path`, refused where sending it would name another resource than the
/// one written: a `#` (everything after it would be cut as a fragment) or
/// `..` segments that climb above the base path.
fn checked_path(path: &str) -> Result<&str> {
    if path.as_bytes().contains(&b'#') {
        return Err(Error::config(
            "path",
            format!(
                "the request path {path:?} holds '#', which would cut the path there (a URL fragment never reaches the server); write %23 for a literal '#'"
            ),
        ));
    }
    let route = path.split('?').next().unwrap_or(path);
    // Only a `.` or a `%2e` can climb: most paths end here.
    if !route.bytes().any(|b| b == b'.' || b == b'%') {
        return Ok(path);
    }
    let mut depth: usize = 0;
    for segment in route.split('/') {
        // Only a short segment of dots (`..`, `%2e%2E`) can climb: the
        // others are taken as they are, without an allocation per request.
        let maybe_dots = (1..=6).contains(&segment.len())
            && segment
                .bytes()
                .all(|b| matches!(b, b'.' | b'%' | b'2' | b'e' | b'E'));
        let dots = if maybe_dots {
            std::borrow::Cow::Owned(segment.to_ascii_lowercase().replace("%2e", "."))
        } else {
            std::borrow::Cow::Borrowed(segment)
        };
        match dots.as_ref() {
            "" | "." => {}
            ".." => {
                depth = depth.checked_sub(1).ok_or_else(|| {
                    Error::config(
                        "path",
                        format!(
                            "the request path {path:?} climbs above the URI's base path with '..'; name the resource inside the base path"
                        ),
                    )
                })?;
            }
            _ => depth += 1,
        }
    }
    Ok(path)
}

/// The `Authorization` header of `settings`: `Bearer` for a token, `Basic`
/// for a user name; marked sensitive, so that the engine's debug log of the
/// request headers shows `Sensitive` rather than the credentials.
fn authorization(settings: &Settings) -> Result<Option<HeaderValue>> {
    let value = match (settings.token(), settings.username()) {
        _ if settings.api_key().is_some() => Secret::new(format!(
            "ApiKey {}",
            settings.api_key().map_or("", |k| k.expose())
        )),
        (Some(token), _) => Secret::new(format!("Bearer {}", token.expose())),
        (None, Some(user)) => Secret::new(format!(
            "Basic {}",
            basic_credential(user, settings.password()).expose()
        )),
        (None, None) => return Ok(None),
    };
    // Base64 is always a valid header value; a token may not be. The
    // engine sends visible ASCII only, so check that here, when the client
    // is built, rather than fail every request.
    let mut header = HeaderValue::from_str(value.expose())
        .ok()
        .filter(|h| h.to_str().is_ok())
        .ok_or_else(|| {
            let option = if settings.api_key().is_some() { "api_key" } else { "token" };
            Error::config(
                option,
                format!("the {option} holds a character that cannot go into an HTTP header (a control character, a line break or a non-ASCII letter); it must be printable ASCII, such as a JWT or base64"),
            )
        })?;
    header.set_sensitive(true);
    Ok(Some(header))
}

/// The default headers of `settings` (the URI's `header.NAME=VALUE` and
/// `headers`), credentials marked sensitive.
fn default_headers(settings: &Settings) -> Result<HeaderMap> {
    let mut headers = HeaderMap::new();
    for (name, value) in settings.headers() {
        let bad = || {
            Error::config(
                format!("header.{name}"),
                format!(
                    "header.{name} cannot be sent as an HTTP header; use a header name and a value of printable ASCII"
                ),
            )
        };
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| bad())?;
        let mut value = HeaderValue::from_str(value.expose()).map_err(|_| bad())?;
        value.set_sensitive(is_secret_header(name.as_str()));
        headers.insert(name, value);
    }
    Ok(headers)
}

/// `params` appended to the query of `path`, each unless the query
/// already names it.
fn with_default_params<'a>(
    path: &mut String,
    params: impl IntoIterator<Item = (&'a str, &'a str)>,
) {
    use percent_encoding::utf8_percent_encode;
    let mut params = params.into_iter().peekable();
    if params.peek().is_none() {
        return;
    }
    let given: Vec<String> = path
        .split_once('?')
        .map(|(_, query)| {
            query
                .split('&')
                .map(|pair| pair.split('=').next().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default();
    for (name, value) in params {
        let encoded = utf8_percent_encode(name, request::QUERY_PAIR).to_string();
        if given.iter().any(|g| g == name || *g == encoded) {
            continue;
        }
        path.push(if path.contains('?') { '&' } else { '?' });
        path.push_str(&encoded);
        path.push('=');
        path.push_str(&utf8_percent_encode(value, request::QUERY_PAIR).to_string());
    }
}

/// The base path (no trailing slash) joined with a request path.
fn join(base: &str, path: &str) -> String {
    let mut joined = String::with_capacity(base.len() + path.len() + 1);
    joined.push_str(base);
    if !path.starts_with('/') {
        joined.push('/');
    }
    joined.push_str(path);
    joined
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `Host` header ureq would write: no port where it is the
    /// scheme's default, brackets kept for IPv6.
    #[test]
    fn endpoint_host_header_names_the_port_only_when_it_is_not_the_default() {
        let host = |https: bool, authority: &str| {
            let authority = Authority::try_from(authority).unwrap();
            let endpoint = Endpoint::new(https, authority).unwrap();
            endpoint.host.to_str().unwrap().to_string()
        };
        assert_eq!(host(true, "db:443"), "db");
        assert_eq!(host(true, "db:4200"), "db:4200");
        assert_eq!(host(true, "db:80"), "db:80");
        assert_eq!(host(false, "db:80"), "db");
        assert_eq!(host(false, "db"), "db");
        assert_eq!(host(true, "[::1]:9200"), "[::1]:9200");
        assert_eq!(host(true, "[::1]:443"), "[::1]");
    }

    #[test]
    fn joins_paths() {
        assert_eq!(join("", "/"), "/");
        assert_eq!(join("", "_sql"), "/_sql");
        assert_eq!(join("/db", "/x?y=1"), "/db/x?y=1");
    }
}
