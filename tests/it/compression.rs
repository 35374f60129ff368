//! Compression: request bodies sent gzip-compressed under `compress` (and
//! the peers' names for it), checked by decompressing what the server
//! received; answers in gzip decoded transparently, from real nginx.

use std::io::Read;

use crate::support::nginx::Nginx;
use crate::support::server::*;
use httpdb::{Client, Method};

fn client(server: &TestServer, query: &str) -> Client {
    Client::new(&format!(
        "{}/?ssl_ca_certs={}&{query}",
        server.url(),
        fx("ca.pem")
    ))
    .unwrap()
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .expect("the body is gzip");
    out
}

/// A JSON document of about 40 KB that compresses well.
fn document() -> String {
    let rows: Vec<String> = (0..1000)
        .map(|i| format!(r#"{{"id":{i},"name":"row {i}"}}"#))
        .collect();
    format!("[{}]", rows.join(","))
}

#[test]
fn request_bodies_are_sent_gzip_compressed() {
    let server = TestServer::https();
    let doc = document();
    for query in [
        "compress=true",
        "http_compress=true",
        "compressors=snappy,zlib",
        "compress=1KiB&zlibCompressionLevel=9",
    ] {
        let c = client(&server, query);
        assert_eq!(c.post("/docs", doc.as_str()).unwrap().status(), 200);
        let seen = server.last_request().unwrap();
        assert_eq!(seen.header("content-encoding"), Some("gzip"), "{query}");
        assert_eq!(seen.header("accept-encoding"), Some("gzip"), "{query}");
        assert!(
            seen.body.len() < doc.len() / 4,
            "{query}: {} bytes",
            seen.body.len()
        );
        assert_eq!(gunzip(&seen.body), doc.as_bytes(), "{query}");
    }
    // Below the threshold, and by default: sent as is, nothing asked for.
    for query in ["compress=64KiB", "compress=false", "compressors=zstd", ""] {
        let c = client(&server, query);
        c.post("/docs", doc.as_str()).unwrap();
        let seen = server.last_request().unwrap();
        assert_eq!(seen.header("content-encoding"), None, "{query}");
        assert_eq!(seen.body, doc.as_bytes(), "{query}");
    }
    let c = client(&server, "");
    c.get("/").unwrap();
    assert_eq!(
        server.last_request().unwrap().header("accept-encoding"),
        None
    );
}

/// A file and a reader are compressed on the fly (chunked); a file is
/// compressed again from its start when a GET-like PUT moves on.
#[test]
fn streamed_bodies_are_compressed_on_the_fly() {
    let server = TestServer::https();
    let doc = document();
    let path = std::env::temp_dir().join(format!("httpdb-gzip-{}.json", std::process::id()));
    std::fs::write(&path, &doc).unwrap();
    let c = client(&server, "compress=true");
    let file = std::fs::File::open(&path).unwrap();
    c.request(Method::PUT, "/docs")
        .body_file(file)
        .send()
        .unwrap();
    let seen = server.last_request().unwrap();
    assert_eq!(seen.header("content-encoding"), Some("gzip"));
    assert_eq!(gunzip(&seen.body), doc.as_bytes());
    let reader = std::io::Cursor::new(doc.clone().into_bytes());
    c.request(Method::POST, "/docs")
        .body_reader(reader)
        .send()
        .unwrap();
    assert_eq!(gunzip(&server.last_request().unwrap().body), doc.as_bytes());
    // The request's own Content-Encoding is left alone.
    c.request(Method::POST, "/docs")
        .header("Content-Encoding", "identity")
        .body(doc.clone())
        .send()
        .unwrap();
    assert_eq!(server.last_request().unwrap().body, doc.as_bytes());
    // Failover: the first host refuses, the file is compressed again from
    // its start for the second.
    let refused = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let cluster = Client::new(&format!(
        "https://localhost:{refused},localhost:{}/?host_order=ordered&compress=true&ssl_ca_certs={}",
        server.port(),
        fx("ca.pem")
    ))
    .unwrap();
    let file = std::fs::File::open(&path).unwrap();
    cluster
        .request(Method::PUT, "/docs")
        .body_file(file)
        .send()
        .unwrap();
    assert_eq!(gunzip(&server.last_request().unwrap().body), doc.as_bytes());
    let _ = std::fs::remove_file(&path);
}

/// nginx compresses what it serves when asked: with `compress` the answer
/// is asked for in gzip and decoded; without it nothing is asked.
#[test]
fn gzip_answers_from_nginx_are_decoded() {
    let nginx = Nginx::start();
    let doc = document();
    std::fs::write(nginx.www_files().join("doc.json"), &doc).unwrap();
    let url = |query: &str| {
        format!(
            "{}/?ssl_ca_certs={}&{query}",
            nginx.url(nginx.tls),
            fx("ca.pem")
        )
    };
    let c = Client::new(&url("compress=true")).unwrap();
    let response = c.get("/files/doc.json").unwrap();
    assert_eq!(response.content_length(), None, "decoded: no length");
    assert_eq!(response.text().unwrap(), doc);
    let entries = nginx.wait_for_access_log(1);
    let sent = entries.last().unwrap().body_bytes_sent;
    assert!(
        sent < doc.len() as u64 / 4,
        "nginx sent {sent} bytes for {}",
        doc.len()
    );
    let plain = Client::new(&url("")).unwrap();
    let response = plain.get("/files/doc.json").unwrap();
    assert_eq!(response.content_length(), Some(doc.len() as u64));
    assert_eq!(response.text().unwrap(), doc);
}

/// The CLI asks for gzip answers by default (as a browser does) and
/// prints them decoded; `--no-compressed` does not ask.
#[test]
fn the_cli_asks_for_gzip_by_default() {
    let nginx = Nginx::start();
    let doc = document();
    std::fs::write(nginx.www_files().join("doc.json"), &doc).unwrap();
    let run = |extra: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_httpdb"))
            .env_remove("HTTPDB_URL")
            .args([
                "--uri",
                &nginx.url(nginx.tls),
                "--ssl-ca-certs",
                &fx("ca.pem"),
            ])
            .args(extra)
            .args(["get", "/files/doc.json"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    assert_eq!(run(&[]), doc.as_bytes());
    let gzipped = nginx.wait_for_access_log(1).last().unwrap().body_bytes_sent;
    assert!(gzipped < doc.len() as u64 / 4, "{gzipped}");
    assert_eq!(run(&["--no-compressed"]), doc.as_bytes());
    let plain = nginx.wait_for_access_log(2).last().unwrap().body_bytes_sent;
    assert_eq!(plain, doc.len() as u64);
}
