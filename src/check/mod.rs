//! `httpdb check`: a diagnosis of every host of a URI, one step at a time.
//!
//! For each host, in URI order: name resolution and the TCP connect; the TLS
//! handshake, driven directly with rustls so that the certificate chain the
//! server sends is recorded whatever it holds; that chain, certificate by
//! certificate; the verdict of the verifier a [`Client`](crate::Client)
//! would use, with the reason and the fix when it fails; and `GET /`, sent
//! (with the credentials) only to a host whose certificate passed.
//!
//! ```no_run
//! let settings = httpdb::Settings::from_env("HTTPDB_URL")?;
//! let report = httpdb::check(&settings)?;
//! for host in &report.hosts {
//!     match &host.failure {
//!         None => println!("{}: ok", host.host),
//!         Some(failure) => println!("{}: {failure}", host.host),
//!     }
//! }
//! # Ok::<(), httpdb::Error>(())
//! ```

mod cert;
mod explain;
mod http;
mod probe;

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::client::danger::ServerCertVerifier;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::sign::CertifiedKey;
use serde::Serialize;

use crate::error::Result;
use crate::server_info::ServerInfo;
use crate::settings::proxy::{Route, Routes};
use crate::settings::{CaCerts, Host, Settings};
use crate::tls;

pub use cert::CertificateInfo;

/// What `httpdb check` found: one [`HostReport`] per host, in URI order.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Report {
    /// The connection URI checked, secrets as `***`.
    pub uri: String,
    /// True when every host passed.
    pub passed: bool,
    /// One report per host, in URI order, then one per member discovery
    /// found that the URI does not list.
    pub hosts: Vec<HostReport>,
    /// What discovery found, with `discover=true`.
    pub discovery: Option<crate::discovery::Report>,
}

/// Everything checked on one host. Steps after a failed one are absent
/// (`None` or empty), except that a recorded certificate chain is always
/// shown and verified.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct HostReport {
    /// `host:port`, as in the URI.
    pub host: String,
    /// The proxy in front of the host, when one is configured anywhere:
    /// which, from where, and what it answered; or why the host is reached
    /// straight. `None` when no proxy is configured at all.
    pub proxy: Option<ProxyHop>,
    /// Name resolution (of the proxy, when the host is reached through
    /// one: the proxy resolves the host).
    pub resolve: Resolve,
    /// The TCP connect attempts, one per address tried, in order; the last
    /// one succeeded unless the host could not be reached.
    pub connect: Vec<ConnectAttempt>,
    /// The TLS handshake; `None` over plain http or when no TCP connection
    /// was made.
    pub tls: Option<TlsReport>,
    /// The server's certificate chain as sent, server certificate first.
    pub certificates: Vec<CertificateInfo>,
    /// The verdict of the configured verifier on that chain.
    pub verification: Option<Verification>,
    /// `GET /` through a [`Client`](crate::Client) for this host alone.
    pub http: Option<HttpReport>,
    /// Things that work but deserve attention (a certificate about to
    /// expire, verification turned off, credentials over plain http).
    pub warnings: Vec<String>,
    /// True when every step passed.
    pub passed: bool,
    /// The first thing that failed, why, and what to change.
    pub failure: Option<Failure>,
    /// Discovery found it: the URI does not list it.
    pub discovered: bool,
}

/// The hop through a proxy.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct ProxyHop {
    /// The proxy, masked, with where it was configured:
    /// `http://u:***@proxy:3128 (from $https_proxy)`.
    pub via: Option<String>,
    /// Why the host is reached straight: `$no_proxy lists .internal`.
    pub direct_because: Option<String>,
    /// The proxy's answer to `CONNECT host:port` (`200 Connection
    /// established`); `None` over plain http, where there is no tunnel.
    pub connect_answer: Option<String>,
}

/// Name resolution of a host.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Resolve {
    /// How long it took, in milliseconds.
    pub ms: f64,
    /// The IP addresses found, in the order they are tried.
    pub addresses: Vec<String>,
    /// Why it failed.
    pub error: Option<String>,
}

/// One TCP connect attempt.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct ConnectAttempt {
    /// The address, such as `127.0.0.1:4200` or `[::1]:4200`.
    pub address: String,
    /// How long it took, in milliseconds.
    pub ms: f64,
    /// Why it failed; `None` when it connected.
    pub error: Option<String>,
}

/// The TLS handshake, made with a verifier that accepts any certificate (but
/// still checks the handshake signatures) so that the chain is recorded
/// whatever it holds. Nothing but the handshake is sent on this connection.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct TlsReport {
    /// How long the handshake took (or ran until it failed), in milliseconds.
    pub ms: f64,
    /// `TLS 1.3` or `TLS 1.2`.
    pub protocol: Option<String>,
    /// The negotiated cipher suite, such as `TLS13_AES_256_GCM_SHA384`.
    pub cipher_suite: Option<String>,
    /// The negotiated ALPN protocol, such as `http/1.1`.
    pub alpn: Option<String>,
    /// What became of client authentication; `None` when the handshake
    /// failed before it could tell.
    pub client_cert: Option<ClientCert>,
    /// The CAs the server said it accepts client certificates from, when it
    /// asked for one and named them.
    pub client_cert_issuers: Vec<String>,
    /// Why the handshake failed.
    pub error: Option<String>,
}

/// Client authentication, as far as the handshake and `GET /` tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ClientCert {
    /// The server did not ask for a client certificate.
    NotRequested,
    /// The server asked, none is configured, and it went on without.
    NotSent,
    /// The server asked, ours was sent and the server went on with it.
    Accepted,
    /// The server asked, none is configured, and it refused to go on.
    Required,
    /// The server asked, ours was sent, and the server refused it.
    Rejected,
}

impl fmt::Display for ClientCert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ClientCert::NotRequested => "not requested",
            ClientCert::NotSent => "requested, none sent (none configured), the server went on",
            ClientCert::Accepted => "requested, sent and accepted",
            ClientCert::Required => "required, but none is configured",
            ClientCert::Rejected => "requested, sent and rejected",
        })
    }
}

/// The configured verifier run on the recorded chain.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Verification {
    /// What is checked: `CERT_REQUIRED, host name checked` and so on.
    pub mode: String,
    /// The trusted CAs: `ssl_ca_certs=PATH` or `the system trust store`.
    pub trust: String,
    /// False under `CERT_NONE`: nothing was checked.
    pub verified: bool,
    /// Whether the chain passed (always true when not verified).
    pub passed: bool,
    /// rustls' words when it failed.
    pub error: Option<String>,
}

/// `GET /` on one host.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct HttpReport {
    /// The request, such as `GET /` (the URI's base path included).
    pub request: String,
    /// The status of the answer.
    pub status: Option<u16>,
    /// How long it took, in milliseconds (TLS handshake included).
    pub ms: Option<f64>,
    /// Who answered, when the answer (or etcd's `GET /version`) says.
    pub server: Option<ServerInfo>,
    /// Why the request was not sent.
    pub skipped: Option<String>,
    /// Why it failed.
    pub error: Option<String>,
}

/// What went wrong on a host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Problem {
    /// The host name does not resolve.
    Resolve,
    /// No TCP connection could be made.
    Connect,
    /// The proxy did not open the way: unreachable, 401/407, 403, closed.
    Proxy,
    /// The TLS handshake failed for a reason other than certificates.
    Handshake,
    /// The chain does not lead to a trusted CA.
    UnknownIssuer,
    /// A certificate of the chain has expired.
    Expired,
    /// A certificate of the chain is not valid yet.
    NotYetValid,
    /// The certificate does not name the host.
    WrongHost,
    /// The certificate is unacceptable otherwise.
    BadCertificate,
    /// The server requires a client certificate and none is configured.
    ClientCertRequired,
    /// The server refused the configured client certificate.
    ClientCertRejected,
    /// `GET /` got an error status.
    HttpStatus,
    /// `GET /` failed (timeout, broken answer).
    Request,
}

/// A failed step: what it was, why, and what to change.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Failure {
    /// What failed.
    pub problem: Problem,
    /// Why, specific to this host and configuration.
    pub reason: String,
    /// What to change.
    pub fix: String,
}

impl fmt::Display for Failure {
    /// `reason: fix`, one sentence.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.fix.is_empty() {
            f.write_str(&self.reason)
        } else {
            write!(f, "{}: {}", self.reason, self.fix)
        }
    }
}

impl Failure {
    pub(crate) fn new(
        problem: Problem,
        reason: impl Into<String>,
        fix: impl Into<String>,
    ) -> Failure {
        Failure {
            problem,
            reason: reason.into(),
            fix: fix.into(),
        }
    }
}

/// Checks every host of `settings`, in order, and reports each step (see
/// the [module documentation](mod@crate::check)).
///
/// Credentials are sent only in `GET /`, and only to a host whose
/// certificate passed the configured verification (or over `http://`, or
/// under `CERT_NONE`, where the configuration itself says not to verify).
///
/// # Errors
///
/// Only configuration errors that concern every host: an unreadable CA file
/// or client certificate. Whatever goes wrong on a host is in its report.
pub fn check(settings: &Settings) -> Result<Report> {
    let context = Context::new(settings)?;
    let mut hosts: Vec<HostReport> = settings
        .hosts()
        .iter()
        .map(|host| check_host(&context, host))
        .collect();
    // With discovery on: what the cluster publishes, and each member the
    // URI does not list checked as a seed is.
    let discovery = match settings.discover() {
        true => Some(crate::Client::from_settings(settings.clone())?.discover()),
        false => None,
    };
    let found = discovery.iter().flat_map(|d| &d.published);
    for host in found.filter_map(|p| p.at.as_ref()) {
        if !settings.hosts().contains(host) {
            hosts.push(HostReport {
                discovered: true,
                ..check_host(&context, host)
            });
        }
    }
    Ok(Report {
        uri: settings.to_uri(),
        passed: hosts.iter().all(|h| h.passed),
        hosts,
        discovery,
    })
}

/// What every host's check shares: the settings, the configured verifier
/// and identity, and the words that describe them.
pub(crate) struct Context<'a> {
    settings: &'a Settings,
    /// The verifier a `Client` builds; `None` over plain http or under
    /// `CERT_NONE`.
    verifier: Option<Arc<dyn ServerCertVerifier>>,
    identity: Option<Arc<CertifiedKey>>,
    /// `ssl_ca_certs=PATH` or `the system trust store`.
    trust: String,
    /// The subjects of the certificates in the CA file.
    ca_subjects: Vec<String>,
    /// The proxies, as a client built now would use them.
    routes: Routes,
}

impl<'a> Context<'a> {
    fn new(settings: &'a Settings) -> Result<Context<'a>> {
        let tls = settings.tls();
        let verifier = if tls
            && (settings.ssl_cert_reqs().verifies() || settings.ssl_assert_fingerprint().is_some())
        {
            Some(tls::server_verifier(settings)?)
        } else {
            None
        };
        let identity = if tls { tls::identity(settings)? } else { None };
        let (trust, ca_subjects) = match settings.ssl_ca_certs() {
            CaCerts::File(path) => (
                format!("ssl_ca_certs={}", path.display()),
                cert::file_subjects(path),
            ),
            CaCerts::Pem(text) => (
                "the PEM text of ssl_ca_certs".to_string(),
                cert::pem_subjects(text),
            ),
            CaCerts::System => ("the system trust store".to_string(), Vec::new()),
        };
        Ok(Context {
            settings,
            verifier,
            identity,
            trust,
            ca_subjects,
            routes: Routes::of(settings)?,
        })
    }

    fn certfile(&self) -> Option<PathBuf> {
        self.settings.ssl_certfile().map(PathBuf::from)
    }
}

fn millis(d: Duration) -> f64 {
    (d.as_secs_f64() * 10_000.0).round() / 10.0
}

fn check_host(cx: &Context<'_>, host: &Host) -> HostReport {
    let settings = cx.settings;
    let deadline = Instant::now() + settings.connect_timeout();
    let mut report = HostReport {
        host: host.to_string(),
        proxy: None,
        resolve: Resolve {
            ms: 0.0,
            addresses: Vec::new(),
            error: None,
        },
        connect: Vec::new(),
        tls: None,
        certificates: Vec::new(),
        verification: None,
        http: None,
        warnings: Vec::new(),
        passed: false,
        discovered: false,
        failure: None,
    };

    let proxy = match cx.routes.route(settings.tls(), &host.name) {
        Route::Via(proxy) => {
            report.proxy = Some(ProxyHop {
                via: Some(format!("{} (from {})", proxy.url, proxy.source)),
                direct_because: None,
                connect_answer: None,
            });
            Some(proxy)
        }
        Route::Direct(why) if cx.routes.configured() => {
            report.proxy = Some(ProxyHop {
                via: None,
                direct_because: Some(why),
                connect_answer: None,
            });
            None
        }
        Route::Direct(_) => None,
        Route::Unusable(why) => {
            let failure = Failure::new(
                Problem::Proxy,
                format!("the proxy for {host} cannot be used: {why}"),
                "fix the proxy variable, or reach the host without it (no_proxy, proxy=none)",
            );
            return finish(report, Some(failure));
        }
    };
    // The step-by-step report below speaks to HTTP proxies. Through a SOCKS
    // or https:// proxy, the GET / goes through the client's own chain.
    if let Some(proxy) = proxy.filter(|p| p.url.scheme != crate::settings::ProxyScheme::Http) {
        report.warnings.push(format!(
            "the step-by-step TLS report is given for HTTP proxies only: through this {} proxy, the GET / below is the client's own, through the proxy",
            proxy.url.scheme.as_str()
        ));
        let (http, failure) = http::get(cx, host, None, &mut report.warnings);
        report.http = Some(http);
        return finish(report, failure);
    }
    // Through a proxy, the first hop is the proxy's.
    let first = match proxy {
        Some(proxy) => Host::new(proxy.url.host.clone(), proxy.url.port),
        None => host.clone(),
    };
    let addresses = match probe::resolve(&first, &mut report.resolve) {
        Ok(addresses) => addresses,
        Err(failure) => return finish(report, Some(failure)),
    };
    let mut stream = match probe::connect(&addresses, deadline, &mut report.connect) {
        Ok(stream) => stream,
        Err(error) => {
            let failure = explain::connect(&first, &report.connect, &error, settings);
            return finish(report, Some(failure));
        }
    };
    if let (Some(proxy), true) = (proxy, settings.tls()) {
        match probe::tunnel(&mut stream, proxy, host, deadline) {
            Ok(answer) => {
                if let Some(hop) = &mut report.proxy {
                    hop.connect_answer = Some(answer);
                }
            }
            Err(failure) => return finish(report, Some(failure)),
        }
    }

    if !settings.tls() {
        drop(stream);
        if settings.password().is_some() || settings.token().is_some() {
            report.warnings.push(
                "the credentials go over plain http, readable by anyone on the path: use https://"
                    .into(),
            );
        }
        let (http, failure) = http::get(cx, host, None, &mut report.warnings);
        report.http = Some(http);
        return finish(report, failure);
    }

    let handshake = probe::handshake(
        stream,
        host,
        &tls::protocol_versions(settings),
        cx.identity.clone(),
        deadline,
        settings.connect_timeout(),
    );
    report.certificates = handshake.chain.iter().map(|der| cert::info(der)).collect();
    for (i, c) in report.certificates.iter().enumerate() {
        if (0..=cert::SOON_DAYS).contains(&c.days_left) {
            let which = if i == 0 {
                "the server's certificate".to_string()
            } else {
                format!("the certificate {}", c.subject)
            };
            report
                .warnings
                .push(format!("{which} {}: renew it soon", c.validity));
        }
    }
    let verification = verify(cx, host, &handshake.chain);
    let mut failure = verification.as_ref().and_then(|(_, f)| f.clone());
    report.verification = verification.map(|(v, _)| v);
    if failure.is_none() {
        failure = explain::handshake(&handshake, cx, host);
    }
    let mut tls_report = handshake.report;
    if !settings.ssl_cert_reqs().verifies() {
        report.warnings.push(format!(
            "certificate verification is off (ssl_cert_reqs={}): any server can pose as {}",
            settings.ssl_cert_reqs(),
            host.name
        ));
    } else if !settings.ssl_match_hostname() {
        report.warnings.push("the host name is not checked (ssl_match_hostname=false): any certificate from a trusted CA is accepted".into());
    }

    if let Some(failure) = failure {
        let why = if report.verification.as_ref().is_some_and(|v| !v.passed) {
            "not sent: the server's certificate did not pass verification, so no request (and no credentials) went to it"
        } else if matches!(
            failure.problem,
            Problem::ClientCertRequired | Problem::ClientCertRejected
        ) {
            "not sent: the server refused the TLS connection over the client certificate"
        } else {
            "not sent: the TLS handshake failed"
        };
        report.http = Some(http::skipped(settings, why));
        report.tls = Some(tls_report);
        return finish(report, Some(failure));
    }

    let (http, failure) = http::get(cx, host, Some(&mut tls_report), &mut report.warnings);
    report.http = Some(http);
    report.tls = Some(tls_report);
    finish(report, failure)
}

fn finish(mut report: HostReport, failure: Option<Failure>) -> HostReport {
    report.passed = failure.is_none();
    report.failure = failure;
    report
}

/// Runs the configured verifier on `chain`; `None` when there is no chain.
fn verify(
    cx: &Context<'_>,
    host: &Host,
    chain: &[CertificateDer<'static>],
) -> Option<(Verification, Option<Failure>)> {
    let (end_entity, intermediates) = chain.split_first()?;
    let settings = cx.settings;
    let mode = match (
        settings.ssl_cert_reqs().verifies(),
        settings.ssl_match_hostname(),
    ) {
        (false, _) => format!("{}, nothing checked", settings.ssl_cert_reqs()),
        (true, true) => format!("{}, host name checked", settings.ssl_cert_reqs()),
        (true, false) => format!(
            "{}, host name not checked (ssl_match_hostname=false)",
            settings.ssl_cert_reqs()
        ),
    };
    let mut verification = Verification {
        mode,
        trust: cx.trust.clone(),
        verified: false,
        passed: true,
        error: None,
    };
    let Some(verifier) = &cx.verifier else {
        return Some((verification, None));
    };
    verification.verified = true;
    let name = match ServerName::try_from(host.name.clone()) {
        Ok(name) => name,
        Err(e) => {
            verification.passed = false;
            verification.error = Some(format!("{} is not a valid TLS server name: {e}", host.name));
            let failure = Failure::new(
                Problem::Handshake,
                verification.error.clone().unwrap_or_default(),
                "connect by a DNS name or an IP address",
            );
            return Some((verification, Some(failure)));
        }
    };
    match verifier.verify_server_cert(end_entity, intermediates, &name, &[], UnixTime::now()) {
        Ok(_) => Some((verification, None)),
        Err(error) => {
            verification.passed = false;
            verification.error = Some(error.to_string());
            let failure = explain::verification(&error, cx, host, chain);
            Some((verification, Some(failure)))
        }
    }
}
