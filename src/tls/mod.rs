//! The rustls `ClientConfig` that `Settings` describe, and the reading of
//! rustls' errors back into what the user should change.
//!
//! The config is built once per client: files are read here and nowhere
//! else, and the OS trust store is loaded only when it is used.

mod files;
mod verifier;

use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::ServerCertVerifier;
use rustls::crypto::CryptoProvider;
use rustls::sign::SingleCertAndKey;
use rustls::{AlertDescription, CertificateError, ClientConfig, RootCertStore};

use crate::error::{Error, Result, TlsErrorKind};
use crate::settings::{CaCerts, Settings, TlsVersion};

pub(crate) use verifier::NoVerification;

/// The crypto provider every config uses: ring, named explicitly.
pub(crate) fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The TLS versions `settings` allow, oldest first.
pub(crate) fn protocol_versions(
    settings: &Settings,
) -> Vec<&'static rustls::SupportedProtocolVersion> {
    let allowed = settings.ssl_min_protocol_version()..=settings.ssl_max_protocol_version();
    [
        (TlsVersion::Tls12, &rustls::version::TLS12),
        (TlsVersion::Tls13, &rustls::version::TLS13),
    ]
    .into_iter()
    .filter(|(v, _)| allowed.contains(v))
    .map(|(_, version)| version)
    .collect()
}

/// The TLS configuration of `settings`, or `None` when TLS is off.
pub(crate) fn client_config(settings: &Settings) -> Result<Option<Arc<ClientConfig>>> {
    if !settings.tls() {
        return Ok(None);
    }
    let provider = provider();
    let verifier = server_verifier(settings)?;
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&protocol_versions(settings))
        .map_err(|e| Error::config("ssl", format!("the TLS provider cannot be used: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    let mut config = match files::identity(settings, &provider)? {
        Some(key) => builder.with_client_cert_resolver(Arc::new(SingleCertAndKey::from(key))),
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Some(Arc::new(config)))
}

/// The verifier of the server's certificate that `settings` call for: the
/// one every `Client` uses, and the one `httpdb check` runs on the chain it
/// recorded. Reads the CA file (even under `CERT_NONE`, so that a wrong path
/// is reported) and loads the OS store when it is used.
pub(crate) fn server_verifier(settings: &Settings) -> Result<Arc<dyn ServerCertVerifier>> {
    let provider = provider();
    Ok(if settings.ssl_cert_reqs().verifies() {
        let webpki = WebPkiServerVerifier::builder_with_provider(
            Arc::new(roots(settings)?),
            provider.clone(),
        )
        .build()
        .map_err(|e| {
            Error::config(
                "ssl_ca_certs",
                format!("cannot build a certificate verifier from the trusted CAs: {e}"),
            )
        })?;
        if settings.ssl_match_hostname() {
            webpki
        } else {
            if *settings.ssl_ca_certs() == CaCerts::System {
                log::warn!(
                    "the host name is not checked (ssl_match_hostname=false) and the system trust store is used: any certificate a public CA issued, for any name, is accepted from {}; name your CA with ssl_ca_certs=FILE, or check the host name",
                    host_list(settings)
                );
            }
            Arc::new(verifier::ChainOnly(webpki))
        }
    } else {
        // Read a CA file even though it will not be used, so that a wrong
        // path is reported rather than silently ignored.
        if let CaCerts::File(path) = settings.ssl_ca_certs() {
            files::ca_file("ssl_ca_certs", path)?;
        }
        log::warn!(
            "TLS certificate verification is off (ssl_cert_reqs=CERT_NONE) for {}: any server can pose as these hosts",
            host_list(settings)
        );
        Arc::new(NoVerification(provider.clone()))
    })
}

fn host_list(settings: &Settings) -> String {
    let hosts: Vec<String> = settings.hosts().iter().map(ToString::to_string).collect();
    hosts.join(", ")
}

/// The client identity of `settings` (certificate chain and key), if one is
/// configured.
pub(crate) fn identity(settings: &Settings) -> Result<Option<Arc<rustls::sign::CertifiedKey>>> {
    files::identity(settings, &provider())
}

/// The trusted roots: exactly the CA file's, or the OS store (Mozilla's
/// roots when the OS store is empty).
fn roots(settings: &Settings) -> Result<RootCertStore> {
    match settings.ssl_ca_certs() {
        CaCerts::File(path) => files::ca_file("ssl_ca_certs", path),
        CaCerts::System => {
            let found = rustls_native_certs::load_native_certs();
            for error in &found.errors {
                log::debug!("while loading the system trust store: {error}");
            }
            let mut store = RootCertStore::empty();
            let (added, ignored) = store.add_parsable_certificates(found.certs);
            log::debug!("system trust store: {added} CA certificates ({ignored} unusable)");
            if store.is_empty() {
                log::info!(
                    "the system trust store is empty (install ca-certificates, or set SSL_CERT_FILE); using the bundled Mozilla roots instead"
                );
                store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            }
            Ok(store)
        }
    }
}

/// A TLS failure explained: what went wrong and what to change.
pub(crate) fn classify(
    error: &rustls::Error,
    host: &str,
    settings: &Settings,
) -> (TlsErrorKind, String) {
    use TlsErrorKind::*;
    let trust = match settings.ssl_ca_certs() {
        CaCerts::File(p) => format!("any CA in ssl_ca_certs={}", p.display()),
        CaCerts::System => "any CA in the system trust store".into(),
    };
    let has_identity = settings.ssl_certfile().is_some();
    let certfile = settings
        .ssl_certfile()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let rejected = || {
        if has_identity {
            (
                ClientCertRejected,
                format!(
                    "the server rejected the client certificate ssl_certfile={certfile}; use one signed by a CA the server trusts"
                ),
            )
        } else {
            (ClientCertRequired, "the server requires a client certificate; pass one with ssl_certfile (and ssl_keyfile)".into())
        }
    };
    match error {
        rustls::Error::InvalidCertificate(cert) => match cert {
            CertificateError::UnknownIssuer => (UnknownIssuer, format!("the server's chain is not signed by {trust}; pass the CA that signed it with ssl_ca_certs, or ssl_cert_reqs=CERT_NONE to skip verification")),
            CertificateError::Expired | CertificateError::ExpiredContext { .. } | CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                (Expired, "the server's certificate is outside its validity period; renew it on the server, or check this machine's clock".into())
            }
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                let name = host.rsplit_once(':').map_or(host, |(n, _)| n).trim_matches(['[', ']']);
                (NotValidForName, format!("the certificate does not name {name}; connect by a name it holds, or set ssl_match_hostname=false to check the chain only"))
            }
            _ => (BadCertificate, "the server's certificate is not acceptable; have it reissued, or set ssl_cert_reqs=CERT_NONE to skip verification".into()),
        },
        rustls::Error::AlertReceived(alert) => match alert {
            AlertDescription::CertificateRequired => (ClientCertRequired, "the server requires a client certificate; pass one with ssl_certfile (and ssl_keyfile)".into()),
            AlertDescription::BadCertificate
            | AlertDescription::UnknownCA
            | AlertDescription::CertificateUnknown
            | AlertDescription::UnsupportedCertificate
            | AlertDescription::CertificateRevoked
            | AlertDescription::CertificateExpired
            | AlertDescription::AccessDenied => rejected(),
            AlertDescription::HandshakeFailure if !has_identity => (Handshake, "the server ended the handshake; it may require a client certificate (ssl_certfile) or a TLS version or cipher httpdb does not offer".into()),
            AlertDescription::ProtocolVersion => (Handshake, versions_hint(settings)),
            _ => (Handshake, format!("the server sent the TLS alert {alert:?}")),
        },
        rustls::Error::InvalidMessage(_) | rustls::Error::InappropriateMessage { .. } | rustls::Error::InappropriateHandshakeMessage { .. } => {
            (Handshake, "the server did not speak TLS as expected; is this port plain http? then use an http:// URI".into())
        }
        rustls::Error::PeerIncompatible(_) => (Handshake, versions_hint(settings)),
        _ => (Handshake, "the TLS handshake failed".into()),
    }
}

/// What to change when the server and the client share no TLS version.
fn versions_hint(settings: &Settings) -> String {
    format!(
        "the server speaks no TLS version between ssl_min_protocol_version={} and ssl_max_protocol_version={}; widen them (httpdb speaks TLSv1.2 and TLSv1.3)",
        settings.ssl_min_protocol_version(),
        settings.ssl_max_protocol_version()
    )
}

/// The [`Error::Tls`] for a rustls failure talking to `host`;
/// `after_handshake` when the connection had already carried request bytes.
pub(crate) fn error(
    error: rustls::Error,
    host: &str,
    settings: &Settings,
    after_handshake: bool,
) -> Error {
    let (kind, hint) = match classify(&error, host, settings) {
        // Not a certificate matter: the records broke after the handshake.
        (TlsErrorKind::Handshake, _) if after_handshake => (
            TlsErrorKind::Record,
            "the server broke the TLS connection after the request was sent; it may have processed the request, so it was not sent anywhere else".into(),
        ),
        other => other,
    };
    Error::Tls {
        host: host.to_string(),
        kind,
        detail: error.to_string(),
        hint,
        source: Some(Box::new(error)),
    }
}
