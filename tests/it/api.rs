//! The library as a reqwest or ureq user writes it, against the in-process
//! server: settings parsed with `parse()`, `Client::builder()…build()?`, a
//! streamed body, `err.is_timeout()`, `client.agent()`, per-request
//! `query`, `header`, `json` and `timeout`.

use std::io::Read;
use std::time::{Duration, Instant};

use crate::support::server::*;
use httpdb::{CaCerts, Client, Error, Method, Settings};
use serde_json::{Value, json};

#[test]
fn a_program_written_the_reqwest_way() -> Result<(), Box<dyn std::error::Error>> {
    let server = TestServer::https();
    let settings: Settings = format!(
        "{}/?ssl_ca_certs={}",
        server.url(),
        fixture("ca.pem").display()
    )
    .parse()?;
    assert_eq!(
        Settings::try_from(settings.to_uri_with_secrets())?,
        settings
    );

    let client = Client::builder()
        .uri(server.url())
        .ssl_ca_certs(CaCerts::File(fixture("ca.pem")))
        .timeout(Duration::from_secs(5))
        .build()?;
    // A streamed body, read as it arrives.
    let mut body = Vec::new();
    client.get("/bytes/100000")?.read_to_end(&mut body)?;
    assert_eq!(body.len(), 100_000);

    // A timeout, asked the way reqwest users ask.
    let err = client
        .request(Method::GET, "/slow/3000")
        .timeout(Duration::from_millis(300))
        .send()
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");

    // The ureq agent under the client: our TLS, a plain ureq call.
    let text = client
        .agent()
        .get(format!("{}/", server.url()))
        .call()?
        .body_mut()
        .read_to_string()?;
    assert!(text.contains(SERVER_VERSION), "{text}");
    assert!(client.tls_config().is_some());
    // The same from settings alone.
    let agent: httpdb::ureq::Agent = settings.agent()?;
    assert_eq!(
        agent.get(format!("{}/", server.url())).call()?.status(),
        200
    );
    Ok(())
}

#[test]
fn query_header_and_json_as_a_request_builder() {
    let server = TestServer::https();
    let client = Client::builder()
        .uri(format!("{}/db", server.url()))
        .ssl_ca_certs(CaCerts::File(fixture("ca.pem")))
        .build()
        .unwrap();
    let echo: Value = client
        .request(Method::POST, "/_sql?types")
        .query("stmt", "SELECT 1 + 1 = 2 & 'a#b'")
        .header("X-Trace", String::from("abc"))
        .header(httpdb::ureq::http::header::ACCEPT, "application/json")
        .json(&json!({"stmt": "SELECT 1"}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let sent = server.last_request().unwrap();
    assert_eq!(
        sent.path,
        "/db/_sql?types&stmt=SELECT%201%20%2B%201%20%3D%202%20%26%20'a%23b'"
    );
    assert_eq!(sent.header("x-trace"), Some("abc"));
    assert_eq!(sent.header("content-type"), Some("application/json"));
    assert_eq!(echo["body"], r#"{"stmt":"SELECT 1"}"#);

    // A Content-Type set by hand is kept, and not doubled.
    client
        .request(Method::POST, "/x")
        .header("Content-Type", "application/x-ndjson")
        .json(&json!({}))
        .send()
        .unwrap();
    let sent = server.last_request().unwrap();
    let types: Vec<_> = sent
        .headers
        .iter()
        .filter(|(n, _)| n == "content-type")
        .collect();
    assert_eq!(types.len(), 1, "{types:?}");
    assert_eq!(types[0].1, "application/x-ndjson");
}

#[test]
fn a_bad_header_or_json_is_reported_by_send_and_nothing_is_sent() {
    let server = TestServer::https();
    let client = Client::builder()
        .uri(server.url())
        .ssl_ca_certs(CaCerts::File(fixture("ca.pem")))
        .build()
        .unwrap();
    let error = client
        .request(Method::GET, "/")
        .header("X-Secret", "line\nbreak-S3CRET")
        .send()
        .unwrap_err();
    assert!(matches!(error, Error::Config { .. }), "{error:?}");
    assert!(error.to_string().contains("header x-secret"), "{error}");
    assert!(!format!("{error} {error:?}").contains("S3CRET"));
    let error = client
        .request(Method::GET, "/")
        .header("Bad Name", "v")
        .send()
        .unwrap_err();
    assert!(error.to_string().contains("invalid header name"), "{error}");
    struct Fails;
    impl serde::Serialize for Fails {
        fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
            Err(serde::ser::Error::custom("no JSON for this"))
        }
    }
    let error = client
        .request(Method::POST, "/")
        .json(&Fails)
        .send()
        .unwrap_err();
    assert!(error.to_string().contains("no JSON for this"), "{error}");
    assert!(server.requests().is_empty(), "nothing was sent");
    assert!(client.dead_hosts().is_empty());
}

#[test]
fn a_per_request_timeout_bounds_that_call_only() {
    let server = TestServer::https();
    let client = Client::builder()
        .uri(server.url())
        .ssl_ca_certs(CaCerts::File(fixture("ca.pem")))
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let started = Instant::now();
    assert!(client.get("/slow/600").unwrap_err().is_timeout());
    assert!(started.elapsed() < Duration::from_millis(500));
    let slow = client
        .request(Method::GET, "/slow/600")
        .timeout(Duration::from_secs(5))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert_eq!(slow, "slow");
}

/// The URI's default query parameters reach the server on every request,
/// after the request's own; a parameter the request sets itself wins.
#[test]
fn default_query_parameters_reach_the_server() {
    let server = TestServer::https();
    let c = Client::new(&format!(
        "{}/?ssl_ca_certs={}&database=analytics&param.max_threads=2",
        server.url(),
        fx("ca.pem")
    ))
    .unwrap();
    c.get("/status/200").unwrap();
    assert_eq!(
        server.last_request().unwrap().path,
        "/status/200?database=analytics&max_threads=2"
    );
    c.request(Method::GET, "/status/200")
        .query("database", "other")
        .send()
        .unwrap();
    assert_eq!(
        server.last_request().unwrap().path,
        "/status/200?database=other&max_threads=2"
    );
}
