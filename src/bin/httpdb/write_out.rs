//! `-w/--write-out FORMAT`: what curl's `-w` prints after a transfer, with
//! curl's variable names for what httpdb measures.
//!
//! FORMAT is text with `%{variable}`, `%header{name}`, `%%` for `%`, and
//! `\n`, `\r`, `\t`, `\\` escapes; `%{stderr}` and `%{stdout}` switch
//! where the rest goes; `@FILE` reads FORMAT from a file, `@-` from stdin.
//! Times are in seconds with six decimals, from the start of the call to
//! the end of that phase of its last attempt (0 for a phase it did not go
//! through: a pooled connection has no connect). A variable httpdb does
//! not know is left out, with a warning, as curl does.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use httpdb::Attempts;
use httpdb::attempt::{Timings, TlsInfo};
use serde_json::{Map, Value, json};
use std::net::SocketAddr;

use crate::output::CliError;
use crate::redact;

/// What the transfer did, gathered as it went.
pub struct Transfer {
    pub started: Instant,
    pub method: String,
    /// What the call's last attempt did, and the call's counts.
    last: Option<Last>,
    counts: [usize; 3],
    pub status: Option<u16>,
    pub http_version: Option<String>,
    pub headers: Vec<(String, String)>,
    /// Body bytes received.
    pub size_download: u64,
    /// The exit status, and the message it was printed with.
    pub exit: u8,
    pub error: Option<String>,
}

impl Transfer {
    pub fn new(method: &str) -> Transfer {
        Transfer {
            started: Instant::now(),
            method: method.to_string(),
            last: None,
            counts: [0; 3],
            status: None,
            http_version: None,
            headers: Vec::new(),
            size_download: 0,
            exit: 0,
            error: None,
        }
    }
}

impl Transfer {
    /// Keeps what -w reports of the call's `attempts`.
    pub fn saw(&mut self, attempts: &Attempts) {
        self.counts = [
            attempts.connects(),
            attempts.retries(),
            attempts.redirects(),
        ];
        self.last = attempts.last().map(|a| Last {
            host: a.host.clone(),
            address: a.address,
            tls: a.tls,
            timings: a.timings,
            sent: a.sent,
            head: a.heads.as_ref().map(|h| {
                let target = h.request.split(' ').nth(1).unwrap_or_default();
                (target.to_string(), h.request_length)
            }),
        });
    }
}

/// What -w reports of a call's last attempt.
struct Last {
    host: String,
    address: Option<SocketAddr>,
    tls: Option<TlsInfo>,
    timings: Option<Timings>,
    sent: u64,
    /// The request's target (masked) and the length of its head.
    head: Option<(String, u64)>,
}

/// A parsed FORMAT.
pub struct Format(Vec<Piece>);

enum Piece {
    Text(String),
    Variable(String),
    Header(String),
    To(Stream),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Stream {
    Stdout,
    Stderr,
}

/// The variables, in the order `%{json}` lists them.
const VARIABLES: &[&str] = &[
    "http_code",
    "response_code",
    "http_version",
    "method",
    "scheme",
    "url_effective",
    "content_type",
    "remote_ip",
    "remote_port",
    "time_namelookup",
    "time_connect",
    "time_appconnect",
    "time_pretransfer",
    "time_starttransfer",
    "time_total",
    "size_download",
    "size_upload",
    "size_request",
    "num_connects",
    "num_retries",
    "num_redirects",
    "ssl_version",
    "ssl_cipher",
    "exitcode",
    "errormsg",
];

impl Format {
    /// FORMAT as given to -w: `@FILE`, `@-`, or the format itself.
    pub fn read(given: &str) -> Result<Format, CliError> {
        let text = match given.strip_prefix('@') {
            Some("-") => {
                let mut text = String::new();
                std::io::stdin().read_to_string(&mut text).map_err(|e| {
                    CliError::Usage(format!("-w @-: cannot read the format from stdin: {e}"))
                })?;
                text
            }
            Some(file) => std::fs::read_to_string(file).map_err(|e| {
                CliError::Usage(format!("-w @{file}: cannot read the format file: {e}"))
            })?,
            None => given.to_string(),
        };
        Ok(Format::parse(&text))
    }

    fn parse(text: &str) -> Format {
        let mut pieces = Vec::new();
        let mut plain = String::new();
        let mut rest = text;
        while let Some(c) = rest.chars().next() {
            let mut piece = None;
            let taken = if let Some(after) = rest.strip_prefix("%{")
                && let Some(end) = after.find('}')
            {
                let name = &after[..end];
                piece = Some(match name {
                    "stdout" => Piece::To(Stream::Stdout),
                    "stderr" => Piece::To(Stream::Stderr),
                    _ => Piece::Variable(name.to_string()),
                });
                2 + end + 1
            } else if let Some(after) = rest.strip_prefix("%header{")
                && let Some(end) = after.find('}')
            {
                piece = Some(Piece::Header(after[..end].to_ascii_lowercase()));
                8 + end + 1
            } else if rest.starts_with("%%") {
                plain.push('%');
                2
            } else if let Some(after) = rest.strip_prefix('\\')
                && let Some(e) = after.chars().next()
                && let Some(escaped) = match e {
                    'n' => Some('\n'),
                    'r' => Some('\r'),
                    't' => Some('\t'),
                    '\\' => Some('\\'),
                    _ => None,
                }
            {
                plain.push(escaped);
                2
            } else {
                plain.push(c);
                c.len_utf8()
            };
            if let Some(piece) = piece {
                if !plain.is_empty() {
                    pieces.push(Piece::Text(std::mem::take(&mut plain)));
                }
                pieces.push(piece);
            }
            rest = &rest[taken..];
        }
        if !plain.is_empty() {
            pieces.push(Piece::Text(plain));
        }
        Format(pieces)
    }

    /// Writes what FORMAT says of `transfer` to stdout (and stderr where
    /// it switches), every secret masked.
    pub fn print(&self, transfer: &Transfer) {
        let mut to = Stream::Stdout;
        let (mut out, mut err) = (String::new(), String::new());
        for piece in &self.0 {
            let text = match piece {
                Piece::To(stream) => {
                    to = *stream;
                    continue;
                }
                Piece::Text(text) => text.clone(),
                Piece::Header(name) => transfer
                    .headers
                    .iter()
                    .filter(|(n, _)| n == name)
                    .map(|(_, v)| v.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                Piece::Variable(name) if name == "json" => {
                    Value::Object(variables(transfer)).to_string()
                }
                Piece::Variable(name) => match variables(transfer).get(name.as_str()) {
                    Some(Value::String(text)) => text.clone(),
                    Some(value) => value.to_string(),
                    None => {
                        eprintln!("httpdb: warning: unknown --write-out variable: '{name}'");
                        continue;
                    }
                },
            };
            match to {
                Stream::Stdout => out.push_str(&text),
                Stream::Stderr => err.push_str(&text),
            }
        }
        // Nowhere left to complain if either is gone.
        let _ = std::io::stdout()
            .lock()
            .write_all(redact::scrub(&out).as_bytes());
        let _ = std::io::stderr()
            .lock()
            .write_all(redact::scrub(&err).as_bytes());
    }
}

/// Every variable's value for `transfer`.
fn variables(transfer: &Transfer) -> Map<String, Value> {
    let last = transfer.last.as_ref();
    // When a phase of the last attempt ended, from the call's start; 0
    // for a phase it did not go through.
    let at = |phase: fn(&Timings) -> Option<Duration>| {
        let seconds = last
            .and_then(|a| a.timings)
            .and_then(|t| Some(t.began + phase(&t)?))
            .map_or(0.0, |d| d.as_secs_f64());
        json!(round(seconds))
    };
    let address = last.and_then(|a| a.address);
    let scheme = match last {
        Some(a) if a.tls.is_some() => "https",
        Some(_) => "http",
        None => "",
    };
    let (target, size_request) = last.and_then(|a| a.head.clone()).unwrap_or_default();
    let url = last
        .map(|a| format!("{scheme}://{}{target}", a.host))
        .unwrap_or_default();
    let size_upload = last.map_or(0, |a| a.sent.saturating_sub(size_request));
    let [connects, retries, redirects] = transfer.counts;
    let code = transfer.status.unwrap_or(0);
    let values = [
        ("http_code", json!(format!("{code:03}"))),
        ("response_code", json!(code)),
        (
            "http_version",
            json!(
                transfer
                    .http_version
                    .as_deref()
                    .map(|v| v.trim_start_matches("HTTP/"))
                    .unwrap_or("0")
            ),
        ),
        ("method", json!(transfer.method)),
        ("scheme", json!(scheme)),
        ("url_effective", json!(url)),
        (
            "content_type",
            json!(
                transfer
                    .headers
                    .iter()
                    .find(|(n, _)| n == "content-type")
                    .map(|(_, v)| v.as_str())
                    .unwrap_or_default()
            ),
        ),
        (
            "remote_ip",
            json!(address.map(|a| a.ip().to_string()).unwrap_or_default()),
        ),
        ("remote_port", json!(address.map_or(0, |a| a.port()))),
        ("time_namelookup", at(|t| t.name_lookup)),
        ("time_connect", at(|t| t.connect)),
        ("time_appconnect", at(|t| t.tls_handshake)),
        (
            "time_pretransfer",
            at(|t| t.tls_handshake.or(t.connect).or(t.name_lookup)),
        ),
        ("time_starttransfer", at(|t| t.first_byte)),
        (
            "time_total",
            json!(round(transfer.started.elapsed().as_secs_f64())),
        ),
        ("size_download", json!(transfer.size_download)),
        ("size_upload", json!(size_upload)),
        ("size_request", json!(size_request)),
        ("num_connects", json!(connects)),
        ("num_retries", json!(retries)),
        ("num_redirects", json!(redirects)),
        (
            "ssl_version",
            json!(last.and_then(|a| a.tls).map_or("", |t| t.version)),
        ),
        (
            "ssl_cipher",
            json!(last.and_then(|a| a.tls).map_or("", |t| t.cipher_suite)),
        ),
        ("exitcode", json!(transfer.exit)),
        (
            "errormsg",
            json!(transfer.error.as_deref().unwrap_or_default()),
        ),
    ];
    debug_assert_eq!(values.len(), VARIABLES.len());
    values
        .into_iter()
        .map(|(name, value)| (name.to_string(), value))
        .collect()
}

/// Seconds to the microsecond, as curl prints them.
fn round(seconds: f64) -> f64 {
    (seconds * 1e6).round() / 1e6
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(format: &str) -> Vec<String> {
        Format::parse(format)
            .0
            .iter()
            .map(|p| match p {
                Piece::Text(t) => format!("text:{t}"),
                Piece::Variable(v) => format!("var:{v}"),
                Piece::Header(h) => format!("header:{h}"),
                Piece::To(Stream::Stdout) => "stdout".into(),
                Piece::To(Stream::Stderr) => "stderr".into(),
            })
            .collect()
    }

    #[test]
    fn formats_read_as_curl_reads_them() {
        assert_eq!(
            shown("%{http_code} %{time_total}\\n"),
            ["var:http_code", "text: ", "var:time_total", "text:\n"]
        );
        assert_eq!(
            shown("100%% %{stderr}x%header{Content-Type}\\t\\q"),
            [
                "text:100% ",
                "stderr",
                "text:x",
                "header:content-type",
                "text:\t\\q"
            ]
        );
        // An unclosed brace is text.
        assert_eq!(shown("%{http_code"), ["text:%{http_code"]);
        assert_eq!(shown("é%{json}"), ["text:é", "var:json"]);
    }

    #[test]
    fn every_variable_is_listed() {
        let names: Vec<String> = variables(&Transfer::new("GET")).keys().cloned().collect();
        let mut listed: Vec<String> = VARIABLES.iter().map(|s| s.to_string()).collect();
        listed.sort();
        let mut names = names;
        names.sort();
        assert_eq!(names, listed);
    }
}
