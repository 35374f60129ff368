//! How the value of an option is shown: in the canonical URI, in
//! `httpdb config`'s JSON and in conflict messages, and which secrets it
//! holds. One implementation per value type, so that a row of the option
//! table needs no rendering code of its own.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;

use crate::secret::Secret;
use crate::settings::{
    CaCerts, CertReqs, Fingerprint, HostOrder, Product, ProxyChoice, TlsVersion,
};
use crate::units::{self, duration};

/// A value of the option table.
pub(crate) trait OptionValue {
    /// The value as a URI option writes it, which parses back to the same
    /// value; a secret as `***` unless `secrets`.
    fn text(&self, secrets: bool) -> String;

    /// The value in `httpdb config`'s JSON; a secret as `"***"`.
    fn json(&self) -> Value;

    /// Added to the option's name for its JSON key: `_ms` where the JSON
    /// holds milliseconds.
    const JSON_SUFFIX: &'static str = "";

    /// Adds the secrets this value holds to `out`.
    fn secrets<'a>(&'a self, _out: &mut Vec<&'a Secret>) {}
}

/// `None` is written `0`: for the options whose default is a value, `0`
/// asks for the system's default (`tcp_keepalive_idle=0`); where `None` is
/// the default it is never written.
impl<T: OptionValue> OptionValue for Option<T> {
    fn text(&self, secrets: bool) -> String {
        self.as_ref()
            .map_or_else(|| "0".to_string(), |v| v.text(secrets))
    }
    fn json(&self) -> Value {
        self.as_ref().map_or(Value::Null, OptionValue::json)
    }
    const JSON_SUFFIX: &'static str = T::JSON_SUFFIX;
    fn secrets<'a>(&'a self, out: &mut Vec<&'a Secret>) {
        if let Some(v) = self {
            v.secrets(out);
        }
    }
}

impl OptionValue for bool {
    fn text(&self, _: bool) -> String {
        self.to_string()
    }
    fn json(&self) -> Value {
        (*self).into()
    }
}

/// Counts (`pool_size`, `max_retries`).
impl OptionValue for usize {
    fn text(&self, _: bool) -> String {
        self.to_string()
    }
    fn json(&self) -> Value {
        (*self).into()
    }
}

/// Small numbers (`compress_level`, `tcp_keepalive_count`).
impl OptionValue for u32 {
    fn text(&self, _: bool) -> String {
        self.to_string()
    }
    fn json(&self) -> Value {
        (*self).into()
    }
}

/// Sizes in bytes, written with a binary unit where one divides them.
impl OptionValue for u64 {
    fn text(&self, _: bool) -> String {
        units::format_size(*self)
    }
    fn json(&self) -> Value {
        (*self).into()
    }
}

/// Written in Go's form (`30s`, `1500ms`), shown in JSON as milliseconds.
impl OptionValue for Duration {
    fn text(&self, _: bool) -> String {
        duration::format(*self)
    }
    fn json(&self) -> Value {
        u64::try_from(self.as_millis()).unwrap_or(u64::MAX).into()
    }
    const JSON_SUFFIX: &'static str = "_ms";
}

impl OptionValue for String {
    fn text(&self, _: bool) -> String {
        self.clone()
    }
    fn json(&self) -> Value {
        self.as_str().into()
    }
}

impl OptionValue for PathBuf {
    fn text(&self, _: bool) -> String {
        self.to_string_lossy().into_owned()
    }
    fn json(&self) -> Value {
        self.to_string_lossy().into()
    }
}

impl OptionValue for Secret {
    fn text(&self, secrets: bool) -> String {
        if secrets {
            self.expose().to_string()
        } else {
            "***".to_string()
        }
    }
    fn json(&self) -> Value {
        "***".into()
    }
    fn secrets<'a>(&'a self, out: &mut Vec<&'a Secret>) {
        out.push(self);
    }
}

impl OptionValue for CertReqs {
    fn text(&self, _: bool) -> String {
        self.as_str().into()
    }
    fn json(&self) -> Value {
        self.as_str().into()
    }
}

impl OptionValue for TlsVersion {
    fn text(&self, _: bool) -> String {
        self.as_str().into()
    }
    fn json(&self) -> Value {
        self.as_str().into()
    }
}

impl OptionValue for HostOrder {
    fn text(&self, _: bool) -> String {
        self.as_str().into()
    }
    fn json(&self) -> Value {
        self.as_str().into()
    }
}

impl OptionValue for Product {
    fn text(&self, _: bool) -> String {
        self.as_str().into()
    }
    fn json(&self) -> Value {
        self.as_str().into()
    }
}

impl OptionValue for Fingerprint {
    fn text(&self, _: bool) -> String {
        self.to_string()
    }
    fn json(&self) -> Value {
        self.to_string().into()
    }
}

impl OptionValue for CaCerts {
    fn text(&self, _: bool) -> String {
        match self {
            CaCerts::System => "system".into(),
            CaCerts::File(path) => path.to_string_lossy().into_owned(),
            CaCerts::Pem(text) => text.clone(),
        }
    }
    fn json(&self) -> Value {
        self.text(false).into()
    }
}

/// Statuses, comma-separated.
impl OptionValue for Vec<u16> {
    fn text(&self, _: bool) -> String {
        let list: Vec<String> = self.iter().map(u16::to_string).collect();
        list.join(",")
    }
    fn json(&self) -> Value {
        self.as_slice().into()
    }
}

impl OptionValue for ProxyChoice {
    fn text(&self, secrets: bool) -> String {
        match self {
            ProxyChoice::None => "none".into(),
            ProxyChoice::Proxy(url) if secrets => url.with_secrets(),
            ProxyChoice::Proxy(url) => url.to_string(),
        }
    }
    fn json(&self) -> Value {
        self.text(false).into()
    }
    fn secrets<'a>(&'a self, out: &mut Vec<&'a Secret>) {
        if let ProxyChoice::Proxy(url) = self {
            out.extend(url.password.as_ref());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_masked_unless_asked_for() {
        let s = Some(Secret::new("pw"));
        assert_eq!(s.text(false), "***");
        assert_eq!(s.text(true), "pw");
        assert_eq!(s.json(), Value::from("***"));
        let mut out = Vec::new();
        s.secrets(&mut out);
        assert_eq!(out.len(), 1);
    }

    #[test]
    fn durations_are_go_text_and_json_milliseconds() {
        let d = Duration::from_millis(1500);
        assert_eq!(d.text(false), "1500ms");
        assert_eq!(d.json(), Value::from(1500));
        assert_eq!(<Option<Duration> as OptionValue>::JSON_SUFFIX, "_ms");
        assert_eq!(None::<Duration>.text(false), "0");
        assert_eq!(None::<Duration>.json(), Value::Null);
    }
}
