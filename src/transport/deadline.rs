//! [`Deadline`]: when the call under way must be over, and the one place
//! where it bounds the I/O under the client.
//!
//! **Where it comes from.** The client computes it once per call, from
//! the settings' `timeout` or the request's own, and enters it
//! ([`Deadline::enter`]) while the request goes out, fails over, follows
//! redirects and waits for the answer's head, and again around each
//! whole-body read of the [`Response`](crate::Response) (`bytes`, `text`,
//! `json`, the start of an error's body, the drain on drop). A streamed
//! body read (`Read`, `copy_to`, `lines`) runs under none: `timeout` does
//! not cut it, `read_timeout` bounds each of its waits.
//!
//! **Who goes through it.** Everything ureq does on our behalf, without a
//! site having to remember it: the agent ([`super::agent`]) is built with
//! its resolver and its whole connector chain wrapped in [`Bounded`], the
//! only way in from ureq. So
//! - every name resolution gets ureq's resolve timeout cut to what is
//!   left, and the resolver gives up then (it looks up on a helper thread);
//! - every connect sees `ConnectionDetails::timeout` already cut, in every
//!   link of the chain (the way through a proxy, TCP, the TLS handshake,
//!   which spends only what remains of it);
//! - every write and read of every connection, new or pooled, goes through
//!   the transport that [`Bounded`] wraps around what the chain built.
//!
//! Once the deadline is spent, each of them fails at once with ureq's
//! global timeout, which the client tells as the call's `timeout`.
//!
//! **Streamed uploads.** A request whose body is streamed (a file, a
//! reader) is bounded by progress while its body goes out, as a streamed
//! download is: from its first write to its first read
//! ([`stream_upload`]), each write may wait `read_timeout` for the server
//! to take bytes, the deadline stands still, and it moves later by the
//! time the upload took. `timeout` still bounds the connect before it,
//! the wait for the answer after it, and failover.
//!
//! **Why a thread-local.** ureq runs a blocking call on the calling thread
//! and calls our resolver, connectors and transports with arguments of its
//! own making: the thread is the only channel from the call to them. The
//! deadline is read at the two doors ureq comes in by, not at each I/O
//! site, so a new connector or transport is under it by construction.

use std::cell::Cell;
use std::fmt;
use std::time::{Duration, Instant};

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::time::Duration as UreqDuration;
use ureq::unversioned::transport::{Buffers, ConnectionDetails, Connector, NextTimeout, Transport};

thread_local! {
    /// The deadline of the call under way on this thread, if any.
    static CURRENT: Cell<Deadline> = const { Cell::new(Deadline(None)) };
    /// Whether the attempt under way streams its body, and since when it
    /// goes out.
    static UPLOAD: Cell<Upload> = const { Cell::new(Upload::None) };
}

/// The streamed body of the attempt under way.
#[derive(Clone, Copy)]
enum Upload {
    None,
    /// It streams its body: a write may wait this long.
    Armed(Duration),
    /// The body goes out, since then.
    Going(Duration, Instant),
}

/// The attempt about to start on this thread streams its body when
/// `silence` is given: from its first write to its first read, each write
/// waits at most `silence` and the call's deadline stands still.
pub(crate) fn stream_upload(silence: Option<Duration>) {
    UPLOAD.with(|u| u.set(silence.map_or(Upload::None, Upload::Armed)));
}

/// Ends the upload of the attempt under way, if one is going out: the
/// deadline in force moves later by the time it took. Called by the first
/// read, and by the call after each attempt (one that broke off mid-body).
pub(crate) fn upload_ended() {
    let upload = UPLOAD.with(|u| u.replace(Upload::None));
    if let Upload::Going(_, since) = upload {
        let spent = since.elapsed();
        CURRENT.with(|d| {
            let moved = d.get().0.map(|at| at.checked_add(spent).unwrap_or(at));
            d.set(Deadline(moved));
        });
    }
}

/// The bound of a write of the attempt under way: while a streamed body
/// goes out, `silence` (ureq's `SendBody` timeout) instead of the deadline.
fn write_bound(timeout: NextTimeout) -> Result<NextTimeout, ureq::Error> {
    let silence = match UPLOAD.with(Cell::get) {
        Upload::None => return Deadline::current().bound(timeout),
        Upload::Going(silence, _) => silence,
        Upload::Armed(silence) => {
            UPLOAD.with(|u| u.set(Upload::Going(silence, Instant::now())));
            silence
        }
    };
    let mut timeout = timeout;
    if timeout.after.is_not_happening() || *timeout.after > silence {
        timeout.after = UreqDuration::Exact(silence);
        timeout.reason = ureq::Timeout::SendBody;
    }
    Ok(timeout)
}

/// The moment a call must be over, or none (the default): then I/O waits
/// as long as ureq's own timeouts allow.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Deadline(Option<Instant>);

impl Deadline {
    /// The deadline `budget` from now (none if that overflows).
    pub fn after(budget: Duration) -> Deadline {
        Deadline(Instant::now().checked_add(budget))
    }

    /// The earlier of the two: a call made while another is under way (a
    /// discovery before a call) never outlives the outer one.
    pub fn earlier(self, other: Deadline) -> Deadline {
        match (self.0, other.0) {
            (Some(a), Some(b)) => Deadline(Some(a.min(b))),
            (a, b) => Deadline(a.or(b)),
        }
    }

    /// The deadline in force on this thread.
    pub fn current() -> Deadline {
        CURRENT.with(Cell::get)
    }

    /// Puts this thread's I/O under this deadline until the guard is
    /// dropped, which restores the one in force before.
    pub fn enter(self) -> Entered {
        Entered(CURRENT.with(|d| d.replace(self)))
    }

    /// What is left of it: `None` without a deadline, zero once spent.
    pub fn left(&self) -> Option<Duration> {
        self.0
            .map(|at| at.saturating_duration_since(Instant::now()))
    }

    /// Whether it has passed.
    pub fn is_spent(&self) -> bool {
        self.0.is_some_and(|at| Instant::now() >= at)
    }

    /// `timeout` cut to what is left; running into the deadline reads as
    /// ureq's global timeout, and a spent deadline is that error at once.
    pub fn bound(&self, mut timeout: NextTimeout) -> Result<NextTimeout, ureq::Error> {
        let Some(left) = self.left() else {
            return Ok(timeout);
        };
        if left.is_zero() {
            return Err(ureq::Error::Timeout(ureq::Timeout::Global));
        }
        if timeout.after.is_not_happening() || *timeout.after > left {
            timeout.after = UreqDuration::Exact(left);
            timeout.reason = ureq::Timeout::Global;
        }
        Ok(timeout)
    }
}

/// A deadline in force on this thread; see [`Deadline::enter`].
#[must_use = "the deadline is in force only while this guard lives"]
pub(crate) struct Entered(Deadline);

impl Drop for Entered {
    fn drop(&mut self) {
        CURRENT.with(|d| d.set(self.0));
    }
}

/// A resolver, a connector chain or a transport under this thread's
/// [`Deadline`]: what ureq hands it is cut to what is left of it.
pub(crate) struct Bounded<T>(pub T);

impl<T: fmt::Debug> fmt::Debug for Bounded<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A resolver that takes its timeout only where it may wait: [`Bounded`]
/// hands it the bound as a function, so that an answer it already has
/// (from its cache) reads no clock.
pub(crate) trait ResolveWithin {
    /// The addresses of `uri`'s host; `bound()` is the timeout of a lookup
    /// that may wait, or the error that there is no time left.
    fn resolve_within(
        &self,
        uri: &Uri,
        config: &Config,
        bound: &dyn Fn() -> Result<NextTimeout, ureq::Error>,
    ) -> Result<ResolvedSocketAddrs, ureq::Error>;
}

impl<R: Resolver + ResolveWithin> Resolver for Bounded<R> {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        self.0
            .resolve_within(uri, config, &|| Deadline::current().bound(timeout))
    }

    fn empty(&self) -> ResolvedSocketAddrs {
        self.0.empty()
    }
}

impl<C: Connector<()>> Connector<()> for Bounded<C> {
    type Out = Bounded<C::Out>;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<()>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        let bounded = ConnectionDetails {
            uri: details.uri,
            addrs: details.addrs.clone(),
            config: details.config,
            request_level: details.request_level,
            resolver: details.resolver,
            now: details.now,
            timeout: Deadline::current().bound(details.timeout)?,
            current_time: details.current_time.clone(),
            run_connector: details.run_connector.clone(),
            register_shutdown: details.register_shutdown.clone(),
        };
        Ok(self.0.connect(&bounded, chained)?.map(Bounded))
    }
}

impl<T: Transport> Transport for Bounded<T> {
    #[inline]
    fn buffers(&mut self) -> &mut dyn Buffers {
        self.0.buffers()
    }

    #[inline]
    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        let timeout = write_bound(timeout)?;
        self.0.transmit_output(amount, timeout)
    }

    #[inline]
    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        upload_ended();
        let timeout = Deadline::current().bound(timeout)?;
        self.0.await_input(timeout)
    }

    #[inline]
    fn is_open(&mut self) -> bool {
        self.0.is_open()
    }

    #[inline]
    fn is_tls(&self) -> bool {
        self.0.is_tls()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connect_timeout(secs: u64) -> NextTimeout {
        NextTimeout {
            after: UreqDuration::Exact(Duration::from_secs(secs)),
            reason: ureq::Timeout::Connect,
            per_read: None,
            per_write: None,
        }
    }

    #[test]
    fn a_timeout_is_cut_to_what_is_left() {
        assert_eq!(
            Deadline::default().bound(connect_timeout(10)).unwrap(),
            connect_timeout(10)
        );
        let near = Deadline::after(Duration::from_millis(500));
        let cut = near.bound(connect_timeout(10)).unwrap();
        assert!(*cut.after <= Duration::from_millis(500), "{cut:?}");
        assert_eq!(cut.reason, ureq::Timeout::Global);
        let far = Deadline::after(Duration::from_secs(60));
        assert_eq!(far.bound(connect_timeout(10)).unwrap(), connect_timeout(10));
        let unbounded = far.bound(NextTimeout::default()).unwrap();
        assert!(!unbounded.after.is_not_happening());
        let spent = Deadline::after(Duration::ZERO);
        assert!(spent.is_spent());
        assert!(matches!(
            spent.bound(connect_timeout(10)),
            Err(ureq::Error::Timeout(ureq::Timeout::Global))
        ));
    }

    #[test]
    fn entering_a_deadline_restores_the_one_before() {
        assert_eq!(Deadline::current(), Deadline::default());
        let outer = Deadline::after(Duration::from_secs(60));
        {
            let _outer = outer.enter();
            {
                let _inner = Deadline::default().enter();
                assert_eq!(Deadline::current(), Deadline::default());
            }
            assert_eq!(Deadline::current(), outer);
        }
        assert_eq!(Deadline::current(), Deadline::default());
    }
}
