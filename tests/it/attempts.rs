//! What every call tells of itself: the attempts on its `Response` and
//! `Error`, with their hosts, connections, phases, causes and timings,
//! against servers that misbehave at the moment each fact is about.

use std::time::Duration;

use crate::support::server::*;
use httpdb::attempt::{Connection, Phase, Timings};
use httpdb::{Client, Error, Method};

fn client(ports: &[u16], query: &str) -> Client {
    let hosts: Vec<String> = ports.iter().map(|p| format!("localhost:{p}")).collect();
    Client::new(&format!(
        "https://{}/?ssl_ca_certs={}&host_order=ordered&{query}",
        hosts.join(","),
        fx("ca.pem")
    ))
    .unwrap()
}

/// Each phase that happened, in order, none after the attempt's end.
#[track_caller]
fn assert_ordered(t: &Timings) {
    let phases = [
        t.name_lookup,
        t.connect,
        t.tls_handshake,
        t.request_sent,
        t.first_byte,
        Some(t.total),
    ];
    let seen: Vec<Duration> = phases.into_iter().flatten().collect();
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{t:?}");
}

#[test]
fn timings_follow_the_phases_and_a_pooled_request_has_no_connect() {
    let server = TestServer::https();
    let c = client(&[server.port()], "timings=true");
    let mut slow = c.get("/slow/300").unwrap();
    let mut body = String::new();
    std::io::Read::read_to_string(&mut slow, &mut body).unwrap();
    assert_eq!(body, "slow");
    let attempts = slow.attempts();
    assert_eq!(attempts.len(), 1, "{attempts:?}");
    let first = &attempts[0];
    assert_eq!(first.connection, Connection::New);
    assert_eq!(first.reached, Phase::Answered);
    assert_eq!(first.status, Some(200));
    assert!(first.error.is_none());
    let t = first.timings.expect("asked for");
    assert_ordered(&t);
    for phase in [
        t.name_lookup,
        t.connect,
        t.tls_handshake,
        t.request_sent,
        t.first_byte,
    ] {
        assert!(phase.is_some(), "{t:?}");
    }
    let first_byte = t.first_byte.unwrap();
    assert!(first_byte >= Duration::from_millis(300), "{t:?}");
    assert!(first_byte - t.request_sent.unwrap() >= Duration::from_millis(300));
    assert!(
        attempts.total().unwrap() >= t.began + t.total,
        "{attempts:?}"
    );
    let tls = first.tls.expect("an https attempt has its TLS session");
    assert!(tls.version.starts_with("TLSv1."), "{tls:?}");
    assert!(tls.cipher_suite.starts_with("TLS"), "{tls:?}");
    assert_eq!(
        first.address.map(|a| a.port()),
        Some(server.port()),
        "{first:?}"
    );
    assert!(first.sent > 0 && first.received > 0, "{first:?}");
    assert_eq!((attempts.retries(), attempts.connects()), (0, 1));

    let pooled = c.get("/").unwrap();
    let again = &pooled.attempts()[0];
    assert_eq!(again.connection, Connection::Pooled, "{again:?}");
    let t = again.timings.unwrap();
    assert_eq!((t.connect, t.tls_handshake), (None, None));
    assert!(t.request_sent.is_some() && t.first_byte.is_some());
    assert_ordered(&t);
    assert_eq!(again.tls, first.tls, "the pooled connection's session");
    assert_eq!(again.address, first.address);
    assert_eq!(pooled.attempts().connects(), 0);
    // What the server saw agrees: one connection, two requests.
    assert_eq!(server.connections(), 1);
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn a_read_lists_every_move_and_a_write_the_two_it_made() {
    let refused = refused_port();
    let reset = TestServer::start(
        ServerOptions::default().behaviour(Behaviour::FailAfterRequest(Fault::Reset)),
    );
    let good = TestServer::https();
    let c = client(&[refused, reset.port(), good.port()], "retry_backoff=0s");

    let response = c.get("/doc").unwrap();
    let attempts = response.attempts();
    assert_eq!(attempts.len(), 3, "{attempts:#?}");
    let hosts: Vec<String> = attempts.iter().map(|a| a.host.clone()).collect();
    let name = |p: u16| format!("localhost:{p}");
    assert_eq!(
        hosts,
        [name(refused), name(reset.port()), name(good.port())]
    );
    assert!(
        matches!(attempts[0].error, Some(Error::Connect { .. })),
        "{attempts:#?}"
    );
    assert_eq!(attempts[0].connection, Connection::None);
    assert!(
        matches!(&attempts[1].error, Some(Error::Protocol { message, .. }) if message.contains("after the request was sent")),
        "{attempts:#?}"
    );
    assert_eq!(attempts[1].connection, Connection::New);
    assert_eq!(attempts[1].reached, Phase::Sent);
    assert!(attempts[1].sent > 0);
    // Not asked for: no timings, and the rest all the same.
    assert!(attempts.iter().all(|a| a.timings.is_none()));
    assert_eq!(attempts.total(), None);
    assert!(attempts[2].error.is_none());
    assert_eq!(attempts[2].status, Some(200));
    assert_eq!(attempts.retries(), 2);
    assert_eq!(reset.requests().len(), 1);
    assert_eq!(good.requests().len(), 1);

    // A write is not sent again once it went out: two attempts (a new
    // client, for which no host is dead yet).
    let c = client(&[refused, reset.port(), good.port()], "retry_backoff=0s");
    let error = c
        .request(Method::POST, "/doc")
        .body("v")
        .send()
        .unwrap_err();
    let Error::NoHost { attempts } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(attempts.len(), 2, "{attempts:#?}");
    assert!(matches!(attempts[0].error, Some(Error::Connect { .. })));
    assert!(matches!(attempts[1].error, Some(Error::Protocol { .. })));
    assert!(std::ptr::eq(error.attempts(), attempts));
    assert_eq!(reset.requests().len(), 2);
    assert_eq!(good.requests().len(), 1, "the write never reached it");
}

#[test]
fn an_error_of_one_host_carries_its_attempt() {
    let server = TestServer::https();
    let c = client(&[server.port()], "timeout=400ms&max_retries=0");
    let error = c
        .request(Method::GET, "/slow/3000")
        .timings(true)
        .send()
        .unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
    let attempts = error.attempts();
    assert_eq!(attempts.len(), 1, "{attempts:?}");
    let only = &attempts[0];
    // Its error is the error itself.
    assert!(only.error.is_none());
    assert_eq!(only.reached, Phase::Sent);
    let t = only.timings.unwrap();
    assert_eq!(t.first_byte, None);
    assert!(t.request_sent.is_some(), "{t:?}");
    assert!(t.total >= Duration::from_millis(350), "{only:?}");
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn kept_heads_mask_the_credentials() {
    let server = TestServer::https();
    let c = Client::new(&format!(
        "https://admin:pa55w0rd@localhost:{}/?ssl_ca_certs={}",
        server.port(),
        fx("ca.pem")
    ))
    .unwrap();
    let response = c
        .request(Method::GET, "/basic-auth/admin/pa55w0rd")
        .keep_heads(true)
        .send()
        .unwrap();
    assert_eq!(response.status(), 200);
    let heads = response.attempts()[0].heads.clone().expect("kept");
    assert!(
        heads
            .request
            .starts_with("GET /basic-auth/admin/*** HTTP/1.1\r\n"),
        "{}",
        heads.request
    );
    assert!(
        heads.request.contains("\r\nauthorization: Basic ***\r\n"),
        "{}",
        heads.request
    );
    assert!(heads.request.ends_with("\r\n\r\n"), "{}", heads.request);
    assert!(!heads.request.contains("YWRtaW46cGE1NXcwcmQ="));
    assert_eq!(heads.responses.len(), 1);
    assert!(heads.responses[0].starts_with("HTTP/1.1 200 OK\r\n"));
    // The server did get the credentials.
    assert_eq!(
        server.requests()[0].header("authorization"),
        Some("Basic YWRtaW46cGE1NXcwcmQ=")
    );
    // Not kept unless asked.
    assert!(c.get("/").unwrap().attempts()[0].heads.is_none());
}
