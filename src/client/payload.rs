//! What a request sends as its body: bytes in memory, a file (sent with its
//! length, and from its start again when failover allows), or any reader
//! (sent chunked, and again only while none of it has been read).

use std::fmt;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// The body of a request.
pub(crate) enum Payload {
    /// No body.
    Empty,
    /// Bytes in memory.
    Bytes(Vec<u8>),
    /// A regular file, sent with `Content-Length`.
    File(File),
    /// Any reader, sent with `Transfer-Encoding: chunked`.
    Reader(Shared),
}

impl Payload {
    /// Readies the body to be sent from its start, for one more attempt;
    /// false when that cannot be done: a reader that gave away bytes, or a
    /// file that cannot seek.
    pub fn rewind(&mut self) -> bool {
        match self {
            Payload::Empty | Payload::Bytes(_) => true,
            Payload::File(file) => file.seek(SeekFrom::Start(0)).is_ok(),
            Payload::Reader(reader) => reader.taken() == 0,
        }
    }
}

impl fmt::Debug for Payload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Payload::Empty => f.write_str("Empty"),
            Payload::Bytes(bytes) => write!(f, "Bytes({} bytes)", bytes.len()),
            Payload::File(file) => write!(f, "File({:?})", file.metadata().map(|m| m.len()).ok()),
            Payload::Reader(reader) => write!(f, "Reader({} bytes read)", reader.taken()),
        }
    }
}

/// A reader handed to the engine for one attempt while the request keeps
/// hold of it: an attempt that failed before reading from it leaves it
/// whole for the next one. Counts what was read.
#[derive(Clone)]
pub(crate) struct Shared {
    reader: Arc<Mutex<Box<dyn Read + Send>>>,
    taken: Arc<AtomicU64>,
    /// The reader's own failure, if it failed: the body could not be
    /// read, which is no host's fault.
    failure: Arc<Mutex<Option<io::Error>>>,
}

impl Shared {
    pub fn new(reader: impl Read + Send + 'static) -> Self {
        Shared {
            reader: Arc::new(Mutex::new(Box::new(reader))),
            taken: Arc::new(AtomicU64::new(0)),
            failure: Arc::new(Mutex::new(None)),
        }
    }

    /// The error the reader itself returned, taken out.
    pub fn failure(&self) -> Option<io::Error> {
        self.failure
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
    }

    /// Bytes read from the reader so far.
    pub fn taken(&self) -> u64 {
        self.taken.load(Ordering::Relaxed)
    }
}

impl Read for Shared {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // The server answered before it took the whole body: the rest is
        // not read (stdin, a pipe that may never end).
        if crate::transport::wire::answered_early() {
            return Ok(0);
        }
        let mut reader = self.reader.lock().unwrap_or_else(|e| e.into_inner());
        match reader.read(buf) {
            Ok(n) => {
                self.taken.fetch_add(n as u64, Ordering::Relaxed);
                Ok(n)
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Err(e),
            Err(e) => {
                let shown = io::Error::new(e.kind(), e.to_string());
                *self.failure.lock().unwrap_or_else(|e| e.into_inner()) = Some(e);
                Err(shown)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reader_rewinds_only_while_untouched() {
        let mut payload = Payload::Reader(Shared::new(&b"abc"[..]));
        assert!(payload.rewind());
        let Payload::Reader(reader) = &payload else {
            unreachable!()
        };
        let mut clone = reader.clone();
        let mut one = [0u8; 1];
        clone.read_exact(&mut one).unwrap();
        assert!(!payload.rewind());
    }

    #[test]
    fn a_file_rewinds_to_its_start() {
        let path = std::env::temp_dir().join(format!("httpdb-payload-{}", std::process::id()));
        std::fs::write(&path, b"hello").unwrap();
        let mut file = File::open(&path).unwrap();
        let mut two = [0u8; 2];
        file.read_exact(&mut two).unwrap();
        let mut payload = Payload::File(file);
        assert!(payload.rewind());
        let Payload::File(file) = &mut payload else {
            unreachable!()
        };
        let mut all = String::new();
        file.read_to_string(&mut all).unwrap();
        assert_eq!(all, "hello");
        std::fs::remove_file(path).unwrap();
    }
}
