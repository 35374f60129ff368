//! Malformed connection URIs and keyword options: each must fail with an
//! `Error::Config` naming the right option, saying what is wrong and what is
//! accepted, and never showing a secret.

use std::time::Duration;

use httpdb::{CaCerts, Error, Settings};

/// What is fed to the builder.
#[derive(Debug, Clone, Copy)]
enum Input {
    /// `Settings::from_uri`.
    Uri(&'static str),
    /// A URI with keyword options on top.
    Kw(&'static str, &'static [(&'static str, &'static str)]),
    /// Keyword options and no URI at all.
    NoUri(&'static [(&'static str, &'static str)]),
}

struct Row {
    input: Input,
    /// The expected `option` field.
    option: &'static str,
    /// Words or phrases the message must contain.
    words: &'static [&'static str],
    /// Secrets the message must not contain.
    secrets: &'static [&'static str],
}

const fn row(input: Input, option: &'static str, words: &'static [&'static str]) -> Row {
    Row {
        input,
        option,
        words,
        secrets: &[],
    }
}

const fn secret(
    input: Input,
    option: &'static str,
    words: &'static [&'static str],
    secrets: &'static [&'static str],
) -> Row {
    Row {
        input,
        option,
        words,
        secrets,
    }
}

use Input::{Kw, NoUri, Uri};

const BOOL: &str = "true/false, 1/0, yes/no or on/off";
const PORTS: &str = "1 to 65535";
const DURATION: &str = "30s, 1500ms";

const ROWS: &[Row] = &[
    // The URI as a whole.
    row(Uri(""), "uri", &["empty", "https://"]),
    row(Uri("   "), "uri", &["empty"]),
    row(Uri("\t\n"), "uri", &["empty"]),
    secret(
        Uri(" https://u:SECRET-PW1@h"),
        "uri",
        &["white space"],
        &["SECRET-PW1"],
    ),
    row(Uri("https://h\n"), "uri", &["white space"]),
    row(Uri("https://h/a b"), "uri", &["' '", "%20"]),
    row(Uri("https://h/?token=a\u{7}b"), "uri", &["percent-encode"]),
    secret(
        Uri("https://u:SECRET#PW2@h"),
        "uri",
        &["'#'", "%23"],
        &["SECRET#PW2", "PW2"],
    ),
    row(Uri("https://h/#frag"), "uri", &["fragment", "%23"]),
    row(
        Uri("localhost:4200"),
        "uri",
        &["no scheme", "https://", "http://"],
    ),
    secret(
        Uri("admin:SECRET-PW3@localhost"),
        "uri",
        &["no scheme"],
        &["SECRET-PW3"],
    ),
    row(Uri("https:/h"), "uri", &["no scheme"]),
    secret(
        Uri("ftp://u:SECRET-PW4@h/?token=SECRET-TOK4"),
        "uri",
        &["unsupported scheme", "ftp://", "https://"],
        &["SECRET-PW4", "SECRET-TOK4"],
    ),
    row(
        Uri("postgres://h"),
        "uri",
        &["unsupported scheme", "http://"],
    ),
    row(Uri("://h"), "uri", &["unsupported scheme"]),
    // Ports.
    row(Uri("https://h:0"), "port", &["\"0\"", "not a port", PORTS]),
    row(
        Uri("https://h:65536"),
        "port",
        &["65536", "too large", PORTS],
    ),
    row(
        Uri("https://h:99999999999999999999"),
        "port",
        &["too large", PORTS],
    ),
    row(Uri("https://h:-1"), "port", &["\"-1\"", PORTS]),
    row(Uri("https://h:abc"), "port", &["\"abc\"", PORTS]),
    row(Uri("https://h:+80"), "port", &["+80", PORTS]),
    row(Uri("https://a:1,b:0x50"), "port", &["0x50", PORTS]),
    row(Uri("https://[::1]:70000"), "port", &["70000", PORTS]),
    secret(
        Uri("https://u:SECRET-PW5@h:0"),
        "port",
        &["invalid port"],
        &["SECRET-PW5"],
    ),
    // Hosts.
    row(Uri("https://"), "host", &["no host", "https://localhost"]),
    row(Uri("https:///db"), "host", &["no host"]),
    row(Uri("https://?ssl=true"), "host", &["no host"]),
    secret(
        Uri("https://u:SECRET-PW6@/db"),
        "host",
        &["no host"],
        &["SECRET-PW6"],
    ),
    row(Uri("https://:4200"), "host", &["no name", "host:port"]),
    row(Uri("https://a,,b"), "host", &["empty host", "stray comma"]),
    row(Uri("https://a,"), "host", &["empty host", "stray comma"]),
    row(Uri("https://,a"), "host", &["empty host", "stray comma"]),
    row(Uri("https://a,b,a"), "host", &["twice"]),
    row(Uri("https://bad!host"), "host", &["'!'", "DNS name"]),
    // Percent-decoded as libpq decodes a host, then refused as a DNS name.
    row(
        Uri("https://h%20x"),
        "host",
        &["' '", "a host is a DNS name"],
    ),
    // IPv6.
    row(
        Uri("https://[::1"),
        "host",
        &["unbalanced '['", "[::1]:4200"],
    ),
    row(
        Uri("https://[::1:4200"),
        "host",
        &["unbalanced '['", "[::1]:4200"],
    ),
    row(
        Uri("https://::1]:4200"),
        "host",
        &["unbalanced ']'", "[::1]:4200"],
    ),
    row(Uri("https://h]"), "host", &["unbalanced ']'"]),
    row(
        Uri("https://[::1]4200"),
        "host",
        &["unexpected", "[::1]:4200"],
    ),
    row(
        Uri("https://[db]:1"),
        "host",
        &["not an IPv6 address", "[::1]:4200"],
    ),
    row(Uri("https://[]:1"), "host", &["not an IPv6 address"]),
    row(Uri("https://::1"), "host", &["brackets", "[::1]:4200"]),
    row(
        Uri("https://fe80::1:4200"),
        "host",
        &["brackets", "[::1]:4200"],
    ),
    row(Uri("https://h:1:2"), "host", &["more than one ':'"]),
    // Credentials.
    secret(
        Uri("https://:SECRET-PW7@h"),
        "username",
        &["no user name"],
        &["SECRET-PW7"],
    ),
    row(
        Uri("https://us%zer@h"),
        "username",
        &["percent-escape", "%25"],
    ),
    row(
        Uri("https://us%4@h"),
        "username",
        &["percent-escape", "two hex digits"],
    ),
    row(Uri("https://us%ffer@h"), "username", &["UTF-8"]),
    secret(
        Uri("https://u:SECRET%zzPW8@h"),
        "password",
        &["percent-escape", "%25"],
        &["SECRET%zzPW8", "PW8"],
    ),
    secret(
        Uri("https://u:SECRET-PW9%@h"),
        "password",
        &["percent-escape"],
        &["SECRET-PW9"],
    ),
    secret(
        Uri("https://u:SECRET-PW10%ff@h"),
        "password",
        &["UTF-8"],
        &["SECRET-PW10"],
    ),
    secret(
        Uri("https://u:SECRET-PW11@h/?password=SECRET-OTHER11"),
        "password",
        &["conflicting", "password=***"],
        &["SECRET-PW11", "SECRET-OTHER11"],
    ),
    row(
        Uri("https://alice@h/?username=bob"),
        "username",
        &["conflicting", "alice", "username=bob"],
    ),
    // An unencoded '/' or '?' in the password cuts the authority short; no
    // piece of the password may show up in the message.
    secret(
        Uri("https://u:SECRETA/SECRETB@h"),
        "password",
        &["%2F"],
        &["SECRETA", "SECRETB"],
    ),
    secret(
        Uri("https://u:SECRETC?SECRETD@h"),
        "password",
        &["%3F"],
        &["SECRETC", "SECRETD"],
    ),
    secret(
        Uri("https://u:SECRETE/SEC RETF@h"),
        "uri",
        &["' '", "%20"],
        &["SECRETE", "RETF"],
    ),
    secret(
        Uri("https://u:SECRET-PW25@h/?token=SECRET-TOK25"),
        "token",
        &["conflicting", "token=***", "Authorization"],
        &["SECRET-PW25", "SECRET-TOK25"],
    ),
    // The path.
    row(Uri("https://h/db%zz"), "path", &["percent-escape", "%25"]),
    row(Uri("https://h/a|b"), "path", &["'|'", "percent-encode"]),
    // The query.
    row(
        Uri("https://h/?ssl_ca_cert=/ca.pem"),
        "ssl_ca_cert",
        &[
            "unknown option \"ssl_ca_cert\"",
            "did you mean \"ssl_ca_certs\"?",
        ],
    ),
    row(
        Uri("https://h/?tlscafil=/ca.pem"),
        "tlscafil",
        &["unknown option", "did you mean \"tlsCAFile\"?"],
    ),
    row(
        Uri("https://h/?sslmod=require"),
        "sslmod",
        &["did you mean \"sslmode\"?"],
    ),
    row(
        Uri("https://h/?zzzzzzzz=1"),
        "zzzzzzzz",
        &["unknown option \"zzzzzzzz\"", "README"],
    ),
    secret(
        Uri("https://h/?token=SECRET-TOK12&foo=bar"),
        "foo",
        &["unknown option \"foo\""],
        &["SECRET-TOK12"],
    ),
    row(Uri("https://h/?ssl"), "ssl", &["no value", "ssl=VALUE"]),
    row(Uri("https://h/?=1"), "uri", &["empty name"]),
    row(
        Uri("https://h/?ssl%zz=1"),
        "option name",
        &["percent-escape"],
    ),
    row(
        Uri("https://h/?ssl_ca_certs=%zz"),
        "ssl_ca_certs",
        &["percent-escape", "%25"],
    ),
    row(
        Uri("https://h/?ssl_ca_certs=/a%ff.pem"),
        "ssl_ca_certs",
        &["UTF-8"],
    ),
    secret(
        Uri("https://h/?token=SECRET-TOK13%"),
        "token",
        &["percent-escape"],
        &["SECRET-TOK13"],
    ),
    secret(
        Uri("https://h/?jwt=SECRET-TOK14%ff"),
        "jwt",
        &["UTF-8"],
        &["SECRET-TOK14"],
    ),
    secret(
        Uri("https://h/?ssl_certfile=/c.pem&sslpassword=SECRET-PP15%fe"),
        "sslpassword",
        &["UTF-8"],
        &["SECRET-PP15"],
    ),
    // Conflicting repeats.
    row(
        Uri("https://h/?ssl_cert_reqs=CERT_NONE&ssl_cert_reqs=CERT_REQUIRED"),
        "ssl_cert_reqs",
        &[
            "conflicting",
            "ssl_cert_reqs=CERT_NONE",
            "ssl_cert_reqs=CERT_REQUIRED",
        ],
    ),
    row(
        Uri("https://h/?pool_size=1&maxPoolSize=2"),
        "maxPoolSize",
        &["conflicting", "pool_size=1", "maxPoolSize=2"],
    ),
    secret(
        Uri("https://h/?token=SECRET-TOK16&jwt=SECRET-TOK17"),
        "jwt",
        &["conflicting", "token=***", "jwt=***"],
        &["SECRET-TOK16", "SECRET-TOK17"],
    ),
    row(
        Uri("https://h/?ssl=false"),
        "ssl",
        &["https://", "ssl=false"],
    ),
    row(
        Uri("https://h/?sslmode=disable"),
        "sslmode",
        &["https://", "sslmode=disable"],
    ),
    row(
        Uri("http://h/?ssl=false&ssl_ca_certs=/ca.pem"),
        "ssl_ca_certs",
        &["ssl=false", "ssl_ca_certs=/ca.pem", "TLS is off"],
    ),
    row(
        Uri("https://h/?ssl_cert_reqs=CERT_NONE&tlsAllowInvalidCertificates=false"),
        "tlsAllowInvalidCertificates",
        &[
            "ssl_cert_reqs=CERT_NONE",
            "tlsAllowInvalidCertificates=false",
        ],
    ),
    row(
        Uri("https://h/?sslmode=verify-full&ssl_cert_reqs=CERT_NONE"),
        "ssl_cert_reqs",
        &["sslmode=verify-full", "ssl_cert_reqs=CERT_NONE"],
    ),
    row(
        Uri("https://h/?ssl_cert_reqs=CERT_NONE&ssl_match_hostname=true"),
        "ssl_match_hostname",
        &["ssl_cert_reqs=CERT_NONE", "ssl_match_hostname=true"],
    ),
    row(
        Uri("https://h/?sslmode=require&ssl_match_hostname=true"),
        "ssl_match_hostname",
        &["sslmode=require", "ssl_match_hostname=true"],
    ),
    // Bad values, one of each kind.
    row(Uri("http://h/?ssl=maybe"), "ssl", &["\"maybe\"", BOOL]),
    row(Uri("http://h/?ssl="), "ssl", &["invalid value", BOOL]),
    row(
        Uri("https://h/?verify_certs=2"),
        "verify_certs",
        &["\"2\"", BOOL],
    ),
    row(
        Uri("https://h/?tlsInsecure=sure"),
        "tlsInsecure",
        &["\"sure\"", BOOL],
    ),
    row(
        Uri("https://h/?ssl_match_hostname=yep"),
        "ssl_match_hostname",
        &["\"yep\"", BOOL],
    ),
    row(
        Uri("https://h/?ssl_cert_reqs=CERT_SOMETIMES"),
        "ssl_cert_reqs",
        &[
            "CERT_SOMETIMES",
            "CERT_NONE, CERT_OPTIONAL or CERT_REQUIRED",
        ],
    ),
    row(
        Uri("https://h/?sslmode=prefer"),
        "sslmode",
        &["not supported", "sslmode=require", "sslmode=verify-full"],
    ),
    row(
        Uri("https://h/?sslmode=allow"),
        "sslmode",
        &["not supported", "plain text", "sslmode=disable"],
    ),
    row(
        Uri("https://h/?sslmode=verify"),
        "sslmode",
        &["\"verify\"", "disable, require, verify-ca or verify-full"],
    ),
    row(
        Uri("https://h/?connect_timeout=-5s"),
        "connect_timeout",
        &["negative", DURATION],
    ),
    row(Uri("https://h/?timeout=-1"), "timeout", &["negative"]),
    row(
        Uri("https://h/?timeout=99999999999999999999999h"),
        "timeout",
        &["too large", DURATION],
    ),
    row(
        Uri("https://h/?retry_interval=18446744073709551616"),
        "retry_interval",
        &["too large"],
    ),
    row(
        Uri("https://h/?connect_timeout=ten"),
        "connect_timeout",
        &["\"ten\"", DURATION],
    ),
    row(
        Uri("https://h/?timeout=1e3"),
        "timeout",
        &["\"1e3\"", DURATION],
    ),
    row(Uri("https://h/?timeout=0"), "timeout", &["greater than 0"]),
    row(
        Uri("https://h/?connect_timeout=0s"),
        "connect_timeout",
        &["greater than 0"],
    ),
    row(
        Uri("https://h/?timeout.query_timeout=5x"),
        "timeout.query_timeout",
        &["\"5x\"", DURATION],
    ),
    row(
        Uri("https://h/?connectTimeoutMS=1,5"),
        "connectTimeoutMS",
        &["\"1,5\"", "milliseconds"],
    ),
    row(
        Uri("https://h/?connectTimeoutMS=0"),
        "connectTimeoutMS",
        &["greater than 0"],
    ),
    row(
        Uri("https://h/?socketTimeoutMS=-1"),
        "socketTimeoutMS",
        &["negative", "milliseconds"],
    ),
    row(
        Uri("https://h/?socketTimeoutMS=99999999999999999999999"),
        "socketTimeoutMS",
        &["too large"],
    ),
    row(
        Uri("https://h/?retry_interval=1x"),
        "retry_interval",
        &["\"1x\"", DURATION],
    ),
    row(
        Uri("https://h/?pool_size=10001"),
        "pool_size",
        &["too large", "0 to 10000"],
    ),
    row(
        Uri("https://h/?maxPoolSize=-1"),
        "maxPoolSize",
        &["\"-1\"", "0 to 10000"],
    ),
    row(
        Uri("https://h/?pool_size=eight"),
        "pool_size",
        &["\"eight\"", "0 to 10000"],
    ),
    row(
        Uri("https://h/?max_retries=101"),
        "max_retries",
        &["too large", "0 to 100"],
    ),
    row(
        Uri("https://h/?max_retries=99999999999999999999999"),
        "max_retries",
        &["too large", "0 to 100"],
    ),
    row(
        Uri("https://h/?host_order=fastest"),
        "host_order",
        &["\"fastest\"", "round_robin, ordered or random"],
    ),
    row(
        Uri("https://h/?ssl_ca_certs="),
        "ssl_ca_certs",
        &["empty", "PEM file"],
    ),
    row(Uri("https://h/?ssl_certfile="), "ssl_certfile", &["empty"]),
    row(Uri("https://h/?username="), "username", &["empty"]),
    row(
        Uri("https://h/?token="),
        "token",
        &["empty", "bearer token"],
    ),
    // Client certificates.
    row(
        Uri("https://h/?ssl_keyfile=/k.pem"),
        "ssl_keyfile",
        &["without ssl_certfile", "ssl_certfile=CERT.pem"],
    ),
    row(
        Uri("https://h/?sslkey=/k.pem"),
        "sslkey",
        &["sslkey=/k.pem", "without ssl_certfile"],
    ),
    secret(
        Uri("https://h/?ssl_pem_passphrase=SECRET-PP18"),
        "ssl_pem_passphrase",
        &["without a client certificate", "ssl_certfile"],
        &["SECRET-PP18"],
    ),
    secret(
        Uri("https://h/?ssl_keyfile=/k.pem&sslpassword=SECRET-PP19"),
        "ssl_keyfile",
        &["without ssl_certfile"],
        &["SECRET-PP19"],
    ),
    // TLS options with TLS off.
    row(
        Uri("http://h/?ssl_ca_certs=/ca.pem"),
        "ssl_ca_certs",
        &["TLS is off", "https://", "ssl=true"],
    ),
    row(
        Uri("http://h/?ssl_cert_reqs=CERT_NONE"),
        "ssl_cert_reqs",
        &["TLS option", "TLS is off"],
    ),
    row(
        Uri("http://h/?sslcert=/c.pem"),
        "sslcert",
        &["sslcert=/c.pem", "TLS is off"],
    ),
    secret(
        Uri("http://h/?ssl_certfile=/c.pem&ssl_pem_passphrase=SECRET-PP20"),
        "ssl_certfile",
        &["TLS is off"],
        &["SECRET-PP20"],
    ),
    row(
        Uri("http://h/?sslmode=disable&tlsAllowInvalidHostnames=true"),
        "tlsAllowInvalidHostnames",
        &["sslmode=disable", "TLS is off"],
    ),
    // Keyword options.
    row(
        NoUri(&[("ssl", "true")]),
        "uri",
        &["no connection URI", "https://localhost:4200"],
    ),
    row(
        Kw("https://h", &[("connect_timout", "5s")]),
        "connect_timout",
        &["unknown option", "did you mean \"connect_timeout\"?"],
    ),
    row(
        Kw("https://h", &[("ssl", "false")]),
        "ssl",
        &["https://", "plain"],
    ),
    row(
        Kw("https://h", &[("sslmode", "disable")]),
        "sslmode",
        &["https://"],
    ),
    row(
        Kw("https://h", &[("sslmode", "prefer")]),
        "sslmode",
        &["not supported", "sslmode=require"],
    ),
    row(
        Kw("http://h", &[("ssl", "false"), ("ssl_ca_certs", "/ca.pem")]),
        "ssl_ca_certs",
        &["ssl=false", "ssl_ca_certs=/ca.pem"],
    ),
    row(
        Kw("http://h", &[("tlsCAFile", "/ca.pem")]),
        "tlsCAFile",
        &["tlsCAFile=/ca.pem", "TLS is off"],
    ),
    row(
        Kw(
            "https://h",
            &[
                ("ssl_cert_reqs", "CERT_NONE"),
                ("tlsAllowInvalidCertificates", "false"),
            ],
        ),
        "tlsAllowInvalidCertificates",
        &[
            "ssl_cert_reqs=CERT_NONE",
            "tlsAllowInvalidCertificates=false",
        ],
    ),
    row(
        Kw(
            "https://h",
            &[("sslmode", "verify-full"), ("ssl_cert_reqs", "CERT_NONE")],
        ),
        "ssl_cert_reqs",
        &["sslmode=verify-full", "ssl_cert_reqs=CERT_NONE"],
    ),
    row(
        Kw("https://h", &[("verify_certs", "perhaps")]),
        "verify_certs",
        &["\"perhaps\"", BOOL],
    ),
    row(
        Kw("https://h", &[("connect_timeout", "-1s")]),
        "connect_timeout",
        &["negative"],
    ),
    row(
        Kw(
            "https://h",
            &[("timeout", "999999999999999999999999999999s")],
        ),
        "timeout",
        &["too large"],
    ),
    row(
        Kw("https://h", &[("pool_size", "1.5")]),
        "pool_size",
        &["\"1.5\"", "whole number"],
    ),
    row(
        Kw("https://h", &[("ssl_keyfile", "/k.pem")]),
        "ssl_keyfile",
        &["without ssl_certfile"],
    ),
    secret(
        Kw(
            "https://h",
            &[("tlsCertificateKeyFilePassword", "SECRET-PP21")],
        ),
        "tlsCertificateKeyFilePassword",
        &["without a client certificate"],
        &["SECRET-PP21"],
    ),
    secret(
        Kw(
            "https://h",
            &[("password", "SECRET-PW22"), ("password", "SECRET-PW23")],
        ),
        "password",
        &["conflicting", "password=***"],
        &["SECRET-PW22", "SECRET-PW23"],
    ),
    secret(
        Kw("https://h", &[("jwt_token", "")]),
        "jwt_token",
        &["empty"],
        &[],
    ),
    secret(
        Kw("https://h", &[("token", "SECRET-TOK24"), ("ssl", "maybe")]),
        "ssl",
        &["\"maybe\""],
        &["SECRET-TOK24"],
    ),
    // The first error wins over later options.
    row(
        Kw(
            "https://h",
            &[("ssl_cert_reqs", "none!"), ("pool_size", "x")],
        ),
        "ssl_cert_reqs",
        &["\"none!\""],
    ),
];

fn run(input: Input) -> httpdb::Result<Settings> {
    let (builder, opts) = match input {
        Uri(text) => return Settings::from_uri(text),
        Kw(text, opts) => (Settings::builder().uri(text), opts),
        NoUri(opts) => (Settings::builder(), opts),
    };
    opts.iter()
        .fold(builder, |b, (k, v)| b.option(k, v))
        .build()
}

#[test]
fn malformed_inputs_are_rejected_with_useful_messages() {
    assert!(ROWS.len() >= 45, "{} rows", ROWS.len());
    let mut failures = Vec::new();
    for row in ROWS {
        match run(row.input) {
            Err(e @ Error::Config { .. }) => {
                let shown = e.to_string();
                let debug = format!("{e:?}");
                let Error::Config {
                    option, message, ..
                } = e
                else {
                    unreachable!()
                };
                if option != row.option {
                    failures.push(format!(
                        "{:?}: option {option:?}, expected {:?} ({message})",
                        row.input, row.option
                    ));
                }
                for word in row.words {
                    if !message.contains(word) {
                        failures.push(format!(
                            "{:?}: message {message:?} lacks {word:?}",
                            row.input
                        ));
                    }
                }
                for s in row.secrets {
                    if shown.contains(s) || debug.contains(s) {
                        failures.push(format!("{:?}: message {message:?} leaks {s:?}", row.input));
                    }
                }
            }
            Err(other) => failures.push(format!("{:?}: not a config error: {other:?}", row.input)),
            Ok(s) => failures.push(format!("{:?}: accepted as {s:?}", row.input)),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} rows failed:\n{}",
        failures.len(),
        ROWS.len(),
        failures.join("\n")
    );
}

/// Typed setters pass through the same checks as the same option as text.
#[test]
fn typed_setters_are_checked_like_options() {
    let cases: Vec<(httpdb::SettingsBuilder, httpdb::SettingsBuilder, &str)> = vec![
        (
            Settings::builder()
                .uri("https://h")
                .connect_timeout(Duration::ZERO),
            Settings::builder()
                .uri("https://h")
                .option("connect_timeout", "0"),
            "connect_timeout",
        ),
        (
            Settings::builder().uri("https://h").timeout(Duration::ZERO),
            Settings::builder().uri("https://h").option("timeout", "0"),
            "timeout",
        ),
        (
            Settings::builder().uri("https://h").pool_size(10_001),
            Settings::builder()
                .uri("https://h")
                .option("pool_size", "10001"),
            "pool_size",
        ),
        (
            Settings::builder().uri("https://h").max_retries(101),
            Settings::builder()
                .uri("https://h")
                .option("max_retries", "101"),
            "max_retries",
        ),
        (
            Settings::builder().uri("https://h").token(""),
            Settings::builder().uri("https://h").option("token", ""),
            "token",
        ),
        (
            Settings::builder().uri("https://h").username(""),
            Settings::builder().uri("https://h").option("username", ""),
            "username",
        ),
        (
            Settings::builder().uri("https://h").ssl_certfile(""),
            Settings::builder()
                .uri("https://h")
                .option("ssl_certfile", ""),
            "ssl_certfile",
        ),
        (
            Settings::builder()
                .uri("https://h")
                .ssl_certfile("/c.pem")
                .ssl_keyfile(""),
            Settings::builder()
                .uri("https://h")
                .option("ssl_certfile", "/c.pem")
                .option("ssl_keyfile", ""),
            "ssl_keyfile",
        ),
        (
            Settings::builder()
                .uri("https://h")
                .ssl_ca_certs(CaCerts::File("".into())),
            Settings::builder()
                .uri("https://h")
                .option("ssl_ca_certs", ""),
            "ssl_ca_certs",
        ),
        (
            Settings::builder().uri("https://h").ssl(false),
            Settings::builder().uri("https://h").option("ssl", "false"),
            "ssl",
        ),
        (
            Settings::builder().uri("https://h").ssl_keyfile("/k.pem"),
            Settings::builder()
                .uri("https://h")
                .option("ssl_keyfile", "/k.pem"),
            "ssl_keyfile",
        ),
        (
            Settings::builder()
                .uri("https://h")
                .pool_size(1)
                .pool_size(2),
            Settings::builder()
                .uri("https://h")
                .option("pool_size", "1")
                .option("pool_size", "2"),
            "pool_size",
        ),
    ];
    for (typed, text, option) in cases {
        let typed = typed.build();
        let text = text.build();
        match (&typed, &text) {
            (
                Err(Error::Config {
                    option: a,
                    message: m,
                    ..
                }),
                Err(Error::Config { option: b, .. }),
            ) => {
                assert_eq!(a, option, "{m}");
                assert_eq!(b, option);
            }
            _ => panic!("{option}: typed {typed:?}, as text {text:?}"),
        }
    }
}

#[test]
fn a_ca_file_named_system_is_refused() {
    // As text `system` is the OS store, so such a file could not be written
    // back into a URI; `./system` can.
    for name in ["system", "SYSTEM"] {
        let e = Settings::builder()
            .uri("https://h")
            .ssl_ca_certs(CaCerts::File(name.into()))
            .build()
            .unwrap_err();
        match e {
            Error::Config {
                option, message, ..
            } => {
                assert_eq!(option, "ssl_ca_certs");
                assert!(message.contains("./system"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }
    let s = Settings::builder()
        .uri("https://h")
        .ssl_ca_certs(CaCerts::File("./system".into()))
        .build()
        .unwrap();
    assert_eq!(Settings::from_uri(&s.to_uri_with_secrets()).unwrap(), s);
}

#[test]
fn the_first_keyword_error_is_reported() {
    let e = Settings::builder()
        .uri("https://h")
        .option("nope", "1")
        .option("pool_size", "x")
        .build()
        .unwrap_err();
    assert!(
        matches!(&e, Error::Config { option, .. } if option == "nope"),
        "{e:?}"
    );
    // A keyword error wins over a bad URI: keywords are checked as they are given.
    let e = Settings::builder()
        .uri("ftp://h")
        .option("pool_size", "x")
        .build()
        .unwrap_err();
    assert!(
        matches!(&e, Error::Config { option, .. } if option == "pool_size"),
        "{e:?}"
    );
}

#[test]
fn config_errors_carry_no_source_unless_there_is_one() {
    let e = Settings::from_uri("https://h:0").unwrap_err();
    assert!(std::error::Error::source(&e).is_none());
}
