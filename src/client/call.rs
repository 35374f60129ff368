//! The run loop of one call: the attempts over the plan of hosts, what
//! `failover` allows after each, the backoff between moves to another
//! host, and the redirects `max_redirects` allows — all within the call's
//! one [`Deadline`]. Where the call stands after the redirects followed so
//! far is the loop's own value ([`Hop`]); the user's [`Request`] is read,
//! never rewritten.

use std::time::{Duration, Instant};

use ureq::http::Method;
use ureq::http::uri::Authority;

use super::attempt_error;
use super::failover;
use super::payload::Payload;
use super::prepare::{self, Encoding, Endpoint, Prepared, Route};
use super::reads;
use super::record::Raw;
use super::redirect::{self, Origin};
use super::replay::Replay;
use super::spans;
use super::{Client, Request, Response};
use crate::error::{Attempt, Attempts, Cause, Error, Result, TimeoutPhase};
use crate::settings::Settings;
use crate::transport::deadline::Deadline;
use crate::transport::wire;

impl Request<'_> {
    /// Sends the request, moving on to other hosts as the failover rules
    /// allow (README, "Clusters and failover"), and returns once the
    /// answer's status and headers are in; read the body from the
    /// [`Response`].
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for a request that cannot be sent as built (a bad
    /// header, path or JSON body; nothing is sent); [`Error::Status`] for a
    /// 4xx or 5xx answer unless [`error_for_status(false)`](Request::error_for_status);
    /// otherwise the failure of the last host tried, or [`Error::NoHost`]
    /// listing each. [`Error::is_timeout`] and its siblings look through
    /// all of them.
    pub fn send(mut self) -> Result<Response> {
        if let Some(invalid) = self.invalid.take() {
            return Err(invalid);
        }
        send(self.client, self)
    }
}

/// Sends `request` over the plan of hosts, within one `timeout` for the
/// call (up to the answer's headers here, and the whole body when it is
/// read with `bytes`, `text` or `json`); `failover` decides after each
/// attempt, from the status line and headers at most, what may be tried
/// again.
pub(super) fn send(client: &Client, mut request: Request<'_>) -> Result<Response> {
    if let Some(rotation) = &client.inner.rotation {
        rotation.check(&client.inner.settings, &client.inner.scrubber);
    }
    let deadline = Deadline::after(request.timeout.unwrap_or(client.inner.settings.timeout()))
        .earlier(Deadline::current());
    let _deadline = deadline.enter();
    if client.inner.discovery.is_some() {
        super::discover::before_call(client, deadline.left());
    }
    let payload = std::mem::replace(&mut request.payload, Payload::Empty);
    let mut call = Call {
        client,
        request: &request,
        payload,
        encoding: None,
        deadline,
        hop: Hop::first(&request),
        started: request
            .timings
            .unwrap_or(client.inner.settings.timings())
            .then(Instant::now),
        log: Vec::new(),
        last: None,
    };
    let first = client.inner.seeds.names.first().map_or("", String::as_str);
    let span = spans::CallSpan::start(
        || spans::About {
            method: request.method.as_str(),
            path: &request.path,
            https: client.inner.settings.tls(),
            product: client.product(),
            scrubber: &client.inner.scrubber,
        },
        first,
    );
    let mut answer = {
        let _in = span.enter();
        call.run()
    };
    let total = call.started.map(|at| at.elapsed());
    span.end(
        answer.as_ref().map(|r| r.status),
        call.log.len() + usize::from(call.last.is_some()),
    );
    // In place: an answer is big, and this is every call's path.
    match &mut answer {
        Ok(response) => response.pending(call.log, call.last, call.hop.count, total),
        Err(error) => error.keep_attempts(Attempts::new(call.log, call.hop.count, total)),
    }
    // A TLS failure may be the other side of a rotation (a server that
    // now wants the new client certificate): the files are looked at on
    // the next call, not a second later.
    if let (Err(e), Some(rotation)) = (&answer, &client.inner.rotation)
        && (e.is_tls() || matches!(e, Error::NoHost { .. }))
    {
        rotation.soon();
    }
    answer
}

impl Call<'_, '_> {
    /// The hops of the call: the first request, then each redirect it is
    /// to follow.
    fn run(&mut self) -> Result<Response> {
        loop {
            // Kept in its `Result` on the way out: an answer is big.
            let answer = self.failover();
            let Ok(response) = &answer else {
                return answer;
            };
            let next = match self.next_hop(response) {
                Ok(next) => next,
                Err(refused) => {
                    // The answer that pointed elsewhere is an attempt of
                    // the call too (`-v` shows it).
                    if let Some(raw) = self.last.take() {
                        let scrubber = &self.client.inner.scrubber;
                        self.log.push(raw.told(response.host.clone(), scrubber));
                    }
                    return Err(refused);
                }
            };
            let Some(next) = next else {
                return answer;
            };
            if let Some(raw) = self.last.take() {
                let scrubber = &self.client.inner.scrubber;
                self.log.push(raw.told(response.host.clone(), scrubber));
            }
            drop(answer);
            self.hop = next;
        }
    }
}

/// One call under way.
struct Call<'a, 'c> {
    client: &'a Client,
    request: &'a Request<'c>,
    /// The request's body, taken over: rewound for each attempt, dropped
    /// by a redirect that turns the request into a GET.
    payload: Payload,
    /// How the body goes, decided on the first hop.
    encoding: Option<Encoding>,
    deadline: Deadline,
    hop: Hop,
    /// When the call began, when its attempts are timed.
    started: Option<Instant>,
    /// The attempts so far, over every hop, told.
    log: Vec<Attempt>,
    /// The attempt that got the answer being returned, as recorded: told
    /// only if it is looked at.
    last: Option<Raw>,
}

/// Where the call stands after the redirects followed so far.
struct Hop {
    method: Method,
    /// `None`: the request's own path, under the base path; else the whole
    /// path-and-query a redirect named.
    path: Option<String>,
    /// Whether the body still goes.
    body: bool,
    /// Where the request goes when that is not one of the URI's hosts.
    target: Option<Target>,
    /// Redirects followed to get here.
    count: usize,
}

impl Hop {
    fn first(request: &Request<'_>) -> Hop {
        Hop {
            method: request.method.clone(),
            path: None,
            body: true,
            target: None,
            count: 0,
        }
    }
}

/// Where a redirected request goes when that is not one of the URI's
/// hosts.
#[derive(Debug, Clone)]
struct Target {
    origin: Origin,
    endpoint: Endpoint,
}

impl Call<'_, '_> {
    /// The request of this hop, with failover over the URI's hosts (or to
    /// the one foreign host a redirect named).
    fn failover(&mut self) -> Result<Response> {
        let inner = &*self.client.inner;
        let route = Route {
            method: &self.hop.method,
            path: self.hop.path.as_deref(),
            body: self.hop.body,
            foreign: self.hop.target.is_some(),
        };
        let mut prepared =
            prepare::prepare(&inner.defaults(), &inner.settings, self.request, &route)?;
        let encoding = match self.encoding {
            Some(encoding) => encoding,
            None => *self.encoding.insert(prepare::compress(
                &inner.settings,
                &prepared.headers,
                &mut self.payload,
            )?),
        };
        if self.hop.body {
            prepared.encode(encoding);
        }
        let method = &self.hop.method;
        let foreign = &self.hop.target;
        let replay = Replay::of(
            method,
            self.hop.path.as_deref().unwrap_or(&self.request.path),
            || super::replay::keyed(&prepared.headers),
            self.request.replay,
            self.client.product(),
            inner.settings.retry_reads(),
        );
        // A request the caller vouched for goes with the server's switch
        // against writes, where it has one: a wrong mark is then refused by
        // the server rather than applied twice.
        if replay.vouched()
            && foreign.is_none()
            && let Some((name, value)) = reads::write_guard(self.client.product())
        {
            prepared.add_param(name, value)?;
        }
        // The hosts as they are when the hop starts: discovery may
        // install others meanwhile, for the calls after this one.
        let members = inner.members();
        let plan = match foreign {
            Some(_) => vec![0],
            None => members.table.plan(),
        };
        // Tries: the first and `max_retries` more, over the hosts of the
        // plan in turn, coming back round to the first (the only one of a
        // one-host URI).
        let allowed = match foreign {
            Some(_) => inner.settings.max_retries(),
            None => inner.settings.max_retries_over(members.names.len()),
        }
        .saturating_add(1);
        let policy = failover::Policy {
            on_status: inner.settings.retry_on_status(),
            on_timeout: inner.settings.retry_on_timeout(),
        };
        // This hop's attempts are the log's from here on.
        let first = self.log.len();
        // When each host of the plan may be tried again: after a
        // `Retry-After` it sent, or the backoff after it failed.
        let mut not_before: Vec<Option<Instant>> = Vec::new();
        // Hosts of the plan that failed in a way a second try would not
        // mend (a TLS or proxy failure, a name that does not resolve, a
        // timeout): the call does not come back to them.
        let mut settled: Vec<bool> = Vec::new();
        let mut slot = 0;
        for n in 0..allowed {
            let i = plan[slot];
            let (host, to, agent) = match foreign {
                Some(target) => (&target.origin.authority, &target.endpoint, &inner.agent),
                None => (&members.names[i], &members.targets[i], &members.agents[i]),
            };
            if let Some(Some(at)) = not_before.get(slot) {
                std::thread::sleep(at.saturating_duration_since(Instant::now()));
            }
            let last = n + 1 == allowed;
            let mut fresh = false;
            let (outcome, verdict) = loop {
                if self.deadline.is_spent() {
                    // Spent: the last attempt's error says why. A host
                    // that was never tried is not listed.
                    if self.log.len() == first {
                        return Err(Error::Timeout {
                            host: host.clone(),
                            phase: TimeoutPhase::Connect,
                            after: inner.settings.timeout(),
                            attempts: Attempts::default(),
                        });
                    }
                    return Err(final_error(&mut self.log[first..]));
                }
                let replayable = self.payload.rewind();
                wire::begin(self.request.keep_heads, self.started.is_some());
                let span = spans::AttemptSpan::start(
                    || spans::About {
                        method: method.as_str(),
                        path: prepared.path.as_str(),
                        https: to.https(),
                        product: self.client.product(),
                        scrubber: &inner.scrubber,
                    },
                    host,
                    self.log.len(),
                );
                // A streamed body is bounded by progress while it goes out.
                crate::transport::deadline::stream_upload(
                    matches!(self.payload, Payload::File(_) | Payload::Reader(_))
                        .then(|| inner.settings.read_timeout()),
                );
                let result = {
                    let _in = span.enter();
                    attempt(
                        self.client,
                        agent,
                        host,
                        to,
                        &prepared,
                        &mut self.payload,
                        fresh,
                    )
                };
                // One that broke off mid-body ends its upload here; the
                // deadline moved later by the time it took.
                crate::transport::deadline::upload_ended();
                self.deadline = Deadline::current();
                let status = result.as_ref().ok().map(|r| r.status);
                let raw = Raw::taken(
                    status,
                    self.hop.count,
                    self.started,
                    self.request.keep_heads,
                );
                let wire = raw.wire();
                match result {
                    Ok(response) => {
                        if span.wanted() {
                            span.end(&raw.told(host.clone(), &inner.scrubber), None);
                        }
                        let verdict =
                            failover::after_answer(replay.allowed(), response.status, policy);
                        if !verdict.move_on {
                            if foreign.is_none() {
                                members.table.mark_alive(i);
                            }
                            let mut response = response;
                            if let Err(error) = self.request.finish(&mut response) {
                                self.log.push(raw.told(host.clone(), &inner.scrubber));
                                return Err(error);
                            }
                            self.last = Some(raw);
                            return Ok(response);
                        }
                        self.log.push(raw.told(host.clone(), &inner.scrubber));
                        break (Outcome::Answered(Box::new(response)), verdict);
                    }
                    Err(e) => {
                        let told = raw.told(host.clone(), &inner.scrubber);
                        if let Payload::Reader(reader) = &self.payload
                            && let Some(source) = reader.failure()
                        {
                            self.log.push(told);
                            return Err(Error::Body {
                                what: "the body's reader".into(),
                                source,
                                attempts: Attempts::default(),
                            });
                        }
                        let error = attempt_error::classify(e, host, &inner.settings, wire);
                        let error = error.scrubbed(&inner.scrubber);
                        span.end(&told, Some(&error));
                        self.log.push(told);
                        let replayable = replayable && self.payload.rewind();
                        let verdict = failover::after_failure(
                            replay.allowed(),
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
                            log_error(&mut self.log, error);
                            continue;
                        }
                        if let Error::Config { .. } = error {
                            self.log.pop();
                            return Err(error);
                        }
                        break (Outcome::Failed(error), verdict);
                    }
                }
            };
            if verdict.mark_dead && foreign.is_none() {
                spans::marked_dead(host);
                members.table.mark_dead(i);
                if let Some(discovery) = &inner.discovery {
                    discovery.host_failed();
                }
            }
            let retry_after = match &outcome {
                Outcome::Answered(response) => retry_after(response),
                Outcome::Failed(_) => None,
            };
            if !verdict.again_here {
                settled.resize(plan.len(), false);
                settled[slot] = true;
            }
            let next = (1..=plan.len())
                .map(|k| (slot + k) % plan.len())
                .find(|&s| !settled.get(s).copied().unwrap_or(false));
            let mut give_up = !verdict.move_on || last || next.is_none();
            let next = next.unwrap_or(slot);
            let mut wait = Duration::ZERO;
            if !give_up {
                not_before.resize(plan.len(), None);
                // Waits come from settings and from a server's answer: an
                // instant out of range is a wait that does not fit.
                let now = Instant::now();
                let backoff = backoff(&inner.settings, n, self.deadline);
                let mut at = now.checked_add(backoff).unwrap_or(now);
                if let Some(asked) = retry_after {
                    // The server's own word on when to come back, for the
                    // next try on that host: capped by retry_backoff_max;
                    // when it does not fit in the call's time, its answer
                    // is returned now.
                    let asked = asked.min(inner.settings.retry_backoff_max());
                    let fits = self.deadline.left().is_none_or(|left| asked < left);
                    match now.checked_add(asked).filter(|_| fits) {
                        None => give_up = true,
                        Some(until) if next == slot => at = at.max(until),
                        Some(until) => not_before[slot] = Some(until),
                    }
                }
                if !give_up {
                    not_before[next] = not_before[next].max(Some(at));
                    wait = not_before[next].map_or(Duration::ZERO, |t| {
                        t.saturating_duration_since(Instant::now())
                    });
                }
            }
            let error = match outcome {
                // The answer that ends the call is the caller's, its body
                // whole (an error's first KiB, or the response itself).
                Outcome::Answered(mut response) if give_up => {
                    return match self.request.finish(&mut response) {
                        Ok(()) => Ok(*response),
                        Err(error) => {
                            log_error(&mut self.log, error);
                            Err(final_error(&mut self.log[first..]))
                        }
                    };
                }
                Outcome::Answered(mut response) => match response.status_error() {
                    Some(error) => error,
                    None => return Ok(*response),
                },
                Outcome::Failed(error) => error,
            };
            if give_up {
                log::debug!("{host}: {}", Cause(&error));
                log_error(&mut self.log, error);
                break;
            }
            let next_host = match foreign {
                Some(target) => &target.origin.authority,
                None => &members.names[plan[next]],
            };
            spans::moving_on(host, &error, next_host, wait.as_millis() as u64);
            log::info!(
                "{host}: {}; trying {next_host} in {wait:?} (try {} of at most {allowed})",
                Cause(&error),
                n + 2
            );
            log_error(&mut self.log, error);
            slot = next;
        }
        Err(final_error(&mut self.log[first..]))
    }

    /// The hop after `response` when it is a redirect to follow; `None`
    /// when the call ends with it.
    fn next_hop(&mut self, response: &Response) -> Result<Option<Hop>> {
        let inner = &*self.client.inner;
        let max = inner.settings.max_redirects();
        if max == 0 || !redirect::is_redirect(response.status) {
            return Ok(None);
        }
        let Some(location) = response.location() else {
            return Ok(None);
        };
        let here = match &self.hop.target {
            Some(target) => target.origin.clone(),
            None => Origin {
                https: inner.settings.tls(),
                authority: response.host.to_ascii_lowercase(),
            },
        };
        let path = match &self.hop.path {
            Some(path) => path.clone(),
            None => inner.defaults().under_base(&self.request.path),
        };
        let from = format!("{}{path}", here.url());
        // A location may echo the query, credentials in it included.
        let refuse = |to: String, reason: String| Error::Redirect {
            from: inner.scrubber.scrub(&from),
            to: inner.scrubber.scrub(&to),
            reason,
            attempts: Attempts::default(),
        };
        let (next, next_path) = redirect::resolve(&here, &path, location)
            .map_err(|why| refuse(location.to_string(), why))?;
        let to = format!("{}{next_path}", next.url());
        if here.https && !next.https {
            return Err(refuse(
                to,
                "an https request never goes on as plain http; follow it yourself if you trust it"
                    .into(),
            ));
        }
        if self.hop.count == max {
            return Err(refuse(
                to,
                format!("more than max_redirects={max} redirects; raise max_redirects"),
            ));
        }
        let (method, keep_body) = redirect::next_method(response.status, &self.hop.method);
        if keep_body && !self.payload.rewind() {
            return Err(refuse(
                to,
                format!(
                    "a {} asks for the body again, and it was read from a stream that cannot be sent twice; send it from bytes or a file",
                    response.status
                ),
            ));
        }
        if !keep_body {
            self.payload = Payload::Empty;
        }
        log::info!(
            "{}: {method} {} (redirect {} of at most {max})",
            inner.scrubber.scrub(&from),
            inner.scrubber.scrub(&to),
            self.hop.count + 1
        );
        Ok(Some(Hop {
            method,
            path: Some(next_path),
            body: self.hop.body && keep_body,
            target: target_of(self.client, &next)?,
            count: self.hop.count + 1,
        }))
    }
}

/// The target of a redirect to `origin`: `None` for one of the URI's
/// hosts (the cluster, with its credentials and failover), else the one
/// foreign host, which gets no credentials.
fn target_of(client: &Client, origin: &Origin) -> Result<Option<Target>> {
    let inner = &*client.inner;
    let ours = origin.https == inner.settings.tls()
        && inner
            .members()
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
    Ok(Some(Target {
        origin: origin.clone(),
        endpoint: Endpoint::new(origin.https, authority)?,
    }))
}

/// One attempt on `host`, through its `agent`, up to the answer's status
/// and headers; `fresh` takes a new connection rather than a pooled one.
fn attempt(
    client: &Client,
    agent: &ureq::Agent,
    host: &str,
    to: &Endpoint,
    prepared: &Prepared,
    payload: &mut Payload,
    fresh: bool,
) -> std::result::Result<Response, ureq::Error> {
    let answer = match (payload, prepared.gzip) {
        (Payload::File(file), Some(level)) => run(
            agent,
            prepared,
            to,
            ureq::SendBody::from_reader(&mut flate2::read::GzEncoder::new(&*file, level)),
            fresh,
        ),
        (Payload::Reader(reader), Some(level)) => run(
            agent,
            prepared,
            to,
            ureq::SendBody::from_owned_reader(flate2::read::GzEncoder::new(reader.clone(), level)),
            fresh,
        ),
        (Payload::Bytes(body), _) => run(agent, prepared, to, body.as_slice(), fresh),
        (Payload::File(file), None) => run(agent, prepared, to, &*file, fresh),
        (Payload::Reader(reader), None) => run(
            agent,
            prepared,
            to,
            ureq::SendBody::from_owned_reader(reader.clone()),
            fresh,
        ),
        // A method that carries a body gets an empty one, sent with
        // `Content-Length: 0` rather than as an empty chunked body.
        (Payload::Empty, _)
            if matches!(prepared.method, Method::POST | Method::PUT | Method::PATCH) =>
        {
            run(agent, prepared, to, &[][..], fresh)
        }
        (Payload::Empty, _) => run(agent, prepared, to, (), fresh),
    }?;
    log::debug!(
        "{} {} -> {} from {host} ({} connection)",
        prepared.method,
        // A default parameter may be a credential (InfluxDB's p=).
        client.inner.scrubber.scrub(prepared.path.as_str()),
        answer.status().as_u16(),
        if wire::peek().opened { "new" } else { "reused" }
    );
    // The call's deadline as it stands now: later by the time a streamed
    // body took to go out.
    Ok(Response::new(
        client.clone(),
        host.to_string(),
        answer,
        Deadline::current(),
    ))
}

/// `prepared` to `to` with `body`, through `agent`; on a new connection
/// when `fresh`.
#[inline]
fn run<B: ureq::AsSendBody>(
    agent: &ureq::Agent,
    prepared: &Prepared,
    to: &Endpoint,
    body: B,
    fresh: bool,
) -> std::result::Result<ureq::http::Response<ureq::Body>, ureq::Error> {
    let mut http = prepared.request(to, body)?;
    spans::trace_context(http.headers_mut());
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

/// How long a 429 or 503 answer asks the client to wait (`Retry-After`:
/// seconds, or an HTTP date; RFC 9110 §10.2.3).
fn retry_after(response: &Response) -> Option<Duration> {
    if !matches!(response.status, 429 | 503) {
        return None;
    }
    let value = response.header("retry-after")?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(
        at.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// The wait before try `n + 2`: `retry_backoff` doubled
/// per move, at most `retry_backoff_max`, drawn between half and all of it
/// ("equal jitter", as elastic-transport waits) so that clients that
/// failed together do not come back together; never past `deadline`.
fn backoff(settings: &Settings, n: usize, deadline: Deadline) -> Duration {
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
    wait.min(deadline.left().unwrap_or(Duration::MAX))
}

/// How one try ended, when it did not end the call at once.
enum Outcome {
    /// An answer of `retry_on_status`.
    Answered(Box<Response>),
    /// No answer.
    Failed(Error),
}

/// Keeps `error` as why the last attempt of `log` did not end the call.
fn log_error(log: &mut [Attempt], error: Error) {
    if let Some(attempt) = log.last_mut() {
        attempt.error = Some(error);
    }
}

/// One error for a hop whose every attempt failed, each attempt's error
/// in `attempts`: the error itself when one host was tried (taken out of
/// its last attempt), else [`Error::NoHost`], whose list the caller fills.
fn final_error(attempts: &mut [Attempt]) -> Error {
    let hosts = crate::error::last_failed_per_host(attempts);
    // A certificate problem is a configuration problem: say so, rather
    // than bury it in a list of hosts.
    let alone = match hosts[..] {
        [only] => Some(only),
        _ => hosts.iter().copied().find(|&i| matches!(&attempts[i].error, Some(Error::Tls { kind, .. }) if kind.is_verification() || matches!(kind, crate::TlsErrorKind::ClientCertRejected | crate::TlsErrorKind::ClientCertRequired))),
    };
    if let Some(error) = alone.and_then(|i| attempts[i].error.take()) {
        return error;
    }
    Error::NoHost {
        attempts: Attempts::default(),
    }
}
