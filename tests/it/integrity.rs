//! Every answer whole or an error: servers that end a body in each way a
//! body can end, or frame it faultily, at the exact moment it matters.

use std::time::{Duration, Instant};

use httpdb::{Client, Error};

use crate::support::server::*;

fn client(server: &TestServer, query: &str) -> Client {
    let ca = if server.url().starts_with("https") {
        format!("ssl_ca_certs={}&", fx("ca.pem"))
    } else {
        String::new()
    };
    Client::new(&format!("{}/?{ca}{query}", server.url())).expect("a client")
}

/// The error behind a failed body read, whatever way it was read.
fn body_error(client: &Client, path: &str) -> (Error, u64) {
    let mut response = client.get(path).expect("the head arrives whole");
    let mut sink = Vec::new();
    let error = response
        .copy_to(&mut sink)
        .expect_err("the body must not pass for whole");
    (error, sink.len() as u64)
}

#[test]
fn a_body_that_runs_to_the_close_is_whole_only_after_a_clean_close() {
    const LEN: u64 = 512 * 1024;
    let tls = TestServer::https();
    let plain = TestServer::http();
    for server in [&tls, &plain] {
        // A clean end: close_notify and FIN (or FIN alone over plain TCP).
        let c = client(server, "");
        let body = c
            .get(&format!("/unframed/{LEN}/fin"))
            .unwrap()
            .bytes()
            .unwrap();
        assert_eq!(
            digest(&body[..]).unwrap(),
            digest(Generated::new(LEN)).unwrap(),
            "{}",
            server.url()
        );
    }

    // TLS: a FIN without close_notify (RFC 9112 §9.8). Every byte arrived,
    // yet nothing says the body ended there.
    let c = client(&tls, "");
    let (error, got) = body_error(&c, &format!("/unframed/{LEN}/no-close-notify"));
    assert_eq!(got, LEN, "what arrived is handed on");
    let Error::Incomplete { received, .. } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(*received, LEN);
    assert!(
        error.to_string().contains("without a close_notify"),
        "{error}"
    );
    // The same through bytes(): no partial body passes for whole.
    let error = c
        .get(&format!("/unframed/{LEN}/no-close-notify"))
        .unwrap()
        .bytes()
        .unwrap_err();
    assert!(matches!(error, Error::Incomplete { .. }), "{error:?}");

    // A reset, over both.
    for server in [&tls, &plain] {
        let c = client(server, "");
        let (error, got) = body_error(&c, &format!("/unframed/{}/reset", 8 << 20));
        assert!(got < 8 << 20 || matches!(error, Error::Incomplete { .. }));
        assert!(
            matches!(&error, Error::Incomplete { received, .. } if *received == got),
            "{error:?}"
        );
        assert!(error.to_string().contains("reset"), "{error}");
    }
}

#[test]
fn faulty_framing_is_an_error_that_names_the_fault() {
    let server = TestServer::https();
    let c = client(&server, "max_retries=0");
    for (path, words) in [
        (
            "/raw/http10-chunked",
            "an HTTP/1.0 answer with Transfer-Encoding",
        ),
        ("/raw/plus-size", "begins with '+'"),
        (
            "/endless-head",
            "the answer's head has more than 128 header fields",
        ),
        (
            "/extension/1048576",
            "chunk extension longer than 4096 bytes",
        ),
    ] {
        let started = Instant::now();
        let error = match c.get(path) {
            Ok(response) => response.bytes().expect_err(path),
            Err(error) => error,
        };
        let text = error.to_string();
        assert!(
            text.contains("faulty framing") && text.contains(words),
            "{path}: {text}"
        );
        assert!(!error.is_timeout(), "{path}: {error:?}");
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{path}: {:?}",
            started.elapsed()
        );
    }
    assert_eq!(server.requests().len(), 4, "each sent once");
}

#[test]
fn framing_the_rfc_allows_is_read() {
    let server = TestServer::https();
    let c = client(&server, "");
    // An unknown chunk extension of 100 bytes is ignored (RFC 9112 §7.1.1).
    assert_eq!(
        c.get("/extension/100").unwrap().text().unwrap(),
        "abcdefghijklmnopqrstuvwxyz"
    );
    // A 100 Continue that carries a field (RFC 9110 §15.2) is passed over.
    assert_eq!(
        c.get("/raw/continue-with-fields").unwrap().text().unwrap(),
        "ok"
    );
}

#[test]
fn keep_alive_answers_follow_one_another_on_one_connection() {
    // The framing is read ahead of the engine on every answer: a length, a
    // chunked body, a HEAD, a 204 and a 304 in turn must leave the
    // connection ready for the next, as the server counts.
    let server = TestServer::https();
    let c = client(&server, "");
    for _ in 0..3 {
        assert_eq!(c.get("/bytes/1000").unwrap().bytes().unwrap().len(), 1000);
        assert_eq!(
            c.get("/gen-chunked/200000").unwrap().bytes().unwrap().len(),
            200_000
        );
        assert_eq!(c.head("/").unwrap().status(), 200);
        assert_eq!(c.get("/status/204").unwrap().status(), 204);
        let not_modified = c
            .request(httpdb::Method::GET, "/status/304")
            .error_for_status(false)
            .send()
            .unwrap();
        assert_eq!(not_modified.status(), 304);
    }
    assert_eq!(server.connections(), 1, "one connection carried them all");
}

#[test]
fn bytes_past_the_end_of_an_answer_are_never_the_next_answer() {
    // A server that sends a second answer no request asked for, right
    // after the first: the engine reads the body from the connection's
    // buffer (no copy), and whatever it read, the connection is not used
    // again, so the forged answer never answers the next request.
    let server = TestServer::https();
    let c = client(&server, "");
    for len in [2u64, 100_000, 1_000_000] {
        let body = c.get(&format!("/smuggle/{len}")).unwrap().bytes().unwrap();
        assert_eq!(body.len() as u64, len);
        assert!(body.iter().all(|b| *b == b'a'), "{len}");
        let before = server.connections();
        assert_eq!(c.get("/bytes/3").unwrap().bytes().unwrap().len(), 3);
        assert_eq!(
            server.connections(),
            before + 1,
            "a new connection after {len}"
        );
    }
}

#[test]
fn an_early_answer_during_an_upload_is_the_answer() {
    const LEN: u64 = 200 << 20;
    for server in [TestServer::https(), TestServer::http()] {
        let c = client(&server, "");
        let started = Instant::now();
        let error = c
            .request(httpdb::Method::POST, "/early/413")
            .body_reader(Generated::new(LEN))
            .send()
            .expect_err("a 413");
        let Error::Status { status, body, .. } = &error else {
            panic!("{}: {error:?}", server.url())
        };
        assert_eq!(*status, 413);
        assert!(body.contains("was not read"), "{body}");
        assert!(started.elapsed() < Duration::from_secs(30));
        assert_eq!(server.requests().len(), 1, "sent once");
        // The connection is not used again: the next call opens another.
        c.get("/").unwrap();
        assert_eq!(server.connections(), 2);
    }
}
