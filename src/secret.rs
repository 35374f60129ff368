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

    /// This secret in each form a server may quote it back in: as it is;
    /// percent-encoded (every byte but letters and digits, in upper and in
    /// lower case hex, as a form encodes a space, and as httpdb writes a
    /// query value); JSON-escaped (plainly, and as Go, Python and PHP
    /// escape); a base64 text without its padding; the secret's own base64;
    /// and, for a base64 `user:password` or `id:key` (what
    /// `Authorization: Basic` and `ApiKey` carry, with their scheme or
    /// without), the pair and its second half decoded, each in those forms
    /// too; of a `SCHEME CREDENTIAL` header value, the credential alone. The scrubbers mask every
    /// form.
    ///
    /// ```
    /// let forms: Vec<String> = httpdb::Secret::new("a/b\"c==")
    ///     .forms()
    ///     .iter()
    ///     .map(|f| f.expose().to_string())
    ///     .collect();
    /// for form in ["a/b\"c==", "a%2Fb%22c%3D%3D", "a%2fb%22c%3d%3d", "a/b%22c%3D%3D", "a/b\\\"c==", "a\\/b\\\"c=="] {
    ///     assert!(forms.contains(&form.to_string()), "{form}");
    /// }
    /// // The base64 of `admin:pw-n3ver-9x`: the password decoded is a form
    /// // too (a decoded part shorter than 8 characters is not).
    /// let basic = httpdb::Secret::new("Basic YWRtaW46cHctbjN2ZXItOXg=");
    /// assert!(basic.forms().iter().any(|f| f.expose() == "pw-n3ver-9x"));
    /// ```
    pub fn forms(&self) -> Vec<Secret> {
        use base64::Engine;
        let base64 = base64::engine::general_purpose::STANDARD;
        let text = self.expose();
        let mut forms = vec![self.clone()];
        let mut add = |form: String| {
            if !form.is_empty() && !forms.iter().any(|f| f.expose() == form) {
                forms.push(self.with_text(form));
            }
        };
        encodings(text).into_iter().for_each(&mut add);
        if text.len() >= 6 {
            let own = base64.encode(text);
            add(own.trim_end_matches('=').to_string());
            add(own);
        }
        // `Bearer TOKEN`, `Basic BASE64` (a header given whole): the
        // credential alone too. Only after a scheme (a word of letters),
        // and only one of 8 characters or more: a derived form shorter
        // than that would be masked in every message.
        const SHORTEST_DERIVED: usize = 8;
        let words: Vec<&str> = text.split_whitespace().collect();
        let credential = match words.as_slice() {
            [scheme, credential] if scheme.chars().all(|c| c.is_ascii_alphabetic()) => {
                if credential.len() >= SHORTEST_DERIVED {
                    encodings(credential).into_iter().for_each(&mut add);
                }
                *credential
            }
            _ => text.trim(),
        };
        let decoded = base64
            .decode(credential)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .filter(|pair| pair.contains(':') && !pair.chars().any(char::is_control));
        if let Some(pair) = decoded {
            let pair = Secret::new(pair);
            if let Some((_, second)) = pair.expose().split_once(':')
                && second.len() >= SHORTEST_DERIVED
            {
                encodings(second).into_iter().for_each(&mut add);
            }
            encodings(pair.expose()).into_iter().for_each(&mut add);
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

/// `text` as it is and in the encodings a server may quote it in (see
/// [`Secret::forms`]), the empty ones left out.
fn encodings(text: &str) -> Vec<String> {
    use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
    let mut out = vec![text.to_string()];
    let percent = utf8_percent_encode(text, NON_ALPHANUMERIC).to_string();
    out.push(percent.replace("%20", "+"));
    // Lower case hex: what follows each '%'.
    let mut lower = String::with_capacity(percent.len());
    let mut hex = 0;
    for c in percent.chars() {
        match c {
            '%' => hex = 2,
            c if hex > 0 => {
                hex -= 1;
                lower.push(c.to_ascii_lowercase());
                continue;
            }
            _ => {}
        }
        lower.push(c);
    }
    out.push(lower);
    out.push(percent);
    // RFC 3986's unreserved characters left as they are, as JavaScript's
    // encodeURIComponent, Go's QueryEscape and Python's quote leave them.
    const UNRESERVED: &percent_encoding::AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    let unreserved = utf8_percent_encode(text, UNRESERVED).to_string();
    out.push(unreserved.replace("%20", "+"));
    out.push(unreserved);
    out.push(utf8_percent_encode(text, crate::escape::QUERY_PAIR).to_string());
    if let Ok(json) = serde_json::to_string(text) {
        let json = json[1..json.len() - 1].to_string();
        // Go escapes <, > and & for HTML; PHP escapes '/'.
        out.push(
            json.replace('<', "\\u003c")
                .replace('>', "\\u003e")
                .replace('&', "\\u0026"),
        );
        out.push(json.replace('/', "\\/"));
        // Python's ensure_ascii: every other character as \uXXXX.
        let mut ascii = String::with_capacity(json.len());
        for c in json.chars() {
            if c.is_ascii() {
                ascii.push(c);
            } else {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    ascii.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
        // PHP's json_encode: both.
        out.push(ascii.replace('/', "\\/"));
        out.push(ascii);
        out.push(json);
    }
    let unpadded = text.trim_end_matches('=');
    let base64 = |c: char| c.is_ascii_alphanumeric() || matches!(c, '+' | '/');
    if unpadded.len() >= 8 && unpadded.len() < text.len() && unpadded.chars().all(base64) {
        out.push(unpadded.to_string());
    }
    out.retain(|form| !form.is_empty());
    out
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
    lists: std::sync::RwLock<Lists>,
}

/// The secrets a scrubber was given, and the forms it masks.
#[derive(Default)]
struct Lists {
    /// As given (and as [`Scrubber::secrets`] returns them), each once;
    /// more come when a client's secret files rotate.
    given: Vec<Secret>,
    /// Every form of each ([`Secret::forms`]), longest first, so that a
    /// secret holding another is masked whole.
    forms: Vec<Secret>,
}

impl Lists {
    fn add(&mut self, more: impl IntoIterator<Item = Secret>) {
        for secret in more {
            if secret.expose().is_empty() || self.given.contains(&secret) {
                continue;
            }
            for form in secret.forms() {
                if !self.forms.contains(&form) {
                    self.forms.push(form);
                }
            }
            self.given.push(secret);
        }
        self.forms
            .sort_by_key(|s| std::cmp::Reverse(s.expose().len()));
    }
}

impl Scrubber {
    /// A scrubber for these secrets; empty ones are left out, and each is
    /// kept once (a `proxy=` password is the settings' and both routes').
    pub fn new(secrets: impl IntoIterator<Item = Secret>) -> Self {
        let mut lists = Lists::default();
        lists.add(secrets);
        Scrubber {
            lists: std::sync::RwLock::new(lists),
        }
    }

    /// The secrets as given, each once (not their other forms).
    pub fn secrets(&self) -> Vec<Secret> {
        self.lists
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .given
            .clone()
    }

    /// Masks `more` too (a rotated secret file's new content): the old
    /// ones stay masked, since a server may still echo them.
    pub fn extend(&self, more: impl IntoIterator<Item = Secret>) {
        self.lists
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .add(more);
    }

    /// `text` with every secret masked and control characters (but line
    /// breaks and tabs) escaped.
    pub fn scrub(&self, text: &str) -> String {
        // Secrets first, in the text as sent: a secret holding a control
        // character would no longer match once that is escaped.
        let mut text = std::borrow::Cow::Borrowed(text);
        for secret in self
            .lists
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .forms
            .iter()
        {
            if text.contains(secret.expose()) {
                text = text.replace(secret.expose(), "***").into();
            }
        }
        let mut out = String::with_capacity(text.len());
        for c in text.chars() {
            if c.is_control() && c != '\n' && c != '\t' {
                out.extend(c.escape_default());
            } else {
                out.push(c);
            }
        }
        out
    }
}

impl fmt::Debug for Scrubber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.lists.read().map_or(0, |s| s.given.len());
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
        // A secret with a control character in it, and its other forms.
        let s = Scrubber::new([Secret::new("Zq9Ctl\u{1}Pw"), Secret::new("dTpwcm94eXB3==")]);
        assert_eq!(
            s.scrub("a Zq9Ctl\u{1}Pw b Zq9Ctl%01Pw c dTpwcm94eXB3 d dTpwcm94eXB3%3D%3D"),
            "a *** b *** c *** d ***"
        );
    }
}
