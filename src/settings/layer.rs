//! A layer of settings: the fields one source (the URI, or the keyword
//! options) sets, each with the option that set it as written, and the
//! funnel through which every option's text enters it.

use crate::error::{Error, Result};
use crate::secret::Secret;
use crate::settings::Layer;
use crate::settings::check;
use crate::settings::given::Given;
use crate::settings::names::{
    empty_name, header_option, is_secret_header, is_secret_param, lookup, not_an_option,
    param_option,
};

/// One field as set by one source, with the option that set it as the user
/// wrote it (`tlsCAFile=/ca.pem`, `password=***`), for conflict messages.
#[derive(Clone, Debug)]
pub(crate) struct Slot<T> {
    pub value: T,
    pub from: String,
}

/// Sets `slot` unless this source already set it to something else, which
/// is a conflict naming both options.
pub(crate) fn set<T: PartialEq>(slot: &mut Option<Slot<T>>, value: T, from: String) -> Result<()> {
    match slot {
        // The scheme is not an option to drop: say what to change.
        Some(old) if old.value != value && old.from == "https://" => Err(Error::config(
            key_of(&from),
            format!(
                "conflicting options: {from} contradicts the URI's https:// scheme: an https URI never goes out as plain http; use an http:// URI for plain text"
            ),
        )),
        Some(old) if old.value != value => Err(Error::config(
            key_of(&from),
            format!(
                "conflicting options: {} and {} contradict each other; keep one of them",
                old.from, from
            ),
        )),
        Some(_) => Ok(()),
        None => {
            *slot = Some(Slot { value, from });
            Ok(())
        }
    }
}

pub(crate) fn key_of(shown: &str) -> String {
    shown.split('=').next().unwrap_or(shown).to_string()
}

/// The default headers of two layers: a header of `top` replaces the one
/// of the same name (case-insensitively) below it.
pub(crate) fn merged_headers(
    below: Vec<Slot<(String, Secret)>>,
    top: Vec<Slot<(String, Secret)>>,
) -> Vec<Slot<(String, Secret)>> {
    let mut merged: Vec<_> = below
        .into_iter()
        .filter(|h| {
            !top.iter()
                .any(|t| t.value.0.eq_ignore_ascii_case(&h.value.0))
        })
        .collect();
    merged.extend(top);
    merged
}

/// The default query parameters of two layers: a parameter of `top`
/// replaces the one of the same name below it.
pub(crate) fn merged_params(
    below: Vec<Slot<(String, Secret)>>,
    top: Vec<Slot<(String, Secret)>>,
) -> Vec<Slot<(String, Secret)>> {
    let mut merged: Vec<_> = below
        .into_iter()
        .filter(|p| !top.iter().any(|t| t.value.0 == p.value.0))
        .collect();
    merged.extend(top);
    merged
}

impl Layer {
    /// Adds the default header `name: value`; the same name again with
    /// another value is a conflict.
    pub(crate) fn header(&mut self, name: &str, value: &str, from: String) -> Result<()> {
        let (name, value) = check::header(&from, name, value)?;
        let mut slot = self
            .headers
            .iter()
            .position(|h| h.value.0.eq_ignore_ascii_case(&name))
            .map(|i| self.headers.remove(i));
        set(&mut slot, (name, Secret::new(value)), from)?;
        self.headers.extend(slot);
        Ok(())
    }

    /// Adds the default query parameter `name=value`; the same name again
    /// with another value is a conflict.
    pub(crate) fn param(&mut self, name: &str, value: &str, from: String) -> Result<()> {
        if name.is_empty() || name.contains(['&', '=', '#', '?']) {
            return Err(Error::config(
                key_of(&from),
                format!(
                    "{from}: \"{name}\" cannot be a query parameter name; write param.NAME=VALUE"
                ),
            ));
        }
        let mut slot = self
            .params
            .iter()
            .position(|p| p.value.0 == name)
            .map(|i| self.params.remove(i));
        set(&mut slot, (name.to_string(), Secret::new(value)), from)?;
        self.params.extend(slot);
        Ok(())
    }

    /// Applies `key=value` through the vocabulary: the one funnel for URI
    /// options, keyword options and CLI flags.
    pub fn apply(&mut self, key: &str, value: &str) -> Result<()> {
        if key.trim().is_empty() {
            return Err(empty_name(key));
        }
        if let Some(name) = header_option(key) {
            let from = if is_secret_header(name) {
                format!("{key}=***")
            } else {
                format!("{key}={value}")
            };
            return self.header(name, value, from);
        }
        if let Some(name) = param_option(key) {
            let from = if is_secret_param(name) {
                format!("{key}=***")
            } else {
                format!("{key}={value}")
            };
            return self.param(name, value, from);
        }
        let spec = lookup(key).ok_or_else(|| not_an_option(key))?;
        let given = Given {
            key,
            value,
            secret: spec.secret,
        };
        (spec.apply)(self, &given)
    }
}
