//! `Settings::from_uri` on arbitrary UTF-8: never panics; what parses
//! round-trips through `to_uri_with_secrets` and never shows a secret.
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::check_uri(data));
