//! Redirects, followed only when asked (`max_redirects`, the CLI's `-L`),
//! against the in-process server, counting on the server side what
//! arrived where: the same host, another host (no credentials there),
//! https to http (refused), 303 after a POST, 307 with a body that can or
//! cannot be sent again.

use crate::support::server::*;
use httpdb::{Client, Error, Method};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};

/// `/redirect/STATUS?to=LOCATION`.
fn redirect(status: u16, location: &str) -> String {
    format!(
        "/redirect/{status}?to={}",
        utf8_percent_encode(location, NON_ALPHANUMERIC)
    )
}

/// A client for `server` as `admin:pw`, following up to `max` redirects.
fn client(server: &TestServer, max: usize) -> Client {
    let url = server.url().replacen("://", "://admin:pw@", 1);
    Client::new(&format!(
        "{url}/?ssl_ca_certs={}&max_redirects={max}&header.X-Api-Key=k3y",
        fx("ca.pem")
    ))
    .unwrap()
}

fn paths(server: &TestServer) -> Vec<String> {
    server
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

#[test]
fn not_followed_by_default_and_followed_when_asked() {
    let server = TestServer::https();
    let response = client(&server, 0)
        .get(&redirect(302, "/status/200"))
        .unwrap();
    assert_eq!(response.status(), 302);
    assert_eq!(response.location(), Some("/status/200"));
    assert_eq!(server.requests().len(), 1);
    let response = client(&server, 5)
        .get(&redirect(302, "/status/200"))
        .unwrap();
    assert_eq!(response.status(), 200);
    let seen = server.last_request().unwrap();
    assert_eq!(seen.path, "/status/200");
    // The same host keeps its credentials.
    assert!(seen.header("authorization").unwrap().starts_with("Basic "));
    assert_eq!(seen.header("x-api-key"), Some("k3y"));
}

#[test]
fn another_host_gets_no_credentials() {
    let first = TestServer::https();
    let other = TestServer::https();
    // Another port is another origin, as curl counts it.
    let location = format!("https://localhost:{}/status/200", other.port());
    let c = client(&first, 5);
    let response = c
        .request(Method::GET, &redirect(301, &location))
        .header("Cookie", "session=s3cr3t")
        .header("X-Trace", "t1")
        .send()
        .unwrap();
    assert_eq!(response.status(), 200);
    let seen = other.last_request().unwrap();
    assert_eq!(seen.path, "/status/200");
    for credential in ["authorization", "x-api-key", "cookie"] {
        assert_eq!(
            seen.header(credential),
            None,
            "{credential} reached another host"
        );
    }
    assert_eq!(seen.header("x-trace"), Some("t1"), "other headers go on");
    assert_eq!(first.requests().len(), 1);
}

#[test]
fn https_never_goes_on_as_http() {
    let server = TestServer::https();
    let plain = TestServer::http();
    let location = format!("{}/status/200", plain.url());
    let error = client(&server, 5)
        .get(&redirect(302, &location))
        .unwrap_err();
    assert!(matches!(error, Error::Redirect { .. }), "{error:?}");
    assert!(
        error.to_string().contains("never goes on as plain http"),
        "{error}"
    );
    assert!(plain.requests().is_empty());
    // The answer that pointed to http is the call's one attempt.
    let attempts = error.attempts();
    assert_eq!(attempts.len(), 1, "{attempts:?}");
    assert_eq!(attempts[0].status, Some(302));
}

#[test]
fn a_303_after_a_post_is_a_get_without_the_body() {
    let server = TestServer::https();
    let c = client(&server, 5);
    let response = c.post(&redirect(303, "/status/201"), "{\"a\":1}").unwrap();
    assert_eq!(response.status(), 201);
    assert_eq!(
        paths(&server),
        [
            format!("POST {}", redirect(303, "/status/201")),
            "GET /status/201".into()
        ]
    );
    let get = server.last_request().unwrap();
    assert!(get.body.is_empty());
    assert_eq!(get.header("content-type"), None);
    assert_eq!(
        server.requests()[0].body,
        b"{\"a\":1}",
        "the POST was sent once"
    );
}

#[test]
fn a_307_sends_a_replayable_body_again_and_refuses_a_stream() {
    let server = TestServer::https();
    let c = client(&server, 5);
    let response = c.post(&redirect(307, "/docs"), "payload").unwrap();
    assert_eq!(response.status(), 200);
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(
        (requests[1].method.as_str(), requests[1].path.as_str()),
        ("POST", "/docs")
    );
    assert_eq!(requests[1].body, b"payload");
    let stream = std::io::Cursor::new(b"streamed".to_vec());
    let error = c
        .request(Method::POST, &redirect(307, "/docs"))
        .body_reader(stream)
        .send()
        .unwrap_err();
    assert!(matches!(error, Error::Redirect { .. }), "{error:?}");
    assert!(
        error.to_string().contains("cannot be sent twice"),
        "{error}"
    );
    assert_eq!(server.requests().len(), 3, "the stream went out once");
}

#[test]
fn the_count_is_bounded() {
    let server = TestServer::https();
    // A loop: the location is the path itself.
    let error = client(&server, 3).get("/redirect/302?to=self").unwrap_err();
    assert!(
        error.to_string().contains("more than max_redirects=3"),
        "{error}"
    );
    assert_eq!(server.requests().len(), 4);
    // Every hop, the refused one included.
    let attempts = error.attempts();
    assert_eq!(attempts.len(), 4, "{attempts:?}");
    assert_eq!(attempts.redirects(), 3);
    assert!(attempts.iter().all(|a| a.status == Some(302)));
}

/// Under `compress`, a body a 307 sends again is compressed once, as on
/// the first hop, and a 303 drops it with its `Content-Encoding`.
#[test]
fn a_compressed_body_goes_on_compressed_once() {
    use std::io::Read;
    let server = TestServer::https();
    let url = server.url();
    let c = Client::new(&format!(
        "{url}/?ssl_ca_certs={}&max_redirects=5&compress=true",
        fx("ca.pem")
    ))
    .unwrap();
    let doc = "[1,2,3,4,5,6,7,8,9]".repeat(1000);
    let gunzip = |bytes: &[u8]| {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut out)
            .expect("the body is gzip");
        out
    };
    c.post(&redirect(307, "/docs"), doc.as_str()).unwrap();
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    for seen in &requests {
        assert_eq!(seen.header("content-encoding"), Some("gzip"));
        assert_eq!(gunzip(&seen.body), doc.as_bytes(), "{}", seen.path);
    }
    c.post(&redirect(303, "/docs"), doc.as_str()).unwrap();
    let seen = server.last_request().unwrap();
    assert_eq!((seen.method.as_str(), seen.path.as_str()), ("GET", "/docs"));
    assert_eq!(seen.header("content-encoding"), None);
    assert!(seen.body.is_empty());
}
