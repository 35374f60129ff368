//! Several hosts in one URI: dead hosts skipped, idempotent requests moved
//! on, writes never sent twice, faults as typed errors, one shared pool.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use crate::support::server::*;
use httpdb::{Client, Error, Method, TimeoutPhase, TlsErrorKind};

/// A client for `hosts` (`localhost:PORT` each) with `query` appended.
fn cluster(ports: &[u16], query: &str) -> Client {
    let hosts: Vec<String> = ports.iter().map(|p| format!("localhost:{p}")).collect();
    Client::new(&format!(
        "https://{}/?ssl_ca_certs={}&{query}",
        hosts.join(","),
        fx("ca.pem")
    ))
    .unwrap()
}

#[test]
fn a_refused_host_is_skipped_after_its_first_failure() {
    let dead = refused_port();
    let a = TestServer::https();
    let b = TestServer::https();
    let c = cluster(&[dead, a.port(), b.port()], "host_order=ordered");
    let first = c.get("/").unwrap();
    assert_eq!(first.host(), format!("localhost:{}", a.port()));
    assert_eq!(c.dead_hosts(), vec![format!("localhost:{dead}")]);
    for _ in 0..10 {
        assert_eq!(
            c.get("/").unwrap().host(),
            format!("localhost:{}", a.port())
        );
    }
    assert_eq!(a.requests().len(), 11);
    assert_eq!(
        b.requests().len(),
        0,
        "ordered: the first live host takes everything"
    );
}

#[test]
fn round_robin_spreads_over_live_hosts() {
    let a = TestServer::https();
    let b = TestServer::https();
    let c = cluster(&[a.port(), b.port()], "");
    for _ in 0..10 {
        c.get("/").unwrap();
    }
    assert_eq!((a.requests().len(), b.requests().len()), (5, 5));
}

#[test]
fn a_post_moves_on_when_nothing_was_sent() {
    let dead = refused_port();
    let a = TestServer::https();
    let c = cluster(&[dead, a.port()], "host_order=ordered");
    c.post("/write", b"x".to_vec()).unwrap();
    assert_eq!(a.requests().len(), 1);
}

#[test]
fn a_post_is_never_sent_twice() {
    for behaviour in [
        Behaviour::CloseMidBody,
        Behaviour::Garbage,
        Behaviour::Unavailable,
    ] {
        let flaky = TestServer::start(ServerOptions::default().behaviour(behaviour));
        let good = TestServer::https();
        let c = cluster(&[flaky.port(), good.port()], "host_order=ordered");
        let error = c
            .post("/write", b"once".to_vec())
            .and_then(httpdb::Response::bytes)
            .unwrap_err();
        assert_eq!(flaky.requests().len(), 1, "{behaviour:?}");
        assert_eq!(
            good.requests().len(),
            0,
            "{behaviour:?}: the write reached a server; it must not be resent"
        );
        match (behaviour, &error) {
            (Behaviour::Unavailable, Error::Status { status: 503, .. }) => {}
            (Behaviour::Garbage, Error::Protocol { .. }) => {}
            (
                Behaviour::CloseMidBody,
                Error::Incomplete {
                    received: 10,
                    expected: Some(1000),
                    ..
                },
            ) => {}
            _ => panic!("{behaviour:?}: unexpected {error:?}"),
        }
    }
}

#[test]
fn an_idempotent_request_moves_on_after_a_fault() {
    for behaviour in [
        Behaviour::Garbage,
        Behaviour::Unavailable,
        Behaviour::CloseAfterHandshake,
    ] {
        let flaky = TestServer::start(ServerOptions::default().behaviour(behaviour));
        let good = TestServer::https();
        let c = cluster(&[flaky.port(), good.port()], "host_order=ordered");
        let response = c.request(Method::PUT, "/doc").body("v").send().unwrap();
        assert_eq!(
            response.host(),
            format!("localhost:{}", good.port()),
            "{behaviour:?}"
        );
        assert_eq!(good.requests().len(), 1, "{behaviour:?}");
        // A host that answers (503) is alive: only broken connections
        // mark a host dead.
        let dead = if behaviour == Behaviour::Unavailable {
            vec![]
        } else {
            vec![format!("localhost:{}", flaky.port())]
        };
        assert_eq!(c.dead_hosts(), dead, "{behaviour:?}");
    }
}

#[test]
fn every_host_down_lists_each_attempt() {
    let (p1, p2) = (refused_port(), refused_port());
    let c = cluster(&[p1, p2], "");
    let error = c.get("/").unwrap_err();
    let Error::NoHost { attempts } = &error else {
        panic!("{error:?}")
    };
    // Each try is listed, with how far it got; the message names each
    // host once.
    let hosts: std::collections::BTreeSet<&str> =
        attempts.iter().map(|a| a.host.as_str()).collect();
    assert_eq!(hosts.len(), 2, "{attempts:#?}");
    assert!(attempts.len() >= 2, "{attempts:#?}");
    for attempt in attempts {
        assert!(
            matches!(attempt.error, Some(Error::Connect { .. })),
            "{attempt:#?}"
        );
        assert_eq!(attempt.connection, httpdb::attempt::Connection::None);
        assert_eq!(attempt.reached, httpdb::attempt::Phase::Resolved);
        assert_eq!(attempt.timings, None);
        assert_eq!((attempt.sent, attempt.address), (0, None));
    }
    let text = error.to_string();
    assert!(text.starts_with("no host available: "), "{text}");
    assert!(
        text.contains(&format!("localhost:{p1}: connection refused")),
        "{text}"
    );
    assert!(
        text.contains(&format!("localhost:{p2}: connection refused")),
        "{text}"
    );
    // Every host is dead now: each is still tried, as a last resort.
    let again = c.get("/").unwrap_err();
    assert!(
        matches!(&again, Error::NoHost { attempts } if attempts.len() >= 2),
        "{again:?}"
    );
}

#[test]
fn a_dead_host_is_tried_again_after_retry_interval() {
    let port = refused_port();
    let live = TestServer::https();
    let c = cluster(
        &[port, live.port()],
        "host_order=ordered&retry_interval=300ms",
    );
    c.get("/").unwrap();
    assert_eq!(c.dead_hosts().len(), 1);
    let back = TestServer::start(ServerOptions::default().port(port));
    c.get("/").unwrap();
    assert_eq!(back.requests().len(), 0, "still inside retry_interval");
    std::thread::sleep(Duration::from_millis(400));
    assert_eq!(c.get("/").unwrap().host(), format!("localhost:{port}"));
    assert!(c.dead_hosts().is_empty());
}

#[test]
fn certificate_failures_are_not_dead_hosts() {
    let wrong = TestServer::start(ServerOptions::default().cert("server-other-ca"));
    let good = TestServer::https();
    let c = cluster(&[wrong.port(), good.port()], "host_order=ordered");
    assert_eq!(
        c.get("/").unwrap().host(),
        format!("localhost:{}", good.port())
    );
    assert!(
        c.dead_hosts().is_empty(),
        "a CA problem is a configuration problem, not a dead host"
    );
    let both_wrong = TestServer::start(ServerOptions::default().cert("server-other-ca"));
    let c = cluster(&[wrong.port(), both_wrong.port()], "");
    let error = c.get("/").unwrap_err();
    assert!(
        matches!(
            error,
            Error::Tls {
                kind: TlsErrorKind::UnknownIssuer,
                ..
            }
        ),
        "the TLS error itself, not a host list: {error:?}"
    );
}

#[test]
fn max_retries_bounds_the_moves() {
    let ports = [refused_port(), refused_port(), refused_port()];
    let c = cluster(&ports, "max_retries=1&host_order=ordered");
    let Error::NoHost { attempts } = c.get("/").unwrap_err() else {
        panic!()
    };
    assert_eq!(attempts.len(), 2);
    let c = cluster(&ports, "max_retries=0");
    assert!(matches!(c.get("/").unwrap_err(), Error::Connect { .. }));
}

#[test]
fn a_stalled_server_times_out_and_the_client_still_works() {
    let stalled = TestServer::start(ServerOptions::default().behaviour(Behaviour::NeverAnswer));
    let c = cluster(&[stalled.port()], "timeout=300ms");
    let started = Instant::now();
    let error = c.post("/x", b"1".to_vec()).unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "hung for {:?}",
        started.elapsed()
    );
    assert!(
        matches!(
            error,
            Error::Timeout {
                phase: TimeoutPhase::Response,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("300ms"), "{error}");
    let fine = TestServer::https();
    let c2 = cluster(&[fine.port()], "timeout=300ms");
    assert_eq!(c2.get("/").unwrap().status(), 200);
}

#[test]
fn a_blackholed_connect_times_out() {
    // A listening socket that never accepts: the TCP connect completes in
    // the kernel, but the TLS handshake never gets an answer.
    let hole = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = hole.local_addr().unwrap().port();
    let c = cluster(&[port], "connect_timeout=300ms");
    let started = Instant::now();
    let error = c.get("/").unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(
        matches!(
            error,
            Error::Timeout {
                phase: TimeoutPhase::Connect,
                ..
            }
        ),
        "{error:?}"
    );
    drop(hole);
}

#[test]
fn a_name_that_does_not_resolve() {
    let c = Client::new("https://no-such-host.invalid:4200/?connect_timeout=5s").unwrap();
    let error = c.get("/").unwrap_err();
    assert!(
        matches!(
            error,
            Error::Connect { .. }
                | Error::Timeout {
                    phase: TimeoutPhase::Connect,
                    ..
                }
        ),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("no-such-host.invalid:4200"),
        "{error}"
    );
}

#[test]
fn a_closed_pooled_connection_is_replaced_without_an_error() {
    let port;
    let c;
    {
        let first = TestServer::https();
        port = first.port();
        c = cluster(&[port], "");
        c.get("/").unwrap();
    }
    // The server is gone and took the pooled connection with it; a new one
    // on the same port must be reached without an error surfacing.
    let second = TestServer::start(ServerOptions::default().port(port));
    assert_eq!(c.get("/").unwrap().status(), 200);
    assert_eq!(second.requests().len(), 1);
}

#[test]
fn threads_share_one_pool() {
    let server = TestServer::https();
    let c = cluster(&[server.port()], "pool_size=8");
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let c = c.clone();
            std::thread::spawn(move || {
                for _ in 0..500 {
                    assert_eq!(c.get("/").unwrap().status(), 200);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("a request failed");
    }
    assert_eq!(server.requests().len(), 4000);
    assert!(
        server.connections() <= 8,
        "{} connections for a pool of 8",
        server.connections()
    );
}

#[test]
fn a_malformed_request_blames_no_host() {
    let a = TestServer::https();
    let b = TestServer::https();
    let c = cluster(&[a.port(), b.port()], "");
    let error = c.get("/a path with spaces").unwrap_err();
    assert!(
        matches!(&error, Error::Config { option, .. } if option == "request"),
        "{error:?}"
    );
    assert!(error.to_string().contains("percent-encode"), "{error}");
    assert!(c.dead_hosts().is_empty());
    assert_eq!(a.requests().len() + b.requests().len(), 0);
}

/// `is_timeout()`, `is_connect()`, `is_tls()`, `status()`, `tls_kind()`
/// and `host()` look through the every-host-failed case.
#[test]
fn error_helpers_look_through_every_host() {
    let (p1, p2) = (refused_port(), refused_port());
    let error = cluster(&[p1, p2], "host_order=ordered")
        .get("/")
        .unwrap_err();
    assert!(matches!(error, Error::NoHost { .. }));
    assert!(error.is_connect() && !error.is_timeout() && !error.is_tls());
    assert_eq!(error.host(), Some(format!("localhost:{p2}").as_str()));
    assert_eq!(error.status(), None);

    let silent = TestServer::start(ServerOptions::default().behaviour(Behaviour::NeverAnswer));
    let silent2 = TestServer::start(ServerOptions::default().behaviour(Behaviour::NeverAnswer));
    let error = cluster(&[silent.port(), silent2.port()], "read_timeout=200ms")
        .get("/")
        .unwrap_err();
    assert!(error.is_timeout() && !error.is_connect(), "{error:?}");

    let wrong = TestServer::start(ServerOptions::default().cert("server-other-ca"));
    let error = cluster(&[wrong.port()], "").get("/").unwrap_err();
    assert!(error.is_tls());
    assert_eq!(error.tls_kind(), Some(TlsErrorKind::UnknownIssuer));

    let good = TestServer::https();
    let error = cluster(&[good.port()], "").get("/status/503").unwrap_err();
    assert!(error.is_status() && !error.is_timeout());
    assert_eq!(error.status(), Some(503));
    // A mixed failure is neither a timeout nor a connect failure.
    let dead = refused_port();
    let error = cluster(
        &[dead, silent.port()],
        "host_order=ordered&read_timeout=200ms",
    )
    .get("/")
    .unwrap_err();
    assert!(!error.is_timeout() && !error.is_connect(), "{error:?}");
}

/// `retry_on_status` replaces which statuses move an idempotent request
/// on; a POST is answered where it landed whatever the list says.
#[test]
fn retry_on_status_chooses_the_statuses_that_move_on() {
    let a = TestServer::https();
    let b = TestServer::https();
    let ports = [a.port(), b.port()];
    let without_429 = cluster(&ports, "host_order=ordered&retry_on_status=502,503,504");
    assert_eq!(
        without_429.get("/status/429").unwrap_err().status(),
        Some(429)
    );
    assert_eq!((a.requests().len(), b.requests().len()), (1, 0));
    // By default 429 is sent again: to b, then back to a (3 tries for 2
    // hosts by default).
    let default = cluster(&ports, "host_order=ordered");
    assert_eq!(default.get("/status/429").unwrap_err().status(), Some(429));
    assert_eq!((a.requests().len(), b.requests().len()), (3, 1));
    assert_eq!(
        default.post("/status/429", "x").unwrap_err().status(),
        Some(429)
    );
    assert_eq!((a.requests().len(), b.requests().len()), (4, 1));
    // An empty list: not even a 503 moves on.
    let none = cluster(&ports, "host_order=ordered&retry_on_status=");
    assert_eq!(none.get("/status/503").unwrap_err().status(), Some(503));
    assert_eq!((a.requests().len(), b.requests().len()), (5, 1));
}

/// `retry_on_timeout=false` keeps a GET that timed out once sent on its
/// host; by default it moves on. A connect failure moves on either way.
#[test]
fn retry_on_timeout_false_keeps_a_sent_request_in_place() {
    let silent = TestServer::start(ServerOptions::default().behaviour(Behaviour::NeverAnswer));
    let good = TestServer::https();
    let ports = [silent.port(), good.port()];
    let held = cluster(
        &ports,
        "host_order=ordered&read_timeout=300ms&retry_on_timeout=false",
    );
    let error = held.get("/").unwrap_err();
    assert!(error.is_timeout(), "{error}");
    assert!(good.requests().is_empty());
    let moving = cluster(&ports, "host_order=ordered&read_timeout=300ms");
    assert_eq!(moving.get("/").unwrap().status(), 200);
    assert_eq!(good.requests().len(), 1);
    let refused = cluster(
        &[refused_port(), good.port()],
        "host_order=ordered&retry_on_timeout=false",
    );
    assert_eq!(refused.get("/").unwrap().status(), 200);
}

/// `retry_backoff` waits between moves, doubling, never past `timeout`.
#[test]
fn retry_backoff_waits_between_moves_within_the_timeout() {
    let good = TestServer::https();
    let ports = [refused_port(), refused_port(), good.port()];
    let started = Instant::now();
    let c = cluster(&ports, "host_order=ordered&retry_backoff=200ms");
    assert_eq!(c.get("/").unwrap().status(), 200);
    // Two moves: at least 100 ms (half of 200) and 200 ms (half of 400).
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "{:?}",
        started.elapsed()
    );
    let started = Instant::now();
    let c = cluster(&ports, "host_order=ordered&retry_backoff=1h&timeout=400ms");
    let error = c.get("/").unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5), "{error}");
    assert!(
        good.requests().len() == 1,
        "the deadline came before the third host"
    );
}

/// `host_order=random` (libpq's `load_balance_hosts=random`) spreads
/// first attempts over every host.
#[test]
fn random_host_order_reaches_every_host() {
    let servers = [
        TestServer::https(),
        TestServer::https(),
        TestServer::https(),
    ];
    let ports: Vec<u16> = servers.iter().map(TestServer::port).collect();
    for query in [
        "host_order=random",
        "load_balance_hosts=random",
        "randomize_nodes_in_pool=true",
    ] {
        let before: Vec<usize> = servers.iter().map(|s| s.requests().len()).collect();
        let c = cluster(&ports, query);
        for _ in 0..60 {
            c.get("/").unwrap();
        }
        for (s, before) in servers.iter().zip(before) {
            assert!(
                s.requests().len() > before,
                "{query}: a host got no request"
            );
        }
    }
}
