//! The network steps, done by hand: resolve, TCP connect, and a TLS
//! handshake with a rustls `ClientConnection` that records the chain and
//! whether the server asked for a client certificate. No request is ever
//! sent on this connection.

use std::io::{self, ErrorKind};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{ResolvesClientCert, Resumption};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::sign::CertifiedKey;
use rustls::{
    AlertDescription, ClientConfig, ClientConnection, DigitallySignedStruct, ProtocolVersion,
    SignatureScheme,
};

use super::{ClientCert, ConnectAttempt, Failure, Problem, Resolve, TlsReport, cert, millis};
use crate::settings::Host;
use crate::settings::proxy::Proxy;
use crate::tls::{self, Verifier};
use crate::transport::proxy::{connect_hint, connect_request};

/// After a TLS 1.3 handshake in which the server asked for our
/// certificate, how long to wait for its verdict on it: an alert, or
/// anything else (session tickets) meaning it went on.
const CLIENT_CERT_WAIT: Duration = Duration::from_secs(1);

/// Resolves `host` with the system resolver.
pub(super) fn resolve(host: &Host, report: &mut Resolve) -> Result<Vec<SocketAddr>, Failure> {
    let start = Instant::now();
    let result = (host.name.as_str(), host.port).to_socket_addrs();
    report.ms = millis(start.elapsed());
    let error = match result {
        Ok(addresses) => {
            let addresses: Vec<SocketAddr> = addresses.collect();
            if !addresses.is_empty() {
                report.addresses = addresses.iter().map(|a| a.ip().to_string()).collect();
                return Ok(addresses);
            }
            "no address found".to_string()
        }
        Err(e) => e.to_string(),
    };
    report.error = Some(error.clone());
    Err(Failure::new(
        Problem::Resolve,
        format!("the name {} does not resolve ({error})", host.name),
        "check the host name in the URI, and this machine's DNS or /etc/hosts",
    ))
}

/// Connects to the first address that accepts, within `deadline`.
pub(super) fn connect(
    addresses: &[SocketAddr],
    deadline: Instant,
    attempts: &mut Vec<ConnectAttempt>,
) -> io::Result<TcpStream> {
    let mut last = io::Error::new(ErrorKind::NotFound, "no address to connect to");
    for address in addresses {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::Error::new(ErrorKind::TimedOut, "connect timed out"));
        }
        let start = Instant::now();
        let result = TcpStream::connect_timeout(address, left);
        let ms = millis(start.elapsed());
        match result {
            Ok(stream) => {
                attempts.push(ConnectAttempt {
                    address: address.to_string(),
                    ms,
                    error: None,
                });
                let _ = stream.set_nodelay(true);
                return Ok(stream);
            }
            Err(e) => {
                attempts.push(ConnectAttempt {
                    address: address.to_string(),
                    ms,
                    error: Some(crate::error::io_cause(&e)),
                });
                last = e;
            }
        }
    }
    Err(last)
}

/// Opens a `CONNECT` tunnel to `host` through `proxy` on `stream`: the
/// proxy's answer line, or the failure with what to change.
pub(super) fn tunnel(
    stream: &mut TcpStream,
    proxy: &Proxy,
    host: &Host,
    deadline: Instant,
) -> Result<String, Failure> {
    use std::io::{Read, Write};
    let name = format!("proxy {} ({})", proxy.url.authority(), proxy.source);
    let fail = |reason: String, fix: &str| Failure::new(Problem::Proxy, reason, fix);
    let left = deadline
        .saturating_duration_since(Instant::now())
        .max(Duration::from_millis(1));
    let _ = stream.set_read_timeout(Some(left));
    let _ = stream.set_write_timeout(Some(left));
    let target = host.to_string();
    if let Err(e) = stream.write_all(connect_request(proxy, &target).as_bytes()) {
        return Err(fail(
            format!("{name}: the CONNECT request could not be sent: {e}"),
            "check that the proxy is an HTTP proxy",
        ));
    }
    // Byte by byte, so that nothing of the tunnel is read past the head.
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) if head.len() < 16 * 1024 => head.push(byte[0]),
            Ok(1) => {
                return Err(fail(
                    format!("{name} answered CONNECT {target} with a head larger than 16 KiB"),
                    "check that the proxy is an HTTP proxy",
                ));
            }
            Ok(_) => {
                return Err(fail(
                    format!("{name} closed the connection instead of answering CONNECT {target}"),
                    "check the proxy's log; it may refuse this client or this port",
                ));
            }
            Err(e) => {
                return Err(fail(
                    format!("{name} did not answer CONNECT {target}: {e}"),
                    "check the proxy, or raise connect_timeout",
                ));
            }
        }
    }
    let text = String::from_utf8_lossy(&head);
    let line = text.lines().next().unwrap_or_default().to_string();
    let status = line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .unwrap_or(0);
    // A proxy may quote the credentials it was sent.
    let answer = crate::secret::Scrubber::new(proxy.secrets())
        .scrub(line.split_once(' ').map_or(line.as_str(), |(_, rest)| rest));
    if status == 200 {
        return Ok(answer);
    }
    let hint = connect_hint(proxy, status);
    Err(fail(
        format!("{name} answered {answer} to CONNECT {target}{hint}"),
        match status {
            401 | 407 => "give the proxy's user and password: proxy=http://user:password@host:port",
            403 => {
                "ask for CONNECT to this port to be allowed, or reach the host without the proxy (no_proxy, proxy=none)"
            }
            _ => "check the proxy's log",
        },
    ))
}

/// Why a handshake failed.
pub(super) enum HandshakeError {
    /// rustls' error (an alert from the server, a protocol error).
    Tls(rustls::Error),
    /// The socket failed, or the server closed it.
    Io(io::Error),
    /// `connect_timeout` ran out.
    Timeout(Duration),
}

/// A finished (or failed) handshake.
pub(super) struct Handshake {
    pub report: TlsReport,
    /// The chain the server sent, server certificate first; empty when the
    /// handshake failed before the certificate.
    pub chain: Vec<CertificateDer<'static>>,
    pub error: Option<HandshakeError>,
}

/// Records the chain the server sends and accepts it, while still checking
/// the handshake signatures (as `CERT_NONE` does).
#[derive(Debug)]
struct Recorder {
    inner: Verifier,
    chain: Mutex<Vec<CertificateDer<'static>>>,
}

impl ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let chain = std::iter::once(end_entity)
            .chain(intermediates)
            .map(|c| c.clone().into_owned())
            .collect();
        *self.chain.lock().unwrap_or_else(|e| e.into_inner()) = chain;
        self.inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// The configured identity, noting whether rustls asked for it: it does
/// only when the server sends a CertificateRequest.
#[derive(Debug)]
struct ClientAuthProbe {
    identity: Option<Arc<CertifiedKey>>,
    asked: AtomicBool,
    issuers: Mutex<Vec<String>>,
}

impl ResolvesClientCert for ClientAuthProbe {
    fn resolve(
        &self,
        root_hint_subjects: &[&[u8]],
        _sigschemes: &[SignatureScheme],
    ) -> Option<Arc<CertifiedKey>> {
        self.asked.store(true, Ordering::SeqCst);
        *self.issuers.lock().unwrap_or_else(|e| e.into_inner()) = root_hint_subjects
            .iter()
            .map(|dn| cert::distinguished_name(dn))
            .collect();
        self.identity.clone()
    }

    fn has_certs(&self) -> bool {
        self.identity.is_some()
    }
}

/// The TLS handshake over `tcp`, within `deadline`.
pub(super) fn handshake(
    mut tcp: TcpStream,
    host: &Host,
    versions: &[&'static rustls::SupportedProtocolVersion],
    identity: Option<Arc<CertifiedKey>>,
    deadline: Instant,
    limit: Duration,
) -> Handshake {
    let provider = tls::provider();
    let recorder = Arc::new(Recorder {
        inner: Verifier::none(provider.clone()),
        chain: Mutex::new(Vec::new()),
    });
    let has_identity = identity.is_some();
    let auth = Arc::new(ClientAuthProbe {
        identity,
        asked: AtomicBool::new(false),
        issuers: Mutex::new(Vec::new()),
    });
    let mut report = TlsReport {
        ms: 0.0,
        protocol: None,
        cipher_suite: None,
        alpn: None,
        client_cert: None,
        client_cert_issuers: Vec::new(),
        error: None,
    };

    let start = Instant::now();
    let result = run(
        &mut tcp,
        host,
        versions,
        recorder.clone(),
        auth.clone(),
        deadline,
        limit,
    );
    report.ms = millis(start.elapsed());
    let chain = std::mem::take(&mut *recorder.chain.lock().unwrap_or_else(|e| e.into_inner()));
    let asked = auth.asked.load(Ordering::SeqCst);
    report.client_cert_issuers =
        std::mem::take(&mut *auth.issuers.lock().unwrap_or_else(|e| e.into_inner()));

    let error = match result {
        Ok(mut conn) => {
            report.protocol = conn.protocol_version().map(version_name);
            report.cipher_suite = conn
                .negotiated_cipher_suite()
                .map(|s| format!("{:?}", s.suite()));
            report.alpn = conn
                .alpn_protocol()
                .map(|p| String::from_utf8_lossy(p).into_owned());
            // In TLS 1.3 the server judges our certificate after the client
            // has finished the handshake: wait for its word.
            let error = if asked && conn.protocol_version() == Some(ProtocolVersion::TLSv1_3) {
                await_client_cert_verdict(&mut conn, &mut tcp, deadline)
            } else {
                None
            };
            if error.is_none() {
                conn.send_close_notify();
                let _ = conn.write_tls(&mut tcp);
            }
            error
        }
        Err(error) => Some(error),
    };
    report.client_cert = client_cert(asked, has_identity, error.as_ref());
    if let Some(error) = &error {
        report.error = Some(match error {
            HandshakeError::Tls(e) => e.to_string(),
            HandshakeError::Io(e) => crate::error::io_cause(e),
            HandshakeError::Timeout(after) => {
                format!(
                    "timed out after {}",
                    crate::settings::duration::format(*after)
                )
            }
        });
    }
    Handshake {
        report,
        chain,
        error,
    }
}

fn run(
    tcp: &mut TcpStream,
    host: &Host,
    versions: &[&'static rustls::SupportedProtocolVersion],
    recorder: Arc<Recorder>,
    auth: Arc<ClientAuthProbe>,
    deadline: Instant,
    limit: Duration,
) -> Result<ClientConnection, HandshakeError> {
    let mut config = ClientConfig::builder_with_provider(tls::provider())
        .with_protocol_versions(versions)
        .map_err(HandshakeError::Tls)?
        .dangerous()
        .with_custom_certificate_verifier(recorder)
        .with_client_cert_resolver(auth);
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    // Always a full handshake, so that the server sends its chain.
    config.resumption = Resumption::disabled();
    let name = ServerName::try_from(host.name.clone()).map_err(|e| {
        HandshakeError::Io(io::Error::new(
            ErrorKind::InvalidInput,
            format!("{} is not a valid TLS server name: {e}", host.name),
        ))
    })?;
    let mut conn = ClientConnection::new(Arc::new(config), name).map_err(HandshakeError::Tls)?;
    while conn.is_handshaking() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(HandshakeError::Timeout(limit));
        }
        let _ = tcp.set_read_timeout(Some(left));
        let _ = tcp.set_write_timeout(Some(left));
        if let Err(e) = conn.complete_io(tcp) {
            return Err(match e.kind() {
                ErrorKind::WouldBlock | ErrorKind::TimedOut => HandshakeError::Timeout(limit),
                _ => tls_error(e),
            });
        }
    }
    Ok(conn)
}

/// Reads what the server sends right after a TLS 1.3 handshake: an alert
/// means it refused our certificate (or its absence); anything else, or
/// silence, that it went on.
fn await_client_cert_verdict(
    conn: &mut ClientConnection,
    tcp: &mut TcpStream,
    deadline: Instant,
) -> Option<HandshakeError> {
    let wait = deadline
        .saturating_duration_since(Instant::now())
        .min(CLIENT_CERT_WAIT);
    if wait.is_zero() {
        return None;
    }
    let _ = tcp.set_read_timeout(Some(wait));
    match conn.read_tls(tcp) {
        Ok(0) => Some(HandshakeError::Io(io::Error::new(
            ErrorKind::UnexpectedEof,
            "the server closed the connection right after the handshake",
        ))),
        Ok(_) => conn.process_new_packets().err().map(HandshakeError::Tls),
        Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => None,
        Err(e) => Some(HandshakeError::Io(e)),
    }
}

/// The rustls error inside an I/O error, if there is one.
fn tls_error(e: io::Error) -> HandshakeError {
    if let Some(inner) = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    {
        return HandshakeError::Tls(inner.clone());
    }
    HandshakeError::Io(e)
}

/// What became of client authentication.
fn client_cert(
    asked: bool,
    has_identity: bool,
    error: Option<&HandshakeError>,
) -> Option<ClientCert> {
    let refused = match error {
        None => false,
        Some(HandshakeError::Tls(rustls::Error::AlertReceived(alert))) => {
            asked && is_client_cert_alert(*alert)
        }
        // A server that hangs up right after asking is refusing too.
        Some(HandshakeError::Io(e)) => {
            asked
                && matches!(
                    e.kind(),
                    ErrorKind::UnexpectedEof | ErrorKind::ConnectionReset
                )
        }
        Some(_) => return None,
    };
    match (asked, refused, has_identity, error.is_some()) {
        (false, _, _, false) => Some(ClientCert::NotRequested),
        (false, _, _, true) => None,
        (true, true, true, _) => Some(ClientCert::Rejected),
        (true, true, false, _) => Some(ClientCert::Required),
        (true, false, _, true) => None,
        (true, false, true, false) => Some(ClientCert::Accepted),
        (true, false, false, false) => Some(ClientCert::NotSent),
    }
}

fn is_client_cert_alert(alert: AlertDescription) -> bool {
    use AlertDescription::*;
    matches!(
        alert,
        CertificateRequired
            | BadCertificate
            | UnknownCA
            | CertificateUnknown
            | UnsupportedCertificate
            | CertificateRevoked
            | CertificateExpired
            | AccessDenied
            | HandshakeFailure
            | DecryptError
    )
}

fn version_name(version: ProtocolVersion) -> String {
    match version {
        ProtocolVersion::TLSv1_3 => "TLS 1.3".into(),
        ProtocolVersion::TLSv1_2 => "TLS 1.2".into(),
        other => format!("{other:?}"),
    }
}
