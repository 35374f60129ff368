//! The TLS matrix of `tests/tls.rs` against a real nginx (OpenSSL on the
//! server side), over loopback. Every test starts its own nginx
//! (`crate::support::nginx`), which panics loudly when nginx is missing.

use std::thread;
use std::time::{Duration, Instant};

use crate::support::nginx::{
    AccessLogEntry, NGINX_CLUSTER_NAME, NGINX_NAME, NGINX_VERSION_NUMBER, Nginx,
};
use crate::support::server::fx;
use httpdb::{Client, Error, TlsErrorKind};

/// A client for nginx's server on `port` with `query` appended to its URL.
fn client(nginx: &Nginx, port: u16, query: &str) -> Client {
    let uri = format!("{}/?{query}", nginx.url(port));
    Client::new(&uri).unwrap_or_else(|e| panic!("{uri}: {e}"))
}

/// The query of a client trusting `fixtures/ca.pem` and presenting
/// `fixtures/client.pem`.
fn with_client_cert() -> String {
    format!(
        "ssl_ca_certs={}&ssl_certfile={}&ssl_keyfile={}",
        fx("ca.pem"),
        fx("client.pem"),
        fx("client.key")
    )
}

fn tls_kind(error: &Error) -> TlsErrorKind {
    match error {
        Error::Tls { kind, .. } => *kind,
        other => panic!("expected a TLS error, got {other:?}: {other}"),
    }
}

/// nginx's `/echo` document.
fn echo(client: &Client) -> serde_json::Value {
    let response = client
        .get("/echo")
        .unwrap_or_else(|e| panic!("GET /echo: {e}"));
    assert_eq!(response.status(), 200);
    let body = response.text().unwrap_or_else(|e| panic!("GET /echo: {e}"));
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("/echo is not JSON: {e}: {body}"))
}

/// Asserts that nginx logged no request on `port` before now: sends one
/// `GET /echo` over a good client and checks that it is the only entry for
/// the port (nginx runs one worker, so an earlier request would have been
/// logged first).
fn assert_nothing_logged_before(nginx: &Nginx, port: u16, good: &Client) {
    echo(good);
    let entries = wait_for_port_entries(nginx, port, 1);
    assert_eq!(
        entries.len(),
        1,
        "only the probe request may have reached nginx: {entries:?}"
    );
    assert_eq!(entries[0].request, "GET /echo HTTP/1.1");
}

/// The access log entries of `port`, once there are at least `count` (or
/// after 5 s: the caller's assertion then shows what is there).
fn wait_for_port_entries(nginx: &Nginx, port: u16, count: usize) -> Vec<AccessLogEntry> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let entries: Vec<_> = nginx
            .access_log_entries()
            .into_iter()
            .filter(|e| e.port == port)
            .collect();
        if entries.len() >= count || Instant::now() > deadline {
            return entries;
        }
        thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn valid_ca_gives_server_info() {
    let nginx = Nginx::start();
    let info = client(&nginx, nginx.tls, &format!("ssl_ca_certs={}", fx("ca.pem")))
        .server_info()
        .unwrap();
    assert_eq!(info.url, format!("https://localhost:{}", nginx.tls));
    assert_eq!(info.name.as_deref(), Some(NGINX_NAME));
    assert_eq!(info.version.as_deref(), Some(NGINX_VERSION_NUMBER));
    assert_eq!(info.cluster_name.as_deref(), Some(NGINX_CLUSTER_NAME));
}

#[test]
fn no_ca_fails_verification_against_the_system_store() {
    let nginx = Nginx::start();
    let error = Client::new(&nginx.url(nginx.tls))
        .unwrap()
        .get("/")
        .unwrap_err();
    assert_eq!(tls_kind(&error), TlsErrorKind::UnknownIssuer, "{error}");
    let text = error.to_string();
    assert!(text.starts_with("certificate verify failed:"), "{text}");
    assert!(text.contains("system trust store"), "{text}");
    let good = client(&nginx, nginx.tls, &format!("ssl_ca_certs={}", fx("ca.pem")));
    assert_nothing_logged_before(&nginx, nginx.tls, &good);
}

#[test]
fn wrong_ca_fails_and_names_the_file() {
    let nginx = Nginx::start();
    let c = client(
        &nginx,
        nginx.tls,
        &format!("ssl_ca_certs={}", fx("other-ca.pem")),
    );
    let error = c.get("/").unwrap_err();
    assert_eq!(tls_kind(&error), TlsErrorKind::UnknownIssuer, "{error}");
    let text = error.to_string();
    assert!(text.starts_with("certificate verify failed:"), "{text}");
    assert!(text.contains("other-ca.pem"), "{text}");
    assert!(text.contains("ssl_cert_reqs=CERT_NONE"), "{text}");
    let good = client(&nginx, nginx.tls, &format!("ssl_ca_certs={}", fx("ca.pem")));
    assert_nothing_logged_before(&nginx, nginx.tls, &good);
}

#[test]
fn verification_off_succeeds_without_ca_and_with_a_wrong_ca() {
    let nginx = Nginx::start();
    for query in [
        "ssl_cert_reqs=CERT_NONE".to_string(),
        format!(
            "ssl_cert_reqs=CERT_NONE&ssl_ca_certs={}",
            fx("other-ca.pem")
        ),
        format!("verify_certs=false&ca_certs={}", fx("other-ca.pem")),
        "tlsInsecure=true".into(),
    ] {
        let c = client(&nginx, nginx.tls, &query);
        assert_eq!(c.get("/").unwrap().status(), 200, "{query}");
        let info = c.server_info().unwrap();
        assert_eq!(info.name.as_deref(), Some("nginx"), "{query}");
    }
}

#[test]
fn cert_optional_verifies_like_required() {
    let nginx = Nginx::start();
    let error = client(&nginx, nginx.tls, "ssl_cert_reqs=CERT_OPTIONAL")
        .get("/")
        .unwrap_err();
    assert_eq!(tls_kind(&error), TlsErrorKind::UnknownIssuer, "{error}");
    let ok = client(
        &nginx,
        nginx.tls,
        &format!("ssl_cert_reqs=CERT_OPTIONAL&ssl_ca_certs={}", fx("ca.pem")),
    );
    assert_eq!(ok.get("/").unwrap().status(), 200);
}

#[test]
fn client_cert_accepted_by_a_server_that_requires_one() {
    let nginx = Nginx::start();
    let c = client(&nginx, nginx.client_cert_required, &with_client_cert());
    assert_eq!(c.get("/").unwrap().status(), 200);
    let doc = echo(&c);
    assert_eq!(doc["ssl_client_verify"], "SUCCESS", "{doc}");
    let dn = doc["ssl_client_s_dn"].as_str().unwrap_or_default();
    assert!(dn.contains("CN=httpdb-client"), "{doc}");
    let entries = wait_for_port_entries(&nginx, nginx.client_cert_required, 2);
    assert!(
        entries.iter().all(|e| e.ssl_client_verify == "SUCCESS"),
        "{entries:?}"
    );
}

#[test]
fn missing_client_cert_is_a_400_with_a_hint() {
    // nginx (`ssl_verify_client on`) completes the handshake without a
    // client certificate and answers `400 No required SSL certificate was
    // sent`: an HTTP status, not a TLS error, with the hint attached.
    let nginx = Nginx::start();
    let c = client(
        &nginx,
        nginx.client_cert_required,
        &format!("ssl_ca_certs={}", fx("ca.pem")),
    );
    let error = c.get("/").unwrap_err();
    match &error {
        Error::Status {
            status, body, hint, ..
        } => {
            assert_eq!(*status, 400, "{error}");
            assert!(
                body.contains("No required SSL certificate was sent"),
                "{error}"
            );
            let hint = hint
                .as_deref()
                .unwrap_or_else(|| panic!("no hint: {error}"));
            assert!(
                hint.contains("client certificate") && hint.contains("ssl_certfile"),
                "{hint}"
            );
        }
        other => panic!("expected HTTP 400, got {other:?}: {other}"),
    }
    let text = error.to_string();
    assert!(text.contains("HTTP 400"), "{text}");
    assert!(
        text.contains("ssl_certfile"),
        "the hint is in the message: {text}"
    );
    // The same answer for a request that does not ask for an error.
    let response = c
        .request(httpdb::Method::GET, "/echo")
        .error_for_status(false)
        .send()
        .unwrap();
    assert_eq!(response.status(), 400);
}

#[test]
fn client_cert_from_another_ca_is_a_400_with_a_hint() {
    // nginx's `ssl_verify_client on` does not abort the handshake on an
    // untrusted client certificate (its verify callback lets OpenSSL carry
    // on); it answers `400 The SSL certificate error` instead. So httpdb sees
    // an HTTP status, which carries the client-certificate hint.
    let nginx = Nginx::start();
    let c = client(
        &nginx,
        nginx.client_cert_required,
        &format!(
            "ssl_ca_certs={}&ssl_certfile={}&ssl_keyfile={}",
            fx("ca.pem"),
            fx("client-other-ca.pem"),
            fx("client-other-ca.key")
        ),
    );
    let error = c.get("/").unwrap_err();
    match &error {
        Error::Status {
            status, body, hint, ..
        } => {
            assert_eq!(*status, 400, "{error}");
            assert!(body.contains("The SSL certificate error"), "{error}");
            let hint = hint
                .as_deref()
                .unwrap_or_else(|| panic!("no hint: {error}"));
            assert!(
                hint.contains("client certificate") && hint.contains("ssl_certfile"),
                "{hint}"
            );
        }
        other => panic!("expected HTTP 400, got {other:?}: {other}"),
    }
    let entries = wait_for_port_entries(&nginx, nginx.client_cert_required, 1);
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0].status, 400);
    assert!(
        entries[0].ssl_client_verify.starts_with("FAILED:"),
        "{entries:?}"
    );
}

#[test]
fn wrong_ca_with_a_valid_client_cert_still_fails() {
    let nginx = Nginx::start();
    let c = client(
        &nginx,
        nginx.client_cert_required,
        &format!(
            "ssl_ca_certs={}&ssl_certfile={}&ssl_keyfile={}",
            fx("other-ca.pem"),
            fx("client.pem"),
            fx("client.key")
        ),
    );
    let error = c.get("/").unwrap_err();
    assert_eq!(tls_kind(&error), TlsErrorKind::UnknownIssuer, "{error}");
}

#[test]
fn optional_client_cert() {
    let nginx = Nginx::start();
    let port = nginx.client_cert_optional;
    let without = client(&nginx, port, &format!("ssl_ca_certs={}", fx("ca.pem")));
    let doc = echo(&without);
    assert_eq!(doc["ssl_client_verify"], "NONE", "{doc}");
    let with = client(&nginx, port, &with_client_cert());
    let doc = echo(&with);
    assert_eq!(doc["ssl_client_verify"], "SUCCESS", "{doc}");
    let dn = doc["ssl_client_s_dn"].as_str().unwrap_or_default();
    assert!(dn.contains("CN=httpdb-client"), "{doc}");
}

#[test]
fn client_cert_is_presented_even_with_verification_off() {
    let nginx = Nginx::start();
    let c = client(
        &nginx,
        nginx.client_cert_optional,
        &format!(
            "ssl_cert_reqs=CERT_NONE&ssl_certfile={}&ssl_keyfile={}",
            fx("client.pem"),
            fx("client.key")
        ),
    );
    let doc = echo(&c);
    assert_eq!(doc["ssl_client_verify"], "SUCCESS", "{doc}");
}

#[test]
fn expired_server_certificate() {
    let nginx = Nginx::start();
    let c = client(
        &nginx,
        nginx.expired,
        &format!("ssl_ca_certs={}", fx("ca.pem")),
    );
    let error = c.get("/").unwrap_err();
    assert_eq!(tls_kind(&error), TlsErrorKind::Expired, "{error}");
    let text = error.to_string();
    assert!(text.starts_with("certificate verify failed:"), "{text}");
    // Verification off accepts it.
    let off = client(&nginx, nginx.expired, "ssl_cert_reqs=CERT_NONE");
    assert_eq!(off.get("/").unwrap().status(), 200);
}

#[test]
fn wrong_host_certificate_and_match_hostname_off() {
    let nginx = Nginx::start();
    let port = nginx.wrong_host;
    let error = client(&nginx, port, &format!("ssl_ca_certs={}", fx("ca.pem")))
        .get("/")
        .unwrap_err();
    assert_eq!(tls_kind(&error), TlsErrorKind::NotValidForName, "{error}");
    let text = error.to_string();
    assert!(text.starts_with("certificate verify failed:"), "{text}");
    assert!(text.contains("ssl_match_hostname=false"), "{text}");
    for query in [
        "ssl_match_hostname=false",
        "tlsAllowInvalidHostnames=true",
        "sslmode=verify-ca",
    ] {
        let c = client(
            &nginx,
            port,
            &format!("{query}&ssl_ca_certs={}", fx("ca.pem")),
        );
        assert_eq!(c.get("/").unwrap().status(), 200, "{query}");
    }
}

#[test]
fn sslmode_verify_full_versus_verify_ca() {
    let nginx = Nginx::start();
    let port = nginx.wrong_host;
    let full = client(
        &nginx,
        port,
        &format!("sslmode=verify-full&sslrootcert={}", fx("ca.pem")),
    );
    let error = full.get("/").unwrap_err();
    assert_eq!(tls_kind(&error), TlsErrorKind::NotValidForName, "{error}");
    let ca = client(
        &nginx,
        port,
        &format!("sslmode=verify-ca&sslrootcert={}", fx("ca.pem")),
    );
    assert_eq!(ca.get("/").unwrap().status(), 200);
    // verify-ca still checks the chain.
    let wrong = client(
        &nginx,
        port,
        &format!("sslmode=verify-ca&sslrootcert={}", fx("other-ca.pem")),
    );
    let error = wrong.get("/").unwrap_err();
    assert_eq!(tls_kind(&error), TlsErrorKind::UnknownIssuer, "{error}");
    // And verify-full passes where the name is right.
    let good = client(
        &nginx,
        nginx.tls,
        &format!("sslmode=verify-full&sslrootcert={}", fx("ca.pem")),
    );
    assert_eq!(good.get("/").unwrap().status(), 200);
}

#[test]
fn sslmode_require_verifies_only_with_a_ca_file() {
    let nginx = Nginx::start();
    let port = nginx.wrong_host;
    assert_eq!(
        client(&nginx, port, "sslmode=require")
            .get("/")
            .unwrap()
            .status(),
        200
    );
    let other = client(
        &nginx,
        port,
        &format!("sslmode=require&sslrootcert={}", fx("other-ca.pem")),
    );
    let error = other.get("/").unwrap_err();
    assert_eq!(tls_kind(&error), TlsErrorKind::UnknownIssuer, "{error}");
    let right = client(
        &nginx,
        port,
        &format!("sslmode=require&sslrootcert={}", fx("ca.pem")),
    );
    assert_eq!(right.get("/").unwrap().status(), 200);
}

#[test]
fn every_client_key_form() {
    let nginx = Nginx::start();
    let ca = fx("ca.pem");
    let cases = crate::support::identities::client_key_forms();
    for query in &cases {
        let c = client(
            &nginx,
            nginx.client_cert_required,
            &format!("{query}&ssl_ca_certs={ca}"),
        );
        let response = c.get("/").unwrap_or_else(|e| panic!("{query}: {e}"));
        assert_eq!(response.status(), 200, "{query}");
        let doc = echo(&c);
        assert_eq!(doc["ssl_client_verify"], "SUCCESS", "{query}: {doc}");
        let dn = doc["ssl_client_s_dn"].as_str().unwrap_or_default();
        assert!(dn.contains("CN=httpdb-client"), "{query}: {doc}");
    }
    let entries = wait_for_port_entries(&nginx, nginx.client_cert_required, 2 * cases.len());
    assert_eq!(entries.len(), 2 * cases.len(), "{entries:?}");
    assert!(
        entries
            .iter()
            .all(|e| e.status == 200 && e.ssl_client_verify == "SUCCESS"),
        "{entries:?}"
    );
}

#[test]
fn basic_auth_and_bearer_token_reach_the_server() {
    let nginx = Nginx::start();
    let ca = fx("ca.pem");
    let uri = format!(
        "https://admin:p%40ss@localhost:{}/?ssl_ca_certs={ca}",
        nginx.tls
    );
    let doc = echo(&Client::new(&uri).unwrap());
    // "admin:p@ss" in base64.
    assert_eq!(doc["authorization"], "Basic YWRtaW46cEBzcw==", "{doc}");
    let uri = format!(
        "{}/?ssl_ca_certs={ca}&jwt=eyJ.abc.def",
        nginx.url(nginx.tls)
    );
    let doc = echo(&Client::new(&uri).unwrap());
    assert_eq!(doc["authorization"], "Bearer eyJ.abc.def", "{doc}");
    let doc = echo(&client(&nginx, nginx.tls, &format!("ssl_ca_certs={ca}")));
    assert_eq!(doc["authorization"], "", "no credentials, no header: {doc}");
}

#[test]
fn https_never_talks_plain_http() {
    let nginx = Nginx::start();
    let uri = format!("https://localhost:{}/?ssl_cert_reqs=CERT_NONE", nginx.plain);
    let error = Client::new(&uri).unwrap().get("/").unwrap_err();
    assert_eq!(tls_kind(&error), TlsErrorKind::Handshake, "{error}");
    assert!(error.to_string().contains("plain http"), "{error}");
    // nginx answers the ClientHello with a plain `400 Bad Request` (logged
    // with the request line of TLS garbage): no request line of ours may
    // ever appear.
    let plain = Client::new(&nginx.url(nginx.plain)).unwrap();
    assert_eq!(plain.get("/echo").unwrap().status(), 200);
    // Both lines: the 400 for the ClientHello and our plain GET.
    let entries = wait_for_port_entries(&nginx, nginx.plain, 2);
    let ours: Vec<_> = entries
        .iter()
        .filter(|e| e.request.starts_with("GET /"))
        .collect();
    assert_eq!(ours.len(), 1, "{entries:?}");
    assert_eq!(ours[0].request, "GET /echo HTTP/1.1", "{entries:?}");
}

#[test]
fn requests_reuse_one_tls_connection() {
    let nginx = Nginx::start();
    let c = client(&nginx, nginx.tls, &format!("ssl_ca_certs={}", fx("ca.pem")));
    for _ in 0..50 {
        assert_eq!(c.get("/").unwrap().status(), 200);
    }
    let entries = nginx.wait_for_access_log(50);
    assert_eq!(entries.len(), 50);
    assert_eq!(nginx.connections_used(nginx.tls), 1, "{entries:?}");
    let requests: Vec<u64> = entries.iter().map(|e| e.connection_requests).collect();
    assert_eq!(requests, (1..=50).collect::<Vec<u64>>());
}

#[test]
fn ipv6_literal_hosts() {
    let nginx = Nginx::start();
    if !nginx.has_ipv6() {
        // A machine property, not a missing server: nginx listens on
        // 127.0.0.1 only.
        eprintln!("no IPv6 loopback on this machine: [::1] not tested");
        return;
    }
    let c = Client::new(&format!(
        "https://[::1]:{}/?ssl_ca_certs={}",
        nginx.tls,
        fx("ca.pem")
    ))
    .unwrap();
    let info = c.server_info().unwrap();
    assert_eq!(info.url, format!("https://[::1]:{}", nginx.tls));
    assert_eq!(info.name.as_deref(), Some("nginx"));
}
