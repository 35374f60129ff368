//! A safety net for stderr: every secret of the resolved settings is
//! replaced by `***` in error messages and log lines.
//!
//! The library already masks secrets in everything it formats; this only
//! guards against a message that slips through (say, a server's error text
//! quoting a token back). A success body written to stdout is never
//! altered; an error body is masked as it streams ([`Masking`]), since a
//! server that answers 400 often quotes the request, credentials included.

use std::borrow::Cow;
use std::sync::Mutex;

use httpdb::Secret;

/// Secrets shorter than this are not scrubbed: replacing every `pw` in a
/// message would garble it while hiding little.
const MIN_LEN: usize = 4;

static SECRETS: Mutex<Vec<Secret>> = Mutex::new(Vec::new());

/// Remembers `more`: the secrets of the settings
/// ([`httpdb::Settings::secrets`]) once they are resolved, and the
/// client's ([`httpdb::Client::secrets`]: its proxies', those of the
/// environment included) once it is built.
pub fn register(more: impl IntoIterator<Item = Secret>) {
    let mut secrets = SECRETS.lock().unwrap_or_else(|e| e.into_inner());
    let sources = more.into_iter().filter(|s| s.expose().len() >= MIN_LEN);
    for secret in sources.flat_map(|s| s.forms()) {
        if !secrets.contains(&secret) {
            secrets.push(secret);
        }
    }
    // The longest first, so that a secret holding another is masked whole.
    secrets.sort_by_key(|s| std::cmp::Reverse(s.expose().len()));
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

/// Masks the registered secrets in a body as it streams, byte for byte
/// otherwise: what could be the start of a secret cut between two reads
/// is held back until the next read (or the end) tells.
pub struct Masking {
    secrets: Vec<Vec<u8>>,
    /// The longest secret less one: the most of a secret a read can end in.
    hold: usize,
    /// The bytes a secret begins with.
    starts: [bool; 256],
    held: Vec<u8>,
}

impl Masking {
    /// Masks every secret registered so far.
    pub fn new() -> Masking {
        let secrets: Vec<Vec<u8>> = SECRETS
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|s| s.expose().as_bytes().to_vec())
            .collect();
        // The longest first, so that a secret holding another is masked
        // whole.
        let mut secrets = secrets;
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        let hold = secrets.iter().map(|s| s.len()).max().unwrap_or(1) - 1;
        let mut starts = [false; 256];
        for secret in &secrets {
            if let Some(first) = secret.first() {
                starts[*first as usize] = true;
            }
        }
        Masking {
            secrets,
            hold,
            starts,
            held: Vec::new(),
        }
    }

    /// Takes the next bytes; returns those that can be written now.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<u8> {
        self.held.extend_from_slice(bytes);
        self.mask();
        let ready = self.held.len().saturating_sub(self.hold);
        self.held.drain(..ready).collect()
    }

    /// The end of the body: what was held back.
    pub fn finish(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.held)
    }

    /// One pass over what is held: at each byte that can begin a secret,
    /// the longest secret found there becomes `***`.
    fn mask(&mut self) {
        if !self.held.iter().any(|b| self.starts[*b as usize]) {
            return;
        }
        let mut out = Vec::with_capacity(self.held.len());
        let mut at = 0;
        'scan: while at < self.held.len() {
            if self.starts[self.held[at] as usize] {
                for secret in &self.secrets {
                    if self.held[at..].starts_with(secret) {
                        out.extend_from_slice(b"***");
                        at += secret.len();
                        continue 'scan;
                    }
                }
            }
            out.push(self.held[at]);
            at += 1;
        }
        self.held = out;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_cut_between_reads_are_masked() {
        register(
            httpdb::Settings::from_uri("https://admin:Pw-cut-9x@h/")
                .unwrap()
                .secrets(),
        );
        let body = b"you sent Authorization: Basic YWRtaW46UHctY3V0LTl4 and Pw-cut-9x; fine";
        for step in [1, 2, 5, 7, body.len()] {
            let mut masking = Masking::new();
            let mut out = Vec::new();
            for piece in body.chunks(step) {
                out.extend(masking.push(piece));
            }
            out.extend(masking.finish());
            assert_eq!(
                String::from_utf8(out).unwrap(),
                "you sent Authorization: Basic *** and ***; fine",
                "in pieces of {step}"
            );
        }
    }
}
