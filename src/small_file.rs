//! Small files read strictly, for options that name one (CA bundles,
//! certificates and keys, secret files, [`Secret::from_file`]): a regular
//! file only (a FIFO would
//! block the open forever and a device such as /dev/zero never ends), at
//! most a size that no real such file comes near, read with that cap even
//! if the file grows while it is read. Errors name the option and the path.

use std::io::Read;
use std::path::Path;

use zeroize::Zeroize;

use crate::error::{Error, Result};
use crate::secret::Secret;

/// Secret files: a password, a token or a passphrase is a line, not
/// kilobytes; a larger file is the wrong file.
const SECRET_FILE: Kind = Kind {
    limit: 64 * 1024,
    what: "secret files",
    expected: "a file holding the secret",
};

/// What kind of file an option names, for the limit and the messages.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Kind {
    /// The most bytes read.
    pub limit: u64,
    /// The files of this kind, for messages: `certificate and key files`.
    pub what: &'static str,
    /// What the option expects, for messages: `a PEM file`.
    pub expected: &'static str,
}

/// The error for `option`'s file `path`: what is wrong with it.
pub(crate) fn file_error(
    option: &str,
    path: &Path,
    what: String,
    source: Option<std::io::Error>,
) -> Error {
    Error::Config {
        option: option.into(),
        message: format!("{option}={}: {what}", path.display()),
        source: source.map(Into::into),
    }
}

/// Reads `path` for `option`.
pub(crate) fn read(option: &str, path: &Path, kind: &Kind) -> Result<Vec<u8>> {
    let meta = std::fs::metadata(path).map_err(|e| {
        let what = match e.kind() {
            std::io::ErrorKind::NotFound => {
                "no such file; check the path (relative paths start at the working directory)"
                    .to_string()
            }
            std::io::ErrorKind::PermissionDenied => {
                "permission denied; make the file readable by this user".to_string()
            }
            _ => format!("cannot read the file: {e}"),
        };
        file_error(option, path, what, Some(e))
    })?;
    if meta.is_dir() {
        return Err(file_error(
            option,
            path,
            format!("is a directory; name {}", kind.expected),
            None,
        ));
    }
    if !meta.is_file() {
        return Err(file_error(
            option,
            path,
            format!(
                "is not a regular file (a pipe, socket or device); name {}",
                kind.expected
            ),
            None,
        ));
    }
    let limit = kind.limit;
    if meta.len() > limit {
        return Err(file_error(
            option,
            path,
            format!(
                "is {} bytes, more than the {limit}-byte limit for {}; is it the right file?",
                meta.len(),
                kind.what
            ),
            None,
        ));
    }
    let cannot =
        |e: std::io::Error| file_error(option, path, format!("cannot read the file: {e}"), Some(e));
    // The size was only reported: the read itself stops past the cap, in
    // case the file grew (or was swapped) since.
    let mut data = Vec::with_capacity(meta.len() as usize);
    std::fs::File::open(path)
        .map_err(cannot)?
        .take(limit + 1)
        .read_to_end(&mut data)
        .map_err(cannot)?;
    if data.len() as u64 > limit {
        return Err(file_error(
            option,
            path,
            format!(
                "grew past the {limit}-byte limit for {} while it was read; is it the right file?",
                kind.what
            ),
            None,
        ));
    }
    Ok(data)
}

impl Secret {
    /// The secret held in the file `path`, as the file options read it
    /// (`password_file`, `token_file`...; `option` names it in errors): a
    /// regular file of at most 64 KiB, UTF-8, one trailing line break
    /// dropped, not empty. A file that others than its owner may read is
    /// used, with a warning.
    ///
    /// ```
    /// let path = std::env::temp_dir().join("httpdb-doc-secret");
    /// std::fs::write(&path, "hunter2\n")?;
    /// let s = httpdb::Secret::from_file("password_file", &path)?;
    /// assert_eq!((s.expose(), s.file()), ("hunter2", Some(path.as_path())));
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`crate::Error::Config`] naming `option` and the path: a missing,
    /// unreadable, empty, oversized or non-UTF-8 file, or one that is not a
    /// regular file (a FIFO, `/dev/zero`).
    pub fn from_file(option: &str, path: impl AsRef<Path>) -> Result<Secret> {
        let path = path.as_ref();
        let mut bytes = crate::small_file::read(option, path, &SECRET_FILE)?;
        let bad = |what: &str| file_error(option, path, what.to_string(), None);
        if bytes.ends_with(b"\n") {
            bytes.pop();
            if bytes.ends_with(b"\r") {
                bytes.pop();
            }
        }
        if bytes.is_empty() {
            return Err(bad("is empty; write the secret in it"));
        }
        let text = String::from_utf8(bytes).map_err(|e| {
            let mut bytes = e.into_bytes();
            bytes.zeroize();
            bad("is not UTF-8 text")
        })?;
        warn_if_others_may_read(option, path);
        Ok(Secret::read_from(text, path))
    }
}

/// A warning when others than the owner may read a secret file.
fn warn_if_others_may_read(option: &str, path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path)
            && meta.permissions().mode() & 0o077 != 0
        {
            log::warn!(
                "{option}={}: the file may be read by others than its owner (mode {:o}); chmod 600 it",
                path.display(),
                meta.permissions().mode() & 0o777
            );
        }
    }
    #[cfg(not(unix))]
    let _ = (option, path);
}
