//! Connection settings: the URI grammar, the option vocabulary and its
//! aliases, precedence of keyword options over the URI, defaults, redaction.
//!
//! Expected values are built through the public API wherever possible, in the
//! style of tokio-postgres' `check(uri, expected)` tests.

use std::path::Path;
use std::time::Duration;

use httpdb::{
    CaCerts, CertReqs, DEFAULT_CONNECT_TIMEOUT, DEFAULT_POOL_SIZE, DEFAULT_RETRY_INTERVAL,
    DEFAULT_TIMEOUT, Error, Host, HostOrder, Secret, Settings, SettingsBuilder,
};

// ---------------------------------------------------------------- helpers

/// Parses `uri` and asserts it yields exactly `expected`.
#[track_caller]
fn check(uri: &str, expected: Settings) {
    let actual = Settings::from_uri(uri).unwrap_or_else(|e| panic!("{uri}: {e}"));
    assert_eq!(actual, expected, "{uri}");
}

/// Parses a URI that must be valid.
#[track_caller]
fn parse(uri: &str) -> Settings {
    Settings::from_uri(uri).unwrap_or_else(|e| panic!("{uri}: {e}"))
}

/// A builder holding `uri`.
fn uri(uri: &str) -> SettingsBuilder {
    Settings::builder().uri(uri)
}

/// Builds, panicking with the error.
#[track_caller]
fn build(b: SettingsBuilder) -> Settings {
    let shown = format!("{b:?}");
    b.build().unwrap_or_else(|e| panic!("{shown}: {e}"))
}

/// `uri` with the keyword options `opts` on top.
#[track_caller]
fn with(base: &str, opts: &[(&str, &str)]) -> Settings {
    let mut b = uri(base);
    for (k, v) in opts {
        b = b.option(k, v);
    }
    build(b)
}

/// The `(option, message)` of a config error; panics on success or another error.
#[track_caller]
fn config_error(result: httpdb::Result<Settings>) -> (String, String) {
    match result {
        Err(Error::Config {
            option, message, ..
        }) => (option, message),
        Err(other) => panic!("expected Error::Config, got {other:?}"),
        Ok(s) => panic!("expected an error, got {s:?}"),
    }
}

#[track_caller]
fn assert_contains(haystack: &str, needles: &[&str]) {
    for needle in needles {
        assert!(
            haystack.contains(needle),
            "{haystack:?} should contain {needle:?}"
        );
    }
}

fn host(name: &str, port: u16) -> Host {
    Host::new(name, port)
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

fn expose(s: Option<&Secret>) -> Option<&str> {
    s.map(Secret::expose)
}

// ---------------------------------------------------------------- defaults

#[test]
fn default_constants() {
    assert_eq!(DEFAULT_CONNECT_TIMEOUT, secs(10));
    assert_eq!(DEFAULT_TIMEOUT, secs(30));
    assert_eq!(DEFAULT_RETRY_INTERVAL, secs(30));
    assert_eq!(DEFAULT_POOL_SIZE, 32);
}

#[test]
fn defaults_of_every_accessor() {
    let s = parse("https://h");
    assert_eq!(s.hosts(), [host("h", 443)]);
    assert!(s.tls());
    assert_eq!(s.path(), "/");
    assert_eq!(s.ssl_cert_reqs(), CertReqs::Required);
    assert!(s.ssl_match_hostname());
    assert_eq!(s.ssl_ca_certs(), &CaCerts::System);
    assert_eq!(s.ssl_certfile(), None);
    assert_eq!(s.ssl_keyfile(), None);
    assert!(s.ssl_pem_passphrase().is_none());
    assert_eq!(s.username(), None);
    assert!(s.password().is_none());
    assert!(s.token().is_none());
    assert_eq!(s.connect_timeout(), DEFAULT_CONNECT_TIMEOUT);
    assert_eq!(s.timeout(), DEFAULT_TIMEOUT);
    assert_eq!(s.retry_interval(), DEFAULT_RETRY_INTERVAL);
    assert_eq!(s.pool_size(), DEFAULT_POOL_SIZE);
    assert_eq!(s.host_order(), HostOrder::RoundRobin);
    // One host: 2 retries, 3 tries in all.
    assert_eq!(s.max_retries(), 2);
    assert_eq!(s.to_uri(), "https://h:443/");

    let plain = parse("http://h");
    assert_eq!(plain.hosts(), [host("h", 80)]);
    assert!(!plain.tls());
    assert_eq!(plain.to_uri(), "http://h:80/");

    // max_retries defaults to a try per host, and at least 2 retries.
    assert_eq!(parse("https://a,b").max_retries(), 2);
    assert_eq!(parse("https://a,b,c").max_retries(), 2);
    assert_eq!(parse("https://a,b,c,d,e").max_retries(), 4);
}

#[test]
fn defaults_written_explicitly_change_nothing() {
    check(
        "https://h/?ssl=true&ssl_cert_reqs=CERT_REQUIRED&ssl_match_hostname=true&ssl_ca_certs=system\
         &connect_timeout=10s&timeout=30s&retry_interval=30s&pool_size=32&host_order=round_robin",
        parse("https://h"),
    );
    check("http://h/?ssl=false", parse("http://h"));
    // Canonical form: options at their defaults are left out.
    assert_eq!(
        parse("https://h/?ssl_ca_certs=system&pool_size=32").to_uri(),
        "https://h:443/"
    );
}

#[test]
fn no_uri_is_an_error() {
    let (option, message) = config_error(Settings::builder().option("ssl", "true").build());
    assert_eq!(option, "uri");
    assert_contains(&message, &["no connection URI"]);
}

// ---------------------------------------------------------------- grammar

#[test]
fn schemes_and_default_ports() {
    check("https://h", build(uri("https://h:443")));
    check("http://h", build(uri("http://h:80")));
    check("HTTPS://h", parse("https://h"));
    check("Http://h", parse("http://h"));
    // http with ssl=true is TLS, and TLS defaults to 443.
    check("http://h/?ssl=true", parse("https://h"));
    check("http://h:80/?ssl=true", parse("https://h:80"));
}

#[test]
fn paths() {
    assert_eq!(parse("https://h").path(), "/");
    assert_eq!(parse("https://h/").path(), "/");
    assert_eq!(parse("https://h/db").path(), "/db");
    assert_eq!(parse("https://h/db/").path(), "/db");
    assert_eq!(
        parse("https://h:1/a/b?ssl_cert_reqs=CERT_NONE").path(),
        "/a/b"
    );
    assert_eq!(parse("https://h/db%20x").path(), "/db%20x");
    check("https://h?pool_size=3", parse("https://h/?pool_size=3"));
}

#[test]
fn multi_host_and_ports_per_host() {
    let s = parse("https://a:4200,b,c:9");
    assert_eq!(s.hosts(), [host("a", 4200), host("b", 443), host("c", 9)]);
    let s = parse("http://a:4200,b,c:9");
    assert_eq!(s.hosts(), [host("a", 4200), host("b", 80), host("c", 9)]);
    let s = parse("https://u:p@db1.example.com:1,10.0.0.2/db");
    assert_eq!(
        s.hosts(),
        [host("db1.example.com", 1), host("10.0.0.2", 443)]
    );
    assert_eq!(s.path(), "/db");
    assert_eq!(s.username(), Some("u"));
    assert_eq!(s.max_retries(), 2);
    // Host names are case-insensitive and normalized to lower case.
    check("https://DB1:4200,Db2", parse("https://db1:4200,db2"));
    // Order is kept.
    assert_ne!(parse("https://a,b"), parse("https://b,a"));
    assert_eq!(parse("https://a:65535").hosts(), [host("a", 65535)]);
    assert_eq!(parse("https://a:1").hosts(), [host("a", 1)]);
}

#[test]
fn ipv6_hosts() {
    assert_eq!(parse("https://[::1]:4200").hosts(), [host("::1", 4200)]);
    assert_eq!(parse("https://[::1]").hosts(), [host("::1", 443)]);
    assert_eq!(parse("http://[::1]").hosts(), [host("::1", 80)]);
    assert_eq!(parse("https://[::1]/db").path(), "/db");
    assert_eq!(
        parse("https://[::1]:4200,db,[fe80::1],10.1.2.3:9").hosts(),
        [
            host("::1", 4200),
            host("db", 443),
            host("fe80::1", 443),
            host("10.1.2.3", 9)
        ]
    );
    assert_eq!(parse("https://[FE80::AB]:1").hosts(), [host("fe80::ab", 1)]);
    assert_eq!(parse("https://u:p@[::1]:4200").username(), Some("u"));
    // Display brackets IPv6 addresses.
    assert_eq!(host("::1", 4200).to_string(), "[::1]:4200");
    assert_eq!(host("db", 1).to_string(), "db:1");
    assert_eq!(
        parse("https://[::1],db").to_uri(),
        "https://[::1]:443,db:443/"
    );
}

#[test]
fn percent_encoded_credentials() {
    let s = parse("https://us%20er:p%40ss@h");
    assert_eq!(s.username(), Some("us er"));
    assert_eq!(expose(s.password()), Some("p@ss"));
    let s = parse("https://%E2%9C%93:%3A%2F%3F%23%25%26%3D@h");
    assert_eq!(s.username(), Some("✓"));
    assert_eq!(expose(s.password()), Some(":/?#%&="));
    // Keyword values are not percent-decoded.
    check(
        "https://u:p%40ss@h",
        build(
            uri("https://h")
                .option("username", "u")
                .option("password", "p@ss"),
        ),
    );
    assert_eq!(
        expose(build(uri("https://h").option("password", "p%40ss")).password()),
        Some("p%40ss")
    );
    // A user without a password, and an empty password.
    let s = parse("https://u@h");
    assert_eq!(s.username(), Some("u"));
    assert!(s.password().is_none());
    let s = parse("https://u:@h");
    assert_eq!(expose(s.password()), Some(""));
}

#[test]
fn credentials_split_at_the_last_at_inside_the_authority() {
    let s = parse("https://us@r:p@ss@h:1");
    assert_eq!(s.username(), Some("us@r"));
    assert_eq!(expose(s.password()), Some("p@ss"));
    assert_eq!(s.hosts(), [host("h", 1)]);
    // The first ':' of the userinfo separates user and password.
    let s = parse("https://u:a:b@h");
    assert_eq!(s.username(), Some("u"));
    assert_eq!(expose(s.password()), Some("a:b"));
}

#[test]
fn at_in_a_query_value_is_not_userinfo() {
    let s = parse("https://h:1/?username=a@b&password=c@d");
    assert_eq!(s.hosts(), [host("h", 1)]);
    assert_eq!(s.username(), Some("a@b"));
    assert_eq!(expose(s.password()), Some("c@d"));
    let s = parse("https://h?token=x@y");
    assert_eq!(s.hosts(), [host("h", 443)]);
    assert_eq!(expose(s.token()), Some("x@y"));
    let s = parse("https://h/db?ssl_ca_certs=/a@b/ca.pem");
    assert_eq!(s.hosts(), [host("h", 443)]);
    assert_eq!(s.ssl_ca_certs(), &CaCerts::File("/a@b/ca.pem".into()));
}

#[test]
fn option_values_are_percent_decoded() {
    let s = parse("https://h/?ssl_ca_certs=/etc/my%20certs/ca%26b%3Dc%25.pem&token=a%2Bb%3D");
    assert_eq!(
        s.ssl_ca_certs(),
        &CaCerts::File("/etc/my certs/ca&b=c%.pem".into())
    );
    assert_eq!(expose(s.token()), Some("a+b="));
    // '+' is not a space.
    assert_eq!(parse("https://h/?username=a+b").username(), Some("a+b"));
    // Option names may be percent-encoded too, and empty pairs are skipped.
    check(
        "https://h/?%73sl_cert_reqs=CERT_NONE&&",
        parse("https://h/?ssl_cert_reqs=CERT_NONE"),
    );
}

// ---------------------------------------------------------------- vocabulary

/// Each canonical option, written in the URI, as a keyword through
/// `.option`, and through its typed setter, gives the same settings, and the
/// accessor shows the value.
#[test]
fn ssl_row() {
    let expected = build(uri("http://h").ssl(true));
    assert!(expected.tls());
    assert_eq!(expected.hosts(), [host("h", 443)]);
    check("http://h/?ssl=true", expected.clone());
    assert_eq!(with("http://h", &[("ssl", "true")]), expected);
    assert_eq!(expected, parse("https://h"));

    let off = build(uri("http://h").ssl(false));
    check("http://h/?ssl=false", off.clone());
    assert_eq!(with("http://h", &[("ssl", "false")]), off);
    assert!(!off.tls());
    // ssl=true on an https URI is harmless.
    assert_eq!(build(uri("https://h").ssl(true)), parse("https://h"));
}

#[test]
fn booleans_accept_every_spelling() {
    for t in ["true", "TRUE", "True", "1", "yes", "YES", "on", "On"] {
        assert!(parse(&format!("http://h/?ssl={t}")).tls(), "{t}");
        assert!(with("http://h", &[("ssl", t)]).tls(), "{t}");
    }
    for f in ["false", "FALSE", "0", "no", "No", "off", "OFF"] {
        assert!(!parse(&format!("http://h/?ssl={f}")).tls(), "{f}");
        assert!(
            !parse(&format!("https://h/?ssl_match_hostname={f}")).ssl_match_hostname(),
            "{f}"
        );
    }
}

#[test]
fn ssl_cert_reqs_row() {
    for (text, reqs) in [
        ("CERT_NONE", CertReqs::None),
        ("CERT_OPTIONAL", CertReqs::Optional),
        ("CERT_REQUIRED", CertReqs::Required),
    ] {
        let expected = build(uri("https://h").ssl_cert_reqs(reqs));
        assert_eq!(expected.ssl_cert_reqs(), reqs);
        assert_eq!(reqs.as_str(), text);
        assert_eq!(reqs.to_string(), text);
        check(
            &format!("https://h/?ssl_cert_reqs={text}"),
            expected.clone(),
        );
        check(
            &format!("https://h/?ssl_cert_reqs={}", text.to_lowercase()),
            expected.clone(),
        );
        assert_eq!(with("https://h", &[("ssl_cert_reqs", text)]), expected);
    }
    assert!(!parse("https://h/?ssl_cert_reqs=CERT_NONE").ssl_match_hostname());
    assert!(parse("https://h/?ssl_cert_reqs=CERT_OPTIONAL").ssl_match_hostname());
    assert!(CertReqs::Optional.verifies());
    assert!(!CertReqs::None.verifies());
    assert_eq!(CertReqs::verify(true), CertReqs::Required);
    assert_eq!(CertReqs::verify(false), CertReqs::None);
}

#[test]
fn ssl_match_hostname_row() {
    let expected = build(uri("https://h").ssl_match_hostname(false));
    assert!(!expected.ssl_match_hostname());
    assert_eq!(expected.ssl_cert_reqs(), CertReqs::Required);
    check("https://h/?ssl_match_hostname=false", expected.clone());
    assert_eq!(
        with("https://h", &[("ssl_match_hostname", "false")]),
        expected
    );
    assert_eq!(expected.to_uri(), "https://h:443/?ssl_match_hostname=false");
    check(
        "https://h/?ssl_match_hostname=true",
        build(uri("https://h").ssl_match_hostname(true)),
    );
    // Without verification there is no host-name check.
    assert_eq!(
        build(
            uri("https://h")
                .ssl_cert_reqs(CertReqs::None)
                .ssl_match_hostname(false)
        ),
        parse("https://h/?ssl_cert_reqs=CERT_NONE"),
    );
}

#[test]
fn ssl_ca_certs_row() {
    let expected = build(uri("https://h").ssl_ca_certs(CaCerts::File("/etc/ca.pem".into())));
    assert_eq!(
        expected.ssl_ca_certs(),
        &CaCerts::File("/etc/ca.pem".into())
    );
    check("https://h/?ssl_ca_certs=/etc/ca.pem", expected.clone());
    assert_eq!(
        with("https://h", &[("ssl_ca_certs", "/etc/ca.pem")]),
        expected
    );

    let system = build(uri("https://h").ssl_ca_certs(CaCerts::System));
    assert_eq!(system, parse("https://h"));
    check("https://h/?ssl_ca_certs=system", system.clone());
    check("https://h/?ssl_ca_certs=SYSTEM", system.clone());
    assert_eq!(with("https://h", &[("ssl_ca_certs", "system")]), system);
    // Relative paths stay as written.
    assert_eq!(
        parse("https://h/?ssl_ca_certs=certs/ca.pem").ssl_ca_certs(),
        &CaCerts::File("certs/ca.pem".into())
    );
}

#[test]
fn client_certificate_rows() {
    let expected = build(
        uri("https://h")
            .ssl_certfile("/c.pem")
            .ssl_keyfile("/k.pem")
            .ssl_pem_passphrase("pp"),
    );
    assert_eq!(expected.ssl_certfile(), Some(Path::new("/c.pem")));
    assert_eq!(expected.ssl_keyfile(), Some(Path::new("/k.pem")));
    assert_eq!(expose(expected.ssl_pem_passphrase()), Some("pp"));
    check(
        "https://h/?ssl_certfile=/c.pem&ssl_keyfile=/k.pem&ssl_pem_passphrase=pp",
        expected.clone(),
    );
    assert_eq!(
        with(
            "https://h",
            &[
                ("ssl_certfile", "/c.pem"),
                ("ssl_keyfile", "/k.pem"),
                ("ssl_pem_passphrase", "pp")
            ]
        ),
        expected
    );
    // A certificate alone (key inside it, or a PKCS#12 bundle).
    let alone = build(uri("https://h").ssl_certfile("/bundle.p12"));
    check("https://h/?ssl_certfile=/bundle.p12", alone.clone());
    assert_eq!(alone.ssl_keyfile(), None);
    // The passphrase with a certificate but no separate key.
    check(
        "https://h/?ssl_certfile=/b.p12&ssl_pem_passphrase=x",
        build(
            uri("https://h")
                .ssl_certfile("/b.p12")
                .ssl_pem_passphrase("x"),
        ),
    );
}

#[test]
fn sslmode_row() {
    // disable: plain.
    check("http://h/?sslmode=disable", parse("http://h"));
    assert_eq!(
        with("http://h", &[("sslmode", "disable")]),
        parse("http://h")
    );
    // require: TLS, verified only when a CA file is given.
    let require = parse("http://h/?sslmode=require");
    assert!(require.tls());
    assert_eq!(require.ssl_cert_reqs(), CertReqs::None);
    assert!(!require.ssl_match_hostname());
    assert_eq!(require, parse("https://h/?ssl_cert_reqs=CERT_NONE"));
    assert_eq!(with("http://h", &[("sslmode", "require")]), require);
    let with_ca = parse("https://h/?sslmode=require&sslrootcert=/ca.pem");
    assert_eq!(with_ca.ssl_cert_reqs(), CertReqs::Required);
    assert!(!with_ca.ssl_match_hostname());
    assert_eq!(
        with_ca,
        parse("https://h/?ssl_ca_certs=/ca.pem&ssl_match_hostname=false")
    );
    // verify-ca: the chain, not the name; only against a CA file of one's
    // own, as libpq: against public roots any certificate for any name
    // would pass.
    let verify_ca = parse("http://h/?sslmode=verify-ca&sslrootcert=/ca.pem");
    assert_eq!(
        verify_ca,
        parse("https://h/?ssl_match_hostname=false&ssl_ca_certs=/ca.pem")
    );
    assert_eq!(
        with("http://h/?sslrootcert=/ca.pem", &[("sslmode", "verify-ca")]),
        verify_ca
    );
    for weak in [
        "https://h/?sslmode=verify-ca",
        "https://h/?sslmode=verify-ca&sslrootcert=system",
        "https://h/?sslmode=verify-ca&tlsCAFile=SYSTEM",
    ] {
        let (option, message) = config_error(Settings::from_uri(weak));
        assert_eq!(option, "sslmode", "{weak}");
        assert_contains(
            &message,
            &[
                "weak sslmode=verify-ca",
                "not the host name",
                "any publicly issued certificate",
                "sslmode=verify-full",
                "sslrootcert=FILE",
            ],
        );
    }
    // require with the system store named: libpq refuses it; it would
    // verify nothing.
    let (option, message) = config_error(Settings::from_uri(
        "https://h/?sslrootcert=system&sslmode=require",
    ));
    assert_eq!(option, "sslmode");
    assert_contains(
        &message,
        &[
            "weak sslmode=require may not be used with sslrootcert=system",
            "use sslmode=verify-full",
        ],
    );
    // A later keyword that asks for the host name makes verify-ca strong.
    assert!(
        with(
            "https://h/?sslmode=verify-ca",
            &[("ssl_match_hostname", "true")]
        )
        .ssl_match_hostname()
    );
    // verify-full: everything (the default of https).
    check("http://h/?sslmode=verify-full", parse("https://h"));
    check("http://h/?sslmode=VERIFY-FULL", parse("https://h"));
    assert_eq!(
        with("http://h", &[("sslmode", "verify-full")]),
        parse("https://h")
    );
    check(
        "https://h/?sslmode=verify-full&sslrootcert=/ca.pem",
        parse("https://h/?ssl_ca_certs=/ca.pem"),
    );
}

#[test]
fn timeout_rows() {
    let cases: &[(&str, Duration)] = &[
        ("5", secs(5)),
        ("1.5", ms(1_500)),
        ("0.25", ms(250)),
        ("30s", secs(30)),
        ("1500ms", ms(1_500)),
        ("2m", secs(120)),
        ("1h30m", secs(5_400)),
        ("250us", Duration::from_micros(250)),
        ("7ns", Duration::from_nanos(7)),
        (".5s", ms(500)),
    ];
    for &(text, d) in cases {
        let expected = build(uri("https://h").connect_timeout(d));
        assert_eq!(expected.connect_timeout(), d, "{text}");
        check(
            &format!("https://h/?connect_timeout={text}"),
            expected.clone(),
        );
        check(
            &format!("https://h/?timeout.connect_timeout={text}"),
            expected.clone(),
        );
        assert_eq!(with("https://h", &[("connect_timeout", text)]), expected);

        let expected = build(uri("https://h").timeout(d));
        assert_eq!(expected.timeout(), d, "{text}");
        check(&format!("https://h/?timeout={text}"), expected.clone());
        check(
            &format!("https://h/?timeout.query_timeout={text}"),
            expected.clone(),
        );
        assert_eq!(with("https://h", &[("timeout", text)]), expected);
    }
    check(
        "https://h/?connectTimeoutMS=1500",
        build(uri("https://h").connect_timeout(ms(1_500))),
    );
    check(
        "https://h/?socketTimeoutMS=2500",
        build(uri("https://h").read_timeout(ms(2_500))),
    );
    check(
        "https://h/?read_timeout=2.5s",
        build(uri("https://h").read_timeout(ms(2_500))),
    );
    check(
        "https://h/?maxIdleTimeMS=1500",
        build(uri("https://h").pool_idle_timeout(ms(1_500))),
    );
    check(
        "https://h/?pool_idle_timeout=1.5s",
        build(uri("https://h").pool_idle_timeout(ms(1_500))),
    );
    assert_eq!(
        with("https://h", &[("connectTimeoutMS", "1")]).connect_timeout(),
        ms(1)
    );
    assert_eq!(
        with("https://h", &[("socketTimeoutMS", "60000")]).read_timeout(),
        secs(60)
    );
}

#[test]
fn credential_rows() {
    let expected = build(uri("https://h").username("admin").password("pw"));
    assert_eq!(expected.username(), Some("admin"));
    assert_eq!(expose(expected.password()), Some("pw"));
    check("https://admin:pw@h", expected.clone());
    check("https://h/?username=admin&password=pw", expected.clone());
    assert_eq!(
        with("https://h", &[("username", "admin"), ("password", "pw")]),
        expected
    );
    // The userinfo and the query may say the same thing twice.
    check(
        "https://admin:pw@h/?username=admin&password=pw",
        expected.clone(),
    );

    // A password without a user name (the server may only want a password).
    let pw_only = build(uri("https://h").password("pw"));
    assert_eq!(pw_only.username(), None);
    check("https://h/?password=pw", pw_only);

    let token = build(uri("https://h").token("eyJ.abc.def"));
    assert_eq!(expose(token.token()), Some("eyJ.abc.def"));
    check("https://h/?token=eyJ.abc.def", token.clone());
    assert_eq!(with("https://h", &[("token", "eyJ.abc.def")]), token);
}

#[test]
fn retry_pool_order_rows() {
    let expected = build(uri("https://h").retry_interval(secs(5)));
    assert_eq!(expected.retry_interval(), secs(5));
    check("https://h/?retry_interval=5s", expected.clone());
    check("https://h/?retry_interval=5", expected.clone());
    assert_eq!(with("https://h", &[("retry_interval", "5000ms")]), expected);
    // A zero retry interval is allowed (retry failed hosts at once).
    assert_eq!(
        parse("https://h/?retry_interval=0").retry_interval(),
        Duration::ZERO
    );
    assert_eq!(
        build(uri("https://h").retry_interval(Duration::ZERO)).retry_interval(),
        Duration::ZERO
    );

    for n in [0usize, 1, 8, 100, 10_000] {
        let expected = build(uri("https://h").pool_size(n));
        assert_eq!(expected.pool_size(), n);
        check(&format!("https://h/?pool_size={n}"), expected.clone());
        assert_eq!(
            with("https://h", &[("pool_size", &n.to_string())]),
            expected
        );
    }

    for (text, order) in [
        ("round_robin", HostOrder::RoundRobin),
        ("ordered", HostOrder::Ordered),
    ] {
        let expected = build(uri("https://a,b").host_order(order));
        assert_eq!(expected.host_order(), order);
        assert_eq!(order.as_str(), text);
        check(&format!("https://a,b/?host_order={text}"), expected.clone());
        check(
            &format!("https://a,b/?host_order={}", text.to_uppercase()),
            expected.clone(),
        );
        assert_eq!(with("https://a,b", &[("host_order", text)]), expected);
    }

    for n in [0usize, 1, 5, 100] {
        let expected = build(uri("https://a,b").max_retries(n));
        assert_eq!(expected.max_retries(), n);
        check(&format!("https://a,b/?max_retries={n}"), expected.clone());
        assert_eq!(
            with("https://a,b", &[("max_retries", &n.to_string())]),
            expected
        );
    }
    // Setting max_retries to the default is still remembered as set.
    assert_eq!(
        parse("https://a,b/?max_retries=2").max_retries(),
        parse("https://a,b").max_retries()
    );
}

// ---------------------------------------------------------------- aliases

/// Every alias, in the URI and as a keyword, equals its canonical option.
#[test]
fn every_alias_equals_its_canonical_option() {
    // (base URI, alias, value, canonical option, canonical value)
    let table: &[(&str, &str, &str, &str, &str)] = &[
        ("http://h", "tls", "true", "ssl", "true"),
        ("http://h", "use_ssl", "yes", "ssl", "true"),
        ("http://h", "tls", "off", "ssl", "false"),
        (
            "https://h",
            "verify_ssl_cert",
            "false",
            "ssl_cert_reqs",
            "CERT_NONE",
        ),
        (
            "https://h",
            "verify_ssl_cert",
            "true",
            "ssl_cert_reqs",
            "CERT_REQUIRED",
        ),
        (
            "https://h",
            "verify_certs",
            "false",
            "ssl_cert_reqs",
            "CERT_NONE",
        ),
        (
            "https://h",
            "verify_certs",
            "1",
            "ssl_cert_reqs",
            "CERT_REQUIRED",
        ),
        (
            "https://h",
            "tlsAllowInvalidCertificates",
            "true",
            "ssl_cert_reqs",
            "CERT_NONE",
        ),
        (
            "https://h",
            "tlsAllowInvalidCertificates",
            "false",
            "ssl_cert_reqs",
            "CERT_REQUIRED",
        ),
        (
            "https://h",
            "ssl_assert_hostname",
            "false",
            "ssl_match_hostname",
            "false",
        ),
        (
            "https://h",
            "tlsAllowInvalidHostnames",
            "true",
            "ssl_match_hostname",
            "false",
        ),
        (
            "https://h",
            "tlsAllowInvalidHostnames",
            "false",
            "ssl_match_hostname",
            "true",
        ),
        ("https://h", "ca_cert", "/ca.pem", "ssl_ca_certs", "/ca.pem"),
        (
            "https://h",
            "ca_certs",
            "/ca.pem",
            "ssl_ca_certs",
            "/ca.pem",
        ),
        (
            "https://h",
            "tlsCAFile",
            "/ca.pem",
            "ssl_ca_certs",
            "/ca.pem",
        ),
        (
            "https://h",
            "sslrootcert",
            "/ca.pem",
            "ssl_ca_certs",
            "/ca.pem",
        ),
        (
            "https://h",
            "sslrootcert",
            "system",
            "ssl_ca_certs",
            "system",
        ),
        ("https://h", "cert_file", "/c.pem", "ssl_certfile", "/c.pem"),
        (
            "https://h",
            "client_cert",
            "/c.pem",
            "ssl_certfile",
            "/c.pem",
        ),
        (
            "https://h",
            "tlsCertificateKeyFile",
            "/c.pem",
            "ssl_certfile",
            "/c.pem",
        ),
        ("https://h", "sslcert", "/c.pem", "ssl_certfile", "/c.pem"),
        (
            "https://h",
            "timeout.connect_timeout",
            "5s",
            "connect_timeout",
            "5s",
        ),
        (
            "https://h",
            "connectTimeoutMS",
            "5000",
            "connect_timeout",
            "5s",
        ),
        ("https://h", "timeout.query_timeout", "45", "timeout", "45s"),
        ("https://h", "request_timeout", "45", "timeout", "45s"),
        (
            "https://h",
            "socketTimeoutMS",
            "45000",
            "read_timeout",
            "45s",
        ),
        (
            "https://h",
            "maxIdleTimeMS",
            "2000",
            "pool_idle_timeout",
            "2s",
        ),
        ("https://h", "jwt", "tok", "token", "tok"),
        ("https://h", "jwt_token", "tok", "token", "tok"),
        ("https://h", "maxPoolSize", "3", "pool_size", "3"),
    ];
    for &(base, alias, value, canonical, canonical_value) in table {
        let expected = with(base, &[(canonical, canonical_value)]);
        for key in [
            alias.to_string(),
            alias.to_uppercase(),
            alias.to_lowercase(),
        ] {
            check(&format!("{base}/?{key}={value}"), expected.clone());
            assert_eq!(with(base, &[(&key, value)]), expected, "{key}={value}");
        }
    }

    // Aliases that need a client certificate next to them.
    let cert = ("ssl_certfile", "/c.pem");
    for (alias, value, canonical) in [
        ("key_file", "/k.pem", "ssl_keyfile"),
        ("client_key", "/k.pem", "ssl_keyfile"),
        ("sslkey", "/k.pem", "ssl_keyfile"),
        ("tlsCertificateKeyFilePassword", "pp", "ssl_pem_passphrase"),
        ("sslpassword", "pp", "ssl_pem_passphrase"),
    ] {
        let expected = with("https://h", &[cert, (canonical, value)]);
        check(
            &format!("https://h/?ssl_certfile=/c.pem&{alias}={value}"),
            expected.clone(),
        );
        assert_eq!(
            with("https://h", &[cert, (alias, value)]),
            expected,
            "{alias}"
        );
    }

    // tlsInsecure sets two fields at once.
    let insecure = build(
        uri("https://h")
            .ssl_cert_reqs(CertReqs::None)
            .ssl_match_hostname(false),
    );
    check("https://h/?tlsInsecure=true", insecure.clone());
    assert_eq!(with("https://h", &[("tlsinsecure", "yes")]), insecure);
    check("https://h/?tlsInsecure=false", parse("https://h"));
}

#[test]
fn alias_accessor_values() {
    // alias=value -> the accessor it drives.
    let s = parse("https://h/?tlsAllowInvalidCertificates=true");
    assert_eq!(s.ssl_cert_reqs(), CertReqs::None);
    assert!(!s.ssl_match_hostname());
    let s = parse("https://h/?tlsAllowInvalidHostnames=true");
    assert_eq!(s.ssl_cert_reqs(), CertReqs::Required);
    assert!(!s.ssl_match_hostname());
    let s = parse("https://h/?tlsInsecure=true");
    assert_eq!(
        (s.ssl_cert_reqs(), s.ssl_match_hostname()),
        (CertReqs::None, false)
    );
    assert_eq!(
        parse("https://h/?tlsCAFile=/x.pem").ssl_ca_certs(),
        &CaCerts::File("/x.pem".into())
    );
    assert_eq!(
        parse("https://h/?sslcert=/c.pem&sslkey=/k.pem").ssl_keyfile(),
        Some(Path::new("/k.pem"))
    );
    assert_eq!(
        parse("https://h/?connectTimeoutMS=250").connect_timeout(),
        ms(250)
    );
    assert_eq!(
        parse("https://h/?socketTimeoutMS=250").read_timeout(),
        ms(250)
    );
    assert_eq!(
        parse("https://h/?maxIdleTimeMS=250").pool_idle_timeout(),
        ms(250)
    );
    assert_eq!(expose(parse("https://h/?jwt=a.b.c").token()), Some("a.b.c"));
    // pymongo's 0 is "no limit", httpdb's pool_size=0 "no pooling".
    assert_eq!(parse("https://h/?maxPoolSize=0").pool_size(), 10_000);
    assert_eq!(parse("https://h/?pool_size=0").pool_size(), 0);
    assert_eq!(parse("https://h/?maxPoolSize=50").pool_size(), 50);
    // pymongo's fractional milliseconds.
    assert_eq!(
        parse("https://h/?connectTimeoutMS=1500.5").connect_timeout(),
        Duration::from_micros(1_500_500)
    );
    assert_eq!(
        parse("https://h/?timeout.connect_timeout=%2B1s").connect_timeout(),
        ms(1000)
    );
    assert!(parse("http://h/?use_ssl=on").tls());
}

#[test]
fn option_names_are_case_insensitive() {
    check(
        "https://h/?SSL_CERT_REQS=CERT_NONE",
        parse("https://h/?ssl_cert_reqs=CERT_NONE"),
    );
    check(
        "https://h/?Connect_Timeout=5s&POOL_SIZE=2",
        parse("https://h/?connect_timeout=5s&pool_size=2"),
    );
    check(
        "https://h/?TLSCAFILE=/ca.pem",
        parse("https://h/?tlsCAFile=/ca.pem"),
    );
    check(
        "https://h/?tlscafile=/ca.pem",
        parse("https://h/?ssl_ca_certs=/ca.pem"),
    );
    check(
        "https://h/?SslMode=verify-ca&sslrootcert=/ca.pem",
        parse("https://h/?sslmode=verify-ca&sslrootcert=/ca.pem"),
    );
    assert_eq!(
        with("https://h", &[("HOST_ORDER", "ordered")]).host_order(),
        HostOrder::Ordered
    );
    assert_eq!(with("https://h", &[("Max_Retries", "4")]).max_retries(), 4);
    // A repeat under another spelling is the same option.
    check(
        "https://h/?pool_size=2&POOL_SIZE=2",
        parse("https://h/?pool_size=2"),
    );
}

// ---------------------------------------------------------------- precedence

#[test]
fn keyword_beats_uri() {
    let base = "https://u:pw@h/?ssl_ca_certs=/uri.pem&connect_timeout=1s&timeout=2s\
                &pool_size=1&host_order=ordered&retry_interval=3s&max_retries=0";
    let s = build(
        uri(base)
            .option("tlsCAFile", "/kw.pem")
            .option("connectTimeoutMS", "4000")
            .timeout(secs(5))
            .pool_size(6)
            .host_order(HostOrder::RoundRobin)
            .retry_interval(secs(7))
            .max_retries(8)
            .username("kwuser")
            .password("kwpw"),
    );
    assert_eq!(s.ssl_ca_certs(), &CaCerts::File("/kw.pem".into()));
    assert_eq!(s.connect_timeout(), secs(4));
    assert_eq!(s.timeout(), secs(5));
    assert_eq!(s.pool_size(), 6);
    assert_eq!(s.host_order(), HostOrder::RoundRobin);
    assert_eq!(s.retry_interval(), secs(7));
    assert_eq!(s.max_retries(), 8);
    assert_eq!(s.username(), Some("kwuser"));
    assert_eq!(expose(s.password()), Some("kwpw"));

    let s = build(uri("https://h/?token=uritok").option("jwt", "kwtok"));
    assert_eq!(expose(s.token()), Some("kwtok"));
    let s = build(uri("https://h/?jwt=uritok").token("kwtok"));
    assert_eq!(expose(s.token()), Some("kwtok"));

    // Fields the keywords leave alone keep the URI's value.
    let s = build(uri("https://u:pw@h/?pool_size=1").username("v"));
    assert_eq!(s.username(), Some("v"));
    assert_eq!(expose(s.password()), Some("pw"));
    assert_eq!(s.pool_size(), 1);
}

#[test]
fn keyword_beats_uri_for_tls_settings() {
    // TLS on over a plain URI.
    assert_eq!(
        build(uri("http://h/?ssl=false").ssl(true)),
        parse("https://h")
    );
    assert_eq!(
        with("http://h", &[("sslmode", "verify-full")]),
        parse("https://h")
    );
    // Verification, both ways.
    assert_eq!(
        with(
            "https://h/?ssl_cert_reqs=CERT_NONE",
            &[("ssl_cert_reqs", "CERT_REQUIRED")]
        ),
        parse("https://h")
    );
    assert_eq!(
        with(
            "https://h/?ssl_cert_reqs=CERT_REQUIRED",
            &[("verify_certs", "false")]
        ),
        parse("https://h/?ssl_cert_reqs=CERT_NONE")
    );
    assert_eq!(
        with("https://h/?tlsInsecure=true", &[("tlsInsecure", "false")]),
        parse("https://h")
    );
    assert_eq!(
        with(
            "https://h/?ssl_match_hostname=false",
            &[("ssl_assert_hostname", "true")]
        ),
        parse("https://h")
    );
    // A keyword turning verification off wins over the URI's host-name check.
    assert_eq!(
        with(
            "https://h/?sslmode=verify-full",
            &[("ssl_cert_reqs", "CERT_NONE")]
        ),
        parse("https://h/?ssl_cert_reqs=CERT_NONE")
    );
    assert_eq!(
        build(uri("https://h/?ssl_match_hostname=true").ssl_cert_reqs(CertReqs::None)),
        parse("https://h/?ssl_cert_reqs=CERT_NONE")
    );
    // A keyword sslmode replaces the URI's verification settings.
    assert_eq!(
        with("https://h/?sslmode=verify-full", &[("sslmode", "require")]),
        parse("https://h/?sslmode=require")
    );
    assert_eq!(
        with(
            "https://h/?ssl_cert_reqs=CERT_NONE&sslrootcert=/ca.pem",
            &[("sslmode", "verify-ca")]
        ),
        parse("https://h/?sslmode=verify-ca&sslrootcert=/ca.pem")
    );
    // Client files.
    let s = with(
        "https://h/?ssl_certfile=/a.pem&ssl_keyfile=/a.key",
        &[("sslcert", "/b.pem"), ("sslkey", "/b.key")],
    );
    assert_eq!(s.ssl_certfile(), Some(Path::new("/b.pem")));
    assert_eq!(s.ssl_keyfile(), Some(Path::new("/b.key")));
    // The keyword may supply the certificate a URI key needs.
    let s = with(
        "https://h/?ssl_keyfile=/k.pem",
        &[("ssl_certfile", "/c.pem")],
    );
    assert_eq!(s.ssl_keyfile(), Some(Path::new("/k.pem")));
}

#[test]
fn keyword_ssl_false_never_downgrades_https() {
    for b in [
        uri("https://h").ssl(false),
        uri("https://h").option("ssl", "false"),
        uri("https://h").option("tls", "0"),
        uri("https://h").option("sslmode", "disable"),
    ] {
        let (option, message) = config_error(b.build());
        assert!(
            option == "ssl" || option == "tls" || option == "sslmode",
            "{option}"
        );
        assert_contains(&message, &["https://"]);
    }
    // Turning TLS off over an http URI with ssl=true is fine.
    assert_eq!(
        with("http://h/?ssl=true", &[("ssl", "false")]),
        parse("http://h")
    );
}

#[test]
fn a_later_keyword_repeat_must_agree() {
    let (option, message) = config_error(
        uri("https://h")
            .pool_size(2)
            .option("maxPoolSize", "3")
            .build(),
    );
    assert_eq!(option, "maxPoolSize");
    assert_contains(&message, &["pool_size=2", "maxPoolSize=3"]);
    // The same value twice is fine.
    assert_eq!(
        build(uri("https://h").pool_size(2).option("maxPoolSize", "2")).pool_size(),
        2
    );
}

// ---------------------------------------------------------------- conflicts

/// Conflicting options inside one source, as URI and as keywords: both
/// options are named.
#[test]
fn conflicts_inside_one_source_name_both_options() {
    /// (base URI, options, one option as shown, the other as shown)
    type Case = (
        &'static str,
        &'static [(&'static str, &'static str)],
        &'static str,
        &'static str,
    );
    let cases: &[Case] = &[
        (
            "http://h",
            &[("ssl", "false"), ("ssl_ca_certs", "/ca.pem")],
            "ssl=false",
            "ssl_ca_certs=/ca.pem",
        ),
        (
            "http://h",
            &[("ssl_ca_certs", "/ca.pem"), ("ssl", "false")],
            "ssl=false",
            "ssl_ca_certs=/ca.pem",
        ),
        (
            "https://h",
            &[
                ("ssl_cert_reqs", "CERT_NONE"),
                ("tlsAllowInvalidCertificates", "false"),
            ],
            "ssl_cert_reqs=CERT_NONE",
            "tlsAllowInvalidCertificates=false",
        ),
        (
            "https://h",
            &[
                ("tlsAllowInvalidCertificates", "false"),
                ("ssl_cert_reqs", "CERT_NONE"),
            ],
            "ssl_cert_reqs=CERT_NONE",
            "tlsAllowInvalidCertificates=false",
        ),
        (
            "https://h",
            &[("sslmode", "verify-full"), ("ssl_cert_reqs", "CERT_NONE")],
            "sslmode=verify-full",
            "ssl_cert_reqs=CERT_NONE",
        ),
        (
            "https://h",
            &[("ssl_cert_reqs", "CERT_NONE"), ("sslmode", "verify-full")],
            "sslmode=verify-full",
            "ssl_cert_reqs=CERT_NONE",
        ),
        (
            "https://h",
            &[
                ("ssl_cert_reqs", "CERT_NONE"),
                ("ssl_match_hostname", "true"),
            ],
            "ssl_cert_reqs=CERT_NONE",
            "ssl_match_hostname=true",
        ),
        (
            "https://h",
            &[("tlsInsecure", "true"), ("ssl_assert_hostname", "true")],
            "tlsInsecure=true",
            "ssl_assert_hostname=true",
        ),
        (
            "https://h",
            &[("connect_timeout", "1s"), ("connectTimeoutMS", "2000")],
            "connect_timeout=1s",
            "connectTimeoutMS=2000",
        ),
        (
            "https://h",
            &[("tlsCAFile", "/a.pem"), ("sslrootcert", "/b.pem")],
            "tlsCAFile=/a.pem",
            "sslrootcert=/b.pem",
        ),
        (
            "https://h",
            &[("host_order", "ordered"), ("host_order", "round_robin")],
            "host_order=ordered",
            "host_order=round_robin",
        ),
        (
            "http://h",
            &[("ssl", "true"), ("sslmode", "disable")],
            "ssl=true",
            "sslmode=disable",
        ),
    ];
    for &(base, opts, a, b) in cases {
        // In the URI.
        let query: Vec<String> = opts.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let text = format!("{base}/?{}", query.join("&"));
        let (_, message) = config_error(Settings::from_uri(&text));
        assert_contains(&message, &[a, b]);
        // As keywords.
        let mut builder = uri(base);
        for (k, v) in opts {
            builder = builder.option(k, v);
        }
        let (_, message) = config_error(builder.build());
        assert_contains(&message, &[a, b]);
    }
}

#[test]
fn https_with_ssl_false_in_the_uri() {
    let (option, message) = config_error(Settings::from_uri("https://h/?ssl=false"));
    assert_eq!(option, "ssl");
    assert_contains(&message, &["https://", "ssl=false"]);
}

#[test]
fn repeats_with_the_same_value_are_accepted() {
    check(
        "https://h/?ssl_cert_reqs=CERT_NONE&ssl_cert_reqs=CERT_NONE",
        parse("https://h/?ssl_cert_reqs=CERT_NONE"),
    );
    check(
        "https://h/?ssl_cert_reqs=CERT_NONE&tlsAllowInvalidCertificates=true",
        parse("https://h/?ssl_cert_reqs=CERT_NONE"),
    );
    check(
        "https://h/?ssl_cert_reqs=CERT_NONE&verify_certs=false&tlsInsecure=true",
        parse("https://h/?ssl_cert_reqs=CERT_NONE"),
    );
    check(
        "https://h/?sslmode=verify-full&ssl_cert_reqs=CERT_REQUIRED&ssl_match_hostname=true",
        parse("https://h"),
    );
    check("https://h/?ssl=true&tls=1&use_ssl=yes", parse("https://h"));
    check(
        "https://h/?ssl=true&sslmode=require",
        parse("https://h/?sslmode=require"),
    );
    check(
        "https://h/?connect_timeout=2s&connectTimeoutMS=2000&timeout.connect_timeout=2",
        parse("https://h/?connect_timeout=2s"),
    );
    check(
        "https://h/?tlsCAFile=/ca.pem&ssl_ca_certs=/ca.pem",
        parse("https://h/?ssl_ca_certs=/ca.pem"),
    );
    check("https://u:pw@h/?password=pw", parse("https://u:pw@h"));
    check("https://h/?token=t&jwt=t", parse("https://h/?token=t"));
    assert_eq!(
        with(
            "https://h",
            &[("ssl_cert_reqs", "CERT_NONE"), ("verify_certs", "no")]
        ),
        parse("https://h/?ssl_cert_reqs=CERT_NONE")
    );
}

#[test]
fn token_and_password_exclude_each_other() {
    for result in [
        Settings::from_uri(&format!("https://u:{PW}@h/?token={TOKEN}")),
        Settings::from_uri(&format!("https://h/?password={PW}&jwt={TOKEN}")),
        uri("https://h").password(PW).token(TOKEN).build(),
        uri("https://h")
            .option("password", PW)
            .option("jwt_token", TOKEN)
            .build(),
    ] {
        let (_, message) = config_error(result);
        assert_contains(&message, &["conflicting", "token", "password"]);
        assert_no_secret(&message);
    }
    // A user name next to a token is fine.
    let s = parse(&format!("https://u@h/?token={TOKEN}"));
    assert_eq!((s.username(), expose(s.token())), (Some("u"), Some(TOKEN)));
}

#[test]
fn tls_options_with_tls_off() {
    for option in [
        "ssl_cert_reqs=CERT_NONE",
        "ssl_match_hostname=false",
        "ssl_ca_certs=/ca.pem",
        "ssl_ca_certs=system",
        "ssl_certfile=/c.pem",
        "tlsInsecure=true",
    ] {
        let (_, message) = config_error(Settings::from_uri(&format!("http://h/?{option}")));
        assert_contains(&message, &["TLS", option]);
        let (key, value) = option.split_once('=').unwrap();
        let (_, message) = config_error(uri("http://h").option(key, value).build());
        assert_contains(&message, &["TLS", option]);
    }
    let (option, message) = config_error(
        uri("http://h")
            .ssl_ca_certs(CaCerts::File("/ca.pem".into()))
            .build(),
    );
    assert_eq!(option, "ssl_ca_certs");
    assert_contains(&message, &["TLS is off", "https://", "ssl=true"]);
}

// ---------------------------------------------------------------- output

#[test]
fn to_uri_is_canonical_and_redacted() {
    let s = parse("https://admin:pw@db1:4200,db2/?verify_certs=false");
    assert_eq!(
        s.to_uri(),
        "https://admin:***@db1:4200,db2:443/?ssl_cert_reqs=CERT_NONE"
    );
    assert_eq!(
        s.to_uri_with_secrets(),
        "https://admin:pw@db1:4200,db2:443/?ssl_cert_reqs=CERT_NONE"
    );

    // Aliases come out under their canonical names.
    let s = parse(
        "HTTP://Us%20r@[::1]:9,H/db/?tls=on&tlsCAFile=/my%20ca.pem&sslcert=/c.pem&sslkey=/k.pem\
         &sslpassword=pp&jwt=tok&connectTimeoutMS=1500&socketTimeoutMS=60000&retry_interval=0\
         &maxPoolSize=2&host_order=ordered&max_retries=3&ssl_assert_hostname=false",
    );
    assert_eq!(
        s.to_uri(),
        "https://Us%20r@[::1]:9,h:443/db?ssl_match_hostname=false&ssl_ca_certs=/my%20ca.pem\
         &ssl_certfile=/c.pem&ssl_keyfile=/k.pem&ssl_pem_passphrase=***&token=***\
         &connect_timeout=1500ms&read_timeout=1m&retry_interval=0s&pool_size=2&host_order=ordered&max_retries=3"
    );
    assert_eq!(parse(&s.to_uri_with_secrets()), s);
    assert_eq!(s.to_string(), s.to_uri());
    // The redacted URI still parses.
    assert_eq!(parse(&s.to_uri()).hosts(), s.hosts());
}

#[test]
fn to_uri_with_secrets_round_trips() {
    for text in [
        "https://h",
        "http://h:8080/db",
        "https://a,b:1,[::1]:2/x/y?host_order=ordered",
        "https://us%40er:p%3Aw%2F%3F%23@h",
        "https://us%40er@h/?token=t%26k%3Dn",
        "https://h/?password=only%20a%20password",
        "https://h/?sslmode=require",
        "https://h/?sslmode=require&sslrootcert=/ca.pem",
        "https://h/?tlsInsecure=true",
        "https://h/?ssl_cert_reqs=CERT_OPTIONAL&ssl_match_hostname=false",
        "https://h/?ssl_ca_certs=/p%20a%26t%3Dh%25.pem&ssl_certfile=/c%3F.pem&ssl_keyfile=/k.pem&ssl_pem_passphrase=p%26p",
        "http://h/?connect_timeout=1h30m&timeout=250us&retry_interval=7ns&pool_size=0&max_retries=0",
        "https://u:@h",
        "https://u@h",
        "https://h/?tlsCRLFile=/c%20rl.pem&sslcrldir=/crls&sslsni=0&ssl_assert_hostname=db.example.com",
        "https://h/?ssl_assert_fingerprint=ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89&verify_certs=false",
        "https://h/?ssl_ca_certs=-----BEGIN%20CERTIFICATE-----%0AMIIB%2B%3D%0A-----END%20CERTIFICATE-----",
        "https://h/?ssl_assert_hostname=%5B::1%5D",
    ] {
        let s = parse(text);
        assert_eq!(
            parse(&s.to_uri_with_secrets()),
            s,
            "{text} -> {}",
            s.to_uri_with_secrets()
        );
        // Canonical: a second trip gives the same text.
        assert_eq!(
            parse(&s.to_uri_with_secrets()).to_uri_with_secrets(),
            s.to_uri_with_secrets()
        );
    }
}

const PW: &str = "SECRET-PW-4242";
const TOKEN: &str = "SECRET-TOKEN-4343";
const PASSPHRASE: &str = "SECRET-PP-4444";

/// Settings holding each secret (a token and a password exclude each other).
fn secret_settings() -> [Settings; 2] {
    [
        build(
            uri(&format!("https://admin:{PW}@h"))
                .ssl_certfile("/c.pem")
                .option("sslpassword", PASSPHRASE),
        ),
        build(
            uri(&format!("https://admin@h/?token={TOKEN}"))
                .ssl_certfile("/c.pem")
                .option("sslpassword", PASSPHRASE),
        ),
    ]
}

#[track_caller]
fn assert_no_secret(text: &str) {
    for secret in [PW, TOKEN, PASSPHRASE, "SECRET-"] {
        assert!(!text.contains(secret), "{text:?} leaks {secret:?}");
    }
}

#[test]
fn secrets_are_redacted_everywhere() {
    let [pw, token] = secret_settings();
    assert_eq!(expose(pw.password()), Some(PW));
    assert_eq!(expose(token.token()), Some(TOKEN));
    assert_eq!(expose(pw.ssl_pem_passphrase()), Some(PASSPHRASE));
    assert_eq!(expose(token.ssl_pem_passphrase()), Some(PASSPHRASE));
    assert_no_secret(&format!("{:?}", pw.password()));
    assert_no_secret(&format!("{}", token.token().unwrap()));

    for s in [pw, token] {
        assert_no_secret(&format!("{s:?}"));
        assert_no_secret(&format!("{s:#?}"));
        assert_no_secret(&format!("{s}"));
        assert_no_secret(&s.to_uri());
        assert_no_secret(&s.to_json().to_string());
        assert_contains(&s.to_uri(), &["ssl_pem_passphrase=***"]);
        let with_secrets = s.to_uri_with_secrets();
        assert_contains(&with_secrets, &[PASSPHRASE]);
        assert_eq!(parse(&with_secrets), s);
    }
    // The builder's Debug masks the URI.
    assert_no_secret(&format!(
        "{:?}",
        uri(&format!(
            "https://admin:{PW}@h/?token={TOKEN}&sslpassword={PASSPHRASE}"
        ))
    ));
    assert_no_secret(&format!("{:?}", uri("https://h").password(PW).token(TOKEN)));

    // A password without a user name is redacted in the query.
    let s = build(uri("https://h").password(PW));
    assert_no_secret(&s.to_uri());
    assert_no_secret(&format!("{s:?}"));
    assert_contains(&s.to_uri(), &["password=***"]);
}

#[test]
fn secrets_are_redacted_in_errors() {
    let uris = [
        format!("https://admin:{PW}@h:0"),
        format!("https://admin:{PW}@h/?token={TOKEN}&ssl=false"),
        format!("https://admin:{PW}@h/?password=other"),
        format!("https://h/?token={TOKEN}&jwt=other"),
        format!("https://h/?token={TOKEN}&unknown_option=1"),
        format!("https://h/?ssl_pem_passphrase={PASSPHRASE}"),
        format!("https://h/?ssl_certfile=/c.pem&ssl_pem_passphrase={PASSPHRASE}&sslpassword=other"),
        format!("ftp://admin:{PW}@h/?token={TOKEN}"),
        format!("https://admin:{PW}@h,,x/?token={TOKEN}"),
        format!("https://admin:{PW}@h#x"),
        format!("admin:{PW}@h/?token={TOKEN}"),
        format!(" https://admin:{PW}@h/?token={TOKEN}"),
        format!("https://admin:{PW}%zz@h"),
        format!("https://admin:{PW}%ff@h"),
        format!("https://h/?token={TOKEN}%zz"),
        format!("https://h/?jwt={TOKEN}%ff"),
    ];
    for text in &uris {
        let e = Settings::from_uri(text).expect_err(text);
        assert_no_secret(&e.to_string());
        assert_no_secret(&format!("{e:?}"));
    }
    for b in [
        uri("https://h").password(PW).option("password", "other"),
        uri("https://h").token(TOKEN).option("jwt_token", "other"),
        uri("https://h").ssl_pem_passphrase(PASSPHRASE),
        uri("http://h")
            .ssl_certfile("/c.pem")
            .ssl_pem_passphrase(PASSPHRASE),
        uri("https://h").token(TOKEN).token("other"),
    ] {
        let e = b.build().unwrap_err();
        assert_no_secret(&e.to_string());
        assert_no_secret(&format!("{e:?}"));
    }
    // A keyword password over the URI's is no conflict: the keyword wins.
    let s = build(uri(&format!("https://admin:{PW}@h")).password("other"));
    assert_eq!(expose(s.password()), Some("other"));
}

#[test]
fn to_json_has_exactly_the_documented_keys() {
    let [s, token] = secret_settings();
    assert_eq!(token.to_json()["token"], "***");
    let json = s.to_json();
    let object = json.as_object().expect("an object");
    let keys: Vec<&str> = object.keys().map(String::as_str).collect();
    assert_documented_json_keys(&keys, &[]);

    assert_eq!(json["hosts"], serde_json::json!(["h:443"]));
    assert_eq!(json["tls"], true);
    assert_eq!(json["path"], "/");
    assert_eq!(json["ssl_cert_reqs"], "CERT_REQUIRED");
    assert_eq!(json["ssl_match_hostname"], true);
    assert_eq!(json["ssl_ca_certs"], "system");
    assert_eq!(json["ssl_certfile"], "/c.pem");
    assert_eq!(json["ssl_keyfile"], serde_json::Value::Null);
    assert_eq!(json["username"], "admin");
    assert_eq!(json["password"], "***");
    assert_eq!(json["token"], serde_json::Value::Null);
    assert_eq!(json["ssl_pem_passphrase"], "***");
    assert_eq!(json["connect_timeout_ms"], 10_000);
    assert_eq!(json["timeout_ms"], 30_000);
    assert_eq!(json["retry_interval_ms"], 30_000);
    assert_eq!(json["pool_size"], 32);
    assert_eq!(json["uri"], s.to_uri());
    assert_no_secret(&json.to_string());

    // Absent secrets are null, not "***".
    let json = parse("http://[::1]:1/db?ssl=0&pool_size=0").to_json();
    assert_eq!(json["password"], serde_json::Value::Null);
    assert_eq!(json["token"], serde_json::Value::Null);
    assert_eq!(json["username"], serde_json::Value::Null);
    assert_eq!(json["hosts"], serde_json::json!(["[::1]:1"]));
    assert_eq!(json["tls"], false);
    assert_eq!(json["path"], "/db");
    assert_eq!(json["pool_size"], 0);
    assert_eq!(
        parse("https://h/?ssl_ca_certs=/ca.pem").to_json()["ssl_ca_certs"],
        "/ca.pem"
    );
}

// ---------------------------------------------------------------- environment

#[test]
fn from_env_with_a_set_variable() {
    const VAR: &str = "HTTPDB_TEST_SETTINGS_FROM_ENV_SET_5C1E";
    // SAFETY: the variable name is unique to this test; no other code reads or writes it.
    unsafe { std::env::set_var(VAR, "https://u:pw@db:4200/?pool_size=2") };
    let s = Settings::from_env(VAR).unwrap();
    assert_eq!(s, parse("https://u:pw@db:4200/?pool_size=2"));
}

#[test]
fn from_env_with_an_unset_variable() {
    const VAR: &str = "HTTPDB_TEST_SETTINGS_FROM_ENV_UNSET_9B07";
    let (option, message) = config_error(Settings::from_env(VAR));
    assert_eq!(option, VAR);
    assert_contains(&message, &[VAR, "not set"]);
}

#[test]
fn from_env_with_a_bad_uri() {
    const VAR: &str = "HTTPDB_TEST_SETTINGS_FROM_ENV_BAD_71AD";
    // SAFETY: the variable name is unique to this test; no other code reads or writes it.
    unsafe { std::env::set_var(VAR, format!("https://u:{PW}@h:0")) };
    let (option, message) = config_error(Settings::from_env(VAR));
    assert_eq!(option, "port");
    assert_no_secret(&message);
}

#[test]
fn keyword_token_replaces_uri_password_and_back() {
    let s = Settings::builder()
        .uri("https://u:pw@h")
        .token("T0KEN")
        .build()
        .unwrap();
    assert_eq!(
        (s.password(), s.token().map(|t| t.expose())),
        (None, Some("T0KEN"))
    );
    let s = Settings::builder()
        .uri("https://u@h/?token=T0KEN")
        .password("pw")
        .build()
        .unwrap();
    assert_eq!(
        (s.token(), s.password().map(|p| p.expose())),
        (None, Some("pw"))
    );
}

#[test]
fn the_same_host_twice_once_default_ports_are_filled_in() {
    let error = Settings::from_uri("https://h,h:443").unwrap_err();
    assert!(
        error.to_string().contains("h:443 is listed twice"),
        "{error}"
    );
    assert!(Settings::from_uri("http://h,h:443").is_ok());
}

/// Typed setters check typed values with the same checks (and words) as
/// the text parsers, without going through text.
#[test]
fn typed_setters_check_like_their_options() {
    let cases: Vec<(httpdb::SettingsBuilder, &str, &[&str])> = vec![
        (
            uri("https://h").timeout(Duration::ZERO),
            "timeout",
            &["\"0s\"", "greater than 0"],
        ),
        (
            uri("https://h").read_timeout(Duration::ZERO),
            "read_timeout",
            &["greater than 0"],
        ),
        (
            uri("https://h").pool_idle_timeout(Duration::ZERO),
            "pool_idle_timeout",
            &["greater than 0"],
        ),
        (
            uri("https://h").connect_timeout(Duration::ZERO),
            "connect_timeout",
            &["greater than 0"],
        ),
        (
            uri("https://h").pool_size(10_001),
            "pool_size",
            &["\"10001\"", "too large", "0 to 10000"],
        ),
        (
            uri("https://h").max_retries(101),
            "max_retries",
            &["too large", "0 to 100"],
        ),
        (
            uri("https://h").max_body_size(0),
            "max_body_size",
            &["greater than 0"],
        ),
        (uri("https://h").username(""), "username", &["(empty)"]),
        (uri("https://h").token(""), "token", &["(empty)"]),
    ];
    for (builder, option, words) in cases {
        let (got, message) = config_error(builder.build());
        assert_eq!(got, option, "{message}");
        assert_contains(&message, words);
    }
    // The same value as text gives the same words.
    let (_, typed) = config_error(uri("https://h").timeout(Duration::ZERO).build());
    let (_, text) = config_error(uri("https://h").option("timeout", "0s").build());
    assert_eq!(typed, text);
}

/// Settings built from hosts, without any URI text, equal the parsed URI:
/// the parser is checked against the typed API, not against itself.
#[test]
fn settings_from_hosts_equal_the_parsed_uri() {
    let typed = Settings::builder()
        .host("DB1", 4200)
        .host("::1", 4201)
        .username("admin")
        .password("pw")
        .ssl_ca_certs(CaCerts::File("/etc/db/ca.pem".into()))
        .timeout(secs(5))
        .build()
        .unwrap();
    assert_eq!(
        typed,
        parse("https://admin:pw@db1:4200,[::1]:4201/?ssl_ca_certs=/etc/db/ca.pem&timeout=5s")
    );
    let plain = Settings::builder()
        .host("h", 80)
        .ssl(false)
        .build()
        .unwrap();
    assert_eq!(plain, parse("http://h:80"));
    // Hosts given so replace the URI's.
    assert_eq!(
        build(uri("https://a:1,b:2/db?timeout=5s").host("c", 3)),
        parse("https://c:3/db?timeout=5s")
    );
    for (builder, option, words) in [
        (
            Settings::builder().host("h", 0),
            "port",
            &["\"0\"", "1 to 65535"][..],
        ),
        (
            Settings::builder().host("a b", 1),
            "host",
            &["contains ' '"][..],
        ),
        (
            Settings::builder().host("", 1),
            "host",
            &["empty host name"][..],
        ),
        (
            Settings::builder(),
            "uri",
            &["host(name, port)", "HTTPDB_URL"][..],
        ),
    ] {
        let (got, message) = config_error(builder.build());
        assert_eq!(got, option, "{message}");
        assert_contains(&message, words);
    }
}

/// The peers' names added with their meaning: each equals the canonical
/// option it maps to.
#[test]
fn peer_aliases_with_their_meaning() {
    same("timeoutMS=2500", "timeout=2.5s");
    same("user=admin", "username=admin");
    same("connections_per_node=3", "pool_size=3");
    same("bearer_auth=tok", "token=tok");
    same(
        "security.trust_only_pem_file=/ca.pem",
        "ssl_ca_certs=/ca.pem",
    );
    same(
        "cert_path=/c.pem&key_path=/k.pem&cert_password=pp",
        "ssl_certfile=/c.pem&ssl_keyfile=/k.pem&ssl_pem_passphrase=pp",
    );
    same(
        "security.disable_server_certificate_verification=true",
        "ssl_cert_reqs=CERT_NONE",
    );
    same("basic_auth=admin:p%3Ass", "username=admin&password=p:ss");
    same("tlsCRLFile=/crl.pem", "ssl_crl_file=/crl.pem");
    same("sslcrl=/crl.pem", "ssl_crl_file=/crl.pem");
    same("sslcrldir=/crls", "ssl_crl_dir=/crls");
    same("sslsni=0", "ssl_sni=false");
    same("ssl_assert_hostname=false", "ssl_match_hostname=false");
    same(
        "security.trust_only_pem_str=-----BEGIN%20CERTIFICATE-----x",
        "ssl_ca_certs=-----BEGIN%20CERTIFICATE-----x",
    );
    // The fingerprint in any of its written forms.
    let pin = "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89";
    same(
        &format!(
            "ssl_assert_fingerprint={}",
            pin.replace(':', "").to_lowercase()
        ),
        &format!("ssl_assert_fingerprint={pin}"),
    );
    assert_eq!(
        parse(&format!("https://h/?ssl_assert_fingerprint={pin}"))
            .ssl_assert_fingerprint()
            .map(ToString::to_string)
            .as_deref(),
        Some(pin)
    );
    // The name form: checked instead of the host's, shown in brackets-free form.
    let s = parse("https://10.0.0.7/?ssl_assert_hostname=db.example.com");
    assert_eq!(s.ssl_assert_hostname(), Some("db.example.com"));
    assert!(s.ssl_match_hostname());
    same("http_auth=admin:", "username=admin&password=");
    let (option, message) =
        config_error(Settings::from_uri("https://h/?basic_auth=S3CRET-no-colon"));
    assert_eq!(option, "basic_auth");
    assert_contains(&message, &["user:password", "\"***\""]);
    assert!(!message.contains("S3CRET"), "{message}");
}

/// `alias` gives the same settings as `canonical` (both URI queries).
#[track_caller]
fn same(alias: &str, canonical: &str) {
    assert_eq!(
        parse(&format!("https://h/?{alias}")),
        parse(&format!("https://h/?{canonical}")),
        "{alias}"
    );
}

/// Default query parameters: `param.NAME=`, ClickHouse's `database` and
/// InfluxDB's `db`; credentials among them masked.
#[test]
fn default_query_parameters() {
    same("database=analytics", "param.database=analytics");
    same("db=metrics", "param.db=metrics");
    let s = parse("http://h:8086/?db=metrics&param.u=app&param.p=pw-S3cret&param.epoch=ms");
    let params: Vec<(&str, &str)> = s
        .params()
        .iter()
        .map(|(n, v)| (n.as_str(), v.expose()))
        .collect();
    assert_eq!(
        params,
        [
            ("db", "metrics"),
            ("u", "app"),
            ("p", "pw-S3cret"),
            ("epoch", "ms")
        ]
    );
    for shown in [s.to_uri(), format!("{s:?}"), s.to_json().to_string()] {
        assert!(!shown.contains("pw-S3cret"), "{shown}");
    }
    assert_eq!(parse(&s.to_uri_with_secrets()), s);
    let (_, message) = config_error(Settings::from_uri("https://h/?db=a&param.db=b"));
    assert_contains(&message, &["conflicting options", "db=a", "param.db=b"]);
    let (_, message) = config_error(Settings::from_uri("https://h/?param.=x"));
    assert_contains(&message, &["cannot be a query parameter name"]);
}

/// Internationalised host names go out in their xn-- form; the JSON shows
/// both. A password may hold `:` (RFC 3986: the first `:` splits).
#[test]
fn idn_hosts_and_colons_in_passwords() {
    let s = parse("https://admin:foo:bar@B\u{dc}cher.example.com:4200,db2/");
    assert_eq!(s.hosts()[0].name, "xn--bcher-kva.example.com");
    assert_eq!(s.password().map(|p| p.expose()), Some("foo:bar"));
    let json = s.to_json();
    assert_eq!(json["hosts"][0], "xn--bcher-kva.example.com:4200");
    assert_eq!(json["hosts_unicode"][0], "b\u{fc}cher.example.com:4200");
    assert_eq!(json["hosts_unicode"][1], "db2:443");
    assert_eq!(parse(&s.to_uri_with_secrets()), s);
    let typed = Settings::builder()
        .host("b\u{fc}cher.example.com", 4200)
        .build()
        .unwrap();
    assert_eq!(typed.hosts()[0].name, "xn--bcher-kva.example.com");
    let (_, message) = config_error(Settings::from_uri("https://a\u{fffd}b.example/"));
    assert_contains(
        &message,
        &["not a valid internationalised domain name", "xn--"],
    );
}

/// TCP keep-alive settings under each peer's name, with its meaning.
#[test]
fn keepalive_names() {
    let s = parse("https://h");
    assert!(s.tcp_keepalive());
    assert_eq!(s.tcp_keepalive_idle(), Some(Duration::from_secs(60)));
    assert_eq!(s.tcp_user_timeout(), None);
    same("keepalives=0", "tcp_keepalive=false");
    same("socket_keepalive=false", "tcp_keepalive=false");
    same("keepalives_idle=30", "tcp_keepalive_idle=30s");
    same("socket_tcp_keepidle=30", "tcp_keepalive_idle=30s");
    same("keepalives_interval=5", "tcp_keepalive_interval=5s");
    same("socket_tcp_keepintvl=5", "tcp_keepalive_interval=5s");
    same("keepalives_count=4", "tcp_keepalive_count=4");
    same("socket_tcp_keepcnt=4", "tcp_keepalive_count=4");
    // libpq's 0: the system's default; its tcp_user_timeout: milliseconds.
    assert_eq!(
        parse("https://h/?keepalives_idle=0").tcp_keepalive_idle(),
        None
    );
    assert_eq!(
        parse("https://h/?keepalives_count=0").tcp_keepalive_count(),
        None
    );
    assert_eq!(
        parse("https://h/?tcp_user_timeout=2500").tcp_user_timeout(),
        Some(Duration::from_millis(2500))
    );
    same("tcp_user_timeout=2500", "tcp_user_timeout=2.5s");
    assert_eq!(
        parse("https://h/?tcp_user_timeout=0").tcp_user_timeout(),
        None
    );
    let s = parse("https://h/?keepalives_idle=0&keepalives=0&tcp_user_timeout=2500");
    assert_eq!(parse(&s.to_uri()), s);
    for (uri, words) in [
        ("https://h/?keepalives_idle=500ms", &["whole seconds"][..]),
        ("https://h/?keepalives_count=500", &["1 to 127"][..]),
    ] {
        let (_, message) = config_error(Settings::from_uri(uri));
        assert_contains(&message, words);
    }
}

/// Compression under each peer's name, with its meaning.
#[test]
fn compression_names() {
    same("http_compress=true", "compress=true");
    // 0 and 1 read as booleans, as everywhere; a size needs more.
    same("compress=0", "compress=false");
    same("compress=1", "compress=true");
    same("compressors=zlib", "compress=true");
    same("compressors=snappy,zlib,zstd", "compress=true");
    same("compressors=zstd", "compress=false");
    same("zlibCompressionLevel=-1", "compress_level=6");
    same("zlibCompressionLevel=9", "compress_level=9");
    assert_eq!(parse("https://h/?compress=8KiB").compress(), Some(8192));
    assert_eq!(parse("https://h").compress(), None);
    let s = parse("https://h/?compress=8192&compress_level=1");
    assert_eq!(s.to_uri(), "https://h:443/?compress=8KiB&compress_level=1");
    for (uri, words) in [
        (
            "https://h/?zlibCompressionLevel=10",
            &["from 0 (none) to 9"][..],
        ),
        (
            "https://h/?compress=maybe",
            &["the smallest request body"][..],
        ),
    ] {
        let (_, message) = config_error(Settings::from_uri(uri));
        assert_contains(&message, words);
    }
}

/// The retry policy under each peer's name, with its meaning.
#[test]
fn retry_policy_names() {
    same("retry_on_status=429,%20503,503", "retry_on_status=429,503");
    same("load_balance_hosts=random", "host_order=random");
    same("load_balance_hosts=disable", "host_order=ordered");
    same("randomize_nodes_in_pool=true", "host_order=random");
    same("randomize_nodes_in_pool=false", "host_order=round_robin");
    same("backoff_factor=0.5", "retry_backoff=500ms");
    // elastic-transport's first wait is half its base.
    same("retry_backoff_base=2", "retry_backoff=1s");
    same("retry_backoff_cap=60", "retry_backoff_max=1m");
    let s = parse("https://h/?retry_on_status=&retry_on_timeout=false");
    assert!(s.retry_on_status().is_empty() && !s.retry_on_timeout());
    assert_eq!(parse("https://h").retry_on_status(), [429, 502, 503, 504]);
    for (uri, words) in [
        (
            "https://h/?retry_on_status=200",
            &["200 is not a status from 400 to 599"][..],
        ),
        (
            "https://h/?retry_on_status=5xx",
            &["5xx is not a status"][..],
        ),
        (
            "https://h/?load_balance_hosts=prefer",
            &["disable or random"][..],
        ),
        (
            "https://h/?host_order=chaos",
            &["round_robin, ordered or random"][..],
        ),
    ] {
        let (_, message) = config_error(Settings::from_uri(uri));
        assert_contains(&message, words);
    }
}

/// Elasticsearch API keys, application names and default headers: their
/// forms, their masking, and their conflicts with the other credentials.
#[test]
fn api_keys_app_names_and_default_headers() {
    let s = parse("https://h/?api_key=id1:k3y");
    // base64("id1:k3y")
    assert_eq!(s.api_key().map(|k| k.expose()), Some("aWQxOmszeQ=="));
    assert_eq!(s.to_uri(), "https://h:443/?api_key=***");
    assert!(!format!("{s:?}").contains("aWQxOmszeQ"));
    assert_eq!(
        parse("https://h/?api_key=aWQxOmszeQ==").api_key(),
        s.api_key()
    );
    // Two credentials in one source are a conflict; across sources the
    // keyword wins.
    for uri in [
        "https://h/?api_key=a&token=b",
        "https://u:pw@h/?api_key=a",
        "https://u@h/?header.Authorization=Token%20u:p",
        "https://h/?bearer_auth=t&headers=Authorization:%20x",
    ] {
        let (_, message) = config_error(Settings::from_uri(uri));
        assert_contains(&message, &["conflicting options", "Authorization header"]);
        assert!(
            !message.contains("pw") && !message.contains("Token u:p"),
            "{message}"
        );
    }
    let s = Settings::builder()
        .uri("https://u:pw@h/?token=t")
        .option("api_key", "id:k")
        .build()
        .unwrap();
    assert!(s.password().is_none() && s.token().is_none() && s.api_key().is_some());
    // InfluxDB 1.x's own scheme as a default header, alone.
    let s = parse("https://h/?header.Authorization=Token%20u:p");
    assert_eq!(s.headers()[0].1.expose(), "Token u:p");
    assert_eq!(s.to_uri(), "https://h:443/?header.Authorization=***");
    // Application names.
    for (query, name) in [
        ("appname=etl", "etl"),
        ("application_name=etl", "etl"),
        ("fallback_application_name=cron", "cron"),
        ("fallback_application_name=cron&application_name=etl", "etl"),
    ] {
        assert_eq!(
            parse(&format!("https://h/?{query}")).app_name(),
            Some(name),
            "{query}"
        );
    }
    // Headers: secrets by name, masked everywhere; others shown.
    let s =
        parse("https://h/?header.X-ClickHouse-User=app&header.X-ClickHouse-Key=s3cr3t&schema=doc");
    let json = s.to_json();
    assert_eq!(json["headers"]["X-ClickHouse-User"], "app");
    assert_eq!(json["headers"]["X-ClickHouse-Key"], "***");
    assert_eq!(json["headers"]["Default-Schema"], "doc");
    for shown in [
        s.to_uri(),
        format!("{s:?}"),
        s.to_string(),
        json.to_string(),
    ] {
        assert!(!shown.contains("s3cr3t"), "{shown}");
    }
    assert_eq!(parse(&s.to_uri_with_secrets()), s);
    // The keyword's header replaces the URI's of the same name only.
    let s = Settings::builder()
        .uri("https://h/?header.X-A=1&header.X-B=2")
        .header("x-a", "3")
        .build()
        .unwrap();
    let headers: Vec<(&str, &str)> = s
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str(), v.expose()))
        .collect();
    assert_eq!(headers, [("X-B", "2"), ("x-a", "3")]);
    // Headers httpdb writes itself, and malformed ones, are refused.
    for (uri, words) in [
        (
            "https://h/?header.Content-Length=5",
            &["written by httpdb itself"][..],
        ),
        (
            "https://h/?header.Host=x",
            &["written by httpdb itself"][..],
        ),
        (
            "https://h/?header.X%20Y=1",
            &["not a valid header name"][..],
        ),
        (
            "https://h/?header.X-A=%C3%A9",
            &["cannot go into a header"][..],
        ),
        (
            "https://h/?header.X-A=1&header.x-a=2",
            &["conflicting options"][..],
        ),
        ("https://h/?headers=no-colon", &["a line without ':'"][..]),
        ("https://h/?appname=%C3%A9", &["not printable ASCII"][..]),
    ] {
        let (_, message) = config_error(Settings::from_uri(uri));
        assert_contains(&message, words);
    }
}

/// A peer's name httpdb knows but does not honour is refused with its
/// reason, never as unknown; a typo of one is not sent to an option with
/// another meaning.
#[test]
fn refused_peer_names_say_why() {
    for (uri, option, words) in [
        (
            "https://h/?retryWrites=true",
            "retryWrites",
            &["pymongo", "never resends a write"][..],
        ),
        (
            "https://h/?tlsDisableOCSPEndpointCheck=true",
            "tlsDisableOCSPEndpointCheck",
            &["pymongo", "OCSP"][..],
        ),
        (
            "https://h/?minPoolSize=2",
            "minPoolSize",
            &["no minimum", "maxPoolSize"][..],
        ),
        (
            "https://h/?sslcompression=1",
            "sslcompression",
            &["libpq", "CRIME"][..],
        ),
        (
            "https://h/?node_selector_class=x",
            "node_selector_class",
            &["Python class"][..],
        ),
        (
            "https://h/?dead_node_backoff_factor=2",
            "dead_node_backoff_factor",
            &["elasticsearch-py", "retry_interval"][..],
        ),
    ] {
        let (got, message) = config_error(Settings::from_uri(uri));
        assert_eq!(got, option, "{message}");
        assert_contains(&message, words);
        assert!(!message.contains("unknown option"), "{message}");
        assert!(!message.contains("did you mean"), "{message}");
    }
    // Typos: the nearest name is the refused one, with its reason.
    let (_, message) = config_error(Settings::from_uri(
        "https://h/?tlsDisableOCSPEndpointChek=1",
    ));
    assert_contains(
        &message,
        &["did you mean \"tlsDisableOCSPEndpointCheck\"", "OCSP"],
    );
    let (_, message) = config_error(Settings::from_uri("https://h/?tlsCRLFil=/crl.pem"));
    assert_contains(&message, &["did you mean \"tlsCRLFile\""]);
    assert!(!message.contains("tlsCAFile"), "{message}");
    let (_, message) = config_error(Settings::from_uri("https://h/?minPoolSiz=2"));
    assert_contains(&message, &["did you mean \"minPoolSize\""]);
}

#[test]
fn tls_version_bounds() {
    let s = parse("https://h/?ssl_min_protocol_version=TLSv1.3");
    assert_eq!(
        (s.ssl_min_protocol_version(), s.ssl_max_protocol_version()),
        (httpdb::TlsVersion::Tls13, httpdb::TlsVersion::Tls13)
    );
    assert_eq!(s, parse("https://h/?ssl_version=TLSv1_3"));
    assert_eq!(s, parse("https://h/?ssl_min_protocol_version=1.3"));
    assert_eq!(
        s,
        build(uri("https://h").ssl_min_protocol_version(httpdb::TlsVersion::Tls13))
    );
    assert_eq!(parse(&s.to_uri()), s);
    let max = parse("https://h/?ssl_max_protocol_version=tlsv1.2");
    assert_eq!(max.ssl_max_protocol_version(), httpdb::TlsVersion::Tls12);
    assert_eq!(
        max.to_uri(),
        "https://h:443/?ssl_max_protocol_version=TLSv1.2"
    );
    for (uri, option, words) in [
        (
            "https://h/?ssl_min_protocol_version=TLSv1.1",
            "ssl_min_protocol_version",
            &["insecure", "TLSv1.2 or TLSv1.3"][..],
        ),
        (
            "https://h/?ssl_version=TLSv1",
            "ssl_version",
            &["insecure", "which sets ssl_min_protocol_version"][..],
        ),
        (
            "https://h/?ssl_min_protocol_version=TLSv1.3&ssl_max_protocol_version=TLSv1.2",
            "ssl_max_protocol_version",
            &["no TLS version to speak"][..],
        ),
        (
            "http://h/?ssl_max_protocol_version=TLSv1.2",
            "ssl_max_protocol_version",
            &["TLS is off"][..],
        ),
    ] {
        let (got, message) = config_error(Settings::from_uri(uri));
        assert_eq!(got, option, "{message}");
        assert_contains(&message, words);
    }
}

/// Keys of `Settings::to_json` (and so of `httpdb config`) that are no
/// option of README.md's table: the hosts, the scheme, the path, the URI,
/// and `compress`'s smallest size.
const STRUCTURAL_JSON_KEYS: &[&str] = &[
    "hosts",
    "hosts_unicode",
    "tls",
    "path",
    "uri",
    "compress_min_size",
];

/// Asserts that `keys` (of `to_json`, or of `httpdb config` with `extra`)
/// are exactly the options README.md's option table documents, a
/// duration's with `_ms` (it is shown in milliseconds), and the structural
/// keys: one list, the README's, for the library's and the CLI's tests.
pub fn assert_documented_json_keys(keys: &[&str], extra: &[&str]) {
    let readme = include_str!("../../README.md");
    let section = readme
        .split("\n## Options\n")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("README.md has an Options section");
    let mut expected: Vec<String> = section
        .lines()
        .filter_map(|line| line.strip_prefix("| `")?.split('`').next())
        // `ssl` is the `tls` key; `sslmode` sets other options; a service
        // and the credential files are where values come from (`sources`),
        // not settings of their own.
        .filter(|name| {
            !matches!(
                *name,
                "ssl" | "sslmode" | "service" | "passfile" | "netrc" | "netrc_file"
            )
        })
        .map(|name| {
            let ms = format!("{name}_ms");
            if keys.contains(&ms.as_str()) {
                ms
            } else {
                name.to_string()
            }
        })
        .chain(
            STRUCTURAL_JSON_KEYS
                .iter()
                .chain(extra)
                .map(|k| k.to_string()),
        )
        .collect();
    expected.sort_unstable();
    let mut keys: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
    keys.sort_unstable();
    assert!(expected.len() > 40, "{expected:?}");
    assert_eq!(keys, expected);
}

/// The URI forms libpq accepts that httpdb refused (issue #24): a
/// percent-encoded host, an empty port (the default one) and an empty
/// userinfo (no credentials). The expected settings are built with the
/// public API, not with the parser under test.
#[test]
fn libpq_uri_edges() {
    let plain = |name: &str, port: u16| Settings::builder().host(name, port).build().unwrap();
    check("https://%68ost/", plain("host", 443));
    check("https://host:/", plain("host", 443));
    check("https://@host", plain("host", 443));
    check("https://[::1]:/", plain("::1", 443));
    check(
        "https://%64b1:4200,db2:/",
        Settings::builder()
            .host("db1", 4200)
            .host("db2", 443)
            .build()
            .unwrap(),
    );
    // Decoded, a host is still a DNS name: an encoded comma or slash is no
    // way around the grammar.
    for uri in ["https://h%2Cx/", "https://h%2Fx/", "https://h%zz/"] {
        let error = Settings::from_uri(uri).unwrap_err();
        assert!(error.to_string().contains("host"), "{uri}: {error}");
    }
    // A user name stays required before a password.
    assert!(Settings::from_uri("https://:pw@host").is_err());
}
