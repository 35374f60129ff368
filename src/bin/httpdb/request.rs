//! The request subcommands (get, post, put, delete, head, request): build
//! the request from the arguments, send it, print the answer, and decide
//! what an HTTP error status means for the exit status.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use httpdb::{Error, Method, Response};

use crate::args::{ConnectionArgs, RequestArgs};
use crate::body::Data;
use crate::connection;
use crate::output::{self, CliError, Exit, Stdout};
use crate::progress::Progress;
use crate::redact;
use crate::verbose;
use crate::write_out::{Format, Transfer};

/// The method named `name`, upper-cased: a standard one (GET, PATCH...) or
/// any other HTTP token (CouchDB's COPY, WebDAV's PROPFIND).
pub fn method(name: &str) -> Result<Method, CliError> {
    let upper = name.to_ascii_uppercase();
    let token = !upper.is_empty()
        && upper
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    if !token {
        return Err(CliError::Usage(format!(
            "invalid method \"{name}\"; a method is a word such as GET, PATCH or PROPFIND"
        )));
    }
    Method::from_bytes(upper.as_bytes())
        .map_err(|e| CliError::Usage(format!("invalid method \"{name}\": {e}")))
}

/// Sends `method args.path` and prints the answer as it arrives, the
/// exchange before it with `verbose`, and what -w asks for after it (or
/// after the failure). `head` prints the status line and headers even
/// without -i, as there is no body.
pub fn run(
    connection: &ConnectionArgs,
    method: Method,
    args: RequestArgs,
    watch: &Watch,
) -> Result<Exit, CliError> {
    let format = watch.write_out.as_deref().map(Format::read).transpose()?;
    let mut transfer = Transfer::new(method.as_str());
    let keep = watch.verbose || format.is_some();
    let result = exchange(
        connection,
        method,
        args,
        (watch.verbose, keep),
        &mut transfer,
    );
    if let Some(format) = format {
        if let Err(error) = &result {
            transfer.exit = error.exit().code();
            transfer.error = Some(output::lines(error).join("; "));
        }
        format.print(&transfer);
    }
    result
}

/// What the user watches of a call: -v and -w.
pub struct Watch {
    /// Print the exchange (-v).
    pub verbose: bool,
    /// What to print after the transfer (-w).
    pub write_out: Option<String>,
}

/// The request of `run`, recording in `transfer` what -w reports.
fn exchange(
    connection: &ConnectionArgs,
    method: Method,
    args: RequestArgs,
    (verbose, keep): (bool, bool),
    transfer: &mut Transfer,
) -> Result<Exit, CliError> {
    check_path(&args.path)?;
    let mut headers = args
        .headers
        .iter()
        .map(|h| header(h))
        .collect::<Result<Vec<_>, _>>()?;
    // curl's --json DATA: the body, as --data would give it.
    let json_data = args.json.as_deref().filter(|d| !d.is_empty());
    if json_data.is_some() && args.data.is_some() {
        return Err(CliError::Usage(
            "--json DATA and --data both give a body; give one of them (--json alone only sets the JSON headers)".into(),
        ));
    }
    if args.json.is_some() {
        for name in ["content-type", "accept"] {
            if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)) {
                headers.push((name.to_string(), "application/json".to_string()));
            }
        }
    }
    let data = args
        .data
        .as_deref()
        .or(json_data)
        .map(Data::open)
        .transpose()?;
    let (client, path) = connection::client_for(connection, &args.path)?;

    let shown_path = path.split(['?', '#']).next().unwrap_or_default();
    log::info!(
        "{method} {shown_path}{}",
        data.as_ref()
            .map(|d| format!(" ({})", d.describe()))
            .unwrap_or_default()
    );
    let mut request = client
        .request(method.clone(), &path)
        .error_for_status(false);
    if args.idempotent {
        request = request.idempotent(true);
    }
    // A credential given with -H is masked as the URI's are.
    redact::register(
        headers
            .iter()
            .filter(|(name, _)| httpdb::is_secret_header(name))
            .flat_map(|(name, value)| credentials_in(name, value)),
    );
    for (name, value) in &headers {
        request = request.header(name, value);
    }
    if let Some(data) = data {
        request = data.attach(request);
    }
    // -v prints the heads, -w measures with them and the timings.
    if keep {
        request = request.keep_heads(true).timings(true);
    }
    let mut response = match request.send() {
        Ok(response) => response,
        Err(error) => {
            if verbose {
                verbose::print(error.attempts());
            }
            transfer.saw(error.attempts());
            transfer.status = error.status();
            return Err(error.into());
        }
    };
    if verbose {
        verbose::print(response.attempts());
    }
    transfer.saw(response.attempts());
    transfer.status = Some(response.status());
    transfer.http_version = Some(response.version().to_string());
    transfer.headers = response
        .headers()
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    // 304 Not Modified points nowhere: it is no redirect.
    if (300..400).contains(&response.status()) && response.status() != 304 {
        // Not followed: say so, where a script's reader looks for trouble.
        eprintln!(
            "httpdb: {} from {}: the answer points to {}; redirects are not followed",
            httpdb::status_text(response.status()),
            response.host(),
            redact::scrub(response.location().unwrap_or("(no Location header)"))
        );
    }

    let mut sink = Sink::open(args.output.as_deref())?;
    if args.include || method == Method::HEAD {
        sink.write(&output::head(&response))?;
    }
    let progress = Progress::new(args.silent, response.content_length());
    // An error body, or a redirect's, may quote the request back,
    // credentials included: the client's secrets are masked in it. A
    // success body is written as received, byte for byte.
    let mut masking = (response.status() >= 300).then(redact::Masking::new);
    let copied = copy(
        &mut response,
        &mut sink,
        &progress,
        masking.as_mut(),
        transfer,
    );
    progress.finish();
    copied?;
    sink.finish()?;
    if response.status() >= 400 && !args.no_fail {
        return Err(CliError::HttpStatus {
            status: response.status(),
            host: response.host().to_string(),
        });
    }
    Ok(Exit::Ok)
}

/// The body, from `response` to `sink` as it arrives: each chunk written
/// and flushed at once, so that a continuous feed shows each change as it
/// comes and an error leaves what arrived in place.
fn copy(
    response: &mut Response,
    sink: &mut Sink,
    progress: &Progress,
    mut masking: Option<&mut redact::Masking>,
    transfer: &mut Transfer,
) -> Result<(), CliError> {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match response.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                if let Some(masking) = masking {
                    sink.write(&masking.finish())?;
                }
                return Err(CliError::Lib(body_error(e)));
            }
        };
        match masking.as_deref_mut() {
            Some(masking) => sink.write(&masking.push(&buf[..n]))?,
            None => sink.write(&buf[..n])?,
        }
        progress.advance(n as u64);
        transfer.size_download += n as u64;
    }
    if let Some(masking) = masking {
        sink.write(&masking.finish())?;
    }
    Ok(())
}

/// The library's error inside an I/O error of the body reader.
fn body_error(error: io::Error) -> Error {
    let kind = error.kind();
    match error.into_inner().map(|e| e.downcast::<Error>()) {
        Some(Ok(ours)) => *ours,
        Some(Err(other)) => Error::Write {
            source: io::Error::new(kind, other),
        },
        None => Error::Write {
            source: kind.into(),
        },
    }
}

/// Where the body goes: standard output, or `--output FILE` through a
/// temporary file beside it that takes the final name only when complete,
/// or straight into a device or pipe (`--output /dev/null`).
enum Sink {
    Stdout(Stdout),
    /// A device or a pipe, written to directly.
    Device(std::fs::File),
    File {
        file: std::fs::File,
        part: PathBuf,
        path: PathBuf,
        done: bool,
    },
}

impl Sink {
    fn open(path: Option<&Path>) -> Result<Sink, CliError> {
        let Some(path) = path else {
            return Ok(Sink::Stdout(Stdout::new()));
        };
        // A device or a pipe (`-o /dev/null`, a FIFO) is written to as it
        // is: a file renamed over it would replace it.
        if std::fs::metadata(path).is_ok_and(|m| !m.is_file()) {
            let file = std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(|e| {
                    CliError::Usage(format!("--output: cannot open {}: {e}", path.display()))
                })?;
            return Ok(Sink::Device(file));
        }
        let mut name = path.file_name().unwrap_or_default().to_os_string();
        name.push(".httpdb-part");
        let part = path.with_file_name(name);
        let file = std::fs::File::create(&part).map_err(|e| {
            CliError::Usage(format!("--output: cannot create {}: {e}", part.display()))
        })?;
        Ok(Sink::File {
            file,
            part,
            path: path.to_path_buf(),
            done: false,
        })
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), CliError> {
        match self {
            Sink::Stdout(out) => out.write(bytes),
            Sink::File { file, .. } | Sink::Device(file) => {
                file.write_all(bytes).map_err(CliError::Output)
            }
        }
    }

    /// The whole body is in: the file takes its final name.
    fn finish(&mut self) -> Result<(), CliError> {
        if let Sink::File {
            file,
            part,
            path,
            done,
        } = self
        {
            file.sync_all().map_err(CliError::Output)?;
            std::fs::rename(&*part, &*path).map_err(CliError::Output)?;
            *done = true;
        }
        Ok(())
    }
}

impl Drop for Sink {
    /// Not finished: a partial file never stays behind.
    fn drop(&mut self) {
        if let Sink::File {
            part, done: false, ..
        } = self
        {
            let _ = std::fs::remove_file(part);
        }
    }
}

/// The secrets in a credential header's `value`: the value, and the
/// parts a server may quote alone: `Bearer TOKEN`'s token (`Basic`'s
/// base64 is decoded by [`httpdb::Secret::forms`]), each cookie's value,
/// each word or `key="value"` of several. A scheme is no secret, and
/// neither is a part shorter than 8 characters (`theme=dark`, a Digest
/// header's `qop=auth`): registered, it would be masked in every line.
fn credentials_in(name: &str, value: &str) -> Vec<httpdb::Secret> {
    let authorization = name.eq_ignore_ascii_case("authorization")
        || name.eq_ignore_ascii_case("proxy-authorization");
    let mut out = vec![httpdb::Secret::new(value.trim())];
    let mut parts = value.split_whitespace().peekable();
    if authorization {
        parts.next();
    }
    for part in parts.flat_map(|p| p.split([';', ','])) {
        let part = part.split_once('=').map_or(part, |(_, v)| v);
        let part = part.trim().trim_matches('"');
        if part.len() >= 8 {
            out.push(httpdb::Secret::new(part));
        }
    }
    out
}

/// A path, or an http or https URL (as curl takes it).
fn check_path(path: &str) -> Result<(), CliError> {
    if let Some((scheme, _)) = path.split_once("://")
        && !scheme.eq_ignore_ascii_case("http")
        && !scheme.eq_ignore_ascii_case("https")
    {
        return Err(CliError::Usage(format!(
            "PATH is a path such as /_sql, or an http:// or https:// URL; {scheme}:// is neither"
        )));
    }
    Ok(())
}

/// `Name: value` as given to -H. The value is never shown in a message: it
/// may be a credential.
fn header(given: &str) -> Result<(String, String), CliError> {
    let Some((name, value)) = given.split_once(':') else {
        return Err(CliError::Usage(
            "-H takes \"Name: value\" (the header given has no ':')".into(),
        ));
    };
    let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if name.is_empty() || !name.chars().all(token) {
        let shown: String = name.chars().filter(|c| !c.is_control()).take(40).collect();
        return Err(CliError::Usage(format!(
            "-H: \"{shown}\" is not a valid header name (letters, digits and !#$%&'*+-.^_`|~ only)"
        )));
    }
    let value = value.trim_matches([' ', '\t']);
    if value.chars().any(|c| c.is_control() && c != '\t') {
        return Err(CliError::Usage(format!(
            "-H: the value of header {name} contains a control character"
        )));
    }
    Ok((name.to_string(), value.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_of_a_header_and_their_parts() {
        let shown = |name: &str, value: &str| -> Vec<String> {
            credentials_in(name, value)
                .iter()
                .map(|s| s.expose().to_string())
                .collect()
        };
        assert_eq!(shown("Authorization", "Bearer tok"), ["Bearer tok"]);
        assert_eq!(
            shown("Authorization", "Bearer tok-123456"),
            ["Bearer tok-123456", "tok-123456"]
        );
        assert_eq!(
            shown("Cookie", "sess=Zq9CookieVal; theme=dark"),
            ["sess=Zq9CookieVal; theme=dark", "Zq9CookieVal"]
        );
        assert_eq!(
            shown(
                "Authorization",
                r#"Digest username="admin", response="Zq9DigestResp""#
            ),
            [
                r#"Digest username="admin", response="Zq9DigestResp""#,
                "Zq9DigestResp"
            ]
        );
    }

    #[test]
    fn headers() {
        assert_eq!(header("X-A: b c ").ok(), Some(("X-A".into(), "b c".into())));
        assert_eq!(header("X-A:").ok(), Some(("X-A".into(), String::new())));
        assert_eq!(header("X:a:b").ok(), Some(("X".into(), "a:b".into())));
        assert!(header("novalue").is_err());
        assert!(header(": v").is_err());
        assert!(header("X A: v").is_err());
        assert!(header("X: a\nb").is_err());
    }

    #[test]
    fn methods() {
        assert_eq!(method("patch").ok(), Some(Method::PATCH));
        assert_eq!(
            method("propfind").ok().as_ref().map(Method::as_str),
            Some("PROPFIND")
        );
        assert!(method("GET /").is_err());
        assert!(method("").is_err());
    }
}
