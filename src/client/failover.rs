//! The failover rules, in one place: after an attempt, whether the request
//! may be sent again (on a fresh connection to the same host, or to the
//! next host) and whether the host is to be skipped for a while.
//!
//! The decision comes from what happened on the wire ([`Wire`]: a new or a
//! pooled connection, request bytes sent, answer bytes received) and from
//! the method, never from the kind of error. Error kinds only say what to
//! tell the user, with three exceptions that concern the *host*, not the
//! request: a certificate that failed verification does not make a host
//! dead (the configuration is wrong, not the host), nor does a proxy that
//! failed in front of it, and a request that cannot be built is nobody's
//! fault.
//!
//! The rule, as Go's HTTP transport has it:
//! - a request of which no byte was sent may go anywhere again;
//! - a request that may be sent twice ([`Replay`](super::replay::Replay):
//!   an idempotent method, a read the server's API defines, a mark or an
//!   idempotency key) may be sent again after any failure, and after a
//!   status of `retry_on_status` (429, 502, 503, 504);
//! - any other request (POST, PATCH, anything else) that was sent, even in
//!   part, is never sent again: its error is the caller's to see;
//! - a host is marked dead only when it could not be reached: a failure
//!   before anything was sent, or a broken connection. A timeout once the
//!   request was sent says the request was slow (a leader election, a
//!   heavy query), not that the host is gone, and marks nothing;
//! - a body that cannot be sent again from its start (a reader that gave
//!   away bytes) keeps any request where it is;
//! - once the status line and headers are in, nothing is sent again: the
//!   body is the caller's to read.

use crate::error::{Error, TlsErrorKind};
use crate::transport::wire::Wire;

/// The user's part of the rules (`retry_on_status`, `retry_on_timeout`):
/// it can hold an idempotent request back, never send a write again.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Policy<'a> {
    /// The statuses after which an idempotent request moves on.
    pub on_status: &'a [u16],
    /// Whether an idempotent request that timed out after it was sent
    /// moves on.
    pub on_timeout: bool,
}

/// What to do after an attempt that did not end in a usable answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Verdict {
    /// Send again to the same host, on a fresh connection: the pooled one
    /// was found closed before any answer (the keep-alive race). Does not
    /// count against `max_retries` and does not mark the host dead.
    pub fresh_retry: bool,
    /// Send to the next host of the plan.
    pub move_on: bool,
    /// Skip this host for `retry_interval`.
    pub mark_dead: bool,
    /// A later try of the call may come back to this host: what failed
    /// may fare otherwise a second time (an answer of `retry_on_status`, a
    /// refused or broken connection: a server or load balancer
    /// restarting). A TLS or proxy failure, a name that does not resolve,
    /// or a timeout would only repeat itself.
    pub again_here: bool,
}

/// After an attempt that failed without a response head. `replay`: the
/// request may be sent twice ([`Replay::allowed`](super::replay::Replay::allowed));
/// `fresh_retried`: this attempt was already the retry on a fresh
/// connection; `replayable`: the body can be sent again from its start
/// (bytes, a file; a reader only while none of it was read).
pub(crate) fn after_failure(
    replay: bool,
    wire: Wire,
    error: &Error,
    fresh_retried: bool,
    replayable: bool,
    policy: Policy<'_>,
) -> Verdict {
    // A request that timed out once sent is held back when the user says so.
    let held = wire.sent > 0 && error.is_timeout() && !policy.on_timeout;
    let repeatable = replayable && !held && (wire.sent == 0 || replay);
    if matches!(error, Error::Config { .. }) {
        return Verdict {
            fresh_retry: false,
            move_on: false,
            mark_dead: false,
            again_here: false,
        };
    }
    // The keep-alive race fails at once; a pooled connection that went
    // silent is a host that hangs, and a new connection to it would wait
    // as long: that goes on under the general rule.
    if wire.reused() && wire.received == 0 && !fresh_retried && !error.is_timeout() {
        return Verdict {
            fresh_retry: repeatable,
            move_on: false,
            mark_dead: false,
            again_here: false,
        };
    }
    // Not the host's fault: its certificate (the configuration is wrong),
    // or the proxy in front of it.
    let certificate = matches!(error, Error::Tls { kind, .. }
        if !matches!(kind, TlsErrorKind::Handshake | TlsErrorKind::Record))
        || matches!(error, Error::Proxy { .. });
    // A timeout once the request was sent: a slow request, not a host gone.
    let slow = wire.sent > 0 && error.is_timeout();
    let again_here = match error {
        Error::Protocol { .. } => true,
        Error::Connect { source, .. } => source.kind() != std::io::ErrorKind::NotFound,
        _ => false,
    };
    Verdict {
        fresh_retry: false,
        move_on: repeatable,
        mark_dead: !certificate && !slow,
        again_here,
    }
}

/// After an answer with `status`. A host that answers is alive: a 503 for
/// one path (Elasticsearch answers so for one sick index) says nothing of
/// the others, so no status marks a host dead. A status of
/// `retry_on_status` (429, 502, 503, 504 by default) sends a request that
/// may be sent twice again; any other was answered and is not sent again.
#[inline]
pub(crate) fn after_answer(replay: bool, status: u16, policy: Policy<'_>) -> Verdict {
    Verdict {
        fresh_retry: false,
        move_on: policy.on_status.contains(&status) && replay,
        mark_dead: false,
        again_here: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wire(opened: bool, sent: u64, received: u64) -> Wire {
        Wire {
            opened,
            sent,
            received,
        }
    }

    const DEFAULT: Policy<'static> = Policy {
        on_status: &[429, 502, 503, 504],
        on_timeout: true,
    };

    fn protocol() -> Error {
        Error::Protocol {
            host: "h:1".into(),
            message: "reset".into(),
            source: None,
            attempts: Default::default(),
        }
    }

    #[test]
    fn nothing_sent_goes_anywhere() {
        let v = after_failure(false, wire(false, 0, 0), &protocol(), false, true, DEFAULT);
        assert!(v.move_on && v.mark_dead && !v.fresh_retry && v.again_here);
    }

    #[test]
    fn a_sent_post_stays_whatever_the_error() {
        let tls = Error::Tls {
            host: "h:1".into(),
            kind: crate::TlsErrorKind::Handshake,
            detail: String::new(),
            hint: String::new(),
            source: None,
            attempts: Default::default(),
        };
        for error in [protocol(), tls] {
            for w in [wire(true, 1, 0), wire(true, 500, 10)] {
                let v = after_failure(false, w, &error, false, true, DEFAULT);
                assert!(!v.move_on && !v.fresh_retry, "{w:?} {error:?}");
            }
        }
    }

    #[test]
    fn a_stale_pooled_connection_is_retried_fresh_once() {
        let stale = wire(false, 80, 0);
        let get = after_failure(true, stale, &protocol(), false, true, DEFAULT);
        assert!(get.fresh_retry && !get.mark_dead && !get.move_on);
        let again = after_failure(true, stale, &protocol(), true, true, DEFAULT);
        assert!(!again.fresh_retry && again.move_on && again.mark_dead);
        let post = after_failure(false, stale, &protocol(), false, true, DEFAULT);
        assert!(!post.fresh_retry && !post.move_on, "{post:?}");
        let answered = after_failure(true, wire(false, 80, 5), &protocol(), false, true, DEFAULT);
        assert!(!answered.fresh_retry && answered.move_on);
    }

    #[test]
    fn a_silent_pooled_connection_is_no_keep_alive_race() {
        let timeout = Error::Timeout {
            host: "h:1".into(),
            phase: crate::TimeoutPhase::Response,
            after: std::time::Duration::from_secs(5),
            attempts: Default::default(),
        };
        let v = after_failure(true, wire(false, 80, 0), &timeout, false, true, DEFAULT);
        assert!(!v.fresh_retry && v.move_on && !v.mark_dead, "{v:?}");
        assert!(!v.again_here, "a timeout would only repeat itself");
    }

    #[test]
    fn a_consumed_reader_keeps_even_a_get_in_place() {
        let v = after_failure(true, wire(true, 0, 0), &protocol(), false, false, DEFAULT);
        assert!(!v.move_on && !v.fresh_retry);
        let stale = after_failure(true, wire(false, 10, 0), &protocol(), false, false, DEFAULT);
        assert!(!stale.move_on && !stale.fresh_retry);
    }

    #[test]
    fn answers_never_mark_dead() {
        assert!(after_answer(true, 503, DEFAULT).move_on);
        assert!(!after_answer(false, 503, DEFAULT).move_on);
        assert!(!after_answer(true, 500, DEFAULT).move_on);
        assert!(!after_answer(true, 503, DEFAULT).mark_dead);
        let with_429 = Policy {
            on_status: &[429],
            on_timeout: true,
        };
        assert!(after_answer(true, 429, with_429).move_on);
        assert!(!after_answer(true, 503, with_429).move_on);
        assert!(!after_answer(false, 429, with_429).move_on);
    }

    #[test]
    fn retry_on_timeout_holds_back_only_what_was_sent() {
        let timeout = Error::Timeout {
            host: "h:1".into(),
            phase: crate::TimeoutPhase::Response,
            after: std::time::Duration::from_secs(1),
            attempts: Default::default(),
        };
        let held = Policy {
            on_status: &[],
            on_timeout: false,
        };
        let sent = after_failure(true, wire(true, 80, 0), &timeout, false, true, held);
        assert!(!sent.move_on);
        assert!(!sent.mark_dead, "a slow request is no dead host");
        assert!(after_failure(true, wire(true, 80, 0), &timeout, false, true, DEFAULT).move_on);
        let unsent = after_failure(true, wire(true, 0, 0), &timeout, false, true, held);
        assert!(unsent.move_on, "nothing was sent: it goes on");
    }
}
