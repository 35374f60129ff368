//! A URI (first line) and keyword options (`key=value` lines) through the
//! builder: round trip and redaction as for `uri`, and no secret keyword
//! value in the builder's Debug or in an error.
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::check_keywords(data));
