//! The percent-encoding sets of the URIs httpdb writes: option values
//! in a connection URI, and the query pairs of a request. Kept apart so
//! that the settings, the requests and the secret scrubbers (which match
//! a secret in the form a request carried it) share them.

use percent_encoding::{AsciiSet, CONTROLS};

/// Characters escaped in option values.
pub(crate) const QUERY_VALUE: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'%')
    .add(b'&')
    .add(b'=')
    .add(b'#')
    .add(b'"')
    .add(b'<')
    .add(b'>')
    .add(b'\\')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// What a request percent-encodes in a query name or value: what option
/// values of the URI escape, and `+` (many servers read it as a space),
/// `?`, `[` and `]`.
pub(crate) const QUERY_PAIR: &AsciiSet = &QUERY_VALUE.add(b'+').add(b'?').add(b'[').add(b']');
