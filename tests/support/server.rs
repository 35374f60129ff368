//! An in-process HTTP/1.1 test server on loopback, over TLS (rustls, ring
//! provider) or plain TCP.
//!
//! Used by the integration tests and by `examples/quickstart.rs` (through
//! `#[path = "../tests/support/server.rs"] mod server;`), so this file is
//! self-contained: it only uses std, rustls, serde_json and libc (for a
//! TCP reset).
//!
//! Real threads and real sockets: one accept thread, one thread per
//! connection, every socket with 30 s read/write timeouts. Dropping the
//! [`TestServer`] stops it: the accept thread is woken and joined, every open
//! connection is shut down and its thread joined.
//!
//! Routes (any method unless said otherwise):
//! - `GET /`, `HEAD /`: 200, a CrateDB-style root document (JSON).
//! - `/status/NNN`: status NNN, body `status NNN` (no body for 204 and 304).
//! - `/bytes/N`: N bytes `0, 1, .., 255, 0, 1, ..`, `application/octet-stream`.
//! - `/slow/MS`: sleeps MS milliseconds, then 200 `slow`.
//! - `/echo-error/NNN`: status NNN, a text body quoting the request's
//!   `Authorization` header verbatim and holding an ANSI escape sequence,
//!   as careless servers and proxies do.
//! - anything else: 200, a JSON echo
//!   `{"method":..,"path":..,"body":..,"authorization":..}`.
//!
//! Routing ignores the query string; [`Recorded::path`] keeps it.
#![allow(dead_code)]

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{HandshakeKind, RootCertStore, ServerConfig, ServerConnection, StreamOwned};

/// The `name` field of the root document served at `/`.
pub const SERVER_NAME: &str = "test";
/// The `version.number` field of the root document served at `/`.
pub const SERVER_VERSION: &str = "5.8.3";
/// The `cluster_name` field of the root document served at `/`.
pub const CLUSTER_NAME: &str = "httpdb-test";

/// Read and write timeout of every socket, so that nothing hangs forever.
pub const SOCKET_TIMEOUT: Duration = Duration::from_secs(30);

/// The directory holding the test certificates and keys (with a trailing `/`).
pub const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/");

/// The absolute path of a file in the fixtures directory.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(FIXTURES).join(name)
}

/// Whether the server asks for a client certificate (verified against
/// `fixtures/ca.pem`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ClientAuth {
    /// No client certificate is requested.
    #[default]
    None,
    /// A client certificate is requested; clients without one are accepted,
    /// clients with an untrusted one are rejected.
    Optional,
    /// A client certificate signed by `fixtures/ca.pem` is required.
    Required,
}

/// How the server answers requests (after the TLS handshake, if any).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Behaviour {
    /// Serve the routes described in the module documentation.
    #[default]
    Normal,
    /// Read (and record) the request, then hold the socket without answering
    /// until the server is dropped.
    NeverAnswer,
    /// Close the TCP connection right after the TLS handshake (right after
    /// accepting, for a plain server), without reading the request.
    CloseAfterHandshake,
    /// Read (and record) the request, send a 200 with `Content-Length: 1000`
    /// followed by only 10 body bytes, then close (with a TLS close_notify,
    /// so only the length tells the body is short).
    CloseMidBody,
    /// Read (and record) the request, answer `NOT HTTP AT ALL\r\n\r\n`, close.
    Garbage,
    /// Answer every request with `503 Service Unavailable`, as a cluster
    /// member that is shutting down does.
    Unavailable,
    /// Read (and record) the request, then break the connection instead of
    /// answering, as `Fault` says.
    FailAfterRequest(Fault),
    /// Answer each request normally (keep-alive), then close the connection
    /// (close_notify and FIN) right away.
    CloseAfterAnswer,
    /// Answer the first request of each connection normally; a later
    /// request on the same connection is recorded, then the connection is
    /// closed unanswered: the keep-alive race, where a server gives up an
    /// idle connection just as the client reuses it.
    DropReused,
    /// Send each answer one byte at a time, this many milliseconds apart.
    Drip(u64),
}

/// How [`Behaviour::FailAfterRequest`] breaks the connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Bytes that are not a TLS record (nor HTTP), written on the raw TCP
    /// socket, then close.
    CorruptRecord,
    /// A plaintext TLS fatal alert (handshake_failure) on the raw TCP
    /// socket, then close.
    PlainAlert,
    /// A TCP reset (SO_LINGER 0, then close).
    Reset,
}

/// Configuration of a [`TestServer`]; build it from `ServerOptions::default()`
/// with the builder-style helpers.
#[derive(Clone, Debug)]
pub struct ServerOptions {
    /// Fixture stem of the server identity: `"server"` means
    /// `fixtures/server.pem` (certificate chain) and `fixtures/server.key`.
    pub cert: &'static str,
    /// Overrides the certificate file (a name in `fixtures/`, or an absolute
    /// path), e.g. `"server-via-intermediate-chain.pem"`; the key stays
    /// `<cert>.key`.
    pub cert_file: Option<&'static str>,
    /// Serve HTTPS (`true`) or plain HTTP (`false`).
    pub tls: bool,
    /// Client certificate policy (TLS only).
    pub client_auth: ClientAuth,
    /// How requests are answered.
    pub behaviour: Behaviour,
    /// Bind `[::1]:0` instead of `127.0.0.1:0`.
    pub ipv6: bool,
    /// Offer TLS 1.3 only (otherwise TLS 1.2 and 1.3).
    pub tls13_only: bool,
    /// Bind this port (0: any free port), e.g. to bring a host back where
    /// a client expects it.
    pub port: u16,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            cert: "server",
            cert_file: None,
            tls: true,
            client_auth: ClientAuth::None,
            behaviour: Behaviour::Normal,
            ipv6: false,
            tls13_only: false,
            port: 0,
        }
    }
}

impl ServerOptions {
    /// Uses the identity `fixtures/<stem>.pem` + `fixtures/<stem>.key`.
    pub fn cert(mut self, stem: &'static str) -> Self {
        self.cert = stem;
        self
    }

    /// Uses this certificate file (in `fixtures/`, or an absolute path)
    /// instead of `<stem>.pem`, e.g. `"server-via-intermediate-chain.pem"`.
    pub fn cert_file(mut self, file: &'static str) -> Self {
        self.cert_file = Some(file);
        self
    }

    /// Serves plain HTTP instead of HTTPS.
    pub fn plain(mut self) -> Self {
        self.tls = false;
        self
    }

    /// Sets the client certificate policy.
    pub fn client_auth(mut self, client_auth: ClientAuth) -> Self {
        self.client_auth = client_auth;
        self
    }

    /// Sets how requests are answered.
    pub fn behaviour(mut self, behaviour: Behaviour) -> Self {
        self.behaviour = behaviour;
        self
    }

    /// Binds `[::1]:0` instead of `127.0.0.1:0`.
    pub fn ipv6(mut self) -> Self {
        self.ipv6 = true;
        self
    }

    /// Binds this port instead of a free one.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Offers TLS 1.3 only.
    pub fn tls13_only(mut self) -> Self {
        self.tls13_only = true;
        self
    }
}

/// One request as the server saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recorded {
    /// The request method, e.g. `"GET"`.
    pub method: String,
    /// The request target as sent, query string included, e.g. `"/_sql?types"`.
    pub path: String,
    /// The headers in order, names lower-cased, values trimmed.
    pub headers: Vec<(String, String)>,
    /// The body (de-chunked if it was sent chunked).
    pub body: Vec<u8>,
    /// The common name of the client certificate, if one was presented.
    pub client_cert_cn: Option<String>,
    /// The DER of the client's end-entity certificate, if one was presented.
    pub client_cert_der: Option<Vec<u8>>,
    /// Which TCP connection carried the request: 1 for the first one
    /// accepted, 2 for the second, ...
    pub connection: usize,
}

impl Recorded {
    /// The value of the first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as (lossy) UTF-8.
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// State shared by the server handle, the accept thread and the connection
/// threads.
struct Shared {
    stop: AtomicBool,
    connections: AtomicUsize,
    handshakes: AtomicUsize,
    resumed: AtomicUsize,
    requests: Mutex<Vec<Recorded>>,
    tls: Option<Arc<ServerConfig>>,
    behaviour: Behaviour,
}

impl Shared {
    fn requests(&self) -> MutexGuard<'_, Vec<Recorded>> {
        self.requests.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }
}

/// A running test server; stopped (and its threads joined) on drop.
pub struct TestServer {
    addr: SocketAddr,
    tls: bool,
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
}

impl TestServer {
    /// Starts a server; panics with a clear message if it cannot be set up
    /// (missing fixture, bind failure, ...).
    pub fn start(opts: ServerOptions) -> TestServer {
        let tls = opts.tls.then(|| tls_config(&opts));
        let ip: std::net::IpAddr = if opts.ipv6 {
            std::net::Ipv6Addr::LOCALHOST.into()
        } else {
            std::net::Ipv4Addr::LOCALHOST.into()
        };
        let bind = SocketAddr::new(ip, opts.port);
        let listener = TcpListener::bind(bind)
            .unwrap_or_else(|e| panic!("test server: cannot bind {bind}: {e}"));
        let addr = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("test server: local_addr: {e}"));
        let shared = Arc::new(Shared {
            stop: AtomicBool::new(false),
            connections: AtomicUsize::new(0),
            handshakes: AtomicUsize::new(0),
            resumed: AtomicUsize::new(0),
            requests: Mutex::new(Vec::new()),
            tls,
            behaviour: opts.behaviour,
        });
        let accept = {
            let shared = Arc::clone(&shared);
            thread::Builder::new()
                .name(format!("test-server-accept-{}", addr.port()))
                .spawn(move || accept_loop(listener, shared))
                .unwrap_or_else(|e| panic!("test server: cannot spawn accept thread: {e}"))
        };
        TestServer {
            addr,
            tls: opts.tls,
            shared,
            accept: Some(accept),
        }
    }

    /// Starts an HTTPS server with the default options (`fixtures/server.*`).
    pub fn https() -> TestServer {
        TestServer::start(ServerOptions::default())
    }

    /// Starts a plain HTTP server with otherwise default options.
    pub fn http() -> TestServer {
        TestServer::start(ServerOptions::default().plain())
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The address the server listens on (`127.0.0.1:PORT` or `[::1]:PORT`).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL: `https://localhost:PORT` (or `http://`), and
    /// `https://[::1]:PORT` for an IPv6 server. No trailing slash.
    pub fn url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        if self.addr.is_ipv6() {
            format!("{scheme}://[::1]:{}", self.port())
        } else {
            format!("{scheme}://localhost:{}", self.port())
        }
    }

    /// How many TCP connections have been accepted.
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// How many TLS handshakes have completed (resumed ones included).
    pub fn handshakes(&self) -> usize {
        self.shared.handshakes.load(Ordering::SeqCst)
    }

    /// How many completed TLS handshakes were session resumptions.
    pub fn resumed_handshakes(&self) -> usize {
        self.shared.resumed.load(Ordering::SeqCst)
    }

    /// Every request seen so far, in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.requests().clone()
    }

    /// The most recent request, if any.
    pub fn last_request(&self) -> Option<Recorded> {
        self.shared.requests().last().cloned()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wake the accept thread up; it sees the flag, shuts every open
        // connection down and joins their threads.
        let woke = TcpStream::connect_timeout(&self.addr, Duration::from_secs(5)).is_ok();
        if let Some(handle) = self.accept.take() {
            if woke {
                let _ = handle.join();
            }
            // Otherwise leave the thread detached rather than hang the test.
        }
    }
}

fn tls_config(opts: &ServerOptions) -> Arc<ServerConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());

    let cert_path = match opts.cert_file {
        Some(file) => fixture(file),
        None => fixture(&format!("{}.pem", opts.cert)),
    };
    let key_path = fixture(&format!("{}.key", opts.cert));
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&cert_path)
        .unwrap_or_else(|e| panic!("test server: cannot read {}: {e}", cert_path.display()))
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("test server: bad PEM in {}: {e}", cert_path.display()));
    assert!(
        !chain.is_empty(),
        "test server: no certificate in {}",
        cert_path.display()
    );
    let key = PrivateKeyDer::from_pem_file(&key_path)
        .unwrap_or_else(|e| panic!("test server: cannot read key {}: {e}", key_path.display()));

    let verifier = match opts.client_auth {
        ClientAuth::None => WebPkiClientVerifier::no_client_auth(),
        ClientAuth::Optional | ClientAuth::Required => {
            let ca_path = fixture("ca.pem");
            let mut roots = RootCertStore::empty();
            for cert in CertificateDer::pem_file_iter(&ca_path)
                .unwrap_or_else(|e| panic!("test server: cannot read {}: {e}", ca_path.display()))
            {
                let cert = cert.unwrap_or_else(|e| {
                    panic!("test server: bad PEM in {}: {e}", ca_path.display())
                });
                roots
                    .add(cert)
                    .unwrap_or_else(|e| panic!("test server: bad CA certificate: {e}"));
            }
            let builder =
                WebPkiClientVerifier::builder_with_provider(Arc::new(roots), Arc::clone(&provider));
            let builder = if opts.client_auth == ClientAuth::Optional {
                builder.allow_unauthenticated()
            } else {
                builder
            };
            builder
                .build()
                .unwrap_or_else(|e| panic!("test server: client verifier: {e}"))
        }
    };

    let builder = ServerConfig::builder_with_provider(provider);
    let builder = if opts.tls13_only {
        builder.with_protocol_versions(&[&rustls::version::TLS13])
    } else {
        builder.with_safe_default_protocol_versions()
    }
    .unwrap_or_else(|e| panic!("test server: protocol versions: {e}"));
    // The default ServerConfig keeps an in-memory session cache, so
    // resumption (TLS 1.2 session ids, TLS 1.3 stateful tickets) works.
    let mut config = builder
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)
        .unwrap_or_else(|e| {
            panic!(
                "test server: bad identity {} / {}: {e}",
                cert_path.display(),
                key_path.display()
            )
        });
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Arc::new(config)
}

/// SO_LINGER with a zero timeout: closing the socket sends a TCP reset.
fn reset_on_close(tcp: &TcpStream) {
    use std::os::fd::AsRawFd;
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: a valid socket descriptor and a correctly sized linger struct.
    let rc = unsafe {
        libc::setsockopt(
            tcp.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&linger as *const libc::linger).cast(),
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        )
    };
    assert_eq!(
        rc,
        0,
        "test server: SO_LINGER: {}",
        io::Error::last_os_error()
    );
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let mut open: Vec<(std::sync::Weak<TcpStream>, JoinHandle<()>)> = Vec::new();
    for incoming in listener.incoming() {
        if shared.stopped() {
            break;
        }
        let sock = match incoming {
            Ok(sock) => sock,
            Err(_) => {
                // E.g. out of file descriptors: don't spin.
                thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        let id = shared.connections.fetch_add(1, Ordering::SeqCst) + 1;
        let _ = sock.set_read_timeout(Some(SOCKET_TIMEOUT));
        let _ = sock.set_write_timeout(Some(SOCKET_TIMEOUT));
        let _ = sock.set_nodelay(true);
        let sock = Arc::new(sock);
        let weak = Arc::downgrade(&sock);
        let conn_shared = Arc::clone(&shared);
        let spawned = thread::Builder::new()
            .name(format!("test-server-conn-{id}"))
            .spawn(move || {
                // Any I/O or TLS error just ends this connection.
                let _ = serve_connection(sock, id, &conn_shared);
            });
        open.retain(|(_, handle)| !handle.is_finished());
        if let Ok(handle) = spawned {
            open.push((weak, handle));
        }
    }
    for (sock, _) in &open {
        if let Some(sock) = sock.upgrade() {
            let _ = sock.shutdown(Shutdown::Both);
        }
    }
    for (_, handle) in open {
        let _ = handle.join();
    }
}

/// A connection's socket, shared with the accept loop only weakly (so it
/// can shut it down on stop), so that dropping it really closes it.
struct Sock(Arc<TcpStream>);

impl Read for Sock {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        (&*self.0).read(buf)
    }
}

impl Write for Sock {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        (&*self.0).write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        (&*self.0).flush()
    }
}

/// A server-side connection, plain or TLS.
enum Io {
    Plain(Sock),
    Tls(Box<StreamOwned<ServerConnection, Sock>>),
}

impl Io {
    fn tcp(&self) -> &TcpStream {
        match self {
            Io::Plain(s) => &s.0,
            Io::Tls(s) => &s.sock.0,
        }
    }

    /// Breaks the connection as `fault` says, bypassing TLS.
    fn fail(self, fault: Fault) {
        let mut tcp: &TcpStream = self.tcp();
        match fault {
            Fault::CorruptRecord => {
                let _ = tcp.write_all(b"\x00\x01 this is no TLS record and no HTTP\r\n\r\n");
            }
            Fault::PlainAlert => {
                // Content type 21 (alert), TLS 1.2, length 2: fatal (2),
                // handshake_failure (40), never encrypted.
                let _ = tcp.write_all(&[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]);
            }
            Fault::Reset => {
                reset_on_close(tcp);
                // Dropping the last reference closes the socket: an RST.
                return;
            }
        }
        let _ = tcp.flush();
        let _ = tcp.shutdown(Shutdown::Both);
    }

    /// Ends the connection: TLS close_notify (if TLS), then TCP FIN.
    fn close(&mut self) {
        if let Io::Tls(s) = self {
            s.conn.send_close_notify();
            let _ = s.flush();
        }
        let _ = self.flush();
        let _ = self.tcp().shutdown(Shutdown::Write);
    }
}

impl Read for Io {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Io::Plain(s) => s.read(buf),
            Io::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Io {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Io::Plain(s) => s.write(buf),
            Io::Tls(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Io::Plain(s) => s.flush(),
            Io::Tls(s) => s.flush(),
        }
    }
}

fn serve_connection(tcp: Arc<TcpStream>, id: usize, shared: &Shared) -> io::Result<()> {
    let mut tcp = Sock(tcp);
    let (io, cert_der) = match &shared.tls {
        Some(config) => {
            let mut conn = ServerConnection::new(Arc::clone(config)).map_err(io::Error::other)?;
            while conn.is_handshaking() {
                let (read, written) = conn.complete_io(&mut tcp)?;
                if read == 0 && written == 0 && conn.is_handshaking() {
                    return Err(io::ErrorKind::UnexpectedEof.into());
                }
            }
            shared.handshakes.fetch_add(1, Ordering::SeqCst);
            if conn.handshake_kind() == Some(HandshakeKind::Resumed) {
                shared.resumed.fetch_add(1, Ordering::SeqCst);
            }
            let der = conn
                .peer_certificates()
                .and_then(|certs| certs.first())
                .map(|cert| cert.as_ref().to_vec());
            (Io::Tls(Box::new(StreamOwned::new(conn, tcp))), der)
        }
        None => (Io::Plain(tcp), None),
    };
    if shared.behaviour == Behaviour::CloseAfterHandshake {
        let _ = io.tcp().shutdown(Shutdown::Both);
        return Ok(());
    }
    let cert_cn = cert_der.as_deref().and_then(common_name);

    let mut reader = BufReader::new(io);
    let mut served = 0usize;
    loop {
        let request = match read_request(&mut reader) {
            Ok(Some(request)) => request,
            Ok(None) => return Ok(()),
            Err(ReadError::Io(e)) => return Err(e),
            Err(ReadError::Bad(why)) => {
                let io = reader.get_mut();
                let response = Response::text(400, format!("bad request: {why}"));
                write_response(io, &response, false, true)?;
                io.close();
                return Ok(());
            }
        };
        let keep_alive = request.keep_alive();
        let head = request.method == "HEAD";
        let recorded = Recorded {
            method: request.method,
            path: request.target,
            headers: request.headers,
            body: request.body,
            client_cert_cn: cert_cn.clone(),
            client_cert_der: cert_der.clone(),
            connection: id,
        };
        shared.requests().push(recorded.clone());

        if let Behaviour::FailAfterRequest(fault) = shared.behaviour {
            reader.into_inner().fail(fault);
            return Ok(());
        }
        let io = reader.get_mut();
        match shared.behaviour {
            Behaviour::Normal
            | Behaviour::CloseAfterHandshake
            | Behaviour::FailAfterRequest(_)
            | Behaviour::CloseAfterAnswer
            | Behaviour::Drip(_) => {}
            Behaviour::DropReused if served == 0 => {}
            Behaviour::DropReused => {
                io.close();
                return Ok(());
            }
            Behaviour::Unavailable => {
                let response = Response::text(503, "unavailable");
                write_response(io, &response, head, !keep_alive)?;
                if !keep_alive {
                    io.close();
                    return Ok(());
                }
                continue;
            }
            Behaviour::NeverAnswer => {
                while !shared.stopped() {
                    thread::sleep(Duration::from_millis(20));
                }
                return Ok(());
            }
            Behaviour::CloseMidBody => {
                io.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\
                      Content-Length: 1000\r\n\r\n",
                )?;
                io.write_all(&[b'x'; 10])?;
                io.flush()?;
                io.close();
                return Ok(());
            }
            Behaviour::Garbage => {
                io.write_all(b"NOT HTTP AT ALL\r\n\r\n")?;
                io.flush()?;
                io.close();
                return Ok(());
            }
        }

        let response = route(&recorded, shared);
        let bytes = response_bytes(&response, head, !keep_alive);
        match shared.behaviour {
            Behaviour::Drip(ms) => {
                for byte in bytes.chunks(1) {
                    if shared.stopped() {
                        return Ok(());
                    }
                    io.write_all(byte)?;
                    io.flush()?;
                    thread::sleep(Duration::from_millis(ms));
                }
            }
            _ => {
                io.write_all(&bytes)?;
                io.flush()?;
            }
        }
        served += 1;
        if !keep_alive || shared.behaviour == Behaviour::CloseAfterAnswer {
            io.close();
            return Ok(());
        }
    }
}

struct Request {
    method: String,
    target: String,
    version: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn has_token(&self, name: &str, token: &str) -> bool {
        self.headers
            .iter()
            .filter(|(n, _)| n == name)
            .flat_map(|(_, v)| v.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case(token))
    }

    fn keep_alive(&self) -> bool {
        if self.has_token("connection", "close") {
            false
        } else if self.version == "HTTP/1.0" {
            self.has_token("connection", "keep-alive")
        } else {
            true
        }
    }
}

enum ReadError {
    Io(io::Error),
    Bad(&'static str),
}

impl From<io::Error> for ReadError {
    fn from(e: io::Error) -> Self {
        ReadError::Io(e)
    }
}

const MAX_LINE: u64 = 16 * 1024;
const MAX_HEADERS: usize = 200;
const MAX_BODY: usize = 256 * 1024 * 1024;

/// One line without its CRLF (or LF); `None` at EOF before any byte.
fn read_line(reader: &mut impl BufRead) -> Result<Option<String>, ReadError> {
    let mut buf = Vec::new();
    let n = reader.take(MAX_LINE).read_until(b'\n', &mut buf)?;
    if n == 0 {
        return Ok(None);
    }
    if buf.last() != Some(&b'\n') {
        return Err(if n as u64 >= MAX_LINE {
            ReadError::Bad("line too long")
        } else {
            ReadError::Io(io::ErrorKind::UnexpectedEof.into())
        });
    }
    buf.pop();
    if buf.last() == Some(&b'\r') {
        buf.pop();
    }
    String::from_utf8(buf)
        .map(Some)
        .map_err(|_| ReadError::Bad("non-UTF-8 line"))
}

fn read_request(reader: &mut BufReader<Io>) -> Result<Option<Request>, ReadError> {
    // Request line; tolerate empty lines before it (RFC 9112 §2.2).
    let line = loop {
        match read_line(reader) {
            Ok(None) => return Ok(None),
            // A closed idle keep-alive connection (e.g. TLS EOF without
            // close_notify) is not an error.
            Err(ReadError::Io(e)) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
            Err(e) => return Err(e),
            Ok(Some(line)) if line.is_empty() => continue,
            Ok(Some(line)) => break line,
        }
    };
    let mut parts = line.split_whitespace();
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ReadError::Bad("malformed request line"));
    };
    if !version.starts_with("HTTP/1.") {
        return Err(ReadError::Bad("unsupported HTTP version"));
    }
    let mut request = Request {
        method: method.to_string(),
        target: target.to_string(),
        version: version.to_string(),
        headers: Vec::new(),
        body: Vec::new(),
    };

    loop {
        let line = read_line(reader)?.ok_or(io::Error::from(io::ErrorKind::UnexpectedEof))?;
        if line.is_empty() {
            break;
        }
        if request.headers.len() >= MAX_HEADERS {
            return Err(ReadError::Bad("too many headers"));
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(ReadError::Bad("malformed header"));
        };
        if name.is_empty() || name.ends_with(char::is_whitespace) {
            return Err(ReadError::Bad("malformed header name"));
        }
        request
            .headers
            .push((name.to_ascii_lowercase(), value.trim().to_string()));
    }

    let chunked = request.header("transfer-encoding").is_some_and(|te| {
        te.rsplit(',')
            .next()
            .unwrap_or("")
            .trim()
            .eq_ignore_ascii_case("chunked")
    });
    let length = match request.header("content-length") {
        Some(v) if !chunked => Some(
            v.parse::<usize>()
                .map_err(|_| ReadError::Bad("bad Content-Length"))?,
        ),
        _ => None,
    };
    if length.is_some_and(|n| n > MAX_BODY) {
        return Err(ReadError::Bad("body too large"));
    }
    let has_body = chunked || length.is_some_and(|n| n > 0);
    if has_body && request.has_token("expect", "100-continue") && request.version == "HTTP/1.1" {
        let io = reader.get_mut();
        io.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
        io.flush()?;
    }
    if chunked {
        request.body = read_chunked(reader)?;
    } else if let Some(n) = length {
        let mut body = vec![0; n];
        reader.read_exact(&mut body)?;
        request.body = body;
    }
    Ok(Some(request))
}

fn read_chunked(reader: &mut impl BufRead) -> Result<Vec<u8>, ReadError> {
    let eof = || io::Error::from(io::ErrorKind::UnexpectedEof);
    let mut body = Vec::new();
    loop {
        let line = read_line(reader)?.ok_or_else(eof)?;
        let size = line.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size, 16).map_err(|_| ReadError::Bad("bad chunk size"))?;
        if size == 0 {
            break;
        }
        if body.len() + size > MAX_BODY {
            return Err(ReadError::Bad("body too large"));
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader.read_exact(&mut body[start..])?;
        let crlf = read_line(reader)?.ok_or_else(eof)?;
        if !crlf.is_empty() {
            return Err(ReadError::Bad("missing CRLF after chunk"));
        }
    }
    // Trailers, up to the empty line.
    loop {
        let line = read_line(reader)?.ok_or_else(eof)?;
        if line.is_empty() {
            return Ok(body);
        }
    }
}

struct Response {
    status: u16,
    content_type: &'static str,
    body: Vec<u8>,
}

impl Response {
    fn text(status: u16, body: impl Into<String>) -> Response {
        Response {
            status,
            content_type: "text/plain; charset=utf-8",
            body: body.into().into_bytes(),
        }
    }

    fn json(status: u16, body: String) -> Response {
        Response {
            status,
            content_type: "application/json; charset=utf-8",
            body: body.into_bytes(),
        }
    }
}

/// The CrateDB-style document served at `/`.
fn root_document() -> String {
    format!(
        concat!(
            r#"{{"ok":true,"status":200,"name":"{name}","cluster_name":"{cluster}","#,
            r#""version":{{"number":"{version}","build_hash":"abc","build_snapshot":false,"#,
            r#""lucene_version":"9.11.1","es_version":"{version}"}}}}"#
        ),
        name = SERVER_NAME,
        cluster = CLUSTER_NAME,
        version = SERVER_VERSION,
    )
}

fn route(request: &Recorded, shared: &Shared) -> Response {
    let path = request.path.split(['?', '#']).next().unwrap_or("");
    if path == "/" && (request.method == "GET" || request.method == "HEAD") {
        return Response::json(200, root_document());
    }
    if let Some(code) = path.strip_prefix("/status/") {
        return match code.parse::<u16>() {
            Ok(status) if (100..=999).contains(&status) => {
                Response::text(status, format!("status {status}"))
            }
            _ => Response::text(400, "bad status code"),
        };
    }
    if let Some(code) = path.strip_prefix("/echo-error/") {
        let status = code.parse::<u16>().unwrap_or(500);
        return Response::text(
            status,
            format!(
                "\x1b[31merror\x1b[0m for {} {}\nauthorization: {}\n",
                request.method,
                request.path,
                request.header("authorization").unwrap_or("-")
            ),
        );
    }
    if let Some(n) = path.strip_prefix("/bytes/") {
        return match n.parse::<usize>() {
            Ok(n) if n <= MAX_BODY => Response {
                status: 200,
                content_type: "application/octet-stream",
                body: (0..n).map(|i| (i % 256) as u8).collect(),
            },
            _ => Response::text(400, "bad byte count"),
        };
    }
    if let Some(ms) = path.strip_prefix("/slow/") {
        let Ok(ms) = ms.parse::<u64>() else {
            return Response::text(400, "bad delay");
        };
        let deadline = Instant::now() + Duration::from_millis(ms);
        while !shared.stopped() {
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            thread::sleep((deadline - now).min(Duration::from_millis(20)));
        }
        return Response::text(200, "slow");
    }
    let echo = serde_json::json!({
        "method": request.method,
        "path": request.path,
        "body": request.body_text(),
        "authorization": request.header("authorization"),
    });
    Response::json(200, echo.to_string())
}

fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        413 => "Content Too Large",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

fn write_response(io: &mut Io, response: &Response, head: bool, close: bool) -> io::Result<()> {
    io.write_all(&response_bytes(response, head, close))?;
    io.flush()
}

/// The bytes of `response` on the wire: status line, headers and body.
fn response_bytes(response: &Response, head: bool, close: bool) -> Vec<u8> {
    let status = response.status;
    // 1xx, 204 and 304 responses never carry a body.
    let bodyless = status < 200 || status == 204 || status == 304;
    let mut out = format!(
        "HTTP/1.1 {status} {}\r\nServer: httpdb-test\r\n",
        reason(status)
    );
    if !bodyless {
        out.push_str(&format!(
            "Content-Type: {}\r\nContent-Length: {}\r\n",
            response.content_type,
            response.body.len()
        ));
    }
    if close {
        out.push_str("Connection: close\r\n");
    }
    out.push_str("\r\n");
    let mut bytes = out.into_bytes();
    if !head && !bodyless {
        bytes.extend_from_slice(&response.body);
    }
    bytes
}

/// One DER TLV: (tag, contents, rest).
fn der_tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, mut rest) = rest.split_first()?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        rest = &rest[n..];
        len
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

/// The first common name (OID 2.5.4.3) of a certificate's subject.
fn common_name(cert: &[u8]) -> Option<String> {
    let (0x30, certificate, _) = der_tlv(cert)? else {
        return None;
    };
    let (0x30, mut tbs, _) = der_tlv(certificate)? else {
        return None;
    };
    // Skip [0] version (optional), serial, signature, issuer, validity.
    if tbs.first() == Some(&0xa0) {
        tbs = der_tlv(tbs)?.2;
    }
    for _ in 0..4 {
        tbs = der_tlv(tbs)?.2;
    }
    let (0x30, mut rdns, _) = der_tlv(tbs)? else {
        return None;
    };
    while !rdns.is_empty() {
        let (_, mut set, rest) = der_tlv(rdns)?;
        rdns = rest;
        while !set.is_empty() {
            let (_, attribute, rest) = der_tlv(set)?;
            set = rest;
            let (0x06, oid, value) = der_tlv(attribute)? else {
                continue;
            };
            if oid != [0x55, 0x04, 0x03] {
                continue;
            }
            let (tag, text, _) = der_tlv(value)?;
            return Some(match tag {
                // BMPString: UTF-16BE.
                0x1e => {
                    let units: Vec<u16> = text
                        .chunks(2)
                        .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
                        .collect();
                    String::from_utf16_lossy(&units)
                }
                _ => String::from_utf8_lossy(text).into_owned(),
            });
        }
    }
    None
}
