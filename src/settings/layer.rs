//! A layer of settings: the fields one source (the URI, or the keyword
//! options) sets, each in a [`Slot`] with the option that set it as
//! written, the rule for two options of one source that disagree, and
//! the merge of the lists of two layers. The fields themselves are
//! declared by the option table (`Layer` in settings/declare.rs).

use std::fmt;
use std::path::PathBuf;

use crate::error::{Error, Result};
use crate::secret::Secret;

/// Where the value of an option came from: see
/// [`Settings::sources`](crate::Settings::sources).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Source {
    /// The connection URI.
    Uri,
    /// A keyword option or typed setter (the CLI's flags).
    Keyword,
    /// A line of a credential file (`passfile`, `.netrc`).
    File {
        /// The file.
        file: PathBuf,
        /// The entry's line.
        line: usize,
    },
    /// A section of a service file, at a line.
    Service {
        /// The service's name.
        name: String,
        /// The service file.
        file: PathBuf,
        /// The line of the option (or of its `uri=`).
        line: usize,
    },
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Uri => f.write_str("the URI"),
            Source::Keyword => f.write_str("a keyword option"),
            Source::File { file, line } => write!(f, "{}, line {line}", file.display()),
            Source::Service { name, file, line } => {
                write!(f, "service {name} ({}:{line})", file.display())
            }
        }
    }
}

/// One field as set by one source, with the option that set it as the user
/// wrote it (`tlsCAFile=/ca.pem`, `password=***`), for conflict messages,
/// and the source, once the layer is stamped with it.
#[derive(Clone, Debug)]
pub(crate) struct Slot<T> {
    pub value: T,
    pub from: String,
    pub source: Option<Source>,
}

/// Gives `slot` `source` if it has none yet.
pub(crate) fn stamp<T>(slot: &mut Option<Slot<T>>, source: &Source) {
    if let Some(slot) = slot
        && slot.source.is_none()
    {
        slot.source = Some(source.clone());
    }
}

/// Where each option of a [`Settings`](crate::Settings) came from, by
/// canonical name; options that are not listed have their default. Not
/// part of the settings' equality: equal settings may come from anywhere.
#[derive(Clone, Debug, Default)]
pub(crate) struct Provenance(pub Vec<(String, Source)>);

impl PartialEq for Provenance {
    fn eq(&self, _: &Provenance) -> bool {
        true
    }
}

impl Eq for Provenance {}

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
            *slot = Some(Slot {
                value,
                from,
                source: None,
            });
            Ok(())
        }
    }
}

pub(crate) fn key_of(shown: &str) -> String {
    shown.split('=').next().unwrap_or(shown).to_string()
}

/// A list of named values (default headers, default parameters) of two
/// layers: a value of `top` replaces the one below it whose name is
/// `same` as its own.
fn merged(
    below: Vec<Slot<(String, Secret)>>,
    top: Vec<Slot<(String, Secret)>>,
    same: fn(&str, &str) -> bool,
) -> Vec<Slot<(String, Secret)>> {
    let mut merged: Vec<_> = below
        .into_iter()
        .filter(|b| !top.iter().any(|t| same(&t.value.0, &b.value.0)))
        .collect();
    merged.extend(top);
    merged
}

/// The default headers of two layers, names compared case-insensitively.
pub(crate) fn merged_headers(
    below: Vec<Slot<(String, Secret)>>,
    top: Vec<Slot<(String, Secret)>>,
) -> Vec<Slot<(String, Secret)>> {
    merged(below, top, |a, b| a.eq_ignore_ascii_case(b))
}

/// The default query parameters of two layers, names compared exactly.
pub(crate) fn merged_params(
    below: Vec<Slot<(String, Secret)>>,
    top: Vec<Slot<(String, Secret)>>,
) -> Vec<Slot<(String, Secret)>> {
    merged(below, top, |a, b| a == b)
}
