//! Everything the binary prints, and the exit status it ends with.
//!
//! Standard output gets the payload only (a body, JSON, a script), written as
//! bytes; a reader that goes away (`httpdb get /big | head`) ends the
//! command quietly with status 141, as SIGPIPE ends `cat`, so that a script
//! (with `set -o pipefail`) can tell a cut output from a whole one. Standard error gets `httpdb: <message>` lines, with every known
//! secret scrubbed.

use httpdb::status_text;
use std::io::{self, Write};
use std::process::ExitCode;

use httpdb::{Error, Response};

use crate::redact;

/// The exit status, as documented in `--help`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: success.
    Ok,
    /// 1: an HTTP error status (or standard output could not be written).
    HttpStatus,
    /// 2: usage or configuration error.
    Usage,
    /// 3: connection or TLS failure.
    Connection,
    /// 4: timeout.
    Timeout,
    /// 141 (128 + SIGPIPE): standard output was closed before all was written.
    ClosedOutput,
}

impl Exit {
    /// The number the process exits with.
    pub fn code(self) -> u8 {
        match self {
            Exit::Ok => 0,
            Exit::HttpStatus => 1,
            Exit::Usage => 2,
            Exit::Connection => 3,
            Exit::Timeout => 4,
            Exit::ClosedOutput => 141,
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit.code())
    }
}

/// Why a command failed.
pub enum CliError {
    /// An error from the library.
    Lib(Error),
    /// A usage error the binary itself found (a bad -H or -o, no URI).
    Usage(String),
    /// The server answered 4xx or 5xx and --no-fail was not given; the body
    /// has been printed.
    HttpStatus {
        /// The status code.
        status: u16,
        /// `host:port` of the server that answered.
        host: String,
    },
    /// Writing to standard output failed (other than a closed pipe).
    Output(io::Error),
    /// Standard output was closed (the reader went away): nothing to say.
    ClosedOutput,
}

impl From<Error> for CliError {
    fn from(error: Error) -> Self {
        CliError::Lib(error)
    }
}

impl CliError {
    /// The exit status this error ends the process with.
    pub fn exit(&self) -> Exit {
        match self {
            CliError::Lib(error) => exit_of(error),
            CliError::Usage(_) => Exit::Usage,
            CliError::HttpStatus { .. } | CliError::Output(_) => Exit::HttpStatus,
            CliError::ClosedOutput => Exit::ClosedOutput,
        }
    }
}

fn exit_of(error: &Error) -> Exit {
    match error {
        Error::Config { .. } | Error::Body { .. } => Exit::Usage,
        Error::Status { .. } | Error::Redirect { .. } | Error::Aborted { .. } => Exit::HttpStatus,
        Error::Write { source } if source.kind() == io::ErrorKind::BrokenPipe => Exit::ClosedOutput,
        Error::Write { .. } => Exit::HttpStatus,
        // A timeout mid-body, or on every host tried, exits 4.
        e if e.is_timeout() => Exit::Timeout,
        // Connect, Tls, Protocol, Decode, NoHost, and variants added later.
        _ => Exit::Connection,
    }
}

/// Prints `error` to stderr and returns the exit status it calls for.
pub fn report(error: &CliError) -> Exit {
    let mut stderr = io::stderr().lock();
    for line in lines(error) {
        // Nowhere left to complain if stderr is gone.
        let lead = if line.starts_with(' ') {
            ""
        } else {
            "httpdb: "
        };
        let _ = writeln!(stderr, "{lead}{line}");
    }
    error.exit()
}

/// What `report` says of `error`, a line each (without `httpdb: `), secrets
/// masked.
pub fn lines(error: &CliError) -> Vec<String> {
    let mut lines = Vec::new();
    match error {
        CliError::Lib(Error::Write { source }) if source.kind() == io::ErrorKind::BrokenPipe => {}
        CliError::Lib(error) => {
            let mut shown = error.to_string();
            lines.push(shown.clone());
            let mut cause = std::error::Error::source(error);
            while let Some(c) = cause {
                let text = c.to_string();
                // Most messages already end with their cause; say it once.
                if !shown.contains(&text) {
                    lines.push(format!("  caused by: {text}"));
                    shown.push_str(&text);
                }
                cause = c.source();
            }
        }
        CliError::Usage(message) => lines.push(message.clone()),
        CliError::HttpStatus { status, host } => {
            lines.push(format!("HTTP {} from {host}", status_text(*status)));
        }
        CliError::Output(e) => lines.push(format!("cannot write to standard output: {e}")),
        CliError::ClosedOutput => {}
    }
    lines
        .iter()
        .map(|line| redact::scrub(line).into_owned())
        .collect()
}

/// The status line and headers of `response`, as `curl -i` prints them.
pub fn head(response: &Response) -> Vec<u8> {
    let mut out = format!(
        "{} {}\r\n",
        response.version(),
        status_text(response.status())
    )
    .into_bytes();
    for (name, value) in response.headers() {
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        // A header may quote the request's credentials back.
        let text = String::from_utf8_lossy(value.as_bytes());
        match crate::redact::scrub(&text) {
            std::borrow::Cow::Owned(masked) => out.extend_from_slice(masked.as_bytes()),
            std::borrow::Cow::Borrowed(_) => out.extend_from_slice(value.as_bytes()),
        }
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out
}

/// Standard output, where a closed pipe quietly ends the command. Written
/// through a copy of its file descriptor where there is one: std's handle
/// is line-buffered, and splits a body at its last newline (two writes
/// for each piece of a binary body, after a search for newlines through
/// all of it).
pub struct Stdout(Option<std::fs::File>);

impl Stdout {
    pub fn new() -> Stdout {
        #[cfg(unix)]
        {
            use std::os::fd::AsFd;
            Stdout(
                io::stdout()
                    .as_fd()
                    .try_clone_to_owned()
                    .ok()
                    .map(std::fs::File::from),
            )
        }
        #[cfg(not(unix))]
        Stdout(None)
    }

    /// Writes `bytes` exactly, and flushes them.
    pub fn write(&mut self, bytes: &[u8]) -> Result<(), CliError> {
        let written = match &mut self.0 {
            Some(fd) => fd.write_all(bytes),
            None => {
                let mut out = io::stdout().lock();
                out.write_all(bytes).and_then(|()| out.flush())
            }
        };
        match written {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Err(CliError::ClosedOutput),
            Err(e) => Err(CliError::Output(e)),
        }
    }

    /// Writes `value` as pretty JSON and a newline, the client's secrets
    /// masked (a server's identity fields are its own text).
    pub fn json(&mut self, value: &impl serde::Serialize) -> Result<(), CliError> {
        let text = serde_json::to_string_pretty(value)
            .map_err(|e| CliError::Output(io::Error::other(e)))?;
        self.write(format!("{}\n", crate::redact::scrub(&text)).as_bytes())
    }
}
