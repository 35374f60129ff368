//! Streamed uploads are bounded by progress, as streamed downloads are:
//! a body that keeps going out may take longer than `timeout`, and one
//! the server stops taking fails after `read_timeout`, saying so.

use std::io::Read;
use std::time::{Duration, Instant};

use crate::support::server::*;
use httpdb::{Client, Error, Method, TimeoutPhase};

fn client(server: &TestServer, query: &str) -> Client {
    Client::new(&format!(
        "{}?ssl_ca_certs={}&{query}",
        server.url(),
        fx("ca.pem")
    ))
    .unwrap()
}

/// `len` bytes of a pattern, as a reader.
fn pattern(len: u64) -> impl Read + Send + 'static {
    std::io::repeat(0x5a).take(len)
}

#[test]
fn a_streamed_upload_may_outlast_timeout_while_it_progresses() {
    let server = TestServer::https();
    // 24 MiB, of which the server reads the first 8 MiB slowly (a TLS
    // record or 64 KiB at a time, 3 ms apart: 2 s or more), the rest at
    // once: what the socket buffers hold after the last write is read in
    // well under the timeout.
    let len = 24 << 20;
    let file_path = std::env::temp_dir().join(format!("httpdb-upload-{}", std::process::id()));
    std::io::copy(
        &mut pattern(len),
        &mut std::fs::File::create(&file_path).unwrap(),
    )
    .unwrap();
    let (_, want) = digest(pattern(len)).unwrap();
    let c = client(&server, "timeout=1s&read_timeout=5s");
    let started = Instant::now();
    let answer = c
        .request(Method::POST, "/sink?pace=3&pace_for=8388608")
        .body_file(std::fs::File::open(&file_path).unwrap())
        .send()
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert!(
        started.elapsed() > Duration::from_secs(1),
        "the upload did not outlast the timeout ({:?}): the test proves nothing",
        started.elapsed()
    );
    let seen = server.last_request().unwrap();
    assert_eq!(seen.body_text(), format!("{len} {want}"));
    // A reader goes the same way (chunked).
    let answer = c
        .request(Method::POST, "/sink?pace=3&pace_for=8388608")
        .body_reader(pattern(len))
        .send()
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(
        server.last_request().unwrap().body_text(),
        format!("{len} {want}")
    );
    // The control: the same body from memory is bounded by timeout.
    let body = {
        let mut body = Vec::new();
        pattern(len).read_to_end(&mut body).unwrap();
        body
    };
    let error = c
        .request(Method::POST, "/sink?pace=3&pace_for=8388608")
        .body(body)
        .send()
        .unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
    let _ = std::fs::remove_file(file_path);
}

#[test]
fn an_upload_the_server_stops_taking_fails_after_read_timeout() {
    let server = TestServer::https();
    let c = client(&server, "timeout=60s&read_timeout=1s&max_retries=0");
    let started = Instant::now();
    let error = c
        .request(Method::POST, "/sink?stall_after=1048576&hold=6000")
        .body_reader(pattern(256 << 20))
        .send()
        .unwrap_err();
    let took = started.elapsed();
    assert!(took < Duration::from_secs(5), "{took:?}: {error}");
    let Error::Timeout {
        phase: TimeoutPhase::Send { sent },
        after,
        ..
    } = &error
    else {
        panic!("{error:?}")
    };
    assert_eq!(*after, Duration::from_secs(1));
    assert!(*sent >= 1 << 20, "{sent}");
    let text = error.to_string();
    assert!(
        text.starts_with("timed out sending the request body to localhost:")
            && text.contains("the server may have stored part of them")
            && text.contains("insert_deduplication_token"),
        "{text}"
    );
    assert!(error.is_timeout());
}

#[test]
fn the_cli_loads_a_file_longer_than_its_timeout() {
    let server = TestServer::https();
    let len = 24 << 20;
    let file_path = std::env::temp_dir().join(format!("httpdb-upload-cli-{}", std::process::id()));
    std::io::copy(
        &mut pattern(len),
        &mut std::fs::File::create(&file_path).unwrap(),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_httpdb"))
        .env_remove("HTTPDB_URL")
        .args([
            "--uri",
            &server.url(),
            "--ssl-ca-certs",
            &fx("ca.pem"),
            "--timeout",
            "1s",
            "post",
            "/sink?pace=3&pace_for=8388608",
            "--data",
            &format!("@{}", file_path.display()),
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let (_, want) = digest(pattern(len)).unwrap();
    assert_eq!(
        server.last_request().unwrap().body_text(),
        format!("{len} {want}")
    );
    let _ = std::fs::remove_file(file_path);
}
