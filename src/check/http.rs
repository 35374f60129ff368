//! `GET /` through an ordinary [`Client`] built for one host alone, with
//! the same settings: the request (and the credentials) a real call sends.

use crate::client::status_text;
use std::time::Instant;

use super::{ClientCert, Context, Failure, HttpReport, Problem, TlsReport, explain, millis};
use crate::client::{Client, Method};
use crate::error::{Error, TlsErrorKind};
use crate::settings::{Host, Settings};

fn request_line(settings: &Settings) -> String {
    format!("GET {}", settings.path())
}

/// The report of a `GET /` that was not sent, and why.
pub(super) fn skipped(settings: &Settings, why: &str) -> HttpReport {
    HttpReport {
        request: request_line(settings),
        status: None,
        ms: None,
        server: None,
        skipped: Some(why.into()),
        error: None,
    }
}

/// `settings` with `host` as the only host: everything else as it is.
fn single_host(settings: &Settings, host: &Host) -> Settings {
    Settings {
        hosts: vec![host.clone()],
        ..settings.clone()
    }
}

/// Sends `GET /` to `host` alone. `tls` is updated when the answer tells
/// about our client certificate.
pub(super) fn get(
    cx: &Context<'_>,
    host: &Host,
    tls: Option<&mut TlsReport>,
    warnings: &mut Vec<String>,
) -> (HttpReport, Option<Failure>) {
    let settings = cx.settings;
    let mut report = skipped(settings, "");
    report.skipped = None;
    let client = match Client::from_settings(single_host(settings, host)) {
        Ok(client) => client,
        Err(e) => {
            report.error = Some(e.to_string());
            return (
                report,
                Some(Failure::new(
                    Problem::Request,
                    format!("cannot build a client for {host} ({e})"),
                    "",
                )),
            );
        }
    };
    let start = Instant::now();
    let result = client
        .request(Method::GET, "/")
        .error_for_status(false)
        .send();
    report.ms = Some(millis(start.elapsed()));
    let mut response = match result {
        Ok(response) => response,
        Err(error) => {
            report.error = Some(error.to_string());
            let failure = request_failure(cx, &error, tls);
            return (report, Some(failure));
        }
    };
    let status = response.status();
    report.status = Some(status);
    let url = format!("{}://{host}", if settings.tls() { "https" } else { "http" });
    let headers = response.headers().clone();
    // The body, read once and no more of it than an identity takes: the
    // server's document, or the words of an error.
    let asking = crate::server_info::Asking::new(&client);
    let body = asking.body(&mut response, "/").unwrap_or_default();
    report.server = crate::server_info::identify(&asking, url, status, &headers, &body)
        .ok()
        .flatten();
    if status == 404 && report.server.is_none() {
        warnings.push(format!(
            "{} answered 404 Not Found: check the base path of the URI",
            report.request
        ));
    }
    let failure = status_failure(cx, status, &body, &report.request, tls);
    (report, failure)
}

fn status_failure(
    cx: &Context<'_>,
    status: u16,
    body: &[u8],
    request: &str,
    tls: Option<&mut TlsReport>,
) -> Option<Failure> {
    if status < 400 || status == 404 {
        return None;
    }
    let answered = format!("{request} answered {}", status_text(status));
    if status == 400 {
        // nginx's words when `ssl_verify_client on` is not satisfied.
        let body = String::from_utf8_lossy(body);
        let verdict = if body.contains("No required SSL certificate was sent") {
            Some(ClientCert::Required)
        } else if body.contains("The SSL certificate error") {
            Some(ClientCert::Rejected)
        } else {
            None
        };
        if let Some(verdict) = verdict {
            return Some(client_cert_failure(cx, verdict, tls));
        }
    }
    let settings = cx.settings;
    let has_credentials = settings.username().is_some() || settings.token().is_some();
    let fix = match status {
        401 if has_credentials => {
            "the server refused the credentials: check the user name and password (or token)"
        }
        401 => "the server wants credentials: put user:password in the URI, or pass a token",
        403 => "the user may not read it: check its privileges on the server",
        500..=599 => "the server is up but failing or not ready: check its logs and health",
        _ => "check the base path of the URI and the server's log",
    };
    Some(Failure::new(Problem::HttpStatus, answered, fix))
}

fn client_cert_failure(
    cx: &Context<'_>,
    verdict: ClientCert,
    tls: Option<&mut TlsReport>,
) -> Failure {
    let issuers = tls
        .as_ref()
        .map(|t| t.client_cert_issuers.clone())
        .unwrap_or_default();
    if let Some(tls) = tls {
        tls.client_cert = Some(verdict);
    }
    if verdict == ClientCert::Required {
        explain::client_cert_required(&issuers)
    } else {
        explain::client_cert_rejected(cx, &issuers)
    }
}

fn request_failure(cx: &Context<'_>, error: &Error, tls: Option<&mut TlsReport>) -> Failure {
    let request = request_line(cx.settings);
    match error {
        Error::Tls {
            kind: TlsErrorKind::ClientCertRequired,
            ..
        } => client_cert_failure(cx, ClientCert::Required, tls),
        Error::Tls {
            kind: TlsErrorKind::ClientCertRejected,
            ..
        } => client_cert_failure(cx, ClientCert::Rejected, tls),
        Error::Timeout { .. } => Failure::new(
            Problem::Request,
            format!("{request} failed: {error}"),
            "the server accepted the connection but did not answer in time: check its load and logs, or raise timeout",
        ),
        Error::Tls { hint, .. } => Failure::new(
            Problem::Request,
            format!("{request} failed: {error}"),
            hint.clone(),
        ),
        _ => Failure::new(
            Problem::Request,
            format!("{request} failed: {error}"),
            "check the server's log",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn singles_out_one_host_with_secrets_kept() {
        let settings = Settings::from_uri(
            "https://ad%40min:p%40ss@db1:4200,db2:4201/base?timeout=5s&ssl_cert_reqs=CERT_NONE",
        )
        .unwrap();
        let one = single_host(&settings, &settings.hosts()[1]);
        assert_eq!(one.hosts(), &settings.hosts()[1..]);
        assert_eq!(one.password().map(crate::Secret::expose), Some("p@ss"));
        assert_eq!(one.username(), Some("ad@min"));
        assert_eq!(
            (one.path(), one.timeout(), one.ssl_cert_reqs()),
            (
                settings.path(),
                settings.timeout(),
                settings.ssl_cert_reqs()
            )
        );
        let plain = Settings::from_uri("http://[::1]:80,h2/?token=t").unwrap();
        let one = single_host(&plain, &plain.hosts()[0]);
        assert_eq!(one.to_uri(), "http://[::1]:80/?token=***");
    }
}
