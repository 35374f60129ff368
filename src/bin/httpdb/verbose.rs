//! The exchange as `-v` prints it on stderr, in curl's form: `* ` for what
//! happened to the connection (connects, TLS, moves to another host), `> `
//! for the request's head and `< ` for the answer's, each attempt in
//! turn. It is printed once the answer's head is in, or the call failed:
//! from the attempts the library recorded, heads kept with their
//! credentials masked, and every line scrubbed again of the client's
//! secrets.

use std::io::Write;

use httpdb::attempt::Connection;
use httpdb::{Attempt, Attempts};

use crate::redact;

/// The transcript of `attempts`.
pub fn transcript(attempts: &Attempts) -> String {
    let mut out = String::new();
    for (i, attempt) in attempts.iter().enumerate() {
        connection(&mut out, attempt);
        if let Some(heads) = &attempt.heads {
            marked(&mut out, '>', &heads.request);
            if !heads.request.is_empty() && !heads.request.ends_with("\r\n\r\n") {
                out.push_str("* the request's head was not sent whole\n");
            }
            for head in &heads.responses {
                marked(&mut out, '<', head);
            }
        }
        if let Some(error) = &attempt.error {
            let next = match attempts.get(i + 1) {
                Some(next) if next.host == attempt.host => {
                    format!("; sending again to {}", next.host)
                }
                Some(next) => format!("; trying {}", next.host),
                None => String::new(),
            };
            out.push_str(&format!("* {error}{next}\n"));
        }
    }
    redact::scrub(&out).into_owned()
}

/// Each line of `head` after `mark` and a space, as curl shows heads
/// (the empty line that ends a head as the mark alone).
fn marked(out: &mut String, mark: char, head: &str) {
    for line in head.split_terminator("\r\n") {
        out.push(mark);
        if !line.is_empty() {
            out.push(' ');
            out.push_str(line);
        }
        out.push('\n');
    }
}

/// The `* ` lines of the connection `attempt` used.
fn connection(out: &mut String, attempt: &Attempt) {
    let host = &attempt.host;
    match (attempt.connection, attempt.address) {
        (Connection::Pooled, address) => {
            let at = address
                .map(|a| format!(" ({})", a.ip()))
                .unwrap_or_default();
            out.push_str(&format!("* Re-using existing connection to {host}{at}\n"));
        }
        (_, Some(address)) => {
            out.push_str(&format!("*   Trying {address}...\n"));
            out.push_str(&format!(
                "* Connected to {host} ({}) port {}\n",
                address.ip(),
                address.port()
            ));
            if let Some(tls) = attempt.tls {
                out.push_str(&format!(
                    "* TLS connection using {} / {}\n",
                    tls.version, tls.cipher_suite
                ));
            }
        }
        (_, None) => out.push_str(&format!("*   Trying {host}...\n")),
    }
}

/// Prints the transcript of `attempts` on stderr.
pub fn print(attempts: &Attempts) {
    let text = transcript(attempts);
    // Nowhere left to complain if stderr is gone.
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}
