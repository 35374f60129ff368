//! Reads fail over too: POSTs the server's API defines as reads, marked
//! requests and idempotency keys are sent again after a failure, an
//! unmarked write never is; a one-host URI is tried again; `Retry-After`
//! is honoured; a slow request marks no host dead. Counted on the servers.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::server::*;
use httpdb::{Client, Error, Method, Replay};

fn uri(ports: &[u16], query: &str) -> String {
    let hosts: Vec<String> = ports.iter().map(|p| format!("localhost:{p}")).collect();
    format!(
        "https://{}/?ssl_ca_certs={}&host_order=ordered&{query}",
        hosts.join(","),
        fx("ca.pem")
    )
}

fn cluster(ports: &[u16], query: &str) -> Client {
    Client::new(&uri(ports, query)).unwrap()
}

/// A first host that resets every connection once it has read the
/// request, and a healthy second one.
fn breaking_then_good() -> (TestServer, TestServer) {
    let breaks = TestServer::start(
        ServerOptions::default().behaviour(Behaviour::FailAfterRequest(Fault::Reset)),
    );
    (breaks, TestServer::https())
}

fn count(server: &TestServer, path: &str) -> usize {
    server
        .requests()
        .iter()
        .filter(|r| r.path.starts_with(path))
        .count()
}

#[test]
fn a_post_the_api_defines_as_a_read_moves_on_and_a_write_does_not() {
    let (breaks, good) = breaking_then_good();
    // A new client each time: the host that broke is marked dead, and a
    // client that knows it tries it last.
    let c = || cluster(&[breaks.port(), good.port()], "");
    // etcd's range read, Elasticsearch's search, CouchDB's _find.
    for path in ["/v3/kv/range", "/logs/_search", "/shop/_find"] {
        let answer = c().post(path, r#"{"key":"a2V5"}"#).unwrap();
        assert_eq!(
            answer.host(),
            format!("localhost:{}", good.port()),
            "{path}"
        );
        assert_eq!((count(&breaks, path), count(&good, path)), (1, 1), "{path}");
    }
    // A write: sent once, to the host that broke, and its error says so.
    let error = c().post("/v3/kv/put", r#"{"key":"a2V5"}"#).unwrap_err();
    assert!(
        error.to_string().contains("after the request was sent"),
        "{error}"
    );
    assert_eq!(
        (count(&breaks, "/v3/kv/put"), count(&good, "/v3/kv/put")),
        (1, 0)
    );
    // retry_reads=false: the table is off, the read is a plain POST.
    let off = cluster(&[breaks.port(), good.port()], "retry_reads=false");
    off.post("/v3/kv/range?off", "{}").unwrap_err();
    assert_eq!(count(&good, "/v3/kv/range?off"), 0);
}

#[test]
fn a_mark_or_an_idempotency_key_lets_a_post_move_on_and_a_mark_holds_a_get_back() {
    let (breaks, good) = breaking_then_good();
    // A new client each time, so that each starts on the host that breaks.
    let c = || cluster(&[breaks.port(), good.port()], "");
    let marked = c()
        .request(Method::POST, "/_sql?marked")
        .body(r#"{"stmt":"SELECT 1"}"#)
        .idempotent(true)
        .send()
        .unwrap();
    assert_eq!(marked.host(), format!("localhost:{}", good.port()));
    for header in ["Idempotency-Key", "X-Idempotency-Key"] {
        let path = format!("/_sql?{header}");
        c().request(Method::POST, &path)
            .header(header, "8e03978e-40d5-43e8-bc93-6894a57f9324")
            .body("{}")
            .send()
            .unwrap();
        assert_eq!((count(&breaks, &path), count(&good, &path)), (1, 1));
    }
    // An unmarked CrateDB statement is never sent twice.
    c().post("/_sql?unmarked", "{}").unwrap_err();
    assert_eq!(count(&good, "/_sql?unmarked"), 0);
    // A GET with a side effect, held back by its mark.
    c().request(Method::GET, "/held")
        .idempotent(false)
        .send()
        .unwrap_err();
    assert_eq!((count(&breaks, "/held"), count(&good, "/held")), (1, 0));
}

#[test]
fn the_rule_each_request_falls_under_is_told() {
    let c = cluster(&[refused_port()], "");
    assert!(matches!(
        c.replay_rule(&Method::POST, "/v3/kv/range"),
        Replay::Read(read) if read.source.contains("etcd")
    ));
    assert_eq!(c.replay_rule(&Method::POST, "/_sql"), Replay::Method(false));
    assert_eq!(c.replay_rule(&Method::GET, "/x"), Replay::Method(true));
    let keyed = cluster(&[refused_port()], "header.Idempotency-Key=k1");
    assert_eq!(
        keyed.replay_rule(&Method::POST, "/_sql"),
        Replay::IdempotencyKey
    );
    // The CLI says the same.
    let out = Command::new(env!("CARGO_BIN_EXE_httpdb"))
        .args(["config", "--request", "POST /v3/kv/range", "--uri"])
        .arg(uri(&[refused_port()], ""))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["replay"]["sent_again"], true);
    assert!(
        doc["replay"]["rule"]
            .as_str()
            .unwrap()
            .contains("a read by etcd's API"),
        "{doc}"
    );
}

#[test]
fn a_one_host_uri_is_tried_again_after_a_503() {
    let server = TestServer::https();
    // The library: 503, then 200, on the same and only host.
    let c = cluster(&[server.port()], "");
    let answer = c.get("/flaky/503/1?lib").unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(count(&server, "/flaky/503/1?lib"), 2);
    // At most max_retries more: a host that keeps answering 503.
    let error = cluster(&[server.port()], "max_retries=3")
        .get("/flaky/503/10?many")
        .unwrap_err();
    assert_eq!(error.status(), Some(503));
    assert_eq!(count(&server, "/flaky/503/10?many"), 4);
    // The last answer is the caller's with its body, as the first was.
    assert!(
        error.to_string().contains("status 503, try again"),
        "{error}"
    );
    let last = cluster(&[server.port()], "max_retries=1")
        .request(Method::GET, "/flaky/503/10?body")
        .error_for_status(false)
        .send()
        .unwrap();
    assert_eq!(last.text().unwrap(), "status 503, try again");
    // A POST that is not a read is answered where it landed.
    let error = c.post("/flaky/503/1?post", "x").unwrap_err();
    assert_eq!(error.status(), Some(503));
    assert_eq!(count(&server, "/flaky/503/1?post"), 1);
    // The CLI, as the issue tried it: exit 0 and the body of the 200.
    let out = Command::new(env!("CARGO_BIN_EXE_httpdb"))
        .args(["get", "/flaky/503/1?cli", "--max-retries", "3", "--uri"])
        .arg(uri(&[server.port()], ""))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(out.stdout, b"ok");
    assert_eq!(count(&server, "/flaky/503/1?cli"), 2);
}

#[test]
fn a_failure_a_second_try_would_not_mend_is_not_repeated() {
    // A TLS client speaking to a plain-http port: the same failure every
    // time. One try, and the TLS error itself.
    let plain = TestServer::start(ServerOptions::default().plain());
    let error = cluster(&[plain.port()], "max_retries=5")
        .get("/")
        .unwrap_err();
    assert!(error.is_tls(), "{error:?}");
    assert_eq!(plain.requests().len(), 0);
}

#[test]
fn retry_after_is_waited_for_on_the_same_host() {
    let server = TestServer::https();
    let c = cluster(&[server.port()], "");
    let started = Instant::now();
    let answer = c.get("/flaky/429/1?retry_after=1").unwrap();
    let took = started.elapsed();
    assert_eq!(answer.status(), 200);
    let tries: Vec<Instant> = server
        .requests()
        .iter()
        .filter(|r| r.path == "/flaky/429/1?retry_after=1")
        .map(|r| r.at)
        .collect();
    assert_eq!(tries.len(), 2);
    let gap = tries[1] - tries[0];
    eprintln!("429 with Retry-After: 1: second try {gap:?} after the first, answered in {took:?}");
    assert!(gap >= Duration::from_secs(1), "second try after {gap:?}");
    assert!(took < Duration::from_secs(5), "took {took:?}");
    // An HTTP date works as well: a date 2 s ahead waits 1 to 2 s.
    let date = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(2));
    let path = format!(
        "/flaky/503/1?retry_after={}",
        percent_encoding::utf8_percent_encode(&date, percent_encoding::NON_ALPHANUMERIC)
    );
    let started = Instant::now();
    assert_eq!(c.get(&path).unwrap().status(), 200);
    let took = started.elapsed();
    eprintln!("503 with Retry-After: an HTTP date 2 s ahead: answered in {took:?}");
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(5),
        "took {took:?}"
    );
}

#[test]
fn a_retry_after_that_does_not_fit_returns_the_answer_at_once() {
    let server = TestServer::https();
    let c = cluster(&[server.port()], "timeout=2s");
    let started = Instant::now();
    let error = c.get("/flaky/429/1?retry_after=3600").unwrap_err();
    let took = started.elapsed();
    assert_eq!(error.status(), Some(429));
    eprintln!("429 with Retry-After: 3600 under timeout=2s: returned in {took:?}");
    assert_eq!(count(&server, "/flaky/429/1?retry_after=3600"), 1);
    assert!(took < Duration::from_millis(2100), "took {took:?}");
    // Capped by retry_backoff_max: a wait of an hour becomes 500 ms.
    let capped = cluster(&[server.port()], "retry_backoff_max=500ms");
    let started = Instant::now();
    assert_eq!(
        capped
            .get("/flaky/503/1?retry_after=3600&capped")
            .unwrap()
            .status(),
        200
    );
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(500) && took < Duration::from_secs(3),
        "took {took:?}"
    );
}

#[test]
fn a_slow_request_marks_no_host_dead_an_unreachable_one_does() {
    let silent = TestServer::start(ServerOptions::default().behaviour(Behaviour::NeverAnswer));
    let good = TestServer::https();
    let c = cluster(&[silent.port(), good.port()], "read_timeout=300ms");
    // The read times out on the silent host, then goes on to the good one.
    assert_eq!(
        c.get("/slow-read").unwrap().host(),
        format!("localhost:{}", good.port())
    );
    assert!(c.dead_hosts().is_empty(), "{:?}", c.dead_hosts());
    let dead = refused_port();
    let c = cluster(&[dead, good.port()], "");
    c.get("/").unwrap();
    assert_eq!(c.dead_hosts(), vec![format!("localhost:{dead}")]);
    // A timeout is not a failure worth repeating on the same host.
    let error = cluster(&[silent.port()], "read_timeout=300ms&max_retries=4")
        .get("/once")
        .unwrap_err();
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
    assert_eq!(count(&silent, "/once"), 1);
}

/// Eight calls at once, each waiting on a server that never answers: each
/// ends within 100 ms of its `timeout` (socket waits of seconds used to fire
/// up to a timer-wheel slot, 256 ms at 250 Hz, late). The bound is the
/// issue's; the waits are measured from just before each call.
#[test]
fn eight_calls_waiting_at_once_end_within_100_ms_of_their_timeout() {
    let silent = TestServer::start(ServerOptions::default().behaviour(Behaviour::NeverAnswer));
    let c = cluster(&[silent.port()], "timeout=5s");
    let took: Vec<Duration> = std::thread::scope(|s| {
        let calls: Vec<_> = (0..8)
            .map(|i| {
                let c = &c;
                s.spawn(move || {
                    let started = Instant::now();
                    let error = c.get(&format!("/wait/{i}")).unwrap_err();
                    assert!(error.is_timeout(), "{error:?}");
                    started.elapsed()
                })
            })
            .collect();
        calls.into_iter().map(|t| t.join().unwrap()).collect()
    });
    eprintln!("8 calls under timeout=5s ended after {took:?}");
    for t in &took {
        assert!(
            *t >= Duration::from_secs(5) && *t <= Duration::from_millis(5100),
            "{took:?}"
        );
    }
}
