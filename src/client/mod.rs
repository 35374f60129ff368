//! [`Client`]: requests over the hosts of one [`Settings`], with failover
//! that never sends a write twice.
//!
//! - `request`: [`Request`], what to send;
//! - `payload`: request bodies (bytes, files, readers);
//! - `hosts`: the plan of hosts for a request, and the dead marks;
//! - `failure`: a failed attempt told as our `Error`, with its moment;
//! - `failover`: after an attempt, what may be sent again;
//! - `response`: [`Response`], the answer, its body read as it arrives.

mod builder;
mod failover;
mod failure;
mod hosts;
mod payload;
mod redirect;
mod request;
mod response;

pub use builder::ClientBuilder;
pub use request::Request;
pub use response::{Lines, Response, status_text};

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use serde::de::DeserializeOwned;

pub use ureq::http::Method;
use ureq::http::uri::{Authority, PathAndQuery, Scheme};
use ureq::http::{HeaderValue, Uri};

use crate::error::{Cause, Error, Result, TimeoutPhase};
use crate::secret::{Scrubber, Secret, basic_credential};
use crate::server_info::{self, ServerInfo};
use crate::settings::Settings;
use crate::tls;
use crate::transport::{self, wire};
use hosts::HostTable;
use payload::Payload;

/// A connection to one database or cluster, as its [`Settings`] describe.
///
/// Cheap to clone: clones share the TLS configuration, the connection pool
/// and the record of dead hosts. `Send + Sync`: share one client between
/// threads rather than building one per thread.
///
/// ```no_run
/// let client = httpdb::Client::from_env("HTTPDB_URL")?;
/// let info = client.server_info()?;
/// println!("{} {:?}", info.url, info.version);
/// let rows: serde_json::Value = client.post_json("/_sql", &serde_json::json!({"stmt": "SELECT 1"}))?;
/// # Ok::<(), httpdb::Error>(())
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    settings: Settings,
    agent: ureq::Agent,
    tls: Option<Arc<rustls::ClientConfig>>,
    /// Where each host's requests go, built once.
    targets: Vec<Endpoint>,
    /// The URI's base path without its trailing slash (`` or `/db`).
    base: String,
    /// `host:port` for each host, for errors and logs.
    names: Vec<String>,
    /// Marked sensitive, so that ureq's debug log of the request headers
    /// shows `Sensitive` rather than the credentials.
    authorization: Option<HeaderValue>,
    /// The settings' default headers.
    headers: ureq::http::HeaderMap,
    /// Masks this client's credentials in what servers send back.
    scrubber: Scrubber,
    hosts: HostTable,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("settings", &self.inner.settings)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client for the connection URI `uri`.
    ///
    /// ```no_run
    /// let client = httpdb::Client::new("https://admin:pw@db1:4200,db2:4200/?tlsCAFile=/etc/db/ca.pem")?;
    /// # Ok::<(), httpdb::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for a URI, option or file that cannot be used: the
    /// message names it, its value (secrets masked) and the accepted forms.
    pub fn new(uri: &str) -> Result<Client> {
        Client::from_settings(Settings::from_uri(uri)?)
    }

    /// A client for the connection URI in the environment variable `var`.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for a URI, option or file that cannot be used: the
    /// message names it, its value (secrets masked) and the accepted forms.
    /// A variable that is not set is an [`Error::Config`] naming it.
    pub fn from_env(var: &str) -> Result<Client> {
        Client::from_settings(Settings::from_env(var)?)
    }

    /// A client builder: a URI, keyword options and typed setters, then
    /// [`ClientBuilder::build`].
    ///
    /// ```no_run
    /// let client = httpdb::Client::builder()
    ///     .uri("https://db1:4200,db2:4200")
    ///     .option("tlsCAFile", "/etc/db/ca.pem")
    ///     .build()?;
    /// # Ok::<(), httpdb::Error>(())
    /// ```
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The ureq agent under this client, with its TLS (our rustls
    /// configuration and verifiers), timeouts, pool and resolver, for code
    /// that already speaks ureq. Requests sent through it skip what the
    /// client adds: failover, the base path, the credentials, the
    /// whole-call deadline.
    ///
    /// ```no_run
    /// let client = httpdb::Client::from_env("HTTPDB_URL")?;
    /// let health = client
    ///     .agent()
    ///     .get("https://db1:4200/_cluster/health")
    ///     .call()?
    ///     .body_mut()
    ///     .read_to_string()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn agent(&self) -> &ureq::Agent {
        &self.inner.agent
    }

    /// The rustls configuration every connection of this client uses
    /// (`None` without TLS): the CA, client identity and verifier the
    /// settings call for.
    pub fn tls_config(&self) -> Option<&Arc<rustls::ClientConfig>> {
        self.inner.tls.as_ref()
    }

    /// A client for `settings`. Reads the CA, certificate and key files
    /// now, once; nothing is sent until the first request.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for a CA, certificate or key file that cannot be
    /// used, or a token that cannot go into a header.
    pub fn from_settings(settings: Settings) -> Result<Client> {
        let tls_config = tls::client_config(&settings)?;
        if !settings.tls() && (settings.password().is_some() || settings.token().is_some()) {
            log::warn!(
                "credentials will be sent in plain text over http:// to {}; use https://",
                settings
                    .hosts()
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        let agent = transport::agent(&settings, tls_config.clone())?;
        let scheme = if settings.tls() {
            Scheme::HTTPS
        } else {
            Scheme::HTTP
        };
        let base = settings.path().trim_end_matches('/').to_string();
        let names: Vec<String> = settings.hosts().iter().map(ToString::to_string).collect();
        let targets = names
            .iter()
            .map(|name| {
                let authority = Authority::try_from(name.as_str()).map_err(|e| {
                    Error::config("host", format!("host {name} cannot be used in a URL: {e}"))
                })?;
                Endpoint::new(scheme.clone(), authority)
            })
            .collect::<Result<Vec<_>>>()?;
        let authorization = authorization(&settings)?;
        let headers = default_headers(&settings)?;
        let scrubber = scrubber(&settings);
        let hosts = HostTable::new(
            settings.hosts().len(),
            settings.host_order(),
            settings.retry_interval(),
        );
        Ok(Client {
            inner: Arc::new(Inner {
                settings,
                agent,
                tls: tls_config,
                targets,
                base,
                names,
                authorization,
                headers,
                scrubber,
                hosts,
            }),
        })
    }

    /// The settings this client was built from.
    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// The hosts (`host:port`) currently skipped after a failure; each
    /// is tried again once `retry_interval` has passed since it failed.
    pub fn dead_hosts(&self) -> Vec<String> {
        let inner = &*self.inner;
        (0..inner.names.len())
            .filter(|i| inner.hosts.is_dead(*i))
            .map(|i| inner.names[i].clone())
            .collect()
    }

    /// A request to send with [`Request::send`]; `path` is relative to the
    /// URI's base path.
    pub fn request(&self, method: Method, path: &str) -> Request<'_> {
        Request::new(self, method, path)
    }

    /// `GET path`. An HTTP error status is an [`Error::Status`].
    ///
    /// # Errors
    ///
    /// As [`Request::send`].
    pub fn get(&self, path: &str) -> Result<Response> {
        self.request(Method::GET, path).send()
    }
    /// `HEAD path`.
    ///
    /// # Errors
    ///
    /// As [`Request::send`].
    pub fn head(&self, path: &str) -> Result<Response> {
        self.request(Method::HEAD, path).send()
    }
    /// `DELETE path`.
    ///
    /// # Errors
    ///
    /// As [`Request::send`].
    pub fn delete(&self, path: &str) -> Result<Response> {
        self.request(Method::DELETE, path).send()
    }
    /// `POST path` with a raw body. Never sent twice.
    ///
    /// # Errors
    ///
    /// As [`Request::send`].
    pub fn post(&self, path: &str, body: impl Into<Vec<u8>>) -> Result<Response> {
        self.request(Method::POST, path).body(body).send()
    }
    /// `PUT path` with a raw body.
    ///
    /// # Errors
    ///
    /// As [`Request::send`].
    pub fn put(&self, path: &str, body: impl Into<Vec<u8>>) -> Result<Response> {
        self.request(Method::PUT, path).body(body).send()
    }
    /// `GET path`, the answer decoded from JSON.
    ///
    /// # Errors
    ///
    /// As [`Request::send`], then [`Response::json`].
    pub fn get_json<T: DeserializeOwned>(&self, path: &str) -> Result<T> {
        self.get(path)?.json()
    }
    /// `POST path` with `body` as JSON, the answer decoded from JSON.
    ///
    /// # Errors
    ///
    /// As [`Request::send`], then [`Response::json`].
    pub fn post_json<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T> {
        self.request(Method::POST, path).json(body).send()?.json()
    }

    /// Who answers: the root document of CrateDB, Elasticsearch, OpenSearch
    /// or CouchDB (`GET /`), or etcd's `GET /version`.
    ///
    /// # Errors
    ///
    /// As [`Request::send`]; an error status of `GET /` when neither
    /// document names the server.
    pub fn server_info(&self) -> Result<ServerInfo> {
        let mut root = self
            .request(Method::GET, "/")
            .error_for_status(false)
            .send()?;
        let url = self.url_of(root.host());
        let status = root.status();
        let headers = root.headers().clone();
        let root_error = root.status_error();
        let body = root.bytes().unwrap_or_default();
        if let Some(info) = server_info::identify(self, url.clone(), status, &headers, &body)? {
            return Ok(info);
        }
        if let Some(error) = root_error {
            return Err(error);
        }
        Ok(ServerInfo {
            url,
            name: None,
            cluster_name: None,
            version: None,
            product: None,
        })
    }

    fn url_of(&self, host: &str) -> String {
        let scheme = if self.inner.settings.tls() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{host}")
    }

    /// Sends `request` over the plan of hosts, within one `timeout` for
    /// the call (up to the answer's headers here, and the whole body when
    /// it is read with `bytes`, `text` or `json`); `failover` decides
    /// after each attempt, from the status line and headers at most, what
    /// may be tried again.
    fn send(&self, request: &mut Request<'_>) -> Result<Response> {
        let inner = &*self.inner;
        let deadline = Instant::now() + request.timeout.unwrap_or(inner.settings.timeout());
        let max = inner.settings.max_redirects();
        let mut hops = 0;
        loop {
            let response = self.send_once(request, deadline)?;
            if max == 0 || !redirect::is_redirect(response.status) {
                return Ok(response);
            }
            let Some(location) = response.location().map(str::to_string) else {
                return Ok(response);
            };
            let here = match &request.target {
                Some(target) => target.origin.clone(),
                None => redirect::Origin {
                    https: inner.settings.tls(),
                    authority: response.host.to_ascii_lowercase(),
                },
            };
            let path = if request.raw_path {
                request.path.clone()
            } else {
                join(&inner.base, &request.path)
            };
            let from = format!("{}{path}", here.url());
            // A location may echo the query, credentials in it included.
            let refuse = |to: String, reason: String| Error::Redirect {
                from: inner.scrubber.scrub(&from),
                to: inner.scrubber.scrub(&to),
                reason,
            };
            let (next, next_path) = redirect::resolve(&here, &path, &location)
                .map_err(|why| refuse(location.clone(), why))?;
            let to = format!("{}{next_path}", next.url());
            if here.https && !next.https {
                return Err(refuse(
                    to,
                    "an https request never goes on as plain http; follow it yourself if you trust it".into(),
                ));
            }
            if hops == max {
                return Err(refuse(
                    to,
                    format!("more than max_redirects={max} redirects; raise max_redirects"),
                ));
            }
            let (method, keep_body) = redirect::next_method(response.status, &request.method);
            if keep_body && !request.payload.rewind() {
                return Err(refuse(
                    to,
                    format!(
                        "a {} asks for the body again, and it was read from a stream that cannot be sent twice; send it from bytes or a file",
                        response.status
                    ),
                ));
            }
            drop(response);
            if !keep_body {
                request.payload = Payload::Empty;
                request.json = false;
                request
                    .headers
                    .retain(|(name, _)| !name.as_str().starts_with("content-"));
            }
            log::info!(
                "{}: {method} {} (redirect {} of at most {max})",
                inner.scrubber.scrub(&from),
                inner.scrubber.scrub(&to),
                hops + 1
            );
            request.method = method;
            request.path = next_path;
            request.raw_path = true;
            request.target = self.target_of(&next)?;
            hops += 1;
        }
    }

    /// The target of a redirect to `origin`: `None` for one of the URI's
    /// hosts (the cluster, with its credentials and failover), else the
    /// one foreign host, which gets no credentials.
    fn target_of(&self, origin: &redirect::Origin) -> Result<Option<Target>> {
        let inner = &*self.inner;
        let ours = origin.https == inner.settings.tls()
            && inner
                .names
                .iter()
                .any(|name| name.eq_ignore_ascii_case(&origin.authority));
        if ours {
            return Ok(None);
        }
        let authority = Authority::try_from(origin.authority.as_str()).map_err(|e| {
            Error::config(
                "host",
                format!("redirect to {} cannot be used: {e}", origin.url()),
            )
        })?;
        let scheme = if origin.https {
            Scheme::HTTPS
        } else {
            Scheme::HTTP
        };
        Ok(Some(Target {
            origin: origin.clone(),
            endpoint: Endpoint::new(scheme, authority)?,
        }))
    }

    /// One request, with failover over the URI's hosts (or to the one
    /// foreign host a redirect named), within `deadline`.
    fn send_once(&self, request: &mut Request<'_>, deadline: Instant) -> Result<Response> {
        let inner = &*self.inner;
        let _deadline = wire::deadline(Some(deadline));
        let mut prepared = self.prepare(request)?;
        self.compress(&mut prepared, &mut request.payload)?;
        let foreign = request.target.clone();
        let plan = match &foreign {
            Some(_) => vec![0],
            None => inner.hosts.plan(),
        };
        let allowed = plan
            .len()
            .min(inner.settings.max_retries().saturating_add(1));
        let policy = failover::Policy {
            on_status: inner.settings.retry_on_status(),
            on_timeout: inner.settings.retry_on_timeout(),
        };
        let mut attempts: Vec<(String, Error)> = Vec::new();
        let mut unavailable: Option<Response> = None;
        for (n, &i) in plan.iter().take(allowed).enumerate() {
            let host = match &foreign {
                Some(target) => &target.origin.authority,
                None => &inner.names[i],
            };
            let to = match &foreign {
                Some(target) => &target.endpoint,
                None => &inner.targets[i],
            };
            let last = n + 1 == allowed;
            let mut fresh = false;
            let (error, verdict) = loop {
                if Instant::now() >= deadline {
                    // Spent: the last attempt's error says why. A host
                    // that was never tried is not listed.
                    if attempts.is_empty() {
                        attempts.push((
                            host.clone(),
                            Error::Timeout {
                                host: host.clone(),
                                phase: TimeoutPhase::Connect,
                                after: inner.settings.timeout(),
                            },
                        ));
                    }
                    return Err(final_error(attempts));
                }
                let replayable = request.payload.rewind();
                wire::begin();
                let result =
                    self.attempt(host, to, &prepared, &mut request.payload, fresh, deadline);
                let wire = wire::take();
                match result {
                    Ok(mut response) => {
                        let verdict =
                            failover::after_answer(&request.method, response.status, policy);
                        if !verdict.move_on {
                            if foreign.is_none() {
                                inner.hosts.mark_alive(i);
                            }
                            return request.finish(response);
                        }
                        let error = response.status_error();
                        unavailable = Some(response);
                        break (error, verdict);
                    }
                    Err(e) => {
                        if let Payload::Reader(reader) = &request.payload
                            && let Some(source) = reader.failure()
                        {
                            return Err(Error::Body {
                                what: "the body's reader".into(),
                                source,
                            });
                        }
                        let error = failure::classify(e, host, &inner.settings, wire);
                        let error = error.scrubbed(&inner.scrubber);
                        let replayable = replayable && request.payload.rewind();
                        let verdict = failover::after_failure(
                            &request.method,
                            wire,
                            &error,
                            fresh,
                            replayable,
                            policy,
                        );
                        if verdict.fresh_retry {
                            log::debug!(
                                "{host}: {} on a pooled connection; sending again on a new one",
                                Cause(&error)
                            );
                            fresh = true;
                            continue;
                        }
                        if let Error::Config { .. } = error {
                            return Err(error);
                        }
                        break (Some(error), verdict);
                    }
                }
            };
            if verdict.mark_dead && foreign.is_none() {
                inner.hosts.mark_dead(i);
            }
            let Some(error) = error else { continue };
            if !last && verdict.move_on {
                let wait = backoff(&inner.settings, n, deadline);
                log::info!(
                    "{host}: {}; trying {} in {wait:?} (attempt {} of at most {allowed})",
                    Cause(&error),
                    inner.names[plan[n + 1]],
                    n + 2
                );
                std::thread::sleep(wait);
            } else {
                log::debug!("{host}: {}", Cause(&error));
            }
            let is_unavailable = matches!(error, Error::Status { .. });
            attempts.push((host.clone(), error));
            if !verdict.move_on || last {
                if is_unavailable && let Some(response) = unavailable.take() {
                    return request
                        .finish(response)
                        .map_err(|e| with_history(e, attempts));
                }
                break;
            }
        }
        Err(final_error(attempts))
    }

    /// Compresses the body when `compress` says so and the request set no
    /// `Content-Encoding` of its own: bytes once, here; a file or a reader
    /// on the fly, in each attempt.
    fn compress(&self, prepared: &mut Prepared, payload: &mut Payload) -> Result<()> {
        let Some(min) = self.inner.settings.compress() else {
            return Ok(());
        };
        if prepared
            .headers
            .contains_key(ureq::http::header::CONTENT_ENCODING)
        {
            return Ok(());
        }
        let size = match payload {
            Payload::Empty => return Ok(()),
            Payload::Bytes(bytes) if bytes.is_empty() => return Ok(()),
            Payload::Bytes(bytes) => bytes.len() as u64,
            Payload::File(file) => file.metadata().map_or(u64::MAX, |m| m.len()),
            Payload::Reader(_) => u64::MAX,
        };
        if size < min {
            return Ok(());
        }
        let level = flate2::Compression::new(self.inner.settings.compress_level());
        if let Payload::Bytes(bytes) = payload {
            let mut encoder = flate2::write::GzEncoder::new(Vec::new(), level);
            let compressed = std::io::Write::write_all(&mut encoder, bytes)
                .and_then(|()| encoder.finish())
                .map_err(|source| Error::Body {
                    what: "the body, compressing it".into(),
                    source,
                })?;
            *bytes = compressed;
        } else {
            prepared.gzip = Some(level);
        }
        prepared.headers.insert(
            ureq::http::header::CONTENT_ENCODING,
            HeaderValue::from_static("gzip"),
        );
        Ok(())
    }

    /// One attempt on host `i`, up to the answer's status and headers;
    /// `fresh` takes a new connection rather than a pooled one.
    fn attempt(
        &self,
        host: &str,
        to: &Endpoint,
        prepared: &Prepared,
        payload: &mut Payload,
        fresh: bool,
        deadline: Instant,
    ) -> std::result::Result<Response, ureq::Error> {
        let mut parts = ureq::http::uri::Parts::default();
        parts.scheme = Some(to.scheme.clone());
        parts.authority = Some(to.authority.clone());
        parts.path_and_query = Some(prepared.path.clone());
        let uri = Uri::from_parts(parts).map_err(|e| ureq::Error::BadUri(e.to_string()))?;
        let mut headers = prepared.headers.clone();
        // Built once per host rather than by ureq on every request; a
        // request's (or the settings') own Host stays.
        headers
            .entry(ureq::http::header::HOST)
            .or_insert_with(|| to.host.clone());
        let head = (&prepared.method, uri, headers);
        let answer = match (payload, prepared.gzip) {
            (Payload::File(file), Some(level)) => self.run(
                head,
                ureq::SendBody::from_reader(&mut flate2::read::GzEncoder::new(&*file, level)),
                fresh,
            ),
            (Payload::Reader(reader), Some(level)) => self.run(
                head,
                ureq::SendBody::from_owned_reader(flate2::read::GzEncoder::new(
                    reader.clone(),
                    level,
                )),
                fresh,
            ),
            (Payload::Bytes(body), _) => self.run(head, body.as_slice(), fresh),
            (Payload::File(file), None) => self.run(head, &*file, fresh),
            (Payload::Reader(reader), None) => self.run(
                head,
                ureq::SendBody::from_owned_reader(reader.clone()),
                fresh,
            ),
            // A method that carries a body gets an empty one, sent with
            // `Content-Length: 0` rather than as an empty chunked body.
            (Payload::Empty, _)
                if matches!(prepared.method, Method::POST | Method::PUT | Method::PATCH) =>
            {
                self.run(head, &[][..], fresh)
            }
            (Payload::Empty, _) => self.run(head, (), fresh),
        }?;
        log::debug!(
            "{} {} -> {} from {host} ({} connection)",
            prepared.method,
            // A default parameter may be a credential (InfluxDB's p=).
            self.inner.scrubber.scrub(prepared.path.as_str()),
            answer.status().as_u16(),
            if wire::peek().opened { "new" } else { "reused" }
        );
        Ok(Response::new(
            self.clone(),
            host.to_string(),
            answer,
            deadline,
        ))
    }

    fn run<B: ureq::AsSendBody>(
        &self,
        (method, uri, headers): (&Method, Uri, ureq::http::HeaderMap),
        body: B,
        fresh: bool,
    ) -> std::result::Result<ureq::http::Response<ureq::Body>, ureq::Error> {
        let agent = &self.inner.agent;
        let mut http = ureq::http::Request::new(body);
        *http.method_mut() = method.clone();
        *http.uri_mut() = uri;
        *http.headers_mut() = headers;
        if !fresh {
            return agent.run(http);
        }
        // Skips (and so drops) the pooled connections to this host.
        let config = agent
            .configure_request(http)
            .max_idle_age(Duration::ZERO)
            .build();
        agent.run(config)
    }

    /// What every attempt of `request` sends: checked once, before the
    /// first host is tried, so that a malformed request blames no host.
    fn prepare(&self, request: &Request<'_>) -> Result<Prepared> {
        let bad = |what: &str, e: &dyn std::fmt::Display| {
            Error::config(
                "request",
                format!(
                    "cannot send {} {}: {what}: {e}",
                    request.method, request.path
                ),
            )
        };
        let mut full = if request.raw_path {
            checked_path(&request.path)?.to_string()
        } else {
            join(&self.inner.base, checked_path(&request.path)?)
        };
        // The settings' default parameters, unless the request sets its own
        // of the same name; none to a host a redirect named.
        if request.target.is_none() {
            with_default_params(&mut full, self.inner.settings.params());
        }
        let path = PathAndQuery::try_from(full).map_err(|e| {
            bad(
                "invalid path (percent-encode spaces and other special characters)",
                &e,
            )
        })?;
        // A host a redirect named that is not one of the URI's gets no
        // credential: neither the settings' nor the request's own.
        let foreign = request.target.is_some();
        let credential = |name: &ureq::http::HeaderName| {
            foreign && crate::settings::options::is_secret_header(name.as_str())
        };
        let mut headers = self.inner.headers.clone();
        if foreign {
            let names: Vec<_> = headers.keys().filter(|n| credential(n)).cloned().collect();
            for name in names {
                headers.remove(name);
            }
        } else if let Some(auth) = &self.inner.authorization {
            headers.insert(ureq::http::header::AUTHORIZATION, auth.clone());
        }
        let mut own: Vec<&ureq::http::HeaderName> = Vec::new();
        for (name, value) in request.headers.iter().filter(|(n, _)| !credential(n)) {
            let mut value = value.clone();
            if name == ureq::http::header::AUTHORIZATION {
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
        if request.json && !headers.contains_key(ureq::http::header::CONTENT_TYPE) {
            headers.insert(
                ureq::http::header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
        }
        Ok(Prepared {
            method: request.method.clone(),
            path,
            headers,
            gzip: None,
        })
    }
}

/// Where a redirected request goes when that is not one of the URI's
/// hosts.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    origin: redirect::Origin,
    endpoint: Endpoint,
}

/// Where one host's requests go: the scheme and authority of their URL,
/// and the `Host` header they carry.
#[derive(Debug, Clone)]
struct Endpoint {
    scheme: Scheme,
    authority: Authority,
    /// `host`, or `host:port` when the port is not the scheme's default:
    /// what ureq would write, built once rather than on every request.
    host: HeaderValue,
}

impl Endpoint {
    fn new(scheme: Scheme, authority: Authority) -> Result<Endpoint> {
        let default = crate::settings::default_port(scheme == Scheme::HTTPS);
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

/// The parts of a request that are the same for every attempt.
struct Prepared {
    method: Method,
    path: PathAndQuery,
    headers: ureq::http::HeaderMap,
    /// A file or reader body is gzip-compressed on the fly, at this level.
    gzip: Option<flate2::Compression>,
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

/// The wait before move `n + 1` to another host: `retry_backoff` doubled
/// per move, at most `retry_backoff_max`, drawn between half and all of it
/// ("equal jitter", as elastic-transport waits) so that clients that
/// failed together do not come back together; never past `deadline`.
fn backoff(settings: &Settings, n: usize, deadline: Instant) -> Duration {
    use std::hash::{BuildHasher, Hasher};
    let base = settings.retry_backoff();
    if base.is_zero() {
        return Duration::ZERO;
    }
    let full = base
        .saturating_mul(1u32 << n.min(20))
        .min(settings.retry_backoff_max());
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_usize(n);
    let jitter = (hasher.finish() % 1000) as u32;
    let wait = full / 2 + full / 2 * jitter / 1000;
    wait.min(deadline.saturating_duration_since(Instant::now()))
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
fn default_headers(settings: &Settings) -> Result<ureq::http::HeaderMap> {
    let mut headers = ureq::http::HeaderMap::new();
    for (name, value) in settings.headers() {
        let bad = || {
            Error::config(
                format!("header.{name}"),
                format!(
                    "header.{name} cannot be sent as an HTTP header; use a header name and a value of printable ASCII"
                ),
            )
        };
        let name = ureq::http::HeaderName::from_bytes(name.as_bytes()).map_err(|_| bad())?;
        let mut value = HeaderValue::from_str(value.expose()).map_err(|_| bad())?;
        value.set_sensitive(crate::settings::options::is_secret_header(name.as_str()));
        headers.insert(name, value);
    }
    Ok(headers)
}

/// The scrubber for the credentials of `settings`: password, token, key
/// passphrase, and the base64 of `user:password` as the Basic header has it.
fn scrubber(settings: &Settings) -> Scrubber {
    let mut secrets: Vec<Secret> = [
        settings.password(),
        settings.token(),
        settings.api_key(),
        settings.ssl_pem_passphrase(),
    ]
    .into_iter()
    .flatten()
    .cloned()
    .chain(
        settings
            .headers()
            .iter()
            .filter(|(name, _)| crate::settings::options::is_secret_header(name))
            .map(|(_, value)| value.clone()),
    )
    .chain(
        settings
            .params()
            .iter()
            .filter(|(name, _)| crate::settings::options::is_secret_param(name))
            .map(|(_, value)| value.clone()),
    )
    .collect();
    if let Some(user) = settings.username() {
        secrets.push(basic_credential(user, settings.password()));
    }
    Scrubber::new(secrets)
}

/// `params` appended to the query of `path`, each unless the query
/// already names it.
fn with_default_params(path: &mut String, params: &[(String, Secret)]) {
    use percent_encoding::utf8_percent_encode;
    if params.is_empty() {
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
        if given.contains(name) || given.contains(&encoded) {
            continue;
        }
        path.push(if path.contains('?') { '&' } else { '?' });
        path.push_str(&encoded);
        path.push('=');
        path.push_str(&utf8_percent_encode(value.expose(), request::QUERY_PAIR).to_string());
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

/// One error for a request whose every attempt failed.
fn final_error(mut attempts: Vec<(String, Error)>) -> Error {
    if attempts.len() == 1 {
        return attempts.remove(0).1;
    }
    // A certificate problem is a configuration problem: say so, rather
    // than bury it in a list of hosts.
    if let Some(pos) = attempts.iter().position(|(_, e)| matches!(e, Error::Tls { kind, .. } if kind.is_verification() || matches!(kind, crate::TlsErrorKind::ClientCertRejected | crate::TlsErrorKind::ClientCertRequired))) {
        return attempts.remove(pos).1;
    }
    Error::NoHost { attempts }
}

fn with_history(error: Error, attempts: Vec<(String, Error)>) -> Error {
    if attempts.len() <= 1 {
        error
    } else {
        Error::NoHost { attempts }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `Host` header ureq would write: no port where it is the
    /// scheme's default, brackets kept for IPv6.
    #[test]
    fn endpoint_host_header_names_the_port_only_when_it_is_not_the_default() {
        let host = |scheme: Scheme, authority: &str| {
            let endpoint = Endpoint::new(scheme, Authority::try_from(authority).unwrap()).unwrap();
            endpoint.host.to_str().unwrap().to_string()
        };
        assert_eq!(host(Scheme::HTTPS, "db:443"), "db");
        assert_eq!(host(Scheme::HTTPS, "db:4200"), "db:4200");
        assert_eq!(host(Scheme::HTTPS, "db:80"), "db:80");
        assert_eq!(host(Scheme::HTTP, "db:80"), "db");
        assert_eq!(host(Scheme::HTTP, "db"), "db");
        assert_eq!(host(Scheme::HTTPS, "[::1]:9200"), "[::1]:9200");
        assert_eq!(host(Scheme::HTTPS, "[::1]:443"), "[::1]");
    }

    #[test]
    fn joins_paths() {
        assert_eq!(join("", "/"), "/");
        assert_eq!(join("", "_sql"), "/_sql");
        assert_eq!(join("/db", "/x?y=1"), "/db/x?y=1");
    }

    #[test]
    fn client_is_send_sync_clone() {
        fn check<T: Send + Sync + Clone>() {}
        check::<Client>();
    }
}
