//! The stderr logger: env_logger, at the level --log asks for.
//!
//! Without --log, `RUST_LOG` decides, and else only warnings show (the
//! library's CERT_NONE and plain-http-credentials warnings). Every line is
//! scrubbed of secrets, and ureq-proto's trace-level dumps of the raw wire
//! bytes (which hold the Authorization header) are dropped whatever the
//! filter says.

use std::io::Write;

use env_logger::Logger;
use log::{Level, LevelFilter, Log, Metadata, Record};

use crate::redact;

/// Installs the logger, at `level` when --log gives one.
pub fn init(level: Option<LevelFilter>) {
    let rust_log = std::env::var("RUST_LOG")
        .ok()
        .filter(|f| !f.trim().is_empty());
    let mut builder = env_logger::Builder::new();
    if let Ok(style) = std::env::var("RUST_LOG_STYLE") {
        builder.parse_write_style(&style);
    }
    match (level, &rust_log) {
        (Some(level), _) => builder.filter_level(level),
        (None, Some(filters)) => builder.parse_filters(filters),
        (None, None) => builder.filter_level(LevelFilter::Warn),
    };
    // Plain warnings read like the binary's own messages; with --log or
    // RUST_LOG, lines carry a time stamp and the module they come from.
    let plain = level.is_none() && rust_log.is_none();
    builder.format(move |buf, record| {
        let message = record.args().to_string();
        let message = redact::scrub(&message);
        let style = buf.default_level_style(record.level());
        if plain {
            let level = match record.level() {
                Level::Error => "error",
                Level::Warn => "warning",
                Level::Info => "info",
                Level::Debug => "debug",
                Level::Trace => "trace",
            };
            writeln!(buf, "httpdb: {style}{level}{style:#}: {message}")
        } else {
            let level = record.level();
            let time = buf.timestamp_millis();
            writeln!(
                buf,
                "[{time} {style}{level:<5}{style:#} {}] {message}",
                record.target()
            )
        }
    });
    let logger = builder.build();
    let max = logger.filter();
    if log::set_boxed_logger(Box::new(Guarded(logger))).is_ok() {
        log::set_max_level(max);
    }
}

/// The env_logger logger without the records that would show secrets.
struct Guarded(Logger);

impl Guarded {
    fn allowed(metadata: &Metadata<'_>) -> bool {
        !(metadata.level() == Level::Trace && metadata.target().starts_with("ureq_proto"))
    }
}

impl Log for Guarded {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        Self::allowed(metadata) && self.0.enabled(metadata)
    }

    fn log(&self, record: &Record<'_>) {
        // The engine logs each request's URI, whose query may hold a
        // credential (a default parameter such as InfluxDB's p=); httpdb's
        // own line for the request is scrubbed, so this one is dropped.
        let uri_with_query = record.target().starts_with("ureq::run") && {
            let text = record.args().to_string();
            text.contains("://") && text.contains('?')
        };
        if Self::allowed(record.metadata()) && !uri_with_query {
            self.0.log(record);
        }
    }

    fn flush(&self) {
        self.0.flush();
    }
}
