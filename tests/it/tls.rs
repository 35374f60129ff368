//! What only the in-process rustls server shows, over real TLS on
//! loopback (a TLS 1.3 rejection after the handshake, chains, session
//! resumption, identity file errors); the cases both servers share are in
//! `tls_matrix.rs`.

use crate::support::server::*;
use httpdb::{Client, Error, TlsErrorKind};

/// A client for `server` with `query` appended to its URL.
fn client(server: &TestServer, query: &str) -> Client {
    Client::new(&format!("{}/?{query}", server.url())).expect("client")
}

fn tls_kind(error: &Error) -> TlsErrorKind {
    match error {
        Error::Tls { kind, .. } => *kind,
        other => panic!("expected a TLS error, got {other:?}: {other}"),
    }
}

fn server_with_client_auth(auth: ClientAuth) -> TestServer {
    TestServer::start(ServerOptions::default().client_auth(auth))
}

#[test]
fn client_cert_from_another_ca_is_rejected() {
    let server = server_with_client_auth(ClientAuth::Required);
    let c = client(
        &server,
        &format!(
            "ssl_ca_certs={}&ssl_certfile={}&ssl_keyfile={}",
            fx("ca.pem"),
            fx("client-other-ca.pem"),
            fx("client-other-ca.key")
        ),
    );
    let error = c.get("/").unwrap_err();
    assert_eq!(
        tls_kind(&error),
        TlsErrorKind::ClientCertRejected,
        "{error}"
    );
    assert!(error.to_string().contains("client-other-ca.pem"), "{error}");
    assert!(server.requests().is_empty());
}

#[test]
fn client_cert_rejected_under_tls13_is_classified_from_the_late_alert() {
    let server = TestServer::start(
        ServerOptions::default()
            .client_auth(ClientAuth::Required)
            .tls13_only(),
    );
    let c = client(
        &server,
        &format!(
            "ssl_ca_certs={}&ssl_certfile={}&ssl_keyfile={}",
            fx("ca.pem"),
            fx("client-other-ca.pem"),
            fx("client-other-ca.key")
        ),
    );
    let error = c.get("/").unwrap_err();
    assert_eq!(
        tls_kind(&error),
        TlsErrorKind::ClientCertRejected,
        "{error}"
    );
}

#[test]
fn missing_client_cert_is_reported_as_required() {
    let server = server_with_client_auth(ClientAuth::Required);
    let error = client(&server, &format!("ssl_ca_certs={}", fx("ca.pem")))
        .get("/")
        .unwrap_err();
    assert_eq!(
        tls_kind(&error),
        TlsErrorKind::ClientCertRequired,
        "{error}"
    );
    assert!(error.to_string().contains("ssl_certfile"), "{error}");
}

#[test]
fn right_name_wrong_ca_fails_even_without_hostname_check() {
    // Guards the order of checks: the chain is verified before the name,
    // so forgiving the name must not forgive the CA.
    let server = TestServer::start(ServerOptions::default().cert("server-other-ca"));
    let c = client(
        &server,
        &format!("ssl_match_hostname=false&ssl_ca_certs={}", fx("ca.pem")),
    );
    assert_eq!(
        tls_kind(&c.get("/").unwrap_err()),
        TlsErrorKind::UnknownIssuer
    );
}

#[test]
fn missing_intermediate_fails_and_a_full_chain_passes() {
    let leaf_only = TestServer::start(ServerOptions::default().cert("server-via-intermediate"));
    let c = client(&leaf_only, &format!("ssl_ca_certs={}", fx("ca.pem")));
    assert_eq!(
        tls_kind(&c.get("/").unwrap_err()),
        TlsErrorKind::UnknownIssuer
    );
    let chain = TestServer::start(
        ServerOptions::default()
            .cert("server-via-intermediate")
            .cert_file("server-via-intermediate-chain.pem"),
    );
    let c = client(&chain, &format!("ssl_ca_certs={}", fx("ca.pem")));
    assert_eq!(c.get("/").unwrap().status(), 200);
}

fn build_error(query: &str) -> String {
    let uri = format!("https://localhost:1/?{query}");
    match Client::new(&uri) {
        Ok(_) => panic!("{query}: expected an error"),
        Err(e @ Error::Config { .. }) => e.to_string(),
        Err(other) => panic!("{query}: expected a config error, got {other:?}"),
    }
}

#[test]
fn identity_errors_name_the_files() {
    let wrong = build_error(&format!(
        "ssl_certfile={}&ssl_keyfile={}&ssl_pem_passphrase=nope",
        fx("client.pem"),
        fx("client-encrypted.key")
    ));
    assert!(
        wrong.contains("wrong ssl_pem_passphrase") && wrong.contains("client-encrypted.key"),
        "{wrong}"
    );
    assert!(!wrong.contains("nope"), "{wrong}");
    let none = build_error(&format!(
        "ssl_certfile={}&ssl_keyfile={}",
        fx("client.pem"),
        fx("client-encrypted.key")
    ));
    assert!(none.contains("ssl_pem_passphrase"), "{none}");
    let mismatch = build_error(&format!(
        "ssl_certfile={}&ssl_keyfile={}",
        fx("client.pem"),
        fx("client-ec-sec1.key")
    ));
    assert!(
        mismatch.contains("client.pem")
            && mismatch.contains("client-ec-sec1.key")
            && mismatch.contains("does not belong"),
        "{mismatch}"
    );
    let no_key = build_error(&format!("ssl_certfile={}", fx("client.pem")));
    assert!(
        no_key.contains("no private key") && no_key.contains("ssl_keyfile"),
        "{no_key}"
    );
    let p12 = build_error(&format!(
        "ssl_certfile={}&ssl_pem_passphrase=bad",
        fx("client.p12")
    ));
    assert!(p12.contains("wrong ssl_pem_passphrase"), "{p12}");
    let empty_ca = build_error(&format!("ssl_ca_certs={}", fx("empty.pem")));
    assert!(
        empty_ca.contains("empty.pem") && empty_ca.contains("empty"),
        "{empty_ca}"
    );
    let not_pem = build_error(&format!("ssl_ca_certs={}", fx("not-pem.txt")));
    assert!(not_pem.contains("no PEM certificate"), "{not_pem}");
    let key_as_ca = build_error(&format!("ssl_ca_certs={}", fx("client.key")));
    assert!(
        key_as_ca.contains("private key but no certificate"),
        "{key_as_ca}"
    );
    let missing = build_error("ssl_ca_certs=/nonexistent/ca.pem");
    assert!(
        missing.contains("/nonexistent/ca.pem") && missing.contains("no such file"),
        "{missing}"
    );
    let dir = build_error(&format!("ssl_ca_certs={}", fx("")));
    assert!(dir.contains("directory"), "{dir}");
    let missing_under_none =
        build_error("ssl_cert_reqs=CERT_NONE&ssl_ca_certs=/nonexistent/ca.pem");
    assert!(
        missing_under_none.contains("no such file"),
        "a CA file is checked even when unused: {missing_under_none}"
    );
}

#[test]
fn https_never_talks_plain_http() {
    let plain = TestServer::http();
    let uri = format!(
        "https://localhost:{}/?ssl_cert_reqs=CERT_NONE",
        plain.port()
    );
    let error = Client::new(&uri).unwrap().get("/").unwrap_err();
    assert!(matches!(error, Error::Tls { .. }), "{error:?}");
    assert!(
        plain.requests().is_empty(),
        "the plain server must never see a request: {:?}",
        plain.requests()
    );
}

#[test]
fn requests_reuse_one_tls_connection() {
    let server = TestServer::https();
    let c = client(&server, &format!("ssl_ca_certs={}", fx("ca.pem")));
    for _ in 0..20 {
        assert_eq!(c.get("/").unwrap().status(), 200);
    }
    assert_eq!(server.connections(), 1);
    assert_eq!(server.handshakes(), 1);
}

#[test]
fn new_connections_resume_the_tls_session() {
    let server = TestServer::start(ServerOptions::default());
    let c = client(
        &server,
        &format!("ssl_ca_certs={}&pool_size=0", fx("ca.pem")),
    );
    for _ in 0..3 {
        c.get("/").unwrap();
    }
    assert_eq!(server.handshakes(), 3);
    assert!(
        server.resumed_handshakes() >= 1,
        "resumed {} of 3",
        server.resumed_handshakes()
    );
}

#[test]
fn ipv6_literal_hosts() {
    let server = TestServer::start(ServerOptions::default().ipv6());
    let c = Client::new(&format!(
        "https://[::1]:{}/?ssl_ca_certs={}",
        server.port(),
        fx("ca.pem")
    ))
    .unwrap();
    assert_eq!(
        c.server_info().unwrap().url,
        format!("https://[::1]:{}", server.port())
    );
}

#[test]
fn base_path_prefixes_every_request() {
    let server = TestServer::https();
    let c = Client::new(&format!(
        "{}/db/?ssl_ca_certs={}",
        server.url(),
        fx("ca.pem")
    ))
    .unwrap();
    c.get("/_all_docs?x=1").unwrap();
    assert_eq!(server.last_request().unwrap().path, "/db/_all_docs?x=1");
    c.post("things", b"{}".to_vec()).unwrap();
    let last = server.last_request().unwrap();
    assert_eq!(
        (
            last.method.as_str(),
            last.path.as_str(),
            last.body.as_slice()
        ),
        ("POST", "/db/things", &b"{}"[..])
    );
}

#[test]
fn json_helpers_and_status_errors() {
    let server = TestServer::https();
    let c = client(&server, &format!("ssl_ca_certs={}", fx("ca.pem")));
    let echo: serde_json::Value = c
        .post_json("/echo", &serde_json::json!({"stmt": "SELECT 1"}))
        .unwrap();
    assert_eq!(echo["method"], "POST");
    assert_eq!(
        server.last_request().unwrap().header("content-type"),
        Some("application/json")
    );
    let root: serde_json::Value = c.get_json("/").unwrap();
    assert_eq!(root["name"], SERVER_NAME);
    match c.get("/status/404").unwrap_err() {
        Error::Status { status, body, .. } => {
            assert_eq!((status, body.as_str()), (404, "status 404"))
        }
        other => panic!("{other:?}"),
    }
    let response = c
        .request(httpdb::Method::GET, "/status/418")
        .error_for_status(false)
        .send()
        .unwrap();
    assert_eq!(response.status(), 418);
}

/// The version bounds reach the handshake: a server that speaks only a
/// version outside them fails with a hint naming both options.
#[test]
fn tls_version_bounds_reach_the_handshake() {
    let old = TestServer::start(ServerOptions::default().tls12_only());
    let query = |extra: &str| format!("ssl_ca_certs={}&{extra}", fx("ca.pem"));
    assert_eq!(
        client(&old, &query("ssl_min_protocol_version=TLSv1.2"))
            .get("/")
            .unwrap()
            .status(),
        200
    );
    let error = client(&old, &query("ssl_min_protocol_version=TLSv1.3"))
        .get("/")
        .unwrap_err();
    assert_eq!(tls_kind(&error), TlsErrorKind::Handshake, "{error}");
    assert!(
        error
            .to_string()
            .contains("ssl_min_protocol_version=TLSv1.3"),
        "{error}"
    );
    assert!(
        old.requests().len() == 1,
        "only the TLS 1.2 client got through"
    );
    let new = TestServer::start(ServerOptions::default().tls13_only());
    let error = client(&new, &query("ssl_max_protocol_version=TLSv1.2"))
        .get("/")
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("ssl_max_protocol_version=TLSv1.2"),
        "{error}"
    );
    assert!(new.requests().is_empty());
}

/// The pin may name a CA certificate the server sends, as Elasticsearch
/// prints its HTTP CA's fingerprint: the server's certificate must then
/// chain to that CA, even with verification off.
#[test]
fn a_pinned_ca_in_the_served_chain_anchors_the_server_certificate() {
    let chain = TestServer::start(
        ServerOptions::default()
            .cert("server-via-intermediate")
            .cert_file("server-via-intermediate-chain.pem"),
    );
    let pin = |fixture: &str| {
        use rustls_pki_types::CertificateDer;
        use rustls_pki_types::pem::PemObject;
        let der = CertificateDer::from_pem_file(fx(fixture)).unwrap();
        httpdb::Fingerprint::of(der.as_ref()).to_string()
    };
    let intermediate = pin("intermediate-ca.pem");
    let c = client(
        &chain,
        &format!("verify_certs=false&ssl_assert_fingerprint={intermediate}"),
    );
    assert_eq!(c.get("/").unwrap().status(), 200);
    // A CA the server does not send cannot be matched.
    let root = pin("ca.pem");
    let error = client(
        &chain,
        &format!("verify_certs=false&ssl_assert_fingerprint={root}"),
    )
    .get("/")
    .unwrap_err();
    assert_eq!(tls_kind(&error), TlsErrorKind::PinMismatch, "{error}");
    // A server that sends the pinned CA next to a certificate the CA did
    // not sign does not pass: the certificate must chain to the pin.
    let posing = TestServer::start(
        ServerOptions::default()
            .cert("server-other-ca")
            .cert_file("server-other-ca-with-intermediate.pem"),
    );
    let error = client(
        &posing,
        &format!("verify_certs=false&ssl_assert_fingerprint={intermediate}"),
    )
    .get("/")
    .unwrap_err();
    assert_eq!(tls_kind(&error), TlsErrorKind::UnknownIssuer, "{error}");
    assert_eq!(chain.requests().len(), 1);
    assert!(posing.requests().is_empty());
}

/// `ssl_sni=false` (libpq's `sslsni=0`) sends no server name; by default
/// the host's name is sent.
#[test]
fn sni_is_sent_unless_turned_off() {
    let server = TestServer::https();
    let ca = format!("ssl_ca_certs={}", fx("ca.pem"));
    for (query, expected) in [
        (ca.clone(), Some("localhost".to_string())),
        (format!("{ca}&ssl_sni=false"), None),
        (format!("{ca}&sslsni=0"), None),
    ] {
        assert_eq!(client(&server, &query).get("/").unwrap().status(), 200);
        assert_eq!(server.sni().last().cloned().flatten(), expected, "{query}");
    }
}

/// CA certificates given as PEM text (Couchbase's trust_only_pem_str),
/// as containers pass them in environment variables.
#[test]
fn ca_certificates_as_pem_text() {
    let server = TestServer::https();
    let text = |f: &str| std::fs::read_to_string(fx(f)).unwrap();
    let encode = |t: &str| {
        percent_encoding::utf8_percent_encode(t, percent_encoding::NON_ALPHANUMERIC).to_string()
    };
    for name in [
        "ssl_ca_certs",
        "security.trust_only_pem_str",
        "security.trust_only_certificates",
    ] {
        let c = client(&server, &format!("{name}={}", encode(&text("ca.pem"))));
        assert_eq!(c.get("/").unwrap().status(), 200, "{name}");
        let error = client(
            &server,
            &format!("{name}={}", encode(&text("other-ca.pem"))),
        )
        .get("/")
        .unwrap_err();
        assert_eq!(tls_kind(&error), TlsErrorKind::UnknownIssuer, "{error}");
        assert!(error.to_string().contains("PEM text"), "{error}");
    }
    // Both CAs in one text: either verifies.
    let both = format!("{}{}", text("other-ca.pem"), text("ca.pem"));
    let c = client(&server, &format!("ssl_ca_certs={}", encode(&both)));
    assert_eq!(c.get("/").unwrap().status(), 200);
    // Text that is not a certificate is a clear error at build time.
    let key = text("server.key");
    let error = match Client::new(&format!("{}/?ssl_ca_certs={}", server.url(), encode(&key))) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("a key is not a CA"),
    };
    assert!(
        error.contains("ssl_ca_certs (PEM text)") && error.contains("private key"),
        "{error}"
    );
    let error = build_error("security.trust_only_pem_str=ca.pem");
    assert!(error.contains("not PEM text"), "{error}");
}
