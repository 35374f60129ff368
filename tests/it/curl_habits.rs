//! A curl user's first commands: command lines as a person types them to
//! curl, each rewritten only by replacing `curl` with `httpdb METHOD`, run
//! against the test servers (the in-process HTTPS server, asking for a
//! client certificate, and tinyproxy). What each server received is
//! checked, not only the exit status.

use std::path::Path;
use std::process::Command;

use crate::support::server::*;
use crate::support::tinyproxy::{ProxyOptions, Tinyproxy};

/// (the curl command line, the httpdb method that replaces `curl`, the
/// exit status, what standard output holds). `{P}` is the server's port,
/// `{T}` tinyproxy's, `{F}` the fixtures directory.
const LINES: &[(&str, &str, i32, &str)] = &[
    (
        "curl --cacert {F}ca.pem --cert {F}client.pem --key {F}client.key -u admin:pw -m 5 https://localhost:{P}/_sql --json '{\"stmt\":\"SELECT 1\"}' -o out.json",
        "post",
        0,
        "",
    ),
    (
        "curl --cacert {F}ca.pem https://localhost:{P}/",
        "get",
        0,
        "\"cluster_name\":\"httpdb-test\"",
    ),
    (
        "curl -k https://localhost:{P}/",
        "get",
        0,
        "\"cluster_name\"",
    ),
    (
        "curl --cacert {F}ca.pem -u admin:pw https://localhost:{P}/_cluster/health",
        "get",
        0,
        "\"authorization\":\"Basic YWRtaW46cHc=\"",
    ),
    (
        "curl --cacert {F}ca.pem -x http://127.0.0.1:{T} https://localhost:{P}/via-proxy",
        "get",
        0,
        "/via-proxy",
    ),
    (
        "curl --cacert {F}ca.pem -x http://127.0.0.1:{T} --noproxy localhost https://localhost:{P}/straight",
        "get",
        0,
        "/straight",
    ),
    (
        "curl --cacert {F}ca.pem -d @doc.json -H 'Content-Type: application/json' https://localhost:{P}/index/_doc",
        "post",
        0,
        "from doc.json",
    ),
    (
        "curl --cacert {F}ca.pem --cert '{F}client.p12:p12 secret' https://localhost:{P}/p12",
        "get",
        0,
        "/p12",
    ),
    (
        "curl --cacert {F}ca.pem --retry 3 -s -o body.bin https://localhost:{P}/bytes/1000",
        "get",
        0,
        "",
    ),
    (
        "curl --cacert {F}ca.pem --connect-timeout 2 -m 1 https://localhost:{P}/slow/3000",
        "get",
        4,
        "",
    ),
    (
        "curl --cacert {F}ca.pem -i https://localhost:{P}/status/404",
        "get",
        1,
        "HTTP/1.1 404 Not Found",
    ),
    (
        "curl --cacert {F}ca.pem -L 'https://localhost:{P}/redirect/302?to=/'",
        "get",
        0,
        "\"cluster_name\"",
    ),
];

fn run(line: &str, dir: &Path) -> (i32, String, String) {
    let bin = Path::new(env!("CARGO_BIN_EXE_httpdb")).parent().unwrap();
    let out = Command::new("bash")
        .args(["-c", line])
        .current_dir(dir)
        .env_clear()
        .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
        .output()
        .expect("bash runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn curl_command_lines_run_as_typed() {
    let server = TestServer::start(ServerOptions::default().client_auth(ClientAuth::Optional));
    let proxy = Tinyproxy::start(ProxyOptions::default());
    let dir = std::env::temp_dir().join(format!("httpdb-curl-habits-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("doc.json"), "{\"title\":\"from doc.json\"}").unwrap();
    for &(curl, method, exit, stdout) in LINES {
        let curl = curl
            .replace("{P}", &server.port().to_string())
            .replace("{T}", &proxy.port.to_string())
            .replace("{F}", FIXTURES);
        let line = curl.replacen("curl", &format!("httpdb {method}"), 1);
        let before = server.requests().len();
        let (code, out, err) = run(&line, &dir);
        eprintln!("exit {code}: {line}");
        assert_eq!(code, exit, "{line}\n--- stdout:\n{out}\n--- stderr:\n{err}");
        assert!(
            out.contains(stdout),
            "{line}: stdout lacks {stdout:?}:\n{out}\n{err}"
        );
        assert!(!err.contains("panicked"), "{err}");
        // What reached the server, line by line.
        let seen = server.requests();
        let last = seen.last().cloned();
        match curl
            .split_whitespace()
            .find(|w| w.contains("https://"))
            .unwrap_or("")
        {
            u if u.ends_with("/_sql") => {
                let last = last.unwrap();
                assert_eq!(last.method, "POST");
                assert_eq!(last.body, br#"{"stmt":"SELECT 1"}"#);
                assert_eq!(last.header("content-type"), Some("application/json"));
                assert_eq!(last.client_cert_cn.as_deref(), Some("httpdb-client"));
                assert_eq!(last.header("authorization"), Some("Basic YWRtaW46cHc="));
                let saved = std::fs::read_to_string(dir.join("out.json")).unwrap();
                assert!(saved.contains("SELECT 1"), "{saved}");
            }
            u if u.ends_with("/p12") => {
                assert_eq!(
                    last.unwrap().client_cert_cn.as_deref(),
                    Some("httpdb-client")
                );
            }
            u if u.ends_with("/bytes/1000") => {
                assert_eq!(std::fs::read(dir.join("body.bin")).unwrap().len(), 1000);
            }
            u if u.ends_with("/index/_doc") => {
                let last = last.unwrap();
                assert_eq!(last.method, "POST");
                assert_eq!(last.body, br#"{"title":"from doc.json"}"#);
            }
            _ => {}
        }
        if exit == 0 {
            assert!(seen.len() > before, "{line}: nothing reached the server");
        }
    }
    // -x went through the proxy, --noproxy past it.
    let tunnels = proxy.requests();
    assert_eq!(
        tunnels,
        [format!("CONNECT localhost:{} HTTP/1.1", server.port())],
        "{}",
        proxy.log()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_user_without_a_password_and_no_terminal_is_told_what_to_write() {
    let server = TestServer::https();
    let url = format!("https://localhost:{}/", server.port());
    // setsid: no controlling terminal, whatever runs the tests.
    let out = Command::new("setsid")
        .arg(env!("CARGO_BIN_EXE_httpdb"))
        .args(["get", "--cacert", &fx("ca.pem"), "-u", "admin", &url])
        .env_remove("HTTPDB_URL")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    // Under a terminal curl (and httpdb) would ask; here there is none.
    if out.status.code() == Some(2) {
        assert!(err.contains("-u admin:PASSWORD"), "{err}");
        assert!(server.requests().is_empty());
    } else {
        panic!("exit {:?}: {err}", out.status.code());
    }
    // `-u admin:` is an empty password, asked for by no one.
    let out = Command::new(env!("CARGO_BIN_EXE_httpdb"))
        .args(["get", "--cacert", &fx("ca.pem"), "-u", "admin:", &url])
        .env_remove("HTTPDB_URL")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        server.last_request().unwrap().header("authorization"),
        Some("Basic YWRtaW46")
    );
}

#[test]
fn dash_o_is_the_output_file_and_dash_w_the_option() {
    let server = TestServer::https();
    let dir = std::env::temp_dir().join(format!("httpdb-dash-o-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("out.json");
    let out = Command::new(env!("CARGO_BIN_EXE_httpdb"))
        .args([
            "--uri",
            &server.url(),
            "-W",
            &format!("tlsCAFile={}", fx("ca.pem")),
        ])
        .args(["get", "/", "-o"])
        .arg(&file)
        .env_remove("HTTPDB_URL")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty());
    assert!(
        std::fs::read_to_string(&file)
            .unwrap()
            .contains("cluster_name")
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `-d` does not change the method: `httpdb get` sends a GET, with the body
/// (Elasticsearch's `_search` takes one), where curl's `-d` alone would
/// make a POST.
#[test]
fn data_on_get_is_a_get_with_a_body() {
    let server = TestServer::https();
    let out = Command::new(env!("CARGO_BIN_EXE_httpdb"))
        .args(["--uri", &server.url(), "--cacert", &fx("ca.pem")])
        .args(["get", "/idx/_search", "-d", r#"{"query":{"match_all":{}}}"#])
        .env_remove("HTTPDB_URL")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seen = server.last_request().unwrap();
    assert_eq!(seen.method, "GET");
    assert_eq!(seen.body, br#"{"query":{"match_all":{}}}"#);
}
