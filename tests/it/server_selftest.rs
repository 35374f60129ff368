//! Checks the in-process test server itself with a raw rustls client.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};
use serde_json::Value;

use crate::support::server::*;

fn client_config(client_cert: Option<&str>) -> Arc<ClientConfig> {
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(fixture("ca.pem")).unwrap() {
        roots.add(cert.unwrap()).unwrap();
    }
    let builder =
        ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots);
    let mut config = match client_cert {
        None => builder.with_no_client_auth(),
        Some(stem) => {
            let chain = CertificateDer::pem_file_iter(fixture(&format!("{stem}.pem")))
                .unwrap()
                .collect::<Result<Vec<_>, _>>()
                .unwrap();
            let key = PrivateKeyDer::from_pem_file(fixture(&format!("{stem}.key"))).unwrap();
            builder.with_client_auth_cert(chain, key).unwrap()
        }
    };
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Arc::new(config)
}

fn tcp(server: &TestServer) -> TcpStream {
    let sock = TcpStream::connect(server.addr()).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    sock.set_write_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    sock
}

type Tls = StreamOwned<ClientConnection, TcpStream>;

fn tls(server: &TestServer, config: &Arc<ClientConfig>) -> Tls {
    let name = ServerName::try_from("localhost").unwrap();
    let conn = ClientConnection::new(Arc::clone(config), name).unwrap();
    StreamOwned::new(conn, tcp(server))
}

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
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// Sends `request` and reads one Content-Length-delimited response.
fn exchange<S: Read + Write>(
    stream: &mut BufReader<S>,
    request: &str,
    head: bool,
) -> io::Result<Response> {
    stream.get_mut().write_all(request.as_bytes())?;
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
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        stream.read_line(&mut line)?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').unwrap();
        headers.push((name.to_string(), value.trim().to_string()));
    }
    let mut response = Response {
        status,
        headers,
        body: Vec::new(),
    };
    if !head && let Some(len) = response.header("content-length") {
        let mut body = vec![0; len.parse().unwrap()];
        stream.read_exact(&mut body)?;
        response.body = body;
    }
    Ok(response)
}

fn get(path: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n")
}

#[test]
fn root_document_over_tls() {
    let server = TestServer::https();
    assert!(server.url().starts_with("https://localhost:"));
    let mut stream = BufReader::new(tls(&server, &client_config(None)));
    let response = exchange(&mut stream, &get("/"), false).unwrap();
    assert_eq!(response.status, 200);
    assert!(
        response
            .header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
    let doc = response.json();
    assert_eq!(doc["ok"], true);
    assert_eq!(doc["status"], 200);
    assert_eq!(doc["name"], SERVER_NAME);
    assert_eq!(doc["cluster_name"], "httpdb-test");
    assert_eq!(doc["version"]["number"], SERVER_VERSION);
    assert_eq!(
        stream.get_ref().conn.alpn_protocol(),
        Some(&b"http/1.1"[..])
    );

    assert_eq!(server.connections(), 1);
    assert_eq!(server.handshakes(), 1);
    assert_eq!(server.resumed_handshakes(), 0);
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].method, "GET");
    assert_eq!(requests[0].path, "/");
    assert_eq!(requests[0].header("HOST"), Some("localhost"));
    assert_eq!(requests[0].client_cert_cn, None);
    assert_eq!(requests[0].connection, 1);
}

#[test]
fn head_has_headers_but_no_body() {
    let server = TestServer::https();
    let mut stream = BufReader::new(tls(&server, &client_config(None)));
    let head = exchange(&mut stream, "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n", true).unwrap();
    assert_eq!(head.status, 200);
    let len: usize = head.header("content-length").unwrap().parse().unwrap();
    assert!(len > 0);
    // The next response on the same connection starts right away: no body
    // bytes were sent for HEAD.
    let get = exchange(&mut stream, &get("/"), false).unwrap();
    assert_eq!(get.body.len(), len);
}

#[test]
fn keep_alive_two_requests_one_connection() {
    let server = TestServer::https();
    let mut stream = BufReader::new(tls(&server, &client_config(None)));
    let first = exchange(&mut stream, &get("/bytes/300"), false).unwrap();
    assert_eq!(first.status, 200);
    assert_eq!(
        first.header("content-type"),
        Some("application/octet-stream")
    );
    let expected: Vec<u8> = (0..300).map(|i| (i % 256) as u8).collect();
    assert_eq!(first.body, expected);
    let second = exchange(
        &mut stream,
        "POST /_sql?x=1 HTTP/1.1\r\nHost: x\r\nAuthorization: Basic Zm9vOg==\r\n\
         Content-Length: 13\r\n\r\n{\"stmt\":\"x\"}\n",
        false,
    )
    .unwrap();
    assert_eq!(second.status, 200);
    let echo = second.json();
    assert_eq!(echo["method"], "POST");
    assert_eq!(echo["path"], "/_sql?x=1");
    assert_eq!(echo["body"], "{\"stmt\":\"x\"}\n");
    assert_eq!(echo["authorization"], "Basic Zm9vOg==");

    assert_eq!(server.connections(), 1);
    assert_eq!(server.handshakes(), 1);
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert!(requests.iter().all(|r| r.connection == 1));
    assert_eq!(requests[1].body, b"{\"stmt\":\"x\"}\n");
}

#[test]
fn status_route_and_connection_close() {
    let server = TestServer::https();
    let mut stream = BufReader::new(tls(&server, &client_config(None)));
    let response = exchange(
        &mut stream,
        "GET /status/503 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        false,
    )
    .unwrap();
    assert_eq!(response.status, 503);
    assert_eq!(response.body, b"status 503");
    assert_eq!(response.header("connection"), Some("close"));
    // The server closed cleanly (close_notify): EOF, not an error.
    let mut rest = Vec::new();
    assert_eq!(stream.read_to_end(&mut rest).unwrap(), 0);
}

#[test]
fn sessions_are_resumed() {
    let server = TestServer::https();
    let config = client_config(None);
    for _ in 0..2 {
        let mut stream = BufReader::new(tls(&server, &config));
        let response = exchange(&mut stream, &get("/"), false).unwrap();
        assert_eq!(response.status, 200);
    }
    assert_eq!(server.connections(), 2);
    assert_eq!(server.handshakes(), 2);
    assert_eq!(server.resumed_handshakes(), 1);
}

#[test]
fn client_auth_required_without_cert_fails() {
    let server = TestServer::start(ServerOptions::default().client_auth(ClientAuth::Required));
    let mut stream = BufReader::new(tls(&server, &client_config(None)));
    assert!(exchange(&mut stream, &get("/"), false).is_err());
    assert!(server.requests().is_empty());
    assert_eq!(server.handshakes(), 0);

    // The server survived, and accepts a client with a trusted certificate.
    let mut stream = BufReader::new(tls(&server, &client_config(Some("client"))));
    let response = exchange(&mut stream, &get("/"), false).unwrap();
    assert_eq!(response.status, 200);
    let request = server.last_request().unwrap();
    assert_eq!(request.client_cert_cn.as_deref(), Some("httpdb-client"));
    assert!(request.client_cert_der.is_some());
}

#[test]
fn client_auth_optional() {
    let server = TestServer::start(ServerOptions::default().client_auth(ClientAuth::Optional));
    let mut stream = BufReader::new(tls(&server, &client_config(None)));
    assert_eq!(exchange(&mut stream, &get("/"), false).unwrap().status, 200);
    assert_eq!(server.last_request().unwrap().client_cert_cn, None);

    let mut stream = BufReader::new(tls(&server, &client_config(Some("client"))));
    assert_eq!(exchange(&mut stream, &get("/"), false).unwrap().status, 200);
    let cn = server.last_request().unwrap().client_cert_cn;
    assert_eq!(cn.as_deref(), Some("httpdb-client"));

    // A certificate from another CA is rejected.
    let mut stream = BufReader::new(tls(&server, &client_config(Some("client-other-ca"))));
    assert!(exchange(&mut stream, &get("/"), false).is_err());
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn untrusted_server_cert_is_rejected_quietly() {
    let server = TestServer::start(ServerOptions::default().cert("server-other-ca"));
    let mut stream = BufReader::new(tls(&server, &client_config(None)));
    assert!(exchange(&mut stream, &get("/"), false).is_err());
    // The server is still up.
    assert!(TcpStream::connect(server.addr()).is_ok());
    assert!(server.requests().is_empty());
}

#[test]
fn chain_file_override() {
    // Leaf only: the client cannot build a path to ca.pem.
    let server = TestServer::start(ServerOptions::default().cert("server-via-intermediate"));
    let mut stream = BufReader::new(tls(&server, &client_config(None)));
    assert!(exchange(&mut stream, &get("/"), false).is_err());

    let server = TestServer::start(
        ServerOptions::default()
            .cert("server-via-intermediate")
            .cert_file("server-via-intermediate-chain.pem"),
    );
    let mut stream = BufReader::new(tls(&server, &client_config(None)));
    assert_eq!(exchange(&mut stream, &get("/"), false).unwrap().status, 200);
}

#[test]
fn tls13_only() {
    let server = TestServer::start(ServerOptions::default().tls13_only());
    let mut stream = BufReader::new(tls(&server, &client_config(None)));
    assert_eq!(exchange(&mut stream, &get("/"), false).unwrap().status, 200);
    assert_eq!(
        stream.get_ref().conn.protocol_version(),
        Some(rustls::ProtocolVersion::TLSv1_3)
    );
}

#[test]
fn plain_server() {
    let server = TestServer::start(ServerOptions::default().plain());
    assert!(server.url().starts_with("http://localhost:"));
    let mut stream = BufReader::new(tcp(&server));
    let root = exchange(&mut stream, &get("/"), false).unwrap();
    assert_eq!(root.json()["version"]["number"], SERVER_VERSION);

    let chunked = exchange(
        &mut stream,
        "PUT /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n\
         5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n",
        false,
    )
    .unwrap();
    let echo = chunked.json();
    assert_eq!(echo["method"], "PUT");
    assert_eq!(echo["body"], "hello world");
    assert_eq!(echo["authorization"], Value::Null);

    assert_eq!(server.connections(), 1);
    assert_eq!(server.handshakes(), 0);
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn ipv6_server() {
    let server = TestServer::start(ServerOptions::default().plain().ipv6());
    assert!(server.addr().is_ipv6());
    assert!(server.url().starts_with("http://[::1]:"));
    let mut stream = BufReader::new(tcp(&server));
    assert_eq!(exchange(&mut stream, &get("/"), false).unwrap().status, 200);
}

#[test]
fn misbehaving_servers() {
    let garbage = TestServer::start(ServerOptions::default().behaviour(Behaviour::Garbage));
    let mut stream = BufReader::new(tls(&garbage, &client_config(None)));
    let err = exchange(&mut stream, &get("/"), false).err().unwrap();
    assert!(err.to_string().contains("NOT HTTP AT ALL"), "{err}");
    assert_eq!(garbage.requests().len(), 1);

    let short = TestServer::start(ServerOptions::default().behaviour(Behaviour::CloseMidBody));
    let mut stream = BufReader::new(tls(&short, &client_config(None)));
    let err = exchange(&mut stream, &get("/"), false).err().unwrap();
    assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);

    let closed =
        TestServer::start(ServerOptions::default().behaviour(Behaviour::CloseAfterHandshake));
    let mut stream = BufReader::new(tls(&closed, &client_config(None)));
    assert!(exchange(&mut stream, &get("/"), false).is_err());
    assert!(closed.requests().is_empty());
}

#[test]
fn never_answer_and_prompt_shutdown() {
    let server = TestServer::start(ServerOptions::default().behaviour(Behaviour::NeverAnswer));
    let sock = tls(&server, &client_config(None));
    sock.sock
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let mut stream = BufReader::new(sock);
    let err = exchange(&mut stream, &get("/slow/1"), false).err().unwrap();
    assert!(
        matches!(
            err.kind(),
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
        ),
        "{err}"
    );
    assert_eq!(server.requests().len(), 1);

    // Dropping the server does not wait for the held connection.
    let started = Instant::now();
    drop(server);
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn slow_route() {
    let server = TestServer::http();
    let mut stream = BufReader::new(tcp(&server));
    let started = Instant::now();
    let response = exchange(&mut stream, &get("/slow/200"), false).unwrap();
    assert!(started.elapsed() >= Duration::from_millis(200));
    assert_eq!(response.body, b"slow");
}
