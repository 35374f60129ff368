//! The attempt the transport just recorded ([`Raw`]), kept as it is until
//! it is looked at, and told as an [`Attempt`]: a successful call
//! allocates nothing for its record.

use std::time::{Duration, Instant};

use crate::attempt::{Connection, Heads, Phase, Session, Timings};
use crate::error::Attempt;
use crate::secret::Scrubber;
use crate::transport::wire::{Facts, RawHeads, Times, Wire};

/// An attempt as the transport recorded it, kept as it is until it is
/// looked at: a successful call allocates nothing for its record, and
/// the answer that carries it grows by little.
#[derive(Debug)]
pub(crate) struct Raw {
    wire: Wire,
    facts: Facts,
    timed: Option<Box<Timed>>,
    heads: Option<Box<RawHeads>>,
    status: Option<u16>,
    redirect: u32,
}

/// The times of an attempt.
#[derive(Debug)]
struct Timed {
    times: Times,
    /// When it began after the call's start, and ended after it began.
    began: Duration,
    total: Duration,
    /// The whole call's, for the call's last attempt.
    call: Option<Duration>,
}

impl Raw {
    /// The attempt that just ended on this thread, after `redirect`
    /// redirects, with the answer's `status` if one came; `call` is when
    /// the call began, when timings are kept; `heads` whether they are.
    pub(crate) fn taken(
        status: Option<u16>,
        redirect: usize,
        call: Option<Instant>,
        heads: bool,
    ) -> Raw {
        let wire = crate::transport::wire::take();
        let (facts, times, heads) = crate::transport::wire::facts(call.is_some(), heads);
        let timed = times.zip(call).map(|(times, call)| {
            Box::new(Timed {
                times,
                began: times.started.saturating_duration_since(call),
                total: times.started.elapsed(),
                call: None,
            })
        });
        Raw {
            wire,
            facts,
            timed,
            heads,
            status,
            redirect: u32::try_from(redirect).unwrap_or(u32::MAX),
        }
    }

    /// The call this attempt was the last of took `total`.
    pub(crate) fn ended_call(&mut self, total: Option<Duration>) {
        if let Some(timed) = &mut self.timed {
            timed.call = total;
        }
    }

    /// The call's time and redirects, for the call's last attempt.
    pub(crate) fn call(&self) -> (Option<Duration>, usize) {
        (
            self.timed.as_ref().and_then(|t| t.call),
            self.redirect as usize,
        )
    }

    /// What the wire saw: for the failover rules.
    pub(crate) fn wire(&self) -> Wire {
        self.wire
    }

    /// The attempt, told: on `host`, its secrets masked by `scrubber`.
    pub(crate) fn told(&self, host: String, scrubber: &Scrubber) -> Attempt {
        let Raw {
            wire,
            facts,
            timed,
            heads,
            status,
            redirect,
        } = self;
        let (wire, facts, status) = (*wire, *facts, *status);
        let timings = timed.as_deref().map(|timed| {
            let Timed {
                times,
                began,
                total,
                ..
            } = *timed;
            let since = |at: Option<Instant>| Some(at?.saturating_duration_since(times.started));
            Timings {
                began,
                name_lookup: since(times.resolved),
                connect: since(times.connected),
                tls_handshake: since(times.secured),
                request_sent: since(times.written),
                first_byte: since(times.first_byte),
                total,
            }
        });
        let connection = if wire.opened {
            Connection::New
        } else if wire.sent > 0 {
            Connection::Pooled
        } else {
            Connection::None
        };
        let reached = if status.is_some() {
            Phase::Answered
        } else if wire.sent > 0 {
            Phase::Sent
        } else {
            facts.reached
        };
        Attempt {
            host,
            address: facts.address,
            connection,
            reached,
            status,
            error: None,
            redirect: *redirect as usize,
            timings,
            sent: wire.sent,
            received: wire.received,
            tls: facts
                .tls
                .filter(|_| connection != Connection::None)
                .map(Session::info),
            heads: heads.as_deref().map(|raw| Heads {
                request: masked_head(&raw.request, scrubber),
                request_length: raw.request.len() as u64,
                responses: raw
                    .responses
                    .iter()
                    .map(|h| masked_head(h, scrubber))
                    .collect(),
            }),
        }
    }
}

/// A head as text, each line ending in CRLF: in a request's head, the
/// credentials of `Authorization` and `Proxy-Authorization` masked after
/// their scheme and the values of other credential headers
/// ([`crate::is_secret_header`], those a request was given alone
/// included) masked whole; in both, the client's secrets masked wherever
/// they appear. An answer's headers are its own (`X-Session-Timeout`),
/// masked only where they quote a secret.
fn masked_head(raw: &[u8], scrubber: &Scrubber) -> String {
    let text = String::from_utf8_lossy(raw);
    let request = !text.starts_with("HTTP/");
    let mut out = String::with_capacity(text.len());
    for (k, line) in text.split_terminator("\r\n").enumerate() {
        let masked = match line.split_once(':') {
            // The first line is the request or status line.
            Some((name, value)) if request && k > 0 && crate::is_secret_header(name) => {
                let words: Vec<&str> = value.split_whitespace().collect();
                let authorization = name.eq_ignore_ascii_case("authorization")
                    || name.eq_ignore_ascii_case("proxy-authorization");
                match words.as_slice() {
                    [scheme, _, ..] if authorization => format!("{name}: {scheme} ***"),
                    [] => line.to_string(),
                    _ => format!("{name}: ***"),
                }
            }
            _ => scrubber.scrub(line),
        };
        out.push_str(&masked);
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Secret;

    #[test]
    fn a_request_head_hides_credential_headers_and_an_answer_keeps_its_own() {
        let scrubber = Scrubber::new([Secret::new("Zq9Secret-pw")]);
        let request = masked_head(
            b"GET /x HTTP/1.1\r\nauthorization: Bearer tok-1\r\nx-api-key: k1\r\nauthorization: Raw\r\ncookie: a=Zq9Secret-pw\r\naccept: */*\r\n\r\n",
            &scrubber,
        );
        assert_eq!(
            request,
            "GET /x HTTP/1.1\r\nauthorization: Bearer ***\r\nx-api-key: ***\r\nauthorization: ***\r\ncookie: ***\r\naccept: */*\r\n\r\n"
        );
        let answer = masked_head(
            b"HTTP/1.1 200 OK\r\nX-Session-Timeout: 3600\r\nWWW-Authenticate: Basic realm=\"db\"\r\nX-Echo: Zq9Secret-pw\r\n\r\n",
            &scrubber,
        );
        assert_eq!(
            answer,
            "HTTP/1.1 200 OK\r\nX-Session-Timeout: 3600\r\nWWW-Authenticate: Basic realm=\"db\"\r\nX-Echo: ***\r\n\r\n"
        );
    }
}
