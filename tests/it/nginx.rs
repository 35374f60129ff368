//! What only real nginx (OpenSSL on the server side) does, over loopback;
//! the cases both servers share are in `tls_matrix.rs`. Every test starts
//! its own nginx (`crate::support::nginx`), which panics loudly when nginx
//! is missing.

use std::thread;
use std::time::{Duration, Instant};

use crate::support::nginx::{AccessLogEntry, Nginx};
use crate::support::server::fx;
use httpdb::{Client, Error, TlsErrorKind};

/// A client for nginx's server on `port` with `query` appended to its URL.
fn client(nginx: &Nginx, port: u16, query: &str) -> Client {
    let uri = format!("{}/?{query}", nginx.url(port));
    Client::new(&uri).unwrap_or_else(|e| panic!("{uri}: {e}"))
}

fn tls_kind(error: &Error) -> TlsErrorKind {
    match error {
        Error::Tls { kind, .. } => *kind,
        other => panic!("expected a TLS error, got {other:?}: {other}"),
    }
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

/// nginx logs the version each request was spoken in: the bounds decide it.
#[test]
fn tls_version_bounds_as_nginx_logs_them() {
    let nginx = Nginx::start();
    for extra in [
        "",
        "&ssl_max_protocol_version=TLSv1.2",
        "&ssl_min_protocol_version=TLSv1.3",
    ] {
        let c = client(
            &nginx,
            nginx.tls,
            &format!("ssl_ca_certs={}{extra}", fx("ca.pem")),
        );
        assert_eq!(c.get("/").unwrap().status(), 200, "{extra}");
    }
    let entries = wait_for_port_entries(&nginx, nginx.tls, 3);
    let protocols: Vec<&str> = entries.iter().map(|e| e.ssl_protocol.as_str()).collect();
    assert_eq!(protocols, ["TLSv1.3", "TLSv1.2", "TLSv1.3"], "{entries:?}");
}

/// libpq's `sslsni=0` reaches OpenSSL: nginx sees no server name, and by
/// default the host's name.
#[test]
fn sni_is_sent_unless_turned_off() {
    let nginx = Nginx::start();
    let ca = format!("ssl_ca_certs={}", fx("ca.pem"));
    let seen = |query: &str| {
        let body = client(&nginx, nginx.tls, query)
            .get("/echo")
            .and_then(httpdb::Response::text)
            .unwrap();
        let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
        doc["ssl_server_name"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(seen(&ca), "localhost");
    assert_eq!(seen(&format!("{ca}&sslsni=0")), "");
    assert_eq!(seen(&format!("{ca}&ssl_sni=false")), "");
}
