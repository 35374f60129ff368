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
use rustls::pki_types::ServerName;
use rustls::sign::SingleCertAndKey;
use rustls::{AlertDescription, CertificateError, ClientConfig, RootCertStore};

use crate::error::{Error, Result, TlsErrorKind};
use crate::settings::{CaCerts, Settings, TlsVersion};

pub(crate) use verifier::Verifier;

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
    config.enable_sni = settings.ssl_sni();
    Ok(Some(Arc::new(config)))
}

/// The verifier of the server's certificate that `settings` call for: the
/// one every `Client` uses, and the one `httpdb check` runs on the chain it
/// recorded. Reads the CA file (even under `CERT_NONE`, so that a wrong path
/// is reported) and the CRLs, and loads the OS store when it is used.
pub(crate) fn server_verifier(settings: &Settings) -> Result<Arc<dyn ServerCertVerifier>> {
    let provider = provider();
    let chain = if settings.ssl_cert_reqs().verifies() {
        let mut builder = WebPkiServerVerifier::builder_with_provider(
            Arc::new(roots(settings)?),
            provider.clone(),
        );
        let crls = files::crls(settings)?;
        if !crls.is_empty() {
            // As OpenSSL does: a CRL past its next update is not trusted.
            builder = builder.with_crls(crls).enforce_revocation_expiration();
        }
        let webpki = builder.build().map_err(|e| {
            let option = if settings.ssl_crl_file().is_some() || settings.ssl_crl_dir().is_some() {
                crl_option(settings)
            } else {
                "ssl_ca_certs".into()
            };
            Error::config(
                option.split('=').next().unwrap_or("ssl_ca_certs"),
                format!("cannot build a certificate verifier from {option}: {e}"),
            )
        })?;
        if !settings.ssl_match_hostname() && *settings.ssl_ca_certs() == CaCerts::System {
            log::warn!(
                "the host name is not checked (ssl_match_hostname=false) and the system trust store is used: any certificate a public CA issued, for any name, is accepted from {}; name your CA with ssl_ca_certs=FILE, or check the host name",
                host_list(settings)
            );
        }
        Some(webpki)
    } else {
        // Read the CAs even though they will not be used, so that a wrong
        // path is reported rather than silently ignored.
        match settings.ssl_ca_certs() {
            CaCerts::File(path) => drop(files::ca_file("ssl_ca_certs", path)?),
            CaCerts::Pem(text) => drop(files::ca_pem("ssl_ca_certs", text)?),
            CaCerts::System => {}
        }
        if settings.ssl_assert_fingerprint().is_none() {
            let level = if settings.ssl_show_warn() {
                log::Level::Warn
            } else {
                log::Level::Debug
            };
            log::log!(
                level,
                "TLS certificate verification is off (ssl_cert_reqs=CERT_NONE) for {}: any server can pose as these hosts",
                host_list(settings)
            );
        }
        None
    };
    let name = match settings.ssl_assert_hostname() {
        Some(name) => Some(ServerName::try_from(name.to_string()).map_err(|_| {
            Error::config(
                "ssl_assert_hostname",
                format!("ssl_assert_hostname={name} is not a DNS name or IP address"),
            )
        })?),
        None => None,
    };
    Ok(Arc::new(Verifier {
        chain,
        check_name: settings.ssl_match_hostname(),
        name,
        pin: settings.ssl_assert_fingerprint().copied(),
        provider,
    }))
}

/// `ssl_crl_file=…` and/or `ssl_crl_dir=…`, for messages.
fn crl_option(settings: &Settings) -> String {
    let mut given = Vec::new();
    if let Some(p) = settings.ssl_crl_file() {
        given.push(format!("ssl_crl_file={}", p.display()));
    }
    if let Some(p) = settings.ssl_crl_dir() {
        given.push(format!("ssl_crl_dir={}", p.display()));
    }
    given.join(" and ")
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

/// The TLS configuration for `https://` proxies: the proxy's certificate
/// checked against `proxy_ssl_ca_certs` for the proxy's name, no client
/// certificate (the database's is for the database, inside the tunnel).
pub(crate) fn proxy_config(settings: &Settings) -> Result<Arc<ClientConfig>> {
    let roots = roots_of("proxy_ssl_ca_certs", settings.proxy_ssl_ca_certs())?;
    let mut config = ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(&protocol_versions(settings))
        .map_err(|e| Error::config("ssl", format!("the TLS provider cannot be used: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// The trusted roots: exactly the CA file's, or the OS store (Mozilla's
/// roots when the OS store is empty).
fn roots(settings: &Settings) -> Result<RootCertStore> {
    roots_of("ssl_ca_certs", settings.ssl_ca_certs())
}

/// The roots `ca` names, read for `option`.
fn roots_of(option: &str, ca: &CaCerts) -> Result<RootCertStore> {
    match ca {
        CaCerts::File(path) => files::ca_file(option, path),
        CaCerts::Pem(text) => files::ca_pem(option, text),
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
        CaCerts::Pem(_) => "any CA in the PEM text of ssl_ca_certs".into(),
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
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => match settings.ssl_assert_hostname() {
                Some(name) => (NotValidForName, format!("the certificate does not name ssl_assert_hostname={name}; name one it holds")),
                None => {
                    let name = host.rsplit_once(':').map_or(host, |(n, _)| n).trim_matches(['[', ']']);
                    (NotValidForName, format!("the certificate does not name {name}; connect by a name it holds, name the one it holds with ssl_assert_hostname=NAME, or set ssl_match_hostname=false to check the chain only"))
                }
            },
            CertificateError::Revoked => (Revoked, format!("the server's certificate, or a CA certificate in its chain, is revoked by {}; have the server's certificate reissued", crl_option(settings))),
            CertificateError::UnknownRevocationStatus => (Revoked, format!("{} holds no CRL from the issuer of a certificate in the server's chain, so its revocation cannot be checked; add that CA's CRL", crl_option(settings))),
            CertificateError::ExpiredRevocationList | CertificateError::ExpiredRevocationListContext { .. } => (Revoked, format!("a CRL in {} is past its next update; fetch a current CRL from the CA", crl_option(settings))),
            CertificateError::Other(other) if other.0.downcast_ref::<verifier::PinMismatch>().is_some() => {
                let pin = settings.ssl_assert_fingerprint().map(ToString::to_string).unwrap_or_default();
                (PinMismatch, format!("{other}, not ssl_assert_fingerprint={pin}; the server's certificate changed, or this is another server: check the fingerprint with `httpdb check`"))
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
        attempts: Default::default(),
    }
}
