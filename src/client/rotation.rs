//! Files that rotate under a running client: the CA, client certificate,
//! key and CRL files, and the secret files, as cert-manager or Vault
//! replace them every few days under a process that runs for months.
//!
//! At most once a second, at the start of a call, the files are looked at
//! (`stat`, one per file); when one changed, everything made from them is
//! made again — the TLS configuration, the credentials — and taken by the
//! connections opened from then on, never by one in use. A new TLS
//! configuration has a session cache of its own, so no new connection
//! resumes a session made with the old client certificate. A file that
//! cannot be read or does not parse leaves the last good configuration in
//! place, and is logged once per change.
//!
//! Cost: nothing for a client that reads no file; else one clock read per
//! call, and one `stat` per file and second.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant, SystemTime};

use rustls::ClientConfig;

use super::prepare::Defaults;
use crate::error::Result;
use crate::secret::{Scrubber, Secret};
use crate::settings::{CaCerts, Settings, Source};
use crate::transport::tls_connector::TlsSource;

/// How often the files are looked at, at most.
const EVERY: Duration = Duration::from_secs(1);

/// What a `stat` says of a file: enough to tell a replaced or rewritten
/// one.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stamp {
    modified: Option<SystemTime>,
    /// The inode's change time: a rewrite in place that keeps the size and
    /// the modification time (`cp -p`) still moves it.
    changed: i64,
    len: u64,
    inode: u64,
}

fn stamp(path: &std::path::Path) -> Option<Stamp> {
    let meta = std::fs::metadata(path).ok()?;
    #[cfg(unix)]
    let (inode, changed) = {
        use std::os::unix::fs::MetadataExt;
        (meta.ino(), meta.ctime() * 1_000_000_000 + meta.ctime_nsec())
    };
    #[cfg(not(unix))]
    let (inode, changed) = (0, 0);
    Some(Stamp {
        modified: meta.modified().ok(),
        changed,
        len: meta.len(),
        inode,
    })
}

/// The files a client read, and what it made of them.
#[derive(Debug)]
pub(crate) struct Rotation {
    files: Vec<(&'static str, PathBuf)>,
    /// When the files are next looked at, in milliseconds since `epoch`.
    next: AtomicU64,
    epoch: Instant,
    state: Mutex<State>,
    tls: Option<Arc<RwLock<Arc<ClientConfig>>>>,
    defaults: RwLock<Arc<Defaults>>,
}

#[derive(Debug)]
struct State {
    /// The files as last taken in.
    taken: Vec<Option<Stamp>>,
    /// The files as last refused (logged once).
    refused: Option<Vec<Option<Stamp>>>,
}

/// The files `settings` name, by option: CA, certificate, key, CRL, and
/// the secret files (not a password a `passfile` or `.netrc` gave: those
/// are read again only with the settings).
fn files(settings: &Settings) -> Vec<(&'static str, PathBuf)> {
    let mut files = Vec::new();
    if let CaCerts::File(path) = settings.ssl_ca_certs() {
        files.push(("ssl_ca_certs", path.clone()));
    }
    for (option, path) in [
        ("ssl_certfile", settings.ssl_certfile()),
        ("ssl_keyfile", settings.ssl_keyfile()),
        ("ssl_crl_file", settings.ssl_crl_file()),
        ("ssl_crl_dir", settings.ssl_crl_dir()),
    ] {
        if let Some(path) = path {
            files.push((option, path.to_path_buf()));
        }
    }
    for (option, secret) in secrets(settings) {
        if let Some(path) = secret.file() {
            files.push((option, path.to_path_buf()));
        }
    }
    files
}

/// The secrets of `settings` that a file option may hold, by that option.
fn secrets(settings: &Settings) -> Vec<(&'static str, &Secret)> {
    let from_credential_file = |name: &str| {
        settings
            .sources()
            .iter()
            .any(|(n, s)| n == name && matches!(s, Source::File { .. }))
    };
    [
        ("password_file", "password", settings.password()),
        ("token_file", "token", settings.token()),
        ("api_key_file", "api_key", settings.api_key()),
        (
            "ssl_pem_passphrase_file",
            "ssl_pem_passphrase",
            settings.ssl_pem_passphrase(),
        ),
    ]
    .into_iter()
    .filter(|(_, name, _)| !from_credential_file(name))
    .filter_map(|(option, _, secret)| secret.map(|s| (option, s)))
    .collect()
}

impl Rotation {
    /// The rotation of the files `settings` name, with the configuration
    /// and defaults made from them now; `None` when they name none.
    pub(crate) fn of(
        settings: &Settings,
        tls: Option<Arc<ClientConfig>>,
        defaults: Defaults,
    ) -> Option<Rotation> {
        let files = files(settings);
        if files.is_empty() {
            return None;
        }
        let taken = files.iter().map(|(_, path)| stamp(path)).collect();
        Some(Rotation {
            files,
            next: AtomicU64::new(EVERY.as_millis() as u64),
            epoch: Instant::now(),
            state: Mutex::new(State {
                taken,
                refused: None,
            }),
            tls: tls.map(|config| Arc::new(RwLock::new(config))),
            defaults: RwLock::new(Arc::new(defaults)),
        })
    }

    /// Where the connector takes its configuration from.
    pub(crate) fn tls_source(&self) -> Option<TlsSource> {
        self.tls.clone().map(TlsSource::Rotating)
    }

    /// The defaults of a request sent now.
    pub(crate) fn defaults(&self) -> Arc<Defaults> {
        self.defaults
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Makes the next call look at the files, whatever the time: after a
    /// TLS failure, which a rotation on the server's side may have caused.
    pub(crate) fn soon(&self) {
        self.next.store(0, Ordering::Relaxed);
    }

    /// At most once a second: takes in the files that changed.
    pub(crate) fn check(&self, settings: &Settings, scrubber: &Scrubber) {
        let now = self.epoch.elapsed().as_millis() as u64;
        if now < self.next.load(Ordering::Relaxed) {
            return;
        }
        self.next
            .store(now + EVERY.as_millis() as u64, Ordering::Relaxed);
        let mut state = match self.state.try_lock() {
            Ok(state) => state,
            // A check that panicked leaves the last state it saw, which is
            // still right.
            Err(std::sync::TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
            // Another thread is at it.
            Err(std::sync::TryLockError::WouldBlock) => return,
        };
        let stamps: Vec<Option<Stamp>> = self.files.iter().map(|(_, p)| stamp(p)).collect();
        if stamps == state.taken || state.refused.as_ref() == Some(&stamps) {
            return;
        }
        let changed: Vec<String> = self
            .files
            .iter()
            .zip(stamps.iter().zip(&state.taken))
            .filter(|(_, (now, before))| now != before)
            .map(|((option, path), _)| format!("{option}={}", path.display()))
            .collect();
        match self.remake(settings) {
            Ok((tls, defaults, secrets)) => {
                // Masked before anything can send them.
                scrubber.extend(secrets);
                if let (Some(cell), Some(tls)) = (&self.tls, tls) {
                    *cell.write().unwrap_or_else(|e| e.into_inner()) = tls;
                }
                *self.defaults.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(defaults);
                log::info!(
                    "{} changed: new connections use what it holds now",
                    changed.join(", ")
                );
                state.taken = stamps;
                state.refused = None;
            }
            Err(e) => {
                log::warn!(
                    "{} changed but cannot be used ({e}); keeping what was read before",
                    changed.join(", ")
                );
                state.refused = Some(stamps);
            }
        }
    }

    /// The TLS configuration, the defaults and the secrets made again from
    /// the files as they are now.
    #[allow(clippy::type_complexity)]
    fn remake(
        &self,
        settings: &Settings,
    ) -> Result<(Option<Arc<ClientConfig>>, Defaults, Vec<Secret>)> {
        let mut fresh = settings.clone();
        for (option, secret) in secrets(settings) {
            let Some(path) = secret.file() else { continue };
            let read = Secret::from_file(option, path)?;
            let value = match option {
                "api_key_file" => read.with_text(
                    crate::settings::options::encode_api_key(read.expose()).map_err(|why| {
                        crate::error::Error::config(
                            option,
                            format!("{option}={}: {why}", path.display()),
                        )
                    })?,
                ),
                _ => read,
            };
            match option {
                "password_file" => fresh.password = Some(value),
                "token_file" => fresh.token = Some(value),
                "api_key_file" => fresh.api_key = Some(value),
                _ => fresh.ssl_pem_passphrase = Some(value),
            }
        }
        let tls = crate::tls::client_config(&fresh)?;
        let defaults = Defaults::of(&fresh)?;
        Ok((tls, defaults, fresh.secrets()))
    }
}
