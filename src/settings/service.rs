//! Named connections, as libpq's `pg_service.conf` holds them: a service
//! file of `[name]` sections, each a list of `option=value` lines in
//! httpdb's vocabulary and, if it likes, a `uri=` line. `service=NAME` (the
//! CLI's `--service`) takes the section as defaults that the URI and the
//! keyword options override.
//!
//! The file is found as libpq finds its own: the path in
//! `HTTPDB_SERVICEFILE`; else the user's (`$XDG_CONFIG_HOME/httpdb/service.conf`,
//! `~/.config/httpdb/service.conf` without it), then the system's
//! (`$HTTPDB_SYSCONFDIR/service.conf`, `/etc/httpdb/service.conf` without
//! it): the first that has the section.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::settings::Layer;
use crate::settings::layer::Source;

/// A service file is a few lines; a larger one is the wrong file.
const SERVICE_FILE: crate::small_file::Kind = crate::small_file::Kind {
    limit: 1024 * 1024,
    what: "service files",
    expected: "a service file ([name] sections of option=value lines)",
};

/// One service's section, read.
#[derive(Debug)]
pub(crate) struct Service {
    /// Its `uri=` line: the URI and its source.
    pub uri: Option<(String, Source)>,
    /// Its options, each stamped with its line.
    pub layer: Layer,
}

/// The service files to look in, in order.
fn candidates(env: &dyn Fn(&str) -> Option<String>) -> Vec<PathBuf> {
    if let Some(file) = env("HTTPDB_SERVICEFILE").filter(|f| !f.is_empty()) {
        return vec![PathBuf::from(file)];
    }
    let mut files = Vec::new();
    let config = env("XDG_CONFIG_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            env("HOME")
                .filter(|h| !h.is_empty())
                .map(|h| Path::new(&h).join(".config"))
        });
    if let Some(config) = config {
        files.push(config.join("httpdb").join("service.conf"));
    }
    let system = env("HTTPDB_SYSCONFDIR")
        .filter(|d| !d.is_empty())
        .map_or_else(|| PathBuf::from("/etc/httpdb"), PathBuf::from);
    files.push(system.join("service.conf"));
    files
}

/// The service `name`, from the first service file that has it.
pub(crate) fn load(name: &str) -> Result<Service> {
    load_with_env(name, &|var| std::env::var(var).ok())
}

/// [`load`], the environment read through `env`.
pub(crate) fn load_with_env(name: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Service> {
    let files = candidates(env);
    let explicit = env("HTTPDB_SERVICEFILE").is_some_and(|f| !f.is_empty());
    for file in &files {
        if !explicit && !file.exists() {
            continue;
        }
        let data = crate::small_file::read("service", file, &SERVICE_FILE)?;
        let text = String::from_utf8(data).map_err(|_| {
            crate::small_file::file_error("service", file, "is not UTF-8 text".into(), None)
        })?;
        if let Some(service) = section(name, file, &text)? {
            return Ok(service);
        }
    }
    let looked: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    Err(Error::config(
        "service",
        format!(
            "service={name}: no section [{name}] in {}; add one, or set HTTPDB_SERVICEFILE to the file that has it",
            looked.join(" or ")
        ),
    ))
}

/// The section `name` of the service file `file` holding `text`, checked
/// whole (every section's syntax, this one's options); `None` when the
/// file has no such section.
fn section(name: &str, file: &Path, text: &str) -> Result<Option<Service>> {
    let at = |line: usize, what: String| {
        Error::config(
            "service",
            format!("service file {}, line {line}: {what}", file.display()),
        )
    };
    let mut current: Option<&str> = None;
    let mut found: Option<Service> = None;
    let mut keys: Vec<String> = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line = n + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        if let Some(header) = trimmed.strip_prefix('[') {
            let Some(section) = header.strip_suffix(']') else {
                return Err(at(
                    line,
                    format!("{trimmed:?} opens a section without closing it; write [name]"),
                ));
            };
            if section == name {
                if found.is_some() {
                    return Err(at(line, format!("a second section [{name}]; keep one")));
                }
                found = Some(Service {
                    uri: None,
                    layer: Layer::default(),
                });
            }
            current = Some(section);
            continue;
        }
        let Some((key, value)) = trimmed.split_once('=') else {
            return Err(at(
                line,
                "a line without '='; write option=value, [name] or # a comment".into(),
            ));
        };
        let (key, value) = (key.trim(), value.trim());
        if current.is_none() {
            return Err(at(line, format!("{key}= before any [name] section")));
        }
        if current != Some(name) {
            continue;
        }
        let Some(service) = &mut found else { continue };
        if keys.iter().any(|k| k.eq_ignore_ascii_case(key)) {
            return Err(at(
                line,
                format!("{key} is given twice in [{name}]; keep one"),
            ));
        }
        keys.push(key.to_string());
        let source = Source::Service {
            name: name.to_string(),
            file: file.to_path_buf(),
            line,
        };
        if key.eq_ignore_ascii_case("uri") {
            service.uri = Some((value.to_string(), source));
            continue;
        }
        service.layer.apply(key, value).map_err(|e| match e {
            Error::Config { message, .. } => at(line, message),
            other => other,
        })?;
        service.layer.stamp(&source);
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn found_as_libpq_finds_its_own() {
        let explicit = candidates(&env(&[
            ("HTTPDB_SERVICEFILE", "/x/s.conf"),
            ("HOME", "/home/u"),
        ]));
        assert_eq!(explicit, [PathBuf::from("/x/s.conf")]);
        let usual = candidates(&env(&[("HOME", "/home/u")]));
        assert_eq!(
            usual,
            [
                PathBuf::from("/home/u/.config/httpdb/service.conf"),
                PathBuf::from("/etc/httpdb/service.conf")
            ]
        );
        let xdg = candidates(&env(&[
            ("XDG_CONFIG_HOME", "/c"),
            ("HTTPDB_SYSCONFDIR", "/s"),
        ]));
        assert_eq!(
            xdg,
            [
                PathBuf::from("/c/httpdb/service.conf"),
                PathBuf::from("/s/service.conf")
            ]
        );
    }

    #[test]
    fn sections_and_their_faults() {
        let file = Path::new("/etc/httpdb/service.conf");
        let text = "# ours\n[dev]\nuri=http://localhost:9200\n\n[prod]\nuri = https://db1:4200,db2:4200/\ntimeout = 5s\n; done\n";
        let prod = section("prod", file, text).unwrap().unwrap();
        assert_eq!(prod.uri.as_ref().unwrap().0, "https://db1:4200,db2:4200/");
        let sources = prod.layer.sources();
        assert_eq!(sources.len(), 1);
        assert_eq!(sources[0].0, "timeout");
        assert_eq!(
            sources[0].1.to_string(),
            "service prod (/etc/httpdb/service.conf:7)"
        );
        assert!(section("staging", file, text).unwrap().is_none());
        for (text, words) in [
            (
                "[prod]\nfrobnicate=1\n",
                "line 2: unknown option \"frobnicate\"",
            ),
            (
                "[prod]\ntimeout=5s\ntimeout=6s\n",
                "line 3: timeout is given twice",
            ),
            ("[prod]\njust words\n", "line 2: a line without '='"),
            (
                "timeout=5s\n[prod]\n",
                "line 1: timeout= before any [name] section",
            ),
            ("[prod\n", "line 1: \"[prod\" opens a section"),
            ("[prod]\n[prod]\n", "line 2: a second section [prod]"),
            ("[dev]\nbroken line\n[prod]\n", "line 2: a line without '='"),
        ] {
            let error = section("prod", file, text).unwrap_err().to_string();
            assert!(error.contains(words), "{text:?}: {error}");
            assert!(
                error.contains("service file /etc/httpdb/service.conf"),
                "{error}"
            );
        }
    }

    #[test]
    fn a_missing_service_names_the_files_looked_in() {
        let error = load_with_env("nope", &env(&[("HOME", "/nonexistent-home")]))
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("no section [nope] in /nonexistent-home/.config/httpdb/service.conf or /etc/httpdb/service.conf"),
            "{error}"
        );
    }
}
