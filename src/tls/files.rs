//! Reading trust and identity files: CA bundles, client certificates and
//! keys in PEM (plain or encrypted PKCS#8) and PKCS#12 bundles. Every error
//! names the option and the file.

use std::path::Path;
use std::sync::Arc;

use rustls::RootCertStore;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::{self, PemObject, SectionKind};
use rustls::pki_types::{
    CertificateDer, CertificateRevocationListDer, PrivateKeyDer, PrivatePkcs8KeyDer,
};
use rustls::sign::CertifiedKey;

use crate::error::{Error, Result};
use crate::settings::Settings;
use crate::small_file::file_error;

/// Larger files are refused rather than read: no real CA bundle or key
/// comes near this (Mozilla's whole bundle is about 220 KB).
const MAX_FILE: u64 = 8 * 1024 * 1024;

/// Reads `path` for `option`, refusing what is not a regular file and
/// files past [`MAX_FILE`].
fn read(option: &str, path: &Path) -> Result<Vec<u8>> {
    crate::small_file::read(option, path, &CERTIFICATES)
}

/// Certificate, key and CRL files, for [`crate::small_file::read`].
const CERTIFICATES: crate::small_file::Kind = crate::small_file::Kind {
    limit: MAX_FILE,
    what: "certificate and key files",
    expected: "a PEM file",
};

/// The CAs of `option=path`: every certificate in the file, strictly.
pub(crate) fn ca_file(option: &str, path: &Path) -> Result<RootCertStore> {
    let data = read(option, path)?;
    ca_store(&data, |what| file_error(option, path, what, None))
}

/// The CAs of `option=PEM text`: every certificate in it, strictly.
pub(crate) fn ca_pem(option: &str, text: &str) -> Result<RootCertStore> {
    ca_store(text.as_bytes(), |what| {
        Error::config(
            option,
            format!(
                "{option} (PEM text): {}",
                what.replace("the file", "the text")
            ),
        )
    })
}

fn ca_store(data: &[u8], fail: impl Fn(String) -> Error) -> Result<RootCertStore> {
    let certs = CertificateDer::pem_slice_iter(data)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| fail(format!("is not valid PEM ({e}); it must hold PEM certificates (-----BEGIN CERTIFICATE-----)")))?;
    if certs.is_empty() {
        return Err(fail(no_certificate(data)));
    }
    let mut store = RootCertStore::empty();
    for (i, cert) in certs.into_iter().enumerate() {
        store.add(cert).map_err(|e| fail(format!("certificate #{} is not a usable CA certificate ({e}); it must hold PEM certificates (-----BEGIN CERTIFICATE-----) of the CAs to trust", i + 1)))?;
    }
    Ok(store)
}

/// The certificate revocation lists of `settings`: every CRL in
/// `ssl_crl_file`, and in each file of `ssl_crl_dir` that holds one.
pub(crate) fn crls(settings: &Settings) -> Result<Vec<CertificateRevocationListDer<'static>>> {
    let mut crls = Vec::new();
    if let Some(path) = settings.ssl_crl_file() {
        let found = pem_crls("ssl_crl_file", path, &read("ssl_crl_file", path)?)?;
        if found.is_empty() {
            return Err(file_error("ssl_crl_file", path, NO_CRL.into(), None));
        }
        crls.extend(found);
    }
    if let Some(dir) = settings.ssl_crl_dir() {
        let listing = std::fs::read_dir(dir).map_err(|e| {
            file_error(
                "ssl_crl_dir",
                dir,
                format!("cannot list the directory: {e}; name a directory of PEM CRL files"),
                Some(e),
            )
        })?;
        let mut paths: Vec<_> = listing
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            // Following links, as `openssl rehash` leaves them.
            .filter(|p| p.is_file())
            .collect();
        paths.sort();
        let before = crls.len();
        for path in &paths {
            let found = pem_crls("ssl_crl_dir", path, &read("ssl_crl_dir", path)?)?;
            log::debug!("ssl_crl_dir: {} CRLs in {}", found.len(), path.display());
            crls.extend(found);
        }
        if crls.len() == before {
            return Err(file_error(
                "ssl_crl_dir",
                dir,
                format!(
                    "holds no file with a CRL ({} files read); {NO_CRL}",
                    paths.len()
                ),
                None,
            ));
        }
    }
    Ok(crls)
}

const NO_CRL: &str = "holds no PEM certificate revocation list (-----BEGIN X509 CRL-----); convert DER with `openssl crl -inform der -in FILE -out FILE.pem`";

fn pem_crls(
    option: &str,
    path: &Path,
    data: &[u8],
) -> Result<Vec<CertificateRevocationListDer<'static>>> {
    CertificateRevocationListDer::pem_slice_iter(data)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| {
            file_error(
                option,
                path,
                format!("is not valid PEM ({e}); it must hold PEM CRLs (-----BEGIN X509 CRL-----)"),
                None,
            )
        })
}

fn no_certificate(data: &[u8]) -> String {
    if data.iter().all(u8::is_ascii_whitespace) {
        "the file is empty; it must hold PEM certificates (-----BEGIN CERTIFICATE-----)".into()
    } else if has_section(
        data,
        &[
            SectionKind::PrivateKey,
            SectionKind::RsaPrivateKey,
            SectionKind::EcPrivateKey,
        ],
    ) || contains(data, b"ENCRYPTED PRIVATE KEY")
    {
        "holds a private key but no certificate; it must hold PEM certificates (-----BEGIN CERTIFICATE-----)".into()
    } else {
        "holds no PEM certificate; it must hold PEM certificates (-----BEGIN CERTIFICATE-----); convert DER with `openssl x509 -inform der -in FILE -out FILE.pem`".into()
    }
}

fn contains(data: &[u8], needle: &[u8]) -> bool {
    data.windows(needle.len()).any(|w| w == needle)
}

fn has_section(data: &[u8], kinds: &[SectionKind]) -> bool {
    let mut reader = data;
    while let Ok(Some((kind, _))) = pem::from_buf(&mut reader) {
        if kinds.contains(&kind) {
            return true;
        }
    }
    false
}

fn pem_certs(option: &str, path: &Path, data: &[u8]) -> Result<Vec<CertificateDer<'static>>> {
    CertificateDer::pem_slice_iter(data)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| file_error(option, path, format!("is not valid PEM ({e}); it must hold PEM certificates (-----BEGIN CERTIFICATE-----)"), None))
}

/// The client identity of `settings`, if one is configured: certificate
/// chain and key, checked to belong together.
pub(crate) fn identity(
    settings: &Settings,
    provider: &Arc<CryptoProvider>,
) -> Result<Option<Arc<CertifiedKey>>> {
    let Some(certfile) = settings.ssl_certfile() else {
        return Ok(None);
    };
    let passphrase = settings.ssl_pem_passphrase().map(|s| s.expose());
    let data = read("ssl_certfile", certfile)?;
    let (chain, key, key_path) = if is_pkcs12(certfile, &data) {
        let (chain, key) = pkcs12(certfile, &data, passphrase)?;
        if let Some(keyfile) = settings.ssl_keyfile() {
            return Err(file_error(
                "ssl_keyfile",
                keyfile,
                format!(
                    "is given, but ssl_certfile={} is a PKCS#12 bundle that already holds the key; remove ssl_keyfile",
                    certfile.display()
                ),
                None,
            ));
        }
        (chain, key, certfile)
    } else {
        let chain = pem_certs("ssl_certfile", certfile, &data)?;
        if chain.is_empty() {
            return Err(file_error(
                "ssl_certfile",
                certfile,
                no_certificate(&data),
                None,
            ));
        }
        let (key, key_path) = match settings.ssl_keyfile() {
            Some(keyfile) => (
                private_key(
                    "ssl_keyfile",
                    keyfile,
                    &read("ssl_keyfile", keyfile)?,
                    passphrase,
                )?,
                keyfile,
            ),
            None => {
                let key = private_key("ssl_certfile", certfile, &data, passphrase).map_err(|e| match e {
                    Error::Config { message, .. } if message.contains("holds no private key") => file_error(
                        "ssl_certfile",
                        certfile,
                        "holds a certificate but no private key, and no ssl_keyfile is given; add ssl_keyfile=KEY.pem or put the key in the same file".into(),
                        None,
                    ),
                    other => other,
                })?;
                (key, certfile)
            }
        };
        (chain, key, key_path)
    };
    let certified = CertifiedKey::from_der(chain, key, provider).map_err(|e| {
        let what = match e {
            rustls::Error::InconsistentKeys(_) => format!("the private key in {} does not belong to this certificate; pass the key that was issued with it", key_path.display()),
            other => format!("cannot use this certificate and key ({}): {other}", key_path.display()),
        };
        file_error("ssl_certfile", certfile, what, None)
    })?;
    Ok(Some(Arc::new(certified)))
}

fn is_pkcs12(path: &Path, data: &[u8]) -> bool {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    // A DER SEQUENCE with no PEM marker in it is taken for a bundle.
    matches!(ext.as_deref(), Some("p12" | "pfx"))
        || (data.first() == Some(&0x30) && !contains(data, b"-----BEGIN"))
}

/// The key in `data`: PKCS#8, PKCS#1 or SEC1, or encrypted PKCS#8 opened with `passphrase`.
fn private_key(
    option: &str,
    path: &Path,
    data: &[u8],
    passphrase: Option<&str>,
) -> Result<PrivateKeyDer<'static>> {
    if contains(data, b"-----BEGIN ENCRYPTED PRIVATE KEY-----") {
        return encrypted_key(option, path, data, passphrase);
    }
    if contains(data, b"Proc-Type: 4,ENCRYPTED") {
        return Err(file_error(option, path, "is an encrypted key in the legacy OpenSSL form, which httpdb does not read; convert it: openssl pkcs8 -topk8 -v2 aes-256-cbc -in KEY -out KEY.p8".into(), None));
    }
    match PrivateKeyDer::from_pem_slice(data) {
        Ok(key) => Ok(key),
        Err(pem::Error::NoItemsFound) => Err(file_error(option, path, "holds no private key (PKCS#8 BEGIN PRIVATE KEY, PKCS#1 BEGIN RSA PRIVATE KEY or SEC1 BEGIN EC PRIVATE KEY)".into(), None)),
        Err(e) => Err(file_error(option, path, format!("is not a valid PEM private key ({e}); accepted: PKCS#8 BEGIN PRIVATE KEY, PKCS#1 BEGIN RSA PRIVATE KEY, SEC1 BEGIN EC PRIVATE KEY or encrypted PKCS#8 BEGIN ENCRYPTED PRIVATE KEY"), None)),
    }
}

fn encrypted_key(
    option: &str,
    path: &Path,
    data: &[u8],
    passphrase: Option<&str>,
) -> Result<PrivateKeyDer<'static>> {
    let Some(passphrase) = passphrase else {
        return Err(file_error(
            option,
            path,
            "holds an encrypted private key; give its passphrase with ssl_pem_passphrase".into(),
            None,
        ));
    };
    let text = std::str::from_utf8(data)
        .map_err(|_| file_error(option, path, "is not valid PEM text".into(), None))?;
    let start = text
        .find("-----BEGIN ENCRYPTED PRIVATE KEY-----")
        .unwrap_or(0);
    let end = text[start..]
        .find("-----END ENCRYPTED PRIVATE KEY-----")
        .map(|i| start + i + "-----END ENCRYPTED PRIVATE KEY-----".len())
        .unwrap_or(text.len());
    let (_, doc) = pkcs8::der::Document::from_pem(&text[start..end]).map_err(|e| {
        file_error(
            option,
            path,
            format!("the encrypted private key is not valid PEM: {e}"),
            None,
        )
    })?;
    let info = pkcs8::EncryptedPrivateKeyInfoRef::try_from(doc.as_bytes()).map_err(|e| {
        file_error(
            option,
            path,
            format!("the encrypted private key cannot be parsed: {e}"),
            None,
        )
    })?;
    let plain = info
        .decrypt(passphrase)
        .map_err(|_| file_error(option, path, "cannot decrypt the private key: wrong ssl_pem_passphrase (or an unsupported cipher: PBES2 with AES and PBKDF2 or scrypt is supported)".into(), None))?;
    Ok(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        plain.as_bytes().to_vec(),
    )))
}

fn pkcs12(
    path: &Path,
    data: &[u8],
    passphrase: Option<&str>,
) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)> {
    use p12_keystore::{KeyStore, Pkcs12ImportPolicy};
    let store = KeyStore::from_pkcs12(data, passphrase.unwrap_or(""), Pkcs12ImportPolicy::Strict)
        .map_err(|e| {
        let what = match (passphrase, &e) {
            (_, p12_keystore::error::Error::MacError(_)) => match passphrase {
                None => {
                    "is a PKCS#12 bundle protected by a password; give it with ssl_pem_passphrase"
                        .to_string()
                }
                Some(_) => "cannot open the PKCS#12 bundle: wrong ssl_pem_passphrase".to_string(),
            },
            _ => format!("cannot read the PKCS#12 bundle: {e}"),
        };
        file_error("ssl_certfile", path, what, None)
    })?;
    let Some((_, chain)) = store.private_key_chain() else {
        return Err(file_error(
            "ssl_certfile",
            path,
            "the PKCS#12 bundle holds no private key with its certificate".into(),
            None,
        ));
    };
    let certs: Vec<CertificateDer<'static>> = chain
        .certs()
        .iter()
        .map(|c| CertificateDer::from(c.as_der().to_vec()))
        .collect();
    if certs.is_empty() {
        return Err(file_error(
            "ssl_certfile",
            path,
            "the PKCS#12 bundle holds a key but no certificate".into(),
            None,
        ));
    }
    Ok((
        certs,
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(chain.key().as_der().to_vec())),
    ))
}
