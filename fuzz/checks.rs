//! The properties the fuzz targets check, shared by the cargo-fuzz targets
//! (`fuzz/fuzz_targets/*.rs`, through `#[path = "../checks.rs"]`) and by the
//! regular test `tests/fuzz_corpus.rs` (through `#[path = "../fuzz/checks.rs"]`),
//! which runs every seed and every past crash on stable Rust.
//!
//! Only `std` and `httpdb` are used here, so the file compiles in both crates.
//! Each function panics when a property is violated: that is the finding.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use httpdb::{Client, Error, Settings};

/// The secret text of the password, token and key passphrase of `s`.
fn secrets_of(s: &Settings) -> Vec<String> {
    [s.password(), s.token(), s.ssl_pem_passphrase()]
        .into_iter()
        .flatten()
        .map(|secret| secret.expose().to_string())
        .collect()
}

/// The same settings with every secret replaced by a stand-in: what
/// `Debug`, `Display`, `to_uri` and `to_json` show must not change.
fn with_stand_in_secrets(s: &Settings) -> Settings {
    let mut b = Settings::builder().uri(s.to_uri_with_secrets());
    if s.password().is_some() {
        b = b.password("x");
    }
    if s.token().is_some() {
        b = b.token("x");
    }
    if s.ssl_pem_passphrase().is_some() {
        b = b.ssl_pem_passphrase("x");
    }
    match b.build() {
        Ok(other) => other,
        Err(e) => panic!("replacing the secrets of {s:?} failed: {e}"),
    }
}

/// Everything `s` may show to a user or a log, and the `Debug` of a
/// builder holding its URI.
fn renderings(s: &Settings) -> [(&'static str, String); 6] {
    [
        (
            "the builder's Debug",
            format!("{:?}", Settings::builder().uri(s.to_uri_with_secrets())),
        ),
        ("Debug", format!("{s:?}")),
        ("alternate Debug", format!("{s:#?}")),
        ("Display", s.to_string()),
        ("to_uri", s.to_uri()),
        ("to_json", s.to_json().to_string()),
    ]
}

/// The properties every successfully built `Settings` has:
/// - `to_uri_with_secrets` parses back to equal settings, and is canonical;
/// - the redacted `to_uri` still parses, to the same hosts;
/// - no rendering depends on the secret values, and none contains a secret
///   of at least 4 characters that is not also a substring of what the
///   rendering shows anyway (the same settings with stand-in secrets).
pub fn check_settings(s: &Settings) {
    let text = s.to_uri_with_secrets();
    match Settings::from_uri(&text) {
        Ok(back) => {
            assert!(
                back == *s,
                "to_uri_with_secrets does not round-trip:\n  {text}\n  {s:?}\n  {back:?}"
            );
            assert_eq!(
                back.to_uri_with_secrets(),
                text,
                "to_uri_with_secrets is not canonical"
            );
        }
        Err(e) => panic!("to_uri_with_secrets of {s:?} does not parse: {e}"),
    }
    match Settings::from_uri(&s.to_uri()) {
        Ok(redacted) => assert_eq!(
            redacted.hosts(),
            s.hosts(),
            "the redacted URI names other hosts"
        ),
        Err(e) => panic!("the redacted URI {} does not parse: {e}", s.to_uri()),
    }
    let stand_in = with_stand_in_secrets(s);
    let shown = renderings(s);
    let expected = renderings(&stand_in);
    for ((what, text), (_, other)) in shown.iter().zip(expected.iter()) {
        assert_eq!(text, other, "{what} depends on the value of a secret");
        for secret in secrets_of(s) {
            if secret.chars().count() >= 4 && !other.contains(&secret) {
                assert!(
                    !text.contains(&secret),
                    "{what} leaks the secret {secret:?}: {text}"
                );
            }
        }
    }
}

/// A config error must name its option and say something.
fn check_config_error(e: &Error, input: &str) {
    match e {
        Error::Config {
            option, message, ..
        } => {
            assert!(
                !option.is_empty(),
                "a config error for {input:?} names no option: {message}"
            );
            assert!(
                !message.is_empty(),
                "a config error for {input:?} has an empty message"
            );
        }
        other => panic!("parsing {input:?} gave a non-config error: {other:?}"),
    }
}

/// Target `uri`: `Settings::from_uri` on arbitrary UTF-8.
pub fn check_uri(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Settings::from_uri(text) {
        Ok(s) => check_settings(&s),
        Err(e) => check_config_error(&e, text),
    }
}

/// The option names whose values are secrets.
const SECRET_KEYS: &[&str] = &[
    "password",
    "token",
    "jwt",
    "jwt_token",
    "ssl_pem_passphrase",
    "tlsCertificateKeyFilePassword",
    "sslpassword",
];

/// Splits a `keywords` input: the first line is a URI, every further line
/// a keyword option `key=value` (a line without `=` is a key with an empty
/// value).
fn split_keywords(text: &str) -> (&str, Vec<(&str, &str)>) {
    let mut lines = text.split('\n');
    let uri = lines.next().unwrap_or_default();
    (
        uri,
        lines
            .map(|line| line.split_once('=').unwrap_or((line, "")))
            .collect(),
    )
}

fn is_secret_key(key: &str) -> bool {
    SECRET_KEYS.iter().any(|k| k.eq_ignore_ascii_case(key))
}

/// The builder's `Debug` and the build result for `uri` and `options`.
fn build_keywords(uri: &str, options: &[(&str, String)]) -> (String, httpdb::Result<Settings>) {
    let mut builder = Settings::builder().uri(uri);
    for (key, value) in options {
        builder = builder.option(key, value);
    }
    (format!("{builder:?}"), builder.build())
}

/// Target `keywords`: a URI and keyword options through
/// `Settings::builder().uri(..).option(k, v)...build()`.
///
/// When the build succeeds, the settings must have the properties of
/// [`check_settings`]. Either way, the builder's `Debug` and the error must
/// not depend on the values of secret keyword options (they are the same
/// when every secret value is swapped for a stand-in), and must not contain
/// such a value of at least 4 characters that they do not show anyway.
pub fn check_keywords(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (uri, options) = split_keywords(text);
    // Distinct secret values get distinct stand-ins and an empty one stays
    // empty, so that repeats, conflicts and emptiness are kept.
    let mut distinct: Vec<&str> = Vec::new();
    let mut real: Vec<(&str, String)> = Vec::new();
    let mut stand_in: Vec<(&str, String)> = Vec::new();
    for (key, value) in &options {
        real.push((key, value.to_string()));
        if is_secret_key(key) && !value.is_empty() {
            let n = distinct.iter().position(|v| v == value).unwrap_or_else(|| {
                distinct.push(value);
                distinct.len() - 1
            });
            stand_in.push((key, format!("stand-in-{n}")));
        } else {
            stand_in.push((key, value.to_string()));
        }
    }
    let (debug, result) = build_keywords(uri, &real);
    let (expected_debug, expected) = build_keywords(uri, &stand_in);
    let leaks = |what: &str, shown: &str, expected: &str| {
        assert_eq!(
            shown, expected,
            "{what} depends on the value of a secret keyword option"
        );
        for secret in distinct.iter().filter(|s| s.chars().count() >= 4) {
            if !expected.contains(secret) {
                assert!(!shown.contains(secret), "{what} leaks {secret:?}: {shown}");
            }
        }
    };
    leaks("the builder's Debug", &debug, &expected_debug);
    match (result, expected) {
        (Ok(s), Ok(_)) => check_settings(&s),
        (Err(e), Err(other)) => {
            check_config_error(&e, text);
            leaks("the error", &format!("{e}"), &format!("{other}"));
            leaks(
                "the error's Debug",
                &format!("{e:?}"),
                &format!("{other:?}"),
            );
        }
        (a, b) => panic!("the outcome depends on the value of a secret: {a:?} vs {b:?}"),
    }
}

/// The passphrase the `pem` target offers for encrypted keys and bundles.
pub const PEM_PASSPHRASE: &str = "fuzz-passphrase-7d1e";

/// A path in the temporary directory unique to this process and thread,
/// ending in `name`.
fn scratch(name: &str) -> PathBuf {
    let thread = format!("{:?}", std::thread::current().id());
    let thread: String = thread.chars().filter(char::is_ascii_digit).collect();
    std::env::temp_dir().join(format!(
        "httpdb-fuzz-{}-{thread}-{name}",
        std::process::id()
    ))
}

/// The fixtures the `pem` target pairs the fuzzed file with, written once
/// per process: the CA, and the client certificate.
fn fixture_files() -> &'static (PathBuf, PathBuf) {
    static FILES: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    FILES.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("httpdb-fuzz-{}-fixtures", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create the fixture directory");
        let ca = dir.join("ca.pem");
        let cert = dir.join("client.pem");
        std::fs::write(&ca, include_bytes!("../fixtures/ca.pem")).expect("write ca.pem");
        std::fs::write(&cert, include_bytes!("../fixtures/client.pem")).expect("write client.pem");
        (ca, cert)
    })
}

/// Builds a client for a URI and keyword options that name `file`; the
/// build may succeed, or fail with a config error for one of `options`
/// that names `file` and never shows the passphrase.
fn check_client(file: &Path, keywords: &[(&str, &str)], options: &[&str]) {
    let mut builder = Client::builder().uri("https://localhost:1");
    for (key, value) in keywords {
        builder = builder.option(key, value);
    }
    match builder.build() {
        Ok(_) => {}
        Err(Error::Config {
            option, message, ..
        }) => {
            let path = file.display().to_string();
            assert!(
                options.contains(&option.as_str()),
                "error for option {option:?}, expected one of {options:?}: {message}"
            );
            assert!(
                message.contains(&path),
                "the error does not name {path}: {message}"
            );
            assert!(
                message.contains(&option),
                "the error does not name {option}: {message}"
            );
            assert!(
                !message.contains(PEM_PASSPHRASE),
                "the error leaks the passphrase: {message}"
            );
        }
        Err(other) => {
            panic!("building a client for {keywords:?} gave a non-config error: {other:?}")
        }
    }
}

/// Target `pem`: the bytes as a CA file (`ssl_ca_certs`), as a client
/// certificate file (`ssl_certfile`, with and without a passphrase) and as
/// a key file (`ssl_keyfile` next to a real certificate). Building a client
/// reads these files; nothing goes over the network.
pub fn check_pem(data: &[u8]) {
    let (ca, cert) = fixture_files();
    let file = scratch("input.pem");
    std::fs::write(&file, data).expect("write the fuzz input");
    let path = file.to_str().expect("a UTF-8 temporary path");
    let ca = ca.to_str().expect("a UTF-8 temporary path");
    let cert = cert.to_str().expect("a UTF-8 temporary path");

    check_client(&file, &[("ssl_ca_certs", path)], &["ssl_ca_certs"]);
    check_client(
        &file,
        &[("ssl_ca_certs", ca), ("ssl_certfile", path)],
        &["ssl_certfile"],
    );
    check_client(
        &file,
        &[
            ("ssl_ca_certs", ca),
            ("ssl_certfile", path),
            ("ssl_pem_passphrase", PEM_PASSPHRASE),
        ],
        &["ssl_certfile"],
    );
    check_client(
        &file,
        &[
            ("ssl_ca_certs", ca),
            ("ssl_certfile", cert),
            ("ssl_keyfile", path),
            ("ssl_pem_passphrase", PEM_PASSPHRASE),
        ],
        &["ssl_keyfile", "ssl_certfile"],
    );
}
