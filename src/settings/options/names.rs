//! Names: which option a key is (the vocabulary's rows, `header.NAME`,
//! `param.NAME`), which names hold secrets, and the errors for a name that
//! is not an option, with the closest one.

use crate::error::Error;
use crate::settings::options::{OPTIONS, OptionSpec};

/// Finds the row for `key`, case-insensitively.
pub(crate) fn lookup(key: &str) -> Option<&'static OptionSpec> {
    OPTIONS
        .iter()
        .find(|spec| spec.names.iter().any(|n| n.eq_ignore_ascii_case(key)))
}

/// True when `key` names a secret option, whose value must be masked.
pub(crate) fn is_secret(key: &str) -> bool {
    if let Some(name) = header_option(key) {
        return is_secret_header(name);
    }
    if let Some(name) = param_option(key) {
        return is_secret_param(name);
    }
    lookup(key).is_some_and(|spec| spec.secret)
}

/// The parameter name of a `param.NAME` option.
pub(crate) fn param_option(key: &str) -> Option<&str> {
    key.get(..6)
        .filter(|p| p.eq_ignore_ascii_case("param."))
        .map(|_| &key[6..])
}

/// True for a query parameter whose value is a credential: InfluxDB's
/// `p`, `password`, and the names of [`is_secret_header`].
pub(crate) fn is_secret_param(name: &str) -> bool {
    name == "p" || is_secret_header(name)
}

/// The header name of a `header.NAME` option.
pub(crate) fn header_option(key: &str) -> Option<&str> {
    key.get(..7)
        .filter(|p| p.eq_ignore_ascii_case("header."))
        .map(|_| &key[7..])
}

/// True for a header whose value is a credential, masked like the
/// password: `Authorization`, `Proxy-Authorization`, `Cookie`, and any
/// name holding `key`, `token`, `secret`, `password`, `auth`, `session` or
/// `credential` (`X-ClickHouse-Key`, `X-Api-Key`, `X-Auth-Token`), but for
/// the challenges `WWW-Authenticate` and `Proxy-Authenticate`.
///
/// ```
/// assert!(httpdb::is_secret_header("X-Api-Key"));
/// assert!(httpdb::is_secret_header("authorization"));
/// assert!(!httpdb::is_secret_header("WWW-Authenticate"));
/// assert!(!httpdb::is_secret_header("Content-Type"));
/// ```
pub fn is_secret_header(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name == "cookie"
        || (!name.ends_with("-authenticate")
            && [
                "key",
                "token",
                "secret",
                "password",
                "auth",
                "session",
                "credential",
            ]
            .iter()
            .any(|word| name.contains(word)))
}

/// The error for an option written without `=VALUE`: the accepted values
/// of a known option, or the unknown-option error with its suggestion.
pub(crate) fn no_value(key: &str) -> Error {
    match lookup(key) {
        _ if key.trim().is_empty() => empty_name(key),
        Some(spec) => Error::config(
            key,
            format!(
                "option \"{key}\" has no value; write {key}=VALUE, where VALUE is {}",
                spec.accepts
            ),
        ),
        None => not_an_option(key),
    }
}

/// The error for a name that is not an option: the reason, for a peer's
/// name httpdb knows but does not honour; else the unknown-option error.
pub(crate) fn not_an_option(key: &str) -> Error {
    match crate::settings::unsupported::lookup(key) {
        Some(known) => Error::config(
            key,
            format!(
                "option \"{key}\" ({}) is not honoured by httpdb: {}",
                known.peer, known.reason
            ),
        ),
        None => unknown(key),
    }
}

pub(crate) fn empty_name(key: &str) -> Error {
    let blank = if key.is_empty() {
        ""
    } else {
        " (only white space)"
    };
    Error::config(
        "option name",
        format!(
            "the option name is empty{blank}; write name=value, e.g. ssl_ca_certs=/etc/db/ca.pem (see the option table in README.md)"
        ),
    )
}

fn unknown(key: &str) -> Error {
    let hint = match closest(key) {
        // A typo of a name httpdb knows but refuses: say so, rather than
        // send the user to an option with another meaning.
        Some(name) => match crate::settings::unsupported::lookup(name) {
            Some(known) => format!(
                "; did you mean \"{name}\"? ({} ; not honoured by httpdb: {})",
                known.peer, known.reason
            ),
            None => format!("; did you mean \"{name}\"?"),
        },
        None => "; see the option table in README.md".into(),
    };
    Error::config(key, format!("unknown option \"{key}\"{hint}"))
}

/// The known name nearest to `key`, if it is near enough to be a typo: an
/// option, or a peer's name that is refused with a reason.
fn closest(key: &str) -> Option<&'static str> {
    let key = key.to_ascii_lowercase();
    OPTIONS
        .iter()
        .flat_map(|spec| spec.names.iter().copied())
        .chain(
            crate::settings::unsupported::UNSUPPORTED
                .iter()
                .map(|u| u.name),
        )
        .map(|name| (edit_distance(&key, &name.to_ascii_lowercase()), name))
        .filter(|(d, name)| *d <= (name.len() / 3).max(2) && *d < name.len())
        .min_by_key(|(d, _)| *d)
        .map(|(_, name)| name)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        assert_eq!(closest("ssl_ca_cert"), Some("ssl_ca_certs"));
        assert_eq!(closest("tlscafil"), Some("tlsCAFile"));
        assert_eq!(closest("connect_timout"), Some("connect_timeout"));
        assert_eq!(closest("zzzzzzzz"), None);
    }

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }
}
