//! A string that must never be printed: passwords, tokens, key passphrases.

use std::fmt;
use std::path::{Path, PathBuf};

use zeroize::Zeroize;

/// A secret value (password, bearer token, key passphrase).
///
/// `Debug` and `Display` print `***`; the memory is wiped when the value is
/// dropped. Call [`Secret::expose`] at the one place the real text is needed.
///
/// ```
/// let s = httpdb::Secret::new("hunter2");
/// assert_eq!(format!("{s} {s:?}"), "*** ***");
/// assert_eq!(s.expose(), "hunter2");
/// ```
///
/// A secret read from a file ([`Secret::from_file`]) remembers the file, so
/// that a client can read it again when it changes; two secrets are equal
/// when their text is, wherever it came from.
#[derive(Clone)]
pub struct Secret {
    text: String,
    file: Option<PathBuf>,
}

impl PartialEq for Secret {
    fn eq(&self, other: &Secret) -> bool {
        self.text == other.text
    }
}

impl Eq for Secret {}

/// The base64 of `user:password`, as `Authorization: Basic` and
/// `Proxy-Authorization: Basic` carry it: the one encoding of basic
/// credentials, also handed to the scrubber.
pub(crate) fn basic_credential(user: &str, password: Option<&Secret>) -> Secret {
    use base64::Engine;
    let pair = Secret::new(format!("{user}:{}", password.map_or("", Secret::expose)));
    Secret::new(base64::engine::general_purpose::STANDARD.encode(pair.expose()))
}

impl Secret {
    /// Wraps `text` as a secret.
    pub fn new(text: impl Into<String>) -> Self {
        Secret {
            text: text.into(),
            file: None,
        }
    }

    /// The secret text itself. Never log or format what this returns.
    pub fn expose(&self) -> &str {
        &self.text
    }

    /// This secret in each form a server may quote it back in: as it is,
    /// percent-encoded (every byte but letters and digits, and as httpdb
    /// writes a query value), JSON-escaped, and a base64 text without its
    /// padding. The scrubbers mask every form.
    ///
    /// ```
    /// let forms: Vec<String> = httpdb::Secret::new("a/b\"c==")
    ///     .forms()
    ///     .iter()
    ///     .map(|f| f.expose().to_string())
    ///     .collect();
    /// assert_eq!(forms, ["a/b\"c==", "a%2Fb%22c%3D%3D", "a/b%22c%3D%3D", "a/b\\\"c=="]);
    /// ```
    pub fn forms(&self) -> Vec<Secret> {
        use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
        let text = self.expose();
        let mut forms = vec![self.clone()];
        let mut add = |form: String| {
            if !form.is_empty() && !forms.iter().any(|f| f.expose() == form) {
                forms.push(self.with_text(form));
            }
        };
        add(utf8_percent_encode(text, NON_ALPHANUMERIC).to_string());
        add(utf8_percent_encode(text, crate::escape::QUERY_PAIR).to_string());
        if let Ok(json) = serde_json::to_string(text) {
            add(json[1..json.len() - 1].to_string());
        }
        let unpadded = text.trim_end_matches('=');
        let base64 = |c: char| c.is_ascii_alphanumeric() || matches!(c, '+' | '/');
        if unpadded.len() >= 8 && unpadded.len() < text.len() && unpadded.chars().all(base64) {
            add(unpadded.to_string());
        }
        forms
    }

    /// The file the secret was read from, if it was.
    pub fn file(&self) -> Option<&Path> {
        self.file.as_deref()
    }

    /// The secret `text`, read from `file`.
    pub(crate) fn read_from(text: String, file: &Path) -> Secret {
        Secret {
            text,
            file: Some(file.to_path_buf()),
        }
    }

    /// Another text from the same source (an API key's `id:key` read from
    /// a file, encoded).
    pub(crate) fn with_text(&self, text: String) -> Secret {
        Secret {
            text,
            file: self.file.clone(),
        }
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        self.text.zeroize();
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl From<&str> for Secret {
    fn from(text: &str) -> Self {
        Secret::new(text)
    }
}

impl From<String> for Secret {
    fn from(text: String) -> Self {
        Secret::new(text)
    }
}

/// Masks the credentials of one client in text that a server sent back
/// (an error body that echoes the request, a proxy's diagnostic page):
/// each secret, and the base64 of `user:password` that the `Basic` header
/// carries, becomes `***`. Control characters are escaped too, so that a
/// server's text cannot drive the terminal it is shown on.
#[derive(Default)]
pub(crate) struct Scrubber {
    /// Longest first; more come when a client's secret files rotate.
    secrets: std::sync::RwLock<Vec<Secret>>,
}

impl Scrubber {
    /// A scrubber for these secrets; empty ones are left out.
    pub fn new(secrets: impl IntoIterator<Item = Secret>) -> Self {
        let mut secrets: Vec<Secret> = secrets
            .into_iter()
            .flat_map(|s| s.forms())
            .filter(|s| !s.expose().is_empty())
            .collect();
        // The longest first, so that a secret holding another is masked
        // whole; each once (a `proxy=` password is the settings' and both
        // routes').
        secrets.sort_by(|a, b| (b.expose().len(), b.expose()).cmp(&(a.expose().len(), a.expose())));
        secrets.dedup();
        Scrubber {
            secrets: std::sync::RwLock::new(secrets),
        }
    }

    /// The secrets masked, longest first.
    pub fn secrets(&self) -> Vec<Secret> {
        self.secrets
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Masks `more` too (a rotated secret file's new content): the old
    /// ones stay masked, since a server may still echo them.
    pub fn extend(&self, more: impl IntoIterator<Item = Secret>) {
        let mut secrets = self.secrets.write().unwrap_or_else(|e| e.into_inner());
        for secret in more.into_iter().flat_map(|s| s.forms()) {
            if !secret.expose().is_empty() && !secrets.contains(&secret) {
                secrets.push(secret);
            }
        }
        secrets.sort_by_key(|s| std::cmp::Reverse(s.expose().len()));
    }

    /// `text` with every secret masked and control characters (but line
    /// breaks and tabs) escaped.
    pub fn scrub(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        for c in text.chars() {
            if c.is_control() && c != '\n' && c != '\t' {
                out.extend(c.escape_default());
            } else {
                out.push(c);
            }
        }
        for secret in self
            .secrets
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            if out.contains(secret.expose()) {
                out = out.replace(secret.expose(), "***");
            }
        }
        out
    }
}

impl fmt::Debug for Scrubber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.secrets.read().map_or(0, |s| s.len());
        write!(f, "Scrubber({n} secrets)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_every_secret_and_escapes_controls() {
        let s = Scrubber::new([
            Secret::new("pw"),
            Secret::new("YWRtaW46cHc="),
            Secret::new(""),
        ]);
        assert_eq!(
            s.scrub("Authorization: Basic YWRtaW46cHc=\npassword=pw\x1b[2J"),
            "Authorization: Basic ***\npassword=***\\u{1b}[2J"
        );
    }
}
