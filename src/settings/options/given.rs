//! An option's text as given, and the parsers that read it: booleans,
//! durations, sizes, counts, paths, TLS versions. Each reads the text, then
//! leaves the range checks to settings/check.rs, which the typed setters
//! call too.

use std::path::PathBuf;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::settings::duration::{self, DurationError};
use crate::settings::options::check::{self, settings_error};
use crate::settings::{CertReqs, HostOrder, TlsVersion};

/// An option as given: the key as written and its decoded value.
pub(crate) struct Given<'a> {
    pub key: &'a str,
    pub value: &'a str,
    pub secret: bool,
}

impl Given<'_> {
    /// `key=value` as it may be shown: the value masked for secrets.
    pub(crate) fn shown(&self) -> String {
        if self.secret {
            format!("{}=***", self.key)
        } else {
            format!("{}={}", self.key, self.value)
        }
    }

    pub(crate) fn bad(&self, why: &str) -> Error {
        settings_error(self.key, self.value, why)
    }

    pub(crate) fn boolean(&self) -> Result<bool> {
        match self.value.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Ok(true),
            "false" | "0" | "no" | "off" => Ok(false),
            _ => Err(self.bad("")),
        }
    }

    pub(crate) fn cert_reqs(&self) -> Result<CertReqs> {
        let v = self.value.to_ascii_uppercase();
        match v.strip_prefix("CERT_").unwrap_or(&v) {
            "NONE" => Ok(CertReqs::None),
            "OPTIONAL" => Ok(CertReqs::Optional),
            "REQUIRED" => Ok(CertReqs::Required),
            _ => Err(self.bad("")),
        }
    }

    pub(crate) fn non_empty(&self) -> Result<&str> {
        check::non_empty(self.key, self.value).map_err(|_| self.bad(" (empty)"))
    }

    pub(crate) fn path(&self) -> Result<PathBuf> {
        self.non_empty().map(PathBuf::from)
    }

    pub(crate) fn duration(&self) -> Result<Duration> {
        duration::parse(self.value).map_err(|e| {
            self.bad(match e {
                DurationError::Negative => " (negative)",
                DurationError::Overflow => " (too large)",
                DurationError::Malformed => "",
            })
        })
    }

    pub(crate) fn timeout(&self) -> Result<Duration> {
        // The message shows the value as written, not as re-formatted.
        check::timeout(self.key, self.duration()?)
            .map_err(|_| self.bad(" (a timeout must be greater than 0)"))
    }

    /// A whole or fractional number of milliseconds greater than 0, as
    /// pymongo takes its `*MS` options (`1500.5`).
    pub(crate) fn millis(&self) -> Result<Duration> {
        if self.value.starts_with('-') {
            return Err(self.bad(" (negative)"));
        }
        let (whole, fraction) = self.value.split_once('.').unwrap_or((self.value, ""));
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !digits(whole) || !digits(fraction) {
            return Err(self.bad(""));
        }
        // Nanoseconds: the fraction's first six digits.
        let micro: u64 = format!("{fraction:0<6}")[..6].parse().unwrap_or(0);
        match whole.parse::<u64>() {
            Ok(0) if micro == 0 => Err(self.bad(
                " (0 means no timeout to pymongo; httpdb always bounds a call: give a limit)",
            )),
            Ok(ms) => Duration::from_millis(ms)
                .checked_add(Duration::from_nanos(micro))
                .ok_or_else(|| self.bad(" (too large)")),
            Err(_) => Err(self.bad(" (too large)")),
        }
    }

    pub(crate) fn count(&self, max: usize) -> Result<usize> {
        if self.value.is_empty() || !self.value.bytes().all(|b| b.is_ascii_digit()) {
            return Err(self.bad(""));
        }
        match self.value.parse::<usize>() {
            Ok(n) => check::count(self.key, n, max).map_err(|_| self.bad(" (too large)")),
            _ => Err(self.bad(" (too large)")),
        }
    }

    pub(crate) fn size(&self) -> Result<u64> {
        let value = self.value.trim();
        let digits = value.bytes().take_while(u8::is_ascii_digit).count();
        let (number, unit) = value.split_at(digits);
        let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
            "" | "b" => 1,
            "k" | "kib" => 1 << 10,
            "m" | "mib" => 1 << 20,
            "g" | "gib" => 1 << 30,
            _ => return Err(self.bad("")),
        };
        match number.parse::<u64>().ok().map(|n| n.checked_mul(factor)) {
            Some(Some(n)) => {
                check::size(self.key, n).map_err(|_| self.bad(" (must be greater than 0)"))
            }
            Some(None) => Err(self.bad(" (too large)")),
            None => Err(self.bad("")),
        }
    }

    /// A duration whose zero means "the system's default" (libpq's
    /// keep-alive settings).
    pub(crate) fn system_duration(&self) -> Result<Option<Duration>> {
        let d = self.duration()?;
        if d.is_zero() {
            return Ok(None);
        }
        if d < Duration::from_secs(1) {
            return Err(self.bad(" (TCP counts keep-alive times in whole seconds)"));
        }
        Ok(Some(d))
    }

    /// A size as [`Given::size`] reads it, or `0`.
    pub(crate) fn size_or_zero(&self) -> Result<u64> {
        if self.value.trim() == "0" {
            return Ok(0);
        }
        self.size()
    }

    pub(crate) fn tls_version(&self) -> Result<TlsVersion> {
        let v = self.value.to_ascii_lowercase().replace('_', ".");
        // Python's ssl names, as elasticsearch-py users write them:
        // ssl.TLSVersion.TLSv1_2 (771), ssl.PROTOCOL_TLSv1_2, and
        // PROTOCOL_TLS(_CLIENT), "the best both sides speak": no minimum
        // beyond httpdb's own.
        let v = v.strip_prefix("ssl.").unwrap_or(&v);
        let v = v
            .strip_prefix("tlsversion.")
            .or_else(|| v.strip_prefix("protocol."))
            .unwrap_or(v);
        let v = match v {
            "771" | "minimum.supported" | "tls" | "tls.client" => "1.2",
            "772" | "maximum.supported" => "1.3",
            v => v,
        };
        match v.strip_prefix("tlsv").unwrap_or(v) {
            "1.2" => Ok(TlsVersion::Tls12),
            "1.3" => Ok(TlsVersion::Tls13),
            "1" | "1.0" | "1.1" => {
                Err(self.bad(" (TLS 1.0 and 1.1 are insecure and rustls does not speak them)"))
            }
            _ => Err(self.bad("")),
        }
    }

    /// A comma-separated list of statuses from 400 to 599; empty for none.
    pub(crate) fn statuses(&self) -> Result<Vec<u16>> {
        let mut statuses = Vec::new();
        for part in self
            .value
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            match part.parse::<u16>() {
                Ok(status @ 400..=599) => statuses.push(status),
                _ => return Err(self.bad(&format!(" ({part} is not a status from 400 to 599)"))),
            }
        }
        statuses.sort_unstable();
        statuses.dedup();
        Ok(statuses)
    }

    /// A DNS name or IP address (IPv6 without brackets), as rustls takes it.
    pub(crate) fn server_name(&self) -> Result<String> {
        let name = self.value.trim_matches(['[', ']']);
        rustls::pki_types::ServerName::try_from(name)
            .map(|_| name.to_string())
            .map_err(|_| self.bad(" (not a DNS name or IP address)"))
    }

    pub(crate) fn host_order(&self) -> Result<HostOrder> {
        match self.value.to_ascii_lowercase().as_str() {
            "round_robin" | "roundrobin" | "round-robin" => Ok(HostOrder::RoundRobin),
            "ordered" => Ok(HostOrder::Ordered),
            "random" => Ok(HostOrder::Random),
            _ => Err(self.bad("")),
        }
    }
}
