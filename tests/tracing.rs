//! The `tracing` and `opentelemetry` features: the span tree of a call that
//! moves to another host, with OpenTelemetry's field names and no secret
//! in any field; and the W3C trace context the server receives, tied by an
//! in-memory OpenTelemetry exporter to the caller's trace.

#[path = "it/support/server.rs"]
mod server;

use std::collections::BTreeMap;
use std::fmt;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use base64::Engine;
use httpdb::Client;
use server::{TestServer, fixture};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

const PASSWORD: &str = "Tr4ce-n3ver-shown";

/// A span or an event as a subscriber saw it.
#[derive(Debug, Clone)]
struct Seen {
    span: bool,
    name: String,
    id: u64,
    parent: Option<u64>,
    fields: BTreeMap<String, String>,
}

#[derive(Default)]
struct Fields(BTreeMap<String, String>);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.insert(field.name().into(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().into(), value.into());
    }
}

/// A layer that keeps every span (with the fields recorded later) and
/// every event.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<Seen>>>);

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Capture {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        let parent = ctx
            .span(id)
            .and_then(|s| s.parent())
            .map(|p| p.id().into_u64());
        self.0.lock().unwrap().push(Seen {
            span: true,
            name: attrs.metadata().name().into(),
            id: id.into_u64(),
            parent,
            fields: fields.0,
        });
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _: Context<'_, S>) {
        let mut fields = Fields::default();
        values.record(&mut fields);
        let mut seen = self.0.lock().unwrap();
        if let Some(span) = seen.iter_mut().find(|s| s.span && s.id == id.into_u64()) {
            span.fields.extend(fields.0);
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        let parent = ctx.event_span(event).map(|s| s.id().into_u64());
        self.0.lock().unwrap().push(Seen {
            span: false,
            name: fields.0.get("message").cloned().unwrap_or_default(),
            id: 0,
            parent,
            fields: fields.0,
        });
    }
}

/// The spans and events under `parent`, indented by depth, with their
/// fields: what `--nocapture` shows of a run.
fn tree(seen: &[Seen], parent: Option<u64>, depth: usize) -> String {
    let mut out = String::new();
    for s in seen.iter().filter(|s| s.parent == parent) {
        let fields: Vec<String> = s
            .fields
            .iter()
            .filter(|(k, _)| *k != "message")
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let kind = if s.span { "span" } else { "event" };
        out += &format!(
            "{}{kind} {} {}\n",
            "  ".repeat(depth),
            s.name,
            fields.join(" ")
        );
        if s.span {
            out += &tree(seen, Some(s.id), depth + 1);
        }
    }
    out
}

fn refused_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn a_call_that_moves_on_is_a_span_with_a_child_per_attempt() {
    let server = TestServer::https();
    let refused = refused_port();
    let uri = format!(
        "https://admin:{PASSWORD}@localhost:{refused},localhost:{}/?host_order=ordered&product=cratedb&ssl_ca_certs={}",
        server.port(),
        fixture("ca.pem").display()
    );
    let client = Client::new(&uri).unwrap();
    let capture = Capture::default();
    let subscriber = tracing_subscriber::registry().with(capture.clone());
    let path = format!("/basic-auth/admin/{PASSWORD}");
    let status =
        tracing::subscriber::with_default(subscriber, || client.get(&path).unwrap().status());
    assert_eq!(status, 200);
    let seen = capture.0.lock().unwrap().clone();
    eprintln!("{}", tree(&seen, None, 0));
    let calls: Vec<&Seen> = seen.iter().filter(|s| s.name == "httpdb.call").collect();
    assert_eq!(calls.len(), 1, "{seen:#?}");
    let call = calls[0];
    let field = |s: &Seen, name: &str| s.fields.get(name).cloned().unwrap_or_default();
    assert_eq!(field(call, "otel.name"), "GET");
    assert_eq!(field(call, "http.request.method"), "GET");
    assert_eq!(field(call, "http.response.status_code"), "200");
    assert_eq!(field(call, "http.request.resend_count"), "1");
    assert_eq!(field(call, "db.system.name"), "cratedb");
    assert_eq!(
        field(call, "url.full"),
        format!("https://localhost:{refused}/basic-auth/admin/***")
    );
    let attempts: Vec<&Seen> = seen.iter().filter(|s| s.name == "httpdb.attempt").collect();
    assert_eq!(attempts.len(), 2, "{seen:#?}");
    for attempt in &attempts {
        assert_eq!(attempt.parent, Some(call.id), "{attempt:#?}");
        assert_eq!(field(attempt, "otel.kind"), "client");
        assert_eq!(field(attempt, "server.address"), "localhost");
        assert_eq!(field(attempt, "db.system.name"), "cratedb");
    }
    assert_eq!(field(attempts[0], "server.port"), refused.to_string());
    assert_eq!(field(attempts[0], "error.type"), "connect");
    assert!(!attempts[0].fields.contains_key("http.request.resend_count"));
    assert_eq!(field(attempts[1], "server.port"), server.port().to_string());
    assert_eq!(field(attempts[1], "http.request.resend_count"), "1");
    assert_eq!(field(attempts[1], "http.response.status_code"), "200");
    assert_eq!(field(attempts[1], "network.peer.address"), "127.0.0.1");
    assert_eq!(field(attempts[1], "tls.protocol.version"), "1.3");
    assert_eq!(
        field(attempts[1], "url.full"),
        format!("https://localhost:{}/basic-auth/admin/***", server.port())
    );
    let events: Vec<&str> = seen
        .iter()
        .filter(|s| !s.span && s.parent == Some(call.id))
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(
        events,
        ["host marked dead", "moving on to another host"],
        "{seen:#?}"
    );
    // No field holds the password or the base64 of user:password.
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("admin:{PASSWORD}"));
    let all = format!("{seen:?}");
    assert!(!all.contains(PASSWORD) && !all.contains(&basic), "{all}");
    // The server got the credentials.
    assert_eq!(
        server.last_request().unwrap().header("authorization"),
        Some(format!("Basic {basic}").as_str())
    );
}

#[test]
fn the_server_receives_the_attempts_trace_context() {
    use opentelemetry::trace::{SpanKind, TracerProvider as _};
    use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};
    use tracing_opentelemetry::OpenTelemetrySpanExt;

    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(exporter.clone())
        .build();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("test")));
    let server = TestServer::https();
    let client = Client::new(&format!(
        "{}?ssl_ca_certs={}",
        server.url(),
        fixture("ca.pem").display()
    ))
    .unwrap();
    let app_trace = tracing::subscriber::with_default(subscriber, || {
        let app = tracing::info_span!("app");
        let _in = app.enter();
        assert_eq!(client.get("/").unwrap().status(), 200);
        use opentelemetry::trace::TraceContextExt;
        app.context().span().span_context().trace_id()
    });
    provider.force_flush().unwrap();
    let sent = server.last_request().unwrap();
    let parent = sent.header("traceparent").expect("a traceparent header");
    let parts: Vec<&str> = parent.split('-').collect();
    assert_eq!(parts.len(), 4, "{parent}");
    assert_eq!(parts[0], "00");
    assert_eq!(parts[1], app_trace.to_string(), "the caller's trace");
    assert_eq!(parts[3], "01", "sampled");
    let spans = exporter.get_finished_spans().unwrap();
    let attempt = spans
        .iter()
        .find(|s| s.span_context.span_id().to_string() == parts[2])
        .unwrap_or_else(|| panic!("no exported span has the id the server saw: {spans:#?}"));
    assert_eq!(attempt.name, "GET");
    assert_eq!(attempt.span_kind, SpanKind::Client);
    assert_eq!(attempt.span_context.trace_id(), app_trace);
    assert!(
        spans.iter().any(|s| s.name == "GET"
            && s.span_kind == SpanKind::Internal
            && s.span_context.span_id() == attempt.parent_span_id),
        "the attempt's parent is the call: {spans:#?}"
    );
}
