//! Checks the external test servers (`crate::support::nginx`, `crate::support::etcd`) with a
//! raw rustls client, independently of httpdb's own client.
//!
//! Needs Debian's `nginx` (or `nginx-light`), `etcd-server` and the `openssl`
//! CLI; the tests panic loudly, never skip, when one is missing.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{
    CertificateError, ClientConfig, ClientConnection, ProtocolVersion, RootCertStore, StreamOwned,
    SupportedProtocolVersion,
};
use serde_json::Value;

use crate::support::etcd::EtcdCluster;
use crate::support::nginx::Nginx;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures");

// ---------------------------------------------------------------------------
// A tiny HTTP/1.1-over-rustls client.

/// A client certificate and its key, file names in `fixtures/`.
type Identity = (&'static str, &'static str);

const CLIENT: Identity = ("client.pem", "client.key");
const CLIENT_EC: Identity = ("client-ec.pem", "client-ec-pkcs8.key");
const CLIENT_OTHER_CA: Identity = ("client-other-ca.pem", "client-other-ca.key");

fn client_config(
    client_cert: Option<Identity>,
    versions: &[&'static SupportedProtocolVersion],
) -> Arc<ClientConfig> {
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(format!("{FIXTURES}/ca.pem")).unwrap() {
        roots.add(cert.unwrap()).unwrap();
    }
    let builder =
        ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_protocol_versions(versions)
            .unwrap()
            .with_root_certificates(roots);
    let mut config = match client_cert {
        None => builder.with_no_client_auth(),
        Some((cert, key)) => {
            let chain = CertificateDer::pem_file_iter(format!("{FIXTURES}/{cert}"))
                .unwrap()
                .collect::<Result<Vec<_>, _>>()
                .unwrap();
            let key = PrivateKeyDer::from_pem_file(format!("{FIXTURES}/{key}")).unwrap();
            builder.with_client_auth_cert(chain, key).unwrap()
        }
    };
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Arc::new(config)
}

fn default_config(client_cert: Option<Identity>) -> Arc<ClientConfig> {
    client_config(client_cert, rustls::DEFAULT_VERSIONS)
}

fn tcp(host: &str, port: u16) -> io::Result<TcpStream> {
    let sock = TcpStream::connect((host, port))?;
    sock.set_read_timeout(Some(Duration::from_secs(10)))?;
    sock.set_write_timeout(Some(Duration::from_secs(10)))?;
    Ok(sock)
}

type Tls = StreamOwned<ClientConnection, TcpStream>;

/// Connects and completes the TLS handshake (so certificate errors show
/// here, not at the first request).
fn tls(host: &str, port: u16, config: &Arc<ClientConfig>) -> io::Result<BufReader<Tls>> {
    let name = ServerName::try_from(host.to_string()).unwrap();
    let conn = ClientConnection::new(Arc::clone(config), name).unwrap();
    let mut stream = StreamOwned::new(conn, tcp(host, port)?);
    while stream.conn.is_handshaking() {
        stream.conn.complete_io(&mut stream.sock)?;
    }
    Ok(BufReader::new(stream))
}

/// The rustls error inside an I/O error, if any.
fn rustls_error(e: &io::Error) -> Option<&rustls::Error> {
    e.get_ref().and_then(|inner| inner.downcast_ref())
}

#[derive(Debug)]
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
}

/// Sends one request and reads its response (Content-Length, chunked, or
/// until EOF).
fn request<S: Read + Write>(
    stream: &mut BufReader<S>,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> io::Result<Response> {
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    head.push_str(body);
    stream.get_mut().write_all(head.as_bytes())?;
    stream.get_mut().flush()?;

    let mut line = String::new();
    if stream.read_line(&mut line)? == 0 {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| io::Error::other(format!("bad status line {line:?}")))?;
    let mut response = Response {
        status,
        headers: Vec::new(),
        body: Vec::new(),
    };
    loop {
        let mut line = String::new();
        stream.read_line(&mut line)?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| io::Error::other(format!("bad header {line:?}")))?;
        response
            .headers
            .push((name.to_string(), value.trim().to_string()));
    }
    if method == "HEAD" {
        return Ok(response);
    }
    if let Some(len) = response.header("content-length") {
        let mut body = vec![0; len.parse().map_err(io::Error::other)?];
        stream.read_exact(&mut body)?;
        response.body = body;
    } else if response
        .header("transfer-encoding")
        .is_some_and(|te| te.eq_ignore_ascii_case("chunked"))
    {
        loop {
            let mut size = String::new();
            stream.read_line(&mut size)?;
            let size = usize::from_str_radix(size.trim().split(';').next().unwrap(), 16)
                .map_err(io::Error::other)?;
            let mut chunk = vec![0; size + 2];
            stream.read_exact(&mut chunk)?;
            if size == 0 {
                break;
            }
            response.body.extend_from_slice(&chunk[..size]);
        }
    } else {
        stream.read_to_end(&mut response.body)?;
    }
    Ok(response)
}

fn get<S: Read + Write>(stream: &mut BufReader<S>, path: &str) -> Response {
    request(stream, "GET", path, &[], "").unwrap()
}

fn assert_root_document(response: &Response) {
    assert_eq!(response.status, 200);
    assert_eq!(response.header("content-type"), Some("application/json"));
    let doc = response.json();
    assert_eq!(doc["ok"], true);
    assert_eq!(doc["status"], 200);
    assert_eq!(doc["name"], "nginx");
    assert_eq!(doc["cluster_name"], "httpdb-nginx");
    assert_eq!(doc["version"]["number"], "5.8.3");
}

// ---------------------------------------------------------------------------
// nginx

fn start_nginx() -> Nginx {
    let started = Instant::now();
    let nginx = Nginx::start();
    eprintln!("nginx started in {:?}", started.elapsed());
    nginx
}

#[test]
fn nginx_root_document_over_tls_and_plain_http() {
    let nginx = start_nginx();
    assert_eq!(
        nginx.url(nginx.tls),
        format!("https://localhost:{}", nginx.tls)
    );
    assert_eq!(
        nginx.url(nginx.plain),
        format!("http://localhost:{}", nginx.plain)
    );

    let mut stream = tls("localhost", nginx.tls, &default_config(None)).unwrap();
    assert_eq!(
        stream.get_ref().conn.alpn_protocol(),
        Some(&b"http/1.1"[..])
    );
    assert_root_document(&get(&mut stream, "/"));

    let mut plain = BufReader::new(tcp("127.0.0.1", nginx.plain).unwrap());
    assert_root_document(&get(&mut plain, "/"));
    let echo = get(&mut plain, "/echo").json();
    assert_eq!(echo["ssl_client_verify"], "");

    // The same ports on [::1] when the machine has IPv6 loopback.
    if nginx.has_ipv6() {
        let mut stream = tls("::1", nginx.tls, &default_config(None)).unwrap();
        assert_root_document(&get(&mut stream, "/"));
    }
}

#[test]
fn nginx_client_cert_required() {
    let nginx = start_nginx();
    let port = nginx.client_cert_required;

    let mut stream = tls("localhost", port, &default_config(Some(CLIENT))).unwrap();
    let echo = get(&mut stream, "/echo");
    assert_eq!(echo.status, 200);
    let echo = echo.json();
    assert_eq!(echo["ssl_client_verify"], "SUCCESS");
    assert!(
        echo["ssl_client_s_dn"]
            .as_str()
            .unwrap()
            .contains("CN=httpdb-client"),
        "{echo}"
    );
    assert_root_document(&get(&mut stream, "/"));

    // No certificate: the handshake succeeds, nginx answers 400.
    let mut stream = tls("localhost", port, &default_config(None)).unwrap();
    let response = get(&mut stream, "/echo");
    assert_eq!(response.status, 400);
    assert!(
        String::from_utf8_lossy(&response.body).contains("No required SSL certificate"),
        "{response:?}"
    );

    // A certificate from another CA: rejected too (400 or a TLS alert).
    let mut stream = tls("localhost", port, &default_config(Some(CLIENT_OTHER_CA))).unwrap();
    match request(&mut stream, "GET", "/echo", &[], "") {
        Ok(response) => assert_eq!(response.status, 400),
        Err(e) => assert!(rustls_error(&e).is_some(), "{e}"),
    }
}

#[test]
fn nginx_client_cert_optional() {
    let nginx = start_nginx();
    let port = nginx.client_cert_optional;

    let mut stream = tls("localhost", port, &default_config(None)).unwrap();
    let echo = get(&mut stream, "/echo").json();
    assert_eq!(echo["ssl_client_verify"], "NONE");
    assert_eq!(echo["ssl_client_s_dn"], "");

    let mut stream = tls("localhost", port, &default_config(Some(CLIENT_EC))).unwrap();
    let echo = get(&mut stream, "/echo").json();
    assert_eq!(echo["ssl_client_verify"], "SUCCESS");
}

#[test]
fn nginx_expired_and_wrong_host_are_rejected() {
    let nginx = start_nginx();

    let e = tls("localhost", nginx.expired, &default_config(None)).unwrap_err();
    assert!(
        matches!(
            rustls_error(&e),
            Some(rustls::Error::InvalidCertificate(
                CertificateError::Expired | CertificateError::ExpiredContext { .. }
            ))
        ),
        "{e:?}"
    );

    let e = tls("localhost", nginx.wrong_host, &default_config(None)).unwrap_err();
    assert!(
        matches!(
            rustls_error(&e),
            Some(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. }
            ))
        ),
        "{e:?}"
    );
}

#[test]
fn nginx_tls12_and_tls13() {
    let nginx = start_nginx();
    for (version, expected) in [
        (&rustls::version::TLS12, ProtocolVersion::TLSv1_2),
        (&rustls::version::TLS13, ProtocolVersion::TLSv1_3),
    ] {
        let config = client_config(Some(CLIENT), &[version]);
        let mut stream = tls("localhost", nginx.client_cert_required, &config).unwrap();
        assert_eq!(stream.get_ref().conn.protocol_version(), Some(expected));
        let echo = get(&mut stream, "/echo").json();
        assert_eq!(echo["ssl_client_verify"], "SUCCESS");
        let name = if expected == ProtocolVersion::TLSv1_2 {
            "TLSv1.2"
        } else {
            "TLSv1.3"
        };
        assert_eq!(echo["ssl_protocol"], name);
    }
}

#[test]
fn nginx_keep_alive_status_echo_and_access_log() {
    let nginx = start_nginx();
    let config = default_config(None);

    let mut stream = tls("localhost", nginx.tls, &config).unwrap();
    assert_root_document(&get(&mut stream, "/"));
    let response = get(&mut stream, "/status/503");
    assert_eq!(response.status, 503);
    assert_eq!(response.json()["status"], 503);
    let response = request(
        &mut stream,
        "POST",
        "/echo?x=1",
        &[("Authorization", "Basic Zm9vOmJhcg==")],
        "{\"stmt\":\"select 1\"}",
    )
    .unwrap();
    assert_eq!(response.status, 200);
    let echo = response.json();
    assert_eq!(echo["method"], "POST");
    assert_eq!(echo["uri"], "/echo?x=1");
    assert_eq!(echo["authorization"], "Basic Zm9vOmJhcg==");
    assert_eq!(echo["connection_requests"], "3");
    assert_eq!(get(&mut stream, "/nope").status, 404);
    let head = request(&mut stream, "HEAD", "/", &[], "").unwrap();
    assert_eq!(head.status, 200);

    // A second connection.
    let mut other = tls("localhost", nginx.tls, &config).unwrap();
    assert_root_document(&get(&mut other, "/"));

    let entries = nginx.wait_for_access_log(6);
    assert_eq!(entries.len(), 6, "{}", nginx.access_log());
    assert!(entries.iter().all(|e| e.port == nginx.tls));
    assert_eq!(
        nginx.connections_used(nginx.tls),
        2,
        "{}",
        nginx.access_log()
    );
    let first = &entries[..5];
    assert!(first.iter().all(|e| e.connection == first[0].connection));
    let counts: Vec<u64> = first.iter().map(|e| e.connection_requests).collect();
    assert_eq!(counts, [1, 2, 3, 4, 5]);
    let statuses: Vec<u16> = first.iter().map(|e| e.status).collect();
    assert_eq!(statuses, [200, 503, 200, 404, 200]);
    assert_eq!(first[1].request, "GET /status/503 HTTP/1.1");
    assert_eq!(first[0].ssl_client_verify, "NONE");
    assert_ne!(entries[5].connection, first[0].connection);
    assert_eq!(entries[5].connection_requests, 1);
}

#[test]
fn nginx_instances_are_independent() {
    let a = start_nginx();
    let b = start_nginx();
    assert_ne!(a.dir(), b.dir());
    assert_ne!(a.tls, b.tls);
    let dir = a.dir().to_path_buf();
    let pid = a.pid();
    drop(a);
    assert!(!dir.exists(), "the temp dir is removed on drop");
    assert!(
        !std::path::Path::new(&format!("/proc/{pid}")).exists(),
        "nginx is gone after drop"
    );
    let mut stream = tls("localhost", b.tls, &default_config(None)).unwrap();
    assert_root_document(&get(&mut stream, "/"));
}

// ---------------------------------------------------------------------------
// etcd

/// One POST to member `i`'s JSON gateway, on a fresh connection.
fn etcd_post(cluster: &EtcdCluster, i: usize, path: &str, body: &str) -> Result<Value, String> {
    let config = default_config(Some(CLIENT));
    let mut stream =
        tls("127.0.0.1", cluster.client_port(i), &config).map_err(|e| e.to_string())?;
    let path = format!("{}{path}", cluster.api_prefix());
    let response = request(
        &mut stream,
        "POST",
        &path,
        &[("Content-Type", "application/json")],
        body,
    )
    .map_err(|e| e.to_string())?;
    if response.status != 200 {
        return Err(format!(
            "{} {}",
            response.status,
            String::from_utf8_lossy(&response.body)
        ));
    }
    Ok(response.json())
}

/// Retries `etcd_post` for up to 15 s (leader elections after a kill).
fn etcd_post_retry(cluster: &EtcdCluster, i: usize, path: &str, body: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        match etcd_post(cluster, i, path, body) {
            Ok(value) => return value,
            Err(e) if Instant::now() > deadline => {
                panic!("member {i} {path}: {e}\n{}", cluster.log(i))
            }
            Err(_) => thread::sleep(Duration::from_millis(100)),
        }
    }
}

fn range_value(cluster: &EtcdCluster, i: usize) -> Option<String> {
    let value = etcd_post_retry(cluster, i, "/kv/range", r#"{"key":"Zm9v"}"#);
    value["kvs"][0]["value"].as_str().map(str::to_string)
}

#[test]
fn etcd_cluster_put_range_kill_restart() {
    let started = Instant::now();
    let mut cluster = EtcdCluster::start();
    eprintln!(
        "etcd {} cluster started in {:?}",
        cluster.version(),
        started.elapsed()
    );
    assert!(cluster.version().starts_with("3."), "{}", cluster.version());
    let urls = cluster.client_urls();
    let hosts = cluster.member_hosts();
    assert_eq!(urls.len(), 3);
    for (url, host) in urls.iter().zip(&hosts) {
        assert_eq!(url, &format!("https://{host}"));
        assert!(host.starts_with("127.0.0.1:"));
    }

    let put = etcd_post(&cluster, 0, "/kv/put", r#"{"key":"Zm9v","value":"YmFy"}"#).unwrap();
    assert!(put["header"]["revision"].is_string(), "{put}");
    for i in 0..3 {
        assert_eq!(
            range_value(&cluster, i).as_deref(),
            Some("YmFy"),
            "member {i}"
        );
    }

    let pid = cluster.pid(0).unwrap();
    cluster.kill(0);
    assert_eq!(cluster.pid(0), None);
    assert!(!std::path::Path::new(&format!("/proc/{pid}")).exists());
    assert!(tcp("127.0.0.1", cluster.client_port(0)).is_err());
    assert_eq!(range_value(&cluster, 1).as_deref(), Some("YmFy"));
    // Writes still work with two of three members ("YmF6" is "baz").
    etcd_post_retry(&cluster, 2, "/kv/put", r#"{"key":"Zm9v","value":"YmF6"}"#);
    assert_eq!(range_value(&cluster, 1).as_deref(), Some("YmF6"));

    let restarted = Instant::now();
    cluster.restart(0);
    eprintln!("etcd member 0 restarted in {:?}", restarted.elapsed());
    assert!(cluster.pid(0).is_some());
    assert_ne!(cluster.pid(0), Some(pid));
    // The restarted member caught up with the write it missed.
    assert_eq!(range_value(&cluster, 0).as_deref(), Some("YmF6"));
}

#[test]
fn etcd_requires_a_client_certificate() {
    let cluster = EtcdCluster::start();
    let port = cluster.client_port(1);
    let path = format!("{}/kv/range", cluster.api_prefix());
    // Without a certificate: the handshake (TLS 1.2) or the first read
    // (TLS 1.3) fails with an alert.
    let result = tls("127.0.0.1", port, &default_config(None))
        .and_then(|mut s| request(&mut s, "POST", &path, &[], r#"{"key":"Zm9v"}"#));
    assert!(result.is_err(), "{result:?}");
    // A certificate from another CA: the same.
    let result = tls("127.0.0.1", port, &default_config(Some(CLIENT_OTHER_CA)))
        .and_then(|mut s| request(&mut s, "POST", &path, &[], r#"{"key":"Zm9v"}"#));
    assert!(result.is_err(), "{result:?}");
    // The right one: an empty range.
    let value = etcd_post(&cluster, 1, "/kv/range", r#"{"key":"Zm9v"}"#).unwrap();
    assert!(value["kvs"].is_null(), "{value}");
    assert!(value["header"]["cluster_id"].is_string(), "{value}");
}
