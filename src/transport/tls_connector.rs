//! The connector that runs our rustls `ClientConfig` over ureq's TCP
//! transport. ureq's own `TlsConfig` cannot carry a custom verifier, so TLS
//! is done here and that config is ignored.

use std::fmt;
use std::io::{Read, Write};
use std::sync::{Arc, RwLock};

use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, StreamOwned};
use ureq::unversioned::transport::time::Duration as UreqDuration;
use ureq::unversioned::transport::time::Instant as UreqInstant;
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, Either, LazyBuffers, NextTimeout, Transport,
};

/// The TLS configuration new connections take: fixed, or the one a
/// client's rotation of its files last made.
#[derive(Debug, Clone)]
pub(crate) enum TlsSource {
    Fixed(Arc<ClientConfig>),
    Rotating(Arc<RwLock<Arc<ClientConfig>>>),
}

impl TlsSource {
    /// The configuration for a connection opened now.
    pub(crate) fn current(&self) -> Arc<ClientConfig> {
        match self {
            TlsSource::Fixed(config) => config.clone(),
            TlsSource::Rotating(cell) => cell.read().unwrap_or_else(|e| e.into_inner()).clone(),
        }
    }
}

/// Wraps every https connection in TLS with the `ClientConfig` of the
/// moment. Plain http passes through; https without a config is refused,
/// so an https URI never sends a byte in plain text.
pub(crate) struct TlsConnector {
    pub config: Option<TlsSource>,
}

impl fmt::Debug for TlsConnector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsConnector")
            .field("tls", &self.config.is_some())
            .finish()
    }
}

impl<In: Transport> Connector<In> for TlsConnector {
    type Out = Either<In, TlsTransport>;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<In>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        let Some(transport) = chained else {
            return Ok(None);
        };
        if !details.needs_tls() || transport.is_tls() {
            return Ok(Some(Either::A(transport)));
        }
        let Some(config) = &self.config else {
            return Err(ureq::Error::Tls(
                "an https request on a client without TLS settings",
            ));
        };
        let host = details.uri.host().unwrap_or_default();
        let transport = handshake(&config.current(), host, transport.boxed(), details)?;
        Ok(Some(Either::B(transport)))
    }
}

/// TLS with `config` to `host` over `transport`: the handshake, within
/// what is left of the connect timeout (and of the call's deadline).
pub(crate) fn handshake(
    config: &Arc<ClientConfig>,
    host: &str,
    transport: Box<dyn Transport>,
    details: &ConnectionDetails,
) -> Result<TlsTransport, ureq::Error> {
    let name = ServerName::try_from(
        host.trim_start_matches('[')
            .trim_end_matches(']')
            .to_string(),
    )
    .map_err(|_| ureq::Error::Tls("the host is not a valid TLS server name"))?;
    let mut conn = ClientConnection::new(config.clone(), name).map_err(io_error)?;
    let mut sock = Under::new(transport, details.current_time.clone());
    // The handshake gets what is left of the connect timeout (and of
    // the call's deadline), not a fresh one.
    sock.set_timeout(super::wire::clamp(remaining(details))?);
    while conn.is_handshaking() {
        conn.complete_io(&mut sock)?;
    }
    let session = conn
        .protocol_version()
        .zip(conn.negotiated_cipher_suite())
        .map(|(version, suite)| crate::attempt::Session {
            version,
            suite: suite.suite(),
        });
    super::wire::reached(crate::attempt::Phase::Secured, None, session);
    log::debug!(
        "TLS to {host}: {:?}, {:?}, {}",
        conn.protocol_version(),
        conn.negotiated_cipher_suite().map(|s| s.suite()),
        match conn.handshake_kind() {
            Some(rustls::HandshakeKind::Resumed) => "resumed session",
            _ => "full handshake",
        }
    );
    let buffers = LazyBuffers::new(
        details.config.input_buffer_size(),
        details.config.output_buffer_size(),
    );
    Ok(TlsTransport {
        buffers,
        stream: StreamOwned::new(conn, sock),
    })
}

fn io_error(e: rustls::Error) -> ureq::Error {
    ureq::Error::Io(std::io::Error::new(std::io::ErrorKind::InvalidData, e))
}

/// The connect budget left after resolving and the TCP connect.
pub(crate) fn remaining(details: &ConnectionDetails) -> NextTimeout {
    let mut timeout = details.timeout;
    if let (UreqDuration::Exact(limit), UreqInstant::Exact(start), UreqInstant::Exact(now)) =
        (timeout.after, details.now, (details.current_time)())
    {
        timeout.after =
            UreqDuration::Exact(limit.saturating_sub(now.saturating_duration_since(start)));
    }
    timeout
}

/// The connection under TLS, as rustls reads and writes it: ureq's
/// `TransportAdapter` without its look at the clock on every read. rustls
/// takes each record in one or more reads, most of them from bytes the
/// transport below already holds; only a read that has to wait needs to
/// know for how long. `TlsTransport` sets a new timeout for every read
/// and write the engine asks for, so the clock is first read when the
/// I/O under that timeout first waits or writes (the time before is spent
/// on the CPU, decrypting what had arrived). A clock read per record was
/// 2.8 % of the samples of a download under `perf`.
pub(crate) struct Under {
    transport: Box<dyn Transport>,
    /// The timeout of the I/O under way, counted from `started`.
    timeout: NextTimeout,
    /// When that I/O first waited or wrote; `None` until then.
    started: Option<UreqInstant>,
    clock: Arc<dyn Fn() -> UreqInstant + Send + Sync + 'static>,
}

impl Under {
    fn new(
        transport: Box<dyn Transport>,
        clock: Arc<dyn Fn() -> UreqInstant + Send + Sync + 'static>,
    ) -> Under {
        Under {
            transport,
            timeout: NextTimeout {
                after: UreqDuration::NotHappening,
                reason: ureq::Timeout::Global,
                ..NextTimeout::default()
            },
            started: None,
            clock,
        }
    }

    /// Bounds the reads and writes from now on by `timeout`.
    pub(crate) fn set_timeout(&mut self, timeout: NextTimeout) {
        self.timeout = timeout;
        self.started = None;
    }

    /// What is left of the timeout, for I/O that is about to wait.
    fn timeout_now(&mut self) -> NextTimeout {
        let mut timeout = self.timeout;
        let UreqDuration::Exact(limit) = timeout.after else {
            return timeout;
        };
        let now = (self.clock)();
        let started = *self.started.get_or_insert(now);
        // As ureq's `TransportAdapter` counts it.
        timeout.after = UreqDuration::Exact(match (started, now) {
            (UreqInstant::Exact(started), UreqInstant::Exact(now)) => {
                limit.saturating_sub(now.saturating_duration_since(started))
            }
            (_, UreqInstant::AlreadyHappened) => limit,
            (_, UreqInstant::NotHappening) => std::time::Duration::ZERO,
            (UreqInstant::NotHappening, UreqInstant::Exact(_)) => limit,
            (UreqInstant::AlreadyHappened, UreqInstant::Exact(_)) => std::time::Duration::ZERO,
        });
        timeout
    }
}

impl Read for Under {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if !self.transport.buffers().can_use_input() {
            let timeout = self.timeout_now();
            self.transport
                .await_input(timeout)
                .map_err(ureq::Error::into_io)?;
        }
        let input = self.transport.buffers().input();
        let n = buf.len().min(input.len());
        buf[..n].copy_from_slice(&input[..n]);
        self.transport.buffers().input_consume(n);
        Ok(n)
    }
}

impl Write for Under {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let timeout = self.timeout_now();
        let output = self.transport.buffers().output();
        let n = buf.len().min(output.len());
        output[..n].copy_from_slice(&buf[..n]);
        self.transport
            .transmit_output(n, timeout)
            .map_err(ureq::Error::into_io)?;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// An established TLS connection, as ureq's transport.
pub(crate) struct TlsTransport {
    buffers: LazyBuffers,
    stream: StreamOwned<ClientConnection, Under>,
}

impl fmt::Debug for TlsTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsTransport")
            .field("chained", &self.stream.sock.transport)
            .finish()
    }
}

impl TlsTransport {
    /// The reason behind a failed write or read: a server that refused us after
    /// the handshake (TLS 1.3 judges the client certificate then) sent an
    /// alert before it closed, and that alert, not the broken pipe, says
    /// why. The socket is closed or closing, so these reads do not wait.
    fn alert_behind(&mut self, error: std::io::Error) -> std::io::Error {
        use std::io::ErrorKind::{BrokenPipe, ConnectionAborted, ConnectionReset};
        if !matches!(
            error.kind(),
            BrokenPipe | ConnectionReset | ConnectionAborted
        ) {
            return error;
        }
        for _ in 0..4 {
            match self.stream.conn.read_tls(&mut self.stream.sock) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
            if let Err(tls) = self.stream.conn.process_new_packets() {
                return std::io::Error::new(std::io::ErrorKind::InvalidData, tls);
            }
        }
        error
    }
}

impl Transport for TlsTransport {
    fn buffers(&mut self) -> &mut dyn Buffers {
        &mut self.buffers
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        self.stream.get_mut().set_timeout(timeout);
        let output = &self.buffers.output()[..amount];
        if let Err(e) = self.stream.write_all(output) {
            return Err(self.alert_behind(e).into());
        }
        Ok(())
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        self.stream.get_mut().set_timeout(timeout);
        let input = self.buffers.input_append_buf();
        let amount = match self.stream.read(input) {
            Ok(amount) => amount,
            // rustls sends what the writes left queued before it reads: a
            // write that failed shows here.
            Err(e) => return Err(self.alert_behind(e).into()),
        };
        self.buffers.input_appended(amount);
        Ok(amount > 0)
    }

    /// False once the server has said it is done: a close_notify or bytes
    /// that rustls has already taken in, or anything (a FIN included) on
    /// the TCP socket underneath. ureq asks before it reuses a pooled
    /// connection.
    fn is_open(&mut self) -> bool {
        match self.stream.conn.process_new_packets() {
            Ok(state) if !state.peer_has_closed() && state.plaintext_bytes_to_read() == 0 => {
                self.stream.get_mut().transport.is_open()
            }
            _ => false,
        }
    }

    fn is_tls(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    /// A transport that receives two bytes per wait and records the time
    /// each wait and write was given.
    #[derive(Debug)]
    struct Recording {
        buffers: LazyBuffers,
        waits: Arc<Mutex<Vec<UreqDuration>>>,
    }

    impl Transport for Recording {
        fn buffers(&mut self) -> &mut dyn Buffers {
            &mut self.buffers
        }

        fn transmit_output(&mut self, _: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
            self.waits.lock().unwrap().push(timeout.after);
            Ok(())
        }

        fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
            self.waits.lock().unwrap().push(timeout.after);
            let buf = self.buffers.input_append_buf();
            buf[..2].copy_from_slice(b"ab");
            self.buffers.input_appended(2);
            Ok(true)
        }

        fn is_open(&mut self) -> bool {
            true
        }
    }

    #[test]
    fn only_io_that_waits_or_writes_reads_the_clock() {
        let start = std::time::Instant::now();
        let now = Arc::new(Mutex::new(start));
        let looks = Arc::new(AtomicUsize::new(0));
        let clock = {
            let (now, looks) = (now.clone(), looks.clone());
            Arc::new(move || {
                looks.fetch_add(1, Ordering::Relaxed);
                UreqInstant::Exact(*now.lock().unwrap())
            })
        };
        let at = |secs| *now.lock().unwrap() = start + Duration::from_secs(secs);
        let waits = Arc::new(Mutex::new(Vec::new()));
        let mut under = Under::new(
            Box::new(Recording {
                buffers: LazyBuffers::new(64, 64),
                waits: waits.clone(),
            }),
            clock,
        );
        let five = NextTimeout {
            after: UreqDuration::Exact(Duration::from_secs(5)),
            reason: ureq::Timeout::Connect,
            ..NextTimeout::default()
        };
        under.set_timeout(five);
        let mut one = [0u8; 1];
        // The first wait under a timeout starts its count.
        at(2);
        assert_eq!(under.read(&mut one).unwrap(), 1);
        assert_eq!(&one, b"a");
        assert_eq!(looks.load(Ordering::Relaxed), 1);
        // The second byte is already there: no wait, no look at the clock.
        at(3);
        assert_eq!(under.read(&mut one).unwrap(), 1);
        assert_eq!(&one, b"b");
        assert_eq!(looks.load(Ordering::Relaxed), 1);
        // A write and a later wait get what is left.
        assert_eq!(under.write(b"hello").unwrap(), 5);
        at(9);
        assert_eq!(under.read(&mut one).unwrap(), 1);
        // A new timeout counts from its own first wait.
        under.set_timeout(five);
        at(20);
        assert_eq!(under.read(&mut one).unwrap(), 1);
        assert_eq!(under.read(&mut one).unwrap(), 1);
        assert_eq!(looks.load(Ordering::Relaxed), 4);
        let secs = |n| UreqDuration::Exact(Duration::from_secs(n));
        assert_eq!(*waits.lock().unwrap(), [secs(5), secs(4), secs(0), secs(5)]);
    }
}
