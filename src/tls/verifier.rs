//! The server-certificate verifier for what rustls has no ready-made one
//! for: chain without host name, another name, pinning, and no
//! verification at all (`CERT_NONE`, and `httpdb check`'s recording),
//! with the handshake signatures checked in every case.

use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, DigitallySignedStruct, Error, OtherError, RootCertStore, SignatureScheme,
};

use crate::settings::Fingerprint;

/// The server-certificate check `Settings` describe, in one place:
/// - the webpki chain (with CRLs) unless verification is off;
/// - the host name, or `ssl_assert_hostname`'s name instead, unless
///   `ssl_match_hostname=false`: then only a certificate that does not
///   name the host is forgiven (rustls checks the chain before the name,
///   so a certificate from an untrusted CA still fails);
/// - the pinned fingerprint, in addition: the server's certificate, or a
///   CA certificate it sends, to which the server's certificate must then
///   chain (an attacker could send a copy of the real CA along with its
///   own certificate).
///
/// Handshake signatures are always checked against the certificate the
/// server sent, so the peer must hold its key.
#[derive(Debug)]
pub(crate) struct Verifier {
    pub chain: Option<Arc<WebPkiServerVerifier>>,
    pub check_name: bool,
    pub name: Option<ServerName<'static>>,
    pub pin: Option<Fingerprint>,
    pub provider: Arc<CryptoProvider>,
}

/// The server's certificates do not match `ssl_assert_fingerprint`.
#[derive(Debug)]
pub(crate) struct PinMismatch {
    /// The fingerprint of the server's own certificate.
    pub got: Fingerprint,
}

impl std::fmt::Display for PinMismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "no certificate the server sent has the pinned SHA-256 fingerprint (the server's own is {})",
            self.got
        )
    }
}

impl std::error::Error for PinMismatch {}

impl Verifier {
    /// `CERT_NONE`: any certificate is accepted, but the handshake
    /// signatures are still checked against the certificate the server
    /// sent, so the peer must hold its key.
    pub fn none(provider: Arc<CryptoProvider>) -> Verifier {
        Verifier {
            chain: None,
            check_name: false,
            name: None,
            pin: None,
            provider,
        }
    }

    /// `result`, forgiving a name mismatch when names are not checked.
    fn named(
        &self,
        result: Result<ServerCertVerified, Error>,
    ) -> Result<ServerCertVerified, Error> {
        match result {
            Err(Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) if !self.check_name => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn pinned(
        &self,
        pin: &Fingerprint,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        name: &ServerName<'_>,
        now: UnixTime,
    ) -> Result<(), Error> {
        let got = Fingerprint::of(end_entity);
        if got == *pin {
            return Ok(());
        }
        let Some(anchor) = intermediates.iter().find(|c| Fingerprint::of(c) == *pin) else {
            return Err(Error::InvalidCertificate(CertificateError::Other(
                OtherError(Arc::new(PinMismatch { got })),
            )));
        };
        // The pinned CA as the only root: the server's certificate must
        // chain to it.
        let mut roots = RootCertStore::empty();
        roots.add(anchor.clone().into_owned()).map_err(|_| {
            Error::InvalidCertificate(CertificateError::Other(OtherError(Arc::new(PinMismatch {
                got,
            }))))
        })?;
        let anchored =
            WebPkiServerVerifier::builder_with_provider(Arc::new(roots), self.provider.clone())
                .build()
                .map_err(|e| Error::General(format!("cannot verify against the pinned CA: {e}")))?;
        self.named(anchored.verify_server_cert(end_entity, intermediates, name, &[], now))
            .map(|_| ())
    }
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        let name = self.name.as_ref().unwrap_or(server_name);
        if let Some(chain) = &self.chain {
            self.named(chain.verify_server_cert(end_entity, intermediates, name, ocsp, now))?;
        }
        if let Some(pin) = &self.pin {
            self.pinned(pin, end_entity, intermediates, name, now)?;
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}
