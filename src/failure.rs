//! What a failed attempt means: the user-facing [`Error`], and whether the
//! request may have reached the server, which decides whether it may be
//! sent again to another host.

use std::io;

use crate::error::{Error, TimeoutPhase};
use crate::settings::Settings;
use crate::tls;

/// How far an attempt got before it failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stage {
    /// Nothing reached the server (refused, unresolvable, connect timeout,
    /// TLS handshake broken): any method may move on; the host is dead.
    BeforeSend,
    /// The server's certificate, or ours, was refused. Nothing was
    /// processed; the host is not dead, the configuration is wrong.
    Certificate,
    /// The request may have reached the server: only idempotent methods
    /// may be sent again; the host is dead.
    AfterSend,
}

/// Turns ureq's error for an attempt on `host` into ours.
pub(crate) fn classify(error: ureq::Error, host: &str, settings: &Settings) -> (Error, Stage) {
    let host_s = host.to_string();
    match error {
        ureq::Error::Io(e) => io_failure(e, host, settings),
        ureq::Error::Timeout(t) => {
            use ureq::Timeout::*;
            let (phase, after, stage) = match t {
                Resolve | Connect => (
                    TimeoutPhase::Connect,
                    settings.connect_timeout(),
                    Stage::BeforeSend,
                ),
                _ => (TimeoutPhase::Response, settings.timeout(), Stage::AfterSend),
            };
            (
                Error::Timeout {
                    host: host_s,
                    phase,
                    after,
                },
                stage,
            )
        }
        ureq::Error::HostNotFound => (
            Error::Connect {
                host: host_s,
                source: io::Error::new(io::ErrorKind::NotFound, "the host name does not resolve"),
            },
            Stage::BeforeSend,
        ),
        ureq::Error::ConnectionFailed => (
            Error::Connect {
                host: host_s,
                source: io::Error::new(io::ErrorKind::ConnectionRefused, "connection failed"),
            },
            Stage::BeforeSend,
        ),
        ureq::Error::BodyStalled => (
            Error::Timeout {
                host: host_s,
                phase: TimeoutPhase::Response,
                after: settings.timeout(),
            },
            Stage::AfterSend,
        ),
        ureq::Error::Tls(msg) => (
            Error::Tls {
                host: host_s,
                kind: crate::TlsErrorKind::Handshake,
                detail: msg.into(),
                hint: "check the host name and TLS settings".into(),
                source: None,
            },
            Stage::BeforeSend,
        ),
        e @ (ureq::Error::Http(_) | ureq::Error::BadUri(_)) => (
            Error::config(
                "request",
                format!("the request cannot be sent as given: {e}"),
            ),
            Stage::BeforeSend,
        ),
        other => (
            Error::Protocol {
                host: host_s,
                message: other.to_string(),
                source: Some(Box::new(other)),
            },
            Stage::AfterSend,
        ),
    }
}

fn io_failure(e: io::Error, host: &str, settings: &Settings) -> (Error, Stage) {
    use io::ErrorKind::*;
    if let Some(rustls_error) = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    {
        let error = tls::error(rustls_error.clone(), host, settings);
        let stage = match &error {
            Error::Tls {
                kind: crate::TlsErrorKind::Handshake,
                ..
            } => Stage::BeforeSend,
            _ => Stage::Certificate,
        };
        return (error, stage);
    }
    let host = host.to_string();
    match e.kind() {
        ConnectionRefused | HostUnreachable | NetworkUnreachable | AddrNotAvailable | NotFound => {
            (Error::Connect { host, source: e }, Stage::BeforeSend)
        }
        TimedOut | WouldBlock => (
            Error::Timeout {
                host,
                phase: TimeoutPhase::Response,
                after: settings.timeout(),
            },
            Stage::AfterSend,
        ),
        UnexpectedEof | ConnectionReset | ConnectionAborted | BrokenPipe => (
            Error::Protocol {
                host,
                message: format!("{} before a complete response", crate::error::io_cause(&e)),
                source: Some(Box::new(e)),
            },
            Stage::AfterSend,
        ),
        _ => (
            Error::Protocol {
                host,
                message: e.to_string(),
                source: Some(Box::new(e)),
            },
            Stage::AfterSend,
        ),
    }
}
