//! The request body of `--data`: the string itself, `@FILE` for a file, or
//! `-` (also `@-`) for standard input. Files and standard input are
//! streamed, never held in memory: a regular file is sent with its length,
//! anything else (standard input, a pipe, a device) chunked. Bytes are sent
//! exactly as read: no newline is stripped or added.

use std::fs::File;

use httpdb::{Error, Request};

use crate::output::CliError;

/// Where the body of `--data` comes from.
pub enum Data {
    /// The argument itself.
    Text(Vec<u8>),
    /// A regular file, sent with its length.
    File(File),
    /// Standard input, a pipe or a device, sent chunked as it is read.
    Stream(Box<dyn std::io::Read + Send>, String),
}

impl Data {
    /// Opens what `data` names (a file is opened now, so that a wrong
    /// path is a usage error before anything is sent).
    pub fn open(data: &str) -> Result<Data, CliError> {
        match data {
            "-" | "@-" => Ok(Data::Stream(
                Box::new(std::io::stdin()),
                "standard input".into(),
            )),
            "@" => Err(CliError::Usage(
                "--data @ needs a file name: --data @FILE (or --data - for standard input)".into(),
            )),
            _ => match data.strip_prefix('@') {
                Some(path) => {
                    let opened = File::open(path).and_then(|f| Ok((f.metadata()?, f)));
                    let (meta, file) = opened.map_err(|source| Error::Body {
                        what: format!("file {path}"),
                        source,
                        attempts: Default::default(),
                    })?;
                    if meta.is_dir() {
                        return Err(CliError::Usage(format!(
                            "--data @{path}: is a directory; name a file"
                        )));
                    }
                    Ok(if meta.is_file() {
                        Data::File(file)
                    } else {
                        Data::Stream(Box::new(file), format!("file {path}"))
                    })
                }
                None => Ok(Data::Text(data.as_bytes().to_vec())),
            },
        }
    }

    /// A few words for the log: the size when it is known.
    pub fn describe(&self) -> String {
        match self {
            Data::Text(bytes) => format!("{} body bytes", bytes.len()),
            Data::File(file) => match file.metadata() {
                Ok(meta) => format!("{} body bytes from a file", meta.len()),
                Err(_) => "a body from a file".into(),
            },
            Data::Stream(_, what) => format!("a body streamed from {what}"),
        }
    }

    /// `request` with this body.
    pub fn attach<'c>(self, request: Request<'c>) -> Request<'c> {
        match self {
            Data::Text(bytes) => request.body(bytes),
            Data::File(file) => request.body_file(file),
            Data::Stream(reader, _) => request.body_reader(reader),
        }
    }
}
