//! What the wire saw during one attempt: whether a connection was opened or
//! taken from the pool, whether its handshake finished, whether any byte of
//! the request was handed to the socket and whether any byte of the answer
//! came back. `client::failover` decides from these facts alone what may
//! be tried again.
//!
//! ureq runs a blocking request on the calling thread, connector and
//! transport included, so the facts of the attempt under way live in a
//! thread-local that [`begin`] clears and [`take`] reads.

use std::cell::Cell;
use std::fmt;

use ureq::unversioned::transport::{Buffers, ConnectionDetails, Connector, NextTimeout, Transport};

use super::deadline::Deadline;

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

thread_local! {
    static CURRENT: Cell<Wire> = const { Cell::new(Wire { opened: false, sent: 0, received: 0 }) };
}

/// `timeout` cut to what is left of this thread's [`Deadline`].
///
/// Redundant now: [`Bounded`](super::deadline::Bounded) has already cut
/// what ureq hands every connector and transport. Kept while the proxy
/// and TLS connectors still call it; drop it when they no longer do.
pub(crate) fn clamp(timeout: NextTimeout) -> Result<NextTimeout, ureq::Error> {
    Deadline::current().bound(timeout)
}

/// Starts recording a new attempt on this thread.
pub(crate) fn begin() {
    CURRENT.with(|w| w.set(Wire::default()));
}

/// The facts recorded on this thread since [`begin`].
pub(crate) fn take() -> Wire {
    CURRENT.with(Cell::take)
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
/// ready (TCP connected, TLS done); it wraps it to count what passes.
#[derive(Debug)]
pub(crate) struct WatchConnector;

impl<In: Transport> Connector<In> for WatchConnector {
    type Out = Watched<In>;

    fn connect(
        &self,
        _details: &ConnectionDetails,
        chained: Option<In>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        Ok(chained.map(|inner| {
            record(|w| w.opened = true);
            Watched { inner }
        }))
    }
}

/// A transport that records into the current attempt's [`Wire`].
pub(crate) struct Watched<T> {
    inner: T,
}

impl<T: Transport> fmt::Debug for Watched<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

impl<T: Transport> Transport for Watched<T> {
    #[inline]
    fn buffers(&mut self) -> &mut dyn Buffers {
        self.inner.buffers()
    }

    #[inline]
    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        record(|w| w.sent += amount as u64);
        self.inner.transmit_output(amount, timeout)
    }

    #[inline]
    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        let before = self.inner.buffers().input().len();
        let more = self.inner.await_input(timeout)?;
        let after = self.inner.buffers().input().len();
        record(|w| w.received += after.saturating_sub(before) as u64);
        Ok(more)
    }

    #[inline]
    fn is_open(&mut self) -> bool {
        self.inner.is_open()
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
        begin();
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
        begin();
        assert_eq!(take(), Wire::default());
    }
}
