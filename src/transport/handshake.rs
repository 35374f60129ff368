//! Whole messages over a transport, for the handshakes a proxy asks for
//! before the chain runs over it (SOCKS5, `CONNECT`): written whole, read
//! to an exact length.

use std::time::Instant;

use ureq::unversioned::transport::time::Duration as UreqDuration;
use ureq::unversioned::transport::{ConnectionDetails, NextTimeout, Transport};

/// What is left of a connect budget, shrinking as the handshakes with a
/// proxy spend it: each lookup, connect, write and read gets what remains
/// (of `connect_timeout`, and of the call's deadline), not a fresh one.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Budget {
    timeout: NextTimeout,
    end: Option<Instant>,
}

impl Budget {
    /// The budget of the connection `details` describes, as it is now.
    pub(crate) fn of(details: &ConnectionDetails) -> Result<Budget, ureq::Error> {
        let timeout = super::wire::clamp(super::tls_connector::remaining(details))?;
        let end = match timeout.after {
            UreqDuration::Exact(after) => Instant::now().checked_add(after),
            UreqDuration::NotHappening => None,
        };
        Ok(Budget { timeout, end })
    }

    /// A budget of `timeout` from now (a request's writes, in steps).
    pub(crate) fn from_timeout(timeout: NextTimeout) -> Budget {
        let end = match timeout.after {
            UreqDuration::Exact(after) => Instant::now().checked_add(after),
            UreqDuration::NotHappening => None,
        };
        Budget { timeout, end }
    }

    /// The timeout for the next step: what is left.
    pub(crate) fn left(&self) -> Result<NextTimeout, ureq::Error> {
        let mut timeout = self.timeout;
        if let Some(end) = self.end {
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(ureq::Error::Timeout(timeout.reason));
            }
            timeout.after = UreqDuration::Exact(left);
        }
        Ok(timeout)
    }
}

/// Writes all of `bytes` to `transport`.
pub(crate) fn write_all(
    transport: &mut dyn Transport,
    bytes: &[u8],
    budget: &Budget,
) -> Result<(), ureq::Error> {
    for chunk in bytes.chunks(transport.buffers().output().len().max(1)) {
        transport.buffers().output()[..chunk.len()].copy_from_slice(chunk);
        transport.transmit_output(chunk.len(), budget.left()?)?;
    }
    Ok(())
}

/// Reads exactly `n` bytes from `transport` (consumed from its input; what
/// follows stays for the next reader).
pub(crate) fn read_exact(
    transport: &mut dyn Transport,
    n: usize,
    budget: &Budget,
) -> Result<Vec<u8>, ureq::Error> {
    while transport.buffers().input().len() < n {
        if !transport.await_input(budget.left()?)? {
            return Err(ureq::Error::Io(std::io::ErrorKind::UnexpectedEof.into()));
        }
    }
    let bytes = transport.buffers().input()[..n].to_vec();
    transport.buffers().input_consume(n);
    Ok(bytes)
}
