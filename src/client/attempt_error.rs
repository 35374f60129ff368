//! What to tell the user about a failed attempt: ureq's error and the
//! attempt's [`Wire`] facts turned into our [`Error`], saying truthfully at
//! which moment it happened. Whether the request may be sent again is not
//! decided here but in `failover`, from the facts alone.

use std::io;

use crate::error::{Error, TimeoutPhase};
use crate::settings::Settings;
use crate::tls;
use crate::transport::wire::Wire;

/// Turns ureq's error for an attempt on `host` into ours.
pub(crate) fn classify(error: ureq::Error, host: &str, settings: &Settings, wire: Wire) -> Error {
    let host_s = host.to_string();
    if let Some(message) = crate::transport::proxy::failure(&error) {
        return Error::Proxy {
            host: host_s,
            message: message.to_string(),
            attempts: Default::default(),
        };
    }
    match error {
        ureq::Error::Io(e) => io_failure(e, host, settings, wire),
        ureq::Error::Timeout(t) => timeout(t, host_s, settings, wire),
        // The engine got bytes it could make nothing of: no timeout ran out.
        ureq::Error::BodyStalled => Error::Protocol {
            host: host_s,
            message: format!(
                "the answer's body cannot be read further: bytes arrived that the decoder made nothing of{}",
                moment(wire)
            ),
            source: Some(Box::new(ureq::Error::BodyStalled)),
            attempts: Default::default(),
        },
        ureq::Error::HostNotFound => Error::Connect {
            host: host_s,
            source: io::Error::new(io::ErrorKind::NotFound, "the host name does not resolve"),
            attempts: Default::default(),
        },
        ureq::Error::ConnectionFailed => Error::Connect {
            host: host_s,
            source: io::Error::new(io::ErrorKind::ConnectionRefused, "connection failed"),
            attempts: Default::default(),
        },
        ureq::Error::Tls(msg) => Error::Tls {
            host: host_s,
            kind: crate::TlsErrorKind::Handshake,
            detail: msg.into(),
            hint: "check the host name and TLS settings".into(),
            source: None,
            attempts: Default::default(),
        },
        e @ (ureq::Error::Http(_) | ureq::Error::BadUri(_)) => Error::config(
            "request",
            format!("the request cannot be sent as given: {e}"),
        ),
        // Nothing went out and nothing came in: the engine refused to
        // write this request (a header it cannot send). No host is to blame.
        ureq::Error::Protocol(e) if wire.sent == 0 && wire.received == 0 => Error::config(
            "request",
            format!("the request cannot be sent as given: {e}"),
        ),
        other => Error::Protocol {
            host: host_s,
            message: format!("{other}{}", moment(wire)),
            source: Some(Box::new(other)),
            attempts: Default::default(),
        },
    }
}

/// Which limit ran out, told from ureq's reason and how far the attempt got.
fn timeout(reason: ureq::Timeout, host: String, settings: &Settings, wire: Wire) -> Error {
    use ureq::Timeout::*;
    let (phase, after) = match reason {
        Resolve | Connect => (TimeoutPhase::Connect, settings.connect_timeout()),
        PerRead => (TimeoutPhase::Read, settings.read_timeout()),
        // Only a streamed body's writes are bounded so (transport::deadline).
        SendBody => (
            TimeoutPhase::Send { sent: wire.sent },
            settings.read_timeout(),
        ),
        // The whole call's budget ran out before the request was on a
        // connection: it ran out while connecting.
        _ if wire.sent == 0 => (TimeoutPhase::Connect, settings.timeout()),
        _ => (TimeoutPhase::Response, settings.timeout()),
    };
    Error::Timeout {
        host,
        phase,
        after,
        attempts: Default::default(),
    }
}

/// The moment a failure happened, for messages: ` after the request was
/// sent, before any answer`, ` after 1234 bytes of the answer`, or nothing
/// when nothing was sent.
fn moment(wire: Wire) -> String {
    match (wire.sent, wire.received) {
        (0, _) => String::new(),
        (_, 0) => " (after the request was sent, before any answer)".into(),
        (_, n) => format!(" (after the request was sent and {n} bytes of the answer arrived)"),
    }
}

fn io_failure(e: io::Error, host: &str, settings: &Settings, wire: Wire) -> Error {
    use io::ErrorKind::*;
    if let Some(rustls_error) = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    {
        // Our connector hands the connection on only once the handshake is
        // done: a TLS error on a connection that carried request bytes came
        // after the handshake.
        return tls::error(rustls_error.clone(), host, settings, wire.sent > 0);
    }
    let host = host.to_string();
    match e.kind() {
        ConnectionRefused | HostUnreachable | NetworkUnreachable | AddrNotAvailable | NotFound => {
            Error::Connect {
                host,
                source: e,
                attempts: Default::default(),
            }
        }
        TimedOut | WouldBlock => timeout(ureq::Timeout::Global, host, settings, wire),
        UnexpectedEof | ConnectionReset | ConnectionAborted | BrokenPipe if wire.sent == 0 => {
            Error::Connect {
                host,
                source: e,
                attempts: Default::default(),
            }
        }
        UnexpectedEof | ConnectionReset | ConnectionAborted | BrokenPipe => Error::Protocol {
            host,
            message: format!(
                "{} before a complete response{}",
                crate::error::io_cause(&e),
                moment(wire)
            ),
            source: Some(Box::new(e)),
            attempts: Default::default(),
        },
        _ => Error::Protocol {
            host,
            message: format!("{e}{}", moment(wire)),
            source: Some(Box::new(e)),
            attempts: Default::default(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_moment_is_told_from_the_wire() {
        let wire = |sent, received| Wire {
            opened: true,
            sent,
            received,
        };
        assert_eq!(moment(wire(0, 0)), "");
        assert!(moment(wire(10, 0)).contains("before any answer"));
        assert!(moment(wire(10, 7)).contains("7 bytes of the answer"));
    }

    #[test]
    fn a_reset_before_anything_was_sent_is_a_connect_failure() {
        let settings = Settings::from_uri("http://h:1").unwrap();
        let reset = || io::Error::from(io::ErrorKind::ConnectionReset);
        let before = classify(reset().into(), "h:1", &settings, Wire::default());
        assert!(matches!(before, Error::Connect { .. }), "{before:?}");
        let after = classify(reset().into(), "h:1", &settings, wire_sent());
        assert!(
            matches!(&after, Error::Protocol { message, .. } if message.contains("after the request was sent")),
            "{after:?}"
        );
    }

    fn wire_sent() -> Wire {
        Wire {
            opened: false,
            sent: 100,
            received: 0,
        }
    }
}
