//! A safety net for stderr: every secret of the resolved settings is
//! replaced by `***` in error messages and log lines.
//!
//! The library already masks secrets in everything it formats; this only
//! guards against a message that slips through (say, a server's error text
//! quoting a token back). The body written to stdout is never altered.

use std::borrow::Cow;
use std::sync::Mutex;

use httpdb::{Secret, Settings};

/// Secrets shorter than this are not scrubbed: replacing every `pw` in a
/// message would garble it while hiding little.
const MIN_LEN: usize = 4;

static SECRETS: Mutex<Vec<Secret>> = Mutex::new(Vec::new());

/// Remembers every secret of `settings` ([`Settings::secrets`]).
pub fn register(settings: &Settings) {
    let mut secrets = SECRETS.lock().unwrap_or_else(|e| e.into_inner());
    for secret in settings.secrets() {
        if secret.expose().len() >= MIN_LEN && !secrets.contains(&secret) {
            secrets.push(secret);
        }
    }
}

/// `text` with every registered secret replaced by `***`.
pub fn scrub(text: &str) -> Cow<'_, str> {
    let secrets = SECRETS.lock().unwrap_or_else(|e| e.into_inner());
    let mut text = Cow::Borrowed(text);
    for secret in secrets.iter() {
        if text.contains(secret.expose()) {
            text = Cow::Owned(text.replace(secret.expose(), "***"));
        }
    }
    text
}
