//! Certificate fields for the report, read with x509-parser: names,
//! validity in words, SHA-256 fingerprint.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use serde::Serialize;
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::FromDer;
use x509_parser::x509::X509Name;

/// A certificate expiring within this many days gets a warning.
pub(super) const SOON_DAYS: i64 = 30;

const DAY: i64 = 86_400;

/// One certificate of the chain the server sent.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct CertificateInfo {
    /// The subject, such as `CN=localhost`.
    pub subject: String,
    /// The issuer, such as `CN=httpdb Test CA`.
    pub issuer: String,
    /// The subject alternative names: `DNS:localhost`, `IP:127.0.0.1`, ...
    pub names: Vec<String>,
    /// Start of validity, `YYYY-MM-DDTHH:MM:SSZ`.
    pub not_before: String,
    /// End of validity, `YYYY-MM-DDTHH:MM:SSZ`.
    pub not_after: String,
    /// Whole days until `not_after`; negative once expired.
    pub days_left: i64,
    /// The validity in words: `expired 3 days ago`, `expires in 12 days`,
    /// `valid for 36112 more days`, `not valid until 2030-01-01 (in 4 days)`.
    pub validity: String,
    /// Whether it is a CA certificate (basic constraints).
    pub is_ca: bool,
    /// SHA-256 of the DER, as colon-separated upper-case hex.
    pub sha256: String,
    /// Why the certificate could not be read, when it could not.
    pub error: Option<String>,
}

/// The report's view of one DER certificate.
pub(super) fn info(der: &CertificateDer<'_>) -> CertificateInfo {
    let sha256 = fingerprint(der);
    let cert = match X509Certificate::from_der(der) {
        Ok((_, cert)) => cert,
        Err(e) => {
            return CertificateInfo {
                subject: String::new(),
                issuer: String::new(),
                names: Vec::new(),
                not_before: String::new(),
                not_after: String::new(),
                days_left: 0,
                validity: String::new(),
                is_ca: false,
                sha256,
                error: Some(format!("cannot parse the certificate: {e}")),
            };
        }
    };
    let validity = cert.validity();
    let (start, end) = (
        validity.not_before.timestamp(),
        validity.not_after.timestamp(),
    );
    let now = now();
    CertificateInfo {
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        names: names(&cert),
        not_before: timestamp(start),
        not_after: timestamp(end),
        days_left: (end - now).div_euclid(DAY),
        validity: validity_phrase(start, end, now),
        is_ca: cert.is_ca(),
        sha256,
        error: None,
    }
}

/// The subject alternative names of `cert`, each with its kind.
pub(super) fn names(cert: &X509Certificate<'_>) -> Vec<String> {
    let Ok(Some(san)) = cert.subject_alternative_name() else {
        return Vec::new();
    };
    san.value
        .general_names
        .iter()
        .map(|name| match name {
            GeneralName::DNSName(d) => format!("DNS:{d}"),
            GeneralName::IPAddress(ip) => format!("IP:{}", ip_text(ip)),
            GeneralName::RFC822Name(e) => format!("email:{e}"),
            GeneralName::URI(u) => format!("URI:{u}"),
            other => format!("{other:?}"),
        })
        .collect()
}

fn ip_text(bytes: &[u8]) -> String {
    if let Ok(v4) = <[u8; 4]>::try_from(bytes) {
        Ipv4Addr::from(v4).to_string()
    } else if let Ok(v6) = <[u8; 16]>::try_from(bytes) {
        Ipv6Addr::from(v6).to_string()
    } else {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// The subjects of the certificates in a PEM file (empty when it cannot be
/// read: the verifier has already reported that).
pub(super) fn file_subjects(path: &Path) -> Vec<String> {
    let Ok(certs) = CertificateDer::pem_file_iter(path) else {
        return Vec::new();
    };
    certs
        .filter_map(|c| c.ok())
        .filter_map(|der| subject(&der))
        .collect()
}

/// The subjects of the certificates in PEM text.
pub(super) fn pem_subjects(text: &str) -> Vec<String> {
    CertificateDer::pem_slice_iter(text.as_bytes())
        .filter_map(|c| c.ok())
        .filter_map(|der| subject(&der))
        .collect()
}

/// The subject of a DER certificate.
pub(super) fn subject(der: &[u8]) -> Option<String> {
    X509Certificate::from_der(der)
        .ok()
        .map(|(_, c)| c.subject().to_string())
}

/// A DER distinguished name (as in a CertificateRequest) as text.
pub(super) fn distinguished_name(der: &[u8]) -> String {
    match X509Name::from_der(der) {
        Ok((_, name)) => name.to_string(),
        Err(_) => "(unreadable name)".into(),
    }
}

/// SHA-256 of `der`, through the ring provider rustls already uses.
fn fingerprint(der: &[u8]) -> String {
    let suite = rustls::crypto::ring::cipher_suite::TLS13_AES_128_GCM_SHA256;
    let Some(tls13) = suite.tls13() else {
        return String::new();
    };
    let digest = tls13.common.hash_provider.hash(der);
    digest
        .as_ref()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// Seconds since the Unix epoch, now.
pub(super) fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// `expired 3 days ago`, `expires in 12 days`, `valid for 36112 more days`,
/// `not valid until 2030-01-01 (in 4 days)`.
fn validity_phrase(start: i64, end: i64, now: i64) -> String {
    if now < start {
        format!("not valid until {} (in {})", date(start), span(start - now))
    } else if now >= end {
        format!("expired {} ago", span(now - end))
    } else if end - now <= SOON_DAYS * DAY {
        format!("expires in {}", span(end - now))
    } else {
        format!("valid for {} more days", (end - now) / DAY)
    }
}

/// A duration in the largest unit that reads naturally: `5 hours`,
/// `3 days`, `7 months`, `5 years`.
pub(super) fn span(secs: i64) -> String {
    let days = secs / DAY;
    match days {
        0 if secs < 3600 => "less than an hour".into(),
        0 => plural(secs / 3600, "hour"),
        1..=59 => plural(days, "day"),
        60..=729 => plural(days / 30, "month"),
        _ => plural(days / 365, "year"),
    }
}

/// `1 day`, `2 days`.
pub(super) fn plural(n: i64, unit: &str) -> String {
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

/// The UTC date and time of `secs` since 1970 (the calendar is `time`'s).
fn utc(secs: i64) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::from_unix_timestamp(secs).ok()
}

/// `YYYY-MM-DD`.
pub(super) fn date(secs: i64) -> String {
    match utc(secs) {
        Some(t) => format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day()),
        None => format!("{secs} s after 1970"),
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ`.
fn timestamp(secs: i64) -> String {
    match utc(secs) {
        Some(t) => format!(
            "{}T{:02}:{:02}:{:02}Z",
            date(secs),
            t.hour(),
            t.minute(),
            t.second()
        ),
        None => date(secs),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(timestamp(0), "1970-01-01T00:00:00Z");
        assert_eq!(timestamp(1_609_459_200), "2021-01-01T00:00:00Z");
        assert_eq!(timestamp(951_782_400 + 3661), "2000-02-29T01:01:01Z");
        assert_eq!(date(4_889_289_600), "2124-12-08");
        assert_eq!(date(-86_400), "1969-12-31");
    }

    #[test]
    fn phrases() {
        let now = 1_000_000_000;
        assert_eq!(validity_phrase(0, now - 3 * DAY, now), "expired 3 days ago");
        assert_eq!(
            validity_phrase(0, now - 5 * 366 * DAY, now),
            "expired 5 years ago"
        );
        assert_eq!(
            validity_phrase(0, now + 12 * DAY + 5, now),
            "expires in 12 days"
        );
        assert_eq!(
            validity_phrase(0, now + 5 * 3600, now),
            "expires in 5 hours"
        );
        assert_eq!(
            validity_phrase(0, now + 36112 * DAY + 7, now),
            "valid for 36112 more days"
        );
        assert_eq!(
            validity_phrase(now + DAY, now + 9 * DAY, now),
            "not valid until 2001-09-10 (in 1 day)"
        );
    }

    #[test]
    fn fingerprints_are_sha256() {
        // SHA-256 of the empty string.
        assert!(fingerprint(b"").starts_with("E3:B0:C4:42:98:FC:1C:14"));
    }
}
