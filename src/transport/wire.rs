//! What the wire saw during one attempt: whether a connection was opened or
//! taken from the pool, whether its handshake finished, whether any byte of
//! the request was handed to the socket and whether any byte of the answer
//! came back. `client::failover` decides from these facts alone what may
//! be tried again.
//!
//! ureq runs a blocking request on the calling thread, connector and
//! transport included, so the facts of the attempt under way live in a
//! thread-local that [`begin`] clears and [`take`] reads.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::time::Instant;

use ureq::unversioned::transport::time::Duration as UreqDuration;
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, LazyBuffers, NextTimeout, Transport,
};

use super::deadline::Deadline;
use super::framing::Framing;
use crate::attempt::{Phase, Session};

/// The facts of one attempt, as its transport recorded them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Wire {
    /// A new connection was opened (its TCP connect and any TLS handshake
    /// finished); false when a pooled one was used or none was had.
    pub opened: bool,
    /// Bytes of the request handed to the socket (counted before the write,
    /// so a write that failed half-way counts).
    pub sent: u64,
    /// Bytes of the answer received.
    pub received: u64,
}

impl Wire {
    /// A pooled connection carried the attempt: something was sent on a
    /// connection this attempt did not open.
    pub fn reused(&self) -> bool {
        !self.opened && self.sent > 0
    }
}

/// What the attempt under way learned of its connection, and how far it
/// got before any byte went out: for [`crate::attempt::Attempt`], not for
/// decisions.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Facts {
    pub reached: Phase,
    pub address: Option<SocketAddr>,
    pub tls: Option<Session>,
}

/// When the phases of the attempt under way ended: read from the clock
/// only when timings are asked for.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Times {
    pub started: Instant,
    pub resolved: Option<Instant>,
    pub connected: Option<Instant>,
    pub secured: Option<Instant>,
    /// The last write of the request before the answer began.
    pub written: Option<Instant>,
    pub first_byte: Option<Instant>,
}

/// The heads of the attempt under way, as the wire carried them, when
/// they are kept ([`keep_heads`]).
#[derive(Debug, Default)]
pub(crate) struct RawHeads {
    pub request: Vec<u8>,
    /// The request's head is whole: what follows is its body.
    pub request_done: bool,
    pub responses: Vec<Vec<u8>>,
}

thread_local! {
    static CURRENT: Cell<Wire> = const { Cell::new(Wire { opened: false, sent: 0, received: 0 }) };
    static REACHED: Cell<Phase> = const { Cell::new(Phase::Started) };
    static ADDRESS: Cell<Option<SocketAddr>> = const { Cell::new(None) };
    static SESSION: Cell<Option<Session>> = const { Cell::new(None) };
    static TIMES: RefCell<Option<Times>> = const { RefCell::new(None) };
    static HEADS: RefCell<Option<RawHeads>> = const { RefCell::new(None) };
    /// The server answered the attempt under way before it took the whole
    /// request: a streamed body stops being read (`client::payload`).
    static ANSWERED_EARLY: Cell<bool> = const { Cell::new(false) };
}

/// Whether the server answered the attempt under way on this thread before
/// it took the whole request: the rest of a streamed body need not be read.
pub(crate) fn answered_early() -> bool {
    ANSWERED_EARLY.with(Cell::get)
}

/// `timeout` cut to what is left of this thread's [`Deadline`].
///
/// Redundant now: [`Bounded`](super::deadline::Bounded) has already cut
/// what ureq hands every connector and transport. Kept while the proxy
/// and TLS connectors still call it; drop it when they no longer do.
pub(crate) fn clamp(timeout: NextTimeout) -> Result<NextTimeout, ureq::Error> {
    Deadline::current().bound(timeout)
}

/// Starts recording a new attempt on this thread: its heads are kept
/// when `heads` is set, its phases timed when `timed` is.
pub(crate) fn begin(heads: bool, timed: bool) {
    CURRENT.with(|w| w.set(Wire::default()));
    ANSWERED_EARLY.with(|e| e.set(false));
    REACHED.with(|r| r.set(Phase::Started));
    ADDRESS.with(|a| a.set(None));
    SESSION.with(|s| s.set(None));
    // Taken at the end of each attempt that keeps them: the slots are
    // empty unless one ended without (a panic).
    TIMES.with(|t| {
        if !timed {
            if t.borrow().is_some() {
                *t.borrow_mut() = None;
            }
            return;
        }
        *t.borrow_mut() = Some(Times {
            started: Instant::now(),
            resolved: None,
            connected: None,
            secured: None,
            written: None,
            first_byte: None,
        })
    });
    if heads || HEADS.with(|h| h.borrow().is_some()) {
        HEADS.with(|h| *h.borrow_mut() = heads.then(RawHeads::default));
    }
}

/// The facts recorded on this thread since [`begin`].
pub(crate) fn take() -> Wire {
    CURRENT.with(Cell::take)
}

/// What the attempt under way learned, and its times if they were kept:
/// what [`crate::attempt::Attempt`] tells beside the [`Wire`].
/// `timed` and `heads` say whether [`begin`] was asked to keep them.
pub(crate) fn facts(timed: bool, heads: bool) -> (Facts, Option<Times>, Option<Box<RawHeads>>) {
    (
        Facts {
            reached: REACHED.with(Cell::get),
            address: ADDRESS.with(Cell::get),
            tls: SESSION.with(Cell::get),
        },
        if timed {
            TIMES.with(|t| t.borrow_mut().take())
        } else {
            None
        },
        if heads {
            HEADS.with(|h| h.borrow_mut().take().map(Box::new))
        } else {
            None
        },
    )
}

/// The attempt under way reached `phase`: the name was resolved, the TCP
/// connection made (to `address`), the handshake done (`tls`).
pub(crate) fn reached(phase: Phase, address: Option<SocketAddr>, tls: Option<Session>) {
    REACHED.with(|r| r.set(r.get().max(phase)));
    if address.is_some() {
        ADDRESS.with(|a| a.set(address));
    }
    if tls.is_some() {
        SESSION.with(|s| s.set(tls));
    }
    timed(|times, now| match phase {
        Phase::Resolved => times.resolved = Some(now),
        Phase::Connected => times.connected = Some(now),
        Phase::Secured => times.secured = Some(now),
        _ => {}
    });
}

/// Notes the time of a phase with `note`, when times are kept.
fn timed(note: impl FnOnce(&mut Times, Instant)) {
    TIMES.with(|t| {
        if let Some(times) = t.borrow_mut().as_mut() {
            note(times, Instant::now());
        }
    });
}

/// Whether the attempt under way keeps its heads.
fn keeping_heads() -> bool {
    HEADS.with(|h| h.borrow().is_some())
}

/// Keeps the heads of answers that `framing` read.
fn keep_response_heads(kept: &mut Vec<Vec<u8>>) {
    HEADS.with(|h| {
        if let Some(heads) = h.borrow_mut().as_mut() {
            heads.responses.append(kept);
        }
    });
}

/// Keeps what of `written` belongs to the request's head, when heads are
/// kept.
fn keep_request_head(written: &[u8]) {
    HEADS.with(|h| {
        let mut h = h.borrow_mut();
        let Some(heads) = h.as_mut().filter(|h| !h.request_done) else {
            return;
        };
        let start = heads.request.len().saturating_sub(3);
        heads.request.extend_from_slice(written);
        if let Some(end) = heads.request[start..]
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
        {
            heads.request.truncate(start + end + 4);
            heads.request_done = true;
        }
    });
}

/// The facts recorded on this thread since [`begin`], left in place.
pub(crate) fn peek() -> Wire {
    CURRENT.with(Cell::get)
}

fn record(f: impl FnOnce(&mut Wire)) {
    CURRENT.with(|cell| {
        let mut wire = cell.get();
        f(&mut wire);
        cell.set(wire);
    });
}

/// The last connector of the chain: every connection it sees is new and
/// ready (TCP connected, TLS done); it wraps it to count what passes and to
/// read each answer's framing before the engine does.
#[derive(Debug)]
pub(crate) struct WatchConnector;

impl<In: Transport> Connector<In> for WatchConnector {
    type Out = Watched<In>;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<In>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        Ok(chained.map(|inner| {
            record(|w| w.opened = true);
            let config = details.config;
            Watched {
                inner,
                address: ADDRESS.with(Cell::get),
                tls: SESSION.with(Cell::get),
                buffers: LazyBuffers::new(config.input_buffer_size(), config.output_buffer_size()),
                framing: Framing::new(config.max_response_header_size()),
                passing: None,
                early: false,
                dropping: false,
                watched: Watching::default(),
                spent: false,
            }
        }))
    }
}

/// A transport that records into the current attempt's [`Wire`], and
/// hands the engine each answer as its [`Framing`] reads it: the engine
/// reads and writes `buffers`; the connection underneath has its own. The
/// bytes of a body that the framing passes on unchanged are not copied:
/// the engine reads them from the connection's buffer.
pub(crate) struct Watched<T> {
    inner: T,
    /// Where the connection goes, and its TLS session: told to each
    /// attempt that uses it.
    address: Option<SocketAddr>,
    tls: Option<Session>,
    buffers: LazyBuffers,
    framing: Framing,
    /// The engine reads body bytes from the connection's own buffer, which
    /// held this many when it was handed over (or last looked at).
    passing: Option<usize>,
    /// Answer bytes came in while the request was being written, and the
    /// engine has not yet been told.
    early: bool,
    /// The server answered before it took the whole request and stopped
    /// reading: the rest of the request is dropped.
    dropping: bool,
    /// What the request under way records beyond the [`Wire`]: looked up
    /// once per request, not on every write.
    watched: Watching,
    /// The connection is not to be used again: its framing was faulty, or
    /// a request on it was cut short.
    spent: bool,
}

impl<T: Transport> fmt::Debug for Watched<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

/// A connection that broke or closed without a TLS `close_notify`: for a
/// body that runs to the close, its end cannot be told from a cut.
fn cut(kind: io::ErrorKind) -> bool {
    use io::ErrorKind::{ConnectionAborted, ConnectionReset, UnexpectedEof};
    matches!(kind, ConnectionAborted | ConnectionReset | UnexpectedEof)
}

/// What a request records beyond its [`Wire`].
#[derive(Debug, Clone, Copy, Default)]
struct Watching {
    heads: bool,
    times: bool,
}

/// Why a body that runs to the close is not known to be whole.
#[derive(Debug)]
pub(crate) struct Truncated(io::ErrorKind);

impl fmt::Display for Truncated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let how = match self.0 {
            io::ErrorKind::UnexpectedEof => {
                "the server closed the TLS connection without a close_notify"
            }
            io::ErrorKind::ConnectionAborted => "the connection was aborted",
            _ => "the connection was reset",
        };
        write!(
            f,
            "{how} during a body that runs to the close: it may be cut short (RFC 9112 §9.8)"
        )
    }
}

impl std::error::Error for Truncated {}

impl<T: Transport> Watched<T> {
    /// Counts what the engine took from the connection's buffer since it
    /// was handed over; hands it back once the body is over or the buffer
    /// is empty.
    #[inline]
    fn settle(&mut self) {
        if let Some(exposed) = self.passing {
            self.settle_passing(exposed);
        }
    }

    /// [`Watched::settle`] while the engine reads from the connection's
    /// buffer, which held `exposed` bytes when it last looked.
    #[inline(never)]
    fn settle_passing(&mut self, exposed: usize) {
        let left = self.inner.buffers().input().len();
        if !self.framing.passed(exposed.saturating_sub(left)) {
            // Past the end of the answer: the connection is not used again.
            self.spent = true;
        }
        self.passing = (left > 0 && self.framing.passes(left)).then_some(left);
    }

    /// Moves what the connection has read through the framing into the
    /// engine's input; returns how many bytes the engine got.
    fn pass_on(&mut self) -> Result<usize, ureq::Error> {
        let raw = self.inner.buffers().input();
        let out = self.buffers.input_append_buf();
        let (taken, written) = match self.framing.feed(raw, out) {
            Ok(moved) => moved,
            Err(fault) => {
                self.spent = true;
                return Err(io::Error::new(io::ErrorKind::InvalidData, fault).into());
            }
        };
        self.inner.buffers().input_consume(taken);
        self.buffers.input_appended(written);
        if let Some(kept) = &mut self.framing.kept
            && !kept.is_empty()
        {
            keep_response_heads(kept);
        }
        Ok(written)
    }

    /// Reads until the engine has new input, the server closes, or a
    /// failure.
    fn fill(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        let mut started = None;
        loop {
            self.settle();
            let raw = self.inner.buffers().input().len();
            // New bytes of a body the framing passes on unchanged: the
            // engine reads them where they are, once what it was handed
            // through its own buffer is read.
            if raw > self.passing.unwrap_or(0) {
                if self.passing.is_some()
                    || (self.buffers.input().is_empty()
                        && !self.dropping
                        && self.framing.passes(raw))
                {
                    self.passing = Some(raw);
                    return Ok(true);
                }
                if self.pass_on()? > 0 {
                    return Ok(true);
                }
            }
            // Bytes the engine is not to see yet (a head in pieces, a
            // chunk extension) spend the same budget, not a new one.
            let mut left = timeout;
            if let UreqDuration::Exact(after) = timeout.after {
                let spent = started.get_or_insert_with(Instant::now).elapsed();
                if spent >= after {
                    return Err(ureq::Error::Timeout(timeout.reason));
                }
                left.after = UreqDuration::Exact(after - spent);
            }
            let before = self.inner.buffers().input().len();
            match self.inner.await_input(left) {
                Ok(true) => {
                    let after = self.inner.buffers().input().len();
                    let mut first = false;
                    record(|w| {
                        first = w.received == 0;
                        w.received += after.saturating_sub(before) as u64;
                    });
                    if first {
                        timed(|times, now| times.first_byte = Some(now));
                    }
                }
                Ok(false) => return Ok(false),
                // The reset that follows an early answer (the server stopped
                // reading the request) is how that answer ends.
                Err(ureq::Error::Io(e)) if self.dropping && cut(e.kind()) => return Ok(false),
                Err(ureq::Error::Io(e)) if self.framing.runs_to_close() && cut(e.kind()) => {
                    self.spent = true;
                    let kind = e.kind();
                    return Err(io::Error::other(Truncated(kind)).into());
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// After a write that failed because the server stopped reading:
    /// whether it had answered first (an early `413`, say). The answer is
    /// then the outcome, not the broken pipe.
    fn answered_early(&mut self, timeout: NextTimeout) -> bool {
        if !self.framing.awaiting_answer() {
            return false;
        }
        self.early = matches!(self.fill(timeout), Ok(true));
        self.early
    }
}

impl<T: Transport> Transport for Watched<T> {
    #[inline]
    fn buffers(&mut self) -> &mut dyn Buffers {
        if let Some(exposed) = self.passing {
            self.settle_passing(exposed);
            if self.passing.is_some() {
                return self.inner.buffers();
            }
        }
        &mut self.buffers
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        // The engine writes only once the answer before is read; should it
        // write while reading a body from the connection's buffer, what it
        // wrote is in the connection's own output.
        if self.passing.is_some() {
            record(|w| w.sent += amount as u64);
            return self.inner.transmit_output(amount, timeout);
        }
        let mut answering = false;
        record(|w| {
            answering = w.received > 0;
            w.sent += amount as u64;
        });
        if self.framing.idle() {
            self.framing.request(&self.buffers.output()[..amount]);
            self.watched = Watching {
                heads: keeping_heads(),
                times: TIMES.with(|t| t.borrow().is_some()),
            };
            self.framing.kept = self.watched.heads.then(Vec::new);
            let (address, tls) = (self.address, self.tls);
            ADDRESS.with(|a| a.set(address));
            SESSION.with(|s| s.set(tls));
        }
        if self.watched.heads {
            keep_request_head(&self.buffers.output()[..amount]);
        }
        if self.dropping {
            return Ok(());
        }
        let mut at = 0;
        while at < amount {
            let out = self.inner.buffers().output();
            let n = out.len().min(amount - at);
            out[..n].copy_from_slice(&self.buffers.output()[at..at + n]);
            match self.inner.transmit_output(n, timeout) {
                Ok(()) => at += n,
                Err(ureq::Error::Io(e))
                    if matches!(
                        e.kind(),
                        io::ErrorKind::BrokenPipe
                            | io::ErrorKind::ConnectionReset
                            | io::ErrorKind::ConnectionAborted
                    ) && self.answered_early(timeout) =>
                {
                    log::debug!("the server answered before it took the whole request ({e})");
                    self.dropping = true;
                    self.spent = true;
                    ANSWERED_EARLY.with(|early| early.set(true));
                    return Ok(());
                }
                Err(e) => return Err(e),
            }
        }
        if self.watched.times && !answering {
            timed(|times, now| times.written = Some(now));
        }
        Ok(())
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        // Honoured only while the early answer is still unread: the engine
        // may have read it without asking.
        if std::mem::take(&mut self.early) && !self.buffers.input().is_empty() {
            return Ok(true);
        }
        self.fill(timeout)
    }

    #[inline]
    fn is_open(&mut self) -> bool {
        self.settle();
        !self.spent
            && self.framing.idle()
            && self.framing.reusable()
            && self.inner.buffers().input().is_empty()
            && self.inner.is_open()
    }

    #[inline]
    fn is_tls(&self) -> bool {
        self.inner.is_tls()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn begin_clears_and_take_reads() {
        begin(false, false);
        record(|w| w.sent += 10);
        assert_eq!(
            take(),
            Wire {
                opened: false,
                sent: 10,
                received: 0
            }
        );
        assert!(
            Wire {
                opened: false,
                sent: 1,
                received: 0
            }
            .reused()
        );
        assert!(
            !Wire {
                opened: true,
                sent: 1,
                received: 0
            }
            .reused()
        );
        begin(false, false);
        assert_eq!(take(), Wire::default());
    }
}
