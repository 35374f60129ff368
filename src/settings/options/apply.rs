//! The funnel: every option's text, from a URI, a keyword or a CLI flag,
//! enters a [`Layer`] here, through the vocabulary's row for its name.

use crate::error::{Error, Result};
use crate::secret::Secret;
use crate::settings::Layer;
use crate::settings::layer::{key_of, set};
use crate::settings::options::check;
use crate::settings::options::given::Given;
use crate::settings::options::names::{
    empty_name, header_option, is_secret_header, is_secret_param, lookup, not_an_option,
    param_option,
};

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
