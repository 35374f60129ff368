//! `httpdb check` against every certificate failure the fixtures hold, in
//! the library and through the binary, with the in-process rustls server
//! and real nginx. Whatever fails, no request (and so no credentials) may
//! reach a server whose certificate did not pass.

use std::process::{Command, Output};

use crate::support::nginx::Nginx;
use crate::support::server::*;
use httpdb::check::{ClientCert, HostReport, Problem, Report};
use httpdb::{Settings, check};

const PASSWORD: &str = "s3cret-pw";

/// `https://admin:PASSWORD@localhost:PORT/?query`.
fn uri(server: &TestServer, query: &str) -> String {
    format!(
        "https://admin:{PASSWORD}@localhost:{}/?{query}",
        server.port()
    )
}

fn ca() -> String {
    format!("ssl_ca_certs={}", fx("ca.pem"))
}

fn report(uri: &str) -> Report {
    check(&Settings::from_uri(uri).expect("settings")).expect("check")
}

/// The report of a one-host URI.
fn host(uri: &str) -> HostReport {
    let mut report = report(uri);
    assert_eq!(report.hosts.len(), 1);
    report.hosts.remove(0)
}

/// The failure sentence of a host that must have failed with `problem`.
fn failed(host: &HostReport, problem: Problem) -> String {
    assert!(!host.passed, "{host:#?}");
    let failure = host
        .failure
        .as_ref()
        .unwrap_or_else(|| panic!("no failure: {host:#?}"));
    assert_eq!(failure.problem, problem, "{host:#?}");
    failure.to_string()
}

fn assert_untouched(server: &TestServer) {
    assert_eq!(
        server.requests(),
        Vec::new(),
        "a request reached a server whose verification failed"
    );
}

fn assert_not_sent(host: &HostReport) {
    let http = host.http.as_ref().expect("http step");
    assert!(
        http.skipped
            .as_deref()
            .is_some_and(|s| s.starts_with("not sent")),
        "{http:?}"
    );
    assert_eq!(http.status, None);
}

fn httpdb(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_httpdb"))
        .args(args)
        .env_remove("HTTPDB_URL")
        .env_remove("RUST_LOG")
        .output()
        .expect("run httpdb")
}

/// Runs `httpdb check --uri URI`: exit code and stdout. Neither output may
/// hold the password.
fn httpdb_check(uri: &str, json: bool) -> (i32, String) {
    let mut args = vec!["check", "--uri", uri];
    if json {
        args.push("--json");
    }
    let out = httpdb(&args);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert!(
        !stdout.contains(PASSWORD) && !stderr.contains(PASSWORD),
        "the password was printed:\n{stdout}\n{stderr}"
    );
    (out.status.code().expect("exit code"), stdout)
}

#[test]
fn a_good_host_passes_with_every_step_reported() {
    let server = TestServer::https();
    let h = host(&uri(&server, &ca()));
    assert!(h.passed, "{h:#?}");
    assert!(h.failure.is_none());
    assert_eq!(h.host, format!("localhost:{}", server.port()));
    assert!(
        h.resolve.addresses.iter().any(|a| a == "127.0.0.1"),
        "{:?}",
        h.resolve
    );
    assert_eq!(
        h.connect.last().unwrap().address,
        format!("127.0.0.1:{}", server.port())
    );
    assert_eq!(h.connect.last().unwrap().error, None);

    let tls = h.tls.as_ref().unwrap();
    assert_eq!(tls.protocol.as_deref(), Some("TLS 1.3"));
    assert!(
        tls.cipher_suite
            .as_deref()
            .is_some_and(|s| s.starts_with("TLS13_")),
        "{tls:?}"
    );
    assert_eq!(tls.alpn.as_deref(), Some("http/1.1"));
    assert_eq!(tls.client_cert, Some(ClientCert::NotRequested));

    assert_eq!(h.certificates.len(), 1);
    let leaf = &h.certificates[0];
    assert_eq!(leaf.subject, "CN=localhost");
    assert_eq!(leaf.issuer, "CN=httpdb Test CA");
    assert_eq!(leaf.names, ["DNS:localhost", "IP:127.0.0.1", "IP:::1"]);
    assert_eq!(leaf.not_before, "2025-01-01T00:00:00Z");
    assert!(
        leaf.validity.starts_with("valid for ") && leaf.validity.ends_with(" more days"),
        "{}",
        leaf.validity
    );
    assert_eq!(leaf.sha256.len(), 32 * 3 - 1);
    assert!(
        leaf.sha256
            .split(':')
            .all(|b| b.len() == 2 && b.chars().all(|c| c.is_ascii_hexdigit()))
    );

    let v = h.verification.as_ref().unwrap();
    assert!(v.verified && v.passed && v.error.is_none(), "{v:?}");
    assert_eq!(v.mode, "CERT_REQUIRED, host name checked");
    assert_eq!(v.trust, ca());

    let http = h.http.as_ref().unwrap();
    assert_eq!((http.request.as_str(), http.status), ("GET /", Some(200)));
    let info = http.server.as_ref().unwrap();
    assert_eq!(
        (info.name.as_deref(), info.version.as_deref()),
        (Some(SERVER_NAME), Some(SERVER_VERSION))
    );
    // Exactly one request: the GET, with the credentials.
    let requests = server.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert_eq!(requests[0].path, "/");
    assert!(
        requests[0]
            .header("authorization")
            .is_some_and(|a| a.starts_with("Basic "))
    );
}

#[test]
fn wrong_ca_names_the_end_of_the_chain_and_the_ca_file() {
    let server = TestServer::start(ServerOptions::default().cert("server-other-ca"));
    let h = host(&uri(&server, &ca()));
    let text = failed(&h, Problem::UnknownIssuer);
    let expected = format!(
        "the chain ends at CN=httpdb Other CA, which is not in ssl_ca_certs={} (it holds CN=httpdb Test CA): ",
        fx("ca.pem")
    );
    assert!(text.starts_with(&expected), "{text}");
    assert!(
        text.contains("add the CA that signed it to ssl_ca_certs"),
        "{text}"
    );
    assert_eq!(h.certificates[0].issuer, "CN=httpdb Other CA");
    assert!(h.verification.as_ref().is_some_and(|v| {
        !v.passed
            && v.error
                .as_deref()
                .is_some_and(|e| e.contains("UnknownIssuer"))
    }));
    assert_not_sent(&h);
    assert_untouched(&server);
}

#[test]
fn a_ca_file_that_does_not_hold_the_servers_ca() {
    let server = TestServer::https();
    let h = host(&uri(
        &server,
        &format!("ssl_ca_certs={}", fx("other-ca.pem")),
    ));
    let text = failed(&h, Problem::UnknownIssuer);
    assert!(
        text.starts_with("the chain ends at CN=httpdb Test CA, which is not in ssl_ca_certs="),
        "{text}"
    );
    assert!(text.contains("(it holds CN=httpdb Other CA)"), "{text}");
    assert_untouched(&server);
}

#[test]
fn expired_says_when_and_what_to_do() {
    let server = TestServer::start(ServerOptions::default().cert("server-expired"));
    let h = host(&uri(&server, &ca()));
    let text = failed(&h, Problem::Expired);
    assert!(
        text.starts_with("the certificate expired on 2021-01-01 ("),
        "{text}"
    );
    assert!(
        text.ends_with(" years ago): renew it on the server"),
        "{text}"
    );
    let leaf = &h.certificates[0];
    assert_eq!(leaf.not_after, "2021-01-01T00:00:00Z");
    assert!(
        leaf.validity.starts_with("expired ") && leaf.validity.ends_with(" years ago"),
        "{}",
        leaf.validity
    );
    assert!(leaf.days_left < -365);
    assert_not_sent(&h);
    assert_untouched(&server);
}

#[test]
fn wrong_host_names_the_certificates_names() {
    let server = TestServer::start(ServerOptions::default().cert("server-wronghost"));
    let h = host(&uri(&server, &ca()));
    let text = failed(&h, Problem::WrongHost);
    assert_eq!(
        text,
        "the certificate is for db.example.com, not for localhost: connect by that name or set ssl_match_hostname=false"
    );
    assert_untouched(&server);

    let by_ip = host(&format!(
        "https://admin:{PASSWORD}@127.0.0.1:{}/?{}",
        server.port(),
        ca()
    ));
    let text = failed(&by_ip, Problem::WrongHost);
    assert!(
        text.starts_with("the certificate is for db.example.com, not for 127.0.0.1: "),
        "{text}"
    );
    assert_untouched(&server);

    // The chain itself is fine: without the name check the host passes.
    let chain_only = host(&uri(&server, &format!("{}&ssl_match_hostname=false", ca())));
    assert!(chain_only.passed, "{chain_only:#?}");
    assert!(
        chain_only
            .warnings
            .iter()
            .any(|w| w.contains("ssl_match_hostname=false")),
        "{:?}",
        chain_only.warnings
    );
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn a_missing_intermediate_is_explained() {
    let server = TestServer::start(ServerOptions::default().cert("server-via-intermediate"));
    let h = host(&uri(&server, &ca()));
    let text = failed(&h, Problem::UnknownIssuer);
    assert!(
        text.starts_with(
            "the chain ends at CN=httpdb Intermediate CA, which is not in ssl_ca_certs="
        ),
        "{text}"
    );
    assert!(text.contains("if CN=httpdb Intermediate CA is an intermediate CA, have the server send it along with its own certificate"), "{text}");
    assert_untouched(&server);

    let full = TestServer::start(
        ServerOptions::default()
            .cert("server-via-intermediate")
            .cert_file("server-via-intermediate-chain.pem"),
    );
    let h = host(&uri(&full, &ca()));
    assert!(h.passed, "{h:#?}");
    let subjects: Vec<&str> = h.certificates.iter().map(|c| c.subject.as_str()).collect();
    assert_eq!(subjects, ["CN=localhost", "CN=httpdb Intermediate CA"]);
}

#[test]
fn a_missing_client_certificate_is_reported_with_the_accepted_ca() {
    let server = TestServer::start(ServerOptions::default().client_auth(ClientAuth::Required));
    let h = host(&uri(&server, &ca()));
    let text = failed(&h, Problem::ClientCertRequired);
    assert_eq!(
        text,
        "the server requires a client certificate and none is configured: pass one issued by CN=httpdb Test CA with ssl_certfile (and ssl_keyfile)"
    );
    let tls = h.tls.as_ref().unwrap();
    assert_eq!(tls.client_cert, Some(ClientCert::Required));
    assert_eq!(tls.client_cert_issuers, ["CN=httpdb Test CA"]);
    // The server's own certificate is fine, and was shown and verified.
    assert!(h.verification.as_ref().is_some_and(|v| v.passed));
    assert_eq!(h.certificates.len(), 1);
    assert_not_sent(&h);
    assert_untouched(&server);
}

#[test]
fn a_client_certificate_from_another_ca_is_rejected() {
    let server = TestServer::start(ServerOptions::default().client_auth(ClientAuth::Required));
    let query = format!(
        "{}&ssl_certfile={}&ssl_keyfile={}",
        ca(),
        fx("client-other-ca.pem"),
        fx("client-other-ca.key")
    );
    let h = host(&uri(&server, &query));
    let text = failed(&h, Problem::ClientCertRejected);
    let expected = format!(
        "the server rejected the client certificate ssl_certfile={} (CN=httpdb-client, issued by CN=httpdb Other CA), which is not from a CA it accepts (CN=httpdb Test CA): use one issued by CN=httpdb Test CA",
        fx("client-other-ca.pem")
    );
    assert_eq!(text, expected);
    assert_eq!(
        h.tls.as_ref().unwrap().client_cert,
        Some(ClientCert::Rejected)
    );
    assert_untouched(&server);
}

#[test]
fn an_accepted_client_certificate_passes() {
    let server = TestServer::start(ServerOptions::default().client_auth(ClientAuth::Required));
    let query = format!(
        "{}&ssl_certfile={}&ssl_keyfile={}",
        ca(),
        fx("client.pem"),
        fx("client.key")
    );
    let h = host(&uri(&server, &query));
    assert!(h.passed, "{h:#?}");
    assert_eq!(
        h.tls.as_ref().unwrap().client_cert,
        Some(ClientCert::Accepted)
    );
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].client_cert_cn.as_deref(), Some("httpdb-client"));

    // A server that asks but does not insist lets a client without one in.
    let optional = TestServer::start(ServerOptions::default().client_auth(ClientAuth::Optional));
    let h = host(&uri(&optional, &ca()));
    assert!(h.passed, "{h:#?}");
    assert_eq!(
        h.tls.as_ref().unwrap().client_cert,
        Some(ClientCert::NotSent)
    );
    assert_eq!(optional.requests().len(), 1);
}

#[test]
fn hosts_are_checked_in_order_and_only_good_ones_get_a_request() {
    let good = TestServer::https();
    let bad = TestServer::start(ServerOptions::default().cert("server-expired"));
    let uri = format!(
        "https://admin:{PASSWORD}@localhost:{},localhost:{}/?{}",
        bad.port(),
        good.port(),
        ca()
    );
    let r = report(&uri);
    assert!(!r.passed);
    assert_eq!(
        r.uri,
        format!(
            "https://admin:***@localhost:{},localhost:{}/?{}",
            bad.port(),
            good.port(),
            ca()
        )
    );
    let hosts: Vec<(&str, bool)> = r
        .hosts
        .iter()
        .map(|h| (h.host.as_str(), h.passed))
        .collect();
    assert_eq!(
        hosts,
        [
            (format!("localhost:{}", bad.port()).as_str(), false),
            (format!("localhost:{}", good.port()).as_str(), true)
        ]
    );
    assert_untouched(&bad);
    assert_eq!(good.requests().len(), 1);
}

#[test]
fn cert_none_passes_with_a_warning_and_plain_http_is_not_tls() {
    let server = TestServer::start(ServerOptions::default().cert("server-wronghost"));
    let h = host(&uri(&server, "ssl_cert_reqs=CERT_NONE"));
    assert!(h.passed, "{h:#?}");
    let v = h.verification.as_ref().unwrap();
    assert!(!v.verified && v.passed);
    assert!(
        h.warnings
            .iter()
            .any(|w| w.starts_with("certificate verification is off (ssl_cert_reqs=CERT_NONE)")),
        "{:?}",
        h.warnings
    );

    let plain = TestServer::http();
    let h = host(&format!(
        "http://admin:{PASSWORD}@localhost:{}/",
        plain.port()
    ));
    assert!(h.passed, "{h:#?}");
    assert!(h.tls.is_none() && h.certificates.is_empty() && h.verification.is_none());
    assert!(
        h.warnings.iter().any(|w| w.contains("plain http")),
        "{:?}",
        h.warnings
    );
}

#[test]
fn unreachable_hosts_say_why() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let h = host(&format!("https://127.0.0.1:{port}/?connect_timeout=2s"));
    let text = failed(&h, Problem::Connect);
    assert!(
        text.starts_with(&format!("connection refused at 127.0.0.1:{port}: ")),
        "{text}"
    );
    assert!(h.tls.is_none() && h.http.is_none());

    // A plain http server on an https URI: the handshake fails.
    let plain = TestServer::http();
    let h = host(&format!("https://localhost:{}/?{}", plain.port(), ca()));
    let text = failed(&h, Problem::Handshake);
    assert!(text.contains("http://"), "{text}");
}

#[test]
fn a_bad_ca_file_is_a_configuration_error() {
    let settings = Settings::from_uri(&format!(
        "https://localhost:1/?ssl_ca_certs={}",
        fx("not-pem.txt")
    ))
    .unwrap();
    let error = check(&settings).unwrap_err();
    assert!(matches!(error, httpdb::Error::Config { .. }), "{error:?}");
    let out = httpdb(&[
        "check",
        "--uri",
        &format!("https://localhost:1/?ssl_ca_certs={}", fx("not-pem.txt")),
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_binary_prints_each_failure_and_exits_3() {
    let cases: [(ServerOptions, String, &str); 5] = [
        (
            ServerOptions::default().cert("server-other-ca"),
            ca(),
            "the chain ends at CN=httpdb Other CA, which is not in ssl_ca_certs=",
        ),
        (
            ServerOptions::default().cert("server-expired"),
            ca(),
            "the certificate expired on 2021-01-01 (",
        ),
        (
            ServerOptions::default().cert("server-wronghost"),
            ca(),
            "the certificate is for db.example.com, not for localhost: connect by that name or set ssl_match_hostname=false",
        ),
        (
            ServerOptions::default().client_auth(ClientAuth::Required),
            ca(),
            "the server requires a client certificate and none is configured",
        ),
        (
            ServerOptions::default().client_auth(ClientAuth::Required),
            format!(
                "{}&ssl_certfile={}&ssl_keyfile={}",
                ca(),
                fx("client-other-ca.pem"),
                fx("client-other-ca.key")
            ),
            "the server rejected the client certificate",
        ),
    ];
    for (options, query, sentence) in cases {
        let server = TestServer::start(options);
        let (code, stdout) = httpdb_check(&uri(&server, &query), false);
        assert_eq!(code, 3, "{stdout}");
        assert!(
            stdout.contains(&format!("localhost:{}  FAIL", server.port())),
            "{stdout}"
        );
        assert!(
            stdout.contains(&format!("=> FAIL      {sentence}")),
            "expected {sentence:?} in:\n{stdout}"
        );
        assert!(stdout.contains("GET /: not sent"), "{stdout}");
        assert!(stdout.contains("0 of 1 host passed"), "{stdout}");
        assert_untouched(&server);
    }
}

#[test]
fn the_binary_passes_a_good_host_and_prints_json() {
    let server = TestServer::https();
    let (code, stdout) = httpdb_check(&uri(&server, &ca()), false);
    assert_eq!(code, 0, "{stdout}");
    for expected in [
        format!("localhost:{}  PASS", server.port()),
        "CN=localhost".into(),
        "issuer   CN=httpdb Test CA".into(),
        "names    DNS:localhost, IP:127.0.0.1, IP:::1".into(),
        "more days".into(),
        format!("ok: CERT_REQUIRED, host name checked, trusting {}", ca()),
        "GET / -> 200 OK".into(),
        "1 of 1 host passed".into(),
    ] {
        assert!(
            stdout.contains(&expected),
            "expected {expected:?} in:\n{stdout}"
        );
    }

    let bad = TestServer::start(ServerOptions::default().cert("server-expired"));
    let uri = format!(
        "https://admin:{PASSWORD}@localhost:{},localhost:{}/?{}",
        server.port(),
        bad.port(),
        ca()
    );
    let (code, stdout) = httpdb_check(&uri, true);
    assert_eq!(code, 3, "{stdout}");
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect("one JSON document");
    assert_eq!(doc["passed"], false);
    assert_eq!(doc["hosts"][0]["passed"], true);
    assert_eq!(doc["hosts"][0]["http"]["status"], 200);
    assert_eq!(doc["hosts"][1]["failure"]["problem"], "expired");
    assert_eq!(
        doc["hosts"][1]["certificates"][0]["not_after"],
        "2021-01-01T00:00:00Z"
    );
    assert_eq!(doc["hosts"][1]["tls"]["client_cert"], "not_requested");
    assert_untouched(&bad);
}

/// nginx's log lines for `port` (none for a connection without a request).
fn nginx_requests(nginx: &Nginx, port: u16) -> usize {
    nginx
        .access_log_entries()
        .iter()
        .filter(|e| e.port == port)
        .count()
}

#[test]
fn against_nginx() {
    let nginx = Nginx::start();
    let url = |port: u16, query: &str| {
        format!("https://admin:{PASSWORD}@localhost:{port}/?{}{query}", ca())
    };

    let h = host(&url(nginx.tls, ""));
    assert!(h.passed, "{h:#?}");
    let info = h
        .http
        .as_ref()
        .and_then(|http| http.server.clone())
        .expect("server info");
    assert_eq!(
        info.name.as_deref(),
        Some(crate::support::nginx::NGINX_NAME)
    );
    assert_eq!(nginx.wait_for_access_log(1).len(), 1);

    let h = host(&url(nginx.expired, ""));
    assert!(failed(&h, Problem::Expired).starts_with("the certificate expired on 2021-01-01 ("));
    let h = host(&url(nginx.wrong_host, ""));
    assert!(
        failed(&h, Problem::WrongHost)
            .starts_with("the certificate is for db.example.com, not for localhost: ")
    );

    // nginx finishes the handshake and answers 400 to a request without a
    // client certificate; its own certificate is fine, so the GET is sent.
    let h = host(&url(nginx.client_cert_required, ""));
    let text = failed(&h, Problem::ClientCertRequired);
    assert!(text.starts_with("the server requires a client certificate and none is configured: pass one issued by CN=httpdb Test CA"), "{text}");
    assert_eq!(
        h.tls.as_ref().unwrap().client_cert,
        Some(ClientCert::Required)
    );

    let h = host(&url(
        nginx.client_cert_required,
        &format!(
            "&ssl_certfile={}&ssl_keyfile={}",
            fx("client-other-ca.pem"),
            fx("client-other-ca.key")
        ),
    ));
    assert!(
        failed(&h, Problem::ClientCertRejected)
            .starts_with("the server rejected the client certificate")
    );

    let h = host(&url(
        nginx.client_cert_required,
        &format!(
            "&ssl_certfile={}&ssl_keyfile={}",
            fx("client.pem"),
            fx("client.key")
        ),
    ));
    assert!(h.passed, "{h:#?}");
    assert_eq!(
        h.tls.as_ref().unwrap().client_cert,
        Some(ClientCert::Accepted)
    );

    // Through the binary too.
    let (code, stdout) = httpdb_check(&url(nginx.expired, ""), false);
    assert_eq!(code, 3, "{stdout}");
    assert!(stdout.contains("renew it on the server"), "{stdout}");

    nginx.wait_for_access_log(4);
    assert_eq!(
        nginx_requests(&nginx, nginx.expired),
        0,
        "{}",
        nginx.access_log()
    );
    assert_eq!(
        nginx_requests(&nginx, nginx.wrong_host),
        0,
        "{}",
        nginx.access_log()
    );
}
