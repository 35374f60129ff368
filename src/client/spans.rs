//! Tracing spans for calls and attempts, named and with fields as
//! OpenTelemetry's semantic conventions for HTTP clients and databases
//! name them, with the `tracing` feature; W3C trace context sent along
//! with the `opentelemetry` feature. Without the features every item here
//! is an empty shell the compiler removes.
//!
//! A call is a span `httpdb.call` (OpenTelemetry name: the method, kind
//! internal); each attempt a child `httpdb.attempt` (kind client), whose
//! `http.request.resend_count` counts the attempts before it. Moves to
//! another host and hosts marked dead are events of the call's span.

use crate::Error;
use crate::error::Attempt;

/// Inside a span until dropped.
#[cfg(feature = "tracing")]
pub(crate) type Entered<'a> = tracing::span::Entered<'a>;

/// Inside a span until dropped.
#[cfg(not(feature = "tracing"))]
pub(crate) struct Entered<'a>(std::marker::PhantomData<&'a ()>);

/// A span, or nothing without the feature: what a call's and an
/// attempt's span have in common.
pub(crate) struct Shell {
    #[cfg(feature = "tracing")]
    span: tracing::Span,
}

impl Shell {
    /// Enters the span until the guard is dropped (a guard rather than a
    /// closure: the answer is not moved once more through it).
    #[inline]
    pub fn enter(&self) -> Entered<'_> {
        #[cfg(feature = "tracing")]
        {
            self.span.enter()
        }
        #[cfg(not(feature = "tracing"))]
        {
            Entered(std::marker::PhantomData)
        }
    }

    /// Whether a subscriber wants this span: an attempt is then told at
    /// once, for [`AttemptSpan::end`].
    #[inline]
    pub fn wanted(&self) -> bool {
        #[cfg(feature = "tracing")]
        {
            !self.span.is_disabled()
        }
        #[cfg(not(feature = "tracing"))]
        {
            false
        }
    }
}

/// The span of a call, entered for as long as the call runs.
pub(crate) struct CallSpan(Shell);

/// The span of an attempt.
pub(crate) struct AttemptSpan(Shell);

impl std::ops::Deref for CallSpan {
    type Target = Shell;
    fn deref(&self) -> &Shell {
        &self.0
    }
}

impl std::ops::Deref for AttemptSpan {
    type Target = Shell;
    fn deref(&self) -> &Shell {
        &self.0
    }
}

/// What a span says of a request: its method, its URL (built, secrets
/// masked), the product behind it. Made only when a subscriber wants the
/// span.
#[cfg_attr(not(feature = "tracing"), allow(dead_code))]
pub(crate) struct About<'a> {
    pub method: &'a str,
    /// The path and query, as sent.
    pub path: &'a str,
    pub https: bool,
    pub product: Option<crate::Product>,
    pub scrubber: &'a crate::secret::Scrubber,
}

impl About<'_> {
    /// `https://host:port/path?query` for `host`, with the client's
    /// secrets masked (a credential may be a query parameter).
    #[cfg(feature = "tracing")]
    fn url(&self, host: &str) -> String {
        let scheme = if self.https { "https" } else { "http" };
        self.scrubber
            .scrub(&format!("{scheme}://{host}{}", self.path))
    }
}

impl CallSpan {
    /// Starts the span of a call to `first` (`host:port`, the first host
    /// of its plan).
    #[inline]
    pub fn start<'a>(about: impl FnOnce() -> About<'a>, first: &str) -> CallSpan {
        #[cfg(feature = "tracing")]
        {
            // No subscriber wants info spans: one atomic load, no span.
            if !tracing::level_enabled!(tracing::Level::INFO) {
                return CallSpan(Shell {
                    span: tracing::Span::none(),
                });
            }
            let about = about();
            let span = tracing::info_span!(
                target: "httpdb",
                "httpdb.call",
                otel.name = about.method,
                otel.kind = "internal",
                http.request.method = about.method,
                url.full = tracing::field::Empty,
                db.system.name = about.product.map(db_system),
                http.response.status_code = tracing::field::Empty,
                error.type = tracing::field::Empty,
                http.request.resend_count = tracing::field::Empty,
            );
            if !span.is_disabled() {
                span.record("url.full", about.url(first));
            }
            CallSpan(Shell { span })
        }
        #[cfg(not(feature = "tracing"))]
        {
            let _ = (about, first);
            CallSpan(Shell {})
        }
    }

    /// Records how the call ended, after `attempts` attempts.
    #[inline]
    pub fn end(&self, outcome: Result<u16, &Error>, attempts: usize) {
        #[cfg(feature = "tracing")]
        if !self.0.span.is_disabled() {
            match outcome {
                Ok(status) => {
                    self.0.span.record("http.response.status_code", status);
                }
                Err(error) => {
                    if let Some(status) = error.status() {
                        self.0.span.record("http.response.status_code", status);
                    }
                    self.0.span.record("error.type", error_type(error));
                }
            }
            if attempts > 1 {
                self.0
                    .span
                    .record("http.request.resend_count", attempts as u64 - 1);
            }
        }
        #[cfg(not(feature = "tracing"))]
        let _ = (outcome, attempts);
    }
}

impl AttemptSpan {
    /// Starts the span of attempt `n` (0 for the first) on `host`.
    #[inline]
    pub fn start<'a>(about: impl FnOnce() -> About<'a>, host: &str, n: usize) -> AttemptSpan {
        #[cfg(feature = "tracing")]
        {
            if !tracing::level_enabled!(tracing::Level::INFO) {
                return AttemptSpan(Shell {
                    span: tracing::Span::none(),
                });
            }
            let about = about();
            let (address, port) = split_host(host);
            let span = tracing::info_span!(
                target: "httpdb",
                "httpdb.attempt",
                otel.name = about.method,
                otel.kind = "client",
                http.request.method = about.method,
                server.address = address,
                server.port = port,
                url.full = tracing::field::Empty,
                db.system.name = about.product.map(db_system),
                http.request.resend_count = (n > 0).then_some(n as u64),
                network.peer.address = tracing::field::Empty,
                network.peer.port = tracing::field::Empty,
                tls.protocol.version = tracing::field::Empty,
                http.response.status_code = tracing::field::Empty,
                error.type = tracing::field::Empty,
            );
            if !span.is_disabled() {
                span.record("url.full", about.url(host));
            }
            AttemptSpan(Shell { span })
        }
        #[cfg(not(feature = "tracing"))]
        {
            let _ = (about, host, n);
            AttemptSpan(Shell {})
        }
    }

    /// Records what `attempt` did, and `error` when it failed.
    #[inline]
    pub fn end(&self, attempt: &Attempt, error: Option<&Error>) {
        #[cfg(feature = "tracing")]
        if !self.0.span.is_disabled() {
            let span = &self.0.span;
            if let Some(address) = attempt.address {
                span.record("network.peer.address", address.ip().to_string());
                span.record("network.peer.port", address.port());
            }
            if let Some(tls) = attempt.tls {
                span.record(
                    "tls.protocol.version",
                    tls.version.trim_start_matches("TLSv"),
                );
            }
            if let Some(status) = attempt.status {
                span.record("http.response.status_code", status);
            }
            if let Some(error) = error {
                span.record("error.type", error_type(error));
            }
        }
        #[cfg(not(feature = "tracing"))]
        let _ = (attempt, error);
    }
}

/// An event of the call's span: the call moves from `host` to `next`
/// after `error`, in `wait_ms` milliseconds.
#[inline]
pub(crate) fn moving_on(host: &str, error: &Error, next: &str, wait_ms: u64) {
    #[cfg(feature = "tracing")]
    tracing::event!(
        target: "httpdb",
        tracing::Level::INFO,
        server.address = host,
        error.type = error_type(error),
        next = next,
        wait_ms = wait_ms,
        "moving on to another host"
    );
    #[cfg(not(feature = "tracing"))]
    let _ = (host, error, next, wait_ms);
}

/// An event of the call's span: `host` is marked dead.
#[inline]
pub(crate) fn marked_dead(host: &str) {
    #[cfg(feature = "tracing")]
    tracing::event!(
        target: "httpdb",
        tracing::Level::WARN,
        server.address = host,
        "host marked dead"
    );
    #[cfg(not(feature = "tracing"))]
    let _ = host;
}

/// The W3C trace context of the attempt under way, for its request's
/// headers: `traceparent`, and `tracestate` when there is one. Nothing
/// without the `opentelemetry` feature, or outside a sampled trace.
#[inline]
pub(crate) fn trace_context(headers: &mut ureq::http::HeaderMap) {
    #[cfg(feature = "opentelemetry")]
    {
        use opentelemetry::trace::TraceContextExt;
        use tracing_opentelemetry::OpenTelemetrySpanExt;
        let span = tracing::Span::current();
        if span.is_disabled() || headers.contains_key("traceparent") {
            return;
        }
        let context = span.context();
        let otel = context.span();
        let id = otel.span_context();
        if !id.is_valid() {
            return;
        }
        let parent = format!(
            "00-{}-{}-{:02x}",
            id.trace_id(),
            id.span_id(),
            id.trace_flags().to_u8()
        );
        if let Ok(value) = ureq::http::HeaderValue::from_str(&parent) {
            headers.insert("traceparent", value);
        }
        let state = id.trace_state().header();
        if !state.is_empty()
            && let Ok(value) = ureq::http::HeaderValue::from_str(&state)
        {
            headers.insert("tracestate", value);
        }
    }
    #[cfg(not(feature = "opentelemetry"))]
    let _ = headers;
}

/// OpenTelemetry's `error.type`: a short, low-cardinality name.
#[cfg(feature = "tracing")]
fn error_type(error: &Error) -> &'static str {
    match error {
        Error::Timeout { .. } => "timeout",
        Error::Connect { .. } => "connect",
        Error::Tls { .. } => "tls",
        Error::Proxy { .. } => "proxy",
        Error::Protocol { .. } => "protocol",
        Error::Incomplete { .. } => "incomplete",
        Error::Status { .. } => "http_status",
        Error::NoHost { .. } => "no_host",
        Error::Redirect { .. } => "redirect",
        Error::Config { .. } => "config",
        _ => "_OTHER",
    }
}

/// OpenTelemetry's `db.system.name` for a product.
#[cfg(feature = "tracing")]
fn db_system(product: crate::Product) -> &'static str {
    use crate::Product::*;
    match product {
        CrateDb => "cratedb",
        Elasticsearch => "elasticsearch",
        OpenSearch => "opensearch",
        CouchDb => "couchdb",
        Etcd => "etcd",
        ClickHouse => "clickhouse",
        InfluxDb => "influxdb",
        Prometheus => "prometheus",
        CouchbaseAnalytics => "couchbase",
    }
}

/// `host:port` split, the brackets of an IPv6 address dropped.
#[cfg(feature = "tracing")]
fn split_host(host: &str) -> (&str, u64) {
    match host.rsplit_once(':') {
        Some((name, port)) if !name.ends_with(':') => (
            name.trim_start_matches('[').trim_end_matches(']'),
            port.parse().unwrap_or(0),
        ),
        _ => (host, 0),
    }
}
