//! The typed checks: where a value is valid or not, whether it came as text
//! (a URI, a keyword, a flag) or as a typed setter's argument. The text
//! parsers (settings/given.rs) parse, then call these; the typed setters call them
//! directly and never go through text.

use std::path::PathBuf;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::secret::Secret;
use crate::settings::duration;

/// The longest `app_name`, as pymongo limits `appname`.
const MAX_APP_NAME: usize = 128;

/// Headers httpdb writes itself: a default of the user's would break
/// the framing or the connection handling.
const OWN_HEADERS: &[&str] = &[
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "te",
    "trailer",
    "upgrade",
    "expect",
];

/// Whether `name` is a header that frames the message or manages the
/// connection, which httpdb (and the engine under it) write themselves:
/// one of the user's next to them would contradict them. `Host` is not
/// among them: a request's own replaces the one httpdb writes.
pub(crate) fn framing_header(name: &str) -> bool {
    OWN_HEADERS
        .iter()
        .any(|own| *own != "host" && own.eq_ignore_ascii_case(name))
}

/// A default header, checked: a valid name httpdb does not write
/// itself, and a value of printable ASCII.
pub(crate) fn header(from: &str, name: &str, value: &str) -> Result<(String, String)> {
    let bad = |why: String| {
        Error::config(
            crate::settings::layer::key_of(from),
            format!(
                "{from}: {why}; write header.NAME=VALUE with an HTTP header name and a value of printable ASCII"
            ),
        )
    };
    if ureq::http::HeaderName::from_bytes(name.as_bytes()).is_err() {
        return Err(bad(format!("\"{name}\" is not a valid header name")));
    }
    if OWN_HEADERS.iter().any(|own| own.eq_ignore_ascii_case(name)) {
        return Err(bad(format!(
            "{name} is written by httpdb itself and cannot be a default header"
        )));
    }
    if !value
        .bytes()
        .all(|b| b == b'\t' || (b' '..=b'~').contains(&b))
    {
        return Err(bad(format!(
            "the value of {name} holds a character that cannot go into a header (a control character or a non-ASCII letter)"
        )));
    }
    Ok((name.to_string(), value.trim().to_string()))
}

pub(crate) fn app_name(key: &str, name: &str) -> Result<String> {
    let why = if name.trim().is_empty() {
        " (empty)"
    } else if name.len() > MAX_APP_NAME {
        " (longer than 128 characters)"
    } else if !name.bytes().all(|b| (b' '..=b'~').contains(&b)) {
        " (not printable ASCII)"
    } else {
        return Ok(name.trim().to_string());
    };
    Err(settings_error(key, name, why))
}

/// A `no_proxy` list, kept as given: its entries are read when the client
/// routes a request, exactly as curl reads them (where a blank before `*`
/// or a newline inside an entry has a meaning). Only a NUL, which no
/// environment variable can hold, is refused.
pub(crate) fn no_proxy(key: &str, list: &str) -> Result<String> {
    if list.contains('\0') {
        return Err(settings_error(key, list, " (a NUL character)"));
    }
    Ok(list.to_string())
}

/// A service name: what a `[name]` line can hold.
pub(crate) fn service(key: &str, name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() || name.contains(['[', ']']) || name.chars().any(char::is_control) {
        return Err(settings_error(key, name, " (a section name such as prod)"));
    }
    Ok(name.to_string())
}

/// A timeout: anything but zero.
pub(crate) fn timeout(key: &str, d: Duration) -> Result<Duration> {
    match d {
        Duration::ZERO => Err(settings_error(
            key,
            &duration::format(d),
            " (a timeout must be greater than 0)",
        )),
        d => Ok(d),
    }
}

/// A count up to `max`.
pub(crate) fn count(key: &str, n: usize, max: usize) -> Result<usize> {
    if n <= max {
        Ok(n)
    } else {
        Err(settings_error(key, &n.to_string(), " (too large)"))
    }
}

/// A size in bytes: anything but zero.
pub(crate) fn size(key: &str, n: u64) -> Result<u64> {
    if n == 0 {
        Err(settings_error(key, "0", " (must be greater than 0)"))
    } else {
        Ok(n)
    }
}

/// A value that must not be empty (a user name, a token).
pub(crate) fn non_empty<'a>(key: &str, value: &'a str) -> Result<&'a str> {
    if value.is_empty() {
        Err(settings_error(key, "", " (empty)"))
    } else {
        Ok(value)
    }
}

/// A secret that must not be empty (a token).
pub(crate) fn non_empty_secret(key: &str, value: Secret) -> Result<Secret> {
    non_empty(key, value.expose())?;
    Ok(value)
}

/// A path to a file or directory: anything but empty.
pub(crate) fn path(key: &str, path: PathBuf) -> Result<Option<PathBuf>> {
    if path.as_os_str().is_empty() {
        Err(settings_error(key, "", " (empty)"))
    } else {
        Ok(Some(path))
    }
}

/// The error for `key` given `value` (shown as `***` for a secret), with
/// why and the accepted forms: the one wording of every bad value.
pub(crate) fn settings_error(key: &str, value: &str, why: &str) -> Error {
    let spec = crate::settings::options::names::lookup(key);
    let secret = spec.is_some_and(|s| s.secret);
    // An empty value gives nothing away.
    let value = if secret && !value.is_empty() {
        "***"
    } else {
        value
    };
    let canonical = spec.map_or(key, |s| s.canonical);
    let alias = if key.eq_ignore_ascii_case(canonical) {
        String::new()
    } else {
        format!(" (which sets {canonical})")
    };
    let accepts = spec.map_or("see the option table in README.md", |s| s.accepts);
    Error::config(
        key,
        format!("invalid value \"{value}\" for option \"{key}\"{alias}{why}; accepted: {accepts}"),
    )
}
