//! Whole messages over a transport, for the handshakes a proxy asks for
//! before the chain runs over it (SOCKS5, `CONNECT`): written whole, read
//! to an exact length.

use ureq::unversioned::transport::{NextTimeout, Transport};

/// Writes all of `bytes` to `transport`.
pub(crate) fn write_all(
    transport: &mut dyn Transport,
    bytes: &[u8],
    timeout: NextTimeout,
) -> Result<(), ureq::Error> {
    for chunk in bytes.chunks(transport.buffers().output().len().max(1)) {
        transport.buffers().output()[..chunk.len()].copy_from_slice(chunk);
        transport.transmit_output(chunk.len(), timeout)?;
    }
    Ok(())
}

/// Reads exactly `n` bytes from `transport` (consumed from its input; what
/// follows stays for the next reader).
pub(crate) fn read_exact(
    transport: &mut dyn Transport,
    n: usize,
    timeout: NextTimeout,
) -> Result<Vec<u8>, ureq::Error> {
    while transport.buffers().input().len() < n {
        if !transport.await_input(timeout)? {
            return Err(ureq::Error::Io(std::io::ErrorKind::UnexpectedEof.into()));
        }
    }
    let bytes = transport.buffers().input()[..n].to_vec();
    transport.buffers().input_consume(n);
    Ok(bytes)
}
