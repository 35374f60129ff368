//! The TLS matrix, each case written once and run against both servers:
//! the in-process rustls server (`tls_matrix::in_process::...`) and real
//! nginx with OpenSSL on the server side (`tls_matrix::nginx::...`). What
//! only one of them does (nginx answers a missing client certificate with
//! a 400; rustls with TLS 1.3 rejects it after the handshake) stays in
//! `tls.rs` and `nginx.rs`.

use std::thread;
use std::time::{Duration, Instant};

use httpdb::{Client, Error, TlsErrorKind};

use crate::support::nginx::{NGINX_CLUSTER_NAME, NGINX_NAME, NGINX_VERSION_NUMBER, Nginx};
use crate::support::server::{
    CLUSTER_NAME, ClientAuth, SERVER_NAME, SERVER_VERSION, ServerOptions, TestServer, fx,
};

/// Which of a target's servers.
#[derive(Clone, Copy, Debug)]
pub enum Port {
    /// `fixtures/server.pem`, no client certificate asked.
    Tls,
    /// A client certificate signed by `fixtures/ca.pem` required.
    ClientCertRequired,
    /// A client certificate asked for, not required.
    ClientCertOptional,
    /// `fixtures/server-expired.pem`.
    Expired,
    /// `fixtures/server-wronghost.pem` (only `db.example.com`).
    WrongHost,
    /// `fixtures/server-revoked.pem`, revoked in `fixtures/crl.pem`.
    Revoked,
}

/// A set of servers, one per [`Port`], and what they saw.
pub trait Target {
    /// The base URL of the server on `port`.
    fn url(&self, port: Port) -> String;
    /// Requests that reached the server on `port`, once at least `count`
    /// did (or after a few seconds: the caller's assertion shows what is
    /// there).
    fn requests(&self, port: Port, count: usize) -> usize;
    /// The common name of the client certificate the server on `port` saw
    /// on `client`'s connection (after a request from it).
    fn client_cn(&self, port: Port, client: &Client) -> Option<String>;
    /// The `Authorization` header the server on `Port::Tls` saw last.
    fn authorization(&self, client: &Client) -> Option<String> {
        self.header(client, "authorization")
    }
    /// The header `name` (lower case: authorization, user-agent,
    /// x-opaque-id, x-api-key) of a request `client` sends to the server on
    /// `Port::Tls`.
    fn header(&self, client: &Client, name: &str) -> Option<String>;
    /// The server info its root document gives: name, version, cluster.
    fn identity(&self) -> (&'static str, &'static str, &'static str);
}

/// The in-process rustls servers.
pub struct InProcess([TestServer; 6]);

impl InProcess {
    pub fn start() -> InProcess {
        let with = |o: ServerOptions| TestServer::start(o);
        InProcess([
            TestServer::https(),
            with(ServerOptions::default().client_auth(ClientAuth::Required)),
            with(ServerOptions::default().client_auth(ClientAuth::Optional)),
            with(ServerOptions::default().cert("server-expired")),
            with(ServerOptions::default().cert("server-wronghost")),
            with(ServerOptions::default().cert("server-revoked")),
        ])
    }

    fn server(&self, port: Port) -> &TestServer {
        &self.0[port as usize]
    }
}

impl Target for InProcess {
    fn url(&self, port: Port) -> String {
        self.server(port).url()
    }
    fn requests(&self, port: Port, _count: usize) -> usize {
        self.server(port).requests().len()
    }
    fn client_cn(&self, port: Port, _client: &Client) -> Option<String> {
        self.server(port).last_request()?.client_cert_cn
    }
    fn header(&self, client: &Client, name: &str) -> Option<String> {
        client.get("/echo").unwrap();
        self.server(Port::Tls)
            .last_request()?
            .header(name)
            .map(str::to_string)
    }
    fn identity(&self) -> (&'static str, &'static str, &'static str) {
        (SERVER_NAME, SERVER_VERSION, CLUSTER_NAME)
    }
}

/// One nginx with a server per port.
pub struct NginxTarget(Nginx);

impl NginxTarget {
    pub fn start() -> NginxTarget {
        NginxTarget(Nginx::start())
    }

    fn port(&self, port: Port) -> u16 {
        let n = &self.0;
        match port {
            Port::Tls => n.tls,
            Port::ClientCertRequired => n.client_cert_required,
            Port::ClientCertOptional => n.client_cert_optional,
            Port::Expired => n.expired,
            Port::WrongHost => n.wrong_host,
            Port::Revoked => n.revoked,
        }
    }

    fn echo(client: &Client) -> serde_json::Value {
        let body = client
            .get("/echo")
            .and_then(httpdb::Response::text)
            .unwrap_or_else(|e| panic!("GET /echo: {e}"));
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("/echo is not JSON: {e}: {body}"))
    }
}

impl Target for NginxTarget {
    fn url(&self, port: Port) -> String {
        self.0.url(self.port(port))
    }
    fn requests(&self, port: Port, count: usize) -> usize {
        let port = self.port(port);
        // Waiting for nothing to arrive: a short settle is enough.
        let wait = if count == 0 { 300 } else { 3000 };
        let deadline = Instant::now() + Duration::from_millis(wait);
        loop {
            let seen = self
                .0
                .access_log_entries()
                .into_iter()
                .filter(|e| e.port == port)
                .count();
            if seen >= count.max(1) || Instant::now() > deadline {
                return seen;
            }
            thread::sleep(Duration::from_millis(20));
        }
    }
    fn client_cn(&self, _port: Port, client: &Client) -> Option<String> {
        let doc = Self::echo(client);
        let dn = doc["ssl_client_s_dn"].as_str()?;
        dn.split(',')
            .find_map(|part| part.trim().strip_prefix("CN="))
            .map(str::to_string)
    }
    fn header(&self, client: &Client, name: &str) -> Option<String> {
        let doc = Self::echo(client);
        doc[name.replace('-', "_")]
            .as_str()
            .filter(|a| !a.is_empty())
            .map(str::to_string)
    }
    fn identity(&self) -> (&'static str, &'static str, &'static str) {
        (NGINX_NAME, NGINX_VERSION_NUMBER, NGINX_CLUSTER_NAME)
    }
}

fn client(t: &dyn Target, port: Port, query: &str) -> Client {
    let uri = format!("{}/?{query}", t.url(port));
    Client::new(&uri).unwrap_or_else(|e| panic!("{uri}: {e}"))
}

fn tls_kind(error: &Error) -> TlsErrorKind {
    error
        .tls_kind()
        .unwrap_or_else(|| panic!("expected a TLS error, got {error:?}: {error}"))
}

fn ca() -> String {
    format!("ssl_ca_certs={}", fx("ca.pem"))
}

fn with_client_cert(cert: &str) -> String {
    format!(
        "ssl_ca_certs={}&ssl_certfile={}&ssl_keyfile={}",
        fx("ca.pem"),
        fx(&format!("{cert}.pem")),
        fx(&format!("{cert}.key"))
    )
}

fn valid_ca_gives_server_info(t: &dyn Target) {
    let info = client(t, Port::Tls, &ca()).server_info().unwrap();
    let (name, version, cluster) = t.identity();
    assert_eq!(info.url, t.url(Port::Tls));
    assert_eq!(info.name.as_deref(), Some(name));
    assert_eq!(info.version.as_deref(), Some(version));
    assert_eq!(info.cluster_name.as_deref(), Some(cluster));
}

fn no_ca_fails_verification_against_the_system_store(t: &dyn Target) {
    let error = Client::new(&t.url(Port::Tls))
        .unwrap()
        .get("/")
        .unwrap_err();
    assert_eq!(tls_kind(&error), TlsErrorKind::UnknownIssuer);
    let text = error.to_string();
    assert!(text.starts_with("certificate verify failed:"), "{text}");
    assert!(text.contains("system trust store"), "{text}");
    assert_eq!(
        t.requests(Port::Tls, 0),
        0,
        "nothing after a failed verification"
    );
}

fn wrong_ca_fails_and_names_the_file(t: &dyn Target) {
    let query = format!("ssl_ca_certs={}", fx("other-ca.pem"));
    let error = client(t, Port::Tls, &query).get("/").unwrap_err();
    assert_eq!(tls_kind(&error), TlsErrorKind::UnknownIssuer);
    let text = error.to_string();
    assert!(text.starts_with("certificate verify failed:"), "{text}");
    assert!(text.contains("other-ca.pem"), "{text}");
    assert!(text.contains("ssl_cert_reqs=CERT_NONE"), "{text}");
    assert_eq!(
        t.requests(Port::Tls, 0),
        0,
        "nothing after a failed verification"
    );
}

fn verification_off_succeeds_without_ca_and_with_a_wrong_ca(t: &dyn Target) {
    for query in [
        "ssl_cert_reqs=CERT_NONE".to_string(),
        format!(
            "ssl_cert_reqs=CERT_NONE&ssl_ca_certs={}",
            fx("other-ca.pem")
        ),
        format!("verify_certs=false&ca_certs={}", fx("other-ca.pem")),
        "tlsInsecure=true".into(),
    ] {
        let c = client(t, Port::Tls, &query);
        assert_eq!(c.get("/").unwrap().status(), 200, "{query}");
        assert_eq!(
            c.server_info().unwrap().name.as_deref(),
            Some(t.identity().0),
            "{query}"
        );
    }
}

fn cert_optional_verifies_like_required(t: &dyn Target) {
    let error = client(t, Port::Tls, "ssl_cert_reqs=CERT_OPTIONAL")
        .get("/")
        .unwrap_err();
    assert_eq!(tls_kind(&error), TlsErrorKind::UnknownIssuer);
    let ok = client(
        t,
        Port::Tls,
        &format!("ssl_cert_reqs=CERT_OPTIONAL&{}", ca()),
    );
    assert_eq!(ok.get("/").unwrap().status(), 200);
}

fn client_cert_accepted_by_a_server_that_requires_one(t: &dyn Target) {
    let c = client(t, Port::ClientCertRequired, &with_client_cert("client"));
    assert_eq!(c.get("/").unwrap().status(), 200);
    assert_eq!(
        t.client_cn(Port::ClientCertRequired, &c).as_deref(),
        Some("httpdb-client")
    );
}

fn optional_client_cert_is_sent_when_configured(t: &dyn Target) {
    let without = client(t, Port::ClientCertOptional, &ca());
    assert_eq!(without.get("/").unwrap().status(), 200);
    assert_eq!(t.client_cn(Port::ClientCertOptional, &without), None);
    let with = client(t, Port::ClientCertOptional, &with_client_cert("client"));
    assert_eq!(with.get("/").unwrap().status(), 200);
    assert_eq!(
        t.client_cn(Port::ClientCertOptional, &with).as_deref(),
        Some("httpdb-client")
    );
}

fn wrong_ca_with_a_valid_client_cert_still_fails(t: &dyn Target) {
    let query = format!(
        "ssl_ca_certs={}&ssl_certfile={}&ssl_keyfile={}",
        fx("other-ca.pem"),
        fx("client.pem"),
        fx("client.key")
    );
    let error = client(t, Port::ClientCertRequired, &query)
        .get("/")
        .unwrap_err();
    assert_eq!(tls_kind(&error), TlsErrorKind::UnknownIssuer);
    assert_eq!(t.requests(Port::ClientCertRequired, 0), 0);
}

fn client_cert_is_presented_even_with_verification_off(t: &dyn Target) {
    let query = format!(
        "ssl_cert_reqs=CERT_NONE&ssl_certfile={}&ssl_keyfile={}",
        fx("client.pem"),
        fx("client.key")
    );
    let c = client(t, Port::ClientCertOptional, &query);
    c.get("/").unwrap();
    assert_eq!(
        t.client_cn(Port::ClientCertOptional, &c).as_deref(),
        Some("httpdb-client")
    );
}

fn expired_server_certificate(t: &dyn Target) {
    let error = client(t, Port::Expired, &ca()).get("/").unwrap_err();
    assert_eq!(tls_kind(&error), TlsErrorKind::Expired);
    assert!(error.to_string().starts_with("certificate verify failed:"));
    let off = client(t, Port::Expired, "ssl_cert_reqs=CERT_NONE");
    assert_eq!(off.get("/").unwrap().status(), 200);
}

fn wrong_host_certificate_and_match_hostname_off(t: &dyn Target) {
    let error = client(t, Port::WrongHost, &ca()).get("/").unwrap_err();
    assert_eq!(tls_kind(&error), TlsErrorKind::NotValidForName);
    assert!(
        error.to_string().contains("ssl_match_hostname=false"),
        "{error}"
    );
    for query in [
        "ssl_match_hostname=false",
        "tlsAllowInvalidHostnames=true",
        "sslmode=verify-ca",
    ] {
        let c = client(t, Port::WrongHost, &format!("{query}&{}", ca()));
        assert_eq!(c.get("/").unwrap().status(), 200, "{query}");
    }
    let full = client(
        t,
        Port::WrongHost,
        &format!("sslmode=verify-full&sslrootcert={}", fx("ca.pem")),
    );
    assert_eq!(
        tls_kind(&full.get("/").unwrap_err()),
        TlsErrorKind::NotValidForName
    );
}

fn sslmode_require_verifies_only_with_a_ca_file(t: &dyn Target) {
    let any = client(t, Port::WrongHost, "sslmode=require");
    assert_eq!(any.get("/").unwrap().status(), 200);
    let other = client(
        t,
        Port::WrongHost,
        &format!("sslmode=require&sslrootcert={}", fx("other-ca.pem")),
    );
    assert_eq!(
        tls_kind(&other.get("/").unwrap_err()),
        TlsErrorKind::UnknownIssuer
    );
    let right = client(
        t,
        Port::WrongHost,
        &format!("sslmode=require&sslrootcert={}", fx("ca.pem")),
    );
    assert_eq!(
        right.get("/").unwrap().status(),
        200,
        "require checks the chain, like verify-ca"
    );
}

fn every_client_key_form(t: &dyn Target) {
    for query in crate::support::identities::client_key_forms() {
        let c = client(t, Port::ClientCertRequired, &format!("{query}&{}", ca()));
        let response = c.get("/").unwrap_or_else(|e| panic!("{query}: {e}"));
        assert_eq!(response.status(), 200, "{query}");
        assert!(
            t.client_cn(Port::ClientCertRequired, &c).is_some(),
            "{query}"
        );
    }
}

fn basic_auth_and_bearer_token_reach_the_server(t: &dyn Target) {
    let base = t.url(Port::Tls);
    let with_user = base.replacen("https://", "https://admin:p%40ss@", 1);
    let c = Client::new(&format!("{with_user}/?{}", ca())).unwrap();
    c.get("/echo").unwrap();
    // "admin:p@ss" in base64.
    assert_eq!(
        t.authorization(&c).as_deref(),
        Some("Basic YWRtaW46cEBzcw==")
    );
    let c = Client::new(&format!("{base}/?{}&jwt=eyJ.abc.def", ca())).unwrap();
    c.get("/echo").unwrap();
    assert_eq!(t.authorization(&c).as_deref(), Some("Bearer eyJ.abc.def"));
    let c = Client::new(&format!("{base}/?{}", ca())).unwrap();
    c.get("/echo").unwrap();
    assert_eq!(t.authorization(&c), None, "no credentials, no header");
    // Elasticsearch API keys: id:key is encoded, the encoded form sent as is.
    let c = Client::new(&format!(
        "{base}/?{}&api_key=VuaCfGcBCdbkQm-e5aOx:ui2lp2axTNmsyakw9tvNnw",
        ca()
    ))
    .unwrap();
    assert_eq!(
        t.authorization(&c).as_deref(),
        Some("ApiKey VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==")
    );
    let c = Client::new(&format!(
        "{base}/?{}&api_key=VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==",
        ca()
    ))
    .unwrap();
    assert_eq!(
        t.authorization(&c).as_deref(),
        Some("ApiKey VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==")
    );
}

fn app_name_and_default_headers_reach_the_server(t: &dyn Target) {
    let base = t.url(Port::Tls);
    let version = env!("CARGO_PKG_VERSION");
    let c = Client::new(&format!("{base}/?{}", ca())).unwrap();
    assert_eq!(
        t.header(&c, "user-agent"),
        Some(format!("httpdb/{version}"))
    );
    for name in ["appname", "application_name", "app_name"] {
        let c = Client::new(&format!("{base}/?{}&{name}=nightly%20report", ca())).unwrap();
        assert_eq!(
            t.header(&c, "user-agent"),
            Some(format!("nightly report httpdb/{version}")),
            "{name}"
        );
    }
    let c = Client::new(&format!(
        "{base}/?{}&header.X-Api-Key=k3y&opaque_id=job-42&fallback_application_name=cron",
        ca()
    ))
    .unwrap();
    assert_eq!(t.header(&c, "x-api-key").as_deref(), Some("k3y"));
    assert_eq!(t.header(&c, "x-opaque-id").as_deref(), Some("job-42"));
    assert_eq!(
        t.header(&c, "user-agent"),
        Some(format!("cron httpdb/{version}"))
    );
    // elasticsearch-py's dict as lines.
    let c = Client::new(&format!(
        "{base}/?{}&headers=X-Api-Key:%20a%0AX-Opaque-Id:%20b",
        ca()
    ))
    .unwrap();
    assert_eq!(t.header(&c, "x-api-key").as_deref(), Some("a"));
    assert_eq!(t.header(&c, "x-opaque-id").as_deref(), Some("b"));
}

fn crl(file: &str) -> String {
    format!("{}&ssl_crl_file={}", ca(), fx(file))
}

/// The SHA-256 fingerprint of the first certificate in a fixture, as
/// `openssl x509 -fingerprint -sha256` prints it.
fn fingerprint_of(fixture: &str) -> String {
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject;
    let der = CertificateDer::from_pem_file(fx(fixture)).expect("fixture certificate");
    let digest = ring::digest::digest(&ring::digest::SHA256, der.as_ref());
    let hex: Vec<String> = digest.as_ref().iter().map(|b| format!("{b:02X}")).collect();
    hex.join(":")
}

fn a_crl_rejects_the_revoked_certificate_only(t: &dyn Target) {
    // Without a CRL the revoked certificate passes: the CRL is what
    // catches it.
    let plain = client(t, Port::Revoked, &ca());
    assert_eq!(plain.get("/").unwrap().status(), 200);
    let before = t.requests(Port::Revoked, 1);
    for name in ["ssl_crl_file", "tlsCRLFile", "sslcrl"] {
        let query = format!("{}&{name}={}", ca(), fx("crl.pem"));
        let error = client(t, Port::Revoked, &query).get("/").unwrap_err();
        assert_eq!(tls_kind(&error), TlsErrorKind::Revoked, "{name}: {error}");
        assert!(error.to_string().contains("crl.pem"), "{error}");
        assert!(error.to_string().contains("revoked"), "{error}");
        // The good certificate passes the same CRL.
        let good = client(t, Port::Tls, &query);
        assert_eq!(good.get("/").unwrap().status(), 200, "{name}");
    }
    assert_eq!(
        t.requests(Port::Revoked, 0),
        before,
        "no request reached the server with the revoked certificate"
    );
    // A directory as `openssl rehash` leaves it: CRLs among other files.
    let dir = std::env::temp_dir().join(format!("httpdb-crldir-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(fx("crl.pem"), dir.join("8a5f3c1e.r0")).unwrap();
    std::fs::copy(fx("ca.pem"), dir.join("8a5f3c1e.0")).unwrap();
    let query = format!("{}&sslcrldir={}", ca(), dir.display());
    let error = client(t, Port::Revoked, &query).get("/").unwrap_err();
    assert_eq!(tls_kind(&error), TlsErrorKind::Revoked, "{error}");
    assert!(error.to_string().contains("ssl_crl_dir="), "{error}");
    assert_eq!(client(t, Port::Tls, &query).get("/").unwrap().status(), 200);
    let _ = std::fs::remove_dir_all(&dir);
}

fn crls_that_cannot_vouch_fail_with_the_reason(t: &dyn Target) {
    let other = client(t, Port::Tls, &crl("crl-other-ca.pem"))
        .get("/")
        .unwrap_err();
    assert_eq!(tls_kind(&other), TlsErrorKind::Revoked, "{other}");
    assert!(
        other.to_string().contains("holds no CRL from the issuer"),
        "{other}"
    );
    let stale = client(t, Port::Tls, &crl("crl-expired.pem"))
        .get("/")
        .unwrap_err();
    assert_eq!(tls_kind(&stale), TlsErrorKind::Revoked, "{stale}");
    assert!(
        stale.to_string().contains("past its next update"),
        "{stale}"
    );
    assert_eq!(t.requests(Port::Tls, 0), 0);
}

fn a_pinned_fingerprint_must_match(t: &dyn Target) {
    let pin = fingerprint_of("server.pem");
    let bare = pin.replace(':', "").to_lowercase();
    for query in [
        format!("{}&ssl_assert_fingerprint={pin}", ca()),
        format!("{}&ssl_assert_fingerprint={bare}", ca()),
        // elastic-transport's use: the pin alone, verification off.
        format!("verify_certs=false&ssl_assert_fingerprint={pin}"),
    ] {
        let c = client(t, Port::Tls, &query);
        assert_eq!(c.get("/").unwrap().status(), 200, "{query}");
    }
    let served = t.requests(Port::Tls, 3);
    // Another server's certificate, or the right one under an untrusted
    // chain, does not pass.
    let wrong = fingerprint_of("server-expired.pem");
    for query in [
        format!("{}&ssl_assert_fingerprint={wrong}", ca()),
        format!("verify_certs=false&ssl_assert_fingerprint={wrong}"),
    ] {
        let error = client(t, Port::Tls, &query).get("/").unwrap_err();
        assert_eq!(tls_kind(&error), TlsErrorKind::PinMismatch, "{error}");
        assert!(
            error.to_string().contains(&pin),
            "names the server's: {error}"
        );
    }
    let untrusted = format!(
        "ssl_ca_certs={}&ssl_assert_fingerprint={pin}",
        fx("other-ca.pem")
    );
    let error = client(t, Port::Tls, &untrusted).get("/").unwrap_err();
    assert_eq!(tls_kind(&error), TlsErrorKind::UnknownIssuer, "{error}");
    assert_eq!(t.requests(Port::Tls, 0), served);
}

fn ssl_assert_hostname_checks_another_name(t: &dyn Target) {
    // The server's certificate names only db.example.com; reached by
    // localhost and by 127.0.0.1.
    let by_ip = t.url(Port::WrongHost).replace("localhost", "127.0.0.1");
    for base in [t.url(Port::WrongHost), by_ip] {
        let uri = format!("{base}/?{}&ssl_assert_hostname=db.example.com", ca());
        let c = Client::new(&uri).unwrap();
        assert_eq!(c.get("/").unwrap().status(), 200, "{uri}");
    }
    let other = client(
        t,
        Port::WrongHost,
        &format!("{}&ssl_assert_hostname=other.example.com", ca()),
    );
    let error = other.get("/").unwrap_err();
    assert_eq!(tls_kind(&error), TlsErrorKind::NotValidForName, "{error}");
    assert!(
        error
            .to_string()
            .contains("ssl_assert_hostname=other.example.com"),
        "{error}"
    );
    // The name replaces the host's: localhost's own certificate fails it.
    let error = client(
        t,
        Port::Tls,
        &format!("{}&ssl_assert_hostname=db.example.com", ca()),
    )
    .get("/")
    .unwrap_err();
    assert_eq!(tls_kind(&error), TlsErrorKind::NotValidForName, "{error}");
    // The boolean form is still ssl_match_hostname.
    let off = client(
        t,
        Port::WrongHost,
        &format!("{}&ssl_assert_hostname=false", ca()),
    );
    assert_eq!(off.get("/").unwrap().status(), 200);
}

/// Each case as a test against each target.
macro_rules! matrix {
    ($($case:ident),* $(,)?) => {
        mod in_process {
            $(
                #[test]
                fn $case() {
                    super::$case(&super::InProcess::start());
                }
            )*
        }
        mod nginx {
            $(
                #[test]
                fn $case() {
                    super::$case(&super::NginxTarget::start());
                }
            )*
        }
    };
}

matrix!(
    valid_ca_gives_server_info,
    no_ca_fails_verification_against_the_system_store,
    wrong_ca_fails_and_names_the_file,
    verification_off_succeeds_without_ca_and_with_a_wrong_ca,
    cert_optional_verifies_like_required,
    client_cert_accepted_by_a_server_that_requires_one,
    optional_client_cert_is_sent_when_configured,
    wrong_ca_with_a_valid_client_cert_still_fails,
    client_cert_is_presented_even_with_verification_off,
    expired_server_certificate,
    wrong_host_certificate_and_match_hostname_off,
    sslmode_require_verifies_only_with_a_ca_file,
    every_client_key_form,
    basic_auth_and_bearer_token_reach_the_server,
    app_name_and_default_headers_reach_the_server,
    a_crl_rejects_the_revoked_certificate_only,
    crls_that_cannot_vouch_fail_with_the_reason,
    a_pinned_fingerprint_must_match,
    ssl_assert_hostname_checks_another_name,
);
