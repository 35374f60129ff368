//! Where each answer ends, read from the bytes as they arrive (RFC 9112
//! §6 and §7), ahead of the engine.
//!
//! ureq-proto reads a chunk size written `+1a` as 26, refuses a chunk
//! extension longer than about 20 bytes, refuses a `100 Continue` that
//! carries header fields, and reads an HTTP/1.0 answer with
//! `Transfer-Encoding: chunked` to the close with its chunk sizes as data.
//! [`Framing`] sits between the socket and the engine and hands the engine
//! only framing it reads right: a fault (§6.1, §6.3, §7.1) is an error
//! that names it, an unknown chunk extension is dropped (§7.1.1), a 1xx
//! reaches the engine without its fields. It also knows when the body
//! under way is one that runs to the close, so that the transport can tell
//! a clean end (a FIN, a TLS `close_notify`) from a cut one.

use std::fmt;

/// A fault in the framing of an answer: the answer cannot be read as the
/// server meant it, so none of it is handed on as data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fault(String);

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "faulty framing: {}", self.0)
    }
}

impl std::error::Error for Fault {}

fn fault(what: impl Into<String>) -> Fault {
    Fault(what.into())
}

/// The longest chunk line (size and extensions) and trailer section read;
/// unknown extensions are dropped, but not without end.
const LONGEST_CHUNK_LINE: usize = 4096;

/// The most header fields one head may have (ureq-proto allows 128).
const MOST_FIELDS: usize = 128;

/// What the bytes in flight are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Between exchanges.
    Idle,
    /// The head of an answer (interim ones included) is being collected.
    Head,
    /// A body of this many bytes still to come.
    Length(u64),
    /// A chunked body.
    Chunked(Chunk),
    /// A body that runs until the server closes the connection.
    Close,
    /// Not HTTP/1.1 framing any more (after a 101, or a head that is not
    /// HTTP at all, which the engine reports): passed on as it is.
    Raw,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Chunk {
    /// The chunk-size line: its value and digits so far, how many bytes
    /// followed the digits, whether a `;` began the extensions, and
    /// whether a CR was just seen.
    Size {
        value: u64,
        digits: u8,
        rest: usize,
        extension: bool,
        cr: bool,
    },
    /// Chunk data still to come.
    Data(u64),
    /// The CRLF after a chunk's data.
    DataEnd { cr: bool },
    /// The trailer section: bytes so far, the current line's length,
    /// whether a CR was just seen.
    Trailer { seen: usize, line: usize, cr: bool },
}

const SIZE_LINE: Chunk = Chunk::Size {
    value: 0,
    digits: 0,
    rest: 0,
    extension: false,
    cr: false,
};

/// The framing state of one connection.
#[derive(Debug)]
pub(crate) struct Framing {
    phase: Phase,
    /// The request in flight is a HEAD: its answer has no body.
    head_request: bool,
    /// The head being collected.
    head: Vec<u8>,
    /// Bytes ready for the engine that did not fit where it reads.
    pending: Vec<u8>,
    /// The longest head accepted.
    longest_head: usize,
    /// No answer so far said the connection must not be used again.
    reusable: bool,
    /// The complete heads read, when they are kept (`Request::keep_heads`):
    /// the transport takes them.
    pub kept: Option<Vec<Vec<u8>>>,
}

impl Framing {
    /// A new connection's framing; heads longer than `longest_head` bytes
    /// are a fault.
    pub fn new(longest_head: usize) -> Framing {
        Framing {
            phase: Phase::Idle,
            head_request: false,
            head: Vec::new(),
            pending: Vec::new(),
            longest_head,
            reusable: true,
            kept: None,
        }
    }

    /// Whether the connection may carry another exchange once this one
    /// is over, as far as the answers' framing goes.
    pub fn reusable(&self) -> bool {
        self.reusable
    }

    /// Whether the exchange before is over, so that the next bytes written
    /// begin a request.
    pub fn idle(&self) -> bool {
        self.phase == Phase::Idle
    }

    /// A request begins with `start` (at least its method and a space, as
    /// the engine writes its head in one piece).
    pub fn request(&mut self, start: &[u8]) {
        self.head_request = start.starts_with(b"HEAD ");
        self.phase = Phase::Head;
    }

    /// Whether the body under way runs until the server closes the
    /// connection: its end is then only as good as the way it closed.
    pub fn runs_to_close(&self) -> bool {
        self.phase == Phase::Close
    }

    /// Whether no answer has begun since the request was written.
    pub fn awaiting_answer(&self) -> bool {
        self.phase == Phase::Head && self.head.is_empty() && self.pending.is_empty()
    }

    /// Whether the next `available` bytes from the server are body bytes
    /// the engine is to see as they are: a body by `Content-Length` with at
    /// least that many still to come, one that runs to the close, or bytes
    /// past HTTP/1.1 framing. The engine may then read them where the
    /// connection put them, and [`Framing::passed`] is told how many it
    /// took.
    pub fn passes(&self, available: usize) -> bool {
        self.pending.is_empty()
            && match self.phase {
                Phase::Length(left) => available as u64 <= left,
                Phase::Close | Phase::Raw => true,
                _ => false,
            }
    }

    /// The engine took `n` bytes of the body without [`Framing::feed`].
    /// False when the body had fewer than that to come: the engine read
    /// past the answer's end as the framing knows it.
    pub fn passed(&mut self, n: usize) -> bool {
        match self.phase {
            Phase::Length(left) if n as u64 <= left => {
                self.phase = match left - n as u64 {
                    0 => Phase::Idle,
                    left => Phase::Length(left),
                };
                true
            }
            Phase::Close | Phase::Raw => true,
            _ => n == 0,
        }
    }

    /// Reads `raw` bytes from the server and writes what the engine is to
    /// see into `out`. Returns how many bytes of `raw` were taken and how
    /// many of `out` were written; stops when `out` is full.
    pub fn feed(&mut self, raw: &[u8], out: &mut [u8]) -> Result<(usize, usize), Fault> {
        let mut taken = 0;
        let mut written = self.flush(out);
        while taken < raw.len() && written < out.len() && self.pending.is_empty() {
            let rest = &raw[taken..];
            let (t, w) = match self.phase {
                Phase::Idle | Phase::Head => {
                    // Bytes between exchanges can only be an answer's head.
                    self.phase = Phase::Head;
                    let t = self.read_head(rest)?;
                    (t, self.flush(&mut out[written..]))
                }
                Phase::Length(left) => {
                    let n = pass(rest, &mut out[written..], left);
                    self.phase = match left - n as u64 {
                        0 => Phase::Idle,
                        left => Phase::Length(left),
                    };
                    (n, n)
                }
                Phase::Close | Phase::Raw => {
                    let n = pass(rest, &mut out[written..], u64::MAX);
                    (n, n)
                }
                Phase::Chunked(Chunk::Data(left)) => {
                    let n = pass(rest, &mut out[written..], left);
                    self.phase = Phase::Chunked(match left - n as u64 {
                        0 => Chunk::DataEnd { cr: false },
                        left => Chunk::Data(left),
                    });
                    (n, n)
                }
                Phase::Chunked(chunk) => {
                    self.phase = chunk_byte(chunk, rest[0], &mut self.pending)?;
                    (1, self.flush(&mut out[written..]))
                }
            };
            taken += t;
            written += w;
        }
        Ok((taken, written))
    }

    /// Moves what is pending into `out`; returns how much.
    fn flush(&mut self, out: &mut [u8]) -> usize {
        let n = self.pending.len().min(out.len());
        out[..n].copy_from_slice(&self.pending[..n]);
        self.pending.drain(..n);
        n
    }

    /// Collects head bytes from `raw`; once the head is whole, puts it in
    /// `pending` and sets the phase from it. Returns how much of `raw` it
    /// took.
    fn read_head(&mut self, raw: &[u8]) -> Result<usize, Fault> {
        let before = self.head.len();
        let room = (self.longest_head + 1).saturating_sub(before);
        self.head.extend_from_slice(&raw[..raw.len().min(room)]);
        // Uninitialised slots: 128 of them would be 4 KiB to zero per head.
        let mut fields =
            [const { std::mem::MaybeUninit::<httparse::Header<'_>>::uninit() }; MOST_FIELDS];
        let mut answer = httparse::Response::new(&mut []);
        let parsed = httparse::ParserConfig::default().parse_response_with_uninit_headers(
            &mut answer,
            &self.head,
            &mut fields,
        );
        let length = match parsed {
            Ok(httparse::Status::Complete(length)) => length,
            Ok(httparse::Status::Partial) if self.head.len() > self.longest_head => {
                return Err(fault(format!(
                    "the answer's head is longer than {} bytes",
                    self.longest_head
                )));
            }
            Ok(httparse::Status::Partial) => return Ok(self.head.len() - before),
            Err(httparse::Error::TooManyHeaders) => {
                return Err(fault(format!(
                    "the answer's head has more than {MOST_FIELDS} header fields"
                )));
            }
            // Not HTTP: the engine says so in its own words.
            Err(_) => {
                let taken = self.head.len() - before;
                self.phase = Phase::Raw;
                self.pending.append(&mut self.head);
                return Ok(taken);
            }
        };
        let (framing, retire) = framing_of(self.head_request, &answer)?;
        if let Some(kept) = &mut self.kept {
            kept.push(self.head[..length].to_vec());
        }
        self.reusable &= !retire;
        let status_line = self.head.iter().position(|b| *b == b'\n').unwrap_or(0) + 1;
        self.head.truncate(length);
        if framing == Phase::Head {
            // An interim answer: the engine takes only its status line (it
            // refuses a 100 Continue with fields, which RFC 9110 §15.2
            // allows).
            self.pending.extend_from_slice(&self.head[..status_line]);
            self.pending.extend_from_slice(b"\r\n");
            self.head.clear();
        } else {
            self.pending.append(&mut self.head);
        }
        self.phase = framing;
        Ok(length.saturating_sub(before))
    }
}

/// How the body after a complete head is framed (RFC 9112 §6.3), and
/// whether the answer retires its connection (`Content-Length` beside
/// chunked framing). Reads the fields in place: nothing is allocated unless
/// there is a fault to name. `head_request`: the answer is to a HEAD.
fn framing_of(
    head_request: bool,
    answer: &httparse::Response<'_, '_>,
) -> Result<(Phase, bool), Fault> {
    let status = answer.code.unwrap_or(0);
    if status == 101 {
        return Ok((Phase::Raw, false));
    }
    if (100..200).contains(&status) {
        return Ok((Phase::Head, false));
    }
    if head_request || status == 204 || status == 304 {
        return Ok((Phase::Idle, false));
    }
    let fields = |name: &'static str| {
        answer
            .headers
            .iter()
            .filter(move |h| h.name.eq_ignore_ascii_case(name))
            .flat_map(|h| h.value.split(|b| *b == b','))
            .map(<[u8]>::trim_ascii)
            .filter(|v| !v.is_empty())
    };
    let shown = |name: &'static str| {
        fields(name)
            .map(|v| String::from_utf8_lossy(v).into_owned())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut codings = fields("transfer-encoding");
    if let Some(first) = codings.next() {
        if answer.version == Some(0) {
            return Err(fault(format!(
                "an HTTP/1.0 answer with Transfer-Encoding: {}, which HTTP/1.0 does not have (RFC 9112 §6.1)",
                shown("transfer-encoding")
            )));
        }
        // One coding, chunked: the only one a client is bound to read
        // (RFC 9112 §7). Any other the engine would not undo, and would
        // hand on as data.
        if !first.eq_ignore_ascii_case(b"chunked") || codings.next().is_some() {
            return Err(fault(format!(
                "Transfer-Encoding: {}, where httpdb reads chunked alone",
                shown("transfer-encoding")
            )));
        }
        // With a Content-Length beside it, the chunks frame this answer,
        // and the connection is not used again (RFC 9112 §6.3 item 3).
        let retire = fields("content-length").next().is_some();
        return Ok((Phase::Chunked(SIZE_LINE), retire));
    }
    let mut lengths = fields("content-length");
    let Some(first) = lengths.next() else {
        return Ok((Phase::Close, false));
    };
    let digits = !first.is_empty() && first.iter().all(u8::is_ascii_digit);
    let length = std::str::from_utf8(first)
        .ok()
        .and_then(|t| t.parse::<u64>().ok())
        .filter(|_| digits && lengths.all(|l| l == first))
        .ok_or_else(|| {
            fault(format!(
                "Content-Length: {}, not one length in decimal digits (RFC 9112 §6.3)",
                shown("content-length")
            ))
        })?;
    let phase = match length {
        0 => Phase::Idle,
        n => Phase::Length(n),
    };
    Ok((phase, false))
}

/// Copies what fits of `raw` into `out`, at most `limit` bytes.
fn pass(raw: &[u8], out: &mut [u8], limit: u64) -> usize {
    let n = raw
        .len()
        .min(out.len())
        .min(limit.min(usize::MAX as u64) as usize);
    out[..n].copy_from_slice(&raw[..n]);
    n
}

/// One byte of a chunked body outside chunk data (RFC 9112 §7.1): the next
/// phase, with what the engine is to see put in `emit`.
fn chunk_byte(chunk: Chunk, b: u8, emit: &mut Vec<u8>) -> Result<Phase, Fault> {
    let next = match chunk {
        Chunk::Size { cr: true, .. } if b != b'\n' => {
            return Err(fault("a chunk-size line with a CR not followed by LF"));
        }
        Chunk::Size {
            value,
            digits,
            rest,
            extension,
            cr,
        } => match b {
            b'\n' if digits == 0 => return Err(fault("an empty chunk-size line")),
            b'\n' => {
                // The size alone: extensions are dropped (§7.1.1), and the
                // engine never sees a line it would refuse.
                emit.extend_from_slice(format!("{value:x}\r\n").as_bytes());
                if value == 0 {
                    Chunk::Trailer {
                        seen: 0,
                        line: 0,
                        cr: false,
                    }
                } else {
                    Chunk::Data(value)
                }
            }
            b'\r' => Chunk::Size {
                value,
                digits,
                rest,
                extension,
                cr: true,
            },
            _ if rest == 0 && b.is_ascii_hexdigit() => {
                if digits == 16 {
                    return Err(fault("a chunk size of more than 16 hex digits"));
                }
                let digit = (b as char).to_digit(16).unwrap_or(0) as u64;
                Chunk::Size {
                    value: value << 4 | digit,
                    digits: digits + 1,
                    rest,
                    extension,
                    cr,
                }
            }
            _ if digits == 0 => {
                return Err(fault(format!(
                    "a chunk size that begins with {:?}: only hex digits are allowed (RFC 9112 §7.1)",
                    b as char
                )));
            }
            _ if rest + 1 > LONGEST_CHUNK_LINE => {
                return Err(fault(format!(
                    "a chunk extension longer than {LONGEST_CHUNK_LINE} bytes"
                )));
            }
            // Whitespace may come before the first `;` (BWS, §7.1.1);
            // anything else must be an extension.
            _ if extension || matches!(b, b' ' | b'\t' | b';') => Chunk::Size {
                value,
                digits,
                rest: rest + 1,
                extension: extension || b == b';',
                cr,
            },
            _ => {
                return Err(fault(format!(
                    "a chunk size followed by {:?}: only hex digits are allowed (RFC 9112 §7.1)",
                    b as char
                )));
            }
        },
        Chunk::DataEnd { cr } => match b {
            b'\r' if !cr => Chunk::DataEnd { cr: true },
            b'\n' => {
                emit.extend_from_slice(b"\r\n");
                SIZE_LINE
            }
            _ => return Err(fault("chunk data longer than its chunk size")),
        },
        Chunk::Trailer { seen, .. } if seen >= LONGEST_CHUNK_LINE => {
            return Err(fault(format!(
                "a trailer section longer than {LONGEST_CHUNK_LINE} bytes"
            )));
        }
        Chunk::Trailer { seen, line, cr } => match b {
            b'\n' if line == 0 => {
                // The end of the body. Trailer fields are dropped: the
                // engine does not hand them on.
                emit.extend_from_slice(b"\r\n");
                return Ok(Phase::Idle);
            }
            b'\n' => Chunk::Trailer {
                seen: seen + 1,
                line: 0,
                cr: false,
            },
            b'\r' if !cr => Chunk::Trailer {
                seen: seen + 1,
                line,
                cr: true,
            },
            _ => Chunk::Trailer {
                seen: seen + 1,
                line: line + 1,
                cr: false,
            },
        },
        Chunk::Data(_) => unreachable!("chunk data is passed on whole"),
    };
    Ok(Phase::Chunked(next))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the engine sees of `raw` fed in pieces of `step` bytes into
    /// an `out` of `room` bytes, after a request that starts with `request`.
    fn seen(request: &str, raw: &[u8], step: usize, room: usize) -> Result<Vec<u8>, Fault> {
        let mut framing = Framing::new(1024);
        framing.request(request.as_bytes());
        let mut seen = Vec::new();
        let mut out = vec![0; room];
        let mut at = 0;
        while at < raw.len() || !framing.pending.is_empty() {
            let end = (at + step).min(raw.len());
            let (taken, written) = framing.feed(&raw[at..end], &mut out)?;
            seen.extend_from_slice(&out[..written]);
            at += taken;
            if taken == 0 && written == 0 {
                break;
            }
        }
        assert_eq!(at, raw.len(), "all of it taken");
        Ok(seen)
    }

    fn each_way(raw: &[u8]) -> Result<Vec<u8>, Fault> {
        let whole = seen("GET / ", raw, raw.len(), 1 << 16)?;
        for (step, room) in [(1, 1 << 16), (3, 5), (7, 1), (64, 2)] {
            assert_eq!(
                seen("GET / ", raw, step, room)?,
                whole,
                "step {step} room {room}"
            );
        }
        Ok(whole)
    }

    #[test]
    fn bodies_pass_uncopied_only_where_they_reach_the_engine_as_they_are() {
        let head = |framing: &mut Framing, raw: &[u8]| {
            framing.request(b"GET / HTTP/1.1\r\n");
            let mut out = vec![0; 1024];
            let (taken, _) = framing.feed(raw, &mut out).unwrap();
            assert_eq!(taken, raw.len());
        };
        let mut framing = Framing::new(1024);
        head(
            &mut framing,
            b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n",
        );
        assert!(framing.passes(10) && !framing.passes(11));
        assert!(framing.passed(4) && framing.passes(6) && !framing.passes(7));
        assert!(!framing.passed(7), "past the end");
        assert!(framing.passed(6) && framing.idle() && !framing.passes(1));
        // A chunked body is rewritten for the engine: never passed.
        head(
            &mut framing,
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
        );
        assert!(!framing.passes(1) && !framing.passed(1) && framing.passed(0));
        let mut framing = Framing::new(1024);
        head(&mut framing, b"HTTP/1.1 200 OK\r\n\r\n");
        assert!(framing.runs_to_close() && framing.passes(usize::MAX) && framing.passed(1 << 20));
    }

    #[test]
    fn chunks_reach_the_engine_with_sizes_alone() {
        let raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1a;name=\"a very long extension value that ureq-proto refuses\"\r\nabcdefghijklmnopqrstuvwxyz\r\n3 ; x\r\nabc\r\n0\r\nX-Trailer: 1\r\n\r\n";
        let seen = each_way(raw).unwrap();
        assert_eq!(
            String::from_utf8(seen).unwrap(),
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1a\r\nabcdefghijklmnopqrstuvwxyz\r\n3\r\nabc\r\n0\r\n\r\n"
        );
    }

    #[test]
    fn faulty_chunk_sizes_are_named() {
        let cases: [(&[u8], &str); 6] = [
            (b"+1a\r\n", "begins with '+'"),
            (b" 1a\r\n", "begins with ' '"),
            (b"1a x\r\n", "followed by 'x'"),
            (b"\r\n", "empty chunk-size line"),
            (b"11111111111111111\r\n", "more than 16 hex digits"),
            (b"1\r\nab\r\n", "longer than its chunk size"),
        ];
        for (body, what) in cases {
            let mut raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
            raw.extend_from_slice(body);
            let error = each_way(&raw).unwrap_err();
            assert!(error.to_string().contains(what), "{error} for {body:?}");
        }
        let mut raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;".to_vec();
        raw.extend(std::iter::repeat_n(b'x', 5000));
        assert!(
            each_way(&raw)
                .unwrap_err()
                .to_string()
                .contains("extension longer")
        );
    }

    #[test]
    fn http_1_0_with_transfer_encoding_is_a_fault() {
        let raw = b"HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
        let error = each_way(raw).unwrap_err();
        assert!(error.to_string().contains("HTTP/1.0"), "{error}");
    }

    #[test]
    fn codings_other_than_chunked_are_a_fault() {
        for codings in ["gzip, chunked", "chunked, gzip", "identity"] {
            let raw = format!("HTTP/1.1 200 OK\r\nTransfer-Encoding: {codings}\r\n\r\n0\r\n\r\n");
            let error = each_way(raw.as_bytes()).unwrap_err();
            assert!(error.to_string().contains("reads chunked alone"), "{error}");
        }
        // Chunked beside a Content-Length: read as chunked, never reused.
        let mut framing = Framing::new(1024);
        framing.request(b"GET / ");
        let mut out = [0u8; 256];
        framing
            .feed(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", &mut out)
            .unwrap();
        assert!(framing.idle() && !framing.reusable());
    }

    #[test]
    fn conflicting_lengths_are_a_fault() {
        for lengths in ["5, 6", "+5", "5x"] {
            let raw = format!("HTTP/1.1 200 OK\r\nContent-Length: {lengths}\r\n\r\nhello");
            let error = each_way(raw.as_bytes()).unwrap_err();
            assert!(error.to_string().contains("Content-Length"), "{error}");
        }
        let same = b"HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\nhello";
        assert!(each_way(same).unwrap().ends_with(b"hello"));
    }

    #[test]
    fn interim_answers_lose_their_fields() {
        let raw = b"HTTP/1.1 100 Continue\r\nX-Note: yes\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
        assert_eq!(
            each_way(raw).unwrap(),
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
        );
    }

    #[test]
    fn where_each_answer_ends() {
        let mut framing = Framing::new(1024);
        let mut out = [0u8; 256];
        framing.request(b"HEAD / ");
        framing
            .feed(b"HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n", &mut out)
            .unwrap();
        assert!(framing.idle(), "a HEAD answer has no body");
        framing.request(b"GET / ");
        assert!(framing.awaiting_answer());
        framing
            .feed(b"HTTP/1.1 200 OK\r\n\r\nabc", &mut out)
            .unwrap();
        assert!(framing.runs_to_close());
        let mut framing = Framing::new(1024);
        framing.request(b"GET / ");
        framing
            .feed(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc", &mut out)
            .unwrap();
        assert!(framing.idle());
    }

    #[test]
    fn an_endless_head_is_a_fault() {
        let mut framing = Framing::new(1024);
        framing.request(b"GET / ");
        let mut out = [0u8; 64];
        framing.feed(b"HTTP/1.1 200 OK\r\n", &mut out).unwrap();
        let line = b"X-Filler: 0123456789012345678901234567890123456789\r\n";
        let error = (0..100)
            .find_map(|_| framing.feed(line, &mut out).err())
            .expect("a fault");
        assert!(
            error.to_string().contains("longer than 1024 bytes"),
            "{error}"
        );
    }

    #[test]
    fn what_is_not_http_passes_for_the_engine_to_tell() {
        assert_eq!(
            each_way(b"SSH-2.0-OpenSSH\r\n\r\n").unwrap(),
            b"SSH-2.0-OpenSSH\r\n\r\n"
        );
    }
}
