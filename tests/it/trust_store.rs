//! `ssl_ca_certs=system`: the OS trust store honours SSL_CERT_FILE, and an
//! empty store falls back to Mozilla's roots with a log line saying so.
//! Run through the binary, since the environment is per process.

use std::process::{Command, Output};

use crate::support::server::*;

fn httpdb(server: &TestServer, env: &[(&str, String)], args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_httpdb"));
    cmd.env_remove("HTTPDB_URL")
        .env_remove("RUST_LOG")
        .env_remove("SSL_CERT_FILE")
        .env_remove("SSL_CERT_DIR");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.args(["--uri", &server.url()]).args(args);
    cmd.output().expect("run httpdb")
}

#[test]
fn the_system_store_is_the_one_ssl_cert_file_names() {
    let server = TestServer::https();
    let out = httpdb(
        &server,
        &[("SSL_CERT_FILE", fixture("ca.pem").display().to_string())],
        &["get", "/"],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains(SERVER_VERSION));
}

#[test]
fn an_empty_system_store_falls_back_to_mozilla_roots_and_says_so() {
    let server = TestServer::https();
    let env = [
        ("SSL_CERT_FILE", fixture("empty.pem").display().to_string()),
        ("SSL_CERT_DIR", "/nonexistent-httpdb-test".to_string()),
    ];
    let out = httpdb(&server, &env, &["--log", "info", "get", "/"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("bundled Mozilla roots"), "{stderr}");
    assert!(stderr.contains("certificate verify failed"), "{stderr}");
    assert!(server.requests().is_empty());
}

#[test]
fn a_ca_file_replaces_the_system_store() {
    // SSL_CERT_FILE would trust the server, but a CA file replaces the
    // system store rather than adding to it.
    let server = TestServer::https();
    let env = [("SSL_CERT_FILE", fixture("ca.pem").display().to_string())];
    let other = fixture("other-ca.pem").display().to_string();
    let out = httpdb(&server, &env, &["--ssl-ca-certs", &other, "get", "/"]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
