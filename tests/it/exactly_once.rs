//! The request path against servers that break at the exact moment a
//! promise is about: after the write (a corrupt TLS record, a plaintext
//! alert, a reset, a certificate alert after a TLS 1.3 handshake), on an
//! idle keep-alive connection, while dripping an answer, behind nginx whose
//! backend dies mid-request. Every count is taken on the server side.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::nginx::Nginx;
use crate::support::server::*;
use httpdb::{Client, Error, Method, TimeoutPhase, TlsErrorKind};

const PW: &str = "pw-S3cr3t";
const TOKEN: &str = "tok-S3cr3t";

fn uri(servers: &[&TestServer], query: &str) -> String {
    let scheme = if servers[0].url().starts_with("https") {
        "https"
    } else {
        "http"
    };
    let hosts: Vec<String> = servers
        .iter()
        .map(|s| format!("localhost:{}", s.port()))
        .collect();
    let ca = if scheme == "https" {
        format!("ssl_ca_certs={}&", fx("ca.pem"))
    } else {
        String::new()
    };
    format!("{scheme}://{}/?{ca}{query}", hosts.join(","))
}

fn bodies(server: &TestServer) -> Vec<String> {
    server.requests().iter().map(Recorded::body_text).collect()
}

/// Every fault that can follow the write before the answer's head, with
/// TLS and without.
fn faults() -> Vec<(&'static str, ServerOptions)> {
    let after = |fault| ServerOptions::default().behaviour(Behaviour::FailAfterRequest(fault));
    vec![
        ("tls corrupt record", after(Fault::CorruptRecord)),
        ("tls plaintext alert", after(Fault::PlainAlert)),
        ("tls reset", after(Fault::Reset)),
        ("plain corrupt answer", after(Fault::CorruptRecord).plain()),
        ("plain reset", after(Fault::Reset).plain()),
    ]
}

/// [`faults`], and a body that breaks off after the head.
fn faults_and_mid_body() -> Vec<(&'static str, ServerOptions)> {
    let mut all = faults();
    all.push((
        "tls close mid-body",
        ServerOptions::default().behaviour(Behaviour::CloseMidBody),
    ));
    all
}

#[test]
fn a_post_reaches_one_host_whatever_breaks_after_the_write() {
    for (name, options) in faults_and_mid_body() {
        for pooling in ["", "pool_size=0"] {
            let flaky = TestServer::start(options.clone());
            let good = TestServer::start(ServerOptions {
                tls: options.tls,
                ..ServerOptions::default()
            });
            let query = format!("host_order=ordered&{pooling}");
            for k in 0..20 {
                // A new client each time, so the flaky host is first every time.
                let c = Client::new(&uri(&[&flaky, &good], &query)).unwrap();
                let body = format!("{name} {pooling} #{k}");
                let error = c
                    .post("/write", body.clone())
                    .and_then(httpdb::Response::bytes)
                    .unwrap_err();
                let text = error.to_string();
                assert!(
                    text.contains("after the request was sent")
                        || matches!(error, Error::Protocol { .. }),
                    "{name}: the message tells the moment: {text}"
                );
                assert!(!text.contains("plain http"), "{name}: {text}");
            }
            let reached = bodies(&flaky);
            assert_eq!(reached.len(), 20, "{name} {pooling}: {reached:?}");
            assert_eq!(
                good.requests().len(),
                0,
                "{name} {pooling}: a written POST went to a second host"
            );
        }
    }
}

#[test]
fn the_tls_error_after_the_write_says_so() {
    let flaky = TestServer::start(
        ServerOptions::default().behaviour(Behaviour::FailAfterRequest(Fault::CorruptRecord)),
    );
    let c = Client::new(&uri(&[&flaky], "")).unwrap();
    let error = c.post("/write", "x").unwrap_err();
    match &error {
        Error::Tls { kind, .. } => assert_eq!(*kind, TlsErrorKind::Record, "{error}"),
        other => panic!("{other:?}"),
    }
    assert!(
        error
            .to_string()
            .contains("TLS record error after the request was sent"),
        "{error}"
    );
}

#[test]
fn an_idempotent_request_moves_on_after_the_same_faults() {
    for (name, options) in faults() {
        let flaky = TestServer::start(options.clone());
        let good = TestServer::start(ServerOptions {
            tls: options.tls,
            ..ServerOptions::default()
        });
        let c = Client::new(&uri(&[&flaky, &good], "host_order=ordered")).unwrap();
        let response = c.request(Method::PUT, "/doc").body("v").send().unwrap();
        assert_eq!(
            response.host(),
            format!("localhost:{}", good.port()),
            "{name}"
        );
        assert_eq!(flaky.requests().len(), 1, "{name}");
        assert_eq!(good.requests().len(), 1, "{name}");
    }
}

/// Once the head is in, the body is the caller's: a body that breaks off
/// is an error that says how much arrived, and nothing is fetched again.
#[test]
fn a_body_that_breaks_off_is_not_fetched_again() {
    let flaky = TestServer::start(ServerOptions::default().behaviour(Behaviour::CloseMidBody));
    let good = TestServer::https();
    let c = Client::new(&uri(&[&flaky, &good], "host_order=ordered")).unwrap();
    let response = c.get("/bytes/1000").unwrap();
    assert_eq!(response.content_length(), Some(1000));
    let error = response.bytes().unwrap_err();
    match &error {
        Error::Incomplete {
            received: 10,
            expected: Some(1000),
            error,
            ..
        } => assert!(matches!(**error, Error::Protocol { .. }), "{error:?}"),
        other => panic!("{other:?}"),
    }
    assert!(
        error
            .to_string()
            .contains("broke off after 10 bytes of 1000"),
        "{error}"
    );
    assert_eq!(good.requests().len(), 0);
}

#[test]
fn a_certificate_alert_after_a_tls13_handshake_keeps_the_post_on_its_host() {
    // TLS 1.3: the client's handshake is done before the server has judged
    // its certificate, so the request is written and the alert read after.
    let picky = TestServer::start(
        ServerOptions::default()
            .tls13_only()
            .client_auth(ClientAuth::Required),
    );
    let good = TestServer::https();
    let query = format!(
        "host_order=ordered&ssl_certfile={}&ssl_keyfile={}",
        fixture("client-other-ca.pem").display(),
        fixture("client-other-ca.key").display()
    );
    let c = Client::new(&uri(&[&picky, &good], &query)).unwrap();
    let error = c.post("/write", "once").unwrap_err();
    assert!(
        matches!(
            error,
            Error::Tls {
                kind: TlsErrorKind::ClientCertRejected,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        good.requests().len(),
        0,
        "the POST was written to the first host"
    );
    // A GET may move on: the second host does not ask for a certificate.
    assert_eq!(
        c.get("/").unwrap().host(),
        format!("localhost:{}", good.port())
    );
}

#[test]
fn the_cli_never_sends_a_post_twice() {
    for (name, options) in faults_and_mid_body() {
        let flaky = TestServer::start(options.clone());
        let good = TestServer::start(ServerOptions {
            tls: options.tls,
            ..ServerOptions::default()
        });
        let out = Command::new(env!("CARGO_BIN_EXE_httpdb"))
            .args(["--uri", &uri(&[&flaky, &good], "host_order=ordered")])
            .args(["post", "/write", "--data", "cli-once"])
            .env_remove("HTTPDB_URL")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(3), "{name}: {out:?}");
        assert_eq!(bodies(&flaky), vec!["cli-once"], "{name}");
        assert_eq!(good.requests().len(), 0, "{name}");
    }
}

/// The keep-alive race: servers that drop a connection right after
/// answering, or just as the client reuses it.
#[test]
fn a_server_closing_idle_connections_causes_no_error() {
    for behaviour in [Behaviour::CloseAfterAnswer, Behaviour::DropReused] {
        for tls in [true, false] {
            let server = TestServer::start(ServerOptions {
                tls,
                behaviour,
                ..ServerOptions::default()
            });
            let c = Client::new(&uri(&[&server], "")).unwrap();
            let mut errors = Vec::new();
            for _ in 0..300 {
                if let Err(e) = c.get("/") {
                    errors.push(e.to_string());
                }
            }
            assert_eq!(errors, Vec::<String>::new(), "{behaviour:?} tls={tls}");
            assert!(c.dead_hosts().is_empty(), "{behaviour:?}");
            let answered = server.requests().len();
            assert!(
                (300..=600).contains(&answered),
                "{behaviour:?} tls={tls}: {answered} requests reached the server"
            );
        }
    }
}

#[test]
fn a_stale_connection_does_not_mark_a_healthy_host_dead() {
    let a = TestServer::start(ServerOptions::default().behaviour(Behaviour::DropReused));
    let b = TestServer::start(ServerOptions::default().behaviour(Behaviour::DropReused));
    let c = Client::new(&uri(&[&a, &b], "")).unwrap();
    for _ in 0..100 {
        c.get("/").unwrap();
        assert!(c.dead_hosts().is_empty());
    }
}

#[test]
fn a_post_on_a_dropped_keep_alive_connection_is_not_sent_again() {
    let server = TestServer::start(ServerOptions::default().behaviour(Behaviour::DropReused));
    let c = Client::new(&uri(&[&server], "")).unwrap();
    let mut ok = Vec::new();
    for k in 0..50 {
        let body = format!("post #{k}");
        match c.post("/write", body.clone()) {
            Ok(_) => ok.push(body),
            Err(e) => assert!(e.to_string().contains("after the request was sent"), "{e}"),
        }
    }
    let mut reached = bodies(&server);
    let total = reached.len();
    reached.sort();
    reached.dedup();
    assert_eq!(reached.len(), total, "a body reached the server twice");
    for body in ok {
        assert!(
            reached.contains(&body),
            "{body} was answered but not recorded"
        );
    }
}

#[test]
fn idle_connections_are_dropped_after_pool_idle_timeout() {
    let server = TestServer::https();
    let c = Client::new(&uri(&[&server], "pool_idle_timeout=200ms")).unwrap();
    c.get("/").unwrap();
    c.get("/").unwrap();
    assert_eq!(server.connections(), 1, "reused while fresh");
    std::thread::sleep(Duration::from_millis(300));
    c.get("/").unwrap();
    assert_eq!(server.connections(), 2, "not reused once idle too long");
    assert_eq!(
        httpdb::Settings::from_uri("https://h")
            .unwrap()
            .pool_idle_timeout(),
        Duration::from_secs(4)
    );
}

#[test]
fn timeout_bounds_the_whole_call() {
    let drip = TestServer::start(ServerOptions::default().behaviour(Behaviour::Drip(100)));
    let c = Client::new(&uri(&[&drip], "timeout=2s")).unwrap();
    for method in [Method::GET, Method::POST] {
        let started = Instant::now();
        let error = c.request(method.clone(), "/").body("x").send().unwrap_err();
        let took = started.elapsed();
        eprintln!("{method} under timeout=2s against a drip: {took:?}");
        assert!(took <= Duration::from_millis(2300), "{method}: {took:?}");
        assert!(took >= Duration::from_millis(1900), "{method}: {took:?}");
        assert!(
            matches!(
                error,
                Error::Timeout {
                    phase: TimeoutPhase::Response,
                    ..
                }
            ),
            "{method}: {error:?}"
        );
    }
    // Through failover too: a second dripping host gets what is left.
    let drip2 = TestServer::start(ServerOptions::default().behaviour(Behaviour::Drip(100)));
    let c = Client::new(&uri(&[&drip, &drip2], "timeout=2s&read_timeout=1s")).unwrap();
    let started = Instant::now();
    let error = c.get("/slow/0").unwrap_err();
    assert!(
        started.elapsed() <= Duration::from_millis(2300),
        "{:?}",
        started.elapsed()
    );
    assert!(
        matches!(error, Error::Timeout { .. } | Error::NoHost { .. }),
        "{error:?}"
    );
}

#[test]
fn read_timeout_bounds_silence_not_the_call() {
    let silent = TestServer::start(ServerOptions::default().behaviour(Behaviour::NeverAnswer));
    let good = TestServer::https();
    let c = Client::new(&uri(
        &[&silent, &good],
        "host_order=ordered&read_timeout=300ms",
    ))
    .unwrap();
    let started = Instant::now();
    assert_eq!(
        c.get("/").unwrap().host(),
        format!("localhost:{}", good.port())
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    // A steady drip (a byte every 5 ms, about 2 s for the answer) is never
    // silent for 300 ms.
    let drip = TestServer::start(ServerOptions::default().behaviour(Behaviour::Drip(5)));
    let c = Client::new(&uri(&[&drip], "read_timeout=300ms")).unwrap();
    assert_eq!(c.get("/").unwrap().status(), 200);
}

#[test]
fn a_503_does_not_kill_a_host_and_dead_hosts_are_a_last_resort() {
    let a = TestServer::https();
    let port = a.port();
    let down = refused_port();
    let c = Client::new(&format!(
        "https://localhost:{port},localhost:{down}/?ssl_ca_certs={}&host_order=ordered&retry_interval=60s",
        fx("ca.pem")
    ))
    .unwrap();
    let error = c.get("/status/503").unwrap_err();
    assert!(matches!(error, Error::NoHost { .. }), "{error:?}");
    assert_eq!(c.dead_hosts(), vec![format!("localhost:{down}")]);
    assert_eq!(c.get("/").unwrap().host(), format!("localhost:{port}"));

    // Both marked dead: each is still tried, the one marked first first.
    drop(a);
    assert!(c.get("/").is_err());
    assert_eq!(c.dead_hosts().len(), 2);
    let back = TestServer::start(ServerOptions::default().port(port));
    assert_eq!(c.get("/").unwrap().host(), format!("localhost:{port}"));
    assert_eq!(back.requests().len(), 1);
}

#[test]
fn paths_are_sent_as_written_or_refused() {
    let server = TestServer::https();
    let c = Client::new(&format!(
        "{}/db/?ssl_ca_certs={}",
        server.url(),
        fx("ca.pem")
    ))
    .unwrap();
    for path in ["/index/_doc/a#b", "/../secret", "/a/../../b", "/%2e%2E/x"] {
        let error = c.delete(path).unwrap_err();
        assert!(matches!(error, Error::Config { .. }), "{path}: {error:?}");
        assert!(error.to_string().contains(path), "{path}: {error}");
        let out = Command::new(env!("CARGO_BIN_EXE_httpdb"))
            .args(["--uri", &format!("{}/db/", server.url())])
            .args(["--ssl-ca-certs", &fx("ca.pem"), "delete", path])
            .env_remove("HTTPDB_URL")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{path}: {out:?}");
    }
    assert_eq!(server.requests().len(), 0, "no refused path was sent");
    c.get("/a/../b/%23").unwrap();
    assert_eq!(server.last_request().unwrap().path, "/db/a/../b/%23");
}

#[test]
fn servers_never_echo_credentials_into_errors() {
    let server = TestServer::https();
    for creds in [format!("admin:{PW}@"), String::new()] {
        let token = if creds.is_empty() {
            format!("&token={TOKEN}")
        } else {
            String::new()
        };
        let c = Client::new(&format!(
            "https://{creds}localhost:{}/?ssl_ca_certs={}{token}",
            server.port(),
            fx("ca.pem")
        ))
        .unwrap();
        let error = c.get("/echo-error/500").unwrap_err();
        let sent = server.last_request().unwrap();
        let header = sent.header("authorization").unwrap().to_string();
        let encoded = header.split(' ').nth(1).unwrap().to_string();
        for shown in [format!("{error}"), format!("{error:?}")] {
            for secret in [PW, TOKEN, &header, &encoded] {
                assert!(!shown.contains(secret), "{secret} in {shown}");
            }
            assert!(
                shown.contains("authorization: Basic ***") || shown.contains("Bearer ***"),
                "{shown}"
            );
            assert!(
                !shown.contains('\x1b'),
                "a raw escape reached the text: {shown:?}"
            );
        }
    }
}

#[test]
fn a_users_authorization_header_replaces_the_uris() {
    let server = TestServer::https();
    let c = Client::new(&format!(
        "https://admin:{PW}@localhost:{}/?ssl_ca_certs={}",
        server.port(),
        fx("ca.pem")
    ))
    .unwrap();
    c.request(Method::GET, "/echo")
        .header("Authorization", "Bearer mine")
        .send()
        .unwrap();
    let sent = server.last_request().unwrap();
    let auth: Vec<_> = sent
        .headers
        .iter()
        .filter(|(n, _)| n == "authorization")
        .collect();
    assert_eq!(auth.len(), 1, "{auth:?}");
    assert_eq!(auth[0].1, "Bearer mine");
}

/// nginx answers 502 once its backend died after reading the POST: the
/// POST reached a backend and is not sent again, here or elsewhere.
#[test]
fn nginx_502_after_the_backend_took_the_post() {
    let backend = TestServer::start(
        ServerOptions::default()
            .plain()
            .behaviour(Behaviour::FailAfterRequest(Fault::Reset)),
    );
    let nginx = Nginx::start_proxying_to(backend.port());
    let good = TestServer::https();
    let c = Client::new(&format!(
        "https://localhost:{},localhost:{}/?ssl_ca_certs={}&host_order=ordered",
        nginx.tls,
        good.port(),
        fx("ca.pem")
    ))
    .unwrap();
    for k in 0..10 {
        let error = c
            .post("/backend/write", format!("via nginx #{k}"))
            .unwrap_err();
        assert!(
            matches!(error, Error::Status { status: 502, .. }),
            "{error:?}"
        );
    }
    let reached = bodies(&backend);
    assert_eq!(reached.len(), 10, "{reached:?}");
    assert_eq!(good.requests().len(), 0, "a POST answered 502 was resent");
    // An idempotent request moves on from the 502.
    let response = c
        .request(Method::PUT, "/backend/doc")
        .body("v")
        .send()
        .unwrap();
    assert_eq!(response.host(), format!("localhost:{}", good.port()));
}
