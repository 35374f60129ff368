//! TCP: the first link of the chain. It connects to the resolved addresses
//! within the connect budget ureq hands it (already cut to the call's
//! deadline by [`super::deadline::Bounded`]), and sets the
//! socket options of [`Settings`] — no delay, keep-alive probes, user
//! timeout — on a socket that ureq's own connector keeps out of reach.

use std::io::{self, Read, Write};
use std::mem::MaybeUninit;
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use socket2::{SockRef, TcpKeepalive};
use ureq::unversioned::transport::time::Duration as UreqDuration;
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, Either, LazyBuffers, NextTimeout, ShutdownHandle,
    Transport,
};

use crate::settings::Settings;

/// The socket options every connection gets.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct SocketOptions {
    /// Keep-alive probes: idle time, interval, count (`None`: the system's).
    pub keepalive: Option<(Option<Duration>, Option<Duration>, Option<u32>)>,
    /// `TCP_USER_TIMEOUT` (Linux).
    pub user_timeout: Option<Duration>,
}

impl SocketOptions {
    pub fn of(settings: &Settings) -> SocketOptions {
        SocketOptions {
            keepalive: settings.tcp_keepalive().then(|| {
                (
                    settings.tcp_keepalive_idle(),
                    settings.tcp_keepalive_interval(),
                    settings.tcp_keepalive_count(),
                )
            }),
            user_timeout: settings.tcp_user_timeout(),
        }
    }

    fn apply(&self, stream: &TcpStream) -> io::Result<()> {
        let socket = SockRef::from(stream);
        if let Some((idle, interval, count)) = self.keepalive {
            let mut keepalive = TcpKeepalive::new();
            if let Some(idle) = idle {
                keepalive = keepalive.with_time(idle);
            }
            #[cfg(not(windows))]
            if let Some(interval) = interval {
                keepalive = keepalive.with_interval(interval);
            }
            #[cfg(not(windows))]
            if let Some(count) = count {
                keepalive = keepalive.with_retries(count);
            }
            #[cfg(windows)]
            let _ = (interval, count);
            socket.set_tcp_keepalive(&keepalive)?;
        }
        #[cfg(any(target_os = "linux", target_os = "android"))]
        if let Some(timeout) = self.user_timeout {
            socket.set_tcp_user_timeout(Some(timeout))?;
        }
        Ok(())
    }
}

/// Connects over TCP; a chained transport (none in our chain) passes.
#[derive(Debug, Default)]
pub(crate) struct TcpConnector {
    pub options: SocketOptions,
}

impl<In: Transport> Connector<In> for TcpConnector {
    type Out = Either<In, TcpTransport>;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<In>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        if let Some(transport) = chained {
            return Ok(Some(Either::A(transport)));
        }
        let transport = TcpTransport::open(
            &details.addrs,
            details.timeout,
            details.config,
            &self.options,
        )?;
        let handle: Weak<dyn ShutdownHandle> = Arc::downgrade(&transport.stream) as _;
        (details.register_shutdown)(handle)?;
        Ok(Some(Either::B(transport)))
    }
}

impl TcpTransport {
    /// Connects to the first of `addrs` that answers within `budget`, with
    /// `options` set on the socket.
    pub fn open(
        addrs: &[SocketAddr],
        budget: NextTimeout,
        config: &ureq::config::Config,
        options: &SocketOptions,
    ) -> Result<TcpTransport, ureq::Error> {
        let stream = connect(addrs, budget)?;
        super::wire::reached(
            crate::attempt::Phase::Connected,
            stream.peer_addr().ok(),
            None,
        );
        if config.no_delay() {
            stream.set_nodelay(true)?;
        }
        options.apply(&stream)?;
        Ok(TcpTransport {
            stream: Arc::new(stream),
            buffers: LazyBuffers::new(config.input_buffer_size(), config.output_buffer_size()),
            read_timeout: None,
            write_timeout: None,
        })
    }
}

impl TcpTransport {
    /// The handle that lets the agent's `shutdown` close this socket.
    pub(crate) fn shutdown_handle(&self) -> Weak<dyn ShutdownHandle> {
        Arc::downgrade(&self.stream) as _
    }
}

/// Tries each address in turn. As ureq and curl do, the budget is shared
/// out halving: the first address gets half of it, the next a quarter...
/// (all of it when there is one); an address that refuses or is
/// unreachable gives way to the next at once.
fn connect(addrs: &[SocketAddr], budget: NextTimeout) -> Result<TcpStream, ureq::Error> {
    let total = match budget.after {
        UreqDuration::Exact(d) => Some(d),
        UreqDuration::NotHappening => None,
    };
    let started = std::time::Instant::now();
    let mut last = None;
    for (k, addr) in addrs.iter().enumerate() {
        let share = total.map(|total| {
            let left = total.saturating_sub(started.elapsed());
            let share = if k + 1 == addrs.len() { left } else { left / 2 };
            share.max(Duration::from_millis(10))
        });
        let result = match share {
            Some(share) => TcpStream::connect_timeout(addr, share),
            None => TcpStream::connect(addr),
        };
        match result {
            Ok(stream) => {
                log::trace!("connected to {addr}");
                return Ok(stream);
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
                ) =>
            {
                if total.is_some_and(|total| started.elapsed() >= total) {
                    return Err(ureq::Error::Timeout(budget.reason));
                }
                last = Some(ureq::Error::Timeout(budget.reason));
            }
            Err(e) => {
                log::trace!("connect to {addr}: {e}");
                last = Some(e.into());
            }
        }
    }
    Err(last.unwrap_or_else(|| {
        io::Error::new(io::ErrorKind::ConnectionRefused, "no address to connect to").into()
    }))
}

/// A connected TCP socket as ureq's transport, its I/O bounded by the
/// timeouts it is handed (already cut to the call's deadline).
pub(crate) struct TcpTransport {
    /// Shared with the agent's shutdown handle.
    stream: Arc<TcpStream>,
    buffers: LazyBuffers,
    /// The timeouts last set on the socket: set again only on a change,
    /// not with a system call per read.
    read_timeout: Option<Duration>,
    write_timeout: Option<Duration>,
}

impl std::fmt::Debug for TcpTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TcpTransport")
            .field("peer", &self.stream.peer_addr().ok())
            .finish()
    }
}

/// The longest one socket wait. A socket timeout fires late by up to the
/// kernel timer wheel's granularity at its length: 256 ms for a wait of
/// seconds at 250 Hz, but one tick (4 ms) below 256 ms. Longer waits are
/// made of waits of at most this, so that a call ends within a few
/// milliseconds of its deadline, whatever the timer rate.
const LONGEST_WAIT: Duration = Duration::from_millis(250);

/// A wait of `limit` (none: no limit) as socket waits of at most
/// [`LONGEST_WAIT`]: what is left, and when the wait ends, known from the
/// first wait that ran out (a wait that ends in time reads no clock).
struct Wait {
    limit: Option<Duration>,
    end: Option<Instant>,
}

impl Wait {
    fn new(limit: Option<Duration>) -> Wait {
        Wait { limit, end: None }
    }

    /// The next socket wait.
    fn next(&self) -> Option<Duration> {
        match (self.limit, self.end) {
            // Never zero, which a socket refuses as a timeout.
            (_, Some(end)) => Some(
                end.saturating_duration_since(Instant::now())
                    .clamp(Duration::from_millis(1), LONGEST_WAIT),
            ),
            (limit, None) => limit.map(|l| l.min(LONGEST_WAIT)),
        }
    }

    /// After a socket wait that ran out: whether there is time left for
    /// another. The first such wait began about [`LONGEST_WAIT`] ago. A
    /// limit too far to be an instant (a `read_timeout` of centuries) is
    /// waited for in turns without end.
    fn again(&mut self) -> bool {
        let Some(limit) = self.limit.filter(|l| *l > LONGEST_WAIT) else {
            return false;
        };
        let now = Instant::now();
        match self.end {
            Some(end) => end > now,
            None => {
                self.end = now.checked_add(limit - LONGEST_WAIT);
                true
            }
        }
    }
}

/// Whether the socket's timeout `current` may stay for a wanted `want`:
/// equal, or within 1% and 10 ms of it either way. Under a call's deadline
/// the wanted timeout is what remains of it, a little less at every read:
/// setting it each time cost a system call per read and per write. The
/// slack lets a read end at most 10 ms past the deadline, or 1% before it.
fn close_enough(current: Option<Duration>, want: Option<Duration>) -> bool {
    match (current, want) {
        (Some(current), Some(want)) => {
            let slack = (want / 100).min(Duration::from_millis(10));
            current.abs_diff(want) <= slack
        }
        (current, want) => current == want,
    }
}

/// Whether a socket read or write ran out of time.
fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
    )
}

/// The I/O error for a read or write that ran out of time, as ureq's
/// timeout of `reason`.
fn timed_out(e: io::Error, reason: ureq::Timeout) -> ureq::Error {
    match e.kind() {
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => ureq::Error::Timeout(reason),
        _ => e.into(),
    }
}

impl Transport for TcpTransport {
    fn buffers(&mut self) -> &mut dyn Buffers {
        &mut self.buffers
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        let timeout = timeout.for_write();
        if timeout.after.is_zero() {
            return Err(ureq::Error::Timeout(timeout.reason));
        }
        let mut wait = Wait::new(timeout.not_zero().map(|d| *d));
        let mut written = 0;
        while written < amount {
            let limit = wait.next();
            if !close_enough(self.write_timeout, limit) {
                self.stream.set_write_timeout(limit)?;
                self.write_timeout = limit;
            }
            let output = &self.buffers.output()[written..amount];
            match (&*self.stream).write(output) {
                Ok(0) => return Err(io::Error::from(io::ErrorKind::WriteZero).into()),
                Ok(n) => written += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if is_timeout(&e) && wait.again() => {}
                Err(e) => return Err(timed_out(e, timeout.reason)),
            }
        }
        Ok(())
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        let timeout = timeout.for_read();
        if timeout.after.is_zero() {
            return Err(ureq::Error::Timeout(timeout.reason));
        }
        let mut wait = Wait::new(timeout.not_zero().map(|d| *d));
        let amount = loop {
            let limit = wait.next();
            if !close_enough(self.read_timeout, limit) {
                self.stream.set_read_timeout(limit)?;
                self.read_timeout = limit;
            }
            match (&*self.stream).read(self.buffers.input_append_buf()) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if is_timeout(&e) && wait.again() => {}
                Err(e) => return Err(timed_out(e, timeout.reason)),
            }
        };
        self.buffers.input_appended(amount);
        Ok(amount > 0)
    }

    /// Open while the peer has sent nothing unasked: a FIN, a reset or
    /// stray bytes on an idle connection all mean it is not to be reused.
    /// ureq asks twice per request (when a connection goes back to the pool
    /// and when it is taken out), so on Unix this is one non-blocking peek
    /// (`MSG_PEEK | MSG_DONTWAIT`) rather than three system calls.
    fn is_open(&mut self) -> bool {
        let mut byte = [MaybeUninit::<u8>::uninit()];
        #[cfg(unix)]
        let peeked = SockRef::from(&*self.stream)
            .recv_with_flags(&mut byte, libc::MSG_PEEK | libc::MSG_DONTWAIT);
        #[cfg(not(unix))]
        let peeked = {
            let socket = SockRef::from(&*self.stream);
            if socket.set_nonblocking(true).is_err() {
                return false;
            }
            let peeked = socket.peek(&mut byte);
            if socket.set_nonblocking(false).is_err() {
                return false;
            }
            peeked
        };
        matches!(peeked, Err(e) if e.kind() == io::ErrorKind::WouldBlock)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn socket_options_reach_the_socket() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let stream = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let options = SocketOptions {
            keepalive: Some((
                Some(Duration::from_secs(17)),
                Some(Duration::from_secs(5)),
                Some(3),
            )),
            user_timeout: Some(Duration::from_millis(2500)),
        };
        options.apply(&stream).unwrap();
        let socket = SockRef::from(&stream);
        assert!(socket.keepalive().unwrap());
        assert_eq!(
            socket.tcp_keepalive_time().unwrap(),
            Duration::from_secs(17)
        );
        #[cfg(target_os = "linux")]
        {
            assert_eq!(
                socket.tcp_keepalive_interval().unwrap(),
                Duration::from_secs(5)
            );
            assert_eq!(socket.tcp_keepalive_retries().unwrap(), 3);
            assert_eq!(
                socket.tcp_user_timeout().unwrap(),
                Some(Duration::from_millis(2500))
            );
        }
        let plain = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        SocketOptions::default().apply(&plain).unwrap();
        assert!(!SockRef::from(&plain).keepalive().unwrap());
    }

    #[test]
    fn socket_timeouts_are_set_again_only_when_they_move() {
        let ms = |n: u64| Some(Duration::from_millis(n));
        assert!(close_enough(ms(30_000), ms(29_995)));
        assert!(close_enough(ms(29_995), ms(30_000)));
        assert!(!close_enough(ms(30_000), ms(29_900)));
        // A short timeout keeps a short slack: 1% of 300 ms.
        assert!(close_enough(ms(300), ms(298)));
        assert!(!close_enough(ms(300), ms(290)));
        assert!(!close_enough(None, ms(300)));
        assert!(!close_enough(ms(300), None));
        assert!(close_enough(None, None));
    }

    #[test]
    fn every_address_is_tried_in_turn() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let refused = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let budget = NextTimeout {
            after: UreqDuration::Exact(Duration::from_secs(5)),
            reason: ureq::Timeout::Connect,
            per_read: None,
            per_write: None,
        };
        let stream = connect(&[refused, listener.local_addr().unwrap()], budget).unwrap();
        assert_eq!(stream.peer_addr().unwrap(), listener.local_addr().unwrap());
        assert!(connect(&[refused], budget).is_err());
    }
}
