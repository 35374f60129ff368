//! Arbitrary bytes as the CA file, the client certificate file and the
//! key file of a `Client`: every failure is a config error naming the
//! option and the file.
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::check_pem(data));
