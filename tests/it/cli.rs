//! The `httpdb` binary, driven as a user would, against the in-process
//! test server. Each test starts its own server, so they run in parallel.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::server::*;

/// A password that must never be printed by any command.
const PASSWORD: &str = "Pw-n3ver-shown-7Q";
/// The same for a bearer token and a key passphrase.
const TOKEN: &str = "tok-n3ver-shown-9Z";
const PASSPHRASE: &str = "pass-n3ver-shown-3K";

/// How long any one run of the binary may take before the test fails.
const RUN_LIMIT: Duration = Duration::from_secs(60);

/// The binary with a clean environment: no HTTPDB_URL, no RUST_LOG.
fn httpdb() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_httpdb"));
    cmd.env_remove("HTTPDB_URL")
        .env_remove("RUST_LOG")
        .env_remove("RUST_LOG_STYLE");
    cmd
}

/// What one run of the binary gave.
struct Out {
    code: i32,
    stdout: Vec<u8>,
    stderr: String,
}

impl Out {
    fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}): {}\nstderr: {}",
                self.stdout_text(),
                self.stderr
            )
        })
    }

    /// Asserts the exit status, showing both streams when it differs.
    fn expect(self, code: i32) -> Out {
        assert_eq!(
            self.code,
            code,
            "exit status\n--- stdout:\n{}\n--- stderr:\n{}",
            self.stdout_text(),
            self.stderr
        );
        self
    }

    /// Asserts that no secret of this file appears on either stream.
    fn no_secrets(self) -> Out {
        for secret in [PASSWORD, TOKEN, PASSPHRASE] {
            assert!(
                !self.stdout_text().contains(secret),
                "{secret} on stdout: {}",
                self.stdout_text()
            );
            assert!(
                !self.stderr.contains(secret),
                "{secret} on stderr: {}",
                self.stderr
            );
        }
        self
    }
}

/// Runs `cmd` with `stdin` as its standard input; fails the test rather
/// than hang.
fn run_with(mut cmd: Command, stdin: Option<&[u8]>) -> Out {
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn httpdb");
    let pid = child.id();
    if let Some(bytes) = stdin {
        let mut pipe = child.stdin.take().expect("stdin pipe");
        let bytes = bytes.to_vec();
        thread::spawn(move || {
            let _ = pipe.write_all(&bytes);
        });
    }
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let output = match rx.recv_timeout(RUN_LIMIT) {
        Ok(output) => output.expect("wait for httpdb"),
        Err(_) => {
            let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
            panic!("httpdb did not finish within {RUN_LIMIT:?}");
        }
    };
    let code = output
        .status
        .code()
        .unwrap_or_else(|| panic!("httpdb killed by a signal: {:?}", output.status));
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "httpdb panicked: {stderr}");
    Out {
        code,
        stdout: output.stdout,
        stderr,
    }
}

/// Runs the binary with `args` and nothing else.
fn run(args: &[&str]) -> Out {
    let mut cmd = httpdb();
    cmd.args(args);
    run_with(cmd, None)
}

/// Runs the binary against `server`, trusting the test CA.
fn run_at(server: &TestServer, args: &[&str]) -> Out {
    run_at_with(server, args, None)
}

fn run_at_with(server: &TestServer, args: &[&str], stdin: Option<&[u8]>) -> Out {
    let mut cmd = httpdb();
    cmd.args(["--uri", &server.url(), "--ssl-ca-certs", &fx("ca.pem")])
        .args(args);
    run_with(cmd, stdin)
}

fn temp_file(name: &str, contents: &[u8]) -> PathBuf {
    let file = std::env::temp_dir().join(format!("httpdb-cli-test-{}-{name}", std::process::id()));
    std::fs::write(&file, contents).expect("write a temp file");
    file
}

fn last(server: &TestServer) -> Recorded {
    server
        .last_request()
        .expect("the server received a request")
}

// ------------------------------------------------------------------ help

#[test]
fn help_lists_the_exit_statuses() {
    let out = run(&["--help"]).expect(0);
    let help = out.stdout_text();
    for line in [
        "Exit status:",
        "0  success",
        "1  the server answered with an HTTP error status",
        "2  usage or configuration error",
        "3  connection or TLS failure",
        "4  timeout",
    ] {
        assert!(help.contains(line), "--help lacks {line:?}:\n{help}");
    }
    for command in [
        "config",
        "info",
        "get",
        "post",
        "put",
        "delete",
        "head",
        "request",
        "completions",
    ] {
        assert!(
            help.contains(&format!("  {command} ")),
            "--help lacks {command}:\n{help}"
        );
    }
}

#[test]
fn help_never_shows_the_uri_from_the_environment() {
    let mut cmd = httpdb();
    cmd.env("HTTPDB_URL", format!("https://admin:{PASSWORD}@db:4200"))
        .arg("--help");
    let out = run_with(cmd, None).expect(0).no_secrets();
    assert!(out.stdout_text().contains("HTTPDB_URL"));
}

#[test]
fn completions_for_bash() {
    let out = run(&["completions", "bash"]).expect(0);
    let script = out.stdout_text();
    assert!(script.contains("httpdb"), "{script}");
    assert!(script.contains("complete"), "{script}");
    run(&["completions", "nosuchshell"]).expect(2);
}

// ------------------------------------------------------------------ usage errors

#[test]
fn clap_usage_errors_exit_2() {
    let out = run(&["frobnicate"]).expect(2);
    assert!(out.stderr.contains("frobnicate"), "{}", out.stderr);
    run(&[]).expect(2);
    run(&["--uri", "https://h", "get"]).expect(2);
    run(&["--uri", "https://h", "get", "/", "--no-such-flag"]).expect(2);
}

#[test]
fn a_mistyped_secret_flag_never_echoes_its_value() {
    let out = run(&[&format!("--pasword={PASSWORD}"), "get", "/"])
        .expect(2)
        .no_secrets();
    assert!(out.stderr.contains("--password"), "{}", out.stderr);
}

#[test]
fn missing_httpdb_url_exits_2() {
    let out = run(&["config"]).expect(2);
    assert!(out.stderr.starts_with("httpdb: "), "{}", out.stderr);
    assert!(out.stderr.contains("HTTPDB_URL"), "{}", out.stderr);
    assert!(out.stdout.is_empty());
    run(&["get", "/"]).expect(2);
}

#[test]
fn a_bad_uri_exits_2() {
    let out = run(&["--uri", "ftp://h:1", "config"]).expect(2);
    assert!(out.stderr.contains("unsupported scheme"), "{}", out.stderr);
    let out = run(&[
        "--uri",
        &format!("https://admin:{PASSWORD}@h:99999"),
        "get",
        "/",
    ])
    .expect(2)
    .no_secrets();
    assert!(out.stderr.contains("99999"), "{}", out.stderr);
}

#[test]
fn an_unknown_option_exits_2_with_a_suggestion() {
    let out = run(&["--uri", "https://h", "-W", "ssl_ca_cert=/ca.pem", "config"]).expect(2);
    assert!(
        out.stderr.contains("did you mean \"ssl_ca_certs\""),
        "{}",
        out.stderr
    );
    let out = run(&["--uri", "https://h/?connect_timout=5", "config"]).expect(2);
    assert!(
        out.stderr.contains("did you mean \"connect_timeout\""),
        "{}",
        out.stderr
    );
    let out = run(&[
        "--uri",
        "https://h",
        "-W",
        &format!("password{PASSWORD}"),
        "config",
    ])
    .expect(2)
    .no_secrets();
    assert!(out.stderr.contains("KEY=VALUE"), "{}", out.stderr);
}

#[test]
fn flags_are_checked_like_uri_options() {
    let from_uri = run(&["--uri", "https://h/?timeout=0", "config"]).expect(2);
    let from_flag = run(&["--uri", "https://h", "--timeout", "0", "config"]).expect(2);
    // The same words, each saying where the value came from.
    assert_eq!(
        from_uri.stderr.replace(" (in the URI)", ""),
        from_flag.stderr.replace(" (a flag)", "")
    );
    assert!(
        from_uri.stderr.ends_with("(in the URI)\n"),
        "{}",
        from_uri.stderr
    );
    assert!(
        from_flag.stderr.ends_with("(a flag)\n"),
        "{}",
        from_flag.stderr
    );
    assert!(
        from_flag
            .stderr
            .contains("invalid value \"0\" for option \"timeout\""),
        "{}",
        from_flag.stderr
    );

    let out = run(&["--uri", "https://h", "--pool-size", "many", "config"]).expect(2);
    assert!(out.stderr.contains("pool_size"), "{}", out.stderr);
    let out = run(&[
        "--uri",
        "https://h",
        "--ssl-cert-reqs",
        "CERT_MAYBE",
        "config",
    ])
    .expect(2);
    assert!(out.stderr.contains("CERT_REQUIRED"), "{}", out.stderr);
    let out = run(&["--uri", "http://h", "--ssl-ca-certs", "/ca.pem", "config"]).expect(2);
    assert!(out.stderr.contains("TLS is off"), "{}", out.stderr);
    let out = run(&[
        "--uri",
        "https://h",
        "--read-timeout",
        "5s",
        "-W",
        "socketTimeoutMS=6000",
        "config",
    ])
    .expect(2);
    assert!(out.stderr.contains("conflicting options"), "{}", out.stderr);
}

#[test]
fn bad_request_arguments_exit_2_before_connecting() {
    let server = TestServer::https();
    let out = run_at(
        &server,
        &["get", "/", "-H", &format!("Authorization Bearer {TOKEN}")],
    )
    .expect(2)
    .no_secrets();
    assert!(out.stderr.contains("-H"), "{}", out.stderr);
    // A whole URL is taken as curl takes it; another scheme is refused.
    let out = run_at(&server, &["get", "ftp://other/x"]).expect(2);
    assert!(out.stderr.contains("ftp:// is neither"), "{}", out.stderr);
    let out = run_at(&server, &["request", "GET /", "/"]).expect(2);
    assert!(out.stderr.contains("invalid method"), "{}", out.stderr);
    let out = run_at(&server, &["post", "/", "--data", "@/nonexistent/body.json"]).expect(2);
    assert!(
        out.stderr.contains("/nonexistent/body.json"),
        "{}",
        out.stderr
    );
    assert!(server.requests().is_empty());
}

#[test]
fn non_standard_methods_reach_the_server() {
    let server = TestServer::https();
    run_at(&server, &["request", "propfind", "/dav"]).expect(0);
    assert_eq!(server.last_request().unwrap().method, "PROPFIND");
}

// ------------------------------------------------------------------ config

#[test]
fn config_prints_exactly_the_documented_keys() {
    let out = run(&["--uri", "https://db1:4200,db2/base?timeout=5s", "config"]).expect(0);
    let json = out.json();
    let keys: Vec<&str> = json
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    // The CLI adds the route to each host, proxy or not.
    crate::settings::assert_documented_json_keys(&keys, &["proxy_routes", "sources"]);
    assert_eq!(json["hosts"], serde_json::json!(["db1:4200", "db2:443"]));
    assert_eq!(json["path"], "/base");
    assert_eq!(json["timeout_ms"], 5000);
    assert_eq!(json["ssl_cert_reqs"], "CERT_REQUIRED");
    assert!(out.stdout.ends_with(b"}\n"), "pretty JSON and a newline");
    assert!(
        out.stdout_text().contains("\n  \"hosts\""),
        "pretty-printed: {}",
        out.stdout_text()
    );
}

#[test]
fn config_flags_override_the_uri() {
    let uri = "https://u@h:1/?timeout=5s&pool_size=2&ssl_ca_certs=/uri.pem";
    let out = run(&[
        "--uri",
        uri,
        "--timeout",
        "7s",
        "--connect-timeout",
        "1500ms",
        "--pool-size",
        "3",
        "--ssl-ca-certs",
        "/flag.pem",
        "--username",
        "bob",
        "--retry-interval",
        "1m",
        "--host-order",
        "ordered",
        "--max-retries",
        "2",
        "--no-match-hostname",
        "config",
    ])
    .expect(0);
    let json = out.json();
    assert_eq!(json["timeout_ms"], 7000);
    assert_eq!(json["connect_timeout_ms"], 1500);
    assert_eq!(json["pool_size"], 3);
    assert_eq!(json["ssl_ca_certs"], "/flag.pem");
    assert_eq!(json["username"], "bob");
    assert_eq!(json["retry_interval_ms"], 60_000);
    assert_eq!(json["ssl_match_hostname"], false);
    let shown = json["uri"].as_str().expect("uri");
    assert!(
        shown.contains("host_order=ordered") && shown.contains("max_retries=2"),
        "{shown}"
    );

    let json = run(&["--uri", uri, "-k", "config"]).expect(0).json();
    assert_eq!(json["ssl_cert_reqs"], "CERT_NONE");
    assert_eq!(json["ssl_match_hostname"], false);
    let json = run(&[
        "--uri",
        "https://h",
        "--ssl-cert-reqs",
        "cert_optional",
        "config",
    ])
    .expect(0)
    .json();
    assert_eq!(json["ssl_cert_reqs"], "CERT_OPTIONAL");

    // -o takes any name of the vocabulary, aliases included; flags may
    // also come after the subcommand.
    let json = run(&[
        "--uri",
        uri,
        "config",
        "-W",
        "tlsCAFile=/alias.pem",
        "-W",
        "connectTimeoutMS=250",
    ])
    .expect(0)
    .json();
    assert_eq!(json["ssl_ca_certs"], "/alias.pem");
    assert_eq!(json["connect_timeout_ms"], 250);
    let json = run(&[
        "--uri",
        "https://h",
        "-W",
        "ssl_certfile=/c.pem",
        "--ssl-keyfile",
        "/c.key",
        "config",
    ])
    .expect(0)
    .json();
    assert_eq!(json["ssl_certfile"], "/c.pem");
    assert_eq!(json["ssl_keyfile"], "/c.key");
}

#[test]
fn config_uri_flag_wins_over_the_environment() {
    let mut cmd = httpdb();
    cmd.env("HTTPDB_URL", "https://envhost:1").arg("config");
    let json = run_with(cmd, None).expect(0).json();
    assert_eq!(json["hosts"], serde_json::json!(["envhost:1"]));

    let mut cmd = httpdb();
    cmd.env("HTTPDB_URL", "https://envhost:1")
        .args(["--uri", "https://flaghost:2", "config"]);
    let json = run_with(cmd, None).expect(0).json();
    assert_eq!(json["hosts"], serde_json::json!(["flaghost:2"]));
}

#[test]
fn config_masks_secrets() {
    let json = run(&["--uri", &format!("https://admin:{PASSWORD}@h:1"), "config"])
        .expect(0)
        .no_secrets()
        .json();
    assert_eq!(json["password"], "***");
    // The CLI asks for gzip answers by default.
    assert_eq!(json["uri"], "https://admin:***@h:1/?compressed=true");

    let json = run(&[
        "--uri",
        "https://h:1",
        "--username",
        "admin",
        "--password",
        PASSWORD,
        "--ssl-certfile",
        "/c.pem",
        "--ssl-pem-passphrase",
        PASSPHRASE,
        "config",
    ])
    .expect(0)
    .no_secrets()
    .json();
    assert_eq!(json["password"], "***");
    assert_eq!(json["ssl_pem_passphrase"], "***");

    let json = run(&[
        "--uri",
        "https://h:1",
        "--token",
        TOKEN,
        "--log",
        "info",
        "config",
    ])
    .expect(0)
    .no_secrets()
    .json();
    assert_eq!(json["token"], "***");
    let json = run(&[
        "--uri",
        "https://h:1",
        "-W",
        &format!("jwt={TOKEN}"),
        "config",
    ])
    .expect(0)
    .no_secrets()
    .json();
    assert_eq!(json["token"], "***");

    // A conflict between two secrets is reported without their values.
    let out = run(&[
        "--uri",
        "https://h:1",
        "--token",
        TOKEN,
        "--password",
        PASSWORD,
        "config",
    ])
    .expect(2)
    .no_secrets();
    assert!(out.stderr.contains("token=***"), "{}", out.stderr);
}

// ------------------------------------------------------------------ info

#[test]
fn info_prints_the_server_info() {
    let server = TestServer::https();
    let json = run_at(&server, &["info"]).expect(0).json();
    assert_eq!(json["name"], "test");
    assert_eq!(json["version"], "5.8.3");
    assert_eq!(json["cluster_name"], CLUSTER_NAME);
    assert_eq!(json["url"], format!("https://localhost:{}", server.port()));
    // The test server's root document is shaped as CrateDB's.
    assert_eq!(json["product"], "CrateDB");
    assert_eq!(json.as_object().map(|o| o.len()), Some(5));
}

#[test]
fn info_with_the_uri_from_httpdb_url() {
    let server = TestServer::https();
    let mut cmd = httpdb();
    cmd.env(
        "HTTPDB_URL",
        format!("{}/?ssl_ca_certs={}", server.url(), fx("ca.pem")),
    )
    .arg("info");
    let json = run_with(cmd, None).expect(0).json();
    assert_eq!(json["name"], "test");
}

// ------------------------------------------------------------------ requests

#[test]
fn get_prints_the_body_as_received() {
    let server = TestServer::https();
    let out = run_at(&server, &["get", "/some/doc?x=1"]).expect(0);
    let json = out.json();
    assert_eq!(json["method"], "GET");
    assert_eq!(json["path"], "/some/doc?x=1");
    assert!(!out.stdout.ends_with(b"\n"), "no newline added");
    assert!(out.stderr.is_empty(), "{}", out.stderr);
    assert_eq!(last(&server).method, "GET");
}

#[test]
fn a_binary_body_round_trips_exactly() {
    let server = TestServer::https();
    let out = run_at(&server, &["get", "/bytes/300"]).expect(0);
    let expected: Vec<u8> = (0..300).map(|i| (i % 256) as u8).collect();
    assert_eq!(out.stdout, expected);
}

#[test]
fn every_method_subcommand() {
    let server = TestServer::https();
    for (args, method) in [
        (vec!["post", "/m", "--data", "p"], "POST"),
        (vec!["put", "/m", "--data", "u"], "PUT"),
        (vec!["delete", "/m"], "DELETE"),
        (vec!["request", "PATCH", "/m", "--data", "x"], "PATCH"),
        (vec!["request", "options", "/m"], "OPTIONS"),
        (vec!["get", "/m", "--data", "q"], "GET"),
    ] {
        let json = run_at(&server, &args).expect(0).json();
        assert_eq!(json["method"], method, "{args:?}");
        let seen = last(&server);
        assert_eq!(seen.method, method);
        assert_eq!(seen.path, "/m");
        let data = args
            .iter()
            .position(|a| *a == "--data")
            .map(|i| args[i + 1].as_bytes().to_vec())
            .unwrap_or_default();
        assert_eq!(seen.body, data, "{args:?}");
    }
}

#[test]
fn head_prints_the_status_line_and_headers() {
    let server = TestServer::https();
    let out = run_at(&server, &["head", "/"]).expect(0);
    let text = out.stdout_text();
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
    assert!(
        text.to_ascii_lowercase()
            .contains("server: httpdb-test\r\n"),
        "{text}"
    );
    assert!(text.ends_with("\r\n\r\n"), "{text:?}");
    assert_eq!(last(&server).method, "HEAD");
}

#[test]
fn data_from_a_string_a_file_and_stdin() {
    let server = TestServer::https();
    run_at(&server, &["post", "/d", "--data", "{\"a\": 1}"]).expect(0);
    assert_eq!(last(&server).body, b"{\"a\": 1}");

    let bytes: Vec<u8> = (0..=255u8).rev().chain(*b"\n\r\n").collect();
    let file = temp_file("body.bin", &bytes);
    let out = run_at(
        &server,
        &["put", "/d", "--data", &format!("@{}", file.display())],
    );
    let _ = std::fs::remove_file(&file);
    out.expect(0);
    assert_eq!(last(&server).body, bytes, "a file's bytes, exactly");

    for stdin_flag in ["-", "@-"] {
        let out = run_at_with(&server, &["post", "/d", "--data", stdin_flag], Some(&bytes));
        out.expect(0);
        assert_eq!(
            last(&server).body,
            bytes,
            "stdin's bytes, exactly ({stdin_flag})"
        );
    }

    run_at_with(&server, &["post", "/d", "--data", "-"], Some(b"")).expect(0);
    assert_eq!(last(&server).body, b"");
}

#[test]
fn headers_and_json_reach_the_server() {
    let server = TestServer::https();
    run_at(
        &server,
        &[
            "get",
            "/h",
            "-H",
            "X-Test: one two",
            "-H",
            "X-Other:3",
            "--header",
            "X-Empty:",
        ],
    )
    .expect(0);
    let seen = last(&server);
    assert_eq!(seen.header("x-test"), Some("one two"));
    assert_eq!(seen.header("x-other"), Some("3"));
    assert_eq!(seen.header("x-empty"), Some(""));
    assert_eq!(seen.header("content-type"), None);

    run_at(
        &server,
        &[
            "post",
            "/_sql",
            "--json",
            "--data",
            r#"{"stmt":"SELECT 1"}"#,
        ],
    )
    .expect(0);
    let seen = last(&server);
    assert_eq!(seen.header("content-type"), Some("application/json"));
    assert_eq!(seen.header("accept"), Some("application/json"));
    assert_eq!(seen.body_text(), r#"{"stmt":"SELECT 1"}"#);

    // -H wins over --json for the same header.
    run_at(
        &server,
        &[
            "post",
            "/x",
            "--json",
            "-H",
            "Content-Type: application/x-ndjson",
            "--data",
            "{}",
        ],
    )
    .expect(0);
    let seen = last(&server);
    assert_eq!(seen.header("content-type"), Some("application/x-ndjson"));
    assert_eq!(
        seen.headers
            .iter()
            .filter(|(n, _)| n == "content-type")
            .count(),
        1
    );
    assert_eq!(seen.header("accept"), Some("application/json"));
}

#[test]
fn include_prints_the_status_line_and_headers_first() {
    let server = TestServer::https();
    let out = run_at(&server, &["get", "-i", "/bytes/3"]).expect(0);
    let (head, body) = out.stdout.split_at(
        out.stdout
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("end of headers")
            + 4,
    );
    let head = String::from_utf8_lossy(head);
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: application/octet-stream\r\n"),
        "{head}"
    );
    assert!(
        head.to_ascii_lowercase().contains("content-length: 3\r\n"),
        "{head}"
    );
    assert_eq!(body, [0, 1, 2]);

    let out = run_at(&server, &["get", "/status/404", "--include"]).expect(1);
    assert!(
        out.stdout_text().starts_with("HTTP/1.1 404 Not Found\r\n"),
        "{}",
        out.stdout_text()
    );
}

#[test]
fn an_http_error_status_exits_1_with_the_body_printed() {
    let server = TestServer::https();
    let out = run_at(&server, &["get", "/status/404"]).expect(1);
    assert_eq!(out.stdout, b"status 404");
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(
        out.stderr
            .starts_with("httpdb: HTTP 404 Not Found from localhost:"),
        "{}",
        out.stderr
    );

    run_at(&server, &["post", "/status/500", "--fail"]).expect(1);
    let out = run_at(&server, &["get", "/status/404", "--no-fail"]).expect(0);
    assert_eq!(out.stdout, b"status 404");
    assert!(out.stderr.is_empty(), "{}", out.stderr);
    // The last of --fail and --no-fail wins.
    run_at(&server, &["get", "/status/500", "--no-fail", "--fail"]).expect(1);
    run_at(&server, &["get", "/status/302"]).expect(0);
}

// ------------------------------------------------------------------ failures

#[test]
fn an_unknown_ca_exits_3() {
    let server = TestServer::https();
    let mut cmd = httpdb();
    cmd.args(["--uri", &server.url(), "get", "/"]);
    let out = run_with(cmd, None).expect(3);
    assert!(out.stderr.starts_with("httpdb: "), "{}", out.stderr);
    assert!(
        out.stderr.contains("certificate verify failed"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn a_refused_port_exits_3() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let out = run(&[
        "--uri",
        &format!("https://127.0.0.1:{port}"),
        "--connect-timeout",
        "5s",
        "get",
        "/",
    ])
    .expect(3);
    assert!(out.stderr.contains("refused"), "{}", out.stderr);
    assert!(out.stderr.contains(&port.to_string()), "{}", out.stderr);
}

#[test]
fn a_timeout_exits_4() {
    let server = TestServer::https();
    let started = Instant::now();
    let out = run_at(&server, &["--timeout", "300ms", "get", "/slow/3000"]).expect(4);
    assert!(out.stderr.contains("timed out"), "{}", out.stderr);
    assert!(
        started.elapsed() < Duration::from_millis(2900),
        "took {:?}",
        started.elapsed()
    );

    // `timeout` is the budget of the whole call: once the first host has
    // spent it, no other host is tried.
    let other = TestServer::https();
    let both = format!(
        "https://localhost:{},localhost:{}",
        server.port(),
        other.port()
    );
    let started = Instant::now();
    let out = run(&[
        "--uri",
        &both,
        "--ssl-ca-certs",
        &fx("ca.pem"),
        "-W",
        "host_order=ordered",
        "--timeout",
        "300ms",
        "get",
        "/slow/3000",
    ])
    .expect(4);
    assert!(out.stderr.contains("timed out"), "{}", out.stderr);
    assert_eq!(
        other.requests().len(),
        0,
        "no budget was left for the second host"
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );

    // A read timeout leaves the rest of the budget to the next host; every
    // host timing out is a timeout too.
    let out = run(&[
        "--uri",
        &both,
        "--ssl-ca-certs",
        &fx("ca.pem"),
        "-W",
        "host_order=ordered",
        "--read-timeout",
        "300ms",
        "get",
        "/slow/3000",
    ])
    .expect(4);
    assert!(out.stderr.contains("no host available"), "{}", out.stderr);
    assert!(out.stderr.contains("no data for 300ms"), "{}", out.stderr);
    assert_eq!(other.requests().len(), 1, "the second host was tried");
}

#[test]
fn a_client_certificate_from_flags() {
    let server = TestServer::start(ServerOptions::default().client_auth(ClientAuth::Required));
    let json = run_at(
        &server,
        &[
            "--ssl-certfile",
            &fx("client.pem"),
            "--ssl-keyfile",
            &fx("client.key"),
            "get",
            "/c",
        ],
    )
    .expect(0)
    .json();
    assert_eq!(json["path"], "/c");
    assert!(last(&server).client_cert_cn.is_some());

    let out = run_at(&server, &["get", "/c"]).expect(3);
    assert!(out.stderr.contains("certificate"), "{}", out.stderr);

    let out = run_at(
        &server,
        &["--ssl-certfile", "/nonexistent/client.pem", "get", "/c"],
    )
    .expect(2);
    assert!(
        out.stderr.contains("/nonexistent/client.pem"),
        "{}",
        out.stderr
    );
}

#[test]
fn insecure_works_without_a_ca_and_warns() {
    let server = TestServer::https();
    let mut cmd = httpdb();
    cmd.args(["--uri", &server.url(), "-k", "get", "/bytes/4"]);
    let out = run_with(cmd, None).expect(0);
    assert_eq!(out.stdout, [0, 1, 2, 3]);
    assert!(out.stderr.contains("CERT_NONE"), "{}", out.stderr);
    assert!(
        out.stderr.starts_with("httpdb: warning: "),
        "{}",
        out.stderr
    );
}

#[test]
fn plain_http_credentials_warn() {
    let server = TestServer::http();
    let url = server
        .url()
        .replace("http://", &format!("http://admin:{PASSWORD}@"));
    let mut cmd = httpdb();
    cmd.args(["--uri", &url, "get", "/p"]);
    let out = run_with(cmd, None).expect(0).no_secrets();
    assert!(out.stderr.contains("plain text"), "{}", out.stderr);
}

// ------------------------------------------------------------------ logging

#[test]
fn verbose_logs_the_redacted_settings() {
    let server = TestServer::https();
    let url = server
        .url()
        .replace("https://", &format!("https://admin:{PASSWORD}@"));
    let mut cmd = httpdb();
    cmd.args([
        "--uri",
        &url,
        "--ssl-ca-certs",
        &fx("ca.pem"),
        "--log",
        "info",
        "get",
        "/status/204",
    ]);
    let out = run_with(cmd, None).expect(0).no_secrets();
    assert!(
        out.stderr
            .contains(&format!("https://admin:***@localhost:{}/", server.port())),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("INFO"), "{}", out.stderr);
    assert!(!out.stderr.contains("DEBUG"), "{}", out.stderr);

    let out = run_at(&server, &["--log", "debug", "get", "/"]).expect(0);
    assert!(out.stderr.contains("DEBUG"), "{}", out.stderr);

    // --log trace traces, but never ureq-proto's dumps of the raw request, whose
    // Authorization header carries the password.
    let mut cmd = httpdb();
    cmd.args([
        "--uri",
        &url,
        "--ssl-ca-certs",
        &fx("ca.pem"),
        "--log",
        "trace",
        "get",
        "/status/204",
    ]);
    let out = run_with(cmd, None).expect(0).no_secrets();
    assert!(out.stderr.contains("TRACE"), "{}", out.stderr);
    assert!(!out.stderr.contains("ureq_proto::util"), "{}", out.stderr);
    assert!(!out.stderr.contains("authorization"), "{}", out.stderr);

    // RUST_LOG works when --log is absent.
    let mut cmd = httpdb();
    cmd.env("RUST_LOG", "info").args([
        "--uri",
        &server.url(),
        "--ssl-ca-certs",
        &fx("ca.pem"),
        "get",
        "/",
    ]);
    let out = run_with(cmd, None).expect(0);
    assert!(out.stderr.contains("connection settings"), "{}", out.stderr);

    // Quiet by default.
    let out = run_at(&server, &["get", "/"]).expect(0);
    assert!(out.stderr.is_empty(), "{}", out.stderr);
}

// ------------------------------------------------------------------ secrets

#[test]
fn a_password_is_never_printed() {
    let server = TestServer::https();
    let slow = TestServer::https();
    let ca = fx("ca.pem");
    let in_uri = server
        .url()
        .replace("https://", &format!("https://admin:{PASSWORD}@"));
    let slow_uri = slow
        .url()
        .replace("https://", &format!("https://admin:{PASSWORD}@"));
    let refused = {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        format!(
            "https://admin:{PASSWORD}@127.0.0.1:{}",
            listener.local_addr().expect("addr").port()
        )
    };
    let ca_flag = ["--ssl-ca-certs", ca.as_str()];
    let plain_uri = server.url();
    let runs: Vec<(Vec<&str>, i32)> = vec![
        (vec!["--uri", &in_uri, "config"], 0),
        (vec!["--uri", &in_uri, "info"], 0),
        (vec!["--uri", &in_uri, "get", "/"], 0),
        (vec!["--uri", &in_uri, "--log", "trace", "get", "/"], 0),
        (
            vec![
                "--uri",
                &in_uri,
                "-v",
                "-w",
                "%{json}%{stderr}%{json}",
                "get",
                "/",
            ],
            0,
        ),
        (
            vec![
                "--uri",
                &in_uri,
                "-v",
                "-w",
                "%{json}",
                "post",
                "/echo-error/401",
                "--data",
                "x",
            ],
            1,
        ),
        (
            vec!["--uri", &refused, "-v", "-w", "%{json}", "get", "/"],
            3,
        ),
        (
            vec![
                "--uri",
                &in_uri,
                "--log",
                "trace",
                "post",
                "/status/401",
                "--data",
                "x",
            ],
            1,
        ),
        (vec!["--uri", &in_uri, "get", "/status/404", "-i"], 1),
        (
            vec!["--uri", &in_uri, "-W", "no_such_option=1", "get", "/"],
            2,
        ),
        (vec!["--uri", &in_uri, "--timeout", "0", "get", "/"], 2),
        (
            vec![
                "--uri",
                &slow_uri,
                "--timeout",
                "200ms",
                "--log",
                "info",
                "get",
                "/slow/3000",
            ],
            4,
        ),
        (vec!["--uri", &refused, "--log", "debug", "get", "/"], 3),
        (
            vec![
                "--uri",
                &plain_uri,
                "--username",
                "admin",
                "--password",
                PASSWORD,
                "get",
                "/",
            ],
            0,
        ),
        (
            vec![
                "--uri",
                &plain_uri,
                "--username",
                "admin",
                "--password",
                PASSWORD,
                "--log",
                "trace",
                "info",
            ],
            0,
        ),
        (
            vec![
                "--uri",
                &plain_uri,
                "--password",
                PASSWORD,
                "-W",
                "ssl=false",
                "config",
            ],
            2,
        ),
        (
            vec![
                "--uri",
                &plain_uri,
                "--password",
                PASSWORD,
                "--ssl-pem-passphrase",
                PASSPHRASE,
                "get",
                "/",
            ],
            2,
        ),
    ];
    for (args, code) in runs {
        let mut cmd = httpdb();
        let needs_ca = !args.contains(&"config") && !args.contains(&refused.as_str());
        cmd.args(&args);
        if needs_ca {
            cmd.args(ca_flag);
        }
        let out = run_with(cmd, None);
        assert_eq!(out.code, code, "{args:?}: {}", out.stderr);
        out.no_secrets();
    }
    // A bad URI, in the URI and its message.
    run(&[
        "--uri",
        &format!("https://admin:{PASSWORD}@h:1/?timeout=x"),
        "config",
    ])
    .expect(2)
    .no_secrets();
    run(&[
        "--uri",
        &format!("https://admin:{PASSWORD}@h:1/#frag"),
        "config",
    ])
    .expect(2)
    .no_secrets();
    // The server saw the password (as basic auth) all the same.
    let auth = server
        .requests()
        .iter()
        .filter_map(|r| r.header("authorization").map(str::to_string))
        .next();
    assert!(auth.is_some_and(|a| a.starts_with("Basic ")));
}

// ------------------------------------------------------------------ pipes

#[test]
fn a_closed_stdout_pipe_ends_quietly_with_141() {
    let server = TestServer::https();
    let mut child = httpdb()
        .args([
            "--uri",
            &server.url(),
            "--ssl-ca-certs",
            &fx("ca.pem"),
            "get",
            "/bytes/4000000",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn httpdb");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut first = [0u8; 16];
    stdout
        .read_exact(&mut first)
        .expect("the start of the body");
    assert_eq!(first[..4], [0, 1, 2, 3]);
    drop(stdout);
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("read stderr");
    let status = child.wait().expect("wait");
    // 128 + SIGPIPE, as `cat` would end: a script can tell a cut output.
    assert_eq!(status.code(), Some(141), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn post_without_data_sends_content_length_0() {
    let server = TestServer::https();
    run_at(&server, &["post", "/write"]).expect(0);
    let sent = server.last_request().unwrap();
    assert_eq!(
        sent.header("content-length"),
        Some("0"),
        "{:?}",
        sent.headers
    );
    assert_eq!(sent.header("transfer-encoding"), None, "{:?}", sent.headers);
}

#[test]
fn a_closed_stdout_is_a_failure() {
    let server = TestServer::https();
    let mut cmd = httpdb();
    cmd.args(["--uri", &server.url(), "--ssl-ca-certs", &fx("ca.pem")])
        .args(["get", "/bytes/1000000"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    // Nobody reads: close our end of the pipe before the body is written.
    drop(child.stdout.take());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(141), "{status:?}");
}

/// A redirect is not followed, and not silently a success: its Location
/// goes to stderr.
#[test]
fn a_redirect_is_reported_with_its_location() {
    let server = TestServer::https();
    let out = run_at(&server, &["get", "/redirect/301"]).expect(0);
    assert_eq!(out.stdout_text(), "moved");
    assert!(
        out.stderr.contains("301 Moved Permanently") && out.stderr.contains("/moved/here"),
        "{}",
        out.stderr
    );
    assert_eq!(server.requests().len(), 1, "not followed");
    let client =
        httpdb::Client::new(&format!("{}/?ssl_ca_certs={}", server.url(), fx("ca.pem"))).unwrap();
    let response = client.get("/redirect/307").unwrap();
    assert_eq!(
        (response.status(), response.location()),
        (307, Some("/moved/here"))
    );
}

/// `-L` follows redirects as curl's does, bounded by `--max-redirs`.
#[test]
fn dash_l_follows_redirects() {
    let server = TestServer::https();
    let to = |status: u16, location: &str| {
        format!(
            "/redirect/{status}?to={}",
            percent_encoding::utf8_percent_encode(location, percent_encoding::NON_ALPHANUMERIC)
        )
    };
    let out = run_at(&server, &["get", "-L", &to(308, "/status/200")]).expect(0);
    assert_eq!(out.stdout, b"status 200");
    let looping = "/redirect/302?to=self";
    let out = run_at(&server, &["get", "-L", "--max-redirs", "2", looping]).expect(1);
    assert!(
        out.stderr.contains("more than max_redirects=2"),
        "{}",
        out.stderr
    );
    // Without -L: the 3xx itself, with a note on stderr.
    let out = run_at(&server, &["get", &to(308, "/status/200")]).expect(0);
    assert!(out.stderr.contains("/status/200"), "{}", out.stderr);
}

/// curl's `--json <data>`: the README's recipe `httpdb put /shop/apple
/// --json '{"price":3}'` exactly, which exited 2 when `--json` took no
/// value; `--json` alone still only sets the headers, and a body given
/// twice is a usage error.
#[test]
fn json_takes_curl_s_data_form_too() {
    let server = TestServer::https();
    run_at(&server, &["put", "/shop/apple", "--json", r#"{"price":3}"#]).expect(0);
    let seen = last(&server);
    assert_eq!(
        (seen.method.as_str(), seen.path.as_str()),
        ("PUT", "/shop/apple")
    );
    assert_eq!(seen.body_text(), r#"{"price":3}"#);
    assert_eq!(seen.header("content-type"), Some("application/json"));
    assert_eq!(seen.header("accept"), Some("application/json"));
    let file = temp_file("json-at-file", br#"{"stmt":"SELECT 1"}"#);
    let at_file = format!("@{}", file.display());
    run_at(&server, &["post", "/_sql", "--json", &at_file]).expect(0);
    assert_eq!(last(&server).body_text(), r#"{"stmt":"SELECT 1"}"#);
    let requests = server.requests().len();
    let out = run_at(&server, &["post", "/_sql", "--json", "{}", "--data", "{}"]).expect(2);
    assert!(
        out.stderr.contains("--json DATA and --data"),
        "{}",
        out.stderr
    );
    assert_eq!(server.requests().len(), requests, "nothing was sent");
}

/// A 304 points nowhere: it is not reported as a redirect not followed.
#[test]
fn a_304_is_not_called_a_redirect() {
    let server = TestServer::https();
    let out = run_at(&server, &["get", "/status/304", "--no-fail"]).expect(0);
    assert!(!out.stderr.contains("redirect"), "{}", out.stderr);
    let out = run_at(&server, &["get", "/redirect/302", "--no-fail"]).expect(0);
    assert!(
        out.stderr.contains("redirects are not followed"),
        "{}",
        out.stderr
    );
}

/// `info` never makes an identity out of a root document that broke off:
/// the library returns the error, and the CLI exits with its status
/// (it printed nulls and exited 0 before).
#[test]
fn info_with_a_root_document_cut_short_is_an_error() {
    let server = TestServer::start(ServerOptions::default().behaviour(Behaviour::CloseMidBody));
    let client = httpdb::Client::new(&format!(
        "{}/?ssl_ca_certs={}&max_retries=0",
        server.url(),
        fx("ca.pem")
    ))
    .unwrap();
    let error = client.server_info().unwrap_err();
    assert!(
        matches!(error, httpdb::Error::Incomplete { .. }),
        "{error:?}"
    );
    let out = run_at(&server, &["info", "--max-retries", "0"]);
    assert_ne!(out.code, 0, "{}", out.stdout_text());
    assert!(out.stdout.is_empty(), "{}", out.stdout_text());
}

/// `info` reads no more than an identity takes (64 KiB, where a gzip bomb
/// at `/` made it inflate a gigabyte, three times), never passes a body cut
/// without a close_notify for an identity, and `--timeout` bounds all of
/// its requests together (a dripping root document took 6 s under 2 s).
#[test]
fn info_is_capped_and_bounded() {
    let server = TestServer::https();
    for (base, words) in [
        ("/gen/1048576", "larger than 64KiB"),
        ("/unframed/10000/no-close-notify", "without a close_notify"),
    ] {
        let uri = format!("{}{base}", server.url());
        let before = server.requests().len();
        let mut cmd = httpdb();
        cmd.args(["--uri", &uri, "--ssl-ca-certs", &fx("ca.pem"), "info"]);
        let out = run_with(cmd, None).expect(3);
        assert!(out.stderr.contains(words), "{base}: {}", out.stderr);
        assert!(out.stdout.is_empty(), "{}", out.stdout_text());
        assert_eq!(server.requests().len(), before + 1, "{base}: one request");
    }
    let drip = TestServer::start(ServerOptions::default().behaviour(Behaviour::Drip(100)));
    let started = Instant::now();
    let out = run_at(&drip, &["--timeout", "2s", "info"]).expect(4);
    let took = started.elapsed();
    assert!(took < Duration::from_millis(3500), "{took:?}");
    assert!(out.stderr.contains("timed out"), "{}", out.stderr);
}

/// A body that runs to the close and is cut (a TLS close without
/// close_notify, a reset) exits 3 after printing what arrived, never 0;
/// faulty framing exits 3 naming the fault.
#[test]
fn a_cut_or_faulty_answer_is_never_a_success() {
    let tls = TestServer::https();
    let whole = run_at(&tls, &["get", "/unframed/524288/fin"]).expect(0);
    assert_eq!(whole.stdout.len(), 524_288);
    let cut = run_at(&tls, &["get", "/unframed/524288/no-close-notify"]).expect(3);
    assert_eq!(cut.stdout.len(), 524_288, "what arrived is on stdout");
    assert!(
        cut.stderr.contains("without a close_notify"),
        "{}",
        cut.stderr
    );
    assert!(cut.stderr.contains("524288 bytes"), "{}", cut.stderr);
    let plain = TestServer::http();
    let mut cmd = httpdb();
    cmd.args(["--uri", &plain.url(), "get", "/unframed/8388608/reset"]);
    let reset = run_with(cmd, None).expect(3);
    assert!(reset.stderr.contains("reset"), "{}", reset.stderr);
    for (path, words) in [
        (
            "/raw/http10-chunked",
            "HTTP/1.0 answer with Transfer-Encoding",
        ),
        ("/raw/plus-size", "begins with '+'"),
    ] {
        let out = run_at(&tls, &["get", path, "--max-retries", "0"]).expect(3);
        assert!(out.stderr.contains(words), "{path}: {}", out.stderr);
        assert!(out.stdout.is_empty(), "{path}: {}", out.stdout_text());
    }
    let out = run_at(&tls, &["get", "/extension/100"]).expect(0);
    assert_eq!(out.stdout_text(), "abcdefghijklmnopqrstuvwxyz");
    let out = run_at(&tls, &["get", "/raw/continue-with-fields"]).expect(0);
    assert_eq!(out.stdout_text(), "ok");
}

/// A server that refuses an upload before reading it (413, then a reset)
/// is shown as that answer: its status and body, exit 1, within flat
/// memory, the request sent once.
#[test]
fn an_early_413_during_an_upload_is_shown_as_the_answer() {
    let server = TestServer::https();
    let file = temp_file("upload-200MiB", b"");
    std::fs::File::options()
        .write(true)
        .open(&file)
        .and_then(|f| f.set_len(200 << 20))
        .expect("a sparse 200 MiB file");
    let mut cmd = httpdb();
    cmd.args(["--uri", &server.url(), "--ssl-ca-certs", &fx("ca.pem")])
        .args(["post", "/early/413", "--data"])
        .arg(format!("@{}", file.display()))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let child = cmd.spawn().expect("spawn httpdb");
    let ended = crate::support::binary::wait_with_rss(child);
    let _ = std::fs::remove_file(&file);
    assert_eq!(ended.code, Some(1));
    assert!(
        ended.max_rss_kib < 32 * 1024,
        "peak RSS {} KiB",
        ended.max_rss_kib
    );
    assert_eq!(server.requests().len(), 1);
    // Its body and status, as printed.
    let file = temp_file("upload-1MiB", &vec![b'x'; 1 << 20]);
    let out = run_at(
        &server,
        &[
            "post",
            "/early/413",
            "--data",
            &format!("@{}", file.display()),
        ],
    )
    .expect(1);
    let _ = std::fs::remove_file(&file);
    assert!(
        out.stdout_text().contains("was not read"),
        "{}",
        out.stdout_text()
    );
    assert!(out.stderr.contains("413"), "{}", out.stderr);
    // An upload from a pipe that never ends: the early answer ends it.
    let mut cmd = httpdb();
    cmd.args(["--uri", &server.url(), "--ssl-ca-certs", &fx("ca.pem")])
        .args(["post", "/early/413", "--data", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn httpdb");
    let mut stdin = child.stdin.take().unwrap();
    let feeder = thread::spawn(move || {
        let block = vec![b'x'; 64 * 1024];
        while stdin.write_all(&block).is_ok() {}
    });
    let started = Instant::now();
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("was not read"));
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}

/// An error body that quotes the request back shows none of the client's
/// secrets (the Basic credential, a bearer token, the password itself); a
/// success body that carries them is written byte for byte.
#[test]
fn error_bodies_are_masked_and_success_bodies_are_exact() {
    let server = TestServer::https();
    let basic = format!("https://admin:{PASSWORD}@localhost:{}", server.port());
    let bearer = format!("https://localhost:{}/?token={TOKEN}", server.port());
    for uri in [&basic, &bearer] {
        let mut cmd = httpdb();
        cmd.args(["--uri", uri, "--ssl-ca-certs", &fx("ca.pem")])
            .args(["get", "/echo-error/400"]);
        let out = run_with(cmd, None).expect(1).no_secrets();
        let text = out.stdout_text();
        assert!(text.contains("authorization: "), "{text}");
        assert!(text.contains("***"), "{text}");
        assert!(!text.contains("YWRtaW46"), "the Basic credential: {text}");
        // The success echo carries the header as sent, exactly.
        let mut cmd = httpdb();
        cmd.args(["--uri", uri, "--ssl-ca-certs", &fx("ca.pem")])
            .args(["get", "/echo"]);
        let json = run_with(cmd, None).expect(0).json();
        let sent = json["authorization"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(
            sent.starts_with("Basic YWRtaW46") || sent == format!("Bearer {TOKEN}"),
            "{sent}"
        );
    }
}

/// What a user writes is what goes out: a framing header given with -H is
/// refused before anything is sent (a GET with `Content-Length: 10` hung
/// until the timeout), and -L never follows a `file:` or `javascript:`
/// location as a path on the same host.
#[test]
fn framing_headers_and_foreign_schemes_are_refused() {
    let server = TestServer::https();
    for header in [
        "Content-Length: 10",
        "Transfer-Encoding: chunked",
        "Connection: close",
        "TE: trailers",
        "Upgrade: h2c",
    ] {
        let out = run_at(&server, &["get", "/x", "-H", header]).expect(2);
        let name = header.split(':').next().unwrap();
        assert!(
            out.stderr
                .contains(&format!("header {}", name.to_ascii_lowercase())),
            "{header}: {}",
            out.stderr
        );
    }
    assert_eq!(server.requests().len(), 0, "nothing was sent");
    for location in ["file:/etc/passwd", "javascript:alert(1)"] {
        let encoded: String =
            percent_encoding::utf8_percent_encode(location, percent_encoding::NON_ALPHANUMERIC)
                .collect();
        let out = run_at(
            &server,
            &["get", &format!("/redirect/302?to={encoded}"), "-L"],
        );
        assert_ne!(out.code, 0, "{location}");
        assert!(out.stderr.contains("http or https"), "{}", out.stderr);
    }
    assert!(
        server
            .requests()
            .iter()
            .all(|r| r.path.starts_with("/redirect/")),
        "no other path was asked for"
    );
}

/// The last answer of a call that moved on is printed whole: the CLI
/// used to lose the first KiB of a final 502, 503 or 504 body.
#[test]
fn the_body_of_the_last_unavailable_answer_is_printed_whole() {
    let a = TestServer::https();
    let b = TestServer::https();
    let out = httpdb()
        .args([
            "--uri",
            &format!(
                "https://localhost:{},localhost:{}/?host_order=ordered",
                a.port(),
                b.port()
            ),
            "--ssl-ca-certs",
            &fx("ca.pem"),
            "get",
            "/flaky/503/10",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "status 503, try again"
    );
    assert_eq!(a.requests().len() + b.requests().len(), 3);

    // Each status that moves on, with a short body and one past the KiB
    // an error keeps: on stdout whole, after one try on each host and the
    // retries the default allows (max(hosts - 1, 2) = 2 resends).
    for status in [502, 503, 504] {
        for size in [10, 2000] {
            let before = a.requests().len() + b.requests().len();
            let out = httpdb()
                .args([
                    "--uri",
                    &format!(
                        "https://localhost:{},localhost:{}/?backoff_factor=0",
                        a.port(),
                        b.port()
                    ),
                    "--ssl-ca-certs",
                    &fx("ca.pem"),
                    "get",
                    &format!("/status/{status}?size={size}"),
                ])
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(1), "{status} {size}");
            let mut want = format!("status {status}");
            want.extend(std::iter::repeat_n('.', size - want.len()));
            assert_eq!(
                String::from_utf8_lossy(&out.stdout),
                want,
                "{status} {size}"
            );
            assert_eq!(
                a.requests().len() + b.requests().len() - before,
                3,
                "{status} {size}: tries"
            );
        }
    }
}

/// A path beyond ASCII goes out percent-encoded as UTF-8, as curl and
/// browsers send it (it went out as raw bytes, which a request target
/// may not hold), through the CLI and the library alike.
#[test]
fn a_path_beyond_ascii_goes_out_percent_encoded() {
    let server = TestServer::https();
    run_at(&server, &["get", "/été"]).expect(0);
    assert_eq!(last(&server).path, "/%C3%A9t%C3%A9");
    let client =
        httpdb::Client::new(&format!("{}/?ssl_ca_certs={}", server.url(), fx("ca.pem"))).unwrap();
    client.get("/bücher?q=größe&x=%20").unwrap();
    assert_eq!(last(&server).path, "/b%C3%BCcher?q=gr%C3%B6%C3%9Fe&x=%20");
}

// ---------------------------------------------------------- -v and -w

/// A URI with the password for `server`, whose `/basic-auth/admin/PASSWORD`
/// wants it.
fn with_password(server: &TestServer) -> String {
    server
        .url()
        .replace("https://", &format!("https://admin:{PASSWORD}@"))
}

#[test]
fn verbose_prints_the_exchange_as_curl_does_with_secrets_masked() {
    let server = TestServer::https();
    let path = format!("/basic-auth/admin/{PASSWORD}");
    let uri = with_password(&server);
    let ca = fx("ca.pem");
    let out = run(&["--uri", &uri, "--ssl-ca-certs", &ca, "-v", "get", &path])
        .expect(0)
        .no_secrets();
    assert_eq!(out.stdout_text(), r#"{"authenticated":true}"#);
    let port = server.port();
    for line in [
        format!("*   Trying 127.0.0.1:{port}..."),
        format!("* Connected to localhost:{port} (127.0.0.1) port {port}"),
        "* TLS connection using TLSv1.3 / TLS13_".into(),
        "> GET /basic-auth/admin/*** HTTP/1.1".into(),
        "> authorization: Basic ***".into(),
        format!("> host: localhost:{port}"),
        ">\n".into(),
        "< HTTP/1.1 200 OK".into(),
        "< Content-Type: application/json".into(),
    ] {
        assert!(out.stderr.contains(&line), "{line:?} in:\n{}", out.stderr);
    }
    // The base64 of admin:PASSWORD never shows.
    use base64::Engine;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("admin:{PASSWORD}"));
    assert!(!out.stderr.contains(&basic), "{}", out.stderr);
    // The server did get the credentials.
    assert_eq!(
        last(&server).header("authorization"),
        Some(format!("Basic {basic}").as_str())
    );
}

#[test]
fn verbose_tells_each_move_to_another_host() {
    let good = TestServer::https();
    let refused = {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let uri = format!(
        "https://localhost:{refused},localhost:{}/?host_order=ordered",
        good.port()
    );
    let out = run(&[
        "--uri",
        &uri,
        "--ssl-ca-certs",
        &fx("ca.pem"),
        "-v",
        "get",
        "/",
    ])
    .expect(0);
    let moved = format!(
        "* cannot connect to localhost:{refused}: Connection refused (os error 111); trying localhost:{}\n*   Trying 127.0.0.1:{}...",
        good.port(),
        good.port()
    );
    assert!(out.stderr.contains(&moved), "{}", out.stderr);
    assert!(out.stderr.contains("< HTTP/1.1 200 OK"), "{}", out.stderr);
    // -v no longer turns the log on.
    assert!(!out.stderr.contains("INFO"), "{}", out.stderr);
}

#[test]
fn write_out_json_measures_the_transfer() {
    let server = TestServer::https();
    let path = format!("/basic-auth/admin/{PASSWORD}");
    let uri = with_password(&server);
    let body = temp_file("write-out-body", b"");
    let out = run(&[
        "--uri",
        &uri,
        "--ssl-ca-certs",
        &fx("ca.pem"),
        "-w",
        "%{json}",
        "get",
        &path,
        "-o",
        body.to_str().unwrap(),
    ])
    .expect(0)
    .no_secrets();
    let json = out.json();
    let port = server.port();
    assert_eq!(json["http_code"], "200", "{json}");
    assert_eq!(json["response_code"], 200);
    assert_eq!(json["remote_ip"], "127.0.0.1");
    assert_eq!(json["remote_port"], port);
    assert_eq!(json["num_connects"], 1);
    assert_eq!(json["num_retries"], 0);
    assert_eq!(json["exitcode"], 0);
    assert_eq!(json["errormsg"], "");
    assert_eq!(json["scheme"], "https");
    assert_eq!(json["method"], "GET");
    assert_eq!(json["ssl_version"], "TLSv1.3");
    assert_eq!(
        json["url_effective"],
        format!("https://localhost:{port}/basic-auth/admin/***")
    );
    let written = std::fs::read(&body).unwrap();
    assert_eq!(json["size_download"], written.len());
    assert_eq!(json["size_upload"], 0);
    let request = last(&server);
    assert!(json["size_request"].as_u64().unwrap() > request.path.len() as u64);
    let time = |name: &str| {
        json[name]
            .as_f64()
            .unwrap_or_else(|| panic!("{name}: {json}"))
    };
    let phases = [
        "time_namelookup",
        "time_connect",
        "time_appconnect",
        "time_pretransfer",
        "time_starttransfer",
        "time_total",
    ];
    for pair in phases.windows(2) {
        assert!(time(pair[0]) <= time(pair[1]), "{pair:?}: {json}");
    }
    assert!(time("time_connect") > 0.0, "{json}");
    let _ = std::fs::remove_file(body);
}

#[test]
fn write_out_times_a_slow_head_and_takes_curl_forms() {
    let server = TestServer::https();
    let format = temp_file(
        "write-out-format",
        b"%{http_code} %{time_starttransfer} %{time_total}\\n%{stderr}%header{Content-Type}|%{no_such}|100%%\\n",
    );
    let at_format = format!("@{}", format.display());
    let out = run_at(&server, &["-w", &at_format, "get", "/slow/300"]).expect(0);
    let text = out.stdout_text();
    let line = text.strip_prefix("slow").expect("the body first");
    let words: Vec<&str> = line.trim_end().split(' ').collect();
    assert_eq!(words[0], "200", "{text}");
    let starttransfer: f64 = words[1].parse().unwrap();
    let total: f64 = words[2].parse().unwrap();
    assert!(starttransfer >= 0.3, "{text}");
    assert!(starttransfer <= total, "{text}");
    assert!(
        out.stderr.contains("text/plain; charset=utf-8||100%\n"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("unknown --write-out variable: 'no_such'"),
        "{}",
        out.stderr
    );
    let _ = std::fs::remove_file(format);
}

#[test]
fn write_out_after_a_failure_says_why() {
    let refused = {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let uri = format!("https://admin:{PASSWORD}@127.0.0.1:{refused}/");
    let out = run(&[
        "--uri",
        &uri,
        "-w",
        "%{exitcode}|%{http_code}|%{num_connects}|%{errormsg}",
        "get",
        "/",
    ])
    .expect(3)
    .no_secrets();
    let text = out.stdout_text();
    assert!(
        text.starts_with(&format!("3|000|0|cannot connect to 127.0.0.1:{refused}")),
        "{text}"
    );
}

#[test]
fn output_to_a_device_or_a_pipe_is_written_in_place() {
    use std::os::unix::fs::FileTypeExt;
    let server = TestServer::https();
    // -o /dev/null, as curl users write it: the device stays a device (a
    // file renamed over it replaced it, and every later reader of
    // /dev/null read old output).
    run_at(&server, &["get", "/bytes/1000", "-o", "/dev/null"]).expect(0);
    let null = std::fs::metadata("/dev/null").unwrap().file_type();
    assert!(null.is_char_device(), "/dev/null is no longer a device");
    // A FIFO gets the body, and stays a FIFO.
    let dir = std::env::temp_dir().join(format!("httpdb-fifo-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let fifo = dir.join("body");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    run_at(
        &server,
        &["get", "/bytes/1000", "-o", fifo.to_str().unwrap()],
    )
    .expect(0);
    let body = reader.join().unwrap();
    assert_eq!(body.len(), 1000);
    assert!(body.iter().enumerate().all(|(i, b)| *b == (i % 256) as u8));
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    assert!(!dir.join("body.httpdb-part").exists());
    let _ = std::fs::remove_dir_all(dir);
}

/// A server that quotes the request's credentials back where the CLI
/// shows its answer: in a header (`-i`, `head`), in a redirect it does not
/// follow (the note on stderr and the body), percent-encoded; and a
/// credential given with `-H` rather than in the URI. None of it shows.
#[test]
fn credentials_quoted_back_in_headers_redirects_and_encodings_never_show() {
    let server = TestServer::https();
    let uri = with_password(&server);
    let ca = fx("ca.pem");
    let runs: [&[&str]; 4] = [
        &["get", "-i", "/echo-error/401"],
        &["head", "/echo-error/401"],
        &["get", "/echo-error/302"],
        &["-v", "get", "/echo-error/500"],
    ];
    for args in runs {
        let mut all = vec!["--uri", &uri, "--ssl-ca-certs", &ca];
        all.extend(args);
        let out = run(&all).no_secrets();
        let sent = server
            .last_request()
            .unwrap_or_else(|| panic!("{args:?}: nothing sent: {}", out.stderr));
        let header = sent
            .header("authorization")
            .unwrap_or_else(|| panic!("{args:?}: {sent:?}\n{}", out.stderr))
            .to_string();
        let encoded = header.strip_prefix("Basic ").unwrap();
        let quoted =
            percent_encoding::utf8_percent_encode(encoded, percent_encoding::NON_ALPHANUMERIC)
                .to_string();
        let shown = format!("{}\n{}", out.stdout_text(), out.stderr);
        for secret in [encoded, quoted.as_str()] {
            assert!(!shown.contains(secret), "{args:?}: {secret} in\n{shown}");
        }
        assert!(shown.contains("/landing?auth="), "{args:?}: {shown}");
    }

    let token = "Hdr-T0ken-n3ver-shown";
    let out = run(&[
        "--uri",
        &server.url(),
        "--ssl-ca-certs",
        &ca,
        "-v",
        "get",
        "-H",
        &format!("Authorization: Bearer {token}"),
        "-H",
        "X-Api-Key: Key-n3ver-shown-4Z",
        "/echo-error/400",
    ])
    .expect(1);
    let sent = server.last_request().unwrap();
    assert_eq!(
        sent.header("authorization"),
        Some(format!("Bearer {token}").as_str())
    );
    assert_eq!(sent.header("x-api-key"), Some("Key-n3ver-shown-4Z"));
    let shown = format!("{}\n{}", out.stdout_text(), out.stderr);
    for secret in [token, "Key-n3ver-shown-4Z"] {
        assert!(!shown.contains(secret), "{secret} in\n{shown}");
    }
    assert!(shown.contains("> x-api-key: ***"), "{shown}");
}
