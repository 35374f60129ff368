//! The fuzz targets' checks on stable Rust, as part of `cargo test`: every
//! seed of every target (`fuzz/corpus/<target>/`), every input a fuzzing run
//! found a problem with (regression tests below, each also a seed), and a
//! structured random search over the same checks with proptest.
//!
//! The checks themselves live in `fuzz/checks.rs`, shared with the
//! cargo-fuzz targets; `fuzz/run.sh SECONDS` fuzzes them on nightly.

#[path = "../fuzz/checks.rs"]
mod checks;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;

use proptest::prelude::*;

/// A fuzz target's check: panics when a property does not hold.
type Check = fn(&[u8]);

const TARGETS: &[(&str, Check)] = &[
    ("uri", checks::check_uri),
    ("keywords", checks::check_keywords),
    ("pem", checks::check_pem),
];

fn corpus(target: &str) -> Vec<PathBuf> {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/fuzz/corpus")).join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
}

/// Runs `check` on every seed of `target`, reporting every failing file.
fn run_corpus(target: &str, check: Check, at_least: usize) {
    let files = corpus(target);
    assert!(
        files.len() >= at_least,
        "fuzz/corpus/{target} holds {} files, expected at least {at_least}",
        files.len()
    );
    let mut failures = Vec::new();
    for file in &files {
        let data =
            std::fs::read(file).unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
        if catch_unwind(AssertUnwindSafe(|| check(&data))).is_err() {
            failures.push(file.display().to_string());
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} seeds of {target} fail (panic messages above):\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

#[test]
fn uri_corpus() {
    run_corpus("uri", checks::check_uri, 40);
}

#[test]
fn keywords_corpus() {
    run_corpus("keywords", checks::check_keywords, 15);
}

#[test]
fn pem_corpus() {
    run_corpus("pem", checks::check_pem, 30);
}

#[test]
fn every_target_has_a_corpus_and_a_fuzz_target() {
    for (target, _) in TARGETS {
        let source = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/fuzz/fuzz_targets"))
            .join(format!("{target}.rs"));
        let text = std::fs::read_to_string(&source)
            .unwrap_or_else(|e| panic!("{}: {e}", source.display()));
        assert!(
            text.contains(&format!("checks::check_{target}(data)")),
            "{} does not run check_{target}",
            source.display()
        );
        assert!(!corpus(target).is_empty());
    }
}

/// The seed file `name` of `target` holds exactly `data`, and `data` passes.
fn regression(target: &str, name: &str, data: &[u8]) {
    let check = TARGETS
        .iter()
        .find(|(t, _)| *t == target)
        .expect("a target")
        .1;
    let seed = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/fuzz/corpus"))
        .join(target)
        .join(name);
    assert_eq!(
        std::fs::read(&seed).unwrap_or_else(|e| panic!("{}: {e}", seed.display())),
        data,
        "{} differs",
        seed.display()
    );
    check(data);
}

// ------------------------------------------------------------ regressions
//
// Each input below made a fuzz target fail once; it is kept as a seed of its
// target and checked here.

/// A keyword option with an empty name gave a config error naming no
/// option (`option: ""`, `unknown option ""`).
#[test]
fn regression_keyword_with_an_empty_name() {
    regression(
        "keywords",
        "regression-empty-option-name",
        b"httpshttps7:/=\0\0\0\0\0\0\0\n\ns=sallse",
    );
    let e = httpdb::Settings::builder()
        .uri("https://h")
        .option("", "x")
        .build()
        .unwrap_err();
    match e {
        httpdb::Error::Config {
            option, message, ..
        } => {
            assert_eq!(option, "option name");
            assert!(
                message.contains("option name is empty") && message.contains("name=value"),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }
}

// ------------------------------------------------------------ random search

/// Option names from every vocabulary, some misspelt, and values of every
/// kind the parser distinguishes.
const KEYS: &[&str] = &[
    "ssl",
    "tls",
    "use_ssl",
    "ssl_cert_reqs",
    "verify_certs",
    "verify_ssl_cert",
    "tlsAllowInvalidCertificates",
    "tlsInsecure",
    "ssl_match_hostname",
    "ssl_assert_hostname",
    "tlsAllowInvalidHostnames",
    "ssl_ca_certs",
    "tlsCAFile",
    "sslrootcert",
    "ssl_certfile",
    "sslcert",
    "ssl_keyfile",
    "sslkey",
    "ssl_pem_passphrase",
    "sslpassword",
    "sslmode",
    "connect_timeout",
    "connectTimeoutMS",
    "timeout",
    "socketTimeoutMS",
    "timeout.query_timeout",
    "username",
    "password",
    "token",
    "jwt",
    "retry_interval",
    "pool_size",
    "maxPoolSize",
    "host_order",
    "max_retries",
    "ssl_ca_cert",
    "SSL",
    "",
];
const VALUES: &[&str] = &[
    "true",
    "false",
    "0",
    "1",
    "yes",
    "Off",
    "maybe",
    "CERT_NONE",
    "cert_optional",
    "REQUIRED",
    "system",
    "/ca.pem",
    "./c d.pem",
    "require",
    "verify-ca",
    "verify-full",
    "disable",
    "prefer",
    "30s",
    "1h30m",
    ".5s",
    "1500",
    "-1",
    "0s",
    "99999999999999999999h",
    "round_robin",
    "ordered",
    "100",
    "101",
    "10000",
    "",
    "S3cr3t-PW",
    "p@ss:w/rd?#&=%",
    "tok%2Fen",
    "%zz",
    "%ff",
    "🦀",
];

fn host() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-z0-9.-]{0,8}",
        Just("[::1]".to_string()),
        Just("[2001:DB8::1]".to_string()),
        Just("10.0.0.1".to_string()),
        Just("".to_string()),
        Just("[::1".to_string()),
        "[a-z!_]{1,4}",
    ]
    .prop_flat_map(|name| {
        (
            Just(name),
            prop::option::of(prop_oneof![0u32..70000, Just(0), Just(65535), Just(65536)]),
        )
    })
    .prop_map(|(name, port)| match port {
        Some(port) => format!("{name}:{port}"),
        None => name,
    })
}

fn uri() -> impl Strategy<Value = String> {
    (
        prop_oneof![
            Just("https://"),
            Just("http://"),
            Just("HTTPS://"),
            Just("ftp://"),
            Just("")
        ],
        prop::option::of((
            "[a-zA-Z%@:0-9]{1,6}",
            prop::option::of(prop::sample::select(VALUES)),
        )),
        prop::collection::vec(host(), 1..4),
        prop_oneof![
            Just(""),
            Just("/"),
            Just("/db/"),
            Just("/a%20b"),
            Just("/x|y")
        ],
        prop::collection::vec(
            (prop::sample::select(KEYS), prop::sample::select(VALUES)),
            0..6,
        ),
    )
        .prop_map(|(scheme, userinfo, hosts, path, query)| {
            let mut out = scheme.to_string();
            if let Some((user, password)) = userinfo {
                out.push_str(&user);
                if let Some(password) = password {
                    out.push(':');
                    out.push_str(password);
                }
                out.push('@');
            }
            out.push_str(&hosts.join(","));
            out.push_str(path);
            for (i, (key, value)) in query.iter().enumerate() {
                out.push(if i == 0 { '?' } else { '&' });
                out.push_str(&format!("{key}={value}"));
            }
            out
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_uris(text in uri()) {
        checks::check_uri(text.as_bytes());
    }

    #[test]
    fn random_keywords(text in uri(), options in prop::collection::vec((prop::sample::select(KEYS), prop::sample::select(VALUES)), 0..6)) {
        let mut input = text;
        for (key, value) in options {
            input.push('\n');
            input.push_str(&format!("{key}={value}"));
        }
        checks::check_keywords(input.as_bytes());
    }

    #[test]
    fn random_text(text in "\\PC{0,80}") {
        checks::check_uri(text.as_bytes());
        checks::check_keywords(text.as_bytes());
    }
}
