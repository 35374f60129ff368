//! Finding the server binaries the tests start.

#![allow(dead_code)]

use std::path::PathBuf;

/// The binary `name`: the path in environment variable `env` if set, else
/// the first `name` on PATH, else `fallback` (where Debian installs it).
pub fn find(env: &str, name: &str, fallback: &str) -> PathBuf {
    if let Some(path) = std::env::var_os(env).filter(|p| !p.is_empty()) {
        return PathBuf::from(path);
    }
    if let Some(paths) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&paths) {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return candidate;
            }
        }
    }
    PathBuf::from(fallback)
}
