//! The request subcommands (get, post, put, delete, head, request): build
//! the request from the arguments, send it, print the answer, and decide
//! what an HTTP error status means for the exit status.

use httpdb::Method;

use crate::args::{ConnectionArgs, RequestArgs};
use crate::output::{self, CliError, Exit, Stdout};
use crate::{body, connection};

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

/// Sends `method args.path` and prints the answer. `head` prints the status
/// line and headers even without -i, as there is no body.
pub fn run(
    connection: &ConnectionArgs,
    method: Method,
    args: RequestArgs,
) -> Result<Exit, CliError> {
    check_path(&args.path)?;
    let mut headers = args
        .headers
        .iter()
        .map(|h| header(h))
        .collect::<Result<Vec<_>, _>>()?;
    if args.json {
        for name in ["content-type", "accept"] {
            if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)) {
                headers.push((name.to_string(), "application/json".to_string()));
            }
        }
    }
    let body = args.data.as_deref().map(body::read).transpose()?;
    let client = connection::client(connection)?;

    let shown_path = args.path.split(['?', '#']).next().unwrap_or_default();
    log::info!(
        "{method} {shown_path}{}",
        body.as_ref()
            .map(|b| format!(" ({} body bytes)", b.len()))
            .unwrap_or_default()
    );
    let mut request = client
        .request(method.clone(), &args.path)
        .error_for_status(false);
    for (name, value) in &headers {
        request = request.header(name, value);
    }
    if let Some(body) = body {
        request = request.body(body);
    }
    let response = request.send()?;

    let mut out = Stdout::new();
    if args.include || method == Method::HEAD {
        out.write(&output::head(&response))?;
    }
    out.write(response.body())?;
    if response.status() >= 400 && !args.no_fail {
        return Err(CliError::HttpStatus {
            status: response.status(),
            host: response.host().to_string(),
        });
    }
    Ok(Exit::Ok)
}

/// A path, not a URL: the scheme and host come from the URI.
fn check_path(path: &str) -> Result<(), CliError> {
    if path.contains("://") {
        return Err(CliError::Usage(
            "PATH is a path such as /_sql or /index/_doc/1, not a URL: the scheme and hosts come from the connection URI".into(),
        ));
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
