//! The request body of `--data`: the string itself, `@FILE` for a file's
//! bytes, or `-` (also `@-`) for all of standard input. Bytes are sent
//! exactly as read: no newline is stripped or added.

use std::io::Read;

use httpdb::Error;

use crate::output::CliError;

/// Reads the body `data` names.
pub fn read(data: &str) -> Result<Vec<u8>, CliError> {
    match data {
        "-" | "@-" => {
            let mut body = Vec::new();
            std::io::stdin()
                .lock()
                .read_to_end(&mut body)
                .map_err(|source| Error::Body {
                    what: "standard input".into(),
                    source,
                })?;
            Ok(body)
        }
        "@" => Err(CliError::Usage(
            "--data @ needs a file name: --data @FILE (or --data - for standard input)".into(),
        )),
        _ => match data.strip_prefix('@') {
            Some(path) => std::fs::read(path).map_err(|source| {
                Error::Body {
                    what: format!("file {path}"),
                    source,
                }
                .into()
            }),
            None => Ok(data.as_bytes().to_vec()),
        },
    }
}
