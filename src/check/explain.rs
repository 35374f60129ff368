//! Failures in words: what went wrong on this host with this
//! configuration, and the one change that fixes it.

use std::io::ErrorKind;

use rustls::CertificateError;
use rustls::pki_types::CertificateDer;
use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::FromDer;

use super::probe::{Handshake, HandshakeError};
use super::{ClientCert, ConnectAttempt, Context, Failure, Problem, cert};
use crate::settings::{CaCerts, Host, Settings};
use crate::tls;

/// `a`, `a and b`, `a, b and c`, `a, b, c, d and 3 more`.
fn list(items: &[String]) -> String {
    list_with(items, "and")
}

/// [`list`] with another last word: `a, b or c`.
fn list_with(items: &[String], word: &str) -> String {
    const SHOWN: usize = 4;
    match items {
        [] => String::new(),
        [one] => one.clone(),
        _ if items.len() > SHOWN + 1 => format!(
            "{} {word} {} more",
            items[..SHOWN].join(", "),
            items.len() - SHOWN
        ),
        [head @ .., last] => format!("{} {word} {last}", head.join(", ")),
    }
}

/// No TCP connection.
pub(super) fn connect(
    host: &Host,
    attempts: &[ConnectAttempt],
    error: &std::io::Error,
    settings: &Settings,
) -> Failure {
    let timeout = crate::settings::duration::format(settings.connect_timeout());
    if matches!(error.kind(), ErrorKind::TimedOut | ErrorKind::WouldBlock) {
        return Failure::new(
            Problem::Connect,
            format!("no TCP connection to {host} within connect_timeout={timeout}"),
            "check the address, the port and any firewall in between, or raise connect_timeout",
        );
    }
    let refused = !attempts.is_empty()
        && attempts
            .iter()
            .all(|a| a.error.as_deref() == Some("connection refused"));
    if refused {
        let at: Vec<String> = attempts.iter().map(|a| a.address.clone()).collect();
        return Failure::new(
            Problem::Connect,
            format!("connection refused at {}", list(&at)),
            format!(
                "check that the server is running and listens on port {}, the port in the URI",
                host.port
            ),
        );
    }
    let causes: Vec<String> = attempts
        .iter()
        .filter_map(|a| Some(format!("{}: {}", a.address, a.error.as_deref()?)))
        .collect();
    let causes = if causes.is_empty() {
        crate::error::io_cause(error)
    } else {
        causes.join("; ")
    };
    Failure::new(
        Problem::Connect,
        format!("cannot connect to {host} ({causes})"),
        "check the address, the port and the network",
    )
}

/// What the handshake itself (not the chain) says is wrong, if anything.
pub(super) fn handshake(handshake: &Handshake, cx: &Context<'_>, host: &Host) -> Option<Failure> {
    let issuers = &handshake.report.client_cert_issuers;
    match handshake.report.client_cert {
        Some(ClientCert::Required) => return Some(client_cert_required(issuers)),
        Some(ClientCert::Rejected) => return Some(client_cert_rejected(cx, issuers)),
        _ => {}
    }
    Some(handshake_error(
        handshake.error.as_ref()?,
        host,
        cx.settings,
    ))
}

/// A handshake that failed for a reason other than certificates.
fn handshake_error(error: &HandshakeError, host: &Host, settings: &Settings) -> Failure {
    match error {
        HandshakeError::Tls(e) => {
            let (_, hint) = tls::classify(e, &host.to_string(), settings);
            Failure::new(
                Problem::Handshake,
                format!("the TLS handshake failed ({e})"),
                hint,
            )
        }
        HandshakeError::Timeout(after) => Failure::new(
            Problem::Handshake,
            format!(
                "no TLS handshake within connect_timeout={}",
                crate::settings::duration::format(*after)
            ),
            "check that this port serves TLS (for plain http use an http:// URI), or raise connect_timeout",
        ),
        HandshakeError::Io(e)
            if matches!(
                e.kind(),
                ErrorKind::UnexpectedEof
                    | ErrorKind::ConnectionReset
                    | ErrorKind::ConnectionAborted
            ) =>
        {
            Failure::new(
                Problem::Handshake,
                "the server closed the connection during the TLS handshake",
                "check that this port serves TLS; the server's error log says why it hung up",
            )
        }
        HandshakeError::Io(e) => Failure::new(
            Problem::Handshake,
            format!("the TLS handshake failed ({})", crate::error::io_cause(e)),
            "check the host, the port and the server's TLS settings",
        ),
    }
}

/// `with ssl_certfile (and ssl_keyfile)`, naming the CAs the server accepts.
fn accepted(issuers: &[String]) -> String {
    if issuers.is_empty() {
        String::new()
    } else {
        format!(" issued by {}", list_with(issuers, "or"))
    }
}

/// The server wants a client certificate and none is configured.
pub(super) fn client_cert_required(issuers: &[String]) -> Failure {
    Failure::new(
        Problem::ClientCertRequired,
        "the server requires a client certificate and none is configured",
        format!(
            "pass one{} with ssl_certfile (and ssl_keyfile)",
            accepted(issuers)
        ),
    )
}

/// The server refused the configured client certificate.
pub(super) fn client_cert_rejected(cx: &Context<'_>, issuers: &[String]) -> Failure {
    let file = cx
        .certfile()
        .map(|p| format!(" ssl_certfile={}", p.display()))
        .unwrap_or_default();
    let ours = cx
        .identity
        .as_ref()
        .and_then(|key| key.cert.first())
        .and_then(|der| {
            X509Certificate::from_der(der)
                .ok()
                .map(|(_, c)| (c.subject().to_string(), c.issuer().to_string()))
        });
    let (what, not_accepted) = match &ours {
        Some((subject, issuer)) => (
            format!(" ({subject}, issued by {issuer})"),
            !issuers.is_empty() && !issuers.contains(issuer),
        ),
        None => (String::new(), false),
    };
    let reason = if not_accepted {
        format!(
            "the server rejected the client certificate{file}{what}, which is not from a CA it accepts ({})",
            list(issuers)
        )
    } else {
        format!("the server rejected the client certificate{file}{what}")
    };
    let fix = if issuers.is_empty() {
        "use one issued by a CA the server trusts".to_string()
    } else {
        format!("use one{}", accepted(issuers))
    };
    Failure::new(Problem::ClientCertRejected, reason, fix)
}

/// The configured verifier refused the recorded chain.
pub(super) fn verification(
    error: &rustls::Error,
    cx: &Context<'_>,
    host: &Host,
    chain: &[CertificateDer<'static>],
) -> Failure {
    let parsed: Vec<Option<X509Certificate<'_>>> = chain
        .iter()
        .map(|der| X509Certificate::from_der(der).ok().map(|(_, c)| c))
        .collect();
    let certs: Vec<&X509Certificate<'_>> = parsed.iter().flatten().collect();
    use CertificateError as E;
    let rustls::Error::InvalidCertificate(cert_error) = error else {
        return other(error);
    };
    match cert_error {
        E::UnknownIssuer => unknown_issuer(cx, &certs),
        E::Expired | E::ExpiredContext { .. } => expired(&certs).unwrap_or_else(|| other(error)),
        E::NotValidYet | E::NotValidYetContext { .. } => {
            not_yet_valid(&certs).unwrap_or_else(|| other(error))
        }
        E::NotValidForName | E::NotValidForNameContext { .. } => {
            wrong_host(host, certs.first().copied())
        }
        E::InvalidPurpose | E::InvalidPurposeContext { .. } => Failure::new(
            Problem::BadCertificate,
            "the certificate is not meant for TLS servers (its extended key usage lacks serverAuth)",
            "have it reissued for server authentication",
        ),
        E::BadSignature => Failure::new(
            Problem::BadCertificate,
            "a signature in the server's chain does not verify",
            "the server's certificates are mixed up or corrupt: have the chain rebuilt from the issued files",
        ),
        _ => other(error),
    }
}

fn other(error: &rustls::Error) -> Failure {
    Failure::new(
        Problem::BadCertificate,
        format!("the certificate is not acceptable ({error})"),
        "have it reissued, or set ssl_cert_reqs=CERT_NONE to skip verification",
    )
}

fn unknown_issuer(cx: &Context<'_>, certs: &[&X509Certificate<'_>]) -> Failure {
    let Some(last) = certs.last() else {
        return Failure::new(
            Problem::UnknownIssuer,
            format!("the server's chain is not signed by any CA in {}", cx.trust),
            "pass the CA that signed it with ssl_ca_certs",
        );
    };
    let (subject, issuer) = (last.subject().to_string(), last.issuer().to_string());
    let self_signed = subject == issuer;
    let holds = match cx.settings.ssl_ca_certs() {
        CaCerts::File(_) | CaCerts::Pem(_) if !cx.ca_subjects.is_empty() => {
            format!(" (it holds {})", list(&cx.ca_subjects))
        }
        _ => String::new(),
    };
    let trust = &cx.trust;
    if self_signed && certs.len() == 1 {
        return Failure::new(
            Problem::UnknownIssuer,
            format!("the certificate is self-signed ({subject}) and not in {trust}{holds}"),
            "add it to ssl_ca_certs if you trust it, or have the server use a certificate from a CA you trust",
        );
    }
    if let CaCerts::File(path) = cx.settings.ssl_ca_certs()
        && (cx.ca_subjects.contains(&issuer) || (self_signed && cx.ca_subjects.contains(&subject)))
    {
        return Failure::new(
            Problem::UnknownIssuer,
            format!(
                "the chain ends at {issuer}, and ssl_ca_certs={} holds a CA of that name, but not the one that signed this chain (another key: an older or newer CA?)",
                path.display()
            ),
            "put the CA certificate the server's certificate was really issued from in ssl_ca_certs",
        );
    }
    let end = if self_signed { subject } else { issuer };
    let fix = if self_signed {
        format!("add {end} to ssl_ca_certs if you trust it")
    } else {
        format!(
            "add the CA that signed it to ssl_ca_certs, or, if {end} is an intermediate CA, have the server send it along with its own certificate"
        )
    };
    Failure::new(
        Problem::UnknownIssuer,
        format!("the chain ends at {end}, which is not in {trust}{holds}"),
        fix,
    )
}

fn expired(certs: &[&X509Certificate<'_>]) -> Option<Failure> {
    let now = cert::now();
    let (i, c) = certs
        .iter()
        .enumerate()
        .find(|(_, c)| c.validity().not_after.timestamp() <= now)?;
    let end = c.validity().not_after.timestamp();
    let when = format!("on {} ({} ago)", cert::date(end), cert::span(now - end));
    Some(if i == 0 {
        Failure::new(
            Problem::Expired,
            format!("the certificate expired {when}"),
            "renew it on the server",
        )
    } else {
        Failure::new(
            Problem::Expired,
            format!(
                "the intermediate certificate {} that the server sends expired {when}",
                c.subject()
            ),
            "have the server send the current one",
        )
    })
}

fn not_yet_valid(certs: &[&X509Certificate<'_>]) -> Option<Failure> {
    let now = cert::now();
    let c = certs
        .iter()
        .find(|c| c.validity().not_before.timestamp() > now)?;
    let start = c.validity().not_before.timestamp();
    Some(Failure::new(
        Problem::NotYetValid,
        format!(
            "the certificate {} is not valid until {} (in {})",
            c.subject(),
            cert::date(start),
            cert::span(start - now)
        ),
        "check the clock of this machine (and of whoever issued it), or wait",
    ))
}

fn wrong_host(host: &Host, leaf: Option<&X509Certificate<'_>>) -> Failure {
    let names: Vec<String> = leaf
        .map(cert::names)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|n| {
            n.strip_prefix("DNS:")
                .or_else(|| n.strip_prefix("IP:"))
                .map(str::to_string)
        })
        .collect();
    match names.as_slice() {
        [] => Failure::new(
            Problem::WrongHost,
            format!(
                "the certificate names no host ({}, no DNS or IP subjectAltName)",
                leaf.map(|c| c.subject().to_string()).unwrap_or_default()
            ),
            format!(
                "have it reissued with a subjectAltName for {}, or set ssl_match_hostname=false",
                host.name
            ),
        ),
        [_] => Failure::new(
            Problem::WrongHost,
            format!("the certificate is for {}, not for {}", names[0], host.name),
            "connect by that name or set ssl_match_hostname=false",
        ),
        _ => Failure::new(
            Problem::WrongHost,
            format!(
                "the certificate is for {}, not for {}",
                list(&names),
                host.name
            ),
            "connect by one of those names or set ssl_match_hostname=false",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::list;

    #[test]
    fn lists() {
        let s = |v: &[&str]| list(&v.iter().map(|x| x.to_string()).collect::<Vec<_>>());
        assert_eq!(s(&[]), "");
        assert_eq!(s(&["a"]), "a");
        assert_eq!(s(&["a", "b"]), "a and b");
        assert_eq!(s(&["a", "b", "c"]), "a, b and c");
        assert_eq!(s(&["a", "b", "c", "d", "e", "f"]), "a, b, c, d and 2 more");
    }
}
