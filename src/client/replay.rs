//! Whether a request may be sent twice with the effect of once, and why:
//! the caller's mark, an idempotency key, a read the server's API
//! defines, or its method. `failover` asks this once per request (and
//! again after a redirect changes the method or path); it never guesses
//! from a body.

use std::fmt;

use ureq::http::{HeaderMap, Method};

use super::reads::{self, ReadEndpoint};
use crate::settings::{Product, Settings};

/// Why a request may, or may not, be sent again once any byte of it was
/// sent, in the order the reasons are weighed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Replay {
    /// The caller said so: [`Request::idempotent`](crate::Request::idempotent)
    /// (the CLI's `--idempotent`).
    Marked(bool),
    /// The request carries an `Idempotency-Key` or `X-Idempotency-Key`
    /// header, as Go's HTTP transport reads it: the server deduplicates.
    IdempotencyKey,
    /// A POST that the server's own API defines as a read.
    Read(&'static ReadEndpoint),
    /// By its method: GET, HEAD, PUT, DELETE, OPTIONS and TRACE may be
    /// sent again (RFC 9110 §9.2.2); any other may not.
    Method(bool),
}

impl Replay {
    /// The rule `method` `path` falls under. `keyed` says whether the
    /// request carries an idempotency key (asked only of a method that is
    /// not idempotent), `mark` is the caller's, `known` the product behind
    /// the URI, `retry_reads` the option.
    pub(crate) fn of(
        method: &Method,
        path: &str,
        keyed: impl FnOnce() -> bool,
        mark: Option<bool>,
        known: Option<Product>,
        retry_reads: bool,
    ) -> Replay {
        if let Some(mark) = mark {
            return Replay::Marked(mark);
        }
        // A key or the table only matter to a method that is not idempotent.
        if idempotent(method) {
            return Replay::Method(true);
        }
        if keyed() {
            return Replay::IdempotencyKey;
        }
        if retry_reads
            && *method == Method::POST
            && let Some(read) = reads::lookup(path, known)
        {
            return Replay::Read(read);
        }
        Replay::Method(false)
    }

    /// The rule `method` `path` falls under with `settings` alone, before
    /// any client is built or any file read: their default headers, the
    /// `product` option and `retry_reads` (`httpdb config --request`).
    ///
    /// ```
    /// use httpdb::{Method, Replay, Settings};
    /// let settings = Settings::from_uri("https://localhost:2379/?retry_reads=false")?;
    /// let rule = Replay::for_settings(&settings, &Method::POST, "/v3/kv/range");
    /// assert_eq!(rule, Replay::Method(false));
    /// # Ok::<(), httpdb::Error>(())
    /// ```
    pub fn for_settings(settings: &Settings, method: &Method, path: &str) -> Replay {
        let keyed = || {
            settings
                .headers()
                .iter()
                .any(|(name, _)| KEY_HEADERS.iter().any(|k| name.eq_ignore_ascii_case(k)))
        };
        Replay::of(
            method,
            path,
            keyed,
            None,
            settings.product(),
            settings.retry_reads(),
        )
    }

    /// Whether the request may be sent again after any of it was sent.
    pub fn allowed(&self) -> bool {
        match self {
            Replay::Marked(yes) | Replay::Method(yes) => *yes,
            Replay::IdempotencyKey | Replay::Read(_) => true,
        }
    }

    /// Whether the caller vouched for it (a mark or an idempotency key),
    /// rather than its method or the table: such a request to a server
    /// that has a switch against writes goes with it.
    pub(crate) fn vouched(&self) -> bool {
        matches!(self, Replay::Marked(true) | Replay::IdempotencyKey)
    }
}

impl fmt::Display for Replay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Replay::Marked(true) => f.write_str("sent again after a failure: marked idempotent by the caller"),
            Replay::Marked(false) => f.write_str("never sent twice: marked not idempotent by the caller"),
            Replay::IdempotencyKey => f.write_str("sent again after a failure: it carries an Idempotency-Key header"),
            Replay::Read(read) => write!(
                f,
                "sent again after a failure: a read by {}'s API ({}); retry_reads=false turns this off",
                read.product, read.source
            ),
            Replay::Method(true) => f.write_str("sent again after a failure: an idempotent method"),
            Replay::Method(false) => f.write_str(
                "never sent twice once any of it was sent: not an idempotent method, not a known read; mark it with Request::idempotent(true) or --idempotent if it is one",
            ),
        }
    }
}

/// The headers by which a request says the server deduplicates it.
const KEY_HEADERS: [&str; 2] = ["idempotency-key", "x-idempotency-key"];

/// Whether `headers` carry an idempotency key.
pub(crate) fn keyed(headers: &HeaderMap) -> bool {
    KEY_HEADERS.iter().any(|key| headers.contains_key(*key))
}

/// Whether `method` may be sent twice with the effect of once (RFC 9110
/// §9.2.2).
pub(crate) fn idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS | Method::TRACE
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reasons_in_order() {
        let none = HeaderMap::new();
        let mut keyed = HeaderMap::new();
        keyed.insert("idempotency-key", "k1".parse().unwrap());
        let of = |m: Method, path, h: &HeaderMap, mark, reads| {
            Replay::of(&m, path, || super::keyed(h), mark, None, reads)
        };
        assert_eq!(
            of(Method::POST, "/v3/kv/put", &none, None, true),
            Replay::Method(false)
        );
        assert!(matches!(
            of(Method::POST, "/v3/kv/range", &none, None, true),
            Replay::Read(_)
        ));
        assert_eq!(
            of(Method::POST, "/v3/kv/range", &none, None, false),
            Replay::Method(false)
        );
        assert_eq!(
            of(Method::POST, "/v3/kv/put", &keyed, None, true),
            Replay::IdempotencyKey
        );
        assert_eq!(
            of(Method::POST, "/x", &none, Some(true), true),
            Replay::Marked(true)
        );
        assert_eq!(
            of(Method::GET, "/x", &keyed, Some(false), true),
            Replay::Marked(false)
        );
        assert_eq!(
            of(Method::GET, "/x", &none, None, true),
            Replay::Method(true)
        );
        assert!(!Replay::Marked(false).allowed() && Replay::IdempotencyKey.allowed());
    }
}
